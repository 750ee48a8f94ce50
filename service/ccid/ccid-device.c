/* ccid-device.c: one USB CCID reader interface, driven with libusb's async API
 *
 * Everything runs in the main loop (ccid-usb-source.c): one bulk OUT per
 * command, one bulk IN read in flight while a command waits for its answer,
 * one interrupt read always in flight when the reader has the endpoint.
 * Every submitted transfer holds a reference on the device, so the handle is
 * closed only once libusb has given every transfer back, even on unplug.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-device-private.h"

#include <string.h>

#include "ccid-message.h"
#include "ccid-usb-lookup.h"
#include "ccid-slot.h"
#include "scb-error.h"

/* Class request ABORT, CCID §5.3.1 */
#define CCID_REQUEST_ABORT 0x01
#define CLEAR_HALT_TIMEOUT_MS 5000

/* Endpoints that stalled (USB 2.0 §8.4.5) and wait for their halt to be
 * cleared: bits of CcidDevice.halted. */
#define HALT_BULK_OUT 0x1
#define HALT_BULK_IN 0x2
#define HALT_INTERRUPT 0x4

struct _Command
{
  CcidDevice *device;    /* a reference while @func waits */
  CcidTransferFunc func; /* NULL for our own Abort */
  gpointer user_data;
  guint8 slot;
  guint8 type;
  guint8 seq;
  guint timeout_ms;
  gint64 sent;      /* monotonic µs */
  guint extensions; /* time extensions granted so far */
  GError *error;    /* why it failed before it was sent */
  gsize len;
  guint8 message[];
};

G_DEFINE_FINAL_TYPE (CcidDevice, ccid_device, G_TYPE_OBJECT)

static void pump (CcidDevice *self);
static void restart_timeout (CcidDevice *self, guint ms);

static gboolean
unref_later_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

void
ccid_device_transfer_unref (CcidTransferRef *self)
{
  if (g_atomic_int_get (&G_OBJECT (self)->ref_count) > 1)
    g_object_unref (self);
  else
    g_idle_add_full (G_PRIORITY_DEFAULT, unref_later_cb, self, g_object_unref);
}

static Command *
command_new (const guint8 *message, gsize len, guint timeout_ms)
{
  Command *cmd = g_malloc0 (sizeof (Command) + len);

  memcpy (cmd->message, message, len);
  cmd->len = len;
  cmd->type = message[0];
  cmd->slot = message[5];
  cmd->timeout_ms = timeout_ms;
  return cmd;
}

/* Answers the command (@reply, or @error, which it takes) and frees it. */
static void
command_finish (Command *cmd, const guint8 *reply, gsize len, GError *error)
{
  if (cmd->func != NULL)
    cmd->func (cmd->device, reply, len, error, cmd->user_data);
  g_clear_error (&error);
  g_clear_object (&cmd->device);
  g_free (cmd);
}

static void
clear_timeout (CcidDevice *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
}

/* The device vanished under us: libusb said NO_DEVICE, or udev removed it. */
void
ccid_device_gone (CcidDevice *self, const char *why)
{
  Command *cmd;

  if (self->removed)
    return;
  self->removed = TRUE;
  g_debug ("%s: %s", self->name, why);
  clear_timeout (self);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->int_retry_id, g_source_remove);

  if (self->current != NULL)
    command_finish (
        g_steal_pointer (&self->current), NULL, 0,
        g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "Reader %s was removed", self->name));
  while ((cmd = g_queue_pop_head (&self->queue)) != NULL)
    command_finish (
        cmd, NULL, 0,
        g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "Reader %s was removed", self->name));

  /* Their callbacks drop the references they hold. */
  if (self->out_busy)
    libusb_cancel_transfer (self->out_xfer);
  if (self->in_busy)
    libusb_cancel_transfer (self->in_xfer);
  if (self->int_busy)
    libusb_cancel_transfer (self->int_xfer);

  for (guint i = 0; i < self->slots->len; i++)
    ccid_slot_handle_device_removed (g_ptr_array_index (self->slots, i));
}

static guint8
halt_endpoint (CcidDevice *self, guint8 bit)
{
  if (bit == HALT_BULK_OUT)
    return self->eps.bulk_out;
  if (bit == HALT_BULK_IN)
    return self->eps.bulk_in;
  return self->eps.interrupt_in;
}

static void clear_next_halt (CcidDevice *self);

static void LIBUSB_CALL
on_halt_cleared (struct libusb_transfer *xfer)
{
  g_autoptr (CcidTransferRef) self = xfer->user_data;
  guint8 bit = self->clearing;

  self->clearing = 0;
  self->halted &= (guint8) ~bit;
  if (self->removed)
    return;
  if (xfer->status == LIBUSB_TRANSFER_NO_DEVICE)
    {
      ccid_device_gone (self, "gone while clearing a halt");
      return;
    }
  if (xfer->status != LIBUSB_TRANSFER_COMPLETED)
    g_warning ("%s: cannot clear the halt of endpoint 0x%02x (status %d)", self->name,
               halt_endpoint (self, bit), (int) xfer->status);
  if (bit == HALT_INTERRUPT)
    ccid_device_retry_interrupt_later (self);
  clear_next_halt (self);
  pump (self);
  /* LIBUSB_TRANSFER_FREE_BUFFER | FREE_TRANSFER free the rest */
}

/* USB 2.0 §9.4.1 CLEAR_FEATURE(ENDPOINT_HALT), one endpoint at a time, as
 * an asynchronous control transfer: libusb_clear_halt() would block the
 * main loop for a whole control transfer. On xHCI the host side of the
 * endpoint (its sequence number) was already reset when the STALL came
 * (Reset Endpoint command); this resets the reader's side. */
static void
clear_next_halt (CcidDevice *self)
{
  while (self->clearing == 0 && self->halted != 0 && !self->removed)
    {
      guint8 bit = (self->halted & HALT_BULK_OUT)  ? HALT_BULK_OUT
                   : (self->halted & HALT_BULK_IN) ? HALT_BULK_IN
                                                   : HALT_INTERRUPT;
      struct libusb_transfer *xfer = libusb_alloc_transfer (0);
      guint8 *setup = g_malloc0 (LIBUSB_CONTROL_SETUP_SIZE);
      int r;

      libusb_fill_control_setup (
          setup, LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_STANDARD | LIBUSB_RECIPIENT_ENDPOINT,
          LIBUSB_REQUEST_CLEAR_FEATURE, 0 /* ENDPOINT_HALT */, halt_endpoint (self, bit), 0);
      libusb_fill_control_transfer (xfer, self->handle, setup, on_halt_cleared, self,
                                    CLEAR_HALT_TIMEOUT_MS);
      xfer->flags = LIBUSB_TRANSFER_FREE_BUFFER | LIBUSB_TRANSFER_FREE_TRANSFER;
      r = libusb_submit_transfer (xfer);
      if (r == 0)
        {
          g_object_ref (self);
          self->clearing = bit;
          return;
        }
      libusb_free_transfer (xfer);
      self->halted &= (guint8) ~bit;
      if (r == LIBUSB_ERROR_NO_DEVICE)
        {
          ccid_device_gone (self, "gone when clearing a halt");
          return;
        }
      g_warning ("%s: cannot clear the halt of endpoint 0x%02x: %s", self->name,
                 halt_endpoint (self, bit), libusb_error_name (r));
      if (bit == HALT_INTERRUPT)
        ccid_device_retry_interrupt_later (self);
    }
}

/* No command goes out on a halted bulk endpoint (pump() waits), and the
 * interrupt endpoint is read again once cleared. */
void
ccid_device_clear_halt (CcidDevice *self, guint8 ep)
{
  if (ep == self->eps.bulk_out)
    self->halted |= HALT_BULK_OUT;
  else if (ep == self->eps.bulk_in)
    self->halted |= HALT_BULK_IN;
  else
    self->halted |= HALT_INTERRUPT;
  clear_next_halt (self);
}

static void
fail_current (CcidDevice *self, GError *error)
{
  clear_timeout (self);
  if (self->current != NULL)
    command_finish (g_steal_pointer (&self->current), NULL, 0, error);
  else
    g_error_free (error);
}

/* Submits @xfer holding a reference; on failure the command in flight
 * fails (or the device is gone) and FALSE is returned. */
static gboolean
submit (CcidDevice *self, struct libusb_transfer *xfer, gboolean *busy, const char *what)
{
  int r = libusb_submit_transfer (xfer);

  if (r == LIBUSB_ERROR_NO_DEVICE)
    ccid_device_gone (self, "gone when submitting a transfer");
  else if (r < 0)
    fail_current (self, g_error_new (SCB_ERROR, SCB_ERROR_COMM_ERROR, "Reader %s: cannot %s: %s",
                                     self->name, what, libusb_error_name (r)));
  if (r < 0)
    return FALSE;
  g_object_ref (self);
  *busy = TRUE;
  return TRUE;
}

static void
handle_transfer_error (CcidDevice *self, struct libusb_transfer *xfer, const char *what)
{
  switch (xfer->status)
    {
    case LIBUSB_TRANSFER_NO_DEVICE:
      ccid_device_gone (self, "unplugged during a transfer");
      break;
    case LIBUSB_TRANSFER_CANCELLED:
      break;
    case LIBUSB_TRANSFER_STALL:
      g_warning ("%s: %s endpoint 0x%02x stalled", self->name, what, xfer->endpoint);
      ccid_device_clear_halt (self, xfer->endpoint);
      fail_current (self,
                    g_error_new (SCB_ERROR, SCB_ERROR_COMM_ERROR, "Reader %s stalled", self->name));
      break;
    default:
      fail_current (self, g_error_new (SCB_ERROR, SCB_ERROR_COMM_ERROR,
                                       "Reader %s: %s transfer failed (status %d)", self->name,
                                       what, (int) xfer->status));
      break;
    }
}

static void LIBUSB_CALL
on_out_done (struct libusb_transfer *xfer)
{
  g_autoptr (CcidTransferRef) self = xfer->user_data; /* the submit's reference */

  self->out_busy = FALSE;
  if (self->removed)
    return;
  if (xfer->status != LIBUSB_TRANSFER_COMPLETED)
    {
      handle_transfer_error (self, xfer, "bulk OUT");
      pump (self);
    }
}

static void LIBUSB_CALL
on_abort_request_done (struct libusb_transfer *xfer)
{
  g_autoptr (CcidTransferRef) self = xfer->user_data;

  if (xfer->status != LIBUSB_TRANSFER_COMPLETED)
    g_debug ("%s: ABORT request: status %d", self->name, (int) xfer->status);
  /* LIBUSB_TRANSFER_FREE_BUFFER | FREE_TRANSFER free the rest */
}

static void
send_abort (CcidDevice *self, guint8 slot)
{
  Command *cmd;
  guint8 msg[CCID_HEADER_LENGTH];
  guint8 seq = self->seq; /* the Abort message will take this bSeq */
  struct libusb_transfer *xfer = libusb_alloc_transfer (0);
  guint8 *setup = g_malloc0 (LIBUSB_CONTROL_SETUP_SIZE);

  /* CCID §5.3.1: the ABORT class request, then PC_to_RDR_Abort, both with
   * the same bSlot and bSeq. Best effort: failures are only logged. */
  libusb_fill_control_setup (setup, LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE,
                             CCID_REQUEST_ABORT, (guint16) (seq << 8 | slot),
                             (guint16) self->interface_number, 0);
  libusb_fill_control_transfer (xfer, self->handle, setup, on_abort_request_done, self, 1000);
  xfer->flags = LIBUSB_TRANSFER_FREE_BUFFER | LIBUSB_TRANSFER_FREE_TRANSFER;
  if (libusb_submit_transfer (xfer) == 0)
    g_object_ref (self);
  else
    libusb_free_transfer (xfer);

  ccid_build_abort (msg, sizeof msg, slot, 0);
  cmd = command_new (msg, sizeof msg, 2000);
  g_queue_push_head (&self->queue, cmd);
}

/* Gives up the command in flight: it fails with SCB_ERROR_TIMEOUT and
 * @why, and is aborted (CCID §5.3.1). */
static void
give_up_current (CcidDevice *self, const char *why)
{
  Command *cmd = g_steal_pointer (&self->current);

  g_warning ("%s: %s to %s", self->name, why, ccid_message_type_name (cmd->type));
  /* Bulk OUT has no libusb timeout (it would arm libusb's timerfd twice
   * per command): a message a wedged reader never took is cancelled here. */
  if (self->out_busy)
    libusb_cancel_transfer (self->out_xfer);
  if (cmd->type != CCID_PC_TO_RDR_ABORT)
    send_abort (self, cmd->slot);
  command_finish (cmd, NULL, 0,
                  g_error_new (SCB_ERROR, SCB_ERROR_TIMEOUT, "Reader %s: %s", self->name, why));
  pump (self);
}

static void submit_in (CcidDevice *self);

static void
handle_reply (CcidDevice *self, const guint8 *buf, gsize len)
{
  CcidReply reply;
  const char *reason = NULL;
  CcidParseResult pr;
  Command *cmd = self->current;

  if (cmd == NULL)
    return; /* an answer to an aborted command */
  pr = ccid_reply_parse (buf, len, self->desc.message_length, &reply, &reason);
  if (pr != CCID_PARSE_OK)
    {
      g_warning ("%s: malformed answer to %s: %s", self->name, ccid_message_type_name (cmd->type),
                 reason);
      fail_current (self,
                    g_error_new (SCB_ERROR, SCB_ERROR_COMM_ERROR,
                                 "Reader %s sent a malformed answer: %s", self->name, reason));
      return;
    }

  switch (ccid_reply_match (&reply, cmd->type, cmd->slot, cmd->seq))
    {
    case CCID_MATCH_OK:
      self->current = NULL; /* the timer stays for the next command */
      command_finish (cmd, buf, CCID_HEADER_LENGTH + reply.length, NULL);
      break;
    case CCID_MATCH_TIME_EXTENSION:
      {
        /* CCID §6.2.6: the card needs more time; bError multiplies BWT.
         * Not without end: a reader may not hold the slot forever. */
        guint64 want = (guint64) cmd->timeout_ms * ccid_reply_time_extension (&reply);
        gint64 left = cmd->sent + (gint64) CCID_MAX_COMMAND_MS * 1000 - g_get_monotonic_time ();

        if (++cmd->extensions > CCID_MAX_TIME_EXTENSIONS || left <= 0)
          {
            give_up_current (self, "too many time extensions");
            break;
          }
        restart_timeout (self, (guint) MIN (want, (guint64) (left + 999) / 1000));
        submit_in (self);
        break;
      }
    case CCID_MATCH_WRONG_SEQ:
      /* stale: the answer to a command we gave up on */
      g_debug ("%s: dropping an answer with bSeq %u (waiting for %u)", self->name, reply.seq,
               cmd->seq);
      submit_in (self);
      break;
    case CCID_MATCH_WRONG_SLOT:
    case CCID_MATCH_WRONG_TYPE:
    default:
      fail_current (self,
                    g_error_new (SCB_ERROR, SCB_ERROR_COMM_ERROR, "Reader %s answered %s with %s",
                                 self->name, ccid_message_type_name (cmd->type),
                                 ccid_message_type_name (reply.type)));
      break;
    }
}

static void LIBUSB_CALL
on_in_done (struct libusb_transfer *xfer)
{
  g_autoptr (CcidTransferRef) self = xfer->user_data;

  self->in_busy = FALSE;
  if (self->removed)
    return;
  /* The answer is handed over in place: the next read, which its
   * callback may already start, goes to the other buffer. */
  self->in_buf = xfer->buffer == self->in_bufs[0] ? self->in_bufs[1] : self->in_bufs[0];
  if (xfer->status == LIBUSB_TRANSFER_COMPLETED)
    handle_reply (self, xfer->buffer, (gsize) xfer->actual_length);
  else
    handle_transfer_error (self, xfer, "bulk IN");
  pump (self);
}

static void
submit_in (CcidDevice *self)
{
  if (self->in_busy || self->removed)
    return;
  libusb_fill_bulk_transfer (self->in_xfer, self->handle, self->eps.bulk_in, self->in_buf,
                             (int) self->in_buf_size, on_in_done, self, 0 /* our own timer */);
  submit (self, self->in_xfer, &self->in_busy, "read");
}

static gboolean
on_timeout (gpointer user_data)
{
  CcidDevice *self = user_data;
  Command *cmd = self->current;
  gint64 now = g_get_monotonic_time ();

  self->timeout_id = 0;
  if (cmd == NULL)
    return G_SOURCE_REMOVE;
  if (now < self->deadline)
    {
      /* A later command, with time left */
      self->timer_expiry = self->deadline;
      self->timeout_id
          = g_timeout_add ((guint) ((self->deadline - now + 999) / 1000), on_timeout, self);
      return G_SOURCE_REMOVE;
    }
  give_up_current (self, "no answer in time");
  return G_SOURCE_REMOVE;
}

static void
pump (CcidDevice *self)
{
  Command *cmd;
  gsize len;

  if (self->current != NULL || self->removed || (self->halted & (HALT_BULK_OUT | HALT_BULK_IN))
      || self->out_busy)
    return;
  cmd = g_queue_pop_head (&self->queue);
  if (cmd == NULL)
    return;

  len = cmd->len;
  memcpy (self->out_buf, cmd->message, len);
  cmd->seq = self->seq++;
  self->out_buf[6] = cmd->seq;
  self->current = cmd;

  libusb_fill_bulk_transfer (self->out_xfer, self->handle, self->eps.bulk_out, self->out_buf,
                             (int) len, on_out_done, self, 0);
  if (!submit (self, self->out_xfer, &self->out_busy, "write"))
    return;
  cmd->sent = g_get_monotonic_time ();
  restart_timeout (self, cmd->timeout_ms);
  submit_in (self);
}

/* One timer serves a stream of commands: a new GSource per command cost
 * more than the rest of the exchange. It is re-armed only for a deadline
 * earlier than the one it waits for, and runs out once the device idles. */
static void
restart_timeout (CcidDevice *self, guint ms)
{
  self->deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  if (self->timeout_id != 0 && self->timer_expiry <= self->deadline)
    return;
  clear_timeout (self);
  self->timer_expiry = self->deadline;
  /* g_timeout_add runs on the monotonic clock. */
  self->timeout_id = g_timeout_add (ms, on_timeout, self);
}

/* Each command holds a reference, so the device outlives this idle. */
static gboolean
fail_pending_cb (gpointer user_data)
{
  CcidDevice *self = user_data;
  Command *cmd;

  self->failed_id = 0;
  while ((cmd = g_queue_pop_head (&self->failed)) != NULL)
    command_finish (cmd, NULL, 0, g_steal_pointer (&cmd->error));
  return G_SOURCE_REMOVE;
}

void
ccid_device_transfer (CcidDevice *self, const guint8 *message, gsize len, guint timeout_ms,
                      CcidTransferFunc func, gpointer user_data)
{
  Command *cmd;

  g_return_if_fail (len >= CCID_HEADER_LENGTH && func != NULL);
  cmd = command_new (message, len, MAX (timeout_ms, 100));
  cmd->device = g_object_ref (self);
  cmd->func = func;
  cmd->user_data = user_data;
  if (self->removed)
    cmd->error = g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "Reader %s was removed",
                              self->name);
  else if (len > self->desc.message_length)
    cmd->error = g_error_new (SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER,
                              "A %" G_GSIZE_FORMAT "-byte message does not fit reader %s "
                              "(at most %u bytes)",
                              len, self->name, self->desc.message_length);
  if (cmd->error != NULL)
    {
      /* Never from inside the call: the caller is not ready for it. */
      g_queue_push_tail (&self->failed, cmd);
      if (self->failed_id == 0)
        self->failed_id = g_idle_add (fail_pending_cb, self);
      return;
    }
  g_queue_push_tail (&self->queue, cmd);
  pump (self);
}

void
ccid_device_shutdown (CcidDevice *self)
{
  ccid_device_gone (self, "shut down");
}

gboolean
ccid_device_is_removed (CcidDevice *self)
{
  return self->removed;
}

/* ---- construction ------------------------------------------------------ */

CcidDevice *
ccid_device_new (CcidUsbContext *usb, GUdevDevice *interface, guint index, guint poll_interval_ms,
                 GError **error)
{
  g_autoptr (CcidDevice) self = g_object_new (CCID_TYPE_DEVICE, NULL);
  g_autoptr (GUdevDevice) usb_device = NULL;

  usb_device = g_udev_device_get_parent_with_subsystem (interface, "usb", "usb_device");
  if (usb_device == NULL)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER, "%s is not below a USB device",
                   g_udev_device_get_sysfs_path (interface));
      return NULL;
    }
  self->usb = ccid_usb_context_ref (usb);
  self->sysfs_path = g_strdup (g_udev_device_get_sysfs_path (interface));
  self->vendor_id = (guint16) ccid_usb_sysfs_hex (usb_device, "idVendor");
  self->product_id = (guint16) ccid_usb_sysfs_hex (usb_device, "idProduct");
  self->bcd_device = (guint16) ccid_usb_sysfs_hex (usb_device, "bcdDevice");
  self->interface_number = (int) ccid_usb_sysfs_hex (interface, "bInterfaceNumber");
  self->manufacturer = g_strdup (g_udev_device_get_sysfs_attr (usb_device, "manufacturer"));
  self->busnum = (guint) g_udev_device_get_sysfs_attr_as_int (usb_device, "busnum");
  self->devnum = (guint) g_udev_device_get_sysfs_attr_as_int (usb_device, "devnum");
  self->index = index;
  self->poll_interval_ms = poll_interval_ms > 0 ? poll_interval_ms : CCID_DEFAULT_POLL_INTERVAL_MS;
  self->name = ccid_usb_reader_name (usb_device, interface, self->vendor_id, self->product_id,
                                     &self->serial);
  self->handle = ccid_usb_open_interface (usb, usb_device, self->interface_number, self->name,
                                          &self->desc, &self->eps, error);
  if (self->handle == NULL)
    return NULL;
  self->claimed = TRUE;

  self->out_xfer = libusb_alloc_transfer (0);
  self->in_xfer = libusb_alloc_transfer (0);
  self->int_xfer = libusb_alloc_transfer (0);
  self->out_buf = g_malloc0 (self->desc.message_length);
  /* Whole packets, so a reader that pads its last packet does not overflow. */
  self->in_buf_size = (self->desc.message_length + 511) / 512 * 512;
  self->in_bufs[0] = g_malloc (self->in_buf_size);
  self->in_bufs[1] = g_malloc (self->in_buf_size);
  self->in_buf = self->in_bufs[0];

  for (guint i = 0; i < self->desc.n_slots; i++)
    {
      g_autofree char *slot_name = g_strdup_printf ("%s %02X %02X", self->name, index, i);

      g_ptr_array_add (self->slots, ccid_slot_new (self, i, slot_name));
    }
  g_debug ("%s: %s level, %u slot(s), %s, messages up to %u bytes", self->name,
           ccid_exchange_level_to_string (self->desc.level), self->desc.n_slots,
           self->eps.interrupt_in != 0 ? "interrupt endpoint" : "polled",
           self->desc.message_length);
  return g_steal_pointer (&self);
}

static void
ccid_device_dispose (GObject *object)
{
  CcidDevice *self = CCID_DEVICE (object);

  /* No transfer is in flight here: each holds a reference. */
  clear_timeout (self);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->int_retry_id, g_source_remove);
  if (self->slots != NULL)
    for (guint i = 0; i < self->slots->len; i++)
      ccid_slot_handle_device_removed (g_ptr_array_index (self->slots, i));
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  G_OBJECT_CLASS (ccid_device_parent_class)->dispose (object);
}

static void
ccid_device_finalize (GObject *object)
{
  CcidDevice *self = CCID_DEVICE (object);
  Command *cmd;

  while ((cmd = g_queue_pop_head (&self->queue)) != NULL)
    command_finish (cmd, NULL, 0,
                    g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "Reader closed"));
  if (self->handle != NULL)
    {
      if (self->claimed)
        libusb_release_interface (self->handle, self->interface_number);
      libusb_close (self->handle);
    }
  g_clear_pointer (&self->out_xfer, libusb_free_transfer);
  g_clear_pointer (&self->in_xfer, libusb_free_transfer);
  g_clear_pointer (&self->int_xfer, libusb_free_transfer);
  g_free (self->out_buf);
  g_free (self->in_bufs[0]);
  g_free (self->in_bufs[1]);
  g_free (self->sysfs_path);
  g_free (self->name);
  g_free (self->serial);
  g_free (self->manufacturer);
  g_clear_pointer (&self->usb, ccid_usb_context_unref);
  G_OBJECT_CLASS (ccid_device_parent_class)->finalize (object);
}

static void
ccid_device_class_init (CcidDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ccid_device_dispose;
  object_class->finalize = ccid_device_finalize;
}

static void
ccid_device_init (CcidDevice *self)
{
  self->slots = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->queue);
  g_queue_init (&self->failed);
}

/* ccid-device-interrupt.c: how a CcidDevice learns of slot changes: the
 * interrupt endpoint (NotifySlotChange, HardwareError, CCID §6.3), read
 * again after a growing pause while it fails, or the GetSlotStatus poll of
 * readers without one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-device-private.h"

#include "ccid-message.h"
#include "ccid-slot.h"

static void submit_interrupt (CcidDevice *self);

static void
handle_notification (CcidDevice *self, const guint8 *buf, gsize len)
{
  CcidNotification n;
  const char *reason = NULL;

  if (ccid_notification_parse (buf, len, self->desc.n_slots, &n, &reason) != CCID_PARSE_OK)
    {
      g_debug ("%s: ignoring interrupt message: %s", self->name, reason);
      return;
    }
  if (n.type == CCID_RDR_TO_PC_NOTIFY_SLOT_CHANGE)
    {
      for (guint i = 0; i < self->slots->len; i++)
        ccid_slot_handle_presence (g_ptr_array_index (self->slots, i), (n.present & (1u << i)) != 0,
                                   (n.changed & (1u << i)) != 0);
    }
  else if (n.type == CCID_RDR_TO_PC_HARDWARE_ERROR)
    {
      g_warning ("%s: hardware error %u on slot %u", self->name, n.hardware_error, n.slot);
      if (n.slot < self->slots->len)
        ccid_slot_handle_hardware_error (g_ptr_array_index (self->slots, n.slot), n.hardware_error);
    }
}

static gboolean
interrupt_retry_cb (gpointer user_data)
{
  CcidDevice *self = user_data;

  self->int_retry_id = 0;
  submit_interrupt (self);
  return G_SOURCE_REMOVE;
}

/* A reader whose interrupt endpoint keeps failing must not spin the
 * daemon: the next read waits, twice as long after each failure in a row,
 * up to CCID_INTERRUPT_RETRY_MAX_MS; a read that works resets the pause. */
void
ccid_device_retry_interrupt_later (CcidDevice *self)
{
  if (self->int_retry_id != 0 || self->removed)
    return;
  self->int_retry_ms = self->int_retry_ms == 0
                           ? CCID_INTERRUPT_RETRY_FIRST_MS
                           : MIN (self->int_retry_ms * 2, CCID_INTERRUPT_RETRY_MAX_MS);
  self->int_retry_id = g_timeout_add (self->int_retry_ms, interrupt_retry_cb, self);
}

static void LIBUSB_CALL
on_interrupt_done (struct libusb_transfer *xfer)
{
  g_autoptr (CcidTransferRef) self = xfer->user_data;

  self->int_busy = FALSE;
  if (self->removed)
    return;
  switch (xfer->status)
    {
    case LIBUSB_TRANSFER_COMPLETED:
      if (self->int_retry_ms != 0)
        g_debug ("%s: the interrupt endpoint works again", self->name);
      self->int_retry_ms = 0;
      handle_notification (self, xfer->buffer, (gsize) xfer->actual_length);
      submit_interrupt (self);
      return;
    case LIBUSB_TRANSFER_NO_DEVICE:
      ccid_device_gone (self, "unplugged (interrupt endpoint)");
      return;
    case LIBUSB_TRANSFER_CANCELLED:
      return;
    default:
      break;
    }
  /* Warned once per run of failures. */
  if (self->int_retry_ms == 0)
    g_warning ("%s: interrupt transfer failed (status %d); reading it again after a pause",
               self->name, (int) xfer->status);
  else
    g_debug ("%s: interrupt transfer failed again (status %d)", self->name, (int) xfer->status);
  /* A lost interrupt message would hide an insertion: ask every slot. */
  for (guint i = 0; i < self->slots->len; i++)
    ccid_slot_refresh (g_ptr_array_index (self->slots, i));
  if (xfer->status == LIBUSB_TRANSFER_STALL)
    ccid_device_clear_halt (self, xfer->endpoint); /* read again once cleared */
  else
    ccid_device_retry_interrupt_later (self);
}

static void
submit_interrupt (CcidDevice *self)
{
  int r;

  if (self->int_busy || self->removed || self->eps.interrupt_in == 0)
    return;
  libusb_fill_interrupt_transfer (self->int_xfer, self->handle, self->eps.interrupt_in,
                                  self->int_buf, sizeof self->int_buf, on_interrupt_done, self, 0);
  r = libusb_submit_transfer (self->int_xfer);
  if (r == 0)
    {
      g_object_ref (self); /* dropped by on_interrupt_done */
      self->int_busy = TRUE;
      return;
    }
  if (r == LIBUSB_ERROR_NO_DEVICE)
    {
      ccid_device_gone (self, "gone when reading the interrupt endpoint");
      return;
    }
  if (self->int_retry_ms == 0)
    g_warning ("%s: cannot read the interrupt endpoint: %s", self->name, libusb_error_name (r));
  ccid_device_retry_interrupt_later (self);
}

static gboolean
on_poll (gpointer user_data)
{
  CcidDevice *self = user_data;

  /* Only readers without an interrupt endpoint get here. A busy reader is
   * not asked: the answers to its commands carry the slot status too. */
  if (self->current == NULL && g_queue_is_empty (&self->queue))
    for (guint i = 0; i < self->slots->len; i++)
      ccid_slot_refresh (g_ptr_array_index (self->slots, i));
  return G_SOURCE_CONTINUE;
}

void
ccid_device_start (CcidDevice *self)
{
  if (self->started || self->removed)
    return;
  self->started = TRUE;
  if (self->eps.interrupt_in != 0)
    submit_interrupt (self);
  else
    self->poll_id = g_timeout_add (self->poll_interval_ms, on_poll, self);
  for (guint i = 0; i < self->slots->len; i++)
    ccid_slot_refresh (g_ptr_array_index (self->slots, i));
}

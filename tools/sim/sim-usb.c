/* sim-usb.c: the usbdevfs side of one simulated reader
 *
 * Runs in umockdev's ioctl thread, under the bed's lock. The emulated host
 * controller answers USBDEVFS_GET_CAPABILITIES as an xHCI host does
 * (scatter-gather, bulk continuation, zero-length packets, no packet size
 * limit), so libusb submits a large bulk read as one URB.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-usb.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_URB_BUFFER (16 * 1024 * 1024)

typedef struct
{
  UMockdevIoctlData *urb; /* struct usbdevfs_urb, as resolved at submit */
  UMockdevIoctlData *buf; /* its buffer, or NULL */
  guint64 int_seq;        /* interrupt message carried, 0: none */
} Urb;

typedef struct
{
  GQueue pending_in;
  GQueue pending_int;
  GQueue done;
  UMockdevIoctlClient *held_reap; /* a blocking REAPURB waiting */
} Client;

struct _SimUsb
{
  UMockdevIoctlBase parent_instance;
  GMutex *lock;
  GCond *cond;
  SimReader *reader;
  SimUsbUnplugFunc unplug_func;
  gpointer unplug_data;
  GHashTable *clients; /* UMockdevIoctlClient → Client */
  UMockdevIoctlClient *claimant;
  GByteArray *out_msg; /* bulk-OUT message being assembled */
  GQueue responses;    /* GBytes for bulk IN */
  gsize response_offset;
  GQueue interrupts; /* GBytes, interrupt messages not yet in an URB */
  guint64 int_queued;
  guint64 int_reaped;
  gboolean halted_in;
  gboolean halted_int;
  gboolean gone;
  int fifo_fd;
  gboolean fifo_full;
  SimUsbStats stats;
  FILE *trace;
  guint trace_index;
};

G_DEFINE_FINAL_TYPE (SimUsb, sim_usb, UMOCKDEV_TYPE_IOCTL_BASE)

static void
urb_free (Urb *u)
{
  g_clear_object (&u->urb);
  g_clear_object (&u->buf);
  g_free (u);
}

static void
client_free (gpointer data)
{
  Client *c = data;

  g_queue_clear_full (&c->pending_in, (GDestroyNotify) urb_free);
  g_queue_clear_full (&c->pending_int, (GDestroyNotify) urb_free);
  g_queue_clear_full (&c->done, (GDestroyNotify) urb_free);
  g_clear_object (&c->held_reap);
  g_free (c);
}

static Client *
client_get (SimUsb *self, UMockdevIoctlClient *client)
{
  Client *c = g_hash_table_lookup (self->clients, client);

  if (c == NULL)
    {
      c = g_new0 (Client, 1);
      g_hash_table_insert (self->clients, g_object_ref (client), c);
    }
  return c;
}

static struct usbdevfs_urb *
urb_struct (Urb *u)
{
  return (struct usbdevfs_urb *) u->urb->data;
}

static void
finish (Client *c, Urb *u, int status, int actual)
{
  urb_struct (u)->status = status;
  urb_struct (u)->actual_length = actual;
  g_queue_push_tail (&c->done, u);
}

static void
trace (SimUsb *self, char direction, const guint8 *data, gsize len)
{
  if (self->trace == NULL)
    return;
  fprintf (self->trace, "%u %c ", self->trace_index, direction);
  for (gsize i = 0; i < len; i++)
    fprintf (self->trace, "%02X", data[i]);
  fputc ('\n', self->trace);
  fflush (self->trace);
}

static void
fifo_update (SimUsb *self)
{
  static char page[4096];
  gboolean readable = self->gone;
  GHashTableIter iter;
  gpointer value;

  if (self->fifo_fd < 0)
    return;
  g_hash_table_iter_init (&iter, self->clients);
  while (!readable && g_hash_table_iter_next (&iter, NULL, &value))
    readable = !g_queue_is_empty (&((Client *) value)->done);

  /* POLLOUT on a FIFO means "room to write": drain a page to raise it,
   * fill it again to clear it. */
  if (readable && self->fifo_full)
    {
      if (read (self->fifo_fd, page, sizeof page) > 0)
        self->fifo_full = FALSE;
    }
  else if (!readable && !self->fifo_full)
    {
      while (write (self->fifo_fd, page, sizeof page) > 0)
        ;
      self->fifo_full = TRUE;
    }
}

static void
reap_one (SimUsb *self, Client *c, UMockdevIoctlClient *client, UMockdevIoctlData *slot)
{
  Urb *u = g_queue_pop_head (&c->done);

  self->stats.reaps++;
  umockdev_ioctl_data_set_ptr (slot, 0, u->urb);
  umockdev_ioctl_client_complete (client, 0, 0);
  if (u->int_seq > self->int_reaped)
    {
      self->int_reaped = u->int_seq;
      g_cond_broadcast (self->cond);
    }
  urb_free (u);
}

static void
complete_held_reap (SimUsb *self, Client *c)
{
  g_autoptr (UMockdevIoctlClient) client = NULL;
  g_autoptr (UMockdevIoctlData) slot = NULL;

  if (c->held_reap == NULL || (g_queue_is_empty (&c->done) && !self->gone))
    return;
  client = g_steal_pointer (&c->held_reap);
  slot = umockdev_ioctl_data_resolve (umockdev_ioctl_client_get_arg (client), 0, sizeof (void *),
                                      NULL);
  if (slot != NULL && !g_queue_is_empty (&c->done))
    reap_one (self, c, client, slot);
  else
    umockdev_ioctl_client_complete (client, -1, ENODEV);
}

static Client *
client_waiting (SimUsb *self, gboolean interrupt)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Client *c = value;

      if (!g_queue_is_empty (interrupt ? &c->pending_int : &c->pending_in))
        return c;
    }
  return NULL;
}

static void
pull_interrupts (SimUsb *self)
{
  GBytes *msg;

  while ((msg = sim_reader_pop_interrupt (self->reader)) != NULL)
    {
      trace (self, '!', g_bytes_get_data (msg, NULL), g_bytes_get_size (msg));
      g_queue_push_tail (&self->interrupts, msg);
      self->int_queued++;
    }
}

/* Puts waiting answers into waiting URBs. */
static void
pump (SimUsb *self)
{
  Client *c;
  GHashTableIter iter;
  gpointer value;

  pull_interrupts (self);
  while (!g_queue_is_empty (&self->responses) && (c = client_waiting (self, FALSE)) != NULL)
    {
      Urb *u = g_queue_pop_head (&c->pending_in);
      GBytes *head = g_queue_peek_head (&self->responses);
      gsize size;
      const guint8 *data = g_bytes_get_data (head, &size);
      gsize n;

      if (sim_reader_take_device_fault (self->reader, SIM_FAULT_STALL))
        {
          self->halted_in = TRUE; /* until CLEAR_HALT */
          g_bytes_unref (g_queue_pop_head (&self->responses));
          self->response_offset = 0;
          finish (c, u, -EPIPE, 0);
          continue;
        }
      /* A bulk stream: what does not fit stays for the next IN URB. */
      n = MIN (size - self->response_offset, (gsize) urb_struct (u)->buffer_length);
      if (n > 0 && u->buf != NULL)
        memcpy (u->buf->data, data + self->response_offset, n);
      self->response_offset += n;
      if (self->response_offset >= size)
        {
          g_bytes_unref (g_queue_pop_head (&self->responses));
          self->response_offset = 0;
        }
      finish (c, u, 0, (int) n);
    }
  while ((c = client_waiting (self, TRUE)) != NULL)
    {
      g_autoptr (GBytes) msg = NULL;
      Urb *u;
      gsize n;

      /* A halted endpoint answers STALL until CLEAR_FEATURE(ENDPOINT_HALT) */
      if (!self->halted_int && sim_reader_take_device_fault (self->reader, SIM_FAULT_INT_STALL))
        self->halted_int = TRUE;
      if (self->halted_int || sim_reader_take_device_fault (self->reader, SIM_FAULT_INT_ERROR))
        {
          finish (c, g_queue_pop_head (&c->pending_int), self->halted_int ? -EPIPE : -EPROTO, 0);
          continue;
        }
      if (g_queue_is_empty (&self->interrupts))
        break;
      u = g_queue_pop_head (&c->pending_int);
      msg = g_queue_pop_head (&self->interrupts);
      n = MIN (g_bytes_get_size (msg), (gsize) urb_struct (u)->buffer_length);

      if (n > 0 && u->buf != NULL)
        memcpy (u->buf->data, g_bytes_get_data (msg, NULL), n);
      u->int_seq = self->int_queued - g_queue_get_length (&self->interrupts);
      finish (c, u, 0, (int) n);
    }
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    complete_held_reap (self, value);
  fifo_update (self);
}

static void
reset_pipes (SimUsb *self)
{
  g_queue_clear_full (&self->responses, (GDestroyNotify) g_bytes_unref);
  self->response_offset = 0;
  g_byte_array_set_size (self->out_msg, 0);
  self->halted_in = FALSE;
  self->halted_int = FALSE;
}

static void
clear_halt (SimUsb *self, guint endpoint)
{
  if (endpoint == SIM_EP_BULK_IN)
    self->halted_in = FALSE;
  else if (endpoint == SIM_EP_INT_IN)
    self->halted_int = FALSE;
}

/* ---- control transfers (USB 2.0 §9.4, CCID 1.1 §5.3) ------------------ */

static int
control (SimUsb *self, const guint8 *setup, guint8 *data, gsize max)
{
  const SimModel *model = sim_reader_get_model (self->reader);
  guint8 type = setup[0], request = setup[1];
  guint16 value = (guint16) (setup[2] | setup[3] << 8);
  gsize length = MIN ((gsize) (setup[6] | setup[7] << 8), max);
  g_autoptr (GBytes) answer = NULL;
  gsize n;

  if (type == 0x80 && request == USB_REQ_GET_DESCRIPTOR)
    {
      switch (value >> 8)
        {
        case USB_DT_DEVICE:
          answer = sim_model_device_descriptor (model);
          break;
        case USB_DT_CONFIG:
          answer = (value & 0xFF) == 0 ? sim_model_config_descriptor (model) : NULL;
          break;
        case USB_DT_STRING:
          answer = sim_model_string_descriptor (model, value & 0xFF);
          break;
        default:
          break;
        }
    }
  else if (type == 0x80 && request == USB_REQ_GET_STATUS)
    {
      static const guint8 status[2];
      answer = g_bytes_new_static (status, sizeof status);
    }
  else if (type == 0x80 && request == USB_REQ_GET_CONFIGURATION)
    {
      static const guint8 config = 1;
      answer = g_bytes_new_static (&config, 1);
    }
  else if (type == 0x02 && request == USB_REQ_CLEAR_FEATURE && value == USB_ENDPOINT_HALT)
    {
      clear_halt (self, (guint) (setup[4] | setup[5] << 8));
      return 0;
    }
  else if ((type == 0x00 && request == USB_REQ_SET_CONFIGURATION)
           || (type == 0x01 && request == USB_REQ_SET_INTERFACE)
           || (type <= 0x02 && request == USB_REQ_CLEAR_FEATURE)
           || (type == 0x21 && request == 0x01)) /* CCID ABORT */
    return 0;
  else if (type == 0xA1 && request == 0x02) /* GET_CLOCK_FREQUENCIES */
    {
      static const guint8 khz[4] = { 0xA0, 0x0F, 0, 0 };
      answer = g_bytes_new_static (khz, sizeof khz);
    }
  else if (type == 0xA1 && request == 0x03) /* GET_DATA_RATES */
    {
      static const guint8 bps[4] = { 0x00, 0x2A, 0, 0 };
      answer = g_bytes_new_static (bps, sizeof bps);
    }

  if (answer == NULL)
    return -EPIPE; /* STALL */
  n = MIN (g_bytes_get_size (answer), length);
  if (n > 0)
    memcpy (data, g_bytes_get_data (answer, NULL), n);
  return (int) n;
}

/* ---- URBs -------------------------------------------------------------- */

static void
bulk_out (SimUsb *self, const guint8 *data, gsize len)
{
  const SimModel *model = sim_reader_get_model (self->reader);
  gboolean complete = TRUE;

  g_byte_array_append (self->out_msg, data, len);
  /* A full-size packet does not end a transfer: a long message may arrive
   * in several URBs, as the device would see it (CCID 1.1 §5.2.1). */
  if (len > 0 && len % SIM_EP_PACKET == 0 && self->out_msg->len <= model->max_message)
    {
      if (self->out_msg->len < 10)
        complete = FALSE;
      else
        {
          const guint8 *m = self->out_msg->data;
          guint32 dw
              = (guint32) m[1] | (guint32) m[2] << 8 | (guint32) m[3] << 16 | (guint32) m[4] << 24;

          if (dw <= model->max_message - 10 && self->out_msg->len < 10 + dw)
            complete = FALSE;
        }
    }
  if (!complete)
    return;

  {
    GQueue answers = G_QUEUE_INIT;
    gboolean still_here
        = sim_reader_command (self->reader, self->out_msg->data, self->out_msg->len, &answers);
    GBytes *a;

    trace (self, '>', self->out_msg->data, self->out_msg->len);
    g_byte_array_set_size (self->out_msg, 0);
    while ((a = g_queue_pop_head (&answers)) != NULL)
      {
        trace (self, '<', g_bytes_get_data (a, NULL), g_bytes_get_size (a));
        g_queue_push_tail (&self->responses, a);
      }
    if (!still_here && self->unplug_func != NULL)
      self->unplug_func (self->unplug_data);
  }
}

static int
submit_urb (SimUsb *self, Client *c, UMockdevIoctlData *data)
{
  const SimModel *model = sim_reader_get_model (self->reader);
  struct usbdevfs_urb *urb = (struct usbdevfs_urb *) data->data;
  Urb *u;

  if (urb->buffer_length < 0 || urb->buffer_length > MAX_URB_BUFFER)
    return -EINVAL;
  u = g_new0 (Urb, 1);
  u->urb = g_object_ref (data);
  if (urb->buffer_length > 0)
    {
      u->buf = umockdev_ioctl_data_resolve (data, G_STRUCT_OFFSET (struct usbdevfs_urb, buffer),
                                            (gsize) urb->buffer_length, NULL);
      if (u->buf == NULL)
        {
          urb_free (u);
          return -EFAULT;
        }
    }
  self->stats.submits++;

  if (urb->type == USBDEVFS_URB_TYPE_CONTROL && urb->endpoint == 0)
    {
      int r;

      if (urb->buffer_length < 8)
        {
          urb_free (u);
          return -EINVAL;
        }
      r = control (self, u->buf->data, u->buf->data + 8, (gsize) urb->buffer_length - 8);
      finish (c, u, r < 0 ? r : 0, r < 0 ? 0 : r);
    }
  else if (urb->type == USBDEVFS_URB_TYPE_BULK && urb->endpoint == SIM_EP_BULK_OUT && model->bulk)
    {
      bulk_out (self, u->buf != NULL ? u->buf->data : NULL, (gsize) urb->buffer_length);
      finish (c, u, 0, urb->buffer_length);
    }
  else if (urb->type == USBDEVFS_URB_TYPE_BULK && urb->endpoint == SIM_EP_BULK_IN && model->bulk)
    {
      if (self->halted_in)
        finish (c, u, -EPIPE, 0);
      else
        g_queue_push_tail (&c->pending_in, u);
    }
  else if (urb->type == USBDEVFS_URB_TYPE_INTERRUPT && urb->endpoint == SIM_EP_INT_IN
           && model->interrupt)
    g_queue_push_tail (&c->pending_int, u);
  else
    {
      urb_free (u);
      return -ENOENT;
    }
  pump (self);
  return 0;
}

static gboolean
discard_in (Client *c, GQueue *queue, gulong addr)
{
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      Urb *u = l->data;

      if (u->urb->client_addr == addr)
        {
          g_queue_delete_link (queue, l);
          finish (c, u, -ENOENT, 0);
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- the ioctl handler -------------------------------------------------- */

static void
complete_errno (UMockdevIoctlClient *client, int r)
{
  if (r < 0)
    umockdev_ioctl_client_complete (client, -1, -r);
  else
    umockdev_ioctl_client_complete (client, r, 0);
}

static void
handle_gone (SimUsb *self, Client *c, UMockdevIoctlClient *client, gulong request,
             UMockdevIoctlData *data)
{
  if ((request == USBDEVFS_REAPURB || request == USBDEVFS_REAPURBNDELAY) && data != NULL
      && !g_queue_is_empty (&c->done))
    reap_one (self, c, client, data);
  else
    umockdev_ioctl_client_complete (client, -1, ENODEV);
}

static int
handle_request (SimUsb *self, Client *c, UMockdevIoctlClient *client, gulong request,
                UMockdevIoctlData *arg, UMockdevIoctlData *data)
{
  switch (request)
    {
    case USBDEVFS_GET_CAPABILITIES:
      *(guint32 *) data->data = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION
                                | USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_BULK_SCATTER_GATHER
                                | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
      return 0;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
      if (*(guint32 *) data->data != 0)
        return -EINVAL;
      if (request == USBDEVFS_RELEASEINTERFACE)
        {
          if (self->claimant != client)
            return -EINVAL;
          g_clear_object (&self->claimant);
          reset_pipes (self);
          return 0;
        }
      if (self->claimant != NULL && self->claimant != client)
        return -EBUSY;
      g_set_object (&self->claimant, client);
      return 0;
    case USBDEVFS_DISCONNECT_CLAIM:
      if (self->claimant != NULL && self->claimant != client)
        return -EBUSY;
      g_set_object (&self->claimant, client);
      return 0;
    case USBDEVFS_GETDRIVER:
      return -ENODATA; /* no kernel driver bound */
    case USBDEVFS_IOCTL:
      {
        struct usbdevfs_ioctl *io = (struct usbdevfs_ioctl *) data->data;
        return io->ioctl_code == USBDEVFS_CONNECT ? 0 : -ENODATA;
      }
    case USBDEVFS_SETINTERFACE:
      {
        struct usbdevfs_setinterface *si = (struct usbdevfs_setinterface *) data->data;
        return si->interface == 0 && si->altsetting == 0 ? 0 : -EINVAL;
      }
    case USBDEVFS_SETCONFIGURATION:
      return *(guint32 *) data->data == 1 ? 0 : -EINVAL;
    case USBDEVFS_CLEAR_HALT:
      clear_halt (self, *(guint32 *) data->data);
      return 0;
    case USBDEVFS_RESET:
    case USBDEVFS_RESETEP:
      return 0;
    case USBDEVFS_GET_SPEED:
      return 2; /* USB_SPEED_FULL */
    case USBDEVFS_CONTROL:
      {
        struct usbdevfs_ctrltransfer *ct = (struct usbdevfs_ctrltransfer *) data->data;
        guint8 setup[8]
            = { ct->bRequestType,  ct->bRequest,    ct->wValue & 0xFF,  ct->wValue >> 8,
                ct->wIndex & 0xFF, ct->wIndex >> 8, ct->wLength & 0xFF, ct->wLength >> 8 };
        g_autoptr (UMockdevIoctlData) buf = NULL;
        guint8 none[1];

        if (ct->wLength > 0)
          {
            buf = umockdev_ioctl_data_resolve (
                data, G_STRUCT_OFFSET (struct usbdevfs_ctrltransfer, data), ct->wLength, NULL);
            if (buf == NULL)
              return -EFAULT;
          }
        return control (self, setup, buf != NULL ? buf->data : none, buf != NULL ? ct->wLength : 0);
      }
    case USBDEVFS_SUBMITURB:
      return submit_urb (self, c, data);
    case USBDEVFS_DISCARDURB:
      {
        gulong addr = *(gulong *) arg->data;

        self->stats.discards++;
        if (discard_in (c, &c->pending_in, addr) || discard_in (c, &c->pending_int, addr))
          {
            pump (self);
            return 0;
          }
        return -EINVAL;
      }
    default:
      return -ENOTTY;
    }
}

static gboolean
sim_usb_handle_ioctl (UMockdevIoctlBase *base, UMockdevIoctlClient *client)
{
  SimUsb *self = SIM_USB (base);
  gulong request = umockdev_ioctl_client_get_request (client);
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  gsize size = _IOC_SIZE (request);
  g_autoptr (UMockdevIoctlData) data = NULL;
  Client *c;

  if (size > 0 && request != (gulong) USBDEVFS_DISCARDURB)
    {
      data = umockdev_ioctl_data_resolve (arg, 0, size, NULL);
      if (data == NULL)
        {
          umockdev_ioctl_client_complete (client, -1, EFAULT);
          return TRUE;
        }
    }

  g_mutex_lock (self->lock);
  c = client_get (self, client);
  self->stats.ioctls++;
  if (self->gone)
    handle_gone (self, c, client, request, data);
  else if (request == USBDEVFS_REAPURB || request == USBDEVFS_REAPURBNDELAY)
    {
      pump (self);
      if (!g_queue_is_empty (&c->done))
        reap_one (self, c, client, data);
      else if (request == USBDEVFS_REAPURB && c->held_reap == NULL)
        c->held_reap = g_object_ref (client); /* completed by pump() */
      else
        {
          self->stats.empty_reaps++;
          umockdev_ioctl_client_complete (client, -1, EAGAIN);
        }
    }
  else
    complete_errno (client, handle_request (self, c, client, request, arg, data));

  fifo_update (self);
  g_mutex_unlock (self->lock);
  return TRUE;
}

static void
sim_usb_client_vanished (UMockdevIoctlBase *base, UMockdevIoctlClient *client)
{
  SimUsb *self = SIM_USB (base);

  g_mutex_lock (self->lock);
  if (self->claimant == client)
    {
      g_clear_object (&self->claimant);
      reset_pipes (self);
    }
  g_hash_table_remove (self->clients, client);
  fifo_update (self);
  g_mutex_unlock (self->lock);
}

static void
sim_usb_finalize (GObject *object)
{
  SimUsb *self = SIM_USB (object);

  g_hash_table_unref (self->clients);
  g_clear_object (&self->claimant);
  g_byte_array_unref (self->out_msg);
  g_queue_clear_full (&self->responses, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->interrupts, (GDestroyNotify) g_bytes_unref);
  if (self->fifo_fd >= 0)
    close (self->fifo_fd);
  G_OBJECT_CLASS (sim_usb_parent_class)->finalize (object);
}

static void
sim_usb_class_init (SimUsbClass *klass)
{
  UMockdevIoctlBaseClass *base_class = UMOCKDEV_IOCTL_BASE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = sim_usb_finalize;
  base_class->handle_ioctl = sim_usb_handle_ioctl;
  base_class->client_vanished = sim_usb_client_vanished;
}

static void
sim_usb_init (SimUsb *self)
{
  self->clients = g_hash_table_new_full (NULL, NULL, g_object_unref, client_free);
  self->out_msg = g_byte_array_new ();
  g_queue_init (&self->responses);
  g_queue_init (&self->interrupts);
  self->fifo_fd = -1;
}

SimUsb *
sim_usb_new (SimReader *reader, GMutex *lock, GCond *cond, SimUsbUnplugFunc unplug_func,
             gpointer user_data)
{
  SimUsb *self = g_object_new (SIM_TYPE_USB, NULL);

  self->reader = reader;
  self->lock = lock;
  self->cond = cond;
  self->unplug_func = unplug_func;
  self->unplug_data = user_data;
  return self;
}

gboolean
sim_usb_set_fifo_node (SimUsb *self, const char *node, GError **error)
{
  if (self->fifo_fd >= 0)
    close (self->fifo_fd);
  self->fifo_fd = -1;
  if (unlink (node) < 0 && errno != ENOENT)
    return FALSE;
  if (mkfifo (node, 0666) < 0 || (self->fifo_fd = open (node, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot make %s a FIFO: %s",
                   node, g_strerror (saved));
      return FALSE;
    }
  self->fifo_full = FALSE;
  fifo_update (self);
  return TRUE;
}

guint64
sim_usb_kick (SimUsb *self)
{
  if (!self->gone)
    pump (self);
  return self->int_queued;
}

guint64
sim_usb_get_interrupts_reaped (SimUsb *self)
{
  return self->int_reaped;
}

gboolean
sim_usb_is_gone (SimUsb *self)
{
  return self->gone;
}

void
sim_usb_disconnect (SimUsb *self)
{
  GHashTableIter iter;
  gpointer value;

  self->gone = TRUE;
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Client *c = value;
      Urb *u;

      while ((u = g_queue_pop_head (&c->pending_in)) != NULL)
        finish (c, u, -ESHUTDOWN, 0);
      while ((u = g_queue_pop_head (&c->pending_int)) != NULL)
        finish (c, u, -ESHUTDOWN, 0);
      complete_held_reap (self, c);
    }
  fifo_update (self);
  g_cond_broadcast (self->cond);
}

const SimUsbStats *
sim_usb_get_stats (SimUsb *self)
{
  return &self->stats;
}

void
sim_usb_set_trace (SimUsb *self, FILE *trace, guint index)
{
  self->trace = trace;
  self->trace_index = index;
}

/* ccid-emu.c: a minimal emulated CCID reader below libusb (umockdev), for
 * the device-layer tests only (see ccid-emu.h)
 *
 * Adapted from the umockdev spike: the usbdevfs node is a FIFO kept full
 * and drained only while an URB is reapable, so libusb's poll() sleeps.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-emu.h"
#include "ccid-emu-private.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEVNODE "/dev/bus/usb/001/002"
#define SYS_DEV "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
#define SYS_IF SYS_DEV "/1-1:1.0"

typedef struct
{
  UMockdevIoctlData *urb;
  UMockdevIoctlData *buf;
} Urb;

typedef struct
{
  GQueue pending_in, pending_int, done;
  gboolean dead;
} Client;

typedef struct
{
  UMockdevIoctlBase parent;
  CcidEmu *emu;
} EmuHandler;
typedef struct
{
  UMockdevIoctlBaseClass parent_class;
} EmuHandlerClass;
GType emu_handler_get_type (void);
G_DEFINE_TYPE (EmuHandler, emu_handler, UMOCKDEV_TYPE_IOCTL_BASE)

struct _CcidEmu
{
  GMutex lock;
  UMockdevTestbed *tb;
  EmuHandler *handler;
  CcidEmuLevel level;
  gboolean interrupt;
  gboolean plugged;
  gboolean present, powered, mute;
  GQueue responses;     /* GBytes, bulk IN */
  GQueue notifications; /* GBytes, interrupt IN */
  GPtrArray *clients;   /* UMockdevIoctlClient */
  guint faults[8];
  guint counts[256];
  guint8 get_response_data[256];
  guint get_response_len;
  int fifo_fd;
  gboolean fifo_full;
  guint pps_requests;
  guint8 last_fidi;
  guint8 last_protocol;
};

static const guint8 atr_t0[] = { 0x3B, 0x02, 0x14, 0x50 };
/* TA1 = 96: Fi 512, Di 32 (ISO 7816-3 §8.3), T=0 */
static const guint8 atr_ta1[] = { 0x3B, 0x10, 0x96 };
/* TD1 = 80 (T=0, TD2 follows), TD2 = 01 (T=1), TCK */
static const guint8 atr_dual[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };

/* ---- the reader and the card (called with the lock held) --------------- */

static guint8
icc_status (CcidEmu *emu)
{
  return !emu->present ? 2 : emu->powered ? 0 : 1;
}

static GBytes *
answer (const guint8 *cmd, guint8 type, guint8 status, guint8 error, guint8 b9, const guint8 *data,
        guint32 len)
{
  guint8 *m = g_malloc (10 + len);

  m[0] = type;
  m[1] = (guint8) len;
  m[2] = (guint8) (len >> 8);
  m[3] = (guint8) (len >> 16);
  m[4] = 0;
  m[5] = cmd[5];
  m[6] = cmd[6];
  m[7] = status;
  m[8] = error;
  m[9] = b9;
  if (len > 0)
    memcpy (m + 10, data, len);
  return g_bytes_new_take (m, 10 + len);
}

static void
notify_slot (CcidEmu *emu)
{
  guint8 n[2] = { 0x50, (guint8) ((emu->present ? 1 : 0) | 2) };

  if (emu->interrupt)
    g_queue_push_tail (&emu->notifications, g_bytes_new (n, 2));
}

static gboolean
unplug_idle (gpointer data)
{
  ccid_emu_unplug (data);
  return G_SOURCE_REMOVE;
}

/* The toy card: T=0 TPDUs at TPDU level, APDUs at short-APDU level. */
static guint32
card_answer (CcidEmu *emu, const guint8 *d, guint32 len, guint8 *r)
{
  guint32 rl = 0;

  if (len < 4)
    {
      r[0] = 0x67;
      r[1] = 0x00;
      return 2;
    }
  if (len == 5 && d[1] == 0xC0 && emu->get_response_len > 0)
    {
      memcpy (r, emu->get_response_data, emu->get_response_len);
      rl = emu->get_response_len;
      emu->get_response_len = 0;
    }
  else if (len == 5)
    {
      guint ne = d[4] ? d[4] : 256;

      for (guint i = 0; i < ne; i++)
        r[rl++] = (guint8) i;
    }
  else if (len > 5 && d[4] > 0 && len >= 5u + d[4])
    {
      if (emu->level != CCID_EMU_SHORT_APDU)
        {
          /* T=0 case 4: keep the data for GET RESPONSE */
          memcpy (emu->get_response_data, d + 5, d[4]);
          emu->get_response_len = d[4];
          r[0] = 0x61;
          r[1] = d[4];
          return 2;
        }
      memcpy (r, d + 5, d[4]);
      rl = d[4];
    }
  r[rl++] = 0x90;
  r[rl++] = 0x00;
  return rl;
}

static GBytes *
reader_command (CcidEmu *emu, const guint8 *c, guint32 n)
{
  static const guint8 t0params[] = { 0x11, 0x00, 0x00, 0x0A, 0x00 };
  guint8 r[300];
  guint32 len;

  if (n < 10)
    return NULL;
  len = (guint32) c[1] | (guint32) c[2] << 8;
  if (len > n - 10)
    len = n - 10;
  emu->counts[c[0]]++;
  switch (c[0])
    {
    case 0x62:
      if (!emu->present)
        return answer (c, 0x80, 0x40 | 2, 0xFE, 0, NULL, 0);
      if (emu->mute)
        return answer (c, 0x80, 0x40 | 1, 0xFE, 0, NULL, 0);
      emu->powered = TRUE;
      if (emu->level == CCID_EMU_TPDU_PPS || emu->level == CCID_EMU_TPDU_PPS_REJECT)
        return answer (c, 0x80, 0, 0, 0, atr_ta1, sizeof atr_ta1);
      if (emu->level == CCID_EMU_TPDU_DUAL)
        return answer (c, 0x80, 0, 0, 0, atr_dual, sizeof atr_dual);
      return answer (c, 0x80, 0, 0, 0, atr_t0, sizeof atr_t0);
    case 0x63:
      emu->powered = FALSE;
      return answer (c, 0x81, icc_status (emu), 0, 0, NULL, 0);
    case 0x65:
    case 0x72:
      return answer (c, 0x81, icc_status (emu), 0, 0, NULL, 0);
    case 0x6F:
      if (emu->faults[CCID_EMU_FAULT_UNPLUG_MID] > 0)
        {
          emu->faults[CCID_EMU_FAULT_UNPLUG_MID]--;
          g_idle_add (unplug_idle, emu);
          return NULL;
        }
      if (emu->faults[CCID_EMU_FAULT_REMOVE_MID] > 0)
        {
          emu->faults[CCID_EMU_FAULT_REMOVE_MID]--;
          emu->present = emu->powered = FALSE;
          notify_slot (emu);
          return answer (c, 0x80, 0x40 | 2, 0xFE, 0, NULL, 0);
        }
      if (!emu->powered)
        return answer (c, 0x80, 0x40 | icc_status (emu), 0xFE, 0, NULL, 0);
      if (len >= 1 && c[10] == 0xFF)
        {
          /* PPS (ISO 7816-3 §9): echoed, or ignored by a card that refuses it */
          emu->pps_requests++;
          if (emu->level == CCID_EMU_TPDU_PPS_REJECT)
            return answer (c, 0x80, 0x40, 0xFE, 0, NULL, 0);
          return answer (c, 0x80, 0, 0, 0, c + 10, len);
        }
      return answer (c, 0x80, 0, 0, 0, r, card_answer (emu, c + 10, len, r));
    case 0x61:
      if (len >= 1)
        emu->last_fidi = c[10];
      emu->last_protocol = c[7];
      return answer (c, 0x82, icc_status (emu), 0, c[7], c + 10, len);
    case 0x6C:
    case 0x6D:
      return answer (c, 0x82, icc_status (emu), 0, 0, t0params, sizeof t0params);
    case 0x6B:
      return answer (c, 0x83, icc_status (emu), 0, 0, c + 10, MIN (len, 200u));
    default:
      return answer (c, 0x81, 0x40 | icc_status (emu), 0x00, 0, NULL, 0);
    }
}

/* ---- URBs -------------------------------------------------------------- */

#define U(u) ((struct usbdevfs_urb *) (u)->urb->data)

static void
finish_urb (Client *s, Urb *u, int status, int actual)
{
  U (u)->status = status;
  U (u)->actual_length = actual;
  g_queue_push_tail (&s->done, u);
}

static Client *
client_state (CcidEmu *emu, UMockdevIoctlClient *c)
{
  Client *s = g_object_get_data (G_OBJECT (c), "ccid-emu");

  if (s == NULL)
    {
      s = g_new0 (Client, 1);
      g_object_set_data_full (G_OBJECT (c), "ccid-emu", s, g_free);
      g_ptr_array_add (emu->clients, g_object_ref (c));
    }
  return s;
}

static void
pump (CcidEmu *emu, Client *s)
{
  while (!g_queue_is_empty (&emu->responses) && !g_queue_is_empty (&s->pending_in))
    {
      g_autoptr (GBytes) b = g_queue_pop_head (&emu->responses);
      Urb *u = g_queue_pop_head (&s->pending_in);
      gsize bl;
      const guint8 *bd = g_bytes_get_data (b, &bl);
      int n = MIN ((int) bl, U (u)->buffer_length);

      if (emu->faults[CCID_EMU_FAULT_STALL] > 0)
        {
          emu->faults[CCID_EMU_FAULT_STALL]--;
          finish_urb (s, u, -EPIPE, 0);
          continue;
        }
      if (u->buf != NULL)
        memcpy (u->buf->data, bd, (gsize) n);
      finish_urb (s, u, 0, n);
    }
  while (!g_queue_is_empty (&emu->notifications) && !g_queue_is_empty (&s->pending_int))
    {
      g_autoptr (GBytes) b = g_queue_pop_head (&emu->notifications);
      Urb *u = g_queue_pop_head (&s->pending_int);
      gsize bl;
      const guint8 *bd = g_bytes_get_data (b, &bl);
      int n = MIN ((int) bl, U (u)->buffer_length);

      if (u->buf != NULL)
        memcpy (u->buf->data, bd, (gsize) n);
      finish_urb (s, u, 0, n);
    }
}

static void
pump_all (CcidEmu *emu)
{
  static char page[4096];
  gboolean any = FALSE;

  for (guint i = 0; i < emu->clients->len; i++)
    {
      Client *s = client_state (emu, g_ptr_array_index (emu->clients, i));

      pump (emu, s);
      any = any || !g_queue_is_empty (&s->done) || s->dead;
    }
  /* POLLOUT on the node only while something is reapable */
  if (emu->fifo_fd < 0)
    return;
  if (any && emu->fifo_full)
    {
      if (read (emu->fifo_fd, page, sizeof page) > 0)
        emu->fifo_full = FALSE;
    }
  else if (!any && !emu->fifo_full)
    {
      while (write (emu->fifo_fd, page, sizeof page) > 0)
        ;
      emu->fifo_full = TRUE;
    }
}

static void
queue_answer (CcidEmu *emu, const guint8 *cmd, GBytes *resp)
{
  if (resp == NULL)
    return;
  if (emu->faults[CCID_EMU_FAULT_DROP] > 0)
    {
      emu->faults[CCID_EMU_FAULT_DROP]--;
      g_bytes_unref (resp);
      return;
    }
  if (emu->faults[CCID_EMU_FAULT_STALE] > 0)
    {
      guint8 stale[10];

      emu->faults[CCID_EMU_FAULT_STALE]--;
      memcpy (stale, g_bytes_get_data (resp, NULL), 10);
      stale[1] = stale[2] = stale[3] = stale[4] = 0;
      stale[6] ^= 0x80;
      g_queue_push_tail (&emu->responses, g_bytes_new (stale, 10));
    }
  if (emu->faults[CCID_EMU_FAULT_TIME_EXTENSION] > 0 && cmd[0] == 0x6F)
    {
      emu->faults[CCID_EMU_FAULT_TIME_EXTENSION]--;
      g_queue_push_tail (&emu->responses, answer (cmd, 0x80, 0x80, 2, 0, NULL, 0));
      g_queue_push_tail (&emu->responses, answer (cmd, 0x80, 0x80, 1, 0, NULL, 0));
    }
  if (emu->faults[CCID_EMU_FAULT_BAD_LENGTH] > 0)
    {
      gsize n;
      guint8 *m = g_bytes_unref_to_data (resp, &n);

      emu->faults[CCID_EMU_FAULT_BAD_LENGTH]--;
      m[1] = 0xff; /* dwLength 255 + what it carries */
      resp = g_bytes_new_take (m, n);
    }
  g_queue_push_tail (&emu->responses, resp);
}

/* ---- the ioctl handler ---------------------------------------------------- */

static void
urb_free (Urb *u)
{
  g_object_unref (u->urb);
  g_clear_object (&u->buf);
  g_free (u);
}

static gboolean
emu_handle_ioctl (UMockdevIoctlBase *base, UMockdevIoctlClient *client)
{
  CcidEmu *emu = ((EmuHandler *) base)->emu;
  gulong request = umockdev_ioctl_client_get_request (client);
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  gsize size = _IOC_SIZE (request);
  UMockdevIoctlData *data = NULL;
  Client *s;

  g_mutex_lock (&emu->lock);
  s = client_state (emu, client);
  if (size > 0 && request != USBDEVFS_DISCARDURB)
    data = umockdev_ioctl_data_resolve (arg, 0, size, NULL);

  if (s->dead)
    {
      Urb *u = (request == USBDEVFS_REAPURBNDELAY || request == USBDEVFS_REAPURB)
                   ? g_queue_pop_head (&s->done)
                   : NULL;

      if (u != NULL)
        {
          umockdev_ioctl_data_set_ptr (data, 0, u->urb);
          umockdev_ioctl_client_complete (client, 0, 0);
          urb_free (u);
        }
      else
        umockdev_ioctl_client_complete (client, -1, ENODEV);
      goto out;
    }
  switch (request)
    {
    case USBDEVFS_GET_CAPABILITIES:
      *(guint32 *) data->data = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM
                                | USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET
                                | USBDEVFS_CAP_BULK_SCATTER_GATHER;
      umockdev_ioctl_client_complete (client, 0, 0);
      break;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESET:
    case USBDEVFS_RESETEP:
    case USBDEVFS_DISCONNECT_CLAIM:
      umockdev_ioctl_client_complete (client, 0, 0);
      break;
    case USBDEVFS_GETDRIVER:
      umockdev_ioctl_client_complete (client, -1, ENODATA);
      break;
    case USBDEVFS_GET_SPEED:
      umockdev_ioctl_client_complete (client, 2, 0);
      break;
    case USBDEVFS_CONTROL:
      {
        struct usbdevfs_ctrltransfer *ct = (void *) data->data;
        guint8 setup[8] = { ct->bRequestType,     ct->bRequest,
                            (guint8) ct->wValue,  (guint8) (ct->wValue >> 8),
                            (guint8) ct->wIndex,  (guint8) (ct->wIndex >> 8),
                            (guint8) ct->wLength, (guint8) (ct->wLength >> 8) };
        UMockdevIoctlData *b
            = ct->wLength ? umockdev_ioctl_data_resolve (
                  data, G_STRUCT_OFFSET (struct usbdevfs_ctrltransfer, data), ct->wLength, NULL)
                          : NULL;
        guint8 dummy[1];
        int r = ccid_emu_control (emu->level, emu->interrupt, setup, b ? b->data : dummy,
                                  b ? ct->wLength : 0);

        umockdev_ioctl_client_complete (client, r < 0 ? -1 : r, r < 0 ? -r : 0);
        g_clear_object (&b);
        break;
      }
    case USBDEVFS_SUBMITURB:
      {
        struct usbdevfs_urb *urb = (void *) data->data;
        Urb *u = g_new0 (Urb, 1);

        u->urb = g_object_ref (data);
        u->buf = umockdev_ioctl_data_resolve (data, G_STRUCT_OFFSET (struct usbdevfs_urb, buffer),
                                              (gsize) urb->buffer_length, NULL);
        if (urb->type == USBDEVFS_URB_TYPE_CONTROL)
          {
            int r = u->buf && urb->buffer_length >= 8
                        ? ccid_emu_control (emu->level, emu->interrupt, u->buf->data,
                                            u->buf->data + 8, urb->buffer_length - 8)
                        : -EINVAL;

            finish_urb (s, u, r < 0 ? r : 0, r < 0 ? 0 : r);
          }
        else if (urb->endpoint == EP_OUT)
          {
            const guint8 *cmd = u->buf ? u->buf->data : NULL;

            if (cmd != NULL && urb->buffer_length >= 10)
              queue_answer (emu, cmd, reader_command (emu, cmd, (guint32) urb->buffer_length));
            finish_urb (s, u, 0, urb->buffer_length);
          }
        else if (urb->endpoint == EP_IN)
          g_queue_push_tail (&s->pending_in, u);
        else if (urb->endpoint == EP_INT && emu->interrupt)
          g_queue_push_tail (&s->pending_int, u);
        else
          {
            urb_free (u);
            umockdev_ioctl_client_complete (client, -1, ENOENT);
            break;
          }
        umockdev_ioctl_client_complete (client, 0, 0);
        break;
      }
    case USBDEVFS_DISCARDURB:
      {
        gulong addr = *(gulong *) arg->data;
        GQueue *qs[] = { &s->pending_in, &s->pending_int };
        gboolean found = FALSE;

        for (guint q = 0; q < 2 && !found; q++)
          for (GList *l = qs[q]->head; l != NULL; l = l->next)
            {
              Urb *u = l->data;

              if (u->urb->client_addr == addr)
                {
                  g_queue_delete_link (qs[q], l);
                  finish_urb (s, u, -ENOENT, 0);
                  found = TRUE;
                  break;
                }
            }
        umockdev_ioctl_client_complete (client, found ? 0 : -1, found ? 0 : EINVAL);
        break;
      }
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
      {
        Urb *u;

        pump (emu, s);
        u = g_queue_pop_head (&s->done);
        if (u != NULL)
          {
            umockdev_ioctl_data_set_ptr (data, 0, u->urb);
            umockdev_ioctl_client_complete (client, 0, 0);
            urb_free (u);
          }
        else
          umockdev_ioctl_client_complete (client, -1, EAGAIN);
        break;
      }
    default:
      umockdev_ioctl_client_complete (client, -1, ENOTTY);
      break;
    }
out:
  pump_all (emu);
  g_clear_object (&data);
  g_mutex_unlock (&emu->lock);
  return TRUE;
}

static void
emu_handler_class_init (EmuHandlerClass *klass)
{
  UMOCKDEV_IOCTL_BASE_CLASS (klass)->handle_ioctl = emu_handle_ioctl;
}

static void
emu_handler_init (EmuHandler *self)
{
}

/* ---- the testbed ------------------------------------------------------- */

static void
make_fifo_node (CcidEmu *emu)
{
  g_autofree char *root = umockdev_testbed_get_root_dir (emu->tb);
  g_autofree char *node = g_build_filename (root, DEVNODE, NULL);

  unlink (node);
  if (mkfifo (node, 0666) < 0)
    g_error ("mkfifo %s: %m", node);
  if (emu->fifo_fd >= 0)
    close (emu->fifo_fd);
  emu->fifo_fd = open (node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  emu->fifo_full = FALSE;
  pump_all (emu);
}

static gboolean
add_reader (CcidEmu *emu, GError **error)
{
  guint8 dev[18], cfg[128];
  gsize cfg_len;
  g_autoptr (GString) hex = g_string_new (NULL);
  g_autofree char *s = NULL;

  ccid_emu_descriptors (emu->level, emu->interrupt, dev, cfg, &cfg_len);
  for (guint i = 0; i < sizeof dev; i++)
    g_string_append_printf (hex, "%02x", dev[i]);
  for (guint i = 0; i < cfg_len; i++)
    g_string_append_printf (hex, "%02x", cfg[i]);
  s = g_strdup_printf (
      "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\n"
      "N: bus/usb/001/002\n"
      "E: DEVNAME=/dev/bus/usb/001/002\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
      "E: PRODUCT=8e6/3437/201\nE: TYPE=0/0/0\nE: BUSNUM=001\nE: DEVNUM=002\n"
      "E: MAJOR=189\nE: MINOR=1\nE: SUBSYSTEM=usb\n"
      "A: busnum=1\nA: devnum=2\nA: dev=189:1\nA: idVendor=08e6\nA: idProduct=3437\n"
      "A: bcdDevice=0201\nA: speed=12\nA: bConfigurationValue=1\nA: bNumConfigurations=1\n"
      "A: bNumInterfaces= 1\nA: bDeviceClass=00\nA: bMaxPacketSize0=64\nA: devpath=1\n"
      "A: manufacturer=Gemalto\nA: product=PC Twin Reader\n"
      "H: descriptors=%s\n"
      "\n"
      "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0\n"
      "E: DEVTYPE=usb_interface\nE: DRIVER=usbfs\nE: PRODUCT=8e6/3437/201\nE: TYPE=0/0/0\n"
      "E: INTERFACE=11/0/0\nE: SUBSYSTEM=usb\n"
      "A: bInterfaceClass=0b\nA: bInterfaceSubClass=00\nA: bInterfaceProtocol=00\n"
      "A: bInterfaceNumber=00\nA: bAlternateSetting= 0\nA: bNumEndpoints=0%u\n",
      hex->str, emu->interrupt ? 3 : 2);
  if (!umockdev_testbed_add_from_string (emu->tb, s, error))
    return FALSE;
  emu->plugged = TRUE;
  return TRUE;
}

CcidEmu *
ccid_emu_new (CcidEmuLevel level, gboolean interrupt, gboolean card_present, gboolean mute_card,
              GError **error)
{
  CcidEmu *emu = g_new0 (CcidEmu, 1);

  g_mutex_init (&emu->lock);
  emu->level = level;
  emu->interrupt = interrupt;
  emu->present = card_present;
  emu->mute = mute_card;
  emu->fifo_fd = -1;
  emu->clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&emu->responses);
  g_queue_init (&emu->notifications);
  emu->tb = umockdev_testbed_new ();
  if (!add_reader (emu, error))
    {
      ccid_emu_free (emu);
      return NULL;
    }
  make_fifo_node (emu);
  emu->handler = g_object_new (emu_handler_get_type (), NULL);
  emu->handler->emu = emu;
  if (!umockdev_testbed_attach_ioctl (emu->tb, DEVNODE, UMOCKDEV_IOCTL_BASE (emu->handler), error))
    {
      ccid_emu_free (emu);
      return NULL;
    }
  return emu;
}

void
ccid_emu_free (CcidEmu *emu)
{
  if (emu->tb != NULL && emu->plugged)
    umockdev_testbed_detach_ioctl (emu->tb, DEVNODE, NULL);
  g_clear_object (&emu->handler);
  g_clear_object (&emu->tb);
  if (emu->fifo_fd >= 0)
    close (emu->fifo_fd);
  g_queue_clear_full (&emu->responses, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&emu->notifications, (GDestroyNotify) g_bytes_unref);
  g_ptr_array_unref (emu->clients);
  g_mutex_clear (&emu->lock);
  g_free (emu);
}

void
ccid_emu_unplug (CcidEmu *emu)
{
  g_mutex_lock (&emu->lock);
  if (!emu->plugged)
    {
      g_mutex_unlock (&emu->lock);
      return;
    }
  emu->plugged = FALSE;
  /* Unplug: in-flight URBs fail with ESHUTDOWN, everything else ENODEV. */
  for (guint i = 0; i < emu->clients->len; i++)
    {
      Client *cs = client_state (emu, g_ptr_array_index (emu->clients, i));
      Urb *u;

      cs->dead = TRUE;
      while ((u = g_queue_pop_head (&cs->pending_in)) != NULL)
        finish_urb (cs, u, -ESHUTDOWN, 0);
      while ((u = g_queue_pop_head (&cs->pending_int)) != NULL)
        finish_urb (cs, u, -ESHUTDOWN, 0);
    }
  g_queue_clear_full (&emu->responses, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&emu->notifications, (GDestroyNotify) g_bytes_unref);
  pump_all (emu);
  g_mutex_unlock (&emu->lock);
  umockdev_testbed_uevent (emu->tb, SYS_IF, "remove");
  umockdev_testbed_uevent (emu->tb, SYS_DEV, "remove");
  umockdev_testbed_remove_device (emu->tb, SYS_IF);
  umockdev_testbed_remove_device (emu->tb, SYS_DEV);
}

void
ccid_emu_plug (CcidEmu *emu)
{
  g_autoptr (GError) error = NULL;

  g_mutex_lock (&emu->lock);
  g_ptr_array_set_size (emu->clients, 0);
  emu->powered = FALSE;
  g_mutex_unlock (&emu->lock);
  if (!add_reader (emu, &error))
    g_error ("plug: %s", error->message);
  g_mutex_lock (&emu->lock);
  make_fifo_node (emu);
  g_mutex_unlock (&emu->lock);
}

void
ccid_emu_set_card (CcidEmu *emu, gboolean present, gboolean mute)
{
  g_mutex_lock (&emu->lock);
  emu->present = present;
  emu->mute = mute;
  emu->powered = emu->powered && present;
  notify_slot (emu);
  pump_all (emu);
  g_mutex_unlock (&emu->lock);
}

void
ccid_emu_fault (CcidEmu *emu, CcidEmuFault fault)
{
  g_mutex_lock (&emu->lock);
  if (fault == CCID_EMU_FAULT_HW_ERROR && emu->interrupt)
    g_queue_push_tail (&emu->notifications, g_bytes_new ((const guint8[]){ 0x51, 0, 0, 1 }, 4));
  if (fault == CCID_EMU_FAULT_HW_ERROR)
    emu->powered = FALSE;
  else
    emu->faults[fault]++;
  pump_all (emu);
  g_mutex_unlock (&emu->lock);
}

/* Reads one counter under the lock. */
static guint
read_counter (CcidEmu *emu, const guint *counter)
{
  guint n;

  g_mutex_lock (&emu->lock);
  n = *counter;
  g_mutex_unlock (&emu->lock);
  return n;
}

guint
ccid_emu_count (CcidEmu *emu, guint8 type)
{
  return read_counter (emu, &emu->counts[type]);
}

guint
ccid_emu_pps_requests (CcidEmu *emu)
{
  return read_counter (emu, &emu->pps_requests);
}

guint8
ccid_emu_last_fidi (CcidEmu *emu)
{
  guint fidi;

  g_mutex_lock (&emu->lock);
  fidi = emu->last_fidi;
  g_mutex_unlock (&emu->lock);
  return (guint8) fidi;
}

guint8
ccid_emu_last_protocol (CcidEmu *emu)
{
  guint8 v;

  g_mutex_lock (&emu->lock);
  v = emu->last_protocol;
  g_mutex_unlock (&emu->lock);
  return v;
}

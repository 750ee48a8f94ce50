/* sim-bed.c: the umockdev testbed and the readers plugged into it
 *
 * Reader N is USB device 1-(N+1) on bus 1, devnum N+2, node
 * /dev/bus/usb/001/(N+2), with its CCID interface 1-(N+1):1.0. Indexes and
 * device numbers are never reused within a run.
 *
 * Order of events, as the kernel does it: plug makes the node (a FIFO, see
 * sim-usb.c), then adds the device, then the interface (add_from_string
 * sends each "add" uevent as it creates them);
 * unplug first fails the device's URBs, then sends "remove" for the
 * interface, then the device, then deletes them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-bed.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <umockdev.h>
#include <unistd.h>

#include "sim-reader.h"
#include "sim-usb.h"

#define DELIVERY_TIMEOUT_S 10

typedef struct
{
  SimBed *bed;
  guint index;
  const SimModel *model;
  SimReader *reader;
  SimUsb *usb;
  char *sys_device;
  char *sys_interface;
  char *devnode;
  gboolean plugged;
} Device;

struct _SimBed
{
  UMockdevTestbed *testbed;
  char *root;
  GMutex lock;
  GCond cond;
  GPtrArray *devices; /* Device, by index */
  FILE *trace;        /* $SCARDBUS_SIM_TRACE, or NULL */
  gid_t group;        /* owns the nodes (sim_bed_give_to_group), or -1 */
};

static void
device_free (gpointer data)
{
  Device *d = data;

  g_clear_object (&d->usb);
  g_clear_pointer (&d->reader, sim_reader_free);
  g_free (d->sys_device);
  g_free (d->sys_interface);
  g_free (d->devnode);
  g_free (d);
}

gboolean
sim_bed_preload_active (void)
{
  g_autofree char *maps = NULL;

  /* umockdev_in_mock_environment() answers "inside a testbed", not "under
   * the preload", so look at what is mapped. */
  return g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL)
         && strstr (maps, "libumockdev-preload") != NULL;
}

SimBed *
sim_bed_new (GError **error)
{
  g_autoptr (SimBed) self = g_new0 (SimBed, 1);
  const char *trace;

  if (!sim_bed_preload_active ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "not running under libumockdev-preload.so");
      return NULL;
    }
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->devices = g_ptr_array_new_with_free_func (device_free);
  self->testbed = umockdev_testbed_new ();
  self->root = umockdev_testbed_get_root_dir (self->testbed);
  self->group = (gid_t) -1;
  trace = g_getenv ("SCARDBUS_SIM_TRACE");
  if (trace != NULL && trace[0] != '\0' && (self->trace = fopen (trace, "ae")) == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot open SCARDBUS_SIM_TRACE %s: %s", trace, g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
sim_bed_free (SimBed *self)
{
  if (self == NULL)
    return;
  if (self->testbed != NULL)
    for (guint i = 0; self->devices != NULL && i < self->devices->len; i++)
      {
        Device *d = g_ptr_array_index (self->devices, i);
        umockdev_testbed_detach_ioctl (self->testbed, d->devnode, NULL);
      }
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_object (&self->testbed); /* removes the testbed directory */
  g_clear_pointer (&self->trace, fclose);
  g_free (self->root);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

const char *
sim_bed_get_root (SimBed *self)
{
  return self->root;
}

static char *
hex (GBytes *bytes)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (bytes, &n);
  GString *s = g_string_sized_new (2 * n);

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", p[i]);
  return g_string_free (s, FALSE);
}

/* An "A: key=value" line for a string the reader may lack. */
static char *
string_attr (const char *key, const char *value)
{
  return value != NULL ? g_strdup_printf ("A: %s=%s\n", key, value) : g_strdup ("");
}

static char *
device_record (Device *d)
{
  const SimModel *m = d->model;
  guint port = d->index + 1, devnum = d->index + 2;
  g_autoptr (GBytes) dev_desc = sim_model_device_descriptor (m);
  g_autoptr (GBytes) cfg_desc = sim_model_config_descriptor (m);
  g_autofree char *dev_hex = hex (dev_desc);
  g_autofree char *cfg_hex = hex (cfg_desc);
  g_autofree char *manufacturer = string_attr ("manufacturer", m->manufacturer);
  g_autofree char *product = string_attr ("product", m->product);
  g_autofree char *interface = string_attr ("interface", m->interface_name);
  guint n_ep = sim_model_n_endpoints (m);

  return g_strdup_printf (
      "P: %s\n"
      "E: DEVNAME=/dev/bus/usb/001/%03u\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
      "E: PRODUCT=%x/%x/%x\nE: TYPE=0/0/0\nE: BUSNUM=001\nE: DEVNUM=%03u\n"
      "E: MAJOR=189\nE: MINOR=%u\nE: SUBSYSTEM=usb\n"
      "E: ID_VENDOR_ID=%04x\nE: ID_MODEL_ID=%04x\nE: ID_BUS=usb\n"
      "A: busnum=1\nA: devnum=%u\nA: dev=189:%u\nA: idVendor=%04x\nA: idProduct=%04x\n"
      "A: bcdDevice=%04x\nA: speed=12\nA: bConfigurationValue=1\nA: bNumConfigurations=1\n"
      "A: bNumInterfaces= 1\nA: bDeviceClass=00\nA: bMaxPacketSize0=%u\nA: devpath=%u\n"
      "%s%s"
      "H: descriptors=%s%s\n"
      "\n"
      "P: %s\n"
      "E: DEVTYPE=usb_interface\nE: DRIVER=usbfs\nE: PRODUCT=%x/%x/%x\nE: TYPE=0/0/0\n"
      "E: INTERFACE=%u/%u/%u\n"
      "E: MODALIAS=usb:v%04Xp%04Xd%04Xdc00dsc00dp00ic%02Xisc%02Xip%02Xin00\n"
      "E: SUBSYSTEM=usb\n"
      "A: bInterfaceClass=%02x\nA: bInterfaceSubClass=%02x\nA: bInterfaceProtocol=%02x\n"
      "A: bInterfaceNumber=00\nA: bAlternateSetting= 0\nA: bNumEndpoints=%02u\n%s",
      d->sys_device + strlen ("/sys"), devnum, m->vendor_id, m->product_id, m->bcd_device, devnum,
      devnum - 1, m->vendor_id, m->product_id, devnum, devnum - 1, m->vendor_id, m->product_id,
      m->bcd_device, SIM_EP_PACKET, port, manufacturer, product, dev_hex, cfg_hex,
      d->sys_interface + strlen ("/sys"), m->vendor_id, m->product_id, m->bcd_device,
      m->interface_class, m->interface_subclass, m->interface_protocol, m->vendor_id, m->product_id,
      m->bcd_device, m->interface_class, m->interface_subclass, m->interface_protocol,
      m->interface_class, m->interface_subclass, m->interface_protocol, n_ep, interface);
}

/* root:@group, mode @mode, as udev's GROUP= and MODE= would make a node. */
static gboolean
give (const char *path, gid_t group, mode_t mode, GError **error)
{
  if (chown (path, 0, group) < 0 || g_chmod (path, mode) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot give %s to gid %u: %s",
                   path, (guint) group, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* The node a host opens and the socket that carries its ioctls, which
 * together stand for /dev/bus/usb/BBB/DDD. */
static gboolean
give_device (SimBed *self, Device *d, GError **error)
{
  g_autofree char *node = g_build_filename (self->root, d->devnode, NULL);
  g_autofree char *ioctl = g_build_filename (self->root, "ioctl", d->devnode, NULL);

  return self->group == (gid_t) -1
         || (give (node, self->group, 0660, error) && give (ioctl, self->group, 0660, error));
}

gboolean
sim_bed_give_to_group (SimBed *self, gid_t group, GError **error)
{
  self->group = group;
  /* The host binds its netlink stand-ins (umockdev's event sockets) in the
   * testbed's root. */
  if (!give (self->root, group, 0770, error))
    return FALSE;
  for (guint i = 0; i < self->devices->len; i++)
    {
      Device *d = g_ptr_array_index (self->devices, i);

      if (d->plugged && !give_device (self, d, error))
        return FALSE;
    }
  return TRUE;
}

static Device *
lookup (SimBed *self, guint index, gboolean need_plugged, GError **error)
{
  Device *d;

  if (index >= self->devices->len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no reader %u", index);
      return NULL;
    }
  d = g_ptr_array_index (self->devices, index);
  if (need_plugged && !d->plugged)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "reader %u is unplugged", index);
      return NULL;
    }
  return d;
}

static gboolean
unplug_idle (gpointer data)
{
  Device *d = data;
  g_autoptr (GError) error = NULL;

  if (!sim_bed_unplug (d->bed, d->index, &error))
    g_warning ("unplug-mid: %s", error->message);
  return G_SOURCE_REMOVE;
}

/* From the ioctl thread: the reader vanishes in the middle of a transfer. */
static void
unplug_mid (gpointer user_data)
{
  g_idle_add (unplug_idle, user_data);
}

gint
sim_bed_plug (SimBed *self, const SimModel *model, const SimCardKind *cards, guint n_cards,
              GError **error)
{
  Device *d = g_new0 (Device, 1);
  g_autofree char *record = NULL;
  g_autofree char *node = NULL;
  g_autofree char *dir = NULL;
  gboolean ok;

  d->bed = self;
  d->index = self->devices->len; /* only this thread adds devices */
  d->model = model;
  d->reader = sim_reader_new (model);
  d->sys_device = g_strdup_printf ("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-%u", d->index + 1);
  d->sys_interface = g_strdup_printf ("%s/1-%u:1.0", d->sys_device, d->index + 1);
  d->devnode = g_strdup_printf ("/dev/bus/usb/001/%03u", d->index + 2);
  for (guint i = 0; i < n_cards && i < model->n_slots; i++)
    if (cards[i] != SIM_CARD_N)
      sim_reader_insert (d->reader, i, cards[i], NULL);
  d->usb = sim_usb_new (d->reader, &self->lock, &self->cond, unplug_mid, d);
  sim_usb_set_trace (d->usb, self->trace, d->index);
  g_mutex_lock (&self->lock); /* ctl threads look devices up */
  g_ptr_array_add (self->devices, d);
  g_mutex_unlock (&self->lock);

  /* The node exists, a FIFO, before the "add" uevent: a host that opens it
   * at once must not get a regular file (always ready: libusb would spin).
   * So the record has no "N:" line, which would make umockdev create it. */
  node = g_build_filename (self->root, d->devnode, NULL);
  dir = g_path_get_dirname (node);
  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", dir);
      return -1;
    }
  g_mutex_lock (&self->lock);
  ok = sim_usb_set_fifo_node (d->usb, node, error);
  g_mutex_unlock (&self->lock);
  if (!ok
      || !umockdev_testbed_attach_ioctl (self->testbed, d->devnode, UMOCKDEV_IOCTL_BASE (d->usb),
                                         error)
      || !give_device (self, d, error))
    return -1;
  record = device_record (d);
  if (!umockdev_testbed_add_from_string (self->testbed, record, error))
    return -1;
  g_mutex_lock (&self->lock);
  d->plugged = TRUE;
  g_mutex_unlock (&self->lock);
  return (gint) d->index;
}

gboolean
sim_bed_unplug (SimBed *self, guint index, GError **error)
{
  Device *d;

  g_mutex_lock (&self->lock);
  d = lookup (self, index, TRUE, error);
  if (d == NULL)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  d->plugged = FALSE;
  sim_usb_disconnect (d->usb);
  g_mutex_unlock (&self->lock);
  umockdev_testbed_uevent (self->testbed, d->sys_interface, "remove");
  umockdev_testbed_uevent (self->testbed, d->sys_device, "remove");
  umockdev_testbed_remove_device (self->testbed, d->sys_interface);
  umockdev_testbed_remove_device (self->testbed, d->sys_device);
  {
    /* The node goes too; open descriptors of it keep working (ENODEV). */
    g_autofree char *node = g_build_filename (self->root, d->devnode, NULL);
    g_unlink (node);
  }
  return TRUE;
}

/* Lock held. */
static gboolean
wait_delivered (SimBed *self, Device *d, guint64 ticket, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + DELIVERY_TIMEOUT_S * G_TIME_SPAN_SECOND;

  while (sim_usb_get_interrupts_reaped (d->usb) < ticket && !sim_usb_is_gone (d->usb))
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     "the host did not read reader %u's interrupt endpoint within %d s", d->index,
                     DELIVERY_TIMEOUT_S);
        return FALSE;
      }
  return TRUE;
}

static gboolean
change_card (SimBed *self, guint index, guint slot, gboolean insert, SimCardKind kind,
             GError **error)
{
  Device *d;
  gboolean ok;

  g_mutex_lock (&self->lock);
  d = lookup (self, index, TRUE, error);
  ok = d != NULL
       && (insert ? sim_reader_insert (d->reader, slot, kind, error)
                  : sim_reader_remove (d->reader, slot, error));
  if (ok && d->model->interrupt)
    ok = wait_delivered (self, d, sim_usb_kick (d->usb), error);
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
sim_bed_insert (SimBed *self, guint index, guint slot, SimCardKind kind, GError **error)
{
  return change_card (self, index, slot, TRUE, kind, error);
}

gboolean
sim_bed_remove (SimBed *self, guint index, guint slot, GError **error)
{
  return change_card (self, index, slot, FALSE, SIM_CARD_N, error);
}

gboolean
sim_bed_fault (SimBed *self, guint index, guint slot, SimFault fault, guint count, GError **error)
{
  return sim_bed_fault_later (self, index, slot, fault, count, 0, error);
}

gboolean
sim_bed_fault_later (SimBed *self, guint index, guint slot, SimFault fault, guint count,
                     guint after, GError **error)
{
  Device *d;
  gboolean ok;

  g_mutex_lock (&self->lock);
  d = lookup (self, index, TRUE, error);
  ok = d != NULL && sim_reader_add_fault_later (d->reader, slot, fault, count, after, error);
  if (ok && after == 0 && fault == SIM_FAULT_HW_ERROR)
    ok = wait_delivered (self, d, sim_usb_kick (d->usb), error);
  else if (ok && after == 0)
    sim_usb_kick (d->usb); /* interrupt faults meet a waiting transfer at once */
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
sim_bed_keypad (SimBed *self, guint index, const char *const *entries, GError **error)
{
  Device *d;
  gboolean ok;

  g_mutex_lock (&self->lock);
  d = lookup (self, index, TRUE, error);
  ok = d != NULL && sim_reader_keypad (d->reader, entries, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

char *
sim_bed_stats (SimBed *self, guint index, guint slot, GError **error)
{
  Device *d;
  char *json = NULL;

  g_mutex_lock (&self->lock);
  d = lookup (self, index, FALSE, error);
  if (d != NULL)
    {
      if (slot >= d->model->n_slots)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "reader %u has no slot %u",
                     index, slot);
      else
        json = sim_stats_to_json (sim_reader_get_stats (d->reader, slot),
                                  sim_usb_get_stats (d->usb));
    }
  g_mutex_unlock (&self->lock);
  return json;
}

guint
sim_bed_count_slots (SimBed *self)
{
  guint n = 0;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->devices->len; i++)
    {
      Device *d = g_ptr_array_index (self->devices, i);

      if (d->plugged)
        n += d->model->n_slots;
    }
  g_mutex_unlock (&self->lock);
  return n;
}

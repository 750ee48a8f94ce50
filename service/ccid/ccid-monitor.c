/* ccid-monitor.c: finds CCID readers with udev and follows hotplug
 *
 * Readers are USB interfaces (DEVTYPE usb_interface) of class 0x0B with
 * the bulk protocol (bInterfaceProtocol 0: CCID, not ICCD's control-pipe
 * variants), and vendor-class (0xFF) interfaces that carry a CCID class
 * descriptor, as libccid takes them (the descriptor is looked at when the
 * device is opened: udev does not show it).
 *
 * Each device gets the lowest index (the NN of "<name> NN SS") that no
 * present device uses, as pcscd gives the lowest free one to every reader
 * of the same driver; it stays while the device stays plugged.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-monitor.h"

#include <gudev/gudev.h>
#include <string.h>

#include "scb-error.h"

/* libusb may learn of a device a moment after udev tells us. */
#define ADD_RETRY_MS 100
#define ADD_RETRIES 10

typedef struct
{
  guint16 vendor_id;
  guint16 product_id;
} UsbId;

struct _CcidMonitor
{
  GObject parent_instance;

  GUdevClient *udev;
  CcidUsbContext *usb;
  GPtrArray *devices; /* CcidDevice */
  GArray *ignored;    /* UsbId */
  CcidQuirks *quirks;
  guint poll_interval_ms;
  GHashTable *pending; /* sysfs path -> retry count */
  guint retry_id;
  gboolean started;
};

enum
{
  SIGNAL_DEVICE_ADDED,
  SIGNAL_DEVICE_REMOVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CcidMonitor, ccid_monitor, G_TYPE_OBJECT)

static guint
sysfs_hex (GUdevDevice *dev, const char *attr)
{
  const char *s = g_udev_device_get_sysfs_attr (dev, attr);

  return s != NULL ? (guint) g_ascii_strtoull (s, NULL, 16) : 0;
}

static gboolean
usb_ids (GUdevDevice *interface, UsbId *id)
{
  g_autoptr (GUdevDevice) parent
      = g_udev_device_get_parent_with_subsystem (interface, "usb", "usb_device");

  if (parent == NULL)
    return FALSE;
  id->vendor_id = (guint16) sysfs_hex (parent, "idVendor");
  id->product_id = (guint16) sysfs_hex (parent, "idProduct");
  return TRUE;
}

static gboolean
is_reader_interface (GUdevDevice *dev, UsbId *id)
{
  guint klass;

  if (g_strcmp0 (g_udev_device_get_devtype (dev), "usb_interface") != 0)
    return FALSE;
  if (!usb_ids (dev, id))
    return FALSE;
  klass = sysfs_hex (dev, "bInterfaceClass");
  if (klass == CCID_INTERFACE_CLASS)
    {
      /* CCID §4.3: protocol 0 is bulk CCID; 1 and 2 are ICCD versions A
       * and B, over the control pipe, which we do not speak. */
      if (sysfs_hex (dev, "bInterfaceProtocol") != 0)
        {
          g_message ("Ignoring reader %04x:%04x at %s: ICCD (bInterfaceProtocol %u, CCID "
                     "over control transfers) is not supported; use it with pcscd and libccid",
                     id->vendor_id, id->product_id, g_udev_device_get_sysfs_path (dev),
                     sysfs_hex (dev, "bInterfaceProtocol"));
          return FALSE;
        }
      return TRUE;
    }
  return klass == 0xff;
}

static gboolean
is_ignored (CcidMonitor *self, const UsbId *id)
{
  for (guint i = 0; i < self->ignored->len; i++)
    {
      const UsbId *ig = &g_array_index (self->ignored, UsbId, i);

      if (ig->vendor_id == id->vendor_id && ig->product_id == id->product_id)
        return TRUE;
    }
  return FALSE;
}

static CcidDevice *
find_device (CcidMonitor *self, const char *sysfs_path, guint *index)
{
  for (guint i = 0; i < self->devices->len; i++)
    {
      CcidDevice *device = g_ptr_array_index (self->devices, i);
      const char *path = ccid_device_get_sysfs_path (device);

      /* the interface itself, or the USB device above it */
      if (g_strcmp0 (path, sysfs_path) == 0
          || (g_str_has_prefix (path, sysfs_path) && path[strlen (sysfs_path)] == '/'))
        {
          if (index != NULL)
            *index = i;
          return device;
        }
    }
  return NULL;
}

static guint
free_index (CcidMonitor *self)
{
  for (guint n = 0;; n++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < self->devices->len && !used; i++)
        used = ccid_device_get_index (g_ptr_array_index (self->devices, i)) == n;
      if (!used)
        return n;
    }
}

static gboolean retry_pending (gpointer user_data);

/* libccid refuses the firmwares it knows to be buggy (ccid_usb.c,
 * ccid_check_firmware); so do we, from the quirks table. */
static gboolean
firmware_usable (CcidMonitor *self, GUdevDevice *interface, const UsbId *id)
{
  g_autoptr (GUdevDevice) parent
      = g_udev_device_get_parent_with_subsystem (interface, "usb", "usb_device");
  guint32 min = 0;
  guint bcd;

  if (parent == NULL
      || !ccid_quirks_get (self->quirks, id->vendor_id, id->product_id, CCID_QUIRK_MIN_FIRMWARE,
                           &min))
    return TRUE;
  bcd = sysfs_hex (parent, "bcdDevice");
  if (bcd >= min)
    return TRUE;
  g_warning ("Reader %04x:%04x at %s: firmware %x.%02x has known bugs (%x.%02x or later is "
             "needed); upgrade the reader's firmware or get another reader. To use it anyway, "
             "add \"%04X:%04X %s 0\" to %s",
             id->vendor_id, id->product_id, g_udev_device_get_sysfs_path (interface), bcd >> 8,
             bcd & 0xff, min >> 8, min & 0xff, id->vendor_id, id->product_id,
             CCID_QUIRK_MIN_FIRMWARE, "/etc/scardbus/ccid-quirks.txt");
  return FALSE;
}

/* Returns FALSE when it should be tried again a little later. */
static gboolean
add_interface (CcidMonitor *self, GUdevDevice *dev)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcidDevice) device = NULL;
  UsbId id;
  const char *path = g_udev_device_get_sysfs_path (dev);

  if (!is_reader_interface (dev, &id) || find_device (self, path, NULL) != NULL)
    return TRUE;
  if (is_ignored (self, &id))
    {
      g_message ("Ignoring reader %04x:%04x at %s (configuration)", id.vendor_id, id.product_id,
                 path);
      return TRUE;
    }
  if (!firmware_usable (self, dev, &id))
    return TRUE;
  device = ccid_device_new (self->usb, dev, free_index (self), self->poll_interval_ms, &error);
  if (device == NULL)
    {
      if (g_error_matches (error, SCB_ERROR, SCB_ERROR_NOT_READY))
        return FALSE;
      /* a vendor-class interface that is no reader */
      if (g_error_matches (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED))
        {
          g_debug ("%s", error->message);
          return TRUE;
        }
      /* Held by another program, or unusable: left alone until replugged. */
      g_warning ("%s", error->message);
      return TRUE;
    }
  g_message ("Reader added: %s (%04x:%04x, %s)", ccid_device_get_name (device), id.vendor_id,
             id.product_id,
             ccid_exchange_level_to_string (ccid_device_get_descriptor (device)->level));
  g_ptr_array_add (self->devices, g_object_ref (device));
  g_signal_emit (self, signals[SIGNAL_DEVICE_ADDED], 0, device);
  /* Only now: listeners are connected to the slots' ::changed. */
  ccid_device_start (device);
  return TRUE;
}

static void
add_or_retry (CcidMonitor *self, GUdevDevice *dev)
{
  const char *path = g_udev_device_get_sysfs_path (dev);

  if (add_interface (self, dev))
    return;
  g_hash_table_insert (self->pending, g_strdup (path), GUINT_TO_POINTER (0));
  if (self->retry_id == 0)
    self->retry_id = g_timeout_add (ADD_RETRY_MS, retry_pending, self);
}

static gboolean
retry_pending (gpointer user_data)
{
  CcidMonitor *self = user_data;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr (GUdevDevice) dev = g_udev_client_query_by_sysfs_path (self->udev, key);
      guint tries = GPOINTER_TO_UINT (value) + 1;

      if (dev == NULL || add_interface (self, dev))
        g_hash_table_iter_remove (&iter);
      else if (tries >= ADD_RETRIES)
        {
          g_warning ("libusb never saw the USB device of %s", (const char *) key);
          g_hash_table_iter_remove (&iter);
        }
      else
        g_hash_table_iter_replace (&iter, GUINT_TO_POINTER (tries));
    }
  if (g_hash_table_size (self->pending) > 0)
    return G_SOURCE_CONTINUE;
  self->retry_id = 0;
  return G_SOURCE_REMOVE;
}

static void
remove_path (CcidMonitor *self, const char *path)
{
  CcidDevice *device;
  guint index;

  g_hash_table_remove (self->pending, path);
  while ((device = find_device (self, path, &index)) != NULL)
    {
      g_autoptr (CcidDevice) ref = g_object_ref (device);

      g_message ("Reader removed: %s", ccid_device_get_name (device));
      g_ptr_array_remove_index (self->devices, index);
      ccid_device_shutdown (ref);
      g_signal_emit (self, signals[SIGNAL_DEVICE_REMOVED], 0, ref);
    }
}

static void
on_uevent (GUdevClient *client, const char *action, GUdevDevice *dev, gpointer user_data)
{
  CcidMonitor *self = user_data;

  if (g_strcmp0 (action, "add") == 0)
    add_or_retry (self, dev);
  else if (g_strcmp0 (action, "remove") == 0)
    remove_path (self, g_udev_device_get_sysfs_path (dev));
}

gboolean
ccid_monitor_start (CcidMonitor *self, GError **error)
{
  const char *subsystems[] = { "usb", NULL };
  GList *list;

  g_return_val_if_fail (!self->started, FALSE);
  self->usb = ccid_usb_context_new (error);
  if (self->usb == NULL)
    return FALSE;
  self->started = TRUE;
  if (self->quirks == NULL && (self->quirks = ccid_quirks_load (NULL, error)) == NULL)
    return FALSE;
  self->udev = g_udev_client_new (subsystems);
  g_signal_connect (self->udev, "uevent", G_CALLBACK (on_uevent), self);
  list = g_udev_client_query_by_subsystem (self->udev, "usb");
  for (GList *l = list; l != NULL; l = l->next)
    add_or_retry (self, l->data);
  g_list_free_full (list, g_object_unref);
  return TRUE;
}

void
ccid_monitor_stop (CcidMonitor *self)
{
  if (self->udev != NULL)
    g_signal_handlers_disconnect_by_data (self->udev, self);
  g_clear_object (&self->udev);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_hash_table_remove_all (self->pending);
  while (self->devices->len > 0)
    {
      /* a copy: the device, and its path, may be gone before remove_path
       * looks for a next device below the path */
      g_autofree char *path = g_strdup (
          ccid_device_get_sysfs_path (g_ptr_array_index (self->devices, self->devices->len - 1)));

      remove_path (self, path);
    }
}

GPtrArray *
ccid_monitor_get_devices (CcidMonitor *self)
{
  return self->devices;
}

void
ccid_monitor_set_poll_interval (CcidMonitor *self, guint interval_ms)
{
  self->poll_interval_ms = interval_ms;
}

void
ccid_monitor_set_quirks (CcidMonitor *self, CcidQuirks *quirks)
{
  g_clear_pointer (&self->quirks, ccid_quirks_free);
  self->quirks = quirks;
}

void
ccid_monitor_add_ignored (CcidMonitor *self, guint16 vendor_id, guint16 product_id)
{
  UsbId id = { vendor_id, product_id };

  g_array_append_val (self->ignored, id);
}

static void
ccid_monitor_dispose (GObject *object)
{
  CcidMonitor *self = CCID_MONITOR (object);

  if (self->devices != NULL)
    ccid_monitor_stop (self);
  G_OBJECT_CLASS (ccid_monitor_parent_class)->dispose (object);
}

static void
ccid_monitor_finalize (GObject *object)
{
  CcidMonitor *self = CCID_MONITOR (object);

  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_pointer (&self->ignored, g_array_unref);
  g_clear_pointer (&self->quirks, ccid_quirks_free);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->usb, ccid_usb_context_unref);
  G_OBJECT_CLASS (ccid_monitor_parent_class)->finalize (object);
}

static void
ccid_monitor_class_init (CcidMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ccid_monitor_dispose;
  object_class->finalize = ccid_monitor_finalize;

  /**
   * CcidMonitor::device-added:
   * @device: the new, opened reader; its slots report their cards once
   *   the handlers of this signal have run.
   */
  signals[SIGNAL_DEVICE_ADDED]
      = g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, CCID_TYPE_DEVICE);
  /**
   * CcidMonitor::device-removed:
   * @device: the reader, already shut down: its slots are absent and every
   *   operation on them fails with READER_UNAVAILABLE.
   */
  signals[SIGNAL_DEVICE_REMOVED]
      = g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, CCID_TYPE_DEVICE);
}

static void
ccid_monitor_init (CcidMonitor *self)
{
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  self->ignored = g_array_new (FALSE, FALSE, sizeof (UsbId));
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->poll_interval_ms = CCID_DEFAULT_POLL_INTERVAL_MS;
}

CcidMonitor *
ccid_monitor_new (void)
{
  return g_object_new (CCID_TYPE_MONITOR, NULL);
}

/* ccid-usb-lookup.c: a reader's identity (udev) and descriptors (libusb)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-usb-lookup.h"

#include <string.h>

#include "ccid-reader-names.h"
#include "scb-error.h"

guint
ccid_usb_sysfs_hex (GUdevDevice *dev, const char *attr)
{
  const char *s = g_udev_device_get_sysfs_attr (dev, attr);

  return s != NULL ? (guint) g_ascii_strtoull (s, NULL, 16) : 0;
}

static char *
sysfs_string (GUdevDevice *dev, const char *attr)
{
  const char *s = g_udev_device_get_sysfs_attr (dev, attr);
  g_autofree char *copy = NULL;

  if (s == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (s));
  if (*copy == '\0' || !g_utf8_validate (copy, -1, NULL))
    return NULL;
  return g_steal_pointer (&copy);
}

/* pcscd replaces every byte of the interface string that is not ASCII
 * with a dot (pcsc-lite hotplug_libudev.c, HPAddDevice). */
static char *
ascii_only (const char *s)
{
  char *copy = g_strdup (s);

  for (char *p = copy; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      *p = '.';
  return copy;
}

/* pcscd + libccid name a reader "<friendly name> [<interface>] (<serial>)"
 * (pcsc-lite hotplug_libudev.c): the friendly name is what libccid's table
 * gives the VID:PID (its Info.plist); the interface string only when there
 * is one; the serial only when the interface string does not already
 * contain it. RFSetReaderName then appends " NN SS". A reader libccid does
 * not know yet gets the name its table would give it, the USB strings
 * "<manufacturer> <product>" as they are. */
char *
ccid_usb_reader_name (GUdevDevice *usb_device, GUdevDevice *interface, guint16 vid, guint16 pid,
                      char **out_serial)
{
  g_autofree char *manufacturer = sysfs_string (usb_device, "manufacturer");
  g_autofree char *product = sysfs_string (usb_device, "product");
  const char *raw_iface = g_udev_device_get_sysfs_attr (interface, "interface");
  g_autofree char *iface
      = raw_iface != NULL && raw_iface[0] != '\0' ? ascii_only (raw_iface) : NULL;
  g_autofree char *serial = sysfs_string (usb_device, "serial");
  const char *known = ccid_reader_names_lookup (vid, pid);
  GString *name = g_string_new (NULL);

  if (known != NULL)
    g_string_append (name, known);
  else if (manufacturer != NULL && product != NULL)
    g_string_append_printf (name, "%s %s", manufacturer, product);
  else if (product != NULL)
    g_string_append (name, product);
  else if (manufacturer != NULL)
    g_string_append_printf (name, "%s %04X:%04X", manufacturer, vid, pid);
  else
    g_string_append_printf (name, "USB CCID reader %04X:%04X", vid, pid);
  if (iface != NULL)
    g_string_append_printf (name, " [%s]", iface);
  if (serial != NULL && (raw_iface == NULL || strstr (raw_iface, serial) == NULL))
    g_string_append_printf (name, " (%s)", serial);
  /* The PC/SC name buffer is 128 bytes, " NN SS" included. */
  if (name->len > 121)
    {
      const char *end = name->str + 121;

      g_string_truncate (name, (gsize) (g_utf8_find_prev_char (name->str, end + 1) - name->str));
    }
  *out_serial = g_steal_pointer (&serial);
  return g_string_free (name, FALSE);
}

gboolean
ccid_usb_read_interface (libusb_device *dev, int interface_number, const char *name,
                         CcidDescriptor *desc, CcidEndpoints *out_eps, GError **error)
{
  struct libusb_config_descriptor *config = NULL;
  const struct libusb_interface_descriptor *alt = NULL;
  const guint8 *found;
  gsize found_len = 0;
  const char *reason = NULL;
  CcidInterfaceKind kind;
  CcidEndpointInfo eps[16];
  gsize n_eps = 0;
  int r;

  r = libusb_get_active_config_descriptor (dev, &config);
  if (r < 0)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE,
                   "Cannot read the configuration of %s: %s", name, libusb_error_name (r));
      return FALSE;
    }
  for (int i = 0; i < config->bNumInterfaces && alt == NULL; i++)
    if (config->interface[i].num_altsetting > 0
        && config->interface[i].altsetting[0].bInterfaceNumber == interface_number)
      alt = &config->interface[i].altsetting[0];
  if (alt == NULL)
    {
      libusb_free_config_descriptor (config);
      g_set_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "%s has no interface %d", name,
                   interface_number);
      return FALSE;
    }

  found = ccid_descriptor_find (alt->extra, (gsize) MAX (alt->extra_length, 0), &found_len);
  kind = ccid_interface_kind (alt->bInterfaceClass, alt->bInterfaceProtocol, alt->extra,
                              (gsize) MAX (alt->extra_length, 0));
  if (kind == CCID_INTERFACE_NONE)
    /* many devices have vendor-class interfaces that are no readers */
    g_set_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                 "%s: interface %d (class %02x, protocol %u) is not a CCID reader", name,
                 interface_number, alt->bInterfaceClass, alt->bInterfaceProtocol);
  else if (kind != CCID_INTERFACE_BULK)
    g_set_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER,
                 "%s: ICCD (bInterfaceProtocol %u, CCID over control transfers) is not "
                 "supported; the reader is left alone: use it with pcscd and libccid",
                 name, alt->bInterfaceProtocol);
  if (kind != CCID_INTERFACE_BULK)
    {
      /* only now: the messages above read the descriptor */
      libusb_free_config_descriptor (config);
      return FALSE;
    }
  /* Some old readers put the class descriptor after the last endpoint. */
  for (int e = alt->bNumEndpoints - 1; found == NULL && e >= 0; e--)
    found = ccid_descriptor_find (alt->endpoint[e].extra,
                                  (gsize) MAX (alt->endpoint[e].extra_length, 0), &found_len);
  for (int e = 0; e < alt->bNumEndpoints && n_eps < G_N_ELEMENTS (eps); e++, n_eps++)
    {
      eps[n_eps].address = alt->endpoint[e].bEndpointAddress;
      eps[n_eps].attributes = alt->endpoint[e].bmAttributes;
      eps[n_eps].max_packet_size = alt->endpoint[e].wMaxPacketSize;
    }

  if (found == NULL || !ccid_descriptor_parse (found, found_len, desc, &reason))
    {
      struct libusb_device_descriptor dd = { 0 };
      guint16 vendor_id, product_id;

      libusb_get_device_descriptor (dev, &dd);
      vendor_id = dd.idVendor;
      product_id = dd.idProduct;
      libusb_free_config_descriptor (config);
      g_set_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER,
                   "%s: unusable CCID class descriptor: %s; the reader is left alone. If pcscd "
                   "and libccid serve it, please report this message with the output of "
                   "`lsusb -v -d %04x:%04x`; Ignore= in scardbusd.conf silences it",
                   name, reason != NULL ? reason : "none found", vendor_id, product_id);
      return FALSE;
    }
  if (!ccid_endpoints_pick (eps, n_eps, out_eps, &reason))
    {
      libusb_free_config_descriptor (config);
      g_set_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER, "%s: %s", name, reason);
      return FALSE;
    }
  libusb_free_config_descriptor (config);
  return TRUE;
}

libusb_device *
ccid_usb_find_device (CcidUsbContext *usb, guint busnum, guint devnum)
{
  libusb_device **list = NULL;
  libusb_device *found = NULL;
  ssize_t n = libusb_get_device_list (ccid_usb_context_get_libusb (usb), &list);

  for (ssize_t i = 0; i < n && found == NULL; i++)
    if (libusb_get_bus_number (list[i]) == busnum && libusb_get_device_address (list[i]) == devnum)
      found = libusb_ref_device (list[i]);
  if (list != NULL)
    libusb_free_device_list (list, 1);
  return found;
}

libusb_device_handle *
ccid_usb_open_interface (CcidUsbContext *usb, GUdevDevice *usb_device, int interface_number,
                         const char *name, CcidDescriptor *desc, CcidEndpoints *eps, GError **error)
{
  guint busnum = (guint) g_udev_device_get_sysfs_attr_as_int (usb_device, "busnum");
  guint devnum = (guint) g_udev_device_get_sysfs_attr_as_int (usb_device, "devnum");
  libusb_device *dev = ccid_usb_find_device (usb, busnum, devnum);
  libusb_device_handle *handle = NULL;
  int r;

  if (dev == NULL)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_NOT_READY,
                   "%s: libusb does not know USB device %03u/%03u", name, busnum, devnum);
      return NULL;
    }
  if (!ccid_usb_read_interface (dev, interface_number, name, desc, eps, error))
    {
      libusb_unref_device (dev);
      return NULL;
    }
  r = libusb_open (dev, &handle);
  libusb_unref_device (dev);
  if (r < 0)
    {
      g_set_error (
          error, SCB_ERROR,
          r == LIBUSB_ERROR_ACCESS ? SCB_ERROR_PERMISSION_DENIED : SCB_ERROR_READER_UNAVAILABLE,
          "Cannot open %s (USB %03u/%03u): %s", name, busnum, devnum, libusb_error_name (r));
      return NULL;
    }
  r = libusb_claim_interface (handle, interface_number);
  if (r < 0)
    {
      if (r == LIBUSB_ERROR_BUSY)
        g_set_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                     "%s: interface %d is held by another program (pcscd? scdaemon's own "
                     "CCID driver?); leaving the reader alone until it is plugged again",
                     name, interface_number);
      else
        g_set_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE,
                     "Cannot claim interface %d of %s: %s", interface_number, name,
                     libusb_error_name (r));
      libusb_close (handle);
      return NULL;
    }
  return handle;
}

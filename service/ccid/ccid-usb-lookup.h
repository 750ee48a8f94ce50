/* ccid-usb-lookup.h: a reader's identity (udev) and descriptors (libusb)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gudev/gudev.h>
#include <libusb.h>

#include "ccid-descriptor.h"
#include "ccid-usb-source.h"

G_BEGIN_DECLS

/* A hexadecimal sysfs attribute (idVendor, bInterfaceClass...), 0 if absent. */
guint ccid_usb_sysfs_hex (GUdevDevice *dev, const char *attr);

/* The reader name pcscd + libccid would give, without " NN SS"; the
 * serial number, if any, in @out_serial. */
char *ccid_usb_reader_name (GUdevDevice *usb_device, GUdevDevice *interface, guint16 vid,
                            guint16 pid, char **out_serial);

/* The libusb device at @busnum/@devnum (a new reference), or NULL. */
libusb_device *ccid_usb_find_device (CcidUsbContext *usb, guint busnum, guint devnum);

/* Parses the class descriptor and picks the endpoints of interface
 * @interface_number of the active configuration. */
gboolean ccid_usb_read_interface (libusb_device *dev, int interface_number, const char *name,
                                  CcidDescriptor *desc, CcidEndpoints *eps, GError **error);

/* Finds the device, reads its descriptors, opens it and claims the
 * interface. Fails with NOT_READY when libusb does not know the device yet,
 * SHARING_VIOLATION when another program holds the interface. */
libusb_device_handle *ccid_usb_open_interface (CcidUsbContext *usb, GUdevDevice *usb_device,
                                               int interface_number, const char *name,
                                               CcidDescriptor *desc, CcidEndpoints *eps,
                                               GError **error);

G_END_DECLS

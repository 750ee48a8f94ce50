/* ccid-device-info.c: what a reader is (names, USB identity, descriptor, slots)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-device-private.h"

const char *
ccid_device_get_sysfs_path (CcidDevice *self)
{
  return self->sysfs_path;
}

const char *
ccid_device_get_name (CcidDevice *self)
{
  return self->name;
}

const char *
ccid_device_get_manufacturer (CcidDevice *self)
{
  return self->manufacturer;
}

void
ccid_device_get_usb_address (CcidDevice *self, guint *busnum, guint *devnum)
{
  *busnum = self->busnum;
  *devnum = self->devnum;
}

const char *
ccid_device_get_serial (CcidDevice *self)
{
  return self->serial;
}

guint16
ccid_device_get_vendor_id (CcidDevice *self)
{
  return self->vendor_id;
}

guint16
ccid_device_get_bcd_device (CcidDevice *self)
{
  return self->bcd_device;
}

guint16
ccid_device_get_product_id (CcidDevice *self)
{
  return self->product_id;
}

guint
ccid_device_get_index (CcidDevice *self)
{
  return self->index;
}

const CcidDescriptor *
ccid_device_get_descriptor (CcidDevice *self)
{
  return &self->desc;
}

gboolean
ccid_device_has_interrupt (CcidDevice *self)
{
  return self->eps.interrupt_in != 0;
}

guint
ccid_device_get_n_slots (CcidDevice *self)
{
  return self->slots != NULL ? self->slots->len : 0;
}

CcidSlot *
ccid_device_get_slot (CcidDevice *self, guint index)
{
  if (self->slots == NULL || index >= self->slots->len)
    return NULL;
  return g_ptr_array_index (self->slots, index);
}

/* ccid-device-private.h: what ccid-device.c and ccid-device-info.c share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "ccid-device.h"
#include "ccid-usb-lookup.h"

#include <libusb.h>

typedef struct _Command Command; /* one PC_to_RDR message and who waits for it */

struct _CcidDevice
{
  GObject parent_instance;

  CcidUsbContext *usb;
  libusb_device_handle *handle;
  int interface_number;
  gboolean claimed;
  CcidDescriptor desc;
  CcidEndpoints eps;

  char *sysfs_path;
  char *name;
  char *serial;
  char *manufacturer; /* the USB iManufacturer string, NULL without one */
  guint busnum;
  guint devnum;
  guint16 vendor_id;
  guint16 bcd_device; /* the firmware release some quirks depend on */
  guint16 product_id;
  guint index;
  guint poll_interval_ms;

  GPtrArray *slots; /* CcidSlot */

  guint8 seq;
  GQueue queue; /* Command */
  Command *current;
  guint timeout_id;
  gint64 deadline;     /* of the command in flight (monotonic µs) */
  gint64 timer_expiry; /* when timeout_id fires */
  guint poll_id;
  guint8 halted;   /* HALT_* bits: endpoints that stalled, not cleared yet */
  guint8 clearing; /* the HALT_* bit a CLEAR_FEATURE(ENDPOINT_HALT) is in flight for */
  guint int_retry_id;
  guint int_retry_ms; /* pause before the next interrupt read; 0 after one that worked */

  struct libusb_transfer *out_xfer;
  struct libusb_transfer *in_xfer;
  struct libusb_transfer *int_xfer;
  guint8 *out_buf;
  guint8 *in_buf;     /* one of in_bufs: the next bulk IN's */
  guint8 *in_bufs[2]; /* an answer stays valid while the next is read */
  gsize in_buf_size;
  GQueue failed; /* Command, failed before they were sent */
  guint failed_id;
  guint8 int_buf[64];
  gboolean out_busy;
  gboolean in_busy;
  gboolean int_busy;

  gboolean started;
  gboolean removed;
};

/* ccid-device.c */

/* Every submitted transfer holds a reference on the device. Transfer
 * callbacks run inside libusb's event handling, where libusb_close() (in
 * finalize) would deadlock: they drop it with g_autoptr (CcidTransferRef),
 * which drops the last reference from an idle callback instead. */
typedef CcidDevice CcidTransferRef;
void ccid_device_transfer_unref (CcidTransferRef *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcidTransferRef, ccid_device_transfer_unref)

/* The device vanished under us: libusb said NO_DEVICE, or udev removed it. */
void ccid_device_gone (CcidDevice *self, const char *why);
/* @ep stalled: CLEAR_FEATURE(ENDPOINT_HALT), asynchronously. */
void ccid_device_clear_halt (CcidDevice *self, guint8 ep);

/* ccid-device-interrupt.c */

/* Reads the interrupt endpoint again after the pause its failures ask for. */
void ccid_device_retry_interrupt_later (CcidDevice *self);

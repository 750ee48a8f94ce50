/* ccid-device.h: one USB CCID reader interface, driven with libusb's async API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gudev/gudev.h>

#include "ccid-descriptor.h"
#include "ccid-usb-source.h"

G_BEGIN_DECLS

typedef struct _CcidSlot CcidSlot;

#define CCID_TYPE_DEVICE (ccid_device_get_type ())
G_DECLARE_FINAL_TYPE (CcidDevice, ccid_device, CCID, DEVICE, GObject)

/* Default interval of the GetSlotStatus poll for readers without an
 * interrupt endpoint (the only readers that are polled). */
#define CCID_DEFAULT_POLL_INTERVAL_MS 400

/* No command waits longer than this for its answer, time extensions
 * included; nor is a command granted more time extensions (CCID §6.2.6:
 * bStatus bit 7) than CCID_MAX_TIME_EXTENSIONS. Past either it is aborted
 * as if it had timed out. */
#define CCID_MAX_COMMAND_MS (10 * 60 * 1000)
#define CCID_MAX_TIME_EXTENSIONS 256

/* A failed interrupt read is retried after a pause that doubles from the
 * first to the second (then stays there) while the reads keep failing. */
#define CCID_INTERRUPT_RETRY_FIRST_MS 5
#define CCID_INTERRUPT_RETRY_MAX_MS 1000

/* Opens the reader behind @interface (a udev "usb_interface"), claims the
 * interface and parses its class descriptor. @index is the NN of the PC/SC
 * names. Fails with SCB_ERROR_SHARING_VIOLATION when another program holds
 * the interface. Nothing is sent to the reader before ccid_device_start(). */
CcidDevice *ccid_device_new (CcidUsbContext *usb, GUdevDevice *interface, guint index,
                             guint poll_interval_ms, GError **error);

/* Starts the interrupt read (or the status poll) and asks every slot for
 * its status; slots then power inserted cards on by themselves. */
void ccid_device_start (CcidDevice *self);

/* The reader went away (udev "remove") or the daemon stops: every command
 * in flight or queued fails with SCB_ERROR_READER_UNAVAILABLE, every slot
 * becomes absent, transfers are cancelled; resources are freed when the
 * last transfer has come back. Idempotent. */
void ccid_device_shutdown (CcidDevice *self);
gboolean ccid_device_is_removed (CcidDevice *self);

const char *ccid_device_get_sysfs_path (CcidDevice *self);   /* the interface's */
const char *ccid_device_get_name (CcidDevice *self);         /* without " NN SS" */
const char *ccid_device_get_serial (CcidDevice *self);       /* NULL without one */
const char *ccid_device_get_manufacturer (CcidDevice *self); /* NULL without one */
void ccid_device_get_usb_address (CcidDevice *self, guint *busnum, guint *devnum);
guint16 ccid_device_get_vendor_id (CcidDevice *self);
guint16 ccid_device_get_product_id (CcidDevice *self);
guint16 ccid_device_get_bcd_device (CcidDevice *self);
guint ccid_device_get_index (CcidDevice *self);
const CcidDescriptor *ccid_device_get_descriptor (CcidDevice *self);
gboolean ccid_device_has_interrupt (CcidDevice *self);
guint ccid_device_get_n_slots (CcidDevice *self);
CcidSlot *ccid_device_get_slot (CcidDevice *self, guint index);

/* The answer to ccid_device_transfer(): @reply (@len bytes, the whole
 * RDR_to_PC message) is NULL exactly when @error is set; neither outlives
 * the call. */
typedef void (*CcidTransferFunc) (CcidDevice *device, const guint8 *reply, gsize len,
                                  const GError *error, gpointer user_data);

/* Sends one PC_to_RDR message (copied; bSeq is stamped by the device) and
 * calls @func with the matching RDR_to_PC message, already length-checked
 * and matched by bSeq and bSlot; time extensions are waited out (within
 * CCID_MAX_COMMAND_MS and CCID_MAX_TIME_EXTENSIONS). Commands
 * run one at a time in submission order, and @func is never called from
 * inside this call. After @timeout_ms (extended by time extension
 * requests) the command is aborted (CCID §5.3.1) and fails with
 * SCB_ERROR_TIMEOUT. A reader unplugged fails it with
 * SCB_ERROR_READER_UNAVAILABLE; a message longer than the reader takes
 * with SCB_ERROR_INSUFFICIENT_BUFFER; a STALL or a malformed answer with
 * SCB_ERROR_COMM_ERROR. This is the per-block hot path: no GTask, no
 * copy of the answer. For CcidSlot. */
void ccid_device_transfer (CcidDevice *self, const guint8 *message, gsize len, guint timeout_ms,
                           CcidTransferFunc func, gpointer user_data);

G_END_DECLS

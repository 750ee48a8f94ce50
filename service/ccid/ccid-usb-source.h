/* ccid-usb-source.h: libusb's file descriptors and timeouts in the GLib main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <libusb.h>

G_BEGIN_DECLS

/* A libusb context whose events are handled by a GSource attached to the
 * thread-default main context: no thread, no periodic timer. Reference
 * counted so that devices can keep it alive until their transfers end. */
typedef struct _CcidUsbContext CcidUsbContext;

CcidUsbContext *ccid_usb_context_new (GError **error);
CcidUsbContext *ccid_usb_context_ref (CcidUsbContext *self);
void ccid_usb_context_unref (CcidUsbContext *self);
libusb_context *ccid_usb_context_get_libusb (CcidUsbContext *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcidUsbContext, ccid_usb_context_unref)

G_END_DECLS

/* scb-pinpad.h: PC/SC part 10 control codes on a reader slot
 *
 * What Connection.Control (and SCardControl through it) answers for
 * CM_IOCTL_GET_FEATURE_REQUEST and the feature codes libccid implements:
 * the feature list, the TLV properties (asking a Gemalto reader for its
 * firmware id first), the PIN properties, and PIN verification and
 * modification on the pad. No D-Bus in here: a slot and bytes in, bytes
 * out, so a connection of any front end can call it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ccid-device.h"
#include "ccid-slot.h"
#include "scb-part10.h"

G_BEGIN_DECLS

/* [Readers] EscapeFeature=: announce FEATURE_CCID_ESC_COMMAND (its code,
 * SCARD_CTL_CODE(1), is served to callers the `control` action allows) and
 * bPPDUSupport 1, as libccid does with DRIVER_OPTION_CCID_EXCHANGE_AUTHORIZED.
 * Off by default, as in libccid. */
void scb_pinpad_set_escape_feature (gboolean on);

/* What the answers of @device depend on. */
void scb_pinpad_reader_info (CcidDevice *device, ScbPart10Reader *info);

/* Reader.PinPad (a{sv}) for @device: empty without a usable pad. */
GVariant *scb_pinpad_property (CcidDevice *device);

/* Answers part 10 control @code with @data for the card in @slot, a PIN
 * entry on the connection's T=1 @nad. Errors
 * as libccid's through pcscd: NotSupported for a PIN structure libccid
 * refuses, else the slot's errors. */
void scb_pinpad_control_async (CcidSlot *slot, guint8 nad, guint32 code, GBytes *data,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
GBytes *scb_pinpad_control_finish (CcidSlot *slot, GAsyncResult *result, GError **error);

G_END_DECLS

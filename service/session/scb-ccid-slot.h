/* scb-ccid-slot.h: the session's slot (scb-slot.h) over the CCID driver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-slot.h"

#include "ccid-device.h"
#include "ccid-slot.h"

G_BEGIN_DECLS

#define SCB_TYPE_CCID_SLOT (scb_ccid_slot_get_type ())
G_DECLARE_FINAL_TYPE (ScbCcidSlot, scb_ccid_slot, SCB, CCID_SLOT, GObject)

/* Follows @slot of @device: its "changed" becomes the slot's. */
ScbSlot *scb_ccid_slot_new (CcidDevice *device, CcidSlot *slot);

G_END_DECLS

/* scb-fake-slot.h: a slot (scb-slot.h) for the session's tests: no USB
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-slot.h"

G_BEGIN_DECLS

#define SCB_TYPE_FAKE_SLOT (scb_fake_slot_get_type ())
G_DECLARE_FINAL_TYPE (ScbFakeSlot, scb_fake_slot, SCB, FAKE_SLOT, GObject)

/* An empty reader named @name; TPDU exchanges (NADs allowed). */
ScbFakeSlot *scb_fake_slot_new (const char *name, const char *serial, guint16 bcd_device);

/* A card answering @atr, offering @protocols (SCB_SLOT_PROTOCOL_*), is
 * inserted and powered with the first of them, as the CCID slot does. */
void scb_fake_slot_insert (ScbFakeSlot *self, GBytes *atr, guint protocols);
void scb_fake_slot_remove (ScbFakeSlot *self);

/* How many power-ons, power-offs, resets, protocol switches and APDUs the
 * slot saw. */
typedef struct
{
  guint power_on;
  guint power_off;
  guint reset;
  guint set_protocol;
  guint transmit;
} ScbFakeSlotCounts;
const ScbFakeSlotCounts *scb_fake_slot_get_counts (ScbFakeSlot *self);

G_END_DECLS

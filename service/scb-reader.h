/* scb-reader.h: a Reader object, one per slot of a CCID reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-manager.h"
#include "scb-session.h"

#include "ccid-device.h"
#include "ccid-slot.h"

G_BEGIN_DECLS

#define SCB_TYPE_READER (scb_reader_get_type ())
G_DECLARE_FINAL_TYPE (ScbReader, scb_reader, SCB, READER, GObject)

ScbReader *scb_reader_new (ScbManager *manager, CcidDevice *device, CcidSlot *slot,
                           const char *path);

GDBusObjectSkeleton *scb_reader_get_object (ScbReader *self);
const char *scb_reader_get_path (ScbReader *self);
const char *scb_reader_get_name (ScbReader *self);
CcidDevice *scb_reader_get_device (ScbReader *self);
/* What it published: State (ScbReaderState), the card's ATR (NULL for
 * none), CardEvents: the pcscd socket's reader states. */
guint32 scb_reader_get_state (ScbReader *self);
GBytes *scb_reader_get_atr (ScbReader *self);
guint32 scb_reader_get_card_events (ScbReader *self);
/* The PC/SC session of its slot: every connection goes through it. */
ScbSession *scb_reader_get_session (ScbReader *self);

/* Publishes what the slot knows now (card events, State, Atr). */
void scb_reader_sync (ScbReader *self);
/* The reader went away: publishes the removal of its card, ends its
 * session, stops following the slot. */
void scb_reader_shutdown (ScbReader *self);

G_END_DECLS

/* scb-card.h: a card inserted in a reader, one object per insertion
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SCB_TYPE_CARD (scb_card_get_type ())
G_DECLARE_FINAL_TYPE (ScbCard, scb_card, SCB, CARD, GObject)

/* @protocols: CCID_SLOT_PROTOCOL_* bits. */
ScbCard *scb_card_new (const char *path, const char *reader_path, GBytes *atr, guint protocols,
                       guint32 inserted_event);

/* The ATR changed (a reset, or the card answered after being published). */
void scb_card_update (ScbCard *self, GBytes *atr, guint protocols);

GDBusObjectSkeleton *scb_card_get_object (ScbCard *self);
const char *scb_card_get_path (ScbCard *self);

/* An "ay" GVariant of @bytes (empty for NULL). */
GVariant *scb_bytes_to_variant (GBytes *bytes);
/* The bytes of an "ay" GVariant. */
GBytes *scb_bytes_from_variant (GVariant *value);

G_END_DECLS

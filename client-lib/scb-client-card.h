/* scb-client-card.h: one card insertion
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SCB_TYPE_CLIENT_CARD (scb_client_card_get_type ())
G_DECLARE_FINAL_TYPE (ScbClientCard, scb_client_card, SCB, CLIENT_CARD, GObject)

const char *scb_client_card_get_object_path (ScbClientCard *self);
const char *scb_client_card_get_reader_path (ScbClientCard *self);
GBytes *scb_client_card_get_atr (ScbClientCard *self);
const char *const *scb_client_card_get_protocols (ScbClientCard *self);
guint32 scb_client_card_get_inserted_event (ScbClientCard *self);

G_END_DECLS

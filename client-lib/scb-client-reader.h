/* scb-client-reader.h: one reader slot
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-client-card.h"
#include "scb-client-connection.h"
#include "scb-types.h"

G_BEGIN_DECLS

#define SCB_TYPE_CLIENT_READER (scb_client_reader_get_type ())
G_DECLARE_FINAL_TYPE (ScbClientReader, scb_client_reader, SCB, CLIENT_READER, GObject)

const char *scb_client_reader_get_object_path (ScbClientReader *self);
const char *scb_client_reader_get_name (ScbClientReader *self);
guint16 scb_client_reader_get_vendor_id (ScbClientReader *self);
guint16 scb_client_reader_get_product_id (ScbClientReader *self);
const char *scb_client_reader_get_serial (ScbClientReader *self);
guint8 scb_client_reader_get_slot (ScbClientReader *self);
const char *scb_client_reader_get_exchange_level (ScbClientReader *self);
ScbReaderState scb_client_reader_get_state (ScbClientReader *self);
guint32 scb_client_reader_get_card_events (ScbClientReader *self);
GBytes *scb_client_reader_get_atr (ScbClientReader *self);
guint8 scb_client_reader_get_nad (ScbClientReader *self);
GVariant *scb_client_reader_get_pin_pad (ScbClientReader *self);
ScbClientCard *scb_client_reader_get_card (ScbClientReader *self);
gboolean scb_client_reader_has_card (ScbClientReader *self);

void scb_client_reader_open_connection (ScbClientReader *self, ScbShareMode share_mode,
                                        ScbProtocol protocols, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
ScbClientConnection *scb_client_reader_open_connection_finish (ScbClientReader *self,
                                                               GAsyncResult *result,
                                                               GError **error);
ScbClientConnection *scb_client_reader_open_connection_sync (ScbClientReader *self,
                                                             ScbShareMode share_mode,
                                                             ScbProtocol protocols,
                                                             GCancellable *cancellable,
                                                             GError **error);

void scb_client_reader_set_nad (ScbClientReader *self, guint8 nad, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean scb_client_reader_set_nad_finish (ScbClientReader *self, GAsyncResult *result,
                                           GError **error);
gboolean scb_client_reader_set_nad_sync (ScbClientReader *self, guint8 nad,
                                         GCancellable *cancellable, GError **error);

G_END_DECLS

/* scb-client.h: the scardbus service as seen by a client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-client-reader.h"

G_BEGIN_DECLS

#define SCB_TYPE_CLIENT (scb_client_get_type ())
G_DECLARE_FINAL_TYPE (ScbClient, scb_client, SCB, CLIENT, GObject)

void scb_client_new (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
ScbClient *scb_client_new_finish (GAsyncResult *result, GError **error);
ScbClient *scb_client_new_sync (GCancellable *cancellable, GError **error);

ScbClient *scb_client_new_for_connection_sync (GDBusConnection *connection,
                                               GCancellable *cancellable, GError **error);

GDBusConnection *scb_client_get_connection (ScbClient *self);
const char *scb_client_get_version (ScbClient *self);
guint32 scb_client_get_reader_events (ScbClient *self);
gboolean scb_client_get_service_running (ScbClient *self);
const char *scb_client_get_service_owner (ScbClient *self);

GPtrArray *scb_client_get_readers (ScbClient *self);
ScbClientReader *scb_client_get_reader_by_path (ScbClient *self, const char *object_path);
ScbClientReader *scb_client_get_reader_by_name (ScbClient *self, const char *name);
ScbClientReader *scb_client_lookup_reader (ScbClient *self, const char *spec, GError **error);

G_END_DECLS

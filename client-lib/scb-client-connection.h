/* scb-client-connection.h: a connection to a card or reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-types.h"

G_BEGIN_DECLS

#define SCB_TYPE_CLIENT_CONNECTION (scb_client_connection_get_type ())
G_DECLARE_FINAL_TYPE (ScbClientConnection, scb_client_connection, SCB, CLIENT_CONNECTION, GObject)

ScbClientConnection *scb_client_connection_new_sync (GDBusConnection *bus, const char *service,
                                                     const char *reader_path,
                                                     ScbShareMode share_mode, ScbProtocol protocols,
                                                     GCancellable *cancellable, GError **error);

const char *scb_client_connection_get_object_path (ScbClientConnection *self);
const char *scb_client_connection_get_reader_path (ScbClientConnection *self);
ScbShareMode scb_client_connection_get_share_mode (ScbClientConnection *self);
ScbProtocol scb_client_connection_get_protocol (ScbClientConnection *self);
gboolean scb_client_connection_get_use_channel (ScbClientConnection *self);
void scb_client_connection_set_use_channel (ScbClientConnection *self, gboolean use_channel);
gboolean scb_client_connection_get_channel_open (ScbClientConnection *self);

GBytes *scb_client_connection_transmit_sync (ScbClientConnection *self, GBytes *apdu,
                                             GCancellable *cancellable, GError **error);
void scb_client_connection_transmit (ScbClientConnection *self, GBytes *apdu,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
GBytes *scb_client_connection_transmit_finish (ScbClientConnection *self, GAsyncResult *result,
                                               GError **error);

GBytes *scb_client_connection_control_sync (ScbClientConnection *self, guint32 code, GBytes *data,
                                            GCancellable *cancellable, GError **error);
void scb_client_connection_control (ScbClientConnection *self, guint32 code, GBytes *data,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
GBytes *scb_client_connection_control_finish (ScbClientConnection *self, GAsyncResult *result,
                                              GError **error);

GBytes *scb_client_connection_verify_pin_sync (ScbClientConnection *self, GBytes *template_apdu,
                                               GVariant *options, GCancellable *cancellable,
                                               GError **error);
void scb_client_connection_verify_pin (ScbClientConnection *self, GBytes *template_apdu,
                                       GVariant *options, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
GBytes *scb_client_connection_verify_pin_finish (ScbClientConnection *self, GAsyncResult *result,
                                                 GError **error);
GBytes *scb_client_connection_modify_pin_sync (ScbClientConnection *self, GBytes *template_apdu,
                                               GVariant *options, GCancellable *cancellable,
                                               GError **error);
void scb_client_connection_modify_pin (ScbClientConnection *self, GBytes *template_apdu,
                                       GVariant *options, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
GBytes *scb_client_connection_modify_pin_finish (ScbClientConnection *self, GAsyncResult *result,
                                                 GError **error);

gboolean scb_client_connection_begin_transaction_sync (ScbClientConnection *self,
                                                       GCancellable *cancellable, GError **error);
void scb_client_connection_begin_transaction (ScbClientConnection *self, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
gboolean scb_client_connection_begin_transaction_finish (ScbClientConnection *self,
                                                         GAsyncResult *result, GError **error);

gboolean scb_client_connection_end_transaction_sync (ScbClientConnection *self,
                                                     ScbDisposition disposition,
                                                     GCancellable *cancellable, GError **error);
void scb_client_connection_end_transaction (ScbClientConnection *self, ScbDisposition disposition,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean scb_client_connection_end_transaction_finish (ScbClientConnection *self,
                                                       GAsyncResult *result, GError **error);

ScbProtocol scb_client_connection_reconnect_sync (ScbClientConnection *self,
                                                  ScbShareMode share_mode, ScbProtocol protocols,
                                                  ScbDisposition initialization,
                                                  GCancellable *cancellable, GError **error);
void scb_client_connection_reconnect (ScbClientConnection *self, ScbShareMode share_mode,
                                      ScbProtocol protocols, ScbDisposition initialization,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
ScbProtocol scb_client_connection_reconnect_finish (ScbClientConnection *self, GAsyncResult *result,
                                                    GError **error);

gboolean scb_client_connection_close_sync (ScbClientConnection *self, ScbDisposition disposition,
                                           GCancellable *cancellable, GError **error);
void scb_client_connection_close (ScbClientConnection *self, ScbDisposition disposition,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean scb_client_connection_close_finish (ScbClientConnection *self, GAsyncResult *result,
                                             GError **error);

gboolean scb_client_connection_status_sync (ScbClientConnection *self, char **reader_name,
                                            guint32 *state, ScbProtocol *protocol, GBytes **atr,
                                            GCancellable *cancellable, GError **error);
GBytes *scb_client_connection_get_attrib_sync (ScbClientConnection *self, guint32 id,
                                               GCancellable *cancellable, GError **error);
gboolean scb_client_connection_set_attrib_sync (ScbClientConnection *self, guint32 id,
                                                GBytes *value, GCancellable *cancellable,
                                                GError **error);
gboolean scb_client_connection_set_nad_sync (ScbClientConnection *self, guint8 nad,
                                             GCancellable *cancellable, GError **error);

G_END_DECLS

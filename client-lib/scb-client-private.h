/* scb-client-private.h: what the libscardbus classes share, not installed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-client.h"
#include "scb-channel-codec.h"
#include "scb-client-card.h"
#include "scb-client-connection.h"
#include "scb-client-reader.h"
#include "scb-generated.h"
#include "scb-types.h"

G_BEGIN_DECLS

GBytes *_scb_client_variant_to_bytes (GVariant *value);
GVariant *_scb_client_bytes_to_variant (GBytes *bytes);

/* Turns bus-level failures into the SCB_ERROR domain: no service, access
 * denied; strips the remote error prefix of the daemon's own errors. */
void _scb_client_error_normalize (GError **error);
/* A failure to reach the bus is SCB_ERROR_NO_SERVICE (a cancellation stays). */
void _scb_client_error_no_bus (GError **error);

/* scb-client-init.c makes a client; it starts following the daemon from
 * its snapshot here. */
void _scb_client_initable_iface_init (GInitableIface *iface);
void _scb_client_async_initable_iface_init (GAsyncInitableIface *iface);
void _scb_client_setup (ScbClient *self, GDBusConnection *connection, ScbDBusManager *manager,
                        GDBusObjectManager *object_manager, guint32 events,
                        const char *const *paths);

ScbClientCard *_scb_client_card_new (ScbDBusCard *proxy);

/* Counters are u32 that may wrap: TRUE when @a comes after @b, as RFC 1982
 * serial numbers compare. */
gboolean _scb_counter_is_newer (guint32 a, guint32 b);

/* Called after every change of the reader that was applied. */
typedef void (*ScbClientReaderChanged) (ScbClientReader *reader, gpointer user_data);

ScbClientReader *_scb_client_reader_new (ScbDBusReader *proxy, GDBusObjectManager *manager,
                                         ScbClientReaderChanged changed, gpointer changed_data);
/* An object appeared in the ObjectManager: the card the reader waits for? */
void _scb_client_reader_object_added (ScbClientReader *self, GDBusObject *object);
/* The reader went away: forget the card without a signal. */
void _scb_client_reader_detach (ScbClientReader *self);

/* The object for the Connection at @path that @service (a unique name)
 * made on @bus. */
ScbClientConnection *_scb_client_connection_new (GDBusConnection *bus, const char *service,
                                                 const char *path, const char *reader_path,
                                                 ScbShareMode share_mode, ScbProtocol protocol,
                                                 GError **error);
ScbDBusConnection *_scb_client_connection_get_proxy (ScbClientConnection *self);
GBytes *_scb_client_connection_channel_call (ScbClientConnection *self, ScbChannelOp op,
                                             guint32 code, GCancellable *cancellable,
                                             gboolean *served, GError **error);
void _scb_client_connection_reconnected (ScbClientConnection *self, ScbShareMode share_mode,
                                         ScbProtocol protocol);

G_END_DECLS

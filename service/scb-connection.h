/* scb-connection.h: a Connection object, the D-Bus door of one ScbHandle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-limits.h"
#include "scb-manager.h"
#include "scb-session.h"

G_BEGIN_DECLS

typedef struct _ScbReader ScbReader;
typedef struct _ScbChannel ScbChannel;

#define SCB_TYPE_CONNECTION (scb_connection_get_type ())
G_DECLARE_FINAL_TYPE (ScbConnection, scb_connection, SCB, CONNECTION, GObject)

/* Publishes @handle (its owner's unique bus name owns the object),
 * counted in the owner's account; LimitExceeded past the caps. */
ScbConnection *scb_connection_new (ScbManager *manager, ScbReader *reader, ScbHandle *handle,
                                   GError **error);
/* Unexports it, closes its handle and channels, forgets it everywhere.
 * Idempotent. */
void scb_connection_close (ScbConnection *self);

const char *scb_connection_get_owner (ScbConnection *self);
/* The owner's account (scb-limits.h). */
ScbPeer *scb_connection_get_peer (ScbConnection *self);
const char *scb_connection_get_path (ScbConnection *self);
ScbHandle *scb_connection_get_handle (ScbConnection *self);
/* The channel was closed by its client. */
void scb_connection_forget_channel (ScbConnection *self, ScbChannel *channel);

G_END_DECLS

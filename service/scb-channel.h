/* scb-channel.h: the SOCK_SEQPACKET door of a connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-bouncer.h"

G_BEGIN_DECLS

#include "scb-session.h"

typedef struct _ScbConnection ScbConnection;

#define SCB_TYPE_CHANNEL (scb_channel_get_type ())
G_DECLARE_FINAL_TYPE (ScbChannel, scb_channel, SCB, CHANNEL, GObject)

/* Serves requests from @fd (ours, taken) on @handle, the handle of
 * @connection, from the main loop (docs/channel.md). */
ScbChannel *scb_channel_new (ScbConnection *connection, ScbHandle *handle, ScbBouncer *bouncer,
                             int fd);

/* Closes the socket (the client reads EOF); a request in flight is dropped
 * when it completes. Idempotent. */
void scb_channel_close (ScbChannel *self);

G_END_DECLS

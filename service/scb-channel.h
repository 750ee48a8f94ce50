/* scb-channel.h: the SOCK_SEQPACKET fast path of a connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-bouncer.h"

G_BEGIN_DECLS

typedef struct _ScbConnection ScbConnection;

#define SCB_TYPE_CHANNEL (scb_channel_get_type ())
G_DECLARE_FINAL_TYPE (ScbChannel, scb_channel, SCB, CHANNEL, GObject)

/* The framing of docs/dbus-api.md: a 16-byte little-endian header. */
#define SCB_CHANNEL_HEADER_SIZE 16
#define SCB_CHANNEL_VERSION 1
#define SCB_CHANNEL_OP_TRANSMIT 1
#define SCB_CHANNEL_OP_CONTROL 2
#define SCB_CHANNEL_OP_ANSWER 0x80

/* Serves requests from @fd (ours, taken) for @connection, whose owner is
 * @owner, from the main loop. */
ScbChannel *scb_channel_new (ScbConnection *connection, ScbBouncer *bouncer, int fd,
                             const char *owner);

/* Closes the socket (the client reads EOF); a request in flight is dropped
 * when it completes. Idempotent. */
void scb_channel_close (ScbChannel *self);

G_END_DECLS

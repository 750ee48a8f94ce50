/* scb-client-channel.h: the APDU fast path of a connection, not installed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-channel-codec.h"

G_BEGIN_DECLS

typedef struct _ScbClientChannel ScbClientChannel;

/* Takes @fd, a SOCK_SEQPACKET socket from Connection.OpenChannel(). */
ScbClientChannel *_scb_client_channel_new (int fd, GError **error);
void _scb_client_channel_free (ScbClientChannel *self);

/* One request, one answer (serialized: callable from any thread); answers
 * to earlier, abandoned requests are skipped. Fails with:
 *  - the daemon's error for the request (an answer's status, as the
 *    SCB_ERROR code of that SCARD_* value), or G_IO_ERROR_CANCELLED: the
 *    channel goes on;
 *  - SCB_ERROR_COMM_ERROR for a malformed answer: the channel is broken;
 *  - a G_IO_ERROR when the socket is closed or broken, with *@gone set: the
 *    request got no answer, the daemon's D-Bus method is the way on (the
 *    daemon closes its end only with the connection, or with the request
 *    unread, so it never runs twice).
 * After any failure but the first kind the channel is broken, its
 * descriptor closed: _scb_client_channel_is_broken(). */
GBytes *_scb_client_channel_exchange (ScbClientChannel *self, ScbChannelOp op, guint32 code,
                                      GBytes *payload, GCancellable *cancellable, gboolean *gone,
                                      GError **error);
gboolean _scb_client_channel_is_broken (ScbClientChannel *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbClientChannel, _scb_client_channel_free)

G_END_DECLS

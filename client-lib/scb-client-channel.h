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
 * to earlier, abandoned requests are skipped. An answer with a non-zero
 * status fails with the SCB_ERROR code for that SCARD_* value; a closed
 * channel fails with G_IO_ERROR_CONNECTION_CLOSED, a malformed answer with
 * CommError. */
GBytes *_scb_client_channel_exchange (ScbClientChannel *self, ScbChannelOp op, guint32 code,
                                      GBytes *payload, GCancellable *cancellable, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbClientChannel, _scb_client_channel_free)

G_END_DECLS

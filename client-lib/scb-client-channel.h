/* scb-client-channel.h: the APDU fast path of a connection, not installed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SCB_CHANNEL_VERSION 1
#define SCB_CHANNEL_OP_TRANSMIT 1
#define SCB_CHANNEL_OP_CONTROL 2
#define SCB_CHANNEL_OP_ANSWER 0x80
#define SCB_CHANNEL_HEADER_SIZE 16

typedef struct _ScbClientChannel ScbClientChannel;

/* Takes @fd, a SOCK_SEQPACKET socket from Connection.OpenChannel(). */
ScbClientChannel *_scb_client_channel_new (int fd, GError **error);
void _scb_client_channel_free (ScbClientChannel *self);

/* One request, one answer (serialized: callable from any thread). An answer
 * with a non-zero status fails with the SCB_ERROR code for that SCARD_*
 * value; a closed channel fails with G_IO_ERROR_CONNECTION_CLOSED. */
GBytes *_scb_client_channel_exchange (ScbClientChannel *self, guint8 op, guint32 code,
                                      GBytes *payload, GCancellable *cancellable, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbClientChannel, _scb_client_channel_free)

G_END_DECLS

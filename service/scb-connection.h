/* scb-connection.h: a client's connection to a card or a reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-limits.h"
#include "scb-manager.h"
#include "scb-pcsc.h"

G_BEGIN_DECLS

typedef struct _ScbReader ScbReader;
typedef struct _ScbChannel ScbChannel;

#define SCB_TYPE_CONNECTION (scb_connection_get_type ())
G_DECLARE_FINAL_TYPE (ScbConnection, scb_connection, SCB, CONNECTION, GObject)

ScbConnection *scb_connection_new (ScbManager *manager, ScbReader *reader, const char *owner,
                                   ScbShareMode mode, int protocol, guint8 nad);
gboolean scb_connection_export (ScbConnection *self, GError **error);
/* Unexports it, ends its transaction and channels, forgets it everywhere.
 * Idempotent. */
void scb_connection_close (ScbConnection *self);

const char *scb_connection_get_owner (ScbConnection *self);
/* The owner's account (scb-limits.h). */
ScbPeer *scb_connection_get_peer (ScbConnection *self);
const char *scb_connection_get_path (ScbConnection *self);
ScbShareMode scb_connection_get_share_mode (ScbConnection *self);
int scb_connection_get_protocol (ScbConnection *self);
/* Whether it is tied to the card now in the reader (FALSE after removal). */
gboolean scb_connection_is_current (ScbConnection *self);
/* Another connection reset or unpowered the card: the next call fails
 * with ResetCard, once. */
void scb_connection_mark_reset (ScbConnection *self);

/* The answer to scb_connection_transmit(): @response is NULL exactly when
 * @error is set; both are only borrowed for the call. */
typedef void (*ScbConnectionTransmitFunc) (ScbConnection *self, GBytes *response,
                                           const GError *error, gpointer user_data);

/* Transmit for the method and the fast path (scb-channel.c), with the same
 * checks. A callback, not a GTask: this is the per-APDU path. @func may
 * run before this returns (an APDU refused at once). */
void scb_connection_transmit (ScbConnection *self, GBytes *apdu, ScbConnectionTransmitFunc func,
                              gpointer user_data);
void scb_connection_control_async (ScbConnection *self, guint32 code, GBytes *data,
                                   GAsyncReadyCallback callback, gpointer user_data);
GBytes *scb_connection_control_finish (ScbConnection *self, GAsyncResult *result, GError **error);
/* The answer to the calls below, for a method call or a pcscd request:
 * @error is NULL on success and only borrowed. @done may run before the
 * call returns. */
typedef void (*ScbConnectionDone) (ScbConnection *self, const GError *error, gpointer user_data);

/* Now, or when the transaction holder ends its own (Timeout after
 * SCB_TRANSACTION_WAIT_MS); nested ones are counted. */
void scb_connection_begin_transaction (ScbConnection *self, ScbConnectionDone done,
                                       gpointer user_data);
/* NotTransacted without one; @disposition is applied first. */
void scb_connection_end_transaction (ScbConnection *self, ScbDisposition disposition,
                                     ScbConnectionDone done, gpointer user_data);
/* New share mode and protocol (@protocols: D-Bus words), after @init
 * (unpower is a cold reset); scb_connection_get_protocol() then has it. */
void scb_connection_reconnect (ScbConnection *self, ScbShareMode mode, const char *const *protocols,
                               ScbDisposition init, ScbConnectionDone done, gpointer user_data);
/* Applies @disposition (leave under another's transaction) and closes the
 * connection; never fails. */
void scb_connection_disconnect (ScbConnection *self, ScbDisposition disposition,
                                ScbConnectionDone done, gpointer user_data);

/* What pcsc-lite checks before using a handle (SCardStatus' answer): the
 * reader, the card, and a reset by another connection (reported once). */
gboolean scb_connection_check_card (ScbConnection *self, GError **error);
/* SCardGetAttrib, after those checks. */
GBytes *scb_connection_get_attrib (ScbConnection *self, guint32 id, GError **error);

/* The channel was closed by its client. */
void scb_connection_forget_channel (ScbConnection *self, ScbChannel *channel);

G_END_DECLS

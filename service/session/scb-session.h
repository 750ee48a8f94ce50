/* scb-session.h: the PC/SC session of one reader slot
 *
 * Every front door (the D-Bus objects, the fd channel, pcscd's socket)
 * calls this and nothing below it; it has no D-Bus in it. A session owns
 * the connections to its slot (ScbHandle, PC/SC's SCARDHANDLE): their
 * share modes, protocol, NAD, the card each is bound to and its reset
 * mark; the transaction holder and one FIFO of calls waiting for it.
 * pcsc-lite's semantics (winscard.c), measured against pcscd 1.9.9.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-limits.h"
#include "scb-slot.h"
#include "scb-types.h"

G_BEGIN_DECLS

/* How long a call waits for another connection's transaction to end
 * before failing with Timeout: below the 120 s default method timeout of
 * GDBus and sd-bus clients (docs/dbus-api.md). */
#define SCB_SESSION_WAIT_MS 60000

#define SCB_TYPE_SESSION (scb_session_get_type ())
G_DECLARE_FINAL_TYPE (ScbSession, scb_session, SCB, SESSION, GObject)

#define SCB_TYPE_HANDLE (scb_handle_get_type ())
G_DECLARE_FINAL_TYPE (ScbHandle, scb_handle, SCB, HANDLE, GObject)

/* ::changed: the connections' share modes changed (Reader.State's INUSE
 * and EXCLUSIVE bits, scb_session_get_use()).
 * ::pin-entry (label, operation, result): a connection's PIN entry on the
 * reader's pad (part 10 VERIFY_PIN_DIRECT or MODIFY_PIN_DIRECT) starts
 * (result NULL) or ends; the label is the handle's (scb_handle_set_label()),
 * the operation "verify" or "modify", the result one of
 * scb_part10_entry_result()'s. No PIN or card data in it. */
ScbSession *scb_session_new (ScbSlot *slot);
ScbSlot *scb_session_get_slot (ScbSession *self);
const char *scb_session_get_name (ScbSession *self);
gboolean scb_session_is_present (ScbSession *self);
/* SCB_READER_STATE_INUSE and _EXCLUSIVE of the connections to the card
 * now in the slot. */
guint32 scb_session_get_use (ScbSession *self);
/* pcscd's readerSharing: the connections to the slot (direct ones
 * included), -1 while one is exclusive. */
gint32 scb_session_get_sharing (ScbSession *self);
/* pcscd's cardProtocol: what a shared or exclusive connection negotiated
 * since the card was powered (SCB_PROTOCOL_NONE before). */
ScbProtocol scb_session_get_card_protocol (ScbSession *self);
/* For tests: the wait limit (SCB_SESSION_WAIT_MS by default). */
void scb_session_set_wait_limit (ScbSession *self, guint ms);
/* The reader went away: every waiting call fails, nothing new starts. */
void scb_session_shutdown (ScbSession *self);
/* @owner left: its calls waiting here (connects included) fail at once. */
void scb_session_drop_owner (ScbSession *self, ScbPeer *owner);

/* SCardConnect for @owner: waits while another connection holds a
 * transaction; powers an unpowered card for shared and exclusive use;
 * direct takes any @protocols, with or without a card. The new handle
 * belongs to @owner and to the caller of finish. */
void scb_session_connect_async (ScbSession *self, ScbPeer *owner, ScbShareMode mode,
                                ScbProtocol protocols, guint8 nad, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
ScbHandle *scb_session_connect_finish (ScbSession *self, GAsyncResult *result, GError **error);

ScbSession *scb_handle_get_session (ScbHandle *self);
ScbPeer *scb_handle_get_owner (ScbHandle *self);
/* A name for the log (the D-Bus path, or the socket peer). */
void scb_handle_set_label (ScbHandle *self, const char *label);
const char *scb_handle_get_label (ScbHandle *self);
ScbShareMode scb_handle_get_share_mode (ScbHandle *self);
/* What Connect or Reconnect answered (SCB_PROTOCOL_NONE: undefined). */
ScbProtocol scb_handle_get_protocol (ScbHandle *self);
guint8 scb_handle_get_nad (ScbHandle *self);
gboolean scb_handle_is_closed (ScbHandle *self);

/* SCardReconnect: the same path as Connect, for an existing handle; "reset"
 * and "unpower" are a cold reset, as in pcsc-lite. */
void scb_handle_reconnect_async (ScbHandle *self, ScbShareMode mode, ScbProtocol protocols,
                                 ScbDisposition initialization, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean scb_handle_reconnect_finish (ScbHandle *self, GAsyncResult *result, ScbProtocol *protocol,
                                      GError **error);
/* SCardDisconnect: applies @disposition (leave, under another's
 * transaction) and closes the handle; never fails. */
void scb_handle_disconnect_async (ScbHandle *self, ScbDisposition disposition,
                                  GAsyncReadyCallback callback, gpointer user_data);
void scb_handle_disconnect_finish (ScbHandle *self, GAsyncResult *result);
/* Ends everything the handle holds or waits for. Idempotent. */
void scb_handle_close (ScbHandle *self);

/* Transactions, nesting counted per handle. Begin waits for the holder. */
void scb_handle_begin_transaction_async (ScbHandle *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean scb_handle_begin_transaction_finish (ScbHandle *self, GAsyncResult *result,
                                              GError **error);
void scb_handle_end_transaction_async (ScbHandle *self, ScbDisposition disposition,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean scb_handle_end_transaction_finish (ScbHandle *self, GAsyncResult *result, GError **error);
/* What the asynchronous calls do when they need not wait, at once, without
 * a task (the channel's path): FALSE (NULL) with @error set for a failure,
 * without it when the caller must make the asynchronous call (another
 * handle holds the transaction, or the disposition needs the card). */
gboolean scb_handle_try_begin_transaction (ScbHandle *self, GError **error);
gboolean scb_handle_try_end_transaction (ScbHandle *self, ScbDisposition disposition,
                                         GError **error);

/* SCardStatus; waits for another's transaction. */
typedef struct
{
  char *reader_name;
  guint32 state; /* ScbCardState bits */
  ScbProtocol protocol;
  GBytes *atr; /* empty unless powered */
} ScbStatus;
void scb_status_free (ScbStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbStatus, scb_status_free)
void scb_handle_status_async (ScbHandle *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
ScbStatus *scb_handle_status_finish (ScbHandle *self, GAsyncResult *result, GError **error);
ScbStatus *scb_handle_try_status (ScbHandle *self, GError **error);

/* The answer to scb_handle_transmit(): @response is NULL exactly when
 * @error is set; both are only borrowed for the call. */
typedef void (*ScbHandleTransmitFunc) (ScbHandle *self, GBytes *response, const GError *error,
                                       gpointer user_data);
/* SCardTransmit: @protocol the PCI's (SCB_PROTOCOL_NONE: the connection's);
 * waits for another's transaction, then its turn in the reader's queue.
 * @tag groups requests for scb_handle_cancel_tag(). A callback, not a GTask:
 * this is the per-APDU path; @func may run before this returns. */
void scb_handle_transmit (ScbHandle *self, ScbProtocol protocol, GBytes *apdu, gpointer tag,
                          ScbHandleTransmitFunc func, gpointer user_data);
/* The requests of @tag not sent yet are answered Cancelled now. */
void scb_handle_cancel_tag (ScbHandle *self, gpointer tag);

/* SCardControl; SharingViolation at once under another's transaction. */
void scb_handle_control_async (ScbHandle *self, guint32 code, GBytes *data,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
GBytes *scb_handle_control_finish (ScbHandle *self, GAsyncResult *result, GError **error);

/* SCardGetAttrib (answers at once, as pcscd) and SCardSetAttrib. */
GBytes *scb_handle_get_attrib (ScbHandle *self, guint32 id, GError **error);
gboolean scb_handle_set_attrib (ScbHandle *self, guint32 id, GBytes *value, GError **error);
/* The T=1 NAD of the handle's APDUs (TPDU readers only). */
gboolean scb_handle_set_nad (ScbHandle *self, guint8 nad, GError **error);

/* A length from a client: @min to SCB_MAX_APDU_SIZE bytes, else
 * InvalidParameter naming @what. */
gboolean scb_session_check_length (gsize len, gsize min, const char *what, GError **error);

G_END_DECLS

/* scb-session.c: the PC/SC session of one reader slot
 *
 * Connections (ScbHandle), share modes, Connect and Reconnect (one path),
 * Disconnect, transactions and the calls that wait for them. As pcscd
 * 1.9.9 does it: Connect, Reconnect, Status, Transmit and BeginTransaction
 * wait while another handle holds a transaction (pcscd's own Connect loop
 * and its client library's retry on SCARD_E_SHARING_VIOLATION), GetAttrib
 * and Control do not; waiting calls form one FIFO, are bounded by the wait
 * limit and cancellable, and leave it at once when their handle closes or
 * their owner goes. When the transaction ends, the waiters start over in
 * order and check everything again: a card removed meanwhile is reported
 * as if they had not waited.
 *
 * The protocol a direct connection reports is the one a shared or
 * exclusive connection negotiated since the card was powered, undefined
 * before (pcscd's readerState->cardProtocol).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-session-private.h"

G_DEFINE_TYPE (ScbSession, scb_session, G_TYPE_OBJECT)
G_DEFINE_TYPE (ScbHandle, scb_handle, G_TYPE_OBJECT)

static guint changed_signal;
static guint pin_entry_signal;

/* ---- waiters ------------------------------------------------------------ */

typedef struct
{
  ScbSession *session;
  ScbHandle *handle; /* a reference; NULL for a Connect */
  ScbPeer *peer;     /* its owner's account, where the waiter is counted */
  gpointer tag;
  gpointer op;
  ScbWaitRun run;
  ScbWaitFail fail;
  GSource *cancel_source;
  guint timeout_id;
} Waiter;

static void
waiter_free (Waiter *waiter)
{
  g_clear_handle_id (&waiter->timeout_id, g_source_remove);
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  scb_peer_release (waiter->peer, SCB_RESOURCE_WAITER);
  scb_peer_unref (waiter->peer);
  g_clear_object (&waiter->handle);
  g_free (waiter);
}

/* Takes @waiter out of the queue and fails its call with @error. */
static void
waiter_fail (Waiter *waiter, GError *error)
{
  gpointer op = waiter->op;
  ScbWaitFail fail = waiter->fail;

  g_queue_remove (&waiter->session->waiters, waiter);
  waiter_free (waiter);
  fail (op, error);
}

static gboolean
on_waiter_timeout (gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->timeout_id = 0;
  waiter_fail (waiter,
               g_error_new (SCB_ERROR, SCB_ERROR_TIMEOUT,
                            "Another connection held its transaction on %s "
                            "for more than %u ms",
                            scb_session_get_name (waiter->session), waiter->session->wait_ms));
  return G_SOURCE_REMOVE;
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable, gpointer user_data)
{
  waiter_fail (user_data, g_error_new_literal (SCB_ERROR, SCB_ERROR_CANCELLED,
                                               "The call was cancelled while it waited"));
  return G_SOURCE_REMOVE;
}

void
scb_session_wait (ScbSession *self, ScbHandle *handle, ScbPeer *peer, gpointer tag,
                  GCancellable *cancellable, gpointer op, ScbWaitRun run, ScbWaitFail fail)
{
  GError *error = NULL;
  Waiter *waiter;

  if (!scb_peer_take (peer, SCB_RESOURCE_WAITER, &error))
    {
      fail (op, error);
      return;
    }
  waiter = g_new0 (Waiter, 1);
  waiter->session = self;
  waiter->handle = handle != NULL ? g_object_ref (handle) : NULL;
  waiter->peer = scb_peer_ref (peer);
  waiter->tag = tag;
  waiter->op = op;
  waiter->run = run;
  waiter->fail = fail;
  waiter->timeout_id = g_timeout_add (self->wait_ms, on_waiter_timeout, waiter);
  if (cancellable != NULL)
    {
      /* A source, not a handler: it runs from the main loop, where the
       * waiter can be freed. */
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (on_waiter_cancelled), waiter,
                             NULL);
      g_source_attach (waiter->cancel_source, NULL);
    }
  g_queue_push_tail (&self->waiters, waiter);
}

/* The transaction ended (or the card or reader went): every waiter starts
 * over, in order. The first BeginTransaction takes it; the calls of its
 * handle go on, the others queue again, in the same order. */
static void
release_waiters (ScbSession *self)
{
  GQueue ready = self->waiters;
  Waiter *waiter;

  if (self->holder != NULL)
    return;
  g_queue_init (&self->waiters);
  while ((waiter = g_queue_pop_head (&ready)) != NULL)
    {
      gpointer op = waiter->op;
      ScbWaitRun run = waiter->run;

      waiter_free (waiter);
      run (op);
    }
}

static gboolean
waiter_matches (Waiter *waiter, ScbHandle *handle, ScbPeer *peer, gpointer tag)
{
  if (handle != NULL && waiter->handle != handle)
    return FALSE;
  if (peer != NULL && waiter->peer != peer)
    return FALSE;
  return tag == NULL || waiter->tag == tag;
}

static void
fail_matching (ScbSession *self, ScbHandle *handle, ScbPeer *peer, gpointer tag,
               const GError *error)
{
  GList *l = self->waiters.head;

  while (l != NULL)
    {
      GList *next = l->next;

      if (waiter_matches (l->data, handle, peer, tag))
        waiter_fail (l->data, g_error_copy (error));
      l = next;
    }
}

void
scb_session_fail_waiters (ScbSession *self, ScbHandle *handle, gpointer tag, const GError *error)
{
  fail_matching (self, handle, NULL, tag, error);
}

void
scb_session_drop_owner (ScbSession *self, ScbPeer *owner)
{
  g_autoptr (GError) error
      = g_error_new (SCB_ERROR, SCB_ERROR_CANCELLED, "%s left", scb_peer_get_owner (owner));

  fail_matching (self, NULL, owner, NULL, error);
}

GTask *
scb_session_task_new (gpointer source, GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  GTask *task = g_task_new (source, cancellable, callback, user_data);

  g_task_set_check_cancellable (task, FALSE);
  return task;
}

void
scb_session_task_fail (gpointer task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* ---- the session ---------------------------------------------------------- */

gboolean
scb_session_locked_by_other (ScbSession *self, ScbHandle *handle)
{
  return self->holder != NULL && self->holder != handle;
}

guint32
scb_session_get_use (ScbSession *self)
{
  guint32 use = 0;

  for (guint i = 0; i < self->handles->len; i++)
    {
      ScbHandle *handle = g_ptr_array_index (self->handles, i);

      if (!handle->bound || !scb_handle_is_current (handle))
        continue;
      use |= SCB_READER_STATE_INUSE;
      if (handle->mode == SCB_SHARE_MODE_EXCLUSIVE)
        use |= SCB_READER_STATE_EXCLUSIVE;
    }
  return use;
}

gint32
scb_session_get_sharing (ScbSession *self)
{
  gint32 sharing = 0;

  for (guint i = 0; i < self->handles->len; i++)
    {
      ScbHandle *handle = g_ptr_array_index (self->handles, i);

      if (handle->closed || (handle->bound && !scb_handle_is_current (handle)))
        continue;
      if (handle->mode == SCB_SHARE_MODE_EXCLUSIVE)
        return -1;
      sharing++;
    }
  return sharing;
}

ScbProtocol
scb_session_get_card_protocol (ScbSession *self)
{
  return self->protocol;
}

void
scb_session_emit_pin_entry (ScbSession *self, ScbHandle *handle, const char *operation,
                            const char *result)
{
  g_signal_emit (self, pin_entry_signal, 0, handle->label, operation, result);
}

void
scb_session_emit_changed (ScbSession *self)
{
  g_signal_emit (self, changed_signal, 0);
}

/* Card events: the transaction and the protocol belonged to the card that
 * went. */
static void
on_slot_changed (ScbSlot *slot, gpointer user_data)
{
  ScbSession *self = user_data;
  guint generation = scb_slot_get_card_generation (slot);

  if (generation == self->generation)
    return;
  self->generation = generation;
  self->protocol = SCB_PROTOCOL_NONE;
  self->holder = NULL;
  self->depth = 0;
  release_waiters (self);
}

void
scb_session_shutdown (ScbSession *self)
{
  if (!self->present)
    return;
  self->present = FALSE;
  g_clear_signal_handler (&self->changed_id, self->slot);
  self->holder = NULL;
  self->depth = 0;
  release_waiters (self);
}

ScbSlot *
scb_session_get_slot (ScbSession *self)
{
  return self->slot;
}

const char *
scb_session_get_name (ScbSession *self)
{
  return scb_slot_get_name (self->slot);
}

gboolean
scb_session_is_present (ScbSession *self)
{
  return self->present;
}

void
scb_session_set_wait_limit (ScbSession *self, guint ms)
{
  self->wait_ms = ms;
}

ScbSession *
scb_session_new (ScbSlot *slot)
{
  ScbSession *self = g_object_new (SCB_TYPE_SESSION, NULL);

  self->slot = g_object_ref (slot);
  self->present = TRUE;
  self->generation = scb_slot_get_card_generation (slot);
  self->changed_id = g_signal_connect (slot, "changed", G_CALLBACK (on_slot_changed), self);
  return self;
}

static void
scb_session_dispose (GObject *object)
{
  ScbSession *self = SCB_SESSION (object);

  if (self->slot != NULL)
    scb_session_shutdown (self);
  g_clear_object (&self->slot);
  G_OBJECT_CLASS (scb_session_parent_class)->dispose (object);
}

static void
scb_session_finalize (GObject *object)
{
  ScbSession *self = SCB_SESSION (object);

  g_ptr_array_unref (self->handles);
  scb_fair_queue_free (self->apdus);
  G_OBJECT_CLASS (scb_session_parent_class)->finalize (object);
}

static void
scb_session_init (ScbSession *self)
{
  self->handles = g_ptr_array_new ();
  g_queue_init (&self->waiters);
  /* The slot serves one APDU at a time: one in flight, the rest take
   * turns by user. */
  self->apdus = scb_fair_queue_new (1);
  self->wait_ms = SCB_SESSION_WAIT_MS;
}

static void
scb_session_class_init (ScbSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_session_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_session_finalize;
  changed_signal = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 0);
  pin_entry_signal
      = g_signal_new ("pin-entry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

/* ---- handles -------------------------------------------------------------- */

gboolean
scb_handle_is_current (ScbHandle *self)
{
  return !self->closed && self->session->present
         && self->generation == scb_slot_get_card_generation (self->session->slot);
}

gboolean
scb_handle_check_card (ScbHandle *self, GError **error)
{
  const char *name = scb_session_get_name (self->session);

  if (self->closed)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_HANDLE, "%s is closed", self->label);
      return FALSE;
    }
  if (!self->session->present)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "%s was removed", name);
      return FALSE;
    }
  if (!self->bound)
    return TRUE;
  if (!scb_handle_is_current (self))
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_REMOVED_CARD, "The card in %s was removed", name);
      return FALSE;
    }
  if (self->reset_pending)
    {
      self->reset_pending = FALSE;
      g_set_error (error, SCB_ERROR, SCB_ERROR_RESET_CARD,
                   "The card in %s was reset by another connection", name);
      return FALSE;
    }
  return TRUE;
}

/* PC/SC: after a reset or an unpower (even a failed one: the card was
 * touched), every other handle to the card gets SCARD_W_RESET_CARD once. */
void
scb_session_mark_reset (ScbSession *self, ScbHandle *by)
{
  for (guint i = 0; i < self->handles->len; i++)
    {
      ScbHandle *other = g_ptr_array_index (self->handles, i);

      if (other != by && other->bound)
        other->reset_pending = TRUE;
    }
}

void
scb_session_end_transaction (ScbSession *self, ScbHandle *handle, gboolean all)
{
  if (self->holder != handle || handle == NULL)
    return;
  if (all || self->depth <= 1)
    {
      self->holder = NULL;
      self->depth = 0;
      release_waiters (self);
    }
  else
    self->depth--;
}

void
scb_handle_close (ScbHandle *self)
{
  g_autoptr (ScbHandle) ref = NULL;
  g_autoptr (GError) error = NULL;
  ScbSession *session = self->session;

  if (self->closed)
    return;
  ref = g_object_ref (self);
  self->closed = TRUE;
  error = g_error_new (SCB_ERROR, SCB_ERROR_CANCELLED, "%s was closed", self->label);
  scb_session_fail_waiters (session, self, NULL, error);
  scb_handle_cancel_queued (self);
  scb_session_end_transaction (session, self, TRUE);
  if (g_ptr_array_remove (session->handles, self))
    scb_session_emit_changed (session);
}

ScbSession *
scb_handle_get_session (ScbHandle *self)
{
  return self->session;
}

ScbPeer *
scb_handle_get_owner (ScbHandle *self)
{
  return self->owner;
}

void
scb_handle_set_label (ScbHandle *self, const char *label)
{
  g_free (self->label);
  self->label = g_strdup (label);
}

const char *
scb_handle_get_label (ScbHandle *self)
{
  return self->label;
}

ScbShareMode
scb_handle_get_share_mode (ScbHandle *self)
{
  return self->mode;
}

ScbProtocol
scb_handle_get_protocol (ScbHandle *self)
{
  return self->protocol;
}

guint8
scb_handle_get_nad (ScbHandle *self)
{
  return self->nad;
}

gboolean
scb_handle_is_closed (ScbHandle *self)
{
  return self->closed;
}

static void
scb_handle_dispose (GObject *object)
{
  ScbHandle *self = SCB_HANDLE (object);

  if (self->session != NULL)
    scb_handle_close (self);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (scb_handle_parent_class)->dispose (object);
}

static void
scb_handle_finalize (GObject *object)
{
  ScbHandle *self = SCB_HANDLE (object);

  g_clear_pointer (&self->owner, scb_peer_unref);
  g_free (self->label);
  G_OBJECT_CLASS (scb_handle_parent_class)->finalize (object);
}

static void
scb_handle_init (ScbHandle *self)
{
}

static void
scb_handle_class_init (ScbHandleClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_handle_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_handle_finalize;
}

/* ---- transactions ------------------------------------------------------------ */

gboolean
scb_handle_try_begin_transaction (ScbHandle *self, GError **error)
{
  ScbSession *session = self->session;

  if (!scb_handle_check_card (self, error) || scb_session_locked_by_other (session, self))
    return FALSE;
  session->holder = self;
  session->depth++;
  return TRUE;
}

static void
begin_transaction (gpointer data)
{
  GTask *task = data;
  ScbHandle *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (scb_handle_try_begin_transaction (self, &error))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else if (error != NULL)
    scb_session_task_fail (task, error);
  else
    scb_session_wait (self->session, self, self->owner, NULL, g_task_get_cancellable (task), task,
                      begin_transaction, scb_session_task_fail);
}

void
scb_handle_begin_transaction_async (ScbHandle *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  begin_transaction (scb_session_task_new (self, cancellable, callback, user_data));
}

gboolean
scb_handle_begin_transaction_finish (ScbHandle *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_end_disposed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbHandle *self = SCB_HANDLE (source);
  GError *error = NULL;

  scb_session_end_transaction (self->session, self, FALSE);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Whether @disposition has the card reset or unpowered. */
static gboolean
touches_card (ScbHandle *self, ScbDisposition disposition)
{
  return disposition != SCB_DISPOSITION_LEAVE && self->bound && scb_handle_is_current (self);
}

gboolean
scb_handle_try_end_transaction (ScbHandle *self, ScbDisposition disposition, GError **error)
{
  ScbSession *session = self->session;

  if (self->closed)
    g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_HANDLE, "%s is closed", self->label);
  else if (self->bound && !scb_handle_is_current (self))
    g_set_error (error, SCB_ERROR, SCB_ERROR_REMOVED_CARD, "The card in %s was removed",
                 scb_session_get_name (session));
  else if (session->holder == NULL)
    g_set_error (error, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED, "%s has no transaction to end",
                 self->label);
  /* pcsc-lite (RFUnlockSharing): another's transaction is a sharing
   * violation, not "no transaction". */
  else if (session->holder != self)
    g_set_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                 "Another connection holds the transaction on %s", scb_session_get_name (session));
  else if (!touches_card (self, disposition))
    {
      scb_session_end_transaction (session, self, FALSE);
      return TRUE;
    }
  return FALSE;
}

void
scb_handle_end_transaction_async (ScbHandle *self, ScbDisposition disposition,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = scb_session_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  if (scb_handle_try_end_transaction (self, disposition, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    scb_handle_apply_disposition (
        self, disposition, g_task_new (self, NULL, on_end_disposed, g_steal_pointer (&task)));
}

gboolean
scb_handle_end_transaction_finish (ScbHandle *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* scb-session-private.h: what scb-session.c and scb-session-io.c share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-fair-queue.h"
#include "scb-session.h"

G_BEGIN_DECLS

struct _ScbSession
{
  GObject parent_instance;
  ScbSlot *slot;
  gulong changed_id;
  gboolean present;
  guint generation;     /* the slot's card generation last seen */
  GPtrArray *handles;   /* ScbHandle, not owned: a handle leaves when it closes */
  ScbHandle *holder;    /* of the transaction */
  guint depth;          /* its nesting */
  GQueue waiters;       /* Waiter, FIFO */
  ScbFairQueue *apdus;  /* waiting for the slot, one lane per uid */
  ScbProtocol protocol; /* negotiated by a shared or exclusive connection since power-up */
  guint wait_ms;
  guint next_label;
};

struct _ScbHandle
{
  GObject parent_instance;
  ScbSession *session;
  ScbPeer *owner;
  char *label;
  ScbShareMode mode;
  ScbProtocol protocol; /* what Connect or Reconnect answered */
  guint8 nad;
  gboolean bound;   /* to the card of @generation (FALSE: direct, made without a card) */
  guint generation; /* the slot's card generation it was made for */
  gboolean reset_pending;
  gboolean closed;
};

/* A call that waits for another handle's transaction: @run starts it over
 * once the transaction ends (everything is checked again), @fail ends it
 * (Timeout, Cancelled). @handle is NULL for a Connect. */
typedef void (*ScbWaitRun) (gpointer op);
typedef void (*ScbWaitFail) (gpointer op, GError *error);
void scb_session_wait (ScbSession *self, ScbHandle *handle, ScbPeer *peer, gpointer tag,
                       GCancellable *cancellable, gpointer op, ScbWaitRun run, ScbWaitFail fail);
/* Fails the waiters of @handle (and @tag, when not NULL) with @error. */
void scb_session_fail_waiters (ScbSession *self, ScbHandle *handle, gpointer tag,
                               const GError *error);
/* A task whose errors are the session's, a cancellation included
 * (Cancelled, not G_IO_ERROR_CANCELLED). */
GTask *scb_session_task_new (gpointer source, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
/* Returns @error on @task and drops the reference (ScbWaitFail). */
void scb_session_task_fail (gpointer task, GError *error);

/* Whether another handle than @handle (NULL: any) holds the transaction. */
gboolean scb_session_locked_by_other (ScbSession *self, ScbHandle *handle);
/* The handle is still tied to the card in the slot. */
gboolean scb_handle_is_current (ScbHandle *self);
/* What pcsc-lite checks before using a handle: the handle, the reader,
 * the card, a reset by another connection (reported once). */
gboolean scb_handle_check_card (ScbHandle *self, GError **error);

void scb_session_emit_changed (ScbSession *self);
/* ::pin-entry for a PIN entry of @handle on the reader's pad: @result
 * NULL as it starts, then scb_part10_entry_result()'s. */
void scb_session_emit_pin_entry (ScbSession *self, ScbHandle *handle, const char *operation,
                                 const char *result);
/* Every other handle bound to the card gets ResetCard once. */
void scb_session_mark_reset (ScbSession *self, ScbHandle *by);
/* One level of @handle's transaction (@all: every level) ends. */
void scb_session_end_transaction (ScbSession *self, ScbHandle *handle, gboolean all);
/* Resets or unpowers the card for @self, then returns @task (taken);
 * "leave" returns it at once. */
void scb_handle_apply_disposition (ScbHandle *self, ScbDisposition disposition, GTask *task);

/* scb-session-io.c: the queued APDUs of a closing handle. */
void scb_handle_cancel_queued (ScbHandle *self);

G_END_DECLS

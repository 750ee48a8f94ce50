/* scb-session-connect.c: Connect and Reconnect (one path), dispositions,
 * Disconnect
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-session-private.h"

/* ---- connect and reconnect: one path ------------------------------------- */

typedef struct
{
  ScbHandle *handle; /* NULL for a Connect until it succeeds */
  ScbPeer *owner;
  ScbShareMode mode;
  ScbProtocol protocols;
  ScbDisposition initialization;
  guint8 nad;
  gboolean initialized; /* the reset of a Reconnect was done */
  gboolean powered;     /* a power-on was tried */
  gboolean switched;    /* a protocol switch was tried */
  enum
  {
    STEP_NONE,
    STEP_RESET,
    STEP_POWER_ON,
    STEP_PROTOCOL,
  } step; /* the slot operation in progress */
} Negotiation;

static void
negotiation_free (Negotiation *n)
{
  g_clear_object (&n->handle);
  scb_peer_unref (n->owner);
  g_free (n);
}

static gboolean
check_sharing (ScbSession *self, ScbHandle *except, ScbShareMode mode, GError **error)
{
  for (guint i = 0; i < self->handles->len; i++)
    {
      ScbHandle *other = g_ptr_array_index (self->handles, i);

      /* A handle to a card that went holds nothing. */
      if (other == except || (other->bound && !scb_handle_is_current (other)))
        continue;
      if (mode == SCB_SHARE_MODE_EXCLUSIVE)
        {
          g_set_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                       "%s is in use by another connection", scb_session_get_name (self));
          return FALSE;
        }
      if (other->mode == SCB_SHARE_MODE_EXCLUSIVE)
        {
          g_set_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                       "%s is held exclusively by another connection", scb_session_get_name (self));
          return FALSE;
        }
    }
  return TRUE;
}

static void negotiate (gpointer task);

static void
on_negotiation_step (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  ScbSession *self = g_task_get_source_object (task);
  Negotiation *n = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean ok;

  if (n->step == STEP_PROTOCOL)
    ok = scb_slot_set_protocol_finish (self->slot, result, &error) >= 0;
  else
    {
      g_autoptr (GBytes) atr = scb_slot_power_finish (self->slot, result, &error);

      ok = atr != NULL;
    }
  /* A reset or a protocol switch (a cold reset too) touched the card. */
  if (n->step != STEP_POWER_ON)
    scb_session_mark_reset (self, n->handle);
  n->step = STEP_NONE;
  if (!ok)
    {
      scb_session_task_fail (task, error);
      return;
    }
  negotiate (task);
}

/* Connect's and Reconnect's checks, from the top each time: the share
 * mode, the transaction, the card, the initialization, the power, the
 * protocol. Each asynchronous step comes back here. */
static void
negotiate (gpointer data)
{
  GTask *task = data;
  ScbSession *self = g_task_get_source_object (task);
  Negotiation *n = g_task_get_task_data (task);
  const char *name = scb_session_get_name (self);
  ScbSlotState state = scb_slot_get_state (self->slot);
  ScbProtocol chosen = SCB_PROTOCOL_NONE;
  GError *error = NULL;

  if (n->handle != NULL && n->handle->closed)
    error = g_error_new (SCB_ERROR, SCB_ERROR_INVALID_HANDLE, "%s is closed", n->handle->label);
  else if (!self->present)
    error = g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "%s was removed", name);
  if (error != NULL)
    {
      scb_session_task_fail (task, error);
      return;
    }
  /* pcscd: an exclusive holder is a violation at once; a transaction is
   * waited for. */
  if (!check_sharing (self, n->handle, n->mode, &error))
    {
      scb_session_task_fail (task, error);
      return;
    }
  if (scb_session_locked_by_other (self, n->handle))
    {
      scb_session_wait (self, n->handle, n->owner, NULL, g_task_get_cancellable (task), task,
                        negotiate, scb_session_task_fail);
      return;
    }
  if (n->mode != SCB_SHARE_MODE_DIRECT && state == SCB_SLOT_ABSENT)
    error = g_error_new (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No card in %s", name);
  else if (n->mode != SCB_SHARE_MODE_DIRECT && state == SCB_SLOT_MUTE)
    error = g_error_new (SCB_ERROR, SCB_ERROR_UNRESPONSIVE_CARD, "The card in %s does not answer",
                         name);
  if (error != NULL)
    {
      scb_session_task_fail (task, error);
      return;
    }
  if (n->initialization != SCB_DISPOSITION_LEAVE && !n->initialized && state == SCB_SLOT_POWERED)
    {
      /* Reconnect's "unpower" is a cold reset, as in pcsc-lite. */
      n->initialized = TRUE;
      n->step = STEP_RESET;
      scb_slot_power_async (self->slot, SCB_SLOT_RESET, NULL, on_negotiation_step, task);
      return;
    }
  if (n->mode != SCB_SHARE_MODE_DIRECT && state == SCB_SLOT_PRESENT && !n->powered)
    {
      /* Unpowered (a Disconnect with "unpower"): power it as pcscd does. */
      n->powered = TRUE;
      n->step = STEP_POWER_ON;
      scb_slot_power_async (self->slot, SCB_SLOT_POWER_ON, NULL, on_negotiation_step, task);
      return;
    }
  if (n->mode != SCB_SHARE_MODE_DIRECT)
    {
      ScbProtocol active = state == SCB_SLOT_POWERED
                               ? scb_protocol_from_iso (scb_slot_get_active_protocol (self->slot))
                               : SCB_PROTOCOL_NONE;
      guint offered = scb_slot_get_protocols (self->slot);

      if (active == SCB_PROTOCOL_NONE)
        error = g_error_new (SCB_ERROR, SCB_ERROR_UNRESPONSIVE_CARD,
                             "The card in %s could not be powered", name);
      else if (active & n->protocols)
        chosen = active;
      else if (self->protocol == SCB_PROTOCOL_NONE && !n->switched
               && (offered & n->protocols & SCB_PROTOCOL_ANY))
        {
          /* Nobody negotiated since the power-up: another protocol the
           * card offers may still be chosen (PPS after a cold reset). */
          n->switched = TRUE;
          n->step = STEP_PROTOCOL;
          scb_slot_set_protocol_async (self->slot, n->protocols & SCB_PROTOCOL_ANY, NULL,
                                       on_negotiation_step, task);
          return;
        }
      else
        error = g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH,
                             "The card speaks %s, which is not among the protocols asked for",
                             active == SCB_PROTOCOL_T0 ? "T=0" : "T=1");
      if (error != NULL)
        {
          scb_session_task_fail (task, error);
          return;
        }
      self->protocol = chosen;
    }
  else
    chosen = self->protocol;

  if (n->handle == NULL)
    {
      n->handle = g_object_new (SCB_TYPE_HANDLE, NULL);
      n->handle->session = g_object_ref (self);
      n->handle->owner = scb_peer_ref (n->owner);
      n->handle->nad = n->nad;
      n->handle->label = g_strdup_printf ("%s #%u", name, self->next_label++);
      g_ptr_array_add (self->handles, n->handle);
    }
  n->handle->mode = n->mode;
  n->handle->protocol = chosen;
  n->handle->bound = n->mode != SCB_SHARE_MODE_DIRECT || state != SCB_SLOT_ABSENT;
  n->handle->generation = scb_slot_get_card_generation (self->slot);
  n->handle->reset_pending = FALSE;
  scb_session_emit_changed (self);
  g_task_return_pointer (task, g_object_ref (n->handle), g_object_unref);
  g_object_unref (task);
}

static GTask *
negotiation_new (ScbSession *self, ScbHandle *handle, ScbPeer *owner, ScbShareMode mode,
                 ScbProtocol protocols, ScbDisposition initialization, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = scb_session_task_new (self, cancellable, callback, user_data);
  Negotiation *n = g_new0 (Negotiation, 1);

  n->handle = handle != NULL ? g_object_ref (handle) : NULL;
  n->owner = scb_peer_ref (owner);
  n->mode = mode;
  n->protocols = protocols;
  n->initialization = initialization;
  g_task_set_task_data (task, n, (GDestroyNotify) negotiation_free);
  return task;
}

void
scb_session_connect_async (ScbSession *self, ScbPeer *owner, ScbShareMode mode,
                           ScbProtocol protocols, guint8 nad, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = negotiation_new (self, NULL, owner, mode, protocols, SCB_DISPOSITION_LEAVE,
                                 cancellable, callback, user_data);

  ((Negotiation *) g_task_get_task_data (task))->nad = nad;
  g_task_set_source_tag (task, scb_session_connect_async);
  negotiate (task);
}

ScbHandle *
scb_session_connect_finish (ScbSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
scb_handle_reconnect_async (ScbHandle *self, ScbShareMode mode, ScbProtocol protocols,
                            ScbDisposition initialization, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = negotiation_new (self->session, self, self->owner, mode, protocols, initialization,
                                 cancellable, callback, user_data);

  g_task_set_source_tag (task, scb_handle_reconnect_async);
  negotiate (task);
}

gboolean
scb_handle_reconnect_finish (ScbHandle *self, GAsyncResult *result, ScbProtocol *protocol,
                             GError **error)
{
  g_autoptr (ScbHandle) handle = g_task_propagate_pointer (G_TASK (result), error);

  if (handle == NULL)
    return FALSE;
  if (protocol != NULL)
    *protocol = handle->protocol;
  return TRUE;
}

/* ---- dispositions ----------------------------------------------------------- */

static void
on_disposition (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  ScbHandle *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr (GBytes) atr = scb_slot_power_finish (self->session->slot, result, &error);

  scb_session_mark_reset (self->session, self);
  if (atr == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Resets or unpowers the card (eject: unpower, no reader ejects), then
 * returns @task; "leave" returns it at once. */
void
scb_handle_apply_disposition (ScbHandle *self, ScbDisposition disposition, GTask *task)
{
  if (disposition == SCB_DISPOSITION_LEAVE || !self->bound || !scb_handle_is_current (self))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  /* Unpowered, the card has no protocol; a reset renegotiates the one it
   * had (the slot's PPS at power-on). */
  if (disposition != SCB_DISPOSITION_RESET)
    self->session->protocol = SCB_PROTOCOL_NONE;
  scb_slot_power_async (self->session->slot,
                        disposition == SCB_DISPOSITION_RESET ? SCB_SLOT_RESET : SCB_SLOT_POWER_OFF,
                        NULL, on_disposition, task);
}

/* ---- disconnect --------------------------------------------------------------- */

static void
on_disconnect_disposed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbHandle *self = SCB_HANDLE (source);
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("%s: disposition at Disconnect: %s", self->label, error->message);
  scb_handle_close (self);
  g_task_return_boolean (task, TRUE);
}

void
scb_handle_disconnect_async (ScbHandle *self, ScbDisposition disposition,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);

  /* pcsc-lite: no reset or unpower under another connection's transaction. */
  if (scb_session_locked_by_other (self->session, self) || self->closed)
    disposition = SCB_DISPOSITION_LEAVE;
  scb_handle_apply_disposition (self, disposition,
                                g_task_new (self, NULL, on_disconnect_disposed, task));
}

void
scb_handle_disconnect_finish (ScbHandle *self, GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

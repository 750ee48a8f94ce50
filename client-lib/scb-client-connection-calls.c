/* scb-client-connection-calls.c: ScbClientConnection's plain D-Bus methods
 *
 * Transactions, reconnection, disconnection, status, attributes and the NAD:
 * one call each of the generated proxy. Transmit and Control, with the
 * channel, are in scb-client-connection.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-private.h"

static ScbDBusConnection *
proxy_of (ScbClientConnection *self)
{
  return _scb_client_connection_get_proxy (self);
}

/* A synchronous call's outcome, errors in the SCB_ERROR domain. */
static gboolean
done_sync (gboolean ok, GError **error)
{
  if (!ok)
    _scb_client_error_normalize (error);
  return ok;
}

static GTask *
task_new (ScbClientConnection *self, gpointer source_tag, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* BeginTransaction, EndTransaction and Disconnect answer nothing. */
static void
on_plain_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbDBusConnection *proxy = SCB_DBUS_CONNECTION (source);
  gpointer tag = g_task_get_source_tag (task);
  GError *error = NULL;
  gboolean ok;

  if (tag == scb_client_connection_begin_transaction)
    ok = scb_dbus_connection_call_begin_transaction_finish (proxy, result, &error);
  else if (tag == scb_client_connection_end_transaction)
    ok = scb_dbus_connection_call_end_transaction_finish (proxy, result, &error);
  else
    ok = scb_dbus_connection_call_disconnect_finish (proxy, result, &error);
  if (!ok)
    {
      _scb_client_error_normalize (&error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
plain_call_finish (ScbClientConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * scb_client_connection_begin_transaction_sync:
 * @self: a connection
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Starts a transaction; waits while another connection holds one (at most
 * 60 s, then %SCB_ERROR_TIMEOUT).
 *
 * Returns: %TRUE when the transaction began
 */
gboolean
scb_client_connection_begin_transaction_sync (ScbClientConnection *self, GCancellable *cancellable,
                                              GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  return done_sync (scb_dbus_connection_call_begin_transaction_sync (
                        proxy_of (self), G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error),
                    error);
}

/**
 * scb_client_connection_begin_transaction:
 * @self: a connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the transaction began or failed
 * @user_data: data for @callback
 *
 * Starts a transaction.
 */
void
scb_client_connection_begin_transaction (ScbClientConnection *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  task = task_new (self, scb_client_connection_begin_transaction, cancellable, callback, user_data);
  scb_dbus_connection_call_begin_transaction (proxy_of (self), G_DBUS_CALL_FLAGS_NONE, -1,
                                              cancellable, on_plain_call_done, task);
}

/**
 * scb_client_connection_begin_transaction_finish:
 * @self: a connection
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when the transaction began
 */
gboolean
scb_client_connection_begin_transaction_finish (ScbClientConnection *self, GAsyncResult *result,
                                                GError **error)
{
  return plain_call_finish (self, result, error);
}

/**
 * scb_client_connection_end_transaction_sync:
 * @self: a connection
 * @disposition: what to do with the card
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Ends the transaction begun by scb_client_connection_begin_transaction().
 *
 * Returns: %TRUE on success
 */
gboolean
scb_client_connection_end_transaction_sync (ScbClientConnection *self, ScbDisposition disposition,
                                            GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  return done_sync (scb_dbus_connection_call_end_transaction_sync (
                        proxy_of (self), scb_disposition_to_word (disposition),
                        G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error),
                    error);
}

/**
 * scb_client_connection_end_transaction:
 * @self: a connection
 * @disposition: what to do with the card
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Ends the transaction.
 */
void
scb_client_connection_end_transaction (ScbClientConnection *self, ScbDisposition disposition,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  task = task_new (self, scb_client_connection_end_transaction, cancellable, callback, user_data);
  scb_dbus_connection_call_end_transaction (proxy_of (self), scb_disposition_to_word (disposition),
                                            G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                            on_plain_call_done, task);
}

/**
 * scb_client_connection_end_transaction_finish:
 * @self: a connection
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE on success
 */
gboolean
scb_client_connection_end_transaction_finish (ScbClientConnection *self, GAsyncResult *result,
                                              GError **error)
{
  return plain_call_finish (self, result, error);
}

/**
 * scb_client_connection_reconnect_sync:
 * @self: a connection
 * @share_mode: the new share mode
 * @protocols: the acceptable protocols
 * @initialization: %SCB_DISPOSITION_LEAVE, %SCB_DISPOSITION_RESET
 *   or %SCB_DISPOSITION_UNPOWER
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Changes the share mode or protocol of the connection, and optionally resets
 * or unpowers the card.
 *
 * Returns: the protocol in use afterwards, %SCB_PROTOCOL_NONE with
 *   @error set on failure
 */
ScbProtocol
scb_client_connection_reconnect_sync (ScbClientConnection *self, ScbShareMode share_mode,
                                      ScbProtocol protocols, ScbDisposition initialization,
                                      GCancellable *cancellable, GError **error)
{
  g_auto (GStrv) words = scb_protocols_to_words (protocols);
  g_autofree char *protocol = NULL;
  ScbProtocol value;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), SCB_PROTOCOL_NONE);
  if (!done_sync (scb_dbus_connection_call_reconnect_sync (
                      proxy_of (self), scb_share_mode_to_word (share_mode),
                      (const char *const *) words, scb_disposition_to_word (initialization),
                      G_DBUS_CALL_FLAGS_NONE, -1, &protocol, cancellable, error),
                  error))
    return SCB_PROTOCOL_NONE;
  value = scb_protocol_from_word (protocol);
  _scb_client_connection_reconnected (self, share_mode, value);
  return value;
}

static void
on_reconnect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbClientConnection *self = g_task_get_source_object (task);
  g_autofree char *protocol = NULL;
  GError *error = NULL;
  ScbProtocol value;

  if (!scb_dbus_connection_call_reconnect_finish (SCB_DBUS_CONNECTION (source), &protocol, result,
                                                  &error))
    {
      _scb_client_error_normalize (&error);
      g_task_return_error (task, error);
      return;
    }
  value = scb_protocol_from_word (protocol);
  _scb_client_connection_reconnected (self, GPOINTER_TO_INT (g_task_get_task_data (task)), value);
  g_task_return_int (task, value);
}

/**
 * scb_client_connection_reconnect:
 * @self: a connection
 * @share_mode: the new share mode
 * @protocols: the acceptable protocols
 * @initialization: leave, reset or unpower
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Changes the share mode or protocol of the connection.
 */
void
scb_client_connection_reconnect (ScbClientConnection *self, ScbShareMode share_mode,
                                 ScbProtocol protocols, ScbDisposition initialization,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_auto (GStrv) words = scb_protocols_to_words (protocols);
  GTask *task;

  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  task = task_new (self, scb_client_connection_reconnect, cancellable, callback, user_data);
  g_task_set_task_data (task, GINT_TO_POINTER (share_mode), NULL);
  scb_dbus_connection_call_reconnect (
      proxy_of (self), scb_share_mode_to_word (share_mode), (const char *const *) words,
      scb_disposition_to_word (initialization), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
      on_reconnect_done, task);
}

/**
 * scb_client_connection_reconnect_finish:
 * @self: a connection
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: the protocol in use afterwards, %SCB_PROTOCOL_NONE with
 *   @error set on failure
 */
ScbProtocol
scb_client_connection_reconnect_finish (ScbClientConnection *self, GAsyncResult *result,
                                        GError **error)
{
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), SCB_PROTOCOL_NONE);
  value = g_task_propagate_int (G_TASK (result), error);
  return value < 0 ? SCB_PROTOCOL_NONE : (ScbProtocol) value;
}

/**
 * scb_client_connection_close_sync:
 * @self: a connection
 * @disposition: what to do with the card
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Closes the connection; the object cannot be used afterwards.
 *
 * Returns: %TRUE on success
 */
gboolean
scb_client_connection_close_sync (ScbClientConnection *self, ScbDisposition disposition,
                                  GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  return done_sync (scb_dbus_connection_call_disconnect_sync (
                        proxy_of (self), scb_disposition_to_word (disposition),
                        G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error),
                    error);
}

/**
 * scb_client_connection_close:
 * @self: a connection
 * @disposition: what to do with the card
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Closes the connection.
 */
void
scb_client_connection_close (ScbClientConnection *self, ScbDisposition disposition,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  task = task_new (self, scb_client_connection_close, cancellable, callback, user_data);
  scb_dbus_connection_call_disconnect (proxy_of (self), scb_disposition_to_word (disposition),
                                       G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_plain_call_done,
                                       task);
}

/**
 * scb_client_connection_close_finish:
 * @self: a connection
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE on success
 */
gboolean
scb_client_connection_close_finish (ScbClientConnection *self, GAsyncResult *result, GError **error)
{
  return plain_call_finish (self, result, error);
}

/**
 * scb_client_connection_status_sync:
 * @self: a connection
 * @reader_name: (out) (optional) (transfer full): the PC/SC name of the reader
 * @state: (out) (optional): SCardStatus' state (SCARD_ABSENT, SCARD_PRESENT, ...)
 * @protocol: (out) (optional): the protocol in use
 * @atr: (out) (optional) (transfer full): the ATR of the card
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The state of the connection's card, as SCardStatus reports it.
 *
 * Returns: %TRUE on success
 */
gboolean
scb_client_connection_status_sync (ScbClientConnection *self, char **reader_name, guint32 *state,
                                   ScbProtocol *protocol, GBytes **atr, GCancellable *cancellable,
                                   GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *protocol_word = NULL;
  g_autoptr (GVariant) atr_value = NULL;
  guint state_value = 0;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  if (!done_sync (scb_dbus_connection_call_status_sync (proxy_of (self), G_DBUS_CALL_FLAGS_NONE, -1,
                                                        &name, &state_value, &protocol_word,
                                                        &atr_value, cancellable, error),
                  error))
    return FALSE;
  if (reader_name != NULL)
    *reader_name = g_steal_pointer (&name);
  if (state != NULL)
    *state = state_value;
  if (protocol != NULL)
    *protocol = scb_protocol_from_word (protocol_word);
  if (atr != NULL)
    *atr = _scb_client_variant_to_bytes (atr_value);
  return TRUE;
}

/**
 * scb_client_connection_get_attrib_sync:
 * @self: a connection
 * @id: the attribute id, as SCardGetAttrib's dwAttrId
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Reads a reader or card attribute.
 *
 * Returns: (transfer full): the value, or %NULL with @error set
 */
GBytes *
scb_client_connection_get_attrib_sync (ScbClientConnection *self, guint32 id,
                                       GCancellable *cancellable, GError **error)
{
  g_autoptr (GVariant) value = NULL;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), NULL);
  if (!done_sync (scb_dbus_connection_call_get_attrib_sync (
                      proxy_of (self), id, G_DBUS_CALL_FLAGS_NONE, -1, &value, cancellable, error),
                  error))
    return NULL;
  return _scb_client_variant_to_bytes (value);
}

/**
 * scb_client_connection_set_attrib_sync:
 * @self: a connection
 * @id: the attribute id, as SCardSetAttrib's dwAttrId
 * @value: the new value
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Writes a reader attribute, as SCardSetAttrib. Needs
 * `org.scardbus.SmartCard1.control`; scardbusd, like libccid, sets no
 * attribute yet: %SCB_ERROR_NOT_SUPPORTED.
 *
 * Returns: %TRUE on success
 */
gboolean
scb_client_connection_set_attrib_sync (ScbClientConnection *self, guint32 id, GBytes *value,
                                       GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  return done_sync (scb_dbus_connection_call_set_attrib_sync (
                        proxy_of (self), id, _scb_client_bytes_to_variant (value),
                        G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error),
                    error);
}

/**
 * scb_client_connection_set_nad_sync:
 * @self: a connection
 * @nad: the node address byte for this connection's T=1 blocks
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Selects the NAD of this connection only. Needs
 * `org.scardbus.SmartCard1.set-nad`.
 *
 * Returns: %TRUE on success
 */
gboolean
scb_client_connection_set_nad_sync (ScbClientConnection *self, guint8 nad,
                                    GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  return done_sync (scb_dbus_connection_call_set_nad_sync (
                        proxy_of (self), nad, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error),
                    error);
}

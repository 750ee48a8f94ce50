/* scb-client-connection-calls.c: ScbClientConnection's plain D-Bus methods
 *
 * Transactions, reconnection, disconnection, status, attributes and the NAD:
 * one D-Bus call each. Transmit and Control, with the channel, are in
 * scb-client-connection.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-private.h"

/* The other methods are plain D-Bus calls. */
static GVariant *
call_sync (ScbClientConnection *self, const char *method, GVariant *parameters,
           GCancellable *cancellable, GError **error)
{
  GVariant *ret
      = g_dbus_proxy_call_sync (G_DBUS_PROXY (_scb_client_connection_get_proxy (self)), method,
                                parameters, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error);

  if (ret == NULL)
    _scb_client_error_normalize (error);
  return ret;
}

static void
on_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbClientConnection *self = g_task_get_source_object (task);
  GError *error = NULL;
  GVariant *ret = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);

  if (ret == NULL)
    {
      _scb_client_error_normalize (&error);
      g_task_return_error (task, error);
      return;
    }
  if (g_task_get_source_tag (task) == scb_client_connection_reconnect)
    {
      const char *protocol = NULL;

      g_variant_get (ret, "(&s)", &protocol);
      _scb_client_connection_reconnected (self, GPOINTER_TO_INT (g_task_get_task_data (task)),
                                          scb_protocol_from_word (protocol));
    }
  g_task_return_pointer (task, ret, (GDestroyNotify) g_variant_unref);
}

static void
call_async (ScbClientConnection *self, const char *method, GVariant *parameters,
            gpointer source_tag, gpointer task_data, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, task_data, NULL);
  g_dbus_proxy_call (G_DBUS_PROXY (_scb_client_connection_get_proxy (self)), method, parameters,
                     G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_call_done, task);
}

static gboolean
call_finish (ScbClientConnection *self, GAsyncResult *result, GError **error)
{
  g_autoptr (GVariant) ret = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  ret = g_task_propagate_pointer (G_TASK (result), error);
  return ret != NULL;
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
  g_autoptr (GVariant) ret = NULL;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  ret = call_sync (self, "BeginTransaction", NULL, cancellable, error);
  return ret != NULL;
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
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  call_async (self, "BeginTransaction", NULL, scb_client_connection_begin_transaction, NULL,
              cancellable, callback, user_data);
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
  return call_finish (self, result, error);
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
  g_autoptr (GVariant) ret = NULL;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  ret = call_sync (self, "EndTransaction",
                   g_variant_new ("(s)", scb_disposition_to_word (disposition)), cancellable,
                   error);
  return ret != NULL;
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
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  call_async (self, "EndTransaction", g_variant_new ("(s)", scb_disposition_to_word (disposition)),
              scb_client_connection_end_transaction, NULL, cancellable, callback, user_data);
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
  return call_finish (self, result, error);
}

static GVariant *
reconnect_parameters (ScbShareMode share_mode, ScbProtocol protocols, ScbDisposition initialization)
{
  g_auto (GStrv) words = scb_protocols_to_words (protocols);

  return g_variant_new ("(s^ass)", scb_share_mode_to_word (share_mode), words,
                        scb_disposition_to_word (initialization));
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
  g_autoptr (GVariant) ret = NULL;
  const char *protocol = NULL;
  ScbProtocol value;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), SCB_PROTOCOL_NONE);
  ret = call_sync (self, "Reconnect", reconnect_parameters (share_mode, protocols, initialization),
                   cancellable, error);
  if (ret == NULL)
    return SCB_PROTOCOL_NONE;
  g_variant_get (ret, "(&s)", &protocol);
  value = scb_protocol_from_word (protocol);
  _scb_client_connection_reconnected (self, share_mode, value);
  return value;
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
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  call_async (self, "Reconnect", reconnect_parameters (share_mode, protocols, initialization),
              scb_client_connection_reconnect, GINT_TO_POINTER (share_mode), cancellable, callback,
              user_data);
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
  g_autoptr (GVariant) ret = NULL;
  const char *protocol = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), SCB_PROTOCOL_NONE);
  ret = g_task_propagate_pointer (G_TASK (result), error);
  if (ret == NULL)
    return SCB_PROTOCOL_NONE;
  g_variant_get (ret, "(&s)", &protocol);
  return scb_protocol_from_word (protocol);
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
  g_autoptr (GVariant) ret = NULL;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  ret = call_sync (self, "Disconnect", g_variant_new ("(s)", scb_disposition_to_word (disposition)),
                   cancellable, error);
  return ret != NULL;
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
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  call_async (self, "Disconnect", g_variant_new ("(s)", scb_disposition_to_word (disposition)),
              scb_client_connection_close, NULL, cancellable, callback, user_data);
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
  return call_finish (self, result, error);
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
  g_autoptr (GVariant) ret = NULL;
  g_autoptr (GVariant) atr_value = NULL;
  const char *name = NULL;
  const char *protocol_word = NULL;
  guint32 state_value = 0;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  ret = call_sync (self, "Status", NULL, cancellable, error);
  if (ret == NULL)
    return FALSE;
  g_variant_get (ret, "(&su&s@ay)", &name, &state_value, &protocol_word, &atr_value);
  if (reader_name != NULL)
    *reader_name = g_strdup (name);
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
  g_autoptr (GVariant) ret = NULL;
  g_autoptr (GVariant) value = NULL;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), NULL);
  ret = call_sync (self, "GetAttrib", g_variant_new ("(u)", id), cancellable, error);
  if (ret == NULL)
    return NULL;
  g_variant_get (ret, "(@ay)", &value);
  return _scb_client_variant_to_bytes (value);
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
  g_autoptr (GVariant) ret = NULL;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  ret = call_sync (self, "SetNad", g_variant_new ("(y)", nad), cancellable, error);
  return ret != NULL;
}

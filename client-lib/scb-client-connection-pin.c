/* scb-client-connection-pin.c: PIN entry on the reader's pad
 *
 * Connection.VerifyPin and ModifyPin: the APDU template and a few options,
 * no PC/SC part 10 structures. The PIN never reaches the host.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-private.h"

static GVariant *
options_or_empty (GVariant *options)
{
  return options != NULL ? options : g_variant_new ("a{sv}", NULL);
}

/* The proxy's default timeout (-1) is none (scb-client-connection.c): the
 * user takes the time they need. */
static GBytes *
pin_sync (ScbClientConnection *self, gboolean modify, GBytes *template_apdu, GVariant *options,
          GCancellable *cancellable, GError **error)
{
  ScbDBusConnection *proxy = _scb_client_connection_get_proxy (self);
  GVariant *apdu = _scb_client_bytes_to_variant (template_apdu);
  g_autoptr (GVariant) response = NULL;
  gboolean ok;

  options = options_or_empty (options);
  if (modify)
    ok = scb_dbus_connection_call_modify_pin_sync (proxy, apdu, options, G_DBUS_CALL_FLAGS_NONE, -1,
                                                   &response, cancellable, error);
  else
    ok = scb_dbus_connection_call_verify_pin_sync (proxy, apdu, options, G_DBUS_CALL_FLAGS_NONE, -1,
                                                   &response, cancellable, error);
  if (!ok)
    {
      _scb_client_error_normalize (error);
      return NULL;
    }
  return _scb_client_variant_to_bytes (response);
}

static void
on_pin_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) response = NULL;
  GError *error = NULL;
  gboolean ok;

  if (g_task_get_source_tag (task) == scb_client_connection_modify_pin)
    ok = scb_dbus_connection_call_modify_pin_finish (SCB_DBUS_CONNECTION (source), &response,
                                                     result, &error);
  else
    ok = scb_dbus_connection_call_verify_pin_finish (SCB_DBUS_CONNECTION (source), &response,
                                                     result, &error);
  if (!ok)
    {
      _scb_client_error_normalize (&error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, _scb_client_variant_to_bytes (response),
                         (GDestroyNotify) g_bytes_unref);
}

static void
pin_async (ScbClientConnection *self, gpointer tag, GBytes *template_apdu, GVariant *options,
           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  ScbDBusConnection *proxy = _scb_client_connection_get_proxy (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GVariant *apdu = _scb_client_bytes_to_variant (template_apdu);

  g_task_set_source_tag (task, tag);
  options = options_or_empty (options);
  if (tag == scb_client_connection_modify_pin)
    scb_dbus_connection_call_modify_pin (proxy, apdu, options, G_DBUS_CALL_FLAGS_NONE, -1,
                                         cancellable, on_pin_done, task);
  else
    scb_dbus_connection_call_verify_pin (proxy, apdu, options, G_DBUS_CALL_FLAGS_NONE, -1,
                                         cancellable, on_pin_done, task);
}

/**
 * scb_client_connection_verify_pin_sync:
 * @self: a connection
 * @template_apdu: the command APDU with room for the PIN (e.g. VERIFY
 *   `00 20 00 81 08` and eight `FF`), 4 to 255 bytes
 * @options: (nullable): an `a{sv}` of formatting options ("format",
 *   "position", "block-size", "justify", "length-bits", "length-position",
 *   "min-digits", "max-digits", "timeout", "language"), as
 *   Connection.VerifyPin() documents them; %NULL for the defaults (ASCII,
 *   left-justified at the first data byte in 8 bytes, 4 to 8 digits). A
 *   floating reference is consumed.
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Asks the user to type a PIN on the reader's pad; the reader puts it into
 * @template_apdu and sends the command to the card. The PIN never reaches
 * the host. The Reader announces the entry (PinEntryStarted,
 * PinEntryFinished). Needs `org.scardbus.SmartCard1.access-card`.
 *
 * Returns: (transfer full): the card's response APDU, or the pad's own
 *   status words (64 00 nobody typed, 64 01 cancelled, 64 03 a PIN too
 *   short or too long); %NULL with @error set
 */
GBytes *
scb_client_connection_verify_pin_sync (ScbClientConnection *self, GBytes *template_apdu,
                                       GVariant *options, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), NULL);
  g_return_val_if_fail (template_apdu != NULL, NULL);
  return pin_sync (self, FALSE, template_apdu, options, cancellable, error);
}

/**
 * scb_client_connection_verify_pin:
 * @self: a connection
 * @template_apdu: the command APDU with room for the PIN
 * @options: (nullable): the formatting options, as for
 *   scb_client_connection_verify_pin_sync()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Asks the user to type a PIN on the reader's pad, without blocking.
 */
void
scb_client_connection_verify_pin (ScbClientConnection *self, GBytes *template_apdu,
                                  GVariant *options, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  g_return_if_fail (template_apdu != NULL);
  pin_async (self, scb_client_connection_verify_pin, template_apdu, options, cancellable, callback,
             user_data);
}

/**
 * scb_client_connection_verify_pin_finish:
 * @self: a connection
 * @result: the #GAsyncResult
 * @error: return location for an error
 *
 * Returns: (transfer full): as scb_client_connection_verify_pin_sync()
 */
GBytes *
scb_client_connection_verify_pin_finish (ScbClientConnection *self, GAsyncResult *result,
                                         GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * scb_client_connection_modify_pin_sync:
 * @self: a connection
 * @template_apdu: the command APDU with room for the current PIN and the
 *   new one (e.g. CHANGE REFERENCE DATA `00 24 00 81 10` and sixteen `FF`)
 * @options: (nullable): the options of scb_client_connection_verify_pin_sync()
 *   and "new-position" (u), "current-pin" (b), "confirm" (b), as
 *   Connection.ModifyPin() documents them. A floating reference is consumed.
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Asks the user to change a PIN on the reader's pad: the current PIN, then
 * the new one twice by default.
 *
 * Returns: (transfer full): the card's response APDU or the pad's status
 *   words (as for verification, and 64 02 when the new PINs differ); %NULL
 *   with @error set
 */
GBytes *
scb_client_connection_modify_pin_sync (ScbClientConnection *self, GBytes *template_apdu,
                                       GVariant *options, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), NULL);
  g_return_val_if_fail (template_apdu != NULL, NULL);
  return pin_sync (self, TRUE, template_apdu, options, cancellable, error);
}

/**
 * scb_client_connection_modify_pin:
 * @self: a connection
 * @template_apdu: the command APDU with room for the PINs
 * @options: (nullable): as for scb_client_connection_modify_pin_sync()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Asks the user to change a PIN on the reader's pad, without blocking.
 */
void
scb_client_connection_modify_pin (ScbClientConnection *self, GBytes *template_apdu,
                                  GVariant *options, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  g_return_if_fail (template_apdu != NULL);
  pin_async (self, scb_client_connection_modify_pin, template_apdu, options, cancellable, callback,
             user_data);
}

/**
 * scb_client_connection_modify_pin_finish:
 * @self: a connection
 * @result: the #GAsyncResult
 * @error: return location for an error
 *
 * Returns: (transfer full): as scb_client_connection_modify_pin_sync()
 */
GBytes *
scb_client_connection_modify_pin_finish (ScbClientConnection *self, GAsyncResult *result,
                                         GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

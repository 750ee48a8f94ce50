/* scb-client-util.c: counters, byte arrays and errors for libscardbus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-private.h"
#include "scb-error.h"

gboolean
_scb_counter_is_newer (guint32 a, guint32 b)
{
  return (gint32) (a - b) > 0;
}

GBytes *
_scb_client_variant_to_bytes (GVariant *value)
{
  gsize len = 0;
  const guint8 *data;

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    return g_bytes_new (NULL, 0);
  data = g_variant_get_fixed_array (value, &len, 1);
  return g_bytes_new (data, len);
}

GVariant *
_scb_client_bytes_to_variant (GBytes *bytes)
{
  gsize len = 0;
  gconstpointer data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
}

void
_scb_client_error_normalize (GError **error)
{
  GError *e;

  if (error == NULL || *error == NULL)
    return;
  e = *error;
  if (g_dbus_error_is_remote_error (e))
    g_dbus_error_strip_remote_error (e);
  if (e->domain != G_DBUS_ERROR)
    return;

  switch (e->code)
    {
    case G_DBUS_ERROR_SERVICE_UNKNOWN:
    case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
    case G_DBUS_ERROR_NO_REPLY:
    case G_DBUS_ERROR_NO_SERVER:
    case G_DBUS_ERROR_DISCONNECTED:
    case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
    case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
    case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
      {
        g_autofree char *message = g_strdup (e->message);

        g_clear_error (error);
        g_set_error (error, SCB_ERROR, SCB_ERROR_NO_SERVICE,
                     "The smart-card service (scardbusd) is not running: %s", message);
      }
      break;
    case G_DBUS_ERROR_ACCESS_DENIED:
    case G_DBUS_ERROR_AUTH_FAILED:
      {
        g_autofree char *message = g_strdup (e->message);

        g_clear_error (error);
        g_set_error (error, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED, "%s", message);
      }
      break;
    case G_DBUS_ERROR_UNKNOWN_OBJECT:
    case G_DBUS_ERROR_UNKNOWN_METHOD:
      {
        g_autofree char *message = g_strdup (e->message);

        g_clear_error (error);
        g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_HANDLE, "%s", message);
      }
      break;
    default:
      break;
    }
}

/* No bus is no service, for the caller; a cancellation stays one. */
void
_scb_client_error_no_bus (GError **error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  message = g_strdup ((*error)->message);
  g_clear_error (error);
  g_set_error (error, SCB_ERROR, SCB_ERROR_NO_SERVICE, "Cannot reach the system bus: %s", message);
}

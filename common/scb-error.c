/* scb-error.c: the org.scardbus.SmartCard1.Error domain and its PC/SC codes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-error-enums.h"

#include <PCSC/pcsclite.h>

/* The one table from our errors to PC/SC codes. Indexed by ScbError. */
static const glong scard_codes[] = {
  [SCB_ERROR_FAILED] = SCARD_F_INTERNAL_ERROR,
  [SCB_ERROR_NO_SMARTCARD] = SCARD_E_NO_SMARTCARD,
  [SCB_ERROR_SHARING_VIOLATION] = SCARD_E_SHARING_VIOLATION,
  [SCB_ERROR_REMOVED_CARD] = SCARD_W_REMOVED_CARD,
  [SCB_ERROR_RESET_CARD] = SCARD_W_RESET_CARD,
  [SCB_ERROR_UNPOWERED_CARD] = SCARD_W_UNPOWERED_CARD,
  [SCB_ERROR_UNRESPONSIVE_CARD] = SCARD_W_UNRESPONSIVE_CARD,
  [SCB_ERROR_UNSUPPORTED_CARD] = SCARD_W_UNSUPPORTED_CARD,
  [SCB_ERROR_TIMEOUT] = SCARD_E_TIMEOUT,
  [SCB_ERROR_NOT_TRANSACTED] = SCARD_E_NOT_TRANSACTED,
  [SCB_ERROR_PROTO_MISMATCH] = SCARD_E_PROTO_MISMATCH,
  [SCB_ERROR_INVALID_PARAMETER] = SCARD_E_INVALID_PARAMETER,
  [SCB_ERROR_INVALID_VALUE] = SCARD_E_INVALID_VALUE,
  [SCB_ERROR_INSUFFICIENT_BUFFER] = SCARD_E_INSUFFICIENT_BUFFER,
  /* pcscd answers a polkit denial with SCARD_W_SECURITY_VIOLATION. */
  [SCB_ERROR_PERMISSION_DENIED] = SCARD_W_SECURITY_VIOLATION,
  [SCB_ERROR_NOT_SUPPORTED] = SCARD_E_UNSUPPORTED_FEATURE,
  [SCB_ERROR_READER_UNAVAILABLE] = SCARD_E_READER_UNAVAILABLE,
  [SCB_ERROR_UNKNOWN_READER] = SCARD_E_UNKNOWN_READER,
  [SCB_ERROR_INVALID_HANDLE] = SCARD_E_INVALID_HANDLE,
  [SCB_ERROR_CANCELLED] = SCARD_E_CANCELLED,
  [SCB_ERROR_COMM_ERROR] = SCARD_F_COMM_ERROR,
  [SCB_ERROR_NOT_READY] = SCARD_E_NOT_READY,
  /* pcscd answers "too many contexts/handles" with SCARD_E_NO_MEMORY. */
  [SCB_ERROR_LIMIT_EXCEEDED] = SCARD_E_NO_MEMORY,
  [SCB_ERROR_NO_SERVICE] = SCARD_E_NO_SERVICE,
};

G_STATIC_ASSERT (G_N_ELEMENTS (scard_codes) == SCB_ERROR_NO_SERVICE + 1);

/* Filled once from the enum's nicks, so the names live in one place. */
static GDBusErrorEntry error_entries[G_N_ELEMENTS (scard_codes)];

static void
fill_error_entries (void)
{
  GEnumClass *klass = g_type_class_ref (scb_error_get_type ());

  g_assert (klass->n_values == G_N_ELEMENTS (error_entries));
  for (guint i = 0; i < klass->n_values; i++)
    {
      error_entries[i].error_code = klass->values[i].value;
      error_entries[i].dbus_error_name = klass->values[i].value_nick;
    }
  /* The class stays referenced: the entries point into its nicks. */
}

GQuark
scb_error_quark (void)
{
  static gsize quark = 0;
  static gsize registered = 0;

  /* g_dbus_error_register_error_domain() guards @quark with its own
   * g_once; ours guards building the entries. */
  if (g_once_init_enter (&registered))
    {
      fill_error_entries ();
      g_dbus_error_register_error_domain ("scb-error-quark", &quark, error_entries,
                                          G_N_ELEMENTS (error_entries));
      g_once_init_leave (&registered, 1);
    }
  return (GQuark) quark;
}

glong
scb_error_to_scard (const GError *error)
{
  if (error == NULL)
    return SCARD_S_SUCCESS;

  if (error->domain == SCB_ERROR)
    {
      if (error->code >= 0 && (gsize) error->code < G_N_ELEMENTS (scard_codes))
        return scard_codes[error->code];
      return SCARD_F_INTERNAL_ERROR;
    }

  if (error->domain == G_DBUS_ERROR)
    {
      switch (error->code)
        {
        case G_DBUS_ERROR_NO_REPLY:
        case G_DBUS_ERROR_TIMEOUT:
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_NO_SERVER:
        case G_DBUS_ERROR_DISCONNECTED:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
          return SCARD_E_NO_SERVICE;
        case G_DBUS_ERROR_ACCESS_DENIED:
        case G_DBUS_ERROR_AUTH_FAILED:
          return SCARD_W_SECURITY_VIOLATION;
        case G_DBUS_ERROR_UNKNOWN_OBJECT:
        case G_DBUS_ERROR_UNKNOWN_METHOD:
        case G_DBUS_ERROR_UNKNOWN_INTERFACE:
          return SCARD_E_INVALID_HANDLE;
        case G_DBUS_ERROR_INVALID_ARGS:
          return SCARD_E_INVALID_PARAMETER;
        case G_DBUS_ERROR_NO_MEMORY:
        case G_DBUS_ERROR_LIMITS_EXCEEDED:
          return SCARD_E_NO_MEMORY;
        default:
          return SCARD_F_COMM_ERROR;
        }
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return SCARD_E_CANCELLED;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return SCARD_E_TIMEOUT;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return SCARD_E_NO_SERVICE;

  return SCARD_F_COMM_ERROR;
}

ScbError
scb_error_from_scard (glong scard_code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (scard_codes); i++)
    {
      if (scard_codes[i] == scard_code)
        return (ScbError) i;
    }
  return SCB_ERROR_FAILED;
}

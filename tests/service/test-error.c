/* test-error.c: the error domain, its D-Bus names and PC/SC codes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-error-enums.h"

#include <PCSC/pcsclite.h>

static void
test_dbus_names (void)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (scb_error_get_type ());

  for (guint i = 0; i < klass->n_values; i++)
    {
      g_autoptr (GError) error = g_error_new_literal (SCB_ERROR, klass->values[i].value, "x");
      g_autofree char *name = g_dbus_error_encode_gerror (error);
      g_autoptr (GError) back = NULL;

      g_assert_true (g_str_has_prefix (name, "org.scardbus.SmartCard1.Error."));
      g_assert_cmpstr (name, ==, klass->values[i].value_nick);
      back = g_dbus_error_new_for_dbus_error (name, "x");
      g_assert_error (back, SCB_ERROR, klass->values[i].value);
    }
}

static void
test_scard_codes (void)
{
  struct
  {
    ScbError code;
    glong scard;
  } table[] = {
    { SCB_ERROR_NO_SMARTCARD, SCARD_E_NO_SMARTCARD },
    { SCB_ERROR_SHARING_VIOLATION, SCARD_E_SHARING_VIOLATION },
    { SCB_ERROR_REMOVED_CARD, SCARD_W_REMOVED_CARD },
    { SCB_ERROR_RESET_CARD, SCARD_W_RESET_CARD },
    { SCB_ERROR_TIMEOUT, SCARD_E_TIMEOUT },
    { SCB_ERROR_NOT_TRANSACTED, SCARD_E_NOT_TRANSACTED },
    { SCB_ERROR_PROTO_MISMATCH, SCARD_E_PROTO_MISMATCH },
    { SCB_ERROR_INVALID_PARAMETER, SCARD_E_INVALID_PARAMETER },
    { SCB_ERROR_PERMISSION_DENIED, SCARD_W_SECURITY_VIOLATION },
    { SCB_ERROR_NOT_SUPPORTED, SCARD_E_UNSUPPORTED_FEATURE },
    { SCB_ERROR_READER_UNAVAILABLE, SCARD_E_READER_UNAVAILABLE },
    { SCB_ERROR_NO_SERVICE, SCARD_E_NO_SERVICE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (SCB_ERROR, table[i].code, "x");

      g_assert_cmphex ((gulong) scb_error_to_scard (error), ==, (gulong) table[i].scard);
      g_assert_cmpint (scb_error_from_scard (table[i].scard), ==, table[i].code);
    }
  g_assert_cmpint (scb_error_to_scard (NULL), ==, SCARD_S_SUCCESS);
  g_assert_cmpint (scb_error_from_scard (0x12345), ==, SCB_ERROR_FAILED);
}

static void
test_bus_errors (void)
{
  const int no_service[] = {
    G_DBUS_ERROR_SERVICE_UNKNOWN, G_DBUS_ERROR_NO_REPLY,  G_DBUS_ERROR_NAME_HAS_NO_OWNER,
    G_DBUS_ERROR_DISCONNECTED,    G_DBUS_ERROR_NO_SERVER, G_DBUS_ERROR_TIMEOUT,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (no_service); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (G_DBUS_ERROR, no_service[i], "x");

      g_assert_cmphex ((gulong) scb_error_to_scard (error), ==, (gulong) SCARD_E_NO_SERVICE);
    }
  {
    g_autoptr (GError) error = g_error_new_literal (G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "x");
    g_autoptr (GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");
    g_autoptr (GError) closed = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "x");

    g_assert_cmphex ((gulong) scb_error_to_scard (error), ==, (gulong) SCARD_W_SECURITY_VIOLATION);
    g_assert_cmphex ((gulong) scb_error_to_scard (cancelled), ==, (gulong) SCARD_E_CANCELLED);
    g_assert_cmphex ((gulong) scb_error_to_scard (closed), ==, (gulong) SCARD_E_NO_SERVICE);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/dbus-names", test_dbus_names);
  g_test_add_func ("/error/scard-codes", test_scard_codes);
  g_test_add_func ("/error/bus-errors", test_bus_errors);
  return g_test_run ();
}

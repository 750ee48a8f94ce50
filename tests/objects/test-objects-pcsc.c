/* test-objects-pcsc.c: the PC/SC vocabulary of the objects, and PIN redaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-log.h"
#include "scb-pcsc.h"

#include <string.h>

static GString *logged;

static GLogWriterOutput
capture (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "MESSAGE"))
        g_string_append_printf (logged, "%s\n", (const char *) fields[i].value);
    }
  return G_LOG_WRITER_HANDLED;
}

static char *
log_of (const char *hex)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GBytes) apdu = NULL;

  for (const char *p = hex; p[0] != '\0' && p[1] != '\0'; p += p[2] == ' ' ? 3 : 2)
    {
      guint8 b = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));

      g_byte_array_append (bytes, &b, 1);
    }
  apdu = g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
  g_string_truncate (logged, 0);
  scb_pcsc_log_apdu ("/c/0", "->", 0, apdu, scb_pcsc_is_pin_command (apdu));
  return g_strdup (logged->str);
}

static void
test_pin_redaction (void)
{
  static const char *const pin_commands[] = {
    "00 20 00 81 08 31 32 33 34 35 36 FF FF",                         /* VERIFY */
    "00 24 00 81 10 31 32 33 34 FF FF FF FF 35 36 37 38 FF FF FF FF", /* CHANGE REFERENCE DATA */
    "00 2C 00 81 10 31 32 33 34 35 36 37 38 35 36 37 38 FF FF FF FF", /* RESET RETRY COUNTER */
    "80 20 00 01 04 31 32 33 34", /* VERIFY with a proprietary class */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (pin_commands); i++)
    {
      g_autofree char *text = log_of (pin_commands[i]);

      g_test_message ("%s", text);
      g_assert_nonnull (strstr (text, "redacted"));
      g_assert_null (strstr (text, "31 32"));
      g_assert_null (strstr (text, "35 36"));
    }
  {
    g_autofree char *text = log_of ("80 EC 00 00 02 31 32 00");

    g_assert_cmpstr (text, ==, "/c/0 -> NAD 00: 80 EC 00 00 02 31 32 00 \n");
  }
  /* Below the debug level nothing is formatted or logged. */
  scb_log_set_max_level (G_LOG_LEVEL_MESSAGE);
  {
    g_autofree char *text = log_of ("80 EC 00 00 02 31 32 00");

    g_assert_cmpstr (text, ==, "");
  }
  scb_log_set_max_level (G_LOG_LEVEL_DEBUG);
}

static void
test_words (void)
{
  g_autoptr (GError) error = NULL;
  const char *t1[] = { "t1", NULL };
  const char *both[] = { "t0", "t1", NULL };
  const char *raw[] = { "raw", NULL };
  const char *bad[] = { "t2", NULL };
  const char *none[] = { NULL };
  ScbShareMode mode;
  ScbDisposition disposition;
  int chosen = 7;

  g_assert_true (scb_share_mode_from_word ("exclusive", &mode, NULL));
  g_assert_cmpint (mode, ==, SCB_SHARE_MODE_EXCLUSIVE);
  g_assert_false (scb_share_mode_from_word ("Shared", &mode, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  g_assert_true (scb_disposition_from_word ("unpower", &disposition, NULL));
  g_assert_cmpint (disposition, ==, SCB_DISPOSITION_UNPOWER);
  g_assert_false (scb_disposition_from_word ("", &disposition, NULL));

  g_assert_true (scb_protocol_choose (t1, SCB_SHARE_MODE_SHARED, 1, &chosen, NULL));
  g_assert_cmpint (chosen, ==, 1);
  g_assert_true (scb_protocol_choose (both, SCB_SHARE_MODE_SHARED, 0, &chosen, NULL));
  g_assert_cmpint (chosen, ==, 0);
  g_assert_false (scb_protocol_choose (t1, SCB_SHARE_MODE_SHARED, 0, &chosen, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_PROTO_MISMATCH);
  g_clear_error (&error);
  g_assert_false (scb_protocol_choose (raw, SCB_SHARE_MODE_SHARED, 1, &chosen, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_PROTO_MISMATCH);
  g_clear_error (&error);
  g_assert_false (scb_protocol_choose (bad, SCB_SHARE_MODE_SHARED, 1, &chosen, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  /* A direct connection may have no protocol, with or without a card. */
  g_assert_true (scb_protocol_choose (none, SCB_SHARE_MODE_DIRECT, -1, &chosen, NULL));
  g_assert_cmpint (chosen, ==, SCB_PROTOCOL_ISO_NONE);
  g_assert_true (scb_protocol_choose (raw, SCB_SHARE_MODE_DIRECT, 1, &chosen, NULL));
  g_assert_cmpint (chosen, ==, SCB_PROTOCOL_ISO_NONE);
  g_assert_true (scb_protocol_choose (t1, SCB_SHARE_MODE_DIRECT, 1, &chosen, NULL));
  g_assert_cmpint (chosen, ==, 1);
  g_assert_cmpstr (scb_protocol_iso_to_word (SCB_PROTOCOL_ISO_NONE), ==, "");
}

static void
test_lengths (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (scb_pcsc_check_length (0, 1, "An APDU", &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  g_assert_true (scb_pcsc_check_length (1, 1, "An APDU", NULL));
  g_assert_true (scb_pcsc_check_length (65544, 1, "An APDU", NULL));
  g_assert_false (scb_pcsc_check_length (65545, 1, "An APDU", &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_assert_true (scb_pcsc_check_length (0, 0, "Control data", NULL));
}

int
main (int argc, char **argv)
{
  logged = g_string_new (NULL);
  g_log_set_writer_func (capture, NULL, NULL);
  scb_log_set_max_level (G_LOG_LEVEL_DEBUG);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/objects/pcsc/pin-redaction", test_pin_redaction);
  g_test_add_func ("/objects/pcsc/words", test_words);
  g_test_add_func ("/objects/pcsc/lengths", test_lengths);
  return g_test_run ();
}

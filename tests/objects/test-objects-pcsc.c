/* test-objects-pcsc.c: the PC/SC words, lengths from clients, and the APDU log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-log.h"
#include "scb-apdu-log.h"
#include "scb-session.h"

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

static GBytes *
bytes_of (const char *hex)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  for (const char *p = hex; p[0] != '\0' && p[1] != '\0'; p += p[2] == ' ' ? 3 : 2)
    {
      guint8 b = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));

      g_byte_array_append (bytes, &b, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* What the log shows of @command and its @response (NULL: none). */
static char *
log_of (const char *command, const char *response)
{
  g_autoptr (GBytes) apdu = bytes_of (command);
  gboolean secret = scb_apdu_is_secret (apdu);

  g_string_truncate (logged, 0);
  scb_apdu_log_command ("/c/0", 0, apdu, secret);
  if (response != NULL)
    {
      g_autoptr (GBytes) answer = bytes_of (response);

      scb_apdu_log_response ("/c/0", 0, answer, secret);
    }
  return g_strdup (logged->str);
}

/* Commands whose data, or whose answer's data, may hold a secret: with
 * LogApduData on, neither shows; the marker bytes 5E C2 E7 never appear. */
static const struct
{
  const char *command;
  const char *response;
} secret_cases[] = {
  { "00 20 00 81 08 5E C2 E7 34 35 36 FF FF", "90 00" },       /* VERIFY */
  { "00 21 00 81 0A 53 08 5E C2 E7 34 35 36 FF FF", "90 00" }, /* VERIFY, odd */
  { "00 24 00 81 10 5E C2 E7 34 FF FF FF FF 5E C2 E7 38 FF FF FF FF", "90 00" },
  { "00 26 00 81 04 5E C2 E7 34", "90 00" },             /* DISABLE VERIFICATION REQUIREMENT */
  { "00 28 00 81 04 5E C2 E7 34", "90 00" },             /* ENABLE VERIFICATION REQUIREMENT */
  { "00 2C 00 81 08 5E C2 E7 34 5E C2 E7 38", "90 00" }, /* RESET RETRY COUNTER */
  { "80 20 00 01 04 5E C2 E7 34", "90 00" },             /* VERIFY, proprietary class */
  { "00 DA 00 D3 04 5E C2 E7 34", "90 00" },             /* PUT DATA: resetting code */
  { "10 DB 3F FF 06 4D 04 5E C2 E7 34", "90 00" },       /* PUT DATA, odd, chained: key import */
  { "00 84 00 00 08", "5E C2 E7 01 02 03 04 05 90 00" }, /* GET CHALLENGE */
  { "00 2A 80 86 05 00 5E C2 E7 34 00", "5E C2 E7 AA 90 00" },             /* PSO:DECIPHER */
  { "00 87 11 9A 06 7C 04 82 02 5E C2 00", "7C 05 82 03 5E C2 E7 90 00" }, /* GENERAL AUTH */
  { "00 C0 00 00 04", "5E C2 E7 AA 90 00" },                               /* GET RESPONSE */
  { "80 D8 01 81 04 5E C2 E7 34", "90 00" }, /* PUT KEY (GlobalPlatform) */
  { "80 E2 80 00 04 5E C2 E7 34", "90 00" }, /* STORE DATA (GlobalPlatform) */
  { "80 50 00 00 08 5E C2 E7 34 35 36 37 38 00", "5E C2 E7 01 02 03 90 00" }, /* INIT UPDATE */
  { "FF 82 00 00 06 5E C2 E7 34 35 36", "90 00" },                            /* PC/SC LOAD KEYS */
  { "00 FE 07 9A 04 5E C2 E7 34", "90 00" }, /* Yubico PIV IMPORT ASYMMETRIC KEY */
};

static void
test_log_redaction (void)
{
  scb_apdu_log_set_data (TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (secret_cases); i++)
    {
      g_autofree char *text = log_of (secret_cases[i].command, secret_cases[i].response);

      g_test_message ("%s", text);
      g_assert_null (strstr (text, "5E C2"));
      g_assert_nonnull (strstr (text, "/c/0 -> NAD 00: "));
    }
  {
    g_autofree char *text = log_of ("00 20 00 81 08 31 32 33 34 35 36 FF FF", "63 C2");

    g_assert_cmpstr (text, ==,
                     "/c/0 -> NAD 00: 00 20 00 81, Lc 8 (data not logged: may hold a secret)\n"
                     "/c/0 <- NAD 00: SW 63 C2\n");
  }
  {
    g_autofree char *text = log_of ("00 84 00 00 08", "01 02 03 04 05 06 07 08 90 00");

    g_assert_cmpstr (text, ==,
                     "/c/0 -> NAD 00: 00 84 00 00, Le 8\n"
                     "/c/0 <- NAD 00: SW 90 00, 8 bytes of data (not logged: may hold a secret)\n");
  }
  /* Other commands show their data when asked to. */
  {
    g_autofree char *text = log_of ("80 EC 00 00 02 31 32 00", "31 32 90 00");

    g_assert_cmpstr (text, ==,
                     "/c/0 -> NAD 00: 80 EC 00 00, Lc 2, Le 256: 31 32\n"
                     "/c/0 <- NAD 00: SW 90 00, 2 bytes of data: 31 32\n");
  }
  scb_apdu_log_set_data (FALSE);
}

/* By default: headers, lengths and status words only. */
static void
test_log_default (void)
{
  static const struct
  {
    const char *command;
    const char *response;
    const char *logged;
  } cases[] = {
    { "80 EC 00 00 02 31 32 00", "31 32 90 00",
      "/c/0 -> NAD 00: 80 EC 00 00, Lc 2, Le 256\n/c/0 <- NAD 00: SW 90 00, 2 bytes of data\n" },
    { "00 A4 04 00", "6A 82", "/c/0 -> NAD 00: 00 A4 04 00\n/c/0 <- NAD 00: SW 6A 82\n" },
    /* extended cases 2, 3 and 4 */
    { "00 B0 00 00 00 01 00", NULL, "/c/0 -> NAD 00: 00 B0 00 00, Le 256\n" },
    { "00 D6 00 00 00 00 02 AA BB", NULL, "/c/0 -> NAD 00: 00 D6 00 00, Lc 2\n" },
    { "00 CB 3F FF 00 00 01 5C 00 00", NULL, "/c/0 -> NAD 00: 00 CB 3F FF, Lc 1, Le 65536\n" },
    /* no case at all, and too short for a header */
    { "00 A4 04 00 07 F0", NULL, "/c/0 -> NAD 00: 00 A4 04 00, 6 bytes\n" },
    { "00 A4", "01", "/c/0 -> NAD 00: 2 bytes\n/c/0 <- NAD 00: 1 bytes\n" },
  };

  g_assert_false (scb_apdu_log_get_data ());
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = log_of (cases[i].command, cases[i].response);

      g_assert_cmpstr (text, ==, cases[i].logged);
    }
  /* A long answer, with data on: 64 bytes shown, the rest counted. */
  scb_apdu_log_set_data (TRUE);
  {
    g_autoptr (GString) answer = g_string_new (NULL);
    g_autofree char *text = NULL;

    for (guint i = 0; i < 72; i++)
      g_string_append (answer, "AB ");
    g_string_append (answer, "90 00");
    text = log_of ("00 B0 00 00 48", answer->str);
    g_assert_nonnull (strstr (text, "SW 90 00, 72 bytes of data: AB AB"));
    g_assert_nonnull (strstr (text, "AB (8 more bytes)\n"));
  }
  scb_apdu_log_set_data (FALSE);
  /* Below the debug level nothing is formatted or logged. */
  scb_log_set_max_level (G_LOG_LEVEL_MESSAGE);
  {
    g_autofree char *text = log_of ("80 EC 00 00 02 31 32 00", "90 00");

    g_assert_cmpstr (text, ==, "");
  }
  scb_log_set_max_level (G_LOG_LEVEL_DEBUG);
}

static void
test_words (void)
{
  g_autoptr (GError) error = NULL;
  const char *both[] = { "t0", "t1", NULL };
  const char *raw[] = { "raw", NULL };
  const char *bad[] = { "t2", NULL };
  const char *none[] = { NULL };
  ScbShareMode mode;
  ScbDisposition disposition;
  ScbProtocol protocols = SCB_PROTOCOL_NONE;

  g_assert_true (scb_share_mode_from_word ("exclusive", &mode, NULL));
  g_assert_cmpint (mode, ==, SCB_SHARE_MODE_EXCLUSIVE);
  g_assert_false (scb_share_mode_from_word ("Shared", &mode, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  g_assert_true (scb_disposition_from_word ("unpower", &disposition, NULL));
  g_assert_cmpint (disposition, ==, SCB_DISPOSITION_UNPOWER);
  g_assert_false (scb_disposition_from_word ("", &disposition, NULL));

  /* Protocol words: a set of them, or InvalidParameter. */
  g_assert_true (scb_protocols_from_words (both, &protocols, NULL));
  g_assert_cmpint (protocols, ==, SCB_PROTOCOL_ANY);
  g_assert_true (scb_protocols_from_words (raw, &protocols, NULL));
  g_assert_cmpint (protocols, ==, SCB_PROTOCOL_RAW);
  g_assert_true (scb_protocols_from_words (none, &protocols, NULL));
  g_assert_cmpint (protocols, ==, SCB_PROTOCOL_NONE);
  g_assert_false (scb_protocols_from_words (bad, &protocols, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  g_assert_cmpstr (scb_protocol_to_word (SCB_PROTOCOL_NONE), ==, "");
  g_assert_cmpstr (scb_protocol_to_word (SCB_PROTOCOL_T1), ==, "t1");
}

static void
test_lengths (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (scb_session_check_length (0, 1, "An APDU", &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  g_assert_true (scb_session_check_length (1, 1, "An APDU", NULL));
  g_assert_true (scb_session_check_length (65544, 1, "An APDU", NULL));
  g_assert_false (scb_session_check_length (65545, 1, "An APDU", &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_assert_true (scb_session_check_length (0, 0, "Control data", NULL));
}

int
main (int argc, char **argv)
{
  logged = g_string_new (NULL);
  g_log_set_writer_func (capture, NULL, NULL);
  scb_log_set_max_level (G_LOG_LEVEL_DEBUG);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/objects/pcsc/log-default", test_log_default);
  g_test_add_func ("/objects/pcsc/log-redaction", test_log_redaction);
  g_test_add_func ("/objects/pcsc/words", test_words);
  g_test_add_func ("/objects/pcsc/lengths", test_lengths);
  return g_test_run ();
}

/* test-ccid-tables.c: the reader names and quirks tables (data/)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ccid-quirks.h"
#include "ccid-reader-names.h"

static void
test_names_builtin (void)
{
  /* names pcscd + libccid give, not the USB strings */
  g_assert_cmpstr (ccid_reader_names_lookup (0x08E6, 0x3437), ==, "Gemalto PC Twin Reader");
  g_assert_cmpstr (ccid_reader_names_lookup (0x20A0, 0x42B2), ==, "Nitrokey Nitrokey 3");
  g_assert_cmpstr (ccid_reader_names_lookup (0x058F, 0x9540), ==, "Alcor Micro AU9540");
  /* a trailing space is part of the name (libccid 1.5.2's Info.plist too) */
  g_assert_cmpstr (ccid_reader_names_lookup (0x163C, 0x0A03), ==, "Watchdata W5181 ");
  g_assert_null (ccid_reader_names_lookup (0x1234, 0x5678));
}

static void
test_names_parse (void)
{
  static const char good[] = "# comment\n\n0x1234:0xABCD:Some: Reader  \n0x1234:0xabcd:Later\n";
  static const char *const bad[] = { "0x1234:0xABCD\n", "1234:ABCD:Name\n", "0x1234:0xABCD:\n",
                                     "0x12345:0xABCD:Name\n", "0xZZZZ:0xABCD:Name\n" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) table = ccid_reader_names_parse (good, sizeof good - 1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (ccid_reader_names_lookup_in (table, 0x1234, 0xABCD), ==, "Some: Reader  ");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (GHashTable) t = ccid_reader_names_parse (bad[i], strlen (bad[i]), &e);

      g_assert_null (t);
      g_assert_error (e, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_true (g_str_has_prefix (e->message, "line 1: "));
    }
}

static void
test_quirks_builtin (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CcidQuirks) quirks = ccid_quirks_load (NULL, &error);
  guint32 v = 0;

  g_assert_no_error (error);
  g_assert_true (ccid_quirks_get (quirks, 0x04E6, 0x5111, CCID_QUIRK_MIN_FIRMWARE, &v));
  g_assert_cmphex (v, ==, 0x0620);
  g_assert_false (ccid_quirks_get (quirks, 0x08E6, 0x3437, CCID_QUIRK_MIN_FIRMWARE, &v));
}

static void
test_quirks_override (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ccid-quirks-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ccid-quirks.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "none.txt", NULL);
  g_autoptr (CcidQuirks) quirks = NULL;
  g_autoptr (CcidQuirks) none = NULL;
  guint32 v = 1;

  g_assert_true (g_file_set_contents (
      path, "04e6:5111  min-firmware 0   # use it anyway\n1234:abcd\tmin-firmware 0x0100\n", -1,
      NULL));
  quirks = ccid_quirks_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (ccid_quirks_get (quirks, 0x04E6, 0x5111, CCID_QUIRK_MIN_FIRMWARE, &v));
  g_assert_cmphex (v, ==, 0);
  g_assert_true (ccid_quirks_get (quirks, 0x1234, 0xABCD, CCID_QUIRK_MIN_FIRMWARE, &v));
  g_assert_cmphex (v, ==, 0x0100);
  /* the others stay */
  g_assert_true (ccid_quirks_get (quirks, 0x04E6, 0xE003, CCID_QUIRK_MIN_FIRMWARE, &v));
  g_assert_cmphex (v, ==, 0x0510);

  /* a missing file is no error; a malformed one names its line */
  none = ccid_quirks_load (missing, &error);
  g_assert_no_error (error);
  g_assert_nonnull (none);
  g_assert_true (g_file_set_contents (path, "# fine\n04e6:5111 no-such-quirk 1\n", -1, NULL));
  g_assert_null (ccid_quirks_load (path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (strstr (error->message, "ccid-quirks.txt:2: ") != NULL);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "04e6:5111 min-firmware\n", -1, NULL));
  g_assert_null (ccid_quirks_load (path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ccid/tables/names-builtin", test_names_builtin);
  g_test_add_func ("/ccid/tables/names-parse", test_names_parse);
  g_test_add_func ("/ccid/tables/quirks-builtin", test_quirks_builtin);
  g_test_add_func ("/ccid/tables/quirks-override", test_quirks_override);
  return g_test_run ();
}

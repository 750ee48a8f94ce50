/* test-reference.c: the same PC/SC session (scenario.c, part10.c) under
 * Debian's pcscd 1.9.9 + libccid + libpcsclite, under scardbusd + our
 * libpcsclite.so.1, and under scardbusd + Debian's libpcsclite over
 * scardbusd's pcscd socket (protocol 4.4), all over scardbus-sim: the
 * transcripts must be equal.
 *
 * Usage: test-reference SCARDBUS-SIM SCENARIO PART10
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

static const char *sim_path;
static const char *scenario_path;
static const char *part10_path;

/* @host: pcscd, scardbusd, or socket (scardbusd for the system's
 * libpcsclite). */
static char *
run_scenario (const char *host, const char *reader, const char *name, const char *scenario)
{
  gboolean socket = g_str_equal (host, "socket");
  g_autoptr (GPtrArray) argv = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) sim_path);
  g_ptr_array_add (argv, (char *) "--host");
  g_ptr_array_add (argv, (char *) (socket ? "scardbusd" : host));
  if (socket)
    g_ptr_array_add (argv, (char *) "--system-pcsclite");
  g_ptr_array_add (argv, (char *) "--reader");
  g_ptr_array_add (argv, (char *) reader);
  g_ptr_array_add (argv, (char *) "--");
  g_ptr_array_add (argv, (char *) scenario);
  g_ptr_array_add (argv, (char *) sim_path);
  g_ptr_array_add (argv, (char *) name);
  g_ptr_array_add (argv, NULL);
  process
      = g_subprocess_newv ((const char *const *) argv->pdata,
                           G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("--host %s:\n%s\n--- stderr\n%s", host, out, err);
  g_assert_true (g_subprocess_get_successful (process));
  return out;
}

typedef struct
{
  const char *reader; /* scardbus-sim's --reader */
  const char *name;   /* its PC/SC name */
  gboolean part10;    /* part10.c instead of scenario.c */
} Setup;

static void
compare (const char *reference, const char *host, const char *ours)
{
  g_auto (GStrv) reference_lines = g_strsplit (reference, "\n", -1);
  g_auto (GStrv) our_lines = g_strsplit (ours, "\n", -1);

  for (guint i = 0; reference_lines[i] != NULL && our_lines[i] != NULL; i++)
    {
      if (g_strcmp0 (reference_lines[i], our_lines[i]) != 0)
        g_error ("line %u: pcscd \"%s\", %s \"%s\"", i + 1, reference_lines[i], host, our_lines[i]);
    }
  g_assert_cmpuint (g_strv_length (reference_lines), ==, g_strv_length (our_lines));
}

static void
test_compare (gconstpointer user_data)
{
  const Setup *setup = user_data;
  const char *scenario = setup->part10 ? part10_path : scenario_path;
  g_autofree char *reference = run_scenario ("pcscd", setup->reader, setup->name, scenario);
  g_autofree char *ours = run_scenario ("scardbusd", setup->reader, setup->name, scenario);
  g_autofree char *socket = run_scenario ("socket", setup->reader, setup->name, scenario);

  /* The whole session ran on each. */
  g_assert_nonnull (g_strrstr (reference, "SCardIsValidContext: Invalid handle."));
  compare (reference, "scardbusd", ours);
  compare (reference, "scardbusd's pcscd socket", socket);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 4)
    g_error ("usage: %s SCARDBUS-SIM SCENARIO PART10", argv[0]);
  sim_path = argv[1];
  scenario_path = argv[2];
  part10_path = argv[3];
  static const Setup t1 = { "tpdu:t1", "Gemalto PC Twin Reader 00 00" };
  static const Setup t0 = { "short-apdu:t0", "SCM Microsystems Inc. SCR 3310 00 00" };

  g_test_add_data_func ("/winscard/reference/tpdu-t1", &t1, test_compare);
  g_test_add_data_func ("/winscard/reference/short-apdu-t0", &t0, test_compare);

  /* PC/SC part 10: every exchange level, with and without a PIN pad. */
  static const Setup p10[] = {
    { "tpdu:t1", "Gemalto PC Twin Reader 00 00", TRUE },
    { "short-apdu:t0", "SCM Microsystems Inc. SCR 3310 00 00", TRUE },
    { "extended-apdu:t1", "Cherry GmbH SmartTerminal ST-2xxx 00 00", TRUE },
    { "pinpad:t1", "INGENICO Leo 00 00", TRUE },
    { "pinpad:t0", "INGENICO Leo 00 00", TRUE },
    { "pinpad-tpdu:t1", "C3PO KBR36 00 00", TRUE },
    { "pinpad-tpdu:t0", "C3PO KBR36 00 00", TRUE },
    { "pinpad-extended:t1", "VASCO DIGIPASS 920 00 00", TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (p10); i++)
    {
      g_autofree char *path = g_strdup_printf ("/winscard/reference/part10/%s", p10[i].reader);

      g_strdelimit (path + strlen ("/winscard/reference/part10/"), ":", '-');
      g_test_add_data_func (path, &p10[i], test_compare);
    }
  return g_test_run ();
}

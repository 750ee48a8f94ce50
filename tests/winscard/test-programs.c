/* test-programs.c: unmodified Debian PC/SC programs on the WinSCard library,
 * or on Debian's own libpcsclite over scardbusd's pcscd socket
 *
 * The COMMAND of a scardbus-sim run with reader 0 = tpdu:t1 (meson.build).
 * Each program runs with LD_LIBRARY_PATH at our libpcsclite.so.1 (scdaemon
 * through pcsc-driver); with "socket" after the arguments, LD_LIBRARY_PATH
 * is unset and Debian's libpcsclite (LIBPCSCLITE) reaches scardbusd at the
 * sim's PCSCLITE_CSOCK_NAME. The checks are on what it prints.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#define READER "Gemalto PC Twin Reader 00 00"

static const char *sim_path;
static const char *library_path;
static const char *pyscard_script;
static const char *python;
static char *tmpdir;
static gboolean over_socket;

typedef struct
{
  char *out;
  char *err;
  int status;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static char **
program_environ (void)
{
  g_autofree char *dir = g_path_get_dirname (library_path);
  g_autofree char *cache = g_build_filename (tmpdir, "cache", NULL);
  char **env = g_get_environ ();

  if (over_socket)
    env = g_environ_unsetenv (env, "LD_LIBRARY_PATH");
  else
    env = g_environ_setenv (env, "LD_LIBRARY_PATH", dir, TRUE);
  /* ATR_analysis reads its list from here and would try to download a
   * fresh one when the ATR is unknown and the file is old. */
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  env = g_environ_setenv (env, "GNUPGHOME", tmpdir, TRUE);
  return env;
}

static void
run_program (const char *const *argv, const char *input, Run *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_auto (GStrv) env = program_environ ();

  launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                   | (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0));
  g_subprocess_launcher_set_environ (launcher, env);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process)
                                                     : 128 + g_subprocess_get_term_sig (process);
  g_test_message ("%s -> %d\n--- stdout\n%s\n--- stderr\n%s", argv[0], run->status, run->out,
                  run->err);
}

static void
sim_ctl (const char *command, const char *argument)
{
  const char *argv[] = { sim_path, "ctl", command, argument, NULL };
  g_auto (Run) run = { 0 };

  run_program (argv, NULL, &run);
  g_assert_cmpint (run.status, ==, 0);
}

static gpointer
remove_and_insert (gpointer user_data)
{
  g_usleep (2000 * 1000);
  sim_ctl ("remove", "0");
  g_usleep (500 * 1000);
  {
    const char *argv[] = { sim_path, "ctl", "insert", "0", "t1", NULL };
    g_auto (Run) run = { 0 };

    run_program (argv, NULL, &run);
    g_assert_cmpint (run.status, ==, 0);
  }
  return NULL;
}

static void
test_pcsc_scan (void)
{
  const char *argv[] = { "pcsc_scan", "-t", "6", NULL };
  g_auto (Run) run = { 0 };
  g_autofree char *removed = NULL;
  g_autofree char *inserted = NULL;
  const char *first;
  guint64 events;
  GThread *thread = g_thread_new ("ctl", remove_and_insert, NULL);

  run_program (argv, NULL, &run);
  g_thread_join (thread);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Using reader plug'n play mechanism"));
  g_assert_nonnull (strstr (run.out, "0: " READER));
  /* The card at start, its removal and its insertion, each with the
   * reader's next event number. */
  first = strstr (run.out, "Event number: ");
  g_assert_nonnull (first);
  events = g_ascii_strtoull (first + strlen ("Event number: "), NULL, 10);
  g_assert_cmpuint (events, >, 0);
  removed = g_strdup_printf ("Event number: %" G_GUINT64_FORMAT "\n  Card state: Card removed",
                             events + 1);
  inserted = g_strdup_printf ("Event number: %" G_GUINT64_FORMAT "\n  Card state: Card inserted",
                              events + 2);
  g_assert_nonnull (strstr (first, "Card state: Card inserted"));
  g_assert_nonnull (strstr (first, removed));
  g_assert_nonnull (strstr (first, inserted));
  g_assert_nonnull (strstr (run.out, "ATR: 3B "));
  /* ATR_analysis ran on it. */
  g_assert_nonnull (strstr (run.out, "+ TS = 3B --> Direct Convention"));
}

static gpointer
plug_and_unplug (gpointer user_data)
{
  const char *plug[] = { sim_path, "ctl", "plug", "short-apdu:t0", NULL };
  g_auto (Run) run = { 0 };
  g_autofree char *index = NULL;

  g_usleep (2000 * 1000);
  run_program (plug, NULL, &run);
  g_assert_cmpint (run.status, ==, 0);
  index = g_strstrip (g_strdup (run.out));
  g_usleep (1000 * 1000);
  sim_ctl ("unplug", index);
  return NULL;
}

/* pcsc_scan's "\\?PnP?\Notification" loop sees a reader come and go. */
static void
test_pcsc_scan_hotplug (void)
{
  const char *argv[] = { "pcsc_scan", "-n", "-t", "6", NULL };
  g_auto (Run) run = { 0 };
  GThread *thread = g_thread_new ("ctl", plug_and_unplug, NULL);
  const char *added;

  run_program (argv, NULL, &run);
  g_thread_join (thread);
  g_assert_cmpint (run.status, ==, 0);
  added = strstr (run.out, ": SCM Microsystems Inc. SCR 3310");
  g_assert_nonnull (added);
  /* Listed again after the unplug, with the first reader only. */
  g_assert_nonnull (strstr (added, "Scanning present readers...\n0: " READER));
  g_assert_nonnull (strstr (added, "ATR: 3B 19 11"));
}

static void
test_scriptor (void)
{
  const char *argv[] = { "scriptor", "-r", READER, NULL };
  g_auto (Run) run = { 0 };

  run_program (argv, "00 A4 04 00 00\n00 B0 00 00 10\n", &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Using T=1 protocol"));
  g_assert_nonnull (strstr (run.out, "> 00 A4 04 00 00\n< "));
  g_assert_nonnull (strstr (run.out, "> 00 B0 00 00 10\n< "));
}

static void
test_opensc (void)
{
  const char *list[] = { "opensc-tool", "-l", NULL };
  const char *atr[] = { "opensc-tool", "-a", NULL };
  g_auto (Run) listed = { 0 };
  g_auto (Run) answered = { 0 };

  run_program (list, NULL, &listed);
  g_assert_cmpint (listed.status, ==, 0);
  g_assert_nonnull (strstr (listed.out, "0    Yes"));
  g_assert_nonnull (strstr (listed.out, READER));
  run_program (atr, NULL, &answered);
  g_assert_cmpint (answered.status, ==, 0);
  g_assert_true (g_str_has_prefix (answered.out, "3b:") || strstr (answered.out, "\n3b:") != NULL);
}

static void
test_pyscard (void)
{
  const char *argv[] = { python, pyscard_script, sim_path, NULL };
  g_auto (Run) run = { 0 };

  run_program (argv, NULL, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "card monitor: inserted, removed, inserted"));
  g_assert_nonnull (strstr (run.out, "\nok\n"));
}

static void
test_gpg (void)
{
  g_autofree char *conf = g_build_filename (tmpdir, "scdaemon.conf", NULL);
  g_autofree char *log = g_build_filename (tmpdir, "scdaemon.log", NULL);
  g_autofree char *contents = g_strdup_printf (
      "disable-ccid\npcsc-driver %s\nlog-file %s\ndebug-level basic\n", library_path, log);
  g_autofree char *logged = NULL;
  const char *status[] = { "gpg", "--batch", "--card-status", NULL };
  const char *kill[] = { "gpgconf", "--kill", "all", NULL };
  g_auto (Run) run = { 0 };
  g_auto (Run) killed = { 0 };

  g_assert_true (g_file_set_contents (conf, contents, -1, NULL));
  run_program (status, NULL, &run);
  run_program (kill, NULL, &killed);
  /* Not an OpenPGP card: "not available" is the right end, after scdaemon
   * loaded the library, found the reader and connected. */
  g_assert_cmpint (run.status, !=, 0);
  g_assert_nonnull (strstr (run.err, "OpenPGP card not available"));
  g_assert_true (g_file_get_contents (log, &logged, NULL, NULL));
  g_assert_nonnull (strstr (logged, "detected reader '" READER "'"));
  g_assert_nonnull (strstr (logged, "active protocol: T1"));
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = NULL;
  g_autofree char *list = NULL;
  int rv;

  g_test_init (&argc, &argv, NULL);
  if (argc < 5)
    g_error ("usage: %s SCARDBUS-SIM LIBPCSCLITE PYSCARD-SCRIPT PYTHON|none [socket]", argv[0]);
  sim_path = argv[1];
  library_path = argv[2];
  pyscard_script = argv[3];
  python = argv[4];
  over_socket = argc > 5 && g_str_equal (argv[5], "socket");
  if (over_socket)
    g_assert_nonnull (g_getenv ("PCSCLITE_CSOCK_NAME"));
  tmpdir = g_dir_make_tmp ("winscard-programs-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  g_assert_cmpint (g_chmod (tmpdir, 0700), ==, 0);
  cache = g_build_filename (tmpdir, "cache", NULL);
  g_assert_cmpint (g_mkdir (cache, 0700), ==, 0);
  list = g_build_filename (cache, "smartcard_list.txt", NULL);
  g_assert_true (g_file_set_contents (list, "", 0, NULL));

  g_test_add_func ("/winscard/programs/pcsc_scan", test_pcsc_scan);
  g_test_add_func ("/winscard/programs/pcsc_scan-hotplug", test_pcsc_scan_hotplug);
  g_test_add_func ("/winscard/programs/scriptor", test_scriptor);
  g_test_add_func ("/winscard/programs/opensc-tool", test_opensc);
  if (g_strcmp0 (python, "none") != 0)
    g_test_add_func ("/winscard/programs/pyscard", test_pyscard);
  g_test_add_func ("/winscard/programs/gpg", test_gpg);
  rv = g_test_run ();
  {
    const char *rm[] = { "rm", "-rf", tmpdir, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                  NULL);
  }
  g_free (tmpdir);
  return rv;
}

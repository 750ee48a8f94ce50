/* sim-main.c: scardbus-sim, virtual USB CCID readers and cards
 *
 *   scardbus-sim [--reader MODEL[:CARD]]... [--allow ACTION]...
 *                [--host scardbusd|pcscd] [--host-user USER] [-- COMMAND [ARG...]]
 *   scardbus-sim ctl CMD [ARG...]
 *
 * The sim re-executes itself under libumockdev-preload.so (the testbed's
 * owner must run under it), builds the readers, a private system bus with
 * a polkit mock, starts the host under the preload, waits until the host
 * lists every reader, then runs COMMAND (without the preload) and exits
 * with its status. Everything it started is stopped by PID and its
 * temporary directory removed when COMMAND ends, on SIGINT or SIGTERM;
 * its children die with it (PR_SET_PDEATHSIG), and a janitor removes the
 * directories of a sim killed outright.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scb-testenv.h"
#include "sim-bed.h"
#include "sim-control.h"
#include "sim-host.h"

#define PRELOAD "libumockdev-preload.so"
#define ENV_SAVED_PRELOAD "SCARDBUS_SIM_SAVED_LD_PRELOAD"
#define ENV_REEXEC "SCARDBUS_SIM_REEXEC"
#define READY_TIMEOUT_MS 60000
#define DEFAULT_ACTION "org.scardbus.SmartCard1.access-card"

typedef struct
{
  GMainLoop *loop;
  int status;
  char *tmpdir;
  char *control_path;
  SimBed *bed;
  SimControl *control;
  ScbTestenv *testenv;
  SimHost *host;
  GSubprocess *command;
  GCancellable *cancellable;
  gboolean command_done;
  gboolean host_died;
  int janitor_fd; /* the write end of the janitor's pipe */
} Sim;

static gboolean
reexec_under_preload (char **argv, GError **error)
{
  const char *old = g_getenv ("LD_PRELOAD");
  g_autofree char *preload = NULL;

  if (g_getenv (ENV_REEXEC) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot run under %s (is umockdev installed?)", PRELOAD);
      return FALSE;
    }
  preload
      = old != NULL && old[0] != '\0' ? g_strconcat (PRELOAD, ":", old, NULL) : g_strdup (PRELOAD);
  g_setenv (ENV_SAVED_PRELOAD, old != NULL ? old : "", TRUE);
  g_setenv (ENV_REEXEC, "1", TRUE);
  g_setenv ("LD_PRELOAD", preload, TRUE);
  execv ("/proc/self/exe", argv);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot re-execute under %s: %s",
               PRELOAD, g_strerror (errno));
  return FALSE;
}

/* COMMAND runs as a plain client: no preload, no testbed. */
static char **
command_environ (SimHost *host, ScbTestenv *testenv, const char *control)
{
  char **envp = g_get_environ ();
  const char *saved = g_environ_getenv (envp, ENV_SAVED_PRELOAD);

  if (saved != NULL && saved[0] != '\0')
    envp = g_environ_setenv (envp, "LD_PRELOAD", saved, TRUE);
  else
    envp = g_environ_unsetenv (envp, "LD_PRELOAD");
  envp = g_environ_unsetenv (envp, ENV_SAVED_PRELOAD);
  envp = g_environ_unsetenv (envp, ENV_REEXEC);
  envp = g_environ_unsetenv (envp, "UMOCKDEV_DIR");
  envp
      = g_environ_setenv (envp, "DBUS_SYSTEM_BUS_ADDRESS", scb_testenv_get_address (testenv), TRUE);
  envp = g_environ_setenv (envp, "SCARDBUS_SIM_CONTROL", control, TRUE);
  return sim_host_client_environ (host, envp);
}

static void
command_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
on_command_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Sim *run = user_data;
  GSubprocess *process = G_SUBPROCESS (source);

  g_subprocess_wait_finish (process, result, NULL);
  if (g_subprocess_get_if_exited (process))
    run->status = g_subprocess_get_exit_status (process);
  else if (g_subprocess_get_if_signaled (process))
    run->status = 128 + g_subprocess_get_term_sig (process);
  else
    run->status = 1;
  run->command_done = TRUE;
  g_main_loop_quit (run->loop);
}

static void
on_host_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Sim *run = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (run->command_done)
    return;
  g_printerr ("scardbus-sim: the host exited (status %d)\n",
              g_subprocess_get_status (G_SUBPROCESS (source)));
  run->host_died = TRUE;
  run->status = 1;
  g_main_loop_quit (run->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  Sim *run = user_data;

  g_cancellable_cancel (run->cancellable); /* still starting up */
  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static void
print_exports (SimHost *host, ScbTestenv *testenv, const char *control, guint n_slots)
{
  g_auto (GStrv) envp = command_environ (host, testenv, control);
  const char *names[] = { "DBUS_SYSTEM_BUS_ADDRESS", "SCARDBUS_SIM_CONTROL", "PCSCLITE_CSOCK_NAME",
                          "LD_LIBRARY_PATH" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = g_environ_getenv (envp, names[i]);
      g_autofree char *quoted = NULL;

      /* LD_LIBRARY_PATH only when the host needs it changed. */
      if (value == NULL
          || (g_str_equal (names[i], "LD_LIBRARY_PATH")
              && g_strcmp0 (value, g_getenv (names[i])) == 0))
        continue;
      quoted = g_shell_quote (value);
      printf ("export %s=%s\n", names[i], quoted);
    }
  fflush (stdout);
  g_printerr ("scardbus-sim: ready, %u reader slot(s); interrupt to stop\n", n_slots);
}

static gboolean
plug_readers (SimBed *bed, char **specs, GError **error)
{
  const char *fallback[] = { "tpdu", NULL };

  for (char **s = specs != NULL && specs[0] != NULL ? specs : (char **) fallback; *s != NULL; s++)
    {
      const SimModel *model;
      SimCardKind cards[SIM_CONTROL_MAX_CARDS];
      guint n_cards;

      if (!sim_parse_reader_spec (*s, &model, cards, &n_cards, error)
          || sim_bed_plug (bed, model, cards, n_cards, error) < 0)
        return FALSE;
    }
  return TRUE;
}

static void
janitor_setup (gpointer data)
{
  setsid (); /* outside the sim's process group, which a timeout may kill whole */
}

/* Children die with the sim (PR_SET_PDEATHSIG), but its directories, the
 * bus's and umockdev's testbed only a live sim removes. For a sim killed
 * outright a janitor removes them: a shell blocked reading a pipe whose
 * write end only the sim holds (close-on-exec), so the read returns when
 * the sim is gone, however it ended. After a normal stop there is nothing
 * left to remove. */
static gboolean
start_janitor (Sim *sim, GError **error)
{
  const char *envp[] = { "PATH=/usr/bin:/bin", NULL };
  const char *argv[] = { "/bin/sh",
                         "-c",
                         "read -r _; exec rm -rf -- \"$@\"",
                         "scardbus-sim-janitor",
                         sim->tmpdir,
                         sim_bed_get_root (sim->bed),
                         scb_testenv_get_tmpdir (sim->testenv),
                         NULL };
  int fds[2];
  gboolean ok;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return FALSE;
  ok = g_spawn_async_with_pipes_and_fds (
      NULL, argv, envp, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, janitor_setup,
      NULL, fds[0], -1, -1, NULL, NULL, 0, NULL, NULL, NULL, NULL, error);
  close (fds[0]);
  if (!ok)
    {
      close (fds[1]);
      return FALSE;
    }
  sim->janitor_fd = fds[1];
  return TRUE;
}

/* --host-user: the nodes go to the user's group, as the udev rule does. */
static gboolean
give_bed_to (SimBed *bed, const char *user, GError **error)
{
  struct passwd *pw;

  if (user == NULL)
    return TRUE;
  pw = getpwnam (user);
  if (pw == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "--host-user: no user %s", user);
      return FALSE;
    }
  if (geteuid () != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "--host-user needs root: the sim gives the device nodes to %s's group", user);
      return FALSE;
    }
  return sim_bed_give_to_group (bed, pw->pw_gid, error);
}

/* --system-pcsclite */
static gboolean system_pcsclite;

static gboolean
start (Sim *sim, char **readers, char **allow, SimHostKind host_kind, const char *host_user,
       gboolean wait_readers, GError **error)
{
  const char *default_allow[] = { DEFAULT_ACTION, NULL };

  sim->tmpdir = g_dir_make_tmp ("scardbus-sim-XXXXXX", error);
  if (sim->tmpdir == NULL)
    return FALSE;
  g_chmod (sim->tmpdir, 0755); /* clients of any user reach the sockets */
  sim->control_path = g_build_filename (sim->tmpdir, "control", NULL);

  sim->bed = sim_bed_new (error);
  if (sim->bed == NULL || !give_bed_to (sim->bed, host_user, error)
      || !plug_readers (sim->bed, readers, error))
    return FALSE;
  sim->control = sim_control_new (sim->bed, sim->control_path, error);
  if (sim->control == NULL)
    return FALSE;
  sim->testenv = scb_testenv_new (NULL, error);
  if (sim->testenv == NULL
      || !scb_testenv_set_allowed (
          sim->testenv,
          allow != NULL && allow[0] != NULL ? (const char *const *) allow : default_allow, error)
      || !start_janitor (sim, error))
    return FALSE;
  sim->host = sim_host_start (host_kind, sim->testenv, sim->tmpdir, host_user, error);
  if (sim->host != NULL && system_pcsclite)
    sim_host_use_system_pcsclite (sim->host);
  return sim->host != NULL
         && sim_host_wait_ready (sim->host, wait_readers ? sim_bed_count_slots (sim->bed) : 0,
                                 READY_TIMEOUT_MS, sim->cancellable, error);
}

static gboolean
run_command (Sim *sim, char **command, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_auto (GStrv) envp = command_environ (sim->host, sim->testenv, sim->control_path);

  g_subprocess_launcher_set_environ (launcher, envp);
  g_subprocess_launcher_set_child_setup (launcher, command_child_setup, NULL, NULL);
  sim->command = g_subprocess_launcher_spawnv (launcher, (const char *const *) command, error);
  if (sim->command == NULL)
    return FALSE;
  g_subprocess_wait_async (sim->command, NULL, on_command_exited, sim);
  return TRUE;
}

/* Stops what was started, last first, by PID; removes the directory. */
static void
stop (Sim *sim)
{
  scb_testenv_stop_process (sim->command);
  g_clear_object (&sim->command);
  /* A ctl command may wait for the main thread (plug, unplug): let it finish. */
  if (sim->control != NULL)
    sim_control_stop (sim->control);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_pointer (&sim->host, sim_host_free);
  g_clear_pointer (&sim->testenv, scb_testenv_free);
  g_clear_pointer (&sim->control, sim_control_free);
  g_clear_pointer (&sim->bed, sim_bed_free);
  if (sim->tmpdir != NULL)
    scb_testenv_remove_tree (sim->tmpdir);
  g_clear_pointer (&sim->tmpdir, g_free);
  if (sim->janitor_fd >= 0)
    close (sim->janitor_fd); /* nothing left for it: it ends */
  sim->janitor_fd = -1;
  g_clear_pointer (&sim->control_path, g_free);
}

static int
run_sim (char **readers, char **allow, SimHostKind host_kind, const char *host_user,
         gboolean wait_readers, char **command)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Sim sim = { .loop = loop, .status = 1, .cancellable = cancellable, .janitor_fd = -1 };
  guint sigint = g_unix_signal_add (SIGINT, on_signal, &sim);
  guint sigterm = g_unix_signal_add (SIGTERM, on_signal, &sim);

  if (!start (&sim, readers, allow, host_kind, host_user, wait_readers, &error)
      || (command != NULL && command[0] != NULL && !run_command (&sim, command, &error)))
    {
      g_printerr ("scardbus-sim: %s\n", error->message);
      sim.status = 1;
    }
  else
    {
      g_subprocess_wait_async (sim_host_get_process (sim.host), NULL, on_host_exited, &sim);
      if (sim.command == NULL)
        {
          print_exports (sim.host, sim.testenv, sim.control_path, sim_bed_count_slots (sim.bed));
          sim.status = 0;
        }
      g_main_loop_run (loop);
      if (sim.command != NULL && !sim.command_done && !sim.host_died)
        sim.status = 128 + SIGTERM; /* interrupted before COMMAND ended */
    }
  stop (&sim);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  return sim.status;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) readers = NULL;
  g_auto (GStrv) allow = NULL;
  g_autofree char *host_name = NULL;
  g_autofree char *ready = NULL;
  g_autofree char *host_user = NULL;
  gboolean version = FALSE;
  char **command = NULL;
  g_autofree char **own_argv = NULL;
  int own_argc = 0;
  SimHostKind host_kind = SIM_HOST_SCARDBUSD;
  GOptionEntry entries[]
      = { { "reader", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &readers,
            "Plug a reader (tpdu, short-apdu, extended-apdu, multislot, no-interrupt, "
            "or @FILE[#ENTRY]: a real reader's description), "
            "holding CARD (t1, t0, mep, mute, none; default t1)",
            "MODEL[:CARD]" },
          { "allow", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &allow,
            "polkit action the mock allows (default " DEFAULT_ACTION ")", "ACTION" },
          { "host", 0, 0, G_OPTION_ARG_STRING, &host_name, "scardbusd (default) or pcscd", "HOST" },
          { "host-user", 0, 0, G_OPTION_ARG_STRING, &host_user,
            "Run scardbusd as USER, the readers' nodes given to its group (root only)", "USER" },
          { "system-pcsclite", 0, 0, G_OPTION_ARG_NONE, &system_pcsclite,
            "With scardbusd: leave LD_LIBRARY_PATH alone, so that COMMAND's programs use the "
            "system's libpcsclite, which reaches scardbusd over its pcscd socket",
            NULL },
          { "ready", 0, 0, G_OPTION_ARG_STRING, &ready,
            "Start COMMAND once the host lists every reader (readers, the default) "
            "or once it serves clients (host)",
            "readers|host" },
          { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
          { NULL } };

  if (argc >= 2 && g_str_equal (argv[1], "ctl"))
    return sim_control_client (argc - 2, argv + 2);

  /* Everything after "--" is COMMAND, untouched by option parsing. */
  own_argv = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    {
      if (i > 0 && g_str_equal (argv[i], "--"))
        {
          command = argv + i + 1;
          break;
        }
      own_argv[own_argc++] = argv[i];
    }
  context = g_option_context_new ("[-- COMMAND [ARG...]]");
  g_option_context_set_summary (
      context,
      "Virtual USB CCID smart-card readers below libusb (umockdev), a private system bus\n"
      "with a polkit mock, and a host (scardbusd, or pcscd + libccid) to run COMMAND against.\n"
      "\"scardbus-sim ctl CMD\" drives a running sim (see scardbus-sim(1)).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &own_argc, &own_argv, &error))
    {
      g_printerr ("scardbus-sim: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      printf ("scardbus-sim %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (own_argc > 1)
    {
      g_printerr ("scardbus-sim: unexpected argument \"%s\" (COMMAND goes after --)\n",
                  own_argv[1]);
      return 2;
    }
  if (host_name != NULL && g_str_equal (host_name, "pcscd"))
    host_kind = SIM_HOST_PCSCD;
  else if (host_name != NULL && !g_str_equal (host_name, "scardbusd"))
    {
      g_printerr ("scardbus-sim: --host is scardbusd or pcscd\n");
      return 2;
    }
  if (ready != NULL && !g_str_equal (ready, "readers") && !g_str_equal (ready, "host"))
    {
      g_printerr ("scardbus-sim: --ready is readers or host\n");
      return 2;
    }
  for (char **r = readers; r != NULL && *r != NULL; r++)
    {
      const SimModel *model;
      SimCardKind cards[SIM_CONTROL_MAX_CARDS];
      guint n_cards;

      if (!sim_parse_reader_spec (*r, &model, cards, &n_cards, &error))
        {
          g_printerr ("scardbus-sim: %s\n", error->message);
          return 2;
        }
    }

  if (!sim_bed_preload_active () && !reexec_under_preload (argv, &error))
    {
      g_printerr ("scardbus-sim: %s\n", error->message);
      return 1;
    }
  if (host_user != NULL && host_kind != SIM_HOST_SCARDBUSD)
    {
      g_printerr ("scardbus-sim: --host-user is for --host scardbusd only\n");
      return 2;
    }
  return run_sim (readers, allow, host_kind, host_user,
                  ready == NULL || g_str_equal (ready, "readers"), command);
}

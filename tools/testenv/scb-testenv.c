/* scb-testenv.c: a private system bus with a polkit mock, for tests and the sim
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "scb-testenv.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define STARTUP_TIMEOUT_MS 20000

struct _ScbTestenv
{
  char *tmpdir;
  char *pcsc_socket;
  char *address;
  GSubprocess *bus;
  GSubprocess *polkit;
  GPtrArray *children; /* GSubprocess, spawned for the caller */
  GDBusConnection *connection;
};

/* The parts of Debian's /usr/share/dbus-1/system.conf that matter for
 * authorization, so our own policy file is what opens the holes. The polkit
 * mock gets the holes polkitd's own policy gives it. */
static const char bus_config_template[]
    = "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
      " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
      "<busconfig>\n"
      "  <type>system</type>\n"
      "  <auth>EXTERNAL</auth>\n"
      "  <listen>unix:path=%s/system_bus_socket</listen>\n"
      "  <policy context=\"default\">\n"
      "    <allow user=\"*\"/>\n"
      "    <deny own=\"*\"/>\n"
      "    <deny send_type=\"method_call\"/>\n"
      "    <allow send_type=\"signal\"/>\n"
      "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
      "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
      "    <allow receive_type=\"method_call\"/>\n"
      "    <allow receive_type=\"method_return\"/>\n"
      "    <allow receive_type=\"error\"/>\n"
      "    <allow receive_type=\"signal\"/>\n"
      "    <allow send_destination=\"org.freedesktop.DBus\" "
      "send_interface=\"org.freedesktop.DBus\"/>\n"
      "    <allow send_destination=\"org.freedesktop.DBus\" "
      "send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
      "    <allow send_destination=\"org.freedesktop.DBus\" "
      "send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
      "    <deny send_destination=\"org.freedesktop.DBus\" "
      "send_interface=\"org.freedesktop.DBus\"\n"
      "          send_member=\"UpdateActivationEnvironment\"/>\n"
      "    <deny send_destination=\"org.freedesktop.DBus\" "
      "send_interface=\"org.freedesktop.DBus.Debug.Stats\"/>\n"
      "  </policy>\n"
      "  <policy user=\"root\">\n"
      "    <allow send_destination=\"org.freedesktop.DBus\" "
      "send_interface=\"org.freedesktop.DBus.Monitoring\"/>\n"
      "    <allow own=\"" POLKIT_NAME "\"/>\n"
      "  </policy>\n"
      "  <policy context=\"default\">\n"
      "    <allow send_destination=\"" POLKIT_NAME "\"/>\n"
      "  </policy>\n"
      "  <include>%s</include>\n"
      "</busconfig>\n";

static void
child_setup (gpointer user_data)
{
  /* Whatever happens to the test or the sim, nothing it started lives on. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocessLauncher *
make_launcher (ScbTestenv *self, const char *const *extra_env, GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  if (self->address != NULL)
    g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", self->address, TRUE);
  /* scardbusd serves pcscd's socket here, never on the machine's path. */
  g_subprocess_launcher_setenv (launcher, "PCSCLITE_CSOCK_NAME", self->pcsc_socket, FALSE);
  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup (extra_env[i]);
      char *eq = strchr (name, '=');

      if (eq == NULL)
        continue;
      *eq = '\0';
      g_subprocess_launcher_setenv (launcher, name, eq + 1, TRUE);
    }
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  return launcher;
}

void
scb_testenv_stop_process (GSubprocess *process)
{
  gint64 deadline;

  if (process == NULL || g_subprocess_get_identifier (process) == NULL)
    return;
  g_subprocess_send_signal (process, SIGTERM);
  deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_subprocess_get_identifier (process) != NULL && g_get_monotonic_time () < deadline)
    {
      /* GSubprocess reaps through the GLib worker thread. */
      g_usleep (5000);
    }
  if (g_subprocess_get_identifier (process) != NULL)
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
    }
}

gboolean
scb_testenv_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return g_unlink (path) == 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        scb_testenv_remove_tree (child);
      else
        g_unlink (child);
    }
  return g_rmdir (path) == 0;
}

void
scb_testenv_free (ScbTestenv *self)
{
  if (self == NULL)
    return;

  if (self->children != NULL)
    {
      for (guint i = 0; i < self->children->len; i++)
        scb_testenv_stop_process (g_ptr_array_index (self->children, i));
      g_ptr_array_unref (self->children);
    }
  if (self->connection != NULL)
    {
      g_dbus_connection_close_sync (self->connection, NULL, NULL);
      g_object_unref (self->connection);
    }
  scb_testenv_stop_process (self->polkit);
  g_clear_object (&self->polkit);
  scb_testenv_stop_process (self->bus);
  g_clear_object (&self->bus);
  if (self->tmpdir != NULL)
    scb_testenv_remove_tree (self->tmpdir);
  g_free (self->tmpdir);
  g_free (self->pcsc_socket);
  g_free (self->address);
  g_free (self);
}

static char *
default_policy_file (void)
{
  const char *srcdir = g_getenv ("SCB_SOURCEDIR");

  return g_build_filename (srcdir != NULL ? srcdir : SCB_SOURCEDIR, "data",
                           "org.scardbus.SmartCard1.conf", NULL);
}

static gboolean
start_bus (ScbTestenv *self, const char *policy_file, GError **error)
{
  g_autofree char *config = NULL;
  g_autofree char *config_path = g_build_filename (self->tmpdir, "system.conf", NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  if (!g_file_test (policy_file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "bus policy file %s not found",
                   policy_file);
      return FALSE;
    }
  config = g_strdup_printf (bus_config_template, self->tmpdir, policy_file);
  if (!g_file_set_contents (config_path, config, -1, error))
    return FALSE;

  launcher = make_launcher (self, NULL, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  self->bus = g_subprocess_launcher_spawn (launcher, error, "dbus-daemon", "--nofork",
                                           "--nopidfile", "--nosyslog", "--print-address=1",
                                           "--config-file", config_path, NULL);
  if (self->bus == NULL)
    return FALSE;

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->bus));
  line = g_data_input_stream_read_line (out, NULL, NULL, error);
  if (line == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "dbus-daemon exited before printing its address (is %s valid?)", policy_file);
      return FALSE;
    }
  self->address = g_strdup (g_strstrip (line));

  /* The real system bus is reachable by every user; so is this one. */
  if (g_chmod (self->tmpdir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "chmod %s: %s", self->tmpdir,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
start_polkit (ScbTestenv *self, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher
      = make_launcher (self, NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);

  /* Debian's python3, which has python3-dbusmock, whatever python3 the
   * PATH finds first. */
  self->polkit = g_subprocess_launcher_spawn (launcher, error, "/usr/bin/python3", "-m", "dbusmock",
                                              "--system", "--template", "polkitd", NULL);
  if (self->polkit == NULL)
    return FALSE;
  return scb_testenv_wait_for_name (self, POLKIT_NAME, STARTUP_TIMEOUT_MS, error);
}

ScbTestenv *
scb_testenv_new (const char *policy_file, GError **error)
{
  g_autoptr (ScbTestenv) self = g_new0 (ScbTestenv, 1);
  g_autofree char *default_policy = NULL;
  g_autofree char *pcsc_dir = NULL;

  self->children = g_ptr_array_new_with_free_func (g_object_unref);
  self->tmpdir = g_dir_make_tmp ("scardbus-testenv-XXXXXX", error);
  if (self->tmpdir == NULL)
    return NULL;
  /* Sticky and open to all, as /run/pcscd is to its daemon: scardbusd may
   * run as another user (scardbus-sim --host-user). */
  pcsc_dir = g_build_filename (self->tmpdir, "pcscd", NULL);
  if (g_mkdir (pcsc_dir, 0755) != 0 || g_chmod (pcsc_dir, 01777) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot make %s: %s", pcsc_dir,
                   g_strerror (saved));
      return NULL;
    }
  self->pcsc_socket = g_build_filename (pcsc_dir, "pcscd.comm", NULL);

  if (policy_file == NULL)
    policy_file = default_policy = default_policy_file ();
  if (!start_bus (self, policy_file, error))
    return NULL;
  if (!start_polkit (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
scb_testenv_get_address (ScbTestenv *self)
{
  return self->address;
}

const char *
scb_testenv_get_pcsc_socket (ScbTestenv *self)
{
  return self->pcsc_socket;
}

const char *
scb_testenv_get_tmpdir (ScbTestenv *self)
{
  return self->tmpdir;
}

char **
scb_testenv_get_environ (ScbTestenv *self)
{
  char **env = g_get_environ ();

  env = g_environ_setenv (env, "PCSCLITE_CSOCK_NAME", self->pcsc_socket, FALSE);
  return g_environ_setenv (env, "DBUS_SYSTEM_BUS_ADDRESS", self->address, TRUE);
}

GDBusConnection *
scb_testenv_get_connection (ScbTestenv *self, GError **error)
{
  if (self->connection == NULL)
    {
      self->connection = g_dbus_connection_new_for_address_sync (
          self->address,
          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
          NULL, NULL, error);
    }
  return self->connection;
}

gboolean
scb_testenv_set_allowed (ScbTestenv *self, const char *const *actions, GError **error)
{
  static const char *const none[] = { NULL };
  GDBusConnection *connection = scb_testenv_get_connection (self, error);
  g_autoptr (GVariant) reply = NULL;

  if (connection == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (connection, POLKIT_NAME, POLKIT_PATH,
                                       "org.freedesktop.DBus.Mock", "SetAllowed",
                                       g_variant_new ("(^as)", actions != NULL ? actions : none),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
  return reply != NULL;
}

GSubprocess *
scb_testenv_spawn_with_env (ScbTestenv *self, const char *const *argv, const char *const *extra_env,
                            GSubprocessFlags flags, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = make_launcher (self, extra_env, flags);
  GSubprocess *process = g_subprocess_launcher_spawnv (launcher, argv, error);

  if (process != NULL)
    g_ptr_array_add (self->children, g_object_ref (process));
  return process;
}

GSubprocess *
scb_testenv_spawn (ScbTestenv *self, const char *const *argv, GSubprocessFlags flags,
                   GError **error)
{
  return scb_testenv_spawn_with_env (self, argv, NULL, flags, error);
}

typedef struct
{
  gboolean appeared;
  gboolean timed_out;
} WaitData;

static void
on_name_appeared (GDBusConnection *connection, const char *name, const char *owner,
                  gpointer user_data)
{
  ((WaitData *) user_data)->appeared = TRUE;
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  ((WaitData *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
scb_testenv_wait_for_name (ScbTestenv *self, const char *name, guint timeout_ms, GError **error)
{
  GDBusConnection *connection = scb_testenv_get_connection (self, error);
  GMainContext *context = g_main_context_get_thread_default ();
  WaitData data = { FALSE, FALSE };
  g_autoptr (GSource) timeout = NULL;
  guint watch;

  if (connection == NULL)
    return FALSE;
  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, on_wait_timeout, &data, NULL);
  g_source_attach (timeout, context);
  watch = g_bus_watch_name_on_connection (connection, name, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          on_name_appeared, NULL, &data, NULL);
  while (!data.appeared && !data.timed_out)
    g_main_context_iteration (context, TRUE);
  g_bus_unwatch_name (watch);
  g_source_destroy (timeout);

  if (!data.appeared)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%s did not appear on the private bus within %u ms", name, timeout_ms);
      return FALSE;
    }
  return TRUE;
}

/* test-daemon.c: scardbusd on a private system bus, with no readers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "scb-fixture.h"
#include "scb-names.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

static GVariant *
call (ScbFixture *fixture, const char *interface_name, const char *method, GVariant *parameters,
      const char *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (fixture->bus, SCB_DBUS_NAME, SCB_DBUS_PATH, interface_name,
                                      method, parameters,
                                      reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
}

static void
test_name_owned (ScbFixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  guint32 pid = 0;
  g_autofree char *pid_text = NULL;

  reply = g_dbus_connection_call_sync (
      fixture->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "GetConnectionUnixProcessID", g_variant_new ("(s)", SCB_DBUS_NAME), G_VARIANT_TYPE ("(u)"),
      G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  pid_text = g_strdup_printf ("%u", pid);
  g_assert_cmpstr (pid_text, ==, g_subprocess_get_identifier (fixture->daemon));
}

static void
test_no_readers (ScbFixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GVariant) objects = NULL;
  g_autoptr (GVariant) readers = NULL;
  guint32 events = 0;

  reply = call (fixture, "org.freedesktop.DBus.Properties", "Get",
                g_variant_new ("(ss)", SCB_DBUS_INTERFACE_MANAGER, "ReaderEvents"), "(v)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  g_assert_cmpuint (g_variant_get_uint32 (value), ==, 1);
  g_clear_pointer (&reply, g_variant_unref);
  g_clear_pointer (&value, g_variant_unref);

  reply = call (fixture, "org.freedesktop.DBus.Properties", "Get",
                g_variant_new ("(ss)", SCB_DBUS_INTERFACE_MANAGER, "Version"), "(v)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, PACKAGE_VERSION);
  g_clear_pointer (&reply, g_variant_unref);

  reply = call (fixture, SCB_DBUS_INTERFACE_MANAGER, "GetReaders", NULL, "(uao)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u@ao)", &events, &readers);
  g_assert_cmpuint (events, ==, 1);
  g_assert_cmpuint (g_variant_n_children (readers), ==, 0);
  g_clear_pointer (&reply, g_variant_unref);

  reply = call (fixture, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                "(a{oa{sa{sv}}})", &error);
  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (objects), ==, 0);
}

static void
test_introspection (ScbFixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GDBusNodeInfo) node = NULL;
  const char *xml = NULL;

  reply = call (fixture, "org.freedesktop.DBus.Introspectable", "Introspect", NULL, "(s)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);

  scb_fixture_assert_interface_matches_xml (
      g_dbus_node_info_lookup_interface (node, SCB_DBUS_INTERFACE_MANAGER),
      "introspection/org.scardbus.SmartCard1.Manager.xml");
  g_assert_nonnull (g_dbus_node_info_lookup_interface (node, "org.freedesktop.DBus.ObjectManager"));
  g_assert_nonnull (g_dbus_node_info_lookup_interface (node, "org.freedesktop.DBus.Properties"));
}

static void
test_unknown_method (ScbFixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *err = NULL;
  const char *const argv[]
      = { "gdbus",       "call",        "--system",
          "--dest",      SCB_DBUS_NAME, "--object-path",
          SCB_DBUS_PATH, "--method",    SCB_DBUS_INTERFACE_MANAGER ".Frobnicate",
          NULL };

  reply = call (fixture, SCB_DBUS_INTERFACE_MANAGER, "Frobnicate", NULL, NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  g_assert_cmpint (scb_fixture_run (fixture, TRUE, argv, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "UnknownMethod"));
}

/* Read-only calls need no polkit action, for anyone. */
static void
test_nobody_reads (ScbFixture *fixture, gconstpointer user_data)
{
  g_autofree char *out = NULL;
  const char *const get_readers[]
      = { "gdbus",       "call",        "--system",
          "--dest",      SCB_DBUS_NAME, "--object-path",
          SCB_DBUS_PATH, "--method",    SCB_DBUS_INTERFACE_MANAGER ".GetReaders",
          NULL };
  const char *const introspect[]
      = { "busctl", "--system", "introspect", SCB_DBUS_NAME, SCB_DBUS_PATH, NULL };

  g_assert_cmpint (scb_fixture_run (fixture, TRUE, get_readers, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "(uint32 1, @ao [])\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (scb_fixture_run (fixture, TRUE, introspect, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, ".GetReaders"));
  g_assert_nonnull (strstr (out, ".ReaderEvents"));
}

/* The private bus is reachable by any user, as the real one is. */
static void
test_bus_modes (ScbFixture *fixture, gconstpointer user_data)
{
  g_autofree char *socket_path
      = g_build_filename (scb_testenv_get_tmpdir (fixture->env), "system_bus_socket", NULL);
  struct stat st;

  g_assert_cmpint (stat (scb_testenv_get_tmpdir (fixture->env), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0755);
  g_assert_cmpint (stat (socket_path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 0006, ==, 0006);
}

static void
test_nobody_cannot_own (ScbFixture *fixture, gconstpointer user_data)
{
  g_autofree char *daemon = scb_fixture_build_path ("service/scardbusd");
  g_autofree char *err = NULL;
  g_autofree char *err2 = NULL;
  const char *const argv[] = { daemon, NULL };
  const char *const request[] = { "gdbus",
                                  "call",
                                  "--system",
                                  "--dest",
                                  "org.freedesktop.DBus",
                                  "--object-path",
                                  "/org/freedesktop/DBus",
                                  "--method",
                                  "org.freedesktop.DBus.RequestName",
                                  SCB_DBUS_NAME,
                                  "4",
                                  NULL };

  g_assert_cmpint (scb_fixture_run (fixture, TRUE, argv, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "does not let this user own org.scardbus.SmartCard1"));
  g_assert_cmpint (scb_fixture_run (fixture, TRUE, request, NULL, &err2), !=, 0);
  g_assert_nonnull (strstr (err2, "AccessDenied"));
}

static void
test_signal_exit (ScbFixture *fixture, gconstpointer user_data)
{
  int signum = GPOINTER_TO_INT (user_data);

  g_subprocess_send_signal (fixture->daemon, signum);
  g_assert_cmpint (scb_fixture_wait (fixture->daemon, 5000), ==, 0);
  g_clear_object (&fixture->daemon);
}

static void
test_name_taken (ScbFixture *fixture, gconstpointer user_data)
{
  g_autofree char *daemon = scb_fixture_build_path ("service/scardbusd");
  g_autofree char *err = NULL;
  const char *const argv[] = { daemon, NULL };
  const char *const replace[] = { "--replace", NULL };
  g_autoptr (GSubprocess) second = NULL;

  g_assert_cmpint (scb_fixture_run (fixture, FALSE, argv, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "org.scardbus.SmartCard1 is already owned"));
  g_assert_nonnull (strstr (err, "--replace"));

  /* --replace takes the name; the first instance leaves cleanly. */
  second = scb_fixture_start_daemon (fixture, replace);
  g_assert_cmpint (scb_fixture_wait (fixture->daemon, 5000), ==, 0);
  g_clear_object (&fixture->daemon);
  fixture->daemon = g_steal_pointer (&second);
}

static void
test_bad_config (ScbFixture *fixture, gconstpointer user_data)
{
  g_autofree char *daemon = scb_fixture_build_path ("service/scardbusd");
  g_autofree char *path
      = g_build_filename (scb_testenv_get_tmpdir (fixture->env), "bad.conf", NULL);
  g_autofree char *missing
      = g_build_filename (scb_testenv_get_tmpdir (fixture->env), "none.conf", NULL);
  g_autofree char *err = NULL;
  g_autofree char *err2 = NULL;
  g_autofree char *expected = NULL;
  const char *const argv[] = { daemon, "--config", path, NULL };
  const char *const argv2[] = { daemon, "--config", missing, NULL };

  g_assert_true (g_file_set_contents (path, "[Readers]\n# ok\nPollInterval=soon\n", -1, NULL));
  g_assert_cmpint (scb_fixture_run (fixture, FALSE, argv, NULL, &err), ==, 1);
  expected = g_strdup_printf (
      "scardbusd: %s:3: PollInterval: “soon” is not a whole number from 100 to 60000\n", path);
  g_assert_cmpstr (err, ==, expected);

  /* A file named on the command line must exist. */
  g_assert_cmpint (scb_fixture_run (fixture, FALSE, argv2, NULL, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "cannot read the configuration"));
}

static void
test_no_bus (void)
{
  g_autofree char *daemon
      = g_build_filename (g_getenv ("SCB_BUILDDIR") ? g_getenv ("SCB_BUILDDIR") : SCB_BUILDDIR,
                          "service", "scardbusd", NULL);
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;

  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                "unix:path=/nonexistent/socket", TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, daemon, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (err, "cannot connect to the system bus"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data)                                                                      \
  g_test_add (path, ScbFixture, data, scb_fixture_setup, func, scb_fixture_teardown)
  ADD ("/daemon/name-owned", test_name_owned, NULL);
  ADD ("/daemon/no-readers", test_no_readers, NULL);
  ADD ("/daemon/introspection", test_introspection, NULL);
  ADD ("/daemon/unknown-method", test_unknown_method, NULL);
  ADD ("/daemon/nobody-reads", test_nobody_reads, NULL);
  ADD ("/daemon/bus-modes", test_bus_modes, NULL);
  ADD ("/daemon/nobody-cannot-own", test_nobody_cannot_own, NULL);
  ADD ("/daemon/sigterm", test_signal_exit, GINT_TO_POINTER (SIGTERM));
  ADD ("/daemon/sigint", test_signal_exit, GINT_TO_POINTER (SIGINT));
  ADD ("/daemon/name-taken", test_name_taken, NULL);
  ADD ("/daemon/bad-config", test_bad_config, NULL);
#undef ADD
  g_test_add_func ("/daemon/no-bus", test_no_bus);

  return g_test_run ();
}

/* test-client-restart.c: libscardbus and scardctl while scardbusd stops and
 * starts again, on the fixture's private bus (no readers, no sim: the sim
 * ends with its host).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <scardbus.h>
#include <signal.h>
#include <string.h>

#include "scb-fixture.h"

static void
wait_for_running (ScbClient *client, gboolean running)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (scb_client_get_service_running (client) != running && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (scb_client_get_service_running (client), ==, running);
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  GPtrArray *log = user_data;

  g_ptr_array_add (log, g_strdup_printf ("%s=%d", pspec->name,
                                         scb_client_get_service_running (SCB_CLIENT (object))));
}

static void
test_restart (ScbFixture *fixture, gconstpointer user_data)
{
  g_autofree char *scardctl = scb_fixture_build_path ("tools/scardctl/scardctl");
  const char *watch_argv[] = { scardctl, "--json", "watch", "--count", "2", NULL };
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbClient) client = NULL;
  g_autoptr (GSubprocess) watch = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) readers = NULL;
  char *first_line = NULL;
  gsize first_len = 0;
  g_autoptr (GDataInputStream) watch_out = NULL;
  g_autofree char *first_owner = NULL;

  client = scb_client_new_for_connection_sync (fixture->bus, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (scb_client_get_service_running (client));
  g_assert_cmpuint (scb_client_get_reader_events (client), ==, 1);
  readers = scb_client_get_readers (client);
  g_assert_cmpuint (readers->len, ==, 0);
  first_owner = g_strdup (scb_client_get_service_owner (client));
  g_assert_true (first_owner != NULL && first_owner[0] == ':');
  g_signal_connect (client, "notify::service-running", G_CALLBACK (on_notify), log);

  /* scardctl watch, subscribed before the daemon goes: its first line is
   * the snapshot. */
  watch = scb_testenv_spawn (fixture->env, watch_argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  watch_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (watch));
  first_line = g_data_input_stream_read_line (watch_out, &first_len, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first_line);
  g_assert_nonnull (strstr (first_line, "\"event\": \"readers\""));
  g_free (first_line);

  g_subprocess_send_signal (fixture->daemon, SIGTERM);
  g_assert_cmpint (scb_fixture_wait (fixture->daemon, 20000), ==, 0);
  g_clear_object (&fixture->daemon);
  wait_for_running (client, FALSE);
  g_assert_null (scb_client_get_version (client));
  g_assert_null (scb_client_get_service_owner (client));
  g_assert_cmpuint (scb_client_get_reader_events (client), ==, 0);

  fixture->daemon = scb_fixture_start_daemon (fixture, NULL);
  wait_for_running (client, TRUE);
  g_assert_cmpstr (scb_client_get_version (client), ==, PACKAGE_VERSION);
  /* Another instance, and its counter from its snapshot. */
  g_assert_nonnull (scb_client_get_service_owner (client));
  g_assert_cmpstr (scb_client_get_service_owner (client), !=, first_owner);
  g_assert_cmpuint (scb_client_get_reader_events (client), ==, 1);
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log, 0), ==, "service-running=0");
  g_assert_cmpstr (g_ptr_array_index (log, 1), ==, "service-running=1");

  /* The watch saw both, and exited after its two events. */
  g_assert_cmpint (scb_fixture_wait (watch, 20000), ==, 0);
  out = g_data_input_stream_read_upto (watch_out, "", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 2);
  g_assert_nonnull (strstr (lines[0], "\"event\": \"service-stopped\""));
  g_assert_nonnull (strstr (lines[1], "\"event\": \"service-started\""));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/client/restart", ScbFixture, NULL, scb_fixture_setup, test_restart,
              scb_fixture_teardown);
  return g_test_run ();
}

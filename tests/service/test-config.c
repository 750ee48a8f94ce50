/* test-config.c: scardbusd.conf parsing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-config.h"

#include <gio/gio.h>

static void
test_defaults (void)
{
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (scb_config_load_data (config, "empty.conf", "", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->poll_interval_ms, ==, SCB_CONFIG_DEFAULT_POLL_INTERVAL_MS);
  g_assert_cmpuint (config->limits.connections_per_client, ==, SCB_CONFIG_DEFAULT_MAX_CONNECTIONS);
  g_assert_cmpuint (config->limits.connections_per_user, ==, 256);
  g_assert_cmpuint (config->limits.channels_per_connection, ==, 4);
  g_assert_cmpuint (config->limits.channels_per_client, ==, 64);
  g_assert_cmpuint (config->limits.channels_per_user, ==, 256);
  g_assert_cmpuint (config->limits.requests_per_client, ==, 32);
  g_assert_cmpuint (config->limits.waiters_per_client, ==, 32);
  g_assert_cmpuint (config->limits.waiters, ==, 1024);
  g_assert_cmpuint (config->limits.authorizations_per_client, ==, 8);
  g_assert_cmpuint (config->limits.authorizations, ==, 16);
  g_assert_cmpuint (config->limits.reserved_fds, ==, 64);
  g_assert_cmpint (config->log_level, ==, G_LOG_LEVEL_MESSAGE);
  g_assert_false (config->log_apdu_data);
  g_assert_false (config->escape_feature);
  g_assert_cmpuint (config->ignore->len, ==, 0);
}

static void
test_installed_default_file (void)
{
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "scardbusd.conf", NULL);

  /* The shipped file is all comments: it must load and change nothing. */
  g_assert_true (scb_config_load (config, path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->poll_interval_ms, ==, SCB_CONFIG_DEFAULT_POLL_INTERVAL_MS);
  g_assert_cmpstr (config->pcsc_socket, ==, "/run/pcscd/pcscd.comm");
  g_assert_cmpuint (config->pcsc_clients, ==, 200);
  g_assert_cmpuint (config->pcsc_clients_per_user, ==, 100);
}

/* pcscd's socket: a path, or none; its client limits. */
static void
test_pcsc_socket (void)
{
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (ScbConfig) off = scb_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (scb_config_load_data (config, "x.conf",
                                       "[Daemon]\nPcscSocket=/run/other/pcscd.comm\n"
                                       "[Clients]\nMaxPcscClients=5\nMaxPcscClientsPerUser=2\n",
                                       -1, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->pcsc_socket, ==, "/run/other/pcscd.comm");
  g_assert_cmpuint (config->pcsc_clients, ==, 5);
  g_assert_cmpuint (config->pcsc_clients_per_user, ==, 2);
  g_assert_true (scb_config_load_data (off, "x.conf", "[Daemon]\nPcscSocket=\n", -1, &error));
  g_assert_cmpstr (off->pcsc_socket, ==, "");
}

static void
test_values (void)
{
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (GError) error = NULL;
  const char *data = "# a comment\n"
                     "[Daemon]\n"
                     "LogLevel = debug\n"
                     "LogApduData=true\n"
                     "\n"
                     "[Readers]\n"
                     "Ignore=08e6:3437; 04E6:5116;\n"
                     "PollInterval=250\n"
                     "EscapeFeature=true\n"
                     "[Clients]\n"
                     "MaxConnectionsPerClient=7\n"
                     "MaxConnectionsPerUser=1000\n"
                     "MaxChannelsPerClient=1000\n"
                     "MaxPendingAuthorizations=100\n";

  g_assert_true (scb_config_load_data (config, "x.conf", data, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (config->log_level, ==, G_LOG_LEVEL_DEBUG);
  g_assert_true (config->log_apdu_data);
  g_assert_true (config->escape_feature);
  g_assert_cmpuint (config->poll_interval_ms, ==, 250);
  g_assert_cmpuint (config->limits.connections_per_client, ==, 7);
  g_assert_cmpuint (config->limits.connections_per_user, ==, 1000);
  g_assert_cmpuint (config->limits.channels_per_client, ==, 1000);
  g_assert_cmpuint (config->limits.authorizations, ==, 100);
  g_assert_cmpuint (config->limits.channels_per_connection, ==,
                    SCB_CONFIG_DEFAULT_MAX_CHANNELS_PER_CONNECTION);
  g_assert_cmpuint (config->ignore->len, ==, 2);
  g_assert_true (scb_config_is_ignored (config, 0x08e6, 0x3437));
  g_assert_true (scb_config_is_ignored (config, 0x04e6, 0x5116));
  g_assert_false (scb_config_is_ignored (config, 0x08e6, 0x3438));
}

static void
test_missing_file (void)
{
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (scb_config_load (config, "/nonexistent/scardbusd.conf", TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (scb_config_load (config, "/nonexistent/scardbusd.conf", FALSE, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

typedef struct
{
  const char *data;
  const char *message; /* what the error must say, FILE:LINE included */
} BadCase;

static const BadCase bad_cases[] = {
  { "[Readers]\nPollInterval=fast\n",
    "bad.conf:2: PollInterval: “fast” is not a whole number from 100 to 60000" },
  { "[Readers]\nPollInterval=99\n",
    "bad.conf:2: PollInterval: “99” is not a whole number from 100 to 60000" },
  { "[Readers]\nPollInterval=60001\n",
    "bad.conf:2: PollInterval: “60001” is not a whole number from 100 to 60000" },
  { "\n\n[Readers\n", "bad.conf:3: a group header must read [Name]" },
  { "[]\n", "bad.conf:1: a group header must read [Name]" },
  { "[Daemon]\nLogLevel=loud\n",
    "bad.conf:2: LogLevel: “loud” is not a log level (error, warning, message, info, debug)" },
  { "[Daemon]\nLogApduData=yes\n", "bad.conf:2: LogApduData: “yes” is not true or false" },
  { "[Readers]\nEscapeFeature=1\n", "bad.conf:2: EscapeFeature: “1” is not true or false" },
  { "[Daemon]\njust words\n",
    "bad.conf:2: “just words” is not KEY=VALUE, a [Group] or a # comment" },
  { "Ignore=08e6:3437\n", "bad.conf:1: key Ignore comes before any [Group]" },
  { "[Deamon]\n", "bad.conf:1: unknown group [Deamon] (known: [Daemon], [Readers], [Clients])" },
  { "[Readers]\nIgnor=08e6:3437\n", "bad.conf:2: unknown key Ignor in [Readers]" },
  { "[Readers]\nIgnore=8e6:3437\n", "bad.conf:2: Ignore: “8e6:3437” is not a USB id: write VID:PID "
                                    "in hexadecimal, e.g. 08e6:3437" },
  { "[Readers]\nIgnore=08e6-3437\n", "bad.conf:2: Ignore: “08e6-3437” is not a USB id: write "
                                     "VID:PID in hexadecimal, e.g. 08e6:3437" },
  { "[Readers]\nIgnore=08g6:3437\n", "bad.conf:2: Ignore: “08g6:3437” is not a USB id: write "
                                     "VID:PID in hexadecimal, e.g. 08e6:3437" },
  { "[Clients]\nMaxConnectionsPerClient=0\n",
    "bad.conf:2: MaxConnectionsPerClient: “0” is not a whole number from 1 to 4096" },
  { "[Clients]\nMaxConnectionsPerClient=2\nMaxConnectionsPerClient=3\n",
    "bad.conf:3: key MaxConnectionsPerClient appears twice in [Clients]" },
  { "[Daemon]\nLogLevel=\xff\n", "bad.conf:2: the file is not UTF-8 text" },
  { "[Clients]\nMaxPendingAuthorizations=101\n",
    "bad.conf:2: MaxPendingAuthorizations: “101” is not a whole number from 1 to 100" },
  { "[Clients]\nMaxQueuedRequestsPerClient=0\n",
    "bad.conf:2: MaxQueuedRequestsPerClient: “0” is not a whole number from 1 to 1000000" },
  { "[Daemon]\nReservedFds=8\n",
    "bad.conf:2: ReservedFds: “8” is not a whole number from 16 to 65536" },
  { "[Daemon]\nPcscSocket=run/pcscd.comm\n",
    "bad.conf:2: PcscSocket: “run/pcscd.comm” is not an absolute path (or empty, for no pcscd "
    "socket)" },
  { "[Clients]\nMaxPcscClients=0\n",
    "bad.conf:2: MaxPcscClients: “0” is not a whole number from 1 to 1000000" },
};

static void
test_malformed (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr (ScbConfig) config = scb_config_new ();
      g_autoptr (GError) error = NULL;

      g_assert_false (scb_config_load_data (config, "bad.conf", bad_cases[i].data, -1, &error));
      g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
      g_assert_cmpstr (error->message, ==, bad_cases[i].message);
    }
}

/* The file's bytes as read: a NUL byte is an error on its line, not the end
 * of the text (what follows it is not silently dropped). */
static void
test_nul_byte (void)
{
  static const char data[] = "[Readers]\nPollInterval=250\n\0[Deamon]\n";
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (scb_config_load_data (config, "nul.conf", data, sizeof data - 1, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "nul.conf:3: the file is not UTF-8 text");
  g_clear_error (&error);

  /* Bytes after @length are not read: "250", not "2500". */
  g_assert_true (
      scb_config_load_data (config, "part.conf", "[Readers]\nPollInterval=2500", 26, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->poll_interval_ms, ==, 250);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/installed-default-file", test_installed_default_file);
  g_test_add_func ("/config/values", test_values);
  g_test_add_func ("/config/pcsc-socket", test_pcsc_socket);
  g_test_add_func ("/config/missing-file", test_missing_file);
  g_test_add_func ("/config/malformed", test_malformed);
  g_test_add_func ("/config/nul-byte", test_nul_byte);
  return g_test_run ();
}

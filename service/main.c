/* main.c: scardbusd's command line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "scb-config.h"
#include "scb-daemon.h"
#include "scb-log.h"
#include "scb-apdu-log.h"
#include "scb-pinpad.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  gboolean verbose = FALSE;
  gboolean replace = FALSE;
  gboolean version = FALSE;
  const GOptionEntry entries[]
      = { { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
            "Read the configuration from FILE (default " SCB_CONFIG_FILE ")", "FILE" },
          { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
          { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
            "Take over org.scardbus.SmartCard1 from a running instance", NULL },
          { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
          { NULL } };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (ScbDaemon) daemon = NULL;

  setlocale (LC_ALL, "");
  g_option_context_set_summary (context, "The scardbus smart-card service.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "scardbusd: %s (see --help)\n", error->message);
      return EXIT_FAILURE;
    }
  if (version)
    {
      printf ("scardbusd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  scb_log_init (G_LOG_LEVEL_MESSAGE);
  /* The default file is optional; one named on the command line is not. */
  if (!scb_config_load (config, config_path != NULL ? config_path : SCB_CONFIG_FILE,
                        config_path == NULL, &error))
    {
      fprintf (stderr, "scardbusd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  scb_log_set_max_level (verbose ? G_LOG_LEVEL_DEBUG : config->log_level);
  scb_apdu_log_set_data (config->log_apdu_data);
  scb_pinpad_set_escape_feature (config->escape_feature);
  if (config->log_apdu_data)
    g_message ("LogApduData is on: APDU data goes to the debug log (secrets excepted)");

  daemon = scb_daemon_new (g_steal_pointer (&config));
  if (!scb_daemon_start (daemon, replace, &error))
    {
      fprintf (stderr, "scardbusd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  return scb_daemon_run (daemon);
}

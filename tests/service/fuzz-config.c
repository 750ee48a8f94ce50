/* fuzz-config.c: scardbusd.conf's parser on arbitrary bytes
 *
 * The input is the file. Invariants: a file that loads leaves every value
 * within its documented range (scb-config.h); one that does not gives a
 * parse error naming the file and a line that exists.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scb-config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_limit (guint value, guint min, guint max)
{
  if (value < min || value > max)
    abort ();
}

static void
check_config (const ScbConfig *config)
{
  const ScbConfigLimits *l = &config->limits;

  if (config->log_level != G_LOG_LEVEL_ERROR && config->log_level != G_LOG_LEVEL_WARNING
      && config->log_level != G_LOG_LEVEL_MESSAGE && config->log_level != G_LOG_LEVEL_INFO
      && config->log_level != G_LOG_LEVEL_DEBUG)
    abort ();
  check_limit (config->poll_interval_ms, SCB_CONFIG_MIN_POLL_INTERVAL_MS,
               SCB_CONFIG_MAX_POLL_INTERVAL_MS);
  check_limit (l->connections_per_client, 1, SCB_CONFIG_MAX_MAX_CONNECTIONS);
  check_limit (l->connections_per_user, 1, SCB_CONFIG_MAX_LIMIT);
  check_limit (l->channels_per_connection, 1, SCB_CONFIG_MAX_LIMIT);
  check_limit (l->channels_per_client, 1, SCB_CONFIG_MAX_LIMIT);
  check_limit (l->channels_per_user, 1, SCB_CONFIG_MAX_LIMIT);
  check_limit (l->requests_per_client, 1, SCB_CONFIG_MAX_LIMIT);
  check_limit (l->waiters_per_client, 1, SCB_CONFIG_MAX_LIMIT);
  check_limit (l->waiters, 1, SCB_CONFIG_MAX_LIMIT);
  check_limit (l->authorizations_per_client, 1, SCB_CONFIG_MAX_MAX_AUTHORIZATIONS);
  check_limit (l->authorizations, 1, SCB_CONFIG_MAX_MAX_AUTHORIZATIONS);
  check_limit (l->reserved_fds, 16, 65536);
  for (guint i = 0; i < config->ignore->len; i++)
    {
      const ScbUsbId *id = &g_array_index (config->ignore, ScbUsbId, i);

      if (!scb_config_is_ignored (config, id->vendor_id, id->product_id))
        abort ();
    }
}

/* "fuzz.conf:LINE: ..." with 1 <= LINE <= the lines of the input. */
static void
check_error (const GError *error, const uint8_t *data, size_t size)
{
  static const char prefix[] = "fuzz.conf:";
  guint64 line_no;
  char *end;
  guint n_lines = 1;

  if (error == NULL || !g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE)
      || strncmp (error->message, prefix, strlen (prefix)) != 0)
    abort ();
  line_no = g_ascii_strtoull (error->message + strlen (prefix), &end, 10);
  for (size_t i = 0; i < size; i++)
    n_lines += data[i] == '\n';
  if (*end != ':' || line_no < 1 || line_no > n_lines)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (GError) error = NULL;

  if (size > 64 * 1024)
    return 0;
  if (scb_config_load_data (config, "fuzz.conf", (const char *) data, (gssize) size, &error))
    {
      if (error != NULL)
        abort ();
      check_config (config);
    }
  else
    check_error (error, data, size);
  return 0;
}

/* scb-config.c: /etc/scardbus/scardbusd.conf
 *
 * A GKeyFile. GKeyFile's own messages quote a bad line but do not number
 * it, so the file is checked line by line first and every error names
 * FILE:LINE.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-config.h"
#include "scb-log.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

typedef gboolean (*ParseFunc) (ScbConfig *self, const char *value, GError **error);

typedef struct
{
  const char *group;
  const char *key;
  ParseFunc parse;
} KeySpec;

static gboolean
parse_uint (const char *value, guint min, guint max, guint *out, GError **error)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, &number, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "“%s” is not a whole number from %u to %u", value, min, max);
      return FALSE;
    }
  *out = (guint) number;
  return TRUE;
}

static gboolean
parse_log_level (ScbConfig *self, const char *value, GError **error)
{
  if (!scb_log_level_from_string (value, &self->log_level))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "“%s” is not a log level (error, warning, message, info, debug)", value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_boolean (const char *value, gboolean *out, GError **error)
{
  if (g_strcmp0 (value, "true") == 0 || g_strcmp0 (value, "false") == 0)
    {
      *out = g_str_equal (value, "true");
      return TRUE;
    }
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "“%s” is not true or false",
               value);
  return FALSE;
}

static gboolean
parse_log_apdu_data (ScbConfig *self, const char *value, GError **error)
{
  return parse_boolean (value, &self->log_apdu_data, error);
}

static gboolean
parse_escape_feature (ScbConfig *self, const char *value, GError **error)
{
  return parse_boolean (value, &self->escape_feature, error);
}

static gboolean
parse_usb_id (const char *text, ScbUsbId *id)
{
  g_auto (GStrv) parts = g_strsplit (text, ":", -1);
  guint64 vid, pid;

  if (g_strv_length (parts) != 2 || strlen (parts[0]) != 4 || strlen (parts[1]) != 4)
    return FALSE;
  if (!g_ascii_string_to_unsigned (parts[0], 16, 0, 0xffff, &vid, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 16, 0, 0xffff, &pid, NULL))
    return FALSE;
  id->vendor_id = (guint16) vid;
  id->product_id = (guint16) pid;
  return TRUE;
}

static gboolean
parse_ignore (ScbConfig *self, const char *value, GError **error)
{
  g_auto (GStrv) items = g_strsplit (value, ";", -1);

  g_array_set_size (self->ignore, 0);
  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = g_strstrip (items[i]);
      ScbUsbId id;

      if (*item == '\0')
        continue;
      if (!parse_usb_id (item, &id))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "“%s” is not a USB id: write VID:PID in hexadecimal, e.g. 08e6:3437", item);
          return FALSE;
        }
      g_array_append_val (self->ignore, id);
    }
  return TRUE;
}

static gboolean
parse_poll_interval (ScbConfig *self, const char *value, GError **error)
{
  return parse_uint (value, SCB_CONFIG_MIN_POLL_INTERVAL_MS, SCB_CONFIG_MAX_POLL_INTERVAL_MS,
                     &self->poll_interval_ms, error);
}

static gboolean
parse_max_connections (ScbConfig *self, const char *value, GError **error)
{
  return parse_uint (value, 1, SCB_CONFIG_MAX_MAX_CONNECTIONS, &self->limits.connections_per_client,
                     error);
}

static gboolean
parse_pcsc_socket (ScbConfig *self, const char *value, GError **error)
{
  if (*value != '\0' && !g_path_is_absolute (value))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "“%s” is not an absolute path (or empty, for no pcscd socket)", value);
      return FALSE;
    }
  g_free (self->pcsc_socket);
  self->pcsc_socket = g_strdup (value);
  return TRUE;
}

static gboolean
parse_pcsc_clients (ScbConfig *self, const char *value, GError **error)
{
  return parse_uint (value, 1, SCB_CONFIG_MAX_LIMIT, &self->pcsc_clients, error);
}

static gboolean
parse_pcsc_clients_per_user (ScbConfig *self, const char *value, GError **error)
{
  return parse_uint (value, 1, SCB_CONFIG_MAX_LIMIT, &self->pcsc_clients_per_user, error);
}

/* One parser per limit key: the field, its range. */
#define LIMIT_PARSER(name, field, min, max)                                                        \
  static gboolean name (ScbConfig *self, const char *value, GError **error)                        \
  {                                                                                                \
    return parse_uint (value, min, max, &self->limits.field, error);                               \
  }

LIMIT_PARSER (parse_connections_per_user, connections_per_user, 1, SCB_CONFIG_MAX_LIMIT)
LIMIT_PARSER (parse_channels_per_connection, channels_per_connection, 1, SCB_CONFIG_MAX_LIMIT)
LIMIT_PARSER (parse_channels_per_client, channels_per_client, 1, SCB_CONFIG_MAX_LIMIT)
LIMIT_PARSER (parse_channels_per_user, channels_per_user, 1, SCB_CONFIG_MAX_LIMIT)
LIMIT_PARSER (parse_requests_per_client, requests_per_client, 1, SCB_CONFIG_MAX_LIMIT)
LIMIT_PARSER (parse_waiters_per_client, waiters_per_client, 1, SCB_CONFIG_MAX_LIMIT)
LIMIT_PARSER (parse_waiters, waiters, 1, SCB_CONFIG_MAX_LIMIT)
LIMIT_PARSER (parse_authorizations_per_client, authorizations_per_client, 1,
              SCB_CONFIG_MAX_MAX_AUTHORIZATIONS)
LIMIT_PARSER (parse_authorizations, authorizations, 1, SCB_CONFIG_MAX_MAX_AUTHORIZATIONS)
LIMIT_PARSER (parse_reserved_fds, reserved_fds, 16, 65536)

static const KeySpec keys[] = {
  { "Daemon", "LogLevel", parse_log_level },
  { "Daemon", "LogApduData", parse_log_apdu_data },
  { "Readers", "EscapeFeature", parse_escape_feature },
  { "Readers", "Ignore", parse_ignore },
  { "Readers", "PollInterval", parse_poll_interval },
  { "Clients", "MaxConnectionsPerClient", parse_max_connections },
  { "Clients", "MaxConnectionsPerUser", parse_connections_per_user },
  { "Clients", "MaxChannelsPerConnection", parse_channels_per_connection },
  { "Clients", "MaxChannelsPerClient", parse_channels_per_client },
  { "Clients", "MaxChannelsPerUser", parse_channels_per_user },
  { "Clients", "MaxQueuedRequestsPerClient", parse_requests_per_client },
  { "Clients", "MaxTransactionWaitersPerClient", parse_waiters_per_client },
  { "Clients", "MaxTransactionWaiters", parse_waiters },
  { "Clients", "MaxPendingAuthorizationsPerClient", parse_authorizations_per_client },
  { "Clients", "MaxPendingAuthorizations", parse_authorizations },
  { "Daemon", "ReservedFds", parse_reserved_fds },
  { "Daemon", "PcscSocket", parse_pcsc_socket },
  { "Clients", "MaxPcscClients", parse_pcsc_clients },
  { "Clients", "MaxPcscClientsPerUser", parse_pcsc_clients_per_user },
};

ScbConfig *
scb_config_new (void)
{
  ScbConfig *self = g_new0 (ScbConfig, 1);

  self->log_level = G_LOG_LEVEL_MESSAGE;
  self->ignore = g_array_new (FALSE, FALSE, sizeof (ScbUsbId));
  self->poll_interval_ms = SCB_CONFIG_DEFAULT_POLL_INTERVAL_MS;
  self->pcsc_socket = g_strdup (SCB_CONFIG_DEFAULT_PCSC_SOCKET);
  self->pcsc_clients = SCB_CONFIG_DEFAULT_MAX_PCSC_CLIENTS;
  self->pcsc_clients_per_user = SCB_CONFIG_DEFAULT_MAX_PCSC_CLIENTS_PER_USER;
  self->limits = (ScbConfigLimits){
    .connections_per_client = SCB_CONFIG_DEFAULT_MAX_CONNECTIONS,
    .connections_per_user = SCB_CONFIG_DEFAULT_MAX_CONNECTIONS_PER_USER,
    .channels_per_connection = SCB_CONFIG_DEFAULT_MAX_CHANNELS_PER_CONNECTION,
    .channels_per_client = SCB_CONFIG_DEFAULT_MAX_CHANNELS_PER_CLIENT,
    .channels_per_user = SCB_CONFIG_DEFAULT_MAX_CHANNELS_PER_USER,
    .requests_per_client = SCB_CONFIG_DEFAULT_MAX_QUEUED_REQUESTS_PER_CLIENT,
    .waiters_per_client = SCB_CONFIG_DEFAULT_MAX_WAITERS_PER_CLIENT,
    .waiters = SCB_CONFIG_DEFAULT_MAX_WAITERS,
    .authorizations_per_client = SCB_CONFIG_DEFAULT_MAX_AUTHORIZATIONS_PER_CLIENT,
    .authorizations = SCB_CONFIG_DEFAULT_MAX_AUTHORIZATIONS,
    .reserved_fds = SCB_CONFIG_DEFAULT_RESERVED_FDS,
  };
  return self;
}

void
scb_config_free (ScbConfig *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->ignore);
  g_free (self->pcsc_socket);
  g_free (self);
}

static const KeySpec *
find_key (const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (g_strcmp0 (keys[i].group, group) == 0 && g_strcmp0 (keys[i].key, key) == 0)
        return &keys[i];
    }
  return NULL;
}

static gboolean
group_known (const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (g_strcmp0 (keys[i].group, group) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
line_error (GError **error, const char *path, guint line_no, const char *what)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s", path, line_no, what);
  return FALSE;
}

/* One pass over the lines: syntax, known groups and keys, values. The
 * values are taken from the line itself, as GKeyFile would (no escapes are
 * used by any of our keys). */
gboolean
scb_config_load_data (ScbConfig *self, const char *path, const char *data, gssize length,
                      GError **error)
{
  gsize size = length < 0 ? strlen (data) : (gsize) length;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *group = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *bad;

  /* A NUL byte fails too: the text would end there. */
  if (!g_utf8_validate_len (data, size, &bad))
    {
      guint line_no = 1;

      for (const char *p = data; p < bad; p++)
        line_no += *p == '\n';
      return line_error (error, path, line_no, "the file is not UTF-8 text");
    }
  text = g_strndup (data, size);
  lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint line_no = i + 1;
      char *line = g_strstrip (lines[i]);
      g_autoptr (GError) local_error = NULL;
      const KeySpec *spec;
      char *eq;
      g_autofree char *what = NULL;

      if (*line == '\0' || *line == '#')
        continue;

      if (*line == '[')
        {
          char *end = strchr (line, ']');

          if (end == NULL || end[1] != '\0' || end == line + 1)
            return line_error (error, path, line_no, "a group header must read [Name]");
          g_free (group);
          group = g_strndup (line + 1, end - line - 1);
          if (!group_known (group))
            {
              what = g_strdup_printf ("unknown group [%s] (known: [Daemon], [Readers], [Clients])",
                                      group);
              return line_error (error, path, line_no, what);
            }
          continue;
        }

      eq = strchr (line, '=');
      if (eq == NULL)
        {
          what = g_strdup_printf ("“%s” is not KEY=VALUE, a [Group] or a # comment", line);
          return line_error (error, path, line_no, what);
        }
      *eq = '\0';
      g_strchomp (line);
      if (group == NULL)
        {
          what = g_strdup_printf ("key %s comes before any [Group]", line);
          return line_error (error, path, line_no, what);
        }
      spec = find_key (group, line);
      if (spec == NULL)
        {
          what = g_strdup_printf ("unknown key %s in [%s]", line, group);
          return line_error (error, path, line_no, what);
        }
      if (!g_hash_table_add (seen, g_strdup_printf ("%s/%s", group, line)))
        {
          what = g_strdup_printf ("key %s appears twice in [%s]", line, group);
          return line_error (error, path, line_no, what);
        }
      if (!spec->parse (self, g_strchug (eq + 1), &local_error))
        {
          what = g_strdup_printf ("%s: %s", spec->key, local_error->message);
          return line_error (error, path, line_no, what);
        }
    }
  return TRUE;
}

gboolean
scb_config_load (ScbConfig *self, const char *path, gboolean missing_ok, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      if (missing_ok && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot read the configuration: ");
      return FALSE;
    }
  return scb_config_load_data (self, path, data, (gssize) length, error);
}

gboolean
scb_config_is_ignored (const ScbConfig *self, guint16 vendor_id, guint16 product_id)
{
  for (guint i = 0; i < self->ignore->len; i++)
    {
      const ScbUsbId *id = &g_array_index (self->ignore, ScbUsbId, i);

      if (id->vendor_id == vendor_id && id->product_id == product_id)
        return TRUE;
    }
  return FALSE;
}

/* scb-log.c: structured logging to stderr or the journal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-log.h"

#include <stdio.h>
#include <unistd.h>

static GLogLevelFlags max_log_level = G_LOG_LEVEL_MESSAGE;
static gboolean to_journal;

static const struct
{
  const char *name;
  GLogLevelFlags level;
} level_names[] = {
  { "error", G_LOG_LEVEL_CRITICAL },  { "warning", G_LOG_LEVEL_WARNING },
  { "message", G_LOG_LEVEL_MESSAGE }, { "info", G_LOG_LEVEL_INFO },
  { "debug", G_LOG_LEVEL_DEBUG },
};

gboolean
scb_log_level_from_string (const char *name, GLogLevelFlags *level)
{
  for (gsize i = 0; i < G_N_ELEMENTS (level_names); i++)
    {
      if (g_ascii_strcasecmp (name, level_names[i].name) == 0)
        {
          *level = level_names[i].level;
          return TRUE;
        }
    }
  return FALSE;
}

static const char *
level_prefix (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "message";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

/* GLib's levels are bits, most severe first: a level passes when its bit is
 * not above the maximum's. */
gboolean
scb_log_enabled (GLogLevelFlags level)
{
  return (level & G_LOG_LEVEL_MASK) <= max_log_level;
}

static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL;
  const char *domain = NULL;

  if (!scb_log_enabled (level))
    return G_LOG_WRITER_HANDLED;
  if (to_journal)
    return g_log_writer_journald (level, fields, n_fields, user_data);

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
    }
  if (message == NULL)
    return G_LOG_WRITER_UNHANDLED;

  fprintf (stderr, "scardbusd[%d]: %s%s%s: %s\n", (int) getpid (), domain != NULL ? domain : "",
           domain != NULL ? "-" : "", level_prefix (level), message);
  return G_LOG_WRITER_HANDLED;
}

void
scb_log_set_max_level (GLogLevelFlags max_level)
{
  max_log_level = max_level;
}

void
scb_log_init (GLogLevelFlags max_level)
{
  max_log_level = max_level;
  to_journal = g_log_writer_is_journald (fileno (stderr));
  g_log_set_writer_func (write_log, NULL, NULL);
}

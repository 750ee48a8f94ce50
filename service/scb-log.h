/* scb-log.h: structured logging to stderr or the journal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

/* Installs the log writer. Messages less severe than @max_level are dropped
 * (G_LOG_LEVEL_DEBUG shows everything). */
void scb_log_init (GLogLevelFlags max_level);
void scb_log_set_max_level (GLogLevelFlags max_level);
gboolean scb_log_enabled (GLogLevelFlags level);

/* Parses "error", "warning", "message", "info" or "debug". */
gboolean scb_log_level_from_string (const char *name, GLogLevelFlags *level);

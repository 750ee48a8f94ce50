/* scb-config.h: /etc/scardbus/scardbusd.conf
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#define SCB_CONFIG_DEFAULT_POLL_INTERVAL_MS 400
#define SCB_CONFIG_MIN_POLL_INTERVAL_MS 100
#define SCB_CONFIG_MAX_POLL_INTERVAL_MS 60000
#define SCB_CONFIG_DEFAULT_MAX_CONNECTIONS 32
#define SCB_CONFIG_MAX_MAX_CONNECTIONS 4096

typedef struct
{
  guint16 vendor_id;
  guint16 product_id;
} ScbUsbId;

typedef struct
{
  GLogLevelFlags log_level;
  gboolean log_apdu_data; /* APDU data in the debug log, secrets excepted */
  GArray *ignore;         /* ScbUsbId */
  guint poll_interval_ms;
  guint max_connections_per_client;
} ScbConfig;

ScbConfig *scb_config_new (void);
void scb_config_free (ScbConfig *self);

/* Reads @path over the defaults. A missing file is fine when @missing_ok.
 * Errors name the file and the line: "FILE:LINE: what is wrong". */
gboolean scb_config_load (ScbConfig *self, const char *path, gboolean missing_ok, GError **error);
gboolean scb_config_load_data (ScbConfig *self, const char *path, const char *data, GError **error);

gboolean scb_config_is_ignored (const ScbConfig *self, guint16 vendor_id, guint16 product_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbConfig, scb_config_free)

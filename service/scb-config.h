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

/* What one client, one user and everyone together may hold at once
 * (docs/reliability.md has the table): [Clients] keys, and the file
 * descriptors kept for readers and the bus ([Daemon] ReservedFds). */
typedef struct
{
  guint connections_per_client;
  guint connections_per_user;
  guint channels_per_connection;
  guint channels_per_client;
  guint channels_per_user;
  guint requests_per_client;
  guint waiters_per_client;
  guint waiters;
  guint authorizations_per_client;
  guint authorizations;
  guint reserved_fds;
} ScbConfigLimits;

#define SCB_CONFIG_DEFAULT_MAX_CONNECTIONS_PER_USER 256
#define SCB_CONFIG_DEFAULT_MAX_CHANNELS_PER_CONNECTION 4
#define SCB_CONFIG_DEFAULT_MAX_CHANNELS_PER_CLIENT 64
#define SCB_CONFIG_DEFAULT_MAX_CHANNELS_PER_USER 256
#define SCB_CONFIG_DEFAULT_MAX_QUEUED_REQUESTS_PER_CLIENT 32
#define SCB_CONFIG_DEFAULT_MAX_WAITERS_PER_CLIENT 32
#define SCB_CONFIG_DEFAULT_MAX_WAITERS 1024
#define SCB_CONFIG_DEFAULT_MAX_AUTHORIZATIONS_PER_CLIENT 8
#define SCB_CONFIG_DEFAULT_MAX_AUTHORIZATIONS 16
/* dbus-daemon lets one connection wait for 128 replies at most
 * (max_replies_per_connection): polkit's share stays below. */
#define SCB_CONFIG_MAX_MAX_AUTHORIZATIONS 100
#define SCB_CONFIG_DEFAULT_RESERVED_FDS 64
#define SCB_CONFIG_MAX_LIMIT 1000000

typedef struct
{
  guint16 vendor_id;
  guint16 product_id;
} ScbUsbId;

/* pcsc-lite's socket (docs/pcscd-protocol.md), and pcscd's limit of
 * clients at once (PCSC_MAX_CONTEXT_THREADS). */
#define SCB_CONFIG_DEFAULT_PCSC_SOCKET "/run/pcscd/pcscd.comm"
#define SCB_CONFIG_DEFAULT_MAX_PCSC_CLIENTS 200
#define SCB_CONFIG_DEFAULT_MAX_PCSC_CLIENTS_PER_USER 100

typedef struct
{
  GLogLevelFlags log_level;
  gboolean log_apdu_data;  /* APDU data in the debug log, secrets excepted */
  GArray *ignore;          /* ScbUsbId */
  gboolean escape_feature; /* announce FEATURE_CCID_ESC_COMMAND (scb-pinpad.h) */
  guint poll_interval_ms;
  char *pcsc_socket; /* "" when off */
  guint pcsc_clients;
  guint pcsc_clients_per_user;
  ScbConfigLimits limits;
} ScbConfig;

ScbConfig *scb_config_new (void);
void scb_config_free (ScbConfig *self);

/* Reads @path over the defaults. A missing file is fine when @missing_ok.
 * Errors name the file and the line: "FILE:LINE: what is wrong". */
gboolean scb_config_load (ScbConfig *self, const char *path, gboolean missing_ok, GError **error);
/* Parses @length bytes of @data (-1: up to its NUL) as the file @path, with
 * no I/O: the file's bytes as they are, a NUL byte is an error. */
gboolean scb_config_load_data (ScbConfig *self, const char *path, const char *data, gssize length,
                               GError **error);

gboolean scb_config_is_ignored (const ScbConfig *self, guint16 vendor_id, guint16 product_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbConfig, scb_config_free)

/* scb-limits.h: what one client, one user and everyone may hold at once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-config.h"

G_BEGIN_DECLS

/* What is counted, per client (a unique bus name) and for some per user
 * and in total. docs/reliability.md has the table of limits. */
typedef enum
{
  SCB_RESOURCE_CONNECTION,    /* per client, per user */
  SCB_RESOURCE_CHANNEL,       /* per client, per user (per connection: ScbConnection) */
  SCB_RESOURCE_REQUEST,       /* a Transmit or Control not answered yet, per client */
  SCB_RESOURCE_WAITER,        /* a waiting BeginTransaction, per client and in total */
  SCB_RESOURCE_AUTHORIZATION, /* a polkit check in progress or queued, per client */
  SCB_N_RESOURCES,
} ScbResource;

#define SCB_UID_UNKNOWN G_MAXUINT32

#define SCB_TYPE_LIMITS (scb_limits_get_type ())
G_DECLARE_FINAL_TYPE (ScbLimits, scb_limits, SCB, LIMITS, GObject)

/* One client's account: it exists while something holds a reference. */
typedef struct _ScbPeer ScbPeer;

ScbLimits *scb_limits_new (const ScbConfigLimits *config);
const ScbConfigLimits *scb_limits_get_config (ScbLimits *self);

/* Follows NameOwnerChanged on @connection with one match rule for every
 * client: when a client that holds anything leaves the bus, its account is
 * marked gone and "vanished" (owner) is emitted. */
void scb_limits_watch (ScbLimits *self, GDBusConnection *connection);
void scb_limits_unwatch (ScbLimits *self);
/* @owner left the bus (or was never on it): "vanished", and its account
 * is dropped once nothing holds it. */
void scb_limits_forget (ScbLimits *self, const char *owner);

/* @owner's account, made when it has none; a new reference. The limits
 * keep one until the owner leaves the bus. */
ScbPeer *scb_limits_get_peer (ScbLimits *self, const char *owner);
ScbPeer *scb_peer_ref (ScbPeer *peer);
void scb_peer_unref (ScbPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbPeer, scb_peer_unref)
const char *scb_peer_get_owner (ScbPeer *peer);
/* The caller's uid, once the bouncer read it (SCB_UID_UNKNOWN before). */
guint32 scb_peer_get_uid (ScbPeer *peer);
void scb_peer_set_uid (ScbPeer *peer, guint32 uid);
/* The polkit subject of a caller that is not a bus name (a socket peer
 * of another front door, with its uid set): NULL means the owner's unique
 * bus name. */
typedef struct _PolkitSubject PolkitSubject;
void scb_peer_set_subject (ScbPeer *peer, PolkitSubject *subject);
PolkitSubject *scb_peer_get_subject (ScbPeer *peer);
/* The PolkitDetails its checks carry (a Flatpak app's id), NULL for none. */
void scb_peer_set_details (ScbPeer *peer, GObject *details);
GObject *scb_peer_get_details (ScbPeer *peer);
/* It left the bus: nothing new is taken for it. */
gboolean scb_peer_is_gone (ScbPeer *peer);

/* Counts one @resource for @peer, or fails with LimitExceeded naming the
 * limit and its key (Cancelled once the peer left the bus). Refusals are
 * logged, at most one line per limit every 10 s. */
gboolean scb_peer_take (ScbPeer *peer, ScbResource resource, GError **error);
void scb_peer_release (ScbPeer *peer, ScbResource resource);
guint scb_peer_count (ScbPeer *peer, ScbResource resource);

/* Whether one more channel socket pair leaves ReservedFds descriptors
 * free below RLIMIT_NOFILE for readers plugged later and the bus; fails
 * with LimitExceeded otherwise. Counts /proc/self/fd: not for the APDU
 * path. */
gboolean scb_limits_check_fds (ScbLimits *self, GError **error);
/* Raises the soft RLIMIT_NOFILE to SCB_FD_LIMIT, or to the hard limit if
 * lower (GLib polls: no select(), no FD_SETSIZE), as LimitNOFILE= of the
 * unit does when systemd starts the daemon. */
#define SCB_FD_LIMIT 16384
void scb_limits_raise_fd_limit (void);
/* Gives freed heap memory back to the system a moment from now (once per
 * burst): after a client left holding things, or a large request. */
void scb_limits_trim_soon (ScbLimits *self);

/* A log line that may repeat at a high rate: the first is logged, the
 * others counted and summed up in one line per SCB_RATE_LOG_SECONDS. */
#define SCB_RATE_LOG_SECONDS 10
typedef struct
{
  gint64 window_end;
  guint suppressed;
  guint timeout_id;
  char *what; /* the summary's words: "N WHAT in the last 10 s" */
} ScbRateLog;

void scb_rate_log (ScbRateLog *log, GLogLevelFlags level, const char *what, const char *format, ...)
    G_GNUC_PRINTF (4, 5);
void scb_rate_log_clear (ScbRateLog *log);

G_END_DECLS

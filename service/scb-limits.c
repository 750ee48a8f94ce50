/* scb-limits.c: what one client, one user and everyone may hold at once
 *
 * Every client (unique bus name) that called has an account, a ScbPeer:
 * its uid once known (asked once, not at every call), and a count per
 * resource. The account is kept until the client leaves the bus, which
 * bounds the accounts by dbus-daemon's connections. Per-user counts
 * (connections, channels) are kept beside. The accounts are the one place
 * that knows when a client leaves the bus: one NameOwnerChanged
 * subscription (one match rule) for everybody, not one per client, since
 * dbus-daemon allows a connection 512 match rules and a client that dies
 * past that would never be cleaned up.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-limits.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <sys/resource.h>

#define TRIM_DELAY_MS 1000

typedef struct
{
  guint connections;
  guint channels;
} UserCount;

struct _ScbPeer
{
  gatomicrefcount ref_count;
  ScbLimits *limits; /* not owned: every holder of a peer holds the limits */
  char *owner;
  guint32 uid;
  GObject *subject; /* a PolkitSubject; NULL: the owner's unique bus name */
  GObject *details; /* PolkitDetails for its checks, NULL for none */
  gboolean gone;
  guint counts[SCB_N_RESOURCES];
  guint user_counts[SCB_N_RESOURCES]; /* of counts, those in the user's count too */
};

struct _ScbLimits
{
  GObject parent_instance;
  ScbConfigLimits config;
  GDBusConnection *connection;
  guint subscription;
  GHashTable *peers; /* owner -> ScbPeer, a reference until it leaves the bus */
  GHashTable *users; /* uid -> UserCount */
  guint waiters;     /* in total */
  ScbRateLog refusals[SCB_N_RESOURCES];
  ScbRateLog fd_refusals;
  guint trim_id;
};

enum
{
  SIGNAL_VANISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ScbLimits, scb_limits, G_TYPE_OBJECT)

/* ---- rate-limited logging ------------------------------------------------ */

static gboolean
on_rate_log_window (gpointer user_data)
{
  ScbRateLog *log = user_data;

  log->timeout_id = 0;
  if (log->suppressed > 0)
    g_message ("%u more %s in the last %d s", log->suppressed, log->what, SCB_RATE_LOG_SECONDS);
  log->suppressed = 0;
  return G_SOURCE_REMOVE;
}

void
scb_rate_log (ScbRateLog *log, GLogLevelFlags level, const char *what, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (log->timeout_id != 0)
    {
      log->suppressed++;
      return;
    }
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_log_structured (G_LOG_DOMAIN, level, "MESSAGE", "%s", message);
  g_free (log->what);
  log->what = g_strdup (what);
  /* One shot per burst, not a periodic timer: an idle daemon stays idle. */
  log->timeout_id = g_timeout_add_seconds (SCB_RATE_LOG_SECONDS, on_rate_log_window, log);
}

void
scb_rate_log_clear (ScbRateLog *log)
{
  g_clear_handle_id (&log->timeout_id, g_source_remove);
  g_clear_pointer (&log->what, g_free);
  log->suppressed = 0;
}

/* ---- accounts ------------------------------------------------------------ */

static UserCount *
user_count (ScbLimits *self, guint32 uid)
{
  UserCount *count;

  if (uid == SCB_UID_UNKNOWN)
    return NULL;
  count = g_hash_table_lookup (self->users, GUINT_TO_POINTER (uid));
  if (count == NULL)
    {
      count = g_new0 (UserCount, 1);
      g_hash_table_insert (self->users, GUINT_TO_POINTER (uid), count);
    }
  return count;
}

static void
user_count_drop_if_empty (ScbLimits *self, guint32 uid, UserCount *count)
{
  if (count != NULL && count->connections == 0 && count->channels == 0)
    g_hash_table_remove (self->users, GUINT_TO_POINTER (uid));
}

ScbPeer *
scb_limits_get_peer (ScbLimits *self, const char *owner)
{
  ScbPeer *peer = g_hash_table_lookup (self->peers, owner);

  if (peer != NULL)
    return scb_peer_ref (peer);
  peer = g_new0 (ScbPeer, 1);
  g_atomic_ref_count_init (&peer->ref_count);
  peer->limits = self;
  peer->owner = g_strdup (owner);
  peer->uid = SCB_UID_UNKNOWN;
  g_hash_table_insert (self->peers, peer->owner, scb_peer_ref (peer));
  return peer;
}

ScbPeer *
scb_peer_ref (ScbPeer *peer)
{
  g_atomic_ref_count_inc (&peer->ref_count);
  return peer;
}

void
scb_peer_unref (ScbPeer *peer)
{
  if (!g_atomic_ref_count_dec (&peer->ref_count))
    return;
  /* Out of the table already (it held a reference); whatever was taken
   * was released by the holders, which held references too: a client
   * that left has let go of its last buffer (its APDU in flight finished),
   * the moment to give the heap back. */
  if (peer->gone)
    scb_limits_trim_soon (peer->limits);
  g_clear_object (&peer->subject);
  g_clear_object (&peer->details);
  g_free (peer->owner);
  g_free (peer);
}

void
scb_peer_set_subject (ScbPeer *peer, PolkitSubject *subject)
{
  g_set_object (&peer->subject, (GObject *) subject);
}

void
scb_peer_set_details (ScbPeer *peer, GObject *details)
{
  g_set_object (&peer->details, details);
}

GObject *
scb_peer_get_details (ScbPeer *peer)
{
  return peer->details;
}

PolkitSubject *
scb_peer_get_subject (ScbPeer *peer)
{
  return (PolkitSubject *) peer->subject;
}

const char *
scb_peer_get_owner (ScbPeer *peer)
{
  return peer->owner;
}

guint32
scb_peer_get_uid (ScbPeer *peer)
{
  return peer->uid;
}

void
scb_peer_set_uid (ScbPeer *peer, guint32 uid)
{
  /* A unique name keeps its uid; counts taken before it was known stay
   * out of the user's count, and only authorizations come before. */
  if (peer->uid == SCB_UID_UNKNOWN)
    peer->uid = uid;
}

gboolean
scb_peer_is_gone (ScbPeer *peer)
{
  return peer->gone;
}

guint
scb_peer_count (ScbPeer *peer, ScbResource resource)
{
  return peer->counts[resource];
}

static gboolean refuse (ScbPeer *peer, ScbResource resource, GError **error, const char *key,
                        guint limit, const char *format, ...) G_GNUC_PRINTF (6, 7);

static gboolean
refuse (ScbPeer *peer, ScbResource resource, GError **error, const char *key, guint limit,
        const char *format, ...)
{
  ScbLimits *self = peer->limits;
  g_autofree char *what = NULL;
  g_autofree char *summary = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  summary = g_strdup_printf ("requests refused by %s", key);
  scb_rate_log (&self->refusals[resource], G_LOG_LEVEL_MESSAGE, summary,
                "refused a request of %s (uid %d): %s (%s=%u); further refusals of this kind "
                "are summed up every %d s",
                peer->owner, peer->uid == SCB_UID_UNKNOWN ? -1 : (int) peer->uid, what, key, limit,
                SCB_RATE_LOG_SECONDS);
  g_set_error (error, SCB_ERROR, SCB_ERROR_LIMIT_EXCEEDED,
               "%s, the most allowed (%s in [%s] of scardbusd.conf)", what, key, "Clients");
  return FALSE;
}

gboolean
scb_peer_take (ScbPeer *peer, ScbResource resource, GError **error)
{
  ScbLimits *self = peer->limits;
  const ScbConfigLimits *c = &self->config;
  UserCount *user = NULL;
  guint n = peer->counts[resource];

  if (peer->gone)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_CANCELLED, "%s left the bus", peer->owner);
      return FALSE;
    }
  switch (resource)
    {
    case SCB_RESOURCE_CONNECTION:
      if (n >= c->connections_per_client)
        return refuse (peer, resource, error, "MaxConnectionsPerClient", c->connections_per_client,
                       "%s already has %u connections", peer->owner, n);
      user = user_count (self, peer->uid);
      if (user != NULL && user->connections >= c->connections_per_user)
        return refuse (peer, resource, error, "MaxConnectionsPerUser", c->connections_per_user,
                       "uid %u already has %u connections", peer->uid, user->connections);
      if (user != NULL)
        {
          user->connections++;
          peer->user_counts[resource]++;
        }
      break;
    case SCB_RESOURCE_CHANNEL:
      if (n >= c->channels_per_client)
        return refuse (peer, resource, error, "MaxChannelsPerClient", c->channels_per_client,
                       "%s already has %u channels", peer->owner, n);
      user = user_count (self, peer->uid);
      if (user != NULL && user->channels >= c->channels_per_user)
        return refuse (peer, resource, error, "MaxChannelsPerUser", c->channels_per_user,
                       "uid %u already has %u channels", peer->uid, user->channels);
      if (user != NULL)
        {
          user->channels++;
          peer->user_counts[resource]++;
        }
      break;
    case SCB_RESOURCE_REQUEST:
      if (n >= c->requests_per_client)
        return refuse (peer, resource, error, "MaxQueuedRequestsPerClient", c->requests_per_client,
                       "%s already has %u requests waiting for the card", peer->owner, n);
      break;
    case SCB_RESOURCE_WAITER:
      if (n >= c->waiters_per_client)
        return refuse (peer, resource, error, "MaxTransactionWaitersPerClient",
                       c->waiters_per_client, "%s already waits for %u transactions", peer->owner,
                       n);
      if (self->waiters >= c->waiters)
        return refuse (peer, resource, error, "MaxTransactionWaiters", c->waiters,
                       "%u calls already wait for a transaction", self->waiters);
      self->waiters++;
      break;
    case SCB_RESOURCE_AUTHORIZATION:
      if (n >= c->authorizations_per_client)
        return refuse (peer, resource, error, "MaxPendingAuthorizationsPerClient",
                       c->authorizations_per_client, "%s already waits for %u authorization checks",
                       peer->owner, n);
      break;
    default:
      g_assert_not_reached ();
    }
  peer->counts[resource]++;
  return TRUE;
}

void
scb_peer_release (ScbPeer *peer, ScbResource resource)
{
  ScbLimits *self = peer->limits;
  UserCount *user = NULL;

  g_return_if_fail (peer->counts[resource] > 0);
  peer->counts[resource]--;
  if (peer->user_counts[resource] > peer->counts[resource])
    {
      peer->user_counts[resource]--;
      user = g_hash_table_lookup (self->users, GUINT_TO_POINTER (peer->uid));
    }
  if (user != NULL && resource == SCB_RESOURCE_CONNECTION && user->connections > 0)
    user->connections--;
  if (user != NULL && resource == SCB_RESOURCE_CHANNEL && user->channels > 0)
    user->channels--;
  user_count_drop_if_empty (self, peer->uid, user);
  if (resource == SCB_RESOURCE_WAITER && self->waiters > 0)
    self->waiters--;
}

/* ---- leaving the bus ----------------------------------------------------- */

void
scb_limits_forget (ScbLimits *self, const char *owner)
{
  ScbPeer *peer = g_hash_table_lookup (self->peers, owner);

  if (peer == NULL)
    return;
  /* Still in the table while the handlers look it up. */
  peer->gone = TRUE;
  g_debug ("%s left the bus", owner);
  g_signal_emit (self, signals[SIGNAL_VANISHED], 0, owner);
  g_hash_table_remove (self->peers, owner);
}

static void
on_name_owner_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *interface_name, const char *signal_name, GVariant *parameters,
                       gpointer user_data)
{
  ScbLimits *self = user_data;
  const char *name = NULL, *old_owner = NULL, *new_owner = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  /* A unique name that goes away never comes back. */
  if (name[0] == ':' && new_owner[0] == '\0')
    scb_limits_forget (self, name);
}

void
scb_limits_watch (ScbLimits *self, GDBusConnection *connection)
{
  g_return_if_fail (self->connection == NULL);
  self->connection = g_object_ref (connection);
  self->subscription = g_dbus_connection_signal_subscribe (
      connection, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
      "/org/freedesktop/DBus", NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner_changed, self, NULL);
}

void
scb_limits_unwatch (ScbLimits *self)
{
  if (self->connection == NULL)
    return;
  g_dbus_connection_signal_unsubscribe (self->connection, self->subscription);
  self->subscription = 0;
  g_clear_object (&self->connection);
}

/* ---- file descriptors and memory ----------------------------------------- */

void
scb_limits_raise_fd_limit (void)
{
  struct rlimit limit;
  rlim_t wanted;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return;
  /* Not to the hard limit itself (often 2^20): valgrind, for one, takes
   * seconds per million at exit. */
  wanted = MIN (limit.rlim_max, (rlim_t) SCB_FD_LIMIT);
  if (limit.rlim_cur >= wanted)
    return;
  limit.rlim_cur = wanted;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_debug ("cannot raise RLIMIT_NOFILE: %s", g_strerror (errno));
}

/* The descriptors open now; -1 when even that cannot be told (no fd left
 * for the directory). */
static int
count_open_fds (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;
  int n = 0;

  if (dir == NULL)
    return -1;
  while ((entry = readdir (dir)) != NULL)
    {
      if (entry->d_name[0] != '.')
        n++;
    }
  closedir (dir);
  return n - 1; /* the directory's own */
}

gboolean
scb_limits_check_fds (ScbLimits *self, GError **error)
{
  struct rlimit limit;
  int open_fds = count_open_fds ();
  guint64 max;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return TRUE;
  max = limit.rlim_cur;
  /* A socket pair: ours stays, the client's goes with the reply. */
  if (open_fds >= 0 && (guint64) open_fds + 2 + self->config.reserved_fds <= max)
    return TRUE;
  scb_rate_log (&self->fd_refusals, G_LOG_LEVEL_WARNING, "channels refused for lack of fds",
                "refused a channel: %d of %" G_GUINT64_FORMAT " file descriptors are open and %u "
                "are kept for readers and the bus; raise LimitNOFILE= of scardbus.service",
                open_fds, max, self->config.reserved_fds);
  g_set_error (error, SCB_ERROR, SCB_ERROR_LIMIT_EXCEEDED,
               "scardbusd has %d of its %" G_GUINT64_FORMAT " file descriptors open and keeps "
               "the last %u for readers and the bus: no channel now (use Transmit, or ask the "
               "administrator to raise LimitNOFILE= of scardbus.service)",
               open_fds, max, self->config.reserved_fds);
  return FALSE;
}

static gboolean
on_trim (gpointer user_data)
{
  ScbLimits *self = user_data;

  self->trim_id = 0;
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}

void
scb_limits_trim_soon (ScbLimits *self)
{
  if (self->trim_id == 0)
    self->trim_id = g_timeout_add (TRIM_DELAY_MS, on_trim, self);
}

/* ---- the object ---------------------------------------------------------- */

const ScbConfigLimits *
scb_limits_get_config (ScbLimits *self)
{
  return &self->config;
}

ScbLimits *
scb_limits_new (const ScbConfigLimits *config)
{
  ScbLimits *self = g_object_new (SCB_TYPE_LIMITS, NULL);

  self->config = *config;
  return self;
}

static void
scb_limits_dispose (GObject *object)
{
  ScbLimits *self = SCB_LIMITS (object);

  scb_limits_unwatch (self);
  g_hash_table_remove_all (self->peers);
  g_clear_handle_id (&self->trim_id, g_source_remove);
  for (guint i = 0; i < SCB_N_RESOURCES; i++)
    scb_rate_log_clear (&self->refusals[i]);
  scb_rate_log_clear (&self->fd_refusals);
  G_OBJECT_CLASS (scb_limits_parent_class)->dispose (object);
}

static void
scb_limits_finalize (GObject *object)
{
  ScbLimits *self = SCB_LIMITS (object);

  g_hash_table_unref (self->peers);
  g_hash_table_unref (self->users);
  G_OBJECT_CLASS (scb_limits_parent_class)->finalize (object);
}

static void
scb_limits_init (ScbLimits *self)
{
  self->peers
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) scb_peer_unref);
  self->users = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

static void
scb_limits_class_init (ScbLimitsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_limits_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_limits_finalize;
  signals[SIGNAL_VANISHED] = g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

/* scb-daemon.c: the bus connection, the well-known name and the objects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "scb-daemon.h"
#include "scb-bouncer.h"
#include "scb-error.h"
#include "scb-limits.h"
#include "scb-manager.h"
#include "scb-names.h"
#include "scb-pcscd-server.h"

#include <glib-unix.h>
#include <malloc.h>

/* org.freedesktop.DBus.RequestName flags and replies */
#define NAME_FLAG_ALLOW_REPLACEMENT 0x1
#define NAME_FLAG_REPLACE_EXISTING 0x2
#define NAME_FLAG_DO_NOT_QUEUE 0x4
#define NAME_REPLY_PRIMARY_OWNER 1
#define NAME_REPLY_EXISTS 3
#define NAME_REPLY_ALREADY_OWNER 4

struct _ScbDaemon
{
  GObject parent_instance;
  ScbConfig *config;
  GDBusConnection *connection;
  ScbLimits *limits;
  ScbBouncer *bouncer;
  ScbManager *manager;
  ScbPcscdServer *pcscd;
  GMainLoop *loop;
  int exit_status;
  guint name_lost_id;
  guint sigterm_id;
  guint sigint_id;
};

G_DEFINE_TYPE (ScbDaemon, scb_daemon, G_TYPE_OBJECT)

/* Larger than any APDU or answer with its framing (64 KiB + a little),
 * so that the APDU path stays in the heap. */
#define SCB_MMAP_THRESHOLD (128 * 1024)

static void
quit (ScbDaemon *self, int status)
{
  self->exit_status = status;
  g_main_loop_quit (self->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  ScbDaemon *self = user_data;

  g_message ("terminating on request");
  quit (self, 0);
  return G_SOURCE_CONTINUE;
}

static void
on_name_lost (GDBusConnection *connection, const char *sender, const char *path,
              const char *interface_name, const char *signal_name, GVariant *parameters,
              gpointer user_data)
{
  ScbDaemon *self = user_data;
  const char *name = NULL;

  g_variant_get (parameters, "(&s)", &name);
  if (g_strcmp0 (name, SCB_DBUS_NAME) != 0)
    return;
  g_message ("%s was taken over by another instance (--replace); exiting", SCB_DBUS_NAME);
  quit (self, 0);
}

static void
on_connection_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
                      gpointer user_data)
{
  ScbDaemon *self = user_data;

  g_warning ("lost the connection to the system bus%s%s; exiting", error != NULL ? ": " : "",
             error != NULL ? error->message : "");
  quit (self, 1);
}

static gboolean
request_name (ScbDaemon *self, gboolean replace, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) local_error = NULL;
  guint32 flags = NAME_FLAG_ALLOW_REPLACEMENT | NAME_FLAG_DO_NOT_QUEUE;
  guint32 result;

  if (replace)
    flags |= NAME_FLAG_REPLACE_EXISTING;

  /* Startup only: the objects are exported, nothing else is waiting. */
  reply = g_dbus_connection_call_sync (
      self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "RequestName", g_variant_new ("(su)", SCB_DBUS_NAME, flags), G_VARIANT_TYPE ("(u)"),
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &local_error);
  if (reply == NULL)
    {
      if (g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
        {
          g_set_error (error, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED,
                       "the bus does not let this user own %s: run scardbusd as the "
                       "scardbus user (or root), and check that %s.conf is installed in the "
                       "bus's system.d",
                       SCB_DBUS_NAME, SCB_DBUS_NAME);
          return FALSE;
        }
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot request %s: ", SCB_DBUS_NAME);
      return FALSE;
    }

  g_variant_get (reply, "(u)", &result);
  if (result == NAME_REPLY_EXISTS)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_FAILED,
                   "%s is already owned by another scardbusd (or another program); "
                   "stop it first, or start with --replace to take over",
                   SCB_DBUS_NAME);
      return FALSE;
    }
  if (result != NAME_REPLY_PRIMARY_OWNER && result != NAME_REPLY_ALREADY_OWNER)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_FAILED, "cannot own %s (RequestName answered %u)",
                   SCB_DBUS_NAME, result);
      return FALSE;
    }
  return TRUE;
}

/* pcscd's socket, once the name is ours (a second instance leaves it to
 * the first). PCSCLITE_CSOCK_NAME names it as for pcsc-lite's own
 * programs, else PcscSocket=. Without it the bus side still serves. */
static void
start_pcscd (ScbDaemon *self)
{
  const char *path = g_getenv ("PCSCLITE_CSOCK_NAME");
  g_autoptr (GError) error = NULL;

  if (path == NULL || *path == '\0')
    path = self->config->pcsc_socket;
  if (*path == '\0' && g_getenv ("LISTEN_FDS") == NULL)
    return;
  self->pcscd = scb_pcscd_server_new (self->manager, self->config);
  if (!scb_pcscd_server_start (self->pcscd, path, &error))
    {
      g_warning ("not serving pcscd's protocol: %s", error->message);
      g_clear_object (&self->pcscd);
    }
}

gboolean
scb_daemon_start (ScbDaemon *self, gboolean replace, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  self->connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &local_error);
  if (self->connection == NULL)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_NO_SERVICE,
                   "cannot connect to the system bus (%s): is dbus-daemon running? "
                   "DBUS_SYSTEM_BUS_ADDRESS selects another bus",
                   local_error->message);
      return FALSE;
    }
  g_dbus_connection_set_exit_on_close (self->connection, FALSE);
  g_signal_connect (self->connection, "closed", G_CALLBACK (on_connection_closed), self);

  /* Before any client can call: the one NameOwnerChanged subscription. */
  self->limits = scb_limits_new (&self->config->limits);
  scb_limits_watch (self->limits, self->connection);
  self->bouncer = scb_bouncer_new (self->connection, self->limits);
  self->manager = scb_manager_new (self->bouncer, self->limits, self->config);
  if (!scb_manager_export (self->manager, self->connection, error))
    return FALSE;

  /* Subscribed before asking, so a takeover right after is not missed. */
  self->name_lost_id = g_dbus_connection_signal_subscribe (
      self->connection, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameLost",
      "/org/freedesktop/DBus", SCB_DBUS_NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_name_lost, self, NULL);
  if (!request_name (self, replace, error))
    return FALSE;

  g_message ("scardbusd %s owns %s on %s", PACKAGE_VERSION, SCB_DBUS_NAME,
             g_getenv ("DBUS_SYSTEM_BUS_ADDRESS") != NULL ? g_getenv ("DBUS_SYSTEM_BUS_ADDRESS")
                                                          : "the system bus");
  start_pcscd (self);
  return TRUE;
}

int
scb_daemon_run (ScbDaemon *self)
{
  g_main_loop_run (self->loop);
  return self->exit_status;
}

ScbDaemon *
scb_daemon_new (ScbConfig *config)
{
  ScbDaemon *self = g_object_new (SCB_TYPE_DAEMON, NULL);

  self->config = config;
  /* Channels are file descriptors: up to 16,384 (LimitNOFILE= of the
   * unit) even when started by hand, less ReservedFds kept for readers and
   * the bus. */
  scb_limits_raise_fd_limit ();
  /* A fixed threshold: buffers above it (a 30 MiB message a client sent
   * to be refused, GDBus's read buffer for it) are mapped and given back
   * when freed. glibc's moving threshold would rise to their size and keep
   * the next ones in the heap for good (docs/reliability.md). */
  mallopt (M_MMAP_THRESHOLD, SCB_MMAP_THRESHOLD);
  return self;
}

static void
scb_daemon_dispose (GObject *object)
{
  ScbDaemon *self = SCB_DAEMON (object);

  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  if (self->connection != NULL)
    {
      if (self->name_lost_id != 0)
        g_dbus_connection_signal_unsubscribe (self->connection, self->name_lost_id);
      self->name_lost_id = 0;
      g_signal_handlers_disconnect_by_data (self->connection, self);
    }
  if (self->pcscd != NULL)
    scb_pcscd_server_stop (self->pcscd);
  g_clear_object (&self->pcscd);
  if (self->manager != NULL)
    scb_manager_unexport (self->manager);
  g_clear_object (&self->manager);
  g_clear_object (&self->bouncer);
  if (self->limits != NULL)
    scb_limits_unwatch (self->limits);
  g_clear_object (&self->limits);
  if (self->connection != NULL)
    g_dbus_connection_flush_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->config, scb_config_free);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  G_OBJECT_CLASS (scb_daemon_parent_class)->dispose (object);
}

static void
scb_daemon_init (ScbDaemon *self)
{
  self->loop = g_main_loop_new (NULL, FALSE);
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, self);
  self->sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, self);
}

static void
scb_daemon_class_init (ScbDaemonClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_daemon_dispose;
}

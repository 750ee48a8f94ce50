/* scb-manager.c: /org/scardbus/SmartCard1, the Manager and the ObjectManager
 *
 * The manager follows the readers through a CcidMonitor and publishes one
 * Reader object per slot, with the counter and signal order of docs/architecture.md
 * ("Counters and event order"): an addition emits InterfacesAdded, then
 * PropertiesChanged(ReaderEvents) flushed at once, then ReaderAdded; a
 * removal the reverse. Every signal leaves on the one bus connection in
 * the order it is emitted, so a watcher sees them in that order.
 *
 * It also keeps the connections of each client (bus name), counted in the
 * client's account (scb-limits.c), and closes them when the name leaves
 * the bus (ScbLimits::vanished: one NameOwnerChanged subscription for all
 * clients, so within one message of the bus).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "scb-connection.h"
#include "scb-counter.h"
#include "scb-error.h"
#include "scb-generated.h"
#include "scb-limits.h"
#include "scb-manager.h"
#include "scb-names.h"
#include "scb-reader.h"

#include "ccid-monitor.h"
#include "ccid-quirks.h"

typedef struct
{
  char *owner;
  GPtrArray *connections; /* ScbConnection, owned */
} Client;

struct _ScbManager
{
  GObject parent_instance;
  ScbBouncer *bouncer;
  ScbLimits *limits;
  const ScbConfig *config;
  GDBusConnection *connection;
  ScbDBusManager *skeleton;
  GDBusObjectManagerServer *object_manager;
  CcidMonitor *monitor;
  GPtrArray *readers;  /* ScbReader, in the order added */
  GHashTable *clients; /* owner -> Client */
  guint next_reader;
  guint next_card;
  guint next_connection;
};

static guint readers_changed_signal;

G_DEFINE_TYPE (ScbManager, scb_manager, G_TYPE_OBJECT)

static void
get_readers_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbManager *self = SCB_MANAGER (object);
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < self->readers->len; i++)
    g_ptr_array_add (paths, (gpointer) scb_reader_get_path (g_ptr_array_index (self->readers, i)));
  g_ptr_array_add (paths, NULL);

  /* The counter and the list are read together, in one main-loop turn. */
  scb_dbus_manager_complete_get_readers (self->skeleton, invocation,
                                         scb_dbus_manager_get_reader_events (self->skeleton),
                                         (const char *const *) paths->pdata);
}

static gboolean
on_handle_get_readers (ScbDBusManager *skeleton, GDBusMethodInvocation *invocation,
                       gpointer user_data)
{
  ScbManager *self = user_data;

  scb_bouncer_check (self->bouncer, invocation, NULL, G_OBJECT (self), get_readers_allowed, NULL,
                     NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static guint32
bump_reader_events (ScbManager *self)
{
  guint32 events = scb_counter_next (scb_dbus_manager_get_reader_events (self->skeleton));

  scb_dbus_manager_set_reader_events (self->skeleton, events);
  /* PropertiesChanged now, before the ReaderAdded/InterfacesRemoved that
   * follows, not from an idle callback. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  return events;
}

static void
add_reader (ScbManager *self, CcidDevice *device, CcidSlot *slot)
{
  g_autofree char *path = g_strdup_printf (SCB_DBUS_READER_PATH_PREFIX "%u", self->next_reader++);
  g_autoptr (ScbReader) reader = scb_reader_new (self, device, slot, path);
  guint32 events;

  g_ptr_array_add (self->readers, g_object_ref (reader));
  g_dbus_object_manager_server_export (self->object_manager, scb_reader_get_object (reader));
  events = bump_reader_events (self);
  scb_dbus_manager_emit_reader_added (self->skeleton, path, scb_reader_get_name (reader), events);
  g_debug ("reader %s added at %s, ReaderEvents %u", scb_reader_get_name (reader), path, events);
  /* The slot may already know its card. */
  scb_reader_sync (reader);
  scb_manager_readers_changed (self);
}

static void
remove_reader (ScbManager *self, guint index)
{
  g_autoptr (ScbReader) reader = g_ptr_array_steal_index (self->readers, index);
  g_autofree char *path = g_strdup (scb_reader_get_path (reader));
  guint32 events;

  /* Its card goes first (CardEvents), then the reader. */
  scb_reader_shutdown (reader);
  events = scb_counter_next (scb_dbus_manager_get_reader_events (self->skeleton));
  scb_dbus_manager_emit_reader_removed (self->skeleton, path, scb_reader_get_name (reader), events);
  scb_dbus_manager_set_reader_events (self->skeleton, events);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_dbus_object_manager_server_unexport (self->object_manager, path);
  g_debug ("reader %s removed from %s, ReaderEvents %u", scb_reader_get_name (reader), path,
           events);
  scb_manager_readers_changed (self);
}

static void
on_device_added (CcidMonitor *monitor, CcidDevice *device, gpointer user_data)
{
  ScbManager *self = user_data;

  for (guint i = 0; i < ccid_device_get_n_slots (device); i++)
    add_reader (self, device, ccid_device_get_slot (device, i));
}

static void
on_device_removed (CcidMonitor *monitor, CcidDevice *device, gpointer user_data)
{
  ScbManager *self = user_data;

  for (guint i = self->readers->len; i > 0; i--)
    {
      if (scb_reader_get_device (g_ptr_array_index (self->readers, i - 1)) == device)
        remove_reader (self, i - 1);
    }
}

/* ---- clients ------------------------------------------------------------ */

static void
client_free (Client *client)
{
  g_ptr_array_unref (client->connections);
  g_free (client->owner);
  g_free (client);
}

static void
on_peer_vanished (ScbLimits *limits, const char *owner, gpointer user_data)
{
  ScbManager *self = user_data;
  Client *client = g_hash_table_lookup (self->clients, owner);
  g_autoptr (GPtrArray) connections = NULL;
  g_autoptr (ScbPeer) peer = scb_limits_get_peer (limits, owner);

  /* Its Connect calls waiting for a transaction leave the queue now. */
  for (guint i = 0; i < self->readers->len; i++)
    scb_session_drop_owner (scb_reader_get_session (g_ptr_array_index (self->readers, i)), peer);
  if (client == NULL)
    return;
  /* Closing removes each from client->connections, and the last one frees
   * the client: work on a copy. */
  connections = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < client->connections->len; i++)
    g_ptr_array_add (connections, g_object_ref (g_ptr_array_index (client->connections, i)));
  g_debug ("%s left the bus: closing its %u connection(s)", owner, connections->len);
  for (guint i = 0; i < connections->len; i++)
    scb_connection_close (g_ptr_array_index (connections, i));
}

gboolean
scb_manager_add_connection (ScbManager *self, ScbConnection *connection, GError **error)
{
  const char *owner = scb_connection_get_owner (connection);
  Client *client;

  if (!scb_peer_take (scb_connection_get_peer (connection), SCB_RESOURCE_CONNECTION, error))
    return FALSE;
  client = g_hash_table_lookup (self->clients, owner);
  if (client == NULL)
    {
      client = g_new0 (Client, 1);
      client->owner = g_strdup (owner);
      client->connections = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_insert (self->clients, client->owner, client);
    }
  g_ptr_array_add (client->connections, g_object_ref (connection));
  return TRUE;
}

void
scb_manager_remove_connection (ScbManager *self, ScbConnection *connection)
{
  Client *client = g_hash_table_lookup (self->clients, scb_connection_get_owner (connection));

  if (client == NULL || !g_ptr_array_find (client->connections, connection, NULL))
    return;
  scb_peer_release (scb_connection_get_peer (connection), SCB_RESOURCE_CONNECTION);
  g_ptr_array_remove (client->connections, connection);
  if (client->connections->len == 0)
    g_hash_table_remove (self->clients, client->owner);
}

/* ---- accessors ---------------------------------------------------------- */

ScbBouncer *
scb_manager_get_bouncer (ScbManager *self)
{
  return self->bouncer;
}

ScbLimits *
scb_manager_get_limits (ScbManager *self)
{
  return self->limits;
}

GDBusConnection *
scb_manager_get_connection (ScbManager *self)
{
  return self->connection;
}

GDBusObjectManagerServer *
scb_manager_get_object_manager (ScbManager *self)
{
  return self->object_manager;
}

char *
scb_manager_next_card_path (ScbManager *self)
{
  return g_strdup_printf (SCB_DBUS_CARD_PATH_PREFIX "%u", self->next_card++);
}

char *
scb_manager_next_connection_path (ScbManager *self)
{
  return g_strdup_printf (SCB_DBUS_CONNECTION_PATH_PREFIX "%u", self->next_connection++);
}

gboolean
scb_manager_export (ScbManager *self, GDBusConnection *connection, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  g_set_object (&self->connection, connection);
  g_dbus_object_manager_server_set_connection (self->object_manager, connection);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         SCB_DBUS_PATH, error))
    return FALSE;

  self->monitor = ccid_monitor_new ();
  {
    /* the built-in table, then the administrator's (scardbusd.conf(5)) */
    g_autoptr (CcidQuirks) quirks = ccid_quirks_load (SCB_QUIRKS_FILE, error);

    if (quirks == NULL)
      return FALSE;
    ccid_monitor_set_quirks (self->monitor, g_steal_pointer (&quirks));
  }
  ccid_monitor_set_poll_interval (self->monitor, self->config->poll_interval_ms);
  for (guint i = 0; self->config->ignore != NULL && i < self->config->ignore->len; i++)
    {
      const ScbUsbId *id = &g_array_index (self->config->ignore, ScbUsbId, i);

      ccid_monitor_add_ignored (self->monitor, id->vendor_id, id->product_id);
    }
  g_signal_connect (self->monitor, "device-added", G_CALLBACK (on_device_added), self);
  g_signal_connect (self->monitor, "device-removed", G_CALLBACK (on_device_removed), self);
  if (!ccid_monitor_start (self->monitor, &local_error))
    {
      /* No USB at all: the service still answers, with no readers. */
      g_warning ("cannot follow USB readers: %s", local_error->message);
    }
  return TRUE;
}

void
scb_manager_unexport (ScbManager *self)
{
  if (self->monitor != NULL)
    {
      ccid_monitor_stop (self->monitor);
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_clear_object (&self->monitor);
    }
  g_hash_table_remove_all (self->clients);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
}

guint32
scb_manager_get_reader_events (ScbManager *self)
{
  return scb_dbus_manager_get_reader_events (self->skeleton);
}

ScbManager *
scb_manager_new (ScbBouncer *bouncer, ScbLimits *limits, const ScbConfig *config)
{
  ScbManager *self = g_object_new (SCB_TYPE_MANAGER, NULL);

  self->bouncer = g_object_ref (bouncer);
  self->limits = g_object_ref (limits);
  self->config = config;
  g_signal_connect (limits, "vanished", G_CALLBACK (on_peer_vanished), self);
  return self;
}

static void
scb_manager_dispose (GObject *object)
{
  ScbManager *self = SCB_MANAGER (object);

  if (self->monitor != NULL)
    {
      ccid_monitor_stop (self->monitor);
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_clear_object (&self->monitor);
    }
  if (self->clients != NULL)
    g_hash_table_remove_all (self->clients);
  g_clear_pointer (&self->clients, g_hash_table_unref);
  if (self->skeleton != NULL)
    g_signal_handlers_disconnect_by_data (self->skeleton, self);
  if (self->readers != NULL)
    {
      for (guint i = 0; i < self->readers->len; i++)
        scb_reader_shutdown (g_ptr_array_index (self->readers, i));
    }
  g_clear_pointer (&self->readers, g_ptr_array_unref);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->bouncer);
  if (self->limits != NULL)
    g_signal_handlers_disconnect_by_data (self->limits, self);
  g_clear_object (&self->limits);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (scb_manager_parent_class)->dispose (object);
}

static void
scb_manager_init (ScbManager *self)
{
  self->readers = g_ptr_array_new_with_free_func (g_object_unref);
  self->clients
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) client_free);
  self->object_manager = g_dbus_object_manager_server_new (SCB_DBUS_PATH);
  self->skeleton = scb_dbus_manager_skeleton_new ();
  /* ReaderEvents counts the start-up readers too: 1 + those found. */
  scb_dbus_manager_set_reader_events (self->skeleton, scb_counter_next (0));
  scb_dbus_manager_set_version (self->skeleton, PACKAGE_VERSION);
  g_signal_connect (self->skeleton, "handle-get-readers", G_CALLBACK (on_handle_get_readers), self);
}

static void
scb_manager_class_init (ScbManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_manager_dispose;
  readers_changed_signal = g_signal_new ("readers-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

GPtrArray *
scb_manager_get_readers (ScbManager *self)
{
  return self->readers;
}

void
scb_manager_readers_changed (ScbManager *self)
{
  g_signal_emit (self, readers_changed_signal, 0);
}

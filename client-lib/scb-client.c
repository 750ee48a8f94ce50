/* scb-client.c: the scardbus service as seen by a client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client.h"
#include "scb-client-private.h"
#include "scb-error.h"
#include "scb-names.h"

#include <string.h>

/**
 * ScbClient:
 *
 * The smart-card service: its readers, their cards, and the events that
 * change them. Made on the system bus (or `DBUS_SYSTEM_BUS_ADDRESS`), it
 * subscribes to the daemon's signals, then reads one snapshot, so no event
 * is missed between the two; every later change arrives in order, counted by
 * #ScbClient:reader-events and each reader's #ScbClientReader:card-events.
 * A signal whose counter is not newer than the snapshot's (one the snapshot
 * already holds) is dropped, and the reader counter always goes with the
 * reader list it counts. When scardbusd restarts, the readers of the old
 * instance go, and those of the new one come with a fresh snapshot.
 * Signals are emitted in the thread-default main context of its maker.
 */
struct _ScbClient
{
  GObject parent_instance;
  GDBusConnection *connection;
  ScbDBusManager *manager;
  GDBusObjectManager *object_manager;
  GPtrArray *readers;    /* ScbClientReader, in the order they were added */
  GPtrArray *pending;    /* reader paths announced, not yet in the object manager */
  char *owner;           /* the unique name of the instance the readers are from */
  GCancellable *loading; /* the snapshot of a new instance, in flight */
  guint32 known_events;  /* the newest reader counter seen */
  guint32 reader_events; /* the counter that goes with @readers */
  gboolean service_running;
};

enum
{
  PROP_0,
  PROP_CONNECTION,
  PROP_VERSION,
  PROP_READER_EVENTS,
  PROP_SERVICE_RUNNING,
  N_PROPS
};

enum
{
  SIGNAL_READER_ADDED,
  SIGNAL_READER_REMOVED,
  SIGNAL_CARD_INSERTED,
  SIGNAL_CARD_REMOVED,
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE_WITH_CODE (ScbClient, scb_client, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      _scb_client_initable_iface_init)
                                   G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                          _scb_client_async_initable_iface_init))

static void
set_reader_events (ScbClient *self, guint32 value)
{
  if (self->reader_events == value)
    return;
  self->reader_events = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_READER_EVENTS]);
}

/* The newest counter, once no reader it counts is missing from the list. */
static void
publish_reader_events (ScbClient *self)
{
  if (self->pending->len == 0)
    set_reader_events (self, self->known_events);
}

static void
emit_changed (ScbClient *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_reader_changed (ScbClientReader *reader, gpointer user_data)
{
  emit_changed (user_data);
}

static void
on_card_inserted (ScbClientReader *reader, ScbClientCard *card, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_CARD_INSERTED], 0, reader, card);
}

static void
on_card_removed (ScbClientReader *reader, ScbClientCard *card, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_CARD_REMOVED], 0, reader, card);
}

static gboolean
path_in (GPtrArray *paths, const char *path, guint *index)
{
  return g_ptr_array_find_with_equal_func (paths, path, g_str_equal, index);
}

/* A reader the manager announced becomes an object once the object manager
 * has it too: they arrive in either order. The counter is published with
 * the list: the handlers of ::reader-added and of notify::reader-events see
 * both. */
static void
materialize (ScbClient *self, const char *path, gboolean emit)
{
  g_autoptr (GDBusInterface) iface = NULL;
  ScbClientReader *reader;
  guint index;

  if (scb_client_get_reader_by_path (self, path) != NULL)
    return;
  iface
      = g_dbus_object_manager_get_interface (self->object_manager, path, SCB_DBUS_INTERFACE_READER);
  if (iface == NULL)
    {
      if (!path_in (self->pending, path, NULL))
        g_ptr_array_add (self->pending, g_strdup (path));
      return;
    }
  if (path_in (self->pending, path, &index))
    g_ptr_array_remove_index (self->pending, index);
  reader = _scb_client_reader_new (SCB_DBUS_READER (iface), self->object_manager, on_reader_changed,
                                   self);
  g_signal_connect_object (reader, "card-inserted", G_CALLBACK (on_card_inserted), self, 0);
  g_signal_connect_object (reader, "card-removed", G_CALLBACK (on_card_removed), self, 0);
  g_ptr_array_add (self->readers, reader);
  if (!emit)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  publish_reader_events (self);
  g_signal_emit (self, signals[SIGNAL_READER_ADDED], 0, reader);
  g_object_thaw_notify (G_OBJECT (self));
  emit_changed (self);
}

static void
forget (ScbClient *self, const char *path)
{
  ScbClientReader *reader = scb_client_get_reader_by_path (self, path);
  guint index;

  if (path_in (self->pending, path, &index))
    g_ptr_array_remove_index (self->pending, index);
  g_object_freeze_notify (G_OBJECT (self));
  publish_reader_events (self);
  if (reader != NULL)
    {
      g_object_ref (reader);
      g_ptr_array_remove (self->readers, reader);
      _scb_client_reader_detach (reader);
      g_signal_handlers_disconnect_by_data (reader, self);
      g_signal_emit (self, signals[SIGNAL_READER_REMOVED], 0, reader);
      g_object_unref (reader);
    }
  g_object_thaw_notify (G_OBJECT (self));
  emit_changed (self);
}

/* ReaderAdded and ReaderRemoved: only those newer than what we hold. */
static gboolean
take_reader_events (ScbClient *self, guint32 events)
{
  if (!self->service_running || !_scb_counter_is_newer (events, self->known_events))
    return FALSE;
  self->known_events = events;
  return TRUE;
}

static void
on_reader_added (ScbDBusManager *manager, const char *path, const char *name, guint32 events,
                 gpointer user_data)
{
  ScbClient *self = user_data;

  if (take_reader_events (self, events))
    materialize (self, path, TRUE);
}

static void
on_reader_removed (ScbDBusManager *manager, const char *path, const char *name, guint32 events,
                   gpointer user_data)
{
  ScbClient *self = user_data;

  if (take_reader_events (self, events))
    forget (self, path);
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  ScbClient *self = user_data;
  const char *path = g_dbus_object_get_object_path (object);

  if (path_in (self->pending, path, NULL))
    materialize (self, path, self->service_running);
  for (guint i = 0; i < self->readers->len; i++)
    _scb_client_reader_object_added (g_ptr_array_index (self->readers, i), object);
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  ScbClient *self = user_data;
  const char *path = g_dbus_object_get_object_path (object);

  /* Normally ReaderRemoved came first, or the daemon left. */
  if (scb_client_get_reader_by_path (self, path) != NULL || path_in (self->pending, path, NULL))
    forget (self, path);
}

static void
add_snapshot (ScbClient *self, guint32 events, const char *const *paths, gboolean emit)
{
  self->known_events = events;
  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    materialize (self, paths[i], emit);
  publish_reader_events (self);
}

static void
notify_service_running (ScbClient *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SERVICE_RUNNING]);
  emit_changed (self);
}

/* The instance the readers came from left: they went with it. Not running
 * any more before the first reader goes, so that no ::changed handler sees
 * a running service with part of its readers. */
static void
go_offline (ScbClient *self)
{
  gboolean was_running = self->service_running;

  self->service_running = FALSE;
  g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_clear_pointer (&self->owner, g_free);
  g_ptr_array_set_size (self->pending, 0);
  self->known_events = 0;
  while (self->readers->len > 0)
    forget (self, scb_client_reader_get_object_path (
                      g_ptr_array_index (self->readers, self->readers->len - 1)));
  set_reader_events (self, 0);
  if (was_running)
    notify_service_running (self);
}

static void
on_restart_snapshot (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ScbClient) self = user_data;
  g_auto (GStrv) paths = NULL;
  g_autoptr (GError) error = NULL;
  guint32 events = 0;

  if (!scb_dbus_manager_call_get_readers_finish (SCB_DBUS_MANAGER (source), &events, &paths, result,
                                                 &error))
    {
      /* Cancelled: the instance left already, and @loading is another's. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Not running until the next instance comes. */
      g_debug ("GetReaders after the service restarted: %s", error->message);
      g_clear_object (&self->loading);
      return;
    }
  g_clear_object (&self->loading);
  add_snapshot (self, events, (const char *const *) paths, TRUE);
  self->service_running = TRUE;
  notify_service_running (self);
}

/* A new owner is a new instance, whose readers come with its snapshot:
 * #ScbClient:service-running turns TRUE once they are there. */
static void
on_name_owner (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  ScbClient *self = user_data;
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->manager));

  if (g_strcmp0 (owner, self->owner) == 0)
    return;
  /* The instance that answered our first snapshot, seen by its name only
   * now (the snapshot started it). */
  if (self->owner == NULL && self->service_running && self->loading == NULL)
    {
      self->owner = g_steal_pointer (&owner);
      return;
    }
  go_offline (self);
  if (owner == NULL)
    return;
  self->owner = g_steal_pointer (&owner);
  self->loading = g_cancellable_new ();
  scb_dbus_manager_call_get_readers (self->manager, G_DBUS_CALL_FLAGS_NONE, -1, self->loading,
                                     on_restart_snapshot, g_object_ref (self));
}

void
_scb_client_setup (ScbClient *self, GDBusConnection *connection, ScbDBusManager *manager,
                   GDBusObjectManager *object_manager, guint32 events, const char *const *paths)
{
  g_set_object (&self->connection, connection);
  self->manager = g_object_ref (manager);
  self->object_manager = g_object_ref (object_manager);
  /* The snapshot answered: the service runs. */
  self->owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (manager));
  self->service_running = TRUE;
  add_snapshot (self, events, paths, FALSE);
  g_signal_connect (manager, "reader-added", G_CALLBACK (on_reader_added), self);
  g_signal_connect (manager, "reader-removed", G_CALLBACK (on_reader_removed), self);
  g_signal_connect (manager, "notify::g-name-owner", G_CALLBACK (on_name_owner), self);
  g_signal_connect (object_manager, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (object_manager, "object-removed", G_CALLBACK (on_object_removed), self);
}

/**
 * scb_client_get_connection:
 * @self: a client
 *
 * Returns: (transfer none): the bus connection the client uses
 */
GDBusConnection *
scb_client_get_connection (ScbClient *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT (self), NULL);
  return self->connection;
}

/**
 * scb_client_get_version:
 * @self: a client
 *
 * Returns: (nullable): the version of scardbusd, %NULL while it is not running
 */
const char *
scb_client_get_version (ScbClient *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT (self), NULL);
  return scb_dbus_manager_get_version (self->manager);
}

/**
 * scb_client_get_reader_events:
 * @self: a client
 *
 * Returns: the reader event counter: one more for every reader added or
 *   removed (values whose low 16 bits are 0 are skipped)
 */
guint32
scb_client_get_reader_events (ScbClient *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT (self), 0);
  return self->reader_events;
}

/**
 * scb_client_get_service_running:
 * @self: a client
 *
 * Returns: whether scardbusd runs and its readers are known: it turns
 *   %FALSE when scardbusd leaves the bus, and %TRUE again once a new
 *   instance's readers are read
 */
gboolean
scb_client_get_service_running (ScbClient *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT (self), FALSE);
  return self->service_running;
}

/**
 * scb_client_get_service_owner:
 * @self: a client
 *
 * The unique bus name of the scardbusd instance the readers come from; a
 * restarted daemon has another. scb_client_connection_new_sync() takes it
 * to reach that instance and no other.
 *
 * Returns: (nullable): the unique name, %NULL while the service is not
 *   running (or, just after the client started the service, until the bus
 *   has said who owns its name)
 */
const char *
scb_client_get_service_owner (ScbClient *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT (self), NULL);
  return self->owner;
}

/**
 * scb_client_get_readers:
 * @self: a client
 *
 * Returns: (transfer container) (element-type ScbClientReader): the readers,
 *   in the order they were added
 */
GPtrArray *
scb_client_get_readers (ScbClient *self)
{
  GPtrArray *readers;

  g_return_val_if_fail (SCB_IS_CLIENT (self), NULL);
  readers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->readers->len; i++)
    g_ptr_array_add (readers, g_object_ref (g_ptr_array_index (self->readers, i)));
  return readers;
}

static ScbClientReader *
find_reader (ScbClient *self, const char *(*get) (ScbClientReader *), const char *value)
{
  for (guint i = 0; i < self->readers->len; i++)
    {
      if (g_strcmp0 (get (g_ptr_array_index (self->readers, i)), value) == 0)
        return g_ptr_array_index (self->readers, i);
    }
  return NULL;
}

/**
 * scb_client_get_reader_by_path:
 * @self: a client
 * @object_path: a reader's D-Bus object path
 *
 * Returns: (transfer none) (nullable): the reader, or %NULL
 */
ScbClientReader *
scb_client_get_reader_by_path (ScbClient *self, const char *object_path)
{
  g_return_val_if_fail (SCB_IS_CLIENT (self), NULL);
  return find_reader (self, scb_client_reader_get_object_path, object_path);
}

/**
 * scb_client_get_reader_by_name:
 * @self: a client
 * @name: a PC/SC reader name
 *
 * Returns: (transfer none) (nullable): the reader, or %NULL
 */
ScbClientReader *
scb_client_get_reader_by_name (ScbClient *self, const char *name)
{
  g_return_val_if_fail (SCB_IS_CLIENT (self), NULL);
  return find_reader (self, scb_client_reader_get_name, name);
}

/**
 * scb_client_lookup_reader:
 * @self: a client
 * @spec: a reader index (0 for the first reader), its PC/SC name, the start
 *   of one name, or its object path
 * @error: return location for an error
 *
 * Finds a reader the way a person names it: by index in
 * scb_client_get_readers(), by name (exact, or a prefix that only one reader
 * has) or by object path.
 *
 * Returns: (transfer none): the reader, or %NULL with %SCB_ERROR_UNKNOWN_READER
 */
ScbClientReader *
scb_client_lookup_reader (ScbClient *self, const char *spec, GError **error)
{
  ScbClientReader *found = NULL;
  guint matches = 0;

  g_return_val_if_fail (SCB_IS_CLIENT (self), NULL);
  g_return_val_if_fail (spec != NULL, NULL);

  if (spec[0] != '\0' && spec[strspn (spec, "0123456789")] == '\0')
    {
      guint64 index = g_ascii_strtoull (spec, NULL, 10);

      if (index < self->readers->len)
        return g_ptr_array_index (self->readers, index);
      g_set_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER,
                   "No reader number %s: there %s %u reader%s", spec,
                   self->readers->len == 1 ? "is" : "are", self->readers->len,
                   self->readers->len == 1 ? "" : "s");
      return NULL;
    }
  if (spec[0] == '/')
    found = scb_client_get_reader_by_path (self, spec);
  else
    found = scb_client_get_reader_by_name (self, spec);
  if (found != NULL)
    return found;

  for (guint i = 0; spec[0] != '/' && i < self->readers->len; i++)
    {
      ScbClientReader *reader = g_ptr_array_index (self->readers, i);

      if (g_str_has_prefix (scb_client_reader_get_name (reader), spec))
        {
          found = reader;
          matches++;
        }
    }
  if (matches == 1)
    return found;
  g_set_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER,
               matches > 1 ? "“%s” names more than one reader" : "No reader “%s”", spec);
  return NULL;
}

static void
scb_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ScbClient *self = SCB_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_VERSION:
      g_value_set_string (value, self->manager != NULL ? scb_client_get_version (self) : NULL);
      break;
    case PROP_READER_EVENTS:
      g_value_set_uint (value, self->reader_events);
      break;
    case PROP_SERVICE_RUNNING:
      g_value_set_boolean (value, self->service_running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
scb_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  ScbClient *self = SCB_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
scb_client_dispose (GObject *object)
{
  ScbClient *self = SCB_CLIENT (object);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->object_manager != NULL)
    g_signal_handlers_disconnect_by_data (self->object_manager, self);
  for (guint i = 0; self->readers != NULL && i < self->readers->len; i++)
    {
      ScbClientReader *reader = g_ptr_array_index (self->readers, i);

      _scb_client_reader_detach (reader);
      g_signal_handlers_disconnect_by_data (reader, self);
    }
  g_clear_pointer (&self->readers, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_clear_pointer (&self->owner, g_free);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (scb_client_parent_class)->dispose (object);
}

static void
scb_client_init (ScbClient *self)
{
  self->readers = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending = g_ptr_array_new_with_free_func (g_free);
}

static void
scb_client_class_init (ScbClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = scb_client_get_property;
  object_class->set_property = scb_client_set_property;
  object_class->dispose = scb_client_dispose;

  /**
   * ScbClient:connection:
   *
   * The bus connection (the system bus by default).
   */
  props[PROP_CONNECTION]
      = g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * ScbClient:version:
   *
   * The version of scardbusd.
   */
  props[PROP_VERSION] = g_param_spec_string ("version", NULL, NULL, NULL, flags);
  /**
   * ScbClient:reader-events:
   *
   * The reader event counter.
   */
  props[PROP_READER_EVENTS]
      = g_param_spec_uint ("reader-events", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  /**
   * ScbClient:service-running:
   *
   * Whether scardbusd runs and its readers are known.
   */
  props[PROP_SERVICE_RUNNING] = g_param_spec_boolean ("service-running", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * ScbClient::reader-added:
   * @self: the client
   * @reader: the new reader
   *
   * A reader was plugged (or a daemon started with it);
   * #ScbClient:reader-events already counts it, and
   * scb_client_get_readers() lists it.
   */
  signals[SIGNAL_READER_ADDED]
      = g_signal_new ("reader-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, SCB_TYPE_CLIENT_READER);
  /**
   * ScbClient::reader-removed:
   * @self: the client
   * @reader: the reader that went away
   *
   * A reader was unplugged (or the daemon stopped).
   */
  signals[SIGNAL_READER_REMOVED]
      = g_signal_new ("reader-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, SCB_TYPE_CLIENT_READER);
  /**
   * ScbClient::card-inserted:
   * @self: the client
   * @reader: the reader
   * @card: the new card
   *
   * A card was inserted in one of the readers.
   */
  signals[SIGNAL_CARD_INSERTED]
      = g_signal_new ("card-inserted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 2, SCB_TYPE_CLIENT_READER, SCB_TYPE_CLIENT_CARD);
  /**
   * ScbClient::card-removed:
   * @self: the client
   * @reader: the reader
   * @card: the card that went away
   *
   * A card was removed from one of the readers.
   */
  signals[SIGNAL_CARD_REMOVED]
      = g_signal_new ("card-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 2, SCB_TYPE_CLIENT_READER, SCB_TYPE_CLIENT_CARD);
  /**
   * ScbClient::changed:
   * @self: the client
   *
   * Something changed and is applied: the service started or stopped, a
   * reader came or went, or a reader's properties changed. Emitted after
   * the signals and notifications that say what, so that a view of the
   * whole state (readers, their properties, the counters, all consistent)
   * can be refreshed here.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

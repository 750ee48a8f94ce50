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
 * Signals are emitted in the thread-default main context of its maker.
 */
struct _ScbClient
{
  GObject parent_instance;
  GDBusConnection *connection;
  ScbDBusManager *manager;
  GDBusObjectManager *object_manager;
  GPtrArray *readers; /* ScbClientReader, in the order they were added */
  GPtrArray *pending; /* reader paths announced, not yet in the object manager */
  guint32 reader_events;
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
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void scb_client_initable_iface_init (GInitableIface *iface);
static void scb_client_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ScbClient, scb_client, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      scb_client_initable_iface_init)
                                   G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                          scb_client_async_initable_iface_init))

static void
set_reader_events (ScbClient *self, guint32 value)
{
  if (self->reader_events == value)
    return;
  self->reader_events = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_READER_EVENTS]);
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
 * has it too: they arrive in either order. */
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
  reader = _scb_client_reader_new (SCB_DBUS_READER (iface), self->object_manager);
  g_signal_connect_object (reader, "card-inserted", G_CALLBACK (on_card_inserted), self, 0);
  g_signal_connect_object (reader, "card-removed", G_CALLBACK (on_card_removed), self, 0);
  g_ptr_array_add (self->readers, reader);
  if (emit)
    g_signal_emit (self, signals[SIGNAL_READER_ADDED], 0, reader);
}

static void
forget (ScbClient *self, const char *path)
{
  ScbClientReader *reader = scb_client_get_reader_by_path (self, path);
  guint index;

  if (path_in (self->pending, path, &index))
    g_ptr_array_remove_index (self->pending, index);
  if (reader == NULL)
    return;
  g_object_ref (reader);
  g_ptr_array_remove (self->readers, reader);
  _scb_client_reader_detach (reader);
  g_signal_handlers_disconnect_by_data (reader, self);
  g_signal_emit (self, signals[SIGNAL_READER_REMOVED], 0, reader);
  g_object_unref (reader);
}

static void
on_reader_added (ScbDBusManager *manager, const char *path, const char *name, guint32 events,
                 gpointer user_data)
{
  ScbClient *self = user_data;

  set_reader_events (self, events);
  materialize (self, path, TRUE);
}

static void
on_reader_removed (ScbDBusManager *manager, const char *path, const char *name, guint32 events,
                   gpointer user_data)
{
  ScbClient *self = user_data;

  set_reader_events (self, events);
  forget (self, path);
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  ScbClient *self = user_data;
  const char *path = g_dbus_object_get_object_path (object);

  if (path_in (self->pending, path, NULL))
    materialize (self, path, TRUE);
  for (guint i = 0; i < self->readers->len; i++)
    _scb_client_reader_object_added (g_ptr_array_index (self->readers, i), object);
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  /* Normally ReaderRemoved came first; this covers the daemon going away. */
  forget (user_data, g_dbus_object_get_object_path (object));
}

static void
add_snapshot (ScbClient *self, guint32 events, const char *const *paths, gboolean emit)
{
  set_reader_events (self, events);
  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    materialize (self, paths[i], emit);
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
      g_debug ("GetReaders after the service restarted: %s", error->message);
      return;
    }
  add_snapshot (self, events, (const char *const *) paths, TRUE);
}

static void
on_name_owner (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  ScbClient *self = user_data;
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->manager));
  gboolean running = owner != NULL;

  if (running == self->service_running)
    return;
  self->service_running = running;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SERVICE_RUNNING]);
  if (!running)
    {
      /* Every reader went with the daemon. */
      while (self->readers->len > 0)
        forget (self, scb_client_reader_get_object_path (
                          g_ptr_array_index (self->readers, self->readers->len - 1)));
      g_ptr_array_set_size (self->pending, 0);
      return;
    }
  /* A new daemon: its readers, from a fresh snapshot. */
  scb_dbus_manager_call_get_readers (self->manager, NULL, on_restart_snapshot, g_object_ref (self));
}

static gboolean
finish_setup (ScbClient *self, guint32 events, const char *const *paths, GError **error)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->manager));

  self->service_running = owner != NULL;
  add_snapshot (self, events, paths, FALSE);
  g_signal_connect (self->manager, "reader-added", G_CALLBACK (on_reader_added), self);
  g_signal_connect (self->manager, "reader-removed", G_CALLBACK (on_reader_removed), self);
  g_signal_connect (self->manager, "notify::g-name-owner", G_CALLBACK (on_name_owner), self);
  g_signal_connect (self->object_manager, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (self->object_manager, "object-removed", G_CALLBACK (on_object_removed), self);
  return TRUE;
}

static gboolean
init_sync (ScbClient *self, GCancellable *cancellable, GError **error)
{
  g_auto (GStrv) paths = NULL;
  guint32 events = 0;

  /* The manager first: its subscription precedes every snapshot, and making
   * it starts the service when the bus can activate it. */
  self->manager = scb_dbus_manager_proxy_new_sync (
      self->connection, G_DBUS_PROXY_FLAGS_NONE, SCB_DBUS_NAME, SCB_DBUS_PATH, cancellable, error);
  if (self->manager == NULL)
    return FALSE;
  self->object_manager = scb_dbus_object_manager_client_new_sync (
      self->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, SCB_DBUS_NAME, SCB_DBUS_PATH,
      cancellable, error);
  if (self->object_manager == NULL)
    return FALSE;
  if (!scb_dbus_manager_call_get_readers_sync (self->manager, &events, &paths, cancellable, error))
    return FALSE;
  return finish_setup (self, events, (const char *const *) paths, error);
}

static gboolean
scb_client_initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  ScbClient *self = SCB_CLIENT (initable);

  /* Our D-Bus errors arrive as SCB_ERROR once the domain is registered. */
  (void) scb_error_quark ();
  if (self->connection == NULL)
    {
      self->connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, cancellable, error);
      if (self->connection == NULL)
        {
          _scb_client_error_no_bus (error);
          return FALSE;
        }
    }
  if (!init_sync (self, cancellable, error))
    {
      _scb_client_error_normalize (error);
      return FALSE;
    }
  return TRUE;
}

static void
scb_client_initable_iface_init (GInitableIface *iface)
{
  iface->init = scb_client_initable_init;
}

static void
fail_task (GTask *task, GError *error)
{
  _scb_client_error_normalize (&error);
  g_task_return_error (task, error);
}

static void
on_init_snapshot (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbClient *self = g_task_get_source_object (task);
  g_auto (GStrv) paths = NULL;
  GError *error = NULL;
  guint32 events = 0;

  if (!scb_dbus_manager_call_get_readers_finish (self->manager, &events, &paths, result, &error)
      || !finish_setup (self, events, (const char *const *) paths, &error))
    {
      fail_task (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_init_object_manager (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbClient *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError *error = NULL;

  self->object_manager = scb_dbus_object_manager_client_new_finish (result, &error);
  if (self->object_manager == NULL)
    {
      fail_task (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  scb_dbus_manager_call_get_readers (self->manager, cancellable, on_init_snapshot,
                                     g_steal_pointer (&task));
}

static void
on_init_manager (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbClient *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError *error = NULL;

  self->manager = scb_dbus_manager_proxy_new_finish (result, &error);
  if (self->manager == NULL)
    {
      fail_task (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  scb_dbus_object_manager_client_new (self->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                      SCB_DBUS_NAME, SCB_DBUS_PATH, cancellable,
                                      on_init_object_manager, g_steal_pointer (&task));
}

static void
start_manager (GTask *task)
{
  ScbClient *self = g_task_get_source_object (task);

  scb_dbus_manager_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE, SCB_DBUS_NAME,
                              SCB_DBUS_PATH, g_task_get_cancellable (task), on_init_manager, task);
}

static void
on_init_bus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL)
    {
      _scb_client_error_no_bus (&error);
      g_task_return_error (task, error);
      return;
    }
  start_manager (g_steal_pointer (&task));
}

static void
scb_client_init_async (GAsyncInitable *initable, int io_priority, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  ScbClient *self = SCB_CLIENT (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, scb_client_init_async);
  g_task_set_priority (task, io_priority);
  (void) scb_error_quark ();
  if (self->connection == NULL)
    g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_init_bus, task);
  else
    start_manager (task);
}

static gboolean
scb_client_init_finish (GAsyncInitable *initable, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
scb_client_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = scb_client_init_async;
  iface->init_finish = scb_client_init_finish;
}

/**
 * scb_client_new:
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready or has failed
 * @user_data: data for @callback
 *
 * Connects to scardbusd on the system bus and reads its readers.
 */
void
scb_client_new (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_async_initable_new_async (SCB_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable, callback, user_data,
                              NULL);
}

/**
 * scb_client_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the client, or %NULL with @error set:
 *   %SCB_ERROR_NO_SERVICE when scardbusd is not running
 */
ScbClient *
scb_client_new_finish (GAsyncResult *result, GError **error)
{
  g_autoptr (GObject) source = g_async_result_get_source_object (result);
  GObject *object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);

  return object != NULL ? SCB_CLIENT (object) : NULL;
}

/**
 * scb_client_new_sync:
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Connects to scardbusd on the system bus and reads its readers.
 *
 * Returns: (transfer full): the client, or %NULL with @error set:
 *   %SCB_ERROR_NO_SERVICE when scardbusd is not running
 */
ScbClient *
scb_client_new_sync (GCancellable *cancellable, GError **error)
{
  return g_initable_new (SCB_TYPE_CLIENT, cancellable, error, NULL);
}

/**
 * scb_client_new_for_connection_sync:
 * @connection: a bus connection
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * As scb_client_new_sync(), on @connection.
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
ScbClient *
scb_client_new_for_connection_sync (GDBusConnection *connection, GCancellable *cancellable,
                                    GError **error)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  return g_initable_new (SCB_TYPE_CLIENT, cancellable, error, "connection", connection, NULL);
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
 * Returns: whether scardbusd owns its bus name
 */
gboolean
scb_client_get_service_running (ScbClient *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT (self), FALSE);
  return self->service_running;
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
   * Whether scardbusd owns its bus name.
   */
  props[PROP_SERVICE_RUNNING] = g_param_spec_boolean ("service-running", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * ScbClient::reader-added:
   * @self: the client
   * @reader: the new reader
   *
   * A reader was plugged (or a daemon started with it);
   * #ScbClient:reader-events already counts it.
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
}

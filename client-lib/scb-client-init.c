/* scb-client-init.c: how an ScbClient is made
 *
 * The bus connection, then the Manager proxy (its subscription to the
 * daemon's signals comes before any snapshot, and making it starts the
 * service when the bus can activate it), the object manager (the reader
 * objects and their properties), and last GetReaders (the reader list and
 * its counter). scb-client.c takes it from there (_scb_client_setup()).
 * Synchronous (GInitable) and asynchronous (GAsyncInitable).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client.h"
#include "scb-client-private.h"
#include "scb-error.h"
#include "scb-names.h"

typedef struct
{
  GDBusConnection *connection;
  ScbDBusManager *manager;
  GDBusObjectManager *object_manager;
} InitData;

static void
init_data_free (gpointer data)
{
  InitData *init = data;

  g_clear_object (&init->connection);
  g_clear_object (&init->manager);
  g_clear_object (&init->object_manager);
  g_free (init);
}

static gboolean
init_sync (ScbClient *self, GDBusConnection *connection, GCancellable *cancellable, GError **error)
{
  g_autoptr (ScbDBusManager) manager = NULL;
  g_autoptr (GDBusObjectManager) object_manager = NULL;
  g_auto (GStrv) paths = NULL;
  guint32 events = 0;

  manager = scb_dbus_manager_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_NONE, SCB_DBUS_NAME,
                                             SCB_DBUS_PATH, cancellable, error);
  if (manager == NULL)
    return FALSE;
  object_manager = scb_dbus_object_manager_client_new_sync (
      connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, SCB_DBUS_NAME, SCB_DBUS_PATH,
      cancellable, error);
  if (object_manager == NULL)
    return FALSE;
  if (!scb_dbus_manager_call_get_readers_sync (manager, G_DBUS_CALL_FLAGS_NONE, -1, &events, &paths,
                                               cancellable, error))
    return FALSE;
  _scb_client_setup (self, connection, manager, object_manager, events,
                     (const char *const *) paths);
  return TRUE;
}

static gboolean
initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  ScbClient *self = SCB_CLIENT (initable);
  g_autoptr (GDBusConnection) connection = NULL;

  /* Our D-Bus errors arrive as SCB_ERROR once the domain is registered. */
  (void) scb_error_quark ();
  if (scb_client_get_connection (self) != NULL)
    connection = g_object_ref (scb_client_get_connection (self));
  else
    {
      connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, cancellable, error);
      if (connection == NULL)
        {
          _scb_client_error_no_bus (error);
          return FALSE;
        }
    }
  if (!init_sync (self, connection, cancellable, error))
    {
      _scb_client_error_normalize (error);
      return FALSE;
    }
  return TRUE;
}

void
_scb_client_initable_iface_init (GInitableIface *iface)
{
  iface->init = initable_init;
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
  InitData *init = g_task_get_task_data (task);
  g_auto (GStrv) paths = NULL;
  GError *error = NULL;
  guint32 events = 0;

  if (!scb_dbus_manager_call_get_readers_finish (init->manager, &events, &paths, result, &error))
    {
      fail_task (task, error);
      return;
    }
  _scb_client_setup (g_task_get_source_object (task), init->connection, init->manager,
                     init->object_manager, events, (const char *const *) paths);
  g_task_return_boolean (task, TRUE);
}

static void
on_init_object_manager (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  InitData *init = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  init->object_manager = scb_dbus_object_manager_client_new_finish (result, &error);
  if (init->object_manager == NULL)
    {
      fail_task (task, error);
      return;
    }
  scb_dbus_manager_call_get_readers (init->manager, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                     on_init_snapshot, g_steal_pointer (&task));
}

static void
on_init_manager (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  InitData *init = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  init->manager = scb_dbus_manager_proxy_new_finish (result, &error);
  if (init->manager == NULL)
    {
      fail_task (task, error);
      return;
    }
  scb_dbus_object_manager_client_new (init->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                      SCB_DBUS_NAME, SCB_DBUS_PATH, cancellable,
                                      on_init_object_manager, g_steal_pointer (&task));
}

static void
start_manager (GTask *task)
{
  InitData *init = g_task_get_task_data (task);

  scb_dbus_manager_proxy_new (init->connection, G_DBUS_PROXY_FLAGS_NONE, SCB_DBUS_NAME,
                              SCB_DBUS_PATH, g_task_get_cancellable (task), on_init_manager, task);
}

static void
on_init_bus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  InitData *init = g_task_get_task_data (task);
  GError *error = NULL;

  init->connection = g_bus_get_finish (result, &error);
  if (init->connection == NULL)
    {
      _scb_client_error_no_bus (&error);
      g_task_return_error (task, error);
      return;
    }
  start_manager (g_steal_pointer (&task));
}

static void
init_async (GAsyncInitable *initable, int io_priority, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  ScbClient *self = SCB_CLIENT (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  InitData *init = g_new0 (InitData, 1);

  g_task_set_source_tag (task, init_async);
  g_task_set_priority (task, io_priority);
  g_task_set_task_data (task, init, init_data_free);
  (void) scb_error_quark ();
  if (scb_client_get_connection (self) == NULL)
    {
      g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_init_bus, task);
      return;
    }
  init->connection = g_object_ref (scb_client_get_connection (self));
  start_manager (task);
}

static gboolean
init_finish (GAsyncInitable *initable, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
_scb_client_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = init_async;
  iface->init_finish = init_finish;
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

/* winscard-bus.c: the library's own thread, main context and bus connection
 *
 * The thread starts on the first SCardEstablishContext(). It runs a private
 * GMainContext, never the application's: the connection is made there, so
 * its signals (the reader cache's food) and its "closed" signal are
 * dispatched there. Application threads only make synchronous calls, which
 * GDBus serves from its worker thread without iterating any main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include "scb-error.h"
#include "scb-names.h"

#include <pthread.h>
#include <signal.h>

/* D-Bus calls that may wait in the daemon (a transaction held by another
 * client, a slow card) have no client-side timeout: pcsc-lite has none
 * either. The daemon ends them itself when their reason goes away. */
#define DEFAULT_TIMEOUT_MS 25000

static GMutex bus_lock;
static GMainContext *bus_context;       /* the library thread's */
static GDBusConnection *bus_connection; /* under bus_lock; NULL when closed */
static guint owner_subscription;
static gint forked;

static void
on_fork_child (void)
{
  /* Only this flag is touched: locks may be held by threads that do not
   * exist in the child. */
  g_atomic_int_set (&forked, 1);
}

gboolean
wsc_bus_in_forked_child (void)
{
  return g_atomic_int_get (&forked) != 0;
}

static gpointer
bus_thread_main (gpointer user_data)
{
  g_autoptr (GMainLoop) loop = NULL;

  g_main_context_push_thread_default (bus_context);
  loop = g_main_loop_new (bus_context, FALSE);
  /* Runs for the life of the process, as the library stays loaded. */
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (bus_context);
  return NULL;
}

static gpointer
start_thread (gpointer user_data)
{
  sigset_t all;
  sigset_t saved;
  GThread *thread;

  /* Registers the error domain, so remote errors come back as ScbError. */
  (void) scb_error_quark ();
  pthread_atfork (NULL, NULL, on_fork_child);
  bus_context = g_main_context_new ();

  /* The application's signal handlers must not run in our thread. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &saved);
  thread = g_thread_new ("scardbus-winscard", bus_thread_main, NULL);
  pthread_sigmask (SIG_SETMASK, &saved, NULL);
  g_thread_unref (thread);
  return GINT_TO_POINTER (1);
}

static void
drop_connection (void)
{
  g_autoptr (GDBusConnection) old = NULL;

  g_mutex_lock (&bus_lock);
  old = g_steal_pointer (&bus_connection);
  g_mutex_unlock (&bus_lock);
  if (old == NULL)
    return;
  g_signal_handlers_disconnect_by_data (old, &bus_connection);
  if (owner_subscription != 0)
    g_dbus_connection_signal_unsubscribe (old, owner_subscription);
  owner_subscription = 0;
  wsc_cache_unsubscribe (old);
}

static void
on_connection_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
                      gpointer user_data)
{
  g_debug ("winscard: bus connection closed");
  wsc_cache_set_offline ();
  drop_connection ();
}

static void
on_name_owner_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *interface_name, const char *signal_name, GVariant *parameters,
                       gpointer user_data)
{
  const char *name = NULL;
  const char *old_owner = NULL;
  const char *new_owner = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (g_strcmp0 (name, SCB_DBUS_NAME) != 0)
    return;
  if (*old_owner != '\0')
    wsc_cache_set_offline ();
  /* A new instance: load it now, so new contexts find it ready. */
  if (*new_owner != '\0')
    (void) wsc_cache_load (connection);
}

/* In the library thread. */
static LONG
connect_and_load (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = NULL;
  g_autoptr (GDBusConnection) connection = NULL;

  g_mutex_lock (&bus_lock);
  if (bus_connection != NULL)
    connection = g_object_ref (bus_connection);
  g_mutex_unlock (&bus_lock);

  if (connection != NULL && g_dbus_connection_is_closed (connection))
    {
      wsc_cache_set_offline ();
      drop_connection ();
      g_clear_object (&connection);
    }

  if (connection == NULL)
    {
      address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
      if (address == NULL)
        {
          g_debug ("winscard: no system bus address: %s", error->message);
          return SCARD_E_NO_SERVICE;
        }
      connection = g_dbus_connection_new_for_address_sync (
          address,
          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
          NULL, NULL, &error);
      if (connection == NULL)
        {
          g_debug ("winscard: cannot connect to %s: %s", address, error->message);
          return SCARD_E_NO_SERVICE;
        }
      g_dbus_connection_set_exit_on_close (connection, FALSE);
      g_signal_connect (connection, "closed", G_CALLBACK (on_connection_closed), &bus_connection);
      /* Subscribe first, then load the snapshot (DESIGN.md). */
      owner_subscription = g_dbus_connection_signal_subscribe (
          connection, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
          "/org/freedesktop/DBus", SCB_DBUS_NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner_changed,
          NULL, NULL);
      wsc_cache_subscribe (connection);
      g_mutex_lock (&bus_lock);
      bus_connection = g_object_ref (connection);
      g_mutex_unlock (&bus_lock);
    }

  wsc_cache_lock ();
  if (wsc_cache_get_generation_locked () != 0)
    {
      wsc_cache_unlock ();
      return SCARD_S_SUCCESS;
    }
  wsc_cache_unlock ();
  return wsc_cache_load (connection);
}

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  LONG rv;
} EnsureRequest;

static gboolean
ensure_in_thread (gpointer user_data)
{
  EnsureRequest *request = user_data;
  LONG rv = connect_and_load ();

  g_mutex_lock (&request->lock);
  request->rv = rv;
  request->done = TRUE;
  g_cond_signal (&request->cond);
  g_mutex_unlock (&request->lock);
  return G_SOURCE_REMOVE;
}

LONG
wsc_bus_ensure (void)
{
  static GOnce started = G_ONCE_INIT;
  EnsureRequest request = { 0 };
  guint64 generation;

  if (wsc_bus_in_forked_child ())
    return SCARD_E_NO_SERVICE;
  g_once (&started, start_thread, NULL);

  wsc_cache_lock ();
  generation = wsc_cache_get_generation_locked ();
  wsc_cache_unlock ();
  if (generation != 0)
    return SCARD_S_SUCCESS;

  /* Ask the library thread, which owns the connection and the cache's
   * subscriptions, and wait for its answer. */
  g_mutex_init (&request.lock);
  g_cond_init (&request.cond);
  g_main_context_invoke (bus_context, ensure_in_thread, &request);
  g_mutex_lock (&request.lock);
  while (!request.done)
    g_cond_wait (&request.cond, &request.lock);
  g_mutex_unlock (&request.lock);
  g_mutex_clear (&request.lock);
  g_cond_clear (&request.cond);
  return request.rv;
}

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  GDBusConnection *connection;
} OpenRequest;

static void
on_connection_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OpenRequest *request = user_data;
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_for_address_finish (result, &error);

  if (connection == NULL)
    g_debug ("winscard: cannot connect: %s", error->message);
  else
    g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_mutex_lock (&request->lock);
  request->connection = connection;
  request->done = TRUE;
  g_cond_signal (&request->cond);
  g_mutex_unlock (&request->lock);
}

static gboolean
open_in_thread (gpointer user_data)
{
  OpenRequest *request = user_data;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);

  if (address == NULL)
    {
      on_connection_made (NULL, NULL, request);
      return G_SOURCE_REMOVE;
    }
  /* Asynchronous, so contexts made by many threads connect in parallel. */
  g_dbus_connection_new_for_address (address,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                         | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                     NULL, NULL, on_connection_made, request);
  return G_SOURCE_REMOVE;
}

LONG
wsc_bus_open_connection (GDBusConnection **connection)
{
  OpenRequest request = { 0 };

  g_mutex_init (&request.lock);
  g_cond_init (&request.cond);
  g_main_context_invoke (bus_context, open_in_thread, &request);
  g_mutex_lock (&request.lock);
  while (!request.done)
    g_cond_wait (&request.cond, &request.lock);
  g_mutex_unlock (&request.lock);
  g_mutex_clear (&request.lock);
  g_cond_clear (&request.cond);
  *connection = request.connection;
  return request.connection != NULL ? SCARD_S_SUCCESS : SCARD_E_NO_SERVICE;
}

LONG
wsc_bus_call (GDBusConnection *connection, const char *object_path, const char *interface_name,
              const char *method, GVariant *parameters, const GVariantType *reply_type,
              int timeout_ms, GVariant **reply, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GVariant) result = NULL;
  LONG rv;

  /* No auto-start: a handle must never reach a new instance by accident. */
  result = g_dbus_connection_call_sync (
      connection, SCB_DBUS_NAME, object_path, interface_name, method, parameters, reply_type,
      G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout_ms != 0 ? timeout_ms : DEFAULT_TIMEOUT_MS, NULL,
      &local_error);
  if (result == NULL)
    {
      rv = wsc_error_to_scard (local_error);
      g_debug ("winscard: %s.%s on %s: %s (0x%08lX)", interface_name, method, object_path,
               local_error->message, (unsigned long) rv);
      if (error != NULL)
        *error = g_steal_pointer (&local_error);
      return rv;
    }
  if (reply != NULL)
    *reply = g_steal_pointer (&result);
  return SCARD_S_SUCCESS;
}

LONG
wsc_bus_call_with_fds (GDBusConnection *connection, const char *object_path,
                       const char *interface_name, const char *method, GVariant *parameters,
                       const GVariantType *reply_type, GVariant **reply, GUnixFDList **fd_list,
                       GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GVariant) result = NULL;

  result = g_dbus_connection_call_with_unix_fd_list_sync (
      connection, SCB_DBUS_NAME, object_path, interface_name, method, parameters, reply_type,
      G_DBUS_CALL_FLAGS_NO_AUTO_START, DEFAULT_TIMEOUT_MS, NULL, fd_list, NULL, &local_error);
  if (result == NULL)
    {
      LONG rv = wsc_error_to_scard (local_error);

      if (error != NULL)
        *error = g_steal_pointer (&local_error);
      return rv;
    }
  *reply = g_steal_pointer (&result);
  return SCARD_S_SUCCESS;
}

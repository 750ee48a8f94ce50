/* winscard-thread.c: the library's own thread, main context and ScbClient
 *
 * The thread starts on the first SCardEstablishContext(). It runs a private
 * GMainContext, never the application's: the library's bus connection, its
 * ScbClient (the readers and their events) and every context's bus
 * connection are made there, so their signals and "closed" notifications
 * are dispatched there. Application threads ask it for work and wait on a
 * condition variable; their own calls are synchronous, which GDBus serves
 * from its worker thread without iterating any main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include <pthread.h>
#include <signal.h>

#define BUS_FLAGS                                                                                  \
  (G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION)

static GMainContext *library_context;
static gint forked;
/* In the library thread only: */
static GDBusConnection *library_bus;
static ScbClient *client;

static void
on_fork_child (void)
{
  /* Only this flag is touched: locks may be held by threads that do not
   * exist in the child. */
  g_atomic_int_set (&forked, 1);
}

gboolean
wsc_in_forked_child (void)
{
  return g_atomic_int_get (&forked) != 0;
}

static gpointer
thread_main (gpointer user_data)
{
  g_autoptr (GMainLoop) loop = NULL;

  g_main_context_push_thread_default (library_context);
  loop = g_main_loop_new (library_context, FALSE);
  /* Runs for the life of the process, as the library stays loaded. */
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (library_context);
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
  library_context = g_main_context_new ();

  /* The application's signal handlers must not run in our thread. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &saved);
  thread = g_thread_new ("scardbus-winscard", thread_main, NULL);
  pthread_sigmask (SIG_SETMASK, &saved, NULL);
  g_thread_unref (thread);
  return GINT_TO_POINTER (1);
}

/* A request to the library thread, which an application thread waits for. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  LONG rv;
  GDBusConnection *bus;
} Request;

static void
request_finish (Request *request, LONG rv)
{
  g_mutex_lock (&request->lock);
  request->rv = rv;
  request->done = TRUE;
  g_cond_signal (&request->cond);
  g_mutex_unlock (&request->lock);
}

static LONG
request_run (GSourceFunc func, Request *request)
{
  g_mutex_init (&request->lock);
  g_cond_init (&request->cond);
  g_main_context_invoke (library_context, func, request);
  g_mutex_lock (&request->lock);
  while (!request->done)
    g_cond_wait (&request->cond, &request->lock);
  g_mutex_unlock (&request->lock);
  g_mutex_clear (&request->lock);
  g_cond_clear (&request->cond);
  return request->rv;
}

static void
drop_client (void)
{
  if (client == NULL)
    return;
  wsc_readers_unfollow (client);
  g_clear_object (&client);
}

static void
on_library_bus_closed (GDBusConnection *bus, gboolean remote_peer_vanished, GError *error,
                       gpointer user_data)
{
  g_debug ("winscard: bus connection closed");
  drop_client ();
  g_signal_handlers_disconnect_by_func (bus, on_library_bus_closed, NULL);
  g_clear_object (&library_bus);
}

static gboolean
connect_library_bus (GError **error)
{
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, error);

  if (address == NULL)
    return FALSE;
  library_bus = g_dbus_connection_new_for_address_sync (address, BUS_FLAGS, NULL, NULL, error);
  if (library_bus == NULL)
    return FALSE;
  g_dbus_connection_set_exit_on_close (library_bus, FALSE);
  g_signal_connect (library_bus, "closed", G_CALLBACK (on_library_bus_closed), NULL);
  return TRUE;
}

/* In the library thread: an ScbClient that follows a running daemon. */
static LONG
ensure_client (void)
{
  g_autoptr (GError) error = NULL;

  if (client != NULL && scb_client_get_service_running (client))
    return SCARD_S_SUCCESS;
  if (library_bus != NULL && g_dbus_connection_is_closed (library_bus))
    on_library_bus_closed (library_bus, FALSE, NULL, NULL);
  if (library_bus == NULL && !connect_library_bus (&error))
    {
      g_debug ("winscard: no bus: %s", error->message);
      return SCARD_E_NO_SERVICE;
    }
  /* A client whose daemon left waits for it quietly; a new one asks for
   * it, which may start it. */
  drop_client ();
  client = scb_client_new_for_connection_sync (library_bus, NULL, &error);
  if (client == NULL)
    {
      g_debug ("winscard: %s", error->message);
      return SCARD_E_NO_SERVICE;
    }
  wsc_readers_follow (client);
  return SCARD_S_SUCCESS;
}

static gboolean
ensure_in_thread (gpointer user_data)
{
  request_finish (user_data, ensure_client ());
  return G_SOURCE_REMOVE;
}

LONG
wsc_service_ensure (void)
{
  static GOnce started = G_ONCE_INIT;
  Request request = { 0 };
  guint64 generation;

  if (wsc_in_forked_child ())
    return SCARD_E_NO_SERVICE;
  g_once (&started, start_thread, NULL);
  wsc_readers_lock ();
  generation = wsc_readers_get_generation_locked ();
  wsc_readers_unlock ();
  if (generation != 0)
    return SCARD_S_SUCCESS;
  return request_run (ensure_in_thread, &request);
}

static void
on_bus_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;

  request->bus = g_dbus_connection_new_for_address_finish (result, &error);
  if (request->bus == NULL)
    g_debug ("winscard: cannot connect: %s", error->message);
  else
    g_dbus_connection_set_exit_on_close (request->bus, FALSE);
  request_finish (request, request->bus != NULL ? SCARD_S_SUCCESS : SCARD_E_NO_SERVICE);
}

static gboolean
open_in_thread (gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &error);

  if (address == NULL)
    {
      g_debug ("winscard: no bus: %s", error->message);
      request_finish (request, SCARD_E_NO_SERVICE);
      return G_SOURCE_REMOVE;
    }
  /* Asynchronous, so contexts made by many threads connect in parallel. */
  g_dbus_connection_new_for_address (address, BUS_FLAGS, NULL, NULL, on_bus_made, request);
  return G_SOURCE_REMOVE;
}

LONG
wsc_open_bus (GDBusConnection **bus)
{
  Request request = { 0 };
  LONG rv = request_run (open_in_thread, &request);

  *bus = request.bus;
  return rv;
}

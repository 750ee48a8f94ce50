/* test-service.c: the WinSCard library against scardbusd without readers
 *
 * One private bus, polkit mock and daemon (tests/fixture) for the whole
 * program; the library finds it through DBUS_SYSTEM_BUS_ADDRESS. Covers what
 * needs no reader: contexts, the empty reader list, the PnP counter,
 * timeouts, SCardCancel, threads, fork, and a daemon restart.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "scb-fixture.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <winscard.h>

#define PNP "\\\\?PnP?\\Notification"

static ScbFixture fixture;

static SCARDCONTEXT
establish (void)
{
  SCARDCONTEXT context = 0;

  g_assert_cmphex (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context), ==,
                   SCARD_S_SUCCESS);
  g_assert_cmpuint (context, !=, 0);
  return context;
}

static guint32
manager_reader_events (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (
      fixture.bus, "org.scardbus.SmartCard1", "/org/scardbus/SmartCard1",
      "org.freedesktop.DBus.Properties", "Get",
      g_variant_new ("(ss)", "org.scardbus.SmartCard1.Manager", "ReaderEvents"),
      G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_uint32 (value);
}

static void
test_context (void)
{
  SCARDCONTEXT context = establish ();
  SCARDCONTEXT other = establish ();

  g_assert_cmpuint (context, !=, other);
  g_assert_cmphex (SCardIsValidContext (context), ==, SCARD_S_SUCCESS);
  g_assert_cmphex (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, NULL), ==,
                   SCARD_E_INVALID_PARAMETER);
  g_assert_cmphex (SCardEstablishContext (42, NULL, NULL, &other), ==, SCARD_E_INVALID_VALUE);
  g_assert_cmpuint (other, ==, 0);
  g_assert_cmphex (SCardReleaseContext (context), ==, SCARD_S_SUCCESS);
  /* Released once: never valid again. */
  g_assert_cmphex (SCardReleaseContext (context), ==, SCARD_E_INVALID_HANDLE);
  g_assert_cmphex (SCardIsValidContext (context), ==, SCARD_E_INVALID_HANDLE);
  g_assert_cmphex (SCardCancel (context), ==, SCARD_E_INVALID_HANDLE);
}

static void
test_no_readers (void)
{
  SCARDCONTEXT context = establish ();
  DWORD length = 0;
  char *autoallocated = NULL;
  char buffer[64];

  g_assert_cmphex (SCardListReaders (context, NULL, NULL, &length), ==,
                   SCARD_E_NO_READERS_AVAILABLE);
  g_assert_cmpuint (length, ==, 1);
  length = SCARD_AUTOALLOCATE;
  g_assert_cmphex (SCardListReaders (context, NULL, (LPSTR) &autoallocated, &length), ==,
                   SCARD_E_NO_READERS_AVAILABLE);
  g_assert_cmpuint (length, ==, 1);
  g_assert_null (autoallocated);

  /* The one group, as pcsc-lite. */
  length = 0;
  g_assert_cmphex (SCardListReaderGroups (context, NULL, &length), ==, SCARD_S_SUCCESS);
  g_assert_cmpuint (length, ==, 22);
  length = 5;
  g_assert_cmphex (SCardListReaderGroups (context, buffer, &length), ==,
                   SCARD_E_INSUFFICIENT_BUFFER);
  g_assert_cmpuint (length, ==, 22);
  length = SCARD_AUTOALLOCATE;
  g_assert_cmphex (SCardListReaderGroups (context, (LPSTR) &autoallocated, &length), ==,
                   SCARD_S_SUCCESS);
  g_assert_cmpmem (autoallocated, 22, "SCard$DefaultReaders\0", 22);
  g_assert_cmphex (SCardFreeMemory (context, autoallocated), ==, SCARD_S_SUCCESS);

  g_assert_cmphex (SCardReleaseContext (context), ==, SCARD_S_SUCCESS);
}

static void
test_pnp (void)
{
  SCARDCONTEXT context = establish ();
  SCARD_READERSTATE states[2] = { { .szReader = PNP } };
  guint32 events = manager_reader_events ();
  gint64 start;
  SCARDHANDLE card = 0;
  DWORD protocol = 0;

  /* The seed's first call: timeout 0, UNAWARE: a timeout, with the reader
   * counter in the high word and nothing else. */
  g_assert_cmphex (SCardGetStatusChange (context, 0, states, 1), ==, SCARD_E_TIMEOUT);
  g_assert_cmphex (states[0].dwEventState, ==, (DWORD) (events & 0xFFFF) << 16);

  /* Its count copied back: nothing changed, so it waits the whole timeout
   * on the monotonic clock. */
  states[0].dwCurrentState = states[0].dwEventState;
  start = g_get_monotonic_time ();
  g_assert_cmphex (SCardGetStatusChange (context, 200, states, 1), ==, SCARD_E_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* A count that differs from the current one: at once, CHANGED. */
  states[0].dwCurrentState = (DWORD) ((events + 5) & 0xFFFF) << 16;
  start = g_get_monotonic_time ();
  g_assert_cmphex (SCardGetStatusChange (context, INFINITE, states, 1), ==, SCARD_S_SUCCESS);
  g_assert_cmphex (states[0].dwEventState, ==,
                   ((DWORD) (events & 0xFFFF) << 16) | SCARD_STATE_CHANGED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  /* The name is matched without regard to case, as pcsc-lite does. */
  states[0].szReader = "\\\\?pnp?\\notification";
  states[0].dwCurrentState = 0;
  g_assert_cmphex (SCardGetStatusChange (context, 0, states, 1), ==, SCARD_E_TIMEOUT);

  /* Unknown names, ignored entries. */
  states[0].szReader = PNP;
  states[1].szReader = "No Such Reader 00 00";
  states[1].dwCurrentState = SCARD_STATE_UNAWARE;
  g_assert_cmphex (SCardGetStatusChange (context, 0, states, 2), ==, SCARD_E_UNKNOWN_READER);
  states[0].dwCurrentState = SCARD_STATE_IGNORE;
  states[1].dwCurrentState = SCARD_STATE_IGNORE;
  g_assert_cmphex (SCardGetStatusChange (context, INFINITE, states, 2), ==, SCARD_S_SUCCESS);
  g_assert_cmphex (SCardConnect (context, "No Such Reader 00 00", SCARD_SHARE_SHARED,
                                 SCARD_PROTOCOL_T1, &card, &protocol),
                   ==, SCARD_E_UNKNOWN_READER);

  g_assert_cmphex (SCardReleaseContext (context), ==, SCARD_S_SUCCESS);
}

typedef struct
{
  SCARDCONTEXT context;
  DWORD timeout;
  LONG rv;
  gint64 returned_at;
  gint done;
} Waiter;

static gpointer
wait_thread (gpointer user_data)
{
  Waiter *waiter = user_data;
  SCARD_READERSTATE state = { .szReader = PNP };

  /* A counter that matches: this waits. */
  state.dwCurrentState = (DWORD) (manager_reader_events () & 0xFFFF) << 16;
  waiter->rv = SCardGetStatusChange (waiter->context, waiter->timeout, &state, 1);
  waiter->returned_at = g_get_monotonic_time ();
  g_atomic_int_set (&waiter->done, 1);
  return NULL;
}

static void
test_cancel (void)
{
  Waiter first = { .context = establish (), .timeout = INFINITE };
  Waiter second = { .context = establish (), .timeout = 1500 };
  SCARD_READERSTATE state = { .szReader = PNP };
  GThread *first_thread;
  GThread *second_thread;
  gint64 cancelled_at;

  /* Nothing waits: a successful no-op, and no later wait is cancelled. */
  g_assert_cmphex (SCardCancel (first.context), ==, SCARD_S_SUCCESS);
  state.dwCurrentState = (DWORD) (manager_reader_events () & 0xFFFF) << 16;
  g_assert_cmphex (SCardGetStatusChange (first.context, 100, &state, 1), ==, SCARD_E_TIMEOUT);

  first_thread = g_thread_new ("waiter-1", wait_thread, &first);
  second_thread = g_thread_new ("waiter-2", wait_thread, &second);
  g_usleep (300 * 1000);
  /* A cancel before the wait began is a no-op: cancel until it ends. */
  do
    {
      cancelled_at = g_get_monotonic_time ();
      g_assert_cmphex (SCardCancel (first.context), ==, SCARD_S_SUCCESS);
      g_usleep (100 * 1000);
    }
  while (!g_atomic_int_get (&first.done));
  g_thread_join (first_thread);
  g_assert_cmphex (first.rv, ==, SCARD_E_CANCELLED);
  g_assert_cmpint (first.returned_at - cancelled_at, <, G_USEC_PER_SEC / 2);
  /* Only the context that was cancelled: the other one times out. */
  g_thread_join (second_thread);
  g_assert_cmphex (second.rv, ==, SCARD_E_TIMEOUT);

  g_assert_cmphex (SCardReleaseContext (first.context), ==, SCARD_S_SUCCESS);
  g_assert_cmphex (SCardReleaseContext (second.context), ==, SCARD_S_SUCCESS);
}

static void
test_release_wakes_waiter (void)
{
  Waiter waiter = { .context = establish (), .timeout = INFINITE };
  GThread *thread = g_thread_new ("waiter", wait_thread, &waiter);

  g_usleep (200 * 1000);
  g_assert_cmphex (SCardReleaseContext (waiter.context), ==, SCARD_S_SUCCESS);
  g_thread_join (thread);
  g_assert_cmphex (waiter.rv, ==, SCARD_E_INVALID_HANDLE);
}

#define N_THREADS 50
#define N_ROUNDS 100

static gpointer
establish_thread (gpointer user_data)
{
  gint *errors = user_data;
  SCARD_READERSTATE state = { .szReader = PNP };

  for (guint i = 0; i < N_ROUNDS; i++)
    {
      SCARDCONTEXT context = 0;
      DWORD length = 0;

      if (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context) != SCARD_S_SUCCESS
          || SCardIsValidContext (context) != SCARD_S_SUCCESS
          || SCardListReaders (context, NULL, NULL, &length) != SCARD_E_NO_READERS_AVAILABLE
          || SCardGetStatusChange (context, 0, &state, 1) != SCARD_E_TIMEOUT
          || SCardCancel (context) != SCARD_S_SUCCESS
          || SCardReleaseContext (context) != SCARD_S_SUCCESS)
        g_atomic_int_inc (errors);
    }
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[N_THREADS];
  gint errors = 0;

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("establish", establish_thread, &errors);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (errors, ==, 0);
}

static gboolean
on_idle_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_main_context (void)
{
  SCARDCONTEXT context = establish ();
  SCARD_READERSTATE state = { .szReader = PNP };
  gboolean ran = FALSE;
  guint id = g_idle_add (on_idle_flag, &ran);

  /* The library never iterates the application's main context. */
  g_assert_cmphex (SCardGetStatusChange (context, 100, &state, 1), ==, SCARD_E_TIMEOUT);
  g_assert_false (ran);
  g_source_remove (id);
  g_assert_cmphex (SCardReleaseContext (context), ==, SCARD_S_SUCCESS);
}

static void
test_fork (void)
{
  SCARDCONTEXT context = establish ();
  char verdict[3] = { 0 };
  int status = 0;
  int fds[2];
  pid_t pid;

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      SCARDCONTEXT fresh = 0;
      DWORD length = 0;
      SCARD_READERSTATE state = { .szReader = PNP };
      gboolean ok;

      /* Errors, never a deadlock: the parent's threads do not exist here. */
      alarm (60);
      ok = SCardIsValidContext (context) == SCARD_E_INVALID_HANDLE
           && SCardListReaders (context, NULL, NULL, &length) == SCARD_E_INVALID_HANDLE
           && SCardGetStatusChange (context, INFINITE, &state, 1) == SCARD_E_INVALID_HANDLE
           && SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &fresh) == SCARD_E_NO_SERVICE
           && SCardReleaseContext (context) == SCARD_E_INVALID_HANDLE
           && strcmp (pcsc_stringify_error (SCARD_E_NO_SERVICE), "Service not available.") == 0;
      /* The verdict goes through the pipe: under valgrind the exit status
       * also counts the parent's memory, which the child cannot free. */
      if (write (fds[1], ok ? "ok" : "no", 2) != 2)
        _exit (2);
      _exit (0);
    }
  close (fds[1]);
  g_assert_cmpint (read (fds[0], verdict, 2), ==, 2);
  close (fds[0]);
  g_assert_cmpstr (verdict, ==, "ok");
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  /* The parent goes on. */
  g_assert_cmphex (SCardIsValidContext (context), ==, SCARD_S_SUCCESS);
  g_assert_cmphex (SCardReleaseContext (context), ==, SCARD_S_SUCCESS);
}

static gboolean
wait_established (LONG expected, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  /* The library learns of the daemon through NameOwnerChanged, in its
   * own thread: give it the time to see it. */
  while (g_get_monotonic_time () < end)
    {
      SCARDCONTEXT context = 0;
      LONG rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context);

      if (rv == SCARD_S_SUCCESS)
        SCardReleaseContext (context);
      if (rv == expected)
        return TRUE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

static void
test_restart (void)
{
  SCARDCONTEXT old = establish ();
  SCARDCONTEXT fresh;
  Waiter waiter = { .context = establish (), .timeout = INFINITE };
  GThread *thread = g_thread_new ("waiter", wait_thread, &waiter);
  DWORD length = 0;

  g_usleep (200 * 1000);
  g_subprocess_send_signal (fixture.daemon, SIGTERM);
  g_assert_cmpint (scb_fixture_wait (fixture.daemon, 10000), ==, 0);
  g_clear_object (&fixture.daemon);

  /* A wait on the instance that left ends. */
  g_thread_join (thread);
  g_assert_cmphex (waiter.rv, ==, SCARD_E_NO_SERVICE);
  g_assert_true (wait_established (SCARD_E_NO_SERVICE, 5000));
  g_assert_cmphex (SCardListReaders (old, NULL, NULL, &length), ==, SCARD_E_NO_SERVICE);
  g_assert_cmphex (SCardIsValidContext (old), ==, SCARD_E_INVALID_HANDLE);

  fixture.daemon = scb_fixture_start_daemon (&fixture, NULL);
  g_assert_true (wait_established (SCARD_S_SUCCESS, 5000));
  fresh = establish ();
  g_assert_cmphex (SCardListReaders (fresh, NULL, NULL, &length), ==, SCARD_E_NO_READERS_AVAILABLE);
  /* Old handles stay dead: no hang, no crash, and they can be released. */
  g_assert_cmphex (SCardListReaders (old, NULL, NULL, &length), ==, SCARD_E_NO_SERVICE);
  g_assert_cmphex (SCardReleaseContext (old), ==, SCARD_E_NO_SERVICE);
  g_assert_cmphex (SCardReleaseContext (waiter.context), ==, SCARD_E_NO_SERVICE);
  g_assert_cmphex (SCardReleaseContext (fresh), ==, SCARD_S_SUCCESS);
}

int
main (int argc, char **argv)
{
  int rv;

  g_test_init (&argc, &argv, NULL);
  scb_fixture_setup (&fixture, NULL);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", scb_testenv_get_address (fixture.env), TRUE);

  g_test_add_func ("/winscard/service/context", test_context);
  g_test_add_func ("/winscard/service/no-readers", test_no_readers);
  g_test_add_func ("/winscard/service/pnp", test_pnp);
  g_test_add_func ("/winscard/service/cancel", test_cancel);
  g_test_add_func ("/winscard/service/release-wakes-waiter", test_release_wakes_waiter);
  g_test_add_func ("/winscard/service/threads", test_threads);
  g_test_add_func ("/winscard/service/main-context", test_main_context);
  g_test_add_func ("/winscard/service/fork", test_fork);
  g_test_add_func ("/winscard/service/restart", test_restart);
  rv = g_test_run ();
  scb_fixture_teardown (&fixture, NULL);
  return rv;
}

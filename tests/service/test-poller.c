/* test-poller.c: many fds behind one GSource
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-poller.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct
{
  int fds[2];
  ScbPollerWatch *watch;
  GIOCondition seen;
  guint calls;
  ScbPollerWatch *victim; /* removed by this watch's callback */
} End;

static void
on_ready (gpointer user_data, GIOCondition revents)
{
  End *end = user_data;
  char byte;

  end->seen |= revents;
  end->calls++;
  if (revents & G_IO_IN)
    g_assert_cmpint (read (end->fds[0], &byte, 1), ==, 1);
  if (end->victim != NULL)
    g_clear_pointer (&end->victim, scb_poller_watch_remove);
}

static void
end_open (End *end, GIOCondition events)
{
  g_autoptr (GError) error = NULL;

  memset (end, 0, sizeof *end);
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, end->fds));
  end->watch = scb_poller_watch (end->fds[0], events, on_ready, end, &error);
  g_assert_no_error (error);
  g_assert_nonnull (end->watch);
}

static void
end_close (End *end)
{
  g_clear_pointer (&end->watch, scb_poller_watch_remove);
  close (end->fds[0]);
  if (end->fds[1] >= 0)
    close (end->fds[1]);
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Only the ready watch is called, with what it is ready for. */
static void
test_ready_only (void)
{
  End ends[50];

  for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
    end_open (&ends[i], G_IO_IN);
  g_assert_cmpuint (scb_poller_count (), ==, G_N_ELEMENTS (ends));
  g_assert_cmpint (write (ends[17].fds[1], "x", 1), ==, 1);
  iterate ();
  for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
    g_assert_cmpuint (ends[i].calls, ==, i == 17 ? 1 : 0);
  g_assert_cmpuint (ends[17].seen, ==, G_IO_IN);
  for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
    end_close (&ends[i]);
  g_assert_cmpuint (scb_poller_count (), ==, 0);
}

/* Events 0 still report a hang-up, as poll() does; G_IO_OUT when asked. */
static void
test_events (void)
{
  End end;

  end_open (&end, G_IO_IN);
  scb_poller_watch_set_events (end.watch, G_IO_OUT);
  g_assert_true (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (end.calls, ==, 1);
  g_assert_cmpuint (end.seen, ==, G_IO_OUT);
  scb_poller_watch_set_events (end.watch, 0);
  g_assert_cmpint (write (end.fds[1], "x", 1), ==, 1);
  g_assert_false (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (end.calls, ==, 1);
  close (end.fds[1]);
  end.fds[1] = -1;
  g_assert_true (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (end.calls, ==, 2);
  g_assert_true (end.seen & G_IO_HUP);
  g_assert_false (end.seen & G_IO_IN);
  end_close (&end);
}

/* A callback removes a watch that is ready in the same batch: the removed
 * one is not called (valgrind or ASan would see a use after free). */
static void
test_remove_in_dispatch (void)
{
  End a, b;

  end_open (&a, G_IO_IN);
  end_open (&b, G_IO_IN);
  a.victim = b.watch;
  b.victim = a.watch;
  g_assert_cmpint (write (a.fds[1], "x", 1), ==, 1);
  g_assert_cmpint (write (b.fds[1], "x", 1), ==, 1);
  g_main_context_iteration (NULL, FALSE);
  /* One of them ran first and removed the other. */
  g_assert_cmpuint (a.calls + b.calls, ==, 1);
  g_assert_cmpuint (scb_poller_count (), ==, 1);
  if (a.calls == 1)
    b.watch = NULL;
  else
    a.watch = NULL;
  end_close (&a);
  end_close (&b);
  g_assert_cmpuint (scb_poller_count (), ==, 0);
}

/* A watch removes itself from its own callback. */
static void
test_remove_self (void)
{
  End end;

  end_open (&end, G_IO_IN);
  end.victim = end.watch;
  g_assert_cmpint (write (end.fds[1], "xy", 2), ==, 2);
  iterate ();
  g_assert_cmpuint (end.calls, ==, 1);
  end.watch = NULL;
  end_close (&end);
}

/* A bad fd is an error, not a watch. */
static void
test_bad_fd (void)
{
  g_autoptr (GError) error = NULL;
  ScbPollerWatch *watch = scb_poller_watch (-1, G_IO_IN, on_ready, NULL, &error);

  g_assert_null (watch);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/poller/ready-only", test_ready_only);
  g_test_add_func ("/poller/events", test_events);
  g_test_add_func ("/poller/remove-in-dispatch", test_remove_in_dispatch);
  g_test_add_func ("/poller/remove-self", test_remove_self);
  g_test_add_func ("/poller/bad-fd", test_bad_fd);
  return g_test_run ();
}

/* test-limits.c: the accounts of ScbLimits and the turns of ScbFairQueue
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-fair-queue.h"
#include "scb-limits.h"

/* ---- ScbFairQueue ---------------------------------------------------------- */

typedef struct
{
  ScbFairItem item; /* first */
  char name;
  gboolean answer_at_once;
} Item;

static GString *started;
static ScbFairQueue *queue;

static void
item_send (ScbFairItem *fair_item)
{
  Item *item = (Item *) fair_item;

  g_string_append_c (started, item->name);
  if (item->answer_at_once)
    scb_fair_queue_done (queue);
}

static void
push (Item *item, guint uid, char name)
{
  item->item.lane = GUINT_TO_POINTER (uid);
  item->item.tag = GUINT_TO_POINTER (uid + 1);
  item->item.send = item_send;
  item->name = name;
  scb_fair_queue_push (queue, &item->item);
}

/* One in flight; the lanes take turns, and the lane served last waits
 * behind one that starts waiting. */
static void
test_fair_turns (void)
{
  Item items[8] = { 0 };

  started = g_string_new (NULL);
  queue = scb_fair_queue_new (1);
  push (&items[0], 65534, 'a'); /* started at once */
  push (&items[1], 65534, 'b');
  push (&items[2], 65534, 'c');
  push (&items[3], 65534, 'd');
  push (&items[4], 0, 'X');
  push (&items[5], 0, 'Y');
  g_assert_cmpstr (started->str, ==, "a");
  g_assert_cmpuint (scb_fair_queue_get_waiting (queue), ==, 5);
  for (guint i = 0; i < 5; i++)
    scb_fair_queue_done (queue);
  /* X goes right after the one in flight, then turns. */
  g_assert_cmpstr (started->str, ==, "aXbYcd");
  scb_fair_queue_done (queue);
  push (&items[6], 0, 'Z');
  g_assert_cmpstr (started->str, ==, "aXbYcdZ");
  scb_fair_queue_done (queue);
  g_assert_cmpuint (scb_fair_queue_get_waiting (queue), ==, 0);
  scb_fair_queue_free (queue);
  g_string_free (started, TRUE);
}

/* Items that end within their send function: a loop goes on, no recursion. */
static void
test_fair_at_once (void)
{
  Item *items = g_new0 (Item, 10000);

  started = g_string_new (NULL);
  queue = scb_fair_queue_new (1);
  push (&items[0], 1, 'a');
  for (guint i = 1; i < 10000; i++)
    {
      items[i].answer_at_once = TRUE;
      push (&items[i], i % 3, 'x');
    }
  g_assert_cmpuint (scb_fair_queue_get_waiting (queue), ==, 9999);
  scb_fair_queue_done (queue);
  g_assert_cmpuint (started->len, ==, 10000);
  g_assert_cmpuint (scb_fair_queue_get_waiting (queue), ==, 0);
  /* Idle again: the next one starts at once. */
  items[0].answer_at_once = FALSE;
  push (&items[0], 1, 'b');
  g_assert_cmpuint (started->len, ==, 10001);
  scb_fair_queue_done (queue);
  scb_fair_queue_free (queue);
  g_string_free (started, TRUE);
  g_free (items);
}

/* Several in flight; the waiting items of one tag are taken out. */
static void
test_fair_take (void)
{
  Item items[6] = { 0 };
  GQueue out = G_QUEUE_INIT;

  started = g_string_new (NULL);
  queue = scb_fair_queue_new (2);
  push (&items[0], 1, 'a');
  push (&items[1], 2, 'b');
  push (&items[2], 1, 'c');
  push (&items[3], 2, 'd');
  push (&items[4], 1, 'e');
  g_assert_cmpstr (started->str, ==, "ab");
  scb_fair_queue_take (queue, GUINT_TO_POINTER (2), &out);
  g_assert_cmpuint (g_queue_get_length (&out), ==, 2);
  g_assert_true (g_queue_peek_head (&out) == &items[2]);
  g_queue_clear (&out);
  scb_fair_queue_done (queue);
  scb_fair_queue_done (queue);
  g_assert_cmpstr (started->str, ==, "abd");
  scb_fair_queue_done (queue);
  scb_fair_queue_free (queue);
  g_string_free (started, TRUE);
}

/* ---- ScbLimits ------------------------------------------------------------ */

static void
test_accounts (void)
{
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (ScbLimits) limits = NULL;
  g_autoptr (ScbPeer) a = NULL;
  g_autoptr (ScbPeer) b = NULL;
  g_autoptr (ScbPeer) again = NULL;
  g_autoptr (GError) error = NULL;

  config->limits.connections_per_client = 2;
  config->limits.connections_per_user = 3;
  config->limits.waiters = 2;
  limits = scb_limits_new (&config->limits);
  a = scb_limits_get_peer (limits, ":1.1");
  b = scb_limits_get_peer (limits, ":1.2");
  again = scb_limits_get_peer (limits, ":1.1");
  g_assert_true (a == again);
  scb_peer_set_uid (a, 1000);
  scb_peer_set_uid (b, 1000);
  scb_peer_set_uid (a, 0); /* a unique name keeps its uid */
  g_assert_cmpuint (scb_peer_get_uid (a), ==, 1000);

  g_assert_true (scb_peer_take (a, SCB_RESOURCE_CONNECTION, &error));
  g_assert_true (scb_peer_take (a, SCB_RESOURCE_CONNECTION, &error));
  g_assert_false (scb_peer_take (a, SCB_RESOURCE_CONNECTION, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_LIMIT_EXCEEDED);
  g_assert_cmpstr (error->message, ==,
                   ":1.1 already has 2 connections, the most allowed (MaxConnectionsPerClient in "
                   "[Clients] of scardbusd.conf)");
  g_clear_error (&error);
  /* The user's third, then none. */
  g_assert_true (scb_peer_take (b, SCB_RESOURCE_CONNECTION, &error));
  g_assert_false (scb_peer_take (b, SCB_RESOURCE_CONNECTION, &error));
  g_assert_cmpstr (error->message, ==,
                   "uid 1000 already has 3 connections, the most allowed (MaxConnectionsPerUser "
                   "in [Clients] of scardbusd.conf)");
  g_clear_error (&error);
  scb_peer_release (a, SCB_RESOURCE_CONNECTION);
  g_assert_true (scb_peer_take (b, SCB_RESOURCE_CONNECTION, &error));

  /* Waiters: per client 32, in total 2 here. */
  g_assert_true (scb_peer_take (a, SCB_RESOURCE_WAITER, &error));
  g_assert_true (scb_peer_take (b, SCB_RESOURCE_WAITER, &error));
  g_assert_false (scb_peer_take (b, SCB_RESOURCE_WAITER, &error));
  g_assert_cmpstr (error->message, ==,
                   "2 calls already wait for a transaction, the most allowed "
                   "(MaxTransactionWaiters in [Clients] of scardbusd.conf)");
  g_clear_error (&error);
  scb_peer_release (a, SCB_RESOURCE_WAITER);
  scb_peer_release (b, SCB_RESOURCE_WAITER);

  /* Gone: nothing new is taken for it. */
  scb_limits_forget (limits, ":1.1");
  g_assert_true (scb_peer_is_gone (a));
  g_assert_false (scb_peer_take (a, SCB_RESOURCE_REQUEST, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_CANCELLED);
  g_clear_error (&error);
  scb_peer_release (a, SCB_RESOURCE_CONNECTION);
  scb_peer_release (b, SCB_RESOURCE_CONNECTION);
  scb_peer_release (b, SCB_RESOURCE_CONNECTION);
  g_assert_cmpuint (scb_peer_count (b, SCB_RESOURCE_CONNECTION), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/limits/fair-turns", test_fair_turns);
  g_test_add_func ("/limits/fair-at-once", test_fair_at_once);
  g_test_add_func ("/limits/fair-take", test_fair_take);
  g_test_add_func ("/limits/accounts", test_accounts);
  return g_test_run ();
}

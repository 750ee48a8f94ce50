/* scb-fair-queue.c: work that waits its turn, served fairly by lane
 *
 * Two users: the APDUs of one reader (one in flight, one lane per uid) and
 * the polkit checks of the bouncer (a few in flight, one lane per user or
 * client). First come, first served would let one client that queues
 * hundreds of 64 KiB APDUs, or floods denied calls, hold off everyone
 * else for minutes; here the lanes take turns (round robin). The common
 * case, room to start at once, touches no lane and allocates nothing.
 * Starting the next item is a loop, not a recursion, because an item may
 * end before its send function returns.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-fair-queue.h"

typedef struct
{
  gpointer key;
  GQueue items;    /* ScbFairItem, through their links */
  GList turn_link; /* in ScbFairQueue.turns while it has items */
} Lane;

struct _ScbFairQueue
{
  guint max_in_flight;
  guint in_flight;
  gboolean sending;  /* inside a send function */
  gboolean finished; /* the item being sent ended during its send */
  gpointer current;  /* the lane of the item started last */
  GHashTable *lanes; /* key -> Lane */
  GQueue turns;      /* Lane with items, in turn order */
  guint waiting;
};

ScbFairQueue *
scb_fair_queue_new (guint max_in_flight)
{
  ScbFairQueue *self = g_new0 (ScbFairQueue, 1);

  self->max_in_flight = MAX (max_in_flight, 1);
  self->lanes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_queue_init (&self->turns);
  return self;
}

void
scb_fair_queue_free (ScbFairQueue *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->lanes);
  g_free (self);
}

guint
scb_fair_queue_get_waiting (ScbFairQueue *self)
{
  return self->waiting;
}

static void
lane_drop (ScbFairQueue *self, Lane *lane)
{
  g_queue_unlink (&self->turns, &lane->turn_link);
  g_hash_table_remove (self->lanes, lane->key);
}

/* The next item to start, NULL when none waits. */
static ScbFairItem *
pop_next (ScbFairQueue *self)
{
  GList *turn = g_queue_peek_head_link (&self->turns);
  Lane *lane;
  GList *link;

  if (turn == NULL)
    return NULL;
  lane = turn->data;
  link = g_queue_pop_head_link (&lane->items);
  self->waiting--;
  if (g_queue_is_empty (&lane->items))
    lane_drop (self, lane);
  else
    {
      /* Its turn is over: to the back. */
      g_queue_unlink (&self->turns, turn);
      g_queue_push_tail_link (&self->turns, turn);
    }
  return link->data;
}

/* Starts @item, counted in in_flight already, and whatever can follow it. */
static void
run (ScbFairQueue *self, ScbFairItem *item)
{
  while (item != NULL)
    {
      self->finished = FALSE;
      self->current = item->lane;
      self->sending = TRUE;
      item->send (item);
      self->sending = FALSE;
      if (!self->finished)
        return;
      item = pop_next (self);
      if (item == NULL)
        self->in_flight--;
    }
}

void
scb_fair_queue_push (ScbFairQueue *self, ScbFairItem *item)
{
  Lane *lane;

  item->link.data = item;
  item->link.prev = item->link.next = NULL;
  if (self->in_flight < self->max_in_flight && self->waiting == 0 && !self->sending)
    {
      self->in_flight++;
      run (self, item);
      return;
    }
  lane = g_hash_table_lookup (self->lanes, item->lane);
  if (lane == NULL)
    {
      lane = g_new0 (Lane, 1);
      lane->key = item->lane;
      lane->turn_link.data = lane;
      g_queue_init (&lane->items);
      g_hash_table_insert (self->lanes, item->lane, lane);
    }
  if (g_queue_is_empty (&lane->items))
    {
      Lane *current
          = lane->key != self->current ? g_hash_table_lookup (self->lanes, self->current) : NULL;

      /* The lane whose item was started last had its turn: it goes after
       * a lane that starts waiting now. */
      if (current != NULL && !g_queue_is_empty (&current->items))
        g_queue_insert_before_link (&self->turns, &current->turn_link, &lane->turn_link);
      else
        g_queue_push_tail_link (&self->turns, &lane->turn_link);
    }
  g_queue_push_tail_link (&lane->items, &item->link);
  self->waiting++;
}

void
scb_fair_queue_done (ScbFairQueue *self)
{
  ScbFairItem *next;

  if (self->sending)
    {
      /* run() goes on with the next one. */
      self->finished = TRUE;
      return;
    }
  g_return_if_fail (self->in_flight > 0);
  next = pop_next (self);
  if (next == NULL)
    self->in_flight--;
  else
    run (self, next);
}

static gboolean
has_tag (ScbFairItem *item, gpointer tag)
{
  return item->tag == tag;
}

void
scb_fair_queue_take (ScbFairQueue *self, gpointer tag, GQueue *out)
{
  scb_fair_queue_take_matching (self, has_tag, tag, out);
}

void
scb_fair_queue_take_matching (ScbFairQueue *self, ScbFairItemMatch match, gpointer data,
                              GQueue *out)
{
  GList *turn = self->turns.head;

  while (turn != NULL)
    {
      Lane *lane = turn->data;
      GList *l = lane->items.head;

      turn = turn->next;
      while (l != NULL)
        {
          GList *next = l->next;
          ScbFairItem *item = l->data;

          if (match (item, data))
            {
              g_queue_unlink (&lane->items, l);
              g_queue_push_tail (out, item);
              self->waiting--;
            }
          l = next;
        }
      if (g_queue_is_empty (&lane->items))
        lane_drop (self, lane);
    }
}

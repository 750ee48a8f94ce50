/* scb-fair-queue.h: work that waits its turn, served fairly by lane
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ScbFairQueue ScbFairQueue;
typedef struct _ScbFairItem ScbFairItem;

/* Starts @item; its end is told with scb_fair_queue_done(). */
typedef void (*ScbFairItemSend) (ScbFairItem *item);

/* Embedded in the caller's own record of the work: queueing allocates
 * nothing per item (a lane is made when its first item has to wait). */
struct _ScbFairItem
{
  GList link;    /* in its lane */
  gpointer lane; /* whose turn it takes: a uid (GUINT_TO_POINTER), a client */
  gpointer tag;  /* who queued it, for scb_fair_queue_take() */
  ScbFairItemSend send;
};

ScbFairQueue *scb_fair_queue_new (guint max_in_flight);
void scb_fair_queue_free (ScbFairQueue *self);

/* Starts @item now when fewer than max_in_flight items are started and
 * none waits, else queues it in its lane. Lanes take turns (round robin):
 * a lane with many items delays another's next one by one item at most. */
void scb_fair_queue_push (ScbFairQueue *self, ScbFairItem *item);
/* One started item ended: starts the next one, if any. May be called from
 * within the send function (work refused at once). */
void scb_fair_queue_done (ScbFairQueue *self);
/* Takes every waiting item of @tag out of the queue, in order, into @out
 * (items already started stay started). */
void scb_fair_queue_take (ScbFairQueue *self, gpointer tag, GQueue *out);
/* The same for the waiting items @match says yes to. */
typedef gboolean (*ScbFairItemMatch) (ScbFairItem *item, gpointer data);
void scb_fair_queue_take_matching (ScbFairQueue *self, ScbFairItemMatch match, gpointer data,
                                   GQueue *out);
guint scb_fair_queue_get_waiting (ScbFairQueue *self);

G_END_DECLS

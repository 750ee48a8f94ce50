/* winscard-readers.c: the library's ScbClient as the SCard* calls read it
 *
 * The ScbClient (libscardbus) follows scardbusd in the library thread: its
 * snapshot, ReaderAdded/ReaderRemoved in counter order, the readers'
 * properties, restarts. Its objects belong to that thread; the SCard*
 * calls run in the application's. On every ScbClient::changed, which comes
 * once a change is applied and consistent, this file copies what they read
 * (the readers' names, states, counters and ATRs, and the reader counter
 * that goes with the list) under one lock and broadcasts the condition
 * variable that SCardGetStatusChange() waits on: nothing polls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include <string.h>

static GMutex view_lock;
static GCond view_cond;
/* Under view_lock: */
static GArray *readers; /* WscReader */
static char *service;
static guint32 reader_events;
static guint64 generation;
static guint64 last_generation;

static void
reader_clear (gpointer data)
{
  WscReader *reader = data;

  g_free (reader->path);
  g_free (reader->name);
}

static GArray *
readers_new (void)
{
  GArray *array = g_array_new (FALSE, TRUE, sizeof (WscReader));

  g_array_set_clear_func (array, reader_clear);
  return array;
}

void
wsc_readers_lock (void)
{
  g_mutex_lock (&view_lock);
  if (readers == NULL)
    readers = readers_new ();
}

void
wsc_readers_unlock (void)
{
  g_mutex_unlock (&view_lock);
}

void
wsc_readers_broadcast_locked (void)
{
  g_cond_broadcast (&view_cond);
}

gboolean
wsc_readers_wait_locked (gint64 end_time)
{
  if (end_time < 0)
    {
      g_cond_wait (&view_cond, &view_lock);
      return TRUE;
    }
  /* g_cond_wait_until() counts on the monotonic clock. */
  return g_cond_wait_until (&view_cond, &view_lock, end_time);
}

guint64
wsc_readers_get_generation_locked (void)
{
  return generation;
}

const char *
wsc_readers_get_service_locked (void)
{
  return service;
}

guint32
wsc_readers_get_reader_events_locked (void)
{
  return reader_events;
}

GArray *
wsc_readers_get_locked (void)
{
  return readers;
}

const WscReader *
wsc_readers_find_locked (const char *name)
{
  for (guint i = 0; i < readers->len; i++)
    {
      const WscReader *reader = &g_array_index (readers, WscReader, i);

      if (strcmp (reader->name, name) == 0)
        return reader;
    }
  return NULL;
}

/* The readers of @client, built outside the lock. */
static GArray *
copy_readers (ScbClient *client)
{
  g_autoptr (GPtrArray) list = scb_client_get_readers (client);
  GArray *copy = readers_new ();

  for (guint i = 0; i < list->len; i++)
    {
      ScbClientReader *reader = g_ptr_array_index (list, i);
      gsize atr_len = 0;
      const guint8 *atr = g_bytes_get_data (scb_client_reader_get_atr (reader), &atr_len);
      WscReader entry = {
        .path = g_strdup (scb_client_reader_get_object_path (reader)),
        .name = g_strdup (scb_client_reader_get_name (reader)),
        .state = scb_client_reader_get_state (reader),
        .card_events = scb_client_reader_get_card_events (reader),
        /* The daemon checks ATRs; a longer one is cut, never overflows. */
        .atr_len = MIN (atr_len, MAX_ATR_SIZE),
      };

      if (entry.name == NULL)
        entry.name = g_strdup ("");
      if (entry.atr_len > 0)
        memcpy (entry.atr, atr, entry.atr_len);
      g_array_append_val (copy, entry);
    }
  return copy;
}

static gboolean
same_readers (GArray *a, GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const WscReader *x = &g_array_index (a, WscReader, i);
      const WscReader *y = &g_array_index (b, WscReader, i);

      if (strcmp (x->path, y->path) != 0 || strcmp (x->name, y->name) != 0 || x->state != y->state
          || x->card_events != y->card_events || x->atr_len != y->atr_len
          || memcmp (x->atr, y->atr, x->atr_len) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
show (ScbClient *client)
{
  gboolean running = client != NULL && scb_client_get_service_running (client);
  g_autoptr (GArray) copy = running ? copy_readers (client) : readers_new ();
  guint32 events = running ? scb_client_get_reader_events (client) : 0;
  const char *owner = running ? scb_client_get_service_owner (client) : NULL;

  wsc_readers_lock ();
  /* Waiters wake for what they can see: not for a card object arriving. */
  if ((generation != 0) == running && events == reader_events && g_strcmp0 (owner, service) == 0
      && same_readers (copy, readers))
    {
      wsc_readers_unlock ();
      return;
    }
  if (!running && generation != 0)
    g_debug ("winscard: scardbusd went away");
  /* A new instance: the handles of the one before stay dead. */
  if (running && generation == 0)
    generation = ++last_generation;
  else if (!running)
    generation = 0;
  g_free (service);
  service = g_strdup (owner);
  reader_events = events;
  g_array_unref (readers);
  readers = g_steal_pointer (&copy);
  wsc_readers_broadcast_locked ();
  wsc_readers_unlock ();
}

static void
on_changed (ScbClient *client, gpointer user_data)
{
  show (client);
}

void
wsc_readers_follow (ScbClient *client)
{
  g_signal_connect (client, "changed", G_CALLBACK (on_changed), NULL);
  show (client);
}

void
wsc_readers_unfollow (ScbClient *client)
{
  g_signal_handlers_disconnect_by_func (client, on_changed, NULL);
  show (NULL);
}

/* test-objects-events.c: counters and signal order, for three watchers
 *
 * Under scardbus-sim with one tpdu reader holding a t1 card (sim index 0).
 * Three watchers, each on its own bus connection, subscribe first, then
 * read the snapshot; every event must then reach each of them exactly
 * once, in docs/architecture.md's order, with consecutive counters:
 *   plug:    InterfacesAdded, PropertiesChanged(ReaderEvents), ReaderAdded
 *   unplug:  ReaderRemoved, PropertiesChanged(ReaderEvents), InterfacesRemoved
 *   insert:  InterfacesAdded(card), PropertiesChanged(State, Atr, Card, CardEvents)
 *   remove:  PropertiesChanged(State, Atr, Card, CardEvents), InterfacesRemoved(card)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <string.h>

#define N_WATCHERS 3
#define CYCLES 100

typedef struct
{
  char kind;       /* A, R: Interfaces{Added,Removed}; P: PropertiesChanged;
                    * a, r: Reader{Added,Removed} */
  char *path;      /* the object concerned */
  char *iface;     /* A, R: the first interface; P: the interface */
  GVariant *props; /* P: the changed properties */
  guint32 counter; /* a, r */
} Event;

typedef struct
{
  GDBusConnection *bus;
  guint id;
  GPtrArray *events;
  guint32 reader_events; /* the last ReaderEvents seen */
  guint32 card_events;   /* the last CardEvents of reader/0 seen */
} Watcher;

static guint32
next (guint32 value)
{
  value++;
  if ((value & 0xffff) == 0)
    value++;
  return value;
}

static void
event_free (Event *event)
{
  g_free (event->path);
  g_free (event->iface);
  g_clear_pointer (&event->props, g_variant_unref);
  g_free (event);
}

static void
on_signal (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
           const char *member, GVariant *parameters, gpointer user_data)
{
  Watcher *w = user_data;
  Event *e;

  if (!g_str_has_prefix (path, OC_ROOT))
    return;
  e = g_new0 (Event, 1);
  if (g_str_equal (member, "InterfacesAdded") || g_str_equal (member, "InterfacesRemoved"))
    {
      g_autoptr (GVariant) ifaces = NULL;

      e->kind = member[10] == 'A' ? 'A' : 'R';
      g_variant_get (parameters, e->kind == 'A' ? "(o@a{sa{sv}})" : "(o@as)", &e->path, &ifaces);
      if (e->kind == 'A')
        g_variant_get_child (ifaces, 0, "{s@a{sv}}", &e->iface, NULL);
      else
        g_variant_get_child (ifaces, 0, "s", &e->iface);
    }
  else if (g_str_equal (member, "PropertiesChanged"))
    {
      guint32 value;

      e->kind = 'P';
      e->path = g_strdup (path);
      g_variant_get (parameters, "(s@a{sv}@as)", &e->iface, &e->props, NULL);
      if (g_variant_lookup (e->props, "ReaderEvents", "u", &value))
        w->reader_events = value;
      if (g_str_equal (path, OC_ROOT "/reader/0")
          && g_variant_lookup (e->props, "CardEvents", "u", &value))
        w->card_events = value;
    }
  else if (g_str_equal (member, "ReaderAdded") || g_str_equal (member, "ReaderRemoved"))
    {
      e->kind = member[6] == 'A' ? 'a' : 'r';
      g_variant_get (parameters, "(osu)", &e->path, NULL, &e->counter);
    }
  else
    {
      g_free (e);
      return;
    }
  g_ptr_array_add (w->events, e);
}

static void
watchers_start (Watcher *watchers, guint32 *reader_events, guint32 *card_events)
{
  for (guint i = 0; i < N_WATCHERS; i++)
    {
      Watcher *w = &watchers[i];
      g_autoptr (GVariant) value = NULL;
      guint32 events = 0;

      w->bus = oc_bus_new ();
      w->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
      /* Subscribe first, then read the snapshot. */
      w->id = g_dbus_connection_signal_subscribe (w->bus, OC_NAME, NULL, NULL, NULL, NULL,
                                                  G_DBUS_SIGNAL_FLAGS_NONE, on_signal, w, NULL);
      g_strfreev (oc_readers (w->bus, &events));
      value = oc_get_property (w->bus, OC_ROOT "/reader/0", OC_READER, "CardEvents");
      w->reader_events = events;
      w->card_events = g_variant_get_uint32 (value);
      if (i == 0)
        {
          *reader_events = events;
          *card_events = w->card_events;
        }
      g_assert_cmpuint (w->reader_events, ==, *reader_events);
      g_assert_cmpuint (w->card_events, ==, *card_events);
    }
}

/* Everything the daemon sent before now has been dispatched: a method
 * reply comes after the signals sent before it on the same connection. */
static void
watchers_sync (Watcher *watchers)
{
  for (guint i = 0; i < N_WATCHERS; i++)
    g_strfreev (oc_readers (watchers[i].bus, NULL));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
watchers_stop (Watcher *watchers)
{
  for (guint i = 0; i < N_WATCHERS; i++)
    {
      g_dbus_connection_signal_unsubscribe (watchers[i].bus, watchers[i].id);
      g_clear_object (&watchers[i].bus);
      g_clear_pointer (&watchers[i].events, g_ptr_array_unref);
    }
}

typedef struct
{
  Watcher *watchers;
  guint32 reader_events;
  guint32 card_events;
} Expect;

static gboolean
all_seen (gpointer data)
{
  Expect *x = data;

  for (guint i = 0; i < N_WATCHERS; i++)
    {
      if (x->watchers[i].reader_events != x->reader_events
          || x->watchers[i].card_events != x->card_events)
        return FALSE;
    }
  return TRUE;
}

static void
test_startup (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  guint32 events = 0;
  g_auto (GStrv) readers = oc_readers (bus, &events);
  g_autoptr (GVariant) value = oc_get_property (bus, OC_ROOT, OC_MANAGER, "ReaderEvents");
  g_autoptr (GVariant) card = oc_get_property (bus, readers[0], OC_READER, "Card");
  g_autoptr (GVariant) reader = NULL;

  /* 1 + the readers found at start-up. */
  g_assert_cmpuint (g_strv_length (readers), ==, 1);
  g_assert_cmpuint (events, ==, 2);
  g_assert_cmpuint (g_variant_get_uint32 (value), ==, 2);
  g_assert_true (g_str_has_prefix (g_variant_get_string (card, NULL), OC_ROOT "/card/"));
  reader = oc_get_property (bus, g_variant_get_string (card, NULL), OC_CARD, "Reader");
  g_assert_cmpstr (g_variant_get_string (reader, NULL), ==, readers[0]);
}

/* The events of @w that concern readers coming and going. */
static void
check_plug_events (Watcher *w, guint32 start)
{
  g_autoptr (GPtrArray) seq = g_ptr_array_new ();
  g_autoptr (GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  guint32 counter = start;
  guint i;

  for (i = 0; i < w->events->len; i++)
    {
      Event *e = g_ptr_array_index (w->events, i);

      if ((e->kind == 'A' || e->kind == 'R') && g_str_equal (e->iface, OC_READER))
        g_ptr_array_add (seq, e);
      else if (e->kind == 'P' && g_str_equal (e->path, OC_ROOT))
        g_ptr_array_add (seq, e);
      else if (e->kind == 'a' || e->kind == 'r')
        g_ptr_array_add (seq, e);
    }
  g_assert_cmpuint (seq->len, ==, CYCLES * 6);
  for (i = 0; i < seq->len; i += 6)
    {
      Event *added = seq->pdata[i], *pa = seq->pdata[i + 1], *ra = seq->pdata[i + 2];
      Event *rr = seq->pdata[i + 3], *pr = seq->pdata[i + 4], *removed = seq->pdata[i + 5];
      guint32 value = 0;

      g_assert_cmpint (added->kind, ==, 'A');
      g_assert_false (g_hash_table_contains (paths, added->path)); /* never reused */
      g_hash_table_add (paths, added->path);
      counter = next (counter);
      g_assert_cmpint (pa->kind, ==, 'P');
      g_assert_true (g_variant_lookup (pa->props, "ReaderEvents", "u", &value));
      g_assert_cmpuint (value, ==, counter);
      g_assert_cmpint (ra->kind, ==, 'a');
      g_assert_cmpstr (ra->path, ==, added->path);
      g_assert_cmpuint (ra->counter, ==, counter);

      counter = next (counter);
      g_assert_cmpint (rr->kind, ==, 'r');
      g_assert_cmpstr (rr->path, ==, added->path);
      g_assert_cmpuint (rr->counter, ==, counter);
      g_assert_cmpint (pr->kind, ==, 'P');
      g_assert_true (g_variant_lookup (pr->props, "ReaderEvents", "u", &value));
      g_assert_cmpuint (value, ==, counter);
      g_assert_cmpint (removed->kind, ==, 'R');
      g_assert_cmpstr (removed->path, ==, added->path);
    }
}

static void
test_plug_cycles (void)
{
  Watcher watchers[N_WATCHERS] = { 0 };
  Expect x = { watchers, 0, 0 };
  guint32 start;

  watchers_start (watchers, &x.reader_events, &x.card_events);
  start = x.reader_events;
  for (guint i = 0; i < CYCLES; i++)
    {
      g_autofree char *index = oc_ctl ("plug tpdu:none");
      g_autofree char *ignored = NULL;

      x.reader_events = next (x.reader_events);
      g_assert_true (oc_wait_for (all_seen, &x, 10000));
      ignored = oc_ctl ("unplug %s", index);
      x.reader_events = next (x.reader_events);
      g_assert_true (oc_wait_for (all_seen, &x, 10000));
    }
  watchers_sync (watchers);
  for (guint i = 0; i < N_WATCHERS; i++)
    check_plug_events (&watchers[i], start);
  watchers_stop (watchers);
}

static void
check_card_events (Watcher *w, guint32 start)
{
  g_autoptr (GPtrArray) seq = g_ptr_array_new ();
  g_autoptr (GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  guint32 counter = start;
  guint i;

  for (i = 0; i < w->events->len; i++)
    {
      Event *e = g_ptr_array_index (w->events, i);

      if ((e->kind == 'A' || e->kind == 'R') && g_str_equal (e->iface, OC_CARD))
        g_ptr_array_add (seq, e);
      else if (e->kind == 'P' && g_str_equal (e->path, OC_ROOT "/reader/0"))
        g_ptr_array_add (seq, e);
    }
  g_assert_cmpuint (seq->len, ==, CYCLES * 4);
  for (i = 0; i < seq->len; i += 4)
    {
      Event *pr = seq->pdata[i], *removed = seq->pdata[i + 1];
      Event *added = seq->pdata[i + 2], *pa = seq->pdata[i + 3];
      guint32 value = 0, state = 0;
      const char *card = NULL;
      g_autoptr (GVariant) atr = NULL;

      /* Removal: one PropertiesChanged with all four, then the card goes. */
      counter = next (counter);
      g_assert_cmpint (pr->kind, ==, 'P');
      g_assert_true (g_variant_lookup (pr->props, "CardEvents", "u", &value));
      g_assert_cmpuint (value, ==, counter);
      g_assert_true (g_variant_lookup (pr->props, "State", "u", &state));
      g_assert_cmphex (state, ==, 0x10);
      g_assert_true (g_variant_lookup (pr->props, "Card", "&o", &card));
      g_assert_cmpstr (card, ==, "/");
      g_assert_true (g_variant_lookup (pr->props, "Atr", "@ay", &atr));
      g_assert_cmpuint (g_variant_n_children (atr), ==, 0);
      g_clear_pointer (&atr, g_variant_unref);
      g_assert_cmpint (removed->kind, ==, 'R');

      /* Insertion: the card object first, then the reader's change. */
      counter = next (counter);
      g_assert_cmpint (added->kind, ==, 'A');
      g_assert_false (g_hash_table_contains (paths, added->path)); /* never reused */
      g_hash_table_add (paths, added->path);
      g_assert_cmpint (pa->kind, ==, 'P');
      g_assert_true (g_variant_lookup (pa->props, "CardEvents", "u", &value));
      g_assert_cmpuint (value, ==, counter);
      g_assert_true (g_variant_lookup (pa->props, "State", "u", &state));
      g_assert_cmphex (state, ==, 0x20);
      g_assert_true (g_variant_lookup (pa->props, "Card", "&o", &card));
      g_assert_cmpstr (card, ==, added->path);
      g_assert_true (g_variant_lookup (pa->props, "Atr", "@ay", &atr));
      g_assert_cmpuint (g_variant_n_children (atr), >, 0);
    }
}

static void
test_card_cycles (void)
{
  Watcher watchers[N_WATCHERS] = { 0 };
  Expect x = { watchers, 0, 0 };
  guint32 start;

  watchers_start (watchers, &x.reader_events, &x.card_events);
  start = x.card_events;
  for (guint i = 0; i < CYCLES; i++)
    {
      g_autofree char *ignored = NULL;
      ignored = oc_ctl ("remove 0");
      g_autofree char *ignored2 = NULL;

      x.card_events = next (x.card_events);
      g_assert_true (oc_wait_for (all_seen, &x, 10000));
      ignored2 = oc_ctl ("insert 0 t1");
      x.card_events = next (x.card_events);
      g_assert_true (oc_wait_for (all_seen, &x, 10000));
    }
  watchers_sync (watchers);
  for (guint i = 0; i < N_WATCHERS; i++)
    check_card_events (&watchers[i], start);
  watchers_stop (watchers);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/objects/events/startup", test_startup);
  g_test_add_func ("/objects/events/cycles/plug", test_plug_cycles);
  g_test_add_func ("/objects/events/cycles/card", test_card_cycles);
  return g_test_run ();
}

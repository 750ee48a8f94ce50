/* bench-dbus.c: the D-Bus client of the benchmark (scardbusd only)
 *
 *   bench-dbus transmit --mode dbus|channel --size 5|261|4096 --count N [--host-pid PID]
 *   bench-dbus events --count N [--watchers W]
 *   bench-dbus storm --events N [--watchers W] [--cards-only]
 *   bench-dbus list
 *
 * Plain GDBus on $DBUS_SYSTEM_BUS_ADDRESS, as any desktop client would.
 * transmit: Reader.Connect on the first reader, then Connection.Transmit
 * per APDU (mode dbus), or one Connection.OpenChannel and a SOCK_SEQPACKET
 * request per APDU (mode channel, docs/channel.md's 16-byte header).
 *
 * events and storm: W private bus connections; a filter (in GDBus's worker
 * thread, so the time is the message's arrival, not a main loop's turn)
 * notes every PropertiesChanged of the first reader and every
 * ReaderAdded/ReaderRemoved. Same definitions as bench-pcsc's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-watch.h"

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUS_NAME "org.scardbus.SmartCard1"
#define ROOT_PATH "/org/scardbus/SmartCard1"
#define MANAGER "org.scardbus.SmartCard1.Manager"
#define READER "org.scardbus.SmartCard1.Reader"
#define CONNECTION "org.scardbus.SmartCard1.Connection"
#define HEADER 16

static GDBusConnection *
open_bus (GError **error)
{
  const char *address = g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");

  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "DBUS_SYSTEM_BUS_ADDRESS is not set");
      return NULL;
    }
  return g_dbus_connection_new_for_address_sync (
      address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, error);
}

/* The reader object paths, in the daemon's order. */
static char **
get_readers (GDBusConnection *bus, GError **error)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, BUS_NAME, ROOT_PATH, MANAGER, "GetReaders", NULL, G_VARIANT_TYPE ("(uao)"),
      G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
  g_autoptr (GVariant) paths = NULL;

  if (reply == NULL)
    return NULL;
  paths = g_variant_get_child_value (reply, 1);
  return g_variant_dup_objv (paths, NULL);
}

static gboolean
channel_transmit (int fd, guint32 id, const guint8 *apdu, gsize len, guint8 *answer,
                  gsize *answer_len, GError **error)
{
  guint8 request[HEADER + 65544] = { 1, 1, 0, 0 };
  ssize_t n;
  guint32 status;

  memcpy (request + 4, &id, 4); /* little-endian hosts only, as x86 and arm64 */
  memset (request + 8, 0, 8);   /* code 0: the connection's protocol; status 0 */
  memcpy (request + HEADER, apdu, len);
  if (send (fd, request, HEADER + len, 0) != (ssize_t) (HEADER + len))
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "channel send: %s",
                   g_strerror (errno));
      return FALSE;
    }
  n = recv (fd, answer, HEADER + 65538, 0);
  if (n < HEADER || answer[1] != 0x81)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "channel answer: %s",
                   n < 0 ? g_strerror (errno) : "short or not a transmit answer");
      return FALSE;
    }
  memcpy (&status, answer + 12, 4);
  if (status != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "channel status 0x%x", status);
      return FALSE;
    }
  *answer_len = (gsize) n - HEADER;
  return TRUE;
}

static gboolean
do_transmit (const char *mode, const char *size, guint count, int host_pid, GError **error)
{
  g_autoptr (GDBusConnection) bus = open_bus (error);
  g_auto (GStrv) readers = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GBytes) apdu = NULL;
  g_autoptr (BenchProbe) probe = NULL;
  g_autofree guint8 *answer = g_malloc (HEADER + 65538);
  gboolean channel = g_str_equal (mode, "channel");
  const char *connection;
  const guint8 *bytes;
  gsize apdu_len, answer_len, got = 0;
  guint64 usb_before[5], usb_after[5];
  gboolean have_usb;
  int pids[2] = { 0, host_pid };
  int fd = -1;
  BenchApdu kind;
  BenchLatencies lat;
  gint64 t0, t_end;
  gboolean ok = FALSE;

  if (!bench_apdu_parse (size, &kind))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--size is 5, 261 or 4096");
      return FALSE;
    }
  if (bus == NULL || (readers = get_readers (bus, error)) == NULL)
    return FALSE;
  if (readers[0] == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no reader");
      return FALSE;
    }
  apdu = bench_apdu_build (kind, &answer_len);
  bytes = g_bytes_get_data (apdu, &apdu_len);
  {
    const char *protocols[] = { "t0", "t1", NULL };

    reply = g_dbus_connection_call_sync (
        bus, BUS_NAME, readers[0], READER, "Connect", g_variant_new ("(s^as)", "shared", protocols),
        G_VARIANT_TYPE ("(os)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
  }
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(&o&s)", &connection, NULL);
  if (channel)
    {
      g_autoptr (GUnixFDList) fds = NULL;
      g_autoptr (GVariant) r = g_dbus_connection_call_with_unix_fd_list_sync (
          bus, BUS_NAME, connection, CONNECTION, "OpenChannel", NULL, G_VARIANT_TYPE ("(h)"),
          G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &fds, NULL, error);

      if (r == NULL)
        return FALSE;
      fd = g_unix_fd_list_get (fds, 0, error);
      if (fd < 0)
        return FALSE;
    }
  bench_latencies_init (&lat);
  probe = bench_probe_new (pids, host_pid > 0 ? 2 : 1);
  have_usb = bench_sim_usb_stats (0, usb_before, NULL);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i <= count; i++)
    {
      gint64 t = g_get_monotonic_time ();

      if (i == 1)
        {
          /* the first APDU was the check: start the clock now */
          bench_probe_start (probe);
          have_usb = bench_sim_usb_stats (0, usb_before, NULL);
          t0 = t = g_get_monotonic_time ();
        }
      if (channel)
        {
          if (!channel_transmit (fd, i, bytes, apdu_len, answer, &got, error))
            goto out;
        }
      else
        {
          g_autoptr (GVariant) r = g_dbus_connection_call_sync (
              bus, BUS_NAME, connection, CONNECTION, "Transmit",
              g_variant_new ("(@ay)",
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, apdu_len, 1)),
              G_VARIANT_TYPE ("(ay)"), G_DBUS_CALL_FLAGS_NONE, 30000, NULL, error);
          g_autoptr (GVariant) data = NULL;

          if (r == NULL)
            goto out;
          data = g_variant_get_child_value (r, 0);
          got = g_variant_get_size (data);
        }
      if (i > 0)
        bench_latencies_add (&lat, (double) (g_get_monotonic_time () - t));
      else if (got != answer_len)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "unexpected answer (%zu bytes)", got);
          goto out;
        }
    }
  t_end = g_get_monotonic_time ();
  bench_probe_stop (probe);
  have_usb = have_usb && bench_sim_usb_stats (0, usb_after, NULL);
  {
    BenchJson j;

    bench_json_begin (&j);
    bench_json_string (&j, "path", mode);
    bench_json_transmit (&j, count, (double) (t_end - t0) / G_USEC_PER_SEC, &lat, probe,
                         host_pid > 0 ? 2 : 1, usb_before, usb_after, have_usb);
    bench_json_end (&j);
  }
  ok = TRUE;
out:
  bench_latencies_clear (&lat);
  if (fd >= 0)
    close (fd);
  return ok;
}

/* ---- watchers ------------------------------------------------------------- */

typedef struct
{
  BenchBoard board;
  const char *reader;
  guint n;
  GDBusConnection **buses;
  guint *card_events;
  guint *reader_events;
  gint64 last_at; /* the last signal's arrival, any watcher */
} Watch;

typedef struct
{
  Watch *watch;
  guint index;
} Watcher;

static GDBusMessage *
on_message (GDBusConnection *bus, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  Watcher *w = user_data;
  Watch *watch = w->watch;
  const char *member = g_dbus_message_get_member (message);
  GVariant *body = g_dbus_message_get_body (message);
  gint64 now = g_get_monotonic_time ();

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_SIGNAL
      || member == NULL)
    return message;
  g_mutex_lock (&watch->board.lock);
  watch->last_at = now;
  if (g_str_equal (member, "ReaderAdded") || g_str_equal (member, "ReaderRemoved"))
    watch->reader_events[w->index]++;
  else if (g_str_equal (member, "PropertiesChanged") && body != NULL
           && g_strcmp0 (g_dbus_message_get_path (message), watch->reader) == 0
           && g_variant_is_of_type (body, G_VARIANT_TYPE ("(sa{sv}as)")))
    {
      g_autoptr (GVariant) changed = g_variant_get_child_value (body, 1);
      const char *card = NULL;
      guint32 events;

      if (g_variant_lookup (changed, "CardEvents", "u", &events))
        watch->card_events[w->index]++;
      if (g_variant_lookup (changed, "Card", "&o", &card))
        {
          bench_board_set (&watch->board, w->index, !g_str_equal (card, "/"), now);
        }
      g_cond_broadcast (&watch->board.cond);
    }
  g_mutex_unlock (&watch->board.lock);
  return message;
}

static gboolean
setup_watch (Watch *watch, Watcher *ws, guint n, GError **error)
{
  g_auto (GStrv) readers = NULL;

  /* the sim starts with the card in */
  bench_board_init (&watch->board, n, TRUE);
  watch->n = n;
  watch->buses = g_new0 (GDBusConnection *, n);
  watch->card_events = g_new0 (guint, n);
  watch->reader_events = g_new0 (guint, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GVariant) r = NULL;

      watch->buses[i] = open_bus (error);
      if (watch->buses[i] == NULL)
        return FALSE;
      ws[i].watch = watch;
      ws[i].index = i;
      g_dbus_connection_add_filter (watch->buses[i], on_message, &ws[i], NULL);
      /* Subscribe first, then read the snapshot (docs/architecture.md) */
      r = g_dbus_connection_call_sync (watch->buses[i], "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch",
                                       g_variant_new ("(s)", "type='signal',sender='" BUS_NAME "'"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
      if (r == NULL)
        return FALSE;
    }
  readers = get_readers (watch->buses[0], error);
  if (readers == NULL || readers[0] == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no reader");
      return FALSE;
    }
  watch->reader = g_intern_string (readers[0]);
  return TRUE;
}

static void
clear_watch (Watch *watch)
{
  for (guint i = 0; watch->buses != NULL && i < watch->n; i++)
    if (watch->buses[i] != NULL)
      {
        g_dbus_connection_close_sync (watch->buses[i], NULL, NULL);
        g_object_unref (watch->buses[i]);
      }
  g_free (watch->buses);
  g_free (watch->card_events);
  g_free (watch->reader_events);
  bench_board_clear (&watch->board);
}

static gboolean
do_events (guint count, guint n, GError **error)
{
  Watch watch = { 0 };
  g_autofree Watcher *ws = g_new0 (Watcher, n);
  gboolean ok;

  ok = setup_watch (&watch, ws, n, error)
       && bench_board_time_insertions (&watch.board, count, error);
  clear_watch (&watch);
  return ok;
}

static guint32
get_counter (GDBusConnection *bus, const char *path, const char *iface, const char *name,
             GError **error)
{
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_sync (bus, BUS_NAME, path, "org.freedesktop.DBus.Properties", "Get",
                                     g_variant_new ("(ss)", iface, name), G_VARIANT_TYPE ("(v)"),
                                     G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
  g_autoptr (GVariant) value = NULL;

  if (reply == NULL)
    return 0;
  g_variant_get (reply, "(v)", &value);
  return g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32 (value) : 0;
}

/* Waits until no signal has come for 500 ms (10 s at most). */
static void
settle (Watch *watch)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      gint64 now = g_get_monotonic_time (), last;

      g_mutex_lock (&watch->board.lock);
      last = watch->last_at;
      g_mutex_unlock (&watch->board.lock);
      if (now - last > G_USEC_PER_SEC / 2 || now > deadline)
        return;
      g_usleep (10000);
    }
}

static gboolean
do_storm (guint n_events, guint n, gboolean cards_only, GError **error)
{
  Watch watch = { 0 };
  g_autofree Watcher *ws = g_new0 (Watcher, n);
  guint card_seen = 0, reader_seen = 0;
  guint card_events = 0, reader_events = 0, missed_card = 0, missed_reader = 0;
  guint32 card0, reader0, card_published, reader_published;
  gboolean final_present = FALSE;
  gint64 t0, t_end;

  if (!setup_watch (&watch, ws, n, error))
    {
      clear_watch (&watch);
      return FALSE;
    }
  /* What the host publishes is counted by its own counters (docs/architecture.md). */
  card0 = get_counter (watch.buses[0], watch.reader, READER, "CardEvents", error);
  reader0 = get_counter (watch.buses[0], ROOT_PATH, MANAGER, "ReaderEvents", error);
  t0 = g_get_monotonic_time ();
  if (*error == NULL)
    bench_make_storm (n_events, cards_only, &card_events, &reader_events, error);
  settle (&watch);
  /* The storm ends with the card in: the reader must say so. */
  {
    g_autoptr (GVariant) r = g_dbus_connection_call_sync (
        watch.buses[0], BUS_NAME, watch.reader, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new ("(ss)", READER, "Card"), G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
        10000, NULL, error);
    g_autoptr (GVariant) card = NULL;

    if (r != NULL)
      {
        g_variant_get (r, "(v)", &card);
        final_present = g_variant_is_of_type (card, G_VARIANT_TYPE_OBJECT_PATH)
                        && !g_str_equal (g_variant_get_string (card, NULL), "/");
      }
  }
  card_published = get_counter (watch.buses[0], watch.reader, READER, "CardEvents", error) - card0;
  reader_published
      = get_counter (watch.buses[0], ROOT_PATH, MANAGER, "ReaderEvents", error) - reader0;
  g_mutex_lock (&watch.board.lock);
  t_end = watch.last_at;
  for (guint k = 0; k < n; k++)
    {
      card_seen += watch.card_events[k];
      reader_seen += watch.reader_events[k];
      missed_card += card_published - MIN (card_published, watch.card_events[k]);
      missed_reader += reader_published - MIN (reader_published, watch.reader_events[k]);
    }
  g_mutex_unlock (&watch.board.lock);
  clear_watch (&watch);
  if (*error != NULL)
    return FALSE;
  {
    BenchJson j;

    bench_json_begin (&j);
    bench_json_int (&j, "events", card_events + reader_events);
    bench_json_int (&j, "card_events_made", card_events);
    bench_json_int (&j, "reader_events_made", reader_events);
    bench_json_int (&j, "card_events_published", card_published);
    bench_json_int (&j, "reader_events_published", reader_published);
    bench_json_int (&j, "host_reader_counter", 1);
    bench_json_int (&j, "watchers", n);
    bench_json_int (&j, "final_state_right", final_present);
    bench_json_double (&j, "seconds", (double) (t_end - t0) / G_USEC_PER_SEC);
    bench_json_double (&j, "card_seen_per_watcher", (double) card_seen / n);
    bench_json_double (&j, "reader_seen_per_watcher", (double) reader_seen / n);
    bench_json_double (&j, "missed_per_watcher", (double) (missed_card + missed_reader) / n);
    bench_json_double (&j, "missed_card_per_watcher", (double) missed_card / n);
    bench_json_double (&j, "missed_reader_per_watcher", (double) missed_reader / n);
    bench_json_end (&j);
  }
  return TRUE;
}

static gboolean
do_list (GError **error)
{
  g_autoptr (GDBusConnection) bus = open_bus (error);
  g_auto (GStrv) readers = bus != NULL ? get_readers (bus, error) : NULL;

  if (readers == NULL)
    return FALSE;
  printf ("{\"readers\": %u}\n", g_strv_length (readers));
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("transmit|events|storm|list");
  g_autoptr (GError) error = NULL;
  g_autofree char *size = NULL;
  g_autofree char *mode = NULL;
  int count = 1000, host_pid = 0, watchers = 1, events = 1000;
  gboolean ok, cards_only = FALSE;
  GOptionEntry entries[] = {
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "transmit: dbus or channel", "MODE" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "transmit: APDU size, 5, 261 or 4096", "BYTES" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "transmit: APDUs; events: insertions", "N" },
    { "host-pid", 0, 0, G_OPTION_ARG_INT, &host_pid, "the host's PID, for its CPU and system calls",
      "PID" },
    { "watchers", 0, 0, G_OPTION_ARG_INT, &watchers, "events, storm: watching connections", "W" },
    { "events", 0, 0, G_OPTION_ARG_INT, &events, "storm: events to make", "N" },
    { "cards-only", 0, 0, G_OPTION_ARG_NONE, &cards_only, "storm: only removals and insertions",
      NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || count < 1
      || watchers < 1 || events < 2)
    {
      g_printerr ("bench-dbus: %s\n", error != NULL ? error->message : "bad arguments");
      return 2;
    }
  if (g_str_equal (argv[1], "transmit"))
    ok = do_transmit (mode != NULL ? mode : "dbus", size != NULL ? size : "5", (guint) count,
                      host_pid, &error);
  else if (g_str_equal (argv[1], "events"))
    ok = do_events ((guint) count, (guint) watchers, &error);
  else if (g_str_equal (argv[1], "storm"))
    ok = do_storm ((guint) events, (guint) watchers, cards_only, &error);
  else if (g_str_equal (argv[1], "list"))
    ok = do_list (&error);
  else
    {
      g_printerr ("bench-dbus: transmit, events, storm or list\n");
      return 2;
    }
  if (!ok)
    {
      g_printerr ("bench-dbus: %s\n", error->message);
      return 1;
    }
  return 0;
}

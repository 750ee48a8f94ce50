/* bench-pcsc.c: the WinSCard client of the benchmark
 *
 *   bench-pcsc transmit --size 5|261|4096 --count N [--host-pid PID] [--reader-index R]
 *   bench-pcsc events --count N [--watchers W]
 *   bench-pcsc storm --events N [--watchers W] [--cards-only]
 *   bench-pcsc list
 *   bench-pcsc hold --count N [--reader-index R]
 *
 * Linked against the system libpcsclite.so.1: under the sim's pcscd host it
 * measures pcscd + libccid; with LD_LIBRARY_PATH leading to our library
 * (what the sim gives COMMAND under scardbusd) the same binary measures
 * scardbus's WinSCard path. Prints one JSON object (bench-common.h).
 *
 * events: W threads, each with its own context, wait in
 * SCardGetStatusChange on the first reader; the card is removed and
 * inserted COUNT times through the sim's control socket; the latency of an
 * insertion is from the control command to a watcher's return showing the
 * card present (the first watcher, and the last of W).
 *
 * storm: EVENTS events as fast as the sim takes them (plug and unplug of a
 * second reader, removal and insertion in the first), W watchers of the
 * first reader and of \\?PnP?\Notification; an event is missed when a
 * watcher's returns show fewer state changes than the host published (its
 * event counters), or than were made where the host has no counter.
 *
 * hold: the idle crowd of another client's measure. N shared connections
 * to the reader, 16 per context (pcsc-lite's most), each having made one
 * transmit (so under scardbusd each has its fd channel); stops at the first
 * refusal (and lets the last one go, so that the measuring client gets
 * in), prints {"held": n, ...} and keeps them until its stdin closes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-watch.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <winscard.h>

#define PNP_READER "\\\\?PnP?\\Notification"

typedef struct
{
  BenchBoard board;
  gboolean stop;
  char *reader;
  gboolean pnp; /* storm: also watch reader arrivals */
  guint n_watchers;
  /* per watcher */
  guint *card_changes;
  guint *pnp_changes;
  guint *counters; /* per watcher: first and last card, first and last PnP */
  SCARDCONTEXT *contexts;
} Watch;

typedef struct
{
  Watch *watch;
  guint index;
} Watcher;

static gboolean
check (LONG rv, const char *what, GError **error)
{
  if (rv == SCARD_S_SUCCESS)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s (0x%lx)", what,
               pcsc_stringify_error (rv), (unsigned long) rv);
  return FALSE;
}

/* The readers, as a GStrv. */
static char **
list_readers (SCARDCONTEXT context, GError **error)
{
  DWORD size = 0;
  g_autofree char *buffer = NULL;
  GPtrArray *names = g_ptr_array_new ();
  LONG rv = SCardListReaders (context, NULL, NULL, &size);

  if (rv == SCARD_S_SUCCESS && size > 0)
    {
      buffer = g_malloc0 (size + 1);
      rv = SCardListReaders (context, NULL, buffer, &size);
    }
  if (rv != SCARD_S_SUCCESS && rv != (LONG) SCARD_E_NO_READERS_AVAILABLE)
    {
      g_ptr_array_free (names, TRUE);
      check (rv, "SCardListReaders", error);
      return NULL;
    }
  for (DWORD i = 0; buffer != NULL && i < size && buffer[i] != '\0';
       i += (DWORD) strlen (buffer + i) + 1)
    g_ptr_array_add (names, g_strdup (buffer + i));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/* A profiler's command around the timed loop (bench_profile.py zeroes and
 * dumps callgrind's counters there): the window holds the APDUs only, not
 * this client's connect, which meets every idle reader and connection. */
static gboolean
run_hook (const char *name, GError **error)
{
  const char *command = g_getenv (name);
  int status;

  if (command == NULL)
    return TRUE;
  if (!g_spawn_command_line_sync (command, NULL, NULL, &status, error))
    return FALSE;
  return g_spawn_check_wait_status (status, error);
}

static gboolean
do_transmit (const char *size, guint count, int host_pid, guint reader_index, GError **error)
{
  SCARDCONTEXT context = 0;
  SCARDHANDLE card = 0;
  DWORD protocol = 0;
  g_auto (GStrv) readers = NULL;
  g_autoptr (GBytes) apdu = NULL;
  g_autoptr (BenchProbe) probe = NULL;
  g_autofree guint8 *answer = g_malloc (65538);
  BenchApdu kind;
  BenchLatencies lat;
  gsize apdu_len, answer_len;
  const guint8 *bytes;
  guint64 usb_before[5], usb_after[5];
  gboolean have_usb = FALSE;
  int pids[2] = { 0, host_pid };
  gint64 t0 = 0, t_end = 0;
  gboolean ok = FALSE;

  if (!bench_apdu_parse (size, &kind))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--size is 5, 261 or 4096");
      return FALSE;
    }
  apdu = bench_apdu_build (kind, &answer_len);
  bytes = g_bytes_get_data (apdu, &apdu_len);
  if (!check (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context),
              "SCardEstablishContext", error))
    return FALSE;
  bench_latencies_init (&lat);
  readers = list_readers (context, error);
  if (readers == NULL)
    goto out;
  if (g_strv_length (readers) <= reader_index)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no reader %u", reader_index);
      goto out;
    }
  if (!check (SCardConnect (context, readers[reader_index], SCARD_SHARE_SHARED,
                            SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol),
              "SCardConnect", error))
    goto out;
  {
    const SCARD_IO_REQUEST *pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    DWORD len = 65538;

    if (!check (SCardTransmit (card, pci, bytes, (DWORD) apdu_len, NULL, answer, &len),
                "SCardTransmit", error))
      goto out;
    if (len != answer_len || answer[len - 2] != 0x90)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "unexpected answer (%lu bytes)",
                     (unsigned long) len);
        goto out;
      }
    probe = bench_probe_new (pids, host_pid > 0 ? 2 : 1);
    have_usb = bench_sim_usb_stats (reader_index, usb_before, NULL);
    if (!run_hook ("BENCH_PROFILE_START", error))
      goto out;
    bench_probe_start (probe);
    t0 = g_get_monotonic_time ();
    for (guint i = 0; i < count; i++)
      {
        gint64 t = g_get_monotonic_time ();

        len = 65538;
        if (!check (SCardTransmit (card, pci, bytes, (DWORD) apdu_len, NULL, answer, &len),
                    "SCardTransmit", error))
          goto out;
        bench_latencies_add (&lat, (double) (g_get_monotonic_time () - t));
      }
    t_end = g_get_monotonic_time ();
    bench_probe_stop (probe);
    if (!run_hook ("BENCH_PROFILE_STOP", error))
      goto out;
    have_usb = have_usb && bench_sim_usb_stats (reader_index, usb_after, NULL);
  }
  {
    BenchJson j;

    bench_json_begin (&j);
    bench_json_string (&j, "path", "winscard");
    bench_json_transmit (&j, count, (double) (t_end - t0) / G_USEC_PER_SEC, &lat, probe,
                         host_pid > 0 ? 2 : 1, usb_before, usb_after, have_usb);
    bench_json_end (&j);
  }
  ok = TRUE;
out:
  bench_latencies_clear (&lat);
  if (card != 0)
    SCardDisconnect (card, SCARD_LEAVE_CARD);
  SCardReleaseContext (context);
  return ok;
}

/* ---- watchers ------------------------------------------------------------- */

static gpointer
watcher_thread (gpointer data)
{
  Watcher *w = data;
  Watch *watch = w->watch;
  SCARDCONTEXT context = watch->contexts[w->index];
  SCARD_READERSTATE states[2] = {
    { .szReader = watch->reader, .dwCurrentState = SCARD_STATE_UNAWARE },
    { .szReader = PNP_READER, .dwCurrentState = SCARD_STATE_UNAWARE },
  };
  gboolean first = TRUE;

  for (;;)
    {
      /* Bounded: SCardCancel only reaches a call in progress, and a stop
       * asked between two calls must still be seen. */
      LONG rv = SCardGetStatusChange (context, 500, states, watch->pnp ? 2 : 1);
      gint64 now = g_get_monotonic_time ();

      g_mutex_lock (&watch->board.lock);
      if (watch->stop || (rv != SCARD_S_SUCCESS && rv != (LONG) SCARD_E_TIMEOUT))
        {
          g_mutex_unlock (&watch->board.lock);
          break;
        }
      if (rv == (LONG) SCARD_E_TIMEOUT)
        {
          g_mutex_unlock (&watch->board.lock);
          continue;
        }
      if (states[0].dwEventState & SCARD_STATE_CHANGED)
        {
          gboolean present = (states[0].dwEventState & SCARD_STATE_PRESENT) != 0;

          if (!first && present != watch->board.present[w->index])
            watch->card_changes[w->index]++;
          bench_board_set (&watch->board, w->index, present, now);
        }
      if (watch->pnp && !first && (states[1].dwEventState & SCARD_STATE_CHANGED))
        watch->pnp_changes[w->index]++;
      /* The event counters in the high 16 bits (0: none, as pcsc-lite
       * 1.9.9's PnP reader) */
      for (guint i = 0; i < 2; i++)
        {
          guint *c = watch->counters + 4 * w->index + 2 * i;

          if (first)
            c[0] = states[i].dwEventState >> 16;
          c[1] = states[i].dwEventState >> 16;
        }
      first = FALSE;
      g_cond_broadcast (&watch->board.cond);
      g_mutex_unlock (&watch->board.lock);
      for (guint i = 0; i < 2; i++)
        states[i].dwCurrentState = states[i].dwEventState & ~SCARD_STATE_CHANGED;
    }
  return NULL;
}

static GThread **
start_watchers (Watch *watch, Watcher *ws, GError **error)
{
  GThread **threads = g_new0 (GThread *, watch->n_watchers);

  watch->card_changes = g_new0 (guint, watch->n_watchers);
  watch->pnp_changes = g_new0 (guint, watch->n_watchers);
  watch->counters = g_new0 (guint, 4 * watch->n_watchers);
  for (guint i = 0; i < watch->n_watchers; i++)
    {
      ws[i].watch = watch;
      ws[i].index = i;
      threads[i] = g_thread_new ("watcher", watcher_thread, &ws[i]);
    }
  if (!bench_board_wait_all (&watch->board, TRUE, 0))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the watchers do not see a card");
  return threads;
}

static void
stop_watchers (Watch *watch, GThread **threads)
{
  g_mutex_lock (&watch->board.lock);
  watch->stop = TRUE;
  g_mutex_unlock (&watch->board.lock);
  for (guint i = 0; i < watch->n_watchers; i++)
    SCardCancel (watch->contexts[i]);
  for (guint i = 0; i < watch->n_watchers; i++)
    g_thread_join (threads[i]);
  g_free (threads);
  g_free (watch->card_changes);
  g_free (watch->pnp_changes);
  g_free (watch->counters);
}

static gboolean
setup_watch (Watch *watch, guint n_watchers, gboolean pnp, GError **error)
{
  g_auto (GStrv) readers = NULL;

  bench_board_init (&watch->board, n_watchers, FALSE);
  watch->n_watchers = n_watchers;
  watch->pnp = pnp;
  watch->contexts = g_new0 (SCARDCONTEXT, n_watchers);
  for (guint i = 0; i < n_watchers; i++)
    if (!check (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &watch->contexts[i]),
                "SCardEstablishContext", error))
      return FALSE;
  readers = list_readers (watch->contexts[0], error);
  if (readers == NULL || readers[0] == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no reader");
      return FALSE;
    }
  watch->reader = g_strdup (readers[0]);
  return TRUE;
}

static void
clear_watch (Watch *watch)
{
  for (guint i = 0; i < watch->n_watchers; i++)
    if (watch->contexts[i] != 0)
      SCardReleaseContext (watch->contexts[i]);
  g_free (watch->contexts);
  g_free (watch->reader);
  bench_board_clear (&watch->board);
}

static gboolean
do_events (guint count, guint n_watchers, GError **error)
{
  Watch watch = { 0 };
  g_autofree Watcher *ws = g_new0 (Watcher, n_watchers);
  GThread **threads = NULL;
  gboolean ok = FALSE;

  if (setup_watch (&watch, n_watchers, FALSE, error))
    {
      threads = start_watchers (&watch, ws, error);
      ok = *error == NULL && bench_board_time_insertions (&watch.board, count, error);
      stop_watchers (&watch, threads);
    }
  clear_watch (&watch);
  return ok;
}

static gboolean
do_storm (guint n_events, guint n_watchers, gboolean cards_only, GError **error)
{
  Watch watch = { 0 };
  g_autofree Watcher *ws = g_new0 (Watcher, n_watchers);
  GThread **threads = NULL;
  guint card_seen = 0, reader_seen = 0;
  guint card_events = 0, reader_events = 0;
  gint64 t0, t_end;
  guint missed_card = 0, missed_reader = 0, card_published = 0, reader_published = 0;
  guint unaccounted_card = 0;
  gboolean pnp_counter = FALSE, card_counter = FALSE, final_present = FALSE;

  if (!setup_watch (&watch, n_watchers, TRUE, error))
    {
      clear_watch (&watch);
      return FALSE;
    }
  threads = start_watchers (&watch, ws, error);
  t0 = g_get_monotonic_time ();
  if (*error == NULL)
    bench_make_storm (n_events, cards_only, &card_events, &reader_events, error);
  /* Settled: every watcher shows the card again (the storm ends with an
   * insertion), and nothing moves for 1 s; 10 s at most. */
  if (error == NULL || *error == NULL)
    final_present = bench_board_wait_all (&watch.board, TRUE, 0);
  t_end = g_get_monotonic_time ();
  g_usleep (G_USEC_PER_SEC);
  /* Missed: what the host published (its event counters, as the watcher
   * last saw them) that the watcher never saw as a state. pcsc-lite 1.9.9
   * has no PnP counter: there, what was made is the reference. */
  g_mutex_lock (&watch.board.lock);
  for (guint k = 0; k < n_watchers; k++)
    {
      const guint *c = watch.counters + 4 * k;
      guint card = (c[1] - c[0]) & 0xFFFF;
      guint readers = c[3] != 0 ? (c[3] - c[2]) & 0xFFFF : reader_events;

      if (k == 0)
        {
          card_published = card;
          reader_published = readers;
          pnp_counter = c[3] != 0;
          card_counter = c[1] != 0;
        }
      card_seen += watch.card_changes[k];
      reader_seen += watch.pnp_changes[k];
      /* With a counter a watcher accounts for every event it did not see
       * as a state: what it cannot account for is lost to it. */
      if (card_counter)
        unaccounted_card += card_published - MIN (card_published, card);
      missed_card += card - MIN (card, watch.card_changes[k]);
      missed_reader += readers - MIN (readers, watch.pnp_changes[k]);
    }
  g_mutex_unlock (&watch.board.lock);
  stop_watchers (&watch, threads);
  clear_watch (&watch);
  if (error != NULL && *error != NULL)
    return FALSE;
  {
    BenchJson j;

    bench_json_begin (&j);
    bench_json_int (&j, "events", card_events + reader_events);
    bench_json_int (&j, "card_events_made", card_events);
    bench_json_int (&j, "reader_events_made", reader_events);
    bench_json_int (&j, "card_events_published", card_published);
    bench_json_int (&j, "reader_events_published", pnp_counter ? (gint64) reader_published : -1);
    bench_json_int (&j, "host_reader_counter", pnp_counter);
    bench_json_int (&j, "watchers", n_watchers);
    bench_json_int (&j, "final_state_right", final_present);
    bench_json_double (&j, "seconds", (double) (t_end - t0) / G_USEC_PER_SEC);
    bench_json_double (&j, "card_seen_per_watcher", (double) card_seen / n_watchers);
    bench_json_double (&j, "reader_seen_per_watcher", (double) reader_seen / n_watchers);
    bench_json_double (&j, "missed_per_watcher",
                       (double) (missed_card + missed_reader) / n_watchers);
    bench_json_double (&j, "missed_card_per_watcher", (double) missed_card / n_watchers);
    bench_json_double (&j, "unaccounted_card_per_watcher",
                       card_counter ? (double) unaccounted_card / n_watchers : -1);
    bench_json_double (&j, "missed_reader_per_watcher", (double) missed_reader / n_watchers);
    bench_json_end (&j);
  }
  return TRUE;
}

static gboolean
do_list (GError **error)
{
  SCARDCONTEXT context = 0;
  g_auto (GStrv) readers = NULL;

  if (!check (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context),
              "SCardEstablishContext", error))
    return FALSE;
  readers = list_readers (context, error);
  SCardReleaseContext (context);
  if (readers == NULL)
    return FALSE;
  printf ("{\"readers\": %u}\n", g_strv_length (readers));
  return TRUE;
}

/* ---- hold ------------------------------------------------------------------ */

/* pcsc-lite's client takes at most 16 handles per context. */
#define HOLD_PER_CONTEXT 16

static gboolean
hold_one (SCARDCONTEXT context, const char *reader, const guint8 *apdu, gsize apdu_len,
          SCARDHANDLE *card, GError **error)
{
  DWORD protocol = 0, len = 258;
  guint8 answer[258];

  return check (SCardConnect (context, reader, SCARD_SHARE_SHARED,
                              SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, card, &protocol),
                "SCardConnect", error)
         && check (SCardTransmit (*card,
                                  protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1, apdu,
                                  (DWORD) apdu_len, NULL, answer, &len),
                   "SCardTransmit", error);
}

static gboolean
do_hold (guint count, guint reader_index, GError **error)
{
  g_autoptr (GArray) contexts = g_array_new (FALSE, FALSE, sizeof (SCARDCONTEXT));
  g_autoptr (GError) stopped = NULL;
  g_autoptr (GBytes) apdu = NULL;
  g_auto (GStrv) readers = NULL;
  SCARDCONTEXT context = 0;
  SCARDHANDLE card = 0, last = 0;
  gsize apdu_len, answer_len;
  const guint8 *bytes;
  guint held = 0;
  char line[16];
  BenchJson j;

  apdu = bench_apdu_build (BENCH_APDU_SHORT, &answer_len);
  bytes = g_bytes_get_data (apdu, &apdu_len);
  if (!check (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context),
              "SCardEstablishContext", error))
    return FALSE;
  g_array_append_val (contexts, context);
  readers = list_readers (context, error);
  if (readers == NULL)
    return FALSE;
  if (g_strv_length (readers) <= reader_index)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no reader %u", reader_index);
      return FALSE;
    }
  while (held < count)
    {
      if (held > 0 && held % HOLD_PER_CONTEXT == 0)
        {
          if (!check (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context),
                      "SCardEstablishContext", &stopped))
            break;
          g_array_append_val (contexts, context);
        }
      card = 0;
      if (!hold_one (context, readers[reader_index], bytes, apdu_len, &card, &stopped))
        break;
      last = card;
      held++;
    }
  /* Refused: leave the measuring client the room it needs. */
  if (stopped != NULL && card != 0)
    SCardDisconnect (card, SCARD_LEAVE_CARD);
  if (stopped != NULL && held > 0)
    {
      SCardDisconnect (last, SCARD_LEAVE_CARD);
      held--;
    }
  bench_json_begin (&j);
  bench_json_int (&j, "asked", count);
  bench_json_int (&j, "held", held);
  bench_json_int (&j, "contexts", contexts->len);
  if (stopped != NULL)
    bench_json_string (&j, "stopped", stopped->message);
  bench_json_end (&j);
  /* Until the measuring side closes our stdin. */
  while (fgets (line, sizeof line, stdin) != NULL)
    ;
  for (guint i = 0; i < contexts->len; i++)
    SCardReleaseContext (g_array_index (contexts, SCARDCONTEXT, i));
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("transmit|events|storm|list|hold");
  g_autoptr (GError) error = NULL;
  g_autofree char *size = NULL;
  int count = 1000, host_pid = 0, reader_index = 0, watchers = 1, events = 1000;
  gboolean ok, cards_only = FALSE;
  GOptionEntry entries[]
      = { { "size", 0, 0, G_OPTION_ARG_STRING, &size, "transmit: APDU size, 5, 261 or 4096",
            "BYTES" },
          { "count", 0, 0, G_OPTION_ARG_INT, &count,
            "transmit: APDUs; events: insertions; hold: connections", "N" },
          { "host-pid", 0, 0, G_OPTION_ARG_INT, &host_pid,
            "the host's PID, for its CPU and system calls", "PID" },
          { "reader-index", 0, 0, G_OPTION_ARG_INT, &reader_index, "transmit: which reader", "R" },
          { "watchers", 0, 0, G_OPTION_ARG_INT, &watchers, "events, storm: watching threads", "W" },
          { "events", 0, 0, G_OPTION_ARG_INT, &events, "storm: events to make", "N" },
          { "cards-only", 0, 0, G_OPTION_ARG_NONE, &cards_only,
            "storm: only removals and insertions", NULL },
          { NULL } };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || count < 1
      || watchers < 1 || events < 2 || reader_index < 0)
    {
      g_printerr ("bench-pcsc: %s\n", error != NULL ? error->message : "bad arguments");
      return 2;
    }
  if (g_str_equal (argv[1], "transmit"))
    ok = do_transmit (size != NULL ? size : "5", (guint) count, host_pid, (guint) reader_index,
                      &error);
  else if (g_str_equal (argv[1], "events"))
    ok = do_events ((guint) count, (guint) watchers, &error);
  else if (g_str_equal (argv[1], "storm"))
    ok = do_storm ((guint) events, (guint) watchers, cards_only, &error);
  else if (g_str_equal (argv[1], "list"))
    ok = do_list (&error);
  else if (g_str_equal (argv[1], "hold"))
    ok = do_hold ((guint) count, (guint) reader_index, &error);
  else
    {
      g_printerr ("bench-pcsc: transmit, events, storm, list or hold\n");
      return 2;
    }
  if (!ok)
    {
      g_printerr ("bench-pcsc: %s\n", error->message);
      return 1;
    }
  return 0;
}

/* bench-watch.h: what the event benchmarks of bench-pcsc and bench-dbus share
 *
 * Both watch one reader from several watchers — WinSCard threads, or D-Bus
 * connections whose filters run in GDBus's worker — and time insertions
 * and storms made through the sim's control socket. A BenchBoard holds
 * what each watcher last saw of the card.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "bench-common.h"

G_BEGIN_DECLS

typedef struct
{
  GMutex lock; /* watchers update under it, ... */
  GCond cond;  /* ... and broadcast this */
  guint n;
  gboolean *present; /* per watcher: shows the card */
  gint64 *seen_at;   /* per watcher: when it last saw the card arrive */
} BenchBoard;

void bench_board_init (BenchBoard *board, guint n, gboolean present);
void bench_board_clear (BenchBoard *board);
/* Under the lock: watcher @i shows @present at @now (the caller broadcasts). */
void bench_board_set (BenchBoard *board, guint i, gboolean present, gint64 now);
/* Waits until every watcher shows @present (and, if @since, saw it after
 * @since); FALSE after 10 s. */
gboolean bench_board_wait_all (BenchBoard *board, gboolean present, gint64 since);

/* @count removals and insertions of the card in reader 0, each insertion
 * timed from the command to the first and to the last watcher; then prints
 * the JSON object of the "events" measure. */
gboolean bench_board_time_insertions (BenchBoard *board, guint count, GError **error);

/* One command to the sim that answers only "ok". */
gboolean bench_ctl (const char *command, GError **error);
/* @n_events events as fast as the sim takes them: pairs of plug and unplug
 * of a second reader (every other pair, unless @cards_only) and of removal
 * and insertion in reader 0 (ending with an insertion). What was made is
 * added to *@card_events and *@reader_events; FALSE at the first failure. */
gboolean bench_make_storm (guint n_events, gboolean cards_only, guint *card_events,
                           guint *reader_events, GError **error);

G_END_DECLS

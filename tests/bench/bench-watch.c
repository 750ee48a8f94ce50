/* bench-watch.c: what the event benchmarks of bench-pcsc and bench-dbus share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-watch.h"

#include <gio/gio.h>

void
bench_board_init (BenchBoard *board, guint n, gboolean present)
{
  g_mutex_init (&board->lock);
  g_cond_init (&board->cond);
  board->n = n;
  board->present = g_new0 (gboolean, n);
  board->seen_at = g_new0 (gint64, n);
  for (guint i = 0; i < n; i++)
    board->present[i] = present;
}

void
bench_board_clear (BenchBoard *board)
{
  g_clear_pointer (&board->present, g_free);
  g_clear_pointer (&board->seen_at, g_free);
  g_mutex_clear (&board->lock);
  g_cond_clear (&board->cond);
}

void
bench_board_set (BenchBoard *board, guint i, gboolean present, gint64 now)
{
  if (present && !board->present[i])
    board->seen_at[i] = now;
  board->present[i] = present;
}

gboolean
bench_board_wait_all (BenchBoard *board, gboolean present, gint64 since)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gboolean all = FALSE;

  g_mutex_lock (&board->lock);
  while (!all)
    {
      all = TRUE;
      for (guint i = 0; i < board->n; i++)
        if (board->present[i] != present || (present && board->seen_at[i] < since))
          all = FALSE;
      if (!all && !g_cond_wait_until (&board->cond, &board->lock, deadline))
        break;
    }
  g_mutex_unlock (&board->lock);
  return all;
}

gboolean
bench_board_time_insertions (BenchBoard *board, guint count, GError **error)
{
  BenchLatencies first, last;
  gboolean ok = TRUE;

  bench_latencies_init (&first);
  bench_latencies_init (&last);
  for (guint i = 0; i < count && ok; i++)
    {
      gint64 t0, lo = G_MAXINT64, hi = 0;

      ok = FALSE;
      if (!bench_ctl ("remove 0", error))
        break;
      if (!bench_board_wait_all (board, FALSE, 0))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "removal %u not seen", i);
          break;
        }
      t0 = g_get_monotonic_time ();
      if (!bench_ctl ("insert 0 t1", error))
        break;
      if (!bench_board_wait_all (board, TRUE, t0))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "insertion %u not seen", i);
          break;
        }
      g_mutex_lock (&board->lock);
      for (guint k = 0; k < board->n; k++)
        {
          lo = MIN (lo, board->seen_at[k]);
          hi = MAX (hi, board->seen_at[k]);
        }
      g_mutex_unlock (&board->lock);
      bench_latencies_add (&first, (double) (lo - t0));
      bench_latencies_add (&last, (double) (hi - t0));
      ok = TRUE;
    }
  if (ok)
    {
      BenchJson j;

      bench_json_begin (&j);
      bench_json_int (&j, "count", count);
      bench_json_int (&j, "watchers", board->n);
      bench_json_double (&j, "p50_us", bench_latencies_percentile (&first, 50));
      bench_json_double (&j, "p99_us", bench_latencies_percentile (&first, 99));
      bench_json_double (&j, "all_p50_us", bench_latencies_percentile (&last, 50));
      bench_json_double (&j, "all_p99_us", bench_latencies_percentile (&last, 99));
      bench_json_end (&j);
    }
  bench_latencies_clear (&first);
  bench_latencies_clear (&last);
  return ok;
}

gboolean
bench_ctl (const char *command, GError **error)
{
  g_autofree char *reply = bench_sim_ctl (command, error);

  return reply != NULL;
}

gboolean
bench_make_storm (guint n_events, gboolean cards_only, guint *card_events, guint *reader_events,
                  GError **error)
{
  for (guint i = 0; i + 1 < n_events; i += 2)
    {
      if (i % 4 == 0 && !cards_only)
        {
          g_autofree char *index = bench_sim_ctl ("plug tpdu", error);
          g_autofree char *unplug
              = index != NULL ? g_strdup_printf ("unplug %s", g_strstrip (index)) : NULL;

          if (unplug == NULL || !bench_ctl (unplug, error))
            return FALSE;
          *reader_events += 2;
        }
      else
        {
          if (!bench_ctl ("remove 0", error) || !bench_ctl ("insert 0 t1", error))
            return FALSE;
          *card_events += 2;
        }
    }
  return TRUE;
}

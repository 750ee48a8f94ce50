/* bench-common.h: what the benchmark clients share
 *
 * Timing and percentiles, the CPU time and system calls of a set of
 * processes over a window (all their threads), the sim's control socket,
 * and the JSON object every client prints as its last line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The APDUs the benchmark sends (see docs/performance.md). */
typedef enum
{
  BENCH_APDU_SHORT, /* GET CHALLENGE, 5 bytes: 00 84 00 00 08 */
  BENCH_APDU_261,   /* ECHO case 4S, Lc 255: 261 bytes out, 257 back */
  BENCH_APDU_4K,    /* ECHO case 4E: 4,096 bytes out, 4,089 back */
} BenchApdu;

gboolean bench_apdu_parse (const char *size, BenchApdu *apdu);
/* The command, and the length of the answer the card gives (data + SW). */
GBytes *bench_apdu_build (BenchApdu apdu, gsize *answer_len);

/* Latencies in microseconds. */
typedef struct
{
  GArray *us; /* double */
} BenchLatencies;

void bench_latencies_init (BenchLatencies *l);
void bench_latencies_add (BenchLatencies *l, double us);
double bench_latencies_percentile (BenchLatencies *l, double p);
void bench_latencies_clear (BenchLatencies *l);

/* What a window costs processes: CPU time (schedstat, all threads) and
 * system calls (perf raw_syscalls:sys_enter per thread, when the kernel
 * lets us count them). pid 0 is this process. */
typedef struct _BenchProbe BenchProbe;

BenchProbe *bench_probe_new (const int *pids, guint n_pids);
void bench_probe_start (BenchProbe *self);
void bench_probe_stop (BenchProbe *self);
/* Results of the last window for pids[i]: CPU in ns, system calls or -1. */
gint64 bench_probe_cpu_ns (BenchProbe *self, guint i);
gint64 bench_probe_syscalls (BenchProbe *self, guint i);
void bench_probe_free (BenchProbe *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchProbe, bench_probe_free)

/* One command to the sim's control socket ($SCARDBUS_SIM_CONTROL); returns
 * the payload after "ok" (maybe empty), or NULL with @error set. */
char *bench_sim_ctl (const char *command, GError **error);
/* The USB counters of reader @index from "stats": ioctls, urbs_submitted,
 * reaps, empty_reaps, discards, in that order. */
gboolean bench_sim_usb_stats (guint index, guint64 counters[5], GError **error);

/* The JSON object a client prints: keys in insertion order. */
typedef struct
{
  GString *s;
} BenchJson;

void bench_json_begin (BenchJson *j);
void bench_json_int (BenchJson *j, const char *key, gint64 value);
void bench_json_double (BenchJson *j, const char *key, double value);
void bench_json_string (BenchJson *j, const char *key, const char *value);
/* Prints the object on one line to stdout and frees it. */
void bench_json_end (BenchJson *j);

/* Adds the standard transmit results: count, seconds, rate, p50/p99, the
 * probe's figures per APDU for "client" (pid index 0) and "host" (index 1,
 * if any), and the USB counters' difference per APDU. */
void bench_json_transmit (BenchJson *j, guint count, double seconds, BenchLatencies *l,
                          BenchProbe *probe, guint n_pids, const guint64 usb_before[5],
                          const guint64 usb_after[5], gboolean have_usb);

G_END_DECLS

/* bench-common.c: what the benchmark clients share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-common.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- APDUs --------------------------------------------------------------- */

gboolean
bench_apdu_parse (const char *size, BenchApdu *apdu)
{
  if (g_str_equal (size, "5"))
    *apdu = BENCH_APDU_SHORT;
  else if (g_str_equal (size, "261"))
    *apdu = BENCH_APDU_261;
  else if (g_str_equal (size, "4096"))
    *apdu = BENCH_APDU_4K;
  else
    return FALSE;
  return TRUE;
}

GBytes *
bench_apdu_build (BenchApdu apdu, gsize *answer_len)
{
  GByteArray *b = g_byte_array_new ();

  switch (apdu)
    {
    case BENCH_APDU_SHORT:
      {
        static const guint8 challenge[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };

        g_byte_array_append (b, challenge, sizeof challenge);
        *answer_len = 8 + 2;
        break;
      }
    case BENCH_APDU_261:
      {
        /* ISO 7816-4 §5.1 case 4S: CLA INS P1 P2 Lc=FF data Le=00 */
        static const guint8 head[] = { 0x80, 0xEC, 0x00, 0x00, 0xFF };

        g_byte_array_append (b, head, sizeof head);
        for (guint i = 0; i < 255; i++)
          {
            guint8 x = (guint8) i;
            g_byte_array_append (b, &x, 1);
          }
        g_byte_array_append (b, (const guint8 *) "", 1);
        *answer_len = 255 + 2;
        break;
      }
    case BENCH_APDU_4K:
    default:
      {
        /* Case 4E: 7-byte header, Nc = 4,087, 2-byte Le: 4,096 bytes */
        const gsize nc = 4096 - 7 - 2;
        guint8 head[] = { 0x80, 0xEC, 0x00, 0x00, 0x00, (guint8) (nc >> 8), (guint8) (nc & 0xFF) };
        static const guint8 le[] = { 0x00, 0x00 };

        g_byte_array_append (b, head, sizeof head);
        for (gsize i = 0; i < nc; i++)
          {
            guint8 x = (guint8) (i % 251);
            g_byte_array_append (b, &x, 1);
          }
        g_byte_array_append (b, le, sizeof le);
        *answer_len = nc + 2;
        break;
      }
    }
  return g_byte_array_free_to_bytes (b);
}

/* ---- latencies ----------------------------------------------------------- */

void
bench_latencies_init (BenchLatencies *l)
{
  l->us = g_array_new (FALSE, FALSE, sizeof (double));
}

void
bench_latencies_add (BenchLatencies *l, double us)
{
  g_array_append_val (l->us, us);
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Nearest rank. */
double
bench_latencies_percentile (BenchLatencies *l, double p)
{
  guint rank;

  if (l->us->len == 0)
    return -1;
  g_array_sort (l->us, compare_double);
  rank = (guint) (p / 100.0 * l->us->len + 0.999999);
  rank = CLAMP (rank, 1, l->us->len);
  return g_array_index (l->us, double, rank - 1);
}

void
bench_latencies_clear (BenchLatencies *l)
{
  g_clear_pointer (&l->us, g_array_unref);
}

/* ---- probes -------------------------------------------------------------- */

typedef struct
{
  int pid;
  GArray *fds;          /* int: one syscall counter per thread */
  GArray *start_counts; /* guint64 */
  gint64 cpu_start;
  gint64 cpu_ns;
  gint64 syscalls;
} ProbeTarget;

struct _BenchProbe
{
  ProbeTarget *targets;
  guint n;
  gint64 tracepoint; /* raw_syscalls:sys_enter id, -1: none */
};

static char *
task_dir (int pid)
{
  return pid == 0 ? g_strdup ("/proc/self/task") : g_strdup_printf ("/proc/%d/task", pid);
}

/* On-CPU time of every thread (schedstat's first field, in ns). */
static gint64
read_cpu_ns (int pid)
{
  g_autofree char *dir_path = task_dir (pid);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  gint64 total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, "schedstat", NULL);
      g_autofree char *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL))
        total += g_ascii_strtoll (text, NULL, 10);
    }
  return total;
}

/* Under the umockdev preload /sys is the testbed's: look through /proc/self/root. */
static gint64
read_tracepoint_id (void)
{
  static const char *const paths[] = {
    "/proc/self/root/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
    "/proc/self/root/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (paths[i], &text, NULL, NULL))
        return g_ascii_strtoll (text, NULL, 10);
    }
  return -1;
}

BenchProbe *
bench_probe_new (const int *pids, guint n_pids)
{
  BenchProbe *self = g_new0 (BenchProbe, 1);

  self->n = n_pids;
  self->targets = g_new0 (ProbeTarget, n_pids);
  self->tracepoint = read_tracepoint_id ();
  for (guint i = 0; i < n_pids; i++)
    {
      self->targets[i].pid = pids[i];
      self->targets[i].fds = g_array_new (FALSE, FALSE, sizeof (int));
      self->targets[i].start_counts = g_array_new (FALSE, FALSE, sizeof (guint64));
      self->targets[i].syscalls = -1;
    }
  return self;
}

static void
close_counters (ProbeTarget *t)
{
  for (guint i = 0; i < t->fds->len; i++)
    close (g_array_index (t->fds, int, i));
  g_array_set_size (t->fds, 0);
  g_array_set_size (t->start_counts, 0);
}

static void
open_counters (BenchProbe *self, ProbeTarget *t)
{
  g_autofree char *dir_path = task_dir (t->pid);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (self->tracepoint < 0)
    return;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      struct perf_event_attr attr = { 0 };
      int fd;
      guint64 count = 0;

      attr.type = PERF_TYPE_TRACEPOINT;
      attr.size = sizeof attr;
      attr.config = (guint64) self->tracepoint;
      fd = (int) syscall (SYS_perf_event_open, &attr, (pid_t) g_ascii_strtoll (name, NULL, 10), -1,
                          -1, 0);
      if (fd < 0)
        continue;
      if (read (fd, &count, sizeof count) != sizeof count)
        {
          close (fd);
          continue;
        }
      g_array_append_val (t->fds, fd);
      g_array_append_val (t->start_counts, count);
    }
}

void
bench_probe_start (BenchProbe *self)
{
  for (guint i = 0; i < self->n; i++)
    {
      ProbeTarget *t = &self->targets[i];

      close_counters (t);
      open_counters (self, t);
      t->cpu_start = read_cpu_ns (t->pid);
    }
}

void
bench_probe_stop (BenchProbe *self)
{
  for (guint i = 0; i < self->n; i++)
    {
      ProbeTarget *t = &self->targets[i];

      t->syscalls = t->fds->len > 0 ? 0 : -1;
      for (guint k = 0; k < t->fds->len; k++)
        {
          guint64 count = 0;

          if (read (g_array_index (t->fds, int, k), &count, sizeof count) == sizeof count)
            t->syscalls += (gint64) (count - g_array_index (t->start_counts, guint64, k));
        }
      close_counters (t);
      t->cpu_ns = read_cpu_ns (t->pid) - t->cpu_start;
    }
}

gint64
bench_probe_cpu_ns (BenchProbe *self, guint i)
{
  return i < self->n ? self->targets[i].cpu_ns : -1;
}

gint64
bench_probe_syscalls (BenchProbe *self, guint i)
{
  return i < self->n ? self->targets[i].syscalls : -1;
}

void
bench_probe_free (BenchProbe *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n; i++)
    {
      close_counters (&self->targets[i]);
      g_array_unref (self->targets[i].fds);
      g_array_unref (self->targets[i].start_counts);
    }
  g_free (self->targets);
  g_free (self);
}

/* ---- the sim's control socket ---------------------------------------------- */

char *
bench_sim_ctl (const char *command, GError **error)
{
  const char *path = g_getenv ("SCARDBUS_SIM_CONTROL");
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  g_autofree char *reply = NULL;

  if (path == NULL || path[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "SCARDBUS_SIM_CONTROL is not set");
      return NULL;
    }
  address = g_unix_socket_address_new (path);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, error);
  if (connection == NULL)
    return NULL;
  line = g_strconcat (command, "\n", NULL);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), line,
                                  strlen (line), NULL, NULL, error))
    return NULL;
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  reply = g_data_input_stream_read_line (in, NULL, NULL, error);
  if (reply == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the sim did not answer \"%s\"",
                     command);
      return NULL;
    }
  if (g_str_equal (reply, "ok"))
    return g_strdup ("");
  if (g_str_has_prefix (reply, "ok "))
    return g_strdup (reply + 3);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "sim ctl %s: %s", command, reply);
  return NULL;
}

static guint64
json_counter (const char *json, const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\": ", key);
  const char *at = strstr (json, needle);

  return at != NULL ? g_ascii_strtoull (at + strlen (needle), NULL, 10) : 0;
}

gboolean
bench_sim_usb_stats (guint index, guint64 counters[5], GError **error)
{
  static const char *const keys[5]
      = { "ioctls", "urbs_submitted", "reaps", "empty_reaps", "discards" };
  g_autofree char *command = g_strdup_printf ("stats %u", index);
  g_autofree char *json = bench_sim_ctl (command, error);
  const char *usb;

  if (json == NULL)
    return FALSE;
  usb = strstr (json, "\"usb\"");
  if (usb == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "no usb counters in the sim's stats");
      return FALSE;
    }
  for (guint i = 0; i < 5; i++)
    counters[i] = json_counter (usb, keys[i]);
  return TRUE;
}

/* ---- JSON ---------------------------------------------------------------- */

void
bench_json_begin (BenchJson *j)
{
  j->s = g_string_new ("{");
}

static void
key (BenchJson *j, const char *name)
{
  if (j->s->len > 1)
    g_string_append (j->s, ", ");
  g_string_append_printf (j->s, "\"%s\": ", name);
}

void
bench_json_int (BenchJson *j, const char *name, gint64 value)
{
  key (j, name);
  g_string_append_printf (j->s, "%" G_GINT64_FORMAT, value);
}

void
bench_json_double (BenchJson *j, const char *name, double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  key (j, name);
  g_string_append (j->s, g_ascii_formatd (buffer, sizeof buffer, "%.3f", value));
}

void
bench_json_string (BenchJson *j, const char *name, const char *value)
{
  g_autofree char *escaped = g_strescape (value, NULL);

  key (j, name);
  g_string_append_printf (j->s, "\"%s\"", escaped);
}

void
bench_json_end (BenchJson *j)
{
  g_string_append (j->s, "}\n");
  fputs (j->s->str, stdout);
  fflush (stdout);
  g_string_free (j->s, TRUE);
  j->s = NULL;
}

void
bench_json_transmit (BenchJson *j, guint count, double seconds, BenchLatencies *l,
                     BenchProbe *probe, guint n_pids, const guint64 usb_before[5],
                     const guint64 usb_after[5], gboolean have_usb)
{
  static const char *const roles[2] = { "client", "host" };
  static const char *const usb_keys[5] = { "ioctls_per_apdu", "urbs_per_apdu", "reaps_per_apdu",
                                           "empty_reaps_per_apdu", "discards_per_apdu" };

  bench_json_int (j, "count", count);
  bench_json_double (j, "seconds", seconds);
  bench_json_double (j, "per_second", count / seconds);
  bench_json_double (j, "p50_us", bench_latencies_percentile (l, 50));
  bench_json_double (j, "p99_us", bench_latencies_percentile (l, 99));
  for (guint i = 0; i < n_pids && i < 2; i++)
    {
      g_autofree char *cpu = g_strdup_printf ("%s_cpu_us_per_apdu", roles[i]);
      g_autofree char *calls = g_strdup_printf ("%s_syscalls_per_apdu", roles[i]);
      gint64 n_calls = bench_probe_syscalls (probe, i);

      bench_json_double (j, cpu, bench_probe_cpu_ns (probe, i) / 1000.0 / count);
      if (n_calls >= 0)
        bench_json_double (j, calls, (double) n_calls / count);
    }
  for (guint i = 0; have_usb && i < 5; i++)
    bench_json_double (j, usb_keys[i], (double) (usb_after[i] - usb_before[i]) / count);
}

/* test-hostile.c: no local user can deny card service to others
 *
 * The COMMAND of a scardbus-sim run (two tpdu readers holding t1 cards),
 * as root. Each test starts one flood of docs/reliability.md as nobody
 * (hostile-client, with only access-card from the polkit mock), then:
 *   - another user keeps working: root here (uid "daemon" where polkit
 *     itself is the target), whose Connect, APDUs and channel succeed,
 *     each round (Connect, SELECT on the bus, SELECT on a channel,
 *     Disconnect) within LATENCY_BOUND_MS;
 *   - the attacker got no more than the limits allow;
 *   - after it is killed, the daemon's file descriptors and RssAnon come
 *     back to their baseline (plus RSS_MARGIN_KB) within RECOVERY_MS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <gio/gunixfdlist.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* docs/reliability.md: the bounds a flood may not break. */
#define LATENCY_BOUND_MS (2000 * SLOWDOWN)
#define RECOVERY_MS 5000
#define RSS_MARGIN_KB 4096
#define VICTIM_MS 3000

/* Under AddressSanitizer (CI's second build, the daemon too) everything is
 * about three times slower, and RSS says nothing: freed memory waits in
 * ASan's quarantine (256 MB by default) instead of going back. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef UNDER_ASAN
#define SLOWDOWN 3
#define CHECK_RSS FALSE
#else
#define SLOWDOWN 1
#define CHECK_RSS TRUE
#endif

static const guint8 select_aid[]
    = { 0x00, 0xa4, 0x04, 0x00, 0x07, 0xf0, 0x53, 0x43, 0x42, 0x53, 0x49, 0x4d, 0x00 };

/* ---- the daemon, seen from /proc ---------------------------------------- */

static int daemon_pid = -1;

/* scardbusd is the sim's child, as we are. */
static int
find_daemon (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *stat_path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *stat = NULL;
      char *paren;
      int ppid = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      paren = strrchr (stat, ')');
      if (paren == NULL || sscanf (paren + 2, "%*c %d", &ppid) != 1 || ppid != getppid ())
        continue;
      if (strstr (stat, "(scardbusd)") != NULL)
        return atoi (name);
    }
  g_error ("no scardbusd among the sim's children");
  return -1;
}

static guint
daemon_fds (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", daemon_pid);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static guint
daemon_rss_anon_kb (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", daemon_pid);
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "RssAnon:");
  g_assert_nonnull (line);
  return (guint) g_ascii_strtoull (line + strlen ("RssAnon:"), NULL, 10);
}

typedef struct
{
  guint fds;
  guint rss_kb;
} Baseline;

static Baseline
baseline (void)
{
  Baseline b = { daemon_fds (), daemon_rss_anon_kb () };

  g_test_message ("baseline: %u fds, RssAnon %u kB", b.fds, b.rss_kb);
  return b;
}

/* After the attacker is gone: back to @b (RssAnon: plus @extra_kb and
 * RSS_MARGIN_KB) within RECOVERY_MS. */
static void
assert_recovers_to (const Baseline *b, guint extra_kb)
{
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + RECOVERY_MS * 1000;
  guint fds, rss;

  do
    {
      fds = daemon_fds ();
      rss = daemon_rss_anon_kb ();
      if (fds <= b->fds && (!CHECK_RSS || rss <= b->rss_kb + extra_kb + RSS_MARGIN_KB))
        break;
      g_usleep (100 * 1000);
    }
  while (g_get_monotonic_time () < end);
  g_test_message ("after the attacker: %u fds (baseline %u), RssAnon %u kB (baseline %u) "
                  "after %" G_GINT64_FORMAT " ms",
                  fds, b->fds, rss, b->rss_kb, (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpuint (fds, <=, b->fds);
  if (CHECK_RSS)
    g_assert_cmpuint (rss, <=, b->rss_kb + extra_kb + RSS_MARGIN_KB);
}

static void
assert_recovers (const Baseline *b)
{
  assert_recovers_to (b, 0);
}

/* ---- the attacker ---------------------------------------------------------- */

typedef struct
{
  GSubprocess *process;
  char **words; /* of its "ready" line, after "ready" */
} Attacker;

static char *
client_path (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = g_path_get_dirname (exe);

  return g_build_filename (dir, "hostile-client", NULL);
}

/* Runs hostile-client as @user with @args until its "ready" line. */
static Attacker *
attack (const char *user, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  g_autofree char *joined = NULL;
  Attacker *attacker = g_new0 (Attacker, 1);

  g_ptr_array_add (argv, g_strdup ("setpriv"));
  g_ptr_array_add (argv, g_strdup_printf ("--reuid=%s", user));
  g_ptr_array_add (argv,
                   g_strdup_printf ("--regid=%s", g_str_equal (user, "nobody") ? "nogroup" : user));
  g_ptr_array_add (argv, g_strdup ("--clear-groups"));
  g_ptr_array_add (argv, client_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  joined = g_strjoinv (" ", (char **) argv->pdata + 4);
  attacker->process = g_subprocess_newv ((const char *const *) argv->pdata,
                                         G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (attacker->process));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, "ready "))
    g_error ("%s: no ready line (%s)", joined, line != NULL ? line : "EOF");
  g_test_message ("%s as %s: %s", joined, user, line);
  attacker->words = g_strsplit (line + strlen ("ready "), " ", -1);
  return attacker;
}

static guint
attacker_number (Attacker *attacker, guint index)
{
  g_assert_cmpuint (index, <, g_strv_length (attacker->words));
  return (guint) g_ascii_strtoull (attacker->words[index], NULL, 10);
}

/* The last word: the last error the attacker saw ("-" for none). */
static const char *
attacker_stopped_by (Attacker *attacker)
{
  return attacker->words[g_strv_length (attacker->words) - 1];
}

static void
attacker_kill (Attacker *attacker)
{
  g_subprocess_send_signal (attacker->process, SIGKILL);
  g_subprocess_wait (attacker->process, NULL, NULL);
  g_object_unref (attacker->process);
  g_strfreev (attacker->words);
  g_free (attacker);
}

/* ---- the other user ------------------------------------------------------ */

static char *
reader_at (GDBusConnection *bus, guint index)
{
  g_auto (GStrv) readers = oc_readers (bus, NULL);

  g_assert_cmpuint (g_strv_length (readers), >, index);
  return g_strdup (readers[index]);
}

static void
channel_select (GDBusConnection *bus, const char *connection)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) reply = NULL;
  struct timeval timeout = { 30, 0 }; /* a safety net: the round's time is what is checked */
  guint8 packet[16 + sizeof select_aid] = { 1, 1 };
  guint8 answer[16 + 258];
  ssize_t n;
  int fd;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (
      bus, OC_NAME, connection, OC_CONNECTION, "OpenChannel", NULL, G_VARIANT_TYPE ("(h)"),
      G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &fds, NULL, &error);
  g_assert_no_error (error);
  fd = g_unix_fd_list_get (fds, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);
  memcpy (packet + 16, select_aid, sizeof select_aid);
  g_assert_cmpint (send (fd, packet, sizeof packet, MSG_NOSIGNAL), ==, sizeof packet);
  n = recv (fd, answer, sizeof answer, 0);
  g_assert_cmpint (n, >=, 18);
  g_assert_cmpuint (answer[12] | answer[13] | answer[14] | answer[15], ==, 0);
  g_assert_cmphex (answer[n - 2], ==, 0x90);
  close (fd);
}

/* Rounds of Connect, SELECT (bus), SELECT (channel, when @channel),
 * Disconnect on @reader for VICTIM_MS; each must succeed within the bound. */
static void
victim_within (GDBusConnection *bus, const char *reader, gboolean channel, gint64 bound_ms)
{
  gint64 end = g_get_monotonic_time () + VICTIM_MS * 1000;
  gint64 worst = 0;
  guint rounds = 0;

  do
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (GError) error = NULL;
      g_autofree char *path = oc_connect (bus, reader, "shared", "t1", &error);
      g_autoptr (GBytes) response = NULL;
      g_autoptr (GVariant) reply = NULL;

      g_assert_no_error (error);
      response = oc_transmit (bus, path, select_aid, sizeof select_aid, &error);
      g_assert_no_error (error);
      g_assert_cmphex (((const guint8 *) g_bytes_get_data (response, NULL))[0], ==, 0x6f);
      if (channel)
        channel_select (bus, path);
      reply = oc_call (bus, path, OC_CONNECTION, "Disconnect", g_variant_new ("(s)", "leave"), NULL,
                       &error);
      g_assert_no_error (error);
      worst = MAX (worst, g_get_monotonic_time () - t0);
      rounds++;
    }
  while (g_get_monotonic_time () < end);
  g_test_message ("the other user: %u rounds, the slowest %" G_GINT64_FORMAT " ms", rounds,
                  worst / 1000);
  g_assert_cmpint (worst / 1000, <, bound_ms);
}

static void
victim (GDBusConnection *bus, const char *reader, gboolean channel)
{
  victim_within (bus, reader, channel, LATENCY_BOUND_MS);
}

/* ---- the floods ---------------------------------------------------------- */

static GDBusConnection *bus;

static void
setup (void)
{
  g_autofree char *reader = NULL;

  if (bus == NULL)
    bus = oc_bus_new ();
  daemon_pid = find_daemon ();
  /* Warm up: what the first round allocates belongs to the baseline. */
  reader = reader_at (bus, 0);
  victim (bus, reader, TRUE);
}

static guint
n_readers (void)
{
  g_auto (GStrv) readers = oc_readers (bus, NULL);

  return g_strv_length (readers);
}

static gboolean
has_readers (gpointer data)
{
  return n_readers () == GPOINTER_TO_UINT (data);
}

/* Channels until the daemon keeps its last ReservedFds: a reader plugged
 * then is still added, and the other user still works (on the bus). */
static void
test_channels (void)
{
  const char *const args[] = { "channels", "8", NULL };
  g_autofree char *reader = NULL;
  g_autofree char *index = NULL;
  Attacker *attacker;
  Baseline b;
  guint readers;

  setup ();
  reader = reader_at (bus, 0);
  readers = n_readers ();
  b = baseline ();
  attacker = attack ("nobody", args);
  g_assert_cmpstr (attacker_stopped_by (attacker), ==, "LimitExceeded");
  victim (bus, reader, FALSE);
  index = oc_ctl ("plug tpdu:t1");
  g_assert_true (oc_wait_for (has_readers, GUINT_TO_POINTER (readers + 1), 10000));
  g_free (oc_ctl ("unplug %s", index));
  g_assert_true (oc_wait_for (has_readers, GUINT_TO_POINTER (readers), 10000));
  attacker_kill (attacker);
  victim (bus, reader, TRUE);
  assert_recovers (&b);
}

/* Connections from many clients of one user: MaxConnectionsPerUser. */
static void
test_connections (void)
{
  const char *const args[] = { "connections", "16", NULL };
  g_autofree char *reader = NULL;
  Attacker *attacker;
  Baseline b;

  setup ();
  reader = reader_at (bus, 0);
  b = baseline ();
  attacker = attack ("nobody", args);
  g_assert_cmpuint (attacker_number (attacker, 0), ==, 256);
  g_assert_cmpstr (attacker_stopped_by (attacker), ==, "LimitExceeded");
  victim (bus, reader, TRUE);
  attacker_kill (attacker);
  assert_recovers (&b);
}

static guint
xfr_blocks (void)
{
  g_autofree char *stats = oc_ctl ("stats 0");
  const char *p = strstr (stats, "\"XfrBlock\":");

  return p != NULL ? (guint) g_ascii_strtoull (p + strlen ("\"XfrBlock\":"), NULL, 10) : 0;
}

/* How long the attacker's APDU takes alone: the sim's T=1 at 1 ms a block. */
static gint64
big_apdu_ms (const char *reader)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = oc_connect (bus, reader, "shared", "t1", &error);
  g_autofree guint8 *apdu = g_malloc0 (65542);
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GVariant) reply = NULL;
  gint64 t0;

  g_assert_no_error (error);
  apdu[0] = 0x80;
  apdu[1] = 0xec;
  apdu[5] = 0xff;
  apdu[6] = 0xff;
  t0 = g_get_monotonic_time ();
  response = oc_transmit (bus, path, apdu, 65542, &error);
  g_assert_no_error (error);
  t0 = (g_get_monotonic_time () - t0) / 1000;
  reply = oc_call (bus, path, OC_CONNECTION, "Disconnect", g_variant_new ("(s)", "leave"), NULL,
                   &error);
  g_assert_no_error (error);
  g_test_message ("one 65,542-byte APDU alone: %" G_GINT64_FORMAT " ms", t0);
  return t0;
}

/* Pipelined 64 KiB APDUs on the other user's reader: it waits for one of
 * them at most, and they stop when their sender goes. */
static void
test_transmits (void)
{
  const char *const args[] = { "transmits", "4", "65542", NULL };
  g_autofree char *reader = NULL;
  Attacker *attacker;
  Baseline b;
  guint before, after;
  gint64 big_ms;

  setup ();
  reader = reader_at (bus, 0);
  big_ms = big_apdu_ms (reader);
  b = baseline ();
  attacker = attack ("nobody", args);
  /* A round sends two APDUs: each may wait for one of the attacker's. */
  victim_within (bus, reader, TRUE, LATENCY_BOUND_MS + 2 * big_ms);
  attacker_kill (attacker);
  /* What was queued is dropped: the reader is idle within a moment (one
   * APDU in flight may finish). */
  g_usleep (2 * G_USEC_PER_SEC);
  before = xfr_blocks ();
  g_usleep (G_USEC_PER_SEC);
  after = xfr_blocks ();
  g_test_message ("XfrBlocks one second apart, 2 s after the attacker: %u, %u", before, after);
  g_assert_cmpuint (after, ==, before);
  victim (bus, reader, TRUE);
  assert_recovers (&b);
}

/* More clients than dbus-daemon gives one connection match rules: a
 * holder that dies is still noticed, its transaction ended at once. */
static void
test_clients (void)
{
  const char *const args[] = { "clients", "250", NULL };
  const char *const few[] = { "clients", "30", NULL };
  const char *const hold[] = { "holder", NULL };
  g_autofree char *reader = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  Attacker *attackers[3];
  Attacker *holder;
  Baseline b;
  gint64 t0;

  setup ();
  reader = reader_at (bus, 0);
  b = baseline ();
  attackers[0] = attack ("nobody", args);
  attackers[1] = attack ("daemon", args);
  attackers[2] = attack ("bin", few);
  /* dbus-daemon gives a connection 512 match rules (and a user 256
   * connections: hence three users). */
  g_assert_cmpuint (attacker_number (attackers[0], 0) + attacker_number (attackers[1], 0)
                        + attacker_number (attackers[2], 0),
                    >, 512);
  /* Connected before the holder's transaction: a Connect would wait for
   * it, as under pcscd. */
  path = oc_connect (bus, reader, "shared", "t1", &error);
  g_assert_no_error (error);
  holder = attack ("nobody", hold);
  g_assert_cmpuint (attacker_number (holder, 0), ==, 1);
  attacker_kill (holder);
  t0 = g_get_monotonic_time ();
  reply = oc_call (bus, path, OC_CONNECTION, "BeginTransaction", NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("BeginTransaction after the holder was killed: %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - t0) / 1000);
  g_assert_cmpint ((g_get_monotonic_time () - t0) / 1000, <, LATENCY_BOUND_MS);
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (bus, path, OC_CONNECTION, "Disconnect", g_variant_new ("(s)", "leave"), NULL,
                   &error);
  g_assert_no_error (error);
  victim (bus, reader, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (attackers); i++)
    attacker_kill (attackers[i]);
  assert_recovers (&b);
}

/* Denied Connect("direct") as fast as the daemon answers: another user's
 * checks still get their turn with polkit. */
static void
test_direct (void)
{
  const char *const args[] = { "direct", "16", NULL };
  g_autofree char *seconds = g_strdup_printf ("%u", VICTIM_MS / 1000);
  const char *const other[] = { "victim", seconds, NULL };
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *client = client_path ();
  g_autofree char *out = NULL;
  g_autofree char *reader = NULL;
  g_auto (GStrv) words = NULL;
  Attacker *attacker;
  Baseline b;

  setup ();
  reader = reader_at (bus, 0);
  b = baseline ();
  attacker = attack ("nobody", args);
  g_assert_cmpuint (attacker_number (attacker, 1), >, 0);
  g_assert_cmpstr (attacker_stopped_by (attacker), !=, "-");
  /* uid daemon needs polkit for access-card, as nobody does for control. */
  for (const char *const *a
       = (const char *const[]){ "setpriv", "--reuid=daemon", "--regid=daemon", "--clear-groups",
                                client, other[0], other[1], NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                NULL, &error);
  g_assert_no_error (error);
  g_test_message ("uid daemon during the flood: %s", g_strstrip (out));
  words = g_strsplit (out, " ", -1);
  g_assert_cmpstr (words[0], ==, "ok");
  g_assert_cmpuint (g_strv_length (words), ==, 3);
  g_assert_cmpuint (g_ascii_strtoull (words[1], NULL, 10), >, 0);
  g_assert_cmpuint (g_ascii_strtoull (words[2], NULL, 10), <, LATENCY_BOUND_MS);
  victim (bus, reader, TRUE);
  attacker_kill (attacker);
  assert_recovers (&b);
}

/* BeginTransaction waiters by the thousand on one reader: the other user
 * works on the other reader, at its usual speed. */
static void
test_waiters (void)
{
  const char *const args[] = { "waiters", "8", NULL };
  g_autofree char *reader = NULL;
  Attacker *attacker;
  Baseline b;

  setup ();
  reader = reader_at (bus, 1);
  b = baseline ();
  attacker = attack ("nobody", args);
  /* Each client: 32 waiters (MaxTransactionWaitersPerClient). */
  g_assert_cmpuint (attacker_number (attacker, 0), ==, 8 * 32);
  g_assert_cmpstr (attacker_stopped_by (attacker), ==, "LimitExceeded");
  victim (bus, reader, TRUE);
  attacker_kill (attacker);
  assert_recovers (&b);
}

/* 30 MiB messages, refused: the memory they took is given back, except
 * GDBus's read buffer, which keeps the size of the largest message read
 * (at most the bus's max_message_size, 32 MiB) for the connection's life
 * (docs/reliability.md). Eight of them leave no more than one. */
static void
test_big (void)
{
  const char *const args[] = { "big", "30", "8", NULL };
  g_autofree char *reader = NULL;
  Attacker *attacker;
  Baseline b;

  setup ();
  reader = reader_at (bus, 0);
  b = baseline ();
  attacker = attack ("nobody", args);
  g_assert_cmpuint (attacker_number (attacker, 0), ==, 0);
  g_assert_cmpstr (attacker_stopped_by (attacker), ==, "InvalidParameter");
  victim (bus, reader, TRUE);
  attacker_kill (attacker);
  assert_recovers_to (&b, 32 * 1024);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostile/channels", test_channels);
  g_test_add_func ("/hostile/connections", test_connections);
  g_test_add_func ("/hostile/transmits", test_transmits);
  g_test_add_func ("/hostile/clients", test_clients);
  g_test_add_func ("/hostile/direct", test_direct);
  g_test_add_func ("/hostile/waiters", test_waiters);
  g_test_add_func ("/hostile/big", test_big);
  return g_test_run ();
}

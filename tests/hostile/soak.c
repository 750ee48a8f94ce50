/* soak.c: many clients for a long while, readers and faults coming and going
 *
 *   soak [--clients N] [--apdus N]
 *
 * The COMMAND of a scardbus-sim run with two tpdu readers holding t1 cards
 * (ninja -C BUILD soak; not in CI). N clients (default 32), each a thread
 * with its own bus connection, send N APDUs each (default 10,000) in
 * transactions of four (BeginTransaction; SELECT the application, SELECT
 * EF 0101, READ BINARY, ECHO; EndTransaction), half of them on a channel,
 * half as Transmit calls, on the two readers. Meanwhile the main thread
 * arms T=1 faults the protocol recovers from (bad-edc, wtx, ifs) on those
 * readers, removes and inserts the card of a third reader, and every tenth
 * turn unplugs that reader and plugs another, checking that the daemon
 * publishes each reader.
 * Every answer is checked byte for byte; any error is unexpected. The
 * daemon's fds and RssAnon are sampled throughout. Prints a summary and
 * exits 1 on any unexpected error or on fds/memory that do not stay flat
 * (last sample above the one after warm-up by more than 1 fd or 2 MiB).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define APDUS_PER_TRANSACTION 4
#define MAX_PLUGS 100

static guint n_clients = 32;
static guint n_apdus = 10000;
static gint errors;
static gint apdus_done;
static gint clients_left;

typedef struct
{
  guint index;
  char *reader;
  gboolean channel;
  int fd;
  GDBusConnection *bus;
  char *path;
} Client;

static const guint8 select_aid[]
    = { 0x00, 0xa4, 0x04, 0x00, 0x07, 0xf0, 0x53, 0x43, 0x42, 0x53, 0x49, 0x4d, 0x00 };
static const guint8 select_ef[] = { 0x00, 0xa4, 0x02, 0x0c, 0x02, 0x01, 0x01 };
static const guint8 read_binary[] = { 0x00, 0xb0, 0x00, 0x00, 0x10 };

static void
fail (Client *client, const char *what, const GError *error)
{
  g_printerr ("soak: client %u: %s: %s\n", client->index, what,
              error != NULL ? error->message : "wrong answer");
  g_atomic_int_inc (&errors);
}

/* One APDU, on the channel or the bus; the answer, NULL on an error. */
static GBytes *
exchange (Client *client, const guint8 *apdu, gsize len)
{
  g_autoptr (GError) error = NULL;
  guint8 packet[16 + 300] = { 1, 1 };
  guint8 answer[16 + 300];
  ssize_t n;
  GBytes *response;

  if (!client->channel)
    {
      response = oc_transmit (client->bus, client->path, apdu, len, &error);
      if (response == NULL)
        fail (client, "Transmit", error);
      return response;
    }
  memcpy (packet + 16, apdu, len);
  if (send (client->fd, packet, 16 + len, MSG_NOSIGNAL) != (ssize_t) (16 + len)
      || (n = recv (client->fd, answer, sizeof answer, 0)) < 16)
    {
      fail (client, "channel", NULL);
      return NULL;
    }
  if ((answer[12] | answer[13] | answer[14] | answer[15]) != 0)
    {
      g_printerr ("soak: client %u: channel status %02x%02x%02x%02x\n", client->index, answer[15],
                  answer[14], answer[13], answer[12]);
      g_atomic_int_inc (&errors);
      return NULL;
    }
  return g_bytes_new (answer + 16, n - 16);
}

static gboolean
ends_90_00 (GBytes *response, gsize min_len)
{
  gsize n = 0;
  const guint8 *p = response != NULL ? g_bytes_get_data (response, &n) : NULL;

  return p != NULL && n >= min_len + 2 && p[n - 2] == 0x90 && p[n - 1] == 0x00;
}

static void
transaction (Client *client, guint round)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) begun = NULL;
  g_autoptr (GVariant) ended = NULL;
  g_autoptr (GBytes) r1 = NULL;
  g_autoptr (GBytes) r2 = NULL;
  g_autoptr (GBytes) r3 = NULL;
  g_autoptr (GBytes) r4 = NULL;
  guint8 echo[5 + 32 + 1] = { 0x80, 0xec, 0x00, 0x00, 32 };

  begun
      = oc_call (client->bus, client->path, OC_CONNECTION, "BeginTransaction", NULL, NULL, &error);
  if (begun == NULL)
    {
      fail (client, "BeginTransaction", error);
      return;
    }
  r1 = exchange (client, select_aid, sizeof select_aid);
  if (r1 != NULL
      && (!ends_90_00 (r1, 2) || ((const guint8 *) g_bytes_get_data (r1, NULL))[0] != 0x6f))
    fail (client, "SELECT AID", NULL);
  r2 = exchange (client, select_ef, sizeof select_ef);
  if (r2 != NULL && !ends_90_00 (r2, 0))
    fail (client, "SELECT EF", NULL);
  r3 = exchange (client, read_binary, sizeof read_binary);
  if (r3 != NULL
      && (!ends_90_00 (r3, 16)
          || memcmp (g_bytes_get_data (r3, NULL), "SCARDBUS SIM P0!", 16) != 0))
    fail (client, "READ BINARY", NULL);
  for (guint i = 0; i < 32; i++)
    echo[5 + i] = (guint8) (client->index * 31 + round + i);
  echo[5 + 32] = 32;
  r4 = exchange (client, echo, sizeof echo);
  if (r4 != NULL
      && (!ends_90_00 (r4, 32) || memcmp (g_bytes_get_data (r4, NULL), echo + 5, 32) != 0))
    fail (client, "ECHO", NULL);
  ended = oc_call (client->bus, client->path, OC_CONNECTION, "EndTransaction",
                   g_variant_new ("(s)", "leave"), NULL, &error);
  if (ended == NULL)
    fail (client, "EndTransaction", error);
  g_atomic_int_add (&apdus_done, APDUS_PER_TRANSACTION);
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  g_autoptr (GError) error = NULL;

  client->bus = oc_bus_new ();
  client->path = oc_connect (client->bus, client->reader, "shared", "t1", &error);
  if (client->path == NULL)
    {
      fail (client, "Connect", error);
      g_atomic_int_dec_and_test (&clients_left);
      return NULL;
    }
  if (client->channel)
    {
      g_autoptr (GUnixFDList) fds = NULL;
      g_autoptr (GVariant) reply = g_dbus_connection_call_with_unix_fd_list_sync (
          client->bus, OC_NAME, client->path, OC_CONNECTION, "OpenChannel", NULL,
          G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &fds, NULL, &error);

      if (reply == NULL)
        {
          fail (client, "OpenChannel", error);
          client->channel = FALSE;
        }
      else
        client->fd = g_unix_fd_list_get (fds, 0, NULL);
    }
  for (guint round = 0; round < n_apdus / APDUS_PER_TRANSACTION; round++)
    transaction (client, round);
  if (client->channel)
    close (client->fd);
  g_clear_object (&client->bus);
  g_atomic_int_dec_and_test (&clients_left);
  return NULL;
}

/* ---- the daemon and the events ------------------------------------------- */

static int
find_daemon (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *stat = NULL;
      char *paren;
      int ppid = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      paren = strrchr (stat, ')');
      if (paren != NULL && sscanf (paren + 2, "%*c %d", &ppid) == 1 && ppid == getppid ()
          && strstr (stat, "(scardbusd)") != NULL)
        return atoi (name);
    }
  g_error ("no scardbusd among the sim's children");
  return -1;
}

static void
sample (int pid, guint *fds, guint *rss_kb)
{
  g_autofree char *fd_path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  g_autoptr (GDir) dir = g_dir_open (fd_path, 0, NULL);
  const char *line;

  *fds = 0;
  while (dir != NULL && g_dir_read_name (dir) != NULL)
    (*fds)++;
  g_file_get_contents (status_path, &status, NULL, NULL);
  line = status != NULL ? strstr (status, "RssAnon:") : NULL;
  *rss_kb = line != NULL ? (guint) g_ascii_strtoull (line + 8, NULL, 10) : 0;
}

/* Faults the sim injected on reader @r so far. */
static guint
faults_fired (guint r)
{
  g_autofree char *stats = oc_ctl ("stats %u", r);
  const char *p = strstr (stats, "\"faults_injected\":");

  return p != NULL ? (guint) g_ascii_strtoull (p + strlen ("\"faults_injected\":"), NULL, 10) : 0;
}

static guint
n_readers (GDBusConnection *bus)
{
  g_auto (GStrv) readers = oc_readers (bus, NULL);

  return g_strv_length (readers);
}

static gboolean
wait_readers (GDBusConnection *bus, guint n)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (n_readers (bus) != n && g_get_monotonic_time () < end)
    g_usleep (20000);
  return n_readers (bus) == n;
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[]
      = { { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "Clients (32)", "N" },
          { "apdus", 0, 0, G_OPTION_ARG_INT, &n_apdus, "APDUs per client (10000)", "N" },
          { NULL } };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  static const char *const faults[] = { "bad-edc", "wtx", "ifs" };
  g_auto (GStrv) readers = NULL;
  guint fds0 = 0, rss0 = 0, fds = 0, rss = 0, fds_max = 0, rss_max = 0;
  guint armed[2] = { 0, 0 };
  guint n_faults = 0, n_fired = 0, n_cycles = 0, n_plugs = 0, events_missed = 0;
  g_autofree char *index = NULL;
  gint64 start = g_get_monotonic_time (), warm = 0;
  int pid;
  Client *clients;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("soak: %s\n", error->message);
      return 2;
    }
  bus = oc_bus_new ();
  readers = oc_readers (bus, NULL);
  g_assert_cmpuint (g_strv_length (readers), ==, 2);
  pid = find_daemon ();
  sample (pid, &fds0, &rss0);
  clients = g_new0 (Client, n_clients);
  clients_left = (gint) n_clients;
  for (guint i = 0; i < n_clients; i++)
    {
      clients[i].index = i;
      clients[i].reader = readers[i % 2];
      clients[i].channel = (i / 2) % 2 == 0;
      clients[i].fd = -1;
      g_ptr_array_add (threads, g_thread_new ("soak-client", client_thread, &clients[i]));
    }
  index = oc_ctl ("plug tpdu:t1");
  n_plugs++;
  if (!wait_readers (bus, 3))
    events_missed++;
  while (g_atomic_int_get (&clients_left) > 0)
    {
      /* A recoverable T=1 fault on each shared reader, once the last one
       * fired: faults armed faster than the card's blocks consume them pile
       * up, and four damaged blocks in a row are past what T=1 recovers
       * from (ISO 7816-3 §11.6.3: three R-blocks, then the link is
       * resynchronised and the APDU fails; docs/proto.md). */
      for (guint r = 0; r < 2; r++)
        {
          if (faults_fired (r) < armed[r])
            continue;
          g_free (oc_ctl ("fault %u %s", r, faults[n_faults % G_N_ELEMENTS (faults)]));
          armed[r]++;
          n_faults++;
        }
      /* The third reader's card goes and comes back; every tenth turn the
       * reader itself goes and another comes (at most MAX_PLUGS: the sim
       * gives each reader it plugs a new port, and libusb did not list the
       * one on port 255). */
      g_free (oc_ctl ("remove %s", index));
      g_free (oc_ctl ("insert %s t1", index));
      if (n_cycles % 10 == 9 && n_plugs < MAX_PLUGS)
        {
          g_free (oc_ctl ("unplug %s", index));
          if (!wait_readers (bus, 2))
            events_missed++;
          g_free (index);
          index = oc_ctl ("plug tpdu:t1");
          n_plugs++;
          if (!wait_readers (bus, 3))
            events_missed++;
        }
      n_cycles++;
      sample (pid, &fds, &rss);
      fds_max = MAX (fds_max, fds);
      rss_max = MAX (rss_max, rss);
      /* The first samples after the clients settled are the reference. */
      if (warm == 0 && g_atomic_int_get (&apdus_done) > (gint) (n_clients * 40))
        {
          warm = g_get_monotonic_time ();
          fds0 = fds;
          rss0 = rss;
        }
      g_usleep (200 * 1000);
    }
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  for (guint i = 0; i < n_clients; i++)
    g_free (clients[i].path);
  g_free (clients);
  /* The clients' channels and connections close as their buses do. */
  g_usleep (G_USEC_PER_SEC);
  sample (pid, &fds, &rss);
  printf ("soak: %u clients x %u APDUs (%d done) in %.0f s, %d unexpected errors\n", n_clients,
          n_apdus, g_atomic_int_get (&apdus_done), (g_get_monotonic_time () - start) / 1e6,
          g_atomic_int_get (&errors));
  for (guint r = 0; r < 2; r++)
    n_fired += faults_fired (r);
  printf ("soak: %u faults armed, %u fired; %u card removals and insertions, %u readers "
          "plugged and unplugged, %u events missed\n",
          n_faults, n_fired, n_cycles, n_plugs, events_missed);
  printf ("soak: daemon fds %u after warm-up, %u max, %u at the end; RssAnon %u kB after "
          "warm-up, %u kB max, %u kB at the end\n",
          fds0, fds_max, fds, rss0, rss_max, rss);
  fflush (stdout);
  if (g_atomic_int_get (&errors) > 0 || events_missed > 0 || fds > fds0 + 1 || rss > rss0 + 2048)
    return 1;
  return 0;
}

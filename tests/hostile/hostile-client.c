/* hostile-client.c: a local user trying to deny card service to others
 *
 *   hostile-client MODE [ARG...]
 *
 * Run as nobody by test-hostile (which has only access-card through the
 * polkit mock). Each mode builds its flood, prints one line "ready WORDS"
 * (what it got, what stopped it), then keeps the flood going until killed:
 *
 *   channels K        K bus connections, each as many connections and
 *                     channels as it is given
 *   connections K     K bus connections, each as many connections as given
 *   clients K         K bus connections holding one connection each
 *   transmits K SIZE  K bus connections, 64 pipelined ECHO APDUs of SIZE
 *                     bytes each, sent again as they are answered
 *   direct K          K bus connections, 32 Connect("direct") each in
 *                     flight at all times (denied: control)
 *   waiters K         one connection holds a transaction on the first
 *                     reader; K bus connections wait for it from as many
 *                     connections as they are given
 *   holder            one connection holding a transaction on the first reader
 *   big MIB N         N Transmit calls of MIB MiB, one after the other
 *   victim SECONDS    not an attack: Connect, SELECT, READ BINARY, Disconnect
 *                     for SECONDS; prints "ok ROUNDS MAX_MS" or "error NAME"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define NAME "org.scardbus.SmartCard1"
#define ROOT "/org/scardbus/SmartCard1"
#define CONNECTION NAME ".Connection"
#define READER NAME ".Reader"
#define TIMEOUT_MS 120000

static GPtrArray *buses; /* GDBusConnection */
static GPtrArray *fds;   /* channel fds, kept open */
static char *last_error;
static guint n_ok, n_refused;

static GDBusConnection *
bus_new (void)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *bus = g_dbus_connection_new_for_address_sync (
      g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"),
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);

  if (bus == NULL)
    {
      g_free (last_error);
      last_error = g_strdup_printf ("bus:%s", error->message);
      return NULL;
    }
  g_ptr_array_add (buses, bus);
  return bus;
}

static void
note_error (const GError *error)
{
  g_free (last_error);
  last_error = g_dbus_error_get_remote_error (error);
  if (last_error == NULL)
    last_error = g_strdup ("local");
  else
    {
      char *dot = strrchr (last_error, '.');
      char *word = g_strdup (dot != NULL ? dot + 1 : last_error);

      g_free (last_error);
      last_error = word;
    }
  n_refused++;
}

static char *
first_reader (GDBusConnection *bus, guint index)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, NAME, ROOT, NAME ".Manager", "GetReaders", NULL, G_VARIANT_TYPE ("(uao)"),
      G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, NULL);
  g_auto (GStrv) readers = NULL;

  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(u^ao)", NULL, &readers);
  if (g_strv_length (readers) <= index)
    return NULL;
  return g_strdup (readers[index]);
}

static char *
do_connect (GDBusConnection *bus, const char *reader, const char *mode)
{
  g_autoptr (GError) error = NULL;
  const char *t1[] = { "t1", NULL };
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, NAME, reader, READER, "Connect",
      g_variant_new ("(s^as)", mode, g_str_equal (mode, "direct") ? t1 + 1 : t1),
      G_VARIANT_TYPE ("(os)"), G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, &error);
  char *path = NULL;

  if (reply == NULL)
    {
      note_error (error);
      return NULL;
    }
  g_variant_get (reply, "(os)", &path, NULL);
  return path;
}

static gboolean
open_channel (GDBusConnection *bus, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GUnixFDList) list = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_with_unix_fd_list_sync (
      bus, NAME, path, CONNECTION, "OpenChannel", NULL, G_VARIANT_TYPE ("(h)"),
      G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, &list, NULL, &error);

  if (reply == NULL)
    {
      note_error (error);
      return FALSE;
    }
  g_ptr_array_add (fds, GINT_TO_POINTER (g_unix_fd_list_get (list, 0, NULL)));
  return TRUE;
}

static gboolean
call_ok (GDBusConnection *bus, const char *path, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_sync (bus, NAME, path, CONNECTION, method, args, NULL,
                                     G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, &error);

  if (reply == NULL)
    note_error (error);
  return reply != NULL;
}

static void ready (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
ready (const char *format, ...)
{
  g_autofree char *words = NULL;
  va_list args;

  va_start (args, format);
  words = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("ready %s %s\n", words, last_error != NULL ? last_error : "-");
  fflush (stdout);
}

static gboolean
on_spun (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Serves the main context for @ms (answers come in meanwhile). */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_spun, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
hold (void)
{
  for (;;)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- as many as given ---------------------------------------------------- */

static void
mode_channels (guint k, gboolean channels)
{
  guint n_connections = 0, n_channels = 0;

  for (guint b = 0; b < k; b++)
    {
      GDBusConnection *bus = bus_new ();
      g_autofree char *reader = bus != NULL ? first_reader (bus, 0) : NULL;
      guint failures = 0;

      if (reader == NULL)
        break;
      /* Until refused three times in a row. */
      while (failures < 3)
        {
          g_autofree char *path = do_connect (bus, reader, "shared");

          if (path == NULL)
            {
              failures++;
              continue;
            }
          n_connections++;
          failures = 0;
          if (!channels)
            continue;
          /* A connection that gets no channel counts as a refusal. */
          failures = 1;
          for (guint c = 0; c < 8 && open_channel (bus, path); c++)
            {
              n_channels++;
              failures = 0;
            }
        }
    }
  if (channels)
    ready ("%u %u", n_channels, n_connections);
  else
    ready ("%u", n_connections);
  hold ();
}

static void
mode_clients (guint k)
{
  guint n = 0;

  for (guint b = 0; b < k; b++)
    {
      GDBusConnection *bus = bus_new ();
      g_autofree char *reader = bus != NULL ? first_reader (bus, 0) : NULL;
      g_autofree char *path = reader != NULL ? do_connect (bus, reader, "shared") : NULL;

      if (path != NULL)
        n++;
    }
  ready ("%u", n);
  hold ();
}

/* ---- floods that go on ---------------------------------------------------- */

typedef struct
{
  GDBusConnection *bus;
  char *target; /* a connection, or a reader */
  GVariant *args;
  const char *iface;
  const char *method;
} Flood;

static void on_flood_reply (GObject *source, GAsyncResult *result, gpointer user_data);

static void
flood_send (Flood *flood)
{
  g_dbus_connection_call (flood->bus, NAME, flood->target, flood->iface, flood->method,
                          g_variant_ref (flood->args), NULL, G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS,
                          NULL, on_flood_reply, flood);
}

static void
on_flood_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    note_error (error);
  else
    n_ok++;
  flood_send (user_data);
}

static void
mode_flood (guint k, guint in_flight, const char *iface, const char *method, GVariant *args,
            gboolean per_connection)
{
  g_autoptr (GVariant) sunk = g_variant_ref_sink (args);

  for (guint b = 0; b < k; b++)
    {
      GDBusConnection *bus = bus_new ();
      g_autofree char *reader = bus != NULL ? first_reader (bus, 0) : NULL;
      g_autofree char *target = NULL;

      if (reader == NULL)
        break;
      target = per_connection ? do_connect (bus, reader, "shared") : g_strdup (reader);
      if (target == NULL)
        continue;
      for (guint i = 0; i < in_flight; i++)
        {
          Flood *flood = g_new0 (Flood, 1);

          flood->bus = bus;
          flood->target = g_strdup (target);
          flood->args = g_variant_ref (sunk);
          flood->iface = iface;
          flood->method = method;
          flood_send (flood);
        }
    }
  spin (1000);
  ready ("%u %u", n_ok, n_refused);
  hold ();
}

static GVariant *
echo_apdu (gsize size)
{
  guint8 *apdu;
  gsize lc;

  size = CLAMP (size, 8, 65544);
  apdu = g_malloc0 (size);
  lc = size - 7;

  /* ECHO, case 4 extended: 80 EC 00 00 00 Lc1 Lc2 data (no Le: 4E wants it,
   * the card answers 6700 or the data; both keep the reader busy). */
  apdu[0] = 0x80;
  apdu[1] = 0xec;
  apdu[5] = (guint8) (lc >> 8);
  apdu[6] = (guint8) lc;
  return g_variant_new (
      "(@ay)", g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, apdu, size, TRUE, g_free, apdu));
}

static void
on_waiter_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    note_error (error);
}

static void
mode_waiters (guint k)
{
  GDBusConnection *holder = bus_new ();
  g_autofree char *reader = first_reader (holder, 0);
  g_autofree char *held = do_connect (holder, reader, "shared");
  g_autoptr (GPtrArray) owners = g_ptr_array_new (); /* the bus of each path */
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint n = 0, before;

  /* Connected first: a Connect waits for a transaction, as under pcscd. */
  for (guint b = 0; held != NULL && b < k; b++)
    {
      GDBusConnection *bus = bus_new ();

      for (guint c = 0; bus != NULL && c < 64; c++)
        {
          char *path = do_connect (bus, reader, "shared");

          if (path == NULL)
            break;
          g_ptr_array_add (owners, bus);
          g_ptr_array_add (paths, path);
        }
    }
  if (held == NULL || !call_ok (holder, held, "BeginTransaction", NULL))
    {
      ready ("0 0");
      hold ();
    }
  for (guint i = 0; i < paths->len; i++)
    for (guint w = 0; w < 64; w++, n++)
      g_dbus_connection_call (g_ptr_array_index (owners, i), NAME, g_ptr_array_index (paths, i),
                              CONNECTION, "BeginTransaction", NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                              TIMEOUT_MS, NULL, on_waiter_reply, NULL);
  /* Only the refused BeginTransaction calls from here on (their answers
   * are read while spinning), not the refused Connect calls above; until
   * a second passes without one, so that the rest are the waiting ones. */
  n_refused = 0;
  do
    {
      before = n_refused;
      spin (1000);
    }
  while (n_refused != before);
  ready ("%u %u", n - n_refused, n_refused);
  hold ();
}

static void
mode_holder (void)
{
  GDBusConnection *bus = bus_new ();
  g_autofree char *reader = first_reader (bus, 0);
  g_autofree char *path = do_connect (bus, reader, "shared");

  ready ("%d", path != NULL && call_ok (bus, path, "BeginTransaction", NULL));
  hold ();
}

static void
mode_big (guint mib, guint n)
{
  GDBusConnection *bus = bus_new ();
  g_autofree char *reader = first_reader (bus, 0);
  g_autofree char *path = do_connect (bus, reader, "shared");

  for (guint i = 0; path != NULL && i < n; i++)
    {
      gsize size = (gsize) mib << 20;
      guint8 *data = g_malloc0 (size);
      GVariant *args
          = g_variant_new ("(@ay)", g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, size,
                                                             TRUE, g_free, data));

      if (call_ok (bus, path, "Transmit", args))
        n_ok++;
    }
  ready ("%u %u", n_ok, n_refused);
  hold ();
}

/* ---- the other user ------------------------------------------------------- */

static int
mode_victim (guint seconds)
{
  GDBusConnection *bus = bus_new ();
  g_autofree char *reader = first_reader (bus, 0);
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  gint64 max_us = 0;
  guint rounds = 0;
  static const guint8 select_aid[]
      = { 0x00, 0xa4, 0x04, 0x00, 0x07, 0xf0, 0x53, 0x43, 0x42, 0x53, 0x49, 0x4d, 0x00 };

  while (reader != NULL && g_get_monotonic_time () < end)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autofree char *path = do_connect (bus, reader, "shared");
      g_autoptr (GVariant) apdu = g_variant_ref_sink (
          g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, select_aid,
                                                             sizeof select_aid, 1)));

      if (path == NULL || !call_ok (bus, path, "Transmit", apdu)
          || !call_ok (bus, path, "Disconnect", g_variant_new ("(s)", "leave")))
        {
          printf ("error %s\n", last_error);
          return 1;
        }
      max_us = MAX (max_us, g_get_monotonic_time () - t0);
      rounds++;
    }
  printf ("ok %u %" G_GINT64_FORMAT "\n", rounds, max_us / 1000);
  return 0;
}

int
main (int argc, char **argv)
{
  struct rlimit limit;

  /* Dies with the test, which may abort (setpriv's change of uid cleared
   * any death signal set before). */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () == 1)
    return 1;
  buses = g_ptr_array_new ();
  fds = g_ptr_array_new ();
  /* As many fds as the user may have: the flood is the daemon's problem. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
  if (argc < 2)
    {
      fprintf (stderr, "usage: hostile-client MODE [ARG...]\n");
      return 2;
    }
#define ARG(i) (argc > (i) ? (guint) g_ascii_strtoull (argv[i], NULL, 10) : 1)
  if (g_str_equal (argv[1], "channels"))
    mode_channels (ARG (2), TRUE);
  else if (g_str_equal (argv[1], "connections"))
    mode_channels (ARG (2), FALSE);
  else if (g_str_equal (argv[1], "clients"))
    mode_clients (ARG (2));
  else if (g_str_equal (argv[1], "transmits"))
    mode_flood (ARG (2), 64, CONNECTION, "Transmit", echo_apdu (ARG (3)), TRUE);
  else if (g_str_equal (argv[1], "direct"))
    mode_flood (ARG (2), 32, READER, "Connect", g_variant_new_parsed ("('direct', @as [])"), FALSE);
  else if (g_str_equal (argv[1], "waiters"))
    mode_waiters (ARG (2));
  else if (g_str_equal (argv[1], "holder"))
    mode_holder ();
  else if (g_str_equal (argv[1], "big"))
    mode_big (ARG (2), ARG (3));
  else if (g_str_equal (argv[1], "victim"))
    return mode_victim (ARG (2));
  fprintf (stderr, "hostile-client: unknown mode %s\n", argv[1]);
  return 2;
}

/* test-objects-channel.c: the fd fast path, and two NADs on a mep card
 *
 * Under scardbus-sim with a tpdu reader holding a t1 card, a tpdu reader
 * holding a mep card (an eSIM with two profiles addressed by the T=1 NAD)
 * and a short-APDU reader holding a t0 card. Runs as root.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <gio/gunixfdlist.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define HEADER 16
#define SCARD_E_INVALID_PARAMETER 0x80100004u
#define SCARD_E_INSUFFICIENT_BUFFER 0x80100008u
#define MEP_CODE 0x42000e10u

/* The reader whose card's ATR names the sim card @model ("scbsim1", "scbsimM"). */
static char *
find_reader (GDBusConnection *bus, const char *model)
{
  g_auto (GStrv) readers = oc_readers (bus, NULL);

  for (guint i = 0; readers[i] != NULL; i++)
    {
      g_autoptr (GVariant) atr = oc_get_property (bus, readers[i], OC_READER, "Atr");
      gsize len = 0;
      const char *data = g_variant_get_fixed_array (atr, &len, 1);

      if (len > strlen (model) && memmem (data, len, model, strlen (model)) != NULL)
        return g_strdup (readers[i]);
    }
  g_error ("no reader with a %s card", model);
  return NULL;
}

/* A shared T=1 connection to the reader holding the t1 card. */
static char *
connect_t1 (GDBusConnection *bus)
{
  g_autofree char *reader = find_reader (bus, "scbsim1");
  g_autoptr (GError) error = NULL;
  char *path = oc_connect (bus, reader, "shared", "t1", &error);

  g_assert_no_error (error);
  return path;
}

static int
open_channel (GDBusConnection *bus, const char *connection)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) reply = NULL;
  struct timeval timeout = { 10, 0 };
  gint32 handle = -1;
  int fd;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (
      bus, OC_NAME, connection, OC_CONNECTION, "OpenChannel", NULL, G_VARIANT_TYPE ("(h)"),
      G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &fds, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(h)", &handle);
  fd = g_unix_fd_list_get (fds, handle, &error);
  g_assert_no_error (error);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);
  return fd;
}

static void
put32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static guint32
get32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

/* Sends @packet as is and returns the answer packet. */
static GBytes *
exchange_raw (int fd, const guint8 *packet, gsize len)
{
  g_autofree guint8 *buffer = g_malloc (HEADER + 65544 + 16);
  ssize_t n;

  g_assert_cmpint (send (fd, packet, len, MSG_NOSIGNAL), ==, (ssize_t) len);
  n = recv (fd, buffer, HEADER + 65544 + 16, 0);
  g_assert_cmpint (n, >=, HEADER);
  return g_bytes_new (buffer, n);
}

/* A well-formed request; returns the answer's payload, its status in
 * *status, after checking the echoed fields. */
static GBytes *
request (int fd, guint8 op, guint32 id, guint32 code, GBytes *payload, guint32 *status)
{
  gsize len = g_bytes_get_size (payload);
  g_autofree guint8 *packet = g_malloc0 (HEADER + len);
  g_autoptr (GBytes) answer = NULL;
  const guint8 *a;
  gsize n;

  packet[0] = 1;
  packet[1] = op;
  put32 (packet + 4, id);
  put32 (packet + 8, code);
  if (len > 0)
    memcpy (packet + HEADER, g_bytes_get_data (payload, NULL), len);
  answer = exchange_raw (fd, packet, HEADER + len);
  a = g_bytes_get_data (answer, &n);
  g_assert_cmpuint (a[0], ==, 1);
  g_assert_cmpuint (a[1], ==, op | 0x80);
  g_assert_cmpuint (get32 (a + 4), ==, id);
  g_assert_cmpuint (get32 (a + 8), ==, code);
  *status = get32 (a + 12);
  return g_bytes_new (a + HEADER, n - HEADER);
}

static GBytes *
random_apdu (void)
{
  GByteArray *apdu = g_byte_array_new ();
  guint8 header[4] = { 0x80, 0xec, 0, 0 };
  guint kind = g_test_rand_int_range (0, 5);
  guint len;

  switch (kind)
    {
    case 0: /* ECHO, short, 1-255 bytes */
      len = g_test_rand_int_range (1, 256);
      g_byte_array_append (apdu, header, 4);
      g_byte_array_append (apdu, (guint8[]){ (guint8) len }, 1);
      for (guint i = 0; i < len; i++)
        g_byte_array_append (apdu, (guint8[]){ (guint8) g_test_rand_int () }, 1);
      g_byte_array_append (apdu, (guint8[]){ 0 }, 1);
      break;
    case 1: /* LENGTH: P1P2 bytes back */
      len = g_test_rand_int_range (0, 257);
      g_byte_array_append (apdu, (guint8[]){ 0x80, 0xe1, (guint8) (len >> 8), (guint8) len, 0 }, 5);
      break;
    case 2: /* SELECT an EF */
      g_byte_array_append (
          apdu,
          (guint8[]){ 0x00, 0xa4, 0x00, 0x0c, 0x02, 0x01, (guint8) g_test_rand_int_range (1, 3) },
          7);
      break;
    case 3: /* READ BINARY somewhere */
      len = g_test_rand_int_range (0, 4096);
      g_byte_array_append (apdu,
                           (guint8[]){ 0x00, 0xb0, (guint8) (len >> 8), (guint8) len,
                                       (guint8) g_test_rand_int_range (0, 256) },
                           5);
      break;
    default: /* an instruction the card does not know (never GET CHALLENGE) */
      g_byte_array_append (
          apdu, (guint8[]){ 0x00, (guint8) (0xc0 + g_test_rand_int_range (0, 16) * 2), 0, 0 }, 4);
      break;
    }
  return g_byte_array_free_to_bytes (apdu);
}

static void
test_random_apdus (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = connect_t1 (bus);
  int fd;

  fd = open_channel (bus, path);
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr (GBytes) apdu = random_apdu ();
      g_autoptr (GBytes) via_bus
          = oc_transmit (bus, path, g_bytes_get_data (apdu, NULL), g_bytes_get_size (apdu), &error);
      g_autoptr (GBytes) via_channel = NULL;
      guint32 status = 1;

      g_assert_no_error (error);
      via_channel = request (fd, 1, i + 1, i % 2 == 0 ? 2 : 0, apdu, &status);
      g_assert_cmphex (status, ==, 0);
      if (!g_bytes_equal (via_bus, via_channel))
        {
          g_autofree char *a = oc_to_hex (apdu);
          g_autofree char *b = oc_to_hex (via_bus);
          g_autofree char *c = oc_to_hex (via_channel);

          g_error ("APDU %s: Transmit %s, channel %s", a, b, c);
        }
    }
  /* The channel closes with its connection. */
  {
    g_autoptr (GVariant) reply = NULL;
    reply = oc_call (bus, path, OC_CONNECTION, "Disconnect", g_variant_new ("(s)", "leave"), NULL,
                     &error);
    guint8 byte;

    g_assert_no_error (error);
    g_assert_cmpint (recv (fd, &byte, 1, 0), ==, 0);
  }
  close (fd);
}

static void
expect_error (int fd, const guint8 *packet, gsize len, guint32 status)
{
  g_autoptr (GBytes) answer = exchange_raw (fd, packet, len);
  const guint8 *a = g_bytes_get_data (answer, NULL);

  g_assert_cmpuint (g_bytes_get_size (answer), ==, HEADER);
  g_assert_cmpuint (a[0], ==, 1);
  g_assert_true (a[1] & 0x80);
  g_assert_cmphex (get32 (a + 12), ==, status);
}

static void
check_still_fine (GDBusConnection *bus, const char *path, int fd)
{
  static const guint8 echo[] = { 0x80, 0xec, 0, 0, 1, 0x5a, 0 };
  g_autoptr (GBytes) apdu = g_bytes_new_static (echo, sizeof echo);
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GBytes) via_bus = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *hex = NULL;
  guint32 status = 1;

  answer = request (fd, 1, 7, 0, apdu, &status);
  g_assert_cmphex (status, ==, 0);
  hex = oc_to_hex (answer);
  g_assert_cmpstr (hex, ==, "5A 90 00");
  via_bus = oc_transmit (bus, path, echo, sizeof echo, &error);
  g_assert_no_error (error);
}

static void
test_malformed (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = connect_t1 (bus);
  g_autofree guint8 *big = g_malloc0 (HEADER + 65545);
  guint8 packet[HEADER + 5]
      = { 1, 1, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xec, 0, 0, 0 };
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr (GBytes) nad_get = g_bytes_new_static ("\x3f\x00\x00", 3);
  guint32 status;
  int fd;

  fd = open_channel (bus, path);
  expect_error (fd, packet, 5, SCARD_E_INVALID_PARAMETER); /* shorter than a header */
  check_still_fine (bus, path, fd);
  expect_error (fd, packet, 0, SCARD_E_INVALID_PARAMETER); /* empty packet */
  check_still_fine (bus, path, fd);
  packet[0] = 2; /* version */
  expect_error (fd, packet, sizeof packet, SCARD_E_INVALID_PARAMETER);
  packet[0] = 1;
  packet[1] = 9; /* op */
  expect_error (fd, packet, sizeof packet, SCARD_E_INVALID_PARAMETER);
  packet[1] = 3; /* BeginTransaction takes no payload */
  expect_error (fd, packet, sizeof packet, SCARD_E_INVALID_PARAMETER);
  packet[1] = 0x81; /* an answer */
  expect_error (fd, packet, sizeof packet, SCARD_E_INVALID_PARAMETER);
  packet[1] = 1;
  packet[12] = 1; /* status set */
  expect_error (fd, packet, sizeof packet, SCARD_E_INVALID_PARAMETER);
  packet[12] = 0;
  check_still_fine (bus, path, fd);
  big[0] = 1;
  big[1] = 1;
  expect_error (fd, big, HEADER + 65545, SCARD_E_INSUFFICIENT_BUFFER); /* oversized */
  check_still_fine (bus, path, fd);
  answer = request (fd, 1, 3, 0, empty, &status); /* empty APDU */
  g_assert_cmphex (status, ==, SCARD_E_INVALID_PARAMETER);
  g_clear_pointer (&answer, g_bytes_unref);
  answer = request (fd, 1, 4, 1, nad_get, &status); /* T=0 on a T=1 card */
  g_assert_cmphex (status, !=, 0);
  g_clear_pointer (&answer, g_bytes_unref);
  /* A control request: the MEP NAD get, on the channel. */
  answer = request (fd, 2, 5, MEP_CODE, nad_get, &status);
  g_assert_cmphex (status, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (answer), ==, 1);
  check_still_fine (bus, path, fd);
  /* The client closing its end leaves the connection usable. */
  close (fd);
  {
    static const guint8 echo[] = { 0x80, 0xec, 0, 0, 1, 0x5a, 0 };
    g_autoptr (GBytes) via_bus = NULL;
    via_bus = oc_transmit (bus, path, echo, sizeof echo, &error);

    g_assert_no_error (error);
  }
  /* The daemon answers everyone as before. */
  {
    g_auto (GStrv) readers = oc_readers (bus, NULL);

    g_assert_cmpuint (g_strv_length (readers), ==, 3);
  }
}

#define SCARD_E_SHARING_VIOLATION 0x8010000Bu
#define SCARD_E_INVALID_VALUE 0x80100011u
#define SCARD_E_NOT_TRANSACTED 0x80100016u

/* BeginTransaction, EndTransaction and Status on the channel: the same
 * answers and errors as the D-Bus methods. */
static void
test_transactions (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autoptr (GDBusConnection) other = oc_bus_new ();
  g_autofree char *path = connect_t1 (bus);
  g_autofree char *second = connect_t1 (other);
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) atr = NULL;
  g_autoptr (GError) error = NULL;
  const char *name = NULL, *protocol = NULL;
  const guint8 *payload;
  guint32 status, state = 0;
  gsize len = 0, atr_len = 0;
  int fd = open_channel (bus, path);

  /* Status: state, protocol (SCARD_PROTOCOL_T1), the ATR, the name, as
   * Connection.Status answers. */
  reply = oc_call (bus, path, OC_CONNECTION, "Status", NULL, "(susay)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&su&s@ay)", &name, &state, &protocol, &atr);
  answer = request (fd, 5, 20, 0, empty, &status);
  g_assert_cmphex (status, ==, 0);
  payload = g_bytes_get_data (answer, &len);
  g_assert_cmpuint (len, >=, 9);
  g_assert_cmphex (get32 (payload), ==, state);
  g_assert_cmphex (get32 (payload + 4), ==, 2);
  g_assert_cmpstr (protocol, ==, "t1");
  atr_len = payload[8];
  g_assert_cmpmem (payload + 9, atr_len, g_variant_get_data (atr), g_variant_get_size (atr));
  g_assert_cmpmem (payload + 9 + atr_len, len - 9 - atr_len, name, strlen (name));
  g_clear_pointer (&answer, g_bytes_unref);

  /* No transaction yet; an unknown disposition. */
  answer = request (fd, 4, 21, 0, empty, &status);
  g_assert_cmphex (status, ==, SCARD_E_NOT_TRANSACTED);
  g_clear_pointer (&answer, g_bytes_unref);
  answer = request (fd, 4, 22, 7, empty, &status);
  g_assert_cmphex (status, ==, SCARD_E_INVALID_VALUE);
  g_clear_pointer (&answer, g_bytes_unref);
  /* Begin on the channel: the other connection's EndTransaction is a
   * sharing violation, its Transmit waits until the channel's End. */
  answer = request (fd, 3, 23, 0, empty, &status);
  g_assert_cmphex (status, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (answer), ==, 0);
  g_clear_pointer (&answer, g_bytes_unref);
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (other, second, OC_CONNECTION, "EndTransaction", g_variant_new ("(s)", "leave"),
                   NULL, &error);
  oc_assert_error (error, "SharingViolation");
  g_clear_error (&error);
  answer = request (fd, 3, 24, 0, empty, &status); /* nested */
  g_assert_cmphex (status, ==, 0);
  g_clear_pointer (&answer, g_bytes_unref);
  for (guint i = 0; i < 2; i++)
    {
      answer = request (fd, 4, 25 + i, 0, empty, &status);
      g_assert_cmphex (status, ==, 0);
      g_clear_pointer (&answer, g_bytes_unref);
    }
  answer = request (fd, 4, 27, 0, empty, &status);
  g_assert_cmphex (status, ==, SCARD_E_NOT_TRANSACTED);
  g_clear_pointer (&answer, g_bytes_unref);
  /* The other holds one: the channel's EndTransaction is a sharing
   * violation. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (other, second, OC_CONNECTION, "BeginTransaction", NULL, NULL, &error);
  g_assert_no_error (error);
  answer = request (fd, 4, 28, 0, empty, &status);
  g_assert_cmphex (status, ==, SCARD_E_SHARING_VIOLATION);
  g_clear_pointer (&answer, g_bytes_unref);
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (other, second, OC_CONNECTION, "EndTransaction", g_variant_new ("(s)", "leave"),
                   NULL, &error);
  g_assert_no_error (error);
  close (fd);
}

/* One request in flight is the contract, but a client that pipelines gets
 * its answers in order, and one that hangs up with a request in flight
 * leaves the connection and a new channel working. */
static void
test_pipelined (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autofree char *path = connect_t1 (bus);
  guint8 packet[HEADER + 7]
      = { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xec, 0, 0, 1, 0, 0 };
  guint8 answer[HEADER + 16];
  int fd;

  fd = open_channel (bus, path);
  for (guint i = 0; i < 3; i++)
    {
      put32 (packet + 4, 20 + i);
      packet[HEADER + 5] = (guint8) (0xa0 + i);
      g_assert_cmpint (send (fd, packet, sizeof packet, MSG_NOSIGNAL), ==, (ssize_t) sizeof packet);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (recv (fd, answer, sizeof answer, 0), ==, HEADER + 3);
      g_assert_cmpuint (answer[1], ==, 0x81);
      g_assert_cmpuint (get32 (answer + 4), ==, 20 + i);
      g_assert_cmphex (get32 (answer + 12), ==, 0);
      g_assert_cmphex (answer[HEADER], ==, 0xa0 + i);
      g_assert_cmphex (answer[HEADER + 1], ==, 0x90);
    }
  check_still_fine (bus, path, fd);
  /* Two requests, then the client is gone before either answer. */
  g_assert_cmpint (send (fd, packet, sizeof packet, MSG_NOSIGNAL), ==, (ssize_t) sizeof packet);
  g_assert_cmpint (send (fd, packet, sizeof packet, MSG_NOSIGNAL), ==, (ssize_t) sizeof packet);
  close (fd);
  fd = open_channel (bus, path);
  check_still_fine (bus, path, fd);
  close (fd);
}

/* Selects the profile's EF 0101 and reads its 16 bytes of text. */
static char *
read_profile (GDBusConnection *bus, const char *path)
{
  static const guint8 select_aid[]
      = { 0x00, 0xa4, 0x04, 0x0c, 0x07, 0xf0, 0x53, 0x43, 0x42, 0x53, 0x49, 0x4d };
  static const guint8 select_ef[] = { 0x00, 0xa4, 0x02, 0x0c, 0x02, 0x01, 0x01 };
  static const guint8 read[] = { 0x00, 0xb0, 0x00, 0x00, 0x10 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r1 = oc_transmit (bus, path, select_aid, sizeof select_aid, &error);
  g_autoptr (GBytes) r2 = NULL;
  g_autoptr (GBytes) r3 = NULL;
  gsize len = 0;
  const char *text;

  g_assert_no_error (error);
  r2 = oc_transmit (bus, path, select_ef, sizeof select_ef, &error);
  g_assert_no_error (error);
  r3 = oc_transmit (bus, path, read, sizeof read, &error);
  g_assert_no_error (error);
  text = g_bytes_get_data (r3, &len);
  if (len != 18)
    {
      g_autofree char *a = oc_to_hex (r1), *b = oc_to_hex (r2), *c = oc_to_hex (r3);

      return g_strdup_printf ("SELECT %s / %s / READ %s", a, b, c);
    }
  return g_strndup (text, 16);
}

static guint8
nad_of (GDBusConnection *bus, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply
      = oc_call (bus, path, OC_CONNECTION, "Control",
                 g_variant_new_parsed ("(uint32 0x42000e10, [byte 0x3f, 0, 0])"), "(ay)", &error);
  g_autoptr (GVariant) data = NULL;
  gsize len = 0;
  const guint8 *bytes;

  g_assert_no_error (error);
  g_variant_get (reply, "(@ay)", &data);
  bytes = g_variant_get_fixed_array (data, &len, 1);
  g_assert_cmpuint (len, ==, 1);
  return bytes[0];
}

static void
on_nad_changed (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                const char *member, GVariant *parameters, gpointer user_data)
{
  int *nad = user_data;
  g_autoptr (GVariant) changed = NULL;
  guint8 value;

  g_variant_get (parameters, "(s@a{sv}@as)", NULL, &changed, NULL);
  if (g_variant_lookup (changed, "Nad", "y", &value))
    *nad = value;
}

static void
test_mep (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autofree char *reader = find_reader (bus, "scbsimM");
  g_autoptr (GError) error = NULL;
  g_autofree char *p0 = oc_connect (bus, reader, "shared", "t1", &error);
  g_autofree char *p1 = NULL;
  g_autofree char *p21 = NULL;
  g_autofree char *stats = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) nad = NULL;
  const char *seen;

  g_autoptr (GDBusConnection) watcher = oc_bus_new ();
  int announced = -1;
  guint id;

  g_assert_no_error (error);
  /* Reader.SetNad is the default of new connections, announced to all. */
  id = g_dbus_connection_signal_subscribe (
      watcher, OC_NAME, "org.freedesktop.DBus.Properties", "PropertiesChanged", reader, OC_READER,
      G_DBUS_SIGNAL_FLAGS_NONE, on_nad_changed, &announced, NULL);
  g_strfreev (oc_readers (watcher, NULL));
  reply = oc_call (bus, reader, OC_READER, "SetNad", g_variant_new ("(y)", 0x10), NULL, &error);
  g_assert_no_error (error);
  nad = oc_get_property (bus, reader, OC_READER, "Nad");
  g_assert_cmpuint (g_variant_get_byte (nad), ==, 0x10);
  g_strfreev (oc_readers (watcher, NULL));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (announced, ==, 0x10);
  g_dbus_connection_signal_unsubscribe (watcher, id);
  p1 = oc_connect (bus, reader, "shared", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nad_of (bus, p1), ==, 0x10);
  g_assert_cmpuint (nad_of (bus, p0), ==, 0x00);
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (bus, reader, OC_READER, "SetNad", g_variant_new ("(y)", 0x00), NULL, &error);
  g_assert_no_error (error);
  /* Connection.SetNad: the third one talks to NAD 0x21. */
  p21 = oc_connect (bus, reader, "shared", "t1", &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (bus, p21, OC_CONNECTION, "SetNad", g_variant_new ("(y)", 0x21), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nad_of (bus, p21), ==, 0x21);

  /* Interleaved: each connection keeps its own profile and file state; the
   * issue's pair is NAD 0x21 (port 2) beside NAD 0 (port 0). */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *t0 = read_profile (bus, p0);
      g_autofree char *t21 = read_profile (bus, p21);
      g_autofree char *t1 = read_profile (bus, p1);

      g_assert_cmpstr (t0, ==, "SCARDBUS SIM P0!");
      g_assert_cmpstr (t21, ==, "SCARDBUS SIM P2!");
      g_assert_cmpstr (t1, ==, "SCARDBUS SIM P1!");
    }
  {
    static const guint8 echo[] = { 0x80, 0xec, 0, 0, 2, 0x21, 0x21, 0 };
    g_autoptr (GBytes) r = oc_transmit (bus, p21, echo, sizeof echo, &error);
    g_autofree char *hex = NULL;

    g_assert_no_error (error);
    hex = oc_to_hex (r);
    g_assert_cmpstr (hex, ==, "21 21 90 00");
  }
  stats = oc_ctl ("stats %s", "1");
  g_test_message ("stats: %s", stats);
  /* Every NAD reached the card in its blocks, in order of first use. */
  seen = strstr (stats, "\"nad_seen\": [0, 33, 16]");
  g_assert_nonnull (seen);
}

/* An APDU-level reader: no NAD, and a T=0 card through the channel. */
static void
test_apdu_reader (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_auto (GStrv) readers = oc_readers (bus, NULL);
  const char *reader = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GBytes) set = g_bytes_new_static ("\x3e\x00\x01\x10", 4);
  g_autoptr (GBytes) answer = NULL;
  guint32 status = 0;
  int fd;

  for (guint i = 0; readers[i] != NULL; i++)
    {
      g_autoptr (GVariant) level = oc_get_property (bus, readers[i], OC_READER, "ExchangeLevel");

      if (g_str_equal (g_variant_get_string (level, NULL), "short-apdu"))
        reader = readers[i];
    }
  g_assert_nonnull (reader);
  reply = oc_call (bus, reader, OC_READER, "SetNad", g_variant_new ("(y)", 0x10), NULL, &error);
  oc_assert_error (error, "NotSupported");
  g_clear_error (&error);
  path = oc_connect (bus, reader, "shared", "t0", &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (bus, path, OC_CONNECTION, "SetNad", g_variant_new ("(y)", 0x10), NULL, &error);
  oc_assert_error (error, "NotSupported");
  g_clear_error (&error);
  fd = open_channel (bus, path);
  answer = request (fd, 2, 1, MEP_CODE, set, &status);
  g_assert_cmphex (status, !=, 0);
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (GBytes) apdu = random_apdu ();
      g_autoptr (GBytes) via_bus = NULL;
      g_autoptr (GBytes) via_channel = NULL;

      via_bus
          = oc_transmit (bus, path, g_bytes_get_data (apdu, NULL), g_bytes_get_size (apdu), &error);
      g_assert_no_error (error);
      via_channel = request (fd, 1, i, 1, apdu, &status); /* SCARD_PROTOCOL_T0 */
      g_assert_cmphex (status, ==, 0);
      g_assert_true (g_bytes_equal (via_bus, via_channel));
    }
  close (fd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/objects/channel/random-apdus", test_random_apdus);
  g_test_add_func ("/objects/channel/malformed", test_malformed);
  g_test_add_func ("/objects/channel/pipelined", test_pipelined);
  g_test_add_func ("/objects/channel/transactions", test_transactions);
  g_test_add_func ("/objects/channel/mep-nad", test_mep);
  g_test_add_func ("/objects/channel/apdu-reader", test_apdu_reader);
  return g_test_run ();
}

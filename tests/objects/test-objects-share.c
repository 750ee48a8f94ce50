/* test-objects-share.c: share modes, transactions, resets, removal, limits
 *
 * Under scardbus-sim with one tpdu reader holding a t1 card (sim index 0).
 * The test runs as root, so polkit is not asked; each client is its own
 * bus connection (its own unique name).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <signal.h>
#include <string.h>

static const guint8 echo[] = { 0x80, 0xec, 0x00, 0x00, 0x02, 0x12, 0x34, 0x00 };

static char *
reader0 (GDBusConnection *bus)
{
  g_auto (GStrv) readers = oc_readers (bus, NULL);

  g_assert_cmpuint (g_strv_length (readers), >=, 1);
  return g_strdup (readers[0]);
}

static void
disconnect (GDBusConnection *bus, const char *path, const char *disposition)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  reply = oc_call (bus, path, OC_CONNECTION, "Disconnect", g_variant_new ("(s)", disposition), NULL,
                   &error);

  g_assert_no_error (error);
}

static void
transmit_ok (GDBusConnection *bus, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) response = oc_transmit (bus, path, echo, sizeof echo, &error);
  g_autofree char *hex = NULL;

  g_assert_no_error (error);
  hex = oc_to_hex (response);
  g_assert_cmpstr (hex, ==, "12 34 90 00");
}

static void
transmit_fails (GDBusConnection *bus, const char *path, const char *error_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) response = NULL;
  response = oc_transmit (bus, path, echo, sizeof echo, &error);

  oc_assert_error (error, error_name);
}

static void
test_matrix (void)
{
  static const char *const modes[] = { "shared", "exclusive", "direct" };
  g_autoptr (GDBusConnection) a = oc_bus_new ();
  g_autoptr (GDBusConnection) b = oc_bus_new ();
  g_autofree char *reader = reader0 (a);

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    for (guint j = 0; j < G_N_ELEMENTS (modes); j++)
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *first = oc_connect (a, reader, modes[i], "t1", &error);
        g_autofree char *second = NULL;
        gboolean violation
            = g_str_equal (modes[i], "exclusive") || g_str_equal (modes[j], "exclusive");

        g_assert_no_error (error);
        second = oc_connect (b, reader, modes[j], "t1", &error);
        g_test_message ("%s then %s: %s", modes[i], modes[j],
                        second != NULL ? "ok" : error->message);
        if (violation)
          {
            oc_assert_error (error, "SharingViolation");
            g_clear_error (&error);
          }
        else
          {
            g_assert_no_error (error);
            disconnect (b, second, "leave");
          }
        disconnect (a, first, "leave");
        /* Once the first is gone, the second mode is always possible. */
        g_clear_pointer (&second, g_free);
        second = oc_connect (b, reader, modes[j], "t1", &error);
        g_assert_no_error (error);
        disconnect (b, second, "leave");
      }
}

static void
test_protocols (void)
{
  g_autoptr (GDBusConnection) a = oc_bus_new ();
  g_autofree char *reader = reader0 (a);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = oc_connect (a, reader, "shared", "t0", &error);
  g_autoptr (GVariant) reply = NULL;

  oc_assert_error (error, "ProtoMismatch");
  g_clear_error (&error);
  path = oc_connect (a, reader, "shared", "t9", &error);
  oc_assert_error (error, "InvalidParameter");
  g_clear_error (&error);
  path = oc_connect (a, reader, "sharing", "t1", &error);
  oc_assert_error (error, "InvalidParameter");
  g_clear_error (&error);
  path = oc_connect (a, reader, "shared", "t1", &error);
  g_assert_no_error (error);
  reply = oc_call (a, path, OC_CONNECTION, "Status", NULL, "(susay)", &error);
  g_assert_no_error (error);
  {
    const char *name = NULL, *protocol = NULL;
    guint32 state = 0;

    g_variant_get (reply, "(&su&s@ay)", &name, &state, &protocol, NULL);
    g_assert_cmpstr (protocol, ==, "t1");
    g_assert_cmphex (state, ==, 0x34); /* PRESENT | POWERED | NEGOTIABLE */
    g_assert_true (g_str_has_suffix (name, " 00 00"));
  }
  /* An unknown disposition is refused (SCARD_E_INVALID_VALUE, as pcscd),
   * and the connection stays. */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_null (oc_call (a, path, OC_CONNECTION, i == 0 ? "EndTransaction" : "Disconnect",
                              g_variant_new ("(s)", "sideways"), NULL, &error));
      oc_assert_error (error, "InvalidValue");
      g_assert_nonnull (strstr (error->message, "leave, reset, unpower or eject"));
      g_clear_error (&error);
    }
  g_clear_pointer (&reply, g_variant_unref);
  reply = oc_call (a, path, OC_CONNECTION, "Status", NULL, "(susay)", &error);
  g_assert_no_error (error);
  /* Direct takes any protocols and reports the one negotiated since the
   * card was powered: none once it was unpowered, T=1 after a shared
   * connection powered it again (pcscd's cardProtocol). */
  disconnect (a, path, "unpower");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (GVariant) direct = oc_call (
          a, reader, OC_READER, "Connect",
          g_variant_new_parsed (i == 1 ? "('shared', ['t0', 't1'])" : "('direct', ['t0', 't1'])"),
          "(os)", &error);
      const char *connection = NULL, *protocol = NULL;

      g_assert_no_error (error);
      g_variant_get (direct, "(&o&s)", &connection, &protocol);
      g_assert_cmpstr (protocol, ==, i == 0 ? "" : "t1");
      disconnect (a, connection, "leave");
    }
}

typedef struct
{
  gboolean done;
  GError *error;
} Pending;

static void
on_begin (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;
  g_autoptr (GVariant) reply = NULL;
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &pending->error);

  pending->done = TRUE;
}

static void
call_async (GDBusConnection *bus, const char *path, const char *method, GVariant *args,
            Pending *pending)
{
  g_dbus_connection_call (bus, OC_NAME, path, OC_CONNECTION, method, args, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 90000, NULL, on_begin, pending);
}

static void
begin_async (GDBusConnection *bus, const char *path, Pending *pending)
{
  call_async (bus, path, "BeginTransaction", NULL, pending);
}

static void
transmit_async (GDBusConnection *bus, const char *path, Pending *pending)
{
  static const guint8 apdu[] = { 0x00, 0xA4, 0x04, 0x00, 0x00 };

  call_async (bus, path, "Transmit",
              g_variant_new ("(@ay)",
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, apdu, sizeof apdu, 1)),
              pending);
}

static void
call_ok (GDBusConnection *bus, const char *path, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  reply = oc_call (bus, path, OC_CONNECTION, method, args, NULL, &error);

  g_assert_no_error (error);
}

static void
test_transaction (void)
{
  g_autoptr (GDBusConnection) a = oc_bus_new ();
  g_autoptr (GDBusConnection) b = oc_bus_new ();
  g_autoptr (GDBusConnection) c = oc_bus_new ();
  g_autofree char *reader = reader0 (a);
  g_autoptr (GError) error = NULL;
  g_autofree char *pa = oc_connect (a, reader, "shared", "t1", &error);
  g_autofree char *pb = oc_connect (b, reader, "shared", "t1", &error);
  g_autofree char *pc = oc_connect (c, reader, "shared", "t1", &error);
  g_autoptr (GVariant) reply = NULL;
  Pending pb_begin = { 0 }, pc_begin = { 0 }, pb_transmit = { 0 }, pa_transmit = { 0 };
  Pending pa_status = { 0 };
  gboolean never = FALSE;

  g_assert_no_error (error);
  call_ok (a, pa, "BeginTransaction", NULL);
  call_ok (a, pa, "BeginTransaction", NULL); /* nested, as pcsc-lite counts */
  begin_async (c, pc, &pc_begin);
  begin_async (b, pb, &pb_begin);
  oc_wait (&never, 300);
  g_assert_false (pb_begin.done);
  g_assert_false (pc_begin.done);
  /* While A holds it, B's Transmit waits (as pcsc-lite's client retries);
   * A's works. */
  transmit_async (b, pb, &pb_transmit);
  transmit_ok (a, pa);
  /* C leaves the bus while waiting: its turn is skipped. */
  g_dbus_connection_close_sync (c, NULL, NULL);
  call_ok (a, pa, "EndTransaction", g_variant_new ("(s)", "leave"));
  oc_wait (&never, 100);
  g_assert_false (pb_begin.done); /* one level is still held */
  g_assert_false (pb_transmit.done);
  call_ok (a, pa, "EndTransaction", g_variant_new ("(s)", "leave"));
  g_assert_true (oc_wait (&pb_begin.done, 2000));
  g_assert_no_error (pb_begin.error);
  g_assert_true (oc_wait (&pb_transmit.done, 2000));
  g_assert_no_error (pb_transmit.error);
  /* Now A's waits for B's transaction; A's EndTransaction, which holds
   * nothing, is a sharing violation (pcsc-lite). */
  transmit_async (a, pa, &pa_transmit);
  call_async (a, pa, "Status", NULL, &pa_status);
  reply = oc_call (a, pa, OC_CONNECTION, "EndTransaction", g_variant_new ("(s)", "leave"), NULL,
                   &error);
  oc_assert_error (error, "SharingViolation");
  g_clear_error (&error);
  transmit_ok (b, pb);
  g_assert_false (pa_transmit.done);
  g_assert_false (pa_status.done);
  /* Ending with "reset": A's waiting Transmit gets ResetCard, once. */
  call_ok (b, pb, "EndTransaction", g_variant_new ("(s)", "reset"));
  g_assert_true (oc_wait (&pa_transmit.done, 2000));
  oc_assert_error (pa_transmit.error, "ResetCard");
  g_clear_error (&pa_transmit.error);
  /* The Status behind it waited too, and the reset was reported once. */
  g_assert_true (oc_wait (&pa_status.done, 2000));
  g_assert_no_error (pa_status.error);
  transmit_ok (a, pa);
  transmit_ok (b, pb);
  /* No transaction to end. */
  reply = oc_call (a, pa, OC_CONNECTION, "EndTransaction", g_variant_new ("(s)", "leave"), NULL,
                   &error);
  oc_assert_error (error, "NotTransacted");
  g_clear_error (&error);
  /* Reconnect with reset: the other sees ResetCard once. */
  reply = oc_call (a, pa, OC_CONNECTION, "Reconnect",
                   g_variant_new_parsed ("('shared', ['t1'], 'reset')"), "(s)", &error);
  g_assert_no_error (error);
  transmit_fails (b, pb, "ResetCard");
  transmit_ok (b, pb);
  disconnect (a, pa, "leave");
  disconnect (b, pb, "leave");
  g_clear_error (&pc_begin.error);
}

static gboolean
card_present (gpointer data)
{
  g_autoptr (GVariant) state = oc_get_property (data, OC_ROOT "/reader/0", OC_READER, "State");

  return (g_variant_get_uint32 (state) & 0x20) != 0;
}

static gboolean
card_present_at (gpointer data)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autoptr (GVariant) state = oc_get_property (bus, data, OC_READER, "State");

  return (g_variant_get_uint32 (state) & 0x20) != 0;
}

static void
test_removed (void)
{
  g_autoptr (GDBusConnection) a = oc_bus_new ();
  g_autoptr (GDBusConnection) b = oc_bus_new ();
  g_autofree char *reader = reader0 (a);
  g_autoptr (GError) error = NULL;
  g_autofree char *pa = oc_connect (a, reader, "shared", "t1", &error);
  g_autofree char *pb = oc_connect (b, reader, "shared", "t1", &error);
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *ignored = NULL;
  Pending pb_begin = { 0 };

  g_assert_no_error (error);
  call_ok (a, pa, "BeginTransaction", NULL);
  begin_async (b, pb, &pb_begin);
  ignored = oc_ctl ("remove 0");
  /* The waiting BeginTransaction ends when the card goes. */
  g_assert_true (oc_wait (&pb_begin.done, 5000));
  oc_assert_error (pb_begin.error, "RemovedCard");
  g_clear_error (&pb_begin.error);
  transmit_fails (a, pa, "RemovedCard");
  reply = oc_call (a, pa, OC_CONNECTION, "Status", NULL, NULL, &error);
  oc_assert_error (error, "RemovedCard");
  g_clear_error (&error);
  g_free (oc_connect (a, reader, "shared", "t1", &error));
  oc_assert_error (error, "NoSmartcard");
  g_clear_error (&error);
  g_free (ignored);
  ignored = oc_ctl ("insert 0 t1");
  g_assert_true (oc_wait_for (card_present, a, 5000));
  /* Still the old card's connection... */
  transmit_fails (a, pa, "RemovedCard");
  /* ...until Reconnect ties it to the new one. */
  reply = oc_call (a, pa, OC_CONNECTION, "Reconnect",
                   g_variant_new_parsed ("('shared', ['t1'], 'leave')"), "(s)", &error);
  g_assert_no_error (error);
  transmit_ok (a, pa);
  disconnect (a, pa, "leave");
  disconnect (b, pb, "leave");
}

/* A client killed while holding exclusive access and a transaction: the
 * next client gets the card within 100 ms. */
static void
test_killed_holder (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autofree char *reader = reader0 (bus);
  g_autofree char *client = oc_client_path ();
  const char *argv[] = { client,
                         reader,
                         "Reader.Connect",
                         "('exclusive', ['t1'])",
                         "@",
                         "Connection.BeginTransaction",
                         "()",
                         "hold",
                         NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process
      = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *path = NULL;
  gint64 killed, connected;
  guint attempts = 0;

  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_assert_true (g_str_has_prefix (line, "ok "));
    }
  g_free (oc_connect (bus, reader, "shared", "t1", &error));
  oc_assert_error (error, "SharingViolation");
  g_clear_error (&error);

  g_subprocess_send_signal (process, SIGKILL);
  killed = g_get_monotonic_time ();
  while (path == NULL)
    {
      attempts++;
      path = oc_connect (bus, reader, "exclusive", "t1", &error);
      if (path == NULL)
        {
          oc_assert_error (error, "SharingViolation");
          g_clear_error (&error);
          g_assert_cmpint (g_get_monotonic_time () - killed, <, G_USEC_PER_SEC);
        }
    }
  connected = g_get_monotonic_time ();
  g_test_message ("connected %" G_GINT64_FORMAT " µs after SIGKILL (%u attempts)",
                  connected - killed, attempts);
  g_assert_cmpint (connected - killed, <, 100000);
  /* The transaction went with it. */
  call_ok (bus, path, "BeginTransaction", NULL);
  call_ok (bus, path, "EndTransaction", g_variant_new ("(s)", "leave"));
  disconnect (bus, path, "leave");
  g_subprocess_wait (process, NULL, NULL);
}

static void
test_limits (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autofree char *reader = reader0 (bus);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = oc_connect (bus, reader, "shared", "t1", &error);
  g_autofree guint8 *big = g_malloc0 (65545);
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GPtrArray) more = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  response = oc_transmit (bus, path, big, 0, &error);
  oc_assert_error (error, "InvalidParameter");
  g_clear_error (&error);
  response = oc_transmit (bus, path, big, 65545, &error);
  oc_assert_error (error, "InvalidParameter");
  g_clear_error (&error);
  /* The largest APDU is taken: an extended ECHO of 65,535 bytes. */
  big[0] = 0x80;
  big[1] = 0xec;
  big[4] = 0x00;
  big[5] = 0xff;
  big[6] = 0xff;
  for (guint i = 7; i < 7 + 65535; i++)
    big[i] = (guint8) i;
  response = oc_transmit (bus, path, big, 65544, &error);
  if (response == NULL)
    {
      g_autofree char *name = oc_error_name (error);

      g_test_message ("65,544-byte APDU: %s", error->message);
      g_assert_null (strstr (name, "InvalidParameter"));
      g_clear_error (&error);
    }
  else
    g_assert_cmpuint (g_bytes_get_size (response), ==, 65537);
  /* The default cap: 32 connections per client. */
  for (guint i = 1; i < 32; i++)
    {
      g_ptr_array_add (more, oc_connect (bus, reader, "shared", "t1", &error));
      g_assert_no_error (error);
    }
  g_free (oc_connect (bus, reader, "shared", "t1", &error));
  oc_assert_error (error, "LimitExceeded");
  g_clear_error (&error);
  for (guint i = 0; i < more->len; i++)
    disconnect (bus, g_ptr_array_index (more, i), "leave");
  disconnect (bus, path, "leave");
}

static gboolean
two_readers (gpointer data)
{
  g_auto (GStrv) readers = oc_readers (data, NULL);

  return g_strv_length (readers) == 2;
}

static gboolean
one_reader (gpointer data)
{
  g_auto (GStrv) readers = oc_readers (data, NULL);

  return g_strv_length (readers) == 1;
}

/* A reader unplugged under its connections. */
static void
test_unplugged (void)
{
  g_autoptr (GDBusConnection) a = oc_bus_new ();
  g_autoptr (GDBusConnection) b = oc_bus_new ();
  g_autofree char *index = oc_ctl ("plug tpdu:t1");
  g_autofree char *ignored = NULL;
  g_auto (GStrv) readers = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *pa = NULL;
  g_autofree char *pb = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GVariant) reply = NULL;
  Pending pb_begin = { 0 };

  g_assert_true (oc_wait_for (two_readers, a, 10000));
  readers = oc_readers (a, NULL);
  g_assert_true (oc_wait_for (card_present_at, readers[1], 10000));
  pa = oc_connect (a, readers[1], "shared", "t1", &error);
  g_assert_no_error (error);
  pb = oc_connect (b, readers[1], "shared", "t1", &error);
  g_assert_no_error (error);
  call_ok (a, pa, "BeginTransaction", NULL);
  begin_async (b, pb, &pb_begin);
  ignored = oc_ctl ("unplug %s", index);
  /* The card goes with the reader, then the reader: the waiter learns. */
  g_assert_true (oc_wait (&pb_begin.done, 5000));
  name = oc_error_name (pb_begin.error);
  g_assert_true (g_str_equal (name, OC_ERROR "RemovedCard")
                 || g_str_equal (name, OC_ERROR "ReaderUnavailable"));
  g_clear_error (&pb_begin.error);
  g_assert_true (oc_wait_for (one_reader, a, 10000));
  transmit_fails (a, pa, "ReaderUnavailable");
  reply = oc_call (a, pa, OC_CONNECTION, "Status", NULL, NULL, &error);
  oc_assert_error (error, "ReaderUnavailable");
  g_clear_error (&error);
  disconnect (a, pa, "reset");
  disconnect (b, pb, "leave");
  /* The object is gone from the bus. */
  g_free (oc_connect (a, readers[1], "shared", "t1", &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
}

/* Faults in the middle of an APDU: the connection gets a clear error, the
 * daemon goes on. */
static void
test_faults (void)
{
  g_autoptr (GDBusConnection) a = oc_bus_new ();
  g_autofree char *index = oc_ctl ("plug tpdu:t1");
  g_autofree char *ignored = NULL;
  g_auto (GStrv) readers = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *pa = NULL;
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *name = NULL;

  g_assert_true (oc_wait_for (two_readers, a, 10000));
  readers = oc_readers (a, NULL);
  g_assert_true (oc_wait_for (card_present_at, readers[1], 10000));
  pa = oc_connect (a, readers[1], "shared", "t1", &error);
  g_assert_no_error (error);
  transmit_ok (a, pa);

  /* The card pulled during the APDU. */
  ignored = oc_ctl ("fault %s remove-mid", index);
  response = oc_transmit (a, pa, echo, sizeof echo, &error);
  g_assert_null (response);
  name = oc_error_name (error);
  g_test_message ("remove-mid: %s", error->message);
  g_assert_true (g_str_has_prefix (name, OC_ERROR));
  g_clear_error (&error);
  transmit_fails (a, pa, "RemovedCard");
  g_free (ignored);
  ignored = oc_ctl ("insert %s t1", index);
  g_assert_true (oc_wait_for (card_present_at, readers[1], 10000));
  reply = oc_call (a, pa, OC_CONNECTION, "Reconnect",
                   g_variant_new_parsed ("('shared', ['t1'], 'leave')"), "(s)", &error);
  g_assert_no_error (error);
  transmit_ok (a, pa);

  /* The reader unplugged during the APDU. */
  g_free (ignored);
  ignored = oc_ctl ("fault %s unplug-mid", index);
  g_clear_pointer (&response, g_bytes_unref);
  response = oc_transmit (a, pa, echo, sizeof echo, &error);
  g_assert_null (response);
  g_test_message ("unplug-mid: %s", error->message);
  g_clear_error (&error);
  g_assert_true (oc_wait_for (one_reader, a, 10000));
  transmit_fails (a, pa, "ReaderUnavailable");
  disconnect (a, pa, "leave");
  /* The other reader still works. */
  g_free (pa);
  pa = oc_connect (a, readers[0], "shared", "t1", &error);
  g_assert_no_error (error);
  transmit_ok (a, pa);
  disconnect (a, pa, "leave");
}

/* The documented limit: a BeginTransaction waits 60 s, then Timeout. */
static void
test_wait_limit (void)
{
  g_autoptr (GDBusConnection) a = oc_bus_new ();
  g_autoptr (GDBusConnection) b = oc_bus_new ();
  g_autofree char *reader = reader0 (a);
  g_autoptr (GError) error = NULL;
  g_autofree char *pa = oc_connect (a, reader, "shared", "t1", &error);
  g_autofree char *pb = oc_connect (b, reader, "shared", "t1", &error);
  Pending pb_begin = { 0 };
  gint64 start, waited;

  g_assert_no_error (error);
  call_ok (a, pa, "BeginTransaction", NULL);
  start = g_get_monotonic_time ();
  begin_async (b, pb, &pb_begin);
  g_assert_true (oc_wait (&pb_begin.done, 80000));
  waited = g_get_monotonic_time () - start;
  g_test_message ("BeginTransaction waited %.3f s", waited / 1e6);
  oc_assert_error (pb_begin.error, "Timeout");
  g_clear_error (&pb_begin.error);
  g_assert_cmpint (waited, >=, 59 * G_USEC_PER_SEC);
  g_assert_cmpint (waited, <, 65 * G_USEC_PER_SEC);
  /* The holder was not disturbed. */
  transmit_ok (a, pa);
  call_ok (a, pa, "EndTransaction", g_variant_new ("(s)", "leave"));
  transmit_ok (b, pb);
  disconnect (a, pa, "leave");
  disconnect (b, pb, "leave");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/objects/share/matrix", test_matrix);
  g_test_add_func ("/objects/share/protocols", test_protocols);
  g_test_add_func ("/objects/share/transaction", test_transaction);
  g_test_add_func ("/objects/share/removed", test_removed);
  g_test_add_func ("/objects/share/killed-holder", test_killed_holder);
  g_test_add_func ("/objects/share/limits", test_limits);
  g_test_add_func ("/objects/share/unplugged", test_unplugged);
  g_test_add_func ("/objects/share/faults", test_faults);
  /* A minute long: only in the slow suite (-m slow). */
  if (g_test_slow ())
    g_test_add_func ("/objects/share/wait-limit", test_wait_limit);
  return g_test_run ();
}

/* test-client.c: libscardbus from C, inside scardbus-sim
 *
 * Run as: scardbus-sim --reader tpdu --reader short-apdu:none -- test-client
 * (meson does). Covers what the scardctl and Python tests do not: the async
 * and cancellable forms, the channel against D-Bus on many APDUs, chained
 * answers, control, transactions, reconnection, status and attributes, the
 * channel refused or broken (D-Bus takes over), connections on a bus
 * connection of their own, the order and content of events with the
 * counter that goes with the list, and the errors of a missing service.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <scardbus.h>

#include "scb-fixture.h"

#include <string.h>

#define TPDU_NAME "Gemalto PC Twin Reader 00 00"
#define ESCAPE_CODE 0x42000001u /* SCARD_CTL_CODE(1): the reader's escape, echoed by the sim */
#define ATTR_ATR 0x00090303u    /* SCARD_ATTR_ATR_STRING */

static void
wait_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!*flag && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_true (*flag);
}

static char *
ctl (const char *command)
{
  g_autofree char *cmdline = g_strdup_printf ("%s ctl %s", g_getenv ("SCARDBUS_SIM_BIN"), command);
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmdline, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (*slot == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (*slot);
  return *slot;
}

static ScbClient *
new_client (void)
{
  g_autoptr (GError) error = NULL;
  ScbClient *client = scb_client_new_sync (NULL, &error);

  g_assert_no_error (error);
  return client;
}

static ScbClientConnection *
connect_tpdu (ScbClient *client)
{
  g_autoptr (GError) error = NULL;
  ScbClientReader *reader = scb_client_lookup_reader (client, "0", &error);
  ScbClientConnection *connection;

  g_assert_no_error (error);
  connection = scb_client_reader_open_connection_sync (reader, SCB_SHARE_MODE_SHARED,
                                                       SCB_PROTOCOL_ANY, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scb_client_connection_get_protocol (connection), ==, SCB_PROTOCOL_T1);
  return connection;
}

/* Connections outlive their last reference until the bus connection
 * closes (asynchronously, for the daemon): a test that leaves the reader
 * to the next one closes its connection. */
static void
close_connection (ScbClientConnection *connection)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (
      scb_client_connection_close_sync (connection, SCB_DISPOSITION_LEAVE, NULL, &error));
  g_assert_no_error (error);
}

static void
test_new_async (void)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbClient) client = NULL;
  g_autoptr (GPtrArray) readers = NULL;

  scb_client_new (NULL, on_result, &result);
  client = scb_client_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (scb_client_get_service_running (client));
  g_assert_cmpuint (scb_client_get_reader_events (client), ==, 3);
  g_assert_cmpstr (scb_client_get_version (client), !=, "");
  readers = scb_client_get_readers (client);
  g_assert_cmpuint (readers->len, ==, 2);
  g_assert_cmpstr (scb_client_reader_get_name (g_ptr_array_index (readers, 0)), ==, TPDU_NAME);
  g_assert_nonnull (scb_client_reader_get_card (g_ptr_array_index (readers, 0)));
  g_assert_null (scb_client_reader_get_card (g_ptr_array_index (readers, 1)));
}

static void
test_new_cancelled (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbClient) client = NULL;

  g_cancellable_cancel (cancellable);
  scb_client_new (cancellable, on_result, &result);
  client = scb_client_new_finish (wait_result (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (client);
}

/* A bus of its own, without scardbusd (a dbus-daemon with the session
 * configuration: nothing there can be activated). */
static void
test_no_service (void)
{
  const char *argv[] = { "dbus-daemon", "--session", "--nofork", "--print-address=1", NULL };
  g_autoptr (GSubprocess) daemon = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbClient) client = NULL;
  g_autofree char *address = NULL;

  daemon = g_subprocess_newv (
      argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon));
  address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);
  connection = g_dbus_connection_new_for_address_sync (
      address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  client = scb_client_new_for_connection_sync (connection, NULL, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NO_SERVICE);
  g_assert_true (strstr (error->message, "scardbusd") != NULL);
  g_assert_null (client);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_subprocess_force_exit (daemon);
  g_subprocess_wait (daemon, NULL, NULL);
}

static void
test_lookup (void)
{
  g_autoptr (ScbClient) client = new_client ();
  g_autoptr (GError) error = NULL;
  ScbClientReader *first = scb_client_lookup_reader (client, "0", &error);

  g_assert_no_error (error);
  g_assert_true (scb_client_lookup_reader (client, TPDU_NAME, NULL) == first);
  g_assert_true (scb_client_lookup_reader (client, "Gem", NULL) == first);
  g_assert_true (scb_client_lookup_reader (client, scb_client_reader_get_object_path (first), NULL)
                 == first);
  g_assert_true (scb_client_get_reader_by_name (client, TPDU_NAME) == first);
  g_assert_null (scb_client_lookup_reader (client, "2", &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER);
  g_clear_error (&error);
  /* Every name starts with "": ambiguous. */
  g_assert_null (scb_client_lookup_reader (client, "", &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER);
  g_clear_error (&error);
  g_assert_null (scb_client_lookup_reader (client, "/org/scardbus/SmartCard1/reader/99", &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER);
}

static GBytes *
echo_apdu (GRand *rand, gsize n, GByteArray *expected)
{
  g_autoptr (GByteArray) apdu = g_byte_array_new ();
  const guint8 header[] = { 0x80, 0xEC, 0x00, 0x00, (guint8) n };
  const guint8 le = 0x00;

  g_byte_array_set_size (expected, 0);
  g_byte_array_append (apdu, header, sizeof header);
  for (gsize i = 0; i < n; i++)
    {
      guint8 byte = (guint8) g_rand_int_range (rand, 0, 256);

      g_byte_array_append (apdu, &byte, 1);
      g_byte_array_append (expected, &byte, 1);
    }
  g_byte_array_append (apdu, &le, 1);
  g_byte_array_append (expected, (const guint8 *) "\x90\x00", 2);
  return g_byte_array_free_to_bytes (g_steal_pointer (&apdu));
}

static void
test_channel_and_dbus (void)
{
  g_autoptr (ScbClient) client = new_client ();
  g_autoptr (ScbClientConnection) connection = connect_tpdu (client);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7816);
  g_autoptr (GByteArray) expected = g_byte_array_new ();
  const guint8 length_256[] = { 0x80, 0xE1, 0x01, 0x00, 0x00 };
  g_autoptr (GBytes) chained = g_bytes_new_static (length_256, sizeof length_256);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (GBytes) apdu = echo_apdu (rand, (gsize) g_rand_int_range (rand, 1, 256), expected);
      g_autoptr (GBytes) want = g_bytes_new (expected->data, expected->len);
      g_autoptr (GBytes) answer = NULL;
      g_autoptr (GError) error = NULL;

      /* Every other APDU over D-Bus: both paths give the same answers. */
      scb_client_connection_set_use_channel (connection, i % 2 == 0);
      answer = scb_client_connection_transmit_sync (connection, apdu, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (answer, want));
    }
  scb_client_connection_set_use_channel (connection, TRUE);
  g_assert_true (scb_client_connection_get_channel_open (connection));

  /* 256 bytes back: T=1 chaining through the channel and through D-Bus. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GBytes) answer = NULL;
      g_autoptr (GError) error = NULL;

      scb_client_connection_set_use_channel (connection, i == 0);
      answer = scb_client_connection_transmit_sync (connection, chained, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (answer), ==, 258);
    }
  close_connection (connection);
}

static void
test_async_and_cancel (void)
{
  g_autoptr (ScbClient) client = new_client ();
  g_autoptr (ScbClientConnection) connection = connect_tpdu (client);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autoptr (GByteArray) expected = g_byte_array_new ();
  g_autoptr (GBytes) apdu = echo_apdu (rand, 20, expected);
  g_autoptr (GBytes) want = g_bytes_new (expected->data, expected->len);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) answer = NULL;

      scb_client_connection_set_use_channel (connection, i == 0);
      scb_client_connection_transmit (connection, apdu, NULL, on_result, &result);
      answer = scb_client_connection_transmit_finish (connection, wait_result (&result), &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (answer, want));
    }

  /* Cancelled before it starts: G_IO_ERROR_CANCELLED, and the connection
   * goes on working. */
  scb_client_connection_set_use_channel (connection, TRUE);
  g_cancellable_cancel (cancellable);
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) answer = NULL;

    scb_client_connection_transmit (connection, apdu, cancellable, on_result, &result);
    answer = scb_client_connection_transmit_finish (connection, wait_result (&result), &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (answer);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) answer
        = scb_client_connection_transmit_sync (connection, apdu, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (answer, want));
  }
  close_connection (connection);
}

static void
test_connection_methods (void)
{
  g_autoptr (ScbClient) client = new_client ();
  g_autoptr (ScbClientConnection) connection = connect_tpdu (client);
  ScbClientReader *reader = scb_client_lookup_reader (client, "0", NULL);
  const guint8 escape[] = { 0x01, 0x02, 0x03 };
  g_autoptr (GBytes) escape_data = g_bytes_new_static (escape, sizeof escape);
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GBytes) atr = NULL;
  g_autoptr (GBytes) attr = NULL;
  ScbProtocol protocol = SCB_PROTOCOL_NONE;
  guint32 state = 0;

  g_assert_true (
      scb_client_connection_status_sync (connection, &name, &state, &protocol, &atr, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, TPDU_NAME);
  g_assert_cmpint (protocol, ==, SCB_PROTOCOL_T1);
  g_assert_true (g_bytes_equal (atr, scb_client_reader_get_atr (reader)));
  attr = scb_client_connection_get_attrib_sync (connection, ATTR_ATR, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (attr, atr));

  /* The reader's escape, over the channel and over D-Bus (root: allowed). */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GBytes) answer = NULL;

      scb_client_connection_set_use_channel (connection, i == 0);
      scb_client_connection_control (connection, ESCAPE_CODE, escape_data, NULL, on_result,
                                     &result);
      answer = scb_client_connection_control_finish (connection, wait_result (&result), &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (answer, escape_data));
    }
  scb_client_connection_set_use_channel (connection, TRUE);

  /* A transaction, asynchronously begun and synchronously ended. */
  {
    g_autoptr (GAsyncResult) result = NULL;

    scb_client_connection_begin_transaction (connection, NULL, on_result, &result);
    g_assert_true (
        scb_client_connection_begin_transaction_finish (connection, wait_result (&result), &error));
    g_assert_no_error (error);
    g_assert_true (scb_client_connection_end_transaction_sync (connection, SCB_DISPOSITION_LEAVE,
                                                               NULL, &error));
    g_assert_no_error (error);
  }
  /* Ending a transaction that is not there is the daemon's error. */
  g_assert_false (
      scb_client_connection_end_transaction_sync (connection, SCB_DISPOSITION_LEAVE, NULL, &error));
  g_assert_true (error != NULL && error->domain == SCB_ERROR);
  g_clear_error (&error);

  /* Reconnect with a reset, both forms. */
  protocol = scb_client_connection_reconnect_sync (
      connection, SCB_SHARE_MODE_EXCLUSIVE, SCB_PROTOCOL_ANY, SCB_DISPOSITION_RESET, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (protocol, ==, SCB_PROTOCOL_T1);
  g_assert_cmpint (scb_client_connection_get_share_mode (connection), ==, SCB_SHARE_MODE_EXCLUSIVE);
  {
    g_autoptr (GAsyncResult) result = NULL;

    scb_client_connection_reconnect (connection, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_T1,
                                     SCB_DISPOSITION_LEAVE, NULL, on_result, &result);
    g_assert_cmpint (
        scb_client_connection_reconnect_finish (connection, wait_result (&result), &error), ==,
        SCB_PROTOCOL_T1);
    g_assert_no_error (error);
    g_assert_cmpint (scb_client_connection_get_share_mode (connection), ==, SCB_SHARE_MODE_SHARED);
  }

  /* Closed: the connection is gone, and says so as an SCB_ERROR. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GBytes) answer = NULL;

    scb_client_connection_close (connection, SCB_DISPOSITION_LEAVE, NULL, on_result, &result);
    g_assert_true (scb_client_connection_close_finish (connection, wait_result (&result), &error));
    g_assert_no_error (error);
    answer = scb_client_connection_transmit_sync (connection, escape_data, NULL, &error);
    g_assert_null (answer);
    g_assert_true (error != NULL && error->domain == SCB_ERROR);
  }
}

/* A bus connection of the test's own, to the sim's bus. */
static GDBusConnection *
new_bus (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  GDBusConnection *bus;

  g_assert_no_error (error);
  bus = g_dbus_connection_new_for_address_sync (
      address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  return bus;
}

static void
transmit_echoes (ScbClientConnection *connection, guint count)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (count);
  g_autoptr (GByteArray) expected = g_byte_array_new ();

  for (guint i = 0; i < count; i++)
    {
      g_autoptr (GBytes) apdu = echo_apdu (rand, 1 + i % 200, expected);
      g_autoptr (GBytes) want = g_bytes_new (expected->data, expected->len);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) answer
          = scb_client_connection_transmit_sync (connection, apdu, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (answer, want));
    }
}

/* A daemon that refuses channels (a limit, no descriptor left): injected
 * by turning every answer to OpenChannel into LimitExceeded on the way in. */
typedef struct
{
  GMutex lock;
  GPtrArray *calls; /* OpenChannel calls sent, not answered yet */
  guint refused;
} Refusal;

static GDBusMessage *
refuse_channels (GDBusConnection *bus, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  Refusal *refusal = user_data;
  GDBusMessage *error = NULL;

  g_mutex_lock (&refusal->lock);
  if (!incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL
      && g_strcmp0 (g_dbus_message_get_member (message), "OpenChannel") == 0)
    g_ptr_array_add (refusal->calls, g_object_ref (message));
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_RETURN)
    {
      for (guint i = 0; i < refusal->calls->len; i++)
        {
          GDBusMessage *call = g_ptr_array_index (refusal->calls, i);

          if (g_dbus_message_get_serial (call) != g_dbus_message_get_reply_serial (message))
            continue;
          error = g_dbus_message_new_method_error (call,
                                                   "org.scardbus.SmartCard1.Error.LimitExceeded",
                                                   "No channel for you (the test says so)");
          g_ptr_array_remove_index (refusal->calls, i);
          refusal->refused++;
          break;
        }
    }
  g_mutex_unlock (&refusal->lock);
  if (error == NULL)
    return message;
  /* The answer's descriptor goes with it. */
  g_object_unref (message);
  return error;
}

static void
test_channel_refused (void)
{
  g_autoptr (GDBusConnection) bus = new_bus ();
  Refusal refusal = { .calls = g_ptr_array_new_with_free_func (g_object_unref) };
  guint filter = g_dbus_connection_add_filter (bus, refuse_channels, &refusal, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbClient) client = scb_client_new_for_connection_sync (bus, NULL, &error);
  g_autoptr (ScbClientConnection) connection = NULL;
  const guint8 escape[] = { 0x01, 0x02, 0x03 };
  g_autoptr (GBytes) escape_data = g_bytes_new_static (escape, sizeof escape);
  g_autoptr (GBytes) answer = NULL;

  g_assert_no_error (error);
  connection = connect_tpdu (client);
  /* Every APDU goes, over D-Bus; the channel is asked for once. */
  transmit_echoes (connection, 20);
  g_assert_cmpuint (refusal.refused, ==, 1);
  g_assert_false (scb_client_connection_get_channel_open (connection));
  answer = scb_client_connection_control_sync (connection, ESCAPE_CODE, escape_data, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (answer, escape_data));
  close_connection (connection);

  g_dbus_connection_remove_filter (bus, filter);
  g_ptr_array_unref (refusal.calls);
}

static void
test_channel_broken (void)
{
  g_autoptr (ScbClient) client = new_client ();
  g_autoptr (ScbClientConnection) connection = connect_tpdu (client);

  transmit_echoes (connection, 5);
  g_assert_true (scb_client_connection_get_channel_open (connection));
  g_assert_cmpuint (scb_fixture_break_channels (), ==, 1);
  /* The next APDU finds the channel broken and goes over D-Bus, as do the
   * ones after it. */
  transmit_echoes (connection, 5);
  g_assert_false (scb_client_connection_get_channel_open (connection));
  /* Its descriptor is closed at once. */
  g_assert_cmpuint (scb_fixture_break_channels (), ==, 0);
  close_connection (connection);
}

/* A connection on a bus connection of its own belongs to it. */
static void
test_connection_on_bus (void)
{
  g_autoptr (ScbClient) client = new_client ();
  ScbClientReader *reader = scb_client_lookup_reader (client, "0", NULL);
  const char *owner = scb_client_get_service_owner (client);
  g_autoptr (GDBusConnection) bus = new_bus ();
  g_autoptr (ScbClientConnection) connection = NULL;
  g_autoptr (ScbClientConnection) by_name = NULL;
  g_autoptr (ScbClientConnection) exclusive = NULL;
  g_autoptr (GBytes) value = g_bytes_new_static ("\x01", 1);
  g_autoptr (GError) error = NULL;
  gint64 deadline;

  g_assert_true (owner != NULL && owner[0] == ':');
  connection
      = scb_client_connection_new_sync (bus, owner, scb_client_reader_get_object_path (reader),
                                        SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scb_client_connection_get_protocol (connection), ==, SCB_PROTOCOL_T1);
  g_assert_cmpstr (scb_client_connection_get_reader_path (connection), ==,
                   scb_client_reader_get_object_path (reader));
  transmit_echoes (connection, 3);
  /* Without the unique name, the well-known one. */
  by_name = scb_client_connection_new_sync (bus, NULL, scb_client_reader_get_object_path (reader),
                                            SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_T1, NULL, &error);
  g_assert_no_error (error);
  transmit_echoes (by_name, 1);
  /* libccid sets no attribute, nor does scardbusd. */
  g_assert_false (
      scb_client_connection_set_attrib_sync (connection, ATTR_ATR, value, NULL, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* The card is shared on @bus: no exclusive connection on the client's. */
  exclusive = scb_client_reader_open_connection_sync (reader, SCB_SHARE_MODE_EXCLUSIVE,
                                                      SCB_PROTOCOL_ANY, NULL, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION);
  g_clear_error (&error);
  /* Closing @bus ends its connections in the daemon. */
  g_dbus_connection_close_sync (bus, NULL, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (exclusive == NULL && g_get_monotonic_time () < deadline)
    {
      exclusive = scb_client_reader_open_connection_sync (reader, SCB_SHARE_MODE_EXCLUSIVE,
                                                          SCB_PROTOCOL_ANY, NULL, &error);
      if (exclusive == NULL)
        {
          g_assert_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION);
          g_clear_error (&error);
          g_usleep (10 * 1000);
        }
    }
  g_assert_nonnull (exclusive);
  close_connection (exclusive);
}

typedef struct
{
  GPtrArray *log; /* "event path" strings, in order */
  gboolean done;
  const char *until;   /* the event that sets done */
  guint32 base_events; /* the reader counter with the two start-up readers */
  guint changed;       /* ::changed emissions */
} Events;

/* The reader counter goes with the list it counts: one reader more while
 * the plugged one is counted. */
static void
assert_counter_with_list (ScbClient *client, Events *events)
{
  g_autoptr (GPtrArray) readers = scb_client_get_readers (client);
  guint32 counted = scb_client_get_reader_events (client) - events->base_events;

  g_assert_cmpuint (counted, <=, 2);
  g_assert_cmpuint (readers->len, ==, counted == 1 ? 3 : 2);
}

static void
on_changed (ScbClient *client, gpointer user_data)
{
  Events *events = user_data;

  assert_counter_with_list (client, events);
  events->changed++;
}

static void
log_event (Events *events, const char *what, const char *path)
{
  g_ptr_array_add (events->log, g_strdup_printf ("%s %s", what, path));
  if (g_str_equal (what, events->until))
    events->done = TRUE;
}

static void
on_reader_added (ScbClient *client, ScbClientReader *reader, gpointer user_data)
{
  g_assert_true (scb_client_get_reader_by_path (client, scb_client_reader_get_object_path (reader))
                 == reader);
  assert_counter_with_list (client, user_data);
  log_event (user_data, "reader-added", scb_client_reader_get_object_path (reader));
}

static void
on_reader_removed (ScbClient *client, ScbClientReader *reader, gpointer user_data)
{
  assert_counter_with_list (client, user_data);
  log_event (user_data, "reader-removed", scb_client_reader_get_object_path (reader));
}

static void
on_card_inserted (ScbClient *client, ScbClientReader *reader, ScbClientCard *card,
                  gpointer user_data)
{
  /* The reader already describes the card when the signal comes. */
  g_assert_true (scb_client_reader_get_card (reader) == card);
  g_assert_true (scb_client_reader_get_state (reader) & SCB_READER_STATE_PRESENT);
  g_assert_true (
      g_bytes_equal (scb_client_reader_get_atr (reader), scb_client_card_get_atr (card)));
  g_assert_cmpuint (scb_client_card_get_inserted_event (card), ==,
                    scb_client_reader_get_card_events (reader));
  log_event (user_data, "card-inserted", scb_client_card_get_object_path (card));
}

static void
on_card_removed (ScbClient *client, ScbClientReader *reader, ScbClientCard *card,
                 gpointer user_data)
{
  g_assert_null (scb_client_reader_get_card (reader));
  g_assert_true (scb_client_reader_get_state (reader) & SCB_READER_STATE_EMPTY);
  log_event (user_data, "card-removed", scb_client_card_get_object_path (card));
}

static void
test_events (void)
{
  g_autoptr (ScbClient) client = new_client ();
  g_autoptr (GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  Events events = { log, FALSE, NULL, scb_client_get_reader_events (client), 0 };
  ScbClientReader *reader = scb_client_lookup_reader (client, "0", NULL);
  g_autofree char *old_card
      = g_strdup (scb_client_card_get_object_path (scb_client_reader_get_card (reader)));
  guint32 card_events = scb_client_reader_get_card_events (reader);
  guint32 reader_events = scb_client_get_reader_events (client);
  g_autofree char *index = NULL;
  g_autofree char *unplug = NULL;
  g_autofree char *new_path = NULL;

  g_signal_connect (client, "reader-added", G_CALLBACK (on_reader_added), &events);
  g_signal_connect (client, "reader-removed", G_CALLBACK (on_reader_removed), &events);
  g_signal_connect (client, "card-inserted", G_CALLBACK (on_card_inserted), &events);
  g_signal_connect (client, "card-removed", G_CALLBACK (on_card_removed), &events);
  g_signal_connect (client, "changed", G_CALLBACK (on_changed), &events);

  g_free (ctl ("remove 0"));
  events.until = "card-removed";
  wait_until (&events.done);
  g_assert_cmpuint (scb_client_reader_get_card_events (reader), ==, card_events + 1);

  events.done = FALSE;
  events.until = "card-inserted";
  g_free (ctl ("insert 0"));
  wait_until (&events.done);
  g_assert_cmpuint (scb_client_reader_get_card_events (reader), ==, card_events + 2);
  /* A new insertion is a new card object. */
  g_assert_cmpstr (scb_client_card_get_object_path (scb_client_reader_get_card (reader)), !=,
                   old_card);

  events.done = FALSE;
  events.until = "reader-added";
  index = g_strstrip (ctl ("plug short-apdu:none"));
  wait_until (&events.done);
  g_assert_cmpuint (scb_client_get_reader_events (client), ==, reader_events + 1);
  {
    g_autoptr (GPtrArray) readers = scb_client_get_readers (client);

    g_assert_cmpuint (readers->len, ==, 3);
    new_path = g_strdup (scb_client_reader_get_object_path (g_ptr_array_index (readers, 2)));
  }

  events.done = FALSE;
  events.until = "reader-removed";
  unplug = g_strdup_printf ("unplug %s", index);
  g_free (ctl (unplug));
  wait_until (&events.done);
  g_assert_cmpuint (scb_client_get_reader_events (client), ==, reader_events + 2);
  g_assert_null (scb_client_get_reader_by_path (client, new_path));

  g_assert_cmpuint (log->len, ==, 4);
  g_assert_true (
      g_str_has_prefix (g_ptr_array_index (log, 0), "card-removed /org/scardbus/SmartCard1/card/"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log, 1),
                                   "card-inserted /org/scardbus/SmartCard1/card/"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log, 2),
                                   "reader-added /org/scardbus/SmartCard1/reader/"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log, 3),
                                   "reader-removed /org/scardbus/SmartCard1/reader/"));
  /* At least once for each of the four. */
  g_assert_cmpuint (events.changed, >=, 4);
  g_signal_handlers_disconnect_by_data (client, &events);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("SCARDBUS_SIM_CONTROL") == NULL || g_getenv ("SCARDBUS_SIM_BIN") == NULL)
    {
      g_printerr ("Run inside scardbus-sim, with SCARDBUS_SIM_BIN set\n");
      return 1;
    }
  g_test_add_func ("/client/new-async", test_new_async);
  g_test_add_func ("/client/new-cancelled", test_new_cancelled);
  g_test_add_func ("/client/no-service", test_no_service);
  g_test_add_func ("/client/lookup", test_lookup);
  g_test_add_func ("/client/channel-and-dbus", test_channel_and_dbus);
  g_test_add_func ("/client/async-and-cancel", test_async_and_cancel);
  g_test_add_func ("/client/connection-methods", test_connection_methods);
  g_test_add_func ("/client/channel-refused", test_channel_refused);
  g_test_add_func ("/client/channel-broken", test_channel_broken);
  g_test_add_func ("/client/connection-on-bus", test_connection_on_bus);
  g_test_add_func ("/client/events", test_events);
  return g_test_run ();
}

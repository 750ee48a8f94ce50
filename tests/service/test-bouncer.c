/* test-bouncer.c: the bouncer's table, and its polkit checks on a private bus
 *
 * The test process plays the service: it owns org.scardbus.SmartCard1 on a
 * private system bus (the bus policy is data/'s) and serves a Reader whose
 * guarded methods go through the bouncer; clients run as nobody or root.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-bouncer.h"
#include "scb-channel-codec.h"
#include "scb-error.h"
#include "scb-fixture.h"
#include "scb-generated.h"
#include "scb-names.h"

#include <polkit/polkit.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READER_PATH SCB_DBUS_READER_PATH_PREFIX "0"

static const char *
method (const char *interface_name, const char *name, gboolean *known)
{
  ScbRequest request = { .interface_name = interface_name, .method_name = name };

  return scb_bouncer_action_for_request (&request, known);
}

static const char *
connect_mode (const char *interface_name, const char *name, ScbShareMode mode, gboolean *known)
{
  ScbRequest request
      = { .interface_name = interface_name, .method_name = name, .share_mode = mode };

  return scb_bouncer_action_for_request (&request, known);
}

/* Control through either door: the method, or the channel's op. */
static const char *
control (guint op, guint32 code, const guint8 *data, gsize len, gboolean *known)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, len);
  ScbRequest request = { .control_code = code, .control_data = bytes };

  if (op == 0)
    {
      request.interface_name = SCB_DBUS_INTERFACE_CONNECTION;
      request.method_name = "Control";
    }
  request.op = op;
  return scb_bouncer_action_for_request (&request, known);
}

static const char *
op (guint value, gboolean *known)
{
  ScbRequest request = { .op = value };

  return scb_bouncer_action_for_request (&request, known);
}

static void
test_table (void)
{
  static const guint8 nad_get[] = { 0x3f, 0x00, 0x00 };
  static const guint8 nad_set[] = { 0x3e, 0x00, 0x01, 0x21 };
  static const guint doors[] = { 0, SCB_CHANNEL_OP_CONTROL };
  gboolean known = FALSE;

  g_assert_null (method (SCB_DBUS_INTERFACE_MANAGER, "GetReaders", &known));
  g_assert_true (known);
  for (guint i = 0; i < 2; i++)
    {
      const char *iface = i == 0 ? SCB_DBUS_INTERFACE_READER : SCB_DBUS_INTERFACE_CONNECTION;
      const char *name = i == 0 ? "Connect" : "Reconnect";

      g_assert_cmpstr (connect_mode (iface, name, SCB_SHARE_MODE_SHARED, &known), ==,
                       SCB_ACTION_ACCESS_CARD);
      g_assert_cmpstr (connect_mode (iface, name, SCB_SHARE_MODE_EXCLUSIVE, &known), ==,
                       SCB_ACTION_ACCESS_CARD);
      g_assert_cmpstr (connect_mode (iface, name, SCB_SHARE_MODE_DIRECT, &known), ==,
                       SCB_ACTION_CONTROL);
      /* An unknown mode gets the stricter action. */
      g_assert_cmpstr (connect_mode (iface, name, 0, &known), ==, SCB_ACTION_CONTROL);
    }
  g_assert_cmpstr (method (SCB_DBUS_INTERFACE_READER, "SetNad", &known), ==, SCB_ACTION_SET_NAD);
  g_assert_cmpstr (method (SCB_DBUS_INTERFACE_CONNECTION, "SetNad", &known), ==,
                   SCB_ACTION_SET_NAD);
  g_assert_cmpstr (method (SCB_DBUS_INTERFACE_CONNECTION, "SetAttrib", &known), ==,
                   SCB_ACTION_CONTROL);
  g_assert_null (method (SCB_DBUS_INTERFACE_CONNECTION, "Transmit", &known));
  g_assert_true (known);
  g_assert_null (method (SCB_DBUS_INTERFACE_CONNECTION, "OpenChannel", &known));
  g_assert_true (known);
  /* The channel's ops: open like their methods. */
  for (guint value = SCB_CHANNEL_OP_TRANSMIT; value <= SCB_CHANNEL_OP_STATUS; value++)
    {
      known = FALSE;
      if (value != SCB_CHANNEL_OP_CONTROL)
        g_assert_null (op (value, &known));
      else
        g_assert_nonnull (op (value, &known));
      g_assert_true (known);
    }

  /* Control, on both doors: part 10 features under access-card, escape
   * under control, libccid's MEP NAD get under access-card and set under
   * set-nad. */
  for (guint i = 0; i < G_N_ELEMENTS (doors); i++)
    {
      guint door = doors[i];

      g_assert_cmpstr (control (door, 0x42000000 + 3400, NULL, 0, &known), ==,
                       SCB_ACTION_ACCESS_CARD);
      g_assert_cmpstr (control (door, 0x42330006, NULL, 0, &known), ==, SCB_ACTION_ACCESS_CARD);
      g_assert_cmpstr (control (door, 0x42330012, NULL, 0, &known), ==, SCB_ACTION_ACCESS_CARD);
      g_assert_cmpstr (control (door, 0x42330013, NULL, 0, &known), ==, SCB_ACTION_CONTROL);
      g_assert_cmpstr (control (door, 0x42000000 + 1, NULL, 0, &known), ==, SCB_ACTION_CONTROL);
      g_assert_cmpstr (control (door, 0x42000000 + 3600, nad_get, sizeof nad_get, &known), ==,
                       SCB_ACTION_ACCESS_CARD);
      g_assert_cmpstr (control (door, 0x42000000 + 3600, nad_set, sizeof nad_set, &known), ==,
                       SCB_ACTION_SET_NAD);
      g_assert_cmpstr (control (door, 0x42000000 + 3600, NULL, 0, &known), ==, SCB_ACTION_SET_NAD);
    }

  /* Not in the table: denied, whatever it is, on either door. */
  g_assert_null (method (SCB_DBUS_INTERFACE_MANAGER, "Frobnicate", &known));
  g_assert_false (known);
  g_assert_null (method ("org.example.Other", "GetReaders", &known));
  g_assert_false (known);
  known = TRUE;
  g_assert_null (op (0x7e, &known));
  g_assert_false (known);
  known = TRUE;
  g_assert_null (op (0, &known));
  g_assert_false (known);
}

/* Every method of the API and every op of the channel is in the table:
 * nothing is denied by a forgotten row. */
static void
test_table_complete (void)
{
  static const char *const files[] = {
    "org.scardbus.SmartCard1.Manager.xml",
    "org.scardbus.SmartCard1.Reader.xml",
    "org.scardbus.SmartCard1.Connection.xml",
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path
          = g_test_build_filename (G_TEST_DIST, "..", "introspection", files[i], NULL);
      g_autofree char *xml = NULL;
      g_autoptr (GDBusNodeInfo) node = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_true (g_file_get_contents (path, &xml, NULL, &error));
      node = g_dbus_node_info_new_for_xml (xml, &error);
      g_assert_no_error (error);
      for (guint m = 0; node->interfaces[0]->methods[m] != NULL; m++)
        {
          gboolean known = FALSE;

          method (node->interfaces[0]->name, node->interfaces[0]->methods[m]->name, &known);
          if (!known)
            g_error ("%s.%s is missing from the bouncer's table", node->interfaces[0]->name,
                     node->interfaces[0]->methods[m]->name);
        }
    }
}

typedef struct
{
  ScbFixture fixture;
  ScbLimits *limits;
  ScbBouncer *bouncer;
  ScbDBusReader *reader;
  guint n_allowed;
} BouncerFixture;

static void
connect_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  BouncerFixture *fixture = g_object_get_data (object, "fixture");

  fixture->n_allowed++;
  scb_dbus_reader_complete_connect (SCB_DBUS_READER (object), invocation,
                                    SCB_DBUS_CONNECTION_PATH_PREFIX "1", "t1");
}

static void
set_nad_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  BouncerFixture *fixture = g_object_get_data (object, "fixture");

  fixture->n_allowed++;
  scb_dbus_reader_complete_set_nad (SCB_DBUS_READER (object), invocation);
}

static gboolean
on_handle_connect (ScbDBusReader *reader, GDBusMethodInvocation *invocation, const char *share_mode,
                   const char *const *protocols, gpointer user_data)
{
  BouncerFixture *fixture = user_data;
  ScbRequest request = { 0 };

  if (!scb_share_mode_from_word (share_mode, &request.share_mode, NULL))
    request.share_mode = 0;
  scb_bouncer_check (fixture->bouncer, invocation, &request, G_OBJECT (reader), connect_allowed,
                     NULL, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_set_nad (ScbDBusReader *reader, GDBusMethodInvocation *invocation, guchar nad,
                   gpointer user_data)
{
  BouncerFixture *fixture = user_data;

  scb_bouncer_check (fixture->bouncer, invocation, NULL, G_OBJECT (reader), set_nad_allowed, NULL,
                     NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
bouncer_setup (BouncerFixture *fixture, gconstpointer user_data)
{
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  scb_fixture_setup_bus (&fixture->fixture, NULL);
  /* polkit-gobject finds polkitd (the mock) on "the" system bus. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", scb_testenv_get_address (fixture->fixture.env), TRUE);
  fixture->limits = scb_limits_new (&config->limits);
  fixture->bouncer = scb_bouncer_new (fixture->fixture.bus, fixture->limits);
  fixture->reader = scb_dbus_reader_skeleton_new ();
  g_object_set_data (G_OBJECT (fixture->reader), "fixture", fixture);
  g_signal_connect (fixture->reader, "handle-connect", G_CALLBACK (on_handle_connect), fixture);
  g_signal_connect (fixture->reader, "handle-set-nad", G_CALLBACK (on_handle_set_nad), fixture);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (fixture->reader),
                                    fixture->fixture.bus, READER_PATH, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (
      fixture->fixture.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "RequestName", g_variant_new ("(su)", SCB_DBUS_NAME, 4), G_VARIANT_TYPE ("(u)"),
      G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

static void
bouncer_teardown (BouncerFixture *fixture, gconstpointer user_data)
{
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (fixture->reader));
  g_clear_object (&fixture->reader);
  g_clear_object (&fixture->bouncer);
  g_clear_object (&fixture->limits);
  scb_fixture_teardown (&fixture->fixture, NULL);
}

static int
run_call (BouncerFixture *fixture, gboolean as_nobody, const char *method, const char *arg1,
          const char *arg2, char **out, char **err)
{
  g_autofree char *full_method = g_strconcat (SCB_DBUS_INTERFACE_READER ".", method, NULL);
  const char *const argv[]
      = { "gdbus",     "call",     "--system",  "--dest", SCB_DBUS_NAME, "--object-path",
          READER_PATH, "--method", full_method, arg1,     arg2,          NULL };

  return scb_fixture_run (&fixture->fixture, as_nobody, argv, out, err);
}

static void
allow (BouncerFixture *fixture, const char *action_id)
{
  const char *actions[] = { action_id, NULL };
  g_autoptr (GError) error = NULL;

  scb_testenv_set_allowed (fixture->fixture.env, actions, &error);
  g_assert_no_error (error);
}

static void
test_connect_denied (BouncerFixture *fixture, gconstpointer user_data)
{
  g_autofree char *err = NULL;

  allow (fixture, NULL);
  g_assert_cmpint (run_call (fixture, TRUE, "Connect", "shared", "['t1']", NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "org.scardbus.SmartCard1.Error.PermissionDenied"));
  g_assert_nonnull (
      strstr (err, "Not authorized for org.scardbus.SmartCard1.access-card: polkit said no"));
  g_assert_cmpuint (fixture->n_allowed, ==, 0);
}

static void
test_connect_allowed (BouncerFixture *fixture, gconstpointer user_data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  allow (fixture, SCB_ACTION_ACCESS_CARD);
  g_assert_cmpint (run_call (fixture, TRUE, "Connect", "shared", "['t1']", &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "(objectpath '/org/scardbus/SmartCard1/connection/1', 't1')\n");
  g_assert_cmpuint (fixture->n_allowed, ==, 1);

  /* access-card is not control: a direct connection is still refused. */
  g_assert_cmpint (run_call (fixture, TRUE, "Connect", "direct", "@as []", NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "Not authorized for org.scardbus.SmartCard1.control"));
  g_assert_cmpuint (fixture->n_allowed, ==, 1);
}

static void
test_set_nad (BouncerFixture *fixture, gconstpointer user_data)
{
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;

  allow (fixture, SCB_ACTION_ACCESS_CARD);
  g_assert_cmpint (run_call (fixture, TRUE, "SetNad", "0x21", NULL, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "Not authorized for org.scardbus.SmartCard1.set-nad"));
  allow (fixture, SCB_ACTION_SET_NAD);
  g_assert_cmpint (run_call (fixture, TRUE, "SetNad", "0x21", NULL, &out, NULL), ==, 0);
  g_assert_cmpuint (fixture->n_allowed, ==, 1);
}

/* uid 0 passes without asking polkit, which here says no to everything. */
static void
test_root_allowed (BouncerFixture *fixture, gconstpointer user_data)
{
  g_autofree char *out = NULL;

  allow (fixture, NULL);
  g_assert_cmpint (run_call (fixture, FALSE, "Connect", "direct", "@as []", &out, NULL), ==, 0);
  g_assert_cmpint (run_call (fixture, FALSE, "SetNad", "0x21", NULL, NULL, NULL), ==, 0);
  g_assert_cmpuint (fixture->n_allowed, ==, 2);
}

/* A method missing from the table is denied even to root. Served on a
 * peer-to-peer connection: the bus policy would refuse the interface before
 * the bouncer saw it. */
static void
unknown_method_call (GDBusConnection *connection, const char *sender, const char *path,
                     const char *interface_name, const char *method_name, GVariant *parameters,
                     GDBusMethodInvocation *invocation, gpointer user_data)
{
  g_autoptr (GObject) object = g_object_new (G_TYPE_OBJECT, NULL);

  scb_bouncer_check (SCB_BOUNCER (user_data), invocation, NULL, object, NULL, NULL, NULL);
}

static void
on_connection_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusConnection **connection = user_data;
  g_autoptr (GError) error = NULL;

  *connection = g_dbus_connection_new_finish (result, &error);
  g_assert_no_error (error);
}

static void
on_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, error);

  g_assert_null (reply);
}

static void
on_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_unknown_denied (void)
{
  static const char xml[] = "<node><interface name='org.scardbus.SmartCard1.Manager'>"
                            "<method name='Frobnicate'/></interface></node>";
  static const GDBusInterfaceVTable vtable = { unknown_method_call, NULL, NULL, { NULL } };
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (xml, NULL);
  g_autoptr (GDBusConnection) server = NULL;
  g_autoptr (GDBusConnection) client = NULL;
  g_autoptr (ScbConfig) config = scb_config_new ();
  g_autoptr (ScbLimits) limits = scb_limits_new (&config->limits);
  g_autoptr (ScbBouncer) bouncer = NULL;
  g_autoptr (GSocket) s0 = NULL;
  g_autoptr (GSocket) s1 = NULL;
  g_autoptr (GSocketConnection) server_stream = NULL;
  g_autoptr (GSocketConnection) client_stream = NULL;
  g_autoptr (GError) error = NULL;
  GError *call_error = NULL;
  g_autofree char *guid = g_dbus_generate_guid ();
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  s0 = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  s1 = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  server_stream = g_socket_connection_factory_create_connection (s0);
  client_stream = g_socket_connection_factory_create_connection (s1);

  /* Both ends authenticate at the same time. */
  g_dbus_connection_new (G_IO_STREAM (server_stream), guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER, NULL, NULL,
                         on_connection_ready, &server);
  g_dbus_connection_new (G_IO_STREAM (client_stream), NULL,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL,
                         on_connection_ready, &client);
  while (server == NULL || client == NULL)
    g_main_context_iteration (NULL, TRUE);

  bouncer = scb_bouncer_new (server, limits);
  g_dbus_connection_register_object (server, SCB_DBUS_PATH, node->interfaces[0], &vtable, bouncer,
                                     NULL, &error);
  g_assert_no_error (error);

  g_dbus_connection_call (client, NULL, SCB_DBUS_PATH, SCB_DBUS_INTERFACE_MANAGER, "Frobnicate",
                          NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_call_done,
                          &call_error);
  while (call_error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (call_error, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (call_error->message, ==,
                   "GDBus.Error:org.scardbus.SmartCard1.Error.PermissionDenied: "
                   "org.scardbus.SmartCard1.Manager.Frobnicate is not allowed to anyone");
  g_clear_error (&call_error);

  /* The same table on the channel's door: an op not in it is denied. */
  {
    ScbRequest request = { .op = 0x7e };
    g_autoptr (GAsyncResult) result = NULL;

    scb_bouncer_authorize_async (bouncer, ":1.42", &request, FALSE, on_authorized, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_false (scb_bouncer_authorize_finish (bouncer, result, &call_error));
    g_assert_error (call_error, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED);
    g_assert_cmpstr (call_error->message, ==, "Channel op 126 is not allowed to anyone");
    g_clear_error (&call_error);
  }
  g_dbus_connection_close_sync (client, NULL, NULL);
  g_dbus_connection_close_sync (server, NULL, NULL);
}

static void
on_socket_peer_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A caller of another front door (a socket peer): its uid and its own
 * polkit subject (a unix-process) instead of a bus name. */
static gboolean
authorize_socket_peer (BouncerFixture *fixture, ScbShareMode mode, GError **error)
{
  g_autoptr (ScbPeer) peer = scb_limits_get_peer (fixture->limits, "socket:4242");
  g_autoptr (PolkitSubject) subject
      = polkit_unix_process_new_for_owner ((gint) getpid (), 0, 65534);
  g_autoptr (GAsyncResult) result = NULL;
  ScbRequest request = { .interface_name = SCB_DBUS_INTERFACE_READER,
                         .method_name = "Connect",
                         .share_mode = mode };

  scb_peer_set_uid (peer, 65534);
  scb_peer_set_subject (peer, subject);
  g_assert_true (scb_peer_get_subject (peer) == subject);
  scb_bouncer_authorize_async (fixture->bouncer, "socket:4242", &request, FALSE,
                               on_socket_peer_checked, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return scb_bouncer_authorize_finish (fixture->bouncer, result, error);
}

static void
test_socket_peer (BouncerFixture *fixture, gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;

  allow (fixture, NULL);
  g_assert_false (authorize_socket_peer (fixture, SCB_SHARE_MODE_SHARED, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  allow (fixture, SCB_ACTION_ACCESS_CARD);
  g_assert_true (authorize_socket_peer (fixture, SCB_SHARE_MODE_SHARED, &error));
  g_assert_no_error (error);
  /* Direct needs control, which is not allowed. */
  g_assert_false (authorize_socket_peer (fixture, SCB_SHARE_MODE_DIRECT, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bouncer/table", test_table);
  g_test_add_func ("/bouncer/table-complete", test_table_complete);
#define ADD(path, func)                                                                            \
  g_test_add (path, BouncerFixture, NULL, bouncer_setup, func, bouncer_teardown)
  ADD ("/bouncer/connect-denied", test_connect_denied);
  ADD ("/bouncer/connect-allowed", test_connect_allowed);
  ADD ("/bouncer/set-nad", test_set_nad);
  ADD ("/bouncer/root-allowed", test_root_allowed);
  ADD ("/bouncer/socket-peer", test_socket_peer);
#undef ADD
  g_test_add_func ("/bouncer/unknown-denied", test_unknown_denied);
  return g_test_run ();
}

/* test-introspection.c: every object scardbusd exports matches introspection/
 *
 * Runs as the COMMAND of "scardbus-sim --reader tpdu:t1": the Manager, a
 * Reader, its Card and a Connection are introspected live and compared, member
 * by member, with the XML files the API is defined in.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-fixture.h"
#include "scb-names.h"

static GDBusConnection *bus;

static GDBusNodeInfo *
introspect (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  const char *xml = NULL;
  GDBusNodeInfo *node;

  reply = g_dbus_connection_call_sync (
      bus, SCB_DBUS_NAME, path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
      G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  return node;
}

static GVariant *
get_property (const char *path, const char *interface_name, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (bus, SCB_DBUS_NAME, path, "org.freedesktop.DBus.Properties",
                                       "Get", g_variant_new ("(ss)", interface_name, name),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

static char *
first_reader (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) readers = NULL;
  guint32 events = 0;
  char *path = NULL;

  reply = g_dbus_connection_call_sync (
      bus, SCB_DBUS_NAME, SCB_DBUS_PATH, SCB_DBUS_INTERFACE_MANAGER, "GetReaders", NULL,
      G_VARIANT_TYPE ("(uao)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u@ao)", &events, &readers);
  g_assert_cmpuint (g_variant_n_children (readers), ==, 1);
  g_variant_get_child (readers, 0, "o", &path);
  return path;
}

static void
assert_object (const char *path, const char *interface_name, const char *xml_name)
{
  g_autoptr (GDBusNodeInfo) node = introspect (path);

  scb_fixture_assert_interface_matches_xml (
      g_dbus_node_info_lookup_interface (node, interface_name), xml_name);
  g_assert_nonnull (g_dbus_node_info_lookup_interface (node, "org.freedesktop.DBus.Properties"));
}

static void
test_manager (void)
{
  g_autoptr (GDBusNodeInfo) node = introspect (SCB_DBUS_PATH);

  assert_object (SCB_DBUS_PATH, SCB_DBUS_INTERFACE_MANAGER,
                 "introspection/org.scardbus.SmartCard1.Manager.xml");
  g_assert_nonnull (g_dbus_node_info_lookup_interface (node, "org.freedesktop.DBus.ObjectManager"));
}

static void
test_reader_and_card (void)
{
  g_autofree char *reader = first_reader ();
  g_autoptr (GVariant) card = NULL;

  g_assert_true (g_str_has_prefix (reader, SCB_DBUS_READER_PATH_PREFIX));
  assert_object (reader, SCB_DBUS_INTERFACE_READER,
                 "introspection/org.scardbus.SmartCard1.Reader.xml");
  card = get_property (reader, SCB_DBUS_INTERFACE_READER, "Card");
  g_assert_true (g_str_has_prefix (g_variant_get_string (card, NULL), SCB_DBUS_CARD_PATH_PREFIX));
  assert_object (g_variant_get_string (card, NULL), SCB_DBUS_INTERFACE_CARD,
                 "introspection/org.scardbus.SmartCard1.Card.xml");
}

static void
test_connection (void)
{
  g_autofree char *reader = first_reader ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  const char *protocols[] = { "t1", NULL };
  const char *connection = NULL;
  const char *protocol = NULL;

  reply = g_dbus_connection_call_sync (bus, SCB_DBUS_NAME, reader, SCB_DBUS_INTERFACE_READER,
                                       "Connect", g_variant_new ("(s^as)", "shared", protocols),
                                       G_VARIANT_TYPE ("(os)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&o&s)", &connection, &protocol);
  g_assert_cmpstr (protocol, ==, "t1");
  g_assert_true (g_str_has_prefix (connection, SCB_DBUS_CONNECTION_PATH_PREFIX));
  assert_object (connection, SCB_DBUS_INTERFACE_CONNECTION,
                 "introspection/org.scardbus.SmartCard1.Connection.xml");
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/introspection/manager", test_manager);
  g_test_add_func ("/introspection/reader-and-card", test_reader_and_card);
  g_test_add_func ("/introspection/connection", test_connection);
  return g_test_run ();
}

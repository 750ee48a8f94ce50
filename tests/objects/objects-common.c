/* objects-common.c: helpers of the object-model tests (run under scardbus-sim)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

GDBusConnection *
oc_bus_new (void)
{
  g_autoptr (GError) error = NULL;
  const char *address = g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");
  GDBusConnection *bus;

  g_assert_nonnull (address);
  bus = g_dbus_connection_new_for_address_sync (
      address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  return bus;
}

GVariant *
oc_call (GDBusConnection *bus, const char *path, const char *iface, const char *method,
         GVariant *parameters, const char *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (bus, OC_NAME, path, iface, method, parameters,
                                      reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 30000, NULL, error);
}

char *
oc_error_name (const GError *error)
{
  if (error == NULL)
    return g_strdup ("");
  if (g_dbus_error_is_remote_error (error))
    return g_dbus_error_get_remote_error (error);
  return g_strdup (error->message);
}

void
oc_assert_error (const GError *error, const char *short_name)
{
  g_autofree char *name = oc_error_name (error);
  g_autofree char *expected = g_strconcat (OC_ERROR, short_name, NULL);

  if (error == NULL)
    g_error ("expected %s, got success", expected);
  if (g_strcmp0 (name, expected) != 0)
    g_error ("expected %s, got %s (%s)", expected, name, error->message);
}

GStrv
oc_readers (GDBusConnection *bus, guint32 *reader_events)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply
      = oc_call (bus, OC_ROOT, OC_MANAGER, "GetReaders", NULL, "(uao)", &error);
  GStrv readers = NULL;
  guint32 events = 0;

  g_assert_no_error (error);
  g_variant_get (reply, "(u^ao)", &events, &readers);
  if (reader_events != NULL)
    *reader_events = events;
  return readers;
}

GVariant *
oc_get_property (GDBusConnection *bus, const char *path, const char *iface, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = oc_call (bus, path, "org.freedesktop.DBus.Properties", "Get",
                                        g_variant_new ("(ss)", iface, name), "(v)", &error);
  GVariant *value = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

char *
oc_connect (GDBusConnection *bus, const char *reader, const char *mode, const char *protocol,
            GError **error)
{
  const char *protocols[] = { protocol, NULL };
  g_autoptr (GVariant) reply = NULL;
  char *path = NULL;

  reply = oc_call (bus, reader, OC_READER, "Connect",
                   g_variant_new ("(s^as)", mode, protocol != NULL ? protocols : protocols + 1),
                   "(os)", error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(os)", &path, NULL);
  return path;
}

GBytes *
oc_transmit (GDBusConnection *bus, const char *connection, const guint8 *apdu, gsize len,
             GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) response = NULL;
  gsize n = 0;
  gconstpointer data;

  reply = oc_call (
      bus, connection, OC_CONNECTION, "Transmit",
      g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, apdu, len, 1)),
      "(ay)", error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(@ay)", &response);
  data = g_variant_get_fixed_array (response, &n, 1);
  return g_bytes_new (data, n);
}

GBytes *
oc_hex (const char *hex)
{
  GByteArray *bytes = g_byte_array_new ();

  for (const char *p = hex; *p != '\0';)
    {
      guint8 b;

      if (*p == ' ')
        {
          p++;
          continue;
        }
      g_assert_true (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]));
      b = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
      g_byte_array_append (bytes, &b, 1);
      p += 2;
    }
  return g_byte_array_free_to_bytes (bytes);
}

char *
oc_to_hex (GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%s%02X", i > 0 ? " " : "", data[i]);
  return g_string_free (s, FALSE);
}

char *
oc_ctl (const char *format, ...)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *command = NULL;
  g_autofree char *line = NULL;
  const char *path = g_getenv ("SCARDBUS_SIM_CONTROL");
  va_list args;

  g_assert_nonnull (path);
  va_start (args, format);
  command = g_strdup_vprintf (format, args);
  va_end (args);
  address = g_unix_socket_address_new (path);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *text = g_strconcat (command, "\n", NULL);

    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), text,
                               strlen (text), NULL, NULL, &error);
    g_assert_no_error (error);
  }
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !(g_str_equal (line, "ok") || g_str_has_prefix (line, "ok ")))
    g_error ("ctl %s: %s", command, line != NULL ? line : "(no answer)");
  return g_strdup (line[2] == ' ' ? line + 3 : "");
}

void
oc_set_allowed (const char *first, ...)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) actions = g_ptr_array_new ();
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autoptr (GVariant) reply = NULL;
  va_list args;

  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (actions, (gpointer) a);
  va_end (args);
  g_ptr_array_add (actions, NULL);
  reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
      "org.freedesktop.DBus.Mock", "SetAllowed",
      g_variant_new ("(^as)", (const char *const *) actions->pdata), NULL, G_DBUS_CALL_FLAGS_NONE,
      5000, NULL, &error);
  g_assert_no_error (error);
}

char *
oc_client_path (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;

  g_assert_nonnull (exe);
  dir = g_path_get_dirname (exe);
  return g_build_filename (dir, "objects-client", NULL);
}

char *
oc_run_client (gboolean as_nobody, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (as_nobody)
    {
      g_ptr_array_add (argv, g_strdup ("setpriv"));
      g_ptr_array_add (argv, g_strdup ("--reuid=nobody"));
      g_ptr_array_add (argv, g_strdup ("--regid=nogroup"));
      g_ptr_array_add (argv, g_strdup ("--clear-groups"));
    }
  g_ptr_array_add (argv, oc_client_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("objects-client failed: %s", err);
  return g_steal_pointer (&out);
}

gboolean
oc_wait (gboolean *done, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!*done && g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return *done;
}

gboolean
oc_wait_for (gboolean (*predicate) (gpointer data), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!predicate (data) && g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return predicate (data);
}

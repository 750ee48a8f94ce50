/* objects-client.c: a scripted D-Bus client for the object-model tests
 *
 *   objects-client STEP...
 *
 * A step is three words: PATH METHOD ARGS, where PATH "@" is the
 * connection the last Connect returned, METHOD is Interface.Method with
 * the interface's last word (Reader.Connect, Connection.SetNad, ...), and
 * ARGS a GVariant text tuple ("('shared', ['t1'])"). Or the one word
 * "hold": wait until killed. Every call prints one line, "ok REPLY" or
 * "error NAME MESSAGE", all on one connection (one unique name), so the
 * tests can run it as nobody. METHOD "Channel.Control" with ARGS
 * "(uint32 CODE, [byte ...])" sends a control request on a channel of
 * the connection PATH (opened on first use) and prints "status 0x%08x".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>

/* A control request on a channel: the answer's status. */
static gboolean
channel_control (GDBusConnection *bus, const char *path, GVariant *args, int *fd, guint32 *status)
{
  g_autoptr (GVariant) data = NULL;
  guint8 packet[16 + 256] = { 1, 2 };
  guint8 answer[16 + 65538];
  guint32 code = 0;
  gsize len = 0;
  const guint8 *bytes;

  if (*fd < 0)
    {
      g_autoptr (GUnixFDList) fds = NULL;
      g_autoptr (GVariant) reply = NULL;

      reply = g_dbus_connection_call_with_unix_fd_list_sync (
          bus, "org.scardbus.SmartCard1", path, "org.scardbus.SmartCard1.Connection", "OpenChannel",
          NULL, G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &fds, NULL, NULL);
      if (reply == NULL)
        return FALSE;
      *fd = g_unix_fd_list_get (fds, 0, NULL);
    }
  g_variant_get (args, "(u@ay)", &code, &data);
  bytes = g_variant_get_fixed_array (data, &len, 1);
  if (len > 256)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    packet[8 + i] = (code >> (8 * i)) & 0xff;
  if (len > 0)
    memcpy (packet + 16, bytes, len);
  if (send (*fd, packet, 16 + len, MSG_NOSIGNAL) != (ssize_t) (16 + len)
      || recv (*fd, answer, sizeof answer, 0) < 16)
    return FALSE;
  *status = (guint32) answer[12] | (guint32) answer[13] << 8 | (guint32) answer[14] << 16
            | (guint32) answer[15] << 24;
  return TRUE;
}

int
main (int argc, char **argv)
{
  int channel = -1;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  g_autofree char *connection = NULL;

  if (bus == NULL)
    {
      fprintf (stderr, "objects-client: %s\n", error->message);
      return 1;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GVariant) args = NULL;
      g_autoptr (GVariant) reply = NULL;
      g_autoptr (GError) call_error = NULL;
      g_autofree char *iface = NULL;
      g_autofree char *text = NULL;
      const char *path, *dot;

      if (g_str_equal (argv[i], "hold"))
        {
          for (;;)
            g_usleep (G_USEC_PER_SEC);
        }
      if (i + 2 >= argc)
        {
          fprintf (stderr, "objects-client: a step is PATH METHOD ARGS\n");
          return 1;
        }
      path = g_str_equal (argv[i], "@") ? connection : argv[i];
      dot = strchr (argv[i + 1], '.');
      if (path == NULL || dot == NULL)
        {
          fprintf (stderr, "objects-client: no connection yet, or METHOD without interface\n");
          return 1;
        }
      iface = g_strdup_printf ("org.scardbus.SmartCard1.%.*s", (int) (dot - argv[i + 1]),
                               argv[i + 1]);
      args = g_variant_parse (NULL, argv[i + 2], NULL, NULL, &call_error);
      if (args == NULL)
        {
          fprintf (stderr, "objects-client: %s: %s\n", argv[i + 2], call_error->message);
          return 1;
        }
      if (g_str_equal (argv[i + 1], "Channel.Control"))
        {
          guint32 status = 0;

          if (!channel_control (bus, path, args, &channel, &status))
            {
              fprintf (stderr, "objects-client: the channel failed\n");
              return 1;
            }
          printf ("status 0x%08x\n", status);
          fflush (stdout);
          i += 2;
          continue;
        }
      reply = g_dbus_connection_call_sync (bus, "org.scardbus.SmartCard1", path, iface, dot + 1,
                                           g_steal_pointer (&args), NULL, G_DBUS_CALL_FLAGS_NONE,
                                           30000, NULL, &call_error);
      if (reply == NULL)
        {
          g_autofree char *name = g_dbus_error_get_remote_error (call_error);

          printf ("error %s %s\n", name != NULL ? name : "-", call_error->message);
        }
      else
        {
          text = g_variant_print (reply, FALSE);
          printf ("ok %s\n", text);
          if (g_str_equal (dot + 1, "Connect"))
            {
              g_free (connection);
              g_variant_get (reply, "(os)", &connection, NULL);
            }
        }
      fflush (stdout);
      i += 2;
    }
  return 0;
}

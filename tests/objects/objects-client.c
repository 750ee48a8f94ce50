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
 * tests can run it as nobody.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  g_autofree char *connection = NULL;

  if (bus == NULL)
    {
      fprintf (stderr, "objects-client: %s\n", error->message);
      return 1;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GVariant) args = NULL;
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GError) call_error = NULL;
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
      iface = g_strdup_printf ("org.scardbus.SmartCard1.%.*s", (int) (dot - argv[i + 1]), argv[i + 1]);
      args = g_variant_parse (NULL, argv[i + 2], NULL, NULL, &call_error);
      if (args == NULL)
        {
          fprintf (stderr, "objects-client: %s: %s\n", argv[i + 2], call_error->message);
          return 1;
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

/* test-objects-pinpad.c: Connection.VerifyPin, ModifyPin and the Reader's PIN pad
 *
 * Under scardbus-sim with a pinpad reader (INGENICO Leo, short APDUs, a
 * 2 x 16 display) and a T=1 TPDU pad (C3PO KBR36), each holding a t1 card
 * whose PIN 81 is "1234". The sim's user types what `ctl keypad` queued.
 * Every entry is announced by PinEntryStarted, then PinEntryFinished, both
 * before the method's answer; the PIN never crosses the bus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <string.h>

#define VERIFY "00 20 00 81 08 FF FF FF FF FF FF FF FF"
#define CHANGE "00 24 00 81 10 FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF"

typedef struct
{
  GPtrArray *events; /* "started verify", "finished verify completed", "reply 90 00" */
  const char *connection;
  gboolean done;
} Entry;

static void
on_signal (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
           const char *name, GVariant *parameters, gpointer user_data)
{
  Entry *e = user_data;
  const char *connection = NULL;
  const char *operation = NULL;
  const char *result = NULL;

  if (g_str_equal (name, "PinEntryStarted"))
    {
      g_variant_get (parameters, "(&o&s)", &connection, &operation);
      g_ptr_array_add (e->events, g_strdup_printf ("started %s", operation));
    }
  else
    {
      g_variant_get (parameters, "(&o&s&s)", &connection, &operation, &result);
      g_ptr_array_add (e->events, g_strdup_printf ("finished %s %s", operation, result));
    }
  g_assert_cmpstr (connection, ==, e->connection);
}

static void
on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Entry *e = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    {
      g_autofree char *name = g_dbus_error_get_remote_error (error);

      g_ptr_array_add (e->events, g_strdup_printf ("error %s", name));
    }
  else
    {
      g_autoptr (GVariant) bytes = g_variant_get_child_value (reply, 0);
      g_autoptr (GBytes) response = g_variant_get_data_as_bytes (bytes);
      g_autofree char *hex = oc_to_hex (response);

      g_ptr_array_add (e->events, g_strdup_printf ("reply %s", hex));
    }
  e->done = TRUE;
}

/* Calls @method with @template and @options ("{}" style GVariant text) on
 * @connection of @reader; the events in order, joined by ", ". */
static char *
pin_call (GDBusConnection *bus, const char *reader, const char *connection, const char *method,
          const char *template_hex, const char *options)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  Entry e = { events, connection, FALSE };
  g_autoptr (GBytes) apdu = oc_hex (template_hex);
  guint id;

  id = g_dbus_connection_signal_subscribe (bus, OC_NAME, OC_READER, NULL, reader, NULL,
                                           G_DBUS_SIGNAL_FLAGS_NONE, on_signal, &e, NULL);
  g_dbus_connection_call (
      bus, OC_NAME, connection, OC_CONNECTION, method,
      g_variant_new ("(@ay@a{sv})",
                     g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, apdu, TRUE),
                     g_variant_new_parsed (options)),
      G_VARIANT_TYPE ("(ay)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_reply, &e);
  g_assert_true (oc_wait (&e.done, 15000));
  /* Signals sent before the reply were dispatched before it. */
  g_dbus_connection_signal_unsubscribe (bus, id);
  g_ptr_array_add (events, NULL);
  return g_strjoinv (", ", (char **) events->pdata);
}

static char *
reader_named (GDBusConnection *bus, const char *prefix)
{
  g_auto (GStrv) readers = oc_readers (bus, NULL);

  for (guint i = 0; readers[i] != NULL; i++)
    {
      g_autoptr (GVariant) name = oc_get_property (bus, readers[i], OC_READER, "Name");

      if (g_str_has_prefix (g_variant_get_string (name, NULL), prefix))
        return g_strdup (readers[i]);
    }
  g_error ("no reader named %s...", prefix);
  return NULL;
}

static void
test_property (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autofree char *leo = reader_named (bus, "INGENICO Leo");
  g_autofree char *kbr = reader_named (bus, "C3PO KBR36");
  g_autoptr (GVariant) pad = oc_get_property (bus, leo, OC_READER, "PinPad");
  g_autoptr (GVariant) other = oc_get_property (bus, kbr, OC_READER, "PinPad");
  g_autofree char *text = g_variant_print (pad, TRUE);
  g_autofree char *other_text = g_variant_print (other, TRUE);

  g_assert_cmpstr (text, ==,
                   "{'verify': <true>, 'modify': <true>, 'display-lines': <byte 0x02>, "
                   "'display-characters': <byte 0x10>}");
  g_assert_cmpstr (other_text, ==, "{'verify': <true>, 'modify': <true>}");
}

static void
run_outcomes (const char *prefix, guint index)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autofree char *reader = reader_named (bus, prefix);
  g_autoptr (GError) error = NULL;
  g_autofree char *connection = oc_connect (bus, reader, "shared", "t1", &error);
  static const struct
  {
    const char *typed; /* NULL: nobody types */
    const char *method;
    const char *template_hex;
    const char *options;
    const char *expect;
  } steps[] = {
    { "1234", "VerifyPin", VERIFY, "@a{sv} {}",
      "started verify, finished verify completed, reply 90 00" },
    { "9999", "VerifyPin", VERIFY, "@a{sv} {}",
      "started verify, finished verify completed, reply 63 C2" },
    { "cancel", "VerifyPin", VERIFY, "@a{sv} {}",
      "started verify, finished verify cancelled, reply 64 01" },
    { NULL, "VerifyPin", VERIFY, "{'timeout': <uint32 5>}",
      "started verify, finished verify timeout, reply 64 00" },
    { "12", "VerifyPin", VERIFY, "@a{sv} {}",
      "started verify, finished verify rejected, reply 64 03" },
    { "12345", "VerifyPin", VERIFY, "@a{sv} {}",
      "started verify, finished verify completed, reply 63 C1" },
    { "1234 8642 8642", "ModifyPin", CHANGE, "@a{sv} {}",
      "started modify, finished modify completed, reply 90 00" },
    { "8642 1111 2222", "ModifyPin", CHANGE, "@a{sv} {}",
      "started modify, finished modify rejected, reply 64 02" },
    { "8642", "VerifyPin", VERIFY, "{'format': <'ascii'>, 'justify': <'left'>}",
      "started verify, finished verify completed, reply 90 00" },
    { "8642 1234 1234", "ModifyPin", CHANGE, "@a{sv} {}",
      "started modify, finished modify completed, reply 90 00" },
    /* Refused before the pad: no entry announced. */
    { NULL, "VerifyPin", "00 20 00 81 02 FF FF", "@a{sv} {}",
      "error " OC_ERROR "InvalidParameter" },
    { NULL, "VerifyPin", VERIFY, "{'colour': <'red'>}", "error " OC_ERROR "InvalidParameter" },
    { NULL, "VerifyPin", VERIFY, "{'min-digits': <'4'>}", "error " OC_ERROR "InvalidParameter" },
    { NULL, "VerifyPin", VERIFY, "{'min-digits': <uint32 9>}",
      "error " OC_ERROR "InvalidParameter" },
    { NULL, "ModifyPin", VERIFY, "@a{sv} {}", "error " OC_ERROR "InvalidParameter" },
    { "1234", "VerifyPin", VERIFY, "@a{sv} {}",
      "started verify, finished verify completed, reply 90 00" },
  };

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *events = NULL;

      if (steps[i].typed != NULL)
        g_free (oc_ctl ("keypad %u %s", index, steps[i].typed));
      events = pin_call (bus, reader, connection, steps[i].method, steps[i].template_hex,
                         steps[i].options);
      g_test_message ("%s %s: %s", steps[i].method, steps[i].typed ? steps[i].typed : "-", events);
      g_assert_cmpstr (events, ==, steps[i].expect);
    }

  /* The card asks for more time while it checks the PIN: two S(WTX) at
   * T=1 TPDU level, which the daemon answers; two CCID time extensions
   * from an APDU-level reader. */
  {
    g_autofree char *events = NULL;

    g_free (oc_ctl ("fault %u wtx 2", index));
    g_free (oc_ctl ("keypad %u 1234", index));
    events = pin_call (bus, reader, connection, "VerifyPin", VERIFY, "@a{sv} {}");
    g_assert_cmpstr (events, ==, "started verify, finished verify completed, reply 90 00");
    /* and the link goes on */
    g_free (oc_ctl ("keypad %u 1234", index));
    g_free (events);
    events = pin_call (bus, reader, connection, "VerifyPin", VERIFY, "@a{sv} {}");
    g_assert_cmpstr (events, ==, "started verify, finished verify completed, reply 90 00");
  }
}

static void
test_outcomes_apdu (void)
{
  run_outcomes ("INGENICO Leo", 0); /* the sim's reader 0 */
}

static void
test_outcomes_tpdu (void)
{
  run_outcomes ("C3PO KBR36", 1);
}

/* Allowed with access-card, as Control's PIN features; nobody without it
 * cannot even connect. */
static void
test_auth (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autofree char *reader = reader_named (bus, "INGENICO Leo");
  const char *const args[]
      = { reader, "Reader.Connect",       "('shared', ['t1'])",
          "@",    "Connection.VerifyPin", "([byte 0, 0x20, 0, 0x81], @a{sv} {})",
          NULL };
  g_autofree char *denied = NULL;
  g_autofree char *allowed = NULL;

  const char *const connect_only[] = { args[0], args[1], args[2], NULL };

  oc_set_allowed (NULL, NULL);
  denied = oc_run_client (TRUE, connect_only);
  g_assert_true (g_str_has_prefix (denied, "error " OC_ERROR "PermissionDenied"));
  g_assert_nonnull (strstr (denied, OC_ACCESS));
  oc_set_allowed (OC_ACCESS, NULL);
  /* nobody types: the template has no room for the PIN (InvalidParameter),
   * past the bouncer */
  allowed = oc_run_client (TRUE, args);
  g_assert_nonnull (strstr (allowed, "InvalidParameter"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/objects/pinpad/property", test_property);
  g_test_add_func ("/objects/pinpad/outcomes-apdu", test_outcomes_apdu);
  g_test_add_func ("/objects/pinpad/outcomes-tpdu", test_outcomes_tpdu);
  g_test_add_func ("/objects/pinpad/auth", test_auth);
  return g_test_run ();
}

/* scardctl-pin.c: scardctl verify-pin and change-pin, PIN entry on the pad
 *
 * The user types the PIN on the reader's pad (Connection.VerifyPin,
 * ModifyPin); scardctl sees only the card's answer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scardctl.h"

#include <stdio.h>

/* VERIFY and CHANGE REFERENCE DATA of PIN reference 81, the PINs in ASCII
 * padded with FFh to 8 bytes (ISO 7816-4 §11.5.6, §11.5.7). */
#define VERIFY_TEMPLATE "00 20 00 81 08 FF FF FF FF FF FF FF FF"
#define CHANGE_TEMPLATE "00 24 00 81 10 FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF"

static char *template_option;
static char *format_option;
static gint min_option = -1;
static gint max_option = -1;
static gint timeout_option = -1;

static GOptionEntry pin_entries[]
    = { { "template", 't', 0, G_OPTION_ARG_STRING, &template_option,
          "The APDU the pad puts the PIN into (hex; default: reference 81, 8 bytes)", "APDU" },
        { "format", 'f', 0, G_OPTION_ARG_STRING, &format_option, "ascii (default), bcd or binary",
          "FORMAT" },
        { "min", 0, 0, G_OPTION_ARG_INT, &min_option, "Fewest digits (default 4)", "N" },
        { "max", 0, 0, G_OPTION_ARG_INT, &max_option, "Most digits (default 8)", "N" },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_option,
          "Seconds the user has (default: the reader's)", "S" },
        { NULL } };

static GVariant *
pin_options (void)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  if (format_option != NULL)
    g_variant_dict_insert (&dict, "format", "s", format_option);
  if (min_option >= 0)
    g_variant_dict_insert (&dict, "min-digits", "u", (guint32) min_option);
  if (max_option >= 0)
    g_variant_dict_insert (&dict, "max-digits", "u", (guint32) max_option);
  if (timeout_option >= 0)
    g_variant_dict_insert (&dict, "timeout", "u", (guint32) timeout_option);
  return g_variant_dict_end (&dict);
}

/* What the pad itself answers (PC/SC part 10 §2.6.1). */
static const char *
pad_meaning (guint8 sw1, guint8 sw2)
{
  if (sw1 != 0x64)
    return NULL;
  switch (sw2)
    {
    case 0x00:
      return "nobody typed a PIN in time";
    case 0x01:
      return "cancelled on the pad";
    case 0x02:
      return "the two new PINs differ";
    case 0x03:
      return "the PIN is too short or too long";
    default:
      return NULL;
    }
}

static int
run (Scardctl *ctl, int argc, char **argv, gboolean modify)
{
  const char *command = modify ? "change-pin" : "verify-pin";
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) template_apdu = NULL;
  g_autoptr (GBytes) response = NULL;
  g_autoptr (ScbClientConnection) connection = NULL;
  g_autofree char *hex = NULL;
  ScbClientReader *reader;
  const guint8 *sw;
  const char *meaning = NULL;
  gsize len = 0;
  int status = SCARDCTL_EXIT_OK;

  if (!scardctl_parse (ctl, pin_entries, "READER",
                       modify ? "Change a PIN on READER's pad: the current one, then the new one "
                                "twice.\nNo PIN reaches this computer."
                              : "Verify a PIN typed on READER's pad. No PIN reaches this computer.",
                       &argc, &argv, &status))
    return status;
  if (argc != 2)
    return scardctl_usage (ctl, command, "needs a READER");
  template_apdu = scardctl_parse_hex (
      template_option != NULL ? template_option : (modify ? CHANGE_TEMPLATE : VERIFY_TEMPLATE),
      &error);
  if (template_apdu == NULL)
    return scardctl_usage (ctl, command, error->message);
  reader = scardctl_reader (ctl, argv[1], &status);
  if (reader == NULL)
    return status;
  connection = scb_client_reader_open_connection_sync (reader, SCB_SHARE_MODE_SHARED,
                                                       SCB_PROTOCOL_ANY, NULL, &error);
  if (connection == NULL)
    return scardctl_fail (ctl, error);
  if (!ctl->json)
    {
      g_print ("%s the PIN on the pad of %s...\n", modify ? "Change" : "Enter",
               scb_client_reader_get_name (reader));
      fflush (stdout);
    }
  if (modify)
    response = scb_client_connection_modify_pin_sync (connection, template_apdu, pin_options (),
                                                      NULL, &error);
  else
    response = scb_client_connection_verify_pin_sync (connection, template_apdu, pin_options (),
                                                      NULL, &error);
  scb_client_connection_close_sync (connection, SCB_DISPOSITION_LEAVE, NULL, NULL);
  if (response == NULL)
    return scardctl_fail (ctl, error);
  hex = scardctl_hex (response, ctl->json ? "" : " ");
  sw = g_bytes_get_data (response, &len);
  if (len >= 2)
    {
      meaning = pad_meaning (sw[len - 2], sw[len - 1]);
      if (meaning == NULL)
        meaning = scardctl_sw_meaning (sw[len - 2], sw[len - 1]);
    }
  if (ctl->json)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "reader", "s", scb_client_reader_get_name (reader));
      g_variant_dict_insert (&dict, "response", "s", hex);
      if (meaning != NULL)
        g_variant_dict_insert (&dict, "meaning", "s", meaning);
      scardctl_print_json (g_variant_dict_end (&dict));
    }
  else
    g_print ("< %s%s%s\n", hex, meaning != NULL ? "  " : "", meaning != NULL ? meaning : "");
  return len == 2 && sw[0] == 0x90 && sw[1] == 0x00 ? SCARDCTL_EXIT_OK : SCARDCTL_EXIT_FAILED;
}

int
scardctl_cmd_verify_pin (Scardctl *ctl, int argc, char **argv)
{
  return run (ctl, argc, argv, FALSE);
}

int
scardctl_cmd_change_pin (Scardctl *ctl, int argc, char **argv)
{
  return run (ctl, argc, argv, TRUE);
}

/* scardctl-send.c: scardctl send and script, APDUs to a card
 *
 * script reads scriptor's format (pcsc-tools): one APDU in hex per line,
 * "reset" to reset the card, "#" starts a comment; "exit" or "quit" ends it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scardctl.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  Scardctl *ctl;
  ScbClientReader *reader;
  ScbClientConnection *connection;
  GVariantBuilder exchanges;
} Session;

static char *share_option;
static char *protocol_option;
static gboolean no_channel;

static GOptionEntry session_entries[]
    = { { "share", 's', 0, G_OPTION_ARG_STRING, &share_option,
          "shared (default), exclusive or direct", "MODE" },
        { "protocol", 'p', 0, G_OPTION_ARG_STRING, &protocol_option, "t0, t1, raw or any (default)",
          "PROTOCOL" },
        { "no-channel", 0, 0, G_OPTION_ARG_NONE, &no_channel,
          "Send APDUs as D-Bus calls, not over the fd channel", NULL },
        { NULL } };

static const char *
protocol_word (ScbProtocol protocol)
{
  const char *word = scb_protocol_to_word (protocol);

  return *word != '\0' ? word : "none";
}

static gboolean
parse_session_options (Scardctl *ctl, const char *command, ScbShareMode *share,
                       ScbProtocol *protocols, int *status)
{
  g_autoptr (GError) error = NULL;
  const char *const protocol_words[] = { protocol_option, NULL };

  *share = SCB_SHARE_MODE_SHARED;
  if (share_option != NULL && !scb_share_mode_from_word (share_option, share, &error))
    {
      *status = scardctl_usage (ctl, command, error->message);
      return FALSE;
    }
  /* A direct connection needs no card: no protocol unless one is asked. */
  if (protocol_option == NULL)
    *protocols = *share == SCB_SHARE_MODE_DIRECT ? SCB_PROTOCOL_NONE : SCB_PROTOCOL_ANY;
  else if (g_str_equal (protocol_option, "any"))
    *protocols = SCB_PROTOCOL_ANY;
  else if (!scb_protocols_from_words (protocol_words, protocols, &error))
    {
      *status = scardctl_usage (ctl, command, error->message);
      return FALSE;
    }
  return TRUE;
}

static int
session_open (Session *session, Scardctl *ctl, ScbClientReader *reader, ScbShareMode share,
              ScbProtocol protocols)
{
  g_autoptr (GError) error = NULL;

  session->ctl = ctl;
  session->reader = reader;
  g_variant_builder_init (&session->exchanges, G_VARIANT_TYPE ("av"));
  session->connection
      = scb_client_reader_open_connection_sync (reader, share, protocols, NULL, &error);
  if (session->connection == NULL)
    {
      g_variant_builder_clear (&session->exchanges);
      return scardctl_fail (ctl, error);
    }
  if (no_channel)
    scb_client_connection_set_use_channel (session->connection, FALSE);
  if (!ctl->json)
    g_print ("Using %s%s%s (protocol %s)\n", scardctl_sgr (ctl, "bold"),
             scb_client_reader_get_name (reader), scardctl_sgr (ctl, "reset"),
             protocol_word (scb_client_connection_get_protocol (session->connection)));
  return SCARDCTL_EXIT_OK;
}

/* Ends the session: disconnects, prints the JSON document, and reports
 * @error if there is one. */
static int
session_close (Session *session, int status, const GError *error)
{
  Scardctl *ctl = session->ctl;
  g_autoptr (GVariant) exchanges = g_variant_ref_sink (g_variant_builder_end (&session->exchanges));

  if (session->connection != NULL)
    {
      /* The daemon closes it anyway when we leave the bus. */
      scb_client_connection_close_sync (session->connection, SCB_DISPOSITION_LEAVE, NULL, NULL);
      g_clear_object (&session->connection);
    }
  if (ctl->json && status == SCARDCTL_EXIT_OK)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "reader", "s", scb_client_reader_get_name (session->reader));
      g_variant_dict_insert (&dict, "path", "s",
                             scb_client_reader_get_object_path (session->reader));
      g_variant_dict_insert_value (&dict, "exchanges", exchanges);
      scardctl_print_json (g_variant_dict_end (&dict));
    }
  if (error != NULL)
    return scardctl_fail (ctl, error);
  return status;
}

static int
session_transmit (Session *session, const char *text, GError **error)
{
  Scardctl *ctl = session->ctl;
  g_autoptr (GBytes) apdu = scardctl_parse_hex (text, error);
  g_autoptr (GBytes) response = NULL;
  g_autofree char *command_hex = NULL;
  g_autofree char *response_hex = NULL;
  const guint8 *data;
  gsize len = 0;
  const char *meaning = NULL;
  char sw[5] = "";

  if (apdu == NULL)
    return SCARDCTL_EXIT_USAGE;
  command_hex = scardctl_hex (apdu, ctl->json ? "" : " ");
  if (!ctl->json)
    g_print ("%s> %s%s\n", scardctl_sgr (ctl, "cyan"), command_hex, scardctl_sgr (ctl, "reset"));
  response = scb_client_connection_transmit_sync (session->connection, apdu, NULL, error);
  if (response == NULL)
    return SCARDCTL_EXIT_FAILED;
  response_hex = scardctl_hex (response, ctl->json ? "" : " ");
  data = g_bytes_get_data (response, &len);
  if (len >= 2)
    {
      g_snprintf (sw, sizeof sw, "%02X%02X", data[len - 2], data[len - 1]);
      meaning = scardctl_sw_meaning (data[len - 2], data[len - 1]);
    }
  if (ctl->json)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "command", "s", command_hex);
      g_variant_dict_insert (&dict, "response", "s", response_hex);
      g_variant_dict_insert (&dict, "sw", "s", sw);
      g_variant_dict_insert (&dict, "meaning", "ms", meaning);
      g_variant_builder_add (&session->exchanges, "v", g_variant_dict_end (&dict));
    }
  else
    {
      const char *color
          = g_str_equal (sw, "9000") || g_str_has_prefix (sw, "61") ? "green" : "yellow";

      g_print ("%s< %s%s%s%s\n", scardctl_sgr (ctl, color), response_hex,
               meaning != NULL ? " : " : "", meaning != NULL ? meaning : "",
               scardctl_sgr (ctl, "reset"));
    }
  return SCARDCTL_EXIT_OK;
}

static int
session_reset (Session *session, GError **error)
{
  Scardctl *ctl = session->ctl;
  ScbProtocol protocol;

  protocol = scb_client_connection_reconnect_sync (
      session->connection, scb_client_connection_get_share_mode (session->connection),
      SCB_PROTOCOL_ANY | SCB_PROTOCOL_RAW, SCB_DISPOSITION_RESET, NULL, error);
  if (protocol == SCB_PROTOCOL_NONE && error != NULL && *error != NULL)
    return SCARDCTL_EXIT_FAILED;
  if (ctl->json)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "reset", "b", TRUE);
      g_variant_dict_insert (&dict, "protocol", "s", protocol_word (protocol));
      g_variant_builder_add (&session->exchanges, "v", g_variant_dict_end (&dict));
    }
  else
    g_print ("> reset\n< OK (protocol %s)\n", protocol_word (protocol));
  return SCARDCTL_EXIT_OK;
}

int
scardctl_cmd_send (Scardctl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  ScbShareMode share;
  ScbProtocol protocols;
  ScbClientReader *reader;
  Session session = { NULL };
  int status = SCARDCTL_EXIT_OK;

  if (!scardctl_parse (
          ctl, session_entries, "READER APDU...",
          "Send APDUs (hex, spaces allowed inside one argument) to the card in READER\n"
          "and print the answers.",
          &argc, &argv, &status)
      || !parse_session_options (ctl, "send", &share, &protocols, &status))
    return status;
  if (argc < 3)
    return scardctl_usage (ctl, "send", "needs a READER and at least one APDU");
  /* Every APDU is checked before anything is sent. */
  for (int i = 2; i < argc; i++)
    {
      g_autoptr (GBytes) apdu = scardctl_parse_hex (argv[i], &error);

      if (apdu == NULL)
        return scardctl_usage (ctl, "send", error->message);
    }
  reader = scardctl_reader (ctl, argv[1], &status);
  if (reader == NULL)
    return status;
  status = session_open (&session, ctl, reader, share, protocols);
  if (status != SCARDCTL_EXIT_OK)
    return status;
  for (int i = 2; i < argc && status == SCARDCTL_EXIT_OK; i++)
    status = session_transmit (&session, argv[i], &error);
  return session_close (&session, status, error);
}

static ScbClientReader *
first_reader_with_card (Scardctl *ctl, int *status)
{
  g_autoptr (GPtrArray) readers = NULL;
  g_autoptr (GError) error = NULL;
  ScbClient *client = scardctl_client (ctl, status);

  if (client == NULL)
    return NULL;
  readers = scb_client_get_readers (client);
  for (guint i = 0; i < readers->len; i++)
    {
      ScbClientReader *reader = g_ptr_array_index (readers, i);

      if (scb_client_reader_get_state (reader) & SCB_READER_STATE_PRESENT)
        return reader;
    }
  g_set_error (&error, SCB_ERROR, SCB_ERROR_NO_SMARTCARD,
               readers->len == 0 ? "No readers" : "No card in any reader");
  *status = scardctl_fail (ctl, error);
  return NULL;
}

static char *
read_script (const char *file, GError **error)
{
  char *contents = NULL;

  if (g_str_equal (file, "-"))
    {
      g_autoptr (GInputStream) in = g_unix_input_stream_new (0, FALSE);
      g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_NONE, NULL, error) < 0)
        return NULL;
      /* NUL-terminate */
      if (!g_output_stream_write_all (out, "", 1, NULL, NULL, error)
          || !g_output_stream_close (out, NULL, error))
        return NULL;
      return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
    }
  if (!g_file_get_contents (file, &contents, NULL, error))
    return NULL;
  return contents;
}

int
scardctl_cmd_script (Scardctl *ctl, int argc, char **argv)
{
  g_autofree char *reader_spec = NULL;
  GOptionEntry entries[] = { { "reader", 'r', 0, G_OPTION_ARG_STRING, &reader_spec,
                               "The reader (default: the first with a card)", "READER" },
                             { NULL } };
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  ScbShareMode share;
  ScbProtocol protocols;
  ScbClientReader *reader;
  Session session = { NULL };
  int status = SCARDCTL_EXIT_OK;
  GOptionEntry all[G_N_ELEMENTS (entries) + G_N_ELEMENTS (session_entries) - 1];
  gsize n = 0;

  for (gsize i = 0; entries[i].long_name != NULL; i++)
    all[n++] = entries[i];
  for (gsize i = 0; session_entries[i].long_name != NULL; i++)
    all[n++] = session_entries[i];
  all[n] = (GOptionEntry){ NULL };

  if (!scardctl_parse (
          ctl, all, "FILE|-",
          "Run an APDU script in scriptor's format: one APDU in hex per line, \"reset\"\n"
          "to reset the card, \"#\" comments, \"exit\" to stop early. \"-\" reads stdin.",
          &argc, &argv, &status)
      || !parse_session_options (ctl, "script", &share, &protocols, &status))
    return status;
  if (argc != 2)
    return scardctl_usage (ctl, "script", "needs one FILE, or - for stdin");
  contents = read_script (argv[1], &error);
  if (contents == NULL)
    {
      g_printerr ("scardctl script: %s\n", error->message);
      return SCARDCTL_EXIT_USAGE;
    }
  lines = g_strsplit (contents, "\n", -1);
  /* A typo in line 9 should not leave a card half-programmed: check first. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GBytes) apdu = NULL;
      char *line = g_strstrip (lines[i]);
      char *comment = strchr (line, '#');

      if (comment != NULL)
        *comment = '\0';
      g_strstrip (line);
      if (*line == '\0' || g_ascii_strcasecmp (line, "reset") == 0
          || g_ascii_strcasecmp (line, "exit") == 0 || g_ascii_strcasecmp (line, "quit") == 0)
        continue;
      apdu = scardctl_parse_hex (line, &error);
      if (apdu == NULL || g_bytes_get_size (apdu) == 0)
        {
          g_autofree char *message = g_strdup_printf (
              "%s, line %u: %s", argv[1], i + 1, error != NULL ? error->message : "empty APDU");
          return scardctl_usage (ctl, "script", message);
        }
    }

  reader = reader_spec != NULL ? scardctl_reader (ctl, reader_spec, &status)
                               : first_reader_with_card (ctl, &status);
  if (reader == NULL)
    return status;
  status = session_open (&session, ctl, reader, share, protocols);
  if (status != SCARDCTL_EXIT_OK)
    return status;
  for (guint i = 0; lines[i] != NULL && status == SCARDCTL_EXIT_OK; i++)
    {
      const char *line = lines[i];

      if (*line == '\0')
        continue;
      if (g_ascii_strcasecmp (line, "exit") == 0 || g_ascii_strcasecmp (line, "quit") == 0)
        break;
      if (g_ascii_strcasecmp (line, "reset") == 0)
        status = session_reset (&session, &error);
      else
        status = session_transmit (&session, line, &error);
    }
  return session_close (&session, status, error);
}

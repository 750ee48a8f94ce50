/* scardctl-list.c: scardctl list, status and nad
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scardctl.h"

#include <errno.h>
#include <stdlib.h>

int
scardctl_cmd_list (Scardctl *ctl, int argc, char **argv)
{
  gboolean verbose = FALSE;
  GOptionEntry entries[]
      = { { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Show every property", NULL },
          { NULL } };
  g_autoptr (GPtrArray) readers = NULL;
  ScbClient *client;
  int status = SCARDCTL_EXIT_OK;

  if (!scardctl_parse (ctl, entries, "", "List the readers, their state, card and ATR.", &argc,
                       &argv, &status))
    return status;
  if (argc != 1)
    return scardctl_usage (ctl, "list", "takes no arguments");
  client = scardctl_client (ctl, &status);
  if (client == NULL)
    return status;
  readers = scb_client_get_readers (client);

  if (ctl->json)
    {
      GVariantBuilder builder;
      GVariantDict dict;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
      for (guint i = 0; i < readers->len; i++)
        g_variant_builder_add (&builder, "v",
                               scardctl_reader_variant (g_ptr_array_index (readers, i), (gint) i));
      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "version", "s", scb_client_get_version (client));
      g_variant_dict_insert (&dict, "reader_events", "u", scb_client_get_reader_events (client));
      g_variant_dict_insert_value (&dict, "readers", g_variant_builder_end (&builder));
      scardctl_print_json (g_variant_dict_end (&dict));
      return SCARDCTL_EXIT_OK;
    }
  if (readers->len == 0)
    g_print ("No readers.\n");
  for (guint i = 0; i < readers->len; i++)
    scardctl_print_reader (ctl, g_ptr_array_index (readers, i), (gint) i, verbose);
  return SCARDCTL_EXIT_OK;
}

int
scardctl_cmd_status (Scardctl *ctl, int argc, char **argv)
{
  ScbClientReader *reader;
  int status = SCARDCTL_EXIT_OK;

  if (!scardctl_parse (ctl, NULL, "READER", "Show everything about one reader.", &argc, &argv,
                       &status))
    return status;
  if (argc != 2)
    return scardctl_usage (ctl, "status", "needs one READER");
  reader = scardctl_reader (ctl, argv[1], &status);
  if (reader == NULL)
    return status;
  if (ctl->json)
    scardctl_print_json (scardctl_reader_variant (reader, scardctl_reader_index (ctl, reader)));
  else
    scardctl_print_reader (ctl, reader, scardctl_reader_index (ctl, reader), TRUE);
  return SCARDCTL_EXIT_OK;
}

static gboolean
parse_nad (const char *text, guint8 *nad)
{
  char *end = NULL;
  guint64 value;

  errno = 0;
  value = g_ascii_strtoull (text, &end, 0);
  if (errno != 0 || end == text || *end != '\0' || value > 0xff)
    return FALSE;
  *nad = (guint8) value;
  return TRUE;
}

int
scardctl_cmd_nad (Scardctl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  ScbClientReader *reader;
  int status = SCARDCTL_EXIT_OK;
  guint8 nad = 0;

  if (!scardctl_parse (
          ctl, NULL, "READER [VALUE]",
          "Show the T=1 NAD new connections on READER start with, or set it\n"
          "(VALUE: 0 to 255, 0x prefix for hex; needs org.scardbus.SmartCard1.set-nad).",
          &argc, &argv, &status))
    return status;
  if (argc != 2 && argc != 3)
    return scardctl_usage (ctl, "nad", "needs READER and an optional VALUE");
  if (argc == 3 && !parse_nad (argv[2], &nad))
    return scardctl_usage (ctl, "nad", "VALUE is a byte: 0 to 255, or 0x00 to 0xFF");
  reader = scardctl_reader (ctl, argv[1], &status);
  if (reader == NULL)
    return status;
  if (argc == 3)
    {
      if (!scb_client_reader_set_nad_sync (reader, nad, NULL, &error))
        return scardctl_fail (ctl, error);
    }
  else
    nad = scb_client_reader_get_nad (reader);

  if (ctl->json)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "reader", "s", scb_client_reader_get_name (reader));
      g_variant_dict_insert (&dict, "path", "s", scb_client_reader_get_object_path (reader));
      g_variant_dict_insert (&dict, "nad", "u", nad);
      g_variant_dict_insert (&dict, "changed", "b", argc == 3);
      scardctl_print_json (g_variant_dict_end (&dict));
    }
  else
    g_print ("%s: NAD 0x%02X%s\n", scb_client_reader_get_name (reader), nad,
             argc == 3 ? " (set)" : "");
  return SCARDCTL_EXIT_OK;
}

/* scardctl.c: the scardbus command line
 *
 *   scardctl [--json] [--color=auto|always|never] COMMAND [ARG...]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "scardctl.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct
{
  const char *name;
  ScardctlCommand run;
  const char *summary;
} commands[] = {
  { "list", scardctl_cmd_list, "List the readers, their state, card and ATR" },
  { "watch", scardctl_cmd_watch, "Show reader and card events as they happen" },
  { "status", scardctl_cmd_status, "Show everything about one reader" },
  { "send", scardctl_cmd_send, "Send APDUs to the card in a reader" },
  { "script", scardctl_cmd_script, "Run an APDU script (scriptor's format)" },
  { "verify-pin", scardctl_cmd_verify_pin, "Verify a PIN typed on a reader's PIN pad" },
  { "change-pin", scardctl_cmd_change_pin, "Change a PIN on a reader's PIN pad" },
  { "atr", scardctl_cmd_atr, "Decode an ATR, given or read from a reader" },
  { "nad", scardctl_cmd_nad, "Show or set a reader's default T=1 NAD" },
};

static char *color_option;

static gboolean
want_color (const char *when)
{
  const char *term = g_getenv ("TERM");

  if (g_strcmp0 (when, "always") == 0)
    return TRUE;
  if (g_strcmp0 (when, "never") == 0)
    return FALSE;
  /* auto: only on a terminal, and not when NO_COLOR asks (no-color.org) */
  return isatty (STDOUT_FILENO) && g_getenv ("NO_COLOR") == NULL && term != NULL
         && !g_str_equal (term, "dumb");
}

static gboolean
check_color_option (Scardctl *ctl, int *status)
{
  if (color_option != NULL && !g_str_equal (color_option, "auto")
      && !g_str_equal (color_option, "always") && !g_str_equal (color_option, "never"))
    {
      *status = scardctl_usage (ctl, NULL, "--color takes auto, always or never");
      return FALSE;
    }
  ctl->color = !ctl->json && want_color (color_option);
  return TRUE;
}

ScbClient *
scardctl_client (Scardctl *ctl, int *status)
{
  g_autoptr (GError) error = NULL;

  if (ctl->client == NULL)
    ctl->client = scb_client_new_sync (NULL, &error);
  if (ctl->client == NULL)
    *status = scardctl_fail (ctl, error);
  return ctl->client;
}

ScbClientReader *
scardctl_reader (Scardctl *ctl, const char *spec, int *status)
{
  g_autoptr (GError) error = NULL;
  ScbClient *client = scardctl_client (ctl, status);
  ScbClientReader *reader;

  if (client == NULL)
    return NULL;
  reader = scb_client_lookup_reader (client, spec, &error);
  if (reader == NULL)
    *status = scardctl_fail (ctl, error);
  return reader;
}

static int
exit_status_for (const GError *error)
{
  if (error->domain == SCB_ERROR)
    {
      switch (error->code)
        {
        case SCB_ERROR_NO_SERVICE:
          return SCARDCTL_EXIT_NO_SERVICE;
        case SCB_ERROR_UNKNOWN_READER:
          return SCARDCTL_EXIT_UNKNOWN_READER;
        case SCB_ERROR_PERMISSION_DENIED:
          return SCARDCTL_EXIT_DENIED;
        case SCB_ERROR_NO_SMARTCARD:
        case SCB_ERROR_REMOVED_CARD:
          return SCARDCTL_EXIT_NO_CARD;
        case SCB_ERROR_INVALID_PARAMETER:
          return SCARDCTL_EXIT_USAGE;
        default:
          return SCARDCTL_EXIT_FAILED;
        }
    }
  return SCARDCTL_EXIT_FAILED;
}

static const char *
hint_for (const GError *error)
{
  if (g_error_matches (error, SCB_ERROR, SCB_ERROR_UNKNOWN_READER))
    return "\"scardctl list\" shows the readers";
  if (exit_status_for (error) == SCARDCTL_EXIT_NO_SERVICE)
    return "is scardbusd running? \"systemctl status scardbus\" tells";
  if (g_error_matches (error, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED))
    return "the polkit policy of org.scardbus.SmartCard1 does not allow this to you";
  return NULL;
}

int
scardctl_fail (Scardctl *ctl, const GError *error)
{
  int status = exit_status_for (error);
  const char *hint = hint_for (error);
  const char *name = NULL;

  if (error->domain == SCB_ERROR)
    {
      GEnumClass *klass = g_type_class_ref (SCB_TYPE_ERROR);
      GEnumValue *value = g_enum_get_value (klass, error->code);

      name = value != NULL ? value->value_nick : NULL;
      g_type_class_unref (klass);
    }
  if (ctl->json)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "error", "s", error->message);
      g_variant_dict_insert (&dict, "error_name", "ms", name);
      g_variant_dict_insert (&dict, "exit_status", "i", status);
      scardctl_print_json (g_variant_dict_end (&dict));
    }
  g_printerr ("scardctl: %s\n", error->message);
  if (hint != NULL)
    g_printerr ("scardctl: hint: %s\n", hint);
  return status;
}

int
scardctl_usage (Scardctl *ctl, const char *command, const char *message)
{
  const char *space = command != NULL ? " " : "";

  if (command == NULL)
    command = "";
  g_printerr ("scardctl%s%s: %s\nTry \"scardctl%s%s --help\".\n", space, command, message, space,
              command);
  return SCARDCTL_EXIT_USAGE;
}

gboolean
scardctl_parse (Scardctl *ctl, GOptionEntry *entries, const char *parameters, const char *summary,
                int *argc, char ***argv, int *status)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *full = g_strdup_printf ("%s %s", (*argv)[0], parameters);
  GOptionEntry common[] = { { "json", 'j', 0, G_OPTION_ARG_NONE, &ctl->json, "Print JSON", NULL },
                            { "color", 0, 0, G_OPTION_ARG_STRING, &color_option,
                              "Colours: auto, always, never", "WHEN" },
                            { NULL } };

  context = g_option_context_new (full);
  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, common, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *status = scardctl_usage (ctl, (*argv)[0], error->message);
      return FALSE;
    }
  /* GOption leaves argv[0]; the command's parameters follow. */
  return check_color_option (ctl, status);
}

static void
print_help (void)
{
  g_print ("Usage: scardctl [--json] [--color=auto|always|never] COMMAND [ARG...]\n\n"
           "Talks to scardbusd, the smart-card service, on the system bus.\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  %-8s %s\n", commands[i].name, commands[i].summary);
  g_print ("\nREADER is a reader's index in \"scardctl list\", its name (or the start of\n"
           "one name), or its object path. \"scardctl COMMAND --help\" tells more.\n"
           "Exit status: 0 success, 1 failure, 2 usage, 3 no service, 4 unknown reader,\n"
           "5 permission denied, 6 no card.\n");
}

int
main (int argc, char **argv)
{
  Scardctl ctl = { FALSE, FALSE, NULL };
  int first = 1;
  int status = SCARDCTL_EXIT_OK;

  setlocale (LC_ALL, "");
  g_set_prgname ("scardctl");
  /* Global options come before the command. */
  for (; first < argc && argv[first][0] == '-'; first++)
    {
      if (g_str_equal (argv[first], "--json") || g_str_equal (argv[first], "-j"))
        ctl.json = TRUE;
      else if (g_str_has_prefix (argv[first], "--color="))
        color_option = g_strdup (argv[first] + strlen ("--color="));
      else if (g_str_equal (argv[first], "--help") || g_str_equal (argv[first], "-h"))
        {
          print_help ();
          return SCARDCTL_EXIT_OK;
        }
      else if (g_str_equal (argv[first], "--version"))
        {
          g_print ("scardctl %s\n", PACKAGE_VERSION);
          return SCARDCTL_EXIT_OK;
        }
      else
        return scardctl_usage (&ctl, NULL, "unknown option before the command");
    }
  if (first >= argc)
    {
      print_help ();
      return SCARDCTL_EXIT_USAGE;
    }
  if (!check_color_option (&ctl, &status))
    return status;

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (argv[first], commands[i].name))
        {
          status = commands[i].run (&ctl, argc - first, argv + first);
          g_clear_object (&ctl.client);
          g_free (color_option);
          return status;
        }
    }
  {
    g_autofree char *message = g_strdup_printf ("unknown command “%s”", argv[first]);

    return scardctl_usage (&ctl, NULL, message);
  }
}

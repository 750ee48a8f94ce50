/* scardctl-watch.c: scardctl watch, events as they happen
 *
 * Like pcsc_scan: the readers as they are, then one line per event with its
 * time and its event number (the reader counter for readers, the reader's
 * card counter for cards). The client subscribes before it reads the
 * snapshot, so nothing falls between the two. Ctrl-C ends it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scardctl.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

typedef struct
{
  Scardctl *ctl;
  GMainLoop *loop;
  gint64 count; /* events to show before exiting; 0: no limit */
  gint64 seen;
  guint n_readers; /* for the snapshot's first line */
} Watch;

static void
emit (Watch *watch, const char *event, ScbClientReader *reader, guint32 number, GBytes *atr)
{
  Scardctl *ctl = watch->ctl;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *atr_hex = atr != NULL ? scardctl_hex (atr, ctl->json ? "" : " ") : NULL;

  if (ctl->json)
    {
      g_autofree char *time = g_date_time_format_iso8601 (now);
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "time", "s", time);
      g_variant_dict_insert (&dict, "event", "s", event);
      if (reader != NULL)
        {
          g_variant_dict_insert (&dict, "reader", "s", scb_client_reader_get_name (reader));
          g_variant_dict_insert (&dict, "path", "s", scb_client_reader_get_object_path (reader));
          g_variant_dict_insert_value (
              &dict, "state", scardctl_state_variant (scb_client_reader_get_state (reader)));
        }
      g_variant_dict_insert (&dict, "number", "u", number);
      if (g_str_equal (event, "readers"))
        g_variant_dict_insert (&dict, "count", "u", watch->n_readers);
      if (atr_hex != NULL && atr_hex[0] != '\0')
        g_variant_dict_insert (&dict, "atr", "s", atr_hex);
      scardctl_print_json (g_variant_dict_end (&dict));
    }
  else
    {
      g_autofree char *clock = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
      const char *color = g_str_has_suffix (event, "inserted") || g_str_has_suffix (event, "added")
                              ? "green"
                          : g_str_has_suffix (event, "present") ? "cyan"
                                                                : "yellow";

      g_print ("%s.%03d  %s#%-5u%s %s%-15s%s", clock, g_date_time_get_microsecond (now) / 1000,
               scardctl_sgr (ctl, "dim"), number, scardctl_sgr (ctl, "reset"),
               scardctl_sgr (ctl, color), event, scardctl_sgr (ctl, "reset"));
      if (reader != NULL)
        g_print (" %s%s%s", scardctl_sgr (ctl, "bold"), scb_client_reader_get_name (reader),
                 scardctl_sgr (ctl, "reset"));
      else if (g_str_equal (event, "readers"))
        g_print (" %u reader%s", watch->n_readers, watch->n_readers == 1 ? "" : "s");
      if (atr_hex != NULL && atr_hex[0] != '\0')
        g_print ("  ATR %s", atr_hex);
      g_print ("\n");
      fflush (stdout);
    }
}

static void
count_event (Watch *watch)
{
  watch->seen++;
  if (watch->count > 0 && watch->seen >= watch->count)
    g_main_loop_quit (watch->loop);
}

static void
on_reader_added (ScbClient *client, ScbClientReader *reader, gpointer user_data)
{
  emit (user_data, "reader-added", reader, scb_client_get_reader_events (client), NULL);
  count_event (user_data);
}

static void
on_reader_removed (ScbClient *client, ScbClientReader *reader, gpointer user_data)
{
  emit (user_data, "reader-removed", reader, scb_client_get_reader_events (client), NULL);
  count_event (user_data);
}

static void
on_card_inserted (ScbClient *client, ScbClientReader *reader, ScbClientCard *card,
                  gpointer user_data)
{
  emit (user_data, "card-inserted", reader, scb_client_card_get_inserted_event (card),
        scb_client_card_get_atr (card));
  count_event (user_data);
}

static void
on_card_removed (ScbClient *client, ScbClientReader *reader, ScbClientCard *card,
                 gpointer user_data)
{
  emit (user_data, "card-removed", reader, scb_client_reader_get_card_events (reader), NULL);
  count_event (user_data);
}

static void
on_service_running (ScbClient *client, GParamSpec *pspec, gpointer user_data)
{
  gboolean running = scb_client_get_service_running (client);

  emit (user_data, running ? "service-started" : "service-stopped", NULL,
        scb_client_get_reader_events (client), NULL);
  count_event (user_data);
}

static gboolean
on_signal (gpointer user_data)
{
  Watch *watch = user_data;

  g_main_loop_quit (watch->loop);
  return G_SOURCE_CONTINUE;
}

int
scardctl_cmd_watch (Scardctl *ctl, int argc, char **argv)
{
  gint count = 0;
  GOptionEntry entries[]
      = { { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Exit after N events", "N" }, { NULL } };
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GPtrArray) readers = NULL;
  ScbClient *client;
  Watch watch = { ctl, NULL, 0, 0, 0 };
  int status = SCARDCTL_EXIT_OK;
  guint sigint, sigterm;

  if (!scardctl_parse (ctl, entries, "",
                       "Show reader and card events as they happen, with their time and event\n"
                       "number, until Ctrl-C.",
                       &argc, &argv, &status))
    return status;
  if (argc != 1 || count < 0)
    return scardctl_usage (ctl, "watch", "takes no arguments, and --count a positive number");
  client = scardctl_client (ctl, &status);
  if (client == NULL)
    return status;

  loop = g_main_loop_new (NULL, FALSE);
  watch.loop = loop;
  watch.count = count;
  g_signal_connect (client, "reader-added", G_CALLBACK (on_reader_added), &watch);
  g_signal_connect (client, "reader-removed", G_CALLBACK (on_reader_removed), &watch);
  g_signal_connect (client, "card-inserted", G_CALLBACK (on_card_inserted), &watch);
  g_signal_connect (client, "card-removed", G_CALLBACK (on_card_removed), &watch);
  g_signal_connect (client, "notify::service-running", G_CALLBACK (on_service_running), &watch);
  sigint = g_unix_signal_add (SIGINT, on_signal, &watch);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &watch);

  /* The snapshot, as pcsc_scan starts. */
  readers = scb_client_get_readers (client);
  watch.n_readers = readers->len;
  emit (&watch, "readers", NULL, scb_client_get_reader_events (client), NULL);
  for (guint i = 0; i < readers->len; i++)
    {
      ScbClientReader *reader = g_ptr_array_index (readers, i);
      gboolean present = (scb_client_reader_get_state (reader) & SCB_READER_STATE_PRESENT) != 0;

      emit (&watch, present ? "card-present" : "reader-empty", reader,
            scb_client_reader_get_card_events (reader),
            present ? scb_client_reader_get_atr (reader) : NULL);
    }
  if (!ctl->json)
    {
      g_print ("Waiting for events (Ctrl-C to stop)\n");
      fflush (stdout);
    }

  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_signal_handlers_disconnect_by_data (client, &watch);
  return SCARDCTL_EXIT_OK;
}

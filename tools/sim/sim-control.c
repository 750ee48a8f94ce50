/* sim-control.c: the `ctl` socket of a running scardbus-sim
 *
 * Protocol: one connection per command. The client sends one line, the
 * words of the command separated by spaces, ending in "\n"; the sim answers
 * one line, "ok" or "ok PAYLOAD" (a plug's index, stats' JSON) or
 * "error MESSAGE", and closes. Each command answers once its event reached
 * the host: a NotifySlotChange or HardwareError reaped from the interrupt
 * endpoint, a uevent sent.
 *
 *   plug MODEL[:CARD[,CARD...]]   -> ok N   (MODEL: a name or @FILE[#ENTRY])
 *   unplug N
 *   insert N[.S] [CARD]           (default t1)
 *   remove N[.S]
 *   fault N[.S] KIND [COUNT [AFTER]]   (default 1, 0)
 *   stats N[.S]                   -> ok {JSON}
 *   keypad N ENTRY...             (DIGITS or cancel: what the user types next)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-control.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#define MAX_LINE 1024

struct _SimControl
{
  SimBed *bed;
  GSocketService *service;
  char *path;
};

gboolean
sim_parse_reader_spec (const char *spec, const SimModel **model,
                       SimCardKind cards[SIM_CONTROL_MAX_CARDS], guint *n_cards, GError **error)
{
  g_auto (GStrv) parts = NULL;
  g_autofree char *names = NULL;

  *model = NULL;
  if (spec[0] == '@')
    {
      /* @FILE[#ENTRY][:CARD,...]: the cards after the first ':' of the
       * file name's last component */
      const char *slash = strrchr (spec, '/');
      const char *colon = strchr (slash != NULL ? slash : spec, ':');

      parts = g_new0 (char *, 3);
      parts[0]
          = colon != NULL ? g_strndup (spec + 1, (gsize) (colon - spec - 1)) : g_strdup (spec + 1);
      parts[1] = colon != NULL ? g_strdup (colon + 1) : NULL;
      *model = sim_model_load (parts[0], error);
      if (*model == NULL)
        return FALSE;
    }
  else
    parts = g_strsplit (spec, ":", 2);
  if (*model == NULL && (*model = sim_model_lookup (parts[0])) == NULL)
    {
      names = sim_model_list ();
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "unknown reader model \"%s\" (one of %s)", parts[0], names);
      return FALSE;
    }
  *n_cards = 0;
  if (parts[1] == NULL)
    {
      cards[(*n_cards)++] = SIM_CARD_T1;
      return TRUE;
    }
  {
    g_auto (GStrv) list = g_strsplit (parts[1], ",", -1);

    if (g_strv_length (list) > (*model)->n_slots)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "reader model %s has %u slot(s)", (*model)->name, (*model)->n_slots);
        return FALSE;
      }
    for (guint i = 0; list[i] != NULL; i++)
      {
        if (g_strcmp0 (list[i], "none") == 0)
          cards[(*n_cards)++] = SIM_CARD_N;
        else if (!sim_card_kind_from_string (list[i], &cards[(*n_cards)++]))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "unknown card \"%s\" (t1, t0, mep, mute or none)", list[i]);
            return FALSE;
          }
      }
  }
  return TRUE;
}

static gboolean
parse_uint (const char *text, guint max, guint *value, GError **error)
{
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "expected a number, got \"%s\"",
                   text != NULL ? text : "");
      return FALSE;
    }
  *value = (guint) v;
  return TRUE;
}

/* "N" or "N.S" */
static gboolean
parse_target (const char *text, guint *index, guint *slot, GError **error)
{
  g_auto (GStrv) parts = NULL;

  if (text == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "missing reader index N[.S]");
      return FALSE;
    }
  parts = g_strsplit (text, ".", 2);
  *slot = 0;
  return parse_uint (parts[0], G_MAXINT, index, error)
         && (parts[1] == NULL || parse_uint (parts[1], 255, slot, error));
}

/* ---- plug and unplug run on the main thread ----------------------------- */

typedef struct
{
  SimBed *bed;
  const SimModel *model; /* NULL: unplug */
  SimCardKind cards[SIM_CONTROL_MAX_CARDS];
  guint n_cards;
  guint index;
  gint result;
  GError *error;
  gboolean done;
  GMutex lock;
  GCond cond;
} MainCall;

static gboolean
main_call_run (gpointer data)
{
  MainCall *call = data;

  if (call->model != NULL)
    call->result = sim_bed_plug (call->bed, call->model, call->cards, call->n_cards, &call->error);
  else
    call->result = sim_bed_unplug (call->bed, call->index, &call->error) ? 0 : -1;
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

static gint
run_on_main (MainCall *call, GError **error)
{
  g_mutex_init (&call->lock);
  g_cond_init (&call->cond);
  g_main_context_invoke (NULL, main_call_run, call);
  g_mutex_lock (&call->lock);
  while (!call->done)
    g_cond_wait (&call->cond, &call->lock);
  g_mutex_unlock (&call->lock);
  g_mutex_clear (&call->lock);
  g_cond_clear (&call->cond);
  if (call->error != NULL)
    g_propagate_error (error, call->error);
  return call->result;
}

/* ---- commands ----------------------------------------------------------- */

static char *
execute (SimBed *bed, char **argv, GError **error)
{
  guint argc = g_strv_length (argv);
  const char *cmd = argc > 0 ? argv[0] : "";
  guint index = 0, slot = 0;

  if (g_str_equal (cmd, "plug") && argc == 2)
    {
      MainCall call = { .bed = bed };
      gint n;

      if (!sim_parse_reader_spec (argv[1], &call.model, call.cards, &call.n_cards, error))
        return NULL;
      n = run_on_main (&call, error);
      return n < 0 ? NULL : g_strdup_printf ("%d", n);
    }
  if (g_str_equal (cmd, "unplug") && argc == 2)
    {
      MainCall call = { .bed = bed };

      if (!parse_uint (argv[1], G_MAXINT, &call.index, error))
        return NULL;
      return run_on_main (&call, error) < 0 ? NULL : g_strdup ("");
    }
  if (g_str_equal (cmd, "insert") && (argc == 2 || argc == 3))
    {
      SimCardKind kind = SIM_CARD_T1;

      if (!parse_target (argv[1], &index, &slot, error))
        return NULL;
      if (argc == 3 && !sim_card_kind_from_string (argv[2], &kind))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "unknown card \"%s\" (t1, t0, mep or mute)", argv[2]);
          return NULL;
        }
      return sim_bed_insert (bed, index, slot, kind, error) ? g_strdup ("") : NULL;
    }
  if (g_str_equal (cmd, "remove") && argc == 2)
    {
      if (!parse_target (argv[1], &index, &slot, error))
        return NULL;
      return sim_bed_remove (bed, index, slot, error) ? g_strdup ("") : NULL;
    }
  if (g_str_equal (cmd, "fault") && argc >= 3 && argc <= 5)
    {
      SimFault fault;
      guint count = 1;
      guint after = 0;

      if (!parse_target (argv[1], &index, &slot, error))
        return NULL;
      if (!sim_fault_from_string (argv[2], &fault))
        {
          g_autofree char *names = sim_fault_list ();

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown fault \"%s\" (%s)",
                       argv[2], names);
          return NULL;
        }
      if (argc >= 4 && !parse_uint (argv[3], 1000000, &count, error))
        return NULL;
      if (argc == 5 && !parse_uint (argv[4], 1000000, &after, error))
        return NULL;
      return sim_bed_fault_later (bed, index, slot, fault, count, after, error) ? g_strdup ("")
                                                                                : NULL;
    }
  if (g_str_equal (cmd, "keypad") && argc >= 3)
    {
      if (!parse_uint (argv[1], G_MAXINT, &index, error))
        return NULL;
      return sim_bed_keypad (bed, index, (const char *const *) argv + 2, error) ? g_strdup ("")
                                                                                : NULL;
    }
  if (g_str_equal (cmd, "stats") && argc == 2)
    {
      if (!parse_target (argv[1], &index, &slot, error))
        return NULL;
      return sim_bed_stats (bed, index, slot, error);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "usage: plug MODEL[:CARD] | unplug N | insert N[.S] [CARD] | remove N[.S] | "
               "fault N[.S] KIND [COUNT [AFTER]] | stats N[.S] | keypad N DIGITS|cancel...");
  return NULL;
}

static gboolean
on_run (GThreadedSocketService *service, GSocketConnection *connection, GObject *source,
        gpointer user_data)
{
  SimControl *self = user_data;
  g_autoptr (GDataInputStream) in
      = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *reply = NULL;
  gsize length = 0;

  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (in), MAX_LINE);
  line = g_data_input_stream_read_line (in, &length, NULL, &error);
  if (line != NULL && (length >= MAX_LINE || !g_utf8_validate (line, -1, NULL)))
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "command too long or not UTF-8");
  else if (line != NULL)
    {
      g_auto (GStrv) argv = g_strsplit_set (g_strstrip (line), " \t", -1);
      g_autoptr (GPtrArray) words = g_ptr_array_new ();

      for (guint i = 0; argv[i] != NULL; i++)
        if (argv[i][0] != '\0')
          g_ptr_array_add (words, argv[i]);
      g_ptr_array_add (words, NULL);
      payload = execute (self->bed, (char **) words->pdata, &error);
    }
  else if (error == NULL)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "empty command");

  if (payload != NULL)
    reply = g_strdup_printf ("ok%s%s\n", payload[0] ? " " : "", payload);
  else
    reply = g_strdup_printf ("error %s\n", error->message);
  g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
  return TRUE;
}

SimControl *
sim_control_new (SimBed *bed, const char *path, GError **error)
{
  g_autoptr (SimControl) self = g_new0 (SimControl, 1);
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (path);

  self->bed = bed;
  self->path = g_strdup (path);
  self->service = g_threaded_socket_service_new (4);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                      error))
    return NULL;
  g_signal_connect (self->service, "run", G_CALLBACK (on_run), self);
  g_socket_service_start (self->service);
  return g_steal_pointer (&self);
}

void
sim_control_stop (SimControl *self)
{
  if (self->service == NULL)
    return;
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
}

void
sim_control_free (SimControl *self)
{
  if (self == NULL)
    return;
  if (self->service != NULL)
    {
      sim_control_stop (self);
      g_clear_object (&self->service); /* waits for the commands running */
    }
  if (self->path != NULL)
    g_unlink (self->path);
  g_free (self->path);
  g_free (self);
}

int
sim_control_client (int argc, char **argv)
{
  const char *path = g_getenv ("SCARDBUS_SIM_CONTROL");
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *request = NULL;
  g_autofree char *reply = NULL;

  if (path == NULL || path[0] == '\0')
    {
      g_printerr ("scardbus-sim ctl: SCARDBUS_SIM_CONTROL is not set\n");
      return 2;
    }
  if (argc < 1)
    {
      g_printerr ("usage: scardbus-sim ctl CMD [ARG...]\n");
      return 2;
    }
  /* the sim reads a reader's file from its own working directory */
  if (argc == 2 && g_str_equal (argv[0], "plug") && argv[1][0] == '@' && argv[1][1] != '/')
    {
      g_autofree char *cwd = g_get_current_dir ();
      g_autofree char *absolute = g_strdup_printf ("@%s/%s", cwd, argv[1] + 1);
      char *args[] = { argv[0], absolute, NULL };

      request = g_strjoinv (" ", args);
    }
  else
    request = g_strjoinv (" ", argv);
  if (strchr (request, '\n') != NULL || strlen (request) >= MAX_LINE)
    {
      g_printerr ("scardbus-sim ctl: command too long\n");
      return 2;
    }
  address = g_unix_socket_address_new (path);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  if (connection == NULL)
    {
      g_printerr ("scardbus-sim ctl: %s: %s\n", path, error->message);
      return 1;
    }
  {
    g_autofree char *line = g_strconcat (request, "\n", NULL);
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

    if (!g_output_stream_write_all (out, line, strlen (line), NULL, NULL, &error))
      {
        g_printerr ("scardbus-sim ctl: %s\n", error->message);
        return 1;
      }
  }
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  reply = g_data_input_stream_read_line (in, NULL, NULL, &error);
  if (reply == NULL)
    {
      g_printerr ("scardbus-sim ctl: no answer%s%s\n", error ? ": " : "",
                  error ? error->message : "");
      return 1;
    }
  if (g_str_equal (reply, "ok"))
    return 0;
  if (g_str_has_prefix (reply, "ok "))
    {
      printf ("%s\n", reply + 3);
      return 0;
    }
  g_printerr ("scardbus-sim ctl: %s\n", g_str_has_prefix (reply, "error ") ? reply + 6 : reply);
  return 1;
}

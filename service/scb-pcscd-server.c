/* scb-pcscd-server.c: pcscd's socket, served
 *
 * The listening socket, one ScbPcscdClient per connection, their input and
 * output, and what the clients share: contexts (SCardCancel reaches
 * another client's) and the reader-state array. A client is read only
 * while it has no request in progress and nothing left to send, as pcscd's
 * one thread per client reads, answers, then reads again: its input is at
 * most one request, its output one answer and one event signal, whatever
 * it sends or fails to read. Commands are in scb-pcscd-session.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-limits.h"
#include "scb-pcscd-private.h"
#include "scb-reader.h"
#include "scb-session.h"

#include <PCSC/pcsclite.h>
#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* systemd's sd_listen_fds(): the first passed descriptor. */
#define LISTEN_FDS_START 3
#define READ_CHUNK 16384

struct _ScbPcscdServer
{
  GObject parent_instance;
  ScbManager *manager;
  ScbLimits *limits;
  guint max_clients;
  guint max_clients_per_user;
  GSocket *listener;
  GSource *accept_source;
  char *made_path;      /* the socket we bound, removed at stop */
  GHashTable *clients;  /* ScbPcscdClient, owned */
  GHashTable *contexts; /* hContext -> ScbPcscdClient */
  GHashTable *per_uid;  /* uid -> clients */
  guint next_id;
  gulong changed_id;
  ScbRateLog refusals;
  ScbRateLog left_out;
};

G_DEFINE_TYPE (ScbPcscdServer, scb_pcscd_server, G_TYPE_OBJECT)

/* ---- clients ------------------------------------------------------------- */

ScbPcscdClient *
scb_pcscd_client_ref (ScbPcscdClient *client)
{
  g_ref_count_inc (&client->refcount);
  return client;
}

void
scb_pcscd_client_unref (ScbPcscdClient *client)
{
  if (!g_ref_count_dec (&client->refcount))
    return;
  g_clear_pointer (&client->cards, g_hash_table_unref);
  g_clear_object (&client->socket);
  g_byte_array_unref (client->in);
  g_byte_array_unref (client->out);
  scb_pcscd_peer_clear (&client->cred);
  g_clear_pointer (&client->peer, scb_peer_unref);
  g_free (client->owner);
  g_free (client);
}

static void update_events (ScbPcscdClient *client);
static void process_input (ScbPcscdClient *client);

static gboolean
flush_output (ScbPcscdClient *client)
{
  while (client->out->len > 0)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_send_with_blocking (client->socket, (const char *) client->out->data,
                                              client->out->len, FALSE, NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return TRUE;
          scb_pcscd_client_close (client, error->message);
          return FALSE;
        }
      g_byte_array_remove_range (client->out, 0, (guint) n);
    }
  return TRUE;
}

void
scb_pcscd_client_send (ScbPcscdClient *client, const guint8 *data, gsize len)
{
  if (client->closed)
    return;
  g_byte_array_append (client->out, data, (guint) len);
  if (flush_output (client))
    update_events (client);
}

void
scb_pcscd_client_reply (ScbPcscdClient *client, const ScbPcscdMessage *msg, const guint8 *data,
                        gsize len)
{
  g_autoptr (GByteArray) reply = g_byte_array_new ();

  scb_pcscd_reply_encode (msg, reply);
  if (len > 0)
    g_byte_array_append (reply, data, (guint) len);
  scb_pcscd_client_send (client, reply->data, reply->len);
}

void
scb_pcscd_client_done (ScbPcscdClient *client)
{
  client->busy = FALSE;
  if (client->closed)
    return;
  process_input (client);
  update_events (client);
}

void
scb_pcscd_client_close (ScbPcscdClient *client, const char *why)
{
  ScbPcscdServer *self = client->server;
  guint count;

  if (client->closed)
    return;
  client->closed = TRUE;
  g_debug ("pcscd client %u (pid %d, uid %u) leaves: %s", client->id, client->cred.pid,
           client->cred.uid, why);
  if (client->context != 0)
    scb_pcscd_server_remove_context (self, client->context);
  scb_pcscd_session_release (client);
  if (client->source != NULL)
    {
      g_source_destroy (client->source);
      g_clear_pointer (&client->source, g_source_unref);
    }
  g_socket_close (client->socket, NULL);
  count
      = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_uid, GUINT_TO_POINTER (client->cred.uid)));
  if (count <= 1)
    g_hash_table_remove (self->per_uid, GUINT_TO_POINTER (client->cred.uid));
  else
    g_hash_table_insert (self->per_uid, GUINT_TO_POINTER (client->cred.uid),
                         GUINT_TO_POINTER (count - 1));
  /* Everything it still holds or waits for ends with its account. */
  scb_limits_forget (self->limits, client->owner);
  g_hash_table_remove (self->clients, GUINT_TO_POINTER (client->id));
}

/* Reads what may be read: never more than one request ahead. */
static gboolean
read_input (ScbPcscdClient *client)
{
  g_autoptr (GError) error = NULL;
  guint old = client->in->len;
  gssize n;

  g_byte_array_set_size (client->in, old + READ_CHUNK);
  n = g_socket_receive_with_blocking (client->socket, (char *) client->in->data + old, READ_CHUNK,
                                      FALSE, NULL, &error);
  g_byte_array_set_size (client->in, old + (n > 0 ? (guint) n : 0));
  if (n == 0)
    {
      scb_pcscd_client_close (client, "the client closed the socket");
      return FALSE;
    }
  if (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      scb_pcscd_client_close (client, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
process_input (ScbPcscdClient *client)
{
  g_autoptr (ScbPcscdClient) ref = NULL;

  if (client->processing)
    return;
  ref = scb_pcscd_client_ref (client);
  client->processing = TRUE;
  while (!client->closed && !client->busy && client->out->len == 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) data = NULL;
      ScbPcscdMessage msg;
      const guint8 *extra = NULL;
      gsize consumed = 0;

      if (!scb_pcscd_request_decode (client->in->data, client->in->len, client->minor, &msg, &extra,
                                     &consumed, &error))
        {
          scb_pcscd_client_close (client, error->message);
          break;
        }
      if (consumed == 0)
        break;
      data = g_bytes_new (extra, msg.send_length);
      g_byte_array_remove_range (client->in, 0, (guint) consumed);
      client->busy = TRUE;
      g_debug ("pcscd client %u: %s", client->id, scb_pcscd_command_name (msg.command));
      scb_pcscd_session_handle (client, &msg, data);
    }
  client->processing = FALSE;
}

static void
update_events (ScbPcscdClient *client)
{
  GIOCondition events = 0;

  if (client->closed || client->fd_tag == NULL)
    return;
  if (client->out->len > 0)
    events |= G_IO_OUT;
  else if (!client->busy && client->in->len < SCB_PCSCD_MAX_REQUEST)
    events |= G_IO_IN;
  g_source_modify_unix_fd (client->source, client->fd_tag, events);
}

static gboolean
client_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  ScbPcscdClient *client = user_data;
  g_autoptr (ScbPcscdClient) ref = NULL;
  GIOCondition revents = g_source_query_unix_fd (source, client->fd_tag);

  ref = scb_pcscd_client_ref (client);
  if (revents & G_IO_OUT)
    flush_output (client);
  if (!client->closed && (revents & G_IO_IN) && read_input (client))
    process_input (client);
  else if (!client->closed && (revents & (G_IO_HUP | G_IO_ERR)))
    scb_pcscd_client_close (client, "the socket hung up");
  update_events (client);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs client_source_funcs = { .dispatch = client_source_dispatch };

static gboolean
client_source_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
client_free_from_table (gpointer data)
{
  scb_pcscd_client_unref (data);
}

/* ---- accepting ------------------------------------------------------------ */

static void
accept_client (ScbPcscdServer *self, GSocket *socket)
{
  g_autoptr (GError) error = NULL;
  ScbPcscdClient *client;
  guint per_uid;

  client = g_new0 (ScbPcscdClient, 1);
  g_ref_count_init (&client->refcount);
  client->server = self;
  client->socket = g_object_ref (socket);
  client->in = g_byte_array_new ();
  client->out = g_byte_array_new ();
  client->minor = SCB_PCSCD_MINOR_OLDEST;
  client->cards = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  if (!scb_pcscd_peer_read (g_socket_get_fd (socket), &client->cred, &error))
    {
      g_warning ("pcscd socket: %s", error->message);
      g_socket_close (socket, NULL);
      scb_pcscd_client_unref (client);
      return;
    }
  per_uid
      = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_uid, GUINT_TO_POINTER (client->cred.uid)));
  /* pcscd closes a client past its limit of contexts at once. */
  if (g_hash_table_size (self->clients) >= self->max_clients
      || per_uid >= self->max_clients_per_user)
    {
      scb_rate_log (&self->refusals, G_LOG_LEVEL_WARNING, "pcscd socket clients refused",
                    "pcscd socket: refused pid %d (uid %u): %s", client->cred.pid, client->cred.uid,
                    per_uid >= self->max_clients_per_user
                        ? "MaxPcscClientsPerUser reached ([Clients] in scardbusd.conf)"
                        : "MaxPcscClients reached ([Clients] in scardbusd.conf)");
      g_socket_close (socket, NULL);
      scb_pcscd_client_unref (client);
      return;
    }
  g_hash_table_insert (self->per_uid, GUINT_TO_POINTER (client->cred.uid),
                       GUINT_TO_POINTER (per_uid + 1));
  client->id = ++self->next_id;
  client->owner = g_strdup_printf ("pcscd:%u", client->id);
  client->peer = scb_limits_get_peer (self->limits, client->owner);
  scb_peer_set_uid (client->peer, client->cred.uid);
  {
    g_autoptr (PolkitSubject) subject = scb_pcscd_peer_subject (&client->cred);
    g_autoptr (PolkitDetails) details = scb_pcscd_peer_details (&client->cred);

    /* The bouncer asks polkit about its process, not a bus name. */
    scb_peer_set_subject (client->peer, subject);
    scb_peer_set_details (client->peer, (GObject *) details);
  }
  g_socket_set_blocking (socket, FALSE);
  client->source = g_source_new (&client_source_funcs, sizeof (GSource));
  g_source_set_callback (client->source, client_source_cb, client, NULL);
  g_source_set_static_name (client->source, "scardbus pcscd client");
  client->fd_tag = g_source_add_unix_fd (client->source, g_socket_get_fd (socket), G_IO_IN);
  g_source_attach (client->source, NULL);
  g_hash_table_insert (self->clients, GUINT_TO_POINTER (client->id), client);
  g_debug ("pcscd client %u: pid %d, uid %u%s%s", client->id, client->cred.pid, client->cred.uid,
           client->cred.flatpak_app != NULL ? ", Flatpak app " : "",
           client->cred.flatpak_app != NULL ? client->cred.flatpak_app : "");
}

static gboolean
on_incoming (GSocket *listener, GIOCondition condition, gpointer user_data)
{
  ScbPcscdServer *self = user_data;

  /* A burst is taken in one go, the refusals included. */
  for (guint i = 0; i < 64; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocket) socket = g_socket_accept (listener, NULL, &error);

      if (socket == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            scb_rate_log (&self->refusals, G_LOG_LEVEL_WARNING, "pcscd socket clients refused",
                          "pcscd socket: accept: %s", error->message);
          break;
        }
      accept_client (self, socket);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- events -------------------------------------------------------------- */

/* Every client waiting for an event gets one signal, then waits no more
 * (pcscd's EHSignalEventToClients). */
static void
on_readers_changed (ScbManager *manager, gpointer user_data)
{
  ScbPcscdServer *self = user_data;
  g_autoptr (GPtrArray) waiting = g_ptr_array_new_with_free_func (client_free_from_table);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((ScbPcscdClient *) value)->waiting)
      g_ptr_array_add (waiting, scb_pcscd_client_ref (value));
  for (guint i = 0; i < waiting->len; i++)
    {
      ScbPcscdClient *client = g_ptr_array_index (waiting, i);
      ScbPcscdMessage signal = { .command = SCB_PCSCD_WAIT_READER_STATE_CHANGE };

      client->waiting = FALSE;
      scb_pcscd_client_reply (client, &signal, NULL, 0);
    }
}

/* ---- shared state ---------------------------------------------------------- */

ScbManager *
scb_pcscd_server_get_manager (ScbPcscdServer *self)
{
  return self->manager;
}

ScbBouncer *
scb_pcscd_server_get_bouncer (ScbPcscdServer *self)
{
  return scb_manager_get_bouncer (self->manager);
}

guint32
scb_pcscd_server_add_context (ScbPcscdServer *self, ScbPcscdClient *client)
{
  guint32 context;

  /* pcscd's are random too: a client cannot guess another's. */
  do
    context = g_random_int () & 0x7fffffff;
  while (context == 0 || g_hash_table_contains (self->contexts, GUINT_TO_POINTER (context)));
  g_hash_table_insert (self->contexts, GUINT_TO_POINTER (context), client);
  return context;
}

void
scb_pcscd_server_remove_context (ScbPcscdServer *self, guint32 context)
{
  g_hash_table_remove (self->contexts, GUINT_TO_POINTER (context));
}

ScbPcscdClient *
scb_pcscd_server_find_context (ScbPcscdServer *self, guint32 context)
{
  return g_hash_table_lookup (self->contexts, GUINT_TO_POINTER (context));
}

guint
scb_pcscd_server_count_readers (ScbPcscdServer *self)
{
  return scb_manager_get_readers (self->manager)->len;
}

/* One reader as pcscd publishes it: what the Reader object published. */
static void
reader_state (ScbReader *reader, ScbPcscdReaderState *state)
{
  guint32 published = scb_reader_get_state (reader);
  g_autoptr (GBytes) atr = scb_reader_get_atr (reader);
  gsize atr_len = 0;
  const guint8 *atr_data = atr != NULL ? g_bytes_get_data (atr, &atr_len) : NULL;

  memset (state, 0, sizeof *state);
  g_strlcpy (state->name, scb_reader_get_name (reader), sizeof state->name);
  state->event_counter = scb_reader_get_card_events (reader);
  state->sharing = scb_session_get_sharing (scb_reader_get_session (reader));
  state->protocol = scb_session_get_card_protocol (scb_reader_get_session (reader));
  if (!(published & SCB_READER_STATE_PRESENT))
    {
      state->state = SCARD_ABSENT;
      return;
    }
  if (published & (SCB_READER_STATE_MUTE | SCB_READER_STATE_UNPOWERED))
    state->state = SCARD_PRESENT | SCARD_SWALLOWED;
  else
    state->state = SCARD_PRESENT | SCARD_POWERED | SCARD_NEGOTIABLE;
  if (!(published & SCB_READER_STATE_MUTE) && atr_len > 0 && atr_len <= SCB_PCSCD_ATR_SIZE)
    {
      memcpy (state->atr, atr_data, atr_len);
      state->atr_length = (guint32) atr_len;
    }
}

void
scb_pcscd_server_append_states (ScbPcscdServer *self, guint count, guint minor, GByteArray *out)
{
  GPtrArray *readers = scb_manager_get_readers (self->manager);
  guint8 entry[SCB_PCSCD_READER_STATE_SIZE];

  /* A 4.6 client reads the whole list with CMD_GET_READERS_STATE_ARRAY. */
  if (readers->len > count && minor < 6)
    scb_rate_log (&self->left_out, G_LOG_LEVEL_MESSAGE, "reader lists cut to 16",
                  "pcscd socket: %u readers, a client of protocol 4.4 or 4.5 sees the first %u "
                  "(pcsc-lite 2.5's clients see them all)",
                  readers->len, count);
  for (guint i = 0; i < count; i++)
    {
      ScbPcscdReaderState state = { 0 };

      if (i < readers->len)
        reader_state (g_ptr_array_index (readers, i), &state);
      scb_pcscd_reader_state_encode (&state, entry);
      g_byte_array_append (out, entry, sizeof entry);
    }
}

/* ---- the socket ------------------------------------------------------------ */

/* The listening socket systemd passed, if any (sd_listen_fds semantics). */
static GSocket *
activated_socket (GError **error)
{
  const char *pid = g_getenv ("LISTEN_PID");
  const char *fds = g_getenv ("LISTEN_FDS");
  guint64 n = 0;
  guint64 for_pid = 0;
  GSocket *found = NULL;

  if (pid == NULL || fds == NULL
      || !g_ascii_string_to_unsigned (pid, 10, 1, G_MAXINT32, &for_pid, NULL)
      || for_pid != (guint64) getpid () || !g_ascii_string_to_unsigned (fds, 10, 1, 1024, &n, NULL))
    return NULL;
  /* Not for the children we start. */
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
  for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + (int) n; fd++)
    {
      g_autoptr (GSocket) socket = NULL;

      g_unix_set_fd_nonblocking (fd, TRUE, NULL);
      if (found != NULL || (socket = g_socket_new_from_fd (fd, NULL)) == NULL)
        continue;
      if (g_socket_get_family (socket) == G_SOCKET_FAMILY_UNIX
          && g_socket_get_socket_type (socket) == G_SOCKET_TYPE_STREAM)
        found = g_steal_pointer (&socket);
    }
  if (found == NULL)
    g_set_error (error, SCB_ERROR, SCB_ERROR_FAILED,
                 "systemd passed %" G_GUINT64_FORMAT " socket(s), none a Unix stream socket", n);
  return found;
}

/* Whether something answers on @path: then it is not ours to replace. */
static gboolean
path_is_served (const char *path)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr (GSocketConnection) connection
      = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, NULL);

  return connection != NULL;
}

static GSocket *
bind_path (ScbPcscdServer *self, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  struct stat st;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot make %s: %s", dir,
                   g_strerror (saved));
      return NULL;
    }
  if (lstat (path, &st) == 0)
    {
      if (!S_ISSOCK (st.st_mode) || path_is_served (path))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       "%s is in use (is pcscd running? disable pcscd.socket)", path);
          return NULL;
        }
      g_unlink (path);
    }
  socket
      = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  address = g_unix_socket_address_new (path);
  if (socket == NULL || !g_socket_bind (socket, address, FALSE, error))
    return NULL;
  /* Anyone may connect, as to pcscd's: polkit decides what they may do. */
  g_chmod (path, 0666);
  self->made_path = g_strdup (path);
  g_socket_set_listen_backlog (socket, 128);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

gboolean
scb_pcscd_server_start (ScbPcscdServer *self, const char *path, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GError) local_error = NULL;

  socket = activated_socket (&local_error);
  if (socket == NULL && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (socket != NULL)
    g_message ("serving pcscd's protocol on the socket systemd passed");
  else if ((socket = bind_path (self, path, error)) == NULL)
    return FALSE;
  else
    g_message ("serving pcscd's protocol on %s", path);
  g_socket_set_blocking (socket, FALSE);
  self->listener = g_steal_pointer (&socket);
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, NULL);
  self->changed_id
      = g_signal_connect (self->manager, "readers-changed", G_CALLBACK (on_readers_changed), self);
  return TRUE;
}

void
scb_pcscd_server_stop (ScbPcscdServer *self)
{
  g_autoptr (GList) clients = g_hash_table_get_values (self->clients);

  for (GList *l = clients; l != NULL; l = l->next)
    scb_pcscd_client_close (l->data, "the daemon stops");
  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
  if (self->made_path != NULL)
    g_unlink (self->made_path);
  g_clear_pointer (&self->made_path, g_free);
  if (self->manager != NULL)
    g_clear_signal_handler (&self->changed_id, self->manager);
}

ScbPcscdServer *
scb_pcscd_server_new (ScbManager *manager, const ScbConfig *config)
{
  ScbPcscdServer *self = g_object_new (SCB_TYPE_PCSCD_SERVER, NULL);

  self->manager = g_object_ref (manager);
  self->limits = g_object_ref (scb_manager_get_limits (manager));
  self->max_clients = config->pcsc_clients;
  self->max_clients_per_user = config->pcsc_clients_per_user;
  return self;
}

static void
scb_pcscd_server_dispose (GObject *object)
{
  ScbPcscdServer *self = SCB_PCSCD_SERVER (object);

  scb_pcscd_server_stop (self);
  scb_rate_log_clear (&self->refusals);
  scb_rate_log_clear (&self->left_out);
  g_clear_object (&self->limits);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (scb_pcscd_server_parent_class)->dispose (object);
}

static void
scb_pcscd_server_finalize (GObject *object)
{
  ScbPcscdServer *self = SCB_PCSCD_SERVER (object);

  g_hash_table_unref (self->clients);
  g_hash_table_unref (self->contexts);
  g_hash_table_unref (self->per_uid);
  G_OBJECT_CLASS (scb_pcscd_server_parent_class)->finalize (object);
}

static void
scb_pcscd_server_init (ScbPcscdServer *self)
{
  self->clients = g_hash_table_new_full (NULL, NULL, NULL, client_free_from_table);
  self->contexts = g_hash_table_new (NULL, NULL);
  self->per_uid = g_hash_table_new (NULL, NULL);
}

static void
scb_pcscd_server_class_init (ScbPcscdServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_pcscd_server_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_pcscd_server_finalize;
}

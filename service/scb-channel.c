/* scb-channel.c: the SOCK_SEQPACKET door of a connection
 *
 * Transmit, Control, BeginTransaction, EndTransaction and Status, framed
 * by common/scb-channel-codec.c, authorized through the bouncer's one
 * table and served by the session, with the same errors as the D-Bus
 * methods. One packet is one request, one packet its answer, one request in flight:
 * the socket is not read while a request is being served, so a client that
 * pipelines simply waits in the socket buffer. The socket has one source
 * for its whole life, watching G_IO_IN; its events change only on the rare
 * paths (a pipelined request, an answer the client does not read yet),
 * because every change of a poll set costs GLib a wakeup write. Every
 * packet is checked
 * before use (scb_channel_request_decode()): a bad one gets an error answer
 * and the channel goes on.
 * The socket is non-blocking, and an answer the client does not read yet
 * waits for G_IO_OUT, so the main loop never blocks on it.
 *
 * A channel holds no receive buffer of its own: every channel reads into
 * the one buffer below (the daemon has one thread, and a packet is copied
 * out, at its size, before anything else runs), so 3,000 idle channels
 * cost 3,000 sockets, not 3,000 × 64 KiB.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-channel-codec.h"
#include "scb-channel.h"
#include "scb-connection.h"
#include "scb-error.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQUEST SCB_CHANNEL_MAX_REQUEST

struct _ScbChannel
{
  GObject parent_instance;
  ScbConnection *connection; /* not owned: it closes its channels first */
  ScbHandle *handle;
  ScbBouncer *bouncer;
  GCancellable *cancellable; /* of the request waiting in the session */
  GSocket *socket;
  GSource *source;     /* a ChannelSource */
  GIOCondition events; /* what the source watches */
  gboolean busy;       /* a request is being served */
  GBytes *answer;      /* waiting for G_IO_OUT */
  gboolean closed;
  /* the request being served */
  guint8 op;
  guint32 id;
  guint32 code;
  GBytes *payload;
};

G_DEFINE_TYPE (ScbChannel, scb_channel, G_TYPE_OBJECT)

/* Every channel's packets are read here (see the top). */
static guint8 receive_buffer[MAX_REQUEST + 1];

typedef struct
{
  GSource source;
  ScbChannel *channel; /* not owned: the channel destroys it */
  gpointer tag;
} ChannelSource;

static void flush_answer (ScbChannel *self);
static void on_ready (ScbChannel *self, GIOCondition revents);

static gboolean
channel_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  ChannelSource *cs = (ChannelSource *) source;

  on_ready (cs->channel, g_source_query_unix_fd (source, cs->tag));
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs channel_source_funcs = {
  .dispatch = channel_source_dispatch, /* ready when the fd has revents */
};

static void
set_events (ScbChannel *self, GIOCondition events)
{
  ChannelSource *cs = (ChannelSource *) self->source;

  if (cs == NULL || self->events == events)
    return;
  self->events = events;
  g_source_modify_unix_fd (self->source, cs->tag, events);
}

static void
stop_watch (ScbChannel *self)
{
  if (self->source == NULL)
    return;
  g_source_destroy (self->source);
  g_clear_pointer (&self->source, g_source_unref);
}

/* The client went away: the connection drops its reference, which may be
 * the last one. */
static void
forget (ScbChannel *self)
{
  g_object_ref (self);
  scb_channel_close (self);
  if (self->connection != NULL)
    scb_connection_forget_channel (self->connection, self);
  g_object_unref (self);
}

/* Sends the answer now, or when the socket can take it. */
static void
send_answer (ScbChannel *self, guint32 status, GBytes *payload)
{
  gsize len = payload != NULL ? g_bytes_get_size (payload) : 0;
  g_autofree guint8 *packet = g_malloc (SCB_CHANNEL_HEADER_SIZE + len);
  ScbChannelHeader header = {
    .version = SCB_CHANNEL_VERSION,
    .op = self->op | SCB_CHANNEL_OP_ANSWER,
    .id = self->id,
    .code = self->code,
    .status = status,
  };

  scb_channel_header_encode (&header, packet);
  if (len > 0)
    memcpy (packet + SCB_CHANNEL_HEADER_SIZE, g_bytes_get_data (payload, NULL), len);
  g_clear_pointer (&self->answer, g_bytes_unref);
  self->answer = g_bytes_new_take (g_steal_pointer (&packet), SCB_CHANNEL_HEADER_SIZE + len);
  /* Most answers go at once; the rest when the client reads. */
  flush_answer (self);
}

static void
send_error (ScbChannel *self, const GError *error)
{
  send_answer (self, (guint32) scb_error_to_scard (error), NULL);
}

static void
answer (ScbChannel *self, GBytes *response, const GError *error)
{
  if (self->closed)
    return;
  if (response == NULL)
    send_error (self, error);
  else if (g_bytes_get_size (response) > SCB_MAX_RESPONSE_SIZE)
    {
      g_autoptr (GError) too_long
          = g_error_new (SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER, "Answer too long");
      send_error (self, too_long);
    }
  else
    send_answer (self, 0, response);
}

static void
on_transmit_done (ScbHandle *handle, GBytes *response, const GError *error, gpointer user_data)
{
  g_autoptr (ScbChannel) self = user_data;

  answer (self, response, error);
}

static void
on_control_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ScbChannel) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) response = scb_handle_control_finish (SCB_HANDLE (source), result, &error);

  answer (self, response, error);
}

static void
on_transaction_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ScbChannel) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);

  if (g_task_propagate_boolean (G_TASK (result), &error))
    answer (self, empty, NULL);
  else
    answer (self, NULL, error);
}

static void
answer_status (ScbChannel *self, ScbStatus *status, const GError *error)
{
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GError) too_long = NULL;
  ScbChannelStatus encoded = { 0 };

  if (status != NULL)
    {
      encoded.state = status->state;
      encoded.protocol = status->protocol;
      encoded.atr = g_bytes_get_data (status->atr, &encoded.atr_len);
      encoded.name = status->reader_name;
      encoded.name_len = strlen (status->reader_name);
      payload = scb_channel_status_encode (&encoded);
      if (payload == NULL)
        error = too_long = g_error_new_literal (SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER,
                                                "The status does not fit in an answer");
    }
  answer (self, payload, error);
}

static void
on_status_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ScbChannel) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbStatus) status = scb_handle_status_finish (SCB_HANDLE (source), result, &error);

  answer_status (self, status, error);
}

/* A call answered at once, without a task (scb_handle_try_*()): TRUE
 * when answered. */
static gboolean
answered_at_once (ScbChannel *self, gboolean done, GError *error)
{
  g_autoptr (GBytes) empty = NULL;

  if (!done && error == NULL)
    return FALSE;
  if (done)
    empty = g_bytes_new (NULL, 0);
  answer (self, empty, error);
  g_clear_error (&error);
  return TRUE;
}

/* The request was authorized: the session serves it. */
static void
run (ScbChannel *self)
{
  g_autoptr (GError) error = NULL;
  gboolean done;

  switch (self->op)
    {
    case SCB_CHANNEL_OP_TRANSMIT:
      /* code: the PCI's protocol, 0 for the connection's. */
      scb_handle_transmit (self->handle, (ScbProtocol) self->code, self->payload, self,
                           on_transmit_done, g_object_ref (self));
      return;
    case SCB_CHANNEL_OP_CONTROL:
      scb_handle_control_async (self->handle, self->code, self->payload, self->cancellable,
                                on_control_done, g_object_ref (self));
      return;
    case SCB_CHANNEL_OP_BEGIN_TRANSACTION:
      done = scb_handle_try_begin_transaction (self->handle, &error);
      if (answered_at_once (self, done, g_steal_pointer (&error)))
        return;
      scb_handle_begin_transaction_async (self->handle, self->cancellable, on_transaction_done,
                                          g_object_ref (self));
      return;
    case SCB_CHANNEL_OP_END_TRANSACTION:
      /* The same error as EndTransaction's unknown word. */
      if (!scb_disposition_is_valid (self->code))
        {
          error = g_error_new (SCB_ERROR, SCB_ERROR_INVALID_VALUE, "Unknown disposition %u",
                               self->code);
          send_error (self, error);
          return;
        }
      done = scb_handle_try_end_transaction (self->handle, (ScbDisposition) self->code, &error);
      if (answered_at_once (self, done, g_steal_pointer (&error)))
        return;
      scb_handle_end_transaction_async (self->handle, (ScbDisposition) self->code,
                                        self->cancellable, on_transaction_done,
                                        g_object_ref (self));
      return;
    case SCB_CHANNEL_OP_STATUS:
      {
        g_autoptr (ScbStatus) status = scb_handle_try_status (self->handle, &error);

        if (status != NULL || error != NULL)
          {
            answer_status (self, status, error);
            return;
          }
      }
      scb_handle_status_async (self->handle, self->cancellable, on_status_done,
                               g_object_ref (self));
      return;
    default:
      /* Decoded, yet not served: refused like anything not in the table. */
      error = g_error_new (SCB_ERROR, SCB_ERROR_PERMISSION_DENIED, "Channel op %u is not served",
                           self->op);
      send_error (self, error);
      return;
    }
}

static void
on_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ScbChannel) self = user_data;
  g_autoptr (GError) error = NULL;

  if (self->closed)
    return;
  if (!scb_bouncer_authorize_finish (SCB_BOUNCER (source), result, &error))
    send_error (self, error);
  else
    run (self);
}

/* The bouncer's table decides, as for a method call; open ops go on in
 * this main-loop turn (the per-APDU path has no task). */
static void
serve (ScbChannel *self)
{
  ScbRequest request = {
    .op = self->op,
    .control_code = self->code,
    .control_data = self->payload,
  };
  gboolean known = FALSE;

  if (scb_bouncer_action_for_request (&request, &known) == NULL && known)
    run (self);
  else
    scb_bouncer_authorize_async (self->bouncer,
                                 scb_peer_get_owner (scb_handle_get_owner (self->handle)), &request,
                                 FALSE, on_authorized, g_object_ref (self));
}

/* One packet in: @n is its real length (MSG_TRUNC). */
static void
handle_packet (ScbChannel *self, gsize n)
{
  g_autoptr (GError) error = NULL;
  ScbChannelHeader header;

  g_clear_pointer (&self->payload, g_bytes_unref);
  /* Echo what can be echoed, even in an error answer. */
  if (!scb_channel_request_decode (receive_buffer, n, &header, &error))
    {
      self->op = header.op;
      self->id = header.id;
      self->code = header.code;
      g_debug ("channel of %s: %s", scb_handle_get_label (self->handle), error->message);
      send_error (self, error);
      return;
    }
  self->op = header.op;
  self->id = header.id;
  self->code = header.code;
  self->payload
      = g_bytes_new (receive_buffer + SCB_CHANNEL_HEADER_SIZE, n - SCB_CHANNEL_HEADER_SIZE);
  serve (self);
}

/* Sends the pending answer, or waits for G_IO_OUT to send it. */
static void
flush_answer (ScbChannel *self)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (self->answer, &size);
  ssize_t n = send (g_socket_get_fd (self->socket), data, size, MSG_DONTWAIT | MSG_NOSIGNAL);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    {
      set_events (self, G_IO_OUT);
      return;
    }
  g_clear_pointer (&self->answer, g_bytes_unref);
  self->busy = FALSE;
  if (n < 0)
    forget (self);
  else
    set_events (self, G_IO_IN);
}

static void
on_ready (ScbChannel *self, GIOCondition revents)
{
  ssize_t n;

  if (self->answer != NULL)
    {
      flush_answer (self); /* a hang-up fails the send */
      return;
    }
  if (self->busy)
    {
      /* A pipelined request waits in the socket buffer until the answer is
       * out; a hang-up ends the channel now. */
      if (revents & (G_IO_HUP | G_IO_ERR))
        forget (self);
      else
        set_events (self, 0);
      return;
    }
  n = recv (g_socket_get_fd (self->socket), receive_buffer, sizeof receive_buffer,
            MSG_DONTWAIT | MSG_TRUNC);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  /* 0 is EOF, or an empty packet while the peer is still there. */
  if (n < 0
      || (n == 0
          && ((revents & (G_IO_HUP | G_IO_ERR))
              || g_socket_condition_check (self->socket, G_IO_HUP) != 0)))
    {
      forget (self);
      return;
    }
  self->busy = TRUE;
  handle_packet (self, (gsize) n);
}

static void
watch (ScbChannel *self)
{
  ChannelSource *cs = (ChannelSource *) g_source_new (&channel_source_funcs, sizeof *cs);

  cs->channel = self;
  self->events = G_IO_IN;
  cs->tag = g_source_add_unix_fd (&cs->source, g_socket_get_fd (self->socket), self->events);
  g_source_set_static_name (&cs->source, "scb-channel");
  /* No nested main loops here: spare GLib's poll-set churn around dispatch. */
  g_source_set_can_recurse (&cs->source, TRUE);
  g_source_attach (&cs->source, NULL);
  self->source = &cs->source;
}

void
scb_channel_close (ScbChannel *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  stop_watch (self);
  g_socket_close (self->socket, NULL);
}

ScbChannel *
scb_channel_new (ScbConnection *connection, ScbHandle *handle, ScbBouncer *bouncer, int fd)
{
  ScbChannel *self = g_object_new (SCB_TYPE_CHANNEL, NULL);
  g_autoptr (GError) error = NULL;

  self->connection = connection;
  self->handle = g_object_ref (handle);
  self->bouncer = g_object_ref (bouncer);
  self->cancellable = g_cancellable_new ();
  self->socket = g_socket_new_from_fd (fd, &error);
  if (self->socket == NULL)
    {
      g_warning ("channel: %s", error->message);
      close (fd);
      self->closed = TRUE;
      return self;
    }
  watch (self);
  return self;
}

static void
scb_channel_dispose (GObject *object)
{
  ScbChannel *self = SCB_CHANNEL (object);

  if (self->socket != NULL)
    scb_channel_close (self);
  g_clear_object (&self->socket);
  g_clear_object (&self->bouncer);
  g_clear_object (&self->handle);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (scb_channel_parent_class)->dispose (object);
}

static void
scb_channel_finalize (GObject *object)
{
  ScbChannel *self = SCB_CHANNEL (object);

  g_clear_pointer (&self->answer, g_bytes_unref);
  g_clear_pointer (&self->payload, g_bytes_unref);
  G_OBJECT_CLASS (scb_channel_parent_class)->finalize (object);
}

static void
scb_channel_init (ScbChannel *self)
{
}

static void
scb_channel_class_init (ScbChannelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_channel_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_channel_finalize;
}

/* scb-channel.c: the SOCK_SEQPACKET fast path of a connection
 *
 * One packet is one request, one packet its answer, one request in flight:
 * the socket is not read while a request is being served, so a client that
 * pipelines simply waits in the socket buffer. The socket has one watch in
 * the daemon's poller (scb-poller.c: one GSource for every channel, so an
 * idle channel costs an APDU nothing) for its whole life, waiting for
 * G_IO_IN; its events change only on the rare paths (a pipelined request,
 * an answer the client does not read yet). Every
 * packet is checked
 * before use: shorter than the header, longer than the header plus 65,544
 * bytes (seen with MSG_TRUNC), a wrong version, an unknown op, non-zero
 * flags or a non-zero status get an error answer and the channel goes on.
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
#include "scb-channel.h"
#include "scb-connection.h"
#include "scb-error.h"
#include "scb-names.h"
#include "scb-poller.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* SCARD_PROTOCOL_T0 and T1 in the code field of a transmit request. */
#define PCSC_PROTOCOL_T0 1u
#define PCSC_PROTOCOL_T1 2u

#define MAX_REQUEST (SCB_CHANNEL_HEADER_SIZE + SCB_MAX_APDU_SIZE)

struct _ScbChannel
{
  GObject parent_instance;
  ScbConnection *connection; /* not owned: it closes its channels first */
  ScbBouncer *bouncer;
  char *owner;
  GSocket *socket;
  ScbPollerWatch *watch;
  GIOCondition events; /* what the watch waits for */
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

static void flush_answer (ScbChannel *self);

static void
set_events (ScbChannel *self, GIOCondition events)
{
  if (self->watch == NULL || self->events == events)
    return;
  self->events = events;
  scb_poller_watch_set_events (self->watch, events);
}

static void
stop_watch (ScbChannel *self)
{
  g_clear_pointer (&self->watch, scb_poller_watch_remove);
}

static void
put_u32 (guint8 *p, guint32 value)
{
  p[0] = value & 0xff;
  p[1] = (value >> 8) & 0xff;
  p[2] = (value >> 16) & 0xff;
  p[3] = (value >> 24) & 0xff;
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static guint16
get_u16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
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

  packet[0] = SCB_CHANNEL_VERSION;
  packet[1] = self->op | SCB_CHANNEL_OP_ANSWER;
  packet[2] = 0;
  packet[3] = 0;
  put_u32 (packet + 4, self->id);
  put_u32 (packet + 8, self->code);
  put_u32 (packet + 12, status);
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
on_transmit_done (ScbConnection *connection, GBytes *response, const GError *error,
                  gpointer user_data)
{
  g_autoptr (ScbChannel) self = user_data;

  answer (self, response, error);
}

static void
on_control_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ScbChannel) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) response
      = scb_connection_control_finish (SCB_CONNECTION (source), result, &error);

  answer (self, response, error);
}

static void
on_control_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ScbChannel) self = user_data;
  g_autoptr (GError) error = NULL;

  if (self->closed)
    return;
  if (!scb_bouncer_check_action_finish (SCB_BOUNCER (source), result, &error))
    {
      send_error (self, error);
      return;
    }
  scb_connection_control_async (self->connection, self->code, self->payload, on_control_done,
                                g_object_ref (self));
}

static void
serve (ScbChannel *self)
{
  g_autoptr (GError) error = NULL;
  int protocol;
  guint32 expected;
  const char *action;
  gboolean known = FALSE;
  g_autoptr (GVariant) parameters = NULL;
  GVariant *data;

  if (self->op == SCB_CHANNEL_OP_TRANSMIT)
    {
      protocol = scb_connection_get_protocol (self->connection);
      expected = protocol == 0 ? PCSC_PROTOCOL_T0 : protocol == 1 ? PCSC_PROTOCOL_T1 : 0;
      if (self->code != 0 && self->code != expected)
        {
          error = g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH,
                               "Protocol %u asked, the connection uses %u", self->code, expected);
          send_error (self, error);
          return;
        }
      scb_connection_transmit (self->connection, self->payload, on_transmit_done,
                               g_object_ref (self));
      return;
    }
  /* The same authorization as Connection.Control, per control code. */
  data = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, g_bytes_get_data (self->payload, NULL),
                                    g_bytes_get_size (self->payload), 1);
  parameters = g_variant_ref_sink (g_variant_new ("(u@ay)", self->code, data));
  action
      = scb_bouncer_action_for_call (SCB_DBUS_INTERFACE_CONNECTION, "Control", parameters, &known);
  scb_bouncer_check_action_async (self->bouncer, self->owner, action, FALSE, on_control_authorized,
                                  g_object_ref (self));
}

/* One packet in: @n is its real length (MSG_TRUNC). */
static void
handle_packet (ScbChannel *self, gsize n)
{
  g_autoptr (GError) error = NULL;
  const guint8 *p = receive_buffer;

  self->op = 0;
  self->id = 0;
  self->code = 0;
  g_clear_pointer (&self->payload, g_bytes_unref);
  if (n >= SCB_CHANNEL_HEADER_SIZE)
    {
      /* Echo what can be echoed, even in an error answer. */
      self->op = p[1] & ~SCB_CHANNEL_OP_ANSWER;
      self->id = get_u32 (p + 4);
      self->code = get_u32 (p + 8);
    }
  if (n < SCB_CHANNEL_HEADER_SIZE)
    error = g_error_new (SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                         "Packet of %" G_GSIZE_FORMAT " bytes, shorter than the header", n);
  else if (n > MAX_REQUEST)
    error = g_error_new (SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER,
                         "Packet of %" G_GSIZE_FORMAT " bytes, more than %u", n, MAX_REQUEST);
  else if (p[0] != SCB_CHANNEL_VERSION || get_u32 (p + 12) != 0 || (p[1] & SCB_CHANNEL_OP_ANSWER)
           || (p[1] != SCB_CHANNEL_OP_TRANSMIT && p[1] != SCB_CHANNEL_OP_CONTROL)
           || get_u16 (p + 2) != 0)
    error = g_error_new (SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                         "Malformed header (version %u, op %u, flags 0x%04x)", p[0], p[1],
                         get_u16 (p + 2));
  if (error != NULL)
    {
      g_debug ("channel of %s: %s", self->owner, error->message);
      send_error (self, error);
      return;
    }
  self->payload = g_bytes_new (p + SCB_CHANNEL_HEADER_SIZE, n - SCB_CHANNEL_HEADER_SIZE);
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
on_ready (gpointer user_data, GIOCondition revents)
{
  ScbChannel *self = user_data;
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

void
scb_channel_close (ScbChannel *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  stop_watch (self);
  g_socket_close (self->socket, NULL);
}

ScbChannel *
scb_channel_new (ScbConnection *connection, ScbBouncer *bouncer, int fd, const char *owner)
{
  ScbChannel *self = g_object_new (SCB_TYPE_CHANNEL, NULL);
  g_autoptr (GError) error = NULL;

  self->connection = connection;
  self->bouncer = g_object_ref (bouncer);
  self->owner = g_strdup (owner);
  self->socket = g_socket_new_from_fd (fd, &error);
  if (self->socket == NULL)
    {
      g_warning ("channel: %s", error->message);
      close (fd);
      self->closed = TRUE;
      return self;
    }
  self->events = G_IO_IN;
  self->watch = scb_poller_watch (fd, self->events, on_ready, self, &error);
  if (self->watch == NULL)
    {
      g_warning ("channel of %s: %s", owner, error->message);
      scb_channel_close (self);
    }
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
  G_OBJECT_CLASS (scb_channel_parent_class)->dispose (object);
}

static void
scb_channel_finalize (GObject *object)
{
  ScbChannel *self = SCB_CHANNEL (object);

  g_clear_pointer (&self->answer, g_bytes_unref);
  g_clear_pointer (&self->payload, g_bytes_unref);
  g_free (self->owner);
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

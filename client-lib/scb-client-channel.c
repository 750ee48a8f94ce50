/* scb-client-channel.c: the APDU fast path, a SOCK_SEQPACKET socket
 *
 * docs/channel.md: one packet is one request, one packet its answer, one
 * request in flight; common/scb-channel-codec.c frames them. The socket is
 * blocking: a request is one sendmsg() and its answer one recv() (2 system
 * calls an APDU); only a caller with a GCancellable also polls, on the
 * socket and the cancellable together.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-channel.h"
#include "scb-error.h"
#include "scb-error-enums.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct _ScbClientChannel
{
  GMutex lock; /* one request in flight; guards what follows */
  int fd;      /* -1 once broken */
  guint32 next_id;
  guint8 *buffer; /* the largest answer + 1 to see oversize */
};

#define BUFFER_SIZE (SCB_CHANNEL_MAX_ANSWER + 1)

ScbClientChannel *
_scb_client_channel_new (int fd, GError **error)
{
  ScbClientChannel *self;
  int type = 0;
  socklen_t type_len = sizeof type;

  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_SEQPACKET)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR,
                   "The channel is not a SOCK_SEQPACKET socket");
      close (fd);
      return NULL;
    }
  /* The daemon may hand out a non-blocking end; we wait for answers. */
  if (!g_unix_set_fd_nonblocking (fd, FALSE, error))
    {
      close (fd);
      return NULL;
    }
  self = g_new0 (ScbClientChannel, 1);
  g_mutex_init (&self->lock);
  self->fd = fd;
  self->next_id = 1;
  self->buffer = g_malloc (BUFFER_SIZE);
  return self;
}

void
_scb_client_channel_free (ScbClientChannel *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    close (self->fd);
  g_free (self->buffer);
  g_mutex_clear (&self->lock);
  g_free (self);
}

gboolean
_scb_client_channel_is_broken (ScbClientChannel *self)
{
  gboolean broken;

  g_mutex_lock (&self->lock);
  broken = self->fd < 0;
  g_mutex_unlock (&self->lock);
  return broken;
}

/* Nothing more goes over it: its descriptor is given back at once. */
static void
set_broken (ScbClientChannel *self)
{
  close (self->fd);
  self->fd = -1;
}

static void
set_status_error (GError **error, ScbChannelOp op, guint32 status)
{
  ScbError code = scb_error_from_scard ((glong) status);
  GEnumClass *klass = g_type_class_ref (SCB_TYPE_ERROR);
  GEnumValue *value = g_enum_get_value (klass, code);
  const char *name = value != NULL ? strrchr (value->value_nick, '.') : NULL;

  static const char *const names[] = {
    [SCB_CHANNEL_OP_TRANSMIT] = "Transmit",
    [SCB_CHANNEL_OP_CONTROL] = "Control",
    [SCB_CHANNEL_OP_BEGIN_TRANSACTION] = "BeginTransaction",
    [SCB_CHANNEL_OP_END_TRANSACTION] = "EndTransaction",
    [SCB_CHANNEL_OP_STATUS] = "Status",
  };

  g_set_error (error, SCB_ERROR, code, "%s failed: %s (SCARD code 0x%08X)",
               op < G_N_ELEMENTS (names) && names[op] != NULL ? names[op] : "Request",
               name != NULL ? name + 1 : "Failed", status);
  g_type_class_unref (klass);
}

/* The socket failed: the request got no answer. */
static void
set_gone (ScbClientChannel *self, gboolean *gone, GError **error, int errsv, const char *what)
{
  set_broken (self);
  *gone = TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s on the channel: %s", what,
               g_strerror (errsv));
}

/* Waits until an answer can be read, or @cancellable is cancelled. */
static gboolean
wait_answer (ScbClientChannel *self, GCancellable *cancellable, GError **error)
{
  GPollFD fds[2] = { { self->fd, G_IO_IN, 0 } };
  guint n = g_cancellable_make_pollfd (cancellable, &fds[1]) ? 2 : 1;
  int ready;

  do
    ready = g_poll (fds, n, -1);
  while (ready < 0 && errno == EINTR);
  if (n == 2)
    g_cancellable_release_fd (cancellable);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static GBytes *
exchange_locked (ScbClientChannel *self, ScbChannelOp op, guint32 code, GBytes *payload,
                 GCancellable *cancellable, gboolean *gone, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (payload, &len);
  ScbChannelHeader header = { .version = SCB_CHANNEL_VERSION, .op = op, .code = code };
  guint8 head[SCB_CHANNEL_HEADER_SIZE];
  struct iovec iov[2] = { { head, sizeof head }, { (void *) data, len } };
  struct msghdr message = { .msg_iov = iov, .msg_iovlen = len > 0 ? 2 : 1 };
  gssize sent;

  if (self->fd < 0)
    {
      *gone = TRUE;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "The channel is broken");
      return NULL;
    }
  if (len > SCB_MAX_APDU_SIZE)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "%" G_GSIZE_FORMAT " bytes is more than the %d a request may carry", len,
                   SCB_MAX_APDU_SIZE);
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  header.id = self->next_id++;
  scb_channel_header_encode (&header, head);
  do
    sent = sendmsg (self->fd, &message, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent < 0)
    {
      set_gone (self, gone, error, errno, "Cannot send");
      return NULL;
    }
  /* A SOCK_SEQPACKET packet goes whole or not at all. */
  if ((gsize) sent != sizeof head + len)
    {
      set_gone (self, gone, error, EPIPE, "Short write");
      return NULL;
    }

  for (;;)
    {
      ScbChannelHeader answer;
      gssize got;

      if (cancellable != NULL && !wait_answer (self, cancellable, error))
        return NULL;
      do
        got = recv (self->fd, self->buffer, BUFFER_SIZE, 0);
      while (got < 0 && errno == EINTR);
      if (got <= 0)
        {
          /* 0: the daemon closed its end (it sends no empty packets). */
          set_gone (self, gone, error, got < 0 ? errno : ECONNRESET, "Cannot receive");
          return NULL;
        }
      switch (scb_channel_answer_decode (self->buffer, (gsize) got, op, header.id, &answer, error))
        {
        case SCB_CHANNEL_ANSWER_STALE:
          continue;
        case SCB_CHANNEL_ANSWER_ERROR:
          set_broken (self);
          return NULL;
        case SCB_CHANNEL_ANSWER_OK:
        default:
          break;
        }
      if (answer.status != 0)
        {
          set_status_error (error, op, answer.status);
          return NULL;
        }
      return g_bytes_new (self->buffer + SCB_CHANNEL_HEADER_SIZE,
                          (gsize) got - SCB_CHANNEL_HEADER_SIZE);
    }
}

GBytes *
_scb_client_channel_exchange (ScbClientChannel *self, ScbChannelOp op, guint32 code,
                              GBytes *payload, GCancellable *cancellable, gboolean *gone,
                              GError **error)
{
  GBytes *answer;

  *gone = FALSE;
  g_mutex_lock (&self->lock);
  answer = exchange_locked (self, op, code, payload, cancellable, gone, error);
  g_mutex_unlock (&self->lock);
  return answer;
}

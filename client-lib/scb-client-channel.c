/* scb-client-channel.c: the APDU fast path, a SOCK_SEQPACKET socket
 *
 * docs/channel.md: one packet is one request, one packet its answer, one
 * request in flight; common/scb-channel-codec.c frames them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-channel.h"
#include "scb-error.h"
#include "scb-error-enums.h"

#include <string.h>
#include <unistd.h>

struct _ScbClientChannel
{
  GMutex lock; /* one request in flight */
  GSocket *socket;
  guint32 next_id;
  guint8 *buffer; /* the largest answer + 1 to see oversize */
};

#define BUFFER_SIZE (SCB_CHANNEL_MAX_ANSWER + 1)

ScbClientChannel *
_scb_client_channel_new (int fd, GError **error)
{
  g_autoptr (GSocket) socket = g_socket_new_from_fd (fd, error);
  ScbClientChannel *self;

  if (socket == NULL)
    {
      close (fd);
      return NULL;
    }
  if (g_socket_get_socket_type (socket) != G_SOCKET_TYPE_SEQPACKET)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR,
                   "The channel is not a SOCK_SEQPACKET socket");
      return NULL;
    }
  self = g_new0 (ScbClientChannel, 1);
  g_mutex_init (&self->lock);
  self->socket = g_steal_pointer (&socket);
  self->next_id = 1;
  self->buffer = g_malloc (BUFFER_SIZE);
  return self;
}

void
_scb_client_channel_free (ScbClientChannel *self)
{
  if (self == NULL)
    return;
  g_socket_close (self->socket, NULL);
  g_object_unref (self->socket);
  g_free (self->buffer);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static void
set_status_error (GError **error, ScbChannelOp op, guint32 status)
{
  ScbError code = scb_error_from_scard ((glong) status);
  GEnumClass *klass = g_type_class_ref (SCB_TYPE_ERROR);
  GEnumValue *value = g_enum_get_value (klass, code);
  const char *name = value != NULL ? strrchr (value->value_nick, '.') : NULL;

  g_set_error (error, SCB_ERROR, code, "%s failed: %s (SCARD code 0x%08X)",
               op == SCB_CHANNEL_OP_CONTROL ? "Control" : "Transmit",
               name != NULL ? name + 1 : "Failed", status);
  g_type_class_unref (klass);
}

static GBytes *
exchange_locked (ScbClientChannel *self, ScbChannelOp op, guint32 code, GBytes *payload,
                 GCancellable *cancellable, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (payload, &len);
  g_autofree guint8 *request = NULL;
  ScbChannelHeader header = { .version = SCB_CHANNEL_VERSION, .op = op, .code = code };
  gssize sent;

  if (len > SCB_MAX_APDU_SIZE)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "%" G_GSIZE_FORMAT " bytes is more than the %d a request may carry", len,
                   SCB_MAX_APDU_SIZE);
      return NULL;
    }
  header.id = self->next_id++;
  request = g_malloc (SCB_CHANNEL_HEADER_SIZE + len);
  scb_channel_header_encode (&header, request);
  if (len > 0)
    memcpy (request + SCB_CHANNEL_HEADER_SIZE, data, len);

  sent = g_socket_send (self->socket, (const char *) request, SCB_CHANNEL_HEADER_SIZE + len,
                        cancellable, error);
  if (sent < 0)
    return NULL;
  if ((gsize) sent != SCB_CHANNEL_HEADER_SIZE + len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "Short write on the channel");
      return NULL;
    }

  for (;;)
    {
      gssize got
          = g_socket_receive (self->socket, (char *) self->buffer, BUFFER_SIZE, cancellable, error);
      ScbChannelHeader answer;

      if (got < 0)
        return NULL;
      if (got == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "The channel is closed");
          return NULL;
        }
      switch (scb_channel_answer_decode (self->buffer, (gsize) got, op, header.id, &answer, error))
        {
        case SCB_CHANNEL_ANSWER_STALE:
          continue;
        case SCB_CHANNEL_ANSWER_ERROR:
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
                              GBytes *payload, GCancellable *cancellable, GError **error)
{
  GBytes *answer;

  g_mutex_lock (&self->lock);
  answer = exchange_locked (self, op, code, payload, cancellable, error);
  g_mutex_unlock (&self->lock);
  return answer;
}

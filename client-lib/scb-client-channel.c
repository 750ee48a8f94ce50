/* scb-client-channel.c: the APDU fast path, a SOCK_SEQPACKET socket
 *
 * DESIGN.md "The APDU fast path": one packet is one request, one packet its
 * answer, one request in flight. Header, 16 bytes little-endian: u8 version,
 * u8 op (answers set bit 7), u16 flags, u32 request id (echoed), u32 code,
 * u32 status (SCARD_* in answers).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-channel.h"
#include "scb-error.h"
#include "scb-error-enums.h"
#include "scb-names.h"

#include <string.h>
#include <unistd.h>

struct _ScbClientChannel
{
  GMutex lock; /* one request in flight */
  GSocket *socket;
  guint32 next_id;
  guint8 *buffer; /* header + the largest answer + 1 to see oversize */
};

#define BUFFER_SIZE (SCB_CHANNEL_HEADER_SIZE + SCB_MAX_RESPONSE_SIZE + 1)

static void
put_le16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

static void
put_le32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

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
set_status_error (GError **error, guint8 op, guint32 status)
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
exchange_locked (ScbClientChannel *self, guint8 op, guint32 code, GBytes *payload,
                 GCancellable *cancellable, GError **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (payload, &len);
  g_autofree guint8 *request = NULL;
  guint32 id = self->next_id++;
  gssize sent;

  if (len > SCB_MAX_APDU_SIZE)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "%" G_GSIZE_FORMAT " bytes is more than the %d a request may carry", len,
                   SCB_MAX_APDU_SIZE);
      return NULL;
    }
  request = g_malloc (SCB_CHANNEL_HEADER_SIZE + len);
  request[0] = SCB_CHANNEL_VERSION;
  request[1] = op;
  put_le16 (request + 2, 0);
  put_le32 (request + 4, id);
  put_le32 (request + 8, code);
  put_le32 (request + 12, 0);
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
      guint32 status;

      if (got < 0)
        return NULL;
      if (got == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "The channel is closed");
          return NULL;
        }
      if (got < SCB_CHANNEL_HEADER_SIZE || got >= BUFFER_SIZE
          || self->buffer[0] != SCB_CHANNEL_VERSION
          || self->buffer[1] != (op | SCB_CHANNEL_OP_ANSWER))
        {
          g_set_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR,
                       "Malformed answer on the channel (%" G_GSSIZE_FORMAT " bytes)", got);
          return NULL;
        }
      /* An answer to an earlier, cancelled request: skip it. */
      if (get_le32 (self->buffer + 4) != id)
        continue;
      status = get_le32 (self->buffer + 12);
      if (status != 0)
        {
          set_status_error (error, op, status);
          return NULL;
        }
      return g_bytes_new (self->buffer + SCB_CHANNEL_HEADER_SIZE,
                          (gsize) got - SCB_CHANNEL_HEADER_SIZE);
    }
}

GBytes *
_scb_client_channel_exchange (ScbClientChannel *self, guint8 op, guint32 code, GBytes *payload,
                              GCancellable *cancellable, GError **error)
{
  GBytes *answer;

  g_mutex_lock (&self->lock);
  answer = exchange_locked (self, op, code, payload, cancellable, error);
  g_mutex_unlock (&self->lock);
  return answer;
}

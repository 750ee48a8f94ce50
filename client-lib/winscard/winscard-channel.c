/* winscard-channel.c: the SOCK_SEQPACKET fast path of a connection
 *
 * Connection.OpenChannel() hands out a socket on which one packet is one
 * request and one packet its answer (DESIGN.md "The APDU fast path"),
 * header of 16 bytes, little-endian:
 *   u8 version (1), u8 op (1 transmit, 2 control; answers set bit 7),
 *   u16 flags, u32 request id (echoed), u32 code, u32 status.
 * Opened on the first SCardTransmit/SCardControl of a handle (its setup is
 * paid back after two APDUs), used under the card's io_lock: one request in
 * flight. A daemon without OpenChannel gets the same requests as
 * Connection.Transmit/Control calls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include "scb-error.h"
#include "scb-names.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEADER_SIZE 16
#define CHANNEL_VERSION 1
#define ANSWER_BIT 0x80
#define TRANSMIT_TIMEOUT_MS G_MAXINT

void
wsc_channel_close (WscCard *card)
{
  if (card->channel_fd >= 0)
    close (card->channel_fd);
  card->channel_fd = -1;
  if (card->channel_state == WSC_CHANNEL_OPEN)
    card->channel_state = WSC_CHANNEL_UNOPENED;
}

static LONG
channel_open (WscCard *card)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  gint32 index = -1;
  LONG rv;

  rv = wsc_bus_call_with_fds (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION,
                              "OpenChannel", NULL, G_VARIANT_TYPE ("(h)"), &reply, &fds, &error);
  if (rv != SCARD_S_SUCCESS)
    {
      /* A daemon without the fast path: the bus methods do the same. */
      if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)
          || g_error_matches (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED))
        {
          card->channel_state = WSC_CHANNEL_UNAVAILABLE;
          return SCARD_S_SUCCESS;
        }
      return rv;
    }
  g_variant_get (reply, "(h)", &index);
  if (fds == NULL || index < 0 || index >= g_unix_fd_list_get_length (fds))
    return SCARD_F_COMM_ERROR;
  card->channel_fd = g_unix_fd_list_get (fds, index, &error);
  if (card->channel_fd < 0)
    return SCARD_F_COMM_ERROR;
  /* The daemon may hand out a non-blocking end; we wait for answers. */
  if (!g_unix_set_fd_nonblocking (card->channel_fd, FALSE, NULL))
    {
      wsc_channel_close (card);
      return SCARD_F_COMM_ERROR;
    }
  card->channel_state = WSC_CHANNEL_OPEN;
  return SCARD_S_SUCCESS;
}

/* The same request as a D-Bus call. */
static LONG
exchange_over_bus (WscCard *card, guint8 op, guint32 code, const guint8 *data, gsize length,
                   GBytes **answer)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) bytes = NULL;
  GVariant *payload = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, length, 1);
  LONG rv;

  if (op == WSC_CHANNEL_OP_TRANSMIT)
    rv = wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "Transmit",
                       g_variant_new ("(@ay)", payload), G_VARIANT_TYPE ("(ay)"),
                       TRANSMIT_TIMEOUT_MS, &reply, NULL);
  else
    rv = wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "Control",
                       g_variant_new ("(u@ay)", code, payload), G_VARIANT_TYPE ("(ay)"),
                       TRANSMIT_TIMEOUT_MS, &reply, NULL);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  bytes = g_variant_get_child_value (reply, 0);
  *answer = g_variant_get_data_as_bytes (bytes);
  return SCARD_S_SUCCESS;
}

/* The connection's own error, after the channel closed under us: asking
 * for its status tells (removed card, gone connection, no service). */
static LONG
error_after_eof (WscCard *card)
{
  LONG rv = wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "Status",
                          NULL, NULL, 0, NULL, NULL);

  return rv != SCARD_S_SUCCESS ? rv : SCARD_F_COMM_ERROR;
}

static LONG
send_request (int fd, const guint8 *packet, gsize size)
{
  ssize_t sent;

  do
    sent = send (fd, packet, size, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent < 0)
    return errno == EPIPE || errno == ECONNRESET ? SCARD_E_NO_SERVICE : SCARD_F_COMM_ERROR;
  return (gsize) sent == size ? SCARD_S_SUCCESS : SCARD_F_COMM_ERROR;
}

/* Receives one packet into @buffer (@capacity bytes); 0 on EOF. */
static gssize
receive_answer (int fd, guint8 *buffer, gsize capacity, gboolean *truncated)
{
  struct iovec iov = { buffer, capacity };
  struct msghdr message = { 0 };
  ssize_t received;

  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  do
    received = recvmsg (fd, &message, MSG_CMSG_CLOEXEC);
  while (received < 0 && errno == EINTR);
  *truncated = (message.msg_flags & MSG_TRUNC) != 0;
  return received;
}

LONG
wsc_channel_exchange (WscCard *card, guint8 op, guint32 code, const guint8 *data, gsize length,
                      GBytes **answer)
{
  g_autofree guint8 *request = NULL;
  g_autofree guint8 *reply = NULL;
  gsize reply_capacity = HEADER_SIZE + SCB_MAX_RESPONSE_SIZE;
  guint32 request_id;
  gboolean truncated = FALSE;
  gssize received;
  guint32 status;
  LONG rv;

  if (length > SCB_MAX_APDU_SIZE)
    return SCARD_E_INSUFFICIENT_BUFFER;
  if (card->channel_state == WSC_CHANNEL_UNOPENED)
    {
      rv = channel_open (card);
      if (rv != SCARD_S_SUCCESS)
        return rv;
    }
  if (card->channel_state == WSC_CHANNEL_UNAVAILABLE)
    return exchange_over_bus (card, op, code, data, length, answer);

  request_id = ++card->next_request_id;
  request = g_malloc0 (HEADER_SIZE + length);
  request[0] = CHANNEL_VERSION;
  request[1] = op;
  /* request[2..3]: flags, none */
  *(guint32 *) (request + 4) = GUINT32_TO_LE (request_id);
  *(guint32 *) (request + 8) = GUINT32_TO_LE (code);
  /* request[12..15]: status, 0 in requests */
  if (length > 0)
    memcpy (request + HEADER_SIZE, data, length);

  rv = send_request (card->channel_fd, request, HEADER_SIZE + length);
  if (rv != SCARD_S_SUCCESS)
    {
      wsc_channel_close (card);
      return rv == SCARD_E_NO_SERVICE ? error_after_eof (card) : rv;
    }

  reply = g_malloc (reply_capacity);
  received = receive_answer (card->channel_fd, reply, reply_capacity, &truncated);
  if (received == 0 || (received < 0 && (errno == ECONNRESET || errno == EPIPE)))
    {
      wsc_channel_close (card);
      return error_after_eof (card);
    }
  /* Every length from the daemon is checked before use. */
  if (received < HEADER_SIZE || truncated || reply[0] != CHANNEL_VERSION
      || reply[1] != (op | ANSWER_BIT) || GUINT32_FROM_LE (*(guint32 *) (reply + 4)) != request_id)
    {
      wsc_channel_close (card);
      return SCARD_F_COMM_ERROR;
    }
  status = GUINT32_FROM_LE (*(guint32 *) (reply + 12));
  if (status != SCARD_S_SUCCESS)
    return (LONG) status;
  *answer = g_bytes_new (reply + HEADER_SIZE, (gsize) received - HEADER_SIZE);
  return SCARD_S_SUCCESS;
}

/* scb-channel-codec.c: the framing of the APDU channel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-channel-codec.h"
#include "scb-error.h"

#include <string.h>

static void
put_u16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

static void
put_u32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint16
get_u16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

void
scb_channel_header_encode (const ScbChannelHeader *header, guint8 out[SCB_CHANNEL_HEADER_SIZE])
{
  out[0] = header->version;
  out[1] = header->op;
  put_u16 (out + 2, header->flags);
  put_u32 (out + 4, header->id);
  put_u32 (out + 8, header->code);
  put_u32 (out + 12, header->status);
}

static void
header_decode (const guint8 *p, ScbChannelHeader *header)
{
  header->version = p[0];
  header->op = p[1] & ~SCB_CHANNEL_OP_ANSWER;
  header->flags = get_u16 (p + 2);
  header->id = get_u32 (p + 4);
  header->code = get_u32 (p + 8);
  header->status = get_u32 (p + 12);
}

static gboolean
is_op (guint8 op)
{
  return op >= SCB_CHANNEL_OP_TRANSMIT && op <= SCB_CHANNEL_OP_STATUS;
}

/* Begin and end a transaction, status: the op is the whole request. */
static gboolean
takes_payload (guint8 op)
{
  return op == SCB_CHANNEL_OP_TRANSMIT || op == SCB_CHANNEL_OP_CONTROL;
}

gboolean
scb_channel_request_decode (const guint8 *packet, gsize len, ScbChannelHeader *header,
                            GError **error)
{
  *header = (ScbChannelHeader){ 0 };
  if (len < SCB_CHANNEL_HEADER_SIZE)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "Packet of %" G_GSIZE_FORMAT " bytes, shorter than the header", len);
      return FALSE;
    }
  /* Echo what can be echoed, even in an error answer. */
  header_decode (packet, header);
  if (len > SCB_CHANNEL_MAX_REQUEST)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER,
                   "Packet of %" G_GSIZE_FORMAT " bytes, more than %u", len,
                   SCB_CHANNEL_MAX_REQUEST);
      return FALSE;
    }
  if (packet[0] != SCB_CHANNEL_VERSION || (packet[1] & SCB_CHANNEL_OP_ANSWER) || !is_op (packet[1])
      || header->flags != 0 || header->status != 0)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "Malformed header (version %u, op %u, flags %u, status %u)", packet[0],
                   packet[1], header->flags, header->status);
      return FALSE;
    }
  if (header->op == SCB_CHANNEL_OP_TRANSMIT && len == SCB_CHANNEL_HEADER_SIZE)
    {
      g_set_error_literal (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                           "A transmit request without an APDU");
      return FALSE;
    }
  if (!takes_payload (header->op) && len != SCB_CHANNEL_HEADER_SIZE)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "Op %u takes no payload, %" G_GSIZE_FORMAT " bytes came", header->op,
                   len - SCB_CHANNEL_HEADER_SIZE);
      return FALSE;
    }
  return TRUE;
}

ScbChannelAnswer
scb_channel_answer_decode (const guint8 *packet, gsize len, guint8 op, guint32 id,
                           ScbChannelHeader *header, GError **error)
{
  *header = (ScbChannelHeader){ 0 };
  if (len < SCB_CHANNEL_HEADER_SIZE || len > SCB_CHANNEL_MAX_ANSWER)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR,
                   "Malformed answer on the channel (%" G_GSIZE_FORMAT " bytes)", len);
      return SCB_CHANNEL_ANSWER_ERROR;
    }
  header_decode (packet, header);
  if (packet[0] != SCB_CHANNEL_VERSION || !(packet[1] & SCB_CHANNEL_OP_ANSWER)
      || !is_op (header->op) || header->flags != 0)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR,
                   "Malformed answer on the channel (version %u, op 0x%02x, flags %u)", packet[0],
                   packet[1], header->flags);
      return SCB_CHANNEL_ANSWER_ERROR;
    }
  /* An answer to an earlier request the client gave up on (cancelled). */
  if (header->id != id)
    return SCB_CHANNEL_ANSWER_STALE;
  if (header->op != op || (header->status != 0 && len != SCB_CHANNEL_HEADER_SIZE))
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR,
                   "Malformed answer on the channel (op 0x%02x to op %u, status 0x%08x, "
                   "%" G_GSIZE_FORMAT " bytes)",
                   packet[1], op, header->status, len);
      return SCB_CHANNEL_ANSWER_ERROR;
    }
  return SCB_CHANNEL_ANSWER_OK;
}

GBytes *
scb_channel_status_encode (const ScbChannelStatus *status)
{
  gsize len = SCB_CHANNEL_STATUS_HEADER + status->atr_len + status->name_len;
  guint8 *out;

  if (status->atr_len > SCB_CHANNEL_MAX_ATR || status->name_len > SCB_CHANNEL_MAX_NAME)
    return NULL;
  out = g_malloc (len);
  put_u32 (out, status->state);
  put_u32 (out + 4, status->protocol);
  out[8] = (guint8) status->atr_len;
  if (status->atr_len > 0)
    memcpy (out + SCB_CHANNEL_STATUS_HEADER, status->atr, status->atr_len);
  if (status->name_len > 0)
    memcpy (out + SCB_CHANNEL_STATUS_HEADER + status->atr_len, status->name, status->name_len);
  return g_bytes_new_take (out, len);
}

gboolean
scb_channel_status_decode (const guint8 *payload, gsize len, ScbChannelStatus *status,
                           GError **error)
{
  *status = (ScbChannelStatus){ 0 };
  if (len < SCB_CHANNEL_STATUS_HEADER || payload[8] > SCB_CHANNEL_MAX_ATR
      || len - SCB_CHANNEL_STATUS_HEADER < payload[8]
      || len - SCB_CHANNEL_STATUS_HEADER - payload[8] > SCB_CHANNEL_MAX_NAME)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR,
                   "Malformed status on the channel (%" G_GSIZE_FORMAT " bytes)", len);
      return FALSE;
    }
  status->state = get_u32 (payload);
  status->protocol = get_u32 (payload + 4);
  status->atr_len = payload[8];
  status->atr = payload + SCB_CHANNEL_STATUS_HEADER;
  status->name = (const char *) status->atr + status->atr_len;
  status->name_len = len - SCB_CHANNEL_STATUS_HEADER - status->atr_len;
  return TRUE;
}

/* scb-channel-codec.h: the framing of the APDU channel (docs/channel.md)
 *
 * Sans-I/O: the daemon's end, libscardbus and the fuzz target encode and
 * decode packets here and nowhere else. One packet is one request or one
 * answer: a 16-byte little-endian header, then the payload. Internal to
 * each binary (hidden): libscardbus does not export it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "scb-types.h"

G_BEGIN_DECLS

#define SCB_CHANNEL_HEADER_SIZE 16
#define SCB_CHANNEL_VERSION 1
/* Answers carry their request's op with this bit set. */
#define SCB_CHANNEL_OP_ANSWER 0x80

typedef enum
{
  SCB_CHANNEL_OP_TRANSMIT = 1, /* code: the protocol (ScbProtocol), 0 for the connection's */
  SCB_CHANNEL_OP_CONTROL = 2,  /* code: the control code */
} ScbChannelOp;

/* The largest packets each side accepts. */
#define SCB_CHANNEL_MAX_REQUEST (SCB_CHANNEL_HEADER_SIZE + SCB_MAX_APDU_SIZE)
#define SCB_CHANNEL_MAX_ANSWER (SCB_CHANNEL_HEADER_SIZE + SCB_MAX_RESPONSE_SIZE)

typedef struct
{
  guint8 version;
  guint8 op; /* without SCB_CHANNEL_OP_ANSWER */
  guint16 flags;
  guint32 id;
  guint32 code;
  guint32 status; /* SCARD_* of an answer; 0 in requests */
} ScbChannelHeader;

/* Writes @header (op as given) to @out. */
G_GNUC_INTERNAL void scb_channel_header_encode (const ScbChannelHeader *header,
                                                guint8 out[SCB_CHANNEL_HEADER_SIZE]);

/* Checks a request of @len bytes (its real length: a receiver sees a
 * packet longer than its buffer with MSG_TRUNC) and fills @header with what
 * can be echoed even in an error answer (op, id, code; zero when shorter
 * than a header). Fails with InvalidParameter or InsufficientBuffer, as
 * docs/channel.md lists. */
G_GNUC_INTERNAL gboolean scb_channel_request_decode (const guint8 *packet, gsize len,
                                                     ScbChannelHeader *header, GError **error);

typedef enum
{
  SCB_CHANNEL_ANSWER_OK,    /* the answer to the request */
  SCB_CHANNEL_ANSWER_STALE, /* a well-formed answer to an earlier request: skip it */
  SCB_CHANNEL_ANSWER_ERROR, /* malformed: the channel cannot be trusted */
} ScbChannelAnswer;

/* Checks an answer of @len bytes to the request @op, @id. */
G_GNUC_INTERNAL ScbChannelAnswer scb_channel_answer_decode (const guint8 *packet, gsize len,
                                                            guint8 op, guint32 id,
                                                            ScbChannelHeader *header,
                                                            GError **error);

G_END_DECLS

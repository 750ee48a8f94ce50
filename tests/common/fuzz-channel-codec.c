/* fuzz-channel-codec.c: the channel framing codec on arbitrary packets
 *
 * The first byte chooses the side (bit 7: request, else answer) and the
 * expected op; the rest is the packet. Invariants (docs/channel.md):
 * - a request decodes only when well-formed (transmit with an APDU, a
 *   payload only for transmit and control), re-encodes to its own header,
 *   and any packet of a header or more echoes its id, op and code even when
 *   refused; a refusal has an error;
 * - an answer is OK only for its own id and op, with a header-only packet
 *   when its status is an error; STALE only for another id; ERROR with an
 *   error, and never for a well-formed answer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scb-channel-codec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The expected id of an answer: the one of the seeds' OK answers. */
#define EXPECTED_ID 9

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static void
check_request (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  ScbChannelHeader header;
  guint8 again[SCB_CHANNEL_HEADER_SIZE];

  if (scb_channel_request_decode (data, size, &header, &error))
    {
      /* Transmit needs an APDU; only transmit and control take a payload. */
      gboolean payload_op
          = header.op == SCB_CHANNEL_OP_TRANSMIT || header.op == SCB_CHANNEL_OP_CONTROL;

      if (error != NULL || size < SCB_CHANNEL_HEADER_SIZE
          || (size == SCB_CHANNEL_HEADER_SIZE && header.op == SCB_CHANNEL_OP_TRANSMIT)
          || (size > SCB_CHANNEL_HEADER_SIZE && !payload_op))
        abort ();
      if (size > SCB_CHANNEL_MAX_REQUEST || header.version != SCB_CHANNEL_VERSION
          || header.flags != 0 || header.status != 0)
        abort ();
      scb_channel_header_encode (&header, again);
      if (memcmp (again, data, sizeof again) != 0)
        abort ();
      return;
    }
  if (error == NULL)
    abort ();
  if (size < SCB_CHANNEL_HEADER_SIZE)
    {
      if (header.id != 0 || header.op != 0 || header.code != 0)
        abort ();
    }
  else if (header.id != get_u32 (data + 4) || header.code != get_u32 (data + 8)
           || header.op != (data[1] & ~SCB_CHANNEL_OP_ANSWER))
    abort ();
}

static void
check_answer (guint8 op, const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  ScbChannelHeader header;
  gboolean well_formed = size >= SCB_CHANNEL_HEADER_SIZE && size <= SCB_CHANNEL_MAX_ANSWER
                         && data[0] == SCB_CHANNEL_VERSION
                         && data[1] == (op | SCB_CHANNEL_OP_ANSWER) && data[2] == 0 && data[3] == 0
                         && (size == SCB_CHANNEL_HEADER_SIZE || get_u32 (data + 12) == 0)
                         && op >= SCB_CHANNEL_OP_TRANSMIT && op <= SCB_CHANNEL_OP_STATUS;

  switch (scb_channel_answer_decode (data, size, op, EXPECTED_ID, &header, &error))
    {
    case SCB_CHANNEL_ANSWER_OK:
      if (error != NULL || !well_formed || header.id != EXPECTED_ID || header.op != op)
        abort ();
      /* A Status answer's payload: decoded within its bytes, and encoded
       * back to the same bytes. */
      if (op == SCB_CHANNEL_OP_STATUS)
        {
          const guint8 *payload = data + SCB_CHANNEL_HEADER_SIZE;
          gsize len = size - SCB_CHANNEL_HEADER_SIZE;
          ScbChannelStatus status;

          if (scb_channel_status_decode (payload, len, &status, NULL))
            {
              g_autoptr (GBytes) back = scb_channel_status_encode (&status);

              if (status.atr + status.atr_len > payload + len
                  || status.name + status.name_len != (const char *) payload + len || back == NULL
                  || g_bytes_get_size (back) != len
                  || memcmp (g_bytes_get_data (back, NULL), payload, len) != 0)
                abort ();
            }
        }
      break;
    case SCB_CHANNEL_ANSWER_STALE:
      if (error != NULL || header.id == EXPECTED_ID)
        abort ();
      break;
    case SCB_CHANNEL_ANSWER_ERROR:
      if (error == NULL || (well_formed && get_u32 (data + 4) == EXPECTED_ID))
        abort ();
      break;
    default:
      abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint8 first;

  if (size < 1)
    return 0;
  first = data[0];
  if (first & 0x80)
    check_request (data + 1, size - 1);
  else
    check_answer (first & 0x7f, data + 1, size - 1);
  return 0;
}

/* fuzz-channel-codec.c: the channel framing codec on arbitrary packets
 *
 * The first byte chooses the side (request or answer) and the expected op;
 * the rest is the packet. Invariants: a decoded request re-encodes to its
 * own header, and an answer is OK only for its own id and op.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scb-channel-codec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  ScbChannelHeader header;
  guint8 again[SCB_CHANNEL_HEADER_SIZE];
  guint8 op;

  if (size < 1)
    return 0;
  op = data[0] & 0x7f;
  data++;
  size--;
  if (data[-1] & 0x80)
    {
      if (scb_channel_request_decode (data, size, &header, NULL))
        {
          if (size < SCB_CHANNEL_HEADER_SIZE || size > SCB_CHANNEL_MAX_REQUEST || header.flags != 0
              || header.status != 0)
            abort ();
          scb_channel_header_encode (&header, again);
          if (memcmp (again, data, sizeof again) != 0)
            abort ();
        }
      return 0;
    }
  switch (scb_channel_answer_decode (data, size, op, 9, &header, NULL))
    {
    case SCB_CHANNEL_ANSWER_OK:
      if (size < SCB_CHANNEL_HEADER_SIZE || size > SCB_CHANNEL_MAX_ANSWER || header.id != 9
          || header.op != op)
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
      if (header.id == 9)
        abort ();
      break;
    case SCB_CHANNEL_ANSWER_ERROR:
    default:
      break;
    }
  return 0;
}

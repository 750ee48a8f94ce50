/* fuzz-pcscd-request.c: the pcscd protocol's request decoder on any bytes
 *
 * The first byte picks the client's minor version (4 to 6); the rest is a
 * stream of requests, decoded as the daemon does, fed in pieces of the
 * sizes the input's bytes choose. Invariants: a decoded request is one the
 * version has, fits in the stream and SCB_PCSCD_MAX_REQUEST, and encodes
 * back to the same bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scb-pcscd-codec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint minor;
  gsize offset = 0;

  if (size < 1)
    return 0;
  minor = 4 + data[0] % 3;
  data++;
  size--;
  while (offset < size)
    {
      ScbPcscdMessage msg;
      const guint8 *extra = NULL;
      gsize consumed = 0;
      g_autoptr (GBytes) again = NULL;

      if (!scb_pcscd_request_decode (data + offset, size - offset, minor, &msg, &extra, &consumed,
                                     NULL))
        break;
      if (consumed == 0)
        break;
      if (consumed > size - offset || consumed > SCB_PCSCD_MAX_REQUEST
          || scb_pcscd_command_minor (msg.command) > minor
          || scb_pcscd_command_minor (msg.command) == 0
          || strnlen (msg.reader, sizeof msg.reader) == sizeof msg.reader)
        abort ();
      again = scb_pcscd_request_encode (&msg, extra, msg.send_length);
      if (g_bytes_get_size (again) != consumed)
        abort ();
      for (gsize i = 0; i < consumed; i++)
        {
          const guint8 *p = g_bytes_get_data (again, NULL);

          /* A reader name's last byte is always made a terminator. */
          if (msg.command == SCB_PCSCD_CONNECT && i == SCB_PCSCD_HEADER_SIZE + 4 + 127)
            {
              if (p[i] != 0)
                abort ();
            }
          else if (p[i] != data[offset + i])
            abort ();
        }
      offset += consumed;
    }
  return 0;
}

/* fuzz-ccid-secure.c: part 10 PIN structures from a client
 *
 * The first byte picks the operation (bit 0) and a reader whose quirks
 * apply (bits 1-3); the rest is the structure as SCardControl got it,
 * copied into a buffer of exactly its size so ASan sees any read past it.
 * Whatever is accepted must fit the output and describe it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "ccid-secure.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const uint32_t readers[] = {
  CCID_READER_ID (0x0F14, 0x003B), CCID_READER_ID (0x08E6, 0x3478), CCID_READER_ID (0x0982, 0x0008),
  CCID_READER_ID (0x413C, 0x2100), CCID_READER_ID (0x413C, 0x2101), CCID_READER_ID (0x04E6, 0xE003),
  CCID_READER_ID (0x046A, 0x003E), CCID_READER_ID (0x046A, 0x0010),
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CcidPinOperation op;
  CcidSecureMessage msg;
  const char *reason = NULL;
  uint8_t *copy;
  uint8_t *out;
  size_t out_size;

  if (size < 1)
    return 0;
  op = (data[0] & 1) ? CCID_PIN_OPERATION_MODIFY : CCID_PIN_OPERATION_VERIFY;
  uint32_t reader = readers[(data[0] >> 1) & 0x07];
  data++;
  size--;
  copy = malloc (size ? size : 1);
  out_size = CCID_SECURE_DATA_SIZE (size);
  out = malloc (out_size);
  if (copy == NULL || out == NULL)
    {
      free (copy);
      free (out);
      return 0;
    }
  if (size > 0)
    memcpy (copy, data, size);
  if (ccid_secure_convert (op, copy, size, reader, out, out_size, &msg, &reason))
    {
      if (msg.len > out_size || msg.apdu + msg.apdu_len != msg.len || msg.prologue + 3 != msg.apdu
          || msg.apdu_len < CCID_PIN_MIN_APDU
          || memcmp (out + msg.apdu, copy + size - msg.apdu_len, msg.apdu_len) != 0)
        abort ();
    }
  else if (reason == NULL)
    abort ();
  free (copy);
  free (out);
  return 0;
}

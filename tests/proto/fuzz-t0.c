/* fuzz-t0.c: the T=0 APDU engine and the procedure-byte interpreter with
 * arbitrary card answers
 *
 * Input: one byte N, then N bytes of command APDU, then answers: a length
 * byte L followed by L bytes (an answer to the TPDU in flight).  The tail is
 * also fed, byte by byte, to the procedure-byte interpreter.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t0.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static uint8_t resp[T0_MAX_RESPONSE];

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  t0_ctx ctx;
  t0_proc proc;
  size_t n, pos;
  uint8_t *apdu;
  t0_status st;

  if (size < 1)
    return 0;
  n = data[0];
  if (n > size - 1)
    n = size - 1;
  apdu = malloc (n ? n : 1); /* exact size: over-reads are seen */
  if (apdu == NULL)
    return 0;
  memcpy (apdu, data + 1, n);
  pos = 1 + n;

  st = t0_begin (&ctx, apdu, n, resp, sizeof resp);
  while (st == T0_SEND_MORE && pos < size)
    {
      uint8_t tpdu[T0_MAX_TPDU];
      size_t tpdu_len = 0, l;
      uint8_t *answer;

      if (t0_next_tpdu (&ctx, tpdu, sizeof tpdu, &tpdu_len) != T0_SEND_MORE)
        break;
      if (tpdu_len < 5 || tpdu_len > T0_MAX_TPDU)
        abort ();
      l = data[pos++];
      if (l > size - pos)
        l = size - pos;
      answer = malloc (l ? l : 1);
      if (answer == NULL)
        break;
      memcpy (answer, data + pos, l);
      pos += l;
      st = t0_on_response (&ctx, answer, l);
      free (answer);
    }
  if (st == T0_DONE)
    {
      size_t len = 0;

      if (t0_take_response (&ctx, &len) != T0_DONE || len < 2 || len > sizeof resp)
        abort ();
    }
  if (t0_error_reason (t0_error_of (&ctx)) == NULL)
    abort ();

  /* the same bytes as procedure bytes */
  t0_proc_init (&proc, n > 1 ? apdu[1] : 0xA4, (t0_dir) (size % 3), (uint16_t) (size & 0x1FF));
  for (size_t i = 1; i < size; i++)
    {
      uint16_t count = 0;
      t0_proc_action a = t0_proc_on_byte (&proc, data[i], &count);

      if (a == T0_PROC_ERROR || a == T0_PROC_DONE)
        break;
      if (a == T0_PROC_TRANSFER && count > 0x1FF)
        abort ();
    }
  free (apdu);
  return 0;
}

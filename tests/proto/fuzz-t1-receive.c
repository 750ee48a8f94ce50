/* fuzz-t1-receive.c: the T=1 receive path with arbitrary blocks
 *
 * Input: one byte of parameters (EDC, IFSC, NAD), one byte of APDU length
 * (its top bit bounds our blocks, as a small CCID reader does: max_inf),
 * then events: a length byte L followed by L bytes of a block from the
 * card; L = FF is a timeout, L = FE a parity error reported by the reader,
 * L = FD asks for a correct EDC to be appended to the next block (so that
 * the fuzzer gets past the checksum easily), L = FC is the caller giving up
 * (t1_cancel).
 * After each event the block the engine wants to send is taken and checked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t1.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static uint8_t apdu[T1_MAX_APDU];
static uint8_t resp[T1_MAX_RESPONSE];

static void
take_block (t1_state *st, t1_status s)
{
  uint8_t out[T1_MAX_BLOCK];
  size_t len = 0;
  t1_block b;

  if (s != T1_SEND && s != T1_WTX)
    return;
  if (t1_next_block (st, out, sizeof out, &len) != T1_SEND)
    abort ();
  /* whatever the card did, what we send is a well-formed block */
  if (t1_block_decode (out, len, (t1_edc) st->edc, &b) != T1_BLOCK_OK)
    abort ();
  if (b.nad != st->nad)
    abort ();
  if (b.type == T1_BLOCK_I && (b.len > st->ifsc || b.len > st->max_inf))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  t1_state st;
  t1_params p;
  size_t apdu_len;
  size_t pos = 2;
  t1_status s;

  if (size < 2)
    return 0;
  memset (&p, 0, sizeof p);
  p.edc = (data[0] & 0x01) ? T1_EDC_CRC : T1_EDC_LRC;
  p.ifsc = (uint8_t) ((data[0] >> 1) * 2 + 1); /* 1..255; 255 falls back to 32 */
  p.nad = (data[0] & 0x80) ? 0x12 : 0x00;
  p.max_wtx = 8;
  p.max_inf = (data[1] & 0x80) ? (uint8_t) (1 + (data[1] & 0x1F)) : 0;
  apdu_len = (size_t) data[1] * 3 + 1;
  for (size_t i = 0; i < apdu_len; i++)
    apdu[i] = (uint8_t) i;

  t1_init (&st, &p);
  s = t1_begin (&st, apdu, apdu_len, resp, sizeof resp);
  take_block (&st, s);
  while (pos < size)
    {
      uint8_t l = data[pos++];
      bool fix_edc = false;

      if (l == 0xFD)
        {
          if (pos >= size)
            break;
          fix_edc = true;
          l = data[pos++];
          if (l >= 0xFD)
            l = 0;
        }
      if (l == 0xFC)
        {
          t1_cancel (&st);
          /* nothing half-way: no block to send, none expected */
          if (t1_on_timeout (&st) != T1_ERROR)
            abort ();
          s = T1_ERROR;
        }
      else if (l == 0xFF)
        s = t1_on_timeout (&st);
      else if (l == 0xFE)
        s = t1_on_bad_block (&st);
      else
        {
          uint8_t tmp[256 + 2];
          uint8_t *block;
          size_t n = l, m;

          if (n > size - pos)
            n = size - pos;
          memcpy (tmp, data + pos, n);
          pos += n;
          m = n;
          if (fix_edc && n >= 3 && n <= 3 + T1_MAX_INF)
            {
              tmp[2] = (uint8_t) (n - 3);
              if (st.edc == T1_EDC_CRC)
                {
                  uint16_t crc = t1_crc (tmp, n);
                  tmp[m++] = (uint8_t) (crc & 0xFF);
                  tmp[m++] = (uint8_t) (crc >> 8);
                }
              else
                tmp[m++] = t1_lrc (tmp, n);
            }
          /* an exact-size copy, so that over-reads are seen */
          block = malloc (m ? m : 1);
          if (block == NULL)
            return 0;
          memcpy (block, tmp, m);
          s = t1_on_block (&st, block, m);
          free (block);
        }
      if (s == T1_DONE)
        {
          size_t len = 0;

          if (t1_take_response (&st, &len) == T1_DONE && len > sizeof resp)
            abort ();
        }
      if (s == T1_DONE || s == T1_ERROR)
        s = t1_begin (&st, apdu, apdu_len, resp, sizeof resp);
      take_block (&st, s);
    }
  return 0;
}

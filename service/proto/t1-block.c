/* t1-block.c: T=1 block codec (ISO/IEC 7816-3 §11.3, §11.4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "t1-block.h"

#include <string.h>

uint8_t
t1_lrc (const uint8_t *data, size_t len)
{
  uint8_t x = 0;

  for (size_t i = 0; i < len; i++)
    x ^= data[i];
  return x;
}

uint16_t
t1_crc (const uint8_t *data, size_t len)
{
  uint16_t crc = 0xFFFF;

  for (size_t i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int b = 0; b < 8; b++)
        crc = (crc & 1) ? (uint16_t) ((crc >> 1) ^ 0x8408) : (uint16_t) (crc >> 1);
    }
  return (uint16_t) ~crc;
}

size_t
t1_edc_size (t1_edc edc)
{
  return edc == T1_EDC_CRC ? 2 : 1;
}

static void
put_edc (t1_edc edc, uint8_t *buf, size_t n)
{
  if (edc == T1_EDC_CRC)
    {
      uint16_t crc = t1_crc (buf, n);

      buf[n] = (uint8_t) (crc & 0xFF);
      buf[n + 1] = (uint8_t) (crc >> 8);
    }
  else
    buf[n] = t1_lrc (buf, n);
}

size_t
t1_block_encode (uint8_t nad, uint8_t pcb, const uint8_t *inf, size_t inf_len, t1_edc edc,
                 uint8_t *out, size_t cap)
{
  size_t n = 3 + inf_len + t1_edc_size (edc);

  if (out == NULL || inf_len > T1_MAX_INF || cap < n || (inf_len > 0 && inf == NULL))
    return 0;
  out[0] = nad;
  out[1] = pcb;
  out[2] = (uint8_t) inf_len;
  if (inf_len > 0)
    memmove (out + 3, inf, inf_len);
  put_edc (edc, out, 3 + inf_len);
  return n;
}

t1_block_status
t1_block_decode (const uint8_t *in, size_t len, t1_edc edc, t1_block *out)
{
  size_t esz = t1_edc_size (edc);
  size_t n;

  memset (out, 0, sizeof (*out));
  if (in == NULL || len < 3 + esz)
    return T1_BLOCK_ERR_SHORT;
  /* ISO 7816-3 §11.3.2.3: LEN FF is RFU */
  if (in[2] == 0xFF)
    return T1_BLOCK_ERR_LEN_FF;
  n = 3 + (size_t) in[2];
  /* The length byte is only trusted once it agrees with what arrived. */
  if (len != n + esz)
    return T1_BLOCK_ERR_LENGTH;
  if (edc == T1_EDC_CRC)
    {
      uint16_t crc = t1_crc (in, n);

      if (in[n] != (uint8_t) (crc & 0xFF) || in[n + 1] != (uint8_t) (crc >> 8))
        return T1_BLOCK_ERR_EDC;
    }
  else if (t1_lrc (in, n) != in[n])
    return T1_BLOCK_ERR_EDC;

  out->nad = in[0];
  out->pcb = in[1];
  out->len = in[2];
  out->inf = in[2] ? in + 3 : NULL;
  if ((in[1] & 0x80) == 0)
    out->type = T1_BLOCK_I; /* 0 N(S) M x x x x x */
  else if ((in[1] & 0xC0) == 0x80)
    {
      out->type = T1_BLOCK_R; /* 1 0 0 N(R) 0 0 e e */
      if ((in[1] & 0x2C) != 0 || in[2] != 0)
        return T1_BLOCK_ERR_PCB;
    }
  else
    {
      out->type = T1_BLOCK_S; /* 1 1 resp 0 0 0 t t */
      if ((in[1] & 0x1C) != 0)
        return T1_BLOCK_ERR_PCB;
      switch (in[1] & 0x03)
        {
        case T1_S_RESYNCH:
        case T1_S_ABORT:
          /* ABORT may carry INF (§11.3.2.2), RESYNCH does not */
          if ((in[1] & 0x03) == T1_S_RESYNCH && in[2] != 0)
            return T1_BLOCK_ERR_PCB;
          break;
        case T1_S_IFS:
        case T1_S_WTX:
        default:
          if (in[2] != 1)
            return T1_BLOCK_ERR_PCB;
          break;
        }
    }
  return T1_BLOCK_OK;
}

/* atr.c: Answer-To-Reset parsing (ISO/IEC 7816-3 §8)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "atr.h"

#include <string.h>

/* ISO 7816-3 §8.3 Table 7: Fi and f(max) by TA1 b8-b5; 0 marks RFU. */
static const uint16_t fi_table[16] = {
  372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0,
};
static const uint16_t fmax_table[16] = {
  4000, 5000, 6000, 8000, 12000, 16000, 20000, 0, 0, 5000, 7500, 10000, 15000, 20000, 0, 0,
};
/* ISO 7816-3 §8.3 Table 8: Di by TA1 b4-b1; 0 marks RFU. */
static const uint8_t di_table[16] = {
  0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0,
};

unsigned
atr_fi_value (uint8_t fi_index)
{
  return fi_index < 16 ? fi_table[fi_index] : 0;
}

unsigned
atr_fmax_khz (uint8_t fi_index)
{
  return fi_index < 16 ? fmax_table[fi_index] : 0;
}

unsigned
atr_di_value (uint8_t di_index)
{
  return di_index < 16 ? di_table[di_index] : 0;
}

const char *
atr_strerror (atr_status status)
{
  switch (status)
    {
    case ATR_OK:
      return "valid ATR";
    case ATR_ERR_ARGS:
      return "invalid arguments";
    case ATR_ERR_EMPTY:
      return "empty ATR";
    case ATR_ERR_TOO_LONG:
      return "ATR longer than 33 bytes";
    case ATR_ERR_TS:
      return "TS is neither 3B nor 3F";
    case ATR_ERR_TRUNCATED:
      return "ATR truncated: interface or historical bytes missing";
    case ATR_ERR_OVERFLOW:
      return "interface bytes run past 33 bytes";
    case ATR_ERR_TCK_MISSING:
      return "TCK missing although a protocol other than T=0 is offered";
    case ATR_ERR_TCK:
      return "wrong TCK";
    case ATR_ERR_EXTRA_BYTES:
      return "extra bytes after the end of the ATR";
    case ATR_ERR_IFSC:
      return "invalid IFSC (00 or FF) for T=1";
    case ATR_ERR_TA2_PROTOCOL:
      return "TA2 selects a protocol the ATR does not offer";
    case ATR_ERR_TA1_RFU:
      return "specific mode with an RFU Fi or Di in TA1";
    case ATR_ERR_LAST_:
    default:
      break;
    }
  return "unknown ATR error";
}

static void
set_defaults (atr_info *out)
{
  memset (out, 0, sizeof (*out));
  /* ISO 7816-3 §8.3: Fd = 372, Dd = 1, fmax = 5 MHz; §10.2: WI = 10;
   * §11.4: IFSC = 32, BWI = 4, CWI = 13, LRC. */
  out->fi_index = 1;
  out->di_index = 1;
  out->fi = 372;
  out->di = 1;
  out->fmax_khz = 5000;
  out->wi = 10;
  out->ifsc = 32;
  out->bwi = 4;
  out->cwi = 13;
  out->edc = ATR_EDC_LRC;
}

/* Group (1-based) of the first TA/TB/TC specific to protocol @t: the group
 * after the first TD(i-1), i > 2, that indicates @t (ISO 7816-3 §8.2.3).
 * 0 if none. */
static unsigned
specific_group (const atr_info *out, uint8_t t)
{
  for (unsigned i = 2; i < out->n_groups && i < ATR_MAX_GROUPS; i++)
    {
      if ((out->td_present & (1u << (i - 1))) && (out->td[i - 1] & 0x0F) == t)
        return i + 1;
    }
  return 0;
}

static bool
has (uint32_t mask, unsigned group)
{
  return group >= 1 && group <= ATR_MAX_GROUPS && (mask & (1u << (group - 1))) != 0;
}

atr_status
atr_parse (const uint8_t *atr, size_t len, atr_info *out)
{
  size_t pos;
  uint8_t y;
  size_t k;
  bool tck_needed = false;
  unsigned group = 1;
  unsigned g;

  if (atr == NULL || out == NULL)
    return ATR_ERR_ARGS;
  set_defaults (out);
  if (len == 0)
    return ATR_ERR_EMPTY;
  if (len > ATR_MAX_LEN)
    return ATR_ERR_TOO_LONG;
  memcpy (out->raw, atr, len);
  out->len = len;

  /* ISO 7816-3 §8.1: TS */
  if (atr[0] == 0x3F)
    out->inverse = true;
  else if (atr[0] != 0x3B)
    return ATR_ERR_TS;
  if (len < 2)
    return ATR_ERR_TRUNCATED;
  out->t0 = atr[1];
  y = atr[1] >> 4;
  k = atr[1] & 0x0F;
  pos = 2;

  /* ISO 7816-3 §8.2.3: TAi TBi TCi TDi as Yi announces them.  Every byte
   * is checked against the 33-byte limit and against @len before it is read. */
  for (;;)
    {
      static const uint8_t bits[3] = { 0x1, 0x2, 0x4 };
      uint8_t *const dst[3] = { out->ta, out->tb, out->tc };
      uint32_t *const present[3] = { &out->ta_present, &out->tb_present, &out->tc_present };

      for (int j = 0; j < 3; j++)
        {
          if (!(y & bits[j]))
            continue;
          if (pos >= ATR_MAX_LEN)
            return ATR_ERR_OVERFLOW;
          if (pos >= len)
            return ATR_ERR_TRUNCATED;
          if (group <= ATR_MAX_GROUPS)
            {
              dst[j][group - 1] = atr[pos];
              *present[j] |= 1u << (group - 1);
            }
          pos++;
        }
      if (!(y & 0x8))
        break;
      if (pos >= ATR_MAX_LEN)
        return ATR_ERR_OVERFLOW;
      if (pos >= len)
        return ATR_ERR_TRUNCATED;
      {
        uint8_t td = atr[pos++];
        uint8_t t = td & 0x0F;

        if (group <= ATR_MAX_GROUPS)
          {
            out->td[group - 1] = td;
            out->td_present |= 1u << (group - 1);
          }
        if (group == 1)
          out->first_protocol = t;
        if (t == 15)
          out->has_t15 = true;
        else
          out->protocols |= (uint16_t) (1u << t);
        /* ISO 7816-3 §8.2.5: TCK iff some TDi indicates a T other than 0 */
        if (t != 0)
          tck_needed = true;
        y = td >> 4;
        group++;
      }
    }
  out->n_groups = group;

  /* ISO 7816-3 §8.2.4: historical bytes */
  if (pos + k > ATR_MAX_LEN)
    return ATR_ERR_OVERFLOW;
  if (pos + k > len)
    return ATR_ERR_TRUNCATED;
  memcpy (out->hist, atr + pos, k);
  out->hist_len = k;
  pos += k;

  /* ISO 7816-3 §8.2.5: TCK, the XOR of T0 to TCK is 00 */
  if (tck_needed)
    {
      uint8_t x = 0;

      if (pos >= ATR_MAX_LEN)
        return ATR_ERR_OVERFLOW;
      if (pos >= len)
        return ATR_ERR_TCK_MISSING;
      for (size_t i = 1; i <= pos; i++)
        x ^= atr[i];
      out->has_tck = true;
      out->tck = atr[pos];
      pos++;
      if (x != 0)
        return ATR_ERR_TCK;
    }
  else if (len == pos + 1)
    {
      /* T=0 only, yet one more byte that checks as a TCK: some cards send
       * one anyway.  Tolerated and flagged; any other extra byte is not. */
      uint8_t x = 0;

      for (size_t i = 1; i < len; i++)
        x ^= atr[i];
      if (x == 0)
        {
          out->has_tck = true;
          out->tck_superfluous = true;
          out->tck = atr[pos];
          pos++;
        }
    }
  if (pos != len)
    return ATR_ERR_EXTRA_BYTES;

  if (out->protocols == 0)
    out->protocols = 1u << 0; /* no TD1, or only T=15: T=0 (§8.2.3) */
  if (!(out->td_present & 1u))
    out->first_protocol = 0;

  /* Global interface bytes (ISO 7816-3 §8.3) */
  if (has (out->ta_present, 1))
    {
      uint8_t ta1 = out->ta[0];
      uint8_t fi_index = ta1 >> 4, di_index = ta1 & 0x0F;

      if (fi_table[fi_index] == 0 || di_table[di_index] == 0)
        out->ta1_rfu = true;
      else
        {
          out->fi_index = fi_index;
          out->di_index = di_index;
          out->fi = fi_table[fi_index];
          out->di = di_table[di_index];
          out->fmax_khz = fmax_table[fi_index];
        }
    }
  if (has (out->tc_present, 1))
    out->n = out->tc[0];
  if (has (out->ta_present, 2))
    {
      /* ISO 7816-3 §8.3 TA2: specific mode */
      uint8_t ta2 = out->ta[1];

      out->specific_mode = true;
      out->specific_protocol = ta2 & 0x0F;
      out->specific_can_change = (ta2 & 0x80) == 0;
      out->specific_implicit = (ta2 & 0x10) != 0;
      if (!atr_offers (out, out->specific_protocol))
        return ATR_ERR_TA2_PROTOCOL;
      if (!out->specific_implicit && out->ta1_rfu)
        return ATR_ERR_TA1_RFU;
    }
  /* ISO 7816-3 §10.2: TC2 is WI for T=0; 00 is RFU and leaves the default */
  if (has (out->tc_present, 2) && out->tc[1] != 0)
    out->wi = out->tc[1];

  /* ISO 7816-3 §11.4: first TA, TB, TC for T=1 */
  g = specific_group (out, 1);
  if (g != 0)
    {
      if (has (out->ta_present, g))
        {
          out->ifsc = out->ta[g - 1];
          if (out->ifsc == 0x00 || out->ifsc == 0xFF)
            return ATR_ERR_IFSC;
        }
      if (has (out->tb_present, g))
        {
          out->bwi = out->tb[g - 1] >> 4;
          out->cwi = out->tb[g - 1] & 0x0F;
        }
      if (has (out->tc_present, g))
        out->edc = (out->tc[g - 1] & 0x01) ? ATR_EDC_CRC : ATR_EDC_LRC;
    }

  /* ISO 7816-3 §8.3: first TA for T=15, class indicator and clock stop */
  g = specific_group (out, 15);
  if (g != 0 && has (out->ta_present, g))
    {
      out->has_class = true;
      out->class_indicator = out->ta[g - 1] & 0x3F;
      out->clock_stop = out->ta[g - 1] >> 6;
    }

  return ATR_OK;
}

/* test-atr.c: ATR parsing (ISO/IEC 7816-3 §8) against real and broken ATRs
 *
 * The real ATRs come from pcsc-tools' smartcard_list.txt; their expected
 * decodings were worked out with the ISO 7816-3 tables (an independent
 * decoder, then spot-checked by hand: see test_hand_decoded).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <string.h>

#include "atr.h"

typedef struct
{
  size_t len;
  uint8_t atr[ATR_MAX_LEN];
  unsigned fi, di, fmax_khz;
  uint16_t protocols;
  uint8_t first_protocol;
  bool specific_mode;
  uint8_t specific_protocol;
  uint8_t n, wi, ifsc, bwi, cwi, edc;
  bool has_class;
  uint8_t class_indicator;
  bool inverse;
  bool has_tck;
  size_t hist_len;
  uint8_t hist[ATR_MAX_HIST];
} atr_vector;

#include "atr-vectors.h"

/* Parse from a heap copy of exactly @len bytes, so that AddressSanitizer
 * and valgrind catch any read past the end. */
static atr_status
parse_exact (const uint8_t *atr, size_t len, atr_info *info)
{
  uint8_t *copy = g_malloc (len ? len : 1);
  atr_status st;

  memcpy (copy, atr, len);
  st = atr_parse (copy, len, info);
  g_free (copy);
  return st;
}

static void
test_real_vectors (void)
{
  g_assert_cmpuint (G_N_ELEMENTS (real_atrs), >=, 50);
  for (size_t i = 0; i < G_N_ELEMENTS (real_atrs); i++)
    {
      const atr_vector *v = &real_atrs[i];
      atr_info info;
      atr_status st = parse_exact (v->atr, v->len, &info);

      if (st != ATR_OK)
        g_error ("vector %zu: %s", i, atr_strerror (st));
      g_assert_cmpuint (info.len, ==, v->len);
      g_assert_cmpuint (info.fi, ==, v->fi);
      g_assert_cmpuint (info.di, ==, v->di);
      g_assert_cmpuint (info.fmax_khz, ==, v->fmax_khz);
      g_assert_cmphex (info.protocols, ==, v->protocols);
      g_assert_cmpuint (info.first_protocol, ==, v->first_protocol);
      g_assert_cmpint (info.specific_mode, ==, v->specific_mode);
      if (v->specific_mode)
        g_assert_cmpuint (info.specific_protocol, ==, v->specific_protocol);
      g_assert_cmpuint (info.n, ==, v->n);
      g_assert_cmpuint (info.wi, ==, v->wi);
      g_assert_cmpuint (info.ifsc, ==, v->ifsc);
      g_assert_cmpuint (info.bwi, ==, v->bwi);
      g_assert_cmpuint (info.cwi, ==, v->cwi);
      g_assert_cmpuint (info.edc, ==, v->edc);
      g_assert_cmpint (info.has_class, ==, v->has_class);
      if (v->has_class)
        g_assert_cmphex (info.class_indicator, ==, v->class_indicator);
      g_assert_cmpint (info.inverse, ==, v->inverse);
      g_assert_cmpint (info.has_tck && !info.tck_superfluous, ==, v->has_tck);
      g_assert_cmpmem (info.hist, info.hist_len, v->hist, v->hist_len);
    }
}

static void
test_hand_decoded (void)
{
  /* Yubico YubiKey 4: TA1 13 (Fi 372, Di 4), TB1 00, TC1 00 (N 0),
   * TD1 81 (T=1), TD2 31 (T=1; TA3 TB3), TA3 FE (IFSC 254), TB3 15
   * (BWI 1, CWI 5), historical "Yubikey4", TCK D4. */
  static const uint8_t yubikey[] = {
    0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15,
    0x59, 0x75, 0x62, 0x69, 0x6B, 0x65, 0x79, 0x34, 0xD4,
  };
  /* A JavaCard SIM: TA1 96 (Fi 512, Di 32, fmax 5 MHz), TD1 80 (T=0),
   * TD2 1F (T=15; TA3), TA3 C7 (classes A, B, C; clock stop either). */
  static const uint8_t sim[] = {
    0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE,
    0x21, 0x1B, 0x57, 0x31, 0x86, 0x60, 0xB2, 0x1A, 0x0C, 0x0C, 0x9F,
  };
  /* Minimal T=0 ATR, inverse convention (TS already decoded by the reader):
   * T0 60: TB1 00, TC1 00; no historical bytes. */
  static const uint8_t inv[] = { 0x3F, 0x60, 0x00, 0x00 };
  atr_info info;

  g_assert_cmpint (atr_parse (yubikey, sizeof yubikey, &info), ==, ATR_OK);
  g_assert_cmpuint (info.fi, ==, 372);
  g_assert_cmpuint (info.di, ==, 4);
  g_assert_cmpuint (info.fmax_khz, ==, 5000);
  g_assert_cmphex (info.protocols, ==, 1u << 1);
  g_assert_cmpuint (info.first_protocol, ==, 1);
  g_assert_false (info.specific_mode);
  g_assert_cmpuint (info.ifsc, ==, 254);
  g_assert_cmpuint (info.bwi, ==, 1);
  g_assert_cmpuint (info.cwi, ==, 5);
  g_assert_cmpuint (info.edc, ==, ATR_EDC_LRC);
  g_assert_cmpmem (info.hist, info.hist_len, "Yubikey4", 8);
  g_assert_true (info.has_tck);
  g_assert_cmphex (info.tck, ==, 0xD4);

  g_assert_cmpint (atr_parse (sim, sizeof sim, &info), ==, ATR_OK);
  g_assert_cmpuint (info.fi, ==, 512);
  g_assert_cmpuint (info.di, ==, 32);
  g_assert_cmpuint (info.fmax_khz, ==, 5000);
  g_assert_cmphex (info.protocols, ==, 1u << 0);
  g_assert_true (info.has_t15);
  g_assert_true (info.has_class);
  g_assert_cmphex (info.class_indicator, ==, 0x07);
  g_assert_cmpuint (info.clock_stop, ==, 3);
  g_assert_cmpuint (info.hist_len, ==, 15);
  g_assert_true (info.has_tck);

  g_assert_cmpint (atr_parse (inv, sizeof inv, &info), ==, ATR_OK);
  g_assert_true (info.inverse);
  g_assert_cmphex (info.protocols, ==, 1u);
  g_assert_false (info.has_tck);
  g_assert_cmpuint (info.fi, ==, 372);
  g_assert_cmpuint (info.di, ==, 1);
  g_assert_cmpuint (info.wi, ==, 10);
}

static void
test_truncated (void)
{
  /* Every proper prefix of every real ATR is refused, and never read past. */
  for (size_t i = 0; i < G_N_ELEMENTS (real_atrs); i++)
    {
      const atr_vector *v = &real_atrs[i];

      for (size_t n = 0; n < v->len; n++)
        {
          atr_info info;
          atr_status st = parse_exact (v->atr, n, &info);

          if (n == 0)
            g_assert_cmpint (st, ==, ATR_ERR_EMPTY);
          else if (st != ATR_ERR_TRUNCATED && st != ATR_ERR_TCK_MISSING)
            g_error ("vector %zu cut at %zu: %s", i, n, atr_strerror (st));
        }
    }
}

static void
test_tck (void)
{
  unsigned checked = 0;

  for (size_t i = 0; i < G_N_ELEMENTS (real_atrs); i++)
    {
      const atr_vector *v = &real_atrs[i];
      uint8_t buf[ATR_MAX_LEN];
      atr_info info;

      if (!v->has_tck)
        continue;
      memcpy (buf, v->atr, v->len);
      for (unsigned bit = 0; bit < 8; bit++)
        {
          buf[v->len - 1] = (uint8_t) (v->atr[v->len - 1] ^ (1u << bit));
          g_assert_cmpint (parse_exact (buf, v->len, &info), ==, ATR_ERR_TCK);
        }
      /* missing TCK */
      g_assert_cmpint (parse_exact (v->atr, v->len - 1, &info), ==, ATR_ERR_TCK_MISSING);
      checked++;
    }
  g_assert_cmpuint (checked, >, 20);
}

static void
test_extra_bytes (void)
{
  static const uint8_t t0_only[] = { 0x3B, 0x02, 0x14, 0x50 };
  uint8_t buf[ATR_MAX_LEN + 1];
  atr_info info;

  g_assert_cmpint (atr_parse (t0_only, sizeof t0_only, &info), ==, ATR_OK);
  g_assert_false (info.has_tck);

  /* T=0 only with a byte that checks as TCK: tolerated, flagged */
  memcpy (buf, t0_only, sizeof t0_only);
  buf[4] = 0x02 ^ 0x14 ^ 0x50;
  g_assert_cmpint (atr_parse (buf, 5, &info), ==, ATR_OK);
  g_assert_true (info.has_tck);
  g_assert_true (info.tck_superfluous);
  /* any other extra byte is refused */
  buf[4] ^= 0x01;
  g_assert_cmpint (atr_parse (buf, 5, &info), ==, ATR_ERR_EXTRA_BYTES);

  /* T=1 ATR with a byte after its TCK */
  for (size_t i = 0; i < G_N_ELEMENTS (real_atrs); i++)
    {
      const atr_vector *v = &real_atrs[i];

      if (!v->has_tck || v->len >= ATR_MAX_LEN)
        continue;
      memcpy (buf, v->atr, v->len);
      buf[v->len] = 0x00;
      g_assert_cmpint (parse_exact (buf, v->len + 1, &info), ==, ATR_ERR_EXTRA_BYTES);
    }

  /* over 33 bytes: refused before anything is read */
  memset (buf, 0, sizeof buf);
  buf[0] = 0x3B;
  g_assert_cmpint (parse_exact (buf, ATR_MAX_LEN + 1, &info), ==, ATR_ERR_TOO_LONG);
}

static void
test_overflow (void)
{
  uint8_t buf[ATR_MAX_LEN];
  atr_info info;

  /* TDi chain that never ends: 3B 80 80 80 ... */
  memset (buf, 0x80, sizeof buf);
  buf[0] = 0x3B;
  for (size_t n = 2; n <= ATR_MAX_LEN; n++)
    {
      atr_status st = parse_exact (buf, n, &info);

      g_assert_cmpint (st, ==, n == ATR_MAX_LEN ? ATR_ERR_OVERFLOW : ATR_ERR_TRUNCATED);
    }

  /* Every group with TA TB TC TD: 3B F0 FF FF FF F1 ...; T=1 needs TCK */
  memset (buf, 0xF1, sizeof buf);
  buf[0] = 0x3B;
  buf[1] = 0xF0;
  g_assert_cmpint (parse_exact (buf, sizeof buf, &info), ==, ATR_ERR_OVERFLOW);

  /* 15 historical bytes after a chain that fills the ATR */
  memset (buf, 0x80, sizeof buf);
  buf[0] = 0x3B;
  buf[1] = 0x8F;
  buf[20] = 0x00; /* TD chain ends at index 20; 15 hist would need 36 */
  g_assert_cmpint (parse_exact (buf, sizeof buf, &info), ==, ATR_ERR_OVERFLOW);

  /* TCK would be byte 34 */
  {
    static const uint8_t head[] = { 0x3B, 0x8F, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x01 };
    memset (buf, 0x41, sizeof buf);
    memcpy (buf, head, sizeof head);
    /* 17 bytes of interface bytes + 15 historical = 32; TCK at index 32: OK */
    buf[32] = 0;
    for (size_t i = 1; i < 32; i++)
      buf[32] ^= buf[i];
    g_assert_cmpint (parse_exact (buf, 33, &info), ==, ATR_OK);
    g_assert_cmpuint (info.hist_len, ==, 15);
    g_assert_cmpuint (info.n_groups, ==, 16);
  }
  {
    /* one more TDi: TCK no longer fits */
    static const uint8_t head[] = { 0x3B, 0x8F, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x01 };
    memset (buf, 0x41, sizeof buf);
    memcpy (buf, head, sizeof head);
    g_assert_cmpint (parse_exact (buf, 33, &info), ==, ATR_ERR_OVERFLOW);
  }
}

static void
build_tck (uint8_t *buf, size_t len)
{
  uint8_t x = 0;

  for (size_t i = 1; i + 1 < len; i++)
    x ^= buf[i];
  buf[len - 1] = x;
}

static void
test_contradictions (void)
{
  atr_info info;
  /* TS */
  static const uint8_t bad_ts[] = { 0x3A, 0x00 };
  /* TD1 81 (T=1), TD2 11 (T=1, TA3), TA3 = IFSC, TCK */
  uint8_t ifsc[] = { 0x3B, 0x80, 0x81, 0x11, 0x00, 0x00 };
  /* TA1 11, TD1 10 (T=0, TA2), TA2 01: specific T=1, not offered */
  static const uint8_t ta2_bad[] = { 0x3B, 0x90, 0x11, 0x10, 0x01 };
  static const uint8_t ta2_ok[] = { 0x3B, 0x90, 0x11, 0x10, 0x80 };
  /* TA1 70: Fi 7 and Di 0 are RFU */
  static const uint8_t ta1_rfu_explicit[] = { 0x3B, 0x90, 0x70, 0x10, 0x00 };
  static const uint8_t ta1_rfu_implicit[] = { 0x3B, 0x90, 0x70, 0x10, 0x10 };
  static const uint8_t ta1_rfu_negotiable[] = { 0x3B, 0x10, 0x70 };

  g_assert_cmpint (atr_parse (bad_ts, sizeof bad_ts, &info), ==, ATR_ERR_TS);
  g_assert_cmpint (atr_parse (bad_ts, 0, &info), ==, ATR_ERR_EMPTY);
  g_assert_cmpint (atr_parse (NULL, 3, &info), ==, ATR_ERR_ARGS);

  ifsc[4] = 0x00;
  build_tck (ifsc, sizeof ifsc);
  g_assert_cmpint (atr_parse (ifsc, sizeof ifsc, &info), ==, ATR_ERR_IFSC);
  ifsc[4] = 0xFF;
  build_tck (ifsc, sizeof ifsc);
  g_assert_cmpint (atr_parse (ifsc, sizeof ifsc, &info), ==, ATR_ERR_IFSC);
  ifsc[4] = 0xFE;
  build_tck (ifsc, sizeof ifsc);
  g_assert_cmpint (atr_parse (ifsc, sizeof ifsc, &info), ==, ATR_OK);
  g_assert_cmpuint (info.ifsc, ==, 254);
  ifsc[4] = 0x01;
  build_tck (ifsc, sizeof ifsc);
  g_assert_cmpint (atr_parse (ifsc, sizeof ifsc, &info), ==, ATR_OK);
  g_assert_cmpuint (info.ifsc, ==, 1);

  g_assert_cmpint (atr_parse (ta2_bad, sizeof ta2_bad, &info), ==, ATR_ERR_TA2_PROTOCOL);
  g_assert_cmpint (atr_parse (ta2_ok, sizeof ta2_ok, &info), ==, ATR_OK);
  g_assert_true (info.specific_mode);
  g_assert_cmpuint (info.specific_protocol, ==, 0);
  g_assert_false (info.specific_can_change);

  g_assert_cmpint (atr_parse (ta1_rfu_explicit, sizeof ta1_rfu_explicit, &info), ==,
                   ATR_ERR_TA1_RFU);
  g_assert_cmpint (atr_parse (ta1_rfu_implicit, sizeof ta1_rfu_implicit, &info), ==, ATR_OK);
  g_assert_true (info.specific_implicit);
  g_assert_true (info.ta1_rfu);
  g_assert_cmpint (atr_parse (ta1_rfu_negotiable, sizeof ta1_rfu_negotiable, &info), ==, ATR_OK);
  g_assert_true (info.ta1_rfu);
  g_assert_cmpuint (info.fi, ==, 372);
  g_assert_cmpuint (info.di, ==, 1);
}

static void
test_specific_t1 (void)
{
  /* TD1 81 (T=1; TD2), TD2 71 (T=1; TA3 TB3 TC3), TA3 FE, TB3 45, TC3 01 (CRC).
   * TC2 (WI) absent.  TA/TB/TC after TD1 (group 2) are not T=1 specific. */
  uint8_t atr[] = { 0x3B, 0x80, 0x81, 0x71, 0xFE, 0x45, 0x01, 0x00 };
  /* TD1 F1 with TA2..TC2: only group 3 onward is specific to T=1 */
  uint8_t atr2[] = { 0x3B, 0x80, 0xF1, 0x11, 0x00, 0x20, 0x11, 0x20, 0x00 };
  atr_info info;

  build_tck (atr, sizeof atr);
  g_assert_cmpint (atr_parse (atr, sizeof atr, &info), ==, ATR_OK);
  g_assert_cmpuint (info.ifsc, ==, 254);
  g_assert_cmpuint (info.bwi, ==, 4);
  g_assert_cmpuint (info.cwi, ==, 5);
  g_assert_cmpuint (info.edc, ==, ATR_EDC_CRC);

  build_tck (atr2, sizeof atr2);
  g_assert_cmpint (atr_parse (atr2, sizeof atr2, &info), ==, ATR_OK);
  g_assert_true (info.specific_mode); /* TA2 11 */
  g_assert_cmpuint (info.specific_protocol, ==, 1);
  g_assert_true (info.specific_implicit);
  g_assert_cmpuint (info.wi, ==, 0x20);   /* TC2 */
  g_assert_cmpuint (info.ifsc, ==, 0x20); /* TA3 */
  g_assert_cmpuint (info.edc, ==, ATR_EDC_LRC);
}

static void
test_exhaustive_short (void)
{
  /* Every 3B xx yy and 3B xx yy zz with a handful of zz: no crash, no
   * over-read (run under ASan), and a consistent answer. */
  for (unsigned a = 0; a < 256; a++)
    for (unsigned b = 0; b < 256; b++)
      {
        uint8_t buf[3] = { 0x3B, (uint8_t) a, (uint8_t) b };
        atr_info info;
        atr_status st = parse_exact (buf, 3, &info);

        if (st == ATR_OK)
          g_assert_cmpuint (info.hist_len + 2, <=, 3);
        g_assert_nonnull (atr_strerror (st));
      }
}

static void
test_strerror (void)
{
  for (int i = 0; i <= ATR_ERR_LAST_ + 1; i++)
    {
      const char *s = atr_strerror ((atr_status) i);
      g_assert_nonnull (s);
      g_assert_cmpuint (strlen (s), >, 0);
    }
  g_assert_cmpuint (atr_fi_value (7), ==, 0);
  g_assert_cmpuint (atr_fi_value (13), ==, 2048);
  g_assert_cmpuint (atr_fmax_khz (10), ==, 7500);
  g_assert_cmpuint (atr_di_value (8), ==, 12);
  g_assert_cmpuint (atr_di_value (9), ==, 20);
  g_assert_cmpuint (atr_di_value (0), ==, 0);
  g_assert_cmpuint (atr_di_value (200), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/proto/atr/real-vectors", test_real_vectors);
  g_test_add_func ("/proto/atr/hand-decoded", test_hand_decoded);
  g_test_add_func ("/proto/atr/truncated", test_truncated);
  g_test_add_func ("/proto/atr/tck", test_tck);
  g_test_add_func ("/proto/atr/extra-bytes", test_extra_bytes);
  g_test_add_func ("/proto/atr/overflow", test_overflow);
  g_test_add_func ("/proto/atr/contradictions", test_contradictions);
  g_test_add_func ("/proto/atr/specific-t1", test_specific_t1);
  g_test_add_func ("/proto/atr/exhaustive-short", test_exhaustive_short);
  g_test_add_func ("/proto/atr/strerror", test_strerror);
  return g_test_run ();
}

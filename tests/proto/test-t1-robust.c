/* test-t1-robust.c: T=1 codec, EDC vectors, IFS, WTX, NAD, chaining limits,
 * maximum response, hostile input and API misuse (ISO/IEC 7816-3 §11)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "t1-script.h"

/* ---- EDC ---- */

static void
test_crc_vectors (void)
{
  /* ISO/IEC 13239 (CRC_B of ISO/IEC 14443-3 Annex B; CRC-16/X-25) */
  static const uint8_t check[] = "123456789";
  static const uint8_t zeros[] = { 0x00, 0x00, 0x00 };
  static const uint8_t v2[] = { 0x0F, 0xAA, 0xFF };

  g_assert_cmphex (t1_crc (check, 9), ==, 0x906E);
  g_assert_cmphex (t1_crc (zeros, 3), ==, 0xC6CC); /* sent CC C6 */
  g_assert_cmphex (t1_crc (v2, 3), ==, 0xD1FC);    /* sent FC D1 */
  g_assert_cmphex (ref_crc (check, 9), ==, 0x906E);
  g_assert_cmphex (t1_crc (NULL, 0), ==, 0x0000); /* ~FFFF */

  /* the two implementations agree on every block size */
  {
    uint8_t buf[T1_MAX_BLOCK];
    for (size_t i = 0; i < sizeof buf; i++)
      buf[i] = (uint8_t) (i * 7 + 3);
    for (size_t n = 0; n <= sizeof buf; n++)
      g_assert_cmphex (t1_crc (buf, n), ==, ref_crc (buf, n));
  }
  g_assert_cmphex (t1_lrc (v2, 3), ==, 0x0F ^ 0xAA ^ 0xFF);
  g_assert_cmpuint (t1_edc_size (T1_EDC_LRC), ==, 1);
  g_assert_cmpuint (t1_edc_size (T1_EDC_CRC), ==, 2);
}

static void
test_wire_exact (void)
{
  /* Literal bytes, EDC included, as they go to the reader. */
  static const uint8_t i_lrc[] = { 0x00, 0x00, 0x02, 0x01, 0x02, 0x01 };
  static const uint8_t i_crc[] = { 0x00, 0x00, 0x02, 0x01, 0x02, 0x05, 0x40 };
  static const uint8_t resynch_lrc[] = { 0x00, 0xC0, 0x00, 0xC0 };
  static const uint8_t resynch_crc[] = { 0x00, 0xC0, 0x00, 0x66, 0x0C };
  static const uint8_t r1_lrc[] = { 0x00, 0x90, 0x00, 0x90 };
  static const uint8_t wtx_lrc[] = { 0x00, 0xE3, 0x01, 0x10, 0xF2 };
  static const uint8_t apdu[] = { 0x01, 0x02 };
  uint8_t out[T1_MAX_BLOCK];
  uint8_t resp[16];
  size_t len;
  t1_state st;
  t1_params p = { .ifsc = 32, .edc = T1_EDC_LRC };

  g_assert_cmpuint (t1_block_encode (0, 0x00, apdu, 2, T1_EDC_LRC, out, sizeof out), ==,
                    sizeof i_lrc);
  g_assert_cmpmem (out, sizeof i_lrc, i_lrc, sizeof i_lrc);
  g_assert_cmpuint (t1_block_encode (0, 0x00, apdu, 2, T1_EDC_CRC, out, sizeof out), ==,
                    sizeof i_crc);
  g_assert_cmpmem (out, sizeof i_crc, i_crc, sizeof i_crc);
  g_assert_cmpuint (t1_block_encode (0, 0xC0, NULL, 0, T1_EDC_CRC, out, sizeof out), ==,
                    sizeof resynch_crc);
  g_assert_cmpmem (out, sizeof resynch_crc, resynch_crc, sizeof resynch_crc);

  /* the engine, LRC */
  t1_init (&st, &p);
  g_assert_cmpint (t1_begin (&st, apdu, sizeof apdu, resp, sizeof resp), ==, T1_SEND);
  g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
  g_assert_cmpmem (out, len, i_lrc, sizeof i_lrc);
  {
    static const uint8_t chain[] = { 0x00, 0x20, 0x01, 0xF1, 0xD0 };
    static const uint8_t wtx[] = { 0x00, 0xC3, 0x01, 0x10, 0xD2 };
    static const uint8_t last[] = { 0x00, 0x40, 0x02, 0x90, 0x00, 0xD2 };

    g_assert_cmpint (t1_on_block (&st, chain, sizeof chain), ==, T1_SEND);
    g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
    g_assert_cmpmem (out, len, r1_lrc, sizeof r1_lrc);
    g_assert_cmpint (t1_on_block (&st, wtx, sizeof wtx), ==, T1_WTX);
    g_assert_cmpuint (t1_wtx_multiplier (&st), ==, 16);
    g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
    g_assert_cmpmem (out, len, wtx_lrc, sizeof wtx_lrc);
    g_assert_cmpint (t1_on_block (&st, last, sizeof last), ==, T1_DONE);
    g_assert_cmpuint (t1_wtx_multiplier (&st), ==, 0);
    g_assert_cmpint (t1_take_response (&st, &len), ==, T1_DONE);
    g_assert_cmpmem (resp, len, "\xF1\x90\x00", 3);
  }

  /* the engine, CRC */
  p.edc = T1_EDC_CRC;
  t1_init (&st, &p);
  g_assert_cmpint (t1_begin_resynch (&st), ==, T1_SEND);
  g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
  g_assert_cmpmem (out, len, resynch_crc, sizeof resynch_crc);
  (void) resynch_lrc;
}

static void
test_crc_scenarios (void)
{
  t1_params p = { .ifsc = 2, .ifsd = 32, .edc = T1_EDC_CRC };

  run_with (&p, SCRIPT ("A 01 02 03", "> 00 20 02 01 02", "<! 00 90 00", "> 00 81 00", "< 00 90 00",
                        "> 00 40 01 03", "<! 00 00 02 90 00", "> 00 81 00", "< 00 00 02 90 00",
                        "DONE 90 00"));
  /* an LRC block to a CRC engine is a damaged block */
  run_with (&p, SCRIPT ("A 01", "> 00 00 01 01", "<raw 00 00 02 90 00 92", "> 00 82 00",
                        "< 00 00 02 90 00", "DONE 90 00"));
}

/* ---- block codec ---- */

static void
test_codec (void)
{
  uint8_t inf[T1_MAX_INF + 1];
  uint8_t out[T1_MAX_BLOCK];
  t1_block b;

  for (size_t i = 0; i < sizeof inf; i++)
    inf[i] = (uint8_t) (255 - i);
  for (int edc = 0; edc < 2; edc++)
    for (size_t n = 0; n <= T1_MAX_INF; n++)
      {
        size_t len = t1_block_encode (0x12, 0x40, inf, n, (t1_edc) edc, out, sizeof out);

        g_assert_cmpuint (len, ==, 3 + n + t1_edc_size ((t1_edc) edc));
        g_assert_cmpint (t1_block_decode (out, len, (t1_edc) edc, &b), ==, T1_BLOCK_OK);
        g_assert_cmphex (b.nad, ==, 0x12);
        g_assert_cmphex (b.pcb, ==, 0x40);
        g_assert_cmpint (b.type, ==, T1_BLOCK_I);
        g_assert_cmpmem (b.inf, b.len, inf, n);
        /* one byte short or long: LEN disagrees */
        g_assert_cmpint (t1_block_decode (out, len - 1, (t1_edc) edc, &b), !=, T1_BLOCK_OK);
        /* every single-bit error is caught */
        for (size_t byte = 0; byte < len; byte++)
          {
            out[byte] ^= 0x10;
            g_assert_cmpint (t1_block_decode (out, len, (t1_edc) edc, &b), !=, T1_BLOCK_OK);
            out[byte] ^= 0x10;
          }
      }
  /* INF too long, buffer too small */
  g_assert_cmpuint (t1_block_encode (0, 0, inf, T1_MAX_INF + 1, T1_EDC_LRC, out, sizeof out), ==,
                    0);
  g_assert_cmpuint (t1_block_encode (0, 0, inf, 10, T1_EDC_LRC, out, 13), ==, 0);
  g_assert_cmpuint (t1_block_encode (0, 0, inf, 10, T1_EDC_LRC, out, 14), ==, 14);

  {
    static const struct
    {
      const char *hex;
      t1_block_status st;
    } cases[] = {
      { "", T1_BLOCK_ERR_SHORT },
      { "00", T1_BLOCK_ERR_SHORT },
      { "00 00 00", T1_BLOCK_ERR_SHORT },
      { "00 00 FF 00", T1_BLOCK_ERR_LEN_FF },
      { "00 00 05 01 02 06", T1_BLOCK_ERR_LENGTH }, /* LEN past what arrived */
      { "00 00 01 01 02 02", T1_BLOCK_ERR_LENGTH }, /* bytes past LEN */
      { "00 00 01 01 01", T1_BLOCK_ERR_EDC },
      { "00 80 01 00 81", T1_BLOCK_ERR_PCB },    /* R-block with INF */
      { "00 A0 00 A0", T1_BLOCK_ERR_PCB },       /* R-block b6 set */
      { "00 84 00 84", T1_BLOCK_ERR_PCB },       /* R-block b3 set */
      { "00 C1 00 C1", T1_BLOCK_ERR_PCB },       /* S(IFS) without INF */
      { "00 C1 02 20 20 C3", T1_BLOCK_ERR_PCB }, /* S(IFS) with 2 bytes */
      { "00 C3 00 C3", T1_BLOCK_ERR_PCB },       /* S(WTX) without INF */
      { "00 C0 01 00 C1", T1_BLOCK_ERR_PCB },    /* S(RESYNCH) with INF */
      { "00 C4 00 C4", T1_BLOCK_ERR_PCB },       /* unknown S type */
      { "00 D0 00 D0", T1_BLOCK_ERR_PCB },
      { "00 C2 00 C2", T1_BLOCK_OK }, /* S(ABORT request) */
      { "00 92 00 92", T1_BLOCK_OK }, /* R(1), other error */
    };
    for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr (GByteArray) a = hex (cases[i].hex);
        g_autofree uint8_t *exact = g_memdup2 (a->data, a->len);

        g_assert_cmpint (t1_block_decode (exact, a->len, T1_EDC_LRC, &b), ==, cases[i].st);
      }
  }
}

/* ---- NAD ---- */

static void
test_nad (void)
{
  /* SAD 2, DAD 1: the card answers with SAD 1, DAD 2 */
  t1_params p = { .nad = 0x21, .ifsc = 32, .edc = T1_EDC_LRC };

  run_with (&p, SCRIPT ("A 01 02", "> 21 00 02 01 02", "< 12 00 02 90 00", "DONE 90 00"));
  /* not swapped, or another node: invalid block */
  run_with (&p, SCRIPT ("A 01 02", "> 21 00 02 01 02", "< 21 00 02 90 00", "> 21 82 00",
                        "< 00 00 02 90 00", "> 21 82 00", "< 13 00 02 90 00", "> 21 82 00",
                        "< 12 00 02 90 00", "DONE 90 00"));
  /* VPP bits b8 and b4 are never sent */
  p.nad = 0xA9;
  run_with (&p, SCRIPT ("A 01", "> 21 00 01 01", "< 12 00 02 90 00", "DONE 90 00"));

  /* two NADs, two states: sequence numbers are independent (TS 102 221) */
  {
    runner a, b;
    t1_params pa = { .nad = 0x01, .ifsc = 32 }, pb = { .nad = 0x02, .ifsc = 32 };

    runner_init (&a, &pa);
    runner_init (&b, &pb);
    step (&a, "A 01");
    step (&a, "> 01 00 01 01");
    step (&a, "< 10 00 02 90 00");
    step (&a, "DONE 90 00");
    step (&a, "A 02");
    step (&a, "> 01 40 01 02");
    step (&b, "A 03");
    step (&b, "> 02 00 01 03");
    step (&b, "< 20 00 02 90 00");
    step (&b, "DONE 90 00");
    step (&a, "< 10 40 02 90 00");
    step (&a, "DONE 90 00");
    /* one state, NAD changed between exchanges */
    g_assert_true (t1_set_nad (&a.st, 0x03));
    step (&a, "A 04");
    g_assert_false (t1_set_nad (&a.st, 0x01));
    step (&a, "> 03 00 01 04");
    step (&a, "< 30 00 02 90 00");
    step (&a, "DONE 90 00");
    runner_clear (&a);
    runner_clear (&b);
  }
}

/* ---- IFS ---- */

static void
test_ifs (void)
{
  /* the card lowers IFSC: the rest of our chain follows it */
  run (SCRIPT ("A 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B "
               "1C 1D 1E 1F 20 21 22",
               "> 00 20 20 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 "
               "19 1A 1B 1C 1D 1E 1F 20",
               "< 00 C1 01 01", "> 00 E1 01 01", "< 00 90 00", "> 00 60 01 21", "< 00 80 00",
               "> 00 00 01 22", "< 00 00 02 90 00", "DONE 90 00"));
  /* IFS 00 and FF from the card are invalid */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 C1 01 00", "> 00 82 00", "< 00 C1 01 FF",
               "> 00 82 00", "< 00 00 02 90 00", "DONE 90 00"));
  /* our S(IFS request): wrong echo, an R-block, silence: asked again;
   * then resynchronisation and failure */
  run (SCRIPT ("IFS 80", "> 00 C1 01 80", "< 00 E1 01 20", "> 00 C1 01 80", "< 00 81 00",
               "> 00 C1 01 80", "<T", "> 00 C1 01 80", "<T", "> 00 C0 00", "< 00 E0 00",
               "ERR NOT_TRANSACTED", "IFS 80", "> 00 C1 01 80", "< 00 E1 01 80", "DONE"));
  /* a pending resynchronisation goes first, then the IFS request */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 C3 01 01", "W 1", "> 00 E3 01 01", "<T", "> 00 82 00",
               "<T", "> 00 82 00", "<T", "> 00 82 00", "<T", "> 00 C0 00", "<T", "> 00 C0 00", "<T",
               "> 00 C0 00", "<T", "ERR RESYNCH_FAILED", "IFS FE", "> 00 C0 00", "< 00 E0 00",
               "> 00 C1 01 FE", "< 00 E1 01 FE", "DONE"));
  {
    t1_state st;
    t1_params p = { 0 };

    t1_init (&st, &p);
    g_assert_cmpuint (st.ifsc, ==, 32);
    g_assert_cmpuint (st.ifsd, ==, 32);
    g_assert_cmpint (t1_begin_ifs (&st, 0), ==, T1_ERROR);
    g_assert_cmpint (t1_error_of (&st), ==, T1_ERR_ARGS);
    g_assert_cmpint (t1_begin_ifs (&st, 255), ==, T1_ERROR);
    g_assert_cmpint (t1_begin_ifs (&st, 254), ==, T1_SEND);
  }
}

/* The card's S(IFS request) cannot push our blocks past what the
 * transport carries (a CCID reader's dwMaxCCIDMessageLength): the response
 * echoes the card's value, our blocks stay within max_inf. */
static void
test_ifs_bounded (void)
{
  t1_params p = { .ifsc = 32, .edc = T1_EDC_LRC, .max_inf = 4 };
  t1_params big = { .ifsc = 254, .edc = T1_EDC_CRC, .max_inf = 248 };
  t1_state st;

  /* from the ATR already */
  run_with (&p, SCRIPT ("A 01 02 03 04 05", "> 00 20 04 01 02 03 04", "< 00 90 00", "> 00 40 01 05",
                        "< 00 00 02 90 00", "DONE 90 00"));
  /* the card raises IFSC to FE, then lowers it to 2 */
  run_with (&p, SCRIPT ("A 01 02 03 04 05 06 07 08 09 0A 0B", "> 00 20 04 01 02 03 04",
                        "< 00 C1 01 FE", "> 00 E1 01 FE", "< 00 90 00", "> 00 60 04 05 06 07 08",
                        "< 00 C1 01 02", "> 00 E1 01 02", "< 00 80 00", "> 00 20 02 09 0A",
                        "< 00 90 00", "> 00 40 01 0B", "< 00 00 02 90 00", "DONE 90 00"));
  /* a resynchronisation goes back to the bounded IFSC of the ATR */
  run_with (&p,
            SCRIPT ("A 01", "> 00 00 01 01", "< 00 C1 01 FE", "> 00 E1 01 FE", "<T", "> 00 82 00",
                    "<T", "> 00 82 00", "<T", "> 00 82 00", "<T", "> 00 C0 00", "< 00 E0 00",
                    "ERR NOT_TRANSACTED", "A 01 02 03 04 05", "> 00 20 04 01 02 03 04",
                    "< 00 90 00", "> 00 40 01 05", "< 00 00 02 90 00", "DONE 90 00"));
  t1_init (&st, &big);
  g_assert_cmpuint (st.ifsc, ==, 248);
  big.max_inf = 0;
  t1_init (&st, &big);
  g_assert_cmpuint (st.ifsc, ==, 254);
  big.max_inf = 255; /* out of range: the block limit */
  t1_init (&st, &big);
  g_assert_cmpuint (st.max_inf, ==, T1_MAX_INF);
}

/* ---- giving up half-way (t1_cancel) ---- */

/* ISO 7816-3 §11.6.3: whatever phase the caller gives up in, the state is
 * never left half-way: the next exchange starts with S(RESYNCH request). */
static void
test_cancel (void)
{
  static const char *const next[]
      = { "A 01",       "> 00 C0 00", "< 00 E0 00", "> 00 00 01 01", "< 00 00 02 90 00",
          "DONE 90 00", NULL };
  const char *const *const halfway[] = {
    /* a block ready, not sent */
    SCRIPT ("A 01"),
    /* our I-block sent */
    SCRIPT ("A 01", "> 00 00 01 01"),
    /* during our chain */
    SCRIPT ("A 01 02 03", "> 00 20 02 01 02", "< 00 90 00"),
    /* during the card's chain, our R-block sent */
    SCRIPT ("A 01", "> 00 00 01 01", "< 00 20 01 F1", "> 00 90 00"),
    /* waiting for the answer to our S(IFS request) */
    SCRIPT ("IFS 80", "> 00 C1 01 80"),
    /* in a recovery */
    SCRIPT ("A 01", "> 00 00 01 01", "<T", "> 00 82 00"),
    /* resynchronising */
    SCRIPT ("A 01", "> 00 00 01 01", "<T", "> 00 82 00", "<T", "> 00 82 00", "<T", "> 00 82 00",
            "<T", "> 00 C0 00"),
    /* after S(ABORT response) */
    SCRIPT ("A 01", "> 00 00 01 01", "< 00 C2 00", "> 00 E2 00"),
    /* after a WTX */
    SCRIPT ("A 01", "> 00 00 01 01", "< 00 C3 01 02", "W 2"),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (halfway); i++)
    {
      runner r;
      t1_params p = { .ifsc = 2 };

      runner_init (&r, &p);
      for (gsize j = 0; halfway[i][j] != NULL; j++)
        step (&r, halfway[i][j]);
      step (&r, "CANCEL");
      g_assert_cmpint (t1_error_of (&r.st), ==, T1_ERR_NOT_TRANSACTED);
      /* nothing to send any more, nothing expected */
      g_assert_cmpint (t1_on_timeout (&r.st), ==, T1_ERROR);
      for (gsize j = 0; next[j] != NULL; j++)
        step (&r, next[j]);
      runner_clear (&r);
    }

  /* between exchanges it changes nothing */
  run (SCRIPT ("CANCEL", "A 01", "> 00 00 01 01", "< 00 00 02 90 00", "DONE 90 00", "CANCEL",
               "A 02", "> 00 40 01 02", "< 00 40 02 90 00", "DONE 90 00"));
  /* after an error that needs no resynchronisation either */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 C2 00", "> 00 E2 00", "< 00 80 00", "ERR ABORTED",
               "CANCEL", "A 01", "> 00 00 01 01", "< 00 00 02 90 00", "DONE 90 00"));
  t1_cancel (NULL);
}

/* ---- WTX ---- */

static void
test_wtx (void)
{
  t1_params p = { .ifsc = 32, .edc = T1_EDC_LRC, .max_wtx = 3 };

  /* WTX 00 is invalid */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 C3 01 00", "> 00 82 00", "< 00 C3 01 FF", "W 255",
               "> 00 E3 01 FF", "< 00 00 02 90 00", "DONE 90 00"));
  /* an endless S(WTX) stream is cut */
  run_with (&p, SCRIPT ("A 01", "> 00 00 01 01", "< 00 C3 01 01", "W 1", "> 00 E3 01 01",
                        "< 00 C3 01 02", "W 2", "> 00 E3 01 02", "< 00 C3 01 03", "W 3",
                        "> 00 E3 01 03", "< 00 C3 01 04", "ERR WTX_LIMIT",
                        /* the state is uncertain: resynchronise first */
                        "A 01", "> 00 C0 00", "< 00 E0 00", "> 00 00 01 01", "< 00 00 02 90 00",
                        "DONE 90 00"));
  /* the default bound */
  {
    runner r;
    t1_params d = { .ifsc = 32 };

    runner_init (&r, &d);
    step (&r, "A 01");
    step (&r, "> 00 00 01 01");
    for (unsigned i = 0; i < T1_DEFAULT_MAX_WTX; i++)
      {
        step (&r, "< 00 C3 01 05");
        step (&r, "W 5");
        step (&r, "> 00 E3 01 05");
      }
    step (&r, "< 00 C3 01 05");
    step (&r, "ERR WTX_LIMIT");
    runner_clear (&r);
  }
  /* WTX between the blocks of a chain; the count restarts with progress */
  run_with (&p, SCRIPT ("A 01", "> 00 00 01 01", "< 00 C3 01 01", "W 1", "> 00 E3 01 01",
                        "< 00 C3 01 01", "W 1", "> 00 E3 01 01", "< 00 20 01 F1", "> 00 90 00",
                        "< 00 C3 01 01", "W 1", "> 00 E3 01 01", "< 00 C3 01 01", "W 1",
                        "> 00 E3 01 01", "< 00 C3 01 01", "W 1", "> 00 E3 01 01", "< 00 40 01 F2",
                        "DONE F1 F2"));
}

/* ---- chaining, both ways, every IFSC ---- */

static GByteArray *
card_block (uint8_t pcb, const uint8_t *inf, size_t n)
{
  GByteArray *a = g_byte_array_new ();
  uint8_t hdr[3] = { 0x00, pcb, (uint8_t) n };

  g_byte_array_append (a, hdr, 3);
  if (n)
    g_byte_array_append (a, inf, (guint) n);
  add_edc (a, T1_EDC_LRC, false);
  return a;
}

/* Sends @apdu with IFSC @ifsc to a card that answers with @resp_len bytes
 * in chunks of @chunk; checks every block on the wire. */
static void
exchange (t1_state *st, uint8_t ifsc, const uint8_t *apdu, size_t apdu_len,
          const uint8_t *card_resp, size_t resp_len, size_t chunk)
{
  g_autofree uint8_t *resp = g_malloc (T1_MAX_RESPONSE);
  g_autoptr (GByteArray) seen = g_byte_array_new ();
  uint8_t out[T1_MAX_BLOCK];
  size_t len;
  t1_status s;
  uint8_t card_ns = st->nr, expect_ns = st->ns;
  size_t sent = 0;
  t1_block b;

  s = t1_begin (st, apdu, apdu_len, resp, T1_MAX_RESPONSE);
  /* command: I-blocks of at most IFSC, acknowledged by R-blocks */
  for (;;)
    {
      g_autoptr (GByteArray) in = NULL;

      g_assert_cmpint (s, ==, T1_SEND);
      g_assert_cmpint (t1_next_block (st, out, sizeof out, &len), ==, T1_SEND);
      g_assert_cmpint (t1_block_decode (out, len, T1_EDC_LRC, &b), ==, T1_BLOCK_OK);
      g_assert_cmpint (b.type, ==, T1_BLOCK_I);
      g_assert_cmpuint (b.len, <=, ifsc);
      g_assert_cmpuint (b.len, >, 0);
      g_assert_cmpuint ((b.pcb >> 6) & 1, ==, expect_ns);
      expect_ns ^= 1;
      g_byte_array_append (seen, b.inf, b.len);
      sent += b.len;
      if (!(b.pcb & T1_PCB_I_MORE))
        break;
      g_assert_cmpuint (b.len, ==, ifsc);
      in = card_block ((uint8_t) (0x80 | (expect_ns << 4)), NULL, 0);
      s = t1_on_block (st, in->data, in->len);
    }
  g_assert_cmpmem (seen->data, seen->len, apdu, apdu_len);
  g_assert_cmpuint (sent, ==, apdu_len);

  /* response: chained I-blocks of @chunk bytes, acknowledged by R(N(R)) */
  for (size_t off = 0;;)
    {
      size_t n = resp_len - off > chunk ? chunk : resp_len - off;
      bool more = off + n < resp_len;
      g_autoptr (GByteArray) in
          = card_block ((uint8_t) ((card_ns << 6) | (more ? 0x20 : 0)), card_resp + off, n);

      card_ns ^= 1;
      off += n;
      s = t1_on_block (st, in->data, in->len);
      if (!more)
        break;
      g_assert_cmpint (s, ==, T1_SEND);
      g_assert_cmpint (t1_next_block (st, out, sizeof out, &len), ==, T1_SEND);
      g_assert_cmpuint (len, ==, 4);
      g_assert_cmphex (out[1], ==, 0x80 | (card_ns << 4));
    }
  g_assert_cmpint (s, ==, T1_DONE);
  g_assert_cmpint (t1_take_response (st, &len), ==, T1_DONE);
  g_assert_cmpmem (resp, len, card_resp, resp_len);
}

static void
test_chaining_every_ifsc (void)
{
  g_autofree uint8_t *apdu = g_malloc (T1_MAX_APDU);
  g_autofree uint8_t *card = g_malloc (T1_MAX_RESPONSE);

  for (size_t i = 0; i < T1_MAX_APDU; i++)
    apdu[i] = (uint8_t) (i * 31 + 7);
  for (size_t i = 0; i < T1_MAX_RESPONSE; i++)
    card[i] = (uint8_t) (i * 13 + 1);

  for (unsigned ifsc = 1; ifsc <= 254; ifsc++)
    {
      t1_state st;
      t1_params p = { .ifsc = (uint8_t) ifsc, .ifsd = (uint8_t) ifsc, .edc = T1_EDC_LRC };
      size_t lens[] = { 1, ifsc, ifsc + 1u, 261, 3u * ifsc };

      t1_init (&st, &p);
      for (size_t j = 0; j < G_N_ELEMENTS (lens); j++)
        exchange (&st, (uint8_t) ifsc, apdu, lens[j], card, lens[j] + 2, ifsc);
    }
}

static void
test_maximum_sizes (void)
{
  g_autofree uint8_t *apdu = g_malloc (T1_MAX_APDU);
  g_autofree uint8_t *card = g_malloc (T1_MAX_RESPONSE + 512);
  t1_state st;
  t1_params p = { .ifsc = 254, .ifsd = 254, .edc = T1_EDC_LRC };

  for (size_t i = 0; i < T1_MAX_APDU; i++)
    apdu[i] = (uint8_t) (i ^ (i >> 8));
  for (size_t i = 0; i < T1_MAX_RESPONSE + 512; i++)
    card[i] = (uint8_t) (i * 5);
  t1_init (&st, &p);
  /* the longest extended APDU out, the longest response in */
  exchange (&st, 254, apdu, T1_MAX_APDU, card, T1_MAX_RESPONSE, 254);
  exchange (&st, 254, apdu, 5, card, T1_MAX_RESPONSE, 1);
  exchange (&st, 254, apdu, 5, card, 0, 254);

  /* one byte more than 65538: refused, and resynchronised next time */
  {
    g_autofree uint8_t *resp = g_malloc (T1_MAX_RESPONSE + 10);
    uint8_t out[T1_MAX_BLOCK];
    size_t len;
    t1_status s = t1_begin (&st, apdu, 5, resp, T1_MAX_RESPONSE + 10);
    uint8_t ns = st.nr;
    size_t off = 0;

    g_assert_cmpint (s, ==, T1_SEND);
    g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
    while (s != T1_ERROR)
      {
        g_autoptr (GByteArray) in = card_block ((uint8_t) ((ns << 6) | 0x20), card + off, 254);

        off += 254;
        ns ^= 1;
        s = t1_on_block (&st, in->data, in->len);
        if (s == T1_SEND)
          g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
        g_assert_cmpuint (off, <=, T1_MAX_RESPONSE + 254);
      }
    g_assert_cmpint (t1_error_of (&st), ==, T1_ERR_RESPONSE_TOO_LONG);
    g_assert_cmpuint (off, >, T1_MAX_RESPONSE);
    g_assert_true (st.need_resynch);
    g_assert_cmpint (t1_begin (&st, apdu, 5, resp, 300), ==, T1_SEND);
    g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
    g_assert_cmphex (out[1], ==, 0xC0);
  }
  /* APDU size limits */
  {
    uint8_t resp[4];
    t1_init (&st, &p);
    g_assert_cmpint (t1_begin (&st, apdu, 0, resp, sizeof resp), ==, T1_ERROR);
    g_assert_cmpint (t1_error_of (&st), ==, T1_ERR_ARGS);
    g_assert_cmpint (t1_begin (&st, apdu, T1_MAX_APDU + 1, resp, sizeof resp), ==, T1_ERROR);
    g_assert_cmpint (t1_begin (&st, NULL, 4, resp, sizeof resp), ==, T1_ERROR);
    g_assert_cmpint (t1_begin (&st, apdu, 4, NULL, 4), ==, T1_ERROR);
  }
}

/* ---- hostile input ---- */

static void
test_hostile (void)
{
  /* LEN larger than what arrived, smaller, FF; too short; garbage */
  run (SCRIPT ("A 01", "> 00 00 01 01", "<raw 00 00 05 90 00 95", "> 00 82 00",
               "<raw 00 00 01 90 00 91", "> 00 82 00", "<raw 00 00 FF 90 00 6F", "> 00 82 00",
               "<raw 00", "> 00 C0 00", "< 00 E0 00", "ERR NOT_TRANSACTED"));
  /* I-block with the wrong N(S) */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 40 02 90 00", "> 00 82 00", "< 00 00 02 90 00",
               "DONE 90 00"));
  /* an I-block while we are still chaining */
  run_ifsc2 (SCRIPT ("A 01 02 03", "> 00 20 02 01 02", "< 00 00 02 90 00", "> 00 82 00",
                     "< 00 90 00", "> 00 40 01 03", "< 00 00 02 90 00", "DONE 90 00"));
  /* unknown S-block, S(RESYNCH request) from the card, unsolicited
   * S responses, R-block with INF */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 C4 00", "> 00 82 00", "< 00 C0 00", "> 00 82 00",
               "< 00 E1 01 20", "> 00 82 00", "< 00 00 02 90 00", "DONE 90 00"));
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 E3 01 20", "> 00 82 00", "< 00 E0 00", "> 00 82 00",
               "<raw 00 80 01 00 81", "> 00 82 00", "< 00 00 02 90 00", "DONE 90 00"));
  /* during the card's chain: a repeated I-block (wrong N(S)), an S response */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 20 01 F1", "> 00 90 00", "< 00 20 01 F1",
               "> 00 92 00", "< 00 E3 01 01", "> 00 92 00", "< 00 40 01 F2", "DONE F1 F2"));
  /* the card keeps acknowledging our last block instead of answering */
  run (SCRIPT ("A 01", "> 00 00 01 01", "<! 00 00 01 F1", "> 00 81 00", "< 00 90 00", "> 00 81 00",
               "< 00 90 00", "> 00 81 00", "< 00 90 00", "> 00 C0 00", "< 00 E0 00",
               "ERR NOT_TRANSACTED"));
  /* S(ABORT) while we wait for S(RESYNCH response): asked again */
  run (SCRIPT ("RESYNCH", "> 00 C0 00", "< 00 C2 00", "> 00 C0 00", "< 00 E0 00", "DONE"));
  /* the card asks for our block again and again: resynchronised */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 80 00", "> 00 00 01 01", "< 00 80 00",
               "> 00 00 01 01", "< 00 80 00", "> 00 00 01 01", "< 00 80 00", "> 00 C0 00",
               "< 00 E0 00", "ERR NOT_TRANSACTED"));
  /* during its chain the card keeps sending R-blocks */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 20 01 F1", "> 00 90 00", "< 00 80 00", "> 00 90 00",
               "< 00 80 00", "> 00 90 00", "< 00 80 00", "> 00 90 00", "< 00 80 00", "> 00 C0 00",
               "<P", "> 00 C0 00", "< 00 E0 00", "ERR NOT_TRANSACTED"));
  /* after S(ABORT response) something else than an R-block */
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 C2 00", "> 00 E2 00", "< 00 00 02 90 00",
               "ERR ABORTED", "A 01", "> 00 C0 00", "< 00 E0 00", "> 00 00 01 01",
               "< 00 00 02 90 00", "DONE 90 00"));
  run (SCRIPT ("A 01", "> 00 00 01 01", "< 00 C2 00", "> 00 E2 00", "<T", "ERR ABORTED"));
}

static void
test_empty_chain (void)
{
  runner r;
  t1_params p = { .ifsc = 32 };

  runner_init (&r, &p);
  step (&r, "A 01");
  step (&r, "> 00 00 01 01");
  for (unsigned i = 0; i < T1_MAX_EMPTY_CHAIN; i++)
    {
      step (&r, i % 2 ? "< 00 60 00" : "< 00 20 00");
      step (&r, i % 2 ? "> 00 80 00" : "> 00 90 00");
    }
  step (&r, T1_MAX_EMPTY_CHAIN % 2 ? "< 00 60 00" : "< 00 20 00");
  step (&r, "ERR EMPTY_CHAIN");
  runner_clear (&r);
}

static void
test_garbage (void)
{
  /* every block of 0..7 bytes with LRC-consistent or random contents: the
   * engine never reads past the input and always answers something sane */
  for (unsigned n = 0; n < 8; n++)
    for (unsigned seed = 0; seed < 4096; seed++)
      {
        t1_state st;
        t1_params p = { .ifsc = 32 };
        uint8_t apdu[1] = { 0x01 };
        uint8_t resp[8];
        uint8_t out[T1_MAX_BLOCK];
        size_t len;
        g_autofree uint8_t *in = g_malloc (n ? n : 1);
        uint32_t x = seed * 2654435761u;
        t1_status s;

        for (unsigned i = 0; i < n; i++)
          {
            x = x * 1103515245u + 12345u;
            in[i] = (uint8_t) (x >> 16);
          }
        if (n >= 4 && (seed & 1))
          {
            uint8_t lrc = 0;
            in[2] = (uint8_t) (n - 4);
            for (unsigned i = 0; i + 1 < n; i++)
              lrc ^= in[i];
            in[n - 1] = lrc;
          }
        t1_init (&st, &p);
        g_assert_cmpint (t1_begin (&st, apdu, 1, resp, sizeof resp), ==, T1_SEND);
        g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
        s = t1_on_block (&st, in, n);
        g_assert_true (s == T1_SEND || s == T1_WTX || s == T1_DONE || s == T1_ERROR);
        if (s == T1_SEND || s == T1_WTX)
          g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
      }
}

/* ---- API misuse ---- */

static void
test_misuse (void)
{
  t1_state st;
  t1_params p = { .ifsc = 32 };
  uint8_t apdu[2] = { 1, 2 };
  uint8_t resp[8];
  uint8_t out[T1_MAX_BLOCK];
  size_t len;
  static const uint8_t blk[] = { 0x00, 0x00, 0x02, 0x90, 0x00, 0x92 };

  t1_init (&st, &p);
  /* nothing to send, nothing expected */
  g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_ERROR);
  g_assert_cmpint (t1_error_of (&st), ==, T1_ERR_STATE);
  g_assert_cmpint (t1_on_timeout (&st), ==, T1_ERROR);
  g_assert_cmpint (t1_take_response (&st, &len), ==, T1_ERROR);

  t1_init (&st, &p);
  g_assert_cmpint (t1_begin (&st, apdu, 2, resp, sizeof resp), ==, T1_SEND);
  /* a block arriving before ours went out */
  g_assert_cmpint (t1_on_block (&st, blk, sizeof blk), ==, T1_ERROR);
  g_assert_cmpint (t1_error_of (&st), ==, T1_ERR_STATE);

  t1_init (&st, &p);
  g_assert_cmpint (t1_begin (&st, apdu, 2, resp, sizeof resp), ==, T1_SEND);
  /* begin again while busy */
  g_assert_cmpint (t1_begin (&st, apdu, 2, resp, sizeof resp), ==, T1_ERROR);
  g_assert_cmpint (t1_error_of (&st), ==, T1_ERR_STATE);
  /* block buffer too small: the block stays ready */
  g_assert_cmpint (t1_next_block (&st, out, 5, &len), ==, T1_ERROR);
  g_assert_cmpint (t1_error_of (&st), ==, T1_ERR_BUFFER);
  g_assert_cmpint (t1_next_block (&st, out, 6, &len), ==, T1_SEND);
  g_assert_cmpuint (len, ==, 6);
  g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_ERROR);
  /* response buffer too small */
  g_assert_cmpint (t1_on_block (&st, blk, sizeof blk), ==, T1_DONE);
  g_assert_cmpint (t1_take_response (&st, &len), ==, T1_DONE);
  g_assert_cmpint (t1_take_response (&st, &len), ==, T1_ERROR);
  g_assert_cmpint (t1_begin (&st, apdu, 2, resp, 1), ==, T1_SEND);
  g_assert_cmpint (t1_next_block (&st, out, sizeof out, &len), ==, T1_SEND);
  {
    static const uint8_t blk1[] = { 0x00, 0x40, 0x02, 0x90, 0x00, 0xD2 };
    g_assert_cmpint (t1_on_block (&st, blk1, sizeof blk1), ==, T1_ERROR);
    g_assert_cmpint (t1_error_of (&st), ==, T1_ERR_RESPONSE_TOO_LONG);
  }

  g_assert_cmpint (t1_begin (NULL, apdu, 2, resp, 8), ==, T1_ERROR);
  g_assert_cmpint (t1_on_block (NULL, blk, 6), ==, T1_ERROR);
  g_assert_cmpint (t1_error_of (NULL), ==, T1_ERR_ARGS);
  for (int i = 0; i <= T1_ERR_LAST_; i++)
    g_assert_nonnull (t1_error_reason ((t1_error) i));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/proto/t1/crc-vectors", test_crc_vectors);
  g_test_add_func ("/proto/t1/wire-exact", test_wire_exact);
  g_test_add_func ("/proto/t1/crc-scenarios", test_crc_scenarios);
  g_test_add_func ("/proto/t1/codec", test_codec);
  g_test_add_func ("/proto/t1/nad", test_nad);
  g_test_add_func ("/proto/t1/ifs", test_ifs);
  g_test_add_func ("/proto/t1/ifs-bounded", test_ifs_bounded);
  g_test_add_func ("/proto/t1/cancel", test_cancel);
  g_test_add_func ("/proto/t1/wtx", test_wtx);
  g_test_add_func ("/proto/t1/chaining-every-ifsc", test_chaining_every_ifsc);
  g_test_add_func ("/proto/t1/maximum-sizes", test_maximum_sizes);
  g_test_add_func ("/proto/t1/hostile", test_hostile);
  g_test_add_func ("/proto/t1/empty-chain", test_empty_chain);
  g_test_add_func ("/proto/t1/garbage", test_garbage);
  g_test_add_func ("/proto/t1/misuse", test_misuse);
  return g_test_run ();
}

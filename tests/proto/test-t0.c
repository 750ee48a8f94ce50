/* test-t0.c: T=0 APDU to TPDU mapping (ISO/IEC 7816-3 §12.2) and the
 * procedure-byte interpreter (§10.3.3)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <string.h>

#include "t0.h"

/* One step: the TPDU the engine must send, and the card's answer. */
typedef struct
{
  const char *tpdu;   /* hex */
  const char *answer; /* hex */
} step;

static GByteArray *
hex (const char *s)
{
  GByteArray *a = g_byte_array_new ();

  while (*s)
    {
      if (*s == ' ')
        {
          s++;
          continue;
        }
      g_assert_true (g_ascii_isxdigit (s[0]) && g_ascii_isxdigit (s[1]));
      guint8 b = (guint8) (g_ascii_xdigit_value (s[0]) << 4 | g_ascii_xdigit_value (s[1]));
      g_byte_array_append (a, &b, 1);
      s += 2;
    }
  return a;
}

/* Runs @apdu through the engine against the script; returns the final
 * status and puts the response in @resp_out. */
static t0_status
run (const char *apdu_hex, const step *steps, size_t n_steps, GByteArray **resp_out, t0_error *err)
{
  g_autoptr (GByteArray) apdu = hex (apdu_hex);
  g_autofree uint8_t *resp = g_malloc (T0_MAX_RESPONSE);
  t0_ctx ctx;
  t0_status st;
  size_t i = 0;

  st = t0_begin (&ctx, apdu->data, apdu->len, resp, T0_MAX_RESPONSE);
  while (st == T0_SEND_MORE)
    {
      uint8_t tpdu[T0_MAX_TPDU];
      size_t tpdu_len = 0;
      g_autoptr (GByteArray) want = NULL;
      g_autoptr (GByteArray) answer = NULL;

      g_assert_cmpuint (i, <, n_steps);
      g_assert_cmpint (t0_next_tpdu (&ctx, tpdu, sizeof tpdu, &tpdu_len), ==, T0_SEND_MORE);
      want = hex (steps[i].tpdu);
      g_assert_cmpmem (tpdu, tpdu_len, want->data, want->len);
      answer = hex (steps[i].answer);
      st = t0_on_response (&ctx, answer->data, answer->len);
      i++;
    }
  g_assert_cmpuint (i, ==, n_steps);
  *err = t0_error_of (&ctx);
  *resp_out = NULL;
  if (st == T0_DONE)
    {
      size_t len = 0;

      g_assert_cmpint (t0_take_response (&ctx, &len), ==, T0_DONE);
      *resp_out = g_byte_array_new ();
      g_byte_array_append (*resp_out, resp, (guint) len);
    }
  return st;
}

static void
expect (const char *apdu, const step *steps, size_t n, const char *response)
{
  g_autoptr (GByteArray) resp = NULL;
  g_autoptr (GByteArray) want = hex (response);
  t0_error err;

  g_assert_cmpint (run (apdu, steps, n, &resp, &err), ==, T0_DONE);
  g_assert_cmpmem (resp->data, resp->len, want->data, want->len);
}

static void
expect_error (const char *apdu, const step *steps, size_t n, t0_error want)
{
  g_autoptr (GByteArray) resp = NULL;
  t0_error err;

  g_assert_cmpint (run (apdu, steps, n, &resp, &err), ==, T0_ERROR);
  g_assert_cmpint (err, ==, want);
  g_assert_nonnull (t0_error_reason (err));
}

static void
test_case1 (void)
{
  /* §12.2.2: P3 = 00 */
  static const step s[] = { { "00 70 80 01 00", "90 00" } };
  expect ("00 70 80 01", s, 1, "90 00");
}

static void
test_case2 (void)
{
  static const step s[] = { { "00 B0 00 00 04", "01 02 03 04 90 00" } };
  static const step s256[] = { { "00 B0 00 00 00", "6A 82" } };
  /* §12.2.3 case 2S.2: 6Cxx, the same command again with P3 = xx */
  static const step s6c[] = {
    { "00 B0 00 00 10", "6C 02" },
    { "00 B0 00 00 02", "AA BB 90 00" },
  };
  /* 6C00 means 256 */
  static const step s6c00[] = {
    { "00 B0 00 00 01", "6C 00" },
    { "00 B0 00 00 00", "6C 03" },
    { "00 B0 00 00 03", "01 02 03 62 82" },
  };
  /* case 2 answered with 61xx: GET RESPONSE */
  static const step s61[] = {
    { "80 CA 9F 7F 00", "61 03" },
    { "80 C0 00 00 03", "01 02 03 90 00" },
  };

  expect ("00 B0 00 00 04", s, 1, "01 02 03 04 90 00");
  expect ("00 B0 00 00 00", s256, 1, "6A 82");
  expect ("00 B0 00 00 10", s6c, 2, "AA BB 90 00");
  expect ("00 B0 00 00 01", s6c00, 3, "01 02 03 62 82");
  expect ("80 CA 9F 7F 00", s61, 2, "01 02 03 90 00");
}

static void
test_case3 (void)
{
  static const step s[] = { { "00 A4 04 00 02 3F 00", "90 00" } };
  /* 61xx on a case 3 command is passed up: no Le, nothing asked for */
  static const step s61[] = { { "00 A4 04 00 02 3F 00", "61 10" } };

  expect ("00 A4 04 00 02 3F 00", s, 1, "90 00");
  expect ("00 A4 04 00 02 3F 00", s61, 1, "61 10");
}

static void
test_case4 (void)
{
  /* §12.2.5: header + data, then 61xx: GET RESPONSE (CLA of the command) */
  static const step s[] = {
    { "00 A4 04 00 02 3F 00 ", "61 04" },
    { "00 C0 00 00 04", "62 04 82 01 90 00" },
  };
  /* 61xx chains, concatenated */
  static const step chain[] = {
    { "01 A4 04 00 01 AA", "61 02" },
    { "01 C0 00 00 02", "01 02 61 03" },
    { "01 C0 00 00 03", "03 04 05 61 01" },
    { "01 C0 00 00 01", "06 90 00" },
  };
  /* GET RESPONSE answered 6Cxx: re-issued with P3 = xx */
  static const step gr6c[] = {
    { "00 88 00 00 01 55", "61 00" },
    { "00 C0 00 00 00", "6C 05" },
    { "00 C0 00 00 05", "01 02 03 04 05 90 00" },
  };
  /* GET RESPONSE keeps the logical channel, drops SM and chaining bits */
  static const step sm[] = {
    { "0D A4 04 00 01 AA", "61 01" },
    { "01 C0 00 00 01", "01 90 00" },
  };
  static const step ch5[] = {
    { "61 A4 04 00 01 AA", "61 01" },
    { "41 C0 00 00 01", "01 90 00" },
  };
  static const step proprietary[] = {
    { "80 CA 00 00 01 AA", "61 01" },
    { "80 C0 00 00 01", "01 90 00" },
  };
  /* card answers 9000 without data */
  static const step plain[] = { { "00 DA 00 00 01 55", "90 00" } };
  /* card refuses */
  static const step refused[] = { { "00 DA 00 00 01 55", "69 82" } };

  expect ("00 A4 04 00 02 3F 00 00", s, 2, "62 04 82 01 90 00");
  expect ("01 A4 04 00 01 AA 00", chain, 4, "01 02 03 04 05 06 90 00");
  expect ("00 88 00 00 01 55 00", gr6c, 3, "01 02 03 04 05 90 00");
  expect ("0D A4 04 00 01 AA 00", sm, 2, "01 90 00");
  expect ("61 A4 04 00 01 AA 00", ch5, 2, "01 90 00");
  expect ("80 CA 00 00 01 AA 00", proprietary, 2, "01 90 00");
  expect ("00 DA 00 00 01 55 10", plain, 1, "90 00");
  expect ("00 DA 00 00 01 55 10", refused, 1, "69 82");
}

static void
test_max_response (void)
{
  /* 256 GET RESPONSE of 256 bytes: 65536 bytes + SW */
  g_autofree step *steps = g_new0 (step, 257);
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) data = g_string_new (NULL);
  g_autoptr (GString) all = g_string_new (NULL);

  for (unsigned i = 0; i < 256; i++)
    g_string_append_printf (data, "%02X ", i);
  steps[0].tpdu = "00 B0 00 00 00";
  steps[0].answer = "61 00";
  for (unsigned i = 1; i <= 256; i++)
    {
      char *answer = g_strdup_printf ("%s%s", data->str, i < 256 ? "61 00" : "90 00");
      g_ptr_array_add (strings, answer);
      steps[i].tpdu = "00 C0 00 00 00";
      steps[i].answer = answer;
      g_string_append (all, data->str);
    }
  g_string_append (all, "90 00");
  expect ("00 B0 00 00 00", steps, 257, all->str);

  /* one GET RESPONSE more does not fit 65538 bytes */
  {
    g_autofree step *more = g_new0 (step, 258);
    g_autoptr (GByteArray) resp = NULL;
    t0_error err;

    memcpy (more, steps, 257 * sizeof (step));
    more[256].answer = g_ptr_array_index (strings, 0); /* ... 61 00 */
    more[257].tpdu = "00 C0 00 00 00";
    more[257].answer = "01 90 00";
    g_assert_cmpint (run ("00 B0 00 00 00", more, 258, &resp, &err), ==, T0_ERROR);
    g_assert_cmpint (err, ==, T0_ERR_OVERFLOW);
  }
}

static void
test_errors (void)
{
  uint8_t resp[16];
  uint8_t small[1];
  t0_ctx ctx;
  static const uint8_t ext[] = { 0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00 };
  static const uint8_t bad_lc[] = { 0x00, 0xA4, 0x04, 0x00, 0x05, 0x3F };
  static const uint8_t lc0[] = { 0x00, 0xA4, 0x04, 0x00, 0x00, 0x3F };
  static const uint8_t case1[] = { 0x00, 0x70, 0x00, 0x00 };
  static const step long_answer[] = { { "00 B0 00 00 02", "01 02 03 90 00" } };
  static const step no_sw[] = { { "00 B0 00 00 02", "90" } };
  static const step data_on_write[] = { { "00 D6 00 00 01 AA", "01 90 00" } };
  static const step bad_sw1[] = { { "00 70 00 00 00", "12 34" } };
  static const step null_sw1[] = { { "00 70 00 00 00", "60 00" } };
  uint8_t tpdu[T0_MAX_TPDU];
  size_t len;

  g_assert_cmpint (t0_begin (&ctx, case1, 3, resp, sizeof resp), ==, T0_ERROR);
  g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_APDU_SHORT);
  g_assert_cmpint (t0_begin (&ctx, ext, sizeof ext, resp, sizeof resp), ==, T0_ERROR);
  g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_EXTENDED);
  g_assert_cmpint (t0_begin (&ctx, bad_lc, sizeof bad_lc, resp, sizeof resp), ==, T0_ERROR);
  g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_APDU_MALFORMED);
  g_assert_cmpint (t0_begin (&ctx, lc0, sizeof lc0, resp, sizeof resp), ==, T0_ERROR);
  g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_APDU_MALFORMED);
  g_assert_cmpint (t0_begin (&ctx, case1, sizeof case1, small, sizeof small), ==, T0_ERROR);
  g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_ARGS);

  /* out of sequence */
  g_assert_cmpint (t0_begin (&ctx, case1, sizeof case1, resp, sizeof resp), ==, T0_SEND_MORE);
  g_assert_cmpint (t0_on_response (&ctx, (const uint8_t *) "\x90\x00", 2), ==, T0_ERROR);
  g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_STATE);
  g_assert_cmpint (t0_begin (&ctx, case1, sizeof case1, resp, sizeof resp), ==, T0_SEND_MORE);
  g_assert_cmpint (t0_next_tpdu (&ctx, tpdu, 4, &len), ==, T0_ERROR);
  g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_ARGS);
  g_assert_cmpint (t0_take_response (&ctx, &len), ==, T0_ERROR);

  /* data before 61xx that does not fit the caller's buffer */
  {
    static const uint8_t rd[] = { 0x00, 0xB0, 0x00, 0x00, 0x04 };
    static const uint8_t ans[] = { 0x01, 0x02, 0x03, 0x04, 0x61, 0x01 };
    uint8_t r4[4];

    g_assert_cmpint (t0_begin (&ctx, rd, sizeof rd, r4, sizeof r4), ==, T0_SEND_MORE);
    g_assert_cmpint (t0_next_tpdu (&ctx, tpdu, sizeof tpdu, &len), ==, T0_SEND_MORE);
    g_assert_cmpint (t0_on_response (&ctx, ans, sizeof ans), ==, T0_ERROR);
    g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_OVERFLOW);
  }
  expect_error ("00 B0 00 00 02", long_answer, 1, T0_ERR_RESPONSE_LONG);
  expect_error ("00 B0 00 00 02", no_sw, 1, T0_ERR_RESPONSE_SHORT);
  expect_error ("00 D6 00 00 01 AA", data_on_write, 1, T0_ERR_RESPONSE_LONG);
  expect_error ("00 70 00 00", bad_sw1, 1, T0_ERR_BAD_SW1);
  expect_error ("00 70 00 00", null_sw1, 1, T0_ERR_BAD_SW1);

  /* endless 6Cxx is bounded */
  {
    g_autoptr (GByteArray) apdu = hex ("00 B0 00 00 05");
    t0_status st;
    size_t n = 0;

    g_assert_cmpint (t0_begin (&ctx, apdu->data, apdu->len, resp, sizeof resp), ==, T0_SEND_MORE);
    do
      {
        st = t0_next_tpdu (&ctx, tpdu, sizeof tpdu, &len);
        if (st != T0_SEND_MORE)
          break;
        st = t0_on_response (&ctx, (const uint8_t *) "\x6C\x05", 2);
        n++;
      }
    while (st == T0_SEND_MORE);
    g_assert_cmpint (st, ==, T0_ERROR);
    g_assert_cmpint (t0_error_of (&ctx), ==, T0_ERR_TOO_MANY_ROUNDS);
    g_assert_cmpuint (n, ==, T0_MAX_ROUNDS);
  }

  for (int i = 0; i <= T0_ERR_LAST_; i++)
    g_assert_nonnull (t0_error_reason ((t0_error) i));
}

static void
test_apdu_cases (void)
{
  t0_case c;
  uint8_t lc;
  uint16_t le;
  uint8_t apdu[261] = { 0x00, 0xDA, 0x00, 0x00 };

  g_assert_cmpint (t0_apdu_case (apdu, 4, &c, &lc, &le), ==, T0_ERR_NONE);
  g_assert_cmpint (c, ==, T0_CASE_1);
  apdu[4] = 0x00;
  g_assert_cmpint (t0_apdu_case (apdu, 5, &c, &lc, &le), ==, T0_ERR_NONE);
  g_assert_cmpint (c, ==, T0_CASE_2S);
  g_assert_cmpuint (le, ==, 256);
  apdu[4] = 0xFF;
  g_assert_cmpint (t0_apdu_case (apdu, 5 + 255, &c, &lc, &le), ==, T0_ERR_NONE);
  g_assert_cmpint (c, ==, T0_CASE_3S);
  g_assert_cmpuint (lc, ==, 255);
  apdu[260] = 0x00;
  g_assert_cmpint (t0_apdu_case (apdu, 6 + 255, &c, &lc, &le), ==, T0_ERR_NONE);
  g_assert_cmpint (c, ==, T0_CASE_4S);
  g_assert_cmpuint (le, ==, 256);
  /* every other length with Lc = FF is malformed */
  for (size_t n = 6; n < 5 + 255; n++)
    g_assert_cmpint (t0_apdu_case (apdu, n, &c, &lc, &le), ==, T0_ERR_APDU_MALFORMED);

  /* the longest TPDU: case 3 with 255 bytes */
  {
    uint8_t resp[2];
    uint8_t tpdu[T0_MAX_TPDU];
    size_t len;
    t0_ctx ctx;

    g_assert_cmpint (t0_begin (&ctx, apdu, 5 + 255, resp, sizeof resp), ==, T0_SEND_MORE);
    g_assert_cmpint (t0_next_tpdu (&ctx, tpdu, sizeof tpdu, &len), ==, T0_SEND_MORE);
    g_assert_cmpuint (len, ==, 260);
    g_assert_cmpmem (tpdu, len, apdu, 260);
    g_assert_cmpint (t0_on_response (&ctx, (const uint8_t *) "\x90\x00", 2), ==, T0_DONE);
  }
}

/* ---- procedure bytes, ISO 7816-3 §10.3.3 ---- */

static void
test_proc_ins (void)
{
  t0_proc p;
  uint16_t n;

  /* NULL NULL INS (all 4 bytes) SW1 SW2 */
  t0_proc_init (&p, 0xD6, T0_DIR_TO_CARD, 4);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x60, &n), ==, T0_PROC_WAIT);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x60, &n), ==, T0_PROC_WAIT);
  g_assert_cmpint (t0_proc_on_byte (&p, 0xD6, &n), ==, T0_PROC_TRANSFER);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x90, &n), ==, T0_PROC_NEED_SW2);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x00, &n), ==, T0_PROC_DONE);
  g_assert_cmphex (p.sw1, ==, 0x90);
  g_assert_cmphex (p.sw2, ==, 0x00);
  g_assert_cmpuint (p.nulls, ==, 2);
  /* nothing after SW2 */
  g_assert_cmpint (t0_proc_on_byte (&p, 0x90, &n), ==, T0_PROC_ERROR);
}

static void
test_proc_ins_complement (void)
{
  t0_proc p;
  uint16_t n;

  /* ~INS one byte at a time, then INS for the rest */
  t0_proc_init (&p, 0xB0, T0_DIR_FROM_CARD, 3);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x4F, &n), ==, T0_PROC_TRANSFER);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x4F, &n), ==, T0_PROC_TRANSFER);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t0_proc_on_byte (&p, 0xB0, &n), ==, T0_PROC_TRANSFER);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x61, &n), ==, T0_PROC_NEED_SW2);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x10, &n), ==, T0_PROC_DONE);
  g_assert_cmphex (p.sw1, ==, 0x61);
  g_assert_cmphex (p.sw2, ==, 0x10);

  /* ~INS when nothing is left is an error */
  t0_proc_init (&p, 0xB0, T0_DIR_FROM_CARD, 1);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x4F, &n), ==, T0_PROC_TRANSFER);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x4F, &n), ==, T0_PROC_ERROR);
}

static void
test_proc_sw (void)
{
  t0_proc p;
  uint16_t n;

  /* 6Cxx and 61xx arrive as SW1 SW2: the TPDU layer acts on them */
  t0_proc_init (&p, 0xB0, T0_DIR_FROM_CARD, 256);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x6C, &n), ==, T0_PROC_NEED_SW2);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x08, &n), ==, T0_PROC_DONE);
  g_assert_cmphex (p.sw1, ==, 0x6C);
  g_assert_cmpuint (p.remaining, ==, 256);

  /* status right away on a case 1 command */
  t0_proc_init (&p, 0x70, T0_DIR_NONE, 0);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x6A, &n), ==, T0_PROC_NEED_SW2);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x81, &n), ==, T0_PROC_DONE);

  /* INS with no data left: a no-op */
  t0_proc_init (&p, 0x70, T0_DIR_NONE, 0);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x70, &n), ==, T0_PROC_TRANSFER);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x90, &n), ==, T0_PROC_NEED_SW2);

  /* invalid procedure bytes */
  for (unsigned b = 0; b < 256; b++)
    {
      t0_proc_action want;

      t0_proc_init (&p, 0xA4, T0_DIR_TO_CARD, 2);
      if (b == 0x60)
        want = T0_PROC_WAIT;
      else if (b == 0xA4 || b == 0x5B)
        want = T0_PROC_TRANSFER;
      else if ((b & 0xF0) == 0x60 || (b & 0xF0) == 0x90)
        want = T0_PROC_NEED_SW2;
      else
        want = T0_PROC_ERROR;
      g_assert_cmpint (t0_proc_on_byte (&p, (uint8_t) b, &n), ==, want);
    }
  /* after an error, everything is an error */
  t0_proc_init (&p, 0xA4, T0_DIR_TO_CARD, 2);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x00, &n), ==, T0_PROC_ERROR);
  g_assert_cmpint (t0_proc_on_byte (&p, 0x90, &n), ==, T0_PROC_ERROR);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/proto/t0/case1", test_case1);
  g_test_add_func ("/proto/t0/case2", test_case2);
  g_test_add_func ("/proto/t0/case3", test_case3);
  g_test_add_func ("/proto/t0/case4", test_case4);
  g_test_add_func ("/proto/t0/max-response", test_max_response);
  g_test_add_func ("/proto/t0/errors", test_errors);
  g_test_add_func ("/proto/t0/apdu-cases", test_apdu_cases);
  g_test_add_func ("/proto/t0/proc/ins", test_proc_ins);
  g_test_add_func ("/proto/t0/proc/ins-complement", test_proc_ins_complement);
  g_test_add_func ("/proto/t0/proc/sw", test_proc_sw);
  return g_test_run ();
}

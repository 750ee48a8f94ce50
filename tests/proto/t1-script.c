/* t1-script.c: runs T=1 block scripts against the engine (see t1-script.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "t1-script.h"

#include <string.h>

/* ---- independent EDC: byte-wise CRC_B (ISO/IEC 14443-3 Annex B) ---- */

uint16_t
ref_crc (const uint8_t *d, size_t n)
{
  uint16_t crc = 0xFFFF;

  for (size_t i = 0; i < n; i++)
    {
      uint8_t ch = (uint8_t) (d[i] ^ (uint8_t) (crc & 0xFF));
      ch = (uint8_t) (ch ^ (ch << 4));
      crc = (uint16_t) ((crc >> 8) ^ ((uint16_t) ch << 8) ^ ((uint16_t) ch << 3)
                        ^ ((uint16_t) ch >> 4));
    }
  return (uint16_t) ~crc;
}

void
add_edc (GByteArray *a, t1_edc edc, bool broken)
{
  if (edc == T1_EDC_CRC)
    {
      uint16_t c = ref_crc (a->data, a->len);
      uint8_t b[2] = { (uint8_t) (c & 0xFF), (uint8_t) (c >> 8) };
      if (broken)
        b[1] ^= 0x5A;
      g_byte_array_append (a, b, 2);
    }
  else
    {
      uint8_t x = 0;
      for (guint i = 0; i < a->len; i++)
        x ^= a->data[i];
      if (broken)
        x ^= 0x5A;
      g_byte_array_append (a, &x, 1);
    }
}

GByteArray *
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

static const struct
{
  const char *name;
  t1_error error;
} error_names[] = {
  { "NOT_TRANSACTED", T1_ERR_NOT_TRANSACTED },
  { "RESYNCH_FAILED", T1_ERR_RESYNCH_FAILED },
  { "ABORTED", T1_ERR_ABORTED },
  { "WTX_LIMIT", T1_ERR_WTX_LIMIT },
  { "EMPTY_CHAIN", T1_ERR_EMPTY_CHAIN },
  { "RESPONSE_TOO_LONG", T1_ERR_RESPONSE_TOO_LONG },
  { "ARGS", T1_ERR_ARGS },
  { "STATE", T1_ERR_STATE },
};

void
runner_init (runner *r, const t1_params *p)
{
  memset (r, 0, sizeof (*r));
  t1_init (&r->st, p);
  r->edc = p->edc;
  r->resp_cap = T1_MAX_RESPONSE;
  r->resp = g_malloc (T1_MAX_RESPONSE);
}

void
runner_clear (runner *r)
{
  g_free (r->resp);
  if (r->apdu)
    g_byte_array_unref (r->apdu);
}

void
step (runner *r, const char *line)
{
  g_test_message ("%s", line);
  if (g_str_has_prefix (line, "A "))
    {
      if (r->apdu)
        g_byte_array_unref (r->apdu);
      r->apdu = hex (line + 2);
      r->last = t1_begin (&r->st, r->apdu->data, r->apdu->len, r->resp, r->resp_cap);
    }
  else if (g_str_has_prefix (line, "IFS "))
    r->last = t1_begin_ifs (&r->st, (uint8_t) g_ascii_strtoull (line + 4, NULL, 16));
  else if (strcmp (line, "RESYNCH") == 0)
    r->last = t1_begin_resynch (&r->st);
  else if (g_str_has_prefix (line, "> "))
    {
      g_autoptr (GByteArray) want = hex (line + 2);
      uint8_t block[T1_MAX_BLOCK];
      size_t len = 0;

      add_edc (want, r->edc, false);
      if (r->last != T1_SEND && r->last != T1_WTX)
        g_error ("'%s': engine status %d (%s), not ready to send", line, r->last,
                 t1_error_reason (t1_error_of (&r->st)));
      g_assert_cmpint (t1_next_block (&r->st, block, sizeof block, &len), ==, T1_SEND);
      g_assert_cmpmem (block, len, want->data, want->len);
    }
  else if (g_str_has_prefix (line, "<! ") || g_str_has_prefix (line, "< "))
    {
      bool broken = line[1] == '!';
      g_autoptr (GByteArray) in = hex (line + (broken ? 3 : 2));
      g_autofree uint8_t *exact = NULL;

      add_edc (in, r->edc, broken);
      exact = g_memdup2 (in->data, in->len); /* exact size: ASan sees over-reads */
      r->last = t1_on_block (&r->st, exact, in->len);
    }
  else if (g_str_has_prefix (line, "<raw "))
    {
      g_autoptr (GByteArray) in = hex (line + 5);
      g_autofree uint8_t *exact = g_memdup2 (in->data, in->len);
      r->last = t1_on_block (&r->st, exact, in->len);
    }
  else if (strcmp (line, "<T") == 0)
    r->last = t1_on_timeout (&r->st);
  else if (strcmp (line, "<P") == 0)
    r->last = t1_on_bad_block (&r->st);
  else if (strcmp (line, "CANCEL") == 0)
    {
      t1_cancel (&r->st);
      r->last = T1_ERROR;
    }
  else if (g_str_has_prefix (line, "W "))
    {
      g_assert_cmpint (r->last, ==, T1_WTX);
      g_assert_cmpuint (t1_wtx_multiplier (&r->st), ==, g_ascii_strtoull (line + 2, NULL, 10));
    }
  else if (g_str_has_prefix (line, "DONE"))
    {
      if (r->last != T1_DONE)
        g_error ("'%s': engine status %d (%s)", line, r->last,
                 t1_error_reason (t1_error_of (&r->st)));
      if (line[4] == ' ')
        {
          g_autoptr (GByteArray) want = hex (line + 5);
          size_t len = 0;

          g_assert_cmpint (t1_take_response (&r->st, &len), ==, T1_DONE);
          g_assert_cmpmem (r->resp, len, want->data, want->len);
        }
    }
  else if (g_str_has_prefix (line, "ERR "))
    {
      bool found = false;

      g_assert_cmpint (r->last, ==, T1_ERROR);
      for (size_t i = 0; i < G_N_ELEMENTS (error_names); i++)
        if (strcmp (line + 4, error_names[i].name) == 0)
          {
            g_assert_cmpint (t1_error_of (&r->st), ==, error_names[i].error);
            found = true;
          }
      g_assert_true (found);
    }
  else
    g_error ("bad script line '%s'", line);
}

void
run_with (const t1_params *p, const char *const *script)
{
  runner r;

  runner_init (&r, p);
  for (size_t i = 0; script[i] != NULL; i++)
    step (&r, script[i]);
  runner_clear (&r);
}

void
run (const char *const *script)
{
  t1_params p = { .ifsc = 32, .ifsd = 32, .edc = T1_EDC_LRC };
  run_with (&p, script);
}

void
run_ifsc2 (const char *const *script)
{
  t1_params p = { .ifsc = 2, .ifsd = 32, .edc = T1_EDC_LRC };
  run_with (&p, script);
}

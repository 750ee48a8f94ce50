/* t0.c: T=0 APDU to TPDU mapping and procedure bytes (ISO/IEC 7816-3 §10, §12.2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "t0.h"

#include <string.h>

enum
{
  PHASE_IDLE = 0,
  PHASE_SEND, /* a TPDU is ready for t0_next_tpdu */
  PHASE_WAIT, /* the TPDU is out, waiting for its answer */
  PHASE_DONE,
  PHASE_FAILED,
};

const char *
t0_error_reason (t0_error error)
{
  switch (error)
    {
    case T0_ERR_NONE:
      return "no error";
    case T0_ERR_ARGS:
      return "invalid arguments or buffer too small";
    case T0_ERR_APDU_SHORT:
      return "command APDU shorter than 4 bytes";
    case T0_ERR_APDU_MALFORMED:
      return "command APDU length does not match Lc";
    case T0_ERR_EXTENDED:
      return "extended-length APDUs are not supported over T=0";
    case T0_ERR_STATE:
      return "T=0 call out of sequence";
    case T0_ERR_RESPONSE_SHORT:
      return "TPDU answer without status bytes";
    case T0_ERR_RESPONSE_LONG:
      return "TPDU answer longer than requested";
    case T0_ERR_BAD_SW1:
      return "invalid SW1 in a TPDU answer";
    case T0_ERR_OVERFLOW:
      return "response APDU larger than the buffer";
    case T0_ERR_TOO_MANY_ROUNDS:
      return "too many GET RESPONSE or re-issue rounds";
    case T0_ERR_LAST_:
    default:
      break;
    }
  return "unknown T=0 error";
}

t0_error
t0_apdu_case (const uint8_t *apdu, size_t len, t0_case *out_case, uint8_t *out_lc, uint16_t *out_le)
{
  t0_case c;
  uint8_t lc = 0;
  uint16_t le = 0;

  if (apdu == NULL)
    return T0_ERR_ARGS;
  /* ISO 7816-4 §5.1 */
  if (len < 4)
    return T0_ERR_APDU_SHORT;
  if (len == 4)
    c = T0_CASE_1;
  else if (len == 5)
    {
      c = T0_CASE_2S;
      le = apdu[4] == 0 ? 256 : apdu[4];
    }
  else if (apdu[4] == 0)
    return len >= 7 ? T0_ERR_EXTENDED : T0_ERR_APDU_MALFORMED;
  else
    {
      lc = apdu[4];
      if (len == 5u + lc)
        c = T0_CASE_3S;
      else if (len == 6u + lc)
        {
          c = T0_CASE_4S;
          le = apdu[len - 1] == 0 ? 256 : apdu[len - 1];
        }
      else
        return T0_ERR_APDU_MALFORMED;
    }
  if (out_case)
    *out_case = c;
  if (out_lc)
    *out_lc = lc;
  if (out_le)
    *out_le = le;
  return T0_ERR_NONE;
}

/* The class byte of GET RESPONSE: the command's logical channel, without
 * its command chaining and secure messaging bits (ISO 7816-4 §5.4.1);
 * a proprietary class is kept as it is. */
static uint8_t
get_response_cla (uint8_t cla)
{
  if ((cla & 0xC0) == 0x00)
    return cla & 0x03; /* 000x xxcc: channels 0-3 */
  if ((cla & 0xC0) == 0x40)
    return cla & 0x4F; /* 01xx cccc: channels 4-19 */
  return cla;
}

static t0_status
fail (t0_ctx *ctx, t0_error error)
{
  ctx->error = error;
  ctx->phase = PHASE_FAILED;
  return T0_ERROR;
}

t0_status
t0_begin (t0_ctx *ctx, const uint8_t *apdu, size_t apdu_len, uint8_t *resp, size_t resp_cap)
{
  t0_error e;

  if (ctx == NULL)
    return T0_ERROR;
  memset (ctx, 0, sizeof (*ctx));
  if (apdu == NULL || resp == NULL || resp_cap < 2)
    return fail (ctx, T0_ERR_ARGS);
  e = t0_apdu_case (apdu, apdu_len, &ctx->apdu_case, &ctx->lc, &ctx->le);
  if (e != T0_ERR_NONE)
    return fail (ctx, e);
  ctx->apdu = apdu;
  ctx->apdu_len = apdu_len;
  ctx->resp = resp;
  ctx->resp_cap = resp_cap > T0_MAX_RESPONSE ? T0_MAX_RESPONSE : resp_cap;

  /* ISO 7816-3 §12.2: the first TPDU */
  memcpy (ctx->tpdu_hdr, apdu, 4);
  switch (ctx->apdu_case)
    {
    case T0_CASE_1:
      ctx->tpdu_hdr[4] = 0x00; /* §12.2.2: P3 = 00 */
      break;
    case T0_CASE_2S:
      ctx->tpdu_hdr[4] = apdu[4]; /* §12.2.3: P3 = Le */
      ctx->expect = ctx->le;
      break;
    case T0_CASE_3S:
    case T0_CASE_4S:
      ctx->tpdu_hdr[4] = ctx->lc; /* §12.2.4, §12.2.5: P3 = Lc, then data */
      ctx->tpdu_with_data = true;
      break;
    default:
      return fail (ctx, T0_ERR_STATE);
    }
  ctx->phase = PHASE_SEND;
  return T0_SEND_MORE;
}

t0_status
t0_next_tpdu (t0_ctx *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
  size_t n = 5;

  if (ctx == NULL)
    return T0_ERROR;
  if (ctx->phase != PHASE_SEND)
    return fail (ctx, T0_ERR_STATE);
  if (out == NULL || out_len == NULL)
    return fail (ctx, T0_ERR_ARGS);
  if (ctx->tpdu_with_data)
    n += ctx->lc;
  if (cap < n)
    return fail (ctx, T0_ERR_ARGS);
  if (++ctx->rounds > T0_MAX_ROUNDS)
    return fail (ctx, T0_ERR_TOO_MANY_ROUNDS);
  memcpy (out, ctx->tpdu_hdr, 5);
  if (ctx->tpdu_with_data)
    memcpy (out + 5, ctx->apdu + 5, ctx->lc);
  *out_len = n;
  ctx->phase = PHASE_WAIT;
  return T0_SEND_MORE;
}

static bool
append (t0_ctx *ctx, const uint8_t *data, size_t n)
{
  /* Room is always kept for SW1 SW2. */
  if (n > ctx->resp_cap - 2 - ctx->resp_len)
    return false;
  memcpy (ctx->resp + ctx->resp_len, data, n);
  ctx->resp_len += n;
  return true;
}

t0_status
t0_on_response (t0_ctx *ctx, const uint8_t *resp, size_t len)
{
  uint8_t sw1, sw2;
  size_t ndata;
  bool reading;

  if (ctx == NULL)
    return T0_ERROR;
  if (ctx->phase != PHASE_WAIT)
    return fail (ctx, T0_ERR_STATE);
  if (resp == NULL || len < 2)
    return fail (ctx, T0_ERR_RESPONSE_SHORT);
  ndata = len - 2;
  if (ndata > ctx->expect)
    return fail (ctx, T0_ERR_RESPONSE_LONG);
  sw1 = resp[len - 2];
  sw2 = resp[len - 1];
  /* ISO 7816-3 §10.3.3: SW1 is 6X (but not 60) or 9X */
  if (!(((sw1 & 0xF0) == 0x60 && sw1 != 0x60) || (sw1 & 0xF0) == 0x90))
    return fail (ctx, T0_ERR_BAD_SW1);

  /* A TPDU that reads data: the case 2 command itself, or a GET RESPONSE */
  reading = !ctx->tpdu_with_data && ctx->expect > 0;

  if (sw1 == 0x6C && reading)
    {
      /* §12.2.3 case 2S.2: wrong length, re-issue with P3 = SW2 */
      ctx->tpdu_hdr[4] = sw2;
      ctx->expect = sw2 == 0 ? 256 : sw2;
      ctx->phase = PHASE_SEND;
      return T0_SEND_MORE;
    }
  if (sw1 == 0x61 && (ctx->apdu_case == T0_CASE_2S || ctx->apdu_case == T0_CASE_4S))
    {
      /* §12.2.5 case 4S.3 (and 2S): SW2 more bytes, GET RESPONSE on the
       * command's logical channel. */
      if (!append (ctx, resp, ndata))
        return fail (ctx, T0_ERR_OVERFLOW);
      ctx->tpdu_hdr[0] = get_response_cla (ctx->apdu[0]);
      ctx->tpdu_hdr[1] = 0xC0;
      ctx->tpdu_hdr[2] = 0x00;
      ctx->tpdu_hdr[3] = 0x00;
      ctx->tpdu_hdr[4] = sw2;
      ctx->tpdu_with_data = false;
      ctx->expect = sw2 == 0 ? 256 : sw2;
      ctx->phase = PHASE_SEND;
      return T0_SEND_MORE;
    }

  if (!append (ctx, resp, ndata))
    return fail (ctx, T0_ERR_OVERFLOW);
  ctx->resp[ctx->resp_len++] = sw1;
  ctx->resp[ctx->resp_len++] = sw2;
  ctx->phase = PHASE_DONE;
  return T0_DONE;
}

t0_status
t0_take_response (t0_ctx *ctx, size_t *len)
{
  if (ctx == NULL || len == NULL)
    return T0_ERROR;
  if (ctx->phase != PHASE_DONE)
    return T0_ERROR;
  *len = ctx->resp_len;
  ctx->phase = PHASE_IDLE;
  return T0_DONE;
}

t0_error
t0_error_of (const t0_ctx *ctx)
{
  return ctx ? ctx->error : T0_ERR_ARGS;
}

/* ---- character level: ISO 7816-3 §10.3.3 ---- */

void
t0_proc_init (t0_proc *p, uint8_t ins, t0_dir dir, uint16_t n_data)
{
  memset (p, 0, sizeof (*p));
  p->ins = ins;
  p->dir = dir;
  p->remaining = dir == T0_DIR_NONE ? 0 : n_data;
}

t0_proc_action
t0_proc_on_byte (t0_proc *p, uint8_t byte, uint16_t *count)
{
  if (count)
    *count = 0;
  if (p->done || p->failed)
    {
      p->failed = true;
      return T0_PROC_ERROR;
    }
  if (p->have_sw1)
    {
      p->sw2 = byte;
      p->done = true;
      return T0_PROC_DONE;
    }
  if (byte == 0x60)
    {
      p->nulls++; /* NULL: the card asks for more time */
      return T0_PROC_WAIT;
    }
  if (byte == p->ins)
    {
      /* INS: all remaining data bytes.  INS with nothing left is
       * tolerated as a no-op (some cards acknowledge a case 1 command). */
      if (count)
        *count = p->remaining;
      p->remaining = 0;
      return T0_PROC_TRANSFER;
    }
  if ((byte ^ p->ins) == 0xFF)
    {
      /* ~INS: the next data byte only */
      if (p->remaining == 0)
        {
          p->failed = true;
          return T0_PROC_ERROR;
        }
      if (count)
        *count = 1;
      p->remaining--;
      return T0_PROC_TRANSFER;
    }
  if ((byte & 0xF0) == 0x60 || (byte & 0xF0) == 0x90)
    {
      p->sw1 = byte;
      p->have_sw1 = true;
      return T0_PROC_NEED_SW2;
    }
  p->failed = true;
  return T0_PROC_ERROR;
}

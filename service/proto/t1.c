/* t1.c: T=1 host side (ISO/IEC 7816-3 §11 and the scenarios of Annex A)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "t1.h"

#include <string.h>

enum
{
  PHASE_IDLE = 0,
  PHASE_SEND,       /* an I-block of ours is in flight (tx_*) */
  PHASE_RECV,       /* receiving the card's chain; we acknowledged with R */
  PHASE_S_WAIT,     /* our S(RESYNCH or IFS request) awaits its response */
  PHASE_ABORT_WAIT, /* we answered S(ABORT request); waiting for the card */
  PHASE_DONE,
  PHASE_FAILED,
};

enum
{
  KIND_APDU = 0,
  KIND_IFS,
  KIND_RESYNCH,
};

enum
{
  AFTER_START = 0, /* resynchronised before the exchange: start it */
  AFTER_FAIL,      /* resynchronised after failed recovery: not transacted */
  AFTER_DONE,      /* an explicit resynchronisation */
};

const char *
t1_error_reason (t1_error error)
{
  switch (error)
    {
    case T1_ERR_NONE:
      return "no error";
    case T1_ERR_ARGS:
      return "invalid arguments";
    case T1_ERR_STATE:
      return "T=1 call out of sequence";
    case T1_ERR_BUFFER:
      return "block buffer too small";
    case T1_ERR_RESPONSE_TOO_LONG:
      return "response larger than the buffer";
    case T1_ERR_NOT_TRANSACTED:
      return "no valid answer from the card; link resynchronised, command not transacted";
    case T1_ERR_RESYNCH_FAILED:
      return "card does not answer resynchronisation; reset needed";
    case T1_ERR_ABORTED:
      return "card aborted the chain";
    case T1_ERR_WTX_LIMIT:
      return "too many waiting time extension or IFS requests";
    case T1_ERR_EMPTY_CHAIN:
      return "too many empty chained blocks";
    case T1_ERR_LAST_:
    default:
      break;
    }
  return "unknown T=1 error";
}

static void
set_nad (t1_state *st, uint8_t nad)
{
  /* NAD b8 and b4 are VPP control bits, never used (ISO 7816-3 §11.3.2.1) */
  st->nad = (uint8_t) (nad & 0x77);
  st->nad_expect = (uint8_t) (((st->nad & 0x07) << 4) | ((st->nad >> 4) & 0x07));
}

void
t1_init (t1_state *st, const t1_params *params)
{
  memset (st, 0, sizeof (*st));
  set_nad (st, params ? params->nad : 0);
  st->max_inf = params && params->max_inf != 0 && params->max_inf <= T1_MAX_INF ? params->max_inf
                                                                                : T1_MAX_INF;
  st->ifsc = params && params->ifsc != 0 && params->ifsc != 0xFF ? params->ifsc : T1_DEFAULT_IFS;
  if (st->ifsc > st->max_inf)
    st->ifsc = st->max_inf; /* sending less than IFSC is allowed (ISO 7816-3 §11.4.2) */
  st->ifsc_initial = st->ifsc;
  st->ifsd = params && params->ifsd != 0 && params->ifsd != 0xFF ? params->ifsd : T1_DEFAULT_IFS;
  st->edc = params && params->edc == T1_EDC_CRC ? T1_EDC_CRC : T1_EDC_LRC;
  st->max_wtx = params && params->max_wtx ? params->max_wtx : T1_DEFAULT_MAX_WTX;
  st->phase = PHASE_IDLE;
}

static t1_status
fail (t1_state *st, t1_error error, bool need_resynch)
{
  st->error = error;
  st->phase = PHASE_FAILED;
  st->have_out = false;
  if (need_resynch)
    st->need_resynch = true;
  return T1_ERROR;
}

static void
queue (t1_state *st, uint8_t pcb, bool has_inf, uint8_t inf)
{
  st->have_out = true;
  st->out_pcb = pcb;
  st->out_has_inf = has_inf;
  st->out_inf = inf;
  st->last_was_r = (pcb & 0xC0) == T1_PCB_R;
  if (st->last_was_r)
    st->last_r_pcb = pcb;
}

/* ISO 7816-3 §11.3.2.2: R(N(R)) with N(R) the N(S) we expect from the card */
static t1_status
queue_r (t1_state *st, uint8_t err)
{
  queue (st, (uint8_t) (T1_PCB_R | (st->nr ? T1_PCB_R_NR : 0) | err), false, 0);
  return T1_SEND;
}

static t1_status
queue_i (t1_state *st)
{
  queue (st, (uint8_t) ((st->tx_ns ? T1_PCB_I_NS : 0) | (st->tx_more ? T1_PCB_I_MORE : 0)), false,
         0);
  return T1_SEND;
}

static t1_status
queue_s_request (t1_state *st)
{
  queue (st, (uint8_t) (T1_PCB_S | st->s_type), st->s_type == T1_S_IFS, st->s_inf);
  return T1_SEND;
}

/* The next I-block of the command: at most IFSC bytes, M set while more
 * follow (ISO 7816-3 §11.6.2.3). */
static t1_status
start_chunk (t1_state *st)
{
  size_t left = st->apdu_len - st->tx_off;

  st->tx_len = (uint8_t) (left > st->ifsc ? st->ifsc : left);
  st->tx_more = left > st->tx_len;
  st->tx_ns = st->ns;
  st->ns ^= 1;
  st->phase = PHASE_SEND;
  return queue_i (st);
}

static t1_status
start_exchange (t1_state *st)
{
  st->retries = 0;
  switch (st->kind)
    {
    case KIND_APDU:
      st->tx_off = 0;
      return start_chunk (st);
    case KIND_IFS:
      st->phase = PHASE_S_WAIT;
      st->s_type = T1_S_IFS;
      return queue_s_request (st);
    default:
      return fail (st, T1_ERR_STATE, false);
    }
}

/* ISO 7816-3 §11.6.3.2, Annex A.5: S(RESYNCH request), up to three times */
static t1_status
start_resynch (t1_state *st, uint8_t after)
{
  st->after_resynch = after;
  st->phase = PHASE_S_WAIT;
  st->s_type = T1_S_RESYNCH; /* s_inf is kept: an IFS exchange may follow */
  st->retries = 0;
  st->resynch_tries = 1;
  return queue_s_request (st);
}

static t1_status
on_resynched (t1_state *st)
{
  /* Both sides start again from N(S) = 0; the card is back on the IFSC of
   * its ATR. */
  st->ns = 0;
  st->nr = 0;
  st->ifsc = st->ifsc_initial;
  st->need_resynch = false;
  st->retries = 0;
  st->resynch_tries = 0;
  switch (st->after_resynch)
    {
    case AFTER_START:
      return start_exchange (st);
    case AFTER_FAIL:
      return fail (st, T1_ERR_NOT_TRANSACTED, false);
    default:
      st->phase = PHASE_DONE;
      st->have_out = false;
      return T1_DONE;
    }
}

/* A block that did not arrive, arrived damaged, or makes no sense here.
 * ISO 7816-3 §11.6.3.2 and Annex A.4: ask again with an R-block (or repeat
 * our S request); after T1_MAX_RETRIES resynchronise. */
static t1_status
error_event (t1_state *st, uint8_t err)
{
  switch (st->phase)
    {
    case PHASE_SEND:
    case PHASE_RECV:
      if (++st->retries > T1_MAX_RETRIES)
        return start_resynch (st, AFTER_FAIL);
      return queue_r (st, err);
    case PHASE_S_WAIT:
      if (st->s_type == T1_S_RESYNCH)
        {
          if (st->resynch_tries >= T1_MAX_RESYNCH)
            return fail (st, T1_ERR_RESYNCH_FAILED, true);
          st->resynch_tries++;
          return queue_s_request (st);
        }
      if (++st->retries > T1_MAX_RETRIES)
        return start_resynch (st, AFTER_FAIL);
      return queue_s_request (st);
    case PHASE_ABORT_WAIT:
      return fail (st, T1_ERR_ABORTED, true);
    default:
      return fail (st, T1_ERR_STATE, false);
    }
}

static t1_status
accept_i (t1_state *st, const t1_block *b)
{
  if (b->len > st->resp_cap - st->resp_len)
    return fail (st, T1_ERR_RESPONSE_TOO_LONG, true);
  if (b->len > 0)
    memcpy (st->resp + st->resp_len, b->inf, b->len);
  st->resp_len += b->len;
  st->nr ^= 1;
  st->retries = 0;
  st->s_requests = 0;
  if (b->pcb & T1_PCB_I_MORE)
    {
      /* ISO 7816-3 §11.6.2.3: acknowledge each chained block with R(N(R)) */
      if (b->len == 0 && ++st->empty_chain > T1_MAX_EMPTY_CHAIN)
        return fail (st, T1_ERR_EMPTY_CHAIN, true);
      if (b->len > 0)
        st->empty_chain = 0;
      st->phase = PHASE_RECV;
      return queue_r (st, 0);
    }
  st->phase = PHASE_DONE;
  return T1_DONE;
}

static bool
in_exchange (const t1_state *st)
{
  return st->phase == PHASE_SEND || st->phase == PHASE_RECV || st->phase == PHASE_S_WAIT
         || st->phase == PHASE_ABORT_WAIT;
}

static bool
can_begin (t1_state *st)
{
  if (st->phase != PHASE_IDLE && st->phase != PHASE_DONE && st->phase != PHASE_FAILED)
    {
      st->error = T1_ERR_STATE;
      return false;
    }
  st->have_out = false;
  st->error = T1_ERR_NONE;
  st->retries = 0;
  st->resynch_tries = 0;
  st->s_requests = 0;
  st->empty_chain = 0;
  st->wtx = 0;
  st->apdu = NULL;
  st->apdu_len = 0;
  st->resp = NULL;
  st->resp_cap = 0;
  st->resp_len = 0;
  return true;
}

static t1_status
go (t1_state *st)
{
  if (st->need_resynch)
    return start_resynch (st, AFTER_START);
  return start_exchange (st);
}

t1_status
t1_begin (t1_state *st, const uint8_t *apdu, size_t apdu_len, uint8_t *resp, size_t resp_cap)
{
  if (st == NULL)
    return T1_ERROR;
  if (!can_begin (st))
    return T1_ERROR;
  if (apdu == NULL || apdu_len == 0 || apdu_len > T1_MAX_APDU || resp == NULL)
    return fail (st, T1_ERR_ARGS, false);
  st->kind = KIND_APDU;
  st->apdu = apdu;
  st->apdu_len = apdu_len;
  st->resp = resp;
  st->resp_cap = resp_cap > T1_MAX_RESPONSE ? T1_MAX_RESPONSE : resp_cap;
  return go (st);
}

t1_status
t1_begin_ifs (t1_state *st, uint8_t ifsd)
{
  if (st == NULL)
    return T1_ERROR;
  if (!can_begin (st))
    return T1_ERROR;
  if (ifsd == 0 || ifsd > T1_MAX_INF)
    return fail (st, T1_ERR_ARGS, false);
  st->kind = KIND_IFS;
  st->s_inf = ifsd;
  if (st->need_resynch)
    return start_resynch (st, AFTER_START);
  /* ISO 7816-3 §11.6.2.1: S(IFS request) with the new IFSD */
  st->phase = PHASE_S_WAIT;
  st->s_type = T1_S_IFS;
  return queue_s_request (st);
}

t1_status
t1_begin_resynch (t1_state *st)
{
  if (st == NULL)
    return T1_ERROR;
  if (!can_begin (st))
    return T1_ERROR;
  st->kind = KIND_RESYNCH;
  return start_resynch (st, AFTER_DONE);
}

void
t1_cancel (t1_state *st)
{
  if (st == NULL || !in_exchange (st))
    return;
  /* ISO 7816-3 §11.6.3.2: the link state is unknown; resynchronise first */
  fail (st, T1_ERR_NOT_TRANSACTED, true);
}

bool
t1_set_nad (t1_state *st, uint8_t nad)
{
  if (st == NULL || st->phase == PHASE_SEND || st->phase == PHASE_RECV || st->phase == PHASE_S_WAIT
      || st->phase == PHASE_ABORT_WAIT)
    return false;
  set_nad (st, nad);
  return true;
}

t1_status
t1_next_block (t1_state *st, uint8_t *out, size_t cap, size_t *out_len)
{
  const uint8_t *inf = NULL;
  size_t inf_len = 0;
  size_t n;

  if (st == NULL)
    return T1_ERROR;
  if (!st->have_out)
    {
      st->error = T1_ERR_STATE;
      return T1_ERROR;
    }
  if (out == NULL || out_len == NULL)
    {
      st->error = T1_ERR_ARGS;
      return T1_ERROR;
    }
  if ((st->out_pcb & 0x80) == 0)
    {
      inf = st->apdu + st->tx_off;
      inf_len = st->tx_len;
    }
  else if (st->out_has_inf)
    {
      inf = &st->out_inf;
      inf_len = 1;
    }
  n = t1_block_encode (st->nad, st->out_pcb, inf, inf_len, (t1_edc) st->edc, out, cap);
  if (n == 0)
    {
      st->error = T1_ERR_BUFFER;
      return T1_ERROR;
    }
  *out_len = n;
  st->have_out = false;
  return T1_SEND;
}

static t1_status
on_s_request (t1_state *st, const t1_block *b)
{
  uint8_t type = b->pcb & 0x03;

  switch (type)
    {
    case T1_S_IFS:
    case T1_S_WTX:
      /* ISO 7816-3 §11.6.2.1 (IFS 01..FE) and §11.6.2.2 (WTX 01..FF) */
      if (b->inf[0] == 0 || (type == T1_S_IFS && b->inf[0] == 0xFF))
        return error_event (st, T1_PCB_R_OTHER_ERR);
      if (++st->s_requests > st->max_wtx)
        return fail (st, T1_ERR_WTX_LIMIT, true);
      queue (st, (uint8_t) (T1_PCB_S | T1_PCB_S_RESPONSE | type), true, b->inf[0]);
      if (type == T1_S_IFS)
        {
          /* The response echoes the card's IFSC; our blocks stay within
           * what the transport carries as well (§11.4.2: less is allowed). */
          st->ifsc = b->inf[0] < st->max_inf ? b->inf[0] : st->max_inf;
          return T1_SEND;
        }
      st->wtx = b->inf[0];
      return T1_WTX;
    case T1_S_ABORT:
      /* ISO 7816-3 §11.6.2.3: the card gives up its chain, or ours */
      if (st->phase != PHASE_SEND && st->phase != PHASE_RECV)
        return error_event (st, T1_PCB_R_OTHER_ERR);
      st->phase = PHASE_ABORT_WAIT;
      queue (st, T1_PCB_S | T1_PCB_S_RESPONSE | T1_S_ABORT, false, 0);
      return T1_SEND;
    case T1_S_RESYNCH:
    default:
      /* only the interface device may ask for resynchronisation */
      return error_event (st, T1_PCB_R_OTHER_ERR);
    }
}

t1_status
t1_on_block (t1_state *st, const uint8_t *in, size_t len)
{
  t1_block b;
  t1_block_status bs;

  if (st == NULL)
    return T1_ERROR;
  if (!in_exchange (st) || st->have_out)
    return fail (st, T1_ERR_STATE, true);
  st->wtx = 0;

  bs = t1_block_decode (in, len, (t1_edc) st->edc, &b);
  if (bs == T1_BLOCK_ERR_EDC)
    return error_event (st, T1_PCB_R_EDC_ERR);
  if (bs != T1_BLOCK_OK)
    return error_event (st, T1_PCB_R_OTHER_ERR);
  /* The card answers with SAD and DAD swapped (ISO 7816-3 §11.3.2.1) */
  if (b.nad != st->nad_expect)
    return error_event (st, T1_PCB_R_OTHER_ERR);

  if (b.type == T1_BLOCK_S && !(b.pcb & T1_PCB_S_RESPONSE))
    return on_s_request (st, &b);

  switch (st->phase)
    {
    case PHASE_S_WAIT:
      if (b.type == T1_BLOCK_S && (b.pcb & 0x03) == st->s_type)
        {
          if (st->s_type == T1_S_RESYNCH)
            return on_resynched (st);
          if (b.inf[0] == st->s_inf)
            {
              st->ifsd = st->s_inf;
              st->phase = PHASE_DONE;
              return T1_DONE;
            }
        }
      /* Annex A.5: an R-block or anything else: send the request again */
      return error_event (st, T1_PCB_R_OTHER_ERR);

    case PHASE_ABORT_WAIT:
      if (b.type == T1_BLOCK_R)
        {
          /* the card hands the turn back: N(R) is what it expects next */
          st->ns = (b.pcb & T1_PCB_R_NR) ? 1 : 0;
          return fail (st, T1_ERR_ABORTED, false);
        }
      return fail (st, T1_ERR_ABORTED, true);

    case PHASE_SEND:
      if (b.type == T1_BLOCK_I)
        {
          /* While we chain the card must only acknowledge (§11.6.2.3) */
          if (st->tx_more || ((b.pcb & T1_PCB_I_NS) ? 1 : 0) != st->nr)
            return error_event (st, T1_PCB_R_OTHER_ERR);
          return accept_i (st, &b);
        }
      if (b.type == T1_BLOCK_R)
        {
          uint8_t nr = (b.pcb & T1_PCB_R_NR) ? 1 : 0;

          if (nr == st->tx_ns)
            {
              /* Annex A.4: the card asks for our I-block again. An
               * S(IFS request) since may have lowered the IFSC below what
               * the block carried: send what fits, and chain the rest
               * (§11.4.2, the card cannot take more). */
              if (++st->retries > T1_MAX_RETRIES)
                return start_resynch (st, AFTER_FAIL);
              if (st->tx_len > st->ifsc)
                {
                  st->tx_len = st->ifsc;
                  st->tx_more = true;
                }
              return queue_i (st);
            }
          if (st->tx_more)
            {
              /* §11.6.2.3: the chained block is acknowledged, send the next */
              st->retries = 0;
              st->s_requests = 0;
              st->tx_off += st->tx_len;
              return start_chunk (st);
            }
          /* Our last block was acknowledged yet no I-block came: the card
           * lost our R-block (Annex A.4): send it again. */
          if (st->last_was_r)
            {
              if (++st->retries > T1_MAX_RETRIES)
                return start_resynch (st, AFTER_FAIL);
              queue (st, st->last_r_pcb, false, 0);
              return T1_SEND;
            }
          return error_event (st, T1_PCB_R_OTHER_ERR);
        }
      return error_event (st, T1_PCB_R_OTHER_ERR);

    case PHASE_RECV:
      if (b.type == T1_BLOCK_I)
        {
          if (((b.pcb & T1_PCB_I_NS) ? 1 : 0) != st->nr)
            return error_event (st, T1_PCB_R_OTHER_ERR);
          return accept_i (st, &b);
        }
      if (b.type == T1_BLOCK_R)
        {
          /* Annex A.4: the card did not get our acknowledgement */
          if (++st->retries > T1_MAX_RETRIES)
            return start_resynch (st, AFTER_FAIL);
          queue (st, st->last_r_pcb, false, 0);
          return T1_SEND;
        }
      return error_event (st, T1_PCB_R_OTHER_ERR);

    default:
      break;
    }
  return fail (st, T1_ERR_STATE, true);
}

t1_status
t1_on_timeout (t1_state *st)
{
  if (st == NULL)
    return T1_ERROR;
  if (!in_exchange (st) || st->have_out)
    return fail (st, T1_ERR_STATE, true);
  st->wtx = 0;
  return error_event (st, T1_PCB_R_OTHER_ERR);
}

t1_status
t1_on_bad_block (t1_state *st)
{
  if (st == NULL)
    return T1_ERROR;
  if (!in_exchange (st) || st->have_out)
    return fail (st, T1_ERR_STATE, true);
  st->wtx = 0;
  return error_event (st, T1_PCB_R_EDC_ERR);
}

t1_status
t1_take_response (t1_state *st, size_t *len)
{
  if (st == NULL || len == NULL || st->phase != PHASE_DONE)
    return T1_ERROR;
  *len = st->resp_len;
  st->phase = PHASE_IDLE;
  return T1_DONE;
}

uint8_t
t1_wtx_multiplier (const t1_state *st)
{
  return st ? st->wtx : 0;
}

t1_error
t1_error_of (const t1_state *st)
{
  return st ? st->error : T1_ERR_ARGS;
}

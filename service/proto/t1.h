/* t1.h: T=1 host side (ISO/IEC 7816-3 §11), sans I/O
 *
 * One t1_state per node address (NAD): ETSI TS 102 221 keeps the T=1
 * sequence numbers per logical interface selected by NAD, so the daemon
 * keeps one state per NAD in use.  The state is a small fixed-size struct:
 * no allocation, no I/O; the caller moves the blocks and keeps the time.
 *
 *   t1_init (&st, &params);                 once, after the ATR (and PPS)
 *   st = t1_begin_ifs (&st, ifsd);          optional: S(IFS request)
 *   st = t1_begin (&st, apdu, n, resp, cap);
 *   while (st == T1_SEND || st == T1_WTX) {
 *     t1_next_block (&st, block, sizeof block, &block_len);
 *     send it; wait BWT (times t1_wtx_multiplier() if st was T1_WTX);
 *     st = got_block ? t1_on_block (&st, in, in_len)
 *        : reader_reported_parity_or_edc_error ? t1_on_bad_block (&st)
 *        : t1_on_timeout (&st);
 *   }
 *   if (st == T1_DONE) t1_take_response (&st, &resp_len);
 *   else t1_error_reason (t1_error_of (&st));
 *   (giving up half-way for a reason of the caller's: t1_cancel)
 *
 * @apdu and @resp belong to the caller and must stay valid until the
 * exchange ends.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "t1-block.h"

#define T1_MAX_APDU 65544      /* extended case 4: 4 + 3 + 65535 + 2 */
#define T1_MAX_RESPONSE 65538  /* 65536 data bytes + SW1 SW2 */
#define T1_DEFAULT_IFS 32      /* ISO 7816-3 §11.4.2 */
#define T1_MAX_RETRIES 3       /* recovery blocks without progress before S(RESYNCH) */
#define T1_MAX_RESYNCH 3       /* S(RESYNCH request) attempts */
#define T1_DEFAULT_MAX_WTX 256 /* card S(WTX)/S(IFS) requests without progress */
#define T1_MAX_EMPTY_CHAIN 8   /* chained I-blocks with LEN 0 in a row */

typedef enum
{
  T1_SEND = 0, /* a block is ready: t1_next_block */
  T1_DONE,     /* response complete: t1_take_response (or IFS/RESYNCH done) */
  T1_WTX,      /* a block (S(WTX response)) is ready; wait t1_wtx_multiplier() x BWT */
  T1_ERROR,    /* exchange failed: t1_error_of */
} t1_status;

typedef enum
{
  T1_ERR_NONE = 0,
  T1_ERR_ARGS,              /* NULL pointer, empty or oversized APDU, IFS out of 1..254 */
  T1_ERR_STATE,             /* call out of sequence */
  T1_ERR_BUFFER,            /* the block buffer given to t1_next_block is too small */
  T1_ERR_RESPONSE_TOO_LONG, /* the card's chain does not fit the response buffer */
  T1_ERR_NOT_TRANSACTED, /* no valid answer after retries; link resynchronised, next APDU may go */
  T1_ERR_RESYNCH_FAILED, /* the card does not answer S(RESYNCH): reset it */
  T1_ERR_ABORTED,        /* the card aborted the chain (S(ABORT)) */
  T1_ERR_WTX_LIMIT,      /* endless S(WTX) or S(IFS) requests */
  T1_ERR_EMPTY_CHAIN,    /* endless chained I-blocks without data */
  T1_ERR_LAST_
} t1_error;

typedef struct
{
  uint8_t nad;      /* SAD (b7-b5) and DAD (b3-b1) of the host's blocks */
  uint8_t ifsc;     /* from the ATR (atr_info.ifsc), 1..254; 0 means 32 */
  uint8_t ifsd;     /* the host's current IFSD; 0 means 32 */
  t1_edc edc;       /* from the ATR (atr_info.edc) */
  uint16_t max_wtx; /* 0 means T1_DEFAULT_MAX_WTX */
  uint8_t max_inf;  /* most INF bytes the transport carries in one block; 0 means 254 */
} t1_params;

typedef struct
{
  /* link state, kept across exchanges */
  uint8_t nad, nad_expect;
  uint8_t ifsc, ifsc_initial, ifsd;
  uint8_t max_inf; /* the transport's bound on our blocks, below any IFSC */
  uint8_t edc;
  uint8_t ns;        /* N(S) of the next new I-block the host sends */
  uint8_t nr;        /* N(S) expected in the card's next I-block */
  bool need_resynch; /* state uncertain: the next exchange starts with S(RESYNCH) */
  uint16_t max_wtx;

  /* the exchange in progress */
  uint8_t phase;
  uint8_t kind; /* APDU, IFS or RESYNCH */
  uint8_t after_resynch;
  uint8_t s_type; /* S request awaiting its response */
  uint8_t s_inf;  /* its INF (IFS) */
  const uint8_t *apdu;
  size_t apdu_len;
  size_t tx_off; /* offset of the I-block in flight */
  uint8_t tx_len;
  bool tx_more;
  uint8_t tx_ns;
  bool last_was_r; /* the last block sent was an R-block */
  uint8_t last_r_pcb;
  uint8_t *resp;
  size_t resp_cap;
  size_t resp_len;
  uint8_t retries;
  uint8_t resynch_tries;
  uint8_t empty_chain;
  uint16_t s_requests;
  uint8_t wtx;

  /* the block to send next */
  bool have_out;
  uint8_t out_pcb;
  bool out_has_inf; /* S-block INF byte */
  uint8_t out_inf;
  t1_error error;
} t1_state;

void t1_init (t1_state *st, const t1_params *params);

/* Starts sending @apdu (1..T1_MAX_APDU bytes); the response goes into
 * @resp (up to @resp_cap bytes, at most T1_MAX_RESPONSE are used). */
t1_status t1_begin (t1_state *st, const uint8_t *apdu, size_t apdu_len, uint8_t *resp,
                    size_t resp_cap);
/* S(IFS request) with @ifsd (1..254): on T1_DONE the IFSD is in force. */
t1_status t1_begin_ifs (t1_state *st, uint8_t ifsd);
/* S(RESYNCH request): on T1_DONE both sequence numbers are 0 again. */
t1_status t1_begin_resynch (t1_state *st);

/* The caller gives up on the exchange in progress (the reader is gone, the
 * card was pulled, a block could not be sent): the state is left whole and
 * the next exchange starts with S(RESYNCH request). Nothing happens between
 * exchanges. */
void t1_cancel (t1_state *st);

/* Changes the NAD between exchanges (false while an exchange runs). */
bool t1_set_nad (t1_state *st, uint8_t nad);

t1_status t1_next_block (t1_state *st, uint8_t *out, size_t cap, size_t *out_len);
t1_status t1_on_block (t1_state *st, const uint8_t *in, size_t len);
t1_status t1_on_timeout (t1_state *st);   /* no block within BWT (or CWT) */
t1_status t1_on_bad_block (t1_state *st); /* the reader saw a parity or EDC error */
t1_status t1_take_response (t1_state *st, size_t *len);

uint8_t t1_wtx_multiplier (const t1_state *st);
t1_error t1_error_of (const t1_state *st);
const char *t1_error_reason (t1_error error);

/* t0.h: T=0 (ISO/IEC 7816-3 §10 and §12.2): APDU to TPDU mapping, and the
 * character-level procedure-byte interpreter
 *
 * Both are sans-I/O state machines: the caller moves the bytes.
 *
 * APDU engine, for readers that exchange TPDUs (CCID TPDU level):
 *
 *   t0_begin (&ctx, apdu, apdu_len, resp, resp_cap);
 *   for (;;) {
 *     t0_next_tpdu (&ctx, tpdu, sizeof tpdu, &tpdu_len);
 *     ... send tpdu to the reader, get its answer (data + SW1 SW2) ...
 *     st = t0_on_response (&ctx, answer, answer_len);
 *     if (st != T0_SEND_MORE) break;
 *   }
 *   if (st == T0_DONE) t0_take_response (&ctx, &resp_len);
 *   else t0_error_reason (t0_error_of (&ctx));
 *
 * @apdu and @resp stay owned by the caller and must stay valid until the
 * exchange ends.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define T0_MAX_TPDU (5 + 255) /* header + at most 255 data bytes */
#define T0_MAX_RESPONSE 65538 /* 65536 data bytes + SW1 SW2 */
#define T0_MAX_ROUNDS 300     /* TPDUs per APDU: 256 GET RESPONSE of 256 bytes, and some */

typedef enum
{
  T0_SEND_MORE = 0, /* t0_next_tpdu gives the next TPDU to send */
  T0_DONE,          /* response APDU complete: t0_take_response */
  T0_ERROR,         /* see t0_error_of */
} t0_status;

typedef enum
{
  T0_ERR_NONE = 0,
  T0_ERR_ARGS,            /* NULL pointer or a buffer too small */
  T0_ERR_APDU_SHORT,      /* APDU shorter than 4 bytes */
  T0_ERR_APDU_MALFORMED,  /* Lc and the length disagree (ISO 7816-4 §5.1) */
  T0_ERR_EXTENDED,        /* extended-length APDU: T=0 would need ENVELOPE, not supported */
  T0_ERR_STATE,           /* call out of sequence */
  T0_ERR_RESPONSE_SHORT,  /* a TPDU answer without SW1 SW2 */
  T0_ERR_RESPONSE_LONG,   /* a TPDU answer longer than asked for */
  T0_ERR_BAD_SW1,         /* SW1 not 6X or 9X (or 60) */
  T0_ERR_OVERFLOW,        /* the response does not fit the caller's buffer */
  T0_ERR_TOO_MANY_ROUNDS, /* endless 61xx / 6Cxx */
  T0_ERR_LAST_
} t0_error;

typedef enum
{
  T0_CASE_1 = 1,
  T0_CASE_2S,
  T0_CASE_3S,
  T0_CASE_4S,
} t0_case;

typedef struct
{
  const uint8_t *apdu;
  size_t apdu_len;
  uint8_t *resp;
  size_t resp_cap;
  size_t resp_len; /* data gathered so far (then SW1 SW2 at the end) */

  t0_case apdu_case;
  uint8_t lc;  /* Nc, 1..255 for cases 3 and 4 */
  uint16_t le; /* Ne, 1..256 for cases 2 and 4 */

  uint8_t tpdu_hdr[5]; /* the TPDU header to send next */
  bool tpdu_with_data; /* next TPDU carries the command data */
  uint16_t expect;     /* data bytes the next TPDU may answer */
  unsigned rounds;
  int phase;
  t0_error error;
} t0_ctx;

t0_status t0_begin (t0_ctx *ctx, const uint8_t *apdu, size_t apdu_len, uint8_t *resp,
                    size_t resp_cap);
t0_status t0_next_tpdu (t0_ctx *ctx, uint8_t *out, size_t cap, size_t *out_len);
t0_status t0_on_response (t0_ctx *ctx, const uint8_t *resp, size_t len);
t0_status t0_take_response (t0_ctx *ctx, size_t *len);
t0_error t0_error_of (const t0_ctx *ctx);
const char *t0_error_reason (t0_error error);

/* ISO 7816-4 §5.1: the case of a command APDU (T0_ERR_NONE on success; an
 * extended APDU is classified with T0_ERR_EXTENDED). */
t0_error t0_apdu_case (const uint8_t *apdu, size_t len, t0_case *out_case, uint8_t *out_lc,
                       uint16_t *out_le);

/* Character-level procedure bytes (ISO 7816-3 §10.3.3).
 *
 *   t0_proc_init (&p, ins, T0_DIR_TO_CARD, n_data);
 *   for each byte the card sends while no data transfer is pending:
 *     act = t0_proc_on_byte (&p, byte, &count);
 *     T0_PROC_WAIT:      NULL byte 60: keep waiting (a new work waiting time)
 *     T0_PROC_TRANSFER:  move @count data bytes (to or from the card), then feed
 *                        the next procedure byte
 *     T0_PROC_NEED_SW2:  SW1 seen, feed SW2
 *     T0_PROC_DONE:      p.sw1, p.sw2 hold the status
 *     T0_PROC_ERROR:     invalid procedure byte, or INS while nothing remains
 */
typedef enum
{
  T0_DIR_NONE = 0,
  T0_DIR_TO_CARD,
  T0_DIR_FROM_CARD,
} t0_dir;

typedef enum
{
  T0_PROC_WAIT = 0,
  T0_PROC_TRANSFER,
  T0_PROC_NEED_SW2,
  T0_PROC_DONE,
  T0_PROC_ERROR,
} t0_proc_action;

typedef struct
{
  uint8_t ins;
  t0_dir dir;
  uint16_t remaining; /* data bytes still to move */
  bool have_sw1;
  bool done;
  bool failed;
  uint8_t sw1, sw2;
  uint32_t nulls; /* NULL bytes seen, for the caller's statistics */
} t0_proc;

void t0_proc_init (t0_proc *p, uint8_t ins, t0_dir dir, uint16_t n_data);
t0_proc_action t0_proc_on_byte (t0_proc *p, uint8_t byte, uint16_t *count);

/* atr.h: Answer-To-Reset parsing (ISO/IEC 7816-3 §8)
 *
 * Pure code: bytes in, a decoded struct out.  No allocation, no I/O.  The
 * parser never reads past the length it is given nor past ATR_MAX_LEN bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATR_MAX_LEN 33    /* ISO 7816-3 §8.2.1: TS + at most 32 characters */
#define ATR_MAX_HIST 15   /* T0 K: 0..15 historical bytes */
#define ATR_MAX_GROUPS 32 /* interface byte groups (TAi..TDi): each takes >= 1 byte */

typedef enum
{
  ATR_OK = 0,
  ATR_ERR_ARGS,         /* NULL pointer */
  ATR_ERR_EMPTY,        /* no byte at all */
  ATR_ERR_TOO_LONG,     /* more than 33 bytes given */
  ATR_ERR_TS,           /* TS is neither 3B nor 3F */
  ATR_ERR_TRUNCATED,    /* the TDi chain or the historical bytes need more bytes than given */
  ATR_ERR_OVERFLOW,     /* the TDi chain + historical bytes + TCK would pass 33 bytes */
  ATR_ERR_TCK_MISSING,  /* a protocol other than T=0 is offered but there is no TCK */
  ATR_ERR_TCK,          /* TCK does not make the XOR of T0..TCK zero */
  ATR_ERR_EXTRA_BYTES,  /* bytes after the end of the ATR */
  ATR_ERR_IFSC,         /* first TA for T=1 is 00 or FF (ISO 7816-3 §11.4.2) */
  ATR_ERR_TA2_PROTOCOL, /* TA2 (specific mode) names a protocol that no TDi offers */
  ATR_ERR_TA1_RFU,      /* specific mode with explicit parameters but TA1 holds RFU Fi or Di */
  ATR_ERR_LAST_
} atr_status;

typedef enum
{
  ATR_EDC_LRC = 0,
  ATR_EDC_CRC = 1,
} atr_edc;

typedef struct
{
  uint8_t raw[ATR_MAX_LEN];
  size_t len; /* bytes of the ATR, TCK included */

  bool inverse; /* TS = 3F: inverse convention */
  uint8_t t0;

  /* Interface bytes as received: group i (1-based) lives at index i-1. */
  uint8_t ta[ATR_MAX_GROUPS], tb[ATR_MAX_GROUPS], tc[ATR_MAX_GROUPS], td[ATR_MAX_GROUPS];
  uint32_t ta_present, tb_present, tc_present, td_present; /* bit i-1 for group i */
  unsigned n_groups;                                       /* groups seen (1 + number of TDi) */

  uint8_t hist[ATR_MAX_HIST];
  size_t hist_len;

  bool has_tck;
  bool tck_superfluous; /* T=0 only, yet a valid TCK follows (tolerated) */
  uint8_t tck;

  /* Decoded values (ISO 7816-3 §8.3, defaults when absent) */
  uint8_t fi_index, di_index; /* TA1 nibbles, 1 and 1 by default */
  bool ta1_rfu;               /* TA1 had an RFU Fi or Di: fi/di below are the defaults */
  unsigned fi;                /* 372 by default */
  unsigned di;                /* 1 by default */
  unsigned fmax_khz;          /* 5000 by default */
  uint16_t protocols;         /* bit T set for each T offered (T=0 if no TD1); T=15 not included */
  bool has_t15;               /* a TDi indicates T=15 (global interface bytes) */
  uint8_t first_protocol;     /* T of TD1, 0 without TD1: the default protocol */
  bool specific_mode;         /* TA2 present */
  uint8_t specific_protocol;  /* TA2 b1-b4 */
  bool specific_can_change;   /* TA2 b8 = 0: can change to negotiable mode */
  bool specific_implicit;     /* TA2 b5 = 1: parameters defined implicitly, not by TA1 */
  uint8_t n;                  /* TC1: extra guard time, 0 by default (255: minimum) */
  uint8_t wi;                 /* TC2: waiting time integer for T=0, 10 by default */
  uint8_t ifsc;               /* first TA for T=1, 32 by default */
  uint8_t bwi, cwi;           /* first TB for T=1, 4 and 13 by default */
  atr_edc edc;                /* first TC for T=1 b1, LRC by default */
  bool has_class;             /* first TA for T=15 present */
  uint8_t class_indicator;    /* its b1-b6 (A=1, B=2, C=4) */
  uint8_t clock_stop;         /* its b7-b8: 0 none, 1 low, 2 high, 3 either */
} atr_info;

/* Parse @atr[0..@len).  On ATR_OK @out holds the decoding; on error @out is
 * partially filled and must not be used. */
atr_status atr_parse (const uint8_t *atr, size_t len, atr_info *out);

/* A short static human-readable reason for a status. */
const char *atr_strerror (atr_status status);

/* ISO 7816-3 Table 7 and Table 8.  0 for RFU indices. */
unsigned atr_fi_value (uint8_t fi_index);
unsigned atr_fmax_khz (uint8_t fi_index);
unsigned atr_di_value (uint8_t di_index);

static inline bool
atr_offers (const atr_info *info, unsigned t)
{
  return t < 16 && (info->protocols & (1u << t)) != 0;
}

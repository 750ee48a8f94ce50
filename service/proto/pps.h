/* pps.h: Protocol and Parameters Selection (ISO/IEC 7816-3 §9)
 *
 * Builds a PPS request and checks the card's response.  Pure code.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PPS_MAX_LEN 6 /* PPSS PPS0 PPS1 PPS2 PPS3 PCK */

typedef enum
{
  PPS_OK = 0,        /* request echoed: requested Fi/Di (and N) apply */
  PPS_OK_DEFAULT_FD, /* PPS1 absent from the response: Fd = 372, Dd = 1 apply */
  PPS_ERR_ARGS,      /* bad arguments (protocol > 14, buffer too small, ...) */
  PPS_ERR_SHORT,     /* response shorter than its PPS0 announces */
  PPS_ERR_LONG,      /* bytes after PCK */
  PPS_ERR_PPSS,      /* response does not start with FF */
  PPS_ERR_PCK,       /* response PCK wrong */
  PPS_ERR_PROTOCOL,  /* PPS0 b4-b1 not echoed */
  PPS_ERR_PPS1,      /* PPS1 present but different, or present though not requested */
  PPS_ERR_PPS2,      /* PPS2 not echoed (or not requested) */
  PPS_ERR_PPS3,      /* PPS3 not echoed (or not requested) */
  PPS_ERR_RFU,       /* PPS0 b8 set */
  PPS_ERR_LAST_
} pps_status;

typedef struct
{
  uint8_t protocol; /* T, 0..14 */
  bool has_pps1;
  uint8_t pps1; /* Fi (b8-b5) and Di (b4-b1), as in TA1 */
  bool has_pps2;
  uint8_t pps2; /* N (extra guard time) */
} pps_request;

/* Writes the request into @out (at least PPS_MAX_LEN bytes is always
 * enough) and its length into @out_len.  ISO 7816-3 §9.2. */
pps_status pps_build (const pps_request *req, uint8_t *out, size_t cap, size_t *out_len);

/* Checks @resp against the request @req (ISO 7816-3 §9.3).  PPS_OK or
 * PPS_OK_DEFAULT_FD mean success. */
pps_status pps_check_response (const pps_request *req, const uint8_t *resp, size_t len);

const char *pps_strerror (pps_status status);

static inline bool
pps_succeeded (pps_status status)
{
  return status == PPS_OK || status == PPS_OK_DEFAULT_FD;
}

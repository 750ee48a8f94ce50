/* t1-script.h: T=1 block scripts for the tests
 *
 * Scenarios are block sequences.  Each line of a script is one event:
 *   "A hex"       t1_begin with that APDU
 *   "IFS n"       t1_begin_ifs with IFSD n (hex)
 *   "RESYNCH"     t1_begin_resynch
 *   "> hex"       the host must send exactly NAD PCB LEN INF + EDC
 *   "< hex"       the card sends NAD PCB LEN INF + a correct EDC
 *   "<! hex"      the same block with a broken EDC
 *   "<raw hex"    exactly these bytes (EDC included or not)
 *   "<T"          no block within BWT (t1_on_timeout)
 *   "<P"          the reader reports a parity/EDC error (t1_on_bad_block)
 *   "CANCEL"      the caller gives up on the exchange (t1_cancel)
 *   "W n"         the last call answered T1_WTX with multiplier n (decimal)
 *   "DONE hex"    the exchange is complete with this response
 *   "ERR name"    the exchange failed with this error
 * The EDC is computed here with an implementation independent of t1-block.c.
 *
 * Scenario numbers follow ISO/IEC 7816-3:2006 Annex A (A.2 exchange of
 * I-blocks, A.3 chaining, A.4 error handling, A.5 resynchronisation),
 * those where the interface device acts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "t1.h"

typedef struct
{
  t1_state st;
  t1_status last;
  t1_edc edc;
  size_t resp_cap;
  uint8_t *resp;
  GByteArray *apdu; /* kept alive for the exchange */
} runner;

uint16_t ref_crc (const uint8_t *d, size_t n);
void add_edc (GByteArray *a, t1_edc edc, bool broken);
GByteArray *hex (const char *s);
void runner_init (runner *r, const t1_params *p);
void runner_clear (runner *r);
void step (runner *r, const char *line);
void run_with (const t1_params *p, const char *const *script);
void run (const char *const *script);       /* IFSC 32, IFSD 32, LRC, NAD 0 */
void run_ifsc2 (const char *const *script); /* IFSC 2 to force chaining */

#define SCRIPT(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* fuzz-atr.c: atr_parse on arbitrary bytes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "atr.h"
#include "pps.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  atr_info info;
  atr_status st = atr_parse (data, size, &info);

  if (atr_strerror (st) == NULL)
    abort ();
  if (st != ATR_OK)
    return 0;
  /* Invariants of a valid ATR */
  if (size > ATR_MAX_LEN || info.len != size || info.hist_len > ATR_MAX_HIST)
    abort ();
  if (memcmp (info.hist, data + size - info.hist_len - (info.has_tck ? 1 : 0), info.hist_len) != 0)
    abort ();
  if (info.fi == 0 || info.di == 0 || info.fmax_khz == 0)
    abort ();
  if (info.ifsc == 0 || info.ifsc == 0xFF || info.protocols == 0)
    abort ();
  if (info.specific_mode && !atr_offers (&info, info.specific_protocol))
    abort ();

  /* A PPS for the first protocol and TA1 must round-trip. */
  if (info.first_protocol < 15)
    {
      pps_request req = { .protocol = info.first_protocol,
                          .has_pps1 = true,
                          .pps1 = (uint8_t) (info.fi_index << 4 | info.di_index) };
      uint8_t pps[PPS_MAX_LEN];
      size_t len;

      if (pps_build (&req, pps, sizeof pps, &len) != PPS_OK)
        abort ();
      if (pps_check_response (&req, pps, len) != PPS_OK)
        abort ();
    }
  return 0;
}

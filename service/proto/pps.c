/* pps.c: Protocol and Parameters Selection (ISO/IEC 7816-3 §9)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "pps.h"

const char *
pps_strerror (pps_status status)
{
  switch (status)
    {
    case PPS_OK:
      return "PPS accepted";
    case PPS_OK_DEFAULT_FD:
      return "PPS accepted with default Fi/Di (PPS1 absent)";
    case PPS_ERR_ARGS:
      return "invalid arguments";
    case PPS_ERR_SHORT:
      return "PPS response truncated";
    case PPS_ERR_LONG:
      return "PPS response has extra bytes";
    case PPS_ERR_PPSS:
      return "PPS response does not start with PPSS FF";
    case PPS_ERR_PCK:
      return "PPS response has a wrong PCK";
    case PPS_ERR_PROTOCOL:
      return "PPS response names another protocol";
    case PPS_ERR_PPS1:
      return "PPS response has a different PPS1";
    case PPS_ERR_PPS2:
      return "PPS response has a different PPS2";
    case PPS_ERR_PPS3:
      return "PPS response has a different PPS3";
    case PPS_ERR_RFU:
      return "PPS response sets the RFU bit of PPS0";
    case PPS_ERR_LAST_:
    default:
      break;
    }
  return "unknown PPS error";
}

pps_status
pps_build (const pps_request *req, uint8_t *out, size_t cap, size_t *out_len)
{
  size_t n = 0;
  uint8_t pck = 0;
  size_t need;

  if (req == NULL || out == NULL || out_len == NULL || req->protocol > 14)
    return PPS_ERR_ARGS;
  need = 3u + (req->has_pps1 ? 1u : 0u) + (req->has_pps2 ? 1u : 0u);
  if (cap < need)
    return PPS_ERR_ARGS;

  /* ISO 7816-3 §9.2: PPSS = FF; PPS0 b5-b7 announce PPS1-3, b1-b4 = T */
  out[n++] = 0xFF;
  out[n++] = (uint8_t) (req->protocol | (req->has_pps1 ? 0x10 : 0) | (req->has_pps2 ? 0x20 : 0));
  if (req->has_pps1)
    out[n++] = req->pps1;
  if (req->has_pps2)
    out[n++] = req->pps2;
  for (size_t i = 0; i < n; i++)
    pck ^= out[i];
  out[n++] = pck; /* XOR of PPSS to PCK is 00 */
  *out_len = n;
  return PPS_OK;
}

pps_status
pps_check_response (const pps_request *req, const uint8_t *resp, size_t len)
{
  size_t pos;
  uint8_t pps0;
  uint8_t x = 0;
  bool has1, has2, has3;

  if (req == NULL || resp == NULL)
    return PPS_ERR_ARGS;
  if (len < 3)
    return PPS_ERR_SHORT;
  if (resp[0] != 0xFF)
    return PPS_ERR_PPSS;
  pps0 = resp[1];
  has1 = (pps0 & 0x10) != 0;
  has2 = (pps0 & 0x20) != 0;
  has3 = (pps0 & 0x40) != 0;
  pos = 2u + (has1 ? 1u : 0u) + (has2 ? 1u : 0u) + (has3 ? 1u : 0u);
  if (len < pos + 1)
    return PPS_ERR_SHORT;
  if (len > pos + 1)
    return PPS_ERR_LONG;
  for (size_t i = 0; i < len; i++)
    x ^= resp[i];
  if (x != 0)
    return PPS_ERR_PCK;
  if (pps0 & 0x80)
    return PPS_ERR_RFU;

  /* ISO 7816-3 §9.3: b1-b4 echoed; PPS1 either echoed or absent (then
   * Fd and Dd apply); PPS2 and PPS3 echoed or absent as in the request. */
  if ((pps0 & 0x0F) != req->protocol)
    return PPS_ERR_PROTOCOL;
  pos = 2;
  if (has1)
    {
      if (!req->has_pps1 || resp[pos] != req->pps1)
        return PPS_ERR_PPS1;
      pos++;
    }
  if (has2)
    {
      if (!req->has_pps2 || resp[pos] != req->pps2)
        return PPS_ERR_PPS2;
      pos++;
    }
  else if (req->has_pps2)
    return PPS_ERR_PPS2;
  if (has3)
    return PPS_ERR_PPS3; /* never requested here */
  if (req->has_pps1 && !has1)
    return PPS_OK_DEFAULT_FD;
  return PPS_OK;
}

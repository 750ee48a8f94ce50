/* ccid-message.c: the CCID message codec (CCID 1.1 §6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-message.h"

#include <stdio.h>
#include <string.h>

static void
put_le32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

static uint32_t
get_le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Every PC_to_RDR message: bMessageType, dwLength, bSlot, bSeq, three
 * message-specific bytes, then dwLength bytes (CCID §6.1). */
static size_t
build (uint8_t *out, size_t out_size, uint8_t type, uint8_t slot, uint8_t seq, uint8_t p0,
       uint8_t p1, uint8_t p2, const uint8_t *data, size_t len)
{
  if (out == NULL || (data == NULL && len > 0))
    return 0;
  if (len > CCID_MAX_MESSAGE_LENGTH - CCID_HEADER_LENGTH || out_size < CCID_HEADER_LENGTH
      || len > out_size - CCID_HEADER_LENGTH)
    return 0;
  out[0] = type;
  put_le32 (out + 1, (uint32_t) len);
  out[5] = slot;
  out[6] = seq;
  out[7] = p0;
  out[8] = p1;
  out[9] = p2;
  if (len > 0)
    memmove (out + CCID_HEADER_LENGTH, data, len);
  return CCID_HEADER_LENGTH + len;
}

size_t
ccid_build_icc_power_on (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                         CcidPowerSelect power)
{
  return build (out, out_size, CCID_PC_TO_RDR_ICC_POWER_ON, slot, seq, (uint8_t) power, 0, 0, NULL,
                0);
}

size_t
ccid_build_icc_power_off (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq)
{
  return build (out, out_size, CCID_PC_TO_RDR_ICC_POWER_OFF, slot, seq, 0, 0, 0, NULL, 0);
}

size_t
ccid_build_get_slot_status (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq)
{
  return build (out, out_size, CCID_PC_TO_RDR_GET_SLOT_STATUS, slot, seq, 0, 0, 0, NULL, 0);
}

size_t
ccid_build_xfr_block (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq, uint8_t bwi,
                      uint16_t level_parameter, const uint8_t *data, size_t len)
{
  return build (out, out_size, CCID_PC_TO_RDR_XFR_BLOCK, slot, seq, bwi, (uint8_t) level_parameter,
                (uint8_t) (level_parameter >> 8), data, len);
}

size_t
ccid_build_get_parameters (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq)
{
  return build (out, out_size, CCID_PC_TO_RDR_GET_PARAMETERS, slot, seq, 0, 0, 0, NULL, 0);
}

size_t
ccid_build_reset_parameters (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq)
{
  return build (out, out_size, CCID_PC_TO_RDR_RESET_PARAMETERS, slot, seq, 0, 0, 0, NULL, 0);
}

size_t
ccid_build_set_parameters_t0 (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                              const CcidT0Params *p)
{
  uint8_t d[5];

  if (p == NULL)
    return 0;
  /* CCID §6.1.7, protocol data structure for T=0 */
  d[0] = p->findex_dindex;
  d[1] = p->inverse ? 0x02 : 0x00;
  d[2] = p->guard_time;
  d[3] = p->waiting_integer;
  d[4] = p->clock_stop;
  return build (out, out_size, CCID_PC_TO_RDR_SET_PARAMETERS, slot, seq, 0x00, 0, 0, d, sizeof d);
}

size_t
ccid_build_set_parameters_t1 (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                              const CcidT1Params *p)
{
  uint8_t d[7];

  if (p == NULL || p->bwi > 0x0f || p->cwi > 0x0f)
    return 0;
  /* CCID §6.1.7, protocol data structure for T=1: bmTCCKST1 is 0x10 with
   * bit 0 for CRC and bit 1 for the inverse convention. */
  d[0] = p->findex_dindex;
  d[1] = (uint8_t) (0x10 | (p->crc ? 0x01 : 0) | (p->inverse ? 0x02 : 0));
  d[2] = p->guard_time;
  d[3] = (uint8_t) (p->bwi << 4 | p->cwi);
  d[4] = p->clock_stop;
  d[5] = p->ifsc;
  d[6] = p->nad;
  return build (out, out_size, CCID_PC_TO_RDR_SET_PARAMETERS, slot, seq, 0x01, 0, 0, d, sizeof d);
}

size_t
ccid_build_escape (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq, const uint8_t *data,
                   size_t len)
{
  return build (out, out_size, CCID_PC_TO_RDR_ESCAPE, slot, seq, 0, 0, 0, data, len);
}

size_t
ccid_build_icc_clock (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                      uint8_t clock_command)
{
  return build (out, out_size, CCID_PC_TO_RDR_ICC_CLOCK, slot, seq, clock_command, 0, 0, NULL, 0);
}

size_t
ccid_build_t0_apdu (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq, uint8_t changes,
                    uint8_t class_get_response, uint8_t class_envelope)
{
  return build (out, out_size, CCID_PC_TO_RDR_T0_APDU, slot, seq, changes, class_get_response,
                class_envelope, NULL, 0);
}

size_t
ccid_build_secure (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq, uint8_t bwi,
                   uint16_t level_parameter, const uint8_t *data, size_t len)
{
  return build (out, out_size, CCID_PC_TO_RDR_SECURE, slot, seq, bwi, (uint8_t) level_parameter,
                (uint8_t) (level_parameter >> 8), data, len);
}

size_t
ccid_build_mechanical (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq, uint8_t function)
{
  return build (out, out_size, CCID_PC_TO_RDR_MECHANICAL, slot, seq, function, 0, 0, NULL, 0);
}

size_t
ccid_build_abort (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq)
{
  return build (out, out_size, CCID_PC_TO_RDR_ABORT, slot, seq, 0, 0, 0, NULL, 0);
}

size_t
ccid_build_set_data_rate_and_clock (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                                    uint32_t clock_khz, uint32_t data_rate)
{
  uint8_t d[8];

  /* CCID §6.1.14: dwClockFrequency then dwDataRate */
  put_le32 (d, clock_khz);
  put_le32 (d + 4, data_rate);
  return build (out, out_size, CCID_PC_TO_RDR_SET_DATA_RATE_AND_CLOCK, slot, seq, 0, 0, 0, d,
                sizeof d);
}

uint8_t
ccid_reply_type_for (uint8_t command)
{
  /* CCID §6.1, the "response" column */
  switch (command)
    {
    case CCID_PC_TO_RDR_ICC_POWER_ON:
    case CCID_PC_TO_RDR_XFR_BLOCK:
    case CCID_PC_TO_RDR_SECURE:
      return CCID_RDR_TO_PC_DATA_BLOCK;
    case CCID_PC_TO_RDR_ICC_POWER_OFF:
    case CCID_PC_TO_RDR_GET_SLOT_STATUS:
    case CCID_PC_TO_RDR_ICC_CLOCK:
    case CCID_PC_TO_RDR_T0_APDU:
    case CCID_PC_TO_RDR_MECHANICAL:
    case CCID_PC_TO_RDR_ABORT:
      return CCID_RDR_TO_PC_SLOT_STATUS;
    case CCID_PC_TO_RDR_GET_PARAMETERS:
    case CCID_PC_TO_RDR_RESET_PARAMETERS:
    case CCID_PC_TO_RDR_SET_PARAMETERS:
      return CCID_RDR_TO_PC_PARAMETERS;
    case CCID_PC_TO_RDR_ESCAPE:
      return CCID_RDR_TO_PC_ESCAPE;
    case CCID_PC_TO_RDR_SET_DATA_RATE_AND_CLOCK:
      return CCID_RDR_TO_PC_DATA_RATE_AND_CLOCK;
    default:
      return 0;
    }
}

const char *
ccid_message_type_name (uint8_t type)
{
  switch (type)
    {
    case CCID_PC_TO_RDR_SET_PARAMETERS:
      return "PC_to_RDR_SetParameters";
    case CCID_PC_TO_RDR_ICC_POWER_ON:
      return "PC_to_RDR_IccPowerOn";
    case CCID_PC_TO_RDR_ICC_POWER_OFF:
      return "PC_to_RDR_IccPowerOff";
    case CCID_PC_TO_RDR_GET_SLOT_STATUS:
      return "PC_to_RDR_GetSlotStatus";
    case CCID_PC_TO_RDR_SECURE:
      return "PC_to_RDR_Secure";
    case CCID_PC_TO_RDR_T0_APDU:
      return "PC_to_RDR_T0APDU";
    case CCID_PC_TO_RDR_ESCAPE:
      return "PC_to_RDR_Escape";
    case CCID_PC_TO_RDR_GET_PARAMETERS:
      return "PC_to_RDR_GetParameters";
    case CCID_PC_TO_RDR_RESET_PARAMETERS:
      return "PC_to_RDR_ResetParameters";
    case CCID_PC_TO_RDR_ICC_CLOCK:
      return "PC_to_RDR_IccClock";
    case CCID_PC_TO_RDR_XFR_BLOCK:
      return "PC_to_RDR_XfrBlock";
    case CCID_PC_TO_RDR_MECHANICAL:
      return "PC_to_RDR_Mechanical";
    case CCID_PC_TO_RDR_ABORT:
      return "PC_to_RDR_Abort";
    case CCID_PC_TO_RDR_SET_DATA_RATE_AND_CLOCK:
      return "PC_to_RDR_SetDataRateAndClockFrequency";
    case CCID_RDR_TO_PC_DATA_BLOCK:
      return "RDR_to_PC_DataBlock";
    case CCID_RDR_TO_PC_SLOT_STATUS:
      return "RDR_to_PC_SlotStatus";
    case CCID_RDR_TO_PC_PARAMETERS:
      return "RDR_to_PC_Parameters";
    case CCID_RDR_TO_PC_ESCAPE:
      return "RDR_to_PC_Escape";
    case CCID_RDR_TO_PC_DATA_RATE_AND_CLOCK:
      return "RDR_to_PC_DataRateAndClockFrequency";
    case CCID_RDR_TO_PC_NOTIFY_SLOT_CHANGE:
      return "RDR_to_PC_NotifySlotChange";
    case CCID_RDR_TO_PC_HARDWARE_ERROR:
      return "RDR_to_PC_HardwareError";
    default:
      return "unknown";
    }
}

CcidParseResult
ccid_reply_parse (const uint8_t *buf, size_t len, uint32_t max_message_length, CcidReply *out,
                  const char **reason)
{
  CcidReply r;
  uint32_t limit = max_message_length;
  const char *dummy;

  if (reason == NULL)
    reason = &dummy;
  *reason = NULL;
  if (limit == 0 || limit > CCID_MAX_MESSAGE_LENGTH)
    limit = CCID_MAX_MESSAGE_LENGTH;
  if (buf == NULL || len < CCID_HEADER_LENGTH)
    {
      *reason = "message shorter than the 10-byte CCID header";
      return CCID_PARSE_TRUNCATED;
    }
  memset (&r, 0, sizeof r);
  r.type = buf[0];
  r.length = get_le32 (buf + 1);
  r.slot = buf[5];
  r.seq = buf[6];
  r.status = buf[7];
  r.error = buf[8];
  r.specific = buf[9];
  if (r.type < CCID_RDR_TO_PC_DATA_BLOCK || r.type > CCID_RDR_TO_PC_DATA_RATE_AND_CLOCK)
    {
      *reason = "not an RDR_to_PC bulk message type";
      return CCID_PARSE_UNKNOWN_TYPE;
    }
  /* Compare in the 32-bit space first: dwLength + 10 may wrap. */
  if (r.length > limit - CCID_HEADER_LENGTH)
    {
      *reason = "dwLength is beyond dwMaxCCIDMessageLength";
      return CCID_PARSE_TOO_LONG;
    }
  if (r.length > len - CCID_HEADER_LENGTH)
    {
      *reason = "dwLength is larger than what arrived";
      return CCID_PARSE_TRUNCATED;
    }
  r.data = buf + CCID_HEADER_LENGTH;

  switch (r.type)
    {
    case CCID_RDR_TO_PC_PARAMETERS:
      /* CCID §6.2.3: 5 bytes for T=0, 7 for T=1; a failed command may carry none. */
      if (r.length != 0
          && !((r.specific == 0 && r.length == 5) || (r.specific == 1 && r.length == 7)))
        {
          *reason = "Parameters answer with a length that does not match bProtocolNum";
          return CCID_PARSE_MALFORMED;
        }
      break;
    case CCID_RDR_TO_PC_DATA_RATE_AND_CLOCK:
      if (r.length != 0 && r.length != 8)
        {
          *reason = "DataRateAndClockFrequency answer is not 8 bytes long";
          return CCID_PARSE_MALFORMED;
        }
      break;
    default:
      break;
    }
  if (out != NULL)
    *out = r;
  return CCID_PARSE_OK;
}

CcidMatch
ccid_reply_match (const CcidReply *reply, uint8_t command, uint8_t slot, uint8_t seq)
{
  uint8_t want = ccid_reply_type_for (command);

  if (reply->seq != seq)
    return CCID_MATCH_WRONG_SEQ;
  if (reply->slot != slot)
    return CCID_MATCH_WRONG_SLOT;
  if (ccid_reply_command_status (reply) == CCID_CMD_TIME_EXTENSION)
    return CCID_MATCH_TIME_EXTENSION;
  if (reply->type != want && ccid_reply_command_status (reply) != CCID_CMD_FAILED)
    return CCID_MATCH_WRONG_TYPE;
  return CCID_MATCH_OK;
}

unsigned
ccid_reply_time_extension (const CcidReply *reply)
{
  /* CCID §6.2.6: with time extension, bError is the BWT multiplier. */
  return reply->error == 0 ? 1u : reply->error;
}

const char *
ccid_error_to_string (uint8_t error)
{
  switch (error)
    {
    case CCID_ERR_CMD_ABORTED:
      return "command aborted";
    case CCID_ERR_ICC_MUTE:
      return "card mute (no answer in time)";
    case CCID_ERR_XFR_PARITY_ERROR:
      return "parity error in the exchange with the card";
    case CCID_ERR_XFR_OVERRUN:
      return "overrun in the exchange with the card";
    case CCID_ERR_HW_ERROR:
      return "hardware error while activating the card";
    case CCID_ERR_BAD_ATR_TS:
      return "bad ATR TS byte";
    case CCID_ERR_BAD_ATR_TCK:
      return "bad ATR TCK byte";
    case CCID_ERR_ICC_PROTOCOL_NOT_SUPPORTED:
      return "card protocol not supported";
    case CCID_ERR_ICC_CLASS_NOT_SUPPORTED:
      return "card class (voltage) not supported";
    case CCID_ERR_PROCEDURE_BYTE_CONFLICT:
      return "T=0 procedure byte conflict";
    case CCID_ERR_DEACTIVATED_PROTOCOL:
      return "protocol deactivated";
    case CCID_ERR_BUSY_WITH_AUTO_SEQUENCE:
      return "reader busy with an automatic sequence";
    case CCID_ERR_PIN_TIMEOUT:
      return "PIN entry timed out";
    case CCID_ERR_PIN_CANCELLED:
      return "PIN entry cancelled";
    case CCID_ERR_CMD_SLOT_BUSY:
      return "slot busy with another command";
    case CCID_ERR_CMD_NOT_SUPPORTED:
      return "command not supported";
    default:
      break;
    }
  if (error >= 0x01 && error <= 0x7f)
    return "bad parameter";
  if (error >= 0x81 && error <= 0xc0)
    return "vendor-specific error";
  return "reserved error code";
}

void
ccid_error_describe (uint8_t error, char *buf, size_t size)
{
  if (buf == NULL || size == 0)
    return;
  /* CCID §6.2.6: 1..127 is the offset of the offending field. */
  if (error >= 0x01 && error <= 0x7f)
    snprintf (buf, size, "bad parameter at offset %u", (unsigned) error);
  else
    snprintf (buf, size, "%s (0x%02X)", ccid_error_to_string (error), (unsigned) error);
}

bool
ccid_reply_get_parameters (const CcidReply *reply, CcidParameters *out, const char **reason)
{
  CcidParameters p;
  const uint8_t *d = reply->data;
  const char *dummy;

  if (reason == NULL)
    reason = &dummy;
  *reason = NULL;
  memset (&p, 0, sizeof p);
  if (reply->type != CCID_RDR_TO_PC_PARAMETERS)
    {
      *reason = "not a Parameters answer";
      return false;
    }
  p.protocol = reply->specific;
  if (p.protocol == 0 && reply->length == 5)
    {
      p.t0.findex_dindex = d[0];
      p.t0.inverse = (d[1] & 0x02) != 0;
      p.t0.guard_time = d[2];
      p.t0.waiting_integer = d[3];
      p.t0.clock_stop = d[4];
    }
  else if (p.protocol == 1 && reply->length == 7)
    {
      p.t1.findex_dindex = d[0];
      p.t1.crc = (d[1] & 0x01) != 0;
      p.t1.inverse = (d[1] & 0x02) != 0;
      p.t1.guard_time = d[2];
      p.t1.bwi = d[3] >> 4;
      p.t1.cwi = d[3] & 0x0f;
      p.t1.clock_stop = d[4];
      p.t1.ifsc = d[5];
      p.t1.nad = d[6];
    }
  else
    {
      *reason = "Parameters answer without a protocol data structure";
      return false;
    }
  if (out != NULL)
    *out = p;
  return true;
}

CcidParseResult
ccid_notification_parse (const uint8_t *buf, size_t len, unsigned n_slots, CcidNotification *out,
                         const char **reason)
{
  CcidNotification n;
  const char *dummy;

  if (reason == NULL)
    reason = &dummy;
  *reason = NULL;
  memset (&n, 0, sizeof n);
  if (buf == NULL || len < 1)
    {
      *reason = "empty interrupt message";
      return CCID_PARSE_TRUNCATED;
    }
  if (n_slots == 0 || n_slots > CCID_MAX_SLOTS)
    n_slots = CCID_MAX_SLOTS;
  n.type = buf[0];
  switch (n.type)
    {
    case CCID_RDR_TO_PC_NOTIFY_SLOT_CHANGE:
      {
        /* CCID §6.3.1: two bits per slot, slot 0 in the low bits of the
         * first byte: bit 0 present, bit 1 changed. */
        size_t need = 1 + (n_slots * 2 + 7) / 8;

        if (len < need)
          {
            *reason = "NotifySlotChange shorter than its slot bitmap";
            return CCID_PARSE_TRUNCATED;
          }
        for (unsigned s = 0; s < n_slots; s++)
          {
            uint8_t bits = (uint8_t) (buf[1 + s / 4] >> ((s % 4) * 2));

            if (bits & 0x01)
              n.present |= (uint16_t) (1u << s);
            if (bits & 0x02)
              n.changed |= (uint16_t) (1u << s);
          }
        break;
      }
    case CCID_RDR_TO_PC_HARDWARE_ERROR:
      /* CCID §6.3.2: bSlot, bSeq, bHardwareErrorCode */
      if (len < 4)
        {
          *reason = "HardwareError shorter than 4 bytes";
          return CCID_PARSE_TRUNCATED;
        }
      n.slot = buf[1];
      n.seq = buf[2];
      n.hardware_error = buf[3];
      break;
    default:
      *reason = "unknown interrupt message type";
      return CCID_PARSE_UNKNOWN_TYPE;
    }
  if (out != NULL)
    *out = n;
  return CCID_PARSE_OK;
}

uint16_t
ccid_xfr_level_parameter (size_t offset, size_t chunk, size_t total)
{
  bool first = offset == 0;
  bool last = offset + chunk >= total;

  if (first && last)
    return CCID_LEVEL_BEGIN_END;
  if (first)
    return CCID_LEVEL_BEGIN;
  if (last)
    return CCID_LEVEL_END;
  return CCID_LEVEL_MIDDLE;
}

uint8_t
ccid_t1_max_inf (uint32_t message_length, bool crc)
{
  uint32_t around = CCID_HEADER_LENGTH + 3 + (crc ? 2 : 1);

  if (message_length <= around)
    return 0;
  return message_length - around > 254 ? 254 : (uint8_t) (message_length - around);
}

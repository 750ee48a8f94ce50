/* ccid-message.h: the CCID message codec (CCID 1.1 §6)
 *
 * Sans-I/O: builders write PC_to_RDR messages into a caller's buffer, the
 * parsers check RDR_to_PC and interrupt messages and point into the bytes
 * that arrived. Every length from the device is checked before use.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccid-descriptor.h"

/* PC_to_RDR, CCID §6.1 */
#define CCID_PC_TO_RDR_SET_PARAMETERS 0x61
#define CCID_PC_TO_RDR_ICC_POWER_ON 0x62
#define CCID_PC_TO_RDR_ICC_POWER_OFF 0x63
#define CCID_PC_TO_RDR_GET_SLOT_STATUS 0x65
#define CCID_PC_TO_RDR_SECURE 0x69
#define CCID_PC_TO_RDR_T0_APDU 0x6A
#define CCID_PC_TO_RDR_ESCAPE 0x6B
#define CCID_PC_TO_RDR_GET_PARAMETERS 0x6C
#define CCID_PC_TO_RDR_RESET_PARAMETERS 0x6D
#define CCID_PC_TO_RDR_ICC_CLOCK 0x6E
#define CCID_PC_TO_RDR_XFR_BLOCK 0x6F
#define CCID_PC_TO_RDR_MECHANICAL 0x71
#define CCID_PC_TO_RDR_ABORT 0x72
#define CCID_PC_TO_RDR_SET_DATA_RATE_AND_CLOCK 0x73

/* RDR_to_PC, CCID §6.2 */
#define CCID_RDR_TO_PC_DATA_BLOCK 0x80
#define CCID_RDR_TO_PC_SLOT_STATUS 0x81
#define CCID_RDR_TO_PC_PARAMETERS 0x82
#define CCID_RDR_TO_PC_ESCAPE 0x83
#define CCID_RDR_TO_PC_DATA_RATE_AND_CLOCK 0x84

/* Interrupt IN, CCID §6.3 */
#define CCID_RDR_TO_PC_NOTIFY_SLOT_CHANGE 0x50
#define CCID_RDR_TO_PC_HARDWARE_ERROR 0x51

/* bPowerSelect, CCID §6.1.1 */
typedef enum
{
  CCID_POWER_AUTO = 0,
  CCID_POWER_5V = 1,
  CCID_POWER_3V = 2,
  CCID_POWER_1V8 = 3,
} CcidPowerSelect;

/* wLevelParameter of XfrBlock for extended APDUs, CCID §6.1.4 */
#define CCID_LEVEL_BEGIN_END 0x0000 /* the whole APDU in one message */
#define CCID_LEVEL_BEGIN 0x0001     /* begins, more follows */
#define CCID_LEVEL_END 0x0002       /* ends */
#define CCID_LEVEL_MIDDLE 0x0003    /* continues, more follows */
#define CCID_LEVEL_CONTINUE 0x0010  /* empty: asks for the next part of an answer */

/* bChainParameter of DataBlock, CCID §6.2.1 */
#define CCID_CHAIN_BEGIN_END 0x00
#define CCID_CHAIN_BEGIN 0x01
#define CCID_CHAIN_END 0x02
#define CCID_CHAIN_MIDDLE 0x03
#define CCID_CHAIN_CONTINUE 0x10

/* bStatus, CCID §6.2.6 */
typedef enum
{
  CCID_ICC_ACTIVE = 0,
  CCID_ICC_INACTIVE = 1,
  CCID_ICC_ABSENT = 2,
} CcidIccStatus;

typedef enum
{
  CCID_CMD_OK = 0,
  CCID_CMD_FAILED = 1,
  CCID_CMD_TIME_EXTENSION = 2,
} CcidCommandStatus;

/* bError, CCID §6.2.6 table 6.2-2 */
#define CCID_ERR_CMD_ABORTED 0xFF
#define CCID_ERR_ICC_MUTE 0xFE
#define CCID_ERR_XFR_PARITY_ERROR 0xFD
#define CCID_ERR_XFR_OVERRUN 0xFC
#define CCID_ERR_HW_ERROR 0xFB
#define CCID_ERR_BAD_ATR_TS 0xF8
#define CCID_ERR_BAD_ATR_TCK 0xF7
#define CCID_ERR_ICC_PROTOCOL_NOT_SUPPORTED 0xF6
#define CCID_ERR_ICC_CLASS_NOT_SUPPORTED 0xF5
#define CCID_ERR_PROCEDURE_BYTE_CONFLICT 0xF4
#define CCID_ERR_DEACTIVATED_PROTOCOL 0xF3
#define CCID_ERR_BUSY_WITH_AUTO_SEQUENCE 0xF2
#define CCID_ERR_PIN_TIMEOUT 0xF0
#define CCID_ERR_PIN_CANCELLED 0xEF
#define CCID_ERR_CMD_SLOT_BUSY 0xE0
#define CCID_ERR_CMD_NOT_SUPPORTED 0x00

/* Protocol data structures of SetParameters, CCID §6.1.7 */
typedef struct
{
  uint8_t findex_dindex;   /* bmFindexDindex: Fi index << 4 | Di index (TA1) */
  bool inverse;            /* bmTCCKST0 bit 1: inverse convention */
  uint8_t guard_time;      /* bGuardTimeT0: N (TC1) */
  uint8_t waiting_integer; /* bWaitingIntegerT0: WI (TC2), default 10 */
  uint8_t clock_stop;      /* bClockStop (TA of T=15), 0 when not allowed */
} CcidT0Params;

typedef struct
{
  uint8_t findex_dindex;
  bool crc;           /* bmTCCKST1 bit 0: CRC instead of LRC */
  bool inverse;       /* bmTCCKST1 bit 1 */
  uint8_t guard_time; /* bGuardTimeT1: N (TC1) */
  uint8_t bwi;        /* high nibble of bmWaitingIntegersT1 */
  uint8_t cwi;        /* low nibble */
  uint8_t clock_stop;
  uint8_t ifsc; /* bIFSC */
  uint8_t nad;  /* bNadValue */
} CcidT1Params;

/* Builders. Each writes one whole message (header and data) at @out and
 * returns its length, or 0 when @out_size is too small or the data is longer
 * than a message can say. */
size_t ccid_build_icc_power_on (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                                CcidPowerSelect power);
size_t ccid_build_icc_power_off (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq);
size_t ccid_build_get_slot_status (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq);
size_t ccid_build_xfr_block (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq, uint8_t bwi,
                             uint16_t level_parameter, const uint8_t *data, size_t len);
size_t ccid_build_get_parameters (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq);
size_t ccid_build_reset_parameters (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq);
size_t ccid_build_set_parameters_t0 (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                                     const CcidT0Params *params);
size_t ccid_build_set_parameters_t1 (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                                     const CcidT1Params *params);
size_t ccid_build_escape (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                          const uint8_t *data, size_t len);
/* bClockCommand: 0 restart the clock, 1 stop it */
size_t ccid_build_icc_clock (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                             uint8_t clock_command);
/* bmChanges bit 0: use @class_get_response, bit 1: use @class_envelope */
size_t ccid_build_t0_apdu (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                           uint8_t changes, uint8_t class_get_response, uint8_t class_envelope);
size_t ccid_build_secure (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq, uint8_t bwi,
                          uint16_t level_parameter, const uint8_t *data, size_t len);
/* bFunction: 1 accept, 2 eject, 3 capture, 4 lock, 5 unlock */
size_t ccid_build_mechanical (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                              uint8_t function);
size_t ccid_build_abort (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq);
size_t ccid_build_set_data_rate_and_clock (uint8_t *out, size_t out_size, uint8_t slot, uint8_t seq,
                                           uint32_t clock_khz, uint32_t data_rate);

/* The RDR_to_PC message type that answers PC_to_RDR @command, 0 if unknown. */
uint8_t ccid_reply_type_for (uint8_t command);
const char *ccid_message_type_name (uint8_t type);

/* A parsed RDR_to_PC message; @data points into the parsed buffer. */
typedef struct
{
  uint8_t type;
  uint8_t slot;
  uint8_t seq;
  uint8_t status;   /* bStatus */
  uint8_t error;    /* bError */
  uint8_t specific; /* bChainParameter, bClockStatus or bProtocolNum */
  uint32_t length;  /* dwLength, checked: data[0..length) arrived */
  const uint8_t *data;
} CcidReply;

typedef enum
{
  CCID_PARSE_OK,
  CCID_PARSE_TRUNCATED, /* shorter than a header, or than dwLength says */
  CCID_PARSE_TOO_LONG,  /* dwLength beyond dwMaxCCIDMessageLength */
  CCID_PARSE_UNKNOWN_TYPE,
  CCID_PARSE_MALFORMED, /* a type-specific length is wrong */
} CcidParseResult;

/* Parses one RDR_to_PC message of @len bytes. @max_message_length is the
 * reader's dwMaxCCIDMessageLength (0: CCID_MAX_MESSAGE_LENGTH). Bytes after
 * dwLength are ignored (some readers pad to the packet size). */
CcidParseResult ccid_reply_parse (const uint8_t *buf, size_t len, uint32_t max_message_length,
                                  CcidReply *out, const char **reason);

static inline CcidIccStatus
ccid_reply_icc_status (const CcidReply *r)
{
  return (CcidIccStatus) (r->status & 0x03);
}

static inline CcidCommandStatus
ccid_reply_command_status (const CcidReply *r)
{
  return (CcidCommandStatus) ((r->status >> 6) & 0x03);
}

typedef enum
{
  CCID_MATCH_OK,             /* the answer to the command (it may report a failure) */
  CCID_MATCH_TIME_EXTENSION, /* the card asks for more time: keep waiting */
  CCID_MATCH_WRONG_SEQ,      /* a stale answer (e.g. to an aborted command): drop it */
  CCID_MATCH_WRONG_SLOT,
  CCID_MATCH_WRONG_TYPE,
} CcidMatch;

/* Checks that @reply answers @command sent to @slot with @seq (CCID §6.2:
 * bSlot and bSeq are echoed). A failed command may be answered with another
 * type by some readers; only successful answers are held to the type. */
CcidMatch ccid_reply_match (const CcidReply *reply, uint8_t command, uint8_t slot, uint8_t seq);

/* The time extension multiplier of a CCID_MATCH_TIME_EXTENSION answer
 * (bError, CCID §6.2.6), at least 1. */
unsigned ccid_reply_time_extension (const CcidReply *reply);

/* A short English text for bError (static), and the same with the offset
 * for "bad parameter" values (0x01..0x7F). */
const char *ccid_error_to_string (uint8_t error);
void ccid_error_describe (uint8_t error, char *buf, size_t size);

/* Parsed Parameters answer. */
typedef struct
{
  uint8_t protocol; /* 0 or 1 */
  CcidT0Params t0;
  CcidT1Params t1;
} CcidParameters;

bool ccid_reply_get_parameters (const CcidReply *reply, CcidParameters *out, const char **reason);

/* Interrupt IN messages. */
typedef struct
{
  uint8_t type;
  uint16_t present; /* NotifySlotChange: bit n = card in slot n */
  uint16_t changed; /* bit n = slot n changed since the last one */
  uint8_t slot;     /* HardwareError */
  uint8_t seq;
  uint8_t hardware_error; /* bHardwareErrorCode, 1 = overcurrent */
} CcidNotification;

/* Parses an interrupt message for a reader with @n_slots slots. */
CcidParseResult ccid_notification_parse (const uint8_t *buf, size_t len, unsigned n_slots,
                                         CcidNotification *out, const char **reason);

/* wLevelParameter of the XfrBlock carrying bytes [@offset, @offset + @chunk)
 * of an extended APDU of @total bytes (CCID §6.1.4). */
uint16_t ccid_xfr_level_parameter (size_t offset, size_t chunk, size_t total);

/* The most INF bytes a T=1 block of ours may carry so that the block fits
 * one XfrBlock of @message_length bytes (dwMaxCCIDMessageLength): the
 * 10-byte header, NAD PCB LEN and the EDC (2 bytes with @crc) around it;
 * at most 254 (ISO 7816-3 §11.3.2.3), 0 when nothing fits. */
uint8_t ccid_t1_max_inf (uint32_t message_length, bool crc);

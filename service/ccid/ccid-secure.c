/* ccid-secure.c: PC/SC part 10 PIN structures to PC_to_RDR_Secure
 *
 * Offsets in PIN_VERIFY_STRUCTURE (part 10 §2.5.2): 0 bTimerOut,
 * 1 bTimerOut2, 2 bmFormatString, 3 bmPINBlockString, 4 bmPINLengthFormat,
 * 5-6 wPINMaxExtraDigit, 7 bEntryValidationCondition, 8 bNumberMessage,
 * 9-10 wLangId, 11 bMsgIndex, 12-14 bTeoPrologue, 15-18 ulDataLength, 19
 * abData. PIN_MODIFY_STRUCTURE (§2.5.3): 0 bTimerOut, 1 bTimerOut2,
 * 2 bmFormatString, 3 bmPINBlockString, 4 bmPINLengthFormat,
 * 5 bInsertionOffsetOld, 6 bInsertionOffsetNew, 7-8 wPINMaxExtraDigit,
 * 9 bConfirmPIN, 10 bEntryValidationCondition, 11 bNumberMessage,
 * 12-13 wLangId, 14-16 bMsgIndex1-3, 17-19 bTeoPrologue, 20-23
 * ulDataLength, 24 abData. Multi-byte fields are little-endian: libccid
 * swaps them only on a big-endian host, and on a little-endian one its
 * test can never hold for a length it accepts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-secure.h"

#include <string.h>

/* The readers whose firmware libccid corrects (ccid.h). */
#define GEMPCPINPAD CCID_READER_ID (0x08E6, 0x3478)
#define VEGAALPHA CCID_READER_ID (0x0982, 0x0008)
#define DELLSCRK CCID_READER_ID (0x413C, 0x2101)
#define DELLSK CCID_READER_ID (0x413C, 0x2100)
#define SPR532 CCID_READER_ID (0x04E6, 0xE003)
#define CHERRYST2000 CCID_READER_ID (0x046A, 0x003E)
#define CHERRYXX44 CCID_READER_ID (0x046A, 0x0010)
#define VENDOR_GEMALTO 0x08E6

#define MIN_TIMEOUT_S 90

static uint32_t
le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* bEntryValidationCondition 0 or above 7 crashes the Cherry XX44: libccid
 * asks for the validation key instead. */
static void
fix_validation (uint8_t *v)
{
  if (*v == 0x00 || *v > 0x07)
    *v = 0x02;
}

static void
fix_verify (uint8_t *s, uint32_t reader_id)
{
  fix_validation (&s[7]);
  if (reader_id == GEMPCPINPAD || reader_id == VEGAALPHA)
    {
      /* the firmware takes one message and the validation key only */
      s[8] = 0x01;
      s[7] = 0x02;
    }
  if (reader_id == DELLSCRK || reader_id == DELLSK)
    s[8] = 0x00; /* no message at all */
  if (reader_id == DELLSK)
    {
      uint8_t tmp = s[5]; /* wPINMaxExtraDigit comes byte-swapped */

      s[5] = s[6];
      s[6] = tmp;
    }
}

/* The Gemalto firmware (and the Véga-Alpha's, which is one) wants all
 * three bMsgIndex even when bNumberMessage says fewer: libccid sends three
 * and restores bNumberMessage in the message. */
static bool
has_gemalto_modify_bug (uint32_t reader_id)
{
  return reader_id == VEGAALPHA || (reader_id >> 16) == VENDOR_GEMALTO;
}

bool
ccid_secure_convert (CcidPinOperation operation, const uint8_t *in, size_t in_len,
                     uint32_t reader_id, uint8_t *out, size_t out_size, CcidSecureMessage *msg,
                     const char **reason)
{
  size_t header
      = operation == CCID_PIN_OPERATION_VERIFY ? CCID_PIN_VERIFY_HEADER : CCID_PIN_MODIFY_HEADER;
  uint8_t s[CCID_PIN_MODIFY_HEADER];
  uint8_t number_message = 0;
  bool gemalto_bug = false;
  size_t a = 0;

  memset (msg, 0, sizeof *msg);
  if (in == NULL || in_len < header + CCID_PIN_MIN_APDU)
    {
      *reason = "The PIN structure is shorter than its header and a 4-byte APDU";
      return false;
    }
  if ((uint64_t) le32 (in + header - 4) + header != in_len)
    {
      *reason = "ulDataLength disagrees with the length of the PIN structure";
      return false;
    }
  if (out_size < CCID_SECURE_DATA_SIZE (in_len))
    {
      *reason = "The output buffer is too small";
      return false;
    }
  memcpy (s, in, header);

  if (operation == CCID_PIN_OPERATION_VERIFY)
    fix_verify (s, reader_id);
  else
    {
      if (s[11] > 3 && s[11] != 0xFF)
        {
          *reason = "bNumberMessage must be 0 to 3 or FFh";
          return false;
        }
      fix_validation (&s[10]);
      if (reader_id == SPR532 || reader_id == CHERRYST2000)
        {
          /* no display, but every bMsgIndex wanted, with bNumberMessage 0 */
          s[11] = 0x03;
          s[14] = s[15] = s[16] = 0;
        }
      if (reader_id == CHERRYXX44)
        s[11] = 0x03;
      if (reader_id == GEMPCPINPAD || reader_id == VEGAALPHA)
        s[10] = 0x02;
      gemalto_bug = has_gemalto_modify_bug (reader_id);
      if (gemalto_bug)
        {
          number_message = s[11];
          s[11] = 0x03;
        }
    }

  out[a++] = (uint8_t) operation;
  for (size_t b = 0; b < header; b++)
    {
      if (b == 1)
        continue; /* bTimerOut2: the reader has one timeout */
      if (b >= header - 4)
        continue; /* ulDataLength is not part of the CCID message */
      if (operation == CCID_PIN_OPERATION_MODIFY && b == 15 && s[11] == 0)
        continue; /* bMsgIndex2 only with messages */
      if (operation == CCID_PIN_OPERATION_MODIFY && b == 16 && s[11] < 3)
        continue; /* bMsgIndex3 only with three */
      if (b == header - 7)
        msg->prologue = a;
      out[a++] = s[b];
    }
  if (operation == CCID_PIN_OPERATION_MODIFY)
    {
      /* bNumberMessage is abData[11] (after bPINOperation and bTimerOut2) */
      if (reader_id == SPR532 || reader_id == CHERRYST2000)
        out[11] = 0x00;
      if (gemalto_bug)
        out[11] = number_message;
    }
  msg->apdu = a;
  msg->apdu_len = in_len - header;
  memcpy (out + a, in + header, msg->apdu_len);
  a += msg->apdu_len;
  msg->operation = operation;
  msg->timeout = s[0];
  msg->len = a;
  return true;
}

unsigned
ccid_secure_timeout_ms (uint8_t timeout)
{
  unsigned seconds = (unsigned) timeout + 10;

  return (seconds > MIN_TIMEOUT_S ? seconds : MIN_TIMEOUT_S) * 1000;
}

bool
ccid_secure_outcome (uint8_t error, uint8_t sw[2])
{
  switch (error)
    {
    case 0xF0: /* PIN timeout */
      sw[0] = 0x64;
      sw[1] = 0x00;
      return true;
    case 0xEF: /* PIN cancelled */
      sw[0] = 0x64;
      sw[1] = 0x01;
      return true;
    default:
      return false;
    }
}

/* test-ccid-message.c: the CCID message codec (CCID 1.1 §6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <string.h>

#include "ccid-message.h"
#include "ccid-test-bytes.h"

static void
test_build_all (void)
{
  guint8 b[64];
  gsize n;
  const guint8 apdu[] = { 0x00, 0xA4, 0x04, 0x00 };

  n = ccid_build_icc_power_on (b, sizeof b, 0, 0x00, CCID_POWER_AUTO);
  assert_bytes (b, n, "62 00 00 00 00 00 00 00 00 00");
  n = ccid_build_icc_power_on (b, sizeof b, 1, 0x17, CCID_POWER_3V);
  assert_bytes (b, n, "62 00 00 00 00 01 17 02 00 00");
  n = ccid_build_icc_power_on (b, sizeof b, 0, 0xff, CCID_POWER_1V8);
  assert_bytes (b, n, "62 00 00 00 00 00 FF 03 00 00");
  n = ccid_build_icc_power_off (b, sizeof b, 0, 0x01);
  assert_bytes (b, n, "63 00 00 00 00 00 01 00 00 00");
  n = ccid_build_get_slot_status (b, sizeof b, 2, 0x02);
  assert_bytes (b, n, "65 00 00 00 00 02 02 00 00 00");
  n = ccid_build_xfr_block (b, sizeof b, 0, 0x03, 4, 0x0000, apdu, sizeof apdu);
  assert_bytes (b, n, "6F 04 00 00 00 00 03 04 00 00 00 A4 04 00");
  n = ccid_build_xfr_block (b, sizeof b, 0, 0x04, 0, CCID_LEVEL_CONTINUE, NULL, 0);
  assert_bytes (b, n, "6F 00 00 00 00 00 04 00 10 00");
  n = ccid_build_xfr_block (b, sizeof b, 0, 0x04, 0, 0x0102, NULL, 0);
  assert_bytes (b, n, "6F 00 00 00 00 00 04 00 02 01");
  n = ccid_build_get_parameters (b, sizeof b, 0, 0x05);
  assert_bytes (b, n, "6C 00 00 00 00 00 05 00 00 00");
  n = ccid_build_reset_parameters (b, sizeof b, 0, 0x06);
  assert_bytes (b, n, "6D 00 00 00 00 00 06 00 00 00");
  n = ccid_build_escape (b, sizeof b, 0, 0x07, (const guint8[]){ 0x3F, 0x00, 0x00 }, 3);
  assert_bytes (b, n, "6B 03 00 00 00 00 07 00 00 00 3F 00 00");
  n = ccid_build_icc_clock (b, sizeof b, 0, 0x08, 1);
  assert_bytes (b, n, "6E 00 00 00 00 00 08 01 00 00");
  n = ccid_build_t0_apdu (b, sizeof b, 0, 0x09, 0x03, 0x00, 0xFF);
  assert_bytes (b, n, "6A 00 00 00 00 00 09 03 00 FF");
  n = ccid_build_secure (b, sizeof b, 0, 0x0a, 0, 0x0000, (const guint8[]){ 0x00, 0x19 }, 2);
  assert_bytes (b, n, "69 02 00 00 00 00 0A 00 00 00 00 19");
  n = ccid_build_mechanical (b, sizeof b, 0, 0x0b, 2);
  assert_bytes (b, n, "71 00 00 00 00 00 0B 02 00 00");
  n = ccid_build_abort (b, sizeof b, 0, 0x0c);
  assert_bytes (b, n, "72 00 00 00 00 00 0C 00 00 00");
  n = ccid_build_set_data_rate_and_clock (b, sizeof b, 0, 0x0d, 4000, 10752);
  assert_bytes (b, n, "73 08 00 00 00 00 0D 00 00 00 A0 0F 00 00 00 2A 00 00");
}

static void
test_build_set_parameters (void)
{
  guint8 b[32];
  gsize n;
  CcidT0Params t0 = { .findex_dindex = 0x11, .guard_time = 0, .waiting_integer = 10 };
  CcidT1Params t1 = { .findex_dindex = 0x96,
                      .crc = FALSE,
                      .guard_time = 0xff,
                      .bwi = 4,
                      .cwi = 5,
                      .clock_stop = 0,
                      .ifsc = 0xfe,
                      .nad = 0 };

  n = ccid_build_set_parameters_t0 (b, sizeof b, 0, 0x10, &t0);
  assert_bytes (b, n, "61 05 00 00 00 00 10 00 00 00 11 00 00 0A 00");
  t0.inverse = TRUE;
  t0.clock_stop = 3;
  n = ccid_build_set_parameters_t0 (b, sizeof b, 0, 0x11, &t0);
  assert_bytes (b, n, "61 05 00 00 00 00 11 00 00 00 11 02 00 0A 03");

  n = ccid_build_set_parameters_t1 (b, sizeof b, 0, 0x12, &t1);
  assert_bytes (b, n, "61 07 00 00 00 00 12 01 00 00 96 10 FF 45 00 FE 00");
  t1.crc = TRUE;
  t1.inverse = TRUE;
  t1.nad = 0x21;
  n = ccid_build_set_parameters_t1 (b, sizeof b, 1, 0x13, &t1);
  assert_bytes (b, n, "61 07 00 00 00 01 13 01 00 00 96 13 FF 45 00 FE 21");

  t1.bwi = 16;
  g_assert_cmpuint (ccid_build_set_parameters_t1 (b, sizeof b, 0, 0, &t1), ==, 0);
  g_assert_cmpuint (ccid_build_set_parameters_t1 (b, sizeof b, 0, 0, NULL), ==, 0);
  g_assert_cmpuint (ccid_build_set_parameters_t0 (b, sizeof b, 0, 0, NULL), ==, 0);
}

static void
test_build_limits (void)
{
  guint8 b[16];
  g_autofree guint8 *big = g_malloc0 (CCID_MAX_MESSAGE_LENGTH + 1);
  g_autofree guint8 *out = g_malloc0 (CCID_MAX_MESSAGE_LENGTH + 16);

  /* too small a buffer: nothing written, 0 returned */
  g_assert_cmpuint (ccid_build_get_slot_status (b, 9, 0, 0), ==, 0);
  g_assert_cmpuint (ccid_build_xfr_block (b, sizeof b, 0, 0, 0, 0, big, 7), ==, 0);
  g_assert_cmpuint (ccid_build_xfr_block (b, sizeof b, 0, 0, 0, 0, big, 6), ==, 16);
  g_assert_cmpuint (ccid_build_xfr_block (b, sizeof b, 0, 0, 0, 0, NULL, 6), ==, 0);
  g_assert_cmpuint (ccid_build_xfr_block (NULL, 0, 0, 0, 0, 0, NULL, 0), ==, 0);

  /* the largest extended APDU fits, one more byte does not */
  g_assert_cmpuint (
      ccid_build_xfr_block (out, CCID_MAX_MESSAGE_LENGTH + 16, 0, 0, 0, 0, big, 65544), ==,
      CCID_MAX_MESSAGE_LENGTH);
  g_assert_cmpuint (
      ccid_build_xfr_block (out, CCID_MAX_MESSAGE_LENGTH + 16, 0, 0, 0, 0, big, 65545), ==, 0);
}

static void
test_reply_types (void)
{
  g_assert_cmphex (ccid_reply_type_for (0x62), ==, 0x80);
  g_assert_cmphex (ccid_reply_type_for (0x63), ==, 0x81);
  g_assert_cmphex (ccid_reply_type_for (0x65), ==, 0x81);
  g_assert_cmphex (ccid_reply_type_for (0x6F), ==, 0x80);
  g_assert_cmphex (ccid_reply_type_for (0x6C), ==, 0x82);
  g_assert_cmphex (ccid_reply_type_for (0x6D), ==, 0x82);
  g_assert_cmphex (ccid_reply_type_for (0x61), ==, 0x82);
  g_assert_cmphex (ccid_reply_type_for (0x6B), ==, 0x83);
  g_assert_cmphex (ccid_reply_type_for (0x6E), ==, 0x81);
  g_assert_cmphex (ccid_reply_type_for (0x6A), ==, 0x81);
  g_assert_cmphex (ccid_reply_type_for (0x69), ==, 0x80);
  g_assert_cmphex (ccid_reply_type_for (0x71), ==, 0x81);
  g_assert_cmphex (ccid_reply_type_for (0x72), ==, 0x81);
  g_assert_cmphex (ccid_reply_type_for (0x73), ==, 0x84);
  g_assert_cmphex (ccid_reply_type_for (0x99), ==, 0);
  g_assert_cmpstr (ccid_message_type_name (0x6F), ==, "PC_to_RDR_XfrBlock");
  g_assert_cmpstr (ccid_message_type_name (0x50), ==, "RDR_to_PC_NotifySlotChange");
  g_assert_cmpstr (ccid_message_type_name (0x00), ==, "unknown");
}

static void
test_parse_data_block (void)
{
  /* the spike's ATR answer to IccPowerOn */
  const guint8 msg[]
      = { 0x80, 0x04, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
          0x00, 0x00, 0x3B, 0x02, 0x14, 0x50, 0xAA, 0xAA }; /* padding after dwLength: ignored */
  CcidReply r;
  const char *reason = NULL;

  g_assert_cmpint (ccid_reply_parse (msg, sizeof msg, 271, &r, &reason), ==, CCID_PARSE_OK);
  g_assert_null (reason);
  g_assert_cmphex (r.type, ==, CCID_RDR_TO_PC_DATA_BLOCK);
  g_assert_cmpuint (r.length, ==, 4);
  g_assert_true (r.data == msg + 10);
  g_assert_cmpuint (r.seq, ==, 5);
  g_assert_cmpint (ccid_reply_icc_status (&r), ==, CCID_ICC_ACTIVE);
  g_assert_cmpint (ccid_reply_command_status (&r), ==, CCID_CMD_OK);
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_ICC_POWER_ON, 0, 5), ==, CCID_MATCH_OK);
  /* a length limit of 0 means the protocol maximum */
  g_assert_cmpint (ccid_reply_parse (msg, sizeof msg, 0, &r, NULL), ==, CCID_PARSE_OK);
}

static void
test_parse_truncated (void)
{
  guint8 msg[20] = { 0x80, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };
  CcidReply r = { 0 };
  const char *reason = NULL;

  /* a header cut short */
  for (gsize n = 0; n < 10; n++)
    g_assert_cmpint (ccid_reply_parse (msg, n, 271, &r, &reason), ==, CCID_PARSE_TRUNCATED);
  g_assert_cmpint (ccid_reply_parse (NULL, 0, 271, &r, &reason), ==, CCID_PARSE_TRUNCATED);
  /* dwLength 10 but 9 bytes arrived: never read past the buffer */
  g_assert_cmpint (ccid_reply_parse (msg, 19, 271, &r, &reason), ==, CCID_PARSE_TRUNCATED);
  g_assert_nonnull (strstr (reason, "what arrived"));
  g_assert_cmpint (ccid_reply_parse (msg, 20, 271, &r, &reason), ==, CCID_PARSE_OK);
  /* dwLength near 2^32 must not wrap */
  msg[1] = 0xf8;
  msg[2] = 0xff;
  msg[3] = 0xff;
  msg[4] = 0xff;
  g_assert_cmpint (ccid_reply_parse (msg, 20, 271, &r, &reason), ==, CCID_PARSE_TOO_LONG);
  g_assert_cmpint (ccid_reply_parse (msg, 20, 0, &r, &reason), ==, CCID_PARSE_TOO_LONG);
}

static void
test_parse_too_long (void)
{
  g_autofree guint8 *msg = g_malloc0 (300);
  CcidReply r;
  const char *reason = NULL;

  msg[0] = 0x80;
  msg[1] = 262 & 0xff;
  msg[2] = 262 >> 8;
  /* 262 + 10 > 271: beyond dwMaxCCIDMessageLength even though it arrived */
  g_assert_cmpint (ccid_reply_parse (msg, 300, 271, &r, &reason), ==, CCID_PARSE_TOO_LONG);
  g_assert_nonnull (strstr (reason, "dwMaxCCIDMessageLength"));
  g_assert_cmpint (ccid_reply_parse (msg, 300, 272, &r, &reason), ==, CCID_PARSE_OK);
}

static void
test_parse_unknown_and_malformed (void)
{
  guint8 msg[18] = { 0x85, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };
  CcidReply r;
  CcidParameters p;
  const char *reason = NULL;

  g_assert_cmpint (ccid_reply_parse (msg, 10, 271, &r, &reason), ==, CCID_PARSE_UNKNOWN_TYPE);
  msg[0] = 0x6F; /* our own command echoed back */
  g_assert_cmpint (ccid_reply_parse (msg, 10, 271, &r, &reason), ==, CCID_PARSE_UNKNOWN_TYPE);
  msg[0] = 0x50; /* an interrupt message on the bulk pipe */
  g_assert_cmpint (ccid_reply_parse (msg, 10, 271, &r, &reason), ==, CCID_PARSE_UNKNOWN_TYPE);

  /* Parameters: 5 bytes for T=0, 7 for T=1 */
  msg[0] = 0x82;
  msg[1] = 7;
  msg[9] = 0;
  g_assert_cmpint (ccid_reply_parse (msg, 17, 271, &r, &reason), ==, CCID_PARSE_MALFORMED);
  msg[9] = 1;
  g_assert_cmpint (ccid_reply_parse (msg, 17, 271, &r, &reason), ==, CCID_PARSE_OK);
  msg[9] = 2;
  g_assert_cmpint (ccid_reply_parse (msg, 17, 271, &r, &reason), ==, CCID_PARSE_MALFORMED);
  /* a failed SetParameters without data */
  msg[1] = 0;
  msg[7] = 0x41;
  msg[8] = 10;
  g_assert_cmpint (ccid_reply_parse (msg, 10, 271, &r, &reason), ==, CCID_PARSE_OK);
  g_assert_false (ccid_reply_get_parameters (&r, &p, &reason));

  /* DataRateAndClockFrequency: 8 bytes */
  msg[0] = 0x84;
  msg[1] = 7;
  msg[7] = 0;
  g_assert_cmpint (ccid_reply_parse (msg, 17, 271, &r, &reason), ==, CCID_PARSE_MALFORMED);
  msg[1] = 8;
  g_assert_cmpint (ccid_reply_parse (msg, 18, 271, &r, &reason), ==, CCID_PARSE_OK);
  g_assert_false (ccid_reply_get_parameters (&r, &p, &reason));
}

static void
test_parse_parameters (void)
{
  const guint8 t1[] = { 0x82, 0x07, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00,
                        0x01, 0x96, 0x11, 0xFF, 0x45, 0x00, 0xFE, 0x21 };
  const guint8 t0[] = { 0x82, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x00,
                        0x00, 0x00, 0x11, 0x02, 0x00, 0x0A, 0x00 };
  CcidReply r;
  CcidParameters p;

  g_assert_cmpint (ccid_reply_parse (t1, sizeof t1, 271, &r, NULL), ==, CCID_PARSE_OK);
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_SET_PARAMETERS, 0, 9), ==, CCID_MATCH_OK);
  g_assert_true (ccid_reply_get_parameters (&r, &p, NULL));
  g_assert_cmpuint (p.protocol, ==, 1);
  g_assert_cmphex (p.t1.findex_dindex, ==, 0x96);
  g_assert_true (p.t1.crc);
  g_assert_false (p.t1.inverse);
  g_assert_cmpuint (p.t1.guard_time, ==, 0xff);
  g_assert_cmpuint (p.t1.bwi, ==, 4);
  g_assert_cmpuint (p.t1.cwi, ==, 5);
  g_assert_cmpuint (p.t1.ifsc, ==, 0xfe);
  g_assert_cmphex (p.t1.nad, ==, 0x21);

  g_assert_cmpint (ccid_reply_parse (t0, sizeof t0, 271, &r, NULL), ==, CCID_PARSE_OK);
  g_assert_true (ccid_reply_get_parameters (&r, &p, NULL));
  g_assert_cmpuint (p.protocol, ==, 0);
  g_assert_true (p.t0.inverse);
  g_assert_cmpuint (p.t0.waiting_integer, ==, 10);
}

static void
test_match (void)
{
  guint8 msg[10] = { 0x81, 0, 0, 0, 0, 0x01, 0x22, 0x01, 0x00, 0x00 };
  CcidReply r;

  g_assert_cmpint (ccid_reply_parse (msg, 10, 271, &r, NULL), ==, CCID_PARSE_OK);
  g_assert_cmpint (ccid_reply_icc_status (&r), ==, CCID_ICC_INACTIVE);
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_GET_SLOT_STATUS, 1, 0x22), ==,
                   CCID_MATCH_OK);
  /* sequence mismatch: a stale answer */
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_GET_SLOT_STATUS, 1, 0x21), ==,
                   CCID_MATCH_WRONG_SEQ);
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_GET_SLOT_STATUS, 0, 0x22), ==,
                   CCID_MATCH_WRONG_SLOT);
  /* a SlotStatus for an XfrBlock that succeeded: wrong type */
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_XFR_BLOCK, 1, 0x22), ==,
                   CCID_MATCH_WRONG_TYPE);
  /* ... but a failed command may be answered with another type */
  msg[7] = 0x40 | CCID_ICC_ABSENT;
  msg[8] = CCID_ERR_ICC_MUTE;
  g_assert_cmpint (ccid_reply_parse (msg, 10, 271, &r, NULL), ==, CCID_PARSE_OK);
  g_assert_cmpint (ccid_reply_command_status (&r), ==, CCID_CMD_FAILED);
  g_assert_cmpint (ccid_reply_icc_status (&r), ==, CCID_ICC_ABSENT);
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_XFR_BLOCK, 1, 0x22), ==, CCID_MATCH_OK);
}

static void
test_time_extension (void)
{
  /* bStatus 0x80: time extension requested, bError the multiplier */
  guint8 msg[10] = { 0x80, 0, 0, 0, 0, 0x00, 0x30, 0x80, 0x03, 0x00 };
  CcidReply r;

  g_assert_cmpint (ccid_reply_parse (msg, 10, 271, &r, NULL), ==, CCID_PARSE_OK);
  g_assert_cmpint (ccid_reply_command_status (&r), ==, CCID_CMD_TIME_EXTENSION);
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_XFR_BLOCK, 0, 0x30), ==,
                   CCID_MATCH_TIME_EXTENSION);
  g_assert_cmpuint (ccid_reply_time_extension (&r), ==, 3);
  /* a time extension with another bSeq is still stale */
  g_assert_cmpint (ccid_reply_match (&r, CCID_PC_TO_RDR_XFR_BLOCK, 0, 0x31), ==,
                   CCID_MATCH_WRONG_SEQ);
  msg[8] = 0;
  g_assert_cmpint (ccid_reply_parse (msg, 10, 271, &r, NULL), ==, CCID_PARSE_OK);
  g_assert_cmpuint (ccid_reply_time_extension (&r), ==, 1);
}

static void
test_errors (void)
{
  static const struct
  {
    guint8 code;
    const char *text;
  } table[] = {
    { 0xFF, "command aborted" },
    { 0xFE, "card mute (no answer in time)" },
    { 0xFD, "parity error in the exchange with the card" },
    { 0xFC, "overrun in the exchange with the card" },
    { 0xFB, "hardware error while activating the card" },
    { 0xF8, "bad ATR TS byte" },
    { 0xF7, "bad ATR TCK byte" },
    { 0xF6, "card protocol not supported" },
    { 0xF5, "card class (voltage) not supported" },
    { 0xF4, "T=0 procedure byte conflict" },
    { 0xF3, "protocol deactivated" },
    { 0xF2, "reader busy with an automatic sequence" },
    { 0xF0, "PIN entry timed out" },
    { 0xEF, "PIN entry cancelled" },
    { 0xE0, "slot busy with another command" },
    { 0x00, "command not supported" },
    { 0x05, "bad parameter" },
    { 0x7F, "bad parameter" },
    { 0x81, "vendor-specific error" },
    { 0xC0, "vendor-specific error" },
    { 0x80, "reserved error code" },
    { 0xF1, "reserved error code" },
  };
  char buf[64];

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpstr (ccid_error_to_string (table[i].code), ==, table[i].text);
  ccid_error_describe (0x07, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "bad parameter at offset 7");
  ccid_error_describe (0xFE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "card mute (no answer in time) (0xFE)");
  ccid_error_describe (0xFE, buf, 5);
  g_assert_cmpstr (buf, ==, "card");
  ccid_error_describe (0xFE, NULL, 0);
}

static void
test_notifications (void)
{
  CcidNotification n;
  const char *reason = NULL;
  /* slot 0 present and changed, slot 1 absent and changed */
  const guint8 two[] = { 0x50, 0x0B };
  const guint8 sixteen[] = { 0x50, 0x03, 0x00, 0x00, 0xC0, 0xFF };
  const guint8 hw[] = { 0x51, 0x00, 0x07, 0x01 };

  g_assert_cmpint (ccid_notification_parse ((const guint8[]){ 0x50, 0x03 }, 2, 1, &n, &reason), ==,
                   CCID_PARSE_OK);
  g_assert_cmphex (n.present, ==, 0x1);
  g_assert_cmphex (n.changed, ==, 0x1);
  g_assert_cmpint (ccid_notification_parse ((const guint8[]){ 0x50, 0x02 }, 2, 1, &n, NULL), ==,
                   CCID_PARSE_OK);
  g_assert_cmphex (n.present, ==, 0x0);
  g_assert_cmphex (n.changed, ==, 0x1);

  g_assert_cmpint (ccid_notification_parse (two, sizeof two, 2, &n, NULL), ==, CCID_PARSE_OK);
  g_assert_cmphex (n.present, ==, 0x1);
  g_assert_cmphex (n.changed, ==, 0x3);

  g_assert_cmpint (ccid_notification_parse (sixteen, sizeof sixteen, 16, &n, NULL), ==,
                   CCID_PARSE_OK);
  g_assert_cmphex (n.present, ==, 0x8001);
  g_assert_cmphex (n.changed, ==, 0x8001);
  /* 16 slots need 4 bitmap bytes; the 6th byte is padding */
  g_assert_cmpint (ccid_notification_parse (sixteen, 4, 16, &n, &reason), ==, CCID_PARSE_TRUNCATED);
  g_assert_cmpint (ccid_notification_parse (sixteen, 1, 1, &n, &reason), ==, CCID_PARSE_TRUNCATED);
  g_assert_cmpint (ccid_notification_parse (NULL, 0, 1, &n, &reason), ==, CCID_PARSE_TRUNCATED);
  /* a longer message than needed is fine (padding) */
  g_assert_cmpint (ccid_notification_parse (sixteen, sizeof sixteen, 1, &n, NULL), ==,
                   CCID_PARSE_OK);
  g_assert_cmphex (n.present, ==, 0x1);

  g_assert_cmpint (ccid_notification_parse (hw, sizeof hw, 1, &n, NULL), ==, CCID_PARSE_OK);
  g_assert_cmphex (n.type, ==, CCID_RDR_TO_PC_HARDWARE_ERROR);
  g_assert_cmpuint (n.slot, ==, 0);
  g_assert_cmpuint (n.seq, ==, 7);
  g_assert_cmpuint (n.hardware_error, ==, 1);
  g_assert_cmpint (ccid_notification_parse (hw, 3, 1, &n, &reason), ==, CCID_PARSE_TRUNCATED);
  g_assert_cmpint (ccid_notification_parse ((const guint8[]){ 0x80, 0 }, 2, 1, &n, &reason), ==,
                   CCID_PARSE_UNKNOWN_TYPE);
}

static void
test_level_parameter (void)
{
  g_assert_cmphex (ccid_xfr_level_parameter (0, 100, 100), ==, CCID_LEVEL_BEGIN_END);
  g_assert_cmphex (ccid_xfr_level_parameter (0, 261, 600), ==, CCID_LEVEL_BEGIN);
  g_assert_cmphex (ccid_xfr_level_parameter (261, 261, 600), ==, CCID_LEVEL_MIDDLE);
  g_assert_cmphex (ccid_xfr_level_parameter (522, 78, 600), ==, CCID_LEVEL_END);
}

/* A T=1 block of ours in one XfrBlock: 10 + 3 + INF + EDC bytes. */
static void
test_t1_max_inf (void)
{
  g_assert_cmpuint (ccid_t1_max_inf (271, false), ==, 254); /* 10 + 3 + 254 + 1 = 268 */
  g_assert_cmpuint (ccid_t1_max_inf (271, true), ==, 254);
  g_assert_cmpuint (ccid_t1_max_inf (268, false), ==, 254);
  g_assert_cmpuint (ccid_t1_max_inf (268, true), ==, 253);
  g_assert_cmpuint (ccid_t1_max_inf (263, false), ==, 249); /* the SCR331-DI */
  g_assert_cmpuint (ccid_t1_max_inf (263, true), ==, 248);
  g_assert_cmpuint (ccid_t1_max_inf (64, false), ==, 50); /* the least a descriptor may say */
  g_assert_cmpuint (ccid_t1_max_inf (65554, true), ==, 254);
  g_assert_cmpuint (ccid_t1_max_inf (14, false), ==, 0);
  g_assert_cmpuint (ccid_t1_max_inf (15, false), ==, 1);
  g_assert_cmpuint (ccid_t1_max_inf (15, true), ==, 0);
  g_assert_cmpuint (ccid_t1_max_inf (0, true), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ccid/message/build", test_build_all);
  g_test_add_func ("/ccid/message/build-set-parameters", test_build_set_parameters);
  g_test_add_func ("/ccid/message/build-limits", test_build_limits);
  g_test_add_func ("/ccid/message/reply-types", test_reply_types);
  g_test_add_func ("/ccid/message/parse-data-block", test_parse_data_block);
  g_test_add_func ("/ccid/message/parse-truncated", test_parse_truncated);
  g_test_add_func ("/ccid/message/parse-too-long", test_parse_too_long);
  g_test_add_func ("/ccid/message/parse-unknown-malformed", test_parse_unknown_and_malformed);
  g_test_add_func ("/ccid/message/parse-parameters", test_parse_parameters);
  g_test_add_func ("/ccid/message/match", test_match);
  g_test_add_func ("/ccid/message/time-extension", test_time_extension);
  g_test_add_func ("/ccid/message/errors", test_errors);
  g_test_add_func ("/ccid/message/t1-max-inf", test_t1_max_inf);
  g_test_add_func ("/ccid/message/notifications", test_notifications);
  g_test_add_func ("/ccid/message/level-parameter", test_level_parameter);
  return g_test_run ();
}

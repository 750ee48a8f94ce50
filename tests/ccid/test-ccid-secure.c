/* test-ccid-secure.c: PC/SC part 10 PIN structures to PC_to_RDR_Secure
 *
 * The messages are the bytes libccid 1.5 sends for the same structures
 * (commands.c SecurePINVerify, SecurePINModify).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <string.h>

#include "ccid-message.h"
#include "ccid-secure.h"
#include "ccid-test-bytes.h"

#define PLAIN_READER CCID_READER_ID (0x0F14, 0x003B)

/* VERIFY 81, ASCII PIN in 8 bytes of FFh, 4 to 8 digits, 30 s. */
static const guint8 verify_in[] = {
  0x1E, 0x05, 0x82, 0x08, 0x00, 0x08, 0x04, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00,
  0x00, 0x00, 0x0D, 0x00, 0x00, 0x00, /* ulDataLength 13 */
  0x00, 0x20, 0x00, 0x81, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

/* CHANGE REFERENCE DATA 81: old PIN at 0, new at 8, confirmed, 3 messages. */
static const guint8 modify_in[] = {
  0x00, 0x00, 0x82, 0x08, 0x00, 0x00, 0x08, 0x08, 0x04, 0x03, 0x02, 0x03,
  0x09, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00, /* ulDataLength 21 */
  0x00, 0x24, 0x00, 0x81, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
  0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

static gsize
convert_message (CcidPinOperation op, const guint8 *in, gsize len, guint32 reader, guint8 *msg,
                 gsize msg_size, CcidSecureMessage *m)
{
  guint8 data[128];
  const char *reason = NULL;

  g_assert_true (ccid_secure_convert (op, in, len, reader, data, sizeof data, m, &reason));
  g_assert_null (reason);
  return ccid_build_secure (msg, msg_size, 0, 7, 0, 0, data, m->len);
}

static void
test_verify (void)
{
  guint8 msg[128];
  CcidSecureMessage m;
  gsize n = convert_message (CCID_PIN_OPERATION_VERIFY, verify_in, sizeof verify_in, PLAIN_READER,
                             msg, sizeof msg, &m);

  /* bTimerOut2 and ulDataLength gone; the rest as it came. */
  assert_bytes (msg, n,
                "69 1C 00 00 00 00 07 00 00 00 "
                "00 1E 82 08 00 08 04 02 01 09 04 00 00 00 00 "
                "00 20 00 81 08 FF FF FF FF FF FF FF FF");
  g_assert_cmpuint (m.operation, ==, CCID_PIN_OPERATION_VERIFY);
  g_assert_cmpuint (m.timeout, ==, 0x1E);
  g_assert_cmpuint (m.prologue, ==, 12);
  g_assert_cmpuint (m.apdu, ==, 15);
  g_assert_cmpuint (m.apdu_len, ==, 13);
  g_assert_cmpuint (m.len, ==, 28);
}

static void
test_modify (void)
{
  guint8 msg[128];
  guint8 in[sizeof modify_in];
  CcidSecureMessage m;
  gsize n;

  n = convert_message (CCID_PIN_OPERATION_MODIFY, modify_in, sizeof modify_in, PLAIN_READER, msg,
                       sizeof msg, &m);
  assert_bytes (msg, n,
                "69 29 00 00 00 00 07 00 00 00 "
                "01 00 82 08 00 00 08 08 04 03 02 03 09 04 00 01 02 00 00 00 "
                "00 24 00 81 10 FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF");
  g_assert_cmpuint (m.prologue, ==, 17);
  g_assert_cmpuint (m.apdu, ==, 20);

  /* bNumberMessage 0: neither bMsgIndex2 nor 3; 1: bMsgIndex2 only. */
  memcpy (in, modify_in, sizeof in);
  in[11] = 0x00;
  n = convert_message (CCID_PIN_OPERATION_MODIFY, in, sizeof in, PLAIN_READER, msg, sizeof msg, &m);
  assert_bytes (msg, 10 + 18,
                "69 27 00 00 00 00 07 00 00 00 "
                "01 00 82 08 00 00 08 08 04 03 02 00 09 04 00 00 00 00");
  g_assert_cmpuint (m.prologue, ==, 15);
  in[11] = 0x01;
  n = convert_message (CCID_PIN_OPERATION_MODIFY, in, sizeof in, PLAIN_READER, msg, sizeof msg, &m);
  assert_bytes (msg, 10 + 19,
                "69 28 00 00 00 00 07 00 00 00 "
                "01 00 82 08 00 00 08 08 04 03 02 01 09 04 00 01 00 00 00");
  /* FFh: the reader's default messages, all three indexes. */
  in[11] = 0xFF;
  n = convert_message (CCID_PIN_OPERATION_MODIFY, in, sizeof in, PLAIN_READER, msg, sizeof msg, &m);
  g_assert_cmpuint (n, ==, 10 + 20 + 21);
}

static void
test_validation_fixed (void)
{
  guint8 in[sizeof verify_in];
  guint8 msg[128];
  CcidSecureMessage m;

  /* 0 or above 7: the validation key (the Cherry XX44 would crash). */
  memcpy (in, verify_in, sizeof in);
  in[7] = 0x00;
  convert_message (CCID_PIN_OPERATION_VERIFY, in, sizeof in, PLAIN_READER, msg, sizeof msg, &m);
  g_assert_cmpuint (msg[10 + 7], ==, 0x02);
  in[7] = 0x08;
  convert_message (CCID_PIN_OPERATION_VERIFY, in, sizeof in, PLAIN_READER, msg, sizeof msg, &m);
  g_assert_cmpuint (msg[10 + 7], ==, 0x02);
  in[7] = 0x07;
  convert_message (CCID_PIN_OPERATION_VERIFY, in, sizeof in, PLAIN_READER, msg, sizeof msg, &m);
  g_assert_cmpuint (msg[10 + 7], ==, 0x07);
}

static void
test_quirks (void)
{
  guint8 in[sizeof verify_in];
  guint8 min[sizeof modify_in];
  guint8 msg[128];
  CcidSecureMessage m;

  /* GemPC Pinpad: one message, the validation key only. */
  memcpy (in, verify_in, sizeof in);
  in[7] = 0x01;
  in[8] = 0x00;
  convert_message (CCID_PIN_OPERATION_VERIFY, in, sizeof in, CCID_READER_ID (0x08E6, 0x3478), msg,
                   sizeof msg, &m);
  g_assert_cmpuint (msg[10 + 7], ==, 0x02);
  g_assert_cmpuint (msg[10 + 8], ==, 0x01);
  /* Dell keyboard: no message, wPINMaxExtraDigit swapped. */
  convert_message (CCID_PIN_OPERATION_VERIFY, verify_in, sizeof verify_in,
                   CCID_READER_ID (0x413C, 0x2100), msg, sizeof msg, &m);
  g_assert_cmpuint (msg[10 + 8], ==, 0x00);
  g_assert_cmpuint (msg[10 + 5], ==, 0x04);
  g_assert_cmpuint (msg[10 + 6], ==, 0x08);

  /* Cherry ST-2000: all three indexes at 0, bNumberMessage 0. */
  memcpy (min, modify_in, sizeof min);
  min[11] = 0x01;
  convert_message (CCID_PIN_OPERATION_MODIFY, min, sizeof min, CCID_READER_ID (0x046A, 0x003E), msg,
                   sizeof msg, &m);
  assert_bytes (msg + 10, 20, "01 00 82 08 00 00 08 08 04 03 02 00 09 04 00 00 00 00 00 00");
  /* Gemalto: three indexes sent, the real bNumberMessage kept. */
  convert_message (CCID_PIN_OPERATION_MODIFY, min, sizeof min, CCID_READER_ID (0x08E6, 0x3437), msg,
                   sizeof msg, &m);
  assert_bytes (msg + 10, 20, "01 00 82 08 00 00 08 08 04 03 02 01 09 04 00 01 02 00 00 00");
}

static void
test_refused (void)
{
  guint8 in[sizeof modify_in];
  guint8 out[128];
  CcidSecureMessage m;
  const char *reason = NULL;

  /* Shorter than the header and a 4-byte APDU. */
  g_assert_false (ccid_secure_convert (CCID_PIN_OPERATION_VERIFY, verify_in, 22, PLAIN_READER, out,
                                       sizeof out, &m, &reason));
  g_assert_nonnull (reason);
  g_assert_false (ccid_secure_convert (CCID_PIN_OPERATION_VERIFY, NULL, 0, PLAIN_READER, out,
                                       sizeof out, &m, &reason));
  g_assert_false (ccid_secure_convert (CCID_PIN_OPERATION_MODIFY, modify_in, 27, PLAIN_READER, out,
                                       sizeof out, &m, &reason));
  /* ulDataLength that disagrees, either way, or absurd. */
  memcpy (in, verify_in, sizeof verify_in);
  in[15] = 14;
  g_assert_false (ccid_secure_convert (CCID_PIN_OPERATION_VERIFY, in, sizeof verify_in,
                                       PLAIN_READER, out, sizeof out, &m, &reason));
  in[15] = 12;
  g_assert_false (ccid_secure_convert (CCID_PIN_OPERATION_VERIFY, in, sizeof verify_in,
                                       PLAIN_READER, out, sizeof out, &m, &reason));
  memset (in + 15, 0xFF, 4);
  g_assert_false (ccid_secure_convert (CCID_PIN_OPERATION_VERIFY, in, sizeof verify_in,
                                       PLAIN_READER, out, sizeof out, &m, &reason));
  /* A modification's bNumberMessage above 3 but FFh. */
  memcpy (in, modify_in, sizeof in);
  in[11] = 0x04;
  g_assert_false (ccid_secure_convert (CCID_PIN_OPERATION_MODIFY, in, sizeof in, PLAIN_READER, out,
                                       sizeof out, &m, &reason));
  /* An output buffer too small. */
  g_assert_false (ccid_secure_convert (CCID_PIN_OPERATION_VERIFY, verify_in, sizeof verify_in,
                                       PLAIN_READER, out, sizeof verify_in, &m, &reason));
  /* The smallest accepted: 4-byte APDU. */
  memcpy (in, verify_in, 23);
  in[15] = 4;
  g_assert_true (ccid_secure_convert (CCID_PIN_OPERATION_VERIFY, in, 23, PLAIN_READER, out,
                                      sizeof out, &m, &reason));
  g_assert_cmpuint (m.apdu_len, ==, 4);
}

static void
test_outcome_timeout (void)
{
  guint8 sw[2] = { 0, 0 };

  g_assert_true (ccid_secure_outcome (0xF0, sw));
  assert_bytes (sw, 2, "64 00");
  g_assert_true (ccid_secure_outcome (0xEF, sw));
  assert_bytes (sw, 2, "64 01");
  g_assert_false (ccid_secure_outcome (0xFE, sw));
  g_assert_false (ccid_secure_outcome (0x00, sw));
  g_assert_false (ccid_secure_outcome (0x0C, sw));

  g_assert_cmpuint (ccid_secure_timeout_ms (0), ==, 90000);
  g_assert_cmpuint (ccid_secure_timeout_ms (80), ==, 90000);
  g_assert_cmpuint (ccid_secure_timeout_ms (81), ==, 91000);
  g_assert_cmpuint (ccid_secure_timeout_ms (255), ==, 265000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ccid/secure/verify", test_verify);
  g_test_add_func ("/ccid/secure/modify", test_modify);
  g_test_add_func ("/ccid/secure/validation-fixed", test_validation_fixed);
  g_test_add_func ("/ccid/secure/quirks", test_quirks);
  g_test_add_func ("/ccid/secure/refused", test_refused);
  g_test_add_func ("/ccid/secure/outcome-timeout", test_outcome_timeout);
  return g_test_run ();
}

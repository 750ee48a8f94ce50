/* test-common.c: common/: the vocabulary, the control codes, the channel
 * framing codec
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-channel-codec.h"
#include "scb-control.h"
#include "scb-error.h"
#include "scb-types.h"

#include <PCSC/pcsclite.h>
#include <PCSC/reader.h>
#include <string.h>

/* The values are pcsc-lite's, so WinSCard arguments pass unchanged. */
static void
test_values (void)
{
  g_assert_cmpint (SCB_SHARE_MODE_SHARED, ==, SCARD_SHARE_SHARED);
  g_assert_cmpint (SCB_SHARE_MODE_EXCLUSIVE, ==, SCARD_SHARE_EXCLUSIVE);
  g_assert_cmpint (SCB_SHARE_MODE_DIRECT, ==, SCARD_SHARE_DIRECT);
  g_assert_cmpint (SCB_DISPOSITION_LEAVE, ==, SCARD_LEAVE_CARD);
  g_assert_cmpint (SCB_DISPOSITION_RESET, ==, SCARD_RESET_CARD);
  g_assert_cmpint (SCB_DISPOSITION_UNPOWER, ==, SCARD_UNPOWER_CARD);
  g_assert_cmpint (SCB_DISPOSITION_EJECT, ==, SCARD_EJECT_CARD);
  g_assert_cmpint (SCB_PROTOCOL_NONE, ==, SCARD_PROTOCOL_UNDEFINED);
  g_assert_cmpint (SCB_PROTOCOL_T0, ==, SCARD_PROTOCOL_T0);
  g_assert_cmpint (SCB_PROTOCOL_T1, ==, SCARD_PROTOCOL_T1);
  g_assert_cmpint (SCB_PROTOCOL_RAW, ==, SCARD_PROTOCOL_RAW);
  g_assert_cmpint (SCB_PROTOCOL_ANY, ==, SCARD_PROTOCOL_ANY);
  g_assert_cmpint (SCB_READER_STATE_EMPTY, ==, SCARD_STATE_EMPTY);
  g_assert_cmpint (SCB_READER_STATE_PRESENT, ==, SCARD_STATE_PRESENT);
  g_assert_cmpint (SCB_READER_STATE_EXCLUSIVE, ==, SCARD_STATE_EXCLUSIVE);
  g_assert_cmpint (SCB_READER_STATE_INUSE, ==, SCARD_STATE_INUSE);
  g_assert_cmpint (SCB_READER_STATE_MUTE, ==, SCARD_STATE_MUTE);
  g_assert_cmpint (SCB_READER_STATE_UNPOWERED, ==, SCARD_STATE_UNPOWERED);
  g_assert_cmpint (SCB_CARD_STATE_ABSENT, ==, SCARD_ABSENT);
  g_assert_cmpint (SCB_CARD_STATE_PRESENT, ==, SCARD_PRESENT);
  g_assert_cmpint (SCB_CARD_STATE_SWALLOWED, ==, SCARD_SWALLOWED);
  g_assert_cmpint (SCB_CARD_STATE_POWERED, ==, SCARD_POWERED);
  g_assert_cmpint (SCB_CARD_STATE_NEGOTIABLE, ==, SCARD_NEGOTIABLE);
  g_assert_cmpint (SCB_CARD_STATE_SPECIFIC, ==, SCARD_SPECIFIC);
  g_assert_cmphex (SCB_CTL_CODE (3400), ==, SCARD_CTL_CODE (3400));
  g_assert_cmphex (SCB_CTL_FEATURE (SCB_FEATURE_GET_TLV_PROPERTIES), ==, 0x42330012);
  g_assert_cmpint (SCB_FEATURE_CCID_ESC_COMMAND, ==, FEATURE_CCID_ESC_COMMAND);
  g_assert_cmpint (SCB_FEATURE_GET_TLV_PROPERTIES, ==, FEATURE_GET_TLV_PROPERTIES);
  g_assert_cmpint (SCB_FEATURE_VERIFY_PIN_DIRECT, ==, FEATURE_VERIFY_PIN_DIRECT);
}

static void
test_words (void)
{
  g_autoptr (GError) error = NULL;
  ScbShareMode mode;
  ScbDisposition disposition;
  ScbProtocol protocols;
  const char *const t0_t1[] = { "t1", "t0", NULL };
  const char *const raw[] = { "raw", NULL };
  const char *const bad[] = { "t1", "any", NULL };
  g_auto (GStrv) words = NULL;

  g_assert_cmpstr (scb_share_mode_to_word (SCB_SHARE_MODE_SHARED), ==, "shared");
  g_assert_cmpstr (scb_share_mode_to_word (SCB_SHARE_MODE_EXCLUSIVE), ==, "exclusive");
  g_assert_cmpstr (scb_share_mode_to_word (SCB_SHARE_MODE_DIRECT), ==, "direct");
  g_assert_true (scb_share_mode_from_word ("direct", &mode, NULL));
  g_assert_cmpint (mode, ==, SCB_SHARE_MODE_DIRECT);
  g_assert_false (scb_share_mode_from_word ("Shared", &mode, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_assert_cmpstr (error->message, ==,
                   "Unknown share mode \"Shared\": exclusive, shared or direct");
  g_clear_error (&error);
  g_assert_false (scb_share_mode_from_word (NULL, &mode, &error));
  g_clear_error (&error);

  g_assert_cmpstr (scb_disposition_to_word (SCB_DISPOSITION_UNPOWER), ==, "unpower");
  g_assert_true (scb_disposition_from_word ("eject", &disposition, NULL));
  g_assert_cmpint (disposition, ==, SCB_DISPOSITION_EJECT);
  g_assert_false (scb_disposition_from_word ("", &disposition, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_VALUE);
  g_assert_cmpstr (error->message, ==, "Unknown disposition \"\": leave, reset, unpower or eject");
  g_clear_error (&error);

  g_assert_true (scb_share_mode_is_valid (SCARD_SHARE_DIRECT));
  g_assert_false (scb_share_mode_is_valid (0));
  g_assert_false (scb_share_mode_is_valid (4));
  g_assert_false (scb_share_mode_is_valid (0xffffffffu));
  g_assert_true (scb_disposition_is_valid (SCARD_EJECT_CARD));
  g_assert_false (scb_disposition_is_valid (4));

  g_assert_cmpstr (scb_protocol_to_word (SCB_PROTOCOL_T1), ==, "t1");
  g_assert_cmpstr (scb_protocol_to_word (SCB_PROTOCOL_NONE), ==, "");
  g_assert_cmpstr (scb_protocol_to_word (SCB_PROTOCOL_ANY), ==, "");
  g_assert_cmpint (scb_protocol_from_word ("t0"), ==, SCB_PROTOCOL_T0);
  g_assert_cmpint (scb_protocol_from_word (""), ==, SCB_PROTOCOL_NONE);
  g_assert_cmpint (scb_protocol_from_word ("any"), ==, SCB_PROTOCOL_NONE);
  g_assert_true (scb_protocols_from_words (t0_t1, &protocols, NULL));
  g_assert_cmpint (protocols, ==, SCB_PROTOCOL_ANY);
  g_assert_true (scb_protocols_from_words (raw, &protocols, NULL));
  g_assert_cmpint (protocols, ==, SCB_PROTOCOL_RAW);
  g_assert_true (scb_protocols_from_words (NULL, &protocols, NULL));
  g_assert_cmpint (protocols, ==, SCB_PROTOCOL_NONE);
  g_assert_false (scb_protocols_from_words (bad, &protocols, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_assert_cmpstr (error->message, ==, "Unknown protocol \"any\": t0, t1 or raw");
  words = scb_protocols_to_words (SCB_PROTOCOL_T1 | SCB_PROTOCOL_RAW);
  g_assert_cmpstrv (words, ((const char *const[]){ "t1", "raw", NULL }));
  g_assert_cmpint (scb_protocol_from_iso (1), ==, SCB_PROTOCOL_T1);
  g_assert_cmpint (scb_protocol_from_iso (-1), ==, SCB_PROTOCOL_NONE);
  g_assert_cmpint (scb_protocol_from_iso (15), ==, SCB_PROTOCOL_NONE);
}

static void
test_control (void)
{
  const guint8 get[] = { 0x3f, 0, 0 };
  const guint8 set[] = { 0x3e, 0, 1, 0x21 };
  const guint8 bad[] = { 0x3e, 0, 1 };
  g_autoptr (GError) error = NULL;
  ScbMepNadCommand command;
  guint8 nad = 0;

  g_assert_cmpint (scb_control_classify (SCB_CTL_GET_FEATURE_REQUEST, NULL, 0), ==,
                   SCB_CONTROL_CARD);
  g_assert_cmpint (scb_control_classify (SCB_CTL_FEATURE (SCB_FEATURE_VERIFY_PIN_DIRECT), NULL, 0),
                   ==, SCB_CONTROL_CARD);
  g_assert_cmpint (scb_control_classify (SCB_CTL_FEATURE (SCB_FEATURE_GET_TLV_PROPERTIES), NULL, 0),
                   ==, SCB_CONTROL_CARD);
  g_assert_cmpint (scb_control_classify (SCB_CTL_FEATURE (SCB_FEATURE_CCID_ESC_COMMAND), NULL, 0),
                   ==, SCB_CONTROL_READER);
  g_assert_cmpint (scb_control_classify (SCB_CTL_IFD_EXCHANGE, get, sizeof get), ==,
                   SCB_CONTROL_READER);
  g_assert_cmpint (scb_control_classify (SCB_CTL_MEP_NAD, get, sizeof get), ==, SCB_CONTROL_CARD);
  g_assert_cmpint (scb_control_classify (SCB_CTL_MEP_NAD, set, sizeof set), ==, SCB_CONTROL_NAD);
  /* Anything else of the MEP code might change the NAD: set-nad. */
  g_assert_cmpint (scb_control_classify (SCB_CTL_MEP_NAD, NULL, 0), ==, SCB_CONTROL_NAD);
  g_assert_cmpint (scb_control_classify (0, NULL, 0), ==, SCB_CONTROL_READER);

  g_assert_true (scb_mep_nad_parse (get, sizeof get, &command, &nad, NULL));
  g_assert_cmpint (command, ==, SCB_MEP_NAD_GET);
  g_assert_true (scb_mep_nad_parse (set, sizeof set, &command, &nad, NULL));
  g_assert_cmpint (command, ==, SCB_MEP_NAD_SET);
  g_assert_cmphex (nad, ==, 0x21);
  g_assert_false (scb_mep_nad_parse (bad, sizeof bad, &command, &nad, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
}

static void
test_codec_encode (void)
{
  const ScbChannelHeader header = { .version = SCB_CHANNEL_VERSION,
                                    .op = SCB_CHANNEL_OP_CONTROL | SCB_CHANNEL_OP_ANSWER,
                                    .flags = 0x0102,
                                    .id = 0x11223344,
                                    .code = 0x42000e10,
                                    .status = 0x80100069 };
  const guint8 expected[] = { 0x01, 0x82, 0x02, 0x01, 0x44, 0x33, 0x22, 0x11,
                              0x10, 0x0e, 0x00, 0x42, 0x69, 0x00, 0x10, 0x80 };
  guint8 out[SCB_CHANNEL_HEADER_SIZE];

  scb_channel_header_encode (&header, out);
  g_assert_cmpmem (out, sizeof out, expected, sizeof expected);
}

/* A request of @payload bytes with the given fields. */
static guint8 *
request (guint8 version, guint8 op, guint16 flags, guint32 status, gsize payload)
{
  const ScbChannelHeader header
      = { .version = version, .op = op, .flags = flags, .id = 7, .code = 2, .status = status };
  guint8 *packet = g_malloc0 (SCB_CHANNEL_HEADER_SIZE + payload);

  scb_channel_header_encode (&header, packet);
  return packet;
}

/* @code: the error expected, or -1 for none. */
static void
check_request (guint8 version, guint8 op, guint16 flags, guint32 status, gsize payload, gsize len,
               gint code)
{
  g_autofree guint8 *packet = request (version, op, flags, status, payload);
  g_autoptr (GError) error = NULL;
  ScbChannelHeader header;
  gboolean ok = scb_channel_request_decode (packet, len, &header, &error);

  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (header.op, ==, op);
      g_assert_cmpuint (header.id, ==, 7);
      g_assert_cmpuint (header.code, ==, 2);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, SCB_ERROR, code);
  /* What can be echoed is, even in an error answer. */
  if (len >= SCB_CHANNEL_HEADER_SIZE)
    g_assert_cmpuint (header.id, ==, 7);
  else
    g_assert_cmpuint (header.id, ==, 0);
}

static void
test_codec_request (void)
{
  const gint ok = -1;
  const gsize h = SCB_CHANNEL_HEADER_SIZE;

  check_request (1, SCB_CHANNEL_OP_TRANSMIT, 0, 0, 5, h + 5, ok);
  check_request (1, SCB_CHANNEL_OP_CONTROL, 0, 0, 0, h, ok);
  check_request (1, SCB_CHANNEL_OP_TRANSMIT, 0, 0, SCB_MAX_APDU_SIZE, h + SCB_MAX_APDU_SIZE, ok);
  check_request (1, SCB_CHANNEL_OP_TRANSMIT, 0, 0, 0, 0, SCB_ERROR_INVALID_PARAMETER);
  check_request (1, SCB_CHANNEL_OP_TRANSMIT, 0, 0, 0, h - 1, SCB_ERROR_INVALID_PARAMETER);
  /* The receiver reports the real length of a truncated packet. */
  check_request (1, SCB_CHANNEL_OP_TRANSMIT, 0, 0, 0, h + SCB_MAX_APDU_SIZE + 1,
                 SCB_ERROR_INSUFFICIENT_BUFFER);
  check_request (2, SCB_CHANNEL_OP_TRANSMIT, 0, 0, 5, h + 5, SCB_ERROR_INVALID_PARAMETER);
  /* Begin, End, Status: no payload. */
  for (guint8 op = SCB_CHANNEL_OP_BEGIN_TRANSACTION; op <= SCB_CHANNEL_OP_STATUS; op++)
    {
      check_request (1, op, 0, 0, 0, h, ok);
      check_request (1, op, 0, 0, 1, h + 1, SCB_ERROR_INVALID_PARAMETER);
    }
  check_request (1, SCB_CHANNEL_OP_STATUS + 1, 0, 0, 0, h, SCB_ERROR_INVALID_PARAMETER);
  check_request (1, 0, 0, 0, 5, h + 5, SCB_ERROR_INVALID_PARAMETER);
  check_request (1, SCB_CHANNEL_OP_TRANSMIT | SCB_CHANNEL_OP_ANSWER, 0, 0, 5, h + 5,
                 SCB_ERROR_INVALID_PARAMETER);
  check_request (1, SCB_CHANNEL_OP_TRANSMIT, 1, 0, 5, h + 5, SCB_ERROR_INVALID_PARAMETER);
  check_request (1, SCB_CHANNEL_OP_TRANSMIT, 0, 0x80100001, 5, h + 5, SCB_ERROR_INVALID_PARAMETER);
  check_request (1, SCB_CHANNEL_OP_TRANSMIT, 0, 0, 0, h, SCB_ERROR_INVALID_PARAMETER);
}

static ScbChannelAnswer
decode_answer (guint8 op_byte, guint16 flags, guint32 id, guint32 status, gsize len, guint8 op,
               GError **error)
{
  const ScbChannelHeader header = { .version = SCB_CHANNEL_VERSION,
                                    .op = op_byte,
                                    .flags = flags,
                                    .id = id,
                                    .code = 0,
                                    .status = status };
  g_autofree guint8 *packet = g_malloc0 (MAX (len, SCB_CHANNEL_HEADER_SIZE));
  ScbChannelHeader decoded;

  scb_channel_header_encode (&header, packet);
  return scb_channel_answer_decode (packet, len, op, 9, &decoded, error);
}

static void
test_codec_answer (void)
{
  const guint8 answer = SCB_CHANNEL_OP_TRANSMIT | SCB_CHANNEL_OP_ANSWER;
  const gsize h = SCB_CHANNEL_HEADER_SIZE;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (decode_answer (answer, 0, 9, 0, h + 2, SCB_CHANNEL_OP_TRANSMIT, NULL), ==,
                   SCB_CHANNEL_ANSWER_OK);
  g_assert_cmpint (decode_answer (answer, 0, 9, 0x80100069, h, SCB_CHANNEL_OP_TRANSMIT, NULL), ==,
                   SCB_CHANNEL_ANSWER_OK);
  g_assert_cmpint (
      decode_answer (answer, 0, 9, 0, h + SCB_MAX_RESPONSE_SIZE, SCB_CHANNEL_OP_TRANSMIT, NULL), ==,
      SCB_CHANNEL_ANSWER_OK);
  /* An answer to an earlier request is skipped, whatever its op. */
  g_assert_cmpint (decode_answer (answer, 0, 8, 0, h + 2, SCB_CHANNEL_OP_TRANSMIT, NULL), ==,
                   SCB_CHANNEL_ANSWER_STALE);
  g_assert_cmpint (decode_answer (SCB_CHANNEL_OP_CONTROL | SCB_CHANNEL_OP_ANSWER, 0, 8, 0, h,
                                  SCB_CHANNEL_OP_TRANSMIT, NULL),
                   ==, SCB_CHANNEL_ANSWER_STALE);
  /* Malformed: the channel cannot be trusted any more. */
  g_assert_cmpint (decode_answer (answer, 0, 9, 0, h - 1, SCB_CHANNEL_OP_TRANSMIT, &error), ==,
                   SCB_CHANNEL_ANSWER_ERROR);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR);
  g_clear_error (&error);
  g_assert_cmpint (
      decode_answer (answer, 0, 9, 0, h + SCB_MAX_RESPONSE_SIZE + 1, SCB_CHANNEL_OP_TRANSMIT, NULL),
      ==, SCB_CHANNEL_ANSWER_ERROR);
  g_assert_cmpint (
      decode_answer (SCB_CHANNEL_OP_TRANSMIT, 0, 9, 0, h, SCB_CHANNEL_OP_TRANSMIT, NULL), ==,
      SCB_CHANNEL_ANSWER_ERROR);
  g_assert_cmpint (decode_answer (answer, 4, 9, 0, h, SCB_CHANNEL_OP_TRANSMIT, NULL), ==,
                   SCB_CHANNEL_ANSWER_ERROR);
  g_assert_cmpint (decode_answer (SCB_CHANNEL_OP_CONTROL | SCB_CHANNEL_OP_ANSWER, 0, 9, 0, h,
                                  SCB_CHANNEL_OP_TRANSMIT, NULL),
                   ==, SCB_CHANNEL_ANSWER_ERROR);
  /* An error answer carries no payload. */
  g_assert_cmpint (decode_answer (answer, 0, 9, 0x80100069, h + 2, SCB_CHANNEL_OP_TRANSMIT, NULL),
                   ==, SCB_CHANNEL_ANSWER_ERROR);
}

static void
test_codec_status (void)
{
  static const guint8 atr[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };
  static const guint8 expected[]
      = { 0x34, 0, 0, 0, 2, 0, 0, 0, 5, 0x3B, 0x80, 0x80, 0x01, 0x01, 'R', ' ', '0', '0' };
  ScbChannelStatus status = { .state = 0x34,
                              .protocol = SCB_PROTOCOL_T1,
                              .atr = atr,
                              .atr_len = sizeof atr,
                              .name = "R 00",
                              .name_len = 4 };
  g_autoptr (GBytes) payload = scb_channel_status_encode (&status);
  g_autoptr (GError) error = NULL;
  ScbChannelStatus decoded;
  guint8 bad[SCB_CHANNEL_STATUS_HEADER + 2] = { 0 };

  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), expected,
                   sizeof expected);
  g_assert_true (scb_channel_status_decode (expected, sizeof expected, &decoded, NULL));
  g_assert_cmphex (decoded.state, ==, 0x34);
  g_assert_cmpuint (decoded.protocol, ==, SCB_PROTOCOL_T1);
  g_assert_cmpmem (decoded.atr, decoded.atr_len, atr, sizeof atr);
  g_assert_cmpmem (decoded.name, decoded.name_len, "R 00", 4);
  /* Every length is checked: a short header, an ATR longer than 33 bytes
   * or than what came. */
  g_assert_false (
      scb_channel_status_decode (expected, SCB_CHANNEL_STATUS_HEADER - 1, &decoded, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR);
  g_clear_error (&error);
  bad[8] = 34;
  g_assert_false (scb_channel_status_decode (bad, sizeof bad, &decoded, NULL));
  bad[8] = 3;
  g_assert_false (scb_channel_status_decode (bad, sizeof bad, &decoded, NULL));
  bad[8] = 2;
  g_assert_true (scb_channel_status_decode (bad, sizeof bad, &decoded, NULL));
  g_assert_cmpuint (decoded.name_len, ==, 0);
  /* What does not fit is not encoded. */
  status.atr_len = 34;
  g_assert_null (scb_channel_status_encode (&status));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/values", test_values);
  g_test_add_func ("/common/words", test_words);
  g_test_add_func ("/common/control", test_control);
  g_test_add_func ("/common/codec/encode", test_codec_encode);
  g_test_add_func ("/common/codec/request", test_codec_request);
  g_test_add_func ("/common/codec/answer", test_codec_answer);
  g_test_add_func ("/common/codec/status", test_codec_status);
  return g_test_run ();
}

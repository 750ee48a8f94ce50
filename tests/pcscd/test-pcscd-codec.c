/* test-pcscd-codec.c: pcsc-lite's socket protocol, message by message
 *
 * The expected bytes are the structures of pcsc-lite's src/winscard_msg.h
 * as libpcsclite sends them (host byte order, no padding), written out
 * field by field here rather than through the codec's own table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-error.h"
#include "scb-pcscd-codec.h"
#include "scb-pcscd-peer.h"

#include <PCSC/pcsclite.h>
#include <string.h>

static void
put (GByteArray *out, guint32 v)
{
  g_byte_array_append (out, (const guint8 *) &v, 4);
}

static GByteArray *
header (guint32 size, guint32 command)
{
  GByteArray *out = g_byte_array_new ();

  put (out, size);
  put (out, command);
  return out;
}

/* Decodes @bytes whole, checking that every shorter prefix asks for more. */
static void
decode_all (GByteArray *bytes, guint minor, ScbPcscdMessage *msg, const guint8 **extra)
{
  gsize consumed = 0;

  for (gsize cut = 0; cut < bytes->len; cut++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_true (
          scb_pcscd_request_decode (bytes->data, cut, minor, msg, extra, &consumed, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (consumed, ==, 0);
    }
  g_assert_true (
      scb_pcscd_request_decode (bytes->data, bytes->len, minor, msg, extra, &consumed, NULL));
  g_assert_cmpuint (consumed, ==, bytes->len);
}

static void
test_connect (void)
{
  g_autoptr (GByteArray) bytes = header (152, SCB_PCSCD_CONNECT);
  g_autoptr (GByteArray) reply = g_byte_array_new ();
  g_autoptr (GByteArray) expected = g_byte_array_new ();
  char name[SCB_PCSCD_READER_NAME_SIZE] = "Sim Reader 00 00";
  ScbPcscdMessage msg;
  const guint8 *extra;

  put (bytes, 0x1234);
  g_byte_array_append (bytes, (const guint8 *) name, sizeof name);
  put (bytes, SCARD_SHARE_SHARED);
  put (bytes, SCARD_PROTOCOL_ANY);
  put (bytes, 0);
  put (bytes, 0);
  put (bytes, 0);
  decode_all (bytes, 4, &msg, &extra);
  g_assert_cmpuint (msg.command, ==, SCB_PCSCD_CONNECT);
  g_assert_cmpuint (msg.context, ==, 0x1234);
  g_assert_cmpstr (msg.reader, ==, "Sim Reader 00 00");
  g_assert_cmpuint (msg.share_mode, ==, SCARD_SHARE_SHARED);
  g_assert_cmpuint (msg.preferred_protocols, ==, SCARD_PROTOCOL_ANY);
  g_assert_cmpuint (msg.send_length, ==, 0);

  /* The reply is the same structure, answered. */
  msg.card = 0x55aa;
  msg.active_protocol = SCARD_PROTOCOL_T1;
  msg.rv = (guint32) SCARD_E_SHARING_VIOLATION;
  g_assert_cmpuint (scb_pcscd_reply_size (SCB_PCSCD_CONNECT), ==, 152);
  scb_pcscd_reply_encode (&msg, reply);
  put (expected, 0x1234);
  g_byte_array_append (expected, (const guint8 *) name, sizeof name);
  put (expected, SCARD_SHARE_SHARED);
  put (expected, SCARD_PROTOCOL_ANY);
  put (expected, 0x55aa);
  put (expected, SCARD_PROTOCOL_T1);
  put (expected, (guint32) SCARD_E_SHARING_VIOLATION);
  g_assert_cmpmem (reply->data, reply->len, expected->data, expected->len);
}

static void
test_unterminated_name (void)
{
  g_autoptr (GByteArray) bytes = header (152, SCB_PCSCD_CONNECT);
  guint8 name[SCB_PCSCD_READER_NAME_SIZE];
  ScbPcscdMessage msg;
  const guint8 *extra;

  memset (name, 'A', sizeof name);
  put (bytes, 1);
  g_byte_array_append (bytes, name, sizeof name);
  for (guint i = 0; i < 5; i++)
    put (bytes, 0);
  decode_all (bytes, 4, &msg, &extra);
  g_assert_cmpuint (strlen (msg.reader), ==, SCB_PCSCD_READER_NAME_SIZE - 1);
}

static void
test_transmit (void)
{
  static const guint8 apdu[] = { 0x00, 0xa4, 0x04, 0x00, 0x00 };
  g_autoptr (GByteArray) bytes = header (32, SCB_PCSCD_TRANSMIT);
  g_autoptr (GByteArray) reply = g_byte_array_new ();
  ScbPcscdMessage msg;
  const guint8 *extra = NULL;
  guint32 expected[] = { 7, SCARD_PROTOCOL_T1, 8, 2, SCARD_PROTOCOL_T1, 8, 258, 0 };
  const guint32 fields[] = { 7, SCARD_PROTOCOL_T1, 8, sizeof apdu, 0, 8, 65548, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    put (bytes, fields[i]);
  g_byte_array_append (bytes, apdu, sizeof apdu);
  decode_all (bytes, 4, &msg, &extra);
  g_assert_cmpuint (msg.card, ==, 7);
  g_assert_cmpuint (msg.send_pci_protocol, ==, SCARD_PROTOCOL_T1);
  g_assert_cmpuint (msg.send_length, ==, sizeof apdu);
  g_assert_cmpuint (msg.recv_length, ==, 65548);
  g_assert_cmpmem (extra, msg.send_length, apdu, sizeof apdu);

  msg.send_length = 2;
  msg.recv_pci_protocol = SCARD_PROTOCOL_T1;
  msg.recv_length = 258;
  scb_pcscd_reply_encode (&msg, reply);
  g_assert_cmpmem (reply->data, reply->len, expected, sizeof expected);
}

static void
test_control_too_long (void)
{
  g_autoptr (GByteArray) bytes = header (24, SCB_PCSCD_CONTROL);
  g_autoptr (GError) error = NULL;
  ScbPcscdMessage msg;
  const guint8 *extra;
  gsize consumed = 1;

  put (bytes, 1);
  put (bytes, 0x42000000 + 3400);
  put (bytes, SCB_PCSCD_MAX_DATA + 1);
  put (bytes, 0);
  put (bytes, 0);
  put (bytes, 0);
  g_assert_false (
      scb_pcscd_request_decode (bytes->data, bytes->len, 4, &msg, &extra, &consumed, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_assert_cmpuint (consumed, ==, 0);
}

static void
test_attrib (void)
{
  g_autoptr (GByteArray) bytes = header (280, SCB_PCSCD_GET_ATTRIB);
  g_autoptr (GError) error = NULL;
  guint8 attr[SCB_PCSCD_ATTR_SIZE] = { 0 };
  ScbPcscdMessage msg;
  const guint8 *extra;
  gsize consumed;

  put (bytes, 3);
  put (bytes, 0x00090303); /* SCARD_ATTR_ATR_STRING */
  g_byte_array_append (bytes, attr, sizeof attr);
  put (bytes, SCB_PCSCD_ATTR_SIZE);
  put (bytes, 0);
  decode_all (bytes, 4, &msg, &extra);
  g_assert_cmpuint (msg.attr_id, ==, 0x00090303);
  g_assert_cmpuint (msg.attr_length, ==, SCB_PCSCD_ATTR_SIZE);

  /* One byte more than the buffer: pcscd drops the client. */
  {
    guint32 too_long = SCB_PCSCD_ATTR_SIZE + 1;

    memcpy (bytes->data + 8 + 8 + SCB_PCSCD_ATTR_SIZE, &too_long, 4);
  }
  g_assert_false (
      scb_pcscd_request_decode (bytes->data, bytes->len, 4, &msg, &extra, &consumed, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
}

static void
test_wrong_size (void)
{
  static const guint32 commands[] = { SCB_PCSCD_ESTABLISH_CONTEXT, SCB_PCSCD_VERSION,
                                      SCB_PCSCD_TRANSMIT, SCB_PCSCD_GET_READERS_STATE };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr (GByteArray) bytes = header (scb_pcscd_reply_size (commands[i]) + 4, commands[i]);
      g_autoptr (GError) error = NULL;
      ScbPcscdMessage msg;
      const guint8 *extra;
      gsize consumed;

      g_assert_false (
          scb_pcscd_request_decode (bytes->data, bytes->len, 6, &msg, &extra, &consumed, &error));
      g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
    }
}

static void
test_unknown (void)
{
  /* Never served by pcscd, and past the end of the enum. */
  static const guint32 commands[] = { 0, 0x03, 0x0c, 0x0e, 0x18, 0xffffffff };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr (GByteArray) bytes = header (0, commands[i]);
      g_autoptr (GError) error = NULL;
      ScbPcscdMessage msg;
      const guint8 *extra;
      gsize consumed;

      g_assert_null (scb_pcscd_command_name (commands[i]));
      g_assert_false (
          scb_pcscd_request_decode (bytes->data, bytes->len, 6, &msg, &extra, &consumed, &error));
      g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
    }
}

/* 4.5 adds CMD_GET_READER_EVENTS, 4.6 the reader-state array of any size:
 * an older client sending them is dropped as an unknown command. */
static void
test_versions (void)
{
  static const struct
  {
    guint32 command;
    guint minor;
    gsize reply;
  } cases[] = {
    { SCB_PCSCD_GET_READER_EVENTS, 5, 8 },        { SCB_PCSCD_GET_READERS_STATE_SIZE, 6, 4 },
    { SCB_PCSCD_GET_READERS_STATE_ARRAY, 6, 0 },  { SCB_PCSCD_GET_READERS_STATE, 4, 0 },
    { SCB_PCSCD_WAIT_READER_STATE_CHANGE, 4, 8 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint minor = 4; minor <= 6; minor++)
      {
        g_autoptr (GByteArray) bytes = header (0, cases[i].command);
        g_autoptr (GError) error = NULL;
        ScbPcscdMessage msg;
        const guint8 *extra;
        gsize consumed = 0;
        gboolean ok = scb_pcscd_request_decode (bytes->data, bytes->len, minor, &msg, &extra,
                                                &consumed, &error);

        g_assert_cmpuint (scb_pcscd_command_minor (cases[i].command), ==, cases[i].minor);
        g_assert_cmpuint (scb_pcscd_reply_size (cases[i].command), ==, cases[i].reply);
        if (minor >= cases[i].minor)
          {
            g_assert_no_error (error);
            g_assert_true (ok);
            g_assert_cmpuint (consumed, ==, 8);
          }
        else
          {
            g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
            g_assert_false (ok);
          }
      }
}

static void
test_reader_events_reply (void)
{
  ScbPcscdMessage msg = { .command = SCB_PCSCD_GET_READER_EVENTS, .reader_events = 3 };
  ScbPcscdMessage size = { .command = SCB_PCSCD_GET_READERS_STATE_SIZE, .readers = 20 };
  g_autoptr (GByteArray) reply = g_byte_array_new ();
  const guint32 expected[] = { 3, 0, 20 };
  ScbPcscdMessage back;

  scb_pcscd_reply_encode (&msg, reply);
  scb_pcscd_reply_encode (&size, reply);
  g_assert_cmpmem (reply->data, reply->len, expected, sizeof expected);
  g_assert_true (
      scb_pcscd_reply_decode (SCB_PCSCD_GET_READERS_STATE_SIZE, reply->data + 8, 4, &back, NULL));
  g_assert_cmpuint (back.readers, ==, 20);
  g_assert_false (
      scb_pcscd_reply_decode (SCB_PCSCD_GET_READER_EVENTS, reply->data, 4, &back, NULL));
}

/* pcscd 2.5: 4.4 to 4.6 are served; anything else gets
 * SCARD_E_SERVICE_STOPPED and 4.6, for the client to retry with. */
static void
test_version (void)
{
  static const struct
  {
    gint32 major, minor;
    guint in_use;
  } cases[] = {
    { 4, 4, 4 }, { 4, 5, 5 }, { 4, 6, 6 }, { 4, 3, 0 }, { 4, 7, 0 }, { 3, 4, 0 }, { -1, -1, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ScbPcscdMessage msg
          = { .command = SCB_PCSCD_VERSION, .major = cases[i].major, .minor = cases[i].minor };
      g_autoptr (GByteArray) reply = g_byte_array_new ();
      guint32 expected[3];

      g_assert_cmpuint (scb_pcscd_version_answer (&msg), ==, cases[i].in_use);
      expected[0] = 4;
      expected[1] = cases[i].in_use != 0 ? (guint32) cases[i].minor : 6;
      expected[2] = cases[i].in_use != 0 ? SCARD_S_SUCCESS : (guint32) SCARD_E_SERVICE_STOPPED;
      scb_pcscd_reply_encode (&msg, reply);
      g_assert_cmpmem (reply->data, reply->len, expected, sizeof expected);
    }
}

static void
test_reader_state (void)
{
  ScbPcscdReaderState state = { .name = "Sim Reader 00 00",
                                .event_counter = 0x10002,
                                .state = SCARD_PRESENT | SCARD_POWERED | SCARD_NEGOTIABLE,
                                .sharing = -1,
                                .atr = { 0x3b, 0x80, 0x80, 0x01, 0x01 },
                                .atr_length = 5,
                                .protocol = SCARD_PROTOCOL_T1 };
  guint8 out[SCB_PCSCD_READER_STATE_SIZE];
  guint8 expected[SCB_PCSCD_READER_STATE_SIZE] = { 0 };
  guint32 v;
  gint32 sharing = -1;
  ScbPcscdReaderState back;
  g_autoptr (GError) error = NULL;

  memcpy (expected, "Sim Reader 00 00", 16);
  v = 0x10002;
  memcpy (expected + 128, &v, 4);
  v = SCARD_PRESENT | SCARD_POWERED | SCARD_NEGOTIABLE;
  memcpy (expected + 132, &v, 4);
  memcpy (expected + 136, &sharing, 4);
  memcpy (expected + 140, state.atr, 5);
  v = 5;
  memcpy (expected + 176, &v, 4);
  v = SCARD_PROTOCOL_T1;
  memcpy (expected + 180, &v, 4);
  scb_pcscd_reader_state_encode (&state, out);
  g_assert_cmpmem (out, sizeof out, expected, sizeof expected);

  g_assert_true (scb_pcscd_reader_state_decode (out, sizeof out, &back, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (back.name, ==, state.name);
  g_assert_cmpuint (back.event_counter, ==, state.event_counter);
  g_assert_cmpuint (back.state, ==, state.state);
  g_assert_cmpint (back.sharing, ==, -1);
  g_assert_cmpmem (back.atr, back.atr_length, state.atr, state.atr_length);
  g_assert_cmpuint (back.protocol, ==, SCARD_PROTOCOL_T1);

  v = SCB_PCSCD_ATR_NOT_INITIALIZED + 1;
  memcpy (out + 176, &v, 4);
  g_assert_false (scb_pcscd_reader_state_decode (out, sizeof out, &back, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);
  memset (out, 'x', SCB_PCSCD_READER_NAME_SIZE);
  g_assert_false (scb_pcscd_reader_state_decode (out, sizeof out, &back, &error));
  g_assert_false (scb_pcscd_reader_state_decode (out, 100, &back, NULL));
}

static void
test_request_encode (void)
{
  static const guint8 data[] = { 0x80, 0xca, 0x9f, 0x7f, 0x00 };
  ScbPcscdMessage msg = { .command = SCB_PCSCD_TRANSMIT, .card = 9, .send_length = sizeof data };
  ScbPcscdMessage wait = { .command = SCB_PCSCD_WAIT_READER_STATE_CHANGE };
  g_autoptr (GBytes) bytes = scb_pcscd_request_encode (&msg, data, sizeof data);
  g_autoptr (GBytes) wait_bytes = scb_pcscd_request_encode (&wait, NULL, 0);
  const guint32 wait_expected[] = { 0, SCB_PCSCD_WAIT_READER_STATE_CHANGE };
  ScbPcscdMessage back;
  const guint8 *extra;
  gsize consumed;

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 8 + 32 + sizeof data);
  g_assert_true (scb_pcscd_request_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                           4, &back, &extra, &consumed, NULL));
  g_assert_cmpuint (consumed, ==, g_bytes_get_size (bytes));
  g_assert_cmpmem (&back, sizeof back, &msg, sizeof msg);
  g_assert_cmpmem (extra, back.send_length, data, sizeof data);
  g_assert_cmpmem (g_bytes_get_data (wait_bytes, NULL), g_bytes_get_size (wait_bytes),
                   wait_expected, sizeof wait_expected);
}

/* A sandbox's /.flatpak-info: [Application] name, nothing else. */
static void
test_flatpak_info (void)
{
  static const char info[] = "[Application]\nname=org.mozilla.firefox\nruntime=runtime/x\n\n"
                             "[Instance]\ninstance-id=123\n";
  static const char *const bad[] = {
    "",
    "[Instance]\nname=org.example.Wrong\n",
    "[Application]\nname=\n",
    "not a keyfile",
    "[Application]\nname=\xff\xfe\n",
  };
  g_autofree char *app = scb_pcscd_flatpak_app_from_info (info, strlen (info));

  g_assert_cmpstr (app, ==, "org.mozilla.firefox");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_null (scb_pcscd_flatpak_app_from_info (bad[i], strlen (bad[i])));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pcscd-codec/connect", test_connect);
  g_test_add_func ("/pcscd-codec/unterminated-name", test_unterminated_name);
  g_test_add_func ("/pcscd-codec/transmit", test_transmit);
  g_test_add_func ("/pcscd-codec/control-too-long", test_control_too_long);
  g_test_add_func ("/pcscd-codec/attrib", test_attrib);
  g_test_add_func ("/pcscd-codec/wrong-size", test_wrong_size);
  g_test_add_func ("/pcscd-codec/unknown", test_unknown);
  g_test_add_func ("/pcscd-codec/versions", test_versions);
  g_test_add_func ("/pcscd-codec/reader-events-reply", test_reader_events_reply);
  g_test_add_func ("/pcscd-codec/version", test_version);
  g_test_add_func ("/pcscd-codec/reader-state", test_reader_state);
  g_test_add_func ("/pcscd-codec/request-encode", test_request_encode);
  g_test_add_func ("/pcscd-peer/flatpak-info", test_flatpak_info);
  return g_test_run ();
}

/* test-sim-card.c: the cards' ISO 7816-4 application, the T=0 procedure and
 * the PIN pad's formatting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim-app.h"
#include "sim-card-t0.h"
#include "sim-pinpad.h"

/* Runs @hex (an APDU) and checks the answer's SW and data length. */
static GByteArray *
run (SimApp *app, const char *hex, guint16 sw, gssize data_len)
{
  g_autofree guint8 *apdu = NULL;
  gsize len = 0;
  GByteArray *r;
  g_auto (GStrv) bytes = g_strsplit (hex, " ", -1);

  apdu = g_new0 (guint8, g_strv_length (bytes));
  for (guint i = 0; bytes[i] != NULL; i++)
    apdu[len++] = (guint8) g_ascii_strtoull (bytes[i], NULL, 16);
  r = sim_app_process (app, apdu, len);
  g_assert_cmpuint (r->len, >=, 2);
  g_assert_cmphex ((guint) r->data[r->len - 2] << 8 | r->data[r->len - 1], ==, sw);
  if (data_len >= 0)
    g_assert_cmpuint (r->len - 2, ==, (gsize) data_len);
  return r;
}

static void
test_app (void)
{
  g_autoptr (SimApp) app = sim_app_new (0);
  g_autoptr (GByteArray) r = NULL;

  sim_app_reset (app);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 A4 04 00 07 F0 53 43 42 53 49 4D 00", 0x9000, 16);
  g_assert_cmphex (r->data[0], ==, 0x6F);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 A4 04 0C 07 F0 53 43 42 53 49 4E", 0x6A82, 0); /* other AID */
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 B0 00 00 10", 0x6986, 0); /* no EF yet */
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 A4 02 0C 02 01 01", 0x9000, 0);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 B0 00 00 00", 0x9000, 16); /* Le 00: all there is */
  g_assert_cmpmem (r->data, 16, "SCARDBUS SIM P0!", 16);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 B0 00 08 10", 0x6282, 8); /* end of file */
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 B0 00 10 01", 0x6B00, 0); /* past the end */
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 D6 00 02 03 AA BB CC", 0x9000, 0);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 B0 00 00 05", 0x9000, 5);
  g_assert_cmphex (r->data[2], ==, 0xAA);
  g_assert_cmphex (r->data[4], ==, 0xCC);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 D6 00 0F 02 01 02", 0x6B00, 0); /* would overflow */
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 A4 00 0C 02 01 02", 0x9000, 0);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 B0 0F 00 00 01 00", 0x9000, 256); /* extended Le, EF 0102 */
  g_assert_cmphex (r->data[0], ==, (0x0F00 % 251));
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 84 00 00 08", 0x9000, 8);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "80 EC 00 00 03 01 02 03 00", 0x9000, 3);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "80 E1 03 E8 00 00 00", 0x9000, 1000); /* LENGTH 1000 */
  g_assert_cmphex (r->data[999], ==, 999 & 0xFF);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "80 E1 01 00 10", 0x6282, 16); /* Le short of it */
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 FF 00 00", 0x6D00, 0);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "A0 A4 00 00", 0x6E00, 0);
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 A4 04 00 07 F0", 0x6700, 0); /* Lc lies */
  g_clear_pointer (&r, g_byte_array_unref);
  r = run (app, "00 A4", 0x6700, 0);
}

static void
test_mep_profiles (void)
{
  g_autoptr (SimApp) p0 = sim_app_new (0);
  g_autoptr (SimApp) p1 = sim_app_new (1);
  g_autoptr (GByteArray) r0 = run (p0, "00 A4 04 00 07 F0 53 43 42 53 49 4D 00", 0x9000, 16);
  g_autoptr (GByteArray) r1 = run (p1, "00 A4 04 00 07 F0 53 43 42 53 49 4D 00", 0x9000, 16);

  g_assert_cmphex (r0->data[15], ==, 0);
  g_assert_cmphex (r1->data[15], ==, 1);
}

/* ISO 7816-3 §12.2: 61xx then GET RESPONSE; 6Cxx then the same command. */
static void
test_t0 (void)
{
  g_autoptr (SimApp) app = sim_app_new (0);
  g_autoptr (SimT0Card) t0 = sim_t0_card_new (app);
  static const guint8 select_aid[12]
      = { 0x00, 0xA4, 0x04, 0x00, 0x07, 0xF0, 0x53, 0x43, 0x42, 0x53, 0x49, 0x4D };
  static const guint8 get_response_8[5] = { 0x00, 0xC0, 0x00, 0x00, 0x08 };
  static const guint8 get_response_20[5] = { 0x00, 0xC0, 0x00, 0x00, 0x20 };
  static const guint8 select_ef[7] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01 };
  static const guint8 read_00[5] = { 0x00, 0xB0, 0x00, 0x00, 0x00 };
  static const guint8 read_10[5] = { 0x00, 0xB0, 0x00, 0x00, 0x10 };
  static const guint8 short_tpdu[3] = { 0x00, 0xB0, 0x00 };
  g_autoptr (GByteArray) r = NULL;

  sim_app_reset (app);
  r = sim_t0_card_tpdu (t0, select_aid, sizeof select_aid);
  g_assert_cmpuint (r->len, ==, 2);
  g_assert_cmphex (r->data[0], ==, 0x61);
  g_assert_cmphex (r->data[1], ==, 0x10);
  /* GET RESPONSE in two parts: 8 bytes + 61 08, then the rest + 90 00 */
  g_clear_pointer (&r, g_byte_array_unref);
  r = sim_t0_card_tpdu (t0, get_response_8, sizeof get_response_8);
  g_assert_cmpuint (r->len, ==, 8 + 2);
  g_assert_cmphex (r->data[8], ==, 0x61);
  g_assert_cmphex (r->data[9], ==, 0x08);
  g_clear_pointer (&r, g_byte_array_unref);
  r = sim_t0_card_tpdu (t0, get_response_20, sizeof get_response_20);
  g_assert_cmphex (r->data[0], ==, 0x6C); /* asked too much */
  g_assert_cmphex (r->data[1], ==, 0x08);
  g_clear_pointer (&r, g_byte_array_unref);
  r = sim_t0_card_tpdu (t0, get_response_8, sizeof get_response_8);
  g_assert_cmpuint (r->len, ==, 8 + 2);
  g_assert_cmphex (r->data[8], ==, 0x90);

  g_clear_pointer (&r, g_byte_array_unref);
  r = sim_t0_card_tpdu (t0, select_ef, sizeof select_ef);
  g_assert_cmphex (r->data[0], ==, 0x90);
  g_clear_pointer (&r, g_byte_array_unref);
  r = sim_t0_card_tpdu (t0, read_00, sizeof read_00);
  g_assert_cmphex (r->data[0], ==, 0x6C);
  g_assert_cmphex (r->data[1], ==, 0x10);
  g_clear_pointer (&r, g_byte_array_unref);
  r = sim_t0_card_tpdu (t0, read_10, sizeof read_10);
  g_assert_cmpuint (r->len, ==, 16 + 2);
  g_assert_cmphex (r->data[16], ==, 0x90);

  g_clear_pointer (&r, g_byte_array_unref);
  r = sim_t0_card_tpdu (t0, short_tpdu, sizeof short_tpdu);
  g_assert_cmphex (r->data[0], ==, 0x67);
  g_clear_pointer (&r, g_byte_array_unref);
  r = sim_t0_card_tpdu (t0, get_response_8, sizeof get_response_8); /* nothing pending */
  g_assert_cmphex (r->data[0], ==, 0x6F);
}

/* VERIFY and CHANGE REFERENCE DATA of PIN 81: 3 tries, 63 Cx, 69 83. */
static void
test_pin (void)
{
  g_autoptr (SimApp) app = sim_app_new (0);

  g_byte_array_unref (run (app, "00 20 00 81", 0x63C3, 0));
  g_byte_array_unref (run (app, "00 20 00 81 08 31 32 33 35 FF FF FF FF", 0x63C2, 0));
  g_byte_array_unref (run (app, "00 20 00 81 08 31 32 33 34 FF FF FF FF", 0x9000, 0));
  g_byte_array_unref (run (app, "00 20 00 81", 0x9000, 0));
  g_byte_array_unref (run (app, "00 20 00 82 08 31 32 33 34 FF FF FF FF", 0x6A88, 0));
  g_byte_array_unref (run (app, "00 20 00 81 04 31 32 33 34", 0x6700, 0));
  /* change: current then new */
  g_byte_array_unref (
      run (app, "00 24 00 81 10 31 32 33 34 FF FF FF FF 39 38 37 36 35 FF FF FF", 0x9000, 0));
  g_byte_array_unref (run (app, "00 20 00 81 08 31 32 33 34 FF FF FF FF", 0x63C2, 0));
  g_byte_array_unref (run (app, "00 20 00 81 08 31 32 33 34 FF FF FF FF", 0x63C1, 0));
  g_byte_array_unref (run (app, "00 20 00 81 08 31 32 33 34 FF FF FF FF", 0x6983, 0));
  g_byte_array_unref (run (app, "00 20 00 81 08 39 38 37 36 35 FF FF FF", 0x6983, 0));
  g_byte_array_unref (run (app, "00 20 00 81", 0x6983, 0));
  /* a reset forgets the verification, not the tries */
  sim_app_reset (app);
}

static char *
hex_of (GByteArray *a)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < a->len; i++)
    g_string_append_printf (s, "%s%02X", i ? " " : "", a->data[i]);
  return g_string_free (s, FALSE);
}

/* Secure abData for a verification: bPINOperation 0, bTimeOut, the three
 * format bytes, wPINMaxExtraDigit (max, min), validation, messages, LANGID,
 * index, prologue, then @apdu_len bytes of @apdu. */
static SimPinpadResult
verify (guint8 format, guint8 block, guint8 length, const guint8 *apdu, gsize apdu_len,
        const char *typed, SimPinpadOutcome *out)
{
  guint8 data[64] = { 0x00, 0x00, format, block, length, 0x08, 0x04, 0x02,
                      0x01, 0x09, 0x04,   0x00,  0x00,   0x40, 0x0D };
  GQueue keypad = G_QUEUE_INIT;
  SimPinpadResult r;

  memcpy (data + 15, apdu, apdu_len);
  if (typed != NULL)
    g_queue_push_tail (&keypad, g_strdup (typed));
  r = sim_pinpad_run (data, 15 + apdu_len, &keypad, out);
  g_queue_clear_full (&keypad, g_free);
  return r;
}

static void
test_pinpad_format (void)
{
  static const guint8 ascii[]
      = { 0x00, 0x20, 0x00, 0x81, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
  /* ISO 9564 format 2: control nibble 2, the length, BCD digits, F filler */
  static const guint8 format2[]
      = { 0x00, 0x20, 0x00, 0x81, 0x08, 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
  SimPinpadOutcome out;
  g_autofree char *h1 = NULL;
  g_autofree char *h2 = NULL;
  g_autofree char *h3 = NULL;

  g_assert_cmpint (verify (0x82, 0x08, 0x00, ascii, sizeof ascii, "1234", &out), ==,
                   SIM_PINPAD_APDU);
  h1 = hex_of (out.apdu);
  g_assert_cmpstr (h1, ==, "00 20 00 81 08 31 32 33 34 FF FF FF FF");
  g_assert_cmpmem (out.prologue, 3, "\x00\x40\x0D", 3);
  g_byte_array_unref (out.apdu);

  /* bytes, position 1, BCD; a 4-bit length at bit 4 */
  g_assert_cmpint (verify (0x89, 0x47, 0x04, format2, sizeof format2, "1234", &out), ==,
                   SIM_PINPAD_APDU);
  h2 = hex_of (out.apdu);
  g_assert_cmpstr (h2, ==, "00 20 00 81 08 24 12 34 FF FF FF FF FF");
  g_byte_array_unref (out.apdu);

  /* right-justified in the 8 bytes */
  g_assert_cmpint (verify (0x86, 0x08, 0x00, ascii, sizeof ascii, "12345", &out), ==,
                   SIM_PINPAD_APDU);
  h3 = hex_of (out.apdu);
  g_assert_cmpstr (h3, ==, "00 20 00 81 08 FF FF FF 31 32 33 34 35");
  g_byte_array_unref (out.apdu);

  /* the pad's own answers and failures */
  g_assert_cmpint (verify (0x82, 0x08, 0x00, ascii, sizeof ascii, "123", &out), ==,
                   SIM_PINPAD_STATUS);
  g_assert_cmpmem (out.sw, 2, "\x64\x03", 2);
  g_assert_cmpint (verify (0x82, 0x08, 0x00, ascii, sizeof ascii, NULL, &out), ==,
                   SIM_PINPAD_FAILED);
  g_assert_cmpuint (out.error, ==, SIM_PINPAD_ERR_TIMEOUT);
  g_assert_cmpint (verify (0x82, 0x08, 0x00, ascii, sizeof ascii, "cancel", &out), ==,
                   SIM_PINPAD_FAILED);
  g_assert_cmpuint (out.error, ==, SIM_PINPAD_ERR_CANCELLED);
  /* the template too short for the block: bError 0C (bmFormatString) */
  g_assert_cmpint (verify (0x82, 0x08, 0x00, ascii, 9, "1234", &out), ==, SIM_PINPAD_FAILED);
  g_assert_cmpuint (out.error, ==, 0x0C);
  /* a block too small for the PIN: 0D (bmPINBlockString) */
  g_assert_cmpint (verify (0x82, 0x04, 0x00, ascii, sizeof ascii, "12345", &out), ==,
                   SIM_PINPAD_FAILED);
  g_assert_cmpuint (out.error, ==, 0x0D);
  g_assert_true (sim_pinpad_entry_valid ("0123456789"));
  g_assert_true (sim_pinpad_entry_valid ("cancel"));
  g_assert_false (sim_pinpad_entry_valid (""));
  g_assert_false (sim_pinpad_entry_valid ("12a4"));
  g_assert_false (sim_pinpad_entry_valid ("123456789012345678901234567890123"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/card/app", test_app);
  g_test_add_func ("/sim/card/mep-profiles", test_mep_profiles);
  g_test_add_func ("/sim/card/t0", test_t0);
  g_test_add_func ("/sim/card/pin", test_pin);
  g_test_add_func ("/sim/card/pinpad-format", test_pinpad_format);
  return g_test_run ();
}

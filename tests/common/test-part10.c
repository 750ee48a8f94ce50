/* test-part10.c: what a reader announces to PC/SC part 10 clients
 *
 * The expected bytes are libccid 1.5.2's answers under pcscd for the same
 * readers (the PC Twin's as issue 17 quotes them; the others measured with
 * tests/winscard/part10.c under scardbus-sim --host pcscd).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>

#include "scb-control.h"
#include "scb-part10.h"

static const ScbPart10Reader pc_twin = { 0x08E6, 0x3437, 0x0201, 0x000100BA, 0, 0 };
static const ScbPart10Reader cherry_st2000 = { 0x046A, 0x003E, 0x0100, 0x000404BA, 0, 0 };
static const ScbPart10Reader scr3310 = { 0x04E6, 0x5116, 0x0530, 0x000204BA, 0, 0 };
static const ScbPart10Reader leo = { 0x0F14, 0x003B, 0x0102, 0x000204BA, 0x0210, 3 };
static const ScbPart10Reader hp_keyboard = { 0x03F0, 0x1024, 0x0100, 0x000100BA, 0, 3 };

static char *
hex (GBytes *bytes)
{
  gsize n = 0;
  const guint8 *p = g_bytes_get_data (bytes, &n);
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02X", p[i]);
  return g_string_free (s, FALSE);
}

#define assert_hex(bytes, expected)                                                                \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_autoptr (GBytes) _b = (bytes);                                                               \
    g_autofree char *_h = hex (_b);                                                                \
    g_assert_cmpstr (_h, ==, (expected));                                                          \
  }                                                                                                \
  G_STMT_END

static void
test_features (void)
{
  assert_hex (scb_part10_features (&pc_twin, FALSE), "120442330012");
  assert_hex (scb_part10_features (&leo, FALSE), "060442330006070442330007"
                                                 "0A044233000A"
                                                 "120442330012");
  /* With the escape announced: FEATURE_CCID_ESC_COMMAND, SCARD_CTL_CODE(1). */
  assert_hex (scb_part10_features (&pc_twin, TRUE), "120442330012"
                                                    "130442000001");
  /* A keyboard whose PIN entry also reaches the host: no pad. */
  assert_hex (scb_part10_features (&hp_keyboard, FALSE), "120442330012");
  g_assert_cmpuint (scb_part10_pin_support (&hp_keyboard), ==, 0);
  g_assert_cmpuint (scb_part10_pin_support (&leo), ==, 3);
}

static void
test_tlv (void)
{
  static const guint8 firmware[] = { 0x02 };
  g_autoptr (GBytes) fw = g_bytes_new_static (firmware, sizeof firmware);

  /* Issue 17: the PC Twin under pcscd (the sim's escape echoes 02). */
  g_assert_true (scb_part10_wants_firmware_id (&pc_twin));
  assert_hex (scb_part10_tlv_properties (&pc_twin, FALSE, fw), "01020000"
                                                               "030100"
                                                               "080102"
                                                               "090100"
                                                               "0B02E608"
                                                               "0C023734"
                                                               "0A0400000100");
  /* No answer to the escape: no sFirmwareID. */
  assert_hex (scb_part10_tlv_properties (&pc_twin, FALSE, NULL), "01020000"
                                                                 "030100"
                                                                 "090100"
                                                                 "0B02E608"
                                                                 "0C023734"
                                                                 "0A0400000100");
  /* Cherry ST-2000: its PIN sizes; extended APDUs. */
  g_assert_false (scb_part10_wants_firmware_id (&cherry_st2000));
  assert_hex (scb_part10_tlv_properties (&cherry_st2000, FALSE, NULL), "01020000"
                                                                       "030100"
                                                                       "060100"
                                                                       "070119"
                                                                       "020102"
                                                                       "090100"
                                                                       "0B026A04"
                                                                       "0C023E00"
                                                                       "0A0400000100");
  /* Short APDUs only: dwMaxAPDUDataSize 0. */
  assert_hex (scb_part10_tlv_properties (&scr3310, FALSE, NULL), "01020000"
                                                                 "030100"
                                                                 "090100"
                                                                 "0B02E604"
                                                                 "0C021651"
                                                                 "0A0400000000");
  /* A display: 16 characters, 2 lines. */
  assert_hex (scb_part10_tlv_properties (&leo, FALSE, NULL), "01021002"
                                                             "04021000"
                                                             "05020200"
                                                             "030100"
                                                             "090100"
                                                             "0B02140F"
                                                             "0C023B00"
                                                             "0A0400000000");
  assert_hex (scb_part10_tlv_properties (&leo, TRUE, NULL), "01021002"
                                                            "04021000"
                                                            "05020200"
                                                            "030100"
                                                            "090101"
                                                            "0B02140F"
                                                            "0C023B00"
                                                            "0A0400000000");
}

static void
test_pin_properties (void)
{
  assert_hex (scb_part10_pin_properties (&leo), "10020700");
  assert_hex (scb_part10_pin_properties (&cherry_st2000), "00000200");
}

static void
test_find_property (void)
{
  g_autoptr (GBytes) tlv = scb_part10_tlv_properties (&cherry_st2000, FALSE, NULL);
  gsize n = 0;
  const guint8 *p = g_bytes_get_data (tlv, &n);
  static const guint8 truncated[] = { 0x0A, 0x04, 0x00, 0x00 };
  static const guint8 too_wide[] = { 0x08, 0x05, 1, 2, 3, 4, 5 };
  guint32 value = 0;

  g_assert_true (scb_part10_find_property (p, n, SCB_PROPERTY_MAX_APDU_DATA_SIZE, &value));
  g_assert_cmpuint (value, ==, 0x10000);
  g_assert_true (scb_part10_find_property (p, n, SCB_PROPERTY_MAX_PIN_SIZE, &value));
  g_assert_cmpuint (value, ==, 25);
  g_assert_true (scb_part10_find_property (p, n, SCB_PROPERTY_ID_VENDOR, &value));
  g_assert_cmpuint (value, ==, 0x046A);
  g_assert_false (scb_part10_find_property (p, n, SCB_PROPERTY_FIRMWARE_ID, &value));
  g_assert_false (scb_part10_find_property (truncated, sizeof truncated,
                                            SCB_PROPERTY_MAX_APDU_DATA_SIZE, &value));
  g_assert_false (
      scb_part10_find_property (too_wide, sizeof too_wide, SCB_PROPERTY_FIRMWARE_ID, &value));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/part10/features", test_features);
  g_test_add_func ("/part10/tlv", test_tlv);
  g_test_add_func ("/part10/pin-properties", test_pin_properties);
  g_test_add_func ("/part10/find-property", test_find_property);
  return g_test_run ();
}

/* test-ccid-descriptor.c: the CCID class descriptor and endpoint parsers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <string.h>

#include "ccid-descriptor.h"
#include "ccid-message.h"

/* Real class descriptors, from libccid's readers/ text dumps (rebuilt byte
 * by byte) and from the umockdev spike (08e6:3437 at short-APDU level). */
static const guint8 desc_gemalto_pc_twin_spike[] = {
  0x36, 0x21, 0x10, 0x01, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00, 0xa0, 0x0f, 0x00, 0x00,
  0xa0, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x16, 0x40, 0x05, 0x00, 0x00,
  0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xba, 0x00,
  0x02, 0x00, 0x0f, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
};
static const guint8 desc_gempc_twin[] = {
  0x36, 0x21, 0x00, 0x01, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00, 0xa0, 0x0f, 0x00, 0x00,
  0xa0, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x16, 0x40, 0x05, 0x00, 0x00,
  0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x02,
  0x01, 0x00, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};
static const guint8 desc_gempc_pinpad[] = {
  0x36, 0x21, 0x00, 0x01, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00, 0xa0, 0x0f, 0x00, 0x00,
  0xa0, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x20, 0xa1, 0x07, 0x00, 0x00,
  0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x02,
  0x01, 0x00, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01,
};
static const guint8 desc_gemcore_sim_pro[] = {
  0x36, 0x21, 0x00, 0x01, 0x01, 0x07, 0x03, 0x00, 0x00, 0x00, 0xa0, 0x0f, 0x00, 0x00,
  0xa0, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x20, 0xa1, 0x07, 0x00, 0x00,
  0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x02,
  0x01, 0x00, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};
static const guint8 desc_acs_acr39u[] = {
  0x36, 0x21, 0x10, 0x01, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00, 0xc0, 0x12, 0x00, 0x00,
  0x80, 0x3e, 0x00, 0x00, 0x00, 0x67, 0x32, 0x00, 0x00, 0x90, 0x9a, 0x0c, 0x00, 0x00,
  0xf7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb2, 0x00,
  0x01, 0x00, 0x0f, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
};
static const guint8 desc_scm_scr331_di[] = {
  0x36, 0x21, 0x00, 0x01, 0x01, 0x01, 0x03, 0x00, 0x00, 0x00, 0xa0, 0x0f, 0x00, 0x00,
  0xe0, 0x2e, 0x00, 0x00, 0x00, 0x80, 0x25, 0x00, 0x00, 0x00, 0xb0, 0x04, 0x00, 0x00,
  0xfc, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xba, 0x00,
  0x01, 0x00, 0x07, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
};
static const guint8 desc_yubikey_4[] = {
  0x36, 0x21, 0x00, 0x01, 0x00, 0x07, 0x02, 0x00, 0x00, 0x00, 0xa0, 0x0f, 0x00, 0x00,
  0xa0, 0x0f, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x04, 0x00, 0x00, 0xb0, 0x04, 0x00, 0x00,
  0xf6, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x00,
  0x04, 0x00, 0x00, 0x0c, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
};

typedef struct
{
  const char *name;
  const guint8 *bytes;
  CcidExchangeLevel level;
  unsigned n_slots;
  guint32 message_length;
  guint8 ifsd;
  guint32 protocols;
} RealDescriptor;

static const RealDescriptor real_descriptors[] = {
  { "spike", desc_gemalto_pc_twin_spike, CCID_LEVEL_SHORT_APDU, 1, 271, 254, 3 },
  { "gempc-twin", desc_gempc_twin, CCID_LEVEL_TPDU, 1, 271, 254, 3 },
  { "gempc-pinpad", desc_gempc_pinpad, CCID_LEVEL_TPDU, 1, 271, 254, 3 },
  { "gemcore-sim-pro", desc_gemcore_sim_pro, CCID_LEVEL_TPDU, 2, 271, 254, 3 },
  { "acr39u", desc_acs_acr39u, CCID_LEVEL_TPDU, 1, 271, 247, 3 },
  /* 263-byte messages: the IFSD must shrink so a CRC block fits */
  { "scr331-di", desc_scm_scr331_di, CCID_LEVEL_TPDU, 2, 263, 248, 3 },
  { "yubikey-4", desc_yubikey_4, CCID_LEVEL_EXTENDED_APDU, 1, 3072, 254, 2 },
};

static void
test_descriptor_real (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (real_descriptors); i++)
    {
      const RealDescriptor *r = &real_descriptors[i];
      CcidDescriptor d;
      const char *reason = NULL;

      g_test_message ("%s", r->name);
      g_assert_true (ccid_descriptor_parse (r->bytes, 54, &d, &reason));
      g_assert_null (reason);
      g_assert_cmpint (d.level, ==, r->level);
      g_assert_cmpuint (d.n_slots, ==, r->n_slots);
      g_assert_cmpuint (d.message_length, ==, r->message_length);
      g_assert_cmpuint (d.ifsd, ==, r->ifsd);
      g_assert_cmpuint (d.protocols, ==, r->protocols);
      g_assert_cmpuint (d.max_busy_slots, ==, 1);
    }
}

static void
test_descriptor_fields (void)
{
  CcidDescriptor d;

  g_assert_true (ccid_descriptor_parse (desc_acs_acr39u, 54, &d, NULL));
  g_assert_cmphex (d.bcd_ccid, ==, 0x0110);
  g_assert_cmphex (d.voltage_support, ==, CCID_VOLTAGE_5V | CCID_VOLTAGE_3V | CCID_VOLTAGE_1V8);
  g_assert_cmpuint (d.default_clock, ==, 4800);
  g_assert_cmpuint (d.maximum_clock, ==, 16000);
  g_assert_cmpuint (d.data_rate, ==, 12903);
  g_assert_cmpuint (d.max_data_rate, ==, 826000);
  g_assert_cmpuint (d.max_ifsd, ==, 247);
  g_assert_true (d.features & CCID_FEATURE_AUTO_PARAM_ATR);
  g_assert_true (d.features & CCID_FEATURE_AUTO_PPS_CURRENT);
  g_assert_false (d.features & CCID_FEATURE_AUTO_IFSD);
  g_assert_false (d.features & CCID_FEATURE_AUTO_VOLTAGE);
  g_assert_cmphex (d.class_get_response, ==, 0xff);

  g_assert_true (ccid_descriptor_parse (desc_gempc_pinpad, 54, &d, NULL));
  g_assert_cmphex (d.pin_support, ==, CCID_PIN_VERIFY | CCID_PIN_MODIFY);
  g_assert_true (d.features & CCID_FEATURE_NAD_NOT_ZERO);

  g_assert_true (ccid_descriptor_parse (desc_yubikey_4, 54, &d, NULL));
  g_assert_cmpuint (d.max_ifsd, ==, 2038);
  g_assert_true (d.features & CCID_FEATURE_AUTO_ACTIVATION);
  g_assert_true (d.features & CCID_FEATURE_AUTO_PPS_ATR);

  g_assert_cmpstr (ccid_exchange_level_to_string (CCID_LEVEL_CHARACTER), ==, "character");
  g_assert_cmpstr (ccid_exchange_level_to_string (CCID_LEVEL_TPDU), ==, "tpdu");
  g_assert_cmpstr (ccid_exchange_level_to_string (CCID_LEVEL_SHORT_APDU), ==, "short-apdu");
  g_assert_cmpstr (ccid_exchange_level_to_string (CCID_LEVEL_EXTENDED_APDU), ==, "extended-apdu");
}

static void
set_le32 (guint8 *p, guint32 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

static void
expect_rejected (const guint8 *bytes, gsize len, const char *why)
{
  const char *reason = NULL;
  CcidDescriptor d;

  g_assert_false (ccid_descriptor_parse (bytes, len, &d, &reason));
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, why));
}

static void
test_descriptor_malformed (void)
{
  guint8 b[64];
  CcidDescriptor d;

  expect_rejected (NULL, 0, "missing");
  expect_rejected (desc_gempc_twin, 1, "missing");
  expect_rejected (desc_gempc_twin, 53, "truncated");

  memcpy (b, desc_gempc_twin, 54);
  b[1] = 0x24;
  expect_rejected (b, 54, "bDescriptorType");

  memcpy (b, desc_gempc_twin, 54);
  b[0] = 0x35;
  expect_rejected (b, 54, "bLength");

  /* bLength longer than what was handed in */
  memcpy (b, desc_gempc_twin, 54);
  b[0] = 0x38;
  expect_rejected (b, 54, "truncated");
  /* ... and a longer descriptor whose bytes are all there is fine */
  memset (b + 54, 0, 2);
  g_assert_true (ccid_descriptor_parse (b, 56, NULL, NULL));

  memcpy (b, desc_gempc_twin, 54);
  b[4] = 16;
  expect_rejected (b, 54, "bMaxSlotIndex");
  b[4] = 15;
  g_assert_true (ccid_descriptor_parse (b, 54, NULL, NULL));

  memcpy (b, desc_gempc_twin, 54);
  set_le32 (b + 6, 0x300); /* MySMART PAD: neither T=0 nor T=1, served */
  g_assert_true (ccid_descriptor_parse (b, 54, &d, NULL));
  g_assert_cmphex (d.protocols, ==, 0x300);

  memcpy (b, desc_gempc_twin, 54);
  set_le32 (b + 40, 0x00030000);
  expect_rejected (b, 54, "more than one exchange level");

  memcpy (b, desc_gempc_twin, 54);
  set_le32 (b + 44, 63);
  expect_rejected (b, 54, "below 64");
  set_le32 (b + 44, 0xffffffff);
  expect_rejected (b, 54, "absurd");
  set_le32 (b + 44, 0x100000);
  g_assert_true (ccid_descriptor_parse (b, 54, NULL, NULL));

  /* tolerated as libccid does: an extended-APDU reader below 271 bytes
   * (Gnuk: 64), a default clock above the maximum (Feitian R701) */
  memcpy (b, desc_yubikey_4, 54);
  set_le32 (b + 44, 64);
  g_assert_true (ccid_descriptor_parse (b, 54, &d, NULL));
  g_assert_cmpint (d.level, ==, CCID_LEVEL_EXTENDED_APDU);
  g_assert_cmpuint (d.message_length, ==, 64);

  memcpy (b, desc_gempc_twin, 54);
  set_le32 (b + 10, 4000);
  set_le32 (b + 14, 3850);
  g_assert_true (ccid_descriptor_parse (b, 54, &d, NULL));
  g_assert_cmpuint (d.default_clock, ==, 4000);

  memcpy (b, desc_gempc_twin, 54);
  set_le32 (b + 19, 400000);
  expect_rejected (b, 54, "dwDataRate");
}

static void
test_descriptor_derived (void)
{
  guint8 b[54];
  CcidDescriptor d;

  /* character level, no IFSD, no busy slots, a huge message length */
  memcpy (b, desc_gempc_twin, 54);
  set_le32 (b + 40, 0x00000000);
  set_le32 (b + 28, 0);
  set_le32 (b + 44, 0x80000);
  b[53] = 0;
  g_assert_true (ccid_descriptor_parse (b, 54, &d, NULL));
  g_assert_cmpint (d.level, ==, CCID_LEVEL_CHARACTER);
  g_assert_cmpuint (d.ifsd, ==, 32);
  g_assert_cmpuint (d.max_busy_slots, ==, 1);
  g_assert_cmpuint (d.max_message_length, ==, 0x80000);
  g_assert_cmpuint (d.message_length, ==, CCID_MAX_MESSAGE_LENGTH);

  /* a tiny message length bounds the IFSD: 64 - 10 - 5 */
  set_le32 (b + 28, 254);
  set_le32 (b + 44, 64);
  g_assert_true (ccid_descriptor_parse (b, 54, &d, NULL));
  g_assert_cmpuint (d.ifsd, ==, 49);
}

static void
test_interface_kind (void)
{
  g_assert_cmpint (ccid_interface_kind (0x0b, 0, NULL, 0), ==, CCID_INTERFACE_BULK);
  g_assert_cmpint (ccid_interface_kind (0x0b, 1, NULL, 0), ==, CCID_INTERFACE_ICCD_A);
  g_assert_cmpint (ccid_interface_kind (0x0b, 2, NULL, 0), ==, CCID_INTERFACE_ICCD_B);
  g_assert_cmpint (ccid_interface_kind (0x0b, 3, NULL, 0), ==, CCID_INTERFACE_NONE);
  /* vendor class: a reader only with a CCID class descriptor (libccid) */
  g_assert_cmpint (ccid_interface_kind (0xff, 0, desc_gempc_twin, 54), ==, CCID_INTERFACE_BULK);
  g_assert_cmpint (ccid_interface_kind (0xff, 1, desc_gempc_twin, 54), ==, CCID_INTERFACE_ICCD_A);
  g_assert_cmpint (ccid_interface_kind (0xff, 0, NULL, 0), ==, CCID_INTERFACE_NONE);
  g_assert_cmpint (ccid_interface_kind (0xff, 0, desc_gempc_twin, 53), ==, CCID_INTERFACE_NONE);
  g_assert_cmpint (ccid_interface_kind (0x03, 0, desc_gempc_twin, 54), ==, CCID_INTERFACE_NONE);
}

static void
test_descriptor_find (void)
{
  /* The spike's interface: interface descriptor, class descriptor, endpoints;
   * libusb hands the class descriptor over as the interface's "extra". */
  guint8 extra[9 + 54 + 7];
  const guint8 *found;
  gsize len = 0;

  memset (extra, 0, sizeof extra);
  extra[0] = 9;
  extra[1] = 0x24; /* some other class-specific descriptor first */
  memcpy (extra + 9, desc_gemalto_pc_twin_spike, 54);
  memcpy (extra + 63, (const guint8[]){ 0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00 }, 7);
  found = ccid_descriptor_find (extra, sizeof extra, &len);
  g_assert_true (found == extra + 9);
  g_assert_cmpuint (len, ==, 54);

  g_assert_null (ccid_descriptor_find (extra, 9, &len));
  g_assert_null (ccid_descriptor_find (extra, 40, &len)); /* cut in the middle */
  extra[0] = 0;                                           /* a zero bLength stops the walk */
  g_assert_null (ccid_descriptor_find (extra, sizeof extra, &len));
  extra[0] = 1;
  g_assert_null (ccid_descriptor_find (extra, sizeof extra, &len));
  g_assert_null (ccid_descriptor_find (NULL, 0, &len));
}

static void
test_endpoints (void)
{
  const CcidEndpointInfo spike[] = {
    { 0x01, 0x02, 64 },
    { 0x82, 0x02, 64 },
    { 0x83, 0x03, 8 },
  };
  const CcidEndpointInfo no_int[] = { { 0x81, 0x02, 512 }, { 0x02, 0x02, 512 } };
  const CcidEndpointInfo no_out[] = { { 0x81, 0x02, 64 }, { 0x83, 0x03, 8 } };
  CcidEndpoints e;
  const char *reason = NULL;

  g_assert_true (ccid_endpoints_pick (spike, G_N_ELEMENTS (spike), &e, &reason));
  g_assert_cmphex (e.bulk_out, ==, 0x01);
  g_assert_cmphex (e.bulk_in, ==, 0x82);
  g_assert_cmphex (e.interrupt_in, ==, 0x83);
  g_assert_cmpuint (e.interrupt_packet_size, ==, 8);

  g_assert_true (ccid_endpoints_pick (no_int, G_N_ELEMENTS (no_int), &e, NULL));
  g_assert_cmphex (e.bulk_in, ==, 0x81);
  g_assert_cmphex (e.bulk_out, ==, 0x02);
  g_assert_cmphex (e.interrupt_in, ==, 0);
  g_assert_cmpuint (e.bulk_in_packet_size, ==, 512);

  g_assert_false (ccid_endpoints_pick (no_out, G_N_ELEMENTS (no_out), &e, &reason));
  g_assert_nonnull (reason);
  g_assert_false (ccid_endpoints_pick (NULL, 0, &e, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ccid/descriptor/real", test_descriptor_real);
  g_test_add_func ("/ccid/descriptor/fields", test_descriptor_fields);
  g_test_add_func ("/ccid/descriptor/malformed", test_descriptor_malformed);
  g_test_add_func ("/ccid/descriptor/derived", test_descriptor_derived);
  g_test_add_func ("/ccid/descriptor/find", test_descriptor_find);
  g_test_add_func ("/ccid/descriptor/interface-kind", test_interface_kind);
  g_test_add_func ("/ccid/descriptor/endpoints", test_endpoints);
  return g_test_run ();
}

/* test-pps.c: PPS request and response (ISO/IEC 7816-3 §9)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>

#include "pps.h"

static void
test_build (void)
{
  uint8_t out[PPS_MAX_LEN];
  size_t len = 0;
  pps_request req = { .protocol = 1, .has_pps1 = true, .pps1 = 0x13 };
  static const uint8_t t1_13[] = { 0xFF, 0x11, 0x13, 0xFD };
  static const uint8_t t0_96[] = { 0xFF, 0x10, 0x96, 0x79 };
  static const uint8_t t1_bare[] = { 0xFF, 0x01, 0xFE };
  static const uint8_t t0_n[] = { 0xFF, 0x30, 0x18, 0x02, 0xD5 };

  /* T=1, Fi 372 Di 4: FF 11 13 FD */
  g_assert_cmpint (pps_build (&req, out, sizeof out, &len), ==, PPS_OK);
  g_assert_cmpmem (out, len, t1_13, sizeof t1_13);

  /* T=0, Fi 512 Di 32: FF 10 96 79 */
  req = (pps_request){ .protocol = 0, .has_pps1 = true, .pps1 = 0x96 };
  g_assert_cmpint (pps_build (&req, out, sizeof out, &len), ==, PPS_OK);
  g_assert_cmpmem (out, len, t0_96, sizeof t0_96);

  /* T=1 without PPS1: FF 01 FE */
  req = (pps_request){ .protocol = 1 };
  g_assert_cmpint (pps_build (&req, out, sizeof out, &len), ==, PPS_OK);
  g_assert_cmpmem (out, len, t1_bare, sizeof t1_bare);

  /* with PPS2 (N = 2) */
  req = (pps_request){
    .protocol = 0, .has_pps1 = true, .pps1 = 0x18, .has_pps2 = true, .pps2 = 0x02
  };
  g_assert_cmpint (pps_build (&req, out, sizeof out, &len), ==, PPS_OK);
  g_assert_cmpmem (out, len, t0_n, sizeof t0_n);

  /* bad arguments */
  req = (pps_request){ .protocol = 15 };
  g_assert_cmpint (pps_build (&req, out, sizeof out, &len), ==, PPS_ERR_ARGS);
  req = (pps_request){ .protocol = 1, .has_pps1 = true, .pps1 = 0x11 };
  g_assert_cmpint (pps_build (&req, out, 3, &len), ==, PPS_ERR_ARGS);
  g_assert_cmpint (pps_build (NULL, out, sizeof out, &len), ==, PPS_ERR_ARGS);
}

static void
test_responses (void)
{
  pps_request req = { .protocol = 1, .has_pps1 = true, .pps1 = 0x13 };
  static const uint8_t echo[] = { 0xFF, 0x11, 0x13, 0xFD };
  static const uint8_t no_pps1[] = { 0xFF, 0x01, 0xFE };
  static const uint8_t other_pps1[] = { 0xFF, 0x11, 0x12, 0xFC };
  static const uint8_t other_t[] = { 0xFF, 0x10, 0x13, 0xFC };
  static const uint8_t bad_pck[] = { 0xFF, 0x11, 0x13, 0xFC };
  static const uint8_t bad_ppss[] = { 0xFE, 0x11, 0x13, 0xFC };
  static const uint8_t extra_pps2[] = { 0xFF, 0x31, 0x13, 0x00, 0xDD };
  static const uint8_t with_pps3[] = { 0xFF, 0x51, 0x13, 0x00, 0xBD };
  static const uint8_t rfu[] = { 0xFF, 0x91, 0x13, 0x7D };
  static const uint8_t trailing[] = { 0xFF, 0x11, 0x13, 0xFD, 0x00 };

  g_assert_cmpint (pps_check_response (&req, echo, sizeof echo), ==, PPS_OK);
  g_assert_true (pps_succeeded (PPS_OK));
  /* ISO 7816-3 §9.3: PPS1 absent in the response: Fd, Dd */
  g_assert_cmpint (pps_check_response (&req, no_pps1, sizeof no_pps1), ==, PPS_OK_DEFAULT_FD);
  g_assert_true (pps_succeeded (PPS_OK_DEFAULT_FD));
  g_assert_cmpint (pps_check_response (&req, other_pps1, sizeof other_pps1), ==, PPS_ERR_PPS1);
  g_assert_cmpint (pps_check_response (&req, other_t, sizeof other_t), ==, PPS_ERR_PROTOCOL);
  g_assert_cmpint (pps_check_response (&req, bad_pck, sizeof bad_pck), ==, PPS_ERR_PCK);
  g_assert_cmpint (pps_check_response (&req, bad_ppss, sizeof bad_ppss), ==, PPS_ERR_PPSS);
  g_assert_cmpint (pps_check_response (&req, extra_pps2, sizeof extra_pps2), ==, PPS_ERR_PPS2);
  g_assert_cmpint (pps_check_response (&req, with_pps3, sizeof with_pps3), ==, PPS_ERR_PPS3);
  g_assert_cmpint (pps_check_response (&req, rfu, sizeof rfu), ==, PPS_ERR_RFU);
  g_assert_cmpint (pps_check_response (&req, trailing, sizeof trailing), ==, PPS_ERR_LONG);
  g_assert_false (pps_succeeded (PPS_ERR_PPS1));

  /* every truncation */
  for (size_t n = 0; n < sizeof echo; n++)
    g_assert_cmpint (pps_check_response (&req, echo, n), ==, PPS_ERR_SHORT);

  /* a PPS1 the request did not carry */
  req = (pps_request){ .protocol = 1 };
  g_assert_cmpint (pps_check_response (&req, echo, sizeof echo), ==, PPS_ERR_PPS1);
  g_assert_cmpint (pps_check_response (&req, no_pps1, sizeof no_pps1), ==, PPS_OK);

  /* PPS2 requested: must be echoed */
  {
    static const uint8_t t0_n[] = { 0xFF, 0x30, 0x18, 0x02, 0xD5 };
    static const uint8_t t0_no_n[] = { 0xFF, 0x10, 0x18, 0xF7 };
    req = (pps_request){
      .protocol = 0, .has_pps1 = true, .pps1 = 0x18, .has_pps2 = true, .pps2 = 0x02
    };
    g_assert_cmpint (pps_check_response (&req, t0_n, sizeof t0_n), ==, PPS_OK);
    g_assert_cmpint (pps_check_response (&req, t0_no_n, sizeof t0_no_n), ==, PPS_ERR_PPS2);
  }
  g_assert_cmpint (pps_check_response (NULL, echo, sizeof echo), ==, PPS_ERR_ARGS);
}

static void
test_roundtrip (void)
{
  /* Every protocol and every PPS1: the request echoed back succeeds. */
  for (unsigned t = 0; t < 15; t++)
    for (unsigned p1 = 0; p1 < 256; p1++)
      {
        pps_request req = { .protocol = (uint8_t) t, .has_pps1 = true, .pps1 = (uint8_t) p1 };
        uint8_t out[PPS_MAX_LEN];
        size_t len;

        g_assert_cmpint (pps_build (&req, out, sizeof out, &len), ==, PPS_OK);
        g_assert_cmpint (pps_check_response (&req, out, len), ==, PPS_OK);
      }
  for (int i = 0; i <= PPS_ERR_LAST_; i++)
    g_assert_nonnull (pps_strerror ((pps_status) i));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/proto/pps/build", test_build);
  g_test_add_func ("/proto/pps/responses", test_responses);
  g_test_add_func ("/proto/pps/roundtrip", test_roundtrip);
  return g_test_run ();
}

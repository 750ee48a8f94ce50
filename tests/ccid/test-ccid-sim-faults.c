/* test-ccid-sim-faults.c: the device layer against scardbus-sim's readers
 * and cards when things go wrong: card faults the T=1 engine recovers
 * from, a card deactivated or a hardware error in the middle of a chained
 * exchange, a reader that refuses blocks, endless waiting time and time
 * extension requests, endless empty chained blocks, stalled and failing
 * pipes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <string.h>

#include "ccid-device.h"
#include "ccid-sim-fixture.h"
#include "scb-error.h"
#include "sim-app.h"
#include "t1.h"

/* 4096 bytes back: at IFSD 254, 17 chained I-blocks from the card. */
static const guint8 length_4k[7] = { 0x80, SIM_APP_INS_LENGTH, 0x10, 0x00, 0x00, 0x00, 0x00 };

static void
fault (Fixture *f, SimFault kind)
{
  bed_op (f, BED_FAULT, 0, kind);
}

static void
run_for (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, ccid_test_expire, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_faults_recovered (Fixture *f, gconstpointer data)
{
  wait_powered (f, 0);
  fault (f, SIM_FAULT_BAD_EDC);
  assert_select_works (f);
  fault (f, SIM_FAULT_WTX);
  assert_select_works (f);
  fault (f, SIM_FAULT_IFS);
  assert_echo (f, 200);
}

static void
test_fault_drop (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;
  gint64 start;

  wait_powered (f, 0);
  /* One lost block: ISO 7816-3 §11.6.3 recovery (R-block) saves the APDU. */
  fault (f, SIM_FAULT_DROP);
  assert_select_works (f);
  /* A card that stops answering: NotTransacted, as pcsc-lite says. */
  bed_op_n (f, BED_FAULT, 0, SIM_FAULT_DROP, 7);
  start = g_get_monotonic_time ();
  r = transmit (f, select_aid, sizeof select_aid, &error);
  g_test_message ("gave up after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED);
  /* and the next APDU works */
  assert_select_works (f);
}

static void
test_fault_stall (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f, 0);
  fault (f, SIM_FAULT_STALL);
  r = transmit (f, select_aid, sizeof select_aid, &error);
  /* the T=1 engine may recover the lost block on its own */
  if (r == NULL)
    g_assert_true (error->domain == SCB_ERROR);
  /* the halt was cleared (the sim's endpoint stays halted until then) */
  assert_select_works (f);
  assert_length_works (f, 4096);
}

static void
test_fault_hw_error (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f, 0);
  fault (f, SIM_FAULT_HW_ERROR);
  WAIT_FOR (ccid_slot_get_state (slot (f, 0)) == CCID_SLOT_PRESENT, 3000);
  r = transmit (f, select_aid, sizeof select_aid, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_UNPOWERED_CARD);
  power_on (f, 0);
  assert_select_works (f);
}

static void
test_fault_remove_mid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f, 0);
  fault (f, SIM_FAULT_REMOVE_MID);
  r = transmit (f, select_aid, sizeof select_aid, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_REMOVED_CARD);
  WAIT_FOR (ccid_slot_get_state (slot (f, 0)) == CCID_SLOT_ABSENT, 3000);
}

static void
test_fault_unplug_mid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;
  g_autoptr (CcidSlot) s = g_object_ref (slot (f, 0));

  wait_powered (f, 0);
  fault (f, SIM_FAULT_UNPLUG_MID);
  r = transmit (f, select_aid, sizeof select_aid, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE);
  WAIT_FOR (f->removed == 1, 3000);
  g_assert_cmpint (ccid_slot_get_state (s), ==, CCID_SLOT_ABSENT);
}

/* The card is unpowered behind the exchange's back in the middle of a
 * chained 4 KiB answer (a HardwareError on the interrupt pipe, or the
 * reader's answer saying the card is inactive): the exchange fails with
 * UnpoweredCard, nothing of the old card's T=1 state is used again (ASan
 * and valgrind watch), the slot is PRESENT, and after a power on the next
 * APDU works. Several times, at different points of the chain. */
static void
deactivated_mid_chain (Fixture *f, SimFault kind)
{
  wait_powered (f, 0);
  assert_length_works (f, 4096);
  for (guint round = 0; round < 6; round++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GError) unpowered = NULL;
      g_autoptr (GBytes) r = NULL;
      g_autoptr (GBytes) r2 = NULL;

      bed_fault_later (f, kind, 1, 3 + 2 * round);
      r = transmit (f, length_4k, sizeof length_4k, &error);
      g_assert_null (r);
      g_assert_error (error, SCB_ERROR, SCB_ERROR_UNPOWERED_CARD);
      g_test_message ("round %u: %s", round, error->message);
      g_assert_cmpint (ccid_slot_get_state (slot (f, 0)), ==, CCID_SLOT_PRESENT);
      g_assert_cmpint (ccid_slot_get_active_protocol (slot (f, 0)), ==, -1);
      r2 = transmit (f, select_aid, sizeof select_aid, &unpowered);
      g_assert_error (unpowered, SCB_ERROR, SCB_ERROR_UNPOWERED_CARD);
      power_on (f, 0);
      assert_length_works (f, 4096);
    }
  g_assert_cmpuint (bed_faults_injected (f, 0), ==, 6);
}

static void
test_hw_error_mid_chain (Fixture *f, gconstpointer data)
{
  deactivated_mid_chain (f, SIM_FAULT_HW_ERROR);
}

static void
test_inactive_mid_chain (Fixture *f, gconstpointer data)
{
  deactivated_mid_chain (f, SIM_FAULT_INACTIVE_MID);
}

/* ISO 7816-3 §11.6.3: a failure the reader reports in the middle of an
 * exchange (here CMD_SLOT_BUSY: the card never saw the block) is met like
 * a lost block: retransmission, resynchronisation, then an error; the NAD
 * is never left half-way. */
static void
test_busy_mid_chain (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f, 0);
  assert_length_works (f, 4096);
  for (guint round = 0; round < 4; round++)
    {
      bed_fault_later (f, SIM_FAULT_BUSY, 1, 2 + 3 * round);
      assert_length_works (f, 4096);
    }
  g_assert_cmpuint (bed_faults_injected (f, 0), ==, 4);
  /* refused every time: 3 R-blocks, 3 S(RESYNCH request), NotTransacted */
  bed_fault_later (f, SIM_FAULT_BUSY, 7, 5);
  r = transmit (f, length_4k, sizeof length_4k, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "busy"));
  g_assert_cmpuint (bed_faults_injected (f, 0), ==, 4 + 7);
  /* the next exchange starts with S(RESYNCH request) and works */
  assert_length_works (f, 4096);
  assert_select_works (f);
}

/* ISO 7816-3 §11.6.2.2: a card that asks for more time without end is cut
 * off after T1_DEFAULT_MAX_WTX requests; the next APDU works. */
static void
test_wtx_endless (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f, 0);
  bed_op_n (f, BED_FAULT, 0, SIM_FAULT_WTX, T1_DEFAULT_MAX_WTX + 10);
  r = transmit (f, select_aid, sizeof select_aid, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (bed_faults_injected (f, 0), ==, T1_DEFAULT_MAX_WTX + 1);
  /* 9 requests left, then the answer */
  assert_select_works (f);
  g_assert_cmpuint (bed_faults_injected (f, 0), ==, T1_DEFAULT_MAX_WTX + 10);
}

/* A card whose answer starts with empty chained I-blocks: a few are taken
 * in (each acknowledged), more than T1_MAX_EMPTY_CHAIN in a row end the
 * exchange; the next APDU works. */
static void
test_empty_chain (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f, 0);
  bed_op_n (f, BED_FAULT, 0, SIM_FAULT_EMPTY_CHAIN, T1_MAX_EMPTY_CHAIN);
  assert_length_works (f, 4096);
  bed_op_n (f, BED_FAULT, 0, SIM_FAULT_EMPTY_CHAIN, T1_MAX_EMPTY_CHAIN + 5);
  r = transmit (f, select_aid, sizeof select_aid, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (bed_faults_injected (f, 0), ==, 2 * T1_MAX_EMPTY_CHAIN + 1);
  /* 4 empty blocks left, then the answer */
  assert_select_works (f);
  assert_length_works (f, 4096);
}

/* CCID §6.2.6: a reader that sends time extensions without end: the
 * command is aborted after CCID_MAX_TIME_EXTENSIONS; the next one works. */
static void
test_time_extension_endless (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f, 0);
  bed_op_n (f, BED_FAULT, 0, SIM_FAULT_WTX, CCID_MAX_TIME_EXTENSIONS + 50);
  r = transmit (f, select_aid, sizeof select_aid, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED);
  g_test_message ("%s", error->message);
  assert_select_works (f);
  assert_echo (f, 200);
}

/* An interrupt endpoint that fails a few times is read again after a
 * short pause that doubles; the pause starts short again after a read
 * that worked. */
static void
test_int_error_recovers (Fixture *f, gconstpointer data)
{
  guint64 base;
  gint64 start;

  wait_powered (f, 0);
  base = bed_faults_injected (f, 0);
  bed_fault_later (f, SIM_FAULT_INT_ERROR, 6, 0);
  WAIT_FOR (bed_faults_injected (f, 0) == base + 6, 5000);
  bed_op (f, BED_REMOVE, 0, 0); /* returns once the host read the NotifySlotChange */
  WAIT_FOR (ccid_slot_get_state (slot (f, 0)) == CCID_SLOT_ABSENT, 3000);
  start = g_get_monotonic_time ();
  bed_fault_later (f, SIM_FAULT_INT_ERROR, 6, 0);
  WAIT_FOR (bed_faults_injected (f, 0) == base + 12, 5000);
  g_test_message ("6 failed reads in %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  /* 5 + 10 + ... + 160 ms; without the reset 320 + 640 + 4 x 1000 ms */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2500 * 1000);
  bed_op (f, BED_INSERT, 0, 0);
  wait_powered (f, 0);
  assert_select_works (f);
}

/* A stalled interrupt endpoint: the halt is cleared (the sim's endpoint
 * stays halted until then) and the endpoint read again. */
static void
test_int_stall_recovers (Fixture *f, gconstpointer data)
{
  guint64 base;

  wait_powered (f, 0);
  base = bed_faults_injected (f, 0);
  bed_fault_later (f, SIM_FAULT_INT_STALL, 3, 0);
  WAIT_FOR (bed_faults_injected (f, 0) == base + 3, 5000);
  bed_op (f, BED_REMOVE, 0, 0);
  WAIT_FOR (ccid_slot_get_state (slot (f, 0)) == CCID_SLOT_ABSENT, 3000);
  bed_op (f, BED_INSERT, 0, 0);
  wait_powered (f, 0);
  assert_select_works (f);
}

/* An interrupt endpoint that never works does not spin the daemon: a
 * bounded number of reads in 2 s, and the card keeps working. */
static void
interrupt_fails_forever (Fixture *f, SimFault kind)
{
  guint64 base, failed;

  wait_powered (f, 0);
  base = bed_faults_injected (f, 0);
  bed_fault_later (f, kind, 1000000, 0);
  run_for (2000);
  failed = bed_faults_injected (f, 0) - base;
  g_test_message ("%" G_GUINT64_FORMAT " failed interrupt reads in 2 s", failed);
  /* 5, 10, ... 640 ms, then one a second: 9 or 10 */
  g_assert_cmpuint (failed, >=, 5);
  g_assert_cmpuint (failed, <=, 16);
  assert_select_works (f);
}

static void
test_int_error_no_spin (Fixture *f, gconstpointer data)
{
  interrupt_fails_forever (f, SIM_FAULT_INT_ERROR);
}

static void
test_int_stall_no_spin (Fixture *f, gconstpointer data)
{
  interrupt_fails_forever (f, SIM_FAULT_INT_STALL);
}

int
main (int argc, char **argv)
{
  ccid_test_reexec_under_preload (argv);
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  (void) SCB_ERROR;
  ADD ("/ccid/sim/fault/recovered", tpdu_t1, test_faults_recovered);
  ADD ("/ccid/sim/fault/drop", tpdu_t1, test_fault_drop);
  ADD ("/ccid/sim/fault/stall", tpdu_t1, test_fault_stall);
  ADD ("/ccid/sim/fault/hw-error", tpdu_t1, test_fault_hw_error);
  ADD ("/ccid/sim/fault/remove-mid", tpdu_t1, test_fault_remove_mid);
  ADD ("/ccid/sim/fault/unplug-mid", tpdu_t1, test_fault_unplug_mid);
  ADD ("/ccid/sim/fault/hw-error-mid-chain", tpdu_t1, test_hw_error_mid_chain);
  ADD ("/ccid/sim/fault/inactive-mid-chain", tpdu_t1, test_inactive_mid_chain);
  ADD ("/ccid/sim/fault/inactive-mid-chain-polled", no_interrupt, test_inactive_mid_chain);
  ADD ("/ccid/sim/fault/busy-mid-chain", tpdu_t1, test_busy_mid_chain);
  ADD ("/ccid/sim/fault/wtx-endless", tpdu_t1, test_wtx_endless);
  ADD ("/ccid/sim/fault/empty-chain", tpdu_t1, test_empty_chain);
  ADD ("/ccid/sim/fault/time-extension-endless", short_t1, test_time_extension_endless);
  ADD ("/ccid/sim/fault/int-error-recovers", tpdu_t1, test_int_error_recovers);
  ADD ("/ccid/sim/fault/int-stall-recovers", tpdu_t1, test_int_stall_recovers);
  ADD ("/ccid/sim/fault/int-error-no-spin", tpdu_t1, test_int_error_no_spin);
  ADD ("/ccid/sim/fault/int-stall-no-spin", tpdu_t1, test_int_stall_no_spin);
  return g_test_run ();
}

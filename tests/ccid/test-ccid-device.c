/* test-ccid-device.c: CcidMonitor, CcidDevice and CcidSlot against an
 * emulated reader (ccid-emu.c) below libusb, under the umockdev preload
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <umockdev.h>

#include "ccid-emu.h"
#include "ccid-message.h"
#include "ccid-test.h"
#include "ccid-monitor.h"
#include "scb-error.h"

typedef struct
{
  CcidEmu *emu;
  CcidMonitor *monitor;
  CcidDevice *device;
  CcidSlot *slot;
  guint added;
  guint removed;
  guint changes;
  GAsyncResult *result;
} Fixture;

typedef struct
{
  CcidEmuLevel level;
  gboolean interrupt;
  gboolean present;
  gboolean mute;
} Setup;

static const Setup short_apdu = { CCID_EMU_SHORT_APDU, TRUE, TRUE, FALSE };
static const Setup tpdu = { CCID_EMU_TPDU, TRUE, TRUE, FALSE };
static const Setup empty = { CCID_EMU_SHORT_APDU, TRUE, FALSE, FALSE };
static const Setup polled = { CCID_EMU_SHORT_APDU, FALSE, FALSE, FALSE };
static const Setup mute = { CCID_EMU_SHORT_APDU, TRUE, TRUE, TRUE };
static const Setup mute_tpdu = { CCID_EMU_TPDU, TRUE, TRUE, TRUE };
static const Setup pps = { CCID_EMU_TPDU_PPS, TRUE, TRUE, FALSE };
static const Setup pps_reject = { CCID_EMU_TPDU_PPS_REJECT, TRUE, TRUE, FALSE };
static const Setup dual = { CCID_EMU_TPDU_DUAL, TRUE, TRUE, FALSE };

static void
on_changed (CcidSlot *slot, Fixture *f)
{
  f->changes++;
}

static void
on_device_added (CcidMonitor *monitor, CcidDevice *device, Fixture *f)
{
  f->added++;
  g_clear_object (&f->device);
  f->device = g_object_ref (device);
  g_clear_object (&f->slot);
  f->slot = g_object_ref (ccid_device_get_slot (device, 0));
  g_signal_connect (f->slot, "changed", G_CALLBACK (on_changed), f);
}

static void
on_device_removed (CcidMonitor *monitor, CcidDevice *device, Fixture *f)
{
  f->removed++;
}

static void
spin (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, ccid_test_expire, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const Setup *s = data;
  g_autoptr (GError) error = NULL;

  f->emu = ccid_emu_new (s->level, s->interrupt, s->present, s->mute, &error);
  g_assert_no_error (error);
  f->monitor = ccid_monitor_new ();
  ccid_monitor_set_poll_interval (f->monitor, 100);
  g_signal_connect (f->monitor, "device-added", G_CALLBACK (on_device_added), f);
  g_signal_connect (f->monitor, "device-removed", G_CALLBACK (on_device_removed), f);
  g_assert_true (ccid_monitor_start (f->monitor, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->added, ==, 1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (CcidDevice) device = g_steal_pointer (&f->device);

  g_clear_object (&f->result);
  g_clear_object (&f->slot);
  ccid_monitor_stop (f->monitor);
  if (device != NULL)
    {
      /* freed once libusb has given back every transfer */
      g_object_add_weak_pointer (G_OBJECT (device), (gpointer *) &device);
      g_object_unref (device);
      WAIT_FOR (device == NULL, 2000);
    }
  g_clear_object (&f->monitor);
  ccid_emu_free (f->emu);
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer data)
{
  Fixture *f = data;

  f->result = g_object_ref (result);
}

static GBytes *
transmit (Fixture *f, const guint8 *apdu, gsize len, GError **error)
{
  g_autoptr (GBytes) in = g_bytes_new (apdu, len);

  return ccid_test_transmit (f->slot, 0, in, 10000, error);
}

static void
assert_response (GBytes *r, const guint8 *expected, gsize len)
{
  g_assert_nonnull (r);
  g_assert_cmpmem (g_bytes_get_data (r, NULL), g_bytes_get_size (r), expected, len);
}

static const guint8 get_challenge[] = { 0x00, 0x84, 0x00, 0x00, 0x04 };
static const guint8 challenge_answer[] = { 0x00, 0x01, 0x02, 0x03, 0x90, 0x00 };
static const guint8 echo[] = { 0x00, 0xEE, 0x00, 0x00, 0x03, 0xCA, 0xFE, 0x42, 0x00 };
static const guint8 echo_answer[] = { 0xCA, 0xFE, 0x42, 0x90, 0x00 };

static void
assert_works (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = transmit (f, get_challenge, sizeof get_challenge, &error);

  g_assert_no_error (error);
  assert_response (r, challenge_answer, sizeof challenge_answer);
}

static void
wait_powered (Fixture *f)
{
  WAIT_FOR (ccid_slot_get_state (f->slot) == CCID_SLOT_POWERED, 5000);
}

static void
test_names (Fixture *f, gconstpointer data)
{
  g_assert_cmpstr (ccid_device_get_name (f->device), ==, "Gemalto PC Twin Reader");
  g_assert_cmpstr (ccid_slot_get_name (f->slot), ==, "Gemalto PC Twin Reader 00 00");
  g_assert_cmpuint (ccid_device_get_vendor_id (f->device), ==, 0x08e6);
  g_assert_cmpuint (ccid_device_get_product_id (f->device), ==, 0x3437);
  g_assert_null (ccid_device_get_serial (f->device));
  g_assert_cmpuint (ccid_device_get_n_slots (f->device), ==, 1);
  g_assert_true (ccid_device_has_interrupt (f->device));
  g_assert_cmpint (ccid_slot_get_exchange_level (f->slot), ==, CCID_LEVEL_SHORT_APDU);
  g_assert_false (ccid_slot_supports_nad (f->slot));
}

static void
test_atr (Fixture *f, gconstpointer data)
{
  const guint8 atr[] = { 0x3B, 0x02, 0x14, 0x50 };
  GBytes *got;

  wait_powered (f);
  got = ccid_slot_get_atr (f->slot);
  g_assert_nonnull (got);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), atr, sizeof atr);
  g_assert_cmpuint (ccid_slot_get_protocols (f->slot), ==, CCID_SLOT_PROTOCOL_T0);
  g_assert_cmpint (ccid_slot_get_active_protocol (f->slot), ==, 0);
  g_assert_cmpuint (f->changes, >=, 1);
  /* the reader has automatic voltage selection: one IccPowerOn */
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON), ==, 1);
}

static void
test_apdu_short (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f);
  assert_works (f);
  r = transmit (f, echo, sizeof echo, &error);
  g_assert_no_error (error);
  assert_response (r, echo_answer, sizeof echo_answer);
  /* NAD other than 0 needs a TPDU reader */
  {
    g_autoptr (GBytes) in = g_bytes_new (get_challenge, sizeof get_challenge);
    g_autoptr (GError) nad_error = NULL;

    g_assert_null (ccid_test_transmit (f->slot, 0x12, in, 2000, &nad_error));
    g_assert_error (nad_error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED);
  }
  /* malformed APDU */
  g_clear_pointer (&r, g_bytes_unref);
  r = transmit (f, get_challenge, 3, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER);
}

static void
test_apdu_tpdu_t0 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f);
  g_assert_cmpint (ccid_slot_get_exchange_level (f->slot), ==, CCID_LEVEL_TPDU);
  /* TPDU level without automatic parameters: SetParameters was sent */
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_SET_PARAMETERS), ==, 1);
  /* no automatic voltage: 5 V answered at once */
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON), ==, 1);
  assert_works (f);
  /* case 4 over T=0: 61xx then GET RESPONSE, two TPDUs */
  r = transmit (f, echo, sizeof echo, &error);
  g_assert_no_error (error);
  assert_response (r, echo_answer, sizeof echo_answer);
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_XFR_BLOCK), ==, 3);
}

static void
test_insert_remove (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;
  guint generation;

  WAIT_FOR (ccid_emu_count (f->emu, CCID_PC_TO_RDR_GET_SLOT_STATUS) >= 1, 2000);
  spin (50);
  g_assert_cmpint (ccid_slot_get_state (f->slot), ==, CCID_SLOT_ABSENT);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NO_SMARTCARD);
  g_clear_error (&error);

  generation = ccid_slot_get_card_generation (f->slot);
  ccid_emu_set_card (f->emu, TRUE, FALSE);
  wait_powered (f);
  g_assert_cmpuint (ccid_slot_get_card_generation (f->slot), >, generation);
  g_assert_nonnull (ccid_slot_get_atr (f->slot));
  assert_works (f);

  generation = ccid_slot_get_card_generation (f->slot);
  ccid_emu_set_card (f->emu, FALSE, FALSE);
  WAIT_FOR (ccid_slot_get_state (f->slot) == CCID_SLOT_ABSENT, 2000);
  g_assert_cmpuint (ccid_slot_get_card_generation (f->slot), >, generation);
  g_assert_null (ccid_slot_get_atr (f->slot));
}

static void
test_polled (Fixture *f, gconstpointer data)
{
  g_assert_false (ccid_device_has_interrupt (f->device));
  ccid_emu_set_card (f->emu, TRUE, FALSE);
  wait_powered (f);
  ccid_emu_set_card (f->emu, FALSE, FALSE);
  WAIT_FOR (ccid_slot_get_state (f->slot) == CCID_SLOT_ABSENT, 2000);
  /* asked on the 100 ms timer */
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_GET_SLOT_STATUS), >=, 2);
}

static void
test_mute (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;
  guint power_ons;

  WAIT_FOR (ccid_slot_get_state (f->slot) == CCID_SLOT_MUTE, 5000);
  power_ons = ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON);
  g_assert_cmpuint (power_ons, >=, 1);
  /* no loop */
  spin (500);
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON), ==, power_ons);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_UNRESPONSIVE_CARD);
}

static void
test_mute_voltages (Fixture *f, gconstpointer data)
{
  WAIT_FOR (ccid_slot_get_state (f->slot) == CCID_SLOT_MUTE, 5000);
  /* no automatic voltage: 5 V, 3 V, 1.8 V, then give up */
  spin (300);
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON), ==, 3);
  /* removal and a good card: powered again */
  ccid_emu_set_card (f->emu, FALSE, FALSE);
  WAIT_FOR (ccid_slot_get_state (f->slot) == CCID_SLOT_ABSENT, 2000);
  ccid_emu_set_card (f->emu, TRUE, FALSE);
  wait_powered (f);
}

static void
test_pps (Fixture *f, gconstpointer data)
{
  wait_powered (f);
  /* no automatic PPS in this reader: ours, then SetParameters with TA1 */
  g_assert_cmpuint (ccid_emu_pps_requests (f->emu), ==, 1);
  g_assert_cmphex (ccid_emu_last_fidi (f->emu), ==, 0x96);
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON), ==, 1);
  assert_works (f);
}

static void
test_pps_reject (Fixture *f, gconstpointer data)
{
  wait_powered (f);
  /* ISO 7816-3 §9.3: reset, then the defaults without asking again */
  g_assert_cmpuint (ccid_emu_pps_requests (f->emu), ==, 1);
  g_assert_cmphex (ccid_emu_last_fidi (f->emu), ==, 0x11);
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON), ==, 2);
  assert_works (f);
}

static int
set_protocol (Fixture *f, guint protocols, GError **error)
{
  g_clear_object (&f->result);
  ccid_slot_set_protocol_async (f->slot, protocols, NULL, on_result, f);
  WAIT_FOR (f->result != NULL, 5000);
  return ccid_slot_set_protocol_finish (f->slot, f->result, error);
}

static void
test_set_protocol (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  wait_powered (f);
  /* the card's first protocol at power on */
  g_assert_cmpuint (ccid_slot_get_protocols (f->slot), ==,
                    CCID_SLOT_PROTOCOL_T0 | CCID_SLOT_PROTOCOL_T1);
  g_assert_cmpint (ccid_slot_get_active_protocol (f->slot), ==, 0);
  g_assert_cmpuint (ccid_emu_pps_requests (f->emu), ==, 0);
  /* already in force: nothing sent */
  g_assert_cmpint (set_protocol (f, CCID_SLOT_PROTOCOL_T0 | CCID_SLOT_PROTOCOL_T1, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON), ==, 1);
  /* T=1: cold reset, PPS, SetParameters with the T=1 structure */
  g_assert_cmpint (set_protocol (f, CCID_SLOT_PROTOCOL_T1, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (ccid_slot_get_active_protocol (f->slot), ==, 1);
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ICC_POWER_ON), ==, 2);
  g_assert_cmpuint (ccid_emu_pps_requests (f->emu), ==, 1);
  g_assert_cmpuint (ccid_emu_last_protocol (f->emu), ==, 1);
}

static void
test_set_protocol_mismatch (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  wait_powered (f);
  g_assert_cmpint (set_protocol (f, CCID_SLOT_PROTOCOL_T1, &error), ==, -1);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_PROTO_MISMATCH);
  g_assert_cmpint (ccid_slot_get_active_protocol (f->slot), ==, 0);
}

static void
test_time_extension (Fixture *f, gconstpointer data)
{
  wait_powered (f);
  ccid_emu_fault (f->emu, CCID_EMU_FAULT_TIME_EXTENSION);
  assert_works (f);
  ccid_emu_fault (f->emu, CCID_EMU_FAULT_STALE);
  assert_works (f);
}

static void
test_drop (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f);
  ccid_emu_fault (f->emu, CCID_EMU_FAULT_DROP);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED);
  /* CCID §5.3.1: the command was aborted; the next APDU works */
  assert_works (f);
  g_assert_cmpuint (ccid_emu_count (f->emu, CCID_PC_TO_RDR_ABORT), ==, 1);
}

static void
test_stall (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f);
  ccid_emu_fault (f->emu, CCID_EMU_FAULT_STALL);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR);
  assert_works (f);
}

static void
test_bad_length (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f);
  ccid_emu_fault (f->emu, CCID_EMU_FAULT_BAD_LENGTH);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_COMM_ERROR);
  assert_works (f);
}

static void
test_hw_error (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;
  g_autoptr (GBytes) atr = NULL;

  wait_powered (f);
  ccid_emu_fault (f->emu, CCID_EMU_FAULT_HW_ERROR);
  WAIT_FOR (ccid_slot_get_state (f->slot) == CCID_SLOT_PRESENT, 2000);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_UNPOWERED_CARD);
  g_clear_object (&f->result);
  ccid_slot_power_on_async (f->slot, NULL, on_result, f);
  WAIT_FOR (f->result != NULL, 5000);
  atr = ccid_slot_power_on_finish (f->slot, f->result, NULL);
  g_assert_nonnull (atr);
  assert_works (f);
}

static void
test_remove_mid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f);
  ccid_emu_fault (f->emu, CCID_EMU_FAULT_REMOVE_MID);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_REMOVED_CARD);
  WAIT_FOR (ccid_slot_get_state (f->slot) == CCID_SLOT_ABSENT, 2000);
}

static void
test_unplug_mid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  wait_powered (f);
  ccid_emu_fault (f->emu, CCID_EMU_FAULT_UNPLUG_MID);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE);
  WAIT_FOR (f->removed == 1, 2000);
  g_assert_cmpint (ccid_slot_get_state (f->slot), ==, CCID_SLOT_ABSENT);
  g_assert_null (ccid_slot_get_device (f->slot) == NULL ? NULL : (gpointer) 1);
  g_clear_error (&error);
  g_clear_pointer (&r, g_bytes_unref);
  r = transmit (f, get_challenge, sizeof get_challenge, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE);
}

static void
test_replug (Fixture *f, gconstpointer data)
{
  wait_powered (f);
  ccid_emu_unplug (f->emu);
  WAIT_FOR (f->removed == 1, 2000);
  g_assert_cmpuint (ccid_monitor_get_devices (f->monitor)->len, ==, 0);
  ccid_emu_plug (f->emu);
  WAIT_FOR (f->added == 2, 3000);
  /* the index is free again */
  g_assert_cmpstr (ccid_slot_get_name (f->slot), ==, "Gemalto PC Twin Reader 00 00");
  wait_powered (f);
  assert_works (f);
}

static void
test_escape_and_power (Fixture *f, gconstpointer data)
{
  const guint8 cmd[] = { 0x01, 0x02, 0x03 };
  g_autoptr (GBytes) in = g_bytes_new (cmd, sizeof cmd);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) atr = NULL;
  g_autoptr (GError) error = NULL;

  wait_powered (f);
  ccid_slot_escape_async (f->slot, in, NULL, on_result, f);
  WAIT_FOR (f->result != NULL, 2000);
  out = ccid_slot_escape_finish (f->slot, f->result, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), cmd, sizeof cmd);

  g_clear_object (&f->result);
  ccid_slot_power_off_async (f->slot, NULL, on_result, f);
  WAIT_FOR (f->result != NULL, 2000);
  g_assert_true (ccid_slot_power_off_finish (f->slot, f->result, &error));
  g_assert_cmpint (ccid_slot_get_state (f->slot), ==, CCID_SLOT_PRESENT);
  g_assert_nonnull (ccid_slot_get_atr (f->slot));

  g_clear_object (&f->result);
  ccid_slot_reset_async (f->slot, NULL, on_result, f);
  WAIT_FOR (f->result != NULL, 5000);
  atr = ccid_slot_reset_finish (f->slot, f->result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (atr);
  g_assert_cmpint (ccid_slot_get_state (f->slot), ==, CCID_SLOT_POWERED);
  assert_works (f);
}

#define ADD(path, setup, fn) g_test_add (path, Fixture, &setup, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  ccid_test_reexec_under_preload (argv);
  g_test_init (&argc, &argv, NULL);
  /* The faults make the device layer log warnings, by design. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  /* Registered before umockdev starts its threads (see the report). */
  (void) SCB_ERROR;
  ADD ("/ccid/device/names", short_apdu, test_names);
  ADD ("/ccid/device/atr", short_apdu, test_atr);
  ADD ("/ccid/device/apdu-short", short_apdu, test_apdu_short);
  ADD ("/ccid/device/apdu-tpdu-t0", tpdu, test_apdu_tpdu_t0);
  ADD ("/ccid/device/insert-remove", empty, test_insert_remove);
  ADD ("/ccid/device/polled", polled, test_polled);
  ADD ("/ccid/device/mute", mute, test_mute);
  ADD ("/ccid/device/mute-voltages", mute_tpdu, test_mute_voltages);
  ADD ("/ccid/device/pps", pps, test_pps);
  ADD ("/ccid/device/pps-reject", pps_reject, test_pps_reject);
  ADD ("/ccid/device/set-protocol", dual, test_set_protocol);
  ADD ("/ccid/device/set-protocol-mismatch", pps, test_set_protocol_mismatch);
  ADD ("/ccid/device/time-extension", short_apdu, test_time_extension);
  ADD ("/ccid/device/drop", short_apdu, test_drop);
  ADD ("/ccid/device/stall", short_apdu, test_stall);
  ADD ("/ccid/device/bad-length", short_apdu, test_bad_length);
  ADD ("/ccid/device/hw-error", short_apdu, test_hw_error);
  ADD ("/ccid/device/remove-mid", short_apdu, test_remove_mid);
  ADD ("/ccid/device/unplug-mid", short_apdu, test_unplug_mid);
  ADD ("/ccid/device/replug", short_apdu, test_replug);
  ADD ("/ccid/device/escape-power", short_apdu, test_escape_and_power);
  return g_test_run ();
}

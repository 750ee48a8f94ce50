/* test-ccid-sim.c: the device layer against scardbus-sim's readers and
 * cards (tools/sim's SimBed, in this process, under the umockdev preload)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ccid-message.h"
#include "ccid-test.h"
#include "ccid-monitor.h"
#include "scb-error.h"
#include "sim-app.h"
#include "sim-bed.h"

typedef struct
{
  const char *model;
  SimCardKind card;
} Setup;

typedef struct
{
  SimBed *bed;
  guint index;
  CcidMonitor *monitor;
  GPtrArray *devices; /* CcidDevice, as added */
  guint removed;
} Fixture;

static const Setup tpdu_t1 = { "tpdu", SIM_CARD_T1 };
static const Setup tpdu_t0 = { "tpdu", SIM_CARD_T0 };
static const Setup tpdu_mep = { "tpdu", SIM_CARD_MEP };
static const Setup tpdu_mute = { "tpdu", SIM_CARD_MUTE };
static const Setup short_t1 = { "short-apdu", SIM_CARD_T1 };
static const Setup extended_t1 = { "extended-apdu", SIM_CARD_T1 };
static const Setup multislot = { "multislot", SIM_CARD_T1 };
static const Setup no_interrupt = { "no-interrupt", SIM_CARD_T1 };

static void
on_added (CcidMonitor *monitor, CcidDevice *device, Fixture *f)
{
  g_ptr_array_add (f->devices, g_object_ref (device));
}

static void
on_removed (CcidMonitor *monitor, CcidDevice *device, Fixture *f)
{
  f->removed++;
}

/* SimBed waits until the host has read the event, and the host is this
 * thread's main loop: drive the bed from another thread. */
typedef enum
{
  BED_INSERT,
  BED_REMOVE,
  BED_FAULT
} BedOpKind;

typedef struct
{
  SimBed *bed;
  guint index;
  guint slot;
  BedOpKind kind;
  SimFault fault;
  guint count;
  GError *error;
  gint done;
} BedOp;

static gpointer
bed_op_thread (gpointer data)
{
  BedOp *op = data;

  switch (op->kind)
    {
    case BED_INSERT:
      sim_bed_insert (op->bed, op->index, op->slot, SIM_CARD_T1, &op->error);
      break;
    case BED_REMOVE:
      sim_bed_remove (op->bed, op->index, op->slot, &op->error);
      break;
    case BED_FAULT:
      sim_bed_fault (op->bed, op->index, op->slot, op->fault, op->count, &op->error);
      break;
    default:
      break;
    }
  g_atomic_int_set (&op->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
bed_op_n (Fixture *f, BedOpKind kind, guint slot_index, SimFault fault, guint count)
{
  BedOp op = { f->bed, f->index, slot_index, kind, fault, count, NULL, 0 };
  GThread *thread = g_thread_new ("bed-op", bed_op_thread, &op);

  WAIT_FOR (g_atomic_int_get (&op.done), 15000);
  g_thread_join (thread);
  g_assert_no_error (op.error);
}

static void
bed_op (Fixture *f, BedOpKind kind, guint slot_index, SimFault fault)
{
  bed_op_n (f, kind, slot_index, fault, 1);
}

static CcidSlot *
slot (Fixture *f, guint n)
{
  g_assert_cmpuint (f->devices->len, >, 0);
  return ccid_device_get_slot (g_ptr_array_index (f->devices, f->devices->len - 1), n);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const Setup *s = data;
  g_autoptr (GError) error = NULL;
  SimCardKind cards[2] = { s->card, s->card };
  gint index;

  f->bed = sim_bed_new (&error);
  g_assert_no_error (error);
  index = sim_bed_plug (f->bed, sim_model_lookup (s->model), cards, 2, &error);
  g_assert_no_error (error);
  f->index = (guint) index;
  f->devices = g_ptr_array_new_with_free_func (g_object_unref);
  f->monitor = ccid_monitor_new ();
  ccid_monitor_set_poll_interval (f->monitor, 100);
  g_signal_connect (f->monitor, "device-added", G_CALLBACK (on_added), f);
  g_signal_connect (f->monitor, "device-removed", G_CALLBACK (on_removed), f);
  g_assert_true (ccid_monitor_start (f->monitor, &error));
  g_assert_no_error (error);
  WAIT_FOR (f->devices->len == 1, 3000);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  ccid_monitor_stop (f->monitor);
  while (f->devices->len > 0)
    {
      CcidDevice *device = g_ptr_array_steal_index (f->devices, 0);

      g_object_add_weak_pointer (G_OBJECT (device), (gpointer *) &device);
      g_object_unref (device);
      WAIT_FOR (device == NULL, 3000);
    }
  g_ptr_array_unref (f->devices);
  g_clear_object (&f->monitor);
  sim_bed_free (f->bed);
}

static GBytes *
transmit_nad (Fixture *f, CcidSlot *s, guint8 nad, const guint8 *apdu, gsize len, GError **error)
{
  g_autoptr (GBytes) in = g_bytes_new (apdu, len);

  return ccid_test_transmit (s, nad, in, 20000, error);
}

static GBytes *
transmit (Fixture *f, const guint8 *apdu, gsize len, GError **error)
{
  return transmit_nad (f, slot (f, 0), 0, apdu, len, error);
}

static void
wait_powered (Fixture *f, guint n)
{
  WAIT_FOR (ccid_slot_get_state (slot (f, n)) == CCID_SLOT_POWERED, 10000);
}

static const guint8 select_aid[]
    = { 0x00, 0xA4, 0x04, 0x00, SIM_APP_AID_LEN, 0xF0, 0x53, 0x43, 0x42, 0x53, 0x49, 0x4D, 0x00 };

static void
assert_sw (GBytes *r, guint16 sw)
{
  gsize n;
  const guint8 *d;

  g_assert_nonnull (r);
  d = g_bytes_get_data (r, &n);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmphex ((guint) (d[n - 2] << 8 | d[n - 1]), ==, sw);
}

/* An echo of @n bytes (case 4, extended when long) must come back whole. */
static void
assert_echo (Fixture *f, gsize n)
{
  g_autoptr (GByteArray) apdu = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;
  guint8 hdr[4] = { 0x80, SIM_APP_INS_ECHO, 0x00, 0x00 };

  g_byte_array_append (apdu, hdr, 4);
  if (n <= 255)
    {
      guint8 lc = (guint8) n;

      g_byte_array_append (apdu, &lc, 1);
    }
  else
    {
      guint8 lc[3] = { 0x00, (guint8) (n >> 8), (guint8) n };

      g_byte_array_append (apdu, lc, 3);
    }
  for (gsize i = 0; i < n; i++)
    {
      guint8 b = (guint8) (i * 7);

      g_byte_array_append (apdu, &b, 1);
    }
  if (n <= 255)
    g_byte_array_append (apdu, (const guint8[]){ 0x00 }, 1);
  else
    g_byte_array_append (apdu, (const guint8[]){ 0x00, 0x00 }, 2);
  r = transmit (f, apdu->data, apdu->len, &error);
  g_assert_no_error (error);
  if (g_bytes_get_size (r) == 2)
    g_test_message ("echo of %" G_GSIZE_FORMAT " bytes answered SW %02X%02X", n,
                    ((const guint8 *) g_bytes_get_data (r, NULL))[0],
                    ((const guint8 *) g_bytes_get_data (r, NULL))[1]);
  g_assert_cmpuint (g_bytes_get_size (r), ==, n + 2);
  g_assert_cmpmem (g_bytes_get_data (r, NULL), n, apdu->data + (n <= 255 ? 5 : 7), n);
  assert_sw (r, 0x9000);
}

static void
assert_select_works (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = transmit (f, select_aid, sizeof select_aid, &error);

  g_assert_no_error (error);
  assert_sw (r, 0x9000);
}

static void
test_t1 (Fixture *f, gconstpointer data)
{
  GBytes *atr;

  g_assert_cmpstr (ccid_slot_get_name (slot (f, 0)), ==, "Gemalto PC Twin Reader 00 00");
  g_assert_cmpint (ccid_slot_get_exchange_level (slot (f, 0)), ==, CCID_LEVEL_TPDU);
  wait_powered (f, 0);
  atr = ccid_slot_get_atr (slot (f, 0));
  g_assert_nonnull (atr);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (atr, NULL))[0], ==, 0x3B);
  g_assert_cmpint (ccid_slot_get_active_protocol (slot (f, 0)), ==, 1);
  assert_select_works (f);
  assert_echo (f, 16);
  assert_echo (f, 200);  /* chaining to the card (IFSC 128) */
  assert_echo (f, 1000); /* extended APDU, chaining both ways */
}

static void
test_t0 (Fixture *f, gconstpointer data)
{
  const guint8 select_ef[] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x01, 0x02 };
  const guint8 read_binary[] = { 0x00, 0xB0, 0x00, 0x00, 0x00 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;
  const guint8 *d;

  wait_powered (f, 0);
  g_assert_cmpint (ccid_slot_get_active_protocol (slot (f, 0)), ==, 0);
  assert_select_works (f);
  r = transmit (f, select_ef, sizeof select_ef, &error);
  g_assert_no_error (error);
  assert_sw (r, 0x9000);
  g_clear_pointer (&r, g_bytes_unref);
  /* case 2 with Le 00: 256 bytes, byte i = i mod 251 */
  r = transmit (f, read_binary, sizeof read_binary, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (r), ==, 258);
  d = g_bytes_get_data (r, NULL);
  for (guint i = 0; i < 256; i++)
    g_assert_cmpuint (d[i], ==, i % 251);
  assert_sw (r, 0x9000);
}

static void
test_apdu_levels (Fixture *f, gconstpointer data)
{
  wait_powered (f, 0);
  assert_select_works (f);
  assert_echo (f, 200);
  if (ccid_slot_get_exchange_level (slot (f, 0)) == CCID_LEVEL_EXTENDED_APDU)
    assert_echo (f, 3000); /* XfrBlock chaining, CCID §6.1.4 */
}

static void
test_mute (Fixture *f, gconstpointer data)
{
  WAIT_FOR (ccid_slot_get_state (slot (f, 0)) == CCID_SLOT_MUTE, 10000);
}

static void
test_multislot (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = NULL;

  g_assert_cmpuint (ccid_device_get_n_slots (g_ptr_array_index (f->devices, 0)), ==, 2);
  g_assert_true (g_str_has_suffix (ccid_slot_get_name (slot (f, 0)), " 00 00"));
  g_assert_true (g_str_has_suffix (ccid_slot_get_name (slot (f, 1)), " 00 01"));
  wait_powered (f, 0);
  wait_powered (f, 1);
  r = transmit_nad (f, slot (f, 1), 0, select_aid, sizeof select_aid, &error);
  g_assert_no_error (error);
  assert_sw (r, 0x9000);
  bed_op (f, BED_REMOVE, 1, 0);
  WAIT_FOR (ccid_slot_get_state (slot (f, 1)) == CCID_SLOT_ABSENT, 3000);
  g_assert_cmpint (ccid_slot_get_state (slot (f, 0)), ==, CCID_SLOT_POWERED);
}

static void
test_polled (Fixture *f, gconstpointer data)
{
  g_assert_false (ccid_device_has_interrupt (g_ptr_array_index (f->devices, 0)));
  wait_powered (f, 0);
  bed_op (f, BED_REMOVE, 0, 0);
  WAIT_FOR (ccid_slot_get_state (slot (f, 0)) == CCID_SLOT_ABSENT, 3000);
  bed_op (f, BED_INSERT, 0, 0);
  wait_powered (f, 0);
  assert_select_works (f);
}

static void
test_mep (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) p0 = NULL;
  g_autoptr (GBytes) p1 = NULL;

  wait_powered (f, 0);
  g_assert_true (ccid_slot_supports_nad (slot (f, 0)));
  /* DAD 0 and DAD 1 (NAD b7-b5): two profiles, one T=1 state each */
  p0 = transmit_nad (f, slot (f, 0), 0x00, select_aid, sizeof select_aid, &error);
  g_assert_no_error (error);
  p1 = transmit_nad (f, slot (f, 0), 0x10, select_aid, sizeof select_aid, &error);
  g_assert_no_error (error);
  assert_sw (p0, 0x9000);
  assert_sw (p1, 0x9000);
  g_assert_false (g_bytes_equal (p0, p1));
  g_clear_pointer (&p0, g_bytes_unref);
  p0 = transmit_nad (f, slot (f, 0), 0x00, select_aid, sizeof select_aid, &error);
  g_assert_no_error (error);
  assert_sw (p0, 0x9000);
}

static void
fault (Fixture *f, SimFault kind)
{
  bed_op (f, BED_FAULT, 0, kind);
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
  assert_select_works (f);
}

static void
test_fault_hw_error (Fixture *f, gconstpointer data)
{
  wait_powered (f, 0);
  fault (f, SIM_FAULT_HW_ERROR);
  WAIT_FOR (ccid_slot_get_state (slot (f, 0)) != CCID_SLOT_POWERED, 3000);
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

/* Context switches of one thread of ours (DESIGN.md's "wakeups"). */
static guint64
thread_switches (pid_t tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/status", (int) tid);
  g_autofree char *text = NULL;
  guint64 total = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  for (char *line = strtok (text, "\n"); line != NULL; line = strtok (NULL, "\n"))
    if (g_str_has_prefix (line, "voluntary_ctxt_switches:")
        || g_str_has_prefix (line, "nonvoluntary_ctxt_switches:"))
      total += g_ascii_strtoull (strchr (line, ':') + 1, NULL, 10);
  return total;
}

/* libusb's own thread (its udev monitor), found by name. */
static pid_t
libusb_thread (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/comm", name);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_prefix (comm, "libusb"))
        return (pid_t) atoi (name);
    }
  return 0;
}

typedef struct
{
  pid_t main_tid;
  pid_t usb_tid;
  guint64 main_switches;
  guint64 usb_switches;
  gint done;
} IdleProbe;

static gpointer
idle_probe_thread (gpointer data)
{
  IdleProbe *p = data;
  guint64 m0, u0;

  g_usleep (300 * 1000); /* let the main thread fall asleep in poll() */
  m0 = thread_switches (p->main_tid);
  u0 = p->usb_tid ? thread_switches (p->usb_tid) : 0;
  g_usleep (3 * G_USEC_PER_SEC);
  p->main_switches = thread_switches (p->main_tid) - m0;
  p->usb_switches = p->usb_tid ? thread_switches (p->usb_tid) - u0 : 0;
  g_atomic_int_set (&p->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_idle (Fixture *f, gconstpointer data)
{
  IdleProbe probe = { (pid_t) syscall (SYS_gettid), libusb_thread (), 0, 0, 0 };
  GThread *thread;

  wait_powered (f, 0);
  assert_select_works (f);
  /* settle: nothing may be left to do */
  for (int i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  thread = g_thread_new ("idle-probe", idle_probe_thread, &probe);
  while (!g_atomic_int_get (&probe.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_test_message ("idle 3 s: main thread %" G_GUINT64_FORMAT ", libusb thread %" G_GUINT64_FORMAT
                  " context switches",
                  probe.main_switches, probe.usb_switches);
  g_assert_cmpuint (probe.main_switches, ==, 0);
  g_assert_cmpuint (probe.usb_switches, ==, 0);
}

#define ADD(path, setup, fn) g_test_add (path, Fixture, &setup, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  ccid_test_reexec_under_preload (argv);
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  (void) SCB_ERROR;
  ADD ("/ccid/sim/tpdu-t1", tpdu_t1, test_t1);
  ADD ("/ccid/sim/tpdu-t0", tpdu_t0, test_t0);
  ADD ("/ccid/sim/tpdu-mep", tpdu_mep, test_mep);
  ADD ("/ccid/sim/tpdu-mute", tpdu_mute, test_mute);
  ADD ("/ccid/sim/short-apdu", short_t1, test_apdu_levels);
  ADD ("/ccid/sim/extended-apdu", extended_t1, test_apdu_levels);
  ADD ("/ccid/sim/multislot", multislot, test_multislot);
  ADD ("/ccid/sim/no-interrupt", no_interrupt, test_polled);
  ADD ("/ccid/sim/idle", tpdu_t1, test_idle);
  ADD ("/ccid/sim/fault/recovered", tpdu_t1, test_faults_recovered);
  ADD ("/ccid/sim/fault/drop", tpdu_t1, test_fault_drop);
  ADD ("/ccid/sim/fault/stall", tpdu_t1, test_fault_stall);
  ADD ("/ccid/sim/fault/hw-error", tpdu_t1, test_fault_hw_error);
  ADD ("/ccid/sim/fault/remove-mid", tpdu_t1, test_fault_remove_mid);
  ADD ("/ccid/sim/fault/unplug-mid", tpdu_t1, test_fault_unplug_mid);
  return g_test_run ();
}

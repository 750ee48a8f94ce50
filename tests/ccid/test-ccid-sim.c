/* test-ccid-sim.c: the device layer against scardbus-sim's readers and
 * cards (tools/sim's SimBed, in this process, under the umockdev preload);
 * the faults are in test-ccid-sim-faults.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ccid-sim-fixture.h"
#include "scb-error.h"

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
  assert_echo (f, 200);          /* chaining to the card (IFSC 128) */
  assert_echo (f, 1000);         /* extended APDU, chaining both ways */
  assert_length_works (f, 4096); /* 17 chained I-blocks from the card */
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

/* Context switches of one thread of ours (docs/architecture.md's "wakeups"). */
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

/* Real readers (tests/data/ccid-readers.txt) as libccid takes them: a
 * vendor-class reader with two slots, an extended-APDU reader announcing 64
 * bytes, a reader with an interface string, named from libccid's table; an
 * ICCD token, a vendor-class ICCD one and a firmware libccid refuses are
 * left alone. */
static void
on_real_added (CcidMonitor *monitor, CcidDevice *device, GPtrArray *devices)
{
  g_ptr_array_add (devices, g_object_ref (device));
}

static void
test_real_readers (void)
{
  static const char *const entries[]
      = { "e-gate", "SCR331-DI", "JCOP41V221", "SCL010", "Fsij_gnuk", "Nitrokey_Nitrokey_3" };
  static const guint8 get_challenge[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
  g_autoptr (GError) error = NULL;
  g_autoptr (SimBed) bed = sim_bed_new (&error);
  g_autoptr (GPtrArray) devices = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (CcidMonitor) monitor = ccid_monitor_new ();
  g_autoptr (GBytes) apdu = g_bytes_new_static (get_challenge, sizeof get_challenge);
  g_autoptr (GBytes) answer = NULL;
  SimCardKind cards[2] = { SIM_CARD_T1, SIM_CARD_T1 };
  gboolean settled = FALSE;
  CcidSlot *gnuk;

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autofree char *spec
          = g_strdup_printf ("%s/data/ccid-readers.txt#%s", g_getenv ("G_TEST_SRCDIR"), entries[i]);
      const SimModel *model = sim_model_load (spec, &error);

      g_assert_no_error (error);
      g_assert_cmpint (sim_bed_plug (bed, model, cards, 2, &error), ==, (gint) i);
      g_assert_no_error (error);
    }
  g_signal_connect (monitor, "device-added", G_CALLBACK (on_real_added), devices);
  g_assert_true (ccid_monitor_start (monitor, &error));
  g_assert_no_error (error);
  WAIT_FOR (devices->len == 3, 5000);
  /* nothing else comes */
  g_timeout_add (500, ccid_test_expire, &settled);
  WAIT_FOR (settled, 2000);
  g_assert_cmpuint (devices->len, ==, 3);

  g_assert_cmpstr (ccid_device_get_name (g_ptr_array_index (devices, 0)), ==,
                   "SCM Microsystems Inc. SCR 331-DI");
  g_assert_cmpuint (ccid_device_get_n_slots (g_ptr_array_index (devices, 0)), ==, 2);
  g_assert_cmpstr (ccid_slot_get_name (ccid_device_get_slot (g_ptr_array_index (devices, 0), 1)),
                   ==, "SCM Microsystems Inc. SCR 331-DI 00 01");
  g_assert_cmpstr (ccid_device_get_name (g_ptr_array_index (devices, 1)), ==,
                   "Free Software Initiative of Japan Gnuk");
  g_assert_cmpstr (ccid_device_get_name (g_ptr_array_index (devices, 2)), ==,
                   "Nitrokey Nitrokey 3 [CCID/ICCD Interface]");

  /* extended APDU level in 64-byte messages */
  g_assert_cmpint (ccid_device_get_descriptor (g_ptr_array_index (devices, 1))->level, ==,
                   CCID_LEVEL_EXTENDED_APDU);
  gnuk = ccid_device_get_slot (g_ptr_array_index (devices, 1), 0);
  WAIT_FOR (ccid_slot_get_state (gnuk) == CCID_SLOT_POWERED, 5000);
  answer = ccid_test_transmit (gnuk, 0, apdu, 5000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (answer), ==, 10);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (answer, NULL))[8], ==, 0x90);

  ccid_monitor_stop (monitor);
  while (devices->len > 0)
    {
      CcidDevice *device = g_ptr_array_steal_index (devices, 0);

      g_object_add_weak_pointer (G_OBJECT (device), (gpointer *) &device);
      g_object_unref (device);
      WAIT_FOR (device == NULL, 3000);
    }
}

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
  g_test_add_func ("/ccid/sim/real-readers", test_real_readers);
  ADD ("/ccid/sim/idle", tpdu_t1, test_idle);
  return g_test_run ();
}

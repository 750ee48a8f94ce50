/* ccid-sim-fixture.c: what test-ccid-sim and test-ccid-sim-faults share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-sim-fixture.h"

#include <stdlib.h>
#include <string.h>

#include "sim-app.h"

const Setup tpdu_t1 = { "tpdu", SIM_CARD_T1 };
const Setup tpdu_t0 = { "tpdu", SIM_CARD_T0 };
const Setup tpdu_mep = { "tpdu", SIM_CARD_MEP };
const Setup tpdu_mute = { "tpdu", SIM_CARD_MUTE };
const Setup short_t1 = { "short-apdu", SIM_CARD_T1 };
const Setup extended_t1 = { "extended-apdu", SIM_CARD_T1 };
const Setup multislot = { "multislot", SIM_CARD_T1 };
const Setup no_interrupt = { "no-interrupt", SIM_CARD_T1 };

const guint8 select_aid[13]
    = { 0x00, 0xA4, 0x04, 0x00, SIM_APP_AID_LEN, 0xF0, 0x53, 0x43, 0x42, 0x53, 0x49, 0x4D, 0x00 };

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

void
bed_op_n (Fixture *f, BedOpKind kind, guint slot_index, SimFault fault, guint count)
{
  BedOp op = { f->bed, f->index, slot_index, kind, fault, count, NULL, 0 };
  GThread *thread = g_thread_new ("bed-op", bed_op_thread, &op);

  WAIT_FOR (g_atomic_int_get (&op.done), 15000);
  g_thread_join (thread);
  g_assert_no_error (op.error);
}

void
bed_op (Fixture *f, BedOpKind kind, guint slot_index, SimFault fault)
{
  bed_op_n (f, kind, slot_index, fault, 1);
}

void
bed_fault_later (Fixture *f, SimFault fault, guint count, guint after)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (after > 0 || fault != SIM_FAULT_HW_ERROR);
  g_assert_true (sim_bed_fault_later (f->bed, f->index, 0, fault, count, after, &error));
  g_assert_no_error (error);
}

static guint64
stats_counter (Fixture *f, guint slot_index, const char *key)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = sim_bed_stats (f->bed, f->index, slot_index, &error);
  g_autofree char *quoted = g_strdup_printf ("\"%s\": ", key);
  const char *at;

  g_assert_no_error (error);
  at = strstr (json, quoted);
  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (quoted), NULL, 10);
}

guint64
bed_faults_injected (Fixture *f, guint slot_index)
{
  return stats_counter (f, slot_index, "faults_injected");
}

guint64
bed_urbs_submitted (Fixture *f)
{
  return stats_counter (f, 0, "urbs_submitted");
}

CcidSlot *
slot (Fixture *f, guint n)
{
  g_assert_cmpuint (f->devices->len, >, 0);
  return ccid_device_get_slot (g_ptr_array_index (f->devices, f->devices->len - 1), n);
}

void
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

void
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

GBytes *
transmit_nad (Fixture *f, CcidSlot *s, guint8 nad, const guint8 *apdu, gsize len, GError **error)
{
  g_autoptr (GBytes) in = g_bytes_new (apdu, len);

  return ccid_test_transmit (s, nad, in, 20000, error);
}

GBytes *
transmit (Fixture *f, const guint8 *apdu, gsize len, GError **error)
{
  return transmit_nad (f, slot (f, 0), 0, apdu, len, error);
}

void
wait_powered (Fixture *f, guint n)
{
  WAIT_FOR (ccid_slot_get_state (slot (f, n)) == CCID_SLOT_POWERED, 10000);
}

static void
on_power_on (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GBytes **atr = user_data;
  g_autoptr (GError) error = NULL;

  *atr = ccid_slot_power_on_finish (CCID_SLOT (source), result, &error);
  g_assert_no_error (error);
}

void
power_on (Fixture *f, guint n)
{
  g_autoptr (GBytes) atr = NULL;

  ccid_slot_power_on_async (slot (f, n), NULL, on_power_on, &atr);
  WAIT_FOR (atr != NULL, 10000);
  g_assert_cmpint (ccid_slot_get_state (slot (f, n)), ==, CCID_SLOT_POWERED);
}

void
assert_sw (GBytes *r, guint16 sw)
{
  gsize n;
  const guint8 *d;

  g_assert_nonnull (r);
  d = g_bytes_get_data (r, &n);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmphex ((guint) (d[n - 2] << 8 | d[n - 1]), ==, sw);
}

void
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

void
assert_select_works (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = transmit (f, select_aid, sizeof select_aid, &error);

  g_assert_no_error (error);
  assert_sw (r, 0x9000);
}

void
assert_length_works (Fixture *f, gsize n)
{
  const guint8 apdu[7]
      = { 0x80, SIM_APP_INS_LENGTH, (guint8) (n >> 8), (guint8) n, 0x00, 0x00, 0x00 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) r = transmit (f, apdu, sizeof apdu, &error);
  const guint8 *d;

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (r), ==, n + 2);
  d = g_bytes_get_data (r, NULL);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint (d[i], ==, i & 0xFF);
  assert_sw (r, 0x9000);
}

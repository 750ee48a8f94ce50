/* test-sim-ccid.c: the emulated CCID reader answers as CCID 1.1 says
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "sim-reader.h"
#include "sim-t1-card.h"

typedef struct
{
  SimReader *reader;
  GQueue answers;
  guint8 seq;
} Fixture;

static void
setup_model (Fixture *f, const char *model)
{
  f->reader = sim_reader_new (sim_model_lookup (model));
  g_queue_init (&f->answers);
  f->seq = 0;
}

static void
setup (Fixture *f, gconstpointer data)
{
  setup_model (f, data != NULL ? data : "tpdu");
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_queue_clear_full (&f->answers, (GDestroyNotify) g_bytes_unref);
  sim_reader_free (f->reader);
}

/* Sends a command with a correct dwLength and returns the first answer. */
static GBytes *
command (Fixture *f, guint8 type, guint8 slot, guint8 b7, guint8 b8, guint8 b9, const guint8 *data,
         gsize len)
{
  g_autofree guint8 *m = g_malloc0 (10 + len);

  m[0] = type;
  m[1] = len & 0xFF;
  m[2] = (len >> 8) & 0xFF;
  m[5] = slot;
  m[6] = f->seq++;
  m[7] = b7;
  m[8] = b8;
  m[9] = b9;
  if (len > 0)
    memcpy (m + 10, data, len);
  g_assert_true (sim_reader_command (f->reader, m, 10 + len, &f->answers));
  return g_queue_pop_head (&f->answers);
}

/* Checks the header of an answer: type, dwLength, slot, seq, status, error. */
static const guint8 *
check (GBytes *answer, guint8 type, guint8 slot, guint8 seq, guint8 status, guint8 error,
       gsize *len)
{
  gsize size;
  const guint8 *a;
  guint32 dw;

  g_assert_nonnull (answer);
  a = g_bytes_get_data (answer, &size);
  g_assert_cmpuint (size, >=, 10);
  dw = (guint32) a[1] | (guint32) a[2] << 8 | (guint32) a[3] << 16 | (guint32) a[4] << 24;
  g_assert_cmpuint (dw, ==, size - 10);
  g_assert_cmphex (a[0], ==, type);
  g_assert_cmpuint (a[5], ==, slot);
  g_assert_cmpuint (a[6], ==, seq);
  g_assert_cmphex (a[7], ==, status);
  g_assert_cmphex (a[8], ==, error);
  if (len != NULL)
    *len = dw;
  return a + 10;
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  static const guint8 tiny[5] = { 0x65, 0, 0, 0, 0 };
  guint8 lying[12] = { 0x65, 0x05, 0, 0, 0, 0, 0x33, 0, 0, 0, 1, 2 };
  g_autoptr (GBytes) a1 = NULL;
  g_autoptr (GBytes) a2 = NULL;
  g_autoptr (GBytes) a3 = NULL;
  g_autoptr (GBytes) a4 = NULL;
  g_autofree guint8 *big = g_malloc0 (400);

  /* Too short for a header: nothing to answer. */
  g_assert_true (sim_reader_command (f->reader, tiny, sizeof tiny, &f->answers));
  g_assert_true (g_queue_is_empty (&f->answers));
  g_assert_cmpuint (sim_reader_get_stats (f->reader, 0)->ccid[SIM_MSG_MALFORMED], ==, 1);

  /* dwLength says 5, 2 bytes came: bError 1 (offset of dwLength). */
  g_assert_true (sim_reader_command (f->reader, lying, sizeof lying, &f->answers));
  a1 = g_queue_pop_head (&f->answers);
  check (a1, 0x81, 0, 0x33, 0x42, 0x01, NULL);

  /* bSlot 3 on a one-slot reader: bError 5. */
  a2 = command (f, 0x65, 3, 0, 0, 0, NULL, 0);
  check (a2, 0x81, 3, 0, 0x42, 0x05, NULL);

  /* Unknown message type: slot status, command not supported (bError 0). */
  a3 = command (f, 0x99, 0, 0, 0, 0, NULL, 0);
  check (a3, 0x81, 0, 1, 0x42, 0x00, NULL);

  /* Longer than dwMaxCCIDMessageLength (271). */
  a4 = command (f, 0x6F, 0, 0, 0, 0, big, 300);
  check (a4, 0x80, 0, 2, 0x42, 0x01, NULL);
  g_assert_cmpuint (sim_reader_get_stats (f->reader, 0)->errors_answered, ==, 4);
}

static void
test_power_and_t1 (Fixture *f, gconstpointer data)
{
  guint8 block[4 + 7] = { 0x00, 0x00, 7, 0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00 };
  guint8 t0_params[5] = { 0x11, 0, 0, 0x0A, 0 };
  g_autoptr (GBytes) a1 = NULL;
  g_autoptr (GBytes) a2 = NULL;
  g_autoptr (GBytes) a3 = NULL;
  g_autoptr (GBytes) a4 = NULL;
  g_autoptr (GBytes) a5 = NULL;
  g_autoptr (GBytes) a6 = NULL;
  const guint8 *d;
  gsize n;

  g_assert_true (sim_reader_insert (f->reader, 0, SIM_CARD_T1, NULL));
  a1 = command (f, 0x65, 0, 0, 0, 0, NULL, 0);
  check (a1, 0x81, 0, 0, 0x01, 0, NULL); /* present, inactive */
  a2 = command (f, 0x62, 0, 9, 0, 0, NULL, 0);
  check (a2, 0x80, 0, 1, 0x41, 0x07, NULL); /* bPowerSelect 9 */
  a3 = command (f, 0x62, 0, 0, 0, 0, NULL, 0);
  d = check (a3, 0x80, 0, 2, 0x00, 0, &n);
  g_assert_cmpuint (n, ==, 17);
  g_assert_cmphex (d[0], ==, 0x3B);
  a4 = command (f, 0x61, 0, 0, 0, 0, t0_params, sizeof t0_params);
  check (a4, 0x82, 0, 3, 0x40, 0x07, NULL); /* T=1 card refuses T=0 */

  block[sizeof block - 1] = sim_t1_lrc (block, sizeof block - 1);
  a5 = command (f, 0x6F, 0, 0, 0, 0, block, sizeof block);
  d = check (a5, 0x80, 0, 4, 0x00, 0, &n);
  g_assert_cmpuint (n, ==, 4 + 2); /* I-block, 6A 82 */
  g_assert_cmphex (d[3], ==, 0x6A);
  g_assert_cmpuint (sim_t1_lrc (d, n), ==, 0);

  a6 = command (f, 0x63, 0, 0, 0, 0, NULL, 0);
  check (a6, 0x81, 0, 5, 0x01, 0, NULL);
}

static void
test_no_card (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) a1 = command (f, 0x62, 0, 0, 0, 0, NULL, 0);
  g_autoptr (GBytes) a2 = command (f, 0x6F, 0, 0, 0, 0, (const guint8 *) "\0\0\0\0", 4);

  check (a1, 0x80, 0, 0, 0x42, 0xFE, NULL);
  check (a2, 0x80, 0, 1, 0x42, 0xFE, NULL);
  g_assert_true (sim_reader_insert (f->reader, 0, SIM_CARD_MUTE, NULL));
  g_clear_pointer (&a1, g_bytes_unref);
  a1 = command (f, 0x62, 0, 0, 0, 0, NULL, 0);
  check (a1, 0x80, 0, 2, 0x41, 0xFE, NULL); /* mute: no ATR */
}

static void
test_extended_chaining (Fixture *f, gconstpointer data)
{
  static const guint8 length_cmd[7] = { 0x80, 0xE1, 0x01, 0x90, 0x00, 0x00, 0x00 }; /* 400 bytes */
  guint8 part1[6] = { 0x80, 0xEC, 0x00, 0x00, 0x00, 0x00 }; /* case 4E, Lc 0002 */
  guint8 part2[3] = { 0x02, 0xAB, 0xCD };
  guint8 part3[2] = { 0x00, 0x00 }; /* Le 0000 */
  g_autoptr (GBytes) a = NULL;
  const guint8 *d;
  gsize n, total = 0;

  g_assert_true (sim_reader_insert (f->reader, 0, SIM_CARD_T1, NULL));
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x62, 0, 0, 0, 0, NULL, 0);

  /* Command chaining: 01, 03, 02; each part but the last answered 10. */
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0x01, 0, part1, sizeof part1);
  check (a, 0x80, 0, 1, 0x00, 0x00, &n);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (a, NULL))[9], ==, 0x10);
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0x03, 0, part2, sizeof part2);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (a, NULL))[9], ==, 0x10);
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0x02, 0, part3, sizeof part3);
  d = check (a, 0x80, 0, 3, 0x00, 0x00, &n);
  g_assert_cmpuint (n, ==, 2 + 2);
  g_assert_cmphex (d[1], ==, 0xCD);

  /* Response chaining: 01, 03..., 02, each next part asked with 10. */
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0x00, 0, length_cmd, sizeof length_cmd);
  check (a, 0x80, 0, 4, 0x00, 0x00, &n);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (a, NULL))[9], ==, 0x01);
  total += n;
  for (;;)
    {
      guint8 chain;

      g_clear_pointer (&a, g_bytes_unref);
      a = command (f, 0x6F, 0, 0, 0x10, 0, NULL, 0);
      check (a, 0x80, 0, f->seq - 1, 0x00, 0x00, &n);
      total += n;
      chain = ((const guint8 *) g_bytes_get_data (a, NULL))[9];
      if (chain == 0x02)
        break;
      g_assert_cmphex (chain, ==, 0x03);
    }
  g_assert_cmpuint (total, ==, 402);

  /* A continuation nobody asked for: bError 8 (wLevelParameter). */
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0x10, 0, NULL, 0);
  check (a, 0x80, 0, f->seq - 1, 0x40, 0x08, NULL);
}

static void
test_faults (Fixture *f, gconstpointer data)
{
  static const guint8 select_mf[7] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 };
  g_autoptr (GBytes) a = NULL;
  g_autoptr (GBytes) msg = NULL;
  const guint8 *m;

  g_assert_true (sim_reader_insert (f->reader, 0, SIM_CARD_T1, NULL));
  g_clear_pointer (&msg, g_bytes_unref);
  msg = sim_reader_pop_interrupt (f->reader); /* the insertion */
  m = g_bytes_get_data (msg, NULL);
  g_assert_cmphex (m[0], ==, 0x50);
  g_assert_cmphex (m[1], ==, 0x03);
  a = command (f, 0x62, 0, 0, 0, 0, NULL, 0);

  /* wtx at the APDU level: a time extension (bmCommandStatus 2) first. */
  g_assert_true (sim_reader_add_fault (f->reader, 0, SIM_FAULT_WTX, 1, NULL));
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0, 0, select_mf, sizeof select_mf);
  check (a, 0x80, 0, 1, 0x80, 0x01, NULL);
  g_clear_pointer (&a, g_bytes_unref);
  a = g_queue_pop_head (&f->answers);
  check (a, 0x80, 0, 1, 0x00, 0x00, NULL);

  /* drop: the card is mute for this APDU. */
  g_assert_true (sim_reader_add_fault (f->reader, 0, SIM_FAULT_DROP, 1, NULL));
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0, 0, select_mf, sizeof select_mf);
  check (a, 0x80, 0, 2, 0x40, 0xFE, NULL);

  /* hw-error: an interrupt message. */
  g_assert_true (sim_reader_add_fault (f->reader, 0, SIM_FAULT_HW_ERROR, 1, NULL));
  g_clear_pointer (&msg, g_bytes_unref);
  msg = sim_reader_pop_interrupt (f->reader);
  m = g_bytes_get_data (msg, NULL);
  g_assert_cmphex (m[0], ==, 0x51);
  g_assert_cmphex (m[3], ==, 0x01);

  /* remove-mid: the card goes during the APDU. */
  g_assert_true (sim_reader_add_fault (f->reader, 0, SIM_FAULT_REMOVE_MID, 1, NULL));
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0, 0, select_mf, sizeof select_mf);
  check (a, 0x80, 0, 3, 0x42, 0xFE, NULL);
  g_clear_pointer (&msg, g_bytes_unref);
  msg = sim_reader_pop_interrupt (f->reader);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (msg, NULL))[1], ==, 0x02);
  g_assert_false (sim_reader_has_card (f->reader, 0));
  g_assert_cmpuint (sim_reader_get_stats (f->reader, 0)->faults_injected, ==, 4);
}

/* A T=1 I-block (N(S) @ns) carrying @apdu, with its LRC. */
static GBytes *
t1_command (Fixture *f, guint8 ns, const guint8 *apdu, gsize len)
{
  guint8 block[4 + 16];

  g_assert_cmpuint (len, <=, 16);
  block[0] = 0x00;
  block[1] = ns ? 0x40 : 0x00;
  block[2] = (guint8) len;
  memcpy (block + 3, apdu, len);
  block[3 + len] = sim_t1_lrc (block, 3 + len);
  return command (f, 0x6F, 0, 0, 0, 0, block, 4 + len);
}

/* Faults of the reader during an XfrBlock, armed at once or for later. */
static void
test_reader_faults (Fixture *f, gconstpointer data)
{
  static const guint8 select_mf[7] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 };
  g_autoptr (GBytes) a = NULL;

  g_assert_true (sim_reader_insert (f->reader, 0, SIM_CARD_T1, NULL));
  a = sim_reader_pop_interrupt (f->reader); /* the insertion */
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x62, 0, 0, 0, 0, NULL, 0);

  /* busy: CMD_SLOT_BUSY (E0), the card never sees the block */
  g_assert_true (sim_reader_add_fault (f->reader, 0, SIM_FAULT_BUSY, 1, NULL));
  g_clear_pointer (&a, g_bytes_unref);
  a = t1_command (f, 0, select_mf, sizeof select_mf);
  check (a, 0x80, 0, f->seq - 1, 0x40, 0xE0, NULL);
  g_clear_pointer (&a, g_bytes_unref);
  a = t1_command (f, 0, select_mf, sizeof select_mf);
  check (a, 0x80, 0, f->seq - 1, 0x00, 0x00, NULL);

  /* inactive-mid after two XfrBlocks: the third is answered ICC_MUTE,
   * card present and inactive, and so is every later one */
  g_assert_true (sim_reader_add_fault_later (f->reader, 0, SIM_FAULT_INACTIVE_MID, 1, 2, NULL));
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&a, g_bytes_unref);
      a = t1_command (f, (i + 1) & 1, select_mf, sizeof select_mf);
      check (a, 0x80, 0, f->seq - 1, 0x00, 0x00, NULL);
    }
  g_assert_cmpuint (sim_reader_get_stats (f->reader, 0)->faults_injected, ==, 1);
  g_clear_pointer (&a, g_bytes_unref);
  a = t1_command (f, 1, select_mf, sizeof select_mf);
  check (a, 0x80, 0, f->seq - 1, 0x41, 0xFE, NULL);
  g_clear_pointer (&a, g_bytes_unref);
  a = t1_command (f, 1, select_mf, sizeof select_mf);
  check (a, 0x80, 0, f->seq - 1, 0x41, 0xFE, NULL);
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x65, 0, 0, 0, 0, NULL, 0);
  check (a, 0x81, 0, f->seq - 1, 0x01, 0, NULL);
  g_assert_cmpuint (sim_reader_get_stats (f->reader, 0)->faults_injected, ==, 2);

  /* powered again, the card answers from a fresh start */
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x62, 0, 0, 0, 0, NULL, 0);
  check (a, 0x80, 0, f->seq - 1, 0x00, 0, NULL);
  g_clear_pointer (&a, g_bytes_unref);
  a = t1_command (f, 0, select_mf, sizeof select_mf);
  check (a, 0x80, 0, f->seq - 1, 0x00, 0x00, NULL);

  /* hw-error for later: queued when the XfrBlock after the next arrives */
  g_assert_true (sim_reader_add_fault_later (f->reader, 0, SIM_FAULT_HW_ERROR, 1, 1, NULL));
  g_assert_null (sim_reader_pop_interrupt (f->reader));
  g_clear_pointer (&a, g_bytes_unref);
  a = t1_command (f, 1, select_mf, sizeof select_mf);
  g_assert_null (sim_reader_pop_interrupt (f->reader));
  g_clear_pointer (&a, g_bytes_unref);
  a = t1_command (f, 0, select_mf, sizeof select_mf);
  check (a, 0x80, 0, f->seq - 1, 0x00, 0x00, NULL);
  g_clear_pointer (&a, g_bytes_unref);
  a = sim_reader_pop_interrupt (f->reader);
  g_assert_nonnull (a);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (a, NULL))[0], ==, 0x51);

  /* interrupt faults are device faults, taken one at a time */
  g_assert_true (sim_reader_add_fault (f->reader, 0, SIM_FAULT_INT_ERROR, 2, NULL));
  g_assert_true (sim_reader_take_device_fault (f->reader, SIM_FAULT_INT_ERROR));
  g_assert_true (sim_reader_take_device_fault (f->reader, SIM_FAULT_INT_ERROR));
  g_assert_false (sim_reader_take_device_fault (f->reader, SIM_FAULT_INT_ERROR));
}

/* wtx COUNT at the APDU level: COUNT time extensions, then the answer. */
static void
test_time_extensions (Fixture *f, gconstpointer data)
{
  static const guint8 select_mf[7] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 };
  g_autoptr (GBytes) a = NULL;

  g_assert_true (sim_reader_insert (f->reader, 0, SIM_CARD_T1, NULL));
  a = command (f, 0x62, 0, 0, 0, 0, NULL, 0);
  g_assert_true (sim_reader_add_fault (f->reader, 0, SIM_FAULT_WTX, 3, NULL));
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x6F, 0, 0, 0, 0, select_mf, sizeof select_mf);
  for (guint i = 0; i < 3; i++)
    {
      check (a, 0x80, 0, 1, 0x80, 0x01, NULL);
      g_clear_pointer (&a, g_bytes_unref);
      a = g_queue_pop_head (&f->answers);
    }
  check (a, 0x80, 0, 1, 0x00, 0x00, NULL);
  g_assert_true (g_queue_is_empty (&f->answers));
}

static void
test_multislot (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) msg = NULL;
  g_autoptr (GBytes) a = NULL;

  g_assert_true (sim_reader_insert (f->reader, 1, SIM_CARD_T0, NULL));
  msg = sim_reader_pop_interrupt (f->reader);
  /* slot 1: bits 2 (present) and 3 (changed) */
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (msg, NULL))[1], ==, 0x0C);
  a = command (f, 0x62, 1, 0, 0, 0, NULL, 0);
  check (a, 0x80, 1, 0, 0x00, 0, NULL);
  g_clear_pointer (&a, g_bytes_unref);
  a = command (f, 0x65, 0, 0, 0, 0, NULL, 0);
  check (a, 0x81, 0, 1, 0x02, 0, NULL); /* slot 0 empty */
  g_assert_false (sim_reader_insert (f->reader, 2, SIM_CARD_T1, NULL));
}

/* An eSIM with a profile on ports 0-2: the DAD of the NAD picks the port,
 * the answer's NAD swaps SAD and DAD, each NAD keeps its own sequence; a
 * fourth DAD has no profile. */
static void
test_mep (Fixture *f, gconstpointer data)
{
  static const guint8 select_aid[13]
      = { 0x00, 0xA4, 0x04, 0x00, 0x07, 0xF0, 0x53, 0x43, 0x42, 0x53, 0x49, 0x4D, 0x00 };
  g_autoptr (GBytes) a = NULL;
  guint8 block[4 + sizeof select_aid];
  const guint8 *d;
  gsize n;

  g_assert_true (sim_reader_insert (f->reader, 0, SIM_CARD_MEP, NULL));
  a = command (f, 0x62, 0, 0, 0, 0, NULL, 0);
  memcpy (block + 3, select_aid, sizeof select_aid);
  block[2] = sizeof select_aid;
  for (guint dad = 0; dad < 4; dad++)
    {
      block[0] = (guint8) (dad << 4); /* SAD 0, DAD dad */
      block[1] = 0x00;                /* I(0,0) on each NAD */
      block[sizeof block - 1] = sim_t1_lrc (block, sizeof block - 1);
      g_clear_pointer (&a, g_bytes_unref);
      a = command (f, 0x6F, 0, 0, 0, 0, block, sizeof block);
      d = check (a, 0x80, 0, f->seq - 1, 0x00, 0, &n);
      g_assert_cmphex (d[0], ==, dad); /* SAD dad, DAD 0 */
      g_assert_cmphex (d[1], ==, 0x00);
      if (dad < SIM_CARD_MEP_PORTS)
        {
          g_assert_cmpuint (d[2], ==, 16 + 2);
          g_assert_cmphex (d[3], ==, 0x6F);
          g_assert_cmphex (d[3 + 15], ==, dad); /* the profile in the FCI */
        }
      else
        {
          g_assert_cmpuint (d[2], ==, 2);
          g_assert_cmphex (d[3], ==, 0x6A);
          g_assert_cmphex (d[4], ==, 0x88);
        }
    }
  g_assert_cmpuint (sim_reader_get_stats (f->reader, 0)->nad_seen->len, ==, 4);
}

static void
test_no_interrupt (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (sim_reader_insert (f->reader, 0, SIM_CARD_T1, NULL));
  g_assert_null (sim_reader_pop_interrupt (f->reader));
  g_assert_false (sim_reader_add_fault (f->reader, 0, SIM_FAULT_HW_ERROR, 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (sim_reader_add_fault_later (f->reader, 0, SIM_FAULT_INT_STALL, 1, 3, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (sim_reader_add_fault (f->reader, 0, SIM_FAULT_INT_ERROR, 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sim/ccid/malformed", Fixture, "tpdu", setup, test_malformed, teardown);
  g_test_add ("/sim/ccid/power-and-t1", Fixture, "tpdu", setup, test_power_and_t1, teardown);
  g_test_add ("/sim/ccid/no-card", Fixture, "tpdu", setup, test_no_card, teardown);
  g_test_add ("/sim/ccid/extended-chaining", Fixture, "extended-apdu", setup,
              test_extended_chaining, teardown);
  g_test_add ("/sim/ccid/faults", Fixture, "short-apdu", setup, test_faults, teardown);
  g_test_add ("/sim/ccid/reader-faults", Fixture, "tpdu", setup, test_reader_faults, teardown);
  g_test_add ("/sim/ccid/time-extensions", Fixture, "short-apdu", setup, test_time_extensions,
              teardown);
  g_test_add ("/sim/ccid/multislot", Fixture, "multislot", setup, test_multislot, teardown);
  g_test_add ("/sim/ccid/mep", Fixture, "tpdu", setup, test_mep, teardown);
  g_test_add ("/sim/ccid/no-interrupt", Fixture, "no-interrupt", setup, test_no_interrupt,
              teardown);
  return g_test_run ();
}

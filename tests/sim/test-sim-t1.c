/* test-sim-t1.c: the card side of T=1 against ISO 7816-3 Annex A sequences
 *
 * Each test plays the interface device: it sends blocks and checks the
 * card's block by NAD, PCB and INF. Notation as in Annex A: I(N(S), M),
 * R(N(R)), S(... request|response).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim-t1-card.h"

typedef struct
{
  SimSlotStats stats;
  SimT1Card *card;
  guint8 last_nad;
} Fixture;

/* The application: "80 E1 P1 P2" answers P1P2 bytes i & 0xFF, anything
 * else is echoed; both end with 90 00. */
static GByteArray *
app (gpointer user_data, guint8 nad, const guint8 *apdu, gsize len)
{
  Fixture *f = user_data;
  GByteArray *r = g_byte_array_new ();
  static const guint8 ok[] = { 0x90, 0x00 };

  f->last_nad = nad;
  if (len >= 4 && apdu[0] == 0x80 && apdu[1] == 0xE1)
    {
      gsize n = (gsize) apdu[2] << 8 | apdu[3];

      g_byte_array_set_size (r, n);
      for (gsize i = 0; i < n; i++)
        r->data[i] = (guint8) i;
    }
  else
    g_byte_array_append (r, apdu, len);
  g_byte_array_append (r, ok, 2);
  return r;
}

static void
setup (Fixture *f, gconstpointer data)
{
  sim_slot_stats_init (&f->stats);
  f->card = sim_t1_card_new (32, app, f, &f->stats);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  sim_t1_card_free (f->card);
  sim_slot_stats_clear (&f->stats);
}

static GBytes *
send_block (Fixture *f, guint8 nad, guint8 pcb, const guint8 *inf, guint8 len)
{
  guint8 block[258];

  block[0] = nad;
  block[1] = pcb;
  block[2] = len;
  if (len > 0)
    memcpy (block + 3, inf, len);
  block[3 + len] = sim_t1_lrc (block, 3 + len);
  return sim_t1_card_receive (f->card, block, 4 + len);
}

/* Checks framing and LRC; returns INF and its length. */
static const guint8 *
check_block (GBytes *block, guint8 nad, guint8 pcb, gsize *inf_len)
{
  gsize len;
  const guint8 *b;

  g_assert_nonnull (block);
  b = g_bytes_get_data (block, &len);
  g_assert_cmpuint (len, >=, 4);
  g_assert_cmpuint (len, ==, 4u + b[2]);
  g_assert_cmpuint (sim_t1_lrc (b, len), ==, 0);
  g_assert_cmphex (b[0], ==, nad);
  g_assert_cmphex (b[1], ==, pcb);
  if (inf_len != NULL)
    *inf_len = b[2];
  return b + 3;
}

static const guint8 select_apdu[] = { 0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00 };

/* A.2.1 (scenario 1): I-blocks alternate N(S) on both sides. */
static void
test_i_blocks (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) r1 = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu);
  g_autoptr (GBytes) r2 = NULL;
  gsize n;
  const guint8 *inf = check_block (r1, 0, 0x00, &n);

  g_assert_cmpuint (n, ==, sizeof select_apdu + 2);
  g_assert_cmpmem (inf, sizeof select_apdu, select_apdu, sizeof select_apdu);
  r2 = send_block (f, 0, 0x40, select_apdu, sizeof select_apdu);
  check_block (r2, 0, 0x40, NULL);
  g_assert_cmpuint (f->stats.t1_i, ==, 2);
}

/* A.2.2 (scenario 2): chaining from the interface device; each chained
 * I-block is acknowledged with R(N(R) = next expected N(S)). */
static void
test_host_chaining (Fixture *f, gconstpointer data)
{
  guint8 part1[4] = { 0x80, 0xEC, 0x00, 0x00 };
  guint8 part2[3] = { 0x02, 0xAA, 0xBB };
  g_autoptr (GBytes) r1 = send_block (f, 0, 0x20, part1, sizeof part1); /* I(0,1) */
  g_autoptr (GBytes) r2 = NULL;
  const guint8 *inf;
  gsize n;

  check_block (r1, 0, 0x90, NULL);                   /* R(1) */
  r2 = send_block (f, 0, 0x40, part2, sizeof part2); /* I(1,0) */
  inf = check_block (r2, 0, 0x00, &n);               /* I(0,0) */
  g_assert_cmpuint (n, ==, 7 + 2);
  g_assert_cmphex (inf[6], ==, 0xBB);
}

/* A.2.3 (scenario 3): chaining from the card, IFSD 32 by default. */
static void
test_card_chaining (Fixture *f, gconstpointer data)
{
  guint8 cmd[4] = { 0x80, 0xE1, 0x00, 40 }; /* 40 bytes + SW = 42 > 32 */
  g_autoptr (GBytes) r1 = send_block (f, 0, 0x00, cmd, sizeof cmd);
  g_autoptr (GBytes) r2 = NULL;
  const guint8 *inf;
  gsize n;

  inf = check_block (r1, 0, 0x20, &n); /* I(0,1) */
  g_assert_cmpuint (n, ==, 32);
  g_assert_cmphex (inf[31], ==, 31);
  r2 = send_block (f, 0, 0x90, NULL, 0); /* R(1) */
  inf = check_block (r2, 0, 0x40, &n);   /* I(1,0) */
  g_assert_cmpuint (n, ==, 10);
  g_assert_cmphex (inf[0], ==, 32);
  g_assert_cmphex (inf[8], ==, 0x90);
}

/* A.3: a block with a bad EDC gets R(N(R)) with bit 1 (EDC error); the
 * retransmitted block is then processed. */
static void
test_bad_edc (Fixture *f, gconstpointer data)
{
  guint8 block[4 + sizeof select_apdu] = { 0, 0x00, sizeof select_apdu };
  g_autoptr (GBytes) r1 = NULL;
  g_autoptr (GBytes) r2 = NULL;

  memcpy (block + 3, select_apdu, sizeof select_apdu);
  block[sizeof block - 1] = sim_t1_lrc (block, sizeof block - 1) ^ 0x55;
  r1 = sim_t1_card_receive (f->card, block, sizeof block);
  check_block (r1, 0, 0x81, NULL); /* R(0) EDC */
  r2 = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu);
  check_block (r2, 0, 0x00, NULL);
}

/* A.3: a wrong LEN (other error), then an I-block out of sequence. */
static void
test_other_errors (Fixture *f, gconstpointer data)
{
  guint8 block[5] = { 0, 0x00, 0x05, 0x00, 0 };
  g_autoptr (GBytes) r1 = NULL;
  g_autoptr (GBytes) r2 = NULL;

  block[4] = sim_t1_lrc (block, 4);
  r1 = sim_t1_card_receive (f->card, block, sizeof block);
  check_block (r1, 0, 0x82, NULL);                               /* R(0) other */
  r2 = send_block (f, 0, 0x40, select_apdu, sizeof select_apdu); /* I(1,0): expected 0 */
  check_block (r2, 0, 0x82, NULL);
}

/* A.4: the card's answer is lost; R(N(R) = N(S) of that I-block) makes the
 * card send it again. */
static void
test_retransmit (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) r1 = NULL;
  g_autoptr (GBytes) r2 = NULL;
  g_autoptr (GBytes) r3 = NULL;

  sim_t1_card_add_fault (f->card, SIM_FAULT_DROP, 1);
  r1 = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu);
  g_assert_null (r1);                    /* dropped */
  r2 = send_block (f, 0, 0x80, NULL, 0); /* R(0) */
  check_block (r2, 0, 0x00, NULL);       /* I(0,0) again */
  g_assert_cmpuint (f->stats.faults_injected, ==, 1);

  sim_t1_card_add_fault (f->card, SIM_FAULT_BAD_EDC, 1);
  r3 = send_block (f, 0, 0x40, select_apdu, sizeof select_apdu);
  g_assert_cmpuint (sim_t1_lrc (g_bytes_get_data (r3, NULL), g_bytes_get_size (r3)), !=, 0);
  g_clear_pointer (&r3, g_bytes_unref);
  r3 = send_block (f, 0, 0x80 | 0x10 | 0x01, NULL, 0); /* R(1) EDC error */
  check_block (r3, 0, 0x40, NULL);                     /* I(1,0) again */
}

/* A.4: during chaining from the card, the interface device's R-block
 * arrives corrupted: the card answers R with the EDC bit, then goes on
 * with the chain when the R-block comes again. */
static void
test_chain_recovery (Fixture *f, gconstpointer data)
{
  guint8 cmd[4] = { 0x80, 0xE1, 0x00, 40 };
  guint8 bad_r[4] = { 0x00, 0x90, 0x00, 0x00 }; /* R(1), LRC wrong */
  g_autoptr (GBytes) r1 = send_block (f, 0, 0x00, cmd, sizeof cmd);
  g_autoptr (GBytes) r2 = sim_t1_card_receive (f->card, bad_r, sizeof bad_r);
  g_autoptr (GBytes) r3 = NULL;
  gsize n;

  check_block (r1, 0, 0x20, NULL);       /* I(0,1) */
  check_block (r2, 0, 0x91, NULL);       /* R(1), EDC error */
  r3 = send_block (f, 0, 0x90, NULL, 0); /* R(1) again */
  check_block (r3, 0, 0x40, &n);         /* I(1,0): the rest */
  g_assert_cmpuint (n, ==, 10);
}

/* A.5: S(IFS request) from the interface device sets IFSD. */
static void
test_ifs (Fixture *f, gconstpointer data)
{
  guint8 ifsd = 0xFE;
  guint8 bad = 0xFF;
  guint8 cmd[4] = { 0x80, 0xE1, 0x00, 200 };
  g_autoptr (GBytes) r1 = send_block (f, 0, 0xC1, &ifsd, 1);
  g_autoptr (GBytes) r2 = NULL;
  g_autoptr (GBytes) r3 = NULL;
  const guint8 *inf = check_block (r1, 0, 0xE1, NULL);
  gsize n;

  g_assert_cmphex (inf[0], ==, 0xFE);
  g_assert_cmpuint (sim_t1_card_get_ifsd (f->card), ==, 254);
  r2 = send_block (f, 0, 0x00, cmd, sizeof cmd);
  check_block (r2, 0, 0x00, &n); /* no chaining */
  g_assert_cmpuint (n, ==, 202);
  r3 = send_block (f, 0, 0xC1, &bad, 1);
  check_block (r3, 0, 0x92, NULL); /* IFS 255: R(1) other */
}

/* A.6: S(RESYNCH request) resets the sequence numbers. */
static void
test_resynch (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) r1 = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu);
  g_autoptr (GBytes) r2 = send_block (f, 0, 0xC0, NULL, 0);
  g_autoptr (GBytes) r3 = NULL;

  check_block (r1, 0, 0x00, NULL);
  check_block (r2, 0, 0xE0, NULL);
  r3 = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu); /* N(S) 0 again */
  check_block (r3, 0, 0x00, NULL);
}

/* A.7: S(ABORT request) during chaining from the interface device. */
static void
test_abort (Fixture *f, gconstpointer data)
{
  guint8 part[4] = { 0x80, 0xEC, 0x00, 0x00 };
  g_autoptr (GBytes) r1 = send_block (f, 0, 0x20, part, sizeof part);
  g_autoptr (GBytes) r2 = send_block (f, 0, 0xC2, NULL, 0);
  g_autoptr (GBytes) r3 = NULL;

  check_block (r1, 0, 0x90, NULL);
  check_block (r2, 0, 0xE2, NULL);
  r3 = send_block (f, 0, 0x40, select_apdu, sizeof select_apdu); /* a fresh command */
  check_block (r3, 0, 0x00, NULL);
}

/* §11.6.2.3: S(WTX request) from the card, then its answer. */
static void
test_wtx (Fixture *f, gconstpointer data)
{
  guint8 multiplier = 1;
  g_autoptr (GBytes) r1 = NULL;
  g_autoptr (GBytes) r2 = NULL;
  const guint8 *inf;

  sim_t1_card_add_fault (f->card, SIM_FAULT_WTX, 1);
  r1 = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu);
  inf = check_block (r1, 0, 0xC3, NULL);
  g_assert_cmphex (inf[0], ==, 1);
  r2 = send_block (f, 0, 0xE3, &multiplier, 1);
  check_block (r2, 0, 0x00, NULL);
}

/* Several armed S(WTX request)s come in a row, before the one answer. */
static void
test_wtx_in_a_row (Fixture *f, gconstpointer data)
{
  guint8 multiplier = 1;
  g_autoptr (GBytes) r = NULL;

  sim_t1_card_add_fault (f->card, SIM_FAULT_WTX, 3);
  r = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmphex (check_block (r, 0, 0xC3, NULL)[0], ==, 1);
      g_clear_pointer (&r, g_bytes_unref);
      r = send_block (f, 0, 0xE3, &multiplier, 1);
    }
  check_block (r, 0, 0x00, NULL);
}

/* empty-chain: chained I-blocks without data before the answer, each
 * acknowledged like any other. */
static void
test_empty_chain (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) r = NULL;
  gsize n = 0;

  sim_t1_card_add_fault (f->card, SIM_FAULT_EMPTY_CHAIN, 2);
  r = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu);
  check_block (r, 0, 0x20, &n); /* I(0, M), LEN 0 */
  g_assert_cmpuint (n, ==, 0);
  g_clear_pointer (&r, g_bytes_unref);
  r = send_block (f, 0, 0x90, NULL, 0); /* R(1) */
  check_block (r, 0, 0x60, &n);         /* I(1, M), LEN 0 */
  g_assert_cmpuint (n, ==, 0);
  g_clear_pointer (&r, g_bytes_unref);
  r = send_block (f, 0, 0x90, NULL, 0); /* R(1) again: I(1) once more */
  check_block (r, 0, 0x60, &n);
  g_clear_pointer (&r, g_bytes_unref);
  r = send_block (f, 0, 0x80, NULL, 0); /* R(0) */
  check_block (r, 0, 0x00, &n);         /* I(0), the answer */
  g_assert_cmpuint (n, >, 2);
}

/* The card's own S(IFS request): IFSC changes once acknowledged. */
static void
test_card_ifs (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) r1 = NULL;
  g_autoptr (GBytes) r2 = NULL;
  const guint8 *inf;
  guint8 ifsc;

  sim_t1_card_add_fault (f->card, SIM_FAULT_IFS, 1);
  r1 = send_block (f, 0, 0x00, select_apdu, sizeof select_apdu);
  inf = check_block (r1, 0, 0xC1, NULL);
  ifsc = inf[0];
  g_assert_cmpuint (ifsc, !=, 32);
  r2 = send_block (f, 0, 0xE1, &ifsc, 1);
  check_block (r2, 0, 0x00, NULL);
  g_assert_cmpuint (sim_t1_card_get_ifsc (f->card), ==, ifsc);
}

/* §11.3.2.1 and TS 102 221: SAD/DAD swapped in answers, sequence state per NAD. */
static void
test_nad (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) r1 = send_block (f, 0x12, 0x00, select_apdu, sizeof select_apdu);
  g_autoptr (GBytes) r2 = NULL;
  g_autoptr (GBytes) r3 = NULL;

  check_block (r1, 0x21, 0x00, NULL);
  g_assert_cmphex (f->last_nad, ==, 0x12);
  r2 = send_block (f, 0x00, 0x00, select_apdu, sizeof select_apdu); /* NAD 0: own N(S) 0 */
  check_block (r2, 0x00, 0x00, NULL);
  r3 = send_block (f, 0x12, 0x40, select_apdu, sizeof select_apdu);
  check_block (r3, 0x21, 0x40, NULL);
  g_assert_cmpuint (f->stats.nad_seen->len, ==, 2);
  g_assert_cmphex (f->stats.nad_seen->data[0], ==, 0x12);
}

/* Lengths from the host are checked: short, truncated, oversized. */
static void
test_garbage (Fixture *f, gconstpointer data)
{
  static const guint8 tiny[2] = { 0x00, 0x00 };
  static const guint8 truncated[5] = { 0x00, 0x00, 0xFE, 0x01, 0x02 };
  g_autoptr (GBytes) r1 = sim_t1_card_receive (f->card, tiny, sizeof tiny);
  g_autoptr (GBytes) r2 = sim_t1_card_receive (f->card, truncated, sizeof truncated);
  g_autoptr (GBytes) r3 = sim_t1_card_receive (f->card, NULL, 0);

  check_block (r1, 0, 0x82, NULL);
  check_block (r2, 0, 0x81, NULL);
  check_block (r3, 0, 0x82, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add ("/sim/t1/" name, Fixture, NULL, setup, fn, teardown)
  ADD ("i-blocks", test_i_blocks);
  ADD ("host-chaining", test_host_chaining);
  ADD ("card-chaining", test_card_chaining);
  ADD ("bad-edc", test_bad_edc);
  ADD ("other-errors", test_other_errors);
  ADD ("retransmit", test_retransmit);
  ADD ("chain-recovery", test_chain_recovery);
  ADD ("ifs", test_ifs);
  ADD ("resynch", test_resynch);
  ADD ("abort", test_abort);
  ADD ("wtx", test_wtx);
  ADD ("wtx-in-a-row", test_wtx_in_a_row);
  ADD ("empty-chain", test_empty_chain);
  ADD ("card-ifs", test_card_ifs);
  ADD ("nad", test_nad);
  ADD ("garbage", test_garbage);
#undef ADD
  return g_test_run ();
}

/* sim-card.c: the simulated cards (t1, t0, mep, mute)
 *
 * ATRs (ISO 7816-3 §8): all at Fi/Di 372/1 (TA1 = 11), historical bytes
 * 80 57 "scbsimX" (a compact-TLV issuer tag naming the model).
 *   t1:  3B 99 11 81 31 80 45 80 57 73 63 62 73 69 6D 31 TCK
 *        T=1 only, IFSC 128 (TA3), BWI 4 / CWI 5 (TB3), LRC (no TC3)
 *   mep: the same with "scbsimM"
 *   t0:  3B 19 11 80 57 73 63 62 73 69 6D 30   (T=0 only, no TCK)
 * A mep card routes each APDU by the DAD of the NAD (ISO 7816-3 §11.3.2.1,
 * bits 7-5): DAD n is eSIM port n (an LSI of ETSI TS 102 221, numbered from
 * 0), with one enabled profile on each of ports 0, 1 and 2 (GSMA SGP.22
 * MEP); other DADs get 6A 88. Its T=1 state is per NAD.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-card.h"

#include "sim-app.h"
#include "sim-card-t0.h"
#include "sim-t1-card.h"

struct _SimCard
{
  SimCardKind kind;
  SimApp *apps[SIM_CARD_MEP_PORTS];
  SimT1Card *t1;
  SimT0Card *t0;
};

static const char *const kind_names[SIM_CARD_N] = {
  [SIM_CARD_T1] = "t1",
  [SIM_CARD_T0] = "t0",
  [SIM_CARD_MEP] = "mep",
  [SIM_CARD_MUTE] = "mute",
};

gboolean
sim_card_kind_from_string (const char *name, SimCardKind *kind)
{
  for (guint i = 0; i < SIM_CARD_N; i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      {
        *kind = i;
        return TRUE;
      }
  return FALSE;
}

const char *
sim_card_kind_to_string (SimCardKind kind)
{
  return kind < SIM_CARD_N ? kind_names[kind] : "unknown";
}

static GByteArray *
t1_apdu (gpointer user_data, guint8 nad, const guint8 *apdu, gsize len)
{
  SimCard *self = user_data;
  guint dad = (nad >> 4) & 0x07;

  if (self->kind != SIM_CARD_MEP)
    return sim_app_process (self->apps[0], apdu, len);
  if (dad >= SIM_CARD_MEP_PORTS)
    {
      GByteArray *r = g_byte_array_new ();
      static const guint8 not_found[] = { 0x6A, 0x88 };

      g_byte_array_append (r, not_found, sizeof not_found);
      return r;
    }
  return sim_app_process (self->apps[dad], apdu, len);
}

SimCard *
sim_card_new (SimCardKind kind, SimSlotStats *stats)
{
  SimCard *self = g_new0 (SimCard, 1);

  self->kind = kind;
  for (guint i = 0; i < SIM_CARD_MEP_PORTS; i++)
    self->apps[i] = sim_app_new (i);
  if (kind == SIM_CARD_T1 || kind == SIM_CARD_MEP)
    self->t1 = sim_t1_card_new (SIM_CARD_T1_IFSC, t1_apdu, self, stats);
  else if (kind == SIM_CARD_T0)
    self->t0 = sim_t0_card_new (self->apps[0]);
  return self;
}

void
sim_card_free (SimCard *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->t1, sim_t1_card_free);
  g_clear_pointer (&self->t0, sim_t0_card_free);
  for (guint i = 0; i < SIM_CARD_MEP_PORTS; i++)
    g_clear_pointer (&self->apps[i], sim_app_free);
  g_free (self);
}

SimCardKind
sim_card_get_kind (SimCard *self)
{
  return self->kind;
}

static GBytes *
make_atr (SimCardKind kind)
{
  static const guint8 t1_head[] = { 0x3B, 0x99, 0x11, 0x81, 0x31, SIM_CARD_T1_IFSC, 0x45 };
  static const guint8 t0_head[] = { 0x3B, 0x19, 0x11 };
  static const guint8 hist[] = { 0x80, 0x57, 's', 'c', 'b', 's', 'i', 'm' };
  GByteArray *atr = g_byte_array_new ();
  guint8 model = kind == SIM_CARD_T0 ? '0' : kind == SIM_CARD_MEP ? 'M' : '1';

  if (kind == SIM_CARD_T0)
    g_byte_array_append (atr, t0_head, sizeof t0_head);
  else
    g_byte_array_append (atr, t1_head, sizeof t1_head);
  g_byte_array_append (atr, hist, sizeof hist);
  g_byte_array_append (atr, &model, 1);
  if (kind != SIM_CARD_T0)
    {
      guint8 tck = 0; /* §8.2.5: XOR from T0 to TCK is 0 */

      for (guint i = 1; i < atr->len; i++)
        tck ^= atr->data[i];
      g_byte_array_append (atr, &tck, 1);
    }
  return g_byte_array_free_to_bytes (atr);
}

GBytes *
sim_card_power_on (SimCard *self)
{
  if (self->kind == SIM_CARD_MUTE)
    return NULL;
  for (guint i = 0; i < SIM_CARD_MEP_PORTS; i++)
    sim_app_reset (self->apps[i]);
  if (self->t1 != NULL)
    sim_t1_card_reset (self->t1);
  if (self->t0 != NULL)
    sim_t0_card_reset (self->t0);
  return make_atr (self->kind);
}

void
sim_card_power_off (SimCard *self)
{
  if (self->t0 != NULL)
    sim_t0_card_reset (self->t0);
}

guint
sim_card_get_protocols (SimCard *self)
{
  switch (self->kind)
    {
    case SIM_CARD_T0:
      return SIM_PROTOCOL_T0;
    case SIM_CARD_T1:
    case SIM_CARD_MEP:
      return SIM_PROTOCOL_T1;
    case SIM_CARD_MUTE:
    case SIM_CARD_N:
    default:
      return 0;
    }
}

GBytes *
sim_card_t1_block (SimCard *self, const guint8 *block, gsize len)
{
  if (self->t1 == NULL)
    return NULL;
  return sim_t1_card_receive (self->t1, block, len);
}

GByteArray *
sim_card_t0_tpdu (SimCard *self, const guint8 *tpdu, gsize len)
{
  if (self->t0 == NULL)
    return NULL;
  return sim_t0_card_tpdu (self->t0, tpdu, len);
}

GByteArray *
sim_card_apdu (SimCard *self, const guint8 *apdu, gsize len)
{
  return t1_apdu (self, 0, apdu, len);
}

gboolean
sim_card_add_t1_fault (SimCard *self, SimFault fault, guint count)
{
  if (self->t1 == NULL)
    return FALSE;
  sim_t1_card_add_fault (self->t1, fault, count);
  return TRUE;
}

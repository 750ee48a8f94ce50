/* sim-card.h: the simulated cards (t1, t0, mep, mute)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sim-fault.h"
#include "sim-stats.h"

G_BEGIN_DECLS

typedef enum
{
  SIM_CARD_T1,   /* T=1 only, IFSC 128, LRC */
  SIM_CARD_T0,   /* T=0 only: 61xx and 6Cxx procedure */
  SIM_CARD_MEP,  /* T=1 eSIM, a profile on each of ports 0-2, chosen by the NAD's DAD */
  SIM_CARD_MUTE, /* no ATR */
  SIM_CARD_N,
} SimCardKind;

#define SIM_CARD_T1_IFSC 0x80
#define SIM_CARD_MEP_PORTS 3 /* eSIM ports (DAD 0 to 2) of the mep card */
#define SIM_PROTOCOL_T0 0x01
#define SIM_PROTOCOL_T1 0x02

typedef struct _SimCard SimCard;

gboolean sim_card_kind_from_string (const char *name, SimCardKind *kind);
const char *sim_card_kind_to_string (SimCardKind kind);

SimCard *sim_card_new (SimCardKind kind, SimSlotStats *stats);
void sim_card_free (SimCard *self);
SimCardKind sim_card_get_kind (SimCard *self);

/* Cold reset: the ATR, or NULL for a mute card. */
GBytes *sim_card_power_on (SimCard *self);
void sim_card_power_off (SimCard *self);
/* SIM_PROTOCOL_T0 and/or SIM_PROTOCOL_T1 */
guint sim_card_get_protocols (SimCard *self);

/* TPDU level. A T=1 block in, the card's block out (NULL: silent). */
GBytes *sim_card_t1_block (SimCard *self, const guint8 *block, gsize len);
/* TPDU level. A T=0 command TPDU in, data + SW1 SW2 out. */
GByteArray *sim_card_t0_tpdu (SimCard *self, const guint8 *tpdu, gsize len);
/* APDU level (the reader runs the transmission protocol). */
GByteArray *sim_card_apdu (SimCard *self, const guint8 *apdu, gsize len);

/* Hands a block-level fault to the card's T=1 engine; FALSE if the card has
 * none (the reader then models the fault itself). */
gboolean sim_card_add_t1_fault (SimCard *self, SimFault fault, guint count);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimCard, sim_card_free)

G_END_DECLS

/* sim-t1-card.h: the card side of ISO 7816-3 T=1, sans I/O
 *
 * Blocks from the host go in, the card's answer block comes out. The APDU
 * layer is a callback. Written from ISO 7816-3 §11 independently of
 * service/proto/, so that the two check each other.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sim-fault.h"
#include "sim-stats.h"

G_BEGIN_DECLS

#define SIM_T1_IFS_DEFAULT 32 /* ISO 7816-3 §11.4.2: IFSD before any S(IFS) */
#define SIM_T1_MAX_APDU (4 + 3 + 65535 + 3)

/* Returns the response APDU (data + SW1 SW2) for the command @apdu sent
 * with node address @nad. */
typedef GByteArray *(*SimT1ApduFunc) (gpointer user_data, guint8 nad, const guint8 *apdu,
                                      gsize len);

typedef struct _SimT1Card SimT1Card;

/* @ifsc: the IFSC the ATR announces (1..254). @stats: counters to update
 * (block kinds, NADs, faults); it outlives the engine. */
SimT1Card *sim_t1_card_new (guint8 ifsc, SimT1ApduFunc func, gpointer user_data,
                            SimSlotStats *stats);
void sim_t1_card_free (SimT1Card *self);

/* Power-up or resynchronisation: sequence numbers 0, IFSD 32, IFSC from the ATR. */
void sim_t1_card_reset (SimT1Card *self);

/* One block from the host; returns the card's answer, or NULL when the card
 * stays silent (a "drop" fault, or nothing to say after S(ABORT response)). */
GBytes *sim_t1_card_receive (SimT1Card *self, const guint8 *block, gsize len);

/* Arms @count faults of @fault (bad-edc, drop, wtx, ifs, abort or
 * empty-chain). */
void sim_t1_card_add_fault (SimT1Card *self, SimFault fault, guint count);

guint8 sim_t1_card_get_ifsd (SimT1Card *self);
guint8 sim_t1_card_get_ifsc (SimT1Card *self);

/* LRC (ISO 7816-3 §11.4.4): XOR of all bytes. */
guint8 sim_t1_lrc (const guint8 *data, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimT1Card, sim_t1_card_free)

G_END_DECLS

/* sim-card-t0.h: the card side of ISO 7816-3 T=0 at the TPDU level
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sim-app.h"

G_BEGIN_DECLS

typedef struct _SimT0Card SimT0Card;

/* @app is borrowed and must outlive the engine. */
SimT0Card *sim_t0_card_new (SimApp *app);
void sim_t0_card_free (SimT0Card *self);
void sim_t0_card_reset (SimT0Card *self);
GByteArray *sim_t0_card_tpdu (SimT0Card *self, const guint8 *tpdu, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimT0Card, sim_t0_card_free)

G_END_DECLS

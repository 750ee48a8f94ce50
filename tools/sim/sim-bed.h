/* sim-bed.h: the umockdev testbed and the readers plugged into it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "sim-card.h"
#include "sim-fault.h"
#include "sim-model.h"

G_BEGIN_DECLS

typedef struct _SimBed SimBed;

/* The process must run under the umockdev preload (sim-main.c re-executes
 * itself so), or uevents do not reach the host. */
SimBed *sim_bed_new (GError **error);
gboolean sim_bed_preload_active (void);
void sim_bed_free (SimBed *self);
const char *sim_bed_get_root (SimBed *self);

/* Main thread only. Plugs a reader with @cards[i] in slot i (@n_cards may
 * be less than the model's slots; SIM_CARD_N leaves a slot empty); the
 * uevents are sent when it returns. Returns the new index, or -1. */
gint sim_bed_plug (SimBed *self, const SimModel *model, const SimCardKind *cards, guint n_cards,
                   GError **error);
gboolean sim_bed_unplug (SimBed *self, guint index, GError **error);

/* Any thread. Return once the host has reaped the NotifySlotChange (models
 * with an interrupt endpoint; the others are asked by the host). */
gboolean sim_bed_insert (SimBed *self, guint index, guint slot, SimCardKind kind, GError **error);
gboolean sim_bed_remove (SimBed *self, guint index, guint slot, GError **error);
gboolean sim_bed_fault (SimBed *self, guint index, guint slot, SimFault fault, guint count,
                        GError **error);
/* A fault that strikes once @after more XfrBlocks to the slot went by;
 * returns at once (even for hw-error). */
gboolean sim_bed_fault_later (SimBed *self, guint index, guint slot, SimFault fault, guint count,
                              guint after, GError **error);
/* What the user of reader @index's PIN pad types next (sim-pinpad.h). */
gboolean sim_bed_keypad (SimBed *self, guint index, const char *const *entries, GError **error);
char *sim_bed_stats (SimBed *self, guint index, guint slot, GError **error);

/* Main thread only, as root. Gives the device nodes of the readers, those
 * plugged now and later, to root:@group with mode 0660, as 70-scardbus.rules
 * does, and lets @group create the host's event sockets in the testbed: for
 * a host that runs as another user (--host-user). */
gboolean sim_bed_give_to_group (SimBed *self, gid_t group, GError **error);

/* Slots of the readers plugged now (what a host should list). */
guint sim_bed_count_slots (SimBed *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimBed, sim_bed_free)

G_END_DECLS

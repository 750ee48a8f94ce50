/* sim-reader.h: a CCID reader (CCID 1.1) and its slots, sans I/O
 *
 * Complete bulk-OUT messages go in, bulk-IN answers and interrupt messages
 * come out. Not thread-safe: the caller serialises (sim-usb.c holds the
 * bed's lock).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sim-card.h"
#include "sim-fault.h"
#include "sim-model.h"
#include "sim-stats.h"

G_BEGIN_DECLS

typedef struct _SimReader SimReader;

SimReader *sim_reader_new (const SimModel *model);
void sim_reader_free (SimReader *self);
const SimModel *sim_reader_get_model (SimReader *self);

/* Card changes. Each queues a NotifySlotChange when the model has an
 * interrupt endpoint. Insert fails on an occupied slot, remove on an
 * empty one. */
gboolean sim_reader_insert (SimReader *self, guint slot, SimCardKind kind, GError **error);
gboolean sim_reader_remove (SimReader *self, guint slot, GError **error);
gboolean sim_reader_has_card (SimReader *self, guint slot);

/* One bulk-OUT message; answers (GBytes) are pushed onto @answers. Returns
 * FALSE when an "unplug-mid" fault makes the reader vanish instead. */
gboolean sim_reader_command (SimReader *self, const guint8 *msg, gsize len, GQueue *answers);

/* Queues what the user of the PIN pad types next: each entry a PIN
 * (digits, then OK) or "cancel". Fails on a reader without a pad or a bad
 * entry (nothing is queued then). */
gboolean sim_reader_keypad (SimReader *self, const char *const *entries, GError **error);

/* The next interrupt-IN message, or NULL. */
GBytes *sim_reader_pop_interrupt (SimReader *self);

/* Arms a fault. hw-error queues its interrupt messages at once. */
gboolean sim_reader_add_fault (SimReader *self, guint slot, SimFault fault, guint count,
                               GError **error);
/* The same, once @after more XfrBlocks to @slot went by: the fault
 * strikes during the next one (hw-error: its message is queued then). */
gboolean sim_reader_add_fault_later (SimReader *self, guint slot, SimFault fault, guint count,
                                     guint after, GError **error);
/* Consumes one armed device-level fault (stall, unplug-mid, int-stall,
 * int-error). */
gboolean sim_reader_take_device_fault (SimReader *self, SimFault fault);

SimSlotStats *sim_reader_get_stats (SimReader *self, guint slot);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimReader, sim_reader_free)

G_END_DECLS

/* sim-control.h: the `ctl` socket of a running scardbus-sim
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sim-bed.h"

G_BEGIN_DECLS

#define SIM_CONTROL_MAX_CARDS 8

typedef struct _SimControl SimControl;

/* Listens on the unix socket @path; commands run against @bed (plug and
 * unplug on the thread that runs the default main context). */
SimControl *sim_control_new (SimBed *bed, const char *path, GError **error);
/* Stops accepting commands; those running finish. */
void sim_control_stop (SimControl *self);
void sim_control_free (SimControl *self);

/* "MODEL[:CARD[,CARD...]]": CARD i goes in slot i, `none` leaves it empty;
 * "MODEL" alone holds a t1 card in slot 0. */
gboolean sim_parse_reader_spec (const char *spec, const SimModel **model,
                                SimCardKind cards[SIM_CONTROL_MAX_CARDS], guint *n_cards,
                                GError **error);

/* `scardbus-sim ctl CMD ARG...`: sends one command to $SCARDBUS_SIM_CONTROL,
 * prints the answer, returns the exit status. */
int sim_control_client (int argc, char **argv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimControl, sim_control_free)

G_END_DECLS

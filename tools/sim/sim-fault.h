/* sim-fault.h: the faults `scardbus-sim ctl fault` injects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SIM_FAULT_BAD_EDC,    /* corrupt the EDC of the next card blocks */
  SIM_FAULT_DROP,       /* the card does not answer the next block */
  SIM_FAULT_WTX,        /* the card asks for more time (S(WTX request)) */
  SIM_FAULT_IFS,        /* the card sends S(IFS request) */
  SIM_FAULT_ABORT,      /* the card (or reader) aborts the exchange */
  SIM_FAULT_REMOVE_MID, /* the card is pulled during the next APDU */
  SIM_FAULT_UNPLUG_MID, /* the reader is unplugged during the next transfer */
  SIM_FAULT_HW_ERROR,   /* RDR_to_PC_HardwareError on the interrupt pipe */
  SIM_FAULT_STALL,      /* STALL on the bulk IN pipe */
  SIM_FAULT_N,
} SimFault;

gboolean sim_fault_from_string (const char *name, SimFault *fault);
const char *sim_fault_to_string (SimFault fault);

G_END_DECLS

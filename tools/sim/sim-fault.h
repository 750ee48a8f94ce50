/* sim-fault.h: the faults `scardbus-sim ctl fault` injects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SIM_FAULT_BAD_EDC,      /* corrupt the EDC of the next card blocks */
  SIM_FAULT_DROP,         /* the card does not answer the next block */
  SIM_FAULT_WTX,          /* the card asks for more time (S(WTX request)) */
  SIM_FAULT_IFS,          /* the card sends S(IFS request) */
  SIM_FAULT_ABORT,        /* the card (or reader) aborts the exchange */
  SIM_FAULT_REMOVE_MID,   /* the card is pulled during the next APDU */
  SIM_FAULT_UNPLUG_MID,   /* the reader is unplugged during the next transfer */
  SIM_FAULT_HW_ERROR,     /* RDR_to_PC_HardwareError on the interrupt pipe */
  SIM_FAULT_STALL,        /* STALL on the bulk IN pipe */
  SIM_FAULT_INACTIVE_MID, /* the reader deactivates the card during the next XfrBlock */
  SIM_FAULT_BUSY,         /* the reader answers the next XfrBlock CMD_SLOT_BUSY */
  SIM_FAULT_INT_STALL,    /* STALL on the interrupt IN pipe */
  SIM_FAULT_INT_ERROR,    /* the next interrupt IN transfer fails (EPROTO) */
  SIM_FAULT_EMPTY_CHAIN,  /* the card sends a chained I-block without data first */
  SIM_FAULT_N,
} SimFault;

gboolean sim_fault_from_string (const char *name, SimFault *fault);
const char *sim_fault_to_string (SimFault fault);
/* "bad-edc, drop, ..." for messages */
char *sim_fault_list (void);

/* Faults armed to strike later, after some XfrBlocks of a slot went by. */
typedef struct
{
  SimFault fault;
  guint count;
  guint after; /* XfrBlocks still to let through */
} SimFaultLater;

/* Adds @count faults of @fault to @later (a GArray of SimFaultLater,
 * created on first use), due after @after more XfrBlocks. */
void sim_fault_later_add (GArray **later, SimFault fault, guint count, guint after);
/* An XfrBlock arrived: moves one fault that is due now into @due (and
 * out of @later). Call until it returns FALSE. */
gboolean sim_fault_later_take_due (GArray *later, SimFaultLater *due);
/* The XfrBlock has been seen by every fault still waiting. */
void sim_fault_later_tick (GArray *later);

G_END_DECLS

/* sim-reader-private.h: what sim-reader.c and sim-reader-fault.c share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sim-reader.h"

typedef struct
{
  SimCard *card;
  gboolean powered;
  guint8 protocol; /* 0: T=0, 1: T=1 */
  guint8 params[7];
  guint8 params_len;
  guint faults[SIM_FAULT_N];
  GArray *later;          /* SimFaultLater: armed after some XfrBlocks */
  GByteArray *chain_cmd;  /* extended APDU level: command being received */
  GByteArray *chain_resp; /* extended APDU level: answer being sent */
  gsize chain_off;
  guint8 last_seq;
  SimSlotStats stats;
} Slot;

struct _SimReader
{
  const SimModel *model;
  SimLevel level;
  Slot *slots;
  guint device_faults[SIM_FAULT_N];
  GQueue interrupts;
  GQueue keypad; /* char *: what the user types next (sim-pinpad.h) */
};

gboolean sim_reader_check_slot (SimReader *self, guint slot, GError **error);

/* sim-reader-secure.c: PC_to_RDR_Secure's abData for @slot; the DataBlock's
 * data, or NULL and the bError to fail with. */
GByteArray *sim_reader_secure (SimReader *self, Slot *slot, const guint8 *data, gsize len,
                               guint8 *error);

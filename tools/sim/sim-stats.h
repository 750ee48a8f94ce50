/* sim-stats.h: what one simulated slot counts, and its JSON form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* CCID messages, in the order `stats` prints them (CCID 1.1 §6). */
typedef enum
{
  SIM_MSG_ICC_POWER_ON,
  SIM_MSG_ICC_POWER_OFF,
  SIM_MSG_GET_SLOT_STATUS,
  SIM_MSG_XFR_BLOCK,
  SIM_MSG_GET_PARAMETERS,
  SIM_MSG_RESET_PARAMETERS,
  SIM_MSG_SET_PARAMETERS,
  SIM_MSG_ESCAPE,
  SIM_MSG_ICC_CLOCK,
  SIM_MSG_T0_APDU,
  SIM_MSG_SECURE,
  SIM_MSG_MECHANICAL,
  SIM_MSG_ABORT,
  SIM_MSG_SET_DATA_RATE,
  SIM_MSG_UNKNOWN,
  SIM_MSG_MALFORMED,
  SIM_MSG_NOTIFY_SLOT_CHANGE,
  SIM_MSG_HARDWARE_ERROR,
  SIM_MSG_N,
} SimMsg;

typedef struct
{
  guint64 ccid[SIM_MSG_N];
  guint64 t1_i, t1_r, t1_s;
  GByteArray *nad_seen;
  guint64 faults_injected;
  guint64 errors_answered;
} SimSlotStats;

/* Per reader (one usbfs node): the work the host made us do. */
typedef struct
{
  guint64 ioctls;
  guint64 submits;
  guint64 reaps;
  guint64 empty_reaps;
  guint64 discards;
} SimUsbStats;

void sim_slot_stats_init (SimSlotStats *stats);
void sim_slot_stats_clear (SimSlotStats *stats);
void sim_slot_stats_note_nad (SimSlotStats *stats, guint8 nad);
char *sim_stats_to_json (const SimSlotStats *slot, const SimUsbStats *usb);

G_END_DECLS

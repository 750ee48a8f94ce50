/* sim-stats.c: the counters behind `scardbus-sim ctl stats`
 *
 * The keys are a contract (tests and benchmarks read them): ccid,
 * t1_blocks, nad_seen, faults_injected, errors_answered, usb.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-stats.h"

#include <string.h>

static const char *const msg_names[SIM_MSG_N] = {
  [SIM_MSG_ICC_POWER_ON] = "IccPowerOn",
  [SIM_MSG_ICC_POWER_OFF] = "IccPowerOff",
  [SIM_MSG_GET_SLOT_STATUS] = "GetSlotStatus",
  [SIM_MSG_XFR_BLOCK] = "XfrBlock",
  [SIM_MSG_GET_PARAMETERS] = "GetParameters",
  [SIM_MSG_RESET_PARAMETERS] = "ResetParameters",
  [SIM_MSG_SET_PARAMETERS] = "SetParameters",
  [SIM_MSG_ESCAPE] = "Escape",
  [SIM_MSG_ICC_CLOCK] = "IccClock",
  [SIM_MSG_T0_APDU] = "T0APDU",
  [SIM_MSG_SECURE] = "Secure",
  [SIM_MSG_MECHANICAL] = "Mechanical",
  [SIM_MSG_ABORT] = "Abort",
  [SIM_MSG_SET_DATA_RATE] = "SetDataRateAndClockFrequency",
  [SIM_MSG_UNKNOWN] = "unknown",
  [SIM_MSG_MALFORMED] = "malformed",
  [SIM_MSG_NOTIFY_SLOT_CHANGE] = "NotifySlotChange",
  [SIM_MSG_HARDWARE_ERROR] = "HardwareError",
};

void
sim_slot_stats_init (SimSlotStats *stats)
{
  memset (stats, 0, sizeof *stats);
  stats->nad_seen = g_byte_array_new ();
}

void
sim_slot_stats_clear (SimSlotStats *stats)
{
  g_clear_pointer (&stats->nad_seen, g_byte_array_unref);
}

void
sim_slot_stats_note_nad (SimSlotStats *stats, guint8 nad)
{
  for (guint i = 0; i < stats->nad_seen->len; i++)
    if (stats->nad_seen->data[i] == nad)
      return;
  g_byte_array_append (stats->nad_seen, &nad, 1);
}

char *
sim_stats_to_json (const SimSlotStats *slot, const SimUsbStats *usb)
{
  GString *s = g_string_new ("{\"ccid\": {");

  for (guint i = 0; i < SIM_MSG_N; i++)
    g_string_append_printf (s, "%s\"%s\": %" G_GUINT64_FORMAT, i ? ", " : "", msg_names[i],
                            slot->ccid[i]);
  g_string_append_printf (s,
                          "}, \"t1_blocks\": {\"i\": %" G_GUINT64_FORMAT
                          ", \"r\": %" G_GUINT64_FORMAT ", \"s\": %" G_GUINT64_FORMAT "}",
                          slot->t1_i, slot->t1_r, slot->t1_s);
  g_string_append (s, ", \"nad_seen\": [");
  for (guint i = 0; i < slot->nad_seen->len; i++)
    g_string_append_printf (s, "%s%u", i ? ", " : "", slot->nad_seen->data[i]);
  g_string_append_printf (
      s, "], \"faults_injected\": %" G_GUINT64_FORMAT ", \"errors_answered\": %" G_GUINT64_FORMAT,
      slot->faults_injected, slot->errors_answered);
  g_string_append_printf (s,
                          ", \"usb\": {\"ioctls\": %" G_GUINT64_FORMAT
                          ", \"urbs_submitted\": %" G_GUINT64_FORMAT
                          ", \"reaps\": %" G_GUINT64_FORMAT ", \"empty_reaps\": %" G_GUINT64_FORMAT
                          ", \"discards\": %" G_GUINT64_FORMAT "}}",
                          usb->ioctls, usb->submits, usb->reaps, usb->empty_reaps, usb->discards);
  return g_string_free (s, FALSE);
}

/* sim-fault.c: fault names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-fault.h"

static const char *const fault_names[SIM_FAULT_N] = {
  [SIM_FAULT_BAD_EDC] = "bad-edc",
  [SIM_FAULT_DROP] = "drop",
  [SIM_FAULT_WTX] = "wtx",
  [SIM_FAULT_IFS] = "ifs",
  [SIM_FAULT_ABORT] = "abort",
  [SIM_FAULT_REMOVE_MID] = "remove-mid",
  [SIM_FAULT_UNPLUG_MID] = "unplug-mid",
  [SIM_FAULT_HW_ERROR] = "hw-error",
  [SIM_FAULT_STALL] = "stall",
};

gboolean
sim_fault_from_string (const char *name, SimFault *fault)
{
  for (guint i = 0; i < SIM_FAULT_N; i++)
    if (g_strcmp0 (name, fault_names[i]) == 0)
      {
        *fault = i;
        return TRUE;
      }
  return FALSE;
}

const char *
sim_fault_to_string (SimFault fault)
{
  return fault < SIM_FAULT_N ? fault_names[fault] : "unknown";
}

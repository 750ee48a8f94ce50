/* sim-fault.c: fault names, and faults armed for later
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
  [SIM_FAULT_INACTIVE_MID] = "inactive-mid",
  [SIM_FAULT_BUSY] = "busy",
  [SIM_FAULT_INT_STALL] = "int-stall",
  [SIM_FAULT_INT_ERROR] = "int-error",
  [SIM_FAULT_EMPTY_CHAIN] = "empty-chain",
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

char *
sim_fault_list (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < SIM_FAULT_N; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", fault_names[i]);
  return g_string_free (s, FALSE);
}

void
sim_fault_later_add (GArray **later, SimFault fault, guint count, guint after)
{
  SimFaultLater f = { fault, count, after };

  if (*later == NULL)
    *later = g_array_new (FALSE, FALSE, sizeof (SimFaultLater));
  g_array_append_val (*later, f);
}

gboolean
sim_fault_later_take_due (GArray *later, SimFaultLater *due)
{
  for (guint i = 0; later != NULL && i < later->len; i++)
    if (g_array_index (later, SimFaultLater, i).after == 0)
      {
        *due = g_array_index (later, SimFaultLater, i);
        g_array_remove_index (later, i);
        return TRUE;
      }
  return FALSE;
}

void
sim_fault_later_tick (GArray *later)
{
  for (guint i = 0; later != NULL && i < later->len; i++)
    g_array_index (later, SimFaultLater, i).after--;
}

/* sim-reader-fault.c: arming the faults of a simulated reader
 *
 * Faults of the card's T=1 blocks go to the card's engine at the TPDU
 * level; the reader meets the others itself (sim-reader.c takes them as
 * the commands come). A fault armed "after N" waits for N XfrBlocks of
 * its slot and strikes during the next one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-reader-private.h"

#include <gio/gio.h>

gboolean
sim_reader_take_device_fault (SimReader *self, SimFault fault)
{
  if (self->device_faults[fault] == 0)
    return FALSE;
  self->device_faults[fault]--;
  self->slots[0].stats.faults_injected++;
  return TRUE;
}

gboolean
sim_reader_add_fault (SimReader *self, guint slot, SimFault fault, guint count, GError **error)
{
  return sim_reader_add_fault_later (self, slot, fault, count, 0, error);
}

gboolean
sim_reader_add_fault_later (SimReader *self, guint slot, SimFault fault, guint count, guint after,
                            GError **error)
{
  Slot *s;

  if (!sim_reader_check_slot (self, slot, error))
    return FALSE;
  s = &self->slots[slot];
  if ((fault == SIM_FAULT_HW_ERROR || fault == SIM_FAULT_INT_STALL || fault == SIM_FAULT_INT_ERROR)
      && !self->model->interrupt)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "reader model %s has no interrupt endpoint", self->model->name);
      return FALSE;
    }
  if (after > 0 && fault < SIM_FAULT_N)
    {
      sim_fault_later_add (&s->later, fault, count, after);
      return TRUE;
    }
  switch (fault)
    {
    case SIM_FAULT_BAD_EDC:
    case SIM_FAULT_DROP:
    case SIM_FAULT_WTX:
    case SIM_FAULT_IFS:
    case SIM_FAULT_ABORT:
    case SIM_FAULT_EMPTY_CHAIN:
      /* At the TPDU level a T=1 card shows these in its blocks; otherwise
       * the reader meets them and reports them (see slot_link_fault()). */
      if (self->level == SIM_LEVEL_TPDU && s->card != NULL
          && sim_card_add_t1_fault (s->card, fault, count))
        return TRUE;
      s->faults[fault] += count;
      return TRUE;
    case SIM_FAULT_REMOVE_MID:
    case SIM_FAULT_INACTIVE_MID:
    case SIM_FAULT_BUSY:
      s->faults[fault] += count;
      return TRUE;
    case SIM_FAULT_UNPLUG_MID:
    case SIM_FAULT_STALL:
    case SIM_FAULT_INT_STALL:
    case SIM_FAULT_INT_ERROR:
      self->device_faults[fault] += count;
      return TRUE;
    case SIM_FAULT_HW_ERROR:
      for (guint i = 0; i < count; i++)
        {
          /* CCID 1.1 §6.3.2, bHardwareErrorCode 01: overcurrent */
          guint8 msg[4] = { 0x51, (guint8) slot, s->last_seq, 0x01 };

          s->stats.ccid[SIM_MSG_HARDWARE_ERROR]++;
          s->stats.faults_injected++;
          g_queue_push_tail (&self->interrupts, g_bytes_new (msg, sizeof msg));
        }
      return TRUE;
    case SIM_FAULT_N:
    default:
      break;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown fault");
  return FALSE;
}

/* scb-slot.c: what the PC/SC session needs of one reader slot
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-slot.h"
#include "scb-error.h"

G_DEFINE_INTERFACE (ScbSlot, scb_slot, G_TYPE_OBJECT)

static void
scb_slot_default_init (ScbSlotInterface *iface)
{
  g_signal_new ("changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);
}

ScbSlotState
scb_slot_get_state (ScbSlot *self)
{
  return SCB_SLOT_GET_IFACE (self)->get_state (self);
}

GBytes *
scb_slot_get_atr (ScbSlot *self)
{
  return SCB_SLOT_GET_IFACE (self)->get_atr (self);
}

guint
scb_slot_get_protocols (ScbSlot *self)
{
  return SCB_SLOT_GET_IFACE (self)->get_protocols (self);
}

int
scb_slot_get_active_protocol (ScbSlot *self)
{
  return SCB_SLOT_GET_IFACE (self)->get_active_protocol (self);
}

guint
scb_slot_get_card_generation (ScbSlot *self)
{
  return SCB_SLOT_GET_IFACE (self)->get_card_generation (self);
}

const char *
scb_slot_get_name (ScbSlot *self)
{
  return SCB_SLOT_GET_IFACE (self)->get_name (self);
}

gboolean
scb_slot_supports_nad (ScbSlot *self)
{
  return SCB_SLOT_GET_IFACE (self)->supports_nad (self);
}

const ScbSlotInfo *
scb_slot_get_info (ScbSlot *self)
{
  return SCB_SLOT_GET_IFACE (self)->get_info (self);
}

void
scb_slot_power_async (ScbSlot *self, ScbSlotPower action, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  SCB_SLOT_GET_IFACE (self)->power_async (self, action, cancellable, callback, user_data);
}

GBytes *
scb_slot_power_finish (ScbSlot *self, GAsyncResult *result, GError **error)
{
  return SCB_SLOT_GET_IFACE (self)->power_finish (self, result, error);
}

void
scb_slot_set_protocol_async (ScbSlot *self, guint protocols, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  SCB_SLOT_GET_IFACE (self)->set_protocol_async (self, protocols, cancellable, callback, user_data);
}

int
scb_slot_set_protocol_finish (ScbSlot *self, GAsyncResult *result, GError **error)
{
  return SCB_SLOT_GET_IFACE (self)->set_protocol_finish (self, result, error);
}

void
scb_slot_transmit (ScbSlot *self, guint8 nad, GBytes *apdu, ScbSlotTransmitFunc func,
                   gpointer user_data)
{
  SCB_SLOT_GET_IFACE (self)->transmit (self, nad, apdu, func, user_data);
}

void
scb_slot_escape_async (ScbSlot *self, GBytes *data, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  SCB_SLOT_GET_IFACE (self)->escape_async (self, data, cancellable, callback, user_data);
}

GBytes *
scb_slot_escape_finish (ScbSlot *self, GAsyncResult *result, GError **error)
{
  return SCB_SLOT_GET_IFACE (self)->escape_finish (self, result, error);
}

void
scb_slot_part10_async (ScbSlot *self, guint8 nad, guint32 code, GBytes *data,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  ScbSlotInterface *iface = SCB_SLOT_GET_IFACE (self);
  g_autoptr (GTask) task = NULL;

  if (iface->part10_async != NULL)
    {
      iface->part10_async (self, nad, code, data, cancellable, callback, user_data);
      return;
    }
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, scb_slot_part10_async);
  g_task_return_new_error (task, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                           "Control code 0x%08x is not supported", code);
}

GBytes *
scb_slot_part10_finish (ScbSlot *self, GAsyncResult *result, GError **error)
{
  ScbSlotInterface *iface = SCB_SLOT_GET_IFACE (self);

  if (g_async_result_is_tagged (result, scb_slot_part10_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return iface->part10_finish (self, result, error);
}

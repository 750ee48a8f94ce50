/* scb-ccid-slot.c: the session's slot (scb-slot.h) over the CCID driver
 *
 * The only place above the driver that calls ccid_slot_*() (part 10 goes
 * through scb-pinpad.c, the daemon's part 10 on a CCID slot). A CCID slot
 * serves one APDU at a time and the session sends it one at a time (its
 * APDU queue has one in flight), so the answer's callback is kept here and
 * the per-APDU path allocates nothing more.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-ccid-slot.h"
#include "scb-pinpad.h"

struct _ScbCcidSlot
{
  GObject parent_instance;
  CcidDevice *device;
  CcidSlot *slot;
  gulong changed_id;
  ScbSlotInfo info;
  ScbSlotTransmitFunc transmit_func; /* the APDU in flight */
  gpointer transmit_data;
};

static void scb_ccid_slot_iface_init (ScbSlotInterface *iface);

G_DEFINE_TYPE_WITH_CODE (ScbCcidSlot, scb_ccid_slot, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (SCB_TYPE_SLOT, scb_ccid_slot_iface_init))

static ScbSlotState
get_state (ScbSlot *slot)
{
  switch (ccid_slot_get_state (SCB_CCID_SLOT (slot)->slot))
    {
    case CCID_SLOT_PRESENT:
      return SCB_SLOT_PRESENT;
    case CCID_SLOT_POWERED:
      return SCB_SLOT_POWERED;
    case CCID_SLOT_MUTE:
      return SCB_SLOT_MUTE;
    case CCID_SLOT_ABSENT:
    default:
      return SCB_SLOT_ABSENT;
    }
}

static GBytes *
get_atr (ScbSlot *slot)
{
  return ccid_slot_get_atr (SCB_CCID_SLOT (slot)->slot);
}

static guint
get_protocols (ScbSlot *slot)
{
  return ccid_slot_get_protocols (SCB_CCID_SLOT (slot)->slot);
}

static int
get_active_protocol (ScbSlot *slot)
{
  return ccid_slot_get_active_protocol (SCB_CCID_SLOT (slot)->slot);
}

static guint
get_card_generation (ScbSlot *slot)
{
  return ccid_slot_get_card_generation (SCB_CCID_SLOT (slot)->slot);
}

static const char *
get_name (ScbSlot *slot)
{
  return ccid_slot_get_name (SCB_CCID_SLOT (slot)->slot);
}

static gboolean
supports_nad (ScbSlot *slot)
{
  return ccid_slot_supports_nad (SCB_CCID_SLOT (slot)->slot);
}

static const ScbSlotInfo *
get_info (ScbSlot *slot)
{
  return &SCB_CCID_SLOT (slot)->info;
}

static void
on_power (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GBytes *atr = NULL;

  if (g_async_result_is_tagged (result, ccid_slot_power_off_async))
    {
      if (ccid_slot_power_off_finish (CCID_SLOT (source), result, &error))
        atr = g_bytes_new (NULL, 0);
    }
  else if (g_async_result_is_tagged (result, ccid_slot_reset_async))
    atr = ccid_slot_reset_finish (CCID_SLOT (source), result, &error);
  else
    atr = ccid_slot_power_on_finish (CCID_SLOT (source), result, &error);
  if (atr == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, atr, (GDestroyNotify) g_bytes_unref);
}

static void
power_async (ScbSlot *slot, ScbSlotPower action, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data)
{
  ScbCcidSlot *self = SCB_CCID_SLOT (slot);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  switch (action)
    {
    case SCB_SLOT_POWER_OFF:
      ccid_slot_power_off_async (self->slot, cancellable, on_power, task);
      break;
    case SCB_SLOT_RESET:
      ccid_slot_reset_async (self->slot, cancellable, on_power, task);
      break;
    case SCB_SLOT_POWER_ON:
    default:
      ccid_slot_power_on_async (self->slot, cancellable, on_power, task);
      break;
    }
}

static GBytes *
power_finish (ScbSlot *slot, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
set_protocol_async (ScbSlot *slot, guint protocols, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  ccid_slot_set_protocol_async (SCB_CCID_SLOT (slot)->slot, protocols, cancellable, callback,
                                user_data);
}

static int
set_protocol_finish (ScbSlot *slot, GAsyncResult *result, GError **error)
{
  return ccid_slot_set_protocol_finish (SCB_CCID_SLOT (slot)->slot, result, error);
}

static void
on_transmit (CcidSlot *ccid, GBytes *response, const GError *error, gpointer user_data)
{
  ScbCcidSlot *self = user_data;
  ScbSlotTransmitFunc func = self->transmit_func;
  gpointer data = self->transmit_data;

  self->transmit_func = NULL;
  self->transmit_data = NULL;
  func (response, error, data);
}

static void
transmit (ScbSlot *slot, guint8 nad, GBytes *apdu, ScbSlotTransmitFunc func, gpointer user_data)
{
  ScbCcidSlot *self = SCB_CCID_SLOT (slot);

  g_return_if_fail (self->transmit_func == NULL);
  self->transmit_func = func;
  self->transmit_data = user_data;
  ccid_slot_transmit (self->slot, nad, apdu, on_transmit, self);
}

static void
escape_async (ScbSlot *slot, GBytes *data, GCancellable *cancellable, GAsyncReadyCallback callback,
              gpointer user_data)
{
  ccid_slot_escape_async (SCB_CCID_SLOT (slot)->slot, data, cancellable, callback, user_data);
}

static GBytes *
escape_finish (ScbSlot *slot, GAsyncResult *result, GError **error)
{
  return ccid_slot_escape_finish (SCB_CCID_SLOT (slot)->slot, result, error);
}

static void
part10_async (ScbSlot *slot, guint8 nad, guint32 code, GBytes *data, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  scb_pinpad_control_async (SCB_CCID_SLOT (slot)->slot, nad, code, data, cancellable, callback,
                            user_data);
}

static GBytes *
part10_finish (ScbSlot *slot, GAsyncResult *result, GError **error)
{
  return scb_pinpad_control_finish (SCB_CCID_SLOT (slot)->slot, result, error);
}

static void
on_changed (CcidSlot *slot, gpointer user_data)
{
  g_signal_emit_by_name (user_data, "changed");
}

ScbSlot *
scb_ccid_slot_new (CcidDevice *device, CcidSlot *slot)
{
  ScbCcidSlot *self = g_object_new (SCB_TYPE_CCID_SLOT, NULL);
  guint busnum = 0, devnum = 0;

  self->device = g_object_ref (device);
  self->slot = g_object_ref (slot);
  self->info.manufacturer = ccid_device_get_manufacturer (device);
  self->info.serial = ccid_device_get_serial (device);
  self->info.bcd_device = ccid_device_get_bcd_device (device);
  /* PC/SC part 3: 0xDDDDCCCC, channel type 0x0020 (USB); the channel as
   * libccid numbers it, bus << 8 | device address. */
  ccid_device_get_usb_address (device, &busnum, &devnum);
  self->info.channel_id = 0x00200000u | ((busnum & 0xff) << 8) | (devnum & 0xff);
  /* The message's 10-byte header is not input. */
  self->info.max_input = ccid_device_get_descriptor (device)->message_length - 10;
  self->info.index = ccid_slot_get_index (slot);
  self->info.exchange_level = ccid_exchange_level_to_string (ccid_slot_get_exchange_level (slot));
  self->changed_id = g_signal_connect (slot, "changed", G_CALLBACK (on_changed), self);
  return SCB_SLOT (self);
}

static void
scb_ccid_slot_dispose (GObject *object)
{
  ScbCcidSlot *self = SCB_CCID_SLOT (object);

  if (self->slot != NULL)
    g_clear_signal_handler (&self->changed_id, self->slot);
  g_clear_object (&self->slot);
  g_clear_object (&self->device);
  G_OBJECT_CLASS (scb_ccid_slot_parent_class)->dispose (object);
}

static void
scb_ccid_slot_init (ScbCcidSlot *self)
{
}

static void
scb_ccid_slot_class_init (ScbCcidSlotClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_ccid_slot_dispose;
}

static void
scb_ccid_slot_iface_init (ScbSlotInterface *iface)
{
  iface->get_state = get_state;
  iface->get_atr = get_atr;
  iface->get_protocols = get_protocols;
  iface->get_active_protocol = get_active_protocol;
  iface->get_card_generation = get_card_generation;
  iface->get_name = get_name;
  iface->supports_nad = supports_nad;
  iface->get_info = get_info;
  iface->power_async = power_async;
  iface->power_finish = power_finish;
  iface->set_protocol_async = set_protocol_async;
  iface->set_protocol_finish = set_protocol_finish;
  iface->transmit = transmit;
  iface->escape_async = escape_async;
  iface->escape_finish = escape_finish;
  iface->part10_async = part10_async;
  iface->part10_finish = part10_finish;
}

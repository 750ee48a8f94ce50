/* scb-fake-slot.c: a slot (scb-slot.h) for the session's tests: no USB
 *
 * Every operation answers from an idle callback, as a real reader answers
 * later: calls overlap as they do in the daemon. An APDU's answer is its
 * INS byte and 90 00, so a test can tell APDUs apart.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-fake-slot.h"
#include "scb-error.h"

struct _ScbFakeSlot
{
  GObject parent_instance;
  char *name;
  char *serial;
  ScbSlotInfo info;
  ScbSlotState state;
  GBytes *atr;
  guint protocols;
  int active;
  guint generation;
  ScbFakeSlotCounts counts;
};

static void scb_fake_slot_iface_init (ScbSlotInterface *iface);

G_DEFINE_TYPE_WITH_CODE (ScbFakeSlot, scb_fake_slot, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (SCB_TYPE_SLOT, scb_fake_slot_iface_init))

static int
first_protocol (guint protocols)
{
  return (protocols & SCB_SLOT_PROTOCOL_T0) ? 0 : (protocols & SCB_SLOT_PROTOCOL_T1) ? 1 : -1;
}

static void
changed (ScbFakeSlot *self)
{
  g_signal_emit_by_name (self, "changed");
}

void
scb_fake_slot_insert (ScbFakeSlot *self, GBytes *atr, guint protocols)
{
  g_clear_pointer (&self->atr, g_bytes_unref);
  self->atr = g_bytes_ref (atr);
  self->protocols = protocols;
  self->active = first_protocol (protocols);
  self->state = SCB_SLOT_POWERED;
  self->generation++;
  changed (self);
}

void
scb_fake_slot_remove (ScbFakeSlot *self)
{
  self->state = SCB_SLOT_ABSENT;
  self->active = -1;
  self->generation++;
  changed (self);
}

const ScbFakeSlotCounts *
scb_fake_slot_get_counts (ScbFakeSlot *self)
{
  return &self->counts;
}

static ScbSlotState
get_state (ScbSlot *slot)
{
  return SCB_FAKE_SLOT (slot)->state;
}

static GBytes *
get_atr (ScbSlot *slot)
{
  return SCB_FAKE_SLOT (slot)->atr;
}

static guint
get_protocols (ScbSlot *slot)
{
  return SCB_FAKE_SLOT (slot)->atr != NULL ? SCB_FAKE_SLOT (slot)->protocols : 0;
}

static int
get_active_protocol (ScbSlot *slot)
{
  ScbFakeSlot *self = SCB_FAKE_SLOT (slot);

  return self->state == SCB_SLOT_POWERED ? self->active : -1;
}

static guint
get_card_generation (ScbSlot *slot)
{
  return SCB_FAKE_SLOT (slot)->generation;
}

static const char *
get_name (ScbSlot *slot)
{
  return SCB_FAKE_SLOT (slot)->name;
}

static gboolean
supports_nad (ScbSlot *slot)
{
  return TRUE;
}

static const ScbSlotInfo *
get_info (ScbSlot *slot)
{
  return &SCB_FAKE_SLOT (slot)->info;
}

static GError *
card_error (ScbFakeSlot *self)
{
  if (self->state == SCB_SLOT_ABSENT)
    return g_error_new_literal (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No card");
  return NULL;
}

static void
power_async (ScbSlot *slot, ScbSlotPower action, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data)
{
  ScbFakeSlot *self = SCB_FAKE_SLOT (slot);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = card_error (self);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  switch (action)
    {
    case SCB_SLOT_POWER_OFF:
      self->counts.power_off++;
      self->state = SCB_SLOT_PRESENT;
      changed (self);
      g_task_return_pointer (task, g_bytes_new (NULL, 0), (GDestroyNotify) g_bytes_unref);
      return;
    case SCB_SLOT_RESET:
      self->counts.reset++;
      break;
    case SCB_SLOT_POWER_ON:
    default:
      self->counts.power_on++;
      break;
    }
  self->state = SCB_SLOT_POWERED;
  self->active = first_protocol (self->protocols);
  changed (self);
  g_task_return_pointer (task, g_bytes_ref (self->atr), (GDestroyNotify) g_bytes_unref);
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
  ScbFakeSlot *self = SCB_FAKE_SLOT (slot);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  int chosen = first_protocol (self->protocols & protocols);

  self->counts.set_protocol++;
  if (chosen < 0)
    {
      g_task_return_new_error (task, SCB_ERROR, SCB_ERROR_PROTO_MISMATCH, "Not offered");
      return;
    }
  self->active = chosen;
  g_task_return_int (task, chosen);
}

static int
set_protocol_finish (ScbSlot *slot, GAsyncResult *result, GError **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

typedef struct
{
  ScbFakeSlot *slot;
  ScbSlotTransmitFunc func;
  gpointer user_data;
  guint8 ins;
} Exchange;

static gboolean
answer (gpointer data)
{
  Exchange *exchange = data;
  g_autoptr (GError) error = card_error (exchange->slot);
  guint8 response[] = { exchange->ins, 0x90, 0x00 };
  g_autoptr (GBytes) bytes = g_bytes_new (response, sizeof response);

  exchange->func (error == NULL ? bytes : NULL, error, exchange->user_data);
  g_object_unref (exchange->slot);
  g_free (exchange);
  return G_SOURCE_REMOVE;
}

static void
transmit (ScbSlot *slot, guint8 nad, GBytes *apdu, ScbSlotTransmitFunc func, gpointer user_data)
{
  Exchange *exchange = g_new0 (Exchange, 1);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (apdu, &len);

  SCB_FAKE_SLOT (slot)->counts.transmit++;
  exchange->slot = g_object_ref (SCB_FAKE_SLOT (slot));
  exchange->func = func;
  exchange->user_data = user_data;
  exchange->ins = len > 1 ? data[1] : 0;
  g_idle_add (answer, exchange);
}

static void
escape_async (ScbSlot *slot, GBytes *data, GCancellable *cancellable, GAsyncReadyCallback callback,
              gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (slot, cancellable, callback, user_data);

  g_task_return_pointer (task, g_bytes_ref (data), (GDestroyNotify) g_bytes_unref);
}

static GBytes *
escape_finish (ScbSlot *slot, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

ScbFakeSlot *
scb_fake_slot_new (const char *name, const char *serial, guint16 bcd_device)
{
  ScbFakeSlot *self = g_object_new (SCB_TYPE_FAKE_SLOT, NULL);

  self->name = g_strdup (name);
  self->serial = g_strdup (serial);
  self->info.manufacturer = "Fake";
  self->info.serial = self->serial;
  self->info.bcd_device = bcd_device;
  self->info.channel_id = 0x00200102;
  self->info.max_input = 261;
  self->info.exchange_level = "tpdu";
  self->state = SCB_SLOT_ABSENT;
  self->active = -1;
  return self;
}

static void
scb_fake_slot_finalize (GObject *object)
{
  ScbFakeSlot *self = SCB_FAKE_SLOT (object);

  g_clear_pointer (&self->atr, g_bytes_unref);
  g_free (self->name);
  g_free (self->serial);
  G_OBJECT_CLASS (scb_fake_slot_parent_class)->finalize (object);
}

static void
scb_fake_slot_init (ScbFakeSlot *self)
{
}

static void
scb_fake_slot_class_init (ScbFakeSlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = scb_fake_slot_finalize;
}

static void
scb_fake_slot_iface_init (ScbSlotInterface *iface)
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
}

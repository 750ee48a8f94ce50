/* scb-connection.c: a client's connection to a card or a reader
 *
 * PC/SC semantics (pcsc-lite's winscard.c) wherever PC/SC defines them:
 * share modes, transactions, ResetCard once after another connection reset
 * the card, RemovedCard once the card it was made for went away. Only the
 * owner (the unique bus name that made it) may call it; that is checked
 * inline, before the bouncer, on every method.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-card.h"
#include "scb-channel.h"
#include "scb-connection-private.h"
#include "scb-error.h"
#include "scb-generated.h"
#include "scb-limits.h"
#include "scb-names.h"
#include "scb-pcsc.h"
#include "scb-reader.h"

#include <string.h>

G_DEFINE_TYPE (ScbConnection, scb_connection, G_TYPE_OBJECT)

/* ---- checks -------------------------------------------------------------- */

static gboolean
is_owner (ScbConnection *self, GDBusMethodInvocation *invocation)
{
  if (g_strcmp0 (g_dbus_method_invocation_get_sender (invocation), self->owner) == 0)
    return TRUE;
  g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED,
                                         "Only %s, which made %s, may use it", self->owner,
                                         self->path);
  return FALSE;
}

static gboolean
has_card (ScbConnection *self)
{
  return self->mode != SCB_SHARE_MODE_DIRECT || self->protocol != SCB_PROTOCOL_ISO_NONE;
}

gboolean
scb_connection_is_current (ScbConnection *self)
{
  return !self->closed && scb_reader_is_present (self->reader)
         && self->generation == ccid_slot_get_card_generation (scb_reader_get_slot (self->reader));
}

/* What pcsc-lite checks before using a handle: the reader, the card, and
 * a reset by another connection (reported once). */
gboolean
scb_connection_check_card (ScbConnection *self, GError **error)
{
  if (self->closed)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_HANDLE, "%s is closed", self->path);
      return FALSE;
    }
  if (!scb_reader_is_present (self->reader))
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "%s was removed",
                   scb_reader_get_name (self->reader));
      return FALSE;
    }
  if (!has_card (self))
    return TRUE;
  if (!scb_connection_is_current (self))
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_REMOVED_CARD, "The card in %s was removed",
                   scb_reader_get_name (self->reader));
      return FALSE;
    }
  if (self->reset_pending)
    {
      self->reset_pending = FALSE;
      g_set_error (error, SCB_ERROR, SCB_ERROR_RESET_CARD,
                   "The card in %s was reset by another connection",
                   scb_reader_get_name (self->reader));
      return FALSE;
    }
  return TRUE;
}

gboolean
scb_connection_check_not_locked (ScbConnection *self, GError **error)
{
  if (!scb_reader_is_locked_by_other (self->reader, self))
    return TRUE;
  g_set_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
               "Another connection holds a transaction on %s", scb_reader_get_name (self->reader));
  return FALSE;
}

/* ---- dispositions -------------------------------------------------------- */

typedef void (*DispositionDone) (ScbConnection *self, GDBusMethodInvocation *invocation,
                                 const GError *error);

typedef struct
{
  ScbConnection *connection;
  GDBusMethodInvocation *invocation;
  DispositionDone done;
} DispositionData;

static void
on_disposition (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DispositionData *data = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) atr = NULL;
  ScbConnection *self = data->connection;

  if (g_async_result_is_tagged (result, ccid_slot_reset_async))
    atr = ccid_slot_reset_finish (CCID_SLOT (source), result, &error);
  else
    ccid_slot_power_off_finish (CCID_SLOT (source), result, &error);
  /* PC/SC: after a reset or an unpower (even a failed one: the card was
   * touched), every other handle gets SCARD_W_RESET_CARD once. */
  scb_reader_mark_reset (self->reader, self);
  data->done (self, data->invocation, error);
  g_object_unref (data->connection);
  g_free (data);
}

/* Resets or unpowers the card (eject: unpower, no reader ejects), then
 * calls @done; "leave" calls it at once. */
static void
apply_disposition (ScbConnection *self, ScbDisposition disposition,
                   GDBusMethodInvocation *invocation, DispositionDone done)
{
  CcidSlot *slot = scb_reader_get_slot (self->reader);
  DispositionData *data;

  if (disposition == SCB_DISPOSITION_LEAVE || !has_card (self) || !scb_connection_is_current (self))
    {
      done (self, invocation, NULL);
      return;
    }
  data = g_new0 (DispositionData, 1);
  data->connection = g_object_ref (self);
  data->invocation = invocation;
  data->done = done;
  if (disposition == SCB_DISPOSITION_RESET)
    ccid_slot_reset_async (slot, NULL, on_disposition, data);
  else
    ccid_slot_power_off_async (slot, NULL, on_disposition, data);
}

/* The one disposition word of EndTransaction and Disconnect; a bad word
 * is answered here. */
static gboolean
disposition_arg (GDBusMethodInvocation *invocation, ScbDisposition *disposition)
{
  const char *word = NULL;
  g_autoptr (GError) error = NULL;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &word);
  if (scb_disposition_from_word (word, disposition, &error))
    return TRUE;
  g_dbus_method_invocation_return_gerror (invocation, error);
  return FALSE;
}

/* ---- transactions -------------------------------------------------------- */

static void
begin_transaction_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbConnection *self = SCB_CONNECTION (object);
  g_autoptr (GError) error = NULL;

  if (!scb_connection_check_card (self, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  scb_reader_begin_transaction (self->reader, self, invocation);
}

static void
end_transaction_done (ScbConnection *self, GDBusMethodInvocation *invocation, const GError *error)
{
  scb_reader_end_transaction (self->reader, self, FALSE);
  if (error != NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    scb_dbus_connection_complete_end_transaction (self->iface, invocation);
}

static void
end_transaction_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbConnection *self = SCB_CONNECTION (object);
  ScbDisposition disposition;

  if (!disposition_arg (invocation, &disposition))
    return;
  if (has_card (self) && !scb_connection_is_current (self))
    {
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_REMOVED_CARD,
                                             "The card in %s was removed",
                                             scb_reader_get_name (self->reader));
      return;
    }
  if (!scb_reader_holds_transaction (self->reader, self))
    {
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED,
                                             "%s has no transaction to end", self->path);
      return;
    }
  apply_disposition (self, disposition, invocation, end_transaction_done);
}

/* ---- reconnect and disconnect -------------------------------------------- */

static void
reconnect_finish (ScbConnection *self, GDBusMethodInvocation *invocation, const GError *error)
{
  CcidSlot *slot = scb_reader_get_slot (self->reader);
  const char *share_word = NULL;
  g_autofree const char **protocols = NULL;
  g_autoptr (GError) local_error = NULL;
  ScbShareMode mode;
  int active = SCB_PROTOCOL_ISO_NONE;
  int protocol = SCB_PROTOCOL_ISO_NONE;

  if (error != NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s^a&s&s)", &share_word,
                 &protocols, NULL);
  (void) scb_share_mode_from_word (share_word, &mode, NULL);
  if (ccid_slot_get_state (slot) == CCID_SLOT_POWERED)
    active = ccid_slot_get_active_protocol (slot);
  if (mode != SCB_SHARE_MODE_DIRECT && active == SCB_PROTOCOL_ISO_NONE)
    {
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_NO_SMARTCARD,
                                             "No usable card in %s",
                                             scb_reader_get_name (self->reader));
      return;
    }
  if (!scb_protocol_choose (protocols, mode, active, &protocol, &local_error)
      || !scb_reader_check_sharing (self->reader, self, mode, &local_error))
    {
      g_dbus_method_invocation_return_gerror (invocation, local_error);
      return;
    }
  self->mode = mode;
  self->protocol = protocol;
  self->generation = ccid_slot_get_card_generation (slot);
  self->reset_pending = FALSE;
  scb_reader_update_state (self->reader);
  scb_dbus_connection_complete_reconnect (self->iface, invocation,
                                          scb_protocol_iso_to_word (protocol));
}

static void
on_reconnect_power_on (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DispositionData *data = user_data;
  g_autoptr (GError) error = NULL;
  GBytes *atr = ccid_slot_power_on_finish (CCID_SLOT (source), result, &error);

  g_clear_pointer (&atr, g_bytes_unref);
  reconnect_finish (data->connection, data->invocation, error);
  g_object_unref (data->connection);
  g_free (data);
}

static void
reconnect_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbConnection *self = SCB_CONNECTION (object);
  CcidSlot *slot = scb_reader_get_slot (self->reader);
  const char *share_word = NULL, *init_word = NULL;
  ScbShareMode mode;
  ScbDisposition init;
  g_autoptr (GError) error = NULL;
  DispositionData *data;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s@as&s)", &share_word,
                 NULL, &init_word);
  if (!scb_share_mode_from_word (share_word, &mode, &error)
      || !scb_disposition_from_word (init_word, &init, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  if (!scb_reader_is_present (self->reader))
    {
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE,
                                             "%s was removed", scb_reader_get_name (self->reader));
      return;
    }
  if (scb_reader_is_locked_by_other (self->reader, self))
    {
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                                             "Another connection holds a transaction on %s",
                                             scb_reader_get_name (self->reader));
      return;
    }
  switch (ccid_slot_get_state (slot))
    {
    case CCID_SLOT_ABSENT:
      if (mode == SCB_SHARE_MODE_DIRECT)
        break;
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_NO_SMARTCARD,
                                             "No card in %s", scb_reader_get_name (self->reader));
      return;
    case CCID_SLOT_PRESENT:
      data = g_new0 (DispositionData, 1);
      data->connection = g_object_ref (self);
      data->invocation = invocation;
      ccid_slot_power_on_async (slot, NULL, on_reconnect_power_on, data);
      return;
    case CCID_SLOT_POWERED:
      if (init != SCB_DISPOSITION_LEAVE)
        {
          /* Reconnect's "unpower" is a cold reset, as in pcsc-lite. The
           * card may be a new one (after a removal): that is fine. */
          self->generation = ccid_slot_get_card_generation (slot);
          apply_disposition (self, SCB_DISPOSITION_RESET, invocation, reconnect_finish);
          return;
        }
      break;
    default:
      break;
    }
  reconnect_finish (self, invocation, NULL);
}

static void
disconnect_done (ScbConnection *self, GDBusMethodInvocation *invocation, const GError *error)
{
  if (error != NULL)
    g_debug ("%s: disposition at Disconnect: %s", self->path, error->message);
  scb_dbus_connection_complete_disconnect (self->iface, invocation);
  scb_connection_close (self);
}

static void
disconnect_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbConnection *self = SCB_CONNECTION (object);
  ScbDisposition disposition;

  if (!disposition_arg (invocation, &disposition))
    return;
  /* pcsc-lite: no reset or unpower under another connection's transaction. */
  if (scb_reader_is_locked_by_other (self->reader, self))
    disposition = SCB_DISPOSITION_LEAVE;
  apply_disposition (self, disposition, invocation, disconnect_done);
}

/* ---- status and attributes ----------------------------------------------- */

static void
status_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbConnection *self = SCB_CONNECTION (object);
  CcidSlot *slot = scb_reader_get_slot (self->reader);
  g_autoptr (GError) error = NULL;
  GBytes *atr = ccid_slot_get_state (slot) == CCID_SLOT_POWERED ? ccid_slot_get_atr (slot) : NULL;

  if (!scb_connection_check_card (self, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  scb_dbus_connection_complete_status (
      self->iface, invocation, scb_reader_get_name (self->reader), scb_pcsc_status_state (slot),
      scb_protocol_iso_to_word (self->protocol), scb_bytes_to_variant (atr));
}

static void
get_attrib_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbConnection *self = SCB_CONNECTION (object);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) value = NULL;
  guint32 id = 0;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(u)", &id);
  if (scb_connection_check_card (self, &error))
    value = scb_pcsc_get_attrib (self->reader, self->protocol, id, &error);
  if (value == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    scb_dbus_connection_complete_get_attrib (self->iface, invocation, scb_bytes_to_variant (value));
}

static void
set_attrib_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  guint32 id = 0;

  /* libccid sets no attribute either (IFDHSetCapabilities). */
  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(u@ay)", &id, NULL);
  g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                                         "Attribute 0x%08x cannot be set", id);
}

static void
set_nad_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbConnection *self = SCB_CONNECTION (object);
  guint8 nad = 0;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(y)", &nad);
  if (!ccid_slot_supports_nad (scb_reader_get_slot (self->reader)))
    {
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                                             "%s does not exchange TPDUs: the NAD cannot be chosen",
                                             scb_reader_get_name (self->reader));
      return;
    }
  self->nad = nad;
  scb_dbus_connection_complete_set_nad (self->iface, invocation);
}

/* ---- dispatch ------------------------------------------------------------- */

typedef struct
{
  const char *signal;
  const char *method;
  ScbBouncerAllowed allowed;
} Method;

static const Method methods[] = {
  { "handle-transmit", "Transmit", scb_connection_transmit_allowed },
  { "handle-control", "Control", scb_connection_control_allowed },
  { "handle-verify-pin", "VerifyPin", scb_connection_verify_pin_allowed },
  { "handle-modify-pin", "ModifyPin", scb_connection_modify_pin_allowed },
  { "handle-begin-transaction", "BeginTransaction", begin_transaction_allowed },
  { "handle-end-transaction", "EndTransaction", end_transaction_allowed },
  { "handle-reconnect", "Reconnect", reconnect_allowed },
  { "handle-disconnect", "Disconnect", disconnect_allowed },
  { "handle-status", "Status", status_allowed },
  { "handle-get-attrib", "GetAttrib", get_attrib_allowed },
  { "handle-set-attrib", "SetAttrib", set_attrib_allowed },
  { "handle-set-nad", "SetNad", set_nad_allowed },
  { "handle-open-channel", "OpenChannel", scb_connection_open_channel_allowed },
};

/* Connected swapped to every handle-* signal: the arguments are read from
 * the invocation, after the owner check and the bouncer. */
static gboolean
on_method_call (ScbConnection *self, GDBusMethodInvocation *invocation)
{
  const char *name = g_dbus_method_invocation_get_method_name (invocation);

  if (!is_owner (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      if (g_str_equal (methods[i].method, name))
        {
          scb_bouncer_check (scb_manager_get_bouncer (self->manager), invocation, G_OBJECT (self),
                             methods[i].allowed);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
    }
  return G_DBUS_METHOD_INVOCATION_UNHANDLED;
}

/* ---- the object ------------------------------------------------------------ */

void
scb_connection_mark_reset (ScbConnection *self)
{
  if (has_card (self))
    self->reset_pending = TRUE;
}

const char *
scb_connection_get_owner (ScbConnection *self)
{
  return self->owner;
}

ScbPeer *
scb_connection_get_peer (ScbConnection *self)
{
  return self->peer;
}

const char *
scb_connection_get_path (ScbConnection *self)
{
  return self->path;
}

ScbShareMode
scb_connection_get_share_mode (ScbConnection *self)
{
  return self->mode;
}

int
scb_connection_get_protocol (ScbConnection *self)
{
  return self->protocol;
}

gboolean
scb_connection_export (ScbConnection *self, GError **error)
{
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->iface),
                                           scb_manager_get_connection (self->manager), self->path,
                                           error);
}

void
scb_connection_close (ScbConnection *self)
{
  g_autoptr (ScbConnection) ref = NULL;
  g_autoptr (GPtrArray) channels = NULL;

  if (self->closed)
    return;
  ref = g_object_ref (self);
  g_debug ("%s closed", self->path);
  /* Before the rest: is_current() is FALSE from here on. */
  self->closed = TRUE;
  channels = g_steal_pointer (&self->channels);
  for (guint i = 0; i < channels->len; i++)
    {
      scb_channel_close (g_ptr_array_index (channels, i));
      scb_peer_release (self->peer, SCB_RESOURCE_CHANNEL);
    }
  scb_connection_cancel_queued (self);
  scb_reader_remove_connection (self->reader, self);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->iface));
  scb_manager_remove_connection (self->manager, self);
}

ScbConnection *
scb_connection_new (ScbManager *manager, ScbReader *reader, const char *owner, ScbShareMode mode,
                    int protocol, guint8 nad)
{
  ScbConnection *self = g_object_new (SCB_TYPE_CONNECTION, NULL);

  self->manager = g_object_ref (manager);
  self->reader = g_object_ref (reader);
  self->owner = g_strdup (owner);
  self->peer = scb_limits_get_peer (scb_manager_get_limits (manager), owner);
  self->path = scb_manager_next_connection_path (manager);
  self->mode = mode;
  self->protocol = protocol;
  self->nad = nad;
  self->generation = ccid_slot_get_card_generation (scb_reader_get_slot (reader));
  self->iface = scb_dbus_connection_skeleton_new ();
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    g_signal_connect_swapped (self->iface, methods[i].signal, G_CALLBACK (on_method_call), self);
  return self;
}

static void
scb_connection_dispose (GObject *object)
{
  ScbConnection *self = SCB_CONNECTION (object);

  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->iface);
  g_clear_pointer (&self->channels, g_ptr_array_unref);
  g_clear_object (&self->reader);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (scb_connection_parent_class)->dispose (object);
}

static void
scb_connection_finalize (GObject *object)
{
  ScbConnection *self = SCB_CONNECTION (object);

  g_clear_pointer (&self->peer, scb_peer_unref);
  g_free (self->owner);
  g_free (self->path);
  G_OBJECT_CLASS (scb_connection_parent_class)->finalize (object);
}

static void
scb_connection_init (ScbConnection *self)
{
  self->channels = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
scb_connection_class_init (ScbConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_connection_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_connection_finalize;
}

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

typedef struct
{
  ScbConnection *connection;
  ScbConnectionDone done;
  gpointer user_data;
  ScbShareMode mode; /* Reconnect's */
  GStrv protocols;   /* Reconnect's words */
} CallData;

static CallData *
call_data_new (ScbConnection *self, ScbConnectionDone done, gpointer user_data)
{
  CallData *data = g_new0 (CallData, 1);

  data->connection = g_object_ref (self);
  data->done = done;
  data->user_data = user_data;
  return data;
}

static void
call_data_free (CallData *data)
{
  g_object_unref (data->connection);
  g_strfreev (data->protocols);
  g_free (data);
}

static void
on_disposition (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CallData *data = user_data;
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
  data->done (self, error, data->user_data);
  call_data_free (data);
}

/* Resets or unpowers the card (eject: unpower, no reader ejects), then
 * calls @done; "leave" calls it at once. */
static void
apply_disposition (ScbConnection *self, ScbDisposition disposition, ScbConnectionDone done,
                   gpointer user_data)
{
  CcidSlot *slot = scb_reader_get_slot (self->reader);
  CallData *data;

  if (disposition == SCB_DISPOSITION_LEAVE || !has_card (self) || !scb_connection_is_current (self))
    {
      done (self, NULL, user_data);
      return;
    }
  data = call_data_new (self, done, user_data);
  if (disposition == SCB_DISPOSITION_RESET)
    ccid_slot_reset_async (slot, NULL, on_disposition, data);
  else
    ccid_slot_power_off_async (slot, NULL, on_disposition, data);
}

/* ---- transactions -------------------------------------------------------- */

void
scb_connection_begin_transaction (ScbConnection *self, ScbConnectionDone done, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!scb_connection_check_card (self, &error))
    {
      done (self, error, user_data);
      return;
    }
  scb_reader_begin_transaction (self->reader, self, done, user_data);
}

typedef struct
{
  ScbConnectionDone done;
  gpointer user_data;
} EndData;

static void
end_transaction_done (ScbConnection *self, const GError *error, gpointer user_data)
{
  EndData *data = user_data;

  scb_reader_end_transaction (self->reader, self, FALSE);
  data->done (self, error, data->user_data);
  g_free (data);
}

void
scb_connection_end_transaction (ScbConnection *self, ScbDisposition disposition,
                                ScbConnectionDone done, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  EndData *data;

  if (has_card (self) && !scb_connection_is_current (self))
    error = g_error_new (SCB_ERROR, SCB_ERROR_REMOVED_CARD, "The card in %s was removed",
                         scb_reader_get_name (self->reader));
  else if (!scb_reader_holds_transaction (self->reader, self))
    error = g_error_new (SCB_ERROR, SCB_ERROR_NOT_TRANSACTED, "%s has no transaction to end",
                         self->path);
  if (error != NULL)
    {
      done (self, error, user_data);
      return;
    }
  data = g_new0 (EndData, 1);
  data->done = done;
  data->user_data = user_data;
  apply_disposition (self, disposition, end_transaction_done, data);
}

/* ---- reconnect and disconnect -------------------------------------------- */

static void
reconnect_finish (ScbConnection *self, const GError *error, gpointer user_data)
{
  CallData *data = user_data;
  CcidSlot *slot = scb_reader_get_slot (self->reader);
  g_autoptr (GError) local_error = NULL;
  int active = SCB_PROTOCOL_ISO_NONE;
  int protocol = SCB_PROTOCOL_ISO_NONE;

  if (error == NULL)
    {
      if (ccid_slot_get_state (slot) == CCID_SLOT_POWERED)
        active = ccid_slot_get_active_protocol (slot);
      if (data->mode != SCB_SHARE_MODE_DIRECT && active == SCB_PROTOCOL_ISO_NONE)
        local_error = g_error_new (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No usable card in %s",
                                   scb_reader_get_name (self->reader));
      else if (scb_protocol_choose ((const char *const *) data->protocols, data->mode, active,
                                    &protocol, &local_error)
               && scb_reader_check_sharing (self->reader, self, data->mode, &local_error))
        {
          self->mode = data->mode;
          self->protocol = protocol;
          self->generation = ccid_slot_get_card_generation (slot);
          self->reset_pending = FALSE;
          scb_reader_update_state (self->reader);
        }
      error = local_error;
    }
  data->done (self, error, data->user_data);
  call_data_free (data);
}

static void
on_reconnect_power_on (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CallData *data = user_data;
  g_autoptr (GError) error = NULL;
  GBytes *atr = ccid_slot_power_on_finish (CCID_SLOT (source), result, &error);

  g_clear_pointer (&atr, g_bytes_unref);
  reconnect_finish (data->connection, error, data);
}

void
scb_connection_reconnect (ScbConnection *self, ScbShareMode mode, const char *const *protocols,
                          ScbDisposition init, ScbConnectionDone done, gpointer user_data)
{
  CcidSlot *slot = scb_reader_get_slot (self->reader);
  g_autoptr (GError) error = NULL;
  CallData *data;

  if (!scb_reader_is_present (self->reader))
    error = g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "%s was removed",
                         scb_reader_get_name (self->reader));
  else if (scb_reader_is_locked_by_other (self->reader, self))
    error = g_error_new (SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                         "Another connection holds a transaction on %s",
                         scb_reader_get_name (self->reader));
  else if (ccid_slot_get_state (slot) == CCID_SLOT_ABSENT && mode != SCB_SHARE_MODE_DIRECT)
    error = g_error_new (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No card in %s",
                         scb_reader_get_name (self->reader));
  if (error != NULL)
    {
      done (self, error, user_data);
      return;
    }
  data = call_data_new (self, done, user_data);
  data->mode = mode;
  data->protocols = g_strdupv ((char **) protocols);
  switch (ccid_slot_get_state (slot))
    {
    case CCID_SLOT_PRESENT:
      ccid_slot_power_on_async (slot, NULL, on_reconnect_power_on, data);
      return;
    case CCID_SLOT_POWERED:
      if (init != SCB_DISPOSITION_LEAVE)
        {
          /* Reconnect's "unpower" is a cold reset, as in pcsc-lite. The
           * card may be a new one (after a removal): that is fine. */
          self->generation = ccid_slot_get_card_generation (slot);
          apply_disposition (self, SCB_DISPOSITION_RESET, reconnect_finish, data);
          return;
        }
      break;
    default:
      break;
    }
  reconnect_finish (self, NULL, data);
}

static void
disconnect_done (ScbConnection *self, const GError *error, gpointer user_data)
{
  EndData *data = user_data;

  if (error != NULL)
    g_debug ("%s: disposition at Disconnect: %s", self->path, error->message);
  data->done (self, NULL, data->user_data);
  scb_connection_close (self);
  g_free (data);
}

void
scb_connection_disconnect (ScbConnection *self, ScbDisposition disposition, ScbConnectionDone done,
                           gpointer user_data)
{
  EndData *data = g_new0 (EndData, 1);

  /* pcsc-lite: no reset or unpower under another connection's transaction. */
  if (scb_reader_is_locked_by_other (self->reader, self))
    disposition = SCB_DISPOSITION_LEAVE;
  data->done = done;
  data->user_data = user_data;
  apply_disposition (self, disposition, disconnect_done, data);
}

/* ---- the methods' answers ------------------------------------------------- */

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

static void
begin_transaction_answered (ScbConnection *self, const GError *error, gpointer user_data)
{
  if (error != NULL)
    g_dbus_method_invocation_return_gerror (user_data, error);
  else
    scb_dbus_connection_complete_begin_transaction (self->iface, user_data);
}

static void
begin_transaction_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  scb_connection_begin_transaction (SCB_CONNECTION (object), begin_transaction_answered,
                                    invocation);
}

static void
end_transaction_answered (ScbConnection *self, const GError *error, gpointer user_data)
{
  if (error != NULL)
    g_dbus_method_invocation_return_gerror (user_data, error);
  else
    scb_dbus_connection_complete_end_transaction (self->iface, user_data);
}

static void
end_transaction_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbDisposition disposition;

  if (disposition_arg (invocation, &disposition))
    scb_connection_end_transaction (SCB_CONNECTION (object), disposition, end_transaction_answered,
                                    invocation);
}

static void
reconnect_answered (ScbConnection *self, const GError *error, gpointer user_data)
{
  if (error != NULL)
    g_dbus_method_invocation_return_gerror (user_data, error);
  else
    scb_dbus_connection_complete_reconnect (self->iface, user_data,
                                            scb_protocol_iso_to_word (self->protocol));
}

static void
reconnect_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  const char *share_word = NULL, *init_word = NULL;
  g_autofree const char **protocols = NULL;
  ScbShareMode mode;
  ScbDisposition init;
  g_autoptr (GError) error = NULL;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s^a&s&s)", &share_word,
                 &protocols, &init_word);
  if (!scb_share_mode_from_word (share_word, &mode, &error)
      || !scb_disposition_from_word (init_word, &init, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  scb_connection_reconnect (SCB_CONNECTION (object), mode, protocols, init, reconnect_answered,
                            invocation);
}

static void
disconnect_answered (ScbConnection *self, const GError *error, gpointer user_data)
{
  scb_dbus_connection_complete_disconnect (self->iface, user_data);
}

static void
disconnect_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbDisposition disposition;

  if (disposition_arg (invocation, &disposition))
    scb_connection_disconnect (SCB_CONNECTION (object), disposition, disconnect_answered,
                               invocation);
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

GBytes *
scb_connection_get_attrib (ScbConnection *self, guint32 id, GError **error)
{
  if (!scb_connection_check_card (self, error))
    return NULL;
  return scb_pcsc_get_attrib (self->reader, self->protocol, id, error);
}

static void
get_attrib_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbConnection *self = SCB_CONNECTION (object);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) value = NULL;
  guint32 id = 0;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(u)", &id);
  value = scb_connection_get_attrib (self, id, &error);
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
  /* A pcscd socket client's connection is not on the bus. */
  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->iface)) != NULL)
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

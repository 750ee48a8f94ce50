/* scb-reader.c: a Reader object, one per slot of a CCID reader
 *
 * The reader publishes what its CcidSlot sees. A card insertion is
 * published once the slot has powered the card (or found it mute), so the
 * one PropertiesChanged carrying State, Atr, Card and CardEvents has the
 * ATR in it; the Card object is exported (InterfacesAdded) just before it.
 * A removal sends the PropertiesChanged first, then InterfacesRemoved. A
 * card whose power-on fails otherwise is published after
 * INSERT_SETTLE_MS as present and unpowered.
 *
 * The reader also arbitrates between the connections to its card: share
 * modes and transactions (a FIFO of waiting BeginTransaction calls).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-card.h"
#include "scb-counter.h"
#include "scb-error.h"
#include "scb-fair-queue.h"
#include "scb-limits.h"
#include "scb-generated.h"
#include "scb-names.h"
#include "scb-reader.h"

#define INSERT_SETTLE_MS 5000

typedef struct
{
  ScbReader *reader;
  ScbConnection *connection;
  ScbPeer *peer; /* its owner's account, where the waiter is counted */
  GDBusMethodInvocation *invocation;
  guint timeout_id;
} Waiter;

struct _ScbReader
{
  GObject parent_instance;
  ScbManager *manager; /* not owned: it outlives its readers */
  CcidDevice *device;
  CcidSlot *slot;
  char *path;
  char *name;
  ScbDBusObjectSkeleton *object;
  ScbDBusReader *iface;
  gulong changed_id;
  gboolean present;

  guint generation;        /* the slot's card generation last published */
  gboolean insert_pending; /* inserted, waiting for the power-on */
  guint insert_timeout_id;
  ScbCard *card;
  GBytes *card_atr; /* what the Card object shows */

  GPtrArray *connections; /* ScbConnection, not owned */
  ScbConnection *tx_holder;
  guint tx_depth;
  GQueue tx_waiters;   /* Waiter */
  ScbFairQueue *apdus; /* waiting for the slot, one lane per uid */
};

G_DEFINE_TYPE (ScbReader, scb_reader, G_TYPE_OBJECT)

/* ---- publishing --------------------------------------------------------- */

static gboolean
counts_for_sharing (ScbConnection *connection)
{
  return scb_connection_get_share_mode (connection) == SCB_SHARE_MODE_DIRECT
         || scb_connection_is_current (connection);
}

static guint32
compute_state (ScbReader *self)
{
  guint32 state = 0;

  if (self->card == NULL)
    return SCB_READER_STATE_EMPTY;
  state = SCB_READER_STATE_PRESENT;
  switch (ccid_slot_get_state (self->slot))
    {
    case CCID_SLOT_MUTE:
      state |= SCB_READER_STATE_MUTE;
      break;
    case CCID_SLOT_PRESENT:
      state |= SCB_READER_STATE_UNPOWERED;
      break;
    default:
      break;
    }
  for (guint i = 0; i < self->connections->len; i++)
    {
      ScbConnection *connection = g_ptr_array_index (self->connections, i);

      if (!scb_connection_is_current (connection))
        continue;
      state |= SCB_READER_STATE_INUSE;
      if (scb_connection_get_share_mode (connection) == SCB_SHARE_MODE_EXCLUSIVE)
        state |= SCB_READER_STATE_EXCLUSIVE;
    }
  return state;
}

static GBytes *
current_atr (ScbReader *self)
{
  if (self->card == NULL || ccid_slot_get_state (self->slot) == CCID_SLOT_MUTE)
    return NULL;
  return ccid_slot_get_atr (self->slot);
}

/* Sets State and Atr from the slot, and flushes with whatever else was set
 * before: one PropertiesChanged. */
static void
publish (ScbReader *self)
{
  GBytes *atr = current_atr (self);

  scb_dbus_reader_set_state (self->iface, compute_state (self));
  scb_dbus_reader_set_atr (self->iface, scb_bytes_to_variant (atr));
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->iface));
  if (self->card != NULL && atr != NULL
      && (self->card_atr == NULL || !g_bytes_equal (self->card_atr, atr)))
    {
      g_clear_pointer (&self->card_atr, g_bytes_unref);
      self->card_atr = g_bytes_ref (atr);
      scb_card_update (self->card, atr, ccid_slot_get_protocols (self->slot));
    }
}

static void
waiter_free (Waiter *waiter)
{
  g_clear_handle_id (&waiter->timeout_id, g_source_remove);
  scb_peer_release (waiter->peer, SCB_RESOURCE_WAITER);
  scb_peer_unref (waiter->peer);
  g_object_unref (waiter->connection);
  g_free (waiter);
}

static void
fail_waiters (ScbReader *self, ScbError code, const char *message)
{
  Waiter *waiter;

  while ((waiter = g_queue_pop_head (&self->tx_waiters)) != NULL)
    {
      g_dbus_method_invocation_return_error_literal (waiter->invocation, SCB_ERROR, code, message);
      waiter_free (waiter);
    }
}

static void
publish_insertion (ScbReader *self)
{
  guint32 events = scb_counter_next (scb_dbus_reader_get_card_events (self->iface));
  g_autofree char *path = scb_manager_next_card_path (self->manager);
  GBytes *atr;

  self->insert_pending = FALSE;
  g_clear_handle_id (&self->insert_timeout_id, g_source_remove);
  /* Set before current_atr() looks at it. */
  self->card = scb_card_new (path, self->path, NULL, 0, events);
  atr = current_atr (self);
  g_clear_pointer (&self->card_atr, g_bytes_unref);
  if (atr != NULL)
    {
      self->card_atr = g_bytes_ref (atr);
      scb_card_update (self->card, atr, ccid_slot_get_protocols (self->slot));
    }
  g_dbus_object_manager_server_export (scb_manager_get_object_manager (self->manager),
                                       scb_card_get_object (self->card));
  scb_dbus_reader_set_card_events (self->iface, events);
  scb_dbus_reader_set_card (self->iface, path);
  publish (self);
  g_debug ("%s: card inserted (%s), CardEvents %u", self->name, path, events);
}

static void
publish_removal (ScbReader *self)
{
  guint32 events = scb_counter_next (scb_dbus_reader_get_card_events (self->iface));
  g_autoptr (ScbCard) card = g_steal_pointer (&self->card);

  g_clear_pointer (&self->card_atr, g_bytes_unref);
  scb_dbus_reader_set_card_events (self->iface, events);
  scb_dbus_reader_set_card (self->iface, "/");
  publish (self);
  g_dbus_object_manager_server_unexport (scb_manager_get_object_manager (self->manager),
                                         scb_card_get_path (card));
  /* The transaction belonged to connections of the card that went. */
  self->tx_holder = NULL;
  self->tx_depth = 0;
  fail_waiters (self, SCB_ERROR_REMOVED_CARD, "The card was removed");
  g_debug ("%s: card removed (%s), CardEvents %u", self->name, scb_card_get_path (card), events);
}

static gboolean
on_insert_settled (gpointer user_data)
{
  ScbReader *self = user_data;

  self->insert_timeout_id = 0;
  if (self->insert_pending)
    publish_insertion (self);
  return G_SOURCE_REMOVE;
}

void
scb_reader_sync (ScbReader *self)
{
  guint generation = ccid_slot_get_card_generation (self->slot);

  if (!self->present)
    return;
  /* Generations alternate: insertion, removal, insertion... */
  while (self->generation != generation)
    {
      self->generation++;
      if (self->card != NULL || self->insert_pending)
        {
          if (self->insert_pending)
            publish_insertion (self);
          publish_removal (self);
        }
      else
        self->insert_pending = TRUE;
    }
  if (self->insert_pending)
    {
      if (ccid_slot_get_state (self->slot) != CCID_SLOT_PRESENT)
        publish_insertion (self);
      else if (self->insert_timeout_id == 0)
        self->insert_timeout_id = g_timeout_add (INSERT_SETTLE_MS, on_insert_settled, self);
      return;
    }
  publish (self);
}

static void
on_slot_changed (CcidSlot *slot, gpointer user_data)
{
  scb_reader_sync (SCB_READER (user_data));
}

void
scb_reader_shutdown (ScbReader *self)
{
  if (!self->present)
    return;
  scb_reader_sync (self);
  if (self->insert_pending)
    publish_insertion (self);
  if (self->card != NULL)
    publish_removal (self);
  self->present = FALSE;
  g_clear_signal_handler (&self->changed_id, self->slot);
  g_clear_handle_id (&self->insert_timeout_id, g_source_remove);
  fail_waiters (self, SCB_ERROR_READER_UNAVAILABLE, "The reader was removed");
}

void
scb_reader_update_state (ScbReader *self)
{
  if (self->present)
    publish (self);
}

/* ---- connections --------------------------------------------------------- */

gboolean
scb_reader_check_sharing (ScbReader *self, ScbConnection *except, ScbShareMode mode, GError **error)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      ScbConnection *other = g_ptr_array_index (self->connections, i);

      if (other == except || !counts_for_sharing (other))
        continue;
      if (mode == SCB_SHARE_MODE_EXCLUSIVE)
        {
          g_set_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                       "%s is in use by another connection", self->name);
          return FALSE;
        }
      if (scb_connection_get_share_mode (other) == SCB_SHARE_MODE_EXCLUSIVE)
        {
          g_set_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                       "%s is held exclusively by another connection", self->name);
          return FALSE;
        }
    }
  return TRUE;
}

void
scb_reader_add_connection (ScbReader *self, ScbConnection *connection)
{
  g_ptr_array_add (self->connections, connection);
  scb_reader_update_state (self);
}

void
scb_reader_remove_connection (ScbReader *self, ScbConnection *connection)
{
  scb_reader_cancel_waiting (self, connection);
  scb_reader_end_transaction (self, connection, TRUE);
  if (g_ptr_array_remove (self->connections, connection))
    scb_reader_update_state (self);
}

void
scb_reader_mark_reset (ScbReader *self, ScbConnection *by)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      ScbConnection *other = g_ptr_array_index (self->connections, i);

      if (other != by)
        scb_connection_mark_reset (other);
    }
}

/* ---- transactions -------------------------------------------------------- */

gboolean
scb_reader_is_locked_by_other (ScbReader *self, ScbConnection *connection)
{
  return self->tx_holder != NULL && self->tx_holder != connection;
}

gboolean
scb_reader_holds_transaction (ScbReader *self, ScbConnection *connection)
{
  return self->tx_holder == connection && connection != NULL;
}

static gboolean
on_waiter_timeout (gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->timeout_id = 0;
  g_queue_remove (&waiter->reader->tx_waiters, waiter);
  g_dbus_method_invocation_return_error (waiter->invocation, SCB_ERROR, SCB_ERROR_TIMEOUT,
                                         "Another connection held its transaction on %s "
                                         "for more than %u s",
                                         waiter->reader->name, SCB_TRANSACTION_WAIT_MS / 1000);
  waiter_free (waiter);
  return G_SOURCE_REMOVE;
}

static void
grant_next (ScbReader *self)
{
  Waiter *waiter;

  if (self->tx_holder != NULL)
    return;
  waiter = g_queue_pop_head (&self->tx_waiters);
  if (waiter == NULL)
    return;
  self->tx_holder = waiter->connection;
  self->tx_depth = 1;
  g_dbus_method_invocation_return_value (waiter->invocation, NULL);
  waiter_free (waiter);
}

void
scb_reader_begin_transaction (ScbReader *self, ScbConnection *connection,
                              GDBusMethodInvocation *invocation)
{
  ScbPeer *peer = scb_connection_get_peer (connection);
  g_autoptr (GError) error = NULL;
  Waiter *waiter;

  if (self->tx_holder == NULL || self->tx_holder == connection)
    {
      self->tx_holder = connection;
      self->tx_depth++;
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  if (!scb_peer_take (peer, SCB_RESOURCE_WAITER, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  waiter = g_new0 (Waiter, 1);
  waiter->reader = self;
  waiter->peer = scb_peer_ref (peer);
  waiter->connection = g_object_ref (connection);
  waiter->invocation = invocation; /* the reference the handler got */
  waiter->timeout_id = g_timeout_add (SCB_TRANSACTION_WAIT_MS, on_waiter_timeout, waiter);
  g_queue_push_tail (&self->tx_waiters, waiter);
}

void
scb_reader_end_transaction (ScbReader *self, ScbConnection *connection, gboolean all)
{
  if (self->tx_holder != connection || connection == NULL)
    return;
  if (all || self->tx_depth <= 1)
    {
      self->tx_holder = NULL;
      self->tx_depth = 0;
      grant_next (self);
    }
  else
    self->tx_depth--;
}

void
scb_reader_cancel_waiting (ScbReader *self, ScbConnection *connection)
{
  GList *l = self->tx_waiters.head;

  while (l != NULL)
    {
      GList *next = l->next;
      Waiter *waiter = l->data;

      if (waiter->connection == connection)
        {
          g_queue_delete_link (&self->tx_waiters, l);
          g_dbus_method_invocation_return_error_literal (
              waiter->invocation, SCB_ERROR, SCB_ERROR_CANCELLED, "The connection was closed");
          waiter_free (waiter);
        }
      l = next;
    }
}

/* ---- methods ------------------------------------------------------------- */

typedef struct
{
  ScbReader *reader;
  GDBusMethodInvocation *invocation;
} ConnectData;

static ScbConnection *
connect_new (ScbReader *self, GDBusMethodInvocation *invocation, GError **error)
{
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  const char *share_word = NULL;
  g_autofree const char **protocols = NULL;
  g_autoptr (ScbConnection) connection = NULL;
  ScbShareMode mode;
  int active = SCB_PROTOCOL_ISO_NONE;
  int protocol = SCB_PROTOCOL_ISO_NONE;

  g_variant_get (parameters, "(&s^a&s)", &share_word, &protocols);
  if (!scb_share_mode_from_word (share_word, &mode, error))
    return NULL;
  if (!self->present)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "%s was removed", self->name);
      return NULL;
    }
  if (ccid_slot_get_state (self->slot) == CCID_SLOT_POWERED)
    {
      active = ccid_slot_get_active_protocol (self->slot);
      /* an ATR, but no protocol both the card and the reader speak:
       * pcscd answers SCARD_W_UNRESPONSIVE_CARD (its PTS fails) */
      if (mode != SCB_SHARE_MODE_DIRECT && active == SCB_PROTOCOL_ISO_NONE)
        {
          g_set_error (error, SCB_ERROR, SCB_ERROR_UNRESPONSIVE_CARD,
                       "The card in %s speaks no protocol the reader supports", self->name);
          return NULL;
        }
    }
  if (mode != SCB_SHARE_MODE_DIRECT && active == SCB_PROTOCOL_ISO_NONE)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_UNPOWERED_CARD, "The card in %s is not powered",
                   self->name);
      return NULL;
    }
  if (!scb_protocol_choose (protocols, mode, active, &protocol, error)
      || !scb_reader_check_sharing (self, NULL, mode, error))
    return NULL;

  connection
      = scb_connection_new (self->manager, self, g_dbus_method_invocation_get_sender (invocation),
                            mode, protocol, scb_dbus_reader_get_nad (self->iface));
  if (!scb_manager_add_connection (self->manager, connection, error))
    return NULL;
  if (!scb_connection_export (connection, error))
    {
      scb_manager_remove_connection (self->manager, connection);
      return NULL;
    }
  scb_reader_add_connection (self, connection);
  g_debug ("%s: %s connected %s (%s, %s)", self->name,
           g_dbus_method_invocation_get_sender (invocation), scb_connection_get_path (connection),
           share_word, scb_protocol_iso_to_word (protocol));
  return g_steal_pointer (&connection);
}

static void
connect_finish (ScbReader *self, GDBusMethodInvocation *invocation)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbConnection) connection = connect_new (self, invocation, &error);

  if (connection == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  scb_dbus_reader_complete_connect (
      self->iface, invocation, scb_connection_get_path (connection),
      scb_protocol_iso_to_word (scb_connection_get_protocol (connection)));
}

static void
on_connect_power_on (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ConnectData *data = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) atr = ccid_slot_power_on_finish (CCID_SLOT (source), result, &error);

  if (atr == NULL)
    g_dbus_method_invocation_return_gerror (data->invocation, error);
  else
    connect_finish (data->reader, data->invocation);
  g_object_unref (data->reader);
  g_free (data);
}

static void
connect_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbReader *self = SCB_READER (object);
  const char *share_word = NULL;
  ScbShareMode mode;
  g_autoptr (GError) error = NULL;
  ConnectData *data;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s@as)", &share_word,
                 NULL);
  if (!scb_share_mode_from_word (share_word, &mode, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  if (!self->present || mode == SCB_SHARE_MODE_DIRECT)
    {
      connect_finish (self, invocation);
      return;
    }
  switch (ccid_slot_get_state (self->slot))
    {
    case CCID_SLOT_ABSENT:
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_NO_SMARTCARD,
                                             "No card in %s", self->name);
      return;
    case CCID_SLOT_MUTE:
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_UNRESPONSIVE_CARD,
                                             "The card in %s does not answer", self->name);
      return;
    case CCID_SLOT_PRESENT:
      /* Unpowered (a Disconnect with "unpower"): power it as pcscd does. */
      data = g_new0 (ConnectData, 1);
      data->reader = g_object_ref (self);
      data->invocation = invocation;
      ccid_slot_power_on_async (self->slot, NULL, on_connect_power_on, data);
      return;
    default:
      connect_finish (self, invocation);
      return;
    }
}

static gboolean
on_handle_connect (ScbDBusReader *iface, GDBusMethodInvocation *invocation, const char *share_mode,
                   const char *const *protocols, gpointer user_data)
{
  ScbReader *self = user_data;

  scb_bouncer_check (scb_manager_get_bouncer (self->manager), invocation, G_OBJECT (self),
                     connect_allowed);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
set_nad_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbReader *self = SCB_READER (object);
  guint8 nad = 0;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(y)", &nad);
  if (!ccid_slot_supports_nad (self->slot))
    {
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                                             "%s exchanges %s, not TPDUs: the card's NAD "
                                             "cannot be chosen",
                                             self->name,
                                             scb_dbus_reader_get_exchange_level (self->iface));
      return;
    }
  scb_dbus_reader_set_nad (self->iface, nad);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->iface));
  scb_dbus_reader_complete_set_nad (self->iface, invocation);
}

static gboolean
on_handle_set_nad (ScbDBusReader *iface, GDBusMethodInvocation *invocation, guint8 nad,
                   gpointer user_data)
{
  ScbReader *self = user_data;

  scb_bouncer_check (scb_manager_get_bouncer (self->manager), invocation, G_OBJECT (self),
                     set_nad_allowed);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the object ---------------------------------------------------------- */

GDBusObjectSkeleton *
scb_reader_get_object (ScbReader *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

const char *
scb_reader_get_path (ScbReader *self)
{
  return self->path;
}

const char *
scb_reader_get_name (ScbReader *self)
{
  return self->name;
}

CcidDevice *
scb_reader_get_device (ScbReader *self)
{
  return self->device;
}

CcidSlot *
scb_reader_get_slot (ScbReader *self)
{
  return self->slot;
}

gboolean
scb_reader_is_present (ScbReader *self)
{
  return self->present;
}

ScbFairQueue *
scb_reader_get_apdu_queue (ScbReader *self)
{
  return self->apdus;
}

ScbReader *
scb_reader_new (ScbManager *manager, CcidDevice *device, CcidSlot *slot, const char *path)
{
  ScbReader *self = g_object_new (SCB_TYPE_READER, NULL);
  const char *serial = ccid_device_get_serial (device);

  self->manager = manager;
  self->device = g_object_ref (device);
  self->slot = g_object_ref (slot);
  self->path = g_strdup (path);
  self->name = g_strdup (ccid_slot_get_name (slot));
  self->present = TRUE;
  self->object = scb_dbus_object_skeleton_new (path);
  self->iface = scb_dbus_reader_skeleton_new ();
  scb_dbus_reader_set_name (self->iface, self->name);
  scb_dbus_reader_set_vendor_id (self->iface, ccid_device_get_vendor_id (device));
  scb_dbus_reader_set_product_id (self->iface, ccid_device_get_product_id (device));
  scb_dbus_reader_set_serial (self->iface, serial != NULL ? serial : "");
  scb_dbus_reader_set_slot (self->iface, (guint8) ccid_slot_get_index (slot));
  scb_dbus_reader_set_exchange_level (
      self->iface, ccid_exchange_level_to_string (ccid_slot_get_exchange_level (slot)));
  scb_dbus_reader_set_state (self->iface, SCB_READER_STATE_EMPTY);
  /* Never a value whose low 16 bits are 0: it starts at 1. */
  scb_dbus_reader_set_card_events (self->iface, scb_counter_next (0));
  scb_dbus_reader_set_card (self->iface, "/");
  scb_dbus_reader_set_atr (self->iface, scb_bytes_to_variant (NULL));
  scb_dbus_reader_set_nad (self->iface, 0);
  scb_dbus_object_skeleton_set_reader (self->object, self->iface);
  g_signal_connect (self->iface, "handle-connect", G_CALLBACK (on_handle_connect), self);
  g_signal_connect (self->iface, "handle-set-nad", G_CALLBACK (on_handle_set_nad), self);
  self->changed_id = g_signal_connect (slot, "changed", G_CALLBACK (on_slot_changed), self);
  return self;
}

static void
scb_reader_dispose (GObject *object)
{
  ScbReader *self = SCB_READER (object);

  if (self->slot != NULL)
    g_clear_signal_handler (&self->changed_id, self->slot);
  g_clear_handle_id (&self->insert_timeout_id, g_source_remove);
  fail_waiters (self, SCB_ERROR_READER_UNAVAILABLE, "The reader was removed");
  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->card);
  g_clear_pointer (&self->card_atr, g_bytes_unref);
  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_clear_object (&self->slot);
  g_clear_object (&self->device);
  G_OBJECT_CLASS (scb_reader_parent_class)->dispose (object);
}

static void
scb_reader_finalize (GObject *object)
{
  ScbReader *self = SCB_READER (object);

  g_ptr_array_unref (self->connections);
  scb_fair_queue_free (self->apdus);
  g_free (self->path);
  g_free (self->name);
  G_OBJECT_CLASS (scb_reader_parent_class)->finalize (object);
}

static void
scb_reader_init (ScbReader *self)
{
  self->connections = g_ptr_array_new ();
  g_queue_init (&self->tx_waiters);
  /* The slot serves one APDU at a time: one in flight, the rest take
   * turns by user. */
  self->apdus = scb_fair_queue_new (1);
}

static void
scb_reader_class_init (ScbReaderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_reader_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_reader_finalize;
}

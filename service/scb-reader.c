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
 * Connect is an adapter: its typed arguments go to the bouncer, then to
 * the slot's session (session/scb-session.c), which owns the connections,
 * their share modes and transactions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-card.h"
#include "scb-ccid-slot.h"
#include "scb-connection.h"
#include "scb-counter.h"
#include "scb-error.h"
#include "scb-generated.h"
#include "scb-limits.h"
#include "scb-names.h"
#include "scb-pinpad.h"
#include "scb-reader.h"

#define INSERT_SETTLE_MS 5000

struct _ScbReader
{
  GObject parent_instance;
  ScbManager *manager; /* not owned: it outlives its readers */
  CcidDevice *device;
  ScbSlot *slot; /* the session's */
  ScbSession *session;
  char *path;
  char *name;
  ScbDBusObjectSkeleton *object;
  ScbDBusReader *iface;
  gulong changed_id;
  gulong use_id;
  gulong pin_entry_id;
  gboolean present;

  guint generation;        /* the slot's card generation last published */
  gboolean insert_pending; /* inserted, waiting for the power-on */
  guint insert_timeout_id;
  ScbCard *card;
  GBytes *card_atr; /* what the Card object shows */
};

G_DEFINE_TYPE (ScbReader, scb_reader, G_TYPE_OBJECT)

/* ---- publishing --------------------------------------------------------- */

static guint32
compute_state (ScbReader *self)
{
  guint32 state = 0;

  if (self->card == NULL)
    return SCB_READER_STATE_EMPTY;
  state = SCB_READER_STATE_PRESENT;
  switch (scb_slot_get_state (self->slot))
    {
    case SCB_SLOT_MUTE:
      state |= SCB_READER_STATE_MUTE;
      break;
    case SCB_SLOT_PRESENT:
      state |= SCB_READER_STATE_UNPOWERED;
      break;
    default:
      break;
    }
  return state | scb_session_get_use (self->session);
}

static GBytes *
current_atr (ScbReader *self)
{
  if (self->card == NULL || scb_slot_get_state (self->slot) == SCB_SLOT_MUTE)
    return NULL;
  return scb_slot_get_atr (self->slot);
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
      scb_card_update (self->card, atr, scb_slot_get_protocols (self->slot));
    }
  scb_manager_readers_changed (self->manager);
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
      scb_card_update (self->card, atr, scb_slot_get_protocols (self->slot));
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
  guint generation = scb_slot_get_card_generation (self->slot);

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
      if (scb_slot_get_state (self->slot) != SCB_SLOT_PRESENT)
        publish_insertion (self);
      else if (self->insert_timeout_id == 0)
        self->insert_timeout_id = g_timeout_add (INSERT_SETTLE_MS, on_insert_settled, self);
      return;
    }
  publish (self);
}

static void
on_slot_changed (ScbSlot *slot, gpointer user_data)
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
  scb_session_shutdown (self->session);
}

/* Share modes changed: State's INUSE and EXCLUSIVE bits. */
/* A connection's PIN entry on the pad, for a desktop to say "enter your
 * PIN on the reader": a D-Bus connection's label is its path. */
static void
on_pin_entry (ScbSession *session, const char *label, const char *operation, const char *result,
              gpointer user_data)
{
  ScbReader *self = user_data;
  const char *connection = label != NULL && g_variant_is_object_path (label) ? label : "/";

  if (result == NULL)
    scb_dbus_reader_emit_pin_entry_started (self->iface, connection, operation);
  else
    scb_dbus_reader_emit_pin_entry_finished (self->iface, connection, operation, result);
}

static void
on_use_changed (ScbSession *session, gpointer user_data)
{
  ScbReader *self = user_data;

  if (self->present)
    publish (self);
}

/* ---- methods ------------------------------------------------------------- */

typedef struct
{
  ScbShareMode mode;
  ScbProtocol protocols;
} ConnectArgs;

typedef struct
{
  ScbReader *reader;
  GDBusMethodInvocation *invocation; /* the handler's reference */
} ConnectCall;

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ConnectCall *call = user_data;
  g_autoptr (ScbReader) self = call->reader;
  GDBusMethodInvocation *invocation = call->invocation;
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbHandle) handle = scb_session_connect_finish (SCB_SESSION (source), result, &error);
  g_autoptr (ScbConnection) connection = NULL;

  g_free (call);
  if (handle != NULL)
    connection = scb_connection_new (self->manager, self, handle, &error);
  if (connection == NULL)
    {
      if (handle != NULL)
        scb_handle_close (handle);
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  g_debug ("%s: %s connected %s (%s, %s)", self->name,
           g_dbus_method_invocation_get_sender (invocation), scb_connection_get_path (connection),
           scb_share_mode_to_word (scb_handle_get_share_mode (handle)),
           scb_protocol_to_word (scb_handle_get_protocol (handle)));
  scb_dbus_reader_complete_connect (self->iface, invocation, scb_connection_get_path (connection),
                                    scb_protocol_to_word (scb_handle_get_protocol (handle)));
}

static void
connect_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbReader *self = SCB_READER (object);
  const ConnectArgs *args = data;
  g_autoptr (ScbPeer) peer = scb_limits_get_peer (scb_manager_get_limits (self->manager),
                                                  g_dbus_method_invocation_get_sender (invocation));
  ConnectCall *call = g_new0 (ConnectCall, 1);

  call->reader = g_object_ref (self);
  call->invocation = invocation;
  scb_session_connect_async (self->session, peer, args->mode, args->protocols,
                             scb_dbus_reader_get_nad (self->iface), NULL, on_connected, call);
}

static gboolean
on_handle_connect (ScbDBusReader *iface, GDBusMethodInvocation *invocation, const char *share_mode,
                   const char *const *protocols, gpointer user_data)
{
  ScbReader *self = user_data;
  g_autoptr (GError) error = NULL;
  ScbRequest request = { 0 };
  ConnectArgs *args = g_new0 (ConnectArgs, 1);

  if (!scb_share_mode_from_word (share_mode, &args->mode, &error)
      || !scb_protocols_from_words (protocols, &args->protocols, &error))
    {
      g_free (args);
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  request.share_mode = args->mode;
  scb_bouncer_check (scb_manager_get_bouncer (self->manager), invocation, &request, G_OBJECT (self),
                     connect_allowed, args, g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
set_nad_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbReader *self = SCB_READER (object);
  guint8 nad = (guint8) GPOINTER_TO_UINT (data);

  if (!scb_slot_supports_nad (self->slot))
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

  scb_bouncer_check (scb_manager_get_bouncer (self->manager), invocation, NULL, G_OBJECT (self),
                     set_nad_allowed, GUINT_TO_POINTER (nad), NULL);
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

guint32
scb_reader_get_state (ScbReader *self)
{
  return scb_dbus_reader_get_state (self->iface);
}

GBytes *
scb_reader_get_atr (ScbReader *self)
{
  GBytes *atr = current_atr (self);

  return atr != NULL ? g_bytes_ref (atr) : NULL;
}

guint32
scb_reader_get_card_events (ScbReader *self)
{
  return scb_dbus_reader_get_card_events (self->iface);
}

ScbSession *
scb_reader_get_session (ScbReader *self)
{
  return self->session;
}

ScbReader *
scb_reader_new (ScbManager *manager, CcidDevice *device, CcidSlot *slot, const char *path)
{
  ScbReader *self = g_object_new (SCB_TYPE_READER, NULL);
  const char *serial = ccid_device_get_serial (device);

  self->manager = manager;
  self->device = g_object_ref (device);
  self->slot = scb_ccid_slot_new (device, slot);
  self->session = scb_session_new (self->slot);
  self->path = g_strdup (path);
  self->name = g_strdup (scb_slot_get_name (self->slot));
  self->present = TRUE;
  self->object = scb_dbus_object_skeleton_new (path);
  self->iface = scb_dbus_reader_skeleton_new ();
  scb_dbus_reader_set_name (self->iface, self->name);
  scb_dbus_reader_set_vendor_id (self->iface, ccid_device_get_vendor_id (device));
  scb_dbus_reader_set_product_id (self->iface, ccid_device_get_product_id (device));
  scb_dbus_reader_set_serial (self->iface, serial != NULL ? serial : "");
  scb_dbus_reader_set_slot (self->iface, (guint8) scb_slot_get_info (self->slot)->index);
  scb_dbus_reader_set_exchange_level (self->iface, scb_slot_get_info (self->slot)->exchange_level);
  scb_dbus_reader_set_pin_pad (self->iface, scb_pinpad_property (device));
  scb_dbus_reader_set_state (self->iface, SCB_READER_STATE_EMPTY);
  /* Never a value whose low 16 bits are 0: it starts at 1. */
  scb_dbus_reader_set_card_events (self->iface, scb_counter_next (0));
  scb_dbus_reader_set_card (self->iface, "/");
  scb_dbus_reader_set_atr (self->iface, scb_bytes_to_variant (NULL));
  scb_dbus_reader_set_nad (self->iface, 0);
  scb_dbus_object_skeleton_set_reader (self->object, self->iface);
  g_signal_connect (self->iface, "handle-connect", G_CALLBACK (on_handle_connect), self);
  g_signal_connect (self->iface, "handle-set-nad", G_CALLBACK (on_handle_set_nad), self);
  self->changed_id = g_signal_connect (self->slot, "changed", G_CALLBACK (on_slot_changed), self);
  self->use_id = g_signal_connect (self->session, "changed", G_CALLBACK (on_use_changed), self);
  self->pin_entry_id
      = g_signal_connect (self->session, "pin-entry", G_CALLBACK (on_pin_entry), self);
  return self;
}

static void
scb_reader_dispose (GObject *object)
{
  ScbReader *self = SCB_READER (object);

  if (self->slot != NULL)
    g_clear_signal_handler (&self->changed_id, self->slot);
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->use_id, self->session);
      g_clear_signal_handler (&self->pin_entry_id, self->session);
      scb_session_shutdown (self->session);
    }
  g_clear_handle_id (&self->insert_timeout_id, g_source_remove);
  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->card);
  g_clear_pointer (&self->card_atr, g_bytes_unref);
  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_clear_object (&self->session);
  g_clear_object (&self->slot);
  g_clear_object (&self->device);
  G_OBJECT_CLASS (scb_reader_parent_class)->dispose (object);
}

static void
scb_reader_finalize (GObject *object)
{
  ScbReader *self = SCB_READER (object);

  g_free (self->path);
  g_free (self->name);
  G_OBJECT_CLASS (scb_reader_parent_class)->finalize (object);
}

static void
scb_reader_init (ScbReader *self)
{
}

static void
scb_reader_class_init (ScbReaderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_reader_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_reader_finalize;
}

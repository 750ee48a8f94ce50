/* scb-client-reader.c: one reader slot, a Reader object of scardbusd
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-private.h"
#include "scb-types-enums.h"
#include "scb-names.h"

/**
 * ScbClientReader:
 *
 * One slot of a smart-card reader. Its properties follow the daemon's
 * `org.scardbus.SmartCard1.Reader` object: a card insertion or removal changes
 * #ScbClientReader:state, #ScbClientReader:atr, #ScbClientReader:card and
 * #ScbClientReader:card-events together, then emits
 * #ScbClientReader::card-inserted or #ScbClientReader::card-removed. A
 * change whose card event counter is not newer than the reader's (one the
 * snapshot already holds) is dropped.
 */
struct _ScbClientReader
{
  GObject parent_instance;
  ScbDBusReader *proxy;
  GDBusObjectManager *manager;
  /* The card's properties, kept here under the counter rule: the proxy's
   * cache takes every PropertiesChanged, old ones too. */
  guint32 state;
  guint32 card_events;
  GBytes *atr;
  char *card_path;
  ScbClientCard *card;
  char *pending_card_path; /* Card names an object not yet in the manager */
  ScbClientReaderChanged changed;
  gpointer changed_data;
};

enum
{
  PROP_0,
  PROP_OBJECT_PATH,
  PROP_NAME,
  PROP_VENDOR_ID,
  PROP_PRODUCT_ID,
  PROP_SERIAL,
  PROP_SLOT,
  PROP_EXCHANGE_LEVEL,
  PROP_STATE,
  PROP_CARD_EVENTS,
  PROP_ATR,
  PROP_NAD,
  PROP_CARD,
  N_PROPS
};

enum
{
  SIGNAL_CARD_INSERTED,
  SIGNAL_CARD_REMOVED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

/* D-Bus property names and the GObject properties they feed. */
static const struct
{
  const char *dbus_name;
  guint prop;
} property_map[] = {
  { "Name", PROP_NAME },
  { "VendorId", PROP_VENDOR_ID },
  { "ProductId", PROP_PRODUCT_ID },
  { "Serial", PROP_SERIAL },
  { "Slot", PROP_SLOT },
  { "ExchangeLevel", PROP_EXCHANGE_LEVEL },
  { "State", PROP_STATE },
  { "CardEvents", PROP_CARD_EVENTS },
  { "Atr", PROP_ATR },
  { "Nad", PROP_NAD },
};

G_DEFINE_FINAL_TYPE (ScbClientReader, scb_client_reader, G_TYPE_OBJECT)

static void
set_card (ScbClientReader *self, ScbClientCard *card)
{
  g_autoptr (ScbClientCard) old = g_steal_pointer (&self->card);

  self->card = card;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CARD]);
  if (old != NULL)
    g_signal_emit (self, signals[SIGNAL_CARD_REMOVED], 0, old);
  if (card != NULL)
    g_signal_emit (self, signals[SIGNAL_CARD_INSERTED], 0, card);
}

/* Follows the Card property. The Card object may reach us before or after
 * the PropertiesChanged that names it: the one that comes second completes
 * the insertion. */
static void
update_card (ScbClientReader *self, gboolean emit)
{
  const char *path = self->card_path;
  g_autoptr (GDBusInterface) iface = NULL;
  gboolean empty = path == NULL || g_str_equal (path, "/");

  if (self->card != NULL
      && (empty || !g_str_equal (path, scb_client_card_get_object_path (self->card))))
    {
      if (emit)
        set_card (self, NULL);
      else
        g_clear_object (&self->card);
    }
  g_clear_pointer (&self->pending_card_path, g_free);
  if (empty || self->card != NULL)
    return;

  iface = g_dbus_object_manager_get_interface (self->manager, path, SCB_DBUS_INTERFACE_CARD);
  if (iface == NULL)
    {
      self->pending_card_path = g_strdup (path);
      return;
    }
  if (emit)
    set_card (self, _scb_client_card_new (SCB_DBUS_CARD (iface)));
  else
    self->card = _scb_client_card_new (SCB_DBUS_CARD (iface));
}

void
_scb_client_reader_object_added (ScbClientReader *self, GDBusObject *object)
{
  g_autoptr (GDBusInterface) iface = NULL;

  if (self->pending_card_path == NULL
      || !g_str_equal (self->pending_card_path, g_dbus_object_get_object_path (object)))
    return;
  iface = g_dbus_object_get_interface (object, SCB_DBUS_INTERFACE_CARD);
  if (iface == NULL)
    return;
  g_clear_pointer (&self->pending_card_path, g_free);
  set_card (self, _scb_client_card_new (SCB_DBUS_CARD (iface)));
  self->changed (self, self->changed_data);
}

void
_scb_client_reader_detach (ScbClientReader *self)
{
  g_clear_pointer (&self->pending_card_path, g_free);
  if (self->proxy != NULL)
    g_signal_handlers_disconnect_by_data (self->proxy, self);
}

static gboolean
is_card_property (const char *key)
{
  return g_str_equal (key, "State") || g_str_equal (key, "CardEvents") || g_str_equal (key, "Atr")
         || g_str_equal (key, "Card");
}

/* Takes one of the card's properties from a PropertiesChanged. */
static void
apply_card_property (ScbClientReader *self, const char *key, GVariant *value)
{
  if (g_str_equal (key, "State") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    self->state = g_variant_get_uint32 (value);
  else if (g_str_equal (key, "CardEvents") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    self->card_events = g_variant_get_uint32 (value);
  else if (g_str_equal (key, "Atr"))
    {
      g_clear_pointer (&self->atr, g_bytes_unref);
      self->atr = _scb_client_variant_to_bytes (value);
    }
  else if (g_str_equal (key, "Card") && g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
    {
      g_free (self->card_path);
      self->card_path = g_variant_dup_string (value, NULL);
    }
}

static void
on_properties_changed (GDBusProxy *proxy, GVariant *changed, const char *const *invalidated,
                       gpointer user_data)
{
  ScbClientReader *self = user_data;
  guint32 card_events = 0;
  gboolean card_changed = FALSE;
  gboolean stale;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  /* An insertion or removal the reader already shows: every signal that
   * came before the snapshot (counters not newer than ours). */
  stale = g_variant_lookup (changed, "CardEvents", "u", &card_events)
          && !_scb_counter_is_newer (card_events, self->card_events);
  g_object_freeze_notify (G_OBJECT (self));
  g_variant_iter_init (&iter, changed);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      gboolean card_property = is_card_property (key);

      if (!(card_property && stale))
        {
          if (card_property)
            apply_card_property (self, key, value);
          card_changed |= g_str_equal (key, "Card");
          for (gsize i = 0; i < G_N_ELEMENTS (property_map); i++)
            {
              if (g_str_equal (key, property_map[i].dbus_name))
                g_object_notify_by_pspec (G_OBJECT (self), props[property_map[i].prop]);
            }
        }
      g_variant_unref (value);
    }
  g_object_thaw_notify (G_OBJECT (self));
  if (card_changed)
    update_card (self, TRUE);
  self->changed (self, self->changed_data);
}

ScbClientReader *
_scb_client_reader_new (ScbDBusReader *proxy, GDBusObjectManager *manager,
                        ScbClientReaderChanged changed, gpointer changed_data)
{
  ScbClientReader *self = g_object_new (SCB_TYPE_CLIENT_READER, NULL);

  self->proxy = g_object_ref (proxy);
  self->manager = g_object_ref (manager);
  self->changed = changed;
  self->changed_data = changed_data;
  self->state = scb_dbus_reader_get_state (proxy);
  self->card_events = scb_dbus_reader_get_card_events (proxy);
  self->atr = _scb_client_variant_to_bytes (scb_dbus_reader_get_atr (proxy));
  self->card_path = g_strdup (scb_dbus_reader_get_card (proxy));
  /* Connect may power a card up; the daemon bounds it. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), G_MAXINT);
  g_signal_connect (proxy, "g-properties-changed", G_CALLBACK (on_properties_changed), self);
  update_card (self, FALSE);
  return self;
}

/**
 * scb_client_reader_get_object_path:
 * @self: a reader
 *
 * Returns: the D-Bus object path, `/org/scardbus/SmartCard1/reader/N`
 */
const char *
scb_client_reader_get_object_path (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), NULL);
  return g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->proxy));
}

/**
 * scb_client_reader_get_name:
 * @self: a reader
 *
 * Returns: the PC/SC name, e.g. "Gemalto PC Twin Reader 00 00"
 */
const char *
scb_client_reader_get_name (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), NULL);
  return scb_dbus_reader_get_name (self->proxy);
}

/**
 * scb_client_reader_get_vendor_id:
 * @self: a reader
 *
 * Returns: the USB vendor id
 */
guint16
scb_client_reader_get_vendor_id (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), 0);
  return scb_dbus_reader_get_vendor_id (self->proxy);
}

/**
 * scb_client_reader_get_product_id:
 * @self: a reader
 *
 * Returns: the USB product id
 */
guint16
scb_client_reader_get_product_id (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), 0);
  return scb_dbus_reader_get_product_id (self->proxy);
}

/**
 * scb_client_reader_get_serial:
 * @self: a reader
 *
 * Returns: the USB serial number string, empty when the device has none
 */
const char *
scb_client_reader_get_serial (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), NULL);
  return scb_dbus_reader_get_serial (self->proxy);
}

/**
 * scb_client_reader_get_slot:
 * @self: a reader
 *
 * Returns: the CCID slot number
 */
guint8
scb_client_reader_get_slot (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), 0);
  return scb_dbus_reader_get_slot (self->proxy);
}

/**
 * scb_client_reader_get_exchange_level:
 * @self: a reader
 *
 * Returns: "character", "tpdu", "short-apdu" or "extended-apdu"
 */
const char *
scb_client_reader_get_exchange_level (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), NULL);
  return scb_dbus_reader_get_exchange_level (self->proxy);
}

/**
 * scb_client_reader_get_state:
 * @self: a reader
 *
 * Returns: the reader state bits
 */
ScbReaderState
scb_client_reader_get_state (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), SCB_READER_STATE_NONE);
  return (ScbReaderState) self->state;
}

/**
 * scb_client_reader_get_card_events:
 * @self: a reader
 *
 * Returns: the card event counter: one more for every insertion and removal
 */
guint32
scb_client_reader_get_card_events (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), 0);
  return self->card_events;
}

/**
 * scb_client_reader_get_atr:
 * @self: a reader
 *
 * Returns: (transfer none): the ATR of the card, empty without a card
 */
GBytes *
scb_client_reader_get_atr (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), NULL);
  return self->atr;
}

/**
 * scb_client_reader_get_nad:
 * @self: a reader
 *
 * Returns: the T=1 node address new connections start with
 */
guint8
scb_client_reader_get_nad (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), 0);
  return scb_dbus_reader_get_nad (self->proxy);
}

/**
 * scb_client_reader_get_pin_pad:
 * @self: a reader
 *
 * The reader's PIN pad as Reader.PinPad describes it: "verify", "modify"
 * (b), "display-lines", "display-characters", "min-digits", "max-digits"
 * (y) when known; empty without a usable pad.
 *
 * Returns: (transfer full): an `a{sv}`
 */
GVariant *
scb_client_reader_get_pin_pad (ScbClientReader *self)
{
  GVariant *value;

  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), NULL);
  value = scb_dbus_reader_get_pin_pad (self->proxy);
  return value != NULL ? g_variant_ref (value) : g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
}

/**
 * scb_client_reader_get_card:
 * @self: a reader
 *
 * Returns: (transfer none) (nullable): the card in the reader, %NULL when empty
 */
ScbClientCard *
scb_client_reader_get_card (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), NULL);
  return self->card;
}

/**
 * scb_client_reader_has_card:
 * @self: a reader
 *
 * Returns: whether the state says a card is present (mute cards included)
 */
gboolean
scb_client_reader_has_card (ScbClientReader *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), FALSE);
  return (self->state & SCB_READER_STATE_PRESENT) != 0;
}

typedef struct
{
  ScbShareMode share_mode;
} ConnectData;

/* The daemon instance that published the reader: its connections are its. */
static char *
service_of (ScbClientReader *self)
{
  GDBusProxy *proxy = G_DBUS_PROXY (self->proxy);
  char *owner = g_dbus_proxy_get_name_owner (proxy);

  return owner != NULL ? owner : g_strdup (g_dbus_proxy_get_name (proxy));
}

static ScbClientConnection *
make_connection (ScbClientReader *self, ScbShareMode share_mode, const char *path,
                 const char *protocol, GError **error)
{
  g_autofree char *service = service_of (self);

  return _scb_client_connection_new (g_dbus_proxy_get_connection (G_DBUS_PROXY (self->proxy)),
                                     service, path, scb_client_reader_get_object_path (self),
                                     share_mode, scb_protocol_from_word (protocol), error);
}

static void
on_connect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbClientReader *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *protocol = NULL;
  ScbClientConnection *connection;

  if (!scb_dbus_reader_call_connect_finish (SCB_DBUS_READER (source), &path, &protocol, result,
                                            &error))
    {
      _scb_client_error_normalize (&error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  connection = make_connection (self, data->share_mode, path, protocol, &error);
  if (connection == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, connection, g_object_unref);
}

/**
 * scb_client_reader_open_connection:
 * @self: a reader
 * @share_mode: how to share the card
 * @protocols: the acceptable protocols; %SCB_PROTOCOL_NONE for a direct
 *   connection without a card
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the connection is made or has failed
 * @user_data: data for @callback
 *
 * Connects to the card in the reader (or, with
 * %SCB_SHARE_MODE_DIRECT, to the reader). Shared and exclusive
 * connections need the polkit action `org.scardbus.SmartCard1.access-card`.
 */
void
scb_client_reader_open_connection (ScbClientReader *self, ScbShareMode share_mode,
                                   ScbProtocol protocols, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_auto (GStrv) words = scb_protocols_to_words (protocols);
  ConnectData *data = g_new0 (ConnectData, 1);

  g_return_if_fail (SCB_IS_CLIENT_READER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, scb_client_reader_open_connection);
  data->share_mode = share_mode;
  g_task_set_task_data (task, data, g_free);
  scb_dbus_reader_call_connect (self->proxy, scb_share_mode_to_word (share_mode),
                                (const char *const *) words, G_DBUS_CALL_FLAGS_NONE, -1,
                                cancellable, on_connect_done, g_steal_pointer (&task));
}

/**
 * scb_client_reader_open_connection_finish:
 * @self: a reader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
ScbClientConnection *
scb_client_reader_open_connection_finish (ScbClientReader *self, GAsyncResult *result,
                                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * scb_client_reader_open_connection_sync:
 * @self: a reader
 * @share_mode: how to share the card
 * @protocols: the acceptable protocols
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The synchronous form of scb_client_reader_open_connection().
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
ScbClientConnection *
scb_client_reader_open_connection_sync (ScbClientReader *self, ScbShareMode share_mode,
                                        ScbProtocol protocols, GCancellable *cancellable,
                                        GError **error)
{
  g_autofree char *service = NULL;

  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), NULL);
  service = service_of (self);
  return scb_client_connection_new_sync (g_dbus_proxy_get_connection (G_DBUS_PROXY (self->proxy)),
                                         service, scb_client_reader_get_object_path (self),
                                         share_mode, protocols, cancellable, error);
}

static void
on_set_nad_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (!scb_dbus_reader_call_set_nad_finish (SCB_DBUS_READER (source), result, &error))
    {
      _scb_client_error_normalize (&error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * scb_client_reader_set_nad:
 * @self: a reader
 * @nad: the node address byte new connections start with
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Sets the default NAD of new connections (eSIM port selection by NAD). Needs
 * `org.scardbus.SmartCard1.set-nad`; readers that do not exchange TPDUs fail
 * with %SCB_ERROR_NOT_SUPPORTED.
 */
void
scb_client_reader_set_nad (ScbClientReader *self, guint8 nad, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SCB_IS_CLIENT_READER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, scb_client_reader_set_nad);
  scb_dbus_reader_call_set_nad (self->proxy, nad, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                on_set_nad_done, task);
}

/**
 * scb_client_reader_set_nad_finish:
 * @self: a reader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when the NAD was set
 */
gboolean
scb_client_reader_set_nad_finish (ScbClientReader *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * scb_client_reader_set_nad_sync:
 * @self: a reader
 * @nad: the node address byte
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The synchronous form of scb_client_reader_set_nad().
 *
 * Returns: %TRUE when the NAD was set
 */
gboolean
scb_client_reader_set_nad_sync (ScbClientReader *self, guint8 nad, GCancellable *cancellable,
                                GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_READER (self), FALSE);
  if (!scb_dbus_reader_call_set_nad_sync (self->proxy, nad, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                          error))
    {
      _scb_client_error_normalize (error);
      return FALSE;
    }
  return TRUE;
}

static void
scb_client_reader_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ScbClientReader *self = SCB_CLIENT_READER (object);

  switch (prop_id)
    {
    case PROP_OBJECT_PATH:
      g_value_set_string (value, scb_client_reader_get_object_path (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, scb_client_reader_get_name (self));
      break;
    case PROP_VENDOR_ID:
      g_value_set_uint (value, scb_client_reader_get_vendor_id (self));
      break;
    case PROP_PRODUCT_ID:
      g_value_set_uint (value, scb_client_reader_get_product_id (self));
      break;
    case PROP_SERIAL:
      g_value_set_string (value, scb_client_reader_get_serial (self));
      break;
    case PROP_SLOT:
      g_value_set_uint (value, scb_client_reader_get_slot (self));
      break;
    case PROP_EXCHANGE_LEVEL:
      g_value_set_string (value, scb_client_reader_get_exchange_level (self));
      break;
    case PROP_STATE:
      g_value_set_flags (value, scb_client_reader_get_state (self));
      break;
    case PROP_CARD_EVENTS:
      g_value_set_uint (value, scb_client_reader_get_card_events (self));
      break;
    case PROP_ATR:
      g_value_set_boxed (value, self->atr);
      break;
    case PROP_NAD:
      g_value_set_uint (value, scb_client_reader_get_nad (self));
      break;
    case PROP_CARD:
      g_value_set_object (value, self->card);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
scb_client_reader_dispose (GObject *object)
{
  ScbClientReader *self = SCB_CLIENT_READER (object);

  _scb_client_reader_detach (self);
  g_clear_object (&self->card);
  g_clear_object (&self->proxy);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->atr, g_bytes_unref);
  g_clear_pointer (&self->card_path, g_free);
  G_OBJECT_CLASS (scb_client_reader_parent_class)->dispose (object);
}

static void
scb_client_reader_init (ScbClientReader *self)
{
}

static void
scb_client_reader_class_init (ScbClientReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = scb_client_reader_get_property;
  object_class->dispose = scb_client_reader_dispose;

  /**
   * ScbClientReader:object-path:
   *
   * The D-Bus object path of the reader.
   */
  props[PROP_OBJECT_PATH] = g_param_spec_string ("object-path", NULL, NULL, NULL, flags);
  /**
   * ScbClientReader:name:
   *
   * The PC/SC reader name.
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * ScbClientReader:vendor-id:
   *
   * The USB vendor id.
   */
  props[PROP_VENDOR_ID] = g_param_spec_uint ("vendor-id", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  /**
   * ScbClientReader:product-id:
   *
   * The USB product id.
   */
  props[PROP_PRODUCT_ID] = g_param_spec_uint ("product-id", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  /**
   * ScbClientReader:serial:
   *
   * The USB serial number string.
   */
  props[PROP_SERIAL] = g_param_spec_string ("serial", NULL, NULL, NULL, flags);
  /**
   * ScbClientReader:slot:
   *
   * The CCID slot number.
   */
  props[PROP_SLOT] = g_param_spec_uint ("slot", NULL, NULL, 0, G_MAXUINT8, 0, flags);
  /**
   * ScbClientReader:exchange-level:
   *
   * "character", "tpdu", "short-apdu" or "extended-apdu".
   */
  props[PROP_EXCHANGE_LEVEL] = g_param_spec_string ("exchange-level", NULL, NULL, NULL, flags);
  /**
   * ScbClientReader:state:
   *
   * The reader state bits.
   */
  props[PROP_STATE] = g_param_spec_flags ("state", NULL, NULL, SCB_TYPE_READER_STATE,
                                          SCB_READER_STATE_NONE, flags);
  /**
   * ScbClientReader:card-events:
   *
   * The card event counter.
   */
  props[PROP_CARD_EVENTS] = g_param_spec_uint ("card-events", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  /**
   * ScbClientReader:atr:
   *
   * The ATR of the card, empty without a card.
   */
  props[PROP_ATR] = g_param_spec_boxed ("atr", NULL, NULL, G_TYPE_BYTES, flags);
  /**
   * ScbClientReader:nad:
   *
   * The NAD new connections start with.
   */
  props[PROP_NAD] = g_param_spec_uint ("nad", NULL, NULL, 0, G_MAXUINT8, 0, flags);
  /**
   * ScbClientReader:card:
   *
   * The card in the reader, %NULL when empty.
   */
  props[PROP_CARD] = g_param_spec_object ("card", NULL, NULL, SCB_TYPE_CLIENT_CARD, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * ScbClientReader::card-inserted:
   * @self: the reader
   * @card: the new card
   *
   * A card was inserted; the reader's properties already describe it.
   */
  signals[SIGNAL_CARD_INSERTED]
      = g_signal_new ("card-inserted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, SCB_TYPE_CLIENT_CARD);
  /**
   * ScbClientReader::card-removed:
   * @self: the reader
   * @card: the card that went away
   *
   * The card was removed; the reader's properties already say so.
   */
  signals[SIGNAL_CARD_REMOVED]
      = g_signal_new ("card-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, SCB_TYPE_CLIENT_CARD);
}

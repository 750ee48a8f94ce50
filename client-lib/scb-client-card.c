/* scb-client-card.c: one card insertion, a Card object of scardbusd
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-private.h"

/**
 * ScbClientCard:
 *
 * A card in a reader. Every insertion is a new card object (its D-Bus path is
 * never reused), so two insertions of the same card are two #ScbClientCard
 * objects. Its properties do not change: they are read once, when the card
 * appears, and stay readable after the card is removed.
 */
struct _ScbClientCard
{
  GObject parent_instance;
  char *object_path;
  char *reader_path;
  GBytes *atr;
  GStrv protocols;
  guint32 inserted_event;
};

enum
{
  PROP_0,
  PROP_OBJECT_PATH,
  PROP_READER_PATH,
  PROP_ATR,
  PROP_PROTOCOLS,
  PROP_INSERTED_EVENT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (ScbClientCard, scb_client_card, G_TYPE_OBJECT)

ScbClientCard *
_scb_client_card_new (ScbDBusCard *proxy)
{
  ScbClientCard *self = g_object_new (SCB_TYPE_CLIENT_CARD, NULL);
  const char *const *protocols = scb_dbus_card_get_protocols (proxy);

  self->object_path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (proxy)));
  self->reader_path = g_strdup (scb_dbus_card_get_reader (proxy));
  self->atr = _scb_client_variant_to_bytes (scb_dbus_card_get_atr (proxy));
  self->protocols = protocols != NULL ? g_strdupv ((char **) protocols) : g_new0 (char *, 1);
  self->inserted_event = scb_dbus_card_get_inserted_event (proxy);
  return self;
}

/**
 * scb_client_card_get_object_path:
 * @self: a card
 *
 * Returns: the D-Bus object path of the card, `/org/scardbus/SmartCard1/card/N`
 */
const char *
scb_client_card_get_object_path (ScbClientCard *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CARD (self), NULL);
  return self->object_path;
}

/**
 * scb_client_card_get_reader_path:
 * @self: a card
 *
 * Returns: the object path of the reader holding the card
 */
const char *
scb_client_card_get_reader_path (ScbClientCard *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CARD (self), NULL);
  return self->reader_path;
}

/**
 * scb_client_card_get_atr:
 * @self: a card
 *
 * Returns: (transfer none): the Answer To Reset, empty for a mute card
 */
GBytes *
scb_client_card_get_atr (ScbClientCard *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CARD (self), NULL);
  return self->atr;
}

/**
 * scb_client_card_get_protocols:
 * @self: a card
 *
 * Returns: (transfer none) (array zero-terminated=1): the protocols the ATR
 *   offers, among "t0" and "t1"
 */
const char *const *
scb_client_card_get_protocols (ScbClientCard *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CARD (self), NULL);
  return (const char *const *) self->protocols;
}

/**
 * scb_client_card_get_inserted_event:
 * @self: a card
 *
 * Returns: the reader's card event counter that the insertion produced
 */
guint32
scb_client_card_get_inserted_event (ScbClientCard *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CARD (self), 0);
  return self->inserted_event;
}

static void
scb_client_card_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ScbClientCard *self = SCB_CLIENT_CARD (object);

  switch (prop_id)
    {
    case PROP_OBJECT_PATH:
      g_value_set_string (value, self->object_path);
      break;
    case PROP_READER_PATH:
      g_value_set_string (value, self->reader_path);
      break;
    case PROP_ATR:
      g_value_set_boxed (value, self->atr);
      break;
    case PROP_PROTOCOLS:
      g_value_set_boxed (value, self->protocols);
      break;
    case PROP_INSERTED_EVENT:
      g_value_set_uint (value, self->inserted_event);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
scb_client_card_finalize (GObject *object)
{
  ScbClientCard *self = SCB_CLIENT_CARD (object);

  g_free (self->object_path);
  g_free (self->reader_path);
  g_clear_pointer (&self->atr, g_bytes_unref);
  g_strfreev (self->protocols);
  G_OBJECT_CLASS (scb_client_card_parent_class)->finalize (object);
}

static void
scb_client_card_init (ScbClientCard *self)
{
}

static void
scb_client_card_class_init (ScbClientCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = scb_client_card_get_property;
  object_class->finalize = scb_client_card_finalize;

  /**
   * ScbClientCard:object-path:
   *
   * The D-Bus object path of the card.
   */
  props[PROP_OBJECT_PATH] = g_param_spec_string ("object-path", NULL, NULL, NULL, flags);
  /**
   * ScbClientCard:reader-path:
   *
   * The object path of the reader holding the card.
   */
  props[PROP_READER_PATH] = g_param_spec_string ("reader-path", NULL, NULL, NULL, flags);
  /**
   * ScbClientCard:atr:
   *
   * The Answer To Reset.
   */
  props[PROP_ATR] = g_param_spec_boxed ("atr", NULL, NULL, G_TYPE_BYTES, flags);
  /**
   * ScbClientCard:protocols:
   *
   * The protocols the ATR offers: "t0", "t1".
   */
  props[PROP_PROTOCOLS] = g_param_spec_boxed ("protocols", NULL, NULL, G_TYPE_STRV, flags);
  /**
   * ScbClientCard:inserted-event:
   *
   * The reader's card event counter that the insertion produced.
   */
  props[PROP_INSERTED_EVENT]
      = g_param_spec_uint ("inserted-event", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

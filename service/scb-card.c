/* scb-card.c: a card inserted in a reader, one object per insertion
 *
 * The path (/org/scardbus/SmartCard1/card/N) comes from a counter of the
 * manager that never goes back, so a path names one insertion.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-card.h"
#include "scb-generated.h"

#include "ccid-slot.h"
#include "scb-types.h"

struct _ScbCard
{
  GObject parent_instance;
  char *path;
  ScbDBusObjectSkeleton *object;
  ScbDBusCard *iface;
};

G_DEFINE_TYPE (ScbCard, scb_card, G_TYPE_OBJECT)

GVariant *
scb_bytes_to_variant (GBytes *bytes)
{
  gsize len = 0;
  gconstpointer data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
}

GBytes *
scb_bytes_from_variant (GVariant *value)
{
  gsize len = 0;
  gconstpointer data = g_variant_get_fixed_array (value, &len, 1);

  return g_bytes_new (data, len);
}

/* The driver's protocol bits are the shared vocabulary's. */
G_STATIC_ASSERT (CCID_SLOT_PROTOCOL_T0 == SCB_PROTOCOL_T0);
G_STATIC_ASSERT (CCID_SLOT_PROTOCOL_T1 == SCB_PROTOCOL_T1);

static void
set_atr (ScbCard *self, GBytes *atr, guint protocols)
{
  g_auto (GStrv) names = scb_protocols_to_words (protocols & SCB_PROTOCOL_ANY);

  scb_dbus_card_set_atr (self->iface, scb_bytes_to_variant (atr));
  scb_dbus_card_set_protocols (self->iface, (const char *const *) names);
}

void
scb_card_update (ScbCard *self, GBytes *atr, guint protocols)
{
  set_atr (self, atr, protocols);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->iface));
}

GDBusObjectSkeleton *
scb_card_get_object (ScbCard *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

const char *
scb_card_get_path (ScbCard *self)
{
  return self->path;
}

ScbCard *
scb_card_new (const char *path, const char *reader_path, GBytes *atr, guint protocols,
              guint32 inserted_event)
{
  ScbCard *self = g_object_new (SCB_TYPE_CARD, NULL);

  self->path = g_strdup (path);
  self->object = scb_dbus_object_skeleton_new (path);
  self->iface = scb_dbus_card_skeleton_new ();
  scb_dbus_card_set_reader (self->iface, reader_path);
  scb_dbus_card_set_inserted_event (self->iface, inserted_event);
  set_atr (self, atr, protocols);
  scb_dbus_object_skeleton_set_card (self->object, self->iface);
  return self;
}

static void
scb_card_finalize (GObject *object)
{
  ScbCard *self = SCB_CARD (object);

  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_free (self->path);
  G_OBJECT_CLASS (scb_card_parent_class)->finalize (object);
}

static void
scb_card_init (ScbCard *self)
{
}

static void
scb_card_class_init (ScbCardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = scb_card_finalize;
}

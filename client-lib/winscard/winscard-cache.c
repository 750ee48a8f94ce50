/* winscard-cache.c: the reader objects of scardbusd, kept by D-Bus signals
 *
 * Fed in the library thread (winscard-bus.c), read by SCard* calls in the
 * application's threads under one lock; SCardGetStatusChange() waits on the
 * condition variable that every change broadcasts, so nothing polls.
 *
 * Order (DESIGN.md "Counters and event order"): we subscribe, then load a
 * snapshot (Manager.GetReaders for the reader list and its counter, one
 * GetManagedObjects for the properties). A reader becomes visible together
 * with its ReaderAdded counter, and goes away together with its
 * ReaderRemoved counter, under the lock: so whoever reads the counter also
 * sees the reader list that goes with it. InterfacesAdded, which comes
 * first, only stages the reader's properties. Signals older than the
 * snapshot (counters not newer than it) are ignored.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include "scb-names.h"

#include <string.h>

static GMutex cache_mutex;
static GCond cache_cond;
static GHashTable *readers; /* path -> WscReader (owned) */
static GPtrArray *visible;  /* WscReader (borrowed), in order of addition */
static guint32 reader_events;
static guint64 generation;
static guint64 last_generation;
static guint subscriptions[5];

/* Counters are u32 that may wrap: compare them as RFC 1982 serial numbers. */
static gboolean
counter_newer (guint32 a, guint32 b)
{
  return (gint32) (a - b) > 0;
}

static void
reader_free (gpointer data)
{
  WscReader *reader = data;

  g_free (reader->path);
  g_free (reader->name);
  g_free (reader);
}

static void
ensure_tables (void)
{
  if (readers == NULL)
    {
      readers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, reader_free);
      visible = g_ptr_array_new ();
    }
}

void
wsc_cache_lock (void)
{
  g_mutex_lock (&cache_mutex);
  ensure_tables ();
}

void
wsc_cache_unlock (void)
{
  g_mutex_unlock (&cache_mutex);
}

void
wsc_cache_broadcast_locked (void)
{
  g_cond_broadcast (&cache_cond);
}

gboolean
wsc_cache_wait_locked (gint64 end_time)
{
  if (end_time < 0)
    {
      g_cond_wait (&cache_cond, &cache_mutex);
      return TRUE;
    }
  /* g_cond_wait_until() counts on the monotonic clock. */
  return g_cond_wait_until (&cache_cond, &cache_mutex, end_time);
}

guint64
wsc_cache_get_generation_locked (void)
{
  return generation;
}

guint32
wsc_cache_get_reader_events_locked (void)
{
  return reader_events;
}

GPtrArray *
wsc_cache_get_readers_locked (void)
{
  return visible;
}

const WscReader *
wsc_cache_find_reader_locked (const char *name)
{
  for (guint i = 0; i < visible->len; i++)
    {
      const WscReader *reader = g_ptr_array_index (visible, i);

      if (strcmp (reader->name, name) == 0)
        return reader;
    }
  return NULL;
}

static void
reader_apply (WscReader *reader, GVariant *properties)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (strcmp (key, "Name") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_free (reader->name);
          reader->name = g_variant_dup_string (value, NULL);
        }
      else if (strcmp (key, "State") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        reader->state = g_variant_get_uint32 (value);
      else if (strcmp (key, "CardEvents") == 0
               && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        reader->card_events = g_variant_get_uint32 (value);
      else if (strcmp (key, "Nad") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
        reader->nad = g_variant_get_byte (value);
      else if (strcmp (key, "Atr") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        {
          gsize length = 0;
          const guint8 *atr = g_variant_get_fixed_array (value, &length, 1);

          /* The daemon checks ATRs; a longer one is cut, never overflows. */
          reader->atr_len = MIN (length, sizeof reader->atr);
          if (reader->atr_len > 0)
            memcpy (reader->atr, atr, reader->atr_len);
        }
      g_variant_unref (value);
    }
}

static WscReader *
reader_lookup_or_add (const char *path)
{
  WscReader *reader = g_hash_table_lookup (readers, path);

  if (reader == NULL)
    {
      reader = g_new0 (WscReader, 1);
      reader->path = g_strdup (path);
      reader->name = g_strdup ("");
      g_hash_table_insert (readers, reader->path, reader);
    }
  return reader;
}

static void
reader_remove (WscReader *reader)
{
  g_ptr_array_remove (visible, reader);
  g_hash_table_remove (readers, reader->path);
}

void
wsc_cache_set_offline (void)
{
  wsc_cache_lock ();
  if (generation != 0)
    g_debug ("winscard: scardbusd went away");
  generation = 0;
  reader_events = 0;
  g_ptr_array_set_size (visible, 0);
  g_hash_table_remove_all (readers);
  wsc_cache_broadcast_locked ();
  wsc_cache_unlock ();
}

LONG
wsc_cache_load (GDBusConnection *connection)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) list = NULL;
  g_autoptr (GVariant) objects = NULL;
  g_autoptr (GVariantIter) paths = NULL;
  g_autoptr (GVariant) object_dict = NULL;
  GVariantIter object_iter;
  const char *object_path;
  GVariant *interfaces;
  guint32 events = 0;

  /* The one call that may start the service through D-Bus activation. */
  list = g_dbus_connection_call_sync (
      connection, SCB_DBUS_NAME, SCB_DBUS_PATH, SCB_DBUS_INTERFACE_MANAGER, "GetReaders", NULL,
      G_VARIANT_TYPE ("(uao)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (list == NULL)
    {
      g_debug ("winscard: GetReaders: %s", error->message);
      return SCARD_E_NO_SERVICE;
    }
  objects = g_dbus_connection_call_sync (connection, SCB_DBUS_NAME, SCB_DBUS_PATH,
                                         "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                         NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                         G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, &error);
  if (objects == NULL)
    {
      g_debug ("winscard: GetManagedObjects: %s", error->message);
      return SCARD_E_NO_SERVICE;
    }

  wsc_cache_lock ();
  g_ptr_array_set_size (visible, 0);
  g_hash_table_remove_all (readers);

  /* Every Reader object, hidden until the list says it is counted. */
  object_dict = g_variant_get_child_value (objects, 0);
  g_variant_iter_init (&object_iter, object_dict);
  while (g_variant_iter_next (&object_iter, "{&o@a{sa{sv}}}", &object_path, &interfaces))
    {
      g_autoptr (GVariant) properties = g_variant_lookup_value (
          interfaces, SCB_DBUS_INTERFACE_READER, G_VARIANT_TYPE ("a{sv}"));

      if (properties != NULL)
        reader_apply (reader_lookup_or_add (object_path), properties);
      g_variant_unref (interfaces);
    }

  g_variant_get (list, "(uao)", &events, &paths);
  while (g_variant_iter_next (paths, "&o", &object_path))
    {
      WscReader *reader = g_hash_table_lookup (readers, object_path);

      /* Gone between the two calls: its ReaderRemoved is on its way. */
      if (reader != NULL && !reader->visible)
        {
          reader->visible = TRUE;
          g_ptr_array_add (visible, reader);
        }
    }
  reader_events = events;
  generation = ++last_generation;
  g_debug ("winscard: loaded %u readers, reader events %u", visible->len, events);
  wsc_cache_broadcast_locked ();
  wsc_cache_unlock ();
  return SCARD_S_SUCCESS;
}

static void
on_interfaces_added (GDBusConnection *connection, const char *sender, const char *path,
                     const char *interface_name, const char *signal_name, GVariant *parameters,
                     gpointer user_data)
{
  g_autoptr (GVariant) interfaces = NULL;
  g_autoptr (GVariant) properties = NULL;
  const char *object_path = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oa{sa{sv}})")))
    return;
  g_variant_get (parameters, "(&o@a{sa{sv}})", &object_path, &interfaces);
  properties
      = g_variant_lookup_value (interfaces, SCB_DBUS_INTERFACE_READER, G_VARIANT_TYPE ("a{sv}"));
  if (properties == NULL)
    return;
  wsc_cache_lock ();
  if (generation != 0)
    reader_apply (reader_lookup_or_add (object_path), properties);
  wsc_cache_unlock ();
}

static void
on_interfaces_removed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *interface_name, const char *signal_name, GVariant *parameters,
                       gpointer user_data)
{
  g_autofree const char **interfaces = NULL;
  const char *object_path = NULL;
  WscReader *reader;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oas)")))
    return;
  g_variant_get (parameters, "(&o^a&s)", &object_path, &interfaces);
  if (!g_strv_contains (interfaces, SCB_DBUS_INTERFACE_READER))
    return;
  wsc_cache_lock ();
  reader = g_hash_table_lookup (readers, object_path);
  if (reader != NULL)
    {
      /* Normally ReaderRemoved took it already. */
      if (reader->visible)
        wsc_cache_broadcast_locked ();
      reader_remove (reader);
    }
  wsc_cache_unlock ();
}

/* Reader.Properties.GetAll, for a ReaderAdded whose InterfacesAdded we
 * did not see (it was older than our subscription). */
static GVariant *
fetch_reader_properties (GDBusConnection *connection, const char *object_path)
{
  g_autoptr (GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (
      connection, SCB_DBUS_NAME, object_path, "org.freedesktop.DBus.Properties", "GetAll",
      g_variant_new ("(s)", SCB_DBUS_INTERFACE_READER), G_VARIANT_TYPE ("(a{sv})"),
      G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL);
  if (reply == NULL)
    return NULL;
  return g_variant_get_child_value (reply, 0);
}

static void
on_reader_added (GDBusConnection *connection, const char *sender, const char *path,
                 const char *interface_name, const char *signal_name, GVariant *parameters,
                 gpointer user_data)
{
  g_autoptr (GVariant) fetched = NULL;
  const char *object_path = NULL;
  const char *name = NULL;
  guint32 events = 0;
  gboolean staged;
  WscReader *reader;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(osu)")))
    return;
  g_variant_get (parameters, "(&o&su)", &object_path, &name, &events);

  wsc_cache_lock ();
  staged = g_hash_table_contains (readers, object_path);
  wsc_cache_unlock ();
  if (!staged)
    fetched = fetch_reader_properties (connection, object_path);

  wsc_cache_lock ();
  if (generation == 0 || !counter_newer (events, reader_events))
    {
      wsc_cache_unlock ();
      return;
    }
  reader = reader_lookup_or_add (object_path);
  if (fetched != NULL)
    reader_apply (reader, fetched);
  if (*reader->name == '\0')
    {
      g_free (reader->name);
      reader->name = g_strdup (name);
    }
  if (!reader->visible)
    {
      reader->visible = TRUE;
      g_ptr_array_add (visible, reader);
    }
  reader_events = events;
  wsc_cache_broadcast_locked ();
  wsc_cache_unlock ();
}

static void
on_reader_removed (GDBusConnection *connection, const char *sender, const char *path,
                   const char *interface_name, const char *signal_name, GVariant *parameters,
                   gpointer user_data)
{
  const char *object_path = NULL;
  const char *name = NULL;
  guint32 events = 0;
  WscReader *reader;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(osu)")))
    return;
  g_variant_get (parameters, "(&o&su)", &object_path, &name, &events);

  wsc_cache_lock ();
  if (generation != 0 && counter_newer (events, reader_events))
    {
      reader = g_hash_table_lookup (readers, object_path);
      if (reader != NULL)
        reader_remove (reader);
      reader_events = events;
      wsc_cache_broadcast_locked ();
    }
  wsc_cache_unlock ();
}

static void
on_properties_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *interface_name, const char *signal_name, GVariant *parameters,
                       gpointer user_data)
{
  g_autoptr (GVariant) changed = NULL;
  const char *changed_interface = NULL;
  WscReader *reader;
  guint32 card_events;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}@as)", &changed_interface, &changed, NULL);
  /* Manager.ReaderEvents is taken from ReaderAdded/ReaderRemoved, which
   * carry it together with the reader (see the top of the file). */
  if (strcmp (changed_interface, SCB_DBUS_INTERFACE_READER) != 0)
    return;

  wsc_cache_lock ();
  reader = g_hash_table_lookup (readers, path);
  /* A change older than our snapshot is dropped. */
  if (reader != NULL
      && !(g_variant_lookup (changed, "CardEvents", "u", &card_events)
           && counter_newer (reader->card_events, card_events)))
    {
      reader_apply (reader, changed);
      if (reader->visible)
        wsc_cache_broadcast_locked ();
    }
  wsc_cache_unlock ();
}

void
wsc_cache_subscribe (GDBusConnection *connection)
{
  subscriptions[0] = g_dbus_connection_signal_subscribe (
      connection, SCB_DBUS_NAME, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
      SCB_DBUS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_added, NULL, NULL);
  subscriptions[1] = g_dbus_connection_signal_subscribe (
      connection, SCB_DBUS_NAME, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
      SCB_DBUS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_removed, NULL, NULL);
  subscriptions[2] = g_dbus_connection_signal_subscribe (
      connection, SCB_DBUS_NAME, SCB_DBUS_INTERFACE_MANAGER, "ReaderAdded", SCB_DBUS_PATH, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_reader_added, NULL, NULL);
  subscriptions[3] = g_dbus_connection_signal_subscribe (
      connection, SCB_DBUS_NAME, SCB_DBUS_INTERFACE_MANAGER, "ReaderRemoved", SCB_DBUS_PATH, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_reader_removed, NULL, NULL);
  subscriptions[4] = g_dbus_connection_signal_subscribe (
      connection, SCB_DBUS_NAME, "org.freedesktop.DBus.Properties", "PropertiesChanged", NULL,
      SCB_DBUS_INTERFACE_READER, G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, NULL, NULL);
}

void
wsc_cache_unsubscribe (GDBusConnection *connection)
{
  for (guint i = 0; i < G_N_ELEMENTS (subscriptions); i++)
    {
      if (subscriptions[i] != 0)
        g_dbus_connection_signal_unsubscribe (connection, subscriptions[i]);
      subscriptions[i] = 0;
    }
}

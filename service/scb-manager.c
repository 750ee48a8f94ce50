/* scb-manager.c: /org/scardbus/SmartCard1, the Manager and the ObjectManager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "scb-manager.h"
#include "scb-counter.h"
#include "scb-generated.h"
#include "scb-names.h"

struct _ScbManager
{
  GObject parent_instance;
  ScbBouncer *bouncer;
  const ScbConfig *config;
  ScbDBusManager *skeleton;
  GDBusObjectManagerServer *object_manager;
  GPtrArray *readers;           /* object paths (char *), in the order added */
};

G_DEFINE_TYPE (ScbManager, scb_manager, G_TYPE_OBJECT)

static void
get_readers_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  ScbManager *self = SCB_MANAGER (object);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < self->readers->len; i++)
    g_ptr_array_add (paths, g_ptr_array_index (self->readers, i));
  g_ptr_array_add (paths, NULL);

  /* The counter and the list are read together, in one main-loop turn. */
  scb_dbus_manager_complete_get_readers (self->skeleton, invocation,
                                         scb_dbus_manager_get_reader_events (self->skeleton),
                                         (const char * const *) paths->pdata);
}

static gboolean
on_handle_get_readers (ScbDBusManager *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  ScbManager *self = user_data;

  scb_bouncer_check (self->bouncer, invocation, G_OBJECT (self), get_readers_allowed);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
scb_manager_export (ScbManager *self, GDBusConnection *connection, GError **error)
{
  g_dbus_object_manager_server_set_connection (self->object_manager, connection);
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                           connection, SCB_DBUS_PATH, error);
}

void
scb_manager_unexport (ScbManager *self)
{
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
}

guint32
scb_manager_get_reader_events (ScbManager *self)
{
  return scb_dbus_manager_get_reader_events (self->skeleton);
}

ScbManager *
scb_manager_new (ScbBouncer *bouncer, const ScbConfig *config)
{
  ScbManager *self = g_object_new (SCB_TYPE_MANAGER, NULL);

  self->bouncer = g_object_ref (bouncer);
  self->config = config;
  return self;
}

static void
scb_manager_dispose (GObject *object)
{
  ScbManager *self = SCB_MANAGER (object);

  if (self->skeleton != NULL)
    g_signal_handlers_disconnect_by_data (self->skeleton, self);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->bouncer);
  g_clear_pointer (&self->readers, g_ptr_array_unref);
  G_OBJECT_CLASS (scb_manager_parent_class)->dispose (object);
}

static void
scb_manager_init (ScbManager *self)
{
  self->readers = g_ptr_array_new_with_free_func (g_free);
  self->object_manager = g_dbus_object_manager_server_new (SCB_DBUS_PATH);
  self->skeleton = scb_dbus_manager_skeleton_new ();
  /* ReaderEvents counts the start-up readers too: 1 + those found. */
  scb_dbus_manager_set_reader_events (self->skeleton, scb_counter_next (0));
  scb_dbus_manager_set_version (self->skeleton, PACKAGE_VERSION);
  g_signal_connect (self->skeleton, "handle-get-readers", G_CALLBACK (on_handle_get_readers), self);
}

static void
scb_manager_class_init (ScbManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_manager_dispose;
}

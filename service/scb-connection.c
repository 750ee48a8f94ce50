/* scb-connection.c: a Connection object, the D-Bus door of one ScbHandle
 *
 * Each method takes the generated code's typed arguments once, checks the
 * caller is the owner (the unique bus name that made it), goes through the
 * bouncer's table with a typed request, calls the session
 * (session/scb-session.h) and completes the invocation. What PC/SC means
 * lives in the session, not here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-card.h"
#include "scb-channel.h"
#include "scb-connection.h"
#include "scb-control.h"
#include "scb-error.h"
#include "scb-generated.h"
#include "scb-limits.h"
#include "scb-names.h"
#include "scb-part10.h"
#include "scb-reader.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <sys/socket.h>

struct _ScbConnection
{
  GObject parent_instance;
  ScbManager *manager;
  ScbReader *reader;
  ScbHandle *handle;
  ScbPeer *peer; /* the owner's account */
  char *path;
  ScbDBusConnection *iface;
  gboolean closed;
  GPtrArray *channels; /* ScbChannel */
};

G_DEFINE_TYPE (ScbConnection, scb_connection, G_TYPE_OBJECT)

static ScbBouncer *
bouncer (ScbConnection *self)
{
  return scb_manager_get_bouncer (self->manager);
}

/* Only the owner may call it: checked before the bouncer. */
static gboolean
owns (ScbConnection *self, GDBusMethodInvocation *invocation)
{
  const char *owner = scb_peer_get_owner (self->peer);

  if (g_strcmp0 (g_dbus_method_invocation_get_sender (invocation), owner) == 0)
    return TRUE;
  g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED,
                                         "Only %s, which made %s, may use it", owner, self->path);
  return FALSE;
}

/* The object lives until the call's answer: the invocation holds it. */
static GDBusMethodInvocation *
hold (ScbConnection *self, GDBusMethodInvocation *invocation)
{
  g_object_set_data_full (G_OBJECT (invocation), "scb-connection", g_object_ref (self),
                          g_object_unref);
  return invocation;
}

static ScbDBusConnection *
held_iface (GDBusMethodInvocation *invocation)
{
  return SCB_CONNECTION (g_object_get_data (G_OBJECT (invocation), "scb-connection"))->iface;
}

/* ---- transmit and control ------------------------------------------------- */

static void
on_transmit_done (ScbHandle *handle, GBytes *response, const GError *error, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;

  if (response == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    scb_dbus_connection_complete_transmit (held_iface (invocation), invocation,
                                           scb_bytes_to_variant (response));
}

static void
transmit_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);

  scb_handle_transmit (self->handle, SCB_PROTOCOL_NONE, data, NULL, on_transmit_done,
                       hold (self, invocation));
}

static gboolean
on_handle_transmit (ScbDBusConnection *iface, GDBusMethodInvocation *invocation, GVariant *apdu,
                    ScbConnection *self)
{
  if (owns (self, invocation))
    scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), transmit_allowed,
                       scb_bytes_from_variant (apdu), (GDestroyNotify) g_bytes_unref);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_control_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) response = scb_handle_control_finish (SCB_HANDLE (source), result, &error);

  /* Control, VerifyPin and ModifyPin all answer (ay). */
  if (response == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (
        invocation, g_variant_new ("(@ay)", scb_bytes_to_variant (response)));
}

static void
control_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);
  const ScbRequest *request = data;

  scb_handle_control_async (self->handle, request->control_code, request->control_data, NULL,
                            on_control_done, hold (self, invocation));
}

static void
request_free (ScbRequest *request)
{
  g_clear_pointer (&request->control_data, g_bytes_unref);
  g_free (request);
}

static gboolean
on_handle_control (ScbDBusConnection *iface, GDBusMethodInvocation *invocation, guint32 code,
                   GVariant *data, ScbConnection *self)
{
  ScbRequest *request;

  if (!owns (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  request = g_new0 (ScbRequest, 1);
  request->control_code = code;
  request->control_data = scb_bytes_from_variant (data);
  scb_bouncer_check (bouncer (self), invocation, request, G_OBJECT (self), control_allowed, request,
                     (GDestroyNotify) request_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* VerifyPin and ModifyPin: the part 10 structure from the template and
 * the options, then the same control path as a PC/SC program's. */
typedef struct
{
  GBytes *template_apdu;
  GVariant *options;
  gboolean modify;
} PinArgs;

static void
pin_args_free (PinArgs *args)
{
  g_bytes_unref (args->template_apdu);
  g_variant_unref (args->options);
  g_free (args);
}

static void
pin_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);
  const PinArgs *args = data;
  g_autoptr (GBytes) structure = NULL;
  GError *error = NULL;
  ScbPinOptions options;

  if (!scb_part10_pin_options_parse (args->options, args->modify, &options, &error)
      || (structure
          = scb_part10_pin_structure (args->modify, args->template_apdu, &options, &error))
             == NULL)
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  scb_handle_control_async (self->handle,
                            SCB_CTL_FEATURE (args->modify ? SCB_FEATURE_MODIFY_PIN_DIRECT
                                                          : SCB_FEATURE_VERIFY_PIN_DIRECT),
                            structure, NULL, on_control_done, hold (self, invocation));
}

static void
check_pin (ScbConnection *self, GDBusMethodInvocation *invocation, GVariant *template_apdu,
           GVariant *options, gboolean modify)
{
  PinArgs *args;

  if (!owns (self, invocation))
    return;
  args = g_new0 (PinArgs, 1);
  args->template_apdu = scb_bytes_from_variant (template_apdu);
  args->options = g_variant_ref (options);
  args->modify = modify;
  scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), pin_allowed, args,
                     (GDestroyNotify) pin_args_free);
}

static gboolean
on_handle_verify_pin (ScbDBusConnection *iface, GDBusMethodInvocation *invocation,
                      GVariant *template_apdu, GVariant *options, ScbConnection *self)
{
  check_pin (self, invocation, template_apdu, options, FALSE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_modify_pin (ScbDBusConnection *iface, GDBusMethodInvocation *invocation,
                      GVariant *template_apdu, GVariant *options, ScbConnection *self)
{
  check_pin (self, invocation, template_apdu, options, TRUE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- transactions ------------------------------------------------------------ */

static void
on_begun (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;

  if (scb_handle_begin_transaction_finish (SCB_HANDLE (source), result, &error))
    scb_dbus_connection_complete_begin_transaction (held_iface (invocation), invocation);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static void
begin_transaction_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);

  scb_handle_begin_transaction_async (self->handle, NULL, on_begun, hold (self, invocation));
}

static gboolean
on_handle_begin_transaction (ScbDBusConnection *iface, GDBusMethodInvocation *invocation,
                             ScbConnection *self)
{
  if (owns (self, invocation))
    scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), begin_transaction_allowed,
                       NULL, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_ended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;

  if (scb_handle_end_transaction_finish (SCB_HANDLE (source), result, &error))
    scb_dbus_connection_complete_end_transaction (held_iface (invocation), invocation);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static void
end_transaction_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);

  scb_handle_end_transaction_async (self->handle, (ScbDisposition) GPOINTER_TO_UINT (data), NULL,
                                    on_ended, hold (self, invocation));
}

static gboolean
on_handle_end_transaction (ScbDBusConnection *iface, GDBusMethodInvocation *invocation,
                           const char *word, ScbConnection *self)
{
  g_autoptr (GError) error = NULL;
  ScbDisposition disposition;

  if (!owns (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!scb_disposition_from_word (word, &disposition, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), end_transaction_allowed,
                       GUINT_TO_POINTER (disposition), NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- reconnect and disconnect ------------------------------------------------- */

typedef struct
{
  ScbShareMode mode;
  ScbProtocol protocols;
  ScbDisposition initialization;
} ReconnectArgs;

static void
on_reconnected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  ScbProtocol protocol = SCB_PROTOCOL_NONE;
  ScbConnection *self = g_object_get_data (G_OBJECT (invocation), "scb-connection");

  /* The session made the task (one path with Connect). */
  if (scb_handle_reconnect_finish (self->handle, result, &protocol, &error))
    scb_dbus_connection_complete_reconnect (held_iface (invocation), invocation,
                                            scb_protocol_to_word (protocol));
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static void
reconnect_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);
  const ReconnectArgs *args = data;

  scb_handle_reconnect_async (self->handle, args->mode, args->protocols, args->initialization, NULL,
                              on_reconnected, hold (self, invocation));
}

static gboolean
on_handle_reconnect (ScbDBusConnection *iface, GDBusMethodInvocation *invocation,
                     const char *share_mode, const char *const *protocols,
                     const char *initialization, ScbConnection *self)
{
  g_autoptr (GError) error = NULL;
  ReconnectArgs *args;
  ScbRequest request = { 0 };

  if (!owns (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  args = g_new0 (ReconnectArgs, 1);
  if (!scb_share_mode_from_word (share_mode, &args->mode, &error)
      || !scb_protocols_from_words (protocols, &args->protocols, &error)
      || !scb_disposition_from_word (initialization, &args->initialization, &error))
    {
      g_free (args);
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  request.share_mode = args->mode;
  scb_bouncer_check (bouncer (self), invocation, &request, G_OBJECT (self), reconnect_allowed, args,
                     g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_disconnected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  ScbConnection *self = g_object_get_data (G_OBJECT (invocation), "scb-connection");

  scb_handle_disconnect_finish (SCB_HANDLE (source), result);
  scb_dbus_connection_complete_disconnect (self->iface, invocation);
  scb_connection_close (self);
}

static void
disconnect_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);

  scb_handle_disconnect_async (self->handle, (ScbDisposition) GPOINTER_TO_UINT (data),
                               on_disconnected, hold (self, invocation));
}

static gboolean
on_handle_disconnect (ScbDBusConnection *iface, GDBusMethodInvocation *invocation, const char *word,
                      ScbConnection *self)
{
  g_autoptr (GError) error = NULL;
  ScbDisposition disposition;

  if (!owns (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!scb_disposition_from_word (word, &disposition, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), disconnect_allowed,
                       GUINT_TO_POINTER (disposition), NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- status and attributes ------------------------------------------------------ */

static void
on_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  g_autoptr (ScbStatus) status = scb_handle_status_finish (SCB_HANDLE (source), result, &error);

  if (status == NULL)
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  scb_dbus_connection_complete_status (held_iface (invocation), invocation, status->reader_name,
                                       status->state, scb_protocol_to_word (status->protocol),
                                       scb_bytes_to_variant (status->atr));
}

static void
status_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);

  scb_handle_status_async (self->handle, NULL, on_status, hold (self, invocation));
}

static gboolean
on_handle_status (ScbDBusConnection *iface, GDBusMethodInvocation *invocation, ScbConnection *self)
{
  if (owns (self, invocation))
    scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), status_allowed, NULL,
                       NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
get_attrib_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);
  GError *error = NULL;
  g_autoptr (GBytes) value = scb_handle_get_attrib (self->handle, GPOINTER_TO_UINT (data), &error);

  if (value == NULL)
    g_dbus_method_invocation_take_error (invocation, error);
  else
    scb_dbus_connection_complete_get_attrib (self->iface, invocation, scb_bytes_to_variant (value));
}

static gboolean
on_handle_get_attrib (ScbDBusConnection *iface, GDBusMethodInvocation *invocation, guint32 id,
                      ScbConnection *self)
{
  if (owns (self, invocation))
    scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), get_attrib_allowed,
                       GUINT_TO_POINTER (id), NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

typedef struct
{
  guint32 id;
  GBytes *value;
} SetAttribArgs;

static void
set_attrib_args_free (SetAttribArgs *args)
{
  g_bytes_unref (args->value);
  g_free (args);
}

static void
set_attrib_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);
  const SetAttribArgs *args = data;
  GError *error = NULL;

  if (scb_handle_set_attrib (self->handle, args->id, args->value, &error))
    scb_dbus_connection_complete_set_attrib (self->iface, invocation);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static gboolean
on_handle_set_attrib (ScbDBusConnection *iface, GDBusMethodInvocation *invocation, guint32 id,
                      GVariant *value, ScbConnection *self)
{
  SetAttribArgs *args;

  if (!owns (self, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  args = g_new0 (SetAttribArgs, 1);
  args->id = id;
  args->value = scb_bytes_from_variant (value);
  scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), set_attrib_allowed, args,
                     (GDestroyNotify) set_attrib_args_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
set_nad_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);
  GError *error = NULL;

  if (scb_handle_set_nad (self->handle, (guint8) GPOINTER_TO_UINT (data), &error))
    scb_dbus_connection_complete_set_nad (self->iface, invocation);
  else
    g_dbus_method_invocation_take_error (invocation, error);
}

static gboolean
on_handle_set_nad (ScbDBusConnection *iface, GDBusMethodInvocation *invocation, guint8 nad,
                   ScbConnection *self)
{
  if (owns (self, invocation))
    scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), set_nad_allowed,
                       GUINT_TO_POINTER (nad), NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- channels ------------------------------------------------------------------ */

static void
open_channel_allowed (GObject *object, GDBusMethodInvocation *invocation, gpointer data)
{
  ScbConnection *self = SCB_CONNECTION (object);
  ScbLimits *limits = scb_manager_get_limits (self->manager);
  guint per_connection = scb_limits_get_config (limits)->channels_per_connection;
  g_autoptr (GUnixFDList) fd_list = NULL;
  g_autoptr (GError) error = NULL;
  int fds[2];

  if (self->closed)
    {
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_INVALID_HANDLE,
                                             "%s is closed", self->path);
      return;
    }
  if (self->channels->len >= per_connection)
    {
      g_dbus_method_invocation_return_error (
          invocation, SCB_ERROR, SCB_ERROR_LIMIT_EXCEEDED,
          "%s already has %u channels, the most allowed (MaxChannelsPerConnection in [Clients] "
          "of scardbusd.conf)",
          self->path, self->channels->len);
      return;
    }
  if (!scb_limits_check_fds (limits, &error)
      || !scb_peer_take (self->peer, SCB_RESOURCE_CHANNEL, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    {
      scb_peer_release (self->peer, SCB_RESOURCE_CHANNEL);
      g_dbus_method_invocation_return_error (invocation, SCB_ERROR, SCB_ERROR_FAILED,
                                             "socketpair: %s", g_strerror (errno));
      return;
    }
  /* The client gets a blocking end; ours is made non-blocking by GSocket. */
  fd_list = g_unix_fd_list_new_from_array (&fds[1], 1); /* takes fds[1] */
  g_ptr_array_add (self->channels, scb_channel_new (self, self->handle, bouncer (self), fds[0]));
  scb_dbus_connection_complete_open_channel (self->iface, invocation, fd_list,
                                             g_variant_new_handle (0));
}

static gboolean
on_handle_open_channel (ScbDBusConnection *iface, GDBusMethodInvocation *invocation,
                        GUnixFDList *fd_list, ScbConnection *self)
{
  if (owns (self, invocation))
    scb_bouncer_check (bouncer (self), invocation, NULL, G_OBJECT (self), open_channel_allowed,
                       NULL, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
scb_connection_forget_channel (ScbConnection *self, ScbChannel *channel)
{
  if (self->channels == NULL || !g_ptr_array_find (self->channels, channel, NULL))
    return;
  /* Its request that still waits goes with it: nobody reads the answer. */
  scb_handle_cancel_tag (self->handle, channel);
  g_ptr_array_remove (self->channels, channel);
  scb_peer_release (self->peer, SCB_RESOURCE_CHANNEL);
}

/* ---- the object ------------------------------------------------------------------ */

const char *
scb_connection_get_owner (ScbConnection *self)
{
  return scb_peer_get_owner (self->peer);
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

ScbHandle *
scb_connection_get_handle (ScbConnection *self)
{
  return self->handle;
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
  self->closed = TRUE;
  channels = g_steal_pointer (&self->channels);
  for (guint i = 0; i < channels->len; i++)
    {
      scb_channel_close (g_ptr_array_index (channels, i));
      scb_peer_release (self->peer, SCB_RESOURCE_CHANNEL);
    }
  scb_handle_close (self->handle);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->iface));
  scb_manager_remove_connection (self->manager, self);
}

ScbConnection *
scb_connection_new (ScbManager *manager, ScbReader *reader, ScbHandle *handle, GError **error)
{
  g_autoptr (ScbConnection) self = g_object_new (SCB_TYPE_CONNECTION, NULL);

  self->manager = g_object_ref (manager);
  self->reader = g_object_ref (reader);
  self->handle = g_object_ref (handle);
  self->peer = scb_peer_ref (scb_handle_get_owner (handle));
  self->path = scb_manager_next_connection_path (manager);
  scb_handle_set_label (handle, self->path);
  self->iface = scb_dbus_connection_skeleton_new ();
#define CONNECT(signal, handler) g_signal_connect (self->iface, signal, G_CALLBACK (handler), self)
  CONNECT ("handle-transmit", on_handle_transmit);
  CONNECT ("handle-control", on_handle_control);
  CONNECT ("handle-verify-pin", on_handle_verify_pin);
  CONNECT ("handle-modify-pin", on_handle_modify_pin);
  CONNECT ("handle-begin-transaction", on_handle_begin_transaction);
  CONNECT ("handle-end-transaction", on_handle_end_transaction);
  CONNECT ("handle-reconnect", on_handle_reconnect);
  CONNECT ("handle-disconnect", on_handle_disconnect);
  CONNECT ("handle-status", on_handle_status);
  CONNECT ("handle-get-attrib", on_handle_get_attrib);
  CONNECT ("handle-set-attrib", on_handle_set_attrib);
  CONNECT ("handle-set-nad", on_handle_set_nad);
  CONNECT ("handle-open-channel", on_handle_open_channel);
#undef CONNECT
  if (!scb_manager_add_connection (manager, self, error))
    return NULL;
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->iface),
                                         scb_manager_get_connection (manager), self->path, error))
    {
      scb_manager_remove_connection (manager, self);
      return NULL;
    }
  return g_steal_pointer (&self);
}

static void
scb_connection_dispose (GObject *object)
{
  ScbConnection *self = SCB_CONNECTION (object);

  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->iface);
  g_clear_pointer (&self->channels, g_ptr_array_unref);
  g_clear_object (&self->handle);
  g_clear_object (&self->reader);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (scb_connection_parent_class)->dispose (object);
}

static void
scb_connection_finalize (GObject *object)
{
  ScbConnection *self = SCB_CONNECTION (object);

  g_clear_pointer (&self->peer, scb_peer_unref);
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

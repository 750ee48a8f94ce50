/* scb-client-connection.c: a connection to a card or reader
 *
 * Transmit and Control go over the connection's SOCK_SEQPACKET channel
 * (Connection.OpenChannel(), docs/channel.md) when the daemon offers one: a
 * D-Bus round trip costs ~310 µs, the channel ~17 µs (docs/performance.md).
 * On any failure of the channel — the daemon does not offer one or refuses
 * it (a limit, no descriptor left), or the socket closes or breaks — they
 * go over the D-Bus methods, which also carry the daemon's precise error
 * (RemovedCard, ...), and stay there for the life of the connection.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-client-private.h"
#include "scb-client-channel.h"
#include "scb-types-enums.h"
#include "scb-error.h"
#include "scb-names.h"

#include <gio/gunixfdlist.h>

/**
 * ScbClientConnection:
 *
 * A connection made by scb_client_reader_open_connection() or
 * scb_client_connection_new_sync(). Only the process (the bus connection)
 * that made it may use it; the daemon closes it when that process leaves the
 * bus, or when scb_client_connection_close() is called. Dropping the last
 * reference does not disconnect: the daemon does when the bus connection
 * closes.
 *
 * Its methods may be called from any thread; requests on one connection are
 * served one at a time. They have no client-side timeout, as PC/SC and the
 * channel have none: the daemon ends every call (a transaction wait after
 * 60 s, an APDU by the card's own time limits).
 */
struct _ScbClientConnection
{
  GObject parent_instance;
  ScbDBusConnection *proxy;
  char *reader_path;

  GMutex lock; /* guards what follows: any thread may call */
  ScbShareMode share_mode;
  ScbProtocol protocol;
  gboolean use_channel;
  gboolean channel_unavailable; /* refused, or failed: D-Bus from now on */
  ScbClientChannel *channel;    /* lives as long as the connection */
};

enum
{
  PROP_0,
  PROP_OBJECT_PATH,
  PROP_READER_PATH,
  PROP_SHARE_MODE,
  PROP_PROTOCOL,
  PROP_USE_CHANNEL,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (ScbClientConnection, scb_client_connection, G_TYPE_OBJECT)

/* No timeout: see the class comment. */
#define CALL_TIMEOUT_MS G_MAXINT

ScbClientConnection *
_scb_client_connection_new (GDBusConnection *bus, const char *service, const char *path,
                            const char *reader_path, ScbShareMode share_mode, ScbProtocol protocol,
                            GError **error)
{
  g_autoptr (ScbDBusConnection) proxy = NULL;
  ScbClientConnection *self;

  /* The connection belongs to the daemon instance that made it: @service
   * is its unique name, so no name-owner lookup happens and a restarted
   * daemon is not mistaken for it. Without properties or signals the proxy
   * is made without any bus traffic. */
  proxy = scb_dbus_connection_proxy_new_sync (bus,
                                              G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES
                                                  | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS
                                                  | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                              service, path, NULL, error);
  if (proxy == NULL)
    return NULL;
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), CALL_TIMEOUT_MS);
  self = g_object_new (SCB_TYPE_CLIENT_CONNECTION, NULL);
  self->proxy = g_steal_pointer (&proxy);
  self->reader_path = g_strdup (reader_path);
  self->share_mode = share_mode;
  self->protocol = protocol;
  /* SCARDBUS_NO_CHANNEL=1 keeps every exchange on D-Bus, for comparisons. */
  self->use_channel = g_strcmp0 (g_getenv ("SCARDBUS_NO_CHANNEL"), "1") != 0;
  return self;
}

/**
 * scb_client_connection_new_sync:
 * @bus: the bus connection the connection will belong to
 * @service: (nullable): the bus name of scardbusd: the unique name of the
 *   instance that published @reader_path (scb_client_get_service_owner()),
 *   or %NULL for `org.scardbus.SmartCard1`
 * @reader_path: the object path of a reader
 * @share_mode: how to share the card
 * @protocols: the acceptable protocols; %SCB_PROTOCOL_NONE for a direct
 *   connection without a card
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Connects to the card in the reader at @reader_path through @bus, a bus
 * connection of the caller's choosing: the connection belongs to it, and
 * ends when @bus leaves the bus. This is how a program makes connections
 * that are independent of one another, each on a bus connection of its
 * own (the WinSCard library does so for every PC/SC context);
 * scb_client_reader_open_connection() is the same on the #ScbClient's bus
 * connection. May be called from any thread.
 *
 * Returns: (transfer full): the connection, or %NULL with @error set
 */
ScbClientConnection *
scb_client_connection_new_sync (GDBusConnection *bus, const char *service, const char *reader_path,
                                ScbShareMode share_mode, ScbProtocol protocols,
                                GCancellable *cancellable, GError **error)
{
  g_auto (GStrv) words = scb_protocols_to_words (protocols);
  g_autoptr (ScbDBusReader) reader = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *path = NULL;
  g_autofree char *protocol = NULL;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (bus), NULL);
  g_return_val_if_fail (reader_path != NULL, NULL);
  reader = scb_dbus_reader_proxy_new_sync (
      bus,
      G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS
          | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
      service != NULL ? service : SCB_DBUS_NAME, reader_path, cancellable, error);
  if (reader == NULL)
    {
      _scb_client_error_normalize (error);
      return NULL;
    }
  /* Connect may power the card up: the daemon bounds it. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (reader), CALL_TIMEOUT_MS);
  if (!scb_dbus_reader_call_connect_sync (reader, scb_share_mode_to_word (share_mode),
                                          (const char *const *) words, G_DBUS_CALL_FLAGS_NONE, -1,
                                          &path, &protocol, cancellable, error))
    {
      _scb_client_error_normalize (error);
      return NULL;
    }
  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (reader));
  return _scb_client_connection_new (
      bus, owner != NULL ? owner : g_dbus_proxy_get_name (G_DBUS_PROXY (reader)), path, reader_path,
      share_mode, scb_protocol_from_word (protocol), error);
}

/**
 * scb_client_connection_get_object_path:
 * @self: a connection
 *
 * Returns: the D-Bus object path, `/org/scardbus/SmartCard1/connection/N`
 */
const char *
scb_client_connection_get_object_path (ScbClientConnection *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), NULL);
  return g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->proxy));
}

/**
 * scb_client_connection_get_reader_path:
 * @self: a connection
 *
 * Returns: the object path of the reader the connection was made on
 */
const char *
scb_client_connection_get_reader_path (ScbClientConnection *self)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), NULL);
  return self->reader_path;
}

/**
 * scb_client_connection_get_share_mode:
 * @self: a connection
 *
 * Returns: the share mode of the connection
 */
ScbShareMode
scb_client_connection_get_share_mode (ScbClientConnection *self)
{
  ScbShareMode mode;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), SCB_SHARE_MODE_SHARED);
  g_mutex_lock (&self->lock);
  mode = self->share_mode;
  g_mutex_unlock (&self->lock);
  return mode;
}

/**
 * scb_client_connection_get_protocol:
 * @self: a connection
 *
 * Returns: the protocol in use, %SCB_PROTOCOL_NONE for a direct
 *   connection without a card
 */
ScbProtocol
scb_client_connection_get_protocol (ScbClientConnection *self)
{
  ScbProtocol protocol;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), SCB_PROTOCOL_NONE);
  g_mutex_lock (&self->lock);
  protocol = self->protocol;
  g_mutex_unlock (&self->lock);
  return protocol;
}

/**
 * scb_client_connection_get_use_channel:
 * @self: a connection
 *
 * Returns: whether transmit and control try the fd channel first
 */
gboolean
scb_client_connection_get_use_channel (ScbClientConnection *self)
{
  gboolean use;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  g_mutex_lock (&self->lock);
  use = self->use_channel;
  g_mutex_unlock (&self->lock);
  return use;
}

/**
 * scb_client_connection_set_use_channel:
 * @self: a connection
 * @use_channel: %FALSE to send every APDU as a D-Bus method call
 *
 * Chooses between the fd channel (the default) and D-Bus `Transmit` calls.
 */
void
scb_client_connection_set_use_channel (ScbClientConnection *self, gboolean use_channel)
{
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  g_mutex_lock (&self->lock);
  self->use_channel = use_channel;
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_USE_CHANNEL]);
}

/**
 * scb_client_connection_get_channel_open:
 * @self: a connection
 *
 * Returns: whether the fd channel is open and in use: %FALSE before the
 *   first exchange, and after the daemon refused it or it failed
 */
gboolean
scb_client_connection_get_channel_open (ScbClientConnection *self)
{
  gboolean open;

  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), FALSE);
  g_mutex_lock (&self->lock);
  open = self->channel != NULL && !self->channel_unavailable;
  g_mutex_unlock (&self->lock);
  return open;
}

/* The channel in use, opened on first use; NULL when there is none to use:
 * D-Bus then. Fails only when @cancellable was cancelled. */
static ScbClientChannel *
get_channel (ScbClientConnection *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (GVariant) handle = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GError) local_error = NULL;
  ScbClientChannel *channel = NULL;
  int fd = -1;

  g_mutex_lock (&self->lock);
  if (!self->use_channel || self->channel_unavailable || self->channel != NULL)
    {
      channel = self->use_channel && !self->channel_unavailable ? self->channel : NULL;
      g_mutex_unlock (&self->lock);
      return channel;
    }
  if (scb_dbus_connection_call_open_channel_sync (self->proxy, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                                  &handle, &fds, cancellable, &local_error))
    {
      gint32 index = g_variant_get_handle (handle);

      /* Every index from the daemon is checked before use. */
      if (fds != NULL && index >= 0 && index < g_unix_fd_list_get_length (fds))
        fd = g_unix_fd_list_get (fds, index, &local_error);
      if (fd >= 0)
        self->channel = _scb_client_channel_new (fd, &local_error);
    }
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_mutex_unlock (&self->lock);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* Not offered (an older daemon), refused (a limit, no descriptor left),
   * or not usable: the D-Bus methods do the same. */
  if (self->channel == NULL)
    {
      g_debug ("no channel for %s (%s): using D-Bus",
               g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->proxy)),
               local_error != NULL ? local_error->message : "no descriptor");
      self->channel_unavailable = TRUE;
    }
  channel = self->channel;
  g_mutex_unlock (&self->lock);
  return channel;
}

static void
channel_failed (ScbClientConnection *self)
{
  g_mutex_lock (&self->lock);
  self->channel_unavailable = TRUE;
  g_mutex_unlock (&self->lock);
}

static gboolean
check_payload (GBytes *data, gboolean may_be_empty, GError **error)
{
  gsize len = data != NULL ? g_bytes_get_size (data) : 0;

  if ((len == 0 && !may_be_empty) || len > SCB_MAX_APDU_SIZE)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "An APDU has 1 to %d bytes, not %" G_GSIZE_FORMAT, SCB_MAX_APDU_SIZE, len);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
exchange_on_bus (ScbClientConnection *self, ScbChannelOp op, guint32 code, GBytes *data,
                 GCancellable *cancellable, GError **error)
{
  g_autoptr (GVariant) response = NULL;
  gboolean ok;

  if (op == SCB_CHANNEL_OP_TRANSMIT)
    ok = scb_dbus_connection_call_transmit_sync (self->proxy, _scb_client_bytes_to_variant (data),
                                                 G_DBUS_CALL_FLAGS_NONE, -1, &response, cancellable,
                                                 error);
  else
    ok = scb_dbus_connection_call_control_sync (
        self->proxy, code, _scb_client_bytes_to_variant (data), G_DBUS_CALL_FLAGS_NONE, -1,
        &response, cancellable, error);
  if (!ok)
    {
      _scb_client_error_normalize (error);
      return NULL;
    }
  return _scb_client_variant_to_bytes (response);
}

/* Over the channel when there is one, over D-Bus otherwise or when the
 * channel fails without an answer. */
static GBytes *
exchange (ScbClientConnection *self, ScbChannelOp op, guint32 code, GBytes *data,
          GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) empty = NULL;
  ScbClientChannel *channel = get_channel (self, cancellable, &local_error);
  gboolean gone = FALSE;
  GBytes *answer;

  if (data == NULL)
    data = empty = g_bytes_new (NULL, 0);
  if (channel == NULL)
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      return exchange_on_bus (self, op, code, data, cancellable, error);
    }
  answer = _scb_client_channel_exchange (channel, op, code, data, cancellable, &gone, &local_error);
  if (answer != NULL)
    return answer;
  if (_scb_client_channel_is_broken (channel))
    channel_failed (self);
  if (!gone)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_debug ("channel of %s failed (%s): using D-Bus",
           g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->proxy)), local_error->message);
  return exchange_on_bus (self, op, code, data, cancellable, error);
}

/**
 * scb_client_connection_transmit_sync:
 * @self: a connection
 * @apdu: the command APDU, 1 to 65544 bytes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sends one APDU to the card and waits for its answer.
 *
 * Returns: (transfer full): the response APDU, status word included, or
 *   %NULL with @error set
 */
GBytes *
scb_client_connection_transmit_sync (ScbClientConnection *self, GBytes *apdu,
                                     GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), NULL);
  if (!check_payload (apdu, FALSE, error))
    return NULL;
  /* The channel's code: the protocol, which the daemon checks. */
  return exchange (self, SCB_CHANNEL_OP_TRANSMIT,
                   scb_client_connection_get_protocol (self) & SCB_PROTOCOL_ANY, apdu, cancellable,
                   error);
}

/**
 * scb_client_connection_control_sync:
 * @self: a connection
 * @code: the control code, as SCardControl's (`SCARD_CTL_CODE(n)` = 0x42000000 + n)
 * @data: (nullable): the input buffer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sends a control command to the reader. The polkit action needed depends on
 * the code (see the D-Bus API reference).
 *
 * Returns: (transfer full): the output buffer, or %NULL with @error set
 */
GBytes *
scb_client_connection_control_sync (ScbClientConnection *self, guint32 code, GBytes *data,
                                    GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (SCB_IS_CLIENT_CONNECTION (self), NULL);
  if (!check_payload (data, TRUE, error))
    return NULL;
  return exchange (self, SCB_CHANNEL_OP_CONTROL, code, data, cancellable, error);
}

typedef struct
{
  guint8 op;
  guint32 code;
  GBytes *data;
} ExchangeData;

static void
exchange_data_free (gpointer data)
{
  ExchangeData *exchange = data;

  g_clear_pointer (&exchange->data, g_bytes_unref);
  g_free (exchange);
}

static void
exchange_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ScbClientConnection *self = source;
  ExchangeData *exchange = task_data;
  GError *error = NULL;
  GBytes *answer;

  if (exchange->op == SCB_CHANNEL_OP_TRANSMIT)
    answer = scb_client_connection_transmit_sync (self, exchange->data, cancellable, &error);
  else
    answer = scb_client_connection_control_sync (self, exchange->code, exchange->data, cancellable,
                                                 &error);
  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) g_bytes_unref);
}

static void
start_exchange (ScbClientConnection *self, guint8 op, guint32 code, GBytes *data,
                gpointer source_tag, GCancellable *cancellable, GAsyncReadyCallback callback,
                gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  ExchangeData *exchange = g_new0 (ExchangeData, 1);

  g_task_set_source_tag (task, source_tag);
  exchange->op = op;
  exchange->code = code;
  exchange->data = data != NULL ? g_bytes_ref (data) : NULL;
  g_task_set_task_data (task, exchange, exchange_data_free);
  /* The channel is a blocking exchange: a worker thread waits on it (one
   * request at a time per connection, as the protocol has it). */
  g_task_run_in_thread (task, exchange_thread);
}

/**
 * scb_client_connection_transmit:
 * @self: a connection
 * @apdu: the command APDU, 1 to 65544 bytes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Sends one APDU to the card.
 */
void
scb_client_connection_transmit (ScbClientConnection *self, GBytes *apdu, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  start_exchange (self, SCB_CHANNEL_OP_TRANSMIT, 0, apdu, scb_client_connection_transmit,
                  cancellable, callback, user_data);
}

/**
 * scb_client_connection_transmit_finish:
 * @self: a connection
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the response APDU, or %NULL with @error set
 */
GBytes *
scb_client_connection_transmit_finish (ScbClientConnection *self, GAsyncResult *result,
                                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * scb_client_connection_control:
 * @self: a connection
 * @code: the control code
 * @data: (nullable): the input buffer
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Sends a control command to the reader.
 */
void
scb_client_connection_control (ScbClientConnection *self, guint32 code, GBytes *data,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (SCB_IS_CLIENT_CONNECTION (self));
  start_exchange (self, SCB_CHANNEL_OP_CONTROL, code, data, scb_client_connection_control,
                  cancellable, callback, user_data);
}

/**
 * scb_client_connection_control_finish:
 * @self: a connection
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the output buffer, or %NULL with @error set
 */
GBytes *
scb_client_connection_control_finish (ScbClientConnection *self, GAsyncResult *result,
                                      GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

ScbDBusConnection *
_scb_client_connection_get_proxy (ScbClientConnection *self)
{
  return self->proxy;
}

void
_scb_client_connection_reconnected (ScbClientConnection *self, ScbShareMode share_mode,
                                    ScbProtocol protocol)
{
  g_mutex_lock (&self->lock);
  self->share_mode = share_mode;
  self->protocol = protocol;
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SHARE_MODE]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROTOCOL]);
}

static void
scb_client_connection_get_property (GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  ScbClientConnection *self = SCB_CLIENT_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_OBJECT_PATH:
      g_value_set_string (value, scb_client_connection_get_object_path (self));
      break;
    case PROP_READER_PATH:
      g_value_set_string (value, self->reader_path);
      break;
    case PROP_SHARE_MODE:
      g_value_set_enum (value, scb_client_connection_get_share_mode (self));
      break;
    case PROP_PROTOCOL:
      g_value_set_flags (value, scb_client_connection_get_protocol (self));
      break;
    case PROP_USE_CHANNEL:
      g_value_set_boolean (value, scb_client_connection_get_use_channel (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
scb_client_connection_set_property (GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  ScbClientConnection *self = SCB_CLIENT_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_USE_CHANNEL:
      scb_client_connection_set_use_channel (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
scb_client_connection_finalize (GObject *object)
{
  ScbClientConnection *self = SCB_CLIENT_CONNECTION (object);

  g_clear_pointer (&self->channel, _scb_client_channel_free);
  g_clear_object (&self->proxy);
  g_free (self->reader_path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (scb_client_connection_parent_class)->finalize (object);
}

static void
scb_client_connection_init (ScbClientConnection *self)
{
  g_mutex_init (&self->lock);
}

static void
scb_client_connection_class_init (ScbClientConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = scb_client_connection_get_property;
  object_class->set_property = scb_client_connection_set_property;
  object_class->finalize = scb_client_connection_finalize;

  /**
   * ScbClientConnection:object-path:
   *
   * The D-Bus object path of the connection.
   */
  props[PROP_OBJECT_PATH] = g_param_spec_string ("object-path", NULL, NULL, NULL, flags);
  /**
   * ScbClientConnection:reader-path:
   *
   * The object path of its reader.
   */
  props[PROP_READER_PATH] = g_param_spec_string ("reader-path", NULL, NULL, NULL, flags);
  /**
   * ScbClientConnection:share-mode:
   *
   * The share mode.
   */
  props[PROP_SHARE_MODE] = g_param_spec_enum ("share-mode", NULL, NULL, SCB_TYPE_SHARE_MODE,
                                              SCB_SHARE_MODE_SHARED, flags);
  /**
   * ScbClientConnection:protocol:
   *
   * The protocol in use.
   */
  props[PROP_PROTOCOL]
      = g_param_spec_flags ("protocol", NULL, NULL, SCB_TYPE_PROTOCOL, SCB_PROTOCOL_NONE, flags);
  /**
   * ScbClientConnection:use-channel:
   *
   * Whether APDUs try the fd channel first.
   */
  props[PROP_USE_CHANNEL]
      = g_param_spec_boolean ("use-channel", NULL, NULL, TRUE, flags | G_PARAM_WRITABLE);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

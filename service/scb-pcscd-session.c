/* scb-pcscd-session.c: pcscd's commands on the daemon's readers
 *
 * One request at a time per client, answered as pcscd's winscard_svc.c
 * answers it: the request's structure comes back with rv and the outputs
 * set. A card handle the client does not hold, or a card command before
 * SCardEstablishContext, drops the client, as pcscd drops it. Connections
 * belong to the client ("pcscd:N" in ScbLimits) and end with it;
 * authorization is the D-Bus side's: the same actions, asked about the
 * client's process, uid 0 going ahead.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-bouncer.h"
#include "scb-error.h"
#include "scb-names.h"
#include "scb-pcscd-private.h"
#include "scb-reader.h"
#include "scb-session.h"

#include <PCSC/pcsclite.h>
#include <PCSC/reader.h>
#include <string.h>

/* One request in progress: what its answer needs. */
typedef struct
{
  ScbPcscdClient *client;
  ScbPcscdMessage msg;
  GBytes *data;
  ScbHandle *handle; /* for the card commands */
} Request;

static Request *
request_new (ScbPcscdClient *client, const ScbPcscdMessage *msg, GBytes *data)
{
  Request *request = g_new0 (Request, 1);

  request->client = scb_pcscd_client_ref (client);
  request->msg = *msg;
  request->data = data != NULL ? g_bytes_ref (data) : NULL;
  return request;
}

static void
request_free (Request *request)
{
  scb_pcscd_client_unref (request->client);
  g_clear_pointer (&request->data, g_bytes_unref);
  g_clear_object (&request->handle);
  g_free (request);
}

/* Sends the answer with @rv, and @data after it on success; frees. */
static void
request_answer_rv (Request *request, guint32 rv, const guint8 *data, gsize len)
{
  request->msg.rv = rv;
  if (!request->client->closed)
    {
      scb_pcscd_client_reply (request->client, &request->msg, data,
                              rv == SCARD_S_SUCCESS ? len : 0);
      scb_pcscd_client_done (request->client);
    }
  request_free (request);
}

/* The same with @error's rv (NULL: success). */
static void
request_answer (Request *request, const GError *error, const guint8 *data, gsize len)
{
  request_answer_rv (
      request, error != NULL ? (guint32) scb_error_to_scard (error) : SCARD_S_SUCCESS, data, len);
}

static void
answer_rv (ScbPcscdClient *client, ScbPcscdMessage *msg, guint32 rv)
{
  msg->rv = rv;
  scb_pcscd_client_reply (client, msg, NULL, 0);
  scb_pcscd_client_done (client);
}

/* ---- contexts and reader states -------------------------------------------- */

static void
establish_context (ScbPcscdClient *client, ScbPcscdMessage *msg)
{
  if (msg->scope > SCARD_SCOPE_SYSTEM)
    {
      answer_rv (client, msg, (guint32) SCARD_E_INVALID_VALUE);
      return;
    }
  /* pcscd keeps one context per socket: a second one replaces it. */
  if (client->context != 0)
    scb_pcscd_server_remove_context (client->server, client->context);
  client->context = scb_pcscd_server_add_context (client->server, client);
  msg->context = client->context;
  answer_rv (client, msg, SCARD_S_SUCCESS);
}

void
scb_pcscd_session_release (ScbPcscdClient *client)
{
  g_autoptr (GList) handles = g_hash_table_get_values (client->cards);

  g_hash_table_steal_all (client->cards);
  for (GList *l = handles; l != NULL; l = l->next)
    {
      scb_handle_close (l->data);
      scb_peer_release (client->peer, SCB_RESOURCE_CONNECTION);
      g_object_unref (l->data);
    }
  client->context = 0;
  client->waiting = FALSE;
}

static void
release_context (ScbPcscdClient *client, ScbPcscdMessage *msg)
{
  if (client->context == 0)
    {
      answer_rv (client, msg, (guint32) SCARD_E_INVALID_HANDLE);
      return;
    }
  if (client->context != msg->context)
    {
      answer_rv (client, msg, (guint32) SCARD_E_INVALID_VALUE);
      return;
    }
  scb_pcscd_server_remove_context (client->server, client->context);
  scb_pcscd_session_release (client);
  answer_rv (client, msg, SCARD_S_SUCCESS);
}

static void
send_states (ScbPcscdClient *client, guint count)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();

  scb_pcscd_server_append_states (client->server, count, client->minor, out);
  scb_pcscd_client_send (client, out->data, out->len);
  scb_pcscd_client_done (client);
}

static void
cancel (ScbPcscdClient *client, ScbPcscdMessage *msg)
{
  ScbPcscdClient *target = scb_pcscd_server_find_context (client->server, msg->context);
  ScbPcscdMessage signal
      = { .command = SCB_PCSCD_WAIT_READER_STATE_CHANGE, .rv = (guint32) SCARD_E_CANCELLED };

  if (target == NULL)
    {
      answer_rv (client, msg, (guint32) SCARD_E_INVALID_HANDLE);
      return;
    }
  /* The waiting client's SCardGetStatusChange returns SCARD_E_CANCELLED. */
  if (target->waiting)
    {
      target->waiting = FALSE;
      scb_pcscd_client_reply (target, &signal, NULL, 0);
    }
  answer_rv (client, msg, SCARD_S_SUCCESS);
}

static void
stop_waiting (ScbPcscdClient *client, ScbPcscdMessage *msg)
{
  /* No answer when the event came first: its signal was the answer. */
  if (!client->waiting)
    {
      scb_pcscd_client_done (client);
      return;
    }
  client->waiting = FALSE;
  msg->timeout = 0;
  answer_rv (client, msg, SCARD_S_SUCCESS);
}

/* ---- connect ---------------------------------------------------------------- */

static ScbReader *
find_reader (ScbPcscdClient *client, const char *name)
{
  GPtrArray *readers = scb_manager_get_readers (scb_pcscd_server_get_manager (client->server));

  for (guint i = 0; i < readers->len; i++)
    if (g_strcmp0 (scb_reader_get_name (g_ptr_array_index (readers, i)), name) == 0)
      return g_ptr_array_index (readers, i);
  return NULL;
}

/* SCARD_PROTOCOL_ANY_OLD of pcsc-lite < 1.3: T=0 or T=1. */
#define PROTOCOL_ANY_OLD 0x1000

/* pcscd's checks of the share mode and protocols, in its order (as the
 * WinSCard library makes them). */
static guint32
check_mode (guint32 share_mode, guint32 protocols, ScbShareMode *mode, ScbProtocol *wanted)
{
  if (share_mode != SCARD_SHARE_DIRECT
      && !(protocols
           & (SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_RAW | PROTOCOL_ANY_OLD)))
    return (guint32) SCARD_E_PROTO_MISMATCH;
  if (share_mode < SCARD_SHARE_EXCLUSIVE || share_mode > SCARD_SHARE_DIRECT)
    return (guint32) SCARD_E_INVALID_VALUE;
  *mode = (ScbShareMode) share_mode;
  if (protocols & PROTOCOL_ANY_OLD)
    protocols |= SCB_PROTOCOL_ANY;
  *wanted = (ScbProtocol) (protocols & (SCB_PROTOCOL_ANY | SCB_PROTOCOL_RAW));
  return SCARD_S_SUCCESS;
}

static guint32
new_card_handle (ScbPcscdClient *client)
{
  guint32 card;

  do
    card = g_random_int () & 0x7fffffff;
  while (card == 0 || g_hash_table_contains (client->cards, GUINT_TO_POINTER (card)));
  return card;
}

/* A request authorized like its D-Bus method. */
static void
authorize (Request *request, const char *interface_name, const char *method_name, ScbShareMode mode,
           GAsyncReadyCallback callback)
{
  ScbPcscdClient *client = request->client;
  ScbRequest call = { .interface_name = interface_name,
                      .method_name = method_name,
                      .share_mode = mode,
                      .control_code = request->msg.control_code,
                      .control_data = request->data };

  scb_bouncer_authorize_async (scb_pcscd_server_get_bouncer (client->server), client->owner, &call,
                               FALSE, callback, request);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  ScbPcscdClient *client = request->client;
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbHandle) handle = scb_session_connect_finish (SCB_SESSION (source), result, &error);

  if (handle != NULL
      && (client->closed || !scb_peer_take (client->peer, SCB_RESOURCE_CONNECTION, &error)))
    scb_handle_close (handle);
  else if (handle != NULL)
    {
      g_autofree char *label = NULL;

      request->msg.card = new_card_handle (client);
      label = g_strdup_printf ("%s card %08x", client->owner, request->msg.card);
      scb_handle_set_label (handle, label);
      request->msg.active_protocol = scb_handle_get_protocol (handle);
      g_hash_table_insert (client->cards, GUINT_TO_POINTER (request->msg.card),
                           g_steal_pointer (&handle));
    }
  request_answer (request, error, NULL, 0);
}

static void
on_connect_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  ScbPcscdClient *client = request->client;
  g_autoptr (GError) error = NULL;
  ScbShareMode mode = SCB_SHARE_MODE_SHARED;
  ScbProtocol wanted = SCB_PROTOCOL_NONE;
  ScbReader *reader;

  if (!scb_bouncer_authorize_finish (SCB_BOUNCER (source), result, &error))
    {
      g_message ("pcscd client %u (pid %d, uid %u): %s", client->id, client->cred.pid,
                 client->cred.uid, error->message);
      request_answer (request, error, NULL, 0);
      return;
    }
  reader = find_reader (client, request->msg.reader);
  if (client->closed || reader == NULL)
    {
      error
          = g_error_new (SCB_ERROR, SCB_ERROR_UNKNOWN_READER, "no reader %s", request->msg.reader);
      request_answer (request, error, NULL, 0);
      return;
    }
  check_mode (request->msg.share_mode, request->msg.preferred_protocols, &mode, &wanted);
  scb_session_connect_async (scb_reader_get_session (reader), client->peer, mode, wanted, 0, NULL,
                             on_connected, request);
}

static void
connect_card (ScbPcscdClient *client, ScbPcscdMessage *msg)
{
  ScbShareMode mode = SCB_SHARE_MODE_SHARED;
  ScbProtocol wanted = SCB_PROTOCOL_NONE;
  guint32 rv;

  msg->card = 0;
  msg->active_protocol = SCARD_PROTOCOL_UNDEFINED;
  rv = check_mode (msg->share_mode, msg->preferred_protocols, &mode, &wanted);
  if (rv == SCARD_S_SUCCESS && find_reader (client, msg->reader) == NULL)
    rv = (guint32) SCARD_E_UNKNOWN_READER;
  if (rv == SCARD_S_SUCCESS && (client->context == 0 || client->context != msg->context))
    rv = (guint32) SCARD_E_INVALID_HANDLE;
  if (rv != SCARD_S_SUCCESS)
    {
      answer_rv (client, msg, rv);
      return;
    }
  authorize (request_new (client, msg, NULL), SCB_DBUS_INTERFACE_READER, "Connect", mode,
             on_connect_authorized);
}

/* ---- card commands ----------------------------------------------------------- */

static void
drop_handle (ScbPcscdClient *client, guint32 card)
{
  if (g_hash_table_remove (client->cards, GUINT_TO_POINTER (card)))
    scb_peer_release (client->peer, SCB_RESOURCE_CONNECTION);
}

static void
on_reconnected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;
  ScbProtocol protocol = SCB_PROTOCOL_NONE;

  if (scb_handle_reconnect_finish (SCB_HANDLE (source), result, &protocol, &error))
    request->msg.active_protocol = protocol;
  request_answer (request, error, NULL, 0);
}

static void
on_reconnect_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;
  ScbShareMode mode = SCB_SHARE_MODE_SHARED;
  ScbProtocol wanted = SCB_PROTOCOL_NONE;

  if (!scb_bouncer_authorize_finish (SCB_BOUNCER (source), result, &error))
    {
      request_answer (request, error, NULL, 0);
      return;
    }
  check_mode (request->msg.share_mode, request->msg.preferred_protocols, &mode, &wanted);
  scb_handle_reconnect_async (request->handle, mode, wanted,
                              (ScbDisposition) request->msg.initialization, NULL, on_reconnected,
                              request);
}

static void
reconnect (Request *request)
{
  ScbPcscdMessage *msg = &request->msg;
  ScbShareMode mode = SCB_SHARE_MODE_SHARED;
  ScbProtocol wanted = SCB_PROTOCOL_NONE;
  guint32 rv = check_mode (msg->share_mode, msg->preferred_protocols, &mode, &wanted);

  if (rv == SCARD_S_SUCCESS && msg->initialization > SCARD_UNPOWER_CARD)
    rv = (guint32) SCARD_E_INVALID_VALUE;
  if (rv != SCARD_S_SUCCESS)
    {
      request_answer_rv (request, rv, NULL, 0);
      return;
    }
  authorize (request, SCB_DBUS_INTERFACE_CONNECTION, "Reconnect", mode, on_reconnect_authorized);
}

static void
on_disconnected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;

  scb_handle_disconnect_finish (SCB_HANDLE (source), result);
  drop_handle (request->client, request->msg.card);
  request_answer (request, NULL, NULL, 0);
}

static void
on_transaction (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;

  if (request->msg.command == SCB_PCSCD_BEGIN_TRANSACTION)
    scb_handle_begin_transaction_finish (SCB_HANDLE (source), result, &error);
  else
    scb_handle_end_transaction_finish (SCB_HANDLE (source), result, &error);
  request_answer (request, error, NULL, 0);
}

static void
on_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbStatus) status = NULL;

  /* Only rv goes back: the client reads the rest from the reader states. */
  status = scb_handle_status_finish (SCB_HANDLE (source), result, &error);
  request_answer (user_data, error, NULL, 0);
}

static void
on_transmitted (ScbHandle *handle, GBytes *response, const GError *error, gpointer user_data)
{
  Request *request = user_data;
  gsize len = 0;
  const guint8 *data = response != NULL ? g_bytes_get_data (response, &len) : NULL;
  guint32 capacity = request->msg.recv_length;

  request->msg.recv_pci_protocol = scb_handle_get_protocol (handle);
  request->msg.recv_pci_length = sizeof (SCARD_IO_REQUEST);
  request->msg.recv_length = (guint32) len;
  if (error == NULL && len > capacity)
    {
      /* pcscd: the length the answer needs, not its data. */
      request_answer_rv (request, (guint32) SCARD_E_INSUFFICIENT_BUFFER, NULL, 0);
      return;
    }
  request_answer (request, error, data, len);
}

static void
transmit (Request *request)
{
  ScbProtocol protocol = scb_handle_get_protocol (request->handle);
  guint32 pci = request->msg.send_pci_protocol;

  /* pcscd: the PCI must name the connection's protocol (any bit of it);
   * the session then compares exactly. */
  if (pci == PROTOCOL_ANY_OLD || (pci & protocol) != 0 || protocol == SCB_PROTOCOL_NONE)
    pci = SCB_PROTOCOL_NONE;
  scb_handle_transmit (request->handle, (ScbProtocol) pci, request->data, request->client,
                       on_transmitted, request);
}

static void
on_controlled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) answer = scb_handle_control_finish (SCB_HANDLE (source), result, &error);
  gsize len = 0;
  const guint8 *data = answer != NULL ? g_bytes_get_data (answer, &len) : NULL;

  request->msg.bytes_returned = (guint32) len;
  if (answer != NULL && len > request->msg.recv_length)
    {
      request_answer_rv (request, (guint32) SCARD_E_INSUFFICIENT_BUFFER, NULL, 0);
      return;
    }
  request_answer (request, error, data, len);
}

static void
on_control_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) value = NULL;

  request->msg.bytes_returned = 0;
  if (!scb_bouncer_authorize_finish (SCB_BOUNCER (source), result, &error))
    {
      request_answer (request, error, NULL, 0);
      return;
    }
  if (request->msg.command == SCB_PCSCD_CONTROL)
    {
      scb_handle_control_async (request->handle, request->msg.control_code, request->data, NULL,
                                on_controlled, request);
      return;
    }
  value = g_bytes_new (request->msg.attr, request->msg.attr_length);
  scb_handle_set_attrib (request->handle, request->msg.attr_id, value, &error);
  request_answer (request, error, NULL, 0);
}

static void
get_attrib (Request *request)
{
  ScbPcscdMessage *msg = &request->msg;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) value = scb_handle_get_attrib (request->handle, msg->attr_id, &error);
  gsize len = 0;
  const guint8 *data;

  if (value == NULL)
    {
      msg->attr_length = 0;
      request_answer (request, error, NULL, 0);
      return;
    }
  data = g_bytes_get_data (value, &len);
  if (len > msg->attr_length)
    {
      msg->attr_length = (guint32) len;
      error = g_error_new (SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER, "the attribute is longer");
      request_answer (request, error, NULL, 0);
      return;
    }
  memset (msg->attr, 0, sizeof msg->attr);
  if (len > 0)
    memcpy (msg->attr, data, len);
  msg->attr_length = (guint32) len;
  request_answer (request, NULL, NULL, 0);
}

static gboolean
check_disposition (Request *request, guint32 disposition)
{
  g_autoptr (GError) error = NULL;

  if (disposition <= SCARD_EJECT_CARD)
    return TRUE;
  error = g_error_new (SCB_ERROR, SCB_ERROR_INVALID_VALUE, "no disposition %u", disposition);
  request_answer (request, error, NULL, 0);
  return FALSE;
}

static void
card_command (ScbPcscdClient *client, const ScbPcscdMessage *msg, GBytes *data)
{
  ScbHandle *handle = g_hash_table_lookup (client->cards, GUINT_TO_POINTER (msg->card));
  Request *request;

  /* pcscd's MSGCheckHandleAssociation: a handle the client does not hold
   * is a rogue client's, dropped. */
  if (client->context == 0 || handle == NULL)
    {
      scb_pcscd_client_close (client, "a card handle it does not hold");
      return;
    }
  request = request_new (client, msg, data);
  request->handle = g_object_ref (handle);
  switch (msg->command)
    {
    case SCB_PCSCD_RECONNECT:
      reconnect (request);
      return;
    case SCB_PCSCD_DISCONNECT:
      if (check_disposition (request, msg->disposition))
        scb_handle_disconnect_async (handle, (ScbDisposition) msg->disposition, on_disconnected,
                                     request);
      return;
    case SCB_PCSCD_BEGIN_TRANSACTION:
      scb_handle_begin_transaction_async (handle, NULL, on_transaction, request);
      return;
    case SCB_PCSCD_END_TRANSACTION:
      if (check_disposition (request, msg->disposition))
        scb_handle_end_transaction_async (handle, (ScbDisposition) msg->disposition, NULL,
                                          on_transaction, request);
      return;
    case SCB_PCSCD_STATUS:
      scb_handle_status_async (handle, NULL, on_status, request);
      return;
    case SCB_PCSCD_TRANSMIT:
      transmit (request);
      return;
    case SCB_PCSCD_CONTROL:
      authorize (request, SCB_DBUS_INTERFACE_CONNECTION, "Control", 0, on_control_authorized);
      return;
    case SCB_PCSCD_GET_ATTRIB:
      get_attrib (request);
      return;
    case SCB_PCSCD_SET_ATTRIB:
      authorize (request, SCB_DBUS_INTERFACE_CONNECTION, "SetAttrib", 0, on_control_authorized);
      return;
    default:
      g_assert_not_reached ();
    }
}

/* ---- dispatch ------------------------------------------------------------------ */

void
scb_pcscd_session_handle (ScbPcscdClient *client, const ScbPcscdMessage *request, GBytes *data)
{
  ScbPcscdMessage msg = *request;
  ScbPcscdMessage reply = { .command = msg.command };

  switch (msg.command)
    {
    case SCB_PCSCD_VERSION:
      {
        guint minor = scb_pcscd_version_answer (&msg);

        if (minor != 0)
          client->minor = minor;
        else
          g_message ("pcscd client %u (pid %d): protocol %d.%d is not served (4.4 to 4.6)",
                     client->id, client->cred.pid, request->major, request->minor);
        scb_pcscd_client_reply (client, &msg, NULL, 0);
        scb_pcscd_client_done (client);
        return;
      }
    case SCB_PCSCD_ESTABLISH_CONTEXT:
      establish_context (client, &msg);
      return;
    case SCB_PCSCD_RELEASE_CONTEXT:
      release_context (client, &msg);
      return;
    case SCB_PCSCD_GET_READERS_STATE:
      send_states (client, SCB_PCSCD_FIXED_READERS);
      return;
    case SCB_PCSCD_GET_READERS_STATE_SIZE:
      reply.readers = scb_pcscd_server_count_readers (client->server);
      scb_pcscd_client_reply (client, &reply, NULL, 0);
      scb_pcscd_client_done (client);
      return;
    case SCB_PCSCD_GET_READERS_STATE_ARRAY:
      send_states (client, scb_pcscd_server_count_readers (client->server));
      return;
    case SCB_PCSCD_GET_READER_EVENTS:
      /* pcsc-lite 2.3 counts in 16 bits; ours never has 0 there. */
      reply.reader_events
          = scb_manager_get_reader_events (scb_pcscd_server_get_manager (client->server)) & 0xffff;
      answer_rv (client, &reply, SCARD_S_SUCCESS);
      return;
    case SCB_PCSCD_WAIT_READER_STATE_CHANGE:
      /* pcscd's EHRegisterClientForEvent: the reader states now, then a
       * signal at the next event (or SCardCancel, or STOP_WAITING). */
      client->waiting = TRUE;
      send_states (client, SCB_PCSCD_FIXED_READERS);
      return;
    case SCB_PCSCD_STOP_WAITING_READER_STATE_CHANGE:
      stop_waiting (client, &reply);
      return;
    case SCB_PCSCD_CANCEL:
      cancel (client, &msg);
      return;
    case SCB_PCSCD_CONNECT:
      connect_card (client, &msg);
      return;
    default:
      card_command (client, &msg, data);
      return;
    }
}

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
#include "scb-pcscd-private.h"
#include "scb-reader.h"

#include <PCSC/pcsclite.h>
#include <PCSC/reader.h>
#include <string.h>

/* One request in progress: what its answer needs. */
typedef struct
{
  ScbPcscdClient *client;
  ScbPcscdMessage msg;
  GBytes *data;
  ScbConnection *connection; /* for the card commands */
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
  g_clear_object (&request->connection);
  g_free (request);
}

/* Sends the answer (@error: its rv) with @data after it, and frees. */
static void
request_answer (Request *request, const GError *error, const guint8 *data, gsize len)
{
  if (error != NULL)
    {
      request->msg.rv = (guint32) scb_error_to_scard (error);
      len = 0;
    }
  else
    request->msg.rv = SCARD_S_SUCCESS;
  if (!request->client->closed)
    {
      scb_pcscd_client_reply (request->client, &request->msg, data, len);
      scb_pcscd_client_done (request->client);
    }
  request_free (request);
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
  g_autoptr (GList) connections = g_hash_table_get_values (client->cards);

  g_hash_table_steal_all (client->cards);
  for (GList *l = connections; l != NULL; l = l->next)
    {
      scb_connection_close (l->data);
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

  scb_pcscd_server_append_states (client->server, count, out);
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

/* pcscd's checks of the share mode and protocols, in its order (as the
 * WinSCard library makes them); the D-Bus words of the protocols. */
static guint32
check_mode (guint32 share_mode, guint32 protocols, ScbShareMode *mode, GStrv *words)
{
  ScbProtocol wanted;

  if (share_mode != SCARD_SHARE_DIRECT
      && !(protocols & (SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_RAW | 0x1000)))
    return (guint32) SCARD_E_PROTO_MISMATCH;
  if (share_mode < SCARD_SHARE_EXCLUSIVE || share_mode > SCARD_SHARE_DIRECT)
    return (guint32) SCARD_E_INVALID_VALUE;
  *mode = (ScbShareMode) share_mode;
  /* SCARD_PROTOCOL_ANY_OLD (0x1000) of pcsc-lite < 1.3 asks for T=0 or T=1. */
  if (protocols & 0x1000)
    protocols |= SCB_PROTOCOL_ANY;
  wanted = (ScbProtocol) (protocols & (SCB_PROTOCOL_ANY | SCB_PROTOCOL_RAW));
  *words = scb_protocols_to_words (wanted);
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

static void
on_connected (ScbReader *reader, ScbConnection *connection, const GError *error, gpointer user_data)
{
  Request *request = user_data;
  ScbPcscdClient *client = request->client;

  if (connection != NULL && client->closed)
    scb_connection_close (connection);
  else if (connection != NULL)
    {
      request->msg.card = new_card_handle (client);
      request->msg.active_protocol = scb_connection_get_protocol (connection) >= 0
                                         ? 1u << scb_connection_get_protocol (connection)
                                         : SCARD_PROTOCOL_UNDEFINED;
      g_hash_table_insert (client->cards, GUINT_TO_POINTER (request->msg.card),
                           g_object_ref (connection));
    }
  request_answer (request, error, NULL, 0);
}

static void
on_connect_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  ScbPcscdClient *client = request->client;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) words = NULL;
  ScbShareMode mode = SCB_SHARE_MODE_SHARED;
  ScbReader *reader;

  if (!scb_bouncer_check_action_finish (SCB_BOUNCER (source), result, &error))
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
  check_mode (request->msg.share_mode, request->msg.preferred_protocols, &mode, &words);
  scb_reader_connect (reader, client->owner, mode, (const char *const *) words, FALSE, on_connected,
                      request);
}

static void
connect_card (ScbPcscdClient *client, ScbPcscdMessage *msg)
{
  g_auto (GStrv) words = NULL;
  ScbShareMode mode = SCB_SHARE_MODE_SHARED;
  guint32 rv;

  msg->card = 0;
  msg->active_protocol = SCARD_PROTOCOL_UNDEFINED;
  rv = check_mode (msg->share_mode, msg->preferred_protocols, &mode, &words);
  if (rv == SCARD_S_SUCCESS && find_reader (client, msg->reader) == NULL)
    rv = (guint32) SCARD_E_UNKNOWN_READER;
  if (rv == SCARD_S_SUCCESS && (client->context == 0 || client->context != msg->context))
    rv = (guint32) SCARD_E_INVALID_HANDLE;
  if (rv != SCARD_S_SUCCESS)
    {
      answer_rv (client, msg, rv);
      return;
    }
  scb_bouncer_check_subject_async (scb_pcscd_server_get_bouncer (client->server), client->peer,
                                   client->subject, client->details,
                                   scb_bouncer_action_for_share_mode (mode), on_connect_authorized,
                                   request_new (client, msg, NULL));
}

/* ---- card commands ----------------------------------------------------------- */

static void
on_done (ScbConnection *connection, const GError *error, gpointer user_data)
{
  request_answer (user_data, error, NULL, 0);
}

static void
on_reconnected (ScbConnection *connection, const GError *error, gpointer user_data)
{
  Request *request = user_data;
  int protocol = scb_connection_get_protocol (connection);

  request->msg.active_protocol = protocol >= 0 ? 1u << protocol : SCARD_PROTOCOL_UNDEFINED;
  request_answer (request, error, NULL, 0);
}

static void
on_disconnected (ScbConnection *connection, const GError *error, gpointer user_data)
{
  Request *request = user_data;

  g_hash_table_remove (request->client->cards, GUINT_TO_POINTER (request->msg.card));
  request_answer (request, NULL, NULL, 0);
}

static void
reconnect (Request *request)
{
  ScbPcscdMessage *msg = &request->msg;
  g_auto (GStrv) words = NULL;
  ScbShareMode mode = SCB_SHARE_MODE_SHARED;
  guint32 rv = check_mode (msg->share_mode, msg->preferred_protocols, &mode, &words);

  if (rv == SCARD_S_SUCCESS && msg->initialization > SCARD_UNPOWER_CARD)
    rv = (guint32) SCARD_E_INVALID_VALUE;
  if (rv != SCARD_S_SUCCESS)
    {
      ScbPcscdClient *client = request->client;

      msg->rv = rv;
      scb_pcscd_client_reply (client, msg, NULL, 0);
      scb_pcscd_client_done (client);
      request_free (request);
      return;
    }
  scb_connection_reconnect (request->connection, mode, (const char *const *) words,
                            (ScbDisposition) msg->initialization, on_reconnected, request);
}

static void
on_transmitted (ScbConnection *connection, GBytes *response, const GError *error,
                gpointer user_data)
{
  Request *request = user_data;
  gsize len = 0;
  const guint8 *data = response != NULL ? g_bytes_get_data (response, &len) : NULL;
  int protocol = scb_connection_get_protocol (connection);
  guint32 capacity = request->msg.recv_length;

  request->msg.recv_pci_protocol = protocol >= 0 ? 1u << protocol : SCARD_PROTOCOL_UNDEFINED;
  request->msg.recv_pci_length = sizeof (SCARD_IO_REQUEST);
  request->msg.recv_length = (guint32) len;
  if (error == NULL && len > capacity)
    {
      /* The client's buffer is too small: the length, not the data. */
      request->msg.rv = (guint32) SCARD_E_INSUFFICIENT_BUFFER;
      scb_pcscd_client_reply (request->client, &request->msg, NULL, 0);
      scb_pcscd_client_done (request->client);
      request_free (request);
      return;
    }
  request_answer (request, error, data, len);
}

static void
transmit (Request *request)
{
  ScbPcscdMessage *msg = &request->msg;
  int protocol = scb_connection_get_protocol (request->connection);

  /* pcscd: the PCI must name the connection's protocol. */
  if (protocol >= 0 && msg->send_pci_protocol != 0x1000
      && !(msg->send_pci_protocol & (1u << protocol)))
    {
      g_autoptr (GError) error
          = g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH, "the PCI names another protocol");

      request_answer (request, error, NULL, 0);
      return;
    }
  if (msg->send_length == 0)
    {
      g_autoptr (GError) error
          = g_error_new (SCB_ERROR, SCB_ERROR_INVALID_PARAMETER, "an empty APDU");

      request_answer (request, error, NULL, 0);
      return;
    }
  /* on_transmitted() compares the answer with the client's buffer. */
  scb_connection_transmit (request->connection, request->data, on_transmitted, request);
}

static void
on_controlled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) answer
      = scb_connection_control_finish (SCB_CONNECTION (source), result, &error);
  gsize len = 0;
  const guint8 *data = answer != NULL ? g_bytes_get_data (answer, &len) : NULL;

  request->msg.bytes_returned = (guint32) len;
  if (answer != NULL && len > request->msg.recv_length)
    {
      request->msg.rv = (guint32) SCARD_E_INSUFFICIENT_BUFFER;
      scb_pcscd_client_reply (request->client, &request->msg, NULL, 0);
      scb_pcscd_client_done (request->client);
      request_free (request);
      return;
    }
  if (answer == NULL)
    request->msg.bytes_returned = 0;
  request_answer (request, error, data, len);
}

static void
on_control_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;

  if (!scb_bouncer_check_action_finish (SCB_BOUNCER (source), result, &error))
    {
      request->msg.bytes_returned = 0;
      request_answer (request, error, NULL, 0);
      return;
    }
  if (request->msg.command == SCB_PCSCD_SET_ATTRIB)
    {
      /* No attribute is writable, as on the bus. */
      error = g_error_new (SCB_ERROR, SCB_ERROR_NOT_SUPPORTED, "attribute 0x%x is not writable",
                           request->msg.attr_id);
      request_answer (request, error, NULL, 0);
      return;
    }
  scb_connection_control_async (request->connection, request->msg.control_code, request->data,
                                on_controlled, request);
}

static void
control (Request *request, const char *action)
{
  ScbPcscdClient *client = request->client;

  scb_bouncer_check_subject_async (scb_pcscd_server_get_bouncer (client->server), client->peer,
                                   client->subject, client->details, action, on_control_authorized,
                                   request);
}

static void
get_attrib (Request *request)
{
  ScbPcscdMessage *msg = &request->msg;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) value = scb_connection_get_attrib (request->connection, msg->attr_id, &error);
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
  memcpy (msg->attr, data, len);
  msg->attr_length = (guint32) len;
  request_answer (request, NULL, NULL, 0);
}

static void
card_command (ScbPcscdClient *client, const ScbPcscdMessage *msg, GBytes *data)
{
  ScbConnection *connection = g_hash_table_lookup (client->cards, GUINT_TO_POINTER (msg->card));
  g_autoptr (GError) error = NULL;
  Request *request;

  /* pcscd's MSGCheckHandleAssociation: a handle the client does not hold
   * is a rogue client's, dropped. */
  if (client->context == 0 || connection == NULL)
    {
      scb_pcscd_client_close (client, "a card handle it does not hold");
      return;
    }
  request = request_new (client, msg, data);
  request->connection = g_object_ref (connection);
  switch (msg->command)
    {
    case SCB_PCSCD_RECONNECT:
      reconnect (request);
      return;
    case SCB_PCSCD_DISCONNECT:
      if (msg->disposition > SCARD_EJECT_CARD)
        {
          error = g_error_new (SCB_ERROR, SCB_ERROR_INVALID_VALUE, "no disposition %u",
                               msg->disposition);
          request_answer (request, error, NULL, 0);
          return;
        }
      scb_connection_disconnect (connection, (ScbDisposition) msg->disposition, on_disconnected,
                                 request);
      return;
    case SCB_PCSCD_BEGIN_TRANSACTION:
      scb_connection_begin_transaction (connection, on_done, request);
      return;
    case SCB_PCSCD_END_TRANSACTION:
      if (msg->disposition > SCARD_EJECT_CARD)
        {
          error = g_error_new (SCB_ERROR, SCB_ERROR_INVALID_VALUE, "no disposition %u",
                               msg->disposition);
          request_answer (request, error, NULL, 0);
          return;
        }
      scb_connection_end_transaction (connection, (ScbDisposition) msg->disposition, on_done,
                                      request);
      return;
    case SCB_PCSCD_STATUS:
      scb_connection_check_card (connection, &error);
      request_answer (request, error, NULL, 0);
      return;
    case SCB_PCSCD_TRANSMIT:
      transmit (request);
      return;
    case SCB_PCSCD_CONTROL:
      {
        gsize len = 0;
        const guint8 *bytes = g_bytes_get_data (data, &len);

        control (request, scb_bouncer_action_for_control (msg->control_code, bytes, len));
        return;
      }
    case SCB_PCSCD_GET_ATTRIB:
      get_attrib (request);
      return;
    case SCB_PCSCD_SET_ATTRIB:
      control (request, scb_bouncer_action_for_share_mode (SCB_SHARE_MODE_DIRECT));
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
      reply.readers = MAX (scb_pcscd_server_count_readers (client->server), 1);
      scb_pcscd_client_reply (client, &reply, NULL, 0);
      scb_pcscd_client_done (client);
      return;
    case SCB_PCSCD_GET_READERS_STATE_ARRAY:
      send_states (client, MAX (scb_pcscd_server_count_readers (client->server), 1));
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

/* scb-connection-io.c: what a connection sends to its card or reader
 *
 * Transmit and Control, for the bus methods and the channels (the fd fast
 * path, scb-channel.c), and OpenChannel. An APDU waits its turn in its
 * reader's queue (one lane per uid, scb-fair-queue.c) and is counted in
 * its owner's account until answered (MaxQueuedRequestsPerClient); a
 * channel is counted too, and refused when file descriptors run short.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-card.h"
#include "scb-channel.h"
#include "scb-connection-private.h"
#include "scb-control.h"
#include "scb-error.h"
#include "scb-fair-queue.h"
#include "scb-limits.h"
#include "scb-pcsc.h"
#include "scb-pinpad.h"
#include "scb-reader.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <sys/socket.h>

/* One APDU from its call to its answer: it waits in the reader's queue
 * (scb-fair-queue.c), then goes to the slot. One allocation per APDU. */
typedef struct
{
  ScbFairItem queued;        /* first: the queue hands it back */
  ScbConnection *connection; /* a reference while the APDU is out */
  GBytes *apdu;
  ScbConnectionTransmitFunc func;
  gpointer user_data;
  gboolean secret; /* the answer's data stays out of the log */
} Transmit;

/* Answers and forgets @t; the caller tells the queue. */
static void
transmit_finish (Transmit *t, GBytes *response, const GError *error)
{
  ScbConnection *self = t->connection;

  t->func (self, response, error, t->user_data);
  scb_peer_release (self->peer, SCB_RESOURCE_REQUEST);
  g_bytes_unref (t->apdu);
  g_object_unref (self);
  g_free (t);
}

static void
on_slot_transmit (CcidSlot *slot, GBytes *response, const GError *error, gpointer user_data)
{
  Transmit *t = user_data;
  ScbConnection *self = t->connection;
  g_autoptr (ScbReader) reader = g_object_ref (self->reader);

  if (response == NULL)
    g_debug ("%s <- %s", self->path, error->message);
  else
    scb_pcsc_log_response (self->path, self->nad, response, t->secret);
  transmit_finish (t, response, error);
  scb_fair_queue_done (scb_reader_get_apdu_queue (reader));
}

/* Its turn came: what may have changed while it waited is checked again
 * (the card, a transaction of another connection), then it goes. */
static void
transmit_send (ScbFairItem *item)
{
  Transmit *t = (Transmit *) item;
  ScbConnection *self = t->connection;
  g_autoptr (ScbReader) reader = g_object_ref (self->reader);
  g_autoptr (GError) error = NULL;

  if (self->closed)
    error = g_error_new (SCB_ERROR, SCB_ERROR_CANCELLED, "%s was closed", self->path);
  else if (!scb_reader_is_present (self->reader))
    error = g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "%s was removed",
                         scb_reader_get_name (self->reader));
  else if (!scb_connection_is_current (self))
    error = g_error_new (SCB_ERROR, SCB_ERROR_REMOVED_CARD, "The card in %s was removed",
                         scb_reader_get_name (self->reader));
  else
    scb_connection_check_not_locked (self, &error);
  if (error != NULL)
    {
      transmit_finish (t, NULL, error);
      scb_fair_queue_done (scb_reader_get_apdu_queue (reader));
      return;
    }
  scb_pcsc_log_command (self->path, self->nad, t->apdu, t->secret);
  ccid_slot_transmit (scb_reader_get_slot (self->reader), self->nad, t->apdu, on_slot_transmit, t);
}

/* The connection closes: its APDUs that still wait are answered now. */
void
scb_connection_cancel_queued (ScbConnection *self)
{
  GQueue cancelled = G_QUEUE_INIT;
  Transmit *t;

  scb_fair_queue_take (scb_reader_get_apdu_queue (self->reader), self, &cancelled);
  while ((t = g_queue_pop_head (&cancelled)) != NULL)
    {
      g_autoptr (GError) error
          = g_error_new (SCB_ERROR, SCB_ERROR_CANCELLED, "%s was closed", self->path);

      transmit_finish (t, NULL, error);
    }
}

void
scb_connection_transmit (ScbConnection *self, GBytes *apdu, ScbConnectionTransmitFunc func,
                         gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  Transmit *t;

  if (!scb_pcsc_check_length (g_bytes_get_size (apdu), 1, "An APDU", &error)
      || !scb_connection_check_card (self, &error)
      || !scb_connection_check_not_locked (self, &error))
    {
      func (self, NULL, error, user_data);
      return;
    }
  if (self->protocol == SCB_PROTOCOL_ISO_NONE)
    {
      error = g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH,
                           "%s is a direct connection without a protocol", self->path);
      func (self, NULL, error, user_data);
      return;
    }
  if (!scb_peer_take (self->peer, SCB_RESOURCE_REQUEST, &error))
    {
      func (self, NULL, error, user_data);
      return;
    }
  t = g_new (Transmit, 1);
  t->queued.lane = GUINT_TO_POINTER (scb_peer_get_uid (self->peer));
  t->queued.tag = self;
  t->queued.send = transmit_send;
  t->connection = g_object_ref (self);
  t->apdu = g_bytes_ref (apdu);
  t->func = func;
  t->user_data = user_data;
  t->secret = scb_pcsc_apdu_is_secret (apdu);
  scb_fair_queue_push (scb_reader_get_apdu_queue (self->reader), &t->queued);
}

static void
on_slot_escape (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbConnection *self = g_task_get_source_object (task);
  GError *error = NULL;
  GBytes *response = ccid_slot_escape_finish (CCID_SLOT (source), result, &error);

  scb_peer_release (self->peer, SCB_RESOURCE_REQUEST);
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) g_bytes_unref);
}

static void
on_pinpad_control (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbConnection *self = g_task_get_source_object (task);
  const char *operation = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *response = scb_pinpad_control_finish (CCID_SLOT (source), result, &error);

  scb_peer_release (self->peer, SCB_RESOURCE_REQUEST);
  if (operation != NULL)
    {
      const char *outcome = scb_pinpad_entry_result (response);

      /* the outcome only: the answer may be card data */
      g_debug ("%s: PIN %s on the pad of %s: %s", self->path, operation,
               scb_reader_get_name (self->reader), outcome);
      scb_reader_emit_pin_entry (self->reader, self->path, operation, outcome);
    }
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) g_bytes_unref);
}

void
scb_connection_control_async (ScbConnection *self, guint32 code, GBytes *data,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  GError *error = NULL;
  GBytes *answer = NULL;

  if (!scb_pcsc_check_length (g_bytes_get_size (data), 0, "Control data", &error)
      || !scb_connection_check_card (self, &error)
      || !scb_connection_check_not_locked (self, &error)
      || !scb_peer_take (self->peer, SCB_RESOURCE_REQUEST, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (scb_pinpad_handles (code))
    {
      /* PC/SC part 10: features, properties, PIN entry on the pad, which a
       * desktop hears of (Reader.PinEntryStarted, PinEntryFinished) */
      const char *operation = scb_pinpad_operation (code);

      if (operation != NULL)
        {
          g_task_set_task_data (task, (gpointer) operation, NULL);
          g_debug ("%s: PIN %s on the pad of %s begins", self->path, operation,
                   scb_reader_get_name (self->reader));
          scb_reader_emit_pin_entry (self->reader, self->path, operation, NULL);
        }
      scb_pinpad_control_async (scb_reader_get_slot (self->reader), self->nad, code, data, NULL,
                                on_pinpad_control, g_steal_pointer (&task));
      return;
    }
  switch (code)
    {
    case SCB_CTL_MEP_NAD:
      answer = scb_pcsc_mep_nad (scb_reader_get_slot (self->reader), &self->nad, data, &error);
      break;
    case SCB_CTL_IFD_EXCHANGE:
      ccid_slot_escape_async (scb_reader_get_slot (self->reader), data, NULL, on_slot_escape,
                              g_steal_pointer (&task));
      return;
    default:
      g_set_error (&error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                   "Control code 0x%08x is not supported", code);
      break;
    }
  scb_peer_release (self->peer, SCB_RESOURCE_REQUEST);
  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) g_bytes_unref);
}

GBytes *
scb_connection_control_finish (ScbConnection *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_transmit_done (ScbConnection *self, GBytes *response, const GError *error, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;

  if (response == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    scb_dbus_connection_complete_transmit (self->iface, invocation,
                                           scb_bytes_to_variant (response));
}

void
scb_connection_transmit_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GBytes) apdu = NULL;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(@ay)", &value);
  apdu = scb_bytes_from_variant (value);
  scb_connection_transmit (SCB_CONNECTION (object), apdu, on_transmit_done, invocation);
}

static void
on_control_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  ScbConnection *self = SCB_CONNECTION (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) response = scb_connection_control_finish (self, result, &error);

  /* Control, VerifyPin and ModifyPin all answer (ay). */
  if (response == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (
        invocation, g_variant_new ("(@ay)", scb_bytes_to_variant (response)));
}

void
scb_connection_control_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GBytes) data = NULL;
  guint32 code = 0;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(u@ay)", &code, &value);
  data = scb_bytes_from_variant (value);
  scb_connection_control_async (SCB_CONNECTION (object), code, data, on_control_done, invocation);
}

/* VerifyPin and ModifyPin: the part 10 structure from the template and
 * the options, then the same way as a PC/SC program's. */
static void
pin_allowed (GObject *object, GDBusMethodInvocation *invocation, gboolean modify)
{
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GVariant) options = NULL;
  g_autoptr (GBytes) template_apdu = NULL;
  g_autoptr (GBytes) structure = NULL;
  g_autoptr (GError) error = NULL;
  ScbPinOptions parsed;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(@ay@a{sv})", &value,
                 &options);
  template_apdu = scb_bytes_from_variant (value);
  if (!scb_part10_pin_options_parse (options, modify, &parsed, &error)
      || (structure = scb_part10_pin_structure (modify, template_apdu, &parsed, &error)) == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  scb_connection_control_async (
      SCB_CONNECTION (object),
      SCB_CTL_FEATURE (modify ? SCB_FEATURE_MODIFY_PIN_DIRECT : SCB_FEATURE_VERIFY_PIN_DIRECT),
      structure, on_control_done, invocation);
}

void
scb_connection_verify_pin_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  pin_allowed (object, invocation, FALSE);
}

void
scb_connection_modify_pin_allowed (GObject *object, GDBusMethodInvocation *invocation)
{
  pin_allowed (object, invocation, TRUE);
}

void
scb_connection_open_channel_allowed (GObject *object, GDBusMethodInvocation *invocation)
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
  g_ptr_array_add (self->channels, scb_channel_new (self, scb_manager_get_bouncer (self->manager),
                                                    fds[0], self->owner));
  scb_dbus_connection_complete_open_channel (self->iface, invocation, fd_list,
                                             g_variant_new_handle (0));
}

static gboolean
is_channel_request (ScbFairItem *item, gpointer channel)
{
  return ((Transmit *) item)->user_data == channel;
}

void
scb_connection_forget_channel (ScbConnection *self, ScbChannel *channel)
{
  GQueue cancelled = G_QUEUE_INIT;
  Transmit *t;

  if (self->channels == NULL || !g_ptr_array_find (self->channels, channel, NULL))
    return;
  /* Its request that still waits goes with it: nobody reads the answer. */
  scb_fair_queue_take_matching (scb_reader_get_apdu_queue (self->reader), is_channel_request,
                                channel, &cancelled);
  while ((t = g_queue_pop_head (&cancelled)) != NULL)
    {
      g_autoptr (GError) error
          = g_error_new_literal (SCB_ERROR, SCB_ERROR_CANCELLED, "The channel was closed");

      transmit_finish (t, NULL, error);
    }
  g_ptr_array_remove (self->channels, channel);
  scb_peer_release (self->peer, SCB_RESOURCE_CHANNEL);
}

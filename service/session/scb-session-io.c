/* scb-session-io.c: what a handle sends to its card or reader, and what it
 * reads: Transmit, Control, Status, attributes
 *
 * An APDU waits for another handle's transaction (as pcsc-lite's client
 * retries), then its turn in the reader's queue (one lane per uid,
 * scb-fair-queue.c), and is counted in its owner's account until answered
 * (MaxQueuedRequestsPerClient). One allocation per APDU.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-apdu-log.h"
#include "scb-control.h"
#include "scb-error.h"
#include "scb-part10.h"
#include "scb-session-private.h"

#include <string.h>

/* SCardGetAttrib ids (pcsc-lite reader.h). */
#define ATTR_VENDOR_NAME 0x00010100u
#define ATTR_VENDOR_IFD_VERSION 0x00010102u
#define ATTR_VENDOR_IFD_SERIAL_NO 0x00010103u
#define ATTR_CHANNEL_ID 0x00020110u
#define ATTR_MAXINPUT 0x0007a007u
#define ATTR_CURRENT_PROTOCOL_TYPE 0x00080201u
#define ATTR_ICC_PRESENCE 0x00090300u
#define ATTR_ATR_STRING 0x00090303u
#define ATTR_DEVICE_FRIENDLY_NAME_A 0x7fff0003u
#define ATTR_DEVICE_SYSTEM_NAME_A 0x7fff0004u

gboolean
scb_session_check_length (gsize len, gsize min, const char *what, GError **error)
{
  if (len >= min && len <= SCB_MAX_APDU_SIZE)
    return TRUE;
  g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
               "%s of %" G_GSIZE_FORMAT " bytes: %" G_GSIZE_FORMAT " to %u bytes are accepted",
               what, len, min, SCB_MAX_APDU_SIZE);
  return FALSE;
}

/* The protocol in force for @self: what a shared or exclusive connection
 * negotiated (pcscd's cardProtocol), none before. */
static ScbProtocol
current_protocol (ScbHandle *self)
{
  if (!self->bound || !scb_handle_is_current (self))
    return SCB_PROTOCOL_NONE;
  return self->session->protocol;
}

/* ---- transmit ------------------------------------------------------------ */

/* One APDU from its call to its answer. */
typedef struct
{
  ScbFairItem queued; /* first: the queue hands it back */
  ScbHandle *handle;  /* a reference while the APDU is out */
  GBytes *apdu;
  ScbProtocol protocol;
  gpointer tag;
  ScbHandleTransmitFunc func;
  gpointer user_data;
  gboolean counted; /* in the owner's requests */
  gboolean secret;  /* the answer's data stays out of the log */
} Transmit;

/* Answers and forgets @t; the caller tells the queue. */
static void
transmit_finish (Transmit *t, GBytes *response, const GError *error)
{
  ScbHandle *self = t->handle;

  t->func (self, response, error, t->user_data);
  if (t->counted)
    scb_peer_release (self->owner, SCB_RESOURCE_REQUEST);
  g_bytes_unref (t->apdu);
  g_object_unref (self);
  g_free (t);
}

static void
transmit_fail (gpointer op, GError *error)
{
  transmit_finish (op, NULL, error);
  g_error_free (error);
}

static void
on_slot_transmit (GBytes *response, const GError *error, gpointer user_data)
{
  Transmit *t = user_data;
  g_autoptr (ScbSession) session = g_object_ref (t->handle->session);

  if (response == NULL)
    g_debug ("%s <- %s", t->handle->label, error->message);
  else
    scb_apdu_log_response (t->handle->label, t->handle->nad, response, t->secret);
  transmit_finish (t, response, error);
  scb_fair_queue_done (session->apdus);
}

static void transmit_start (gpointer op);

/* Its turn came: what may have changed while it waited is checked again. */
static void
transmit_send (ScbFairItem *item)
{
  Transmit *t = (Transmit *) item;
  ScbHandle *self = t->handle;
  g_autoptr (ScbSession) session = g_object_ref (self->session);
  GError *error = NULL;

  if (scb_session_locked_by_other (session, self))
    {
      /* A transaction began while it waited in the queue: it waits for
       * that one, and the slot serves the next. */
      scb_fair_queue_done (session->apdus);
      transmit_start (t);
      return;
    }
  if (!scb_handle_check_card (self, &error))
    {
      transmit_fail (t, error);
      scb_fair_queue_done (session->apdus);
      return;
    }
  scb_apdu_log_command (self->label, self->nad, t->apdu, t->secret);
  scb_slot_transmit (session->slot, self->nad, t->apdu, on_slot_transmit, t);
}

static void
transmit_start (gpointer op)
{
  Transmit *t = op;
  ScbHandle *self = t->handle;
  ScbProtocol protocol;
  gboolean powered;
  GError *error = NULL;

  if (!scb_handle_check_card (self, &error))
    {
      transmit_fail (t, error);
      return;
    }
  if (scb_session_locked_by_other (self->session, self))
    {
      scb_session_wait (self->session, self, self->owner, t->tag, NULL, t, transmit_start,
                        transmit_fail);
      return;
    }
  /* pcscd compares the PCI's protocol with the reader's, whatever the
   * handle's share mode. */
  protocol = current_protocol (self);
  /* An unpowered or mute card: the slot says so, when the APDU goes. */
  powered = scb_slot_get_state (self->session->slot) == SCB_SLOT_POWERED;
  if (powered && protocol == SCB_PROTOCOL_NONE)
    error = g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH,
                         "No protocol was negotiated with the card in %s",
                         scb_session_get_name (self->session));
  else if (powered && t->protocol != SCB_PROTOCOL_NONE && t->protocol != protocol)
    error
        = g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH, "Protocol %s asked, the card speaks %s",
                       scb_protocol_to_word (t->protocol), scb_protocol_to_word (protocol));
  if (error == NULL && !t->counted)
    t->counted = scb_peer_take (self->owner, SCB_RESOURCE_REQUEST, &error);
  if (error != NULL)
    {
      transmit_fail (t, error);
      return;
    }
  scb_fair_queue_push (self->session->apdus, &t->queued);
}

void
scb_handle_transmit (ScbHandle *self, ScbProtocol protocol, GBytes *apdu, gpointer tag,
                     ScbHandleTransmitFunc func, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  Transmit *t;

  if (!scb_session_check_length (g_bytes_get_size (apdu), 1, "An APDU", &error))
    {
      func (self, NULL, error, user_data);
      return;
    }
  t = g_new0 (Transmit, 1);
  t->queued.lane = GUINT_TO_POINTER (scb_peer_get_uid (self->owner));
  t->queued.tag = self;
  t->queued.send = transmit_send;
  t->handle = g_object_ref (self);
  t->apdu = g_bytes_ref (apdu);
  t->protocol = protocol;
  t->tag = tag;
  t->func = func;
  t->user_data = user_data;
  t->secret = scb_apdu_is_secret (apdu);
  transmit_start (t);
}

static void
cancel_queue (GQueue *cancelled, const char *why)
{
  Transmit *t;

  while ((t = g_queue_pop_head (cancelled)) != NULL)
    transmit_fail (t, g_error_new_literal (SCB_ERROR, SCB_ERROR_CANCELLED, why));
}

void
scb_handle_cancel_queued (ScbHandle *self)
{
  GQueue cancelled = G_QUEUE_INIT;
  g_autofree char *why = g_strdup_printf ("%s was closed", self->label);

  scb_fair_queue_take (self->session->apdus, self, &cancelled);
  cancel_queue (&cancelled, why);
}

static gboolean
has_tag (ScbFairItem *item, gpointer tag)
{
  return ((Transmit *) item)->tag == tag;
}

void
scb_handle_cancel_tag (ScbHandle *self, gpointer tag)
{
  GQueue cancelled = G_QUEUE_INIT;
  g_autoptr (GError) error
      = g_error_new_literal (SCB_ERROR, SCB_ERROR_CANCELLED, "The request was cancelled");

  scb_fair_queue_take_matching (self->session->apdus, has_tag, tag, &cancelled);
  cancel_queue (&cancelled, error->message);
  scb_session_fail_waiters (self->session, self, tag, error);
}

/* ---- control --------------------------------------------------------------- */

/* libccid 1.6's MEP NAD control commands (SCARD_CTL_CODE(3600)) on the
 * handle's NAD: get 3F 00 00 -> [nad], set 3E 00 01 nad -> []. */
static GBytes *
mep_nad (ScbHandle *self, GBytes *data, GError **error)
{
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  ScbMepNadCommand command;
  guint8 value = 0;

  if (!scb_mep_nad_parse (bytes, len, &command, &value, error))
    return NULL;
  if (command == SCB_MEP_NAD_GET)
    return g_bytes_new (&self->nad, 1);
  if (!scb_handle_set_nad (self, value, error))
    return NULL;
  return g_bytes_new (NULL, 0);
}

static void
on_slot_escape (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbHandle *self = g_task_get_source_object (task);
  GError *error = NULL;
  GBytes *response = scb_slot_escape_finish (self->session->slot, result, &error);

  scb_peer_release (self->owner, SCB_RESOURCE_REQUEST);
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) g_bytes_unref);
}

static void
on_slot_part10 (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ScbHandle *self = g_task_get_source_object (task);
  const char *operation = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *response = scb_slot_part10_finish (self->session->slot, result, &error);

  scb_peer_release (self->owner, SCB_RESOURCE_REQUEST);
  if (operation != NULL)
    {
      const char *outcome = scb_part10_entry_result (response);

      /* the outcome only: the answer may be card data */
      g_debug ("%s: PIN %s on the pad of %s: %s", self->label, operation,
               scb_session_get_name (self->session), outcome);
      scb_session_emit_pin_entry (self->session, self, operation, outcome);
    }
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) g_bytes_unref);
}

/* PC/SC part 10 (features, properties, PIN entry on the pad) from the
 * slot; a PIN entry is heard of (::pin-entry) as it starts and ends. */
static void
part10_control (ScbHandle *self, guint32 code, GBytes *data, GTask *task)
{
  const char *operation = scb_part10_operation (code);

  if (operation != NULL)
    {
      g_task_set_task_data (task, (gpointer) operation, NULL);
      g_debug ("%s: PIN %s on the pad of %s begins", self->label, operation,
               scb_session_get_name (self->session));
      scb_session_emit_pin_entry (self->session, self, operation, NULL);
    }
  scb_slot_part10_async (self->session->slot, self->nad, code, data, g_task_get_cancellable (task),
                         on_slot_part10, task);
}

void
scb_handle_control_async (ScbHandle *self, guint32 code, GBytes *data, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = scb_session_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  GBytes *answer = NULL;

  if (!scb_session_check_length (g_bytes_get_size (data), 0, "Control data", &error)
      || !scb_handle_check_card (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (scb_session_locked_by_other (self->session, self))
    {
      g_task_return_new_error (task, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION,
                               "Another connection holds a transaction on %s",
                               scb_session_get_name (self->session));
      return;
    }
  if (!scb_peer_take (self->owner, SCB_RESOURCE_REQUEST, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (scb_part10_handles (code))
    {
      part10_control (self, code, data, g_steal_pointer (&task));
      return;
    }
  switch (code)
    {
    case SCB_CTL_MEP_NAD:
      answer = mep_nad (self, data, &error);
      break;
    case SCB_CTL_IFD_EXCHANGE:
      scb_slot_escape_async (self->session->slot, data, cancellable, on_slot_escape,
                             g_steal_pointer (&task));
      return;
    default:
      g_set_error (&error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                   "Control code 0x%08x is not supported", code);
      break;
    }
  scb_peer_release (self->owner, SCB_RESOURCE_REQUEST);
  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) g_bytes_unref);
}

GBytes *
scb_handle_control_finish (ScbHandle *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
scb_handle_set_nad (ScbHandle *self, guint8 nad, GError **error)
{
  if (!scb_slot_supports_nad (self->session->slot))
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                   "%s does not exchange TPDUs: the NAD cannot be chosen",
                   scb_session_get_name (self->session));
      return FALSE;
    }
  self->nad = nad;
  return TRUE;
}

/* ---- status ------------------------------------------------------------------ */

void
scb_status_free (ScbStatus *status)
{
  g_free (status->reader_name);
  g_clear_pointer (&status->atr, g_bytes_unref);
  g_free (status);
}

/* SCardStatus' state, as pcsc-lite reports it. */
static guint32
status_state (ScbSlotState state)
{
  switch (state)
    {
    case SCB_SLOT_ABSENT:
      return SCB_CARD_STATE_ABSENT;
    case SCB_SLOT_POWERED:
      return SCB_CARD_STATE_PRESENT | SCB_CARD_STATE_POWERED | SCB_CARD_STATE_NEGOTIABLE;
    default:
      return SCB_CARD_STATE_PRESENT | SCB_CARD_STATE_SWALLOWED;
    }
}

ScbStatus *
scb_handle_try_status (ScbHandle *self, GError **error)
{
  ScbSlot *slot = self->session->slot;
  ScbStatus *status;

  if (!scb_handle_check_card (self, error) || scb_session_locked_by_other (self->session, self))
    return NULL;
  status = g_new0 (ScbStatus, 1);
  status->reader_name = g_strdup (scb_session_get_name (self->session));
  status->state = status_state (scb_slot_get_state (slot));
  status->protocol = current_protocol (self);
  status->atr = scb_slot_get_state (slot) == SCB_SLOT_POWERED && scb_slot_get_atr (slot) != NULL
                    ? g_bytes_ref (scb_slot_get_atr (slot))
                    : g_bytes_new (NULL, 0);
  return status;
}

static void
status_run (gpointer data)
{
  GTask *task = data;
  ScbHandle *self = g_task_get_source_object (task);
  GError *error = NULL;
  ScbStatus *status = scb_handle_try_status (self, &error);

  if (status != NULL)
    {
      g_task_return_pointer (task, status, (GDestroyNotify) scb_status_free);
      g_object_unref (task);
    }
  else if (error != NULL)
    scb_session_task_fail (task, error);
  else
    scb_session_wait (self->session, self, self->owner, NULL, g_task_get_cancellable (task), task,
                      status_run, scb_session_task_fail);
}

void
scb_handle_status_async (ScbHandle *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  status_run (scb_session_task_new (self, cancellable, callback, user_data));
}

ScbStatus *
scb_handle_status_finish (ScbHandle *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- attributes ------------------------------------------------------------- */

static GBytes *
u32_bytes (guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);

  return g_bytes_new (&le, sizeof le);
}

/* A string with its NUL, as libccid answers; empty for none. */
static GBytes *
string_bytes (const char *text)
{
  return text != NULL ? g_bytes_new (text, strlen (text) + 1) : g_bytes_new (NULL, 0);
}

GBytes *
scb_handle_get_attrib (ScbHandle *self, guint32 id, GError **error)
{
  ScbSlot *slot = self->session->slot;
  const ScbSlotInfo *info = scb_slot_get_info (slot);
  ScbProtocol protocol;
  guint8 presence;

  if (!scb_handle_check_card (self, error))
    return NULL;
  switch (id)
    {
    case ATTR_ATR_STRING:
      /* libccid: the ATR of the powered card, empty otherwise. */
      if (scb_slot_get_state (slot) == SCB_SLOT_POWERED && scb_slot_get_atr (slot) != NULL)
        return g_bytes_ref (scb_slot_get_atr (slot));
      return g_bytes_new (NULL, 0);
    case ATTR_DEVICE_FRIENDLY_NAME_A:
    case ATTR_DEVICE_SYSTEM_NAME_A:
      /* pcscd answers both with the reader's name. */
      return string_bytes (scb_session_get_name (self->session));
    case ATTR_VENDOR_NAME:
      /* libccid: the USB manufacturer string, with its NUL */
      if (info->manufacturer == NULL)
        break;
      return string_bytes (info->manufacturer);
    case ATTR_VENDOR_IFD_VERSION:
      /* libccid: 0xMMmmbbbb from bcdDevice 0xMMmm, build 0. */
      return u32_bytes ((guint32) info->bcd_device << 16);
    case ATTR_CHANNEL_ID:
      return u32_bytes (info->channel_id);
    case ATTR_VENDOR_IFD_SERIAL_NO:
      return string_bytes (info->serial);
    case ATTR_CURRENT_PROTOCOL_TYPE:
      protocol = current_protocol (self);
      return u32_bytes (protocol == SCB_PROTOCOL_T0 ? 1 : protocol == SCB_PROTOCOL_T1 ? 2 : 0);
    case ATTR_MAXINPUT:
      return u32_bytes (info->max_input);
    case ATTR_ICC_PRESENCE:
      /* libccid: 0 absent, 2 present (and swallowed). */
      presence = scb_slot_get_state (slot) == SCB_SLOT_ABSENT ? 0 : 2;
      return g_bytes_new (&presence, 1);
    default:
      break;
    }
  g_set_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED, "Attribute 0x%08x is not supported", id);
  return NULL;
}

gboolean
scb_handle_set_attrib (ScbHandle *self, guint32 id, GBytes *value, GError **error)
{
  if (!scb_handle_check_card (self, error))
    return FALSE;
  /* libccid sets no attribute either (IFDHSetCapabilities). */
  g_set_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED, "Attribute 0x%08x cannot be set", id);
  return FALSE;
}

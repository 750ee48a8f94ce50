/* ccid-slot.c: one card slot of a CCID reader: card state, power, protocols
 *
 * State machine (CCID §6.2.6 bmICCStatus and NotifySlotChange feed it):
 *
 *   ABSENT --insert--> PRESENT --power on: ATR ok--> POWERED
 *                         ^  \--power on: no ATR--> MUTE
 *                         +--- power off / hardware error ---+
 *   any --remove--> ABSENT (the card generation goes up, jobs of the old
 *   card fail with REMOVED_CARD)
 *
 * Power on, PPS and parameters are in ccid-slot-power.c; APDU exchanges
 * in ccid-slot-exchange.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-slot-private.h"

#include "scb-error.h"

#define SHORT_TIMEOUT_MS 5000

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CcidSlot, ccid_slot, G_TYPE_OBJECT)

static void run_next (CcidSlot *self);
static void job_free (CcidJob *job);
static void job_report (CcidJob *job, GBytes *bytes, GError *error);

const char *
ccid_slot_state_to_string (CcidSlotState state)
{
  switch (state)
    {
    case CCID_SLOT_ABSENT:
      return "absent";
    case CCID_SLOT_PRESENT:
      return "present";
    case CCID_SLOT_POWERED:
      return "powered";
    case CCID_SLOT_MUTE:
      return "mute";
    default:
      return "unknown";
    }
}

void
ccid_slot_emit_changed (CcidSlot *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
ccid_slot_set_state (CcidSlot *self, CcidSlotState state)
{
  if (self->state == state)
    return;
  g_debug ("%s: %s -> %s", self->name, ccid_slot_state_to_string (self->state),
           ccid_slot_state_to_string (state));
  self->state = state;
  if (state != CCID_SLOT_POWERED)
    {
      self->protocol = -1;
      ccid_slot_new_session (self);
    }
  ccid_slot_emit_changed (self);
}

void
ccid_slot_new_session (CcidSlot *self)
{
  if (++self->session == 0)
    self->session = 1;
  /* A job still holding one of these states keeps it alive (g_rc_box)
   * until it notices the new session at its next answer. */
  ccid_slot_t1_states_clear (self);
}

static void
card_removed (CcidSlot *self)
{
  self->generation++;
  g_clear_pointer (&self->atr, g_bytes_unref);
  self->have_atr_info = FALSE;
  self->protocols = 0;
  if (self->state == CCID_SLOT_ABSENT)
    ccid_slot_emit_changed (self);
  else
    ccid_slot_set_state (self, CCID_SLOT_ABSENT);
}

static void
power_on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) atr = ccid_slot_power_on_finish (CCID_SLOT (source), result, &error);

  if (atr == NULL)
    g_debug ("%s: automatic power on: %s", CCID_SLOT (source)->name, error->message);
}

static void
card_inserted (CcidSlot *self)
{
  self->generation++;
  g_clear_pointer (&self->atr, g_bytes_unref);
  self->have_atr_info = FALSE;
  self->protocols = 0;
  ccid_slot_set_state (self, CCID_SLOT_PRESENT);
  /* One automatic power on per card. One queued for a card removed since
   * fails with RemovedCard when its turn comes, so every new card gets its
   * own, however fast the cards come and go. */
  if (self->auto_power_on_generation != self->generation)
    {
      self->auto_power_on_generation = self->generation;
      ccid_slot_power_on_async (self, NULL, power_on_done, NULL);
    }
}

/* The job in progress is the one powering the card on or off: the answers
 * to its own power off say "inactive", and its card is not up yet. */
static gboolean
job_powers_card (CcidJob *job)
{
  return job != NULL && job->kind != CCID_JOB_TRANSMIT && job->kind != CCID_JOB_ESCAPE
         && job->session == 0;
}

/* @presence: whether the status may tell insertions and removals (see
 * ccid.md, "Where presence comes from"). That the card is present but
 * inactive while we have it powered is believed from any reader. */
static void
handle_icc_status (CcidSlot *self, CcidIccStatus status, gboolean presence)
{
  switch (status)
    {
    case CCID_ICC_ABSENT:
      if (presence && self->state != CCID_SLOT_ABSENT)
        card_removed (self);
      break;
    case CCID_ICC_INACTIVE:
    case CCID_ICC_ACTIVE:
      if (self->state == CCID_SLOT_ABSENT)
        {
          if (presence)
            card_inserted (self);
        }
      else if (status == CCID_ICC_INACTIVE && self->state == CCID_SLOT_POWERED
               && !job_powers_card (self->job))
        ccid_slot_set_state (self, CCID_SLOT_PRESENT); /* deactivated behind our back */
      break;
    default:
      break;
    }
}

void
ccid_slot_handle_presence (CcidSlot *self, gboolean present, gboolean changed)
{
  /* CCID §6.3.1: "changed" with "present" after a present state is a quick
   * removal and reinsertion. Presence says nothing about power. */
  if (self->state != CCID_SLOT_ABSENT && (!present || changed))
    card_removed (self);
  if (present && self->state == CCID_SLOT_ABSENT)
    card_inserted (self);
}

void
ccid_slot_handle_hardware_error (CcidSlot *self, guint8 code)
{
  /* CCID §6.3.2: the reader deactivated the card (e.g. overcurrent). */
  if (self->state == CCID_SLOT_POWERED)
    ccid_slot_set_state (self, CCID_SLOT_PRESENT);
  ccid_slot_refresh (self);
}

void
ccid_slot_handle_device_removed (CcidSlot *self)
{
  CcidJob *job;

  if (self->device == NULL)
    return;
  g_object_remove_weak_pointer (G_OBJECT (self->device), (gpointer *) &self->device);
  self->device = NULL;
  /* The job in progress fails when its command comes back. */
  while ((job = g_queue_pop_head (&self->jobs)) != NULL)
    {
      job_report (job, NULL,
                  g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE, "Reader %s was removed",
                               self->name));
      job_free (job);
    }
  if (self->state != CCID_SLOT_ABSENT)
    card_removed (self);
}

static void
refresh_done (CcidDevice *device, const guint8 *data, gsize len, const GError *error,
              gpointer user_data)
{
  g_autoptr (CcidSlot) self = user_data;
  CcidReply reply;

  self->refreshing = FALSE;
  if (data != NULL && ccid_reply_parse (data, len, 0, &reply, NULL) == CCID_PARSE_OK)
    handle_icc_status (self, ccid_reply_icc_status (&reply), TRUE);
}

void
ccid_slot_refresh (CcidSlot *self)
{
  guint8 msg[CCID_HEADER_LENGTH];

  if (self->device == NULL || self->refreshing)
    return;
  self->refreshing = TRUE;
  ccid_build_get_slot_status (msg, sizeof msg, (guint8) self->index, 0);
  ccid_device_transfer (self->device, msg, sizeof msg, SHORT_TIMEOUT_MS, refresh_done,
                        g_object_ref (self));
}

/* ---- jobs -------------------------------------------------------------- */

CcidJob *
ccid_job_new_transmit (CcidSlot *slot, CcidSlotTransmitFunc func, gpointer user_data)
{
  CcidJob *job = g_new0 (CcidJob, 1);

  job->slot = g_object_ref (slot);
  job->transmit_func = func;
  job->transmit_data = user_data;
  job->kind = CCID_JOB_TRANSMIT;
  job->needs_card = TRUE;
  job->generation = slot->generation;
  return job;
}

CcidJob *
ccid_job_new (CcidSlot *slot, CcidJobKind kind, gboolean needs_card, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data, gpointer source_tag)
{
  CcidJob *job = ccid_job_new_transmit (slot, NULL, NULL);

  job->task = g_task_new (slot, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  job->kind = kind;
  job->needs_card = needs_card;
  return job;
}

static void
job_free (CcidJob *job)
{
  g_clear_pointer (&job->t1, g_rc_box_release);
  g_clear_object (&job->task);
  g_clear_pointer (&job->input, g_bytes_unref);
  g_clear_pointer (&job->resp, g_free);
  g_clear_pointer (&job->collected, g_byte_array_unref);
  g_clear_pointer (&job->secure_data, g_bytes_unref);
  g_clear_object (&job->slot);
  g_free (job);
}

/* Hands the result (taking @bytes or @error) to the task or the callback. */
static void
job_report (CcidJob *job, GBytes *bytes, GError *error)
{
  if (job->task != NULL)
    {
      if (error != NULL)
        g_task_return_error (job->task, error);
      else
        g_task_return_pointer (job->task, bytes, (GDestroyNotify) g_bytes_unref);
      return;
    }
  job->transmit_func (job->slot, bytes, error, job->transmit_data);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_clear_error (&error);
}

static void
job_done (CcidJob *job)
{
  g_autoptr (CcidSlot) slot = g_object_ref (job->slot);

  if (slot->job == job)
    slot->job = NULL;
  job_free (job);
  run_next (slot);
}

void
ccid_job_return_bytes (CcidJob *job, GBytes *bytes)
{
  job_report (job, bytes, NULL);
  job_done (job);
}

void
ccid_job_return_boolean (CcidJob *job)
{
  g_task_return_boolean (job->task, TRUE);
  job_done (job);
}

/* After the task got its result some other way (g_task_return_int). */
void
ccid_job_done (CcidJob *job)
{
  job_done (job);
}

void
ccid_job_return_error (CcidJob *job, GError *error)
{
  job_report (job, NULL, error);
  job_done (job);
}

static gboolean
job_card_gone (CcidJob *job)
{
  return job->needs_card && job->generation != job->slot->generation;
}

static void
on_job_transfer (CcidDevice *device, const guint8 *data, gsize len, const GError *error,
                 gpointer user_data)
{
  CcidJob *job = user_data;
  CcidSlot *slot = job->slot;
  CcidReply reply;

  if (data != NULL)
    {
      if (ccid_reply_parse (data, len, 0, &reply, NULL) != CCID_PARSE_OK)
        {
          ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_COMM_ERROR,
                                                   "Malformed answer from %s", slot->name));
          return;
        }
      /* A reply tells where the card was when the reader ran the command:
       * with an interrupt endpoint, NotifySlotChange already told us, maybe
       * of something newer (the two pipes are not ordered), so only a
       * polled reader learns presence from replies. A card deactivated
       * since our power on is news from any reader: the command went after
       * the power on, on the same pipe. */
      handle_icc_status (slot, ccid_reply_icc_status (&reply),
                         slot->device != NULL && !ccid_device_has_interrupt (slot->device));
    }
  if (job_card_gone (job))
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_REMOVED_CARD,
                                               "The card in %s was removed", slot->name));
      return;
    }
  if (slot->device == NULL && error == NULL)
    {
      /* the steps read the reader's descriptor */
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE,
                                               "Reader %s was removed", slot->name));
      return;
    }
  /* Nothing of the old power session may be used again (its T=1 state:
   * the card starts from scratch after a power on). */
  if (job->session != 0 && job->session != slot->session)
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_UNPOWERED_CARD,
                                               "The card in %s was unpowered during the command "
                                               "(deactivated by the reader, hardware error, or "
                                               "reset)",
                                               slot->name));
      return;
    }
  if (data == NULL)
    job->step (job, NULL, error);
  else
    job->step (job, &reply, NULL);
}

void
ccid_job_send (CcidJob *job, const guint8 *msg, gsize len, guint timeout_ms, CcidJobStep next)
{
  if (job->slot->device == NULL)
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE,
                                               "Reader %s was removed", job->slot->name));
      return;
    }
  if (len == 0)
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER,
                                               "Command too long for reader %s", job->slot->name));
      return;
    }
  job->step = next;
  ccid_device_transfer (job->slot->device, msg, len, timeout_ms, on_job_transfer, job);
}

static void
run_next (CcidSlot *self)
{
  CcidJob *job;

  if (self->job != NULL)
    return;
  job = g_queue_pop_head (&self->jobs);
  if (job == NULL)
    return;
  self->job = job;
  if (job->task != NULL && g_task_return_error_if_cancelled (job->task))
    {
      job_done (job);
      return;
    }
  if (self->device == NULL)
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE,
                                               "Reader %s was removed", self->name));
      return;
    }
  if (job_card_gone (job))
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_REMOVED_CARD,
                                               "The card in %s was removed", self->name));
      return;
    }
  switch (job->kind)
    {
    case CCID_JOB_POWER_ON:
      ccid_slot_start_power_on (job);
      break;
    case CCID_JOB_POWER_OFF:
    case CCID_JOB_RESET:
      ccid_slot_start_power_off (job);
      break;
    case CCID_JOB_SET_PROTOCOL:
      ccid_slot_start_set_protocol (job);
      break;
    case CCID_JOB_TRANSMIT:
      ccid_slot_start_transmit (job);
      break;
    case CCID_JOB_ESCAPE:
      ccid_slot_start_escape (job);
      break;
    case CCID_JOB_SECURE:
      ccid_slot_start_secure (job);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
ccid_slot_queue_job (CcidSlot *slot, CcidJob *job)
{
  g_queue_push_tail (&slot->jobs, job);
  run_next (slot);
}

/* ---- the object -------------------------------------------------------- */

CcidSlot *
ccid_slot_new (CcidDevice *device, guint index, const char *name)
{
  CcidSlot *self = g_object_new (CCID_TYPE_SLOT, NULL);

  self->device = device;
  g_object_add_weak_pointer (G_OBJECT (device), (gpointer *) &self->device);
  self->index = index;
  self->name = g_strdup (name);
  return self;
}

static void
ccid_slot_finalize (GObject *object)
{
  CcidSlot *self = CCID_SLOT (object);

  if (self->device != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->device), (gpointer *) &self->device);
  g_clear_pointer (&self->atr, g_bytes_unref);
  g_clear_pointer (&self->t1_states, g_hash_table_unref);
  g_clear_pointer (&self->t1_ifs_done, g_hash_table_unref);
  g_free (self->name);
  G_OBJECT_CLASS (ccid_slot_parent_class)->finalize (object);
}

static void
ccid_slot_class_init (CcidSlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ccid_slot_finalize;

  /**
   * CcidSlot::changed:
   *
   * The state, the ATR or the protocol changed, or a card was removed and
   * another inserted (compare ccid_slot_get_card_generation()).
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ccid_slot_init (CcidSlot *self)
{
  self->state = CCID_SLOT_ABSENT;
  self->protocol = -1;
  self->t1_states = g_hash_table_new_full (NULL, NULL, NULL, g_rc_box_release);
  self->session = 1;
  self->t1_ifs_done = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->jobs);
}

CcidSlotState
ccid_slot_get_state (CcidSlot *self)
{
  return self->state;
}

GBytes *
ccid_slot_get_atr (CcidSlot *self)
{
  return self->atr;
}

guint
ccid_slot_get_protocols (CcidSlot *self)
{
  return self->protocols;
}

int
ccid_slot_get_active_protocol (CcidSlot *self)
{
  return self->state == CCID_SLOT_POWERED ? self->protocol : -1;
}

const char *
ccid_slot_get_name (CcidSlot *self)
{
  return self->name;
}

guint
ccid_slot_get_index (CcidSlot *self)
{
  return self->index;
}

CcidExchangeLevel
ccid_slot_get_exchange_level (CcidSlot *self)
{
  if (self->device == NULL)
    return CCID_LEVEL_CHARACTER;
  return ccid_device_get_descriptor (self->device)->level;
}

gboolean
ccid_slot_supports_nad (CcidSlot *self)
{
  return self->device != NULL && ccid_slot_get_exchange_level (self) == CCID_LEVEL_TPDU;
}

CcidDevice *
ccid_slot_get_device (CcidSlot *self)
{
  return self->device;
}

guint
ccid_slot_get_card_generation (CcidSlot *self)
{
  return self->generation;
}

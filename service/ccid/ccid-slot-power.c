/* ccid-slot-power.c: power on (voltage, ATR, PPS, SetParameters), power off, reset
 *
 * Voltage (CCID §6.1.1 bPowerSelect): automatic when the reader announces
 * automatic voltage selection; otherwise what libccid does: 5 V, then 3 V,
 * then 1.8 V among those the reader supports (bVoltageSupport), moving on
 * while the card stays mute. An ATR whose class indicator (ISO 7816-3
 * §8.3, first TA after T=15) excludes the class in use makes us power the
 * card off and on again in the first class both sides support.
 *
 * Protocol: the one TA2 imposes (specific mode), else the card's first
 * (TD1). Fi/Di: TA1 when the reader's dwMaxDataRate allows it. PPS is ours
 * to send only at TPDU or character level without automatic PPS; a failed
 * PPS resets the card and goes on with the defaults (ISO 7816-3 §9.3).
 * SetParameters follows, except for APDU-level readers that configure
 * themselves from the ATR. The slot says POWERED (and the card is
 * announced) as soon as the protocol is chosen: PPS and SetParameters
 * finish the power-on job, and every job after it, before any APDU.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-slot-private.h"

#include "pps.h"
#include "scb-error.h"

#define POWER_ON_TIMEOUT_MS 10000
#define SHORT_TIMEOUT_MS 5000

/* ---- power ------------------------------------------------------------- */

static CcidDescriptor *
slot_desc (CcidSlot *self)
{
  return (CcidDescriptor *) ccid_device_get_descriptor (self->device);
}

static void send_power_on (CcidJob *job);
static void negotiate (CcidJob *job);

static GError *
mute_error (CcidSlot *self, const char *why)
{
  return g_error_new (SCB_ERROR, SCB_ERROR_UNRESPONSIVE_CARD, "The card in %s does not answer: %s",
                      self->name, why);
}

static void
on_power_off_for_retry (CcidJob *job, const CcidReply *reply, const GError *error)
{
  if (error != NULL)
    {
      ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  send_power_on (job);
}

static void
power_off_then_retry (CcidJob *job)
{
  guint8 msg[CCID_HEADER_LENGTH];

  job->session = 0; /* the session it began ends here, on purpose */
  ccid_build_icc_power_off (msg, sizeof msg, (guint8) job->slot->index, 0);
  ccid_job_send (job, msg, sizeof msg, SHORT_TIMEOUT_MS, on_power_off_for_retry);
}

static guint8
voltage_for_class (guint8 class_bit)
{
  /* ISO 7816-3 §8.3 class indicator: A = 5 V, B = 3 V, C = 1.8 V */
  return class_bit == 1 ? CCID_POWER_5V : class_bit == 2 ? CCID_POWER_3V : CCID_POWER_1V8;
}

static void
on_power_on (CcidJob *job, const CcidReply *reply, const GError *error)
{
  CcidSlot *self = job->slot;
  atr_status st;
  guint8 voltage = job->voltages[job->voltage];

  if (error != NULL)
    {
      ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  if (ccid_reply_command_status (reply) != CCID_CMD_OK || reply->length == 0)
    {
      char why[64];

      if (ccid_reply_icc_status (reply) == CCID_ICC_ABSENT)
        {
          ccid_job_return_error (
              job, g_error_new (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No card in %s", self->name));
          return;
        }
      ccid_error_describe (reply->error, why, sizeof why);
      g_debug ("%s: IccPowerOn (bPowerSelect %u): %s", self->name, voltage, why);
      if (job->voltage + 1 < job->n_voltages)
        {
          job->voltage++;
          send_power_on (job);
          return;
        }
      ccid_slot_set_state (self, CCID_SLOT_MUTE);
      ccid_job_return_error (job, mute_error (self, why));
      return;
    }

  g_clear_pointer (&self->atr, g_bytes_unref);
  self->atr = g_bytes_new (reply->data, MIN (reply->length, ATR_MAX_LEN));
  st = atr_parse (reply->data, reply->length, &job->atr);
  if (st != ATR_OK)
    {
      g_message ("%s: unusable ATR: %s", self->name, atr_strerror (st));
      self->have_atr_info = FALSE;
      self->protocols = 0;
      ccid_slot_set_state (self, CCID_SLOT_MUTE);
      ccid_slot_emit_changed (self);
      ccid_job_return_error (job, mute_error (self, atr_strerror (st)));
      return;
    }

  /* A class indicator that excludes the class in use: power again in the
   * first class both sides support (ISO 7816-3 §6.2.4). */
  if (voltage != CCID_POWER_AUTO && job->atr.has_class && !job->class_retried)
    {
      guint8 in_use = voltage == CCID_POWER_5V ? 1 : voltage == CCID_POWER_3V ? 2 : 4;
      guint8 both = job->atr.class_indicator & slot_desc (self)->voltage_support & 0x07;

      if ((job->atr.class_indicator & in_use) == 0 && both != 0)
        {
          guint8 bit = (both & 1) ? 1 : (both & 2) ? 2 : 4;

          job->class_retried = TRUE;
          job->voltages[0] = voltage_for_class (bit);
          job->n_voltages = 1;
          job->voltage = 0;
          power_off_then_retry (job);
          return;
        }
    }
  self->atr_info = job->atr;
  self->have_atr_info = TRUE;
  negotiate (job);
}

static void
send_power_on (CcidJob *job)
{
  guint8 msg[CCID_HEADER_LENGTH];

  ccid_build_icc_power_on (msg, sizeof msg, (guint8) job->slot->index, 0,
                           (CcidPowerSelect) job->voltages[job->voltage]);
  ccid_job_send (job, msg, sizeof msg, POWER_ON_TIMEOUT_MS, on_power_on);
}

void
ccid_slot_start_power_on (CcidJob *job)
{
  CcidSlot *self = job->slot;
  const CcidDescriptor *d = slot_desc (self);

  if (self->state == CCID_SLOT_ABSENT)
    {
      ccid_job_return_error (
          job, g_error_new (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No card in %s", self->name));
      return;
    }
  job->n_voltages = 0;
  if ((d->features & CCID_FEATURE_AUTO_VOLTAGE) || (d->voltage_support & 0x07) == 0)
    job->voltages[job->n_voltages++] = CCID_POWER_AUTO;
  else
    {
      if (d->voltage_support & CCID_VOLTAGE_5V)
        job->voltages[job->n_voltages++] = CCID_POWER_5V;
      if (d->voltage_support & CCID_VOLTAGE_3V)
        job->voltages[job->n_voltages++] = CCID_POWER_3V;
      if (d->voltage_support & CCID_VOLTAGE_1V8)
        job->voltages[job->n_voltages++] = CCID_POWER_1V8;
    }
  job->voltage = 0;
  send_power_on (job);
}

/* ---- protocol and parameters ------------------------------------------ */

/* The card is up: a new power session begins, and the rest of this job
 * (PPS, SetParameters) relies on it. */
static void
begin_session (CcidJob *job)
{
  CcidSlot *self = job->slot;

  ccid_slot_new_session (self);
  if (self->state != CCID_SLOT_POWERED)
    ccid_slot_set_state (self, CCID_SLOT_POWERED);
  job->session = self->session;
}

static void
finish_power_on (CcidJob *job, int protocol)
{
  CcidSlot *self = job->slot;

  self->protocol = protocol;
  if (self->state != CCID_SLOT_POWERED)
    ccid_slot_set_state (self, CCID_SLOT_POWERED);
  else
    ccid_slot_emit_changed (self);
  self->protocol = protocol;
  if (job->kind == CCID_JOB_SET_PROTOCOL)
    {
      if (protocol >= 0 && (job->wanted & (1u << protocol)))
        {
          g_task_return_int (job->task, protocol);
          ccid_job_done (job);
        }
      else
        ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH,
                                                 "The card in %s cannot use the protocols "
                                                 "asked for",
                                                 self->name));
      return;
    }
  ccid_job_return_bytes (job, g_bytes_ref (self->atr));
}

static gboolean
rate_supported (const CcidDescriptor *d, guint8 fidi)
{
  unsigned f = atr_fi_value (fidi >> 4);
  unsigned dv = atr_di_value (fidi & 0x0f);
  guint64 rate;

  if (f == 0 || dv == 0)
    return FALSE;
  if (d->max_data_rate == 0 || d->default_clock == 0)
    return fidi == 0x11;
  /* bit rate = f * D / F, at the reader's clock (CCID §5.1 dwMaxDataRate) */
  rate = (guint64) d->default_clock * 1000 * dv / f;
  return rate <= d->max_data_rate;
}

static void
on_set_parameters (CcidJob *job, const CcidReply *reply, const GError *error)
{
  CcidSlot *self = job->slot;

  if (error != NULL)
    {
      ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  if (ccid_reply_command_status (reply) != CCID_CMD_OK)
    {
      char why[64];

      /* Some readers refuse values they chose themselves: carry on. */
      ccid_error_describe (reply->error, why, sizeof why);
      g_message ("%s: SetParameters refused: %s", self->name, why);
    }
  finish_power_on (job, self->protocol);
}

static void
set_parameters (CcidJob *job, int protocol, guint8 fidi)
{
  CcidSlot *self = job->slot;
  const CcidDescriptor *d = slot_desc (self);
  const atr_info *a = &self->atr_info;
  guint8 msg[CCID_HEADER_LENGTH + 7];
  gsize len;

  /* APDU-level readers that configure themselves from the ATR need nothing. */
  if ((d->level == CCID_LEVEL_SHORT_APDU || d->level == CCID_LEVEL_EXTENDED_APDU)
      && (d->features & CCID_FEATURE_AUTO_PARAM_ATR))
    {
      finish_power_on (job, protocol);
      return;
    }
  if (protocol == 1)
    {
      CcidT1Params p = {
        .findex_dindex = fidi,
        .crc = a->edc == ATR_EDC_CRC,
        .inverse = a->inverse,
        .guard_time = a->n,
        .bwi = (guint8) (a->bwi & 0x0f),
        .cwi = (guint8) (a->cwi & 0x0f),
        .clock_stop = a->clock_stop,
        .ifsc = a->ifsc,
        .nad = 0,
      };
      len = ccid_build_set_parameters_t1 (msg, sizeof msg, (guint8) self->index, 0, &p);
    }
  else
    {
      CcidT0Params p = {
        .findex_dindex = fidi,
        .inverse = a->inverse,
        .guard_time = a->n,
        .waiting_integer = a->wi,
        .clock_stop = a->clock_stop,
      };
      len = ccid_build_set_parameters_t0 (msg, sizeof msg, (guint8) self->index, 0, &p);
    }
  ccid_job_send (job, msg, len, SHORT_TIMEOUT_MS, on_set_parameters);
}

static guint8
negotiated_fidi (CcidJob *job)
{
  return (guint8) GPOINTER_TO_UINT (g_task_get_task_data (job->task));
}

static void
on_pps (CcidJob *job, const CcidReply *reply, const GError *error)
{
  CcidSlot *self = job->slot;
  pps_request req = { 0 };
  guint8 fidi = negotiated_fidi (job);
  pps_status st = PPS_ERR_ARGS;
  int protocol = self->protocol;

  if (error != NULL && g_error_matches (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE))
    {
      ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  req.protocol = (uint8_t) protocol;
  req.has_pps1 = fidi != 0x11;
  req.pps1 = fidi;
  if (reply != NULL && ccid_reply_command_status (reply) == CCID_CMD_OK)
    st = pps_check_response (&req, reply->data, reply->length);
  if (!pps_succeeded (st))
    {
      /* ISO 7816-3 §9.3: after a failed PPS the card must be reset; then
       * use the defaults without asking again. */
      g_message ("%s: PPS failed (%s), resetting the card", self->name, pps_strerror (st));
      job->skip_pps = TRUE;
      power_off_then_retry (job);
      return;
    }
  set_parameters (job, protocol, st == PPS_OK_DEFAULT_FD ? 0x11 : fidi);
}

static void
negotiate (CcidJob *job)
{
  CcidSlot *self = job->slot;
  const CcidDescriptor *d = slot_desc (self);
  const atr_info *a = &self->atr_info;
  guint reader = d->protocols & (CCID_PROTOCOL_T0 | CCID_PROTOCOL_T1);
  guint wanted;
  int protocol;
  guint8 fidi = 0x11;
  gboolean auto_pps
      = (d->features & (CCID_FEATURE_AUTO_PPS_ATR | CCID_FEATURE_AUTO_PPS_CURRENT)) != 0;

  self->protocols = (atr_offers (a, 0) ? CCID_SLOT_PROTOCOL_T0 : 0)
                    | (atr_offers (a, 1) ? CCID_SLOT_PROTOCOL_T1 : 0);
  self->protocols &= reader;
  if (self->protocols == 0)
    {
      self->protocol = -1;
      begin_session (job);
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_UNSUPPORTED_CARD,
                                               "The card in %s speaks no protocol the reader "
                                               "supports",
                                               self->name));
      return;
    }
  /* Specific mode (TA2) imposes its protocol; otherwise the card's first
   * one (TD1), or the other if the reader lacks it. */
  wanted = self->protocols & (job->wanted != 0 ? job->wanted : self->protocols);
  if (wanted == 0)
    wanted = self->protocols; /* power on anyway; set_protocol reports the mismatch */
  if (a->specific_mode)
    protocol = a->specific_protocol;
  else if (wanted & (1u << a->first_protocol))
    protocol = a->first_protocol;
  else
    protocol = (wanted & CCID_SLOT_PROTOCOL_T1) ? 1 : 0;
  if (protocol > 1 || !(self->protocols & (1u << protocol)))
    {
      ccid_job_return_error (job,
                             g_error_new (SCB_ERROR, SCB_ERROR_UNSUPPORTED_CARD,
                                          "The card in %s imposes T=%d", self->name, protocol));
      return;
    }
  self->protocol = protocol;
  /* The card is usable from here on: announce it now rather than after
   * PPS and SetParameters (one or two more exchanges), which every job
   * queued by the news waits for anyway. */
  begin_session (job);

  if ((a->ta_present & 1) && !a->ta1_rfu && rate_supported (d, a->ta[0]))
    fidi = a->ta[0];
  if (a->specific_mode)
    {
      /* TA2 b5: implicit parameters, else TA1 applies as is. */
      set_parameters (job, protocol, a->specific_implicit ? 0x11 : fidi);
      return;
    }
  if (job->skip_pps)
    fidi = 0x11;
  if ((d->level == CCID_LEVEL_TPDU || d->level == CCID_LEVEL_CHARACTER) && !auto_pps
      && !job->skip_pps && (fidi != 0x11 || protocol != a->first_protocol))
    {
      /* ISO 7816-3 §9: the reader passes the PPS bytes through. */
      pps_request req = { .protocol = (uint8_t) protocol, .has_pps1 = fidi != 0x11, .pps1 = fidi };
      guint8 pps[PPS_MAX_LEN];
      size_t pps_len = 0;
      guint8 msg[CCID_HEADER_LENGTH + PPS_MAX_LEN];
      gsize len;

      if (pps_succeeded (pps_build (&req, pps, sizeof pps, &pps_len)))
        {
          g_task_set_task_data (job->task, GUINT_TO_POINTER (fidi), NULL);
          len = ccid_build_xfr_block (msg, sizeof msg, (guint8) self->index, 0, 0,
                                      (guint16) pps_len, pps, pps_len);
          ccid_job_send (job, msg, len, SHORT_TIMEOUT_MS, on_pps);
          return;
        }
    }
  /* Without our PPS the card stays at the default Fi/Di, unless the
   * reader negotiates the values we set (automatic PPS). */
  set_parameters (job, protocol, auto_pps ? fidi : 0x11);
}

/* ---- power off and reset ----------------------------------------------- */

static void
on_power_off (CcidJob *job, const CcidReply *reply, const GError *error)
{
  CcidSlot *self = job->slot;

  if (error != NULL)
    {
      ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  if (self->state == CCID_SLOT_POWERED || self->state == CCID_SLOT_MUTE)
    ccid_slot_set_state (self, CCID_SLOT_PRESENT);
  if (job->kind == CCID_JOB_RESET || job->kind == CCID_JOB_SET_PROTOCOL)
    {
      job->skip_pps = FALSE;
      ccid_slot_start_power_on (job);
      return;
    }
  ccid_job_return_boolean (job);
}

void
ccid_slot_start_power_off (CcidJob *job)
{
  CcidSlot *self = job->slot;
  guint8 msg[CCID_HEADER_LENGTH];

  if (self->state == CCID_SLOT_ABSENT)
    {
      ccid_job_return_error (
          job, g_error_new (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No card in %s", self->name));
      return;
    }
  ccid_build_icc_power_off (msg, sizeof msg, (guint8) self->index, 0);
  ccid_job_send (job, msg, sizeof msg, SHORT_TIMEOUT_MS, on_power_off);
}

void
ccid_slot_power_on_async (CcidSlot *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  ccid_slot_queue_job (self, ccid_job_new (self, CCID_JOB_POWER_ON, TRUE, cancellable, callback,
                                           user_data, ccid_slot_power_on_async));
}

GBytes *
ccid_slot_power_on_finish (CcidSlot *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ccid_slot_power_off_async (CcidSlot *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  ccid_slot_queue_job (self, ccid_job_new (self, CCID_JOB_POWER_OFF, TRUE, cancellable, callback,
                                           user_data, ccid_slot_power_off_async));
}

gboolean
ccid_slot_power_off_finish (CcidSlot *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ccid_slot_reset_async (CcidSlot *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                       gpointer user_data)
{
  ccid_slot_queue_job (self, ccid_job_new (self, CCID_JOB_RESET, TRUE, cancellable, callback,
                                           user_data, ccid_slot_reset_async));
}

GBytes *
ccid_slot_reset_finish (CcidSlot *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ccid_slot_start_set_protocol (CcidJob *job)
{
  CcidSlot *self = job->slot;

  if (self->state == CCID_SLOT_POWERED && self->protocol >= 0
      && (job->wanted & (1u << self->protocol)))
    {
      g_task_return_int (job->task, self->protocol);
      ccid_job_done (job);
      return;
    }
  if (self->have_atr_info && self->protocols != 0 && !(self->protocols & job->wanted))
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH,
                                               "The card in %s does not offer the protocols "
                                               "asked for",
                                               self->name));
      return;
    }
  /* Another protocol: a cold reset, then PPS to it (ISO 7816-3 §9). */
  ccid_slot_start_power_off (job);
}

void
ccid_slot_set_protocol_async (CcidSlot *self, guint protocols, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  CcidJob *job = ccid_job_new (self, CCID_JOB_SET_PROTOCOL, TRUE, cancellable, callback, user_data,
                               ccid_slot_set_protocol_async);

  job->wanted = protocols & (CCID_SLOT_PROTOCOL_T0 | CCID_SLOT_PROTOCOL_T1);
  if (job->wanted == 0)
    job->wanted = CCID_SLOT_PROTOCOL_T0 | CCID_SLOT_PROTOCOL_T1;
  ccid_slot_queue_job (self, job);
}

int
ccid_slot_set_protocol_finish (CcidSlot *self, GAsyncResult *result, GError **error)
{
  g_autoptr (GError) local = NULL;
  gssize protocol;

  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  protocol = g_task_propagate_int (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return -1;
    }
  return (int) protocol;
}

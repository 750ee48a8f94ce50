/* ccid-slot-exchange.c: APDU exchanges (T=0 and T=1 at TPDU level, short and
 * extended APDU levels) and Escape
 *
 * At TPDU level the reader carries our TPDUs (T=0) or blocks (T=1) to the
 * card; proto/'s engines decide what to send. One T=1 state is kept per NAD
 * (ETSI TS 102 221 §7.2.1: the block sequence numbers belong to the logical
 * interface a NAD selects), each with its own IFSD negotiation, done before
 * its first APDU unless the reader negotiates by itself (CCID dwFeatures
 * 0x400). At APDU level the reader runs the protocol; extended APDUs go in
 * pieces chained with wLevelParameter (CCID §6.1.4).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-slot-private.h"

#include "scb-error.h"

#define ESCAPE_TIMEOUT_MS 30000

static const CcidDescriptor *
desc (CcidSlot *self)
{
  return ccid_device_get_descriptor (ccid_slot_get_device (self));
}

guint
ccid_slot_card_timeout_ms (CcidSlot *self, guint multiplier)
{
  const CcidDescriptor *d = desc (self);
  guint64 clock_khz = d->default_clock != 0 ? d->default_clock : 4000;
  guint64 base = 1000;
  guint64 total;

  if (self->have_atr_info && self->protocol == 1)
    /* BWT = 11 etu + 2^BWI x 960 x 372 / f (ISO 7816-3 §11.4.3) */
    base = ((guint64) 1 << MIN (self->atr_info.bwi, 9)) * 960 * 372 / clock_khz + 1;
  else if (self->have_atr_info)
    /* WT = WI x 960 x Fi / f (ISO 7816-3 §10.2) */
    base
        = (guint64) MAX (self->atr_info.wi, 1) * 960 * MAX (self->atr_info.fi, 372) / clock_khz + 1;
  /* The reader gives up after BWT itself (ICC_MUTE); ours is a backstop
   * for a reader that does not answer at all. */
  total = 2 * base * MAX (multiplier, 1) + 2000;
  return (guint) MIN (total, (guint64) CCID_MAX_COMMAND_MS);
}

void
ccid_slot_t1_states_clear (CcidSlot *self)
{
  if (self->t1_states != NULL)
    g_hash_table_remove_all (self->t1_states);
  if (self->t1_ifs_done != NULL)
    g_hash_table_remove_all (self->t1_ifs_done);
}

GError *
ccid_slot_error_from_reply (CcidSlot *self, const CcidReply *reply, const char *what)
{
  char why[64];
  ScbError code = SCB_ERROR_COMM_ERROR;

  ccid_error_describe (reply->error, why, sizeof why);
  if (ccid_reply_icc_status (reply) == CCID_ICC_ABSENT)
    code = SCB_ERROR_NO_SMARTCARD;
  else if (reply->error == CCID_ERR_ICC_MUTE)
    code = SCB_ERROR_NOT_TRANSACTED;
  else if (reply->error == CCID_ERR_CMD_NOT_SUPPORTED)
    code = SCB_ERROR_NOT_SUPPORTED;
  else if (reply->error == CCID_ERR_CMD_SLOT_BUSY)
    code = SCB_ERROR_NOT_READY;
  else if (reply->error >= 0x01 && reply->error <= 0x7f)
    code = SCB_ERROR_INVALID_PARAMETER;
  return g_error_new (SCB_ERROR, code, "%s failed in %s: %s", what, self->name, why);
}

static void
return_response (CcidJob *job, gsize len)
{
  GBytes *bytes = g_bytes_new (job->resp, len);

  ccid_job_return_bytes (job, bytes);
}

/* A lost answer, a timeout or a stalled pipe: the card (or the reader)
 * did not answer this block. Anything else goes to the caller as is. */
static gboolean
is_no_answer (const GError *error)
{
  return g_error_matches (error, SCB_ERROR, SCB_ERROR_TIMEOUT)
         || g_error_matches (error, SCB_ERROR, SCB_ERROR_COMM_ERROR);
}

/* ---- T=1 at TPDU level ------------------------------------------------- */

static GError *
error_from_t1 (CcidJob *job, t1_error err)
{
  ScbError code;
  char why[64];

  switch (err)
    {
    case T1_ERR_RESPONSE_TOO_LONG:
      code = SCB_ERROR_INSUFFICIENT_BUFFER;
      break;
    case T1_ERR_ARGS:
      code = SCB_ERROR_INVALID_PARAMETER;
      break;
    case T1_ERR_NOT_TRANSACTED:
    case T1_ERR_RESYNCH_FAILED:
    case T1_ERR_ABORTED:
    case T1_ERR_WTX_LIMIT:
    case T1_ERR_EMPTY_CHAIN:
      code = SCB_ERROR_NOT_TRANSACTED;
      break;
    default:
      code = SCB_ERROR_COMM_ERROR;
      break;
    }
  if (!job->reader_failed)
    return g_error_new (SCB_ERROR, code, "T=1 exchange with the card in %s failed: %s",
                        job->slot->name, t1_error_reason (err));
  ccid_error_describe (job->reader_error, why, sizeof why);
  return g_error_new (SCB_ERROR, code,
                      "T=1 exchange with the card in %s failed: %s (the reader: %s)",
                      job->slot->name, t1_error_reason (err), why);
}

/* Gives up the exchange with @error, leaving the NAD's state whole. */
void
ccid_slot_t1_give_up (CcidJob *job, GError *error)
{
  t1_cancel (job->t1);
  ccid_job_return_error (job, error);
}

/* ISO 7816-3 §11.6.3: whatever goes wrong with a block in the middle of an
 * exchange, the engine recovers (R-block, then S(RESYNCH request), then a
 * clear error), so that the NAD is never left half-way. Only a reader or a
 * card that is gone ends the exchange at once. */
static void
on_t1_block (CcidJob *job, const CcidReply *reply, const GError *error)
{
  t1_status st;

  if (error != NULL)
    {
      if (g_error_matches (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE))
        {
          ccid_slot_t1_give_up (job, g_error_copy (error));
          return;
        }
      /* lost, timed out, stalled, malformed, refused: no valid block */
      st = t1_on_timeout (job->t1);
    }
  else if (ccid_reply_command_status (reply) != CCID_CMD_OK)
    {
      if (ccid_reply_icc_status (reply) == CCID_ICC_ABSENT)
        {
          ccid_slot_t1_give_up (job, ccid_slot_error_from_reply (job->slot, reply, "XfrBlock"));
          return;
        }
      job->reader_failed = TRUE;
      job->reader_error = reply->error;
      if (reply->error == CCID_ERR_XFR_PARITY_ERROR || reply->error == CCID_ERR_XFR_OVERRUN)
        st = t1_on_bad_block (job->t1);
      else
        st = t1_on_timeout (job->t1); /* mute, aborted, busy, hardware error, ... */
    }
  else
    st = t1_on_block (job->t1, reply->data, reply->length);
  ccid_slot_t1_drive (job, st);
}

void
ccid_slot_t1_drive (CcidJob *job, t1_status status)
{
  CcidSlot *self = job->slot;
  guint8 block[T1_MAX_BLOCK];
  guint8 msg[CCID_HEADER_LENGTH + T1_MAX_BLOCK];
  size_t block_len = 0;
  gsize len;
  guint multiplier = 1;
  size_t resp_len = 0;

  switch (status)
    {
    case T1_WTX:
      /* CCID §6.1.4: bBWI multiplies the reader's BWT for this block. */
      multiplier = MAX (t1_wtx_multiplier (job->t1), 1);
      G_GNUC_FALLTHROUGH;
    case T1_SEND:
      status = t1_next_block (job->t1, block, sizeof block, &block_len);
      if (status == T1_ERROR)
        break;
      if (job->kind == CCID_JOB_SECURE && (block[1] & 0x80) == 0)
        {
          /* the I-block of the template: the reader puts the PIN in it */
          ccid_slot_secure_send_block (job, block);
          return;
        }
      len = ccid_build_xfr_block (msg, sizeof msg, (guint8) self->index, 0,
                                  (guint8) MIN (multiplier, 255), 0, block, block_len);
      if (len == 0 || len > desc (self)->message_length)
        {
          /* cannot happen: max_inf keeps our blocks within one message */
          ccid_slot_t1_give_up (job,
                                g_error_new (SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER,
                                             "A T=1 block does not fit reader %s", self->name));
          return;
        }
      ccid_job_send (job, msg, len, ccid_slot_card_timeout_ms (self, multiplier), on_t1_block);
      return;
    case T1_DONE:
      if (job->t1_ifs)
        {
          job->t1_ifs = FALSE;
          g_hash_table_add (self->t1_ifs_done, GUINT_TO_POINTER (job->nad));
          ccid_slot_t1_drive (job,
                              t1_begin (job->t1, g_bytes_get_data (job->input, NULL),
                                        g_bytes_get_size (job->input), job->resp, job->resp_cap));
          return;
        }
      t1_take_response (job->t1, &resp_len);
      return_response (job, resp_len);
      return;
    default:
      break;
    }

  if (job->t1_ifs)
    {
      /* The card refused a bigger IFSD: keep 32 and do not ask again. */
      g_message ("%s: S(IFS request) failed: %s", self->name,
                 t1_error_reason (t1_error_of (job->t1)));
      t1_cancel (job->t1);
      job->t1_ifs = FALSE;
      g_hash_table_add (self->t1_ifs_done, GUINT_TO_POINTER (job->nad));
      ccid_slot_t1_drive (job, t1_begin (job->t1, g_bytes_get_data (job->input, NULL),
                                         g_bytes_get_size (job->input), job->resp, job->resp_cap));
      return;
    }
  ccid_slot_t1_give_up (job, error_from_t1 (job, t1_error_of (job->t1)));
}

void
ccid_slot_start_t1 (CcidJob *job)
{
  CcidSlot *self = job->slot;
  const CcidDescriptor *d = desc (self);
  t1_state *t1 = g_hash_table_lookup (self->t1_states, GUINT_TO_POINTER (job->nad));
  gboolean want_ifs;

  if (t1 == NULL)
    {
      /* Our blocks must fit one message (the SCR331-DI takes 263 bytes),
       * whatever IFSC the ATR or a later S(IFS request) names: sending
       * less than IFSC is always allowed (ISO 7816-3 §11.4.2). */
      gboolean crc = self->atr_info.edc == ATR_EDC_CRC;
      t1_params params = {
        .nad = job->nad,
        .ifsc = self->atr_info.ifsc != 0 ? self->atr_info.ifsc : T1_DEFAULT_IFS,
        .ifsd = 0,
        .edc = crc ? T1_EDC_CRC : T1_EDC_LRC,
        .max_wtx = 0,
        .max_inf = ccid_t1_max_inf (d->message_length, crc),
      };

      t1 = g_rc_box_new0 (t1_state);
      t1_init (t1, &params);
      g_hash_table_insert (self->t1_states, GUINT_TO_POINTER (job->nad), t1);
    }
  /* Ours until the job ends, even if the session ends first. */
  job->t1 = g_rc_box_acquire (t1);
  job->resp_cap = T1_MAX_RESPONSE;
  job->resp = g_malloc (job->resp_cap);

  want_ifs = !(d->features & CCID_FEATURE_AUTO_IFSD) && d->ifsd != T1_DEFAULT_IFS
             && !g_hash_table_contains (self->t1_ifs_done, GUINT_TO_POINTER (job->nad));
  if (want_ifs)
    {
      job->t1_ifs = TRUE;
      ccid_slot_t1_drive (job, t1_begin_ifs (job->t1, d->ifsd));
      return;
    }
  ccid_slot_t1_drive (job, t1_begin (job->t1, g_bytes_get_data (job->input, NULL),
                                     g_bytes_get_size (job->input), job->resp, job->resp_cap));
}

/* ---- T=0 at TPDU level ------------------------------------------------- */

static GError *
error_from_t0 (CcidSlot *self, t0_error err)
{
  ScbError code = SCB_ERROR_COMM_ERROR;

  if (err == T0_ERR_APDU_SHORT || err == T0_ERR_APDU_MALFORMED)
    code = SCB_ERROR_INVALID_PARAMETER;
  else if (err == T0_ERR_EXTENDED)
    code = SCB_ERROR_NOT_SUPPORTED;
  else if (err == T0_ERR_OVERFLOW)
    code = SCB_ERROR_INSUFFICIENT_BUFFER;
  else if (err == T0_ERR_TOO_MANY_ROUNDS)
    code = SCB_ERROR_NOT_TRANSACTED;
  return g_error_new (SCB_ERROR, code, "T=0 exchange with the card in %s failed: %s", self->name,
                      t0_error_reason (err));
}

static void t0_send (CcidJob *job);

static void
on_t0_tpdu (CcidJob *job, const CcidReply *reply, const GError *error)
{
  t0_status st;
  size_t resp_len = 0;

  if (error != NULL)
    {
      if (is_no_answer (error))
        ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_NOT_TRANSACTED,
                                                 "The card in %s stopped answering: %s",
                                                 job->slot->name, error->message));
      else
        ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  if (ccid_reply_command_status (reply) != CCID_CMD_OK)
    {
      ccid_job_return_error (job, ccid_slot_error_from_reply (job->slot, reply, "XfrBlock"));
      return;
    }
  st = t0_on_response (&job->t0, reply->data, reply->length);
  if (st == T0_SEND_MORE)
    t0_send (job);
  else if (st == T0_DONE && t0_take_response (&job->t0, &resp_len) == T0_DONE)
    return_response (job, resp_len);
  else
    ccid_job_return_error (job, error_from_t0 (job->slot, t0_error_of (&job->t0)));
}

static void
t0_send (CcidJob *job)
{
  CcidSlot *self = job->slot;
  guint8 tpdu[T0_MAX_TPDU];
  guint8 msg[CCID_HEADER_LENGTH + T0_MAX_TPDU];
  size_t tpdu_len = 0;
  gsize len;

  if (t0_next_tpdu (&job->t0, tpdu, sizeof tpdu, &tpdu_len) == T0_ERROR)
    {
      ccid_job_return_error (job, error_from_t0 (self, t0_error_of (&job->t0)));
      return;
    }
  len = ccid_build_xfr_block (msg, sizeof msg, (guint8) self->index, 0, 0, 0, tpdu, tpdu_len);
  ccid_job_send (job, msg, len, ccid_slot_card_timeout_ms (self, 1), on_t0_tpdu);
}

static void
start_t0 (CcidJob *job)
{
  job->resp_cap = T0_MAX_RESPONSE;
  job->resp = g_malloc (job->resp_cap);
  if (t0_begin (&job->t0, g_bytes_get_data (job->input, NULL), g_bytes_get_size (job->input),
                job->resp, job->resp_cap)
      == T0_ERROR)
    {
      ccid_job_return_error (job, error_from_t0 (job->slot, t0_error_of (&job->t0)));
      return;
    }
  t0_send (job);
}

/* ---- short and extended APDU levels ------------------------------------ */

static void apdu_send_part (CcidJob *job);

static void
on_apdu_part (CcidJob *job, const CcidReply *reply, const GError *error)
{
  CcidSlot *self = job->slot;
  gsize total = g_bytes_get_size (job->input);
  guint8 msg[CCID_HEADER_LENGTH];
  gsize len;

  if (error != NULL)
    {
      if (g_error_matches (error, SCB_ERROR, SCB_ERROR_TIMEOUT))
        ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_NOT_TRANSACTED,
                                                 "The card in %s stopped answering", self->name));
      else
        ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  if (ccid_reply_command_status (reply) != CCID_CMD_OK)
    {
      ccid_job_return_error (job, ccid_slot_error_from_reply (self, reply, "XfrBlock"));
      return;
    }
  if (job->offset < total)
    {
      /* More of the command to send: the reader acknowledged this piece
       * with an empty DataBlock, bChainParameter 10h. */
      apdu_send_part (job);
      return;
    }
  if (job->collected->len + reply->length > T1_MAX_RESPONSE)
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_INSUFFICIENT_BUFFER,
                                               "Response from %s too long", self->name));
      return;
    }
  g_byte_array_append (job->collected, reply->data, reply->length);
  if (reply->specific == CCID_CHAIN_BEGIN || reply->specific == CCID_CHAIN_MIDDLE)
    {
      /* CCID §6.1.4: an empty XfrBlock with wLevelParameter 10h asks for
       * the next piece of the answer. */
      len = ccid_build_xfr_block (msg, sizeof msg, (guint8) self->index, 0, 0, CCID_LEVEL_CONTINUE,
                                  NULL, 0);
      ccid_job_send (job, msg, len, ccid_slot_card_timeout_ms (self, 1), on_apdu_part);
      return;
    }
  ccid_job_return_bytes (job, g_byte_array_free_to_bytes (g_steal_pointer (&job->collected)));
}

static void
apdu_send_part (CcidJob *job)
{
  CcidSlot *self = job->slot;
  const CcidDescriptor *d = desc (self);
  gsize total = 0;
  const guint8 *apdu = g_bytes_get_data (job->input, &total);
  gsize room = d->message_length - CCID_HEADER_LENGTH;
  gsize chunk = MIN (room, total - job->offset);
  g_autofree guint8 *msg = g_malloc (CCID_HEADER_LENGTH + chunk);
  guint16 level = ccid_xfr_level_parameter (job->offset, chunk, total);
  gsize len;

  len = ccid_build_xfr_block (msg, CCID_HEADER_LENGTH + chunk, (guint8) self->index, 0, 0, level,
                              apdu + job->offset, chunk);
  job->offset += chunk;
  ccid_job_send (job, msg, len, ccid_slot_card_timeout_ms (self, 1), on_apdu_part);
}

static void
start_apdu_level (CcidJob *job)
{
  CcidSlot *self = job->slot;
  const CcidDescriptor *d = desc (self);
  gsize total = g_bytes_get_size (job->input);

  if (d->level == CCID_LEVEL_SHORT_APDU
      && (total > 261 || CCID_HEADER_LENGTH + total > d->message_length))
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                                               "Reader %s takes short APDUs only", self->name));
      return;
    }
  job->collected = g_byte_array_new ();
  job->offset = 0;
  apdu_send_part (job);
}

/* ---- entry points ------------------------------------------------------ */

gboolean
ccid_slot_job_check_powered (CcidJob *job)
{
  CcidSlot *self = job->slot;

  switch (self->state)
    {
    case CCID_SLOT_ABSENT:
      ccid_job_return_error (
          job, g_error_new (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No card in %s", self->name));
      return FALSE;
    case CCID_SLOT_PRESENT:
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_UNPOWERED_CARD,
                                               "The card in %s is not powered", self->name));
      return FALSE;
    case CCID_SLOT_MUTE:
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_UNRESPONSIVE_CARD,
                                               "The card in %s does not answer", self->name));
      return FALSE;
    case CCID_SLOT_POWERED:
    default:
      break;
    }
  job->session = self->session;
  return TRUE;
}

void
ccid_slot_start_transmit (CcidJob *job)
{
  CcidSlot *self = job->slot;
  const CcidDescriptor *d = desc (self);
  gsize len = g_bytes_get_size (job->input);

  if (!ccid_slot_job_check_powered (job))
    return;
  if (len < 4 || len > T1_MAX_APDU)
    {
      ccid_job_return_error (
          job, g_error_new (SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                            "A command APDU has 4 to 65544 bytes, not %" G_GSIZE_FORMAT, len));
      return;
    }
  if (job->nad != 0 && (d->level != CCID_LEVEL_TPDU || self->protocol != 1))
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                                               "NAD %02X needs T=1 through a TPDU-level reader",
                                               job->nad));
      return;
    }
  switch (d->level)
    {
    case CCID_LEVEL_TPDU:
      if (self->protocol == 1)
        ccid_slot_start_t1 (job);
      else if (self->protocol == 0)
        start_t0 (job);
      else
        ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_PROTO_MISMATCH,
                                                 "No protocol in force in %s", self->name));
      return;
    case CCID_LEVEL_SHORT_APDU:
    case CCID_LEVEL_EXTENDED_APDU:
      start_apdu_level (job);
      return;
    case CCID_LEVEL_CHARACTER:
    default:
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                                               "Character-level readers are not supported (%s)",
                                               self->name));
      return;
    }
}

void
ccid_slot_transmit (CcidSlot *self, guint8 nad, GBytes *apdu, CcidSlotTransmitFunc func,
                    gpointer user_data)
{
  CcidJob *job = ccid_job_new_transmit (self, func, user_data);

  job->nad = nad;
  job->input = g_bytes_ref (apdu);
  ccid_slot_queue_job (self, job);
}

static void
on_escape (CcidJob *job, const CcidReply *reply, const GError *error)
{
  if (error != NULL)
    {
      ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  if (ccid_reply_command_status (reply) != CCID_CMD_OK)
    {
      ccid_job_return_error (job, ccid_slot_error_from_reply (job->slot, reply, "Escape"));
      return;
    }
  ccid_job_return_bytes (job, g_bytes_new (reply->data, reply->length));
}

void
ccid_slot_start_escape (CcidJob *job)
{
  CcidSlot *self = job->slot;
  gsize in_len = g_bytes_get_size (job->input);
  g_autofree guint8 *msg = g_malloc (CCID_HEADER_LENGTH + in_len);
  gsize len;

  len = ccid_build_escape (msg, CCID_HEADER_LENGTH + in_len, (guint8) self->index, 0,
                           g_bytes_get_data (job->input, NULL), in_len);
  ccid_job_send (job, msg, len, ESCAPE_TIMEOUT_MS, on_escape);
}

void
ccid_slot_escape_async (CcidSlot *self, GBytes *data, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  CcidJob *job = ccid_job_new (self, CCID_JOB_ESCAPE, FALSE, cancellable, callback, user_data,
                               ccid_slot_escape_async);

  job->input = g_bytes_ref (data);
  ccid_slot_queue_job (self, job);
}

GBytes *
ccid_slot_escape_finish (CcidSlot *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

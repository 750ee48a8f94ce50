/* ccid-slot-secure.c: PIN entry on the reader's pad (PC_to_RDR_Secure, CCID §6.1.11)
 *
 * The reader reads the PIN from its keypad, puts it into the APDU template
 * and sends the command to the card; the host sees the card's answer
 * only. At TPDU level with T=1 the host owns the link: the T=1 engine
 * builds the I-block of the template as usual (after any S(RESYNCH) or
 * S(IFS) it needs first) and its prologue (NAD PCB LEN) goes in
 * bTeoPrologue; the card's block comes back in the DataBlock and goes to
 * the engine, which answers S(WTX) requests while the card works. A
 * template is never sent as an XfrBlock: without the PIN it would cost the
 * user a try. A timeout or cancel on the pad (bError F0h, EFh) answers
 * 64 00 or 64 01 as libccid does; the T=1 link is then resynchronised
 * before the next APDU, since the card saw nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-slot-private.h"

#include "scb-error.h"

#include <string.h>

static const CcidDescriptor *
desc (CcidSlot *self)
{
  return ccid_device_get_descriptor (ccid_slot_get_device (self));
}

static gboolean
is_t1_tpdu (CcidSlot *self)
{
  return desc (self)->level == CCID_LEVEL_TPDU && self->protocol == 1;
}

/* The reader's answer as libccid turns it into bytes: the outcome of a
 * timeout or cancel, else NULL (with @error set for a failure). */
static GBytes *
secure_outcome (CcidJob *job, const CcidReply *reply, GError **error)
{
  guint8 sw[2];

  char why[64];

  if (ccid_secure_outcome (reply->error, sw))
    return g_bytes_new (sw, sizeof sw);
  if (ccid_reply_icc_status (reply) == CCID_ICC_ABSENT)
    {
      *error = ccid_slot_error_from_reply (job->slot, reply, "Secure");
      return NULL;
    }
  /* libccid: IFD_COMMUNICATION_ERROR, which pcscd answers so */
  ccid_error_describe (reply->error, why, sizeof why);
  *error = g_error_new (SCB_ERROR, SCB_ERROR_NOT_TRANSACTED, "Secure failed in %s: %s",
                        job->slot->name, why);
  return NULL;
}

static void
send_secure (CcidJob *job, CcidJobStep next)
{
  CcidSlot *self = job->slot;
  gsize data_len = 0;
  const guint8 *data = g_bytes_get_data (job->secure_data, &data_len);
  g_autofree guint8 *msg = g_malloc (CCID_HEADER_LENGTH + data_len);
  gsize len;

  job->secure_sent = TRUE;
  len = ccid_build_secure (msg, CCID_HEADER_LENGTH + data_len, (guint8) self->index, 0, 0, 0, data,
                           data_len);
  if (len > desc (self)->message_length)
    len = 0; /* ccid_job_send: too long for the reader */
  ccid_job_send (job, msg, len, ccid_secure_timeout_ms (job->secure.timeout), next);
}

/* ---- T=1 at TPDU level ------------------------------------------------- */

static void
on_secure_t1 (CcidJob *job, const CcidReply *reply, const GError *error)
{
  g_autoptr (GBytes) outcome = NULL;
  GError *failure = NULL;

  if (error != NULL)
    {
      ccid_slot_t1_give_up (job, g_error_copy (error));
      return;
    }
  if (ccid_reply_command_status (reply) != CCID_CMD_OK)
    {
      outcome = secure_outcome (job, reply, &failure);
      if (outcome == NULL)
        {
          ccid_slot_t1_give_up (job, failure);
          return;
        }
    }
  else if (reply->length == 2)
    /* no T=1 block (4 bytes at least): the reader answered for itself,
     * e.g. 64 03 for a PIN too short, and the card saw nothing */
    outcome = g_bytes_new (reply->data, 2);
  if (outcome != NULL)
    {
      t1_cancel (job->t1);
      ccid_job_return_bytes (job, g_steal_pointer (&outcome));
      return;
    }
  ccid_slot_t1_drive (job, t1_on_block (job->t1, reply->data, reply->length));
}

void
ccid_slot_secure_send_block (CcidJob *job, const guint8 *block)
{
  CcidSlot *self = job->slot;
  guint8 *data;

  if (job->secure_sent)
    {
      /* the card (or the line) lost the block: it went with a PIN the
       * host does not have */
      ccid_slot_t1_give_up (job,
                            g_error_new (SCB_ERROR, SCB_ERROR_NOT_TRANSACTED,
                                         "The card in %s did not take the PIN block", self->name));
      return;
    }
  if (block[1] & 0x20)
    {
      ccid_slot_t1_give_up (job, g_error_new (SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                                              "The PIN APDU does not fit one T=1 block for %s",
                                              self->name));
      return;
    }
  data = g_bytes_unref_to_data (g_steal_pointer (&job->secure_data), &(gsize){ 0 });
  memcpy (data + job->secure.prologue, block, 3);
  job->secure_data = g_bytes_new_take (data, job->secure.len);
  send_secure (job, on_secure_t1);
}

/* ---- T=0 at TPDU level, APDU levels ------------------------------------ */

static void
on_secure (CcidJob *job, const CcidReply *reply, const GError *error)
{
  GBytes *outcome;
  GError *failure = NULL;

  if (error != NULL)
    {
      ccid_job_return_error (job, g_error_copy (error));
      return;
    }
  if (ccid_reply_command_status (reply) != CCID_CMD_OK)
    {
      outcome = secure_outcome (job, reply, &failure);
      if (outcome == NULL)
        ccid_job_return_error (job, failure);
      else
        ccid_job_return_bytes (job, outcome);
      return;
    }
  ccid_job_return_bytes (job, g_bytes_new (reply->data, reply->length));
}

void
ccid_slot_start_secure (CcidJob *job)
{
  CcidSlot *self = job->slot;

  if (!ccid_slot_job_check_powered (job))
    return;
  if (desc (self)->level == CCID_LEVEL_CHARACTER)
    {
      ccid_job_return_error (job, g_error_new (SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                                               "Character-level readers are not supported (%s)",
                                               self->name));
      return;
    }
  if (is_t1_tpdu (self))
    ccid_slot_start_t1 (job);
  else
    send_secure (job, on_secure);
}

void
ccid_slot_secure_async (CcidSlot *self, guint8 nad, const guint8 *data,
                        const CcidSecureMessage *msg, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  CcidJob *job = ccid_job_new (self, CCID_JOB_SECURE, TRUE, cancellable, callback, user_data,
                               ccid_slot_secure_async);

  job->nad = nad;
  job->secure = *msg;
  job->secure_data = g_bytes_new (data, msg->len);
  job->input = g_bytes_new_from_bytes (job->secure_data, msg->apdu, msg->apdu_len);
  ccid_slot_queue_job (self, job);
}

GBytes *
ccid_slot_secure_finish (CcidSlot *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

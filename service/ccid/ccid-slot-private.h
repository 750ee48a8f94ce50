/* ccid-slot-private.h: what ccid-slot.c and ccid-slot-exchange.c share
 *
 * A slot runs one job at a time. A job is a chain of CCID commands: each
 * step sends one message through the device and names the step that gets
 * the answer. The card generation is taken when the job is queued, so a
 * job queued before a removal fails with REMOVED_CARD, never talks to the
 * next card. A job that relies on the card being powered (an exchange, the
 * end of a power on) takes the slot's power session when it starts; the
 * session changes whenever the card is powered or stops being so (power
 * off, reset, HardwareError, a reader saying the card is inactive), and a
 * job whose session is gone fails with UNPOWERED_CARD at its next answer,
 * before its step runs. What a job points at is its own: it holds a
 * reference on its T=1 state, which the slot drops with the session.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "ccid-device.h"
#include "ccid-message.h"
#include "ccid-secure.h"
#include "ccid-slot.h"

#include "atr.h"
#include "t0.h"
#include "t1.h"

typedef struct _CcidJob CcidJob;

/* @reply is NULL exactly when @error is set; the step owns neither. */
typedef void (*CcidJobStep) (CcidJob *job, const CcidReply *reply, const GError *error);

typedef enum
{
  CCID_JOB_POWER_ON,
  CCID_JOB_POWER_OFF,
  CCID_JOB_RESET,
  CCID_JOB_SET_PROTOCOL,
  CCID_JOB_TRANSMIT,
  CCID_JOB_ESCAPE,
  CCID_JOB_SECURE,
} CcidJobKind;

struct _CcidJob
{
  CcidSlot *slot;
  GTask *task;                        /* NULL for a transmit job, which has... */
  CcidSlotTransmitFunc transmit_func; /* ...a callback instead */
  gpointer transmit_data;
  CcidJobKind kind;
  guint generation;
  gboolean needs_card;
  guint session; /* the power session the job relies on, 0: none */
  CcidJobStep step;

  /* power on */
  guint8 voltages[4];
  guint n_voltages;
  guint voltage; /* index into voltages */
  gboolean skip_pps;
  gboolean class_retried;
  guint wanted; /* CCID_SLOT_PROTOCOL_* to choose from, 0: any */
  atr_info atr;

  /* transmit and escape */
  guint8 nad;
  GBytes *input;
  guint8 *resp;
  gsize resp_cap;
  gsize resp_len;
  t0_ctx t0;
  t1_state *t1;        /* a reference (g_rc_box) on the NAD's state */
  gboolean t1_ifs;     /* running S(IFS request) before the APDU */
  guint8 reader_error; /* bError of the reader's last failed answer, for the message */
  gboolean reader_failed;
  guint8 bwi;   /* XfrBlock bBWI: T=1 WTX multiplier */
  gsize offset; /* extended APDU chaining */
  GByteArray *collected;

  /* secure PIN entry: @input is the APDU template */
  GBytes *secure_data;      /* the abData of PC_to_RDR_Secure */
  CcidSecureMessage secure; /* where its prologue and template are */
  gboolean secure_sent;     /* the reader got it: never send the template again */
};

struct _CcidSlot
{
  GObject parent_instance;

  CcidDevice *device; /* weak */
  guint index;
  char *name;

  CcidSlotState state;
  guint generation;
  guint session; /* changes whenever the card is powered or stops being so; never 0 */
  GBytes *atr;
  guint protocols;
  int protocol;
  atr_info atr_info;
  gboolean have_atr_info;
  guint clock_khz; /* for the timeouts */
  guint etu_ns;

  GHashTable *t1_states;   /* NAD -> t1_state (g_rc_box) of this power session */
  GHashTable *t1_ifs_done; /* NAD set */

  GQueue jobs;
  CcidJob *job;
  gboolean refreshing;
  guint auto_power_on_generation; /* the card the automatic power on was queued for */
};

void ccid_job_send (CcidJob *job, const guint8 *msg, gsize len, guint timeout_ms, CcidJobStep next);
void ccid_job_return_bytes (CcidJob *job, GBytes *bytes);
void ccid_job_return_boolean (CcidJob *job);
void ccid_job_done (CcidJob *job);
void ccid_job_return_error (CcidJob *job, GError *error);
CcidJob *ccid_job_new (CcidSlot *slot, CcidJobKind kind, gboolean needs_card,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data,
                       gpointer source_tag);
/* A transmit job answers through @func instead of a GTask. */
CcidJob *ccid_job_new_transmit (CcidSlot *slot, CcidSlotTransmitFunc func, gpointer user_data);
void ccid_slot_queue_job (CcidSlot *slot, CcidJob *job);

/* ccid-slot.c */
void ccid_slot_set_state (CcidSlot *self, CcidSlotState state);
void ccid_slot_emit_changed (CcidSlot *self);
/* Ends the power session (and drops its T=1 states); a new one begins. */
void ccid_slot_new_session (CcidSlot *self);

/* ccid-slot-power.c */
void ccid_slot_start_power_on (CcidJob *job);
void ccid_slot_start_power_off (CcidJob *job);
void ccid_slot_start_set_protocol (CcidJob *job);

/* ccid-slot-exchange.c */
void ccid_slot_start_transmit (CcidJob *job);
void ccid_slot_start_escape (CcidJob *job);
/* FALSE (the job answered) unless the card is powered; takes the session. */
gboolean ccid_slot_job_check_powered (CcidJob *job);
/* T=1 at TPDU level for @job->input, from its IFS and RESYNCH needs on. */
void ccid_slot_start_t1 (CcidJob *job);
void ccid_slot_t1_drive (CcidJob *job, t1_status status);
void ccid_slot_t1_give_up (CcidJob *job, GError *error);

/* ccid-slot-secure.c */
void ccid_slot_start_secure (CcidJob *job);
/* The T=1 engine's I-block for the template is ready (@block: NAD PCB LEN
 * ...): the reader gets it as PC_to_RDR_Secure with this prologue. */
void ccid_slot_secure_send_block (CcidJob *job, const guint8 *block);
/* Block waiting time in ms for the current parameters, and the host
 * timeout that goes with a command that waits for the card. */
guint ccid_slot_card_timeout_ms (CcidSlot *self, guint multiplier);
void ccid_slot_t1_states_clear (CcidSlot *self);
/* Maps a failed CCID command onto the ScbError a caller sees. */
GError *ccid_slot_error_from_reply (CcidSlot *self, const CcidReply *reply, const char *what);

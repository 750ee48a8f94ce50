/* sim-reader.c: a CCID reader (CCID 1.1) and its slots, sans I/O
 *
 * Message handling follows CCID 1.1 §6: every command gets the answer type
 * the spec names for it, bSlot and bSeq echoed; a command the reader does
 * not support gets bmCommandStatus 1 and bError 0, a bad bSlot bError 5, a
 * dwLength that disagrees with the transfer (or exceeds
 * dwMaxCCIDMessageLength) bError 1, a bad field the offset of that field.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-reader-private.h"

#include <gio/gio.h>
#include <string.h>

#include "sim-t1-card.h"

/* CCID 1.1 §6.2.6 slot errors */
#define ERR_CMD_NOT_SUPPORTED 0x00
#define ERR_CMD_SLOT_BUSY 0xE0
#define ERR_BAD_LENGTH 0x01
#define ERR_BAD_SLOT 0x05
#define ERR_BAD_POWER_SELECT 0x07
#define ERR_BAD_PROTOCOL_NUM 0x07
#define ERR_BAD_LEVEL_PARAM 0x08
#define ERR_CMD_ABORTED 0xFF
#define ERR_ICC_MUTE 0xFE
#define ERR_XFR_PARITY 0xFD
#define ERR_HW_ERROR 0xFB

#define STATUS_FAILED 0x40
#define STATUS_TIME_EXT 0x80

#define RDR_DATA_BLOCK 0x80
#define RDR_SLOT_STATUS 0x81
#define RDR_PARAMETERS 0x82
#define RDR_ESCAPE 0x83
#define RDR_DATA_RATE 0x84

#define SHORT_APDU_MAX (4 + 1 + 255 + 1)

typedef struct
{
  SimMsg kind;
  guint8 answer;
} MsgInfo;

static MsgInfo
msg_info (guint8 type)
{
  switch (type)
    {
    case 0x62:
      return (MsgInfo){ SIM_MSG_ICC_POWER_ON, RDR_DATA_BLOCK };
    case 0x63:
      return (MsgInfo){ SIM_MSG_ICC_POWER_OFF, RDR_SLOT_STATUS };
    case 0x65:
      return (MsgInfo){ SIM_MSG_GET_SLOT_STATUS, RDR_SLOT_STATUS };
    case 0x6F:
      return (MsgInfo){ SIM_MSG_XFR_BLOCK, RDR_DATA_BLOCK };
    case 0x6C:
      return (MsgInfo){ SIM_MSG_GET_PARAMETERS, RDR_PARAMETERS };
    case 0x6D:
      return (MsgInfo){ SIM_MSG_RESET_PARAMETERS, RDR_PARAMETERS };
    case 0x61:
      return (MsgInfo){ SIM_MSG_SET_PARAMETERS, RDR_PARAMETERS };
    case 0x6B:
      return (MsgInfo){ SIM_MSG_ESCAPE, RDR_ESCAPE };
    case 0x6E:
      return (MsgInfo){ SIM_MSG_ICC_CLOCK, RDR_SLOT_STATUS };
    case 0x6A:
      return (MsgInfo){ SIM_MSG_T0_APDU, RDR_SLOT_STATUS };
    case 0x69:
      return (MsgInfo){ SIM_MSG_SECURE, RDR_DATA_BLOCK };
    case 0x71:
      return (MsgInfo){ SIM_MSG_MECHANICAL, RDR_SLOT_STATUS };
    case 0x72:
      return (MsgInfo){ SIM_MSG_ABORT, RDR_SLOT_STATUS };
    case 0x73:
      return (MsgInfo){ SIM_MSG_SET_DATA_RATE, RDR_DATA_RATE };
    default:
      return (MsgInfo){ SIM_MSG_UNKNOWN, RDR_SLOT_STATUS };
    }
}

SimReader *
sim_reader_new (const SimModel *model)
{
  SimReader *self = g_new0 (SimReader, 1);

  self->model = model;
  self->level = sim_model_get_level (model);
  self->slots = g_new0 (Slot, model->n_slots);
  for (guint i = 0; i < model->n_slots; i++)
    sim_slot_stats_init (&self->slots[i].stats);
  g_queue_init (&self->interrupts);
  g_queue_init (&self->keypad);
  return self;
}

static void
slot_clear_chains (Slot *slot)
{
  g_clear_pointer (&slot->chain_cmd, g_byte_array_unref);
  g_clear_pointer (&slot->chain_resp, g_byte_array_unref);
  slot->chain_off = 0;
}

void
sim_reader_free (SimReader *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->model->n_slots; i++)
    {
      g_clear_pointer (&self->slots[i].card, sim_card_free);
      slot_clear_chains (&self->slots[i]);
      g_clear_pointer (&self->slots[i].later, g_array_unref);
      sim_slot_stats_clear (&self->slots[i].stats);
    }
  g_free (self->slots);
  g_queue_clear_full (&self->interrupts, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->keypad, g_free);
  g_free (self);
}

const SimModel *
sim_reader_get_model (SimReader *self)
{
  return self->model;
}

SimSlotStats *
sim_reader_get_stats (SimReader *self, guint slot)
{
  g_return_val_if_fail (slot < self->model->n_slots, NULL);
  return &self->slots[slot].stats;
}

static guint8
icc_status (Slot *slot)
{
  if (slot->card == NULL)
    return 2;
  return slot->powered ? 0 : 1;
}

/* CCID 1.1 §6.3.1 RDR_to_PC_NotifySlotChange: two bits per slot. */
static void
queue_slot_change (SimReader *self, guint changed)
{
  guint n_bytes = (2 * self->model->n_slots + 7) / 8;
  guint8 *msg = g_malloc0 (1 + n_bytes);

  if (!self->model->interrupt)
    {
      g_free (msg);
      return;
    }
  msg[0] = 0x50;
  for (guint i = 0; i < self->model->n_slots; i++)
    {
      guint bits = (self->slots[i].card != NULL ? 1 : 0) | (i == changed ? 2 : 0);

      msg[1 + (2 * i) / 8] |= bits << ((2 * i) % 8);
    }
  self->slots[changed].stats.ccid[SIM_MSG_NOTIFY_SLOT_CHANGE]++;
  g_queue_push_tail (&self->interrupts, g_bytes_new_take (msg, 1 + n_bytes));
}

gboolean
sim_reader_has_card (SimReader *self, guint slot)
{
  return slot < self->model->n_slots && self->slots[slot].card != NULL;
}

gboolean
sim_reader_check_slot (SimReader *self, guint slot, GError **error)
{
  if (slot >= self->model->n_slots)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "reader model %s has no slot %u",
                   self->model->name, slot);
      return FALSE;
    }
  return TRUE;
}

gboolean
sim_reader_insert (SimReader *self, guint slot, SimCardKind kind, GError **error)
{
  Slot *s;

  if (!sim_reader_check_slot (self, slot, error))
    return FALSE;
  s = &self->slots[slot];
  if (s->card != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "slot %u already holds a card", slot);
      return FALSE;
    }
  s->card = sim_card_new (kind, &s->stats);
  s->powered = FALSE;
  /* Block faults armed on an empty slot go to a T=1 card's engine. */
  for (SimFault f = SIM_FAULT_BAD_EDC; f <= SIM_FAULT_ABORT && self->level == SIM_LEVEL_TPDU; f++)
    if (s->faults[f] > 0 && sim_card_add_t1_fault (s->card, f, s->faults[f]))
      s->faults[f] = 0;
  queue_slot_change (self, slot);
  return TRUE;
}

static void
slot_eject (SimReader *self, guint slot)
{
  Slot *s = &self->slots[slot];

  g_clear_pointer (&s->card, sim_card_free);
  s->powered = FALSE;
  slot_clear_chains (s);
  queue_slot_change (self, slot);
}

gboolean
sim_reader_remove (SimReader *self, guint slot, GError **error)
{
  if (!sim_reader_check_slot (self, slot, error))
    return FALSE;
  if (self->slots[slot].card == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "slot %u is empty", slot);
      return FALSE;
    }
  slot_eject (self, slot);
  return TRUE;
}

GBytes *
sim_reader_pop_interrupt (SimReader *self)
{
  return g_queue_pop_head (&self->interrupts);
}

/* ---- answers ---------------------------------------------------------- */

typedef struct
{
  SimReader *reader;
  GQueue *answers;
  const guint8 *msg; /* the command: header + data */
  gsize data_len;
  guint8 slot_index;
  Slot *slot; /* NULL when bSlot is bad */
  MsgInfo info;
} Cmd;

static void
answer (Cmd *c, guint8 type, guint8 status, guint8 error, guint8 b9, const guint8 *data, gsize len)
{
  guint8 *m = g_malloc (10 + len);
  Slot *s = c->slot != NULL ? c->slot : &c->reader->slots[0];

  m[0] = type;
  m[1] = len & 0xFF;
  m[2] = (len >> 8) & 0xFF;
  m[3] = (len >> 16) & 0xFF;
  m[4] = (len >> 24) & 0xFF;
  m[5] = c->msg[5];
  m[6] = c->msg[6];
  m[7] = status;
  m[8] = error;
  m[9] = b9;
  if (len > 0)
    memcpy (m + 10, data, len);
  if ((status & 0xC0) == STATUS_FAILED)
    s->stats.errors_answered++;
  g_queue_push_tail (c->answers, g_bytes_new_take (m, 10 + len));
}

static void
fail (Cmd *c, guint8 error)
{
  guint8 status = STATUS_FAILED | (c->slot != NULL ? icc_status (c->slot) : 2);

  if (c->info.answer == RDR_DATA_RATE)
    {
      static const guint8 zero[8];
      answer (c, c->info.answer, status, error, 0, zero, sizeof zero);
    }
  else
    answer (c, c->info.answer, status, error, 0, NULL, 0);
}

static void
data_block (Cmd *c, const guint8 *data, gsize len, guint8 chain)
{
  answer (c, RDR_DATA_BLOCK, icc_status (c->slot), 0, chain, data, len);
}

static void
default_params (Slot *slot)
{
  /* CCID 1.1 §6.1.7: T=0 5 bytes, T=1 7 bytes, from the card's ATR. */
  static const guint8 t0[5] = { 0x11, 0x00, 0x00, 0x0A, 0x00 };
  static const guint8 t1[7] = { 0x11, 0x10, 0x00, 0x45, 0x00, SIM_CARD_T1_IFSC, 0x00 };

  if (slot->card != NULL && (sim_card_get_protocols (slot->card) & SIM_PROTOCOL_T1))
    {
      slot->protocol = 1;
      memcpy (slot->params, t1, sizeof t1);
      slot->params_len = sizeof t1;
    }
  else
    {
      slot->protocol = 0;
      memcpy (slot->params, t0, sizeof t0);
      slot->params_len = sizeof t0;
    }
}

static void
parameters (Cmd *c)
{
  answer (c, RDR_PARAMETERS, icc_status (c->slot), 0, c->slot->protocol, c->slot->params,
          c->slot->params_len);
}

static gboolean
take_slot_fault (Slot *slot, SimFault fault)
{
  if (slot->faults[fault] == 0)
    return FALSE;
  slot->faults[fault]--;
  slot->stats.faults_injected++;
  return TRUE;
}

/* Faults of the reader-to-card link where the host does not see the
 * blocks: the reader reports what a real one would. Returns FALSE when the
 * command already got its (failed) answer. */
static gboolean
slot_link_fault (Cmd *c)
{
  Slot *s = c->slot;

  if (take_slot_fault (s, SIM_FAULT_DROP))
    {
      fail (c, ERR_ICC_MUTE);
      return FALSE;
    }
  if (take_slot_fault (s, SIM_FAULT_BAD_EDC))
    {
      fail (c, ERR_XFR_PARITY);
      return FALSE;
    }
  if (take_slot_fault (s, SIM_FAULT_ABORT))
    {
      fail (c, ERR_CMD_ABORTED);
      return FALSE;
    }
  take_slot_fault (s, SIM_FAULT_IFS);         /* the reader answers it itself */
  take_slot_fault (s, SIM_FAULT_EMPTY_CHAIN); /* and takes in the chain */
  while (take_slot_fault (s, SIM_FAULT_WTX)) /* §6.2.1: time extension, BWT multiplier in bError */
    answer (c, RDR_DATA_BLOCK, STATUS_TIME_EXT | icc_status (s), 1, 0, NULL, 0);
  return TRUE;
}

/* Faults of the reader itself during an XfrBlock. Returns FALSE when the
 * command already got its (failed) answer. */
static gboolean
reader_xfr_fault (Cmd *c)
{
  Slot *s = c->slot;

  if (take_slot_fault (s, SIM_FAULT_BUSY))
    {
      fail (c, ERR_CMD_SLOT_BUSY);
      return FALSE;
    }
  if (take_slot_fault (s, SIM_FAULT_REMOVE_MID))
    slot_eject (c->reader, c->slot_index);
  else if (take_slot_fault (s, SIM_FAULT_INACTIVE_MID))
    {
      /* The reader deactivated the card: bmICCStatus 1 from now on. */
      sim_card_power_off (s->card);
      s->powered = FALSE;
      slot_clear_chains (s);
    }
  else
    return TRUE;
  fail (c, ERR_ICC_MUTE);
  return FALSE;
}

static gboolean
is_pps (const guint8 *d, gsize len)
{
  /* ISO 7816-3 §9.2: PPSS FF, PPS0, optional PPS1-3, PCK */
  gsize want;

  if (len < 3 || d[0] != 0xFF)
    return FALSE;
  want = 3 + ((d[1] & 0x10) ? 1 : 0) + ((d[1] & 0x20) ? 1 : 0) + ((d[1] & 0x40) ? 1 : 0);
  return len == want && sim_t1_lrc (d, len) == 0;
}

static void
send_chain_chunk (Cmd *c)
{
  Slot *s = c->slot;
  gsize max = c->reader->model->max_message - 10;
  gsize left = s->chain_resp->len - s->chain_off;
  gboolean first = s->chain_off == 0;
  gsize n = MIN (left, max);
  guint8 chain;

  /* CCID 1.1 §6.2.1 bChainParameter */
  if (n == left)
    chain = first ? 0x00 : 0x02;
  else
    chain = first ? 0x01 : 0x03;
  data_block (c, s->chain_resp->data + s->chain_off, n, chain);
  s->chain_off += n;
  if (s->chain_off >= s->chain_resp->len)
    slot_clear_chains (s);
}

static void
xfr_apdu (Cmd *c, const guint8 *apdu, gsize len)
{
  Slot *s = c->slot;

  if (!slot_link_fault (c))
    return;
  g_clear_pointer (&s->chain_resp, g_byte_array_unref);
  s->chain_resp = sim_card_apdu (s->card, apdu, len);
  s->chain_off = 0;
  send_chain_chunk (c);
}

static void
xfr_extended (Cmd *c, const guint8 *data, gsize len)
{
  Slot *s = c->slot;
  guint16 level = (guint16) (c->msg[8] | c->msg[9] << 8);

  /* CCID 1.1 §6.1.4 wLevelParameter */
  switch (level)
    {
    case 0x0000:
      slot_clear_chains (s);
      xfr_apdu (c, data, len);
      return;
    case 0x0001:
      slot_clear_chains (s);
      s->chain_cmd = g_byte_array_new ();
      g_byte_array_append (s->chain_cmd, data, len);
      data_block (c, NULL, 0, 0x10);
      return;
    case 0x0002:
    case 0x0003:
      if (s->chain_cmd == NULL)
        break;
      if (s->chain_cmd->len + len > SIM_T1_MAX_APDU)
        {
          slot_clear_chains (s);
          fail (c, ERR_BAD_LENGTH);
          return;
        }
      g_byte_array_append (s->chain_cmd, data, len);
      if (level == 0x0003)
        {
          data_block (c, NULL, 0, 0x10);
          return;
        }
      {
        g_autoptr (GByteArray) apdu = g_steal_pointer (&s->chain_cmd);
        xfr_apdu (c, apdu->data, apdu->len);
      }
      return;
    case 0x0010:
      if (s->chain_resp == NULL || len != 0)
        break;
      send_chain_chunk (c);
      return;
    default:
      break;
    }
  fail (c, ERR_BAD_LEVEL_PARAM);
}

static void
xfr_block (Cmd *c)
{
  Slot *s = c->slot;
  const guint8 *data = c->msg + 10;
  gsize len = c->data_len;

  SimFaultLater due;

  while (sim_fault_later_take_due (s->later, &due))
    sim_reader_add_fault (c->reader, c->slot_index, due.fault, due.count, NULL);
  sim_fault_later_tick (s->later);
  if (s->card == NULL || !s->powered)
    {
      fail (c, ERR_ICC_MUTE);
      return;
    }
  if (!reader_xfr_fault (c))
    return;

  switch (c->reader->level)
    {
    case SIM_LEVEL_TPDU:
      if (is_pps (data, len))
        {
          data_block (c, data, len, 0); /* the card accepts the PPS request */
          return;
        }
      if (s->protocol == 1)
        {
          g_autoptr (GBytes) block = sim_card_t1_block (s->card, data, len);

          if (block == NULL)
            fail (c, ERR_ICC_MUTE); /* BWT elapsed without an answer */
          else
            data_block (c, g_bytes_get_data (block, NULL), g_bytes_get_size (block), 0);
          return;
        }
      if (slot_link_fault (c))
        {
          g_autoptr (GByteArray) r = sim_card_t0_tpdu (s->card, data, len);

          if (r == NULL)
            fail (c, ERR_ICC_MUTE);
          else
            data_block (c, r->data, r->len, 0);
        }
      return;
    case SIM_LEVEL_SHORT_APDU:
      /* Short APDUs only: no extended length (Lc or Le field 00 xx xx). */
      if (len > SHORT_APDU_MAX || (len >= 7 && data[4] == 0x00))
        {
          fail (c, ERR_BAD_LENGTH);
          return;
        }
      xfr_apdu (c, data, len);
      return;
    case SIM_LEVEL_EXTENDED_APDU:
    default:
      xfr_extended (c, data, len);
      return;
    }
}

static void
set_parameters (Cmd *c)
{
  Slot *s = c->slot;
  guint8 protocol = c->msg[7];
  const guint8 *data = c->msg + 10;

  if (protocol > 1)
    {
      fail (c, ERR_BAD_PROTOCOL_NUM);
      return;
    }
  if (c->data_len != (protocol ? 7u : 5u))
    {
      fail (c, ERR_BAD_LENGTH);
      return;
    }
  if (s->card == NULL)
    {
      fail (c, ERR_ICC_MUTE);
      return;
    }
  if (!(sim_card_get_protocols (s->card) & (protocol ? SIM_PROTOCOL_T1 : SIM_PROTOCOL_T0)))
    {
      fail (c, ERR_BAD_PROTOCOL_NUM);
      return;
    }
  if (protocol == 1 && (data[1] & 0xFD) != 0x10)
    {
      fail (c, 11); /* bmTCCKST1: only LRC */
      return;
    }
  s->protocol = protocol;
  memcpy (s->params, data, c->data_len);
  s->params_len = (guint8) c->data_len;
  parameters (c);
}

static void
power_on (Cmd *c)
{
  Slot *s = c->slot;
  g_autoptr (GBytes) atr = NULL;

  if (c->msg[7] > 3)
    {
      fail (c, ERR_BAD_POWER_SELECT);
      return;
    }
  if (s->card == NULL)
    {
      fail (c, ERR_ICC_MUTE);
      return;
    }
  slot_clear_chains (s);
  atr = sim_card_power_on (s->card);
  if (atr == NULL)
    {
      s->powered = FALSE;
      fail (c, ERR_ICC_MUTE);
      return;
    }
  s->powered = TRUE;
  default_params (s);
  data_block (c, g_bytes_get_data (atr, NULL), g_bytes_get_size (atr), 0);
}

static void
dispatch (Cmd *c)
{
  Slot *s = c->slot;

  switch (c->info.kind)
    {
    case SIM_MSG_ICC_POWER_ON:
      power_on (c);
      return;
    case SIM_MSG_ICC_POWER_OFF:
      if (s->card != NULL)
        sim_card_power_off (s->card);
      s->powered = FALSE;
      slot_clear_chains (s);
      answer (c, RDR_SLOT_STATUS, icc_status (s), 0, 0, NULL, 0);
      return;
    case SIM_MSG_GET_SLOT_STATUS:
    case SIM_MSG_ICC_CLOCK:
      answer (c, RDR_SLOT_STATUS, icc_status (s), 0, 0, NULL, 0);
      return;
    case SIM_MSG_ABORT:
      slot_clear_chains (s);
      answer (c, RDR_SLOT_STATUS, icc_status (s), 0, 0, NULL, 0);
      return;
    case SIM_MSG_XFR_BLOCK:
      xfr_block (c);
      return;
    case SIM_MSG_GET_PARAMETERS:
    case SIM_MSG_RESET_PARAMETERS:
      if (s->card == NULL)
        {
          fail (c, ERR_ICC_MUTE);
          return;
        }
      if (c->info.kind == SIM_MSG_RESET_PARAMETERS || s->params_len == 0)
        default_params (s);
      parameters (c);
      return;
    case SIM_MSG_SET_PARAMETERS:
      set_parameters (c);
      return;
    case SIM_MSG_ESCAPE:
      /* The escape of this reader echoes its data (for Control tests). */
      answer (c, RDR_ESCAPE, icc_status (s), 0, 0, c->msg + 10, c->data_len);
      return;
    case SIM_MSG_SET_DATA_RATE:
      {
        guint8 rate[8] = { 0xA0, 0x0F, 0, 0, 0x00, 0x2A, 0, 0 }; /* 4000 kHz, 10752 bps */

        if (c->data_len != 8)
          fail (c, ERR_BAD_LENGTH);
        else
          answer (c, RDR_DATA_RATE, icc_status (s), 0, 0, rate, sizeof rate);
        return;
      }
    case SIM_MSG_SECURE:
      {
        g_autoptr (GByteArray) r = NULL;
        guint8 error = 0;

        if ((r = sim_reader_secure (c->reader, s, c->msg + 10, c->data_len, &error)) == NULL)
          fail (c, error);
        else
          data_block (c, r->data, r->len, 0);
        return;
      }
    case SIM_MSG_T0_APDU:
    case SIM_MSG_MECHANICAL:
    case SIM_MSG_UNKNOWN:
    default:
      fail (c, ERR_CMD_NOT_SUPPORTED);
      return;
    }
}

gboolean
sim_reader_command (SimReader *self, const guint8 *msg, gsize len, GQueue *answers)
{
  Cmd c = { .reader = self, .answers = answers, .msg = msg };
  guint32 dw_length;
  SimSlotStats *stats;

  if (len < 10)
    {
      /* Too short to carry bSlot and bSeq: nothing can be answered. */
      self->slots[0].stats.ccid[SIM_MSG_MALFORMED]++;
      return TRUE;
    }
  c.info = msg_info (msg[0]);
  c.slot_index = msg[5];
  c.slot = c.slot_index < self->model->n_slots ? &self->slots[c.slot_index] : NULL;
  stats = c.slot != NULL ? &c.slot->stats : &self->slots[0].stats;
  stats->ccid[c.info.kind]++;

  if (sim_reader_take_device_fault (self, SIM_FAULT_UNPLUG_MID))
    return FALSE;

  dw_length
      = (guint32) msg[1] | (guint32) msg[2] << 8 | (guint32) msg[3] << 16 | (guint32) msg[4] << 24;
  if (c.slot == NULL)
    {
      fail (&c, ERR_BAD_SLOT);
      return TRUE;
    }
  c.slot->last_seq = msg[6];
  if (dw_length != len - 10 || len > self->model->max_message)
    {
      fail (&c, ERR_BAD_LENGTH);
      return TRUE;
    }
  c.data_len = dw_length;
  dispatch (&c);
  return TRUE;
}

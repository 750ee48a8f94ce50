/* sim-t1-card.c: the card side of ISO 7816-3 T=1, sans I/O
 *
 * Sequence state is kept per NAD (the host's NAD byte as received), as
 * ETSI TS 102 221 §7.3.2 asks of a UICC whose logical interfaces are
 * selected by NAD: each node address is its own T=1 link with its own
 * N(S)/N(R) and chains. IFSC and IFSD belong to the card (§11.4.2).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-t1-card.h"

#include <string.h>

/* ISO 7816-3 §11.3.2.2 PCB coding */
#define PCB_I_NS 0x40
#define PCB_I_MORE 0x20
#define PCB_R 0x80
#define PCB_R_NR 0x10
#define PCB_S 0xC0
#define PCB_S_RESPONSE 0x20
#define S_RESYNCH 0x00
#define S_IFS 0x01
#define S_ABORT 0x02
#define S_WTX 0x03
#define R_ERR_EDC 0x01
#define R_ERR_OTHER 0x02

typedef struct
{
  guint8 nad;           /* the host's NAD, as received */
  guint8 ns;            /* N(S) of the card's next I-block */
  guint8 nr;            /* N(S) expected in the host's next I-block */
  GByteArray *command;  /* host chain being received */
  GByteArray *response; /* the answer being sent (kept until the next command) */
  gsize sent;           /* response bytes acknowledged by the host */
  gsize chunk;          /* response bytes in the last I-block */
  gboolean empty;       /* that I-block was an empty chained one (a fault) */
  guint8 last_ns;       /* N(S) of that I-block */
  GByteArray *request;  /* our S request awaiting the host's response */
  guint8 pending_s;     /* its type, or 0xFF */
  guint8 pending_ifs;
} Link;

struct _SimT1Card
{
  guint8 atr_ifsc;
  guint8 ifsc;
  guint8 ifsd;
  SimT1ApduFunc func;
  gpointer user_data;
  SimSlotStats *stats;
  GHashTable *links; /* NAD → Link */
  guint faults[SIM_FAULT_N];
};

guint8
sim_t1_lrc (const guint8 *data, gsize len)
{
  guint8 lrc = 0;

  for (gsize i = 0; i < len; i++)
    lrc ^= data[i];
  return lrc;
}

static void
link_free (gpointer data)
{
  Link *link = data;

  g_clear_pointer (&link->command, g_byte_array_unref);
  g_clear_pointer (&link->response, g_byte_array_unref);
  g_clear_pointer (&link->request, g_byte_array_unref);
  g_free (link);
}

static Link *
get_link (SimT1Card *self, guint8 nad)
{
  Link *link = g_hash_table_lookup (self->links, GUINT_TO_POINTER (nad));

  if (link == NULL)
    {
      link = g_new0 (Link, 1);
      link->nad = nad;
      link->command = g_byte_array_new ();
      link->pending_s = 0xFF;
      g_hash_table_insert (self->links, GUINT_TO_POINTER (nad), link);
    }
  return link;
}

SimT1Card *
sim_t1_card_new (guint8 ifsc, SimT1ApduFunc func, gpointer user_data, SimSlotStats *stats)
{
  SimT1Card *self = g_new0 (SimT1Card, 1);

  g_return_val_if_fail (ifsc >= 1 && ifsc <= 254, NULL);
  self->atr_ifsc = ifsc;
  self->func = func;
  self->user_data = user_data;
  self->stats = stats;
  self->links = g_hash_table_new_full (NULL, NULL, NULL, link_free);
  sim_t1_card_reset (self);
  return self;
}

void
sim_t1_card_free (SimT1Card *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->links);
  g_free (self);
}

void
sim_t1_card_reset (SimT1Card *self)
{
  g_hash_table_remove_all (self->links);
  self->ifsc = self->atr_ifsc;
  self->ifsd = SIM_T1_IFS_DEFAULT;
}

guint8
sim_t1_card_get_ifsd (SimT1Card *self)
{
  return self->ifsd;
}

guint8
sim_t1_card_get_ifsc (SimT1Card *self)
{
  return self->ifsc;
}

void
sim_t1_card_add_fault (SimT1Card *self, SimFault fault, guint count)
{
  g_return_if_fail (fault < SIM_FAULT_N);
  self->faults[fault] += count;
}

static gboolean
take_fault (SimT1Card *self, SimFault fault)
{
  if (self->faults[fault] == 0)
    return FALSE;
  self->faults[fault]--;
  if (self->stats != NULL)
    self->stats->faults_injected++;
  return TRUE;
}

/* The card answers with SAD and DAD swapped (ISO 7816-3 §11.3.2.1). */
static guint8
reply_nad (guint8 nad)
{
  return (guint8) (((nad & 0x07) << 4) | ((nad >> 4) & 0x07));
}

/* Sends @block (already framed, consumed) through the faults that act on
 * the wire. Retransmissions are built again from the link's state. */
static GBytes *
emit (SimT1Card *self, GByteArray *block)
{
  GBytes *out;

  if (take_fault (self, SIM_FAULT_DROP))
    {
      g_byte_array_unref (block);
      return NULL;
    }
  if (take_fault (self, SIM_FAULT_BAD_EDC))
    block->data[block->len - 1] ^= 0xFF;
  out = g_bytes_new (block->data, block->len);
  g_byte_array_unref (block);
  return out;
}

static GByteArray *
frame (Link *link, guint8 pcb, const guint8 *inf, guint8 len)
{
  GByteArray *block = g_byte_array_sized_new (4 + len);
  guint8 prologue[3] = { reply_nad (link->nad), pcb, len };
  guint8 lrc;

  g_byte_array_append (block, prologue, sizeof prologue);
  if (len > 0)
    g_byte_array_append (block, inf, len);
  lrc = sim_t1_lrc (block->data, block->len);
  g_byte_array_append (block, &lrc, 1);
  return block;
}

static GBytes *
send_r (SimT1Card *self, Link *link, guint8 error)
{
  return emit (self, frame (link, PCB_R | (link->nr ? PCB_R_NR : 0) | error, NULL, 0));
}

static GBytes *
send_s (SimT1Card *self, Link *link, guint8 pcb, const guint8 *inf, guint8 len)
{
  return emit (self, frame (link, pcb, inf, len));
}

/* An S request the host must answer; kept to send it again. */
static GBytes *
send_s_request (SimT1Card *self, Link *link, guint8 type, const guint8 *inf, guint8 len)
{
  g_clear_pointer (&link->request, g_byte_array_unref);
  link->request = frame (link, PCB_S | type, inf, len);
  link->pending_s = type;
  return emit (self, g_byte_array_ref (link->request));
}

static gboolean
response_has_more (Link *link)
{
  return link->response != NULL && (link->empty || link->sent + link->chunk < link->response->len);
}

static GBytes *
send_i (SimT1Card *self, Link *link)
{
  gboolean more = response_has_more (link);
  guint8 pcb = (link->last_ns ? PCB_I_NS : 0) | (more ? PCB_I_MORE : 0);

  return emit (self, frame (link, pcb, link->response->data + link->sent, (guint8) link->chunk));
}

/* The next part of the answer, with the next N(S). */
static GBytes *
send_next_i (SimT1Card *self, Link *link)
{
  gsize left = link->response->len - link->sent;

  /* §11.6.2.3 does not forbid a chained I-block without data */
  link->empty = take_fault (self, SIM_FAULT_EMPTY_CHAIN);
  link->chunk = link->empty ? 0 : MIN (left, (gsize) self->ifsd);
  link->last_ns = link->ns;
  link->ns ^= 1;
  return send_i (self, link);
}

static GBytes *
send_wtx (SimT1Card *self, Link *link)
{
  guint8 multiplier = 1;

  return send_s_request (self, link, S_WTX, &multiplier, 1);
}

/* A new answer: the card may first ask for time, change its IFSC or abort. */
static GBytes *
start_response (SimT1Card *self, Link *link, GByteArray *response)
{
  g_clear_pointer (&link->response, g_byte_array_unref);
  link->response = response;
  link->sent = 0;
  link->chunk = 0;
  link->empty = FALSE;

  if (take_fault (self, SIM_FAULT_ABORT))
    return send_s_request (self, link, S_ABORT, NULL, 0);
  if (take_fault (self, SIM_FAULT_WTX))
    return send_wtx (self, link);
  if (take_fault (self, SIM_FAULT_IFS))
    {
      link->pending_ifs = self->ifsc != 32 ? 32 : (self->atr_ifsc != 32 ? self->atr_ifsc : 64);
      return send_s_request (self, link, S_IFS, &link->pending_ifs, 1);
    }
  return send_next_i (self, link);
}

static GBytes *
receive_i (SimT1Card *self, Link *link, guint8 pcb, const guint8 *inf, guint8 len)
{
  guint8 ns = (pcb & PCB_I_NS) ? 1 : 0;
  GByteArray *response;
  g_autoptr (GByteArray) apdu = NULL;

  self->stats->t1_i++;
  if (link->pending_s != 0xFF || response_has_more (link) || ns != link->nr)
    return send_r (self, link, R_ERR_OTHER); /* out of sequence: §11.6.3.2 */

  g_clear_pointer (&link->response, g_byte_array_unref);
  if (link->command->len + len > SIM_T1_MAX_APDU)
    {
      g_byte_array_set_size (link->command, 0);
      return send_r (self, link, R_ERR_OTHER);
    }
  link->nr ^= 1;
  g_byte_array_append (link->command, inf, len);
  if (pcb & PCB_I_MORE)
    return send_r (self, link, 0); /* §11.6.2.3: acknowledge a chained block */

  apdu = g_steal_pointer (&link->command);
  link->command = g_byte_array_new ();
  response = self->func (self->user_data, link->nad, apdu->data, apdu->len);
  if (response == NULL || response->len == 0)
    {
      static const guint8 sw_no_diag[] = { 0x6F, 0x00 };

      if (response == NULL)
        response = g_byte_array_new ();
      g_byte_array_append (response, sw_no_diag, sizeof sw_no_diag);
    }
  return start_response (self, link, response);
}

static GBytes *
receive_r (SimT1Card *self, Link *link, guint8 pcb)
{
  guint8 nr = (pcb & PCB_R_NR) ? 1 : 0;

  self->stats->t1_r++;
  if (link->pending_s != 0xFF)
    return emit (self, g_byte_array_ref (link->request)); /* our S request got lost */
  if (link->response != NULL && (link->chunk > 0 || link->empty))
    {
      if (nr == link->last_ns)
        return send_i (self, link); /* §11.6.3.2: retransmit the I-block */
      if (response_has_more (link))
        {
          link->sent += link->chunk; /* §11.6.2.3: chain acknowledged */
          return send_next_i (self, link);
        }
      return send_r (self, link, R_ERR_OTHER);
    }
  if (link->command->len > 0)
    return send_r (self, link, 0); /* our acknowledgement got lost */
  return send_r (self, link, R_ERR_OTHER);
}

static void
reset_all (SimT1Card *self)
{
  sim_t1_card_reset (self);
}

static GBytes *
receive_s (SimT1Card *self, Link *link, guint8 pcb, const guint8 *inf, guint8 len)
{
  guint8 type = pcb & 0x1F;
  gboolean response = (pcb & PCB_S_RESPONSE) != 0;

  self->stats->t1_s++;
  if (!response)
    {
      switch (type)
        {
        case S_RESYNCH:
          {
            guint8 nad = link->nad;

            reset_all (self);
            link = get_link (self, nad);
            return send_s (self, link, PCB_S | PCB_S_RESPONSE | S_RESYNCH, NULL, 0);
          }
        case S_IFS:
          if (len != 1 || inf[0] == 0x00 || inf[0] == 0xFF)
            return send_r (self, link, R_ERR_OTHER);
          self->ifsd = inf[0];
          return send_s (self, link, PCB_S | PCB_S_RESPONSE | S_IFS, inf, 1);
        case S_ABORT:
          g_byte_array_set_size (link->command, 0);
          g_clear_pointer (&link->response, g_byte_array_unref);
          link->pending_s = 0xFF;
          return send_s (self, link, PCB_S | PCB_S_RESPONSE | S_ABORT, NULL, 0);
        default: /* S(WTX request) comes only from a card */
          return send_r (self, link, R_ERR_OTHER);
        }
    }

  if (type != link->pending_s || type == S_RESYNCH)
    return send_r (self, link, R_ERR_OTHER);
  switch (type)
    {
    case S_IFS:
      if (len != 1 || inf[0] != link->pending_ifs)
        return send_r (self, link, R_ERR_OTHER);
      self->ifsc = link->pending_ifs;
      link->pending_s = 0xFF;
      g_clear_pointer (&link->request, g_byte_array_unref);
      return send_next_i (self, link);
    case S_WTX:
      link->pending_s = 0xFF;
      g_clear_pointer (&link->request, g_byte_array_unref);
      if (take_fault (self, SIM_FAULT_WTX))
        return send_wtx (self, link); /* the armed ones come in a row */
      return send_next_i (self, link);
    case S_ABORT:
      /* The exchange is abandoned; the host has the right to send. */
      link->pending_s = 0xFF;
      g_clear_pointer (&link->response, g_byte_array_unref);
      return NULL;
    default:
      return send_r (self, link, R_ERR_OTHER);
    }
}

GBytes *
sim_t1_card_receive (SimT1Card *self, const guint8 *block, gsize len)
{
  Link *link;
  guint8 pcb;
  gboolean bad_lrc;

  if (len < 1)
    return send_r (self, get_link (self, 0), R_ERR_OTHER);
  sim_slot_stats_note_nad (self->stats, block[0]);
  link = get_link (self, block[0]);
  if (len < 4)
    return send_r (self, link, R_ERR_OTHER);

  pcb = block[1];
  bad_lrc = sim_t1_lrc (block, len - 1) != block[len - 1];
  /* §11.3.2.3: LEN 0xFF is reserved; the block must be exactly 4 + LEN. */
  if (bad_lrc || block[2] == 0xFF || len != 4u + block[2])
    {
      if ((pcb & 0x80) == 0)
        self->stats->t1_i++;
      else if ((pcb & PCB_S) == PCB_R)
        self->stats->t1_r++;
      else
        self->stats->t1_s++;
      return send_r (self, link, bad_lrc ? R_ERR_EDC : R_ERR_OTHER);
    }

  if ((pcb & 0x80) == 0)
    return receive_i (self, link, pcb, block + 3, block[2]);
  if ((pcb & PCB_S) == PCB_R)
    {
      if (block[2] != 0)
        {
          self->stats->t1_r++;
          return send_r (self, link, R_ERR_OTHER);
        }
      return receive_r (self, link, pcb);
    }
  return receive_s (self, link, pcb, block + 3, block[2]);
}

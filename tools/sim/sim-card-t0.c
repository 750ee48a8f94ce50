/* sim-card-t0.c: the card side of ISO 7816-3 T=0 at the TPDU level
 *
 * The reader exchanges the procedure bytes (ACK = INS, NULL 60) with the
 * card inside the emulation; the host sees what a TPDU-level CCID reader
 * returns (CCID 1.1 §6.1.4): response data and SW1 SW2. What the host must
 * handle itself, as with a real T=0 card (ISO 7816-3 §12.2):
 * - case 3/4 commands whose answer has data get 61xx; GET RESPONSE (C0)
 *   with Le = xx fetches it;
 * - case 2 commands whose Le (P3) is not the length available get 6Cxx;
 *   the host re-issues the command with P3 = xx.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-card-t0.h"

#include <string.h>

struct _SimT0Card
{
  SimApp *app;
  GByteArray *pending; /* response data waiting for GET RESPONSE */
  guint8 pending_sw[2];
};

SimT0Card *
sim_t0_card_new (SimApp *app)
{
  SimT0Card *self = g_new0 (SimT0Card, 1);

  self->app = app;
  return self;
}

void
sim_t0_card_free (SimT0Card *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->pending, g_byte_array_unref);
  g_free (self);
}

void
sim_t0_card_reset (SimT0Card *self)
{
  g_clear_pointer (&self->pending, g_byte_array_unref);
}

static GByteArray *
status (guint8 sw1, guint8 sw2)
{
  GByteArray *r = g_byte_array_sized_new (2);
  guint8 b[2] = { sw1, sw2 };

  g_byte_array_append (r, b, 2);
  return r;
}

static GByteArray *
get_response (SimT0Card *self, guint8 p3)
{
  gsize ne = p3 ? p3 : 256;
  GByteArray *r;

  if (self->pending == NULL)
    return status (0x6F, 0x00);
  if (ne > self->pending->len)
    return status (0x6C, (guint8) self->pending->len);
  r = g_byte_array_sized_new (ne + 2);
  g_byte_array_append (r, self->pending->data, ne);
  g_byte_array_remove_range (self->pending, 0, ne);
  if (self->pending->len > 0)
    {
      guint8 sw[2] = { 0x61, (guint8) MIN (self->pending->len, 255) };

      g_byte_array_append (r, sw, 2);
    }
  else
    {
      g_byte_array_append (r, self->pending_sw, 2);
      g_clear_pointer (&self->pending, g_byte_array_unref);
    }
  return r;
}

GByteArray *
sim_t0_card_tpdu (SimT0Card *self, const guint8 *tpdu, gsize len)
{
  guint8 cla, ins, p3;
  g_autoptr (GByteArray) answer = NULL;
  gsize data_len;

  /* A TPDU is a 5-byte header and P3 data bytes; a trailing Le byte of a
   * case 4 APDU that the host did not strip is tolerated and ignored. */
  if (len < 5)
    return status (0x67, 0x00);
  cla = tpdu[0];
  ins = tpdu[1];
  p3 = tpdu[4];
  if ((ins & 0xF0) == 0x60 || (ins & 0xF0) == 0x90)
    return status (0x6D, 0x00); /* §10.3.2: invalid INS */

  if (ins == 0xC0 && cla != 0x80)
    {
      if (len != 5)
        return status (0x67, 0x00);
      return get_response (self, p3);
    }
  g_clear_pointer (&self->pending, g_byte_array_unref);

  if (sim_app_ins_is_outgoing (cla, ins))
    {
      gsize ne = p3 ? p3 : 256;

      if (len != 5)
        return status (0x67, 0x00);
      answer = sim_app_process (self->app, tpdu, 5);
      data_len = answer->len - 2;
      if (data_len == 0 || data_len == ne)
        return g_steal_pointer (&answer);
      if (data_len < ne)
        return status (0x6C, (guint8) data_len); /* wrong Le: re-issue with P3 = xx */
      g_byte_array_remove_range (answer, ne, data_len - ne);
      return g_steal_pointer (&answer);
    }

  if (len != 5u + p3 && len != 6u + p3)
    return status (0x67, 0x00);
  {
    /* Incoming data (or none): ask the application as a case 4 command
     * with Le 00, and keep any answer data for GET RESPONSE. */
    g_autoptr (GByteArray) apdu = g_byte_array_sized_new (6 + p3);
    guint8 le = 0;

    g_byte_array_append (apdu, tpdu, p3 ? 5u + p3 : 4u);
    if (p3 > 0)
      g_byte_array_append (apdu, &le, 1);
    answer = sim_app_process (self->app, apdu->data, apdu->len);
  }
  data_len = answer->len - 2;
  if (data_len == 0)
    return g_steal_pointer (&answer);
  self->pending = g_byte_array_sized_new (data_len);
  g_byte_array_append (self->pending, answer->data, data_len);
  memcpy (self->pending_sw, answer->data + data_len, 2);
  return status (0x61, (guint8) MIN (data_len, 255));
}

/* sim-reader-secure.c: PC_to_RDR_Secure on a simulated PIN pad reader
 *
 * The user types (sim-pinpad.c), the reader puts the PIN into the template
 * and sends it as it sends XfrBlocks: at TPDU level with T=1 as a block
 * with the host's prologue (CCID 1.1 §6.1.11, bTeoPrologue).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-reader-private.h"

#include <gio/gio.h>

#include "sim-pinpad.h"
#include "sim-t1-card.h"

#define ERR_CMD_NOT_SUPPORTED 0x00
#define ERR_ICC_MUTE 0xFE

static GByteArray *
t1_exchange (Slot *s, GByteArray *apdu, const guint8 prologue[3], guint8 *error)
{
  g_autoptr (GBytes) block = NULL;
  GByteArray *r;
  guint8 lrc;

  g_byte_array_prepend (apdu, prologue, 3);
  apdu->data[2] = (guint8) (apdu->len - 3); /* LEN: the template's length */
  lrc = sim_t1_lrc (apdu->data, apdu->len);
  g_byte_array_append (apdu, &lrc, 1);
  block = sim_card_t1_block (s->card, apdu->data, apdu->len);
  if (block == NULL)
    {
      *error = ERR_ICC_MUTE;
      return NULL;
    }
  r = g_byte_array_new ();
  g_byte_array_append (r, g_bytes_get_data (block, NULL), (guint) g_bytes_get_size (block));
  return r;
}

GByteArray *
sim_reader_secure (SimReader *self, Slot *s, const guint8 *data, gsize len, guint8 *error)
{
  SimPinpadOutcome out;
  g_autoptr (GByteArray) apdu = NULL;
  GByteArray *r;

  if (self->model->pin_support == 0)
    {
      *error = ERR_CMD_NOT_SUPPORTED;
      return NULL;
    }
  if (s->card == NULL || !s->powered)
    {
      *error = ERR_ICC_MUTE;
      return NULL;
    }
  switch (sim_pinpad_run (data, len, &self->keypad, &out))
    {
    case SIM_PINPAD_FAILED:
      *error = out.error;
      return NULL;
    case SIM_PINPAD_STATUS:
      r = g_byte_array_new ();
      g_byte_array_append (r, out.sw, 2);
      return r;
    case SIM_PINPAD_APDU:
    default:
      apdu = out.apdu;
      break;
    }
  if (self->level == SIM_LEVEL_TPDU && s->protocol == 1)
    return t1_exchange (s, apdu, out.prologue, error);
  if (self->level == SIM_LEVEL_TPDU)
    r = sim_card_t0_tpdu (s->card, apdu->data, apdu->len);
  else
    r = sim_card_apdu (s->card, apdu->data, apdu->len);
  if (r == NULL)
    *error = ERR_ICC_MUTE;
  return r;
}

gboolean
sim_reader_keypad (SimReader *self, const char *const *entries, GError **error)
{
  if (self->model->pin_support == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "reader model %s has no PIN pad",
                   self->model->name);
      return FALSE;
    }
  for (guint i = 0; entries[i] != NULL; i++)
    if (!sim_pinpad_entry_valid (entries[i]))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "keypad entries are 1 to %u digits or \"%s\", not \"%s\"",
                     SIM_PINPAD_MAX_DIGITS, SIM_PINPAD_CANCEL, entries[i]);
        return FALSE;
      }
  for (guint i = 0; entries[i] != NULL; i++)
    g_queue_push_tail (&self->keypad, g_strdup (entries[i]));
  return TRUE;
}

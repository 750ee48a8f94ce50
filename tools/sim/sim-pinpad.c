/* sim-pinpad.c: the PIN pad of a simulated reader and its user, sans I/O
 *
 * PC_to_RDR_Secure abData (CCID 1.1 §6.1.11): bPINOperation, then for a
 * verification (0) bTimeOut, bmFormatString, bmPINBlockString,
 * bmPINLengthFormat, wPINMaxExtraDigit, bEntryValidationCondition,
 * bNumberMessage, wLangId, bMsgIndex, bTeoPrologue[3], abPINApdu; for a
 * modification (1) bTimeOut, bmFormatString, bmPINBlockString,
 * bmPINLengthFormat, bInsertionOffsetOld, bInsertionOffsetNew,
 * wPINMaxExtraDigit, bConfirmPIN, bEntryValidationCondition,
 * bNumberMessage, wLangId, bMsgIndex1, bMsgIndex2 (when bNumberMessage is
 * not 0), bMsgIndex3 (when it is 3 or FFh: libccid's reading),
 * bTeoPrologue[3], abPINApdu.
 *
 * Formatting (§6.1.11.4): bmFormatString b7 the unit of the PIN position
 * (bit, byte), b6-3 the position, b2 right justification, b1-0 the format
 * (binary and BCD: a digit per nibble; ASCII: a digit per byte);
 * bmPINBlockString b7-4 the size in bits of the PIN length field, b3-0 the
 * PIN block size in bytes (the area the PIN is justified in);
 * bmPINLengthFormat b4 the unit of the length position, b3-0 the position.
 * Positions count from the first data byte after Lc, plus the insertion
 * offset of a modification's old or new PIN. Bits not written keep the
 * template's (its filler). wPINMaxExtraDigit is XXYY: XX the least digits,
 * YY the most.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-pinpad.h"

#include <string.h>

/* bError: the message offset of the field the reader refuses. */
#define MSG_OFFSET(data_index) (guint8) (10 + (data_index))

typedef struct
{
  guint8 operation;
  guint8 format;
  guint8 block;
  guint8 length_format;
  guint8 offset_old;
  guint8 offset_new;
  guint8 min_digits;
  guint8 max_digits;
  guint8 confirm;
  gsize prologue; /* index in abData */
  gsize apdu;
} Secure;

gboolean
sim_pinpad_entry_valid (const char *entry)
{
  gsize n = strlen (entry);

  if (g_str_equal (entry, SIM_PINPAD_CANCEL))
    return TRUE;
  if (n == 0 || n > SIM_PINPAD_MAX_DIGITS)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (entry[i]))
      return FALSE;
  return TRUE;
}

/* 0, or the bError of a malformed abData. */
static guint8
parse (const guint8 *d, gsize len, Secure *s)
{
  gsize i;

  memset (s, 0, sizeof *s);
  if (len < 1 || d[0] > 1)
    return MSG_OFFSET (0);
  s->operation = d[0];
  if (s->operation == 0)
    {
      if (len < 15)
        return 0x01; /* dwLength */
      s->format = d[2];
      s->block = d[3];
      s->length_format = d[4];
      s->max_digits = d[5];
      s->min_digits = d[6];
      s->prologue = 12;
    }
  else
    {
      if (len < 17)
        return 0x01;
      s->format = d[2];
      s->block = d[3];
      s->length_format = d[4];
      s->offset_old = d[5];
      s->offset_new = d[6];
      s->max_digits = d[7];
      s->min_digits = d[8];
      s->confirm = d[9];
      i = 15; /* after bMsgIndex1 */
      if (d[11] != 0)
        i++;
      if (d[11] >= 3)
        i++;
      s->prologue = i;
    }
  s->apdu = s->prologue + 3;
  if (len < s->apdu + 4)
    return 0x01;
  if ((s->format & 0x03) == 0x03)
    return MSG_OFFSET (2);
  return 0;
}

static void
put_bits (guint8 *buf, gsize bit, guint n, guint value)
{
  for (guint k = 0; k < n; k++, bit++)
    {
      guint8 mask = (guint8) (0x80 >> (bit % 8));

      if (value & (1u << (n - 1 - k)))
        buf[bit / 8] |= mask;
      else
        buf[bit / 8] &= (guint8) ~mask;
    }
}

/* Writes @pin into @apdu at the PIN position plus @offset bytes; FALSE
 * when it does not fit the block or the APDU. */
static gboolean
put_pin (const Secure *s, GByteArray *apdu, guint8 offset, const char *pin, guint8 *error)
{
  gsize base = (apdu->len >= 7 && apdu->data[4] == 0) ? 7 : 5; /* data after Lc */
  gsize n = strlen (pin);
  guint digit_bits = (s->format & 0x03) == 0x02 ? 8 : 4;
  gsize pin_bits = n * digit_bits;
  gsize pos = (s->format >> 3) & 0x0F;
  gsize start = (base + offset) * 8 + ((s->format & 0x80) ? pos * 8 : pos);
  gsize block_bits = (gsize) (s->block & 0x0F) * 8;
  guint length_bits = s->block >> 4;

  if (block_bits == 0)
    block_bits = pin_bits;
  if (pin_bits > block_bits)
    {
      *error = MSG_OFFSET (3); /* bmPINBlockString */
      return FALSE;
    }
  if (start + block_bits > (gsize) apdu->len * 8)
    {
      *error = MSG_OFFSET (2); /* bmFormatString: the template is too short */
      return FALSE;
    }
  if (s->format & 0x04)
    start += block_bits - pin_bits;
  for (gsize i = 0; i < n; i++)
    {
      guint digit = (guint) (pin[i] - '0');

      put_bits (apdu->data, start + i * digit_bits, digit_bits,
                digit_bits == 8 ? (guint) pin[i] : digit);
    }
  if (length_bits > 0)
    {
      gsize lpos = s->length_format & 0x0F;
      gsize at = (base + offset) * 8 + ((s->length_format & 0x10) ? lpos * 8 : lpos);

      if (at + length_bits > (gsize) apdu->len * 8)
        {
          *error = MSG_OFFSET (4); /* bmPINLengthFormat */
          return FALSE;
        }
      put_bits (apdu->data, at, length_bits, (guint) n);
    }
  return TRUE;
}

/* The next entry, or NULL with @error set (timeout, cancel). */
static char *
take_entry (GQueue *keypad, guint8 *error)
{
  char *entry = g_queue_pop_head (keypad);

  if (entry == NULL)
    *error = SIM_PINPAD_ERR_TIMEOUT;
  else if (g_str_equal (entry, SIM_PINPAD_CANCEL))
    {
      *error = SIM_PINPAD_ERR_CANCELLED;
      g_clear_pointer (&entry, g_free);
    }
  return entry;
}

static gboolean
length_ok (const Secure *s, const char *pin)
{
  gsize n = strlen (pin);

  return n >= s->min_digits && n <= s->max_digits;
}

SimPinpadResult
sim_pinpad_run (const guint8 *data, gsize len, GQueue *keypad, SimPinpadOutcome *out)
{
  g_autofree char *old = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *again = NULL;
  Secure s;

  memset (out, 0, sizeof *out);
  out->error = parse (data, len, &s);
  if (out->error != 0)
    return SIM_PINPAD_FAILED;
  memcpy (out->prologue, data + s.prologue, 3);

  /* The user types what the command asks for, in order. */
  if (s.operation == 1 && (s.confirm & 0x02) && (old = take_entry (keypad, &out->error)) == NULL)
    return SIM_PINPAD_FAILED;
  if ((pin = take_entry (keypad, &out->error)) == NULL)
    return SIM_PINPAD_FAILED;
  if (s.operation == 1 && (s.confirm & 0x01) && (again = take_entry (keypad, &out->error)) == NULL)
    return SIM_PINPAD_FAILED;

  /* PC/SC part 10 §2.6.1: what the reader answers for itself. */
  if ((old != NULL && !length_ok (&s, old)) || !length_ok (&s, pin)
      || (again != NULL && !length_ok (&s, again)))
    {
      out->sw[0] = 0x64;
      out->sw[1] = 0x03; /* too short or too long */
      return SIM_PINPAD_STATUS;
    }
  if (again != NULL && !g_str_equal (pin, again))
    {
      out->sw[0] = 0x64;
      out->sw[1] = 0x02; /* the two new PINs differ */
      return SIM_PINPAD_STATUS;
    }

  out->apdu = g_byte_array_new ();
  g_byte_array_append (out->apdu, data + s.apdu, (guint) (len - s.apdu));
  if ((old != NULL && !put_pin (&s, out->apdu, s.offset_old, old, &out->error))
      || !put_pin (&s, out->apdu, s.operation == 1 ? s.offset_new : 0, pin, &out->error))
    {
      g_clear_pointer (&out->apdu, g_byte_array_unref);
      return SIM_PINPAD_FAILED;
    }
  return SIM_PINPAD_APDU;
}

/* sim-app.c: the ISO 7816-4 application every simulated card runs
 *
 * A flat file system: the MF (3F00), the application DF (selected by its
 * AID, SIM_APP_AID) and two transparent EFs, 0101 (16 bytes of text that
 * name the eSIM profile) and 0102 (4096 bytes). Commands: SELECT (by AID
 * and by FID), READ BINARY, UPDATE BINARY, GET CHALLENGE, VERIFY and
 * CHANGE REFERENCE DATA of one PIN (reference 81: "1234" in ASCII padded
 * with FFh to 8 bytes, 3 tries, 63 Cx while some are left, then 69 83), and
 * two proprietary ones (CLA 80): ECHO (EC) and LENGTH (E1, P1P2 bytes
 * back).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-app.h"

#include <string.h>

#define EF_SMALL_SIZE 16
#define EF_LARGE_SIZE 4096
#define PIN_TRIES 3

typedef enum
{
  CUR_MF,
  CUR_APP
} CurrentDf;

struct _SimApp
{
  guint profile;
  CurrentDf df;
  guint16 ef; /* 0: none */
  guint8 ef_small[EF_SMALL_SIZE];
  guint8 ef_large[EF_LARGE_SIZE];
  guint8 pin[SIM_APP_PIN_LEN];
  guint pin_tries; /* left */
  gboolean pin_verified;
};

typedef struct
{
  guint8 cla, ins, p1, p2;
  const guint8 *data;
  gsize nc;
  gsize ne;             /* 0: no Le field */
  gboolean le_wildcard; /* Le was 00 (or 0000): "as much as available" */
} Apdu;

SimApp *
sim_app_new (guint profile)
{
  SimApp *self = g_new0 (SimApp, 1);
  g_autofree char *text = g_strdup_printf ("SCARDBUS SIM P%u!", profile);

  self->profile = profile;
  memcpy (self->ef_small, text, MIN (strlen (text), sizeof self->ef_small));
  for (gsize i = 0; i < sizeof self->ef_large; i++)
    self->ef_large[i] = (guint8) (i % 251);
  memcpy (self->pin, SIM_APP_PIN, SIM_APP_PIN_LEN);
  self->pin_tries = PIN_TRIES;
  return self;
}

void
sim_app_free (SimApp *self)
{
  g_free (self);
}

void
sim_app_reset (SimApp *self)
{
  self->df = CUR_MF;
  self->ef = 0;
  self->pin_verified = FALSE;
}

gboolean
sim_app_ins_is_outgoing (guint8 cla, guint8 ins)
{
  if (cla == 0x80)
    return ins == SIM_APP_INS_LENGTH;
  return ins == 0xB0 || ins == 0x84 || ins == 0xC0 || ins == 0xCA;
}

/* ISO 7816-4 §5.1: the four cases, short and extended. */
static gboolean
parse_apdu (const guint8 *b, gsize len, Apdu *apdu)
{
  memset (apdu, 0, sizeof *apdu);
  if (len < 4)
    return FALSE;
  apdu->cla = b[0];
  apdu->ins = b[1];
  apdu->p1 = b[2];
  apdu->p2 = b[3];
  if (len == 4)
    return TRUE; /* case 1 */
  if (len == 5)
    {
      apdu->ne = b[4] ? b[4] : 256; /* case 2S */
      apdu->le_wildcard = b[4] == 0;
      return TRUE;
    }
  if (b[4] != 0)
    {
      apdu->nc = b[4];
      apdu->data = b + 5;
      if (len == 5 + apdu->nc)
        return TRUE; /* case 3S */
      if (len == 6 + apdu->nc)
        {
          guint8 le = b[len - 1];

          apdu->ne = le ? le : 256; /* case 4S */
          apdu->le_wildcard = le == 0;
          return TRUE;
        }
      return FALSE;
    }
  if (len == 7)
    {
      guint le = (guint) b[5] << 8 | b[6]; /* case 2E */

      apdu->ne = le ? le : 65536;
      apdu->le_wildcard = le == 0;
      return TRUE;
    }
  apdu->nc = (gsize) b[5] << 8 | b[6];
  if (apdu->nc == 0)
    return FALSE;
  apdu->data = b + 7;
  if (len == 7 + apdu->nc)
    return TRUE; /* case 3E */
  if (len == 9 + apdu->nc)
    {
      guint le = (guint) b[len - 2] << 8 | b[len - 1];

      apdu->ne = le ? le : 65536; /* case 4E */
      apdu->le_wildcard = le == 0;
      return TRUE;
    }
  return FALSE;
}

static GByteArray *
sw (GByteArray *r, guint16 status)
{
  guint8 b[2] = { status >> 8, status & 0xFF };

  if (r == NULL)
    r = g_byte_array_new ();
  g_byte_array_append (r, b, 2);
  return r;
}

static GByteArray *
data_sw (const guint8 *data, gsize len, guint16 status)
{
  GByteArray *r = g_byte_array_sized_new (len + 2);

  if (len > 0)
    g_byte_array_append (r, data, len);
  return sw (r, status);
}

static guint8 *
ef_data (SimApp *self, gsize *size)
{
  switch (self->ef)
    {
    case SIM_APP_EF_SMALL:
      *size = sizeof self->ef_small;
      return self->ef_small;
    case SIM_APP_EF_LARGE:
      *size = sizeof self->ef_large;
      return self->ef_large;
    default:
      *size = 0;
      return NULL;
    }
}

static GByteArray *
select_answer (SimApp *self, const Apdu *apdu, guint8 tag, gboolean is_df)
{
  GByteArray *r = g_byte_array_new ();
  guint8 head[2] = { tag, 0 };

  g_byte_array_append (r, head, 2);
  if (is_df)
    {
      guint8 name[2] = { 0x84, SIM_APP_AID_LEN };
      guint8 prop[5] = { 0xA5, 0x03, 0x80, 0x01, (guint8) self->profile };

      g_byte_array_append (r, name, 2);
      g_byte_array_append (r, (const guint8 *) SIM_APP_AID, SIM_APP_AID_LEN);
      g_byte_array_append (r, prop, sizeof prop);
    }
  else
    {
      gsize size;
      guint8 fcp[11]
          = { 0x80, 0x02, 0, 0, 0x82, 0x01, 0x01, 0x83, 0x02, self->ef >> 8, self->ef & 0xFF };

      ef_data (self, &size);
      fcp[2] = size >> 8;
      fcp[3] = size & 0xFF;
      g_byte_array_append (r, fcp, sizeof fcp);
    }
  r->data[1] = r->len - 2;
  if (apdu->ne != 0 && r->len > apdu->ne)
    g_byte_array_set_size (r, apdu->ne);
  return sw (r, 0x9000);
}

static GByteArray *
do_select (SimApp *self, const Apdu *apdu)
{
  gboolean is_df;
  guint8 tag;

  switch (apdu->p2 & 0x0C) /* ISO 7816-4 §11.1.1 Table 40 */
    {
    case 0x00:
      tag = 0x6F;
      break; /* FCI */
    case 0x04:
      tag = 0x62;
      break; /* FCP */
    case 0x0C:
      tag = 0;
      break; /* no response data */
    default:
      return sw (NULL, 0x6A86);
    }

  if (apdu->p1 == 0x04)
    {
      if (apdu->nc != SIM_APP_AID_LEN || memcmp (apdu->data, SIM_APP_AID, SIM_APP_AID_LEN) != 0)
        return sw (NULL, 0x6A82);
      self->df = CUR_APP;
      self->ef = 0;
      is_df = TRUE;
    }
  else if (apdu->p1 == 0x00 || apdu->p1 == 0x02)
    {
      guint16 fid;

      if (apdu->nc != 2)
        return sw (NULL, 0x6700);
      fid = (guint16) (apdu->data[0] << 8 | apdu->data[1]);
      if (fid == 0x3F00 && apdu->p1 == 0x00)
        {
          self->df = CUR_MF;
          self->ef = 0;
          is_df = TRUE;
        }
      else if (fid == SIM_APP_EF_SMALL || fid == SIM_APP_EF_LARGE)
        {
          self->ef = fid;
          is_df = FALSE;
        }
      else
        return sw (NULL, 0x6A82);
    }
  else
    return sw (NULL, 0x6A86);

  if (tag == 0)
    return sw (NULL, 0x9000);
  return select_answer (self, apdu, tag, is_df);
}

static GByteArray *
do_read_binary (SimApp *self, const Apdu *apdu)
{
  gsize size, offset, n;
  guint8 *data = ef_data (self, &size);

  if (data == NULL)
    return sw (NULL, 0x6986);
  if (apdu->p1 & 0x80)
    return sw (NULL, 0x6A81); /* short EF identifiers: not supported */
  if (apdu->nc != 0 || apdu->ne == 0)
    return sw (NULL, 0x6700);
  offset = (gsize) apdu->p1 << 8 | apdu->p2;
  if (offset >= size)
    return sw (NULL, 0x6B00);
  n = MIN (apdu->ne, size - offset);
  return data_sw (data + offset, n, n < apdu->ne && !apdu->le_wildcard ? 0x6282 : 0x9000);
}

static GByteArray *
do_update_binary (SimApp *self, const Apdu *apdu)
{
  gsize size, offset;
  guint8 *data = ef_data (self, &size);

  if (data == NULL)
    return sw (NULL, 0x6986);
  if (apdu->p1 & 0x80)
    return sw (NULL, 0x6A81);
  if (apdu->nc == 0)
    return sw (NULL, 0x6700);
  offset = (gsize) apdu->p1 << 8 | apdu->p2;
  if (offset > size || apdu->nc > size - offset)
    return sw (NULL, 0x6B00);
  memcpy (data + offset, apdu->data, apdu->nc);
  return sw (NULL, 0x9000);
}

static GByteArray *
do_get_challenge (const Apdu *apdu)
{
  GByteArray *r;

  if (apdu->p1 != 0 || apdu->p2 != 0)
    return sw (NULL, 0x6A86);
  if (apdu->nc != 0 || apdu->ne == 0 || apdu->ne > 256)
    return sw (NULL, 0x6700);
  r = g_byte_array_sized_new (apdu->ne + 2);
  for (gsize i = 0; i < apdu->ne; i++)
    {
      guint8 b = (guint8) g_random_int_range (0, 256);

      g_byte_array_append (r, &b, 1);
    }
  return sw (r, 0x9000);
}

static GByteArray *
do_length (const Apdu *apdu)
{
  gsize want = (gsize) apdu->p1 << 8 | apdu->p2;
  gsize n = MIN (want, apdu->ne);
  GByteArray *r = g_byte_array_sized_new (n + 2);

  if (apdu->nc != 0)
    return sw (NULL, 0x6700);
  g_byte_array_set_size (r, n);
  for (gsize i = 0; i < n; i++)
    r->data[i] = (guint8) i;
  return sw (r, n < want ? 0x6282 : 0x9000);
}

/* A wrong PIN costs a try (ISO 7816-4 §11.5.6: 63 Cx, x the tries left);
 * none left: 69 83. */
static GByteArray *
check_pin (SimApp *self, const guint8 *pin)
{
  if (self->pin_tries == 0)
    return sw (NULL, 0x6983);
  if (memcmp (pin, self->pin, SIM_APP_PIN_LEN) != 0)
    {
      self->pin_tries--;
      self->pin_verified = FALSE;
      return sw (NULL, self->pin_tries == 0 ? 0x6983 : 0x63C0 | self->pin_tries);
    }
  self->pin_tries = PIN_TRIES;
  self->pin_verified = TRUE;
  return NULL;
}

static GByteArray *
do_verify (SimApp *self, const Apdu *apdu)
{
  GByteArray *r;

  if (apdu->p1 != 0x00 || apdu->p2 != SIM_APP_PIN_REF)
    return sw (NULL, 0x6A88);
  if (apdu->nc == 0) /* the state: verified, or the tries left */
    {
      if (self->pin_tries == 0)
        return sw (NULL, 0x6983);
      return sw (NULL, self->pin_verified ? 0x9000 : 0x63C0 | self->pin_tries);
    }
  if (apdu->nc != SIM_APP_PIN_LEN)
    return sw (NULL, 0x6700);
  r = check_pin (self, apdu->data);
  return r != NULL ? r : sw (NULL, 0x9000);
}

/* P1 00: the current PIN then the new one, 8 bytes each. */
static GByteArray *
do_change_reference_data (SimApp *self, const Apdu *apdu)
{
  GByteArray *r;

  if (apdu->p1 != 0x00 || apdu->p2 != SIM_APP_PIN_REF)
    return sw (NULL, 0x6A88);
  if (apdu->nc != 2 * SIM_APP_PIN_LEN)
    return sw (NULL, 0x6700);
  r = check_pin (self, apdu->data);
  if (r != NULL)
    return r;
  memcpy (self->pin, apdu->data + SIM_APP_PIN_LEN, SIM_APP_PIN_LEN);
  return sw (NULL, 0x9000);
}

GByteArray *
sim_app_process (SimApp *self, const guint8 *bytes, gsize len)
{
  Apdu apdu;

  if (!parse_apdu (bytes, len, &apdu))
    return sw (NULL, 0x6700);

  if (apdu.cla == 0x80)
    {
      switch (apdu.ins)
        {
        case SIM_APP_INS_ECHO:
          return data_sw (apdu.data, MIN (apdu.nc, apdu.ne), 0x9000);
        case SIM_APP_INS_LENGTH:
          return do_length (&apdu);
        default:
          return sw (NULL, 0x6D00);
        }
    }
  if ((apdu.cla & 0xFC) != 0x00)
    return sw (NULL, 0x6E00);

  switch (apdu.ins)
    {
    case 0xA4:
      return do_select (self, &apdu);
    case 0xB0:
      return do_read_binary (self, &apdu);
    case 0xD6:
      return do_update_binary (self, &apdu);
    case 0x84:
      return do_get_challenge (&apdu);
    case 0x20:
      return do_verify (self, &apdu);
    case 0x24:
      return do_change_reference_data (self, &apdu);
    default:
      return sw (NULL, 0x6D00);
    }
}

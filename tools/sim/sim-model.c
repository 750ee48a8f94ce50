/* sim-model.c: the reader models and their USB descriptors
 *
 * Every model uses the identity of a reader libccid 1.5 lists in its
 * Info.plist (pcscd loads the driver by VID:PID), chosen among those
 * libccid applies no quirk to, so pcscd names it as it would the real one
 * (the Cherry ST-2xxx's only quirk is its PIN properties, which
 * FEATURE_GET_TLV_PROPERTIES shows). The class descriptor (CCID 1.1 §5.1)
 * is the model's own. The PIN pads (bPINSupport 3) are a real pad reader
 * of each exchange level that libccid serves as one: INGENICO Leo (with
 * its 2 x 16 display), the C3PO KBR36 keyboard, VASCO DIGIPASS 920; their
 * product strings are the Info.plist names, which pcscd and scardbusd
 * both show. Their user is sim-pinpad.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-model.h"

#include <string.h>

#define FEAT_AUTO                                                                                  \
  (SIM_FEAT_AUTO_PARAM_ATR | SIM_FEAT_AUTO_VOLTAGE | SIM_FEAT_AUTO_CLOCK | SIM_FEAT_AUTO_BAUD      \
   | SIM_FEAT_AUTO_PPS_CUR)

static const SimModel models[] = {
  { "tpdu", 0x08E6, 0x3437, 0x0201, "Gemalto", "PC Twin Reader", FEAT_AUTO | SIM_FEAT_LEVEL_TPDU,
    271, 1, TRUE, 0x0B, 0, 0, TRUE },
  { "short-apdu", 0x04E6, 0x5116, 0x0530, "SCM Microsystems Inc.", "SCR 3310",
    FEAT_AUTO | SIM_FEAT_AUTO_IFSD | SIM_FEAT_LEVEL_SHORT, 271, 1, TRUE, 0x0B, 0, 0, TRUE },
  { "extended-apdu", 0x046A, 0x003E, 0x0100, "Cherry GmbH", "SmartTerminal ST-2xxx",
    FEAT_AUTO | SIM_FEAT_AUTO_IFSD | SIM_FEAT_LEVEL_EXTENDED, 271, 1, TRUE, 0x0B, 0, 0, TRUE },
  { "multislot", 0x31AA, 0x3000, 0x0100, "Circle", "CIR315 Dual & 1S",
    FEAT_AUTO | SIM_FEAT_LEVEL_TPDU, 271, 2, TRUE, 0x0B, 0, 0, TRUE },
  { "no-interrupt", 0x08C3, 0x0402, 0x5101, "Precise Biometrics", "Precise 200 MC",
    FEAT_AUTO | SIM_FEAT_LEVEL_TPDU, 271, 1, FALSE, 0x0B, 0, 0, TRUE },
  { "pinpad", 0x0F14, 0x003B, 0x0102, "INGENICO", "Leo",
    FEAT_AUTO | SIM_FEAT_AUTO_IFSD | SIM_FEAT_LEVEL_SHORT, 271, 1, TRUE, 0x0B, 0, 0, TRUE, NULL,
    NULL, 0x0210, SIM_PIN_VERIFY | SIM_PIN_MODIFY },
  { "pinpad-tpdu", 0x0783, 0x0009, 0x0013, "C3PO", "KBR36", FEAT_AUTO | SIM_FEAT_LEVEL_TPDU, 271, 1,
    TRUE, 0x0B, 0, 0, TRUE, NULL, NULL, 0, SIM_PIN_VERIFY | SIM_PIN_MODIFY },
  { "pinpad-extended", 0x1A44, 0x0920, 0x0210, "VASCO", "DIGIPASS 920",
    FEAT_AUTO | SIM_FEAT_AUTO_IFSD | SIM_FEAT_LEVEL_EXTENDED, 271, 1, TRUE, 0x0B, 0, 0, TRUE, NULL,
    NULL, 0, SIM_PIN_VERIFY | SIM_PIN_MODIFY },
};

const SimModel *
sim_model_lookup (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_strcmp0 (models[i].name, name) == 0)
      return &models[i];
  return NULL;
}

char *
sim_model_list (void)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", models[i].name);
  return g_string_free (s, FALSE);
}

SimLevel
sim_model_get_level (const SimModel *model)
{
  switch (model->features & SIM_FEAT_LEVEL_MASK)
    {
    case SIM_FEAT_LEVEL_SHORT:
      return SIM_LEVEL_SHORT_APDU;
    case SIM_FEAT_LEVEL_EXTENDED:
      return SIM_LEVEL_EXTENDED_APDU;
    default:
      return SIM_LEVEL_TPDU;
    }
}

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xFF;
  p[1] = v >> 8;
}

static void
put32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xFF;
}

GBytes *
sim_model_device_descriptor (const SimModel *model)
{
  guint8 d[18] = { 18, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, SIM_EP_PACKET };

  put16 (d + 8, model->vendor_id);
  put16 (d + 10, model->product_id);
  put16 (d + 12, model->bcd_device);
  d[14] = model->manufacturer != NULL ? 1 : 0; /* iManufacturer */
  d[15] = model->product != NULL ? 2 : 0;      /* iProduct */
  d[16] = 0;                                   /* no serial number, as the real readers */
  d[17] = 1;                                   /* bNumConfigurations */
  return g_bytes_new (d, sizeof d);
}

guint
sim_model_n_endpoints (const SimModel *model)
{
  return (model->bulk ? 2 : 0) + (model->interrupt ? 1 : 0);
}

static void
model_class_descriptor (const SimModel *model, guint8 *c)
{
  if (model->class_descriptor != NULL)
    {
      memcpy (c, model->class_descriptor, 54);
      return;
    }
  c[0] = 54;
  c[1] = 0x21;
  put16 (c + 2, 0x0110);
  c[4] = model->n_slots - 1; /* bMaxSlotIndex */
  c[5] = 0x07;               /* 5 V, 3 V, 1.8 V */
  put32 (c + 6, 0x00000003); /* T=0, T=1 */
  put32 (c + 10, 4000);      /* dwDefaultClock, kHz */
  put32 (c + 14, 4000);      /* dwMaximumClock */
  c[18] = 0;                 /* bNumClockSupported */
  put32 (c + 19, 10752);     /* dwDataRate, bps */
  put32 (c + 23, 344086);    /* dwMaxDataRate */
  c[27] = 0;                 /* bNumDataRatesSupported */
  put32 (c + 28, 254);       /* dwMaxIFSD */
  put32 (c + 32, 0);         /* dwSynchProtocols */
  put32 (c + 36, 0);         /* dwMechanical */
  put32 (c + 40, model->features);
  put32 (c + 44, model->max_message);
  c[48] = 0xFF;
  c[49] = 0xFF; /* bClassGetResponse, bClassEnvelope */
  put16 (c + 50, model->lcd_layout);
  c[52] = model->pin_support;
  c[53] = 1; /* bMaxCCIDBusySlots */
}

static guint8 *
put_endpoint (guint8 *e, guint8 address, guint8 type, guint16 size, guint8 interval)
{
  e[0] = 7;
  e[1] = 0x05;
  e[2] = address;
  e[3] = type;
  put16 (e + 4, size);
  e[6] = interval;
  return e + 7;
}

GBytes *
sim_model_config_descriptor (const SimModel *model)
{
  guint n_endpoints = sim_model_n_endpoints (model);
  gsize total = 9 + 9 + 54 + 7 * n_endpoints;
  guint8 *d = g_malloc0 (total);
  guint8 *c = d + 18;
  guint8 *e = c + 54;

  d[0] = 9;
  d[1] = 0x02;
  put16 (d + 2, (guint16) total);
  d[4] = 1;
  d[5] = 1;
  d[6] = 0;
  d[7] = 0x80;
  d[8] = 50; /* 100 mA */
  d[9] = 9;
  d[10] = 0x04;
  d[11] = 0;
  d[12] = 0;
  d[13] = (guint8) n_endpoints;
  d[14] = model->interface_class;
  d[15] = model->interface_subclass;
  d[16] = model->interface_protocol;
  d[17] = model->interface_name != NULL ? 3 : 0; /* iInterface */

  model_class_descriptor (model, c);
  if (model->bulk)
    {
      e = put_endpoint (e, SIM_EP_BULK_OUT, 0x02, SIM_EP_PACKET, 0);
      e = put_endpoint (e, SIM_EP_BULK_IN, 0x02, SIM_EP_PACKET, 0);
    }
  if (model->interrupt)
    put_endpoint (e, SIM_EP_INT_IN, 0x03, 8, 16);
  return g_bytes_new_take (d, total);
}

GBytes *
sim_model_string_descriptor (const SimModel *model, guint8 index)
{
  const char *text;
  g_autofree gunichar2 *utf16 = NULL;
  glong n = 0;
  GByteArray *d;
  guint8 head[2] = { 0, 0x03 };

  if (index == 0)
    {
      static const guint8 langs[] = { 4, 0x03, 0x09, 0x04 }; /* en-US */
      return g_bytes_new_static (langs, sizeof langs);
    }
  if (index == 1)
    text = model->manufacturer;
  else if (index == 2)
    text = model->product;
  else if (index == 3)
    text = model->interface_name;
  else
    return NULL;
  if (text == NULL || (utf16 = g_utf8_to_utf16 (text, -1, NULL, &n, NULL)) == NULL)
    return NULL;

  /* USB 2.0 §9.6.7: UTF-16LE, at most 126 code units */
  d = g_byte_array_new ();
  g_byte_array_append (d, head, 2);
  for (glong i = 0; i < n && d->len < 254; i++)
    {
      guint8 ch[2] = { utf16[i] & 0xFF, utf16[i] >> 8 };
      g_byte_array_append (d, ch, 2);
    }
  d->data[0] = (guint8) d->len;
  return g_byte_array_free_to_bytes (d);
}

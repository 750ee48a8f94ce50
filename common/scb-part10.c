/* scb-part10.c: what a reader announces to PC/SC part 10 clients
 *
 * The readers named here are libccid's (ccid.h, ccid.c
 * ccid_open_hack_post, ifdhandler.c IFDHControl).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-part10.h"
#include "scb-control.h"

#define ID(vendor, product) ((guint32) (vendor) << 16 | (guint32) (product))
#define VENDOR_GEMALTO 0x08E6

#define GEMPCPINPAD ID (0x08E6, 0x3478)
#define VEGAALPHA ID (0x0982, 0x0008)
#define CHERRYST2000 ID (0x046A, 0x003E)
#define KOBIL_TRIBANK ID (0x0D46, 0x3010)
#define KOBIL_MIDENTITY_VISUAL ID (0x0D46, 0x4289)

/* The PIN pad is off: the keyboards that also send the PIN typed to the
 * host (HP USB Smart Card Keyboard, HP CCID keyboard, Fujitsu smart card
 * keyboard, C3PO LTC31 v2), and readers whose chip announces a pad they do
 * not have (OMNIKEY Aviator, 3x21, 6121, Cherry XX44, Fujitsu D323). */
static const guint32 no_pin_pad[] = {
  ID (0x03F0, 0x1024), ID (0x03F0, 0x0036), ID (0x0BF8, 0x1017),
  ID (0x0783, 0x0006), ID (0x076B, 0x3A21), ID (0x076B, 0x3031),
  ID (0x076B, 0x6632), ID (0x046A, 0x00A7), ID (0x0BF8, 0x1024),
};

static guint32
reader_id (const ScbPart10Reader *r)
{
  return ID (r->vendor_id, r->product_id);
}

guint8
scb_part10_pin_support (const ScbPart10Reader *reader)
{
  for (gsize i = 0; i < G_N_ELEMENTS (no_pin_pad); i++)
    if (reader_id (reader) == no_pin_pad[i])
      return 0;
  return reader->pin_support;
}

gboolean
scb_part10_wants_firmware_id (const ScbPart10Reader *reader)
{
  return reader->vendor_id == VENDOR_GEMALTO;
}

static void
add_feature (GByteArray *a, guint8 tag, guint32 code)
{
  guint8 tlv[6] = { tag, 4, code >> 24, (code >> 16) & 0xFF, (code >> 8) & 0xFF, code & 0xFF };

  g_byte_array_append (a, tlv, sizeof tlv);
}

GBytes *
scb_part10_features (const ScbPart10Reader *reader, gboolean escape)
{
  GByteArray *a = g_byte_array_new ();
  guint8 pin = scb_part10_pin_support (reader);
  guint32 id = reader_id (reader);

  if (pin & SCB_PIN_SUPPORT_VERIFY)
    add_feature (a, SCB_FEATURE_VERIFY_PIN_DIRECT, SCB_CTL_FEATURE (SCB_FEATURE_VERIFY_PIN_DIRECT));
  if (pin & SCB_PIN_SUPPORT_MODIFY)
    add_feature (a, SCB_FEATURE_MODIFY_PIN_DIRECT, SCB_CTL_FEATURE (SCB_FEATURE_MODIFY_PIN_DIRECT));
  if (pin != 0)
    add_feature (a, SCB_FEATURE_IFD_PIN_PROPERTIES,
                 SCB_CTL_FEATURE (SCB_FEATURE_IFD_PIN_PROPERTIES));
  if (id == KOBIL_TRIBANK || id == KOBIL_MIDENTITY_VISUAL)
    add_feature (a, SCB_FEATURE_MCT_READER_DIRECT, SCB_CTL_FEATURE (SCB_FEATURE_MCT_READER_DIRECT));
  add_feature (a, SCB_FEATURE_GET_TLV_PROPERTIES, SCB_CTL_FEATURE (SCB_FEATURE_GET_TLV_PROPERTIES));
  if (escape)
    add_feature (a, SCB_FEATURE_CCID_ESC_COMMAND, SCB_CTL_IFD_EXCHANGE);
  return g_byte_array_free_to_bytes (a);
}

static void
add_property (GByteArray *a, ScbProperty tag, guint32 value, guint8 size)
{
  guint8 t[2] = { tag, size };

  g_byte_array_append (a, t, 2);
  for (guint8 i = 0; i < size; i++)
    {
      guint8 b = (value >> (8 * i)) & 0xFF;

      g_byte_array_append (a, &b, 1);
    }
}

/* bMinPINSize, bMaxPINSize, bEntryValidationCondition */
static void
add_pin_sizes (GByteArray *a, guint8 min, guint8 max)
{
  add_property (a, SCB_PROPERTY_MIN_PIN_SIZE, min, 1);
  add_property (a, SCB_PROPERTY_MAX_PIN_SIZE, max, 1);
  add_property (a, SCB_PROPERTY_ENTRY_VALIDATION_CONDITION, 0x02, 1); /* validation key */
}

GBytes *
scb_part10_tlv_properties (const ScbPart10Reader *reader, gboolean escape, GBytes *firmware_id)
{
  GByteArray *a = g_byte_array_new ();
  guint32 id = reader_id (reader);
  guint32 max_apdu = 0; /* short APDUs only */

  add_property (a, SCB_PROPERTY_LCD_LAYOUT, reader->lcd_layout, 2);
  if (reader->lcd_layout != 0)
    {
      add_property (a, SCB_PROPERTY_LCD_MAX_CHARACTERS, reader->lcd_layout & 0xFF, 2);
      add_property (a, SCB_PROPERTY_LCD_MAX_LINES, reader->lcd_layout >> 8, 2);
    }
  /* The reader does not tell bTimeOut from bTimeOut2. */
  add_property (a, SCB_PROPERTY_TIMEOUT2, 0, 1);
  if (firmware_id != NULL)
    {
      gsize n = MIN (g_bytes_get_size (firmware_id), SCB_PART10_MAX_FIRMWARE_ID);
      guint8 t[2] = { SCB_PROPERTY_FIRMWARE_ID, (guint8) n };

      g_byte_array_append (a, t, 2);
      g_byte_array_append (a, g_bytes_get_data (firmware_id, NULL), (guint) n);
    }
  if ((id == GEMPCPINPAD && reader->bcd_device == 0x0100) || id == VEGAALPHA)
    add_pin_sizes (a, 4, 8);
  if (id == CHERRYST2000)
    add_pin_sizes (a, 0, 25);
  add_property (a, SCB_PROPERTY_PPDU_SUPPORT, escape ? 1 : 0, 1);
  add_property (a, SCB_PROPERTY_ID_VENDOR, reader->vendor_id, 2);
  add_property (a, SCB_PROPERTY_ID_PRODUCT, reader->product_id, 2);
  /* TPDU and extended APDU readers carry any APDU. */
  if (reader->features & (SCB_PART10_LEVEL_TPDU | SCB_PART10_LEVEL_EXTENDED))
    max_apdu = 0x10000;
  add_property (a, SCB_PROPERTY_MAX_APDU_DATA_SIZE, max_apdu, 4);
  return g_byte_array_free_to_bytes (a);
}

GBytes *
scb_part10_pin_properties (const ScbPart10Reader *reader)
{
  guint32 id = reader_id (reader);
  guint8 validation = 0x07; /* any: max size, key, timeout */
  guint8 p[4] = { reader->lcd_layout & 0xFF, reader->lcd_layout >> 8, 0, 0 };

  if (id == GEMPCPINPAD || id == VEGAALPHA || id == CHERRYST2000)
    validation = 0x02;
  p[2] = validation;
  return g_bytes_new (p, sizeof p);
}

gboolean
scb_part10_find_property (const guint8 *tlv, gsize len, ScbProperty tag, guint32 *value)
{
  gsize i = 0;

  while (i + 2 <= len)
    {
      guint8 n = tlv[i + 1];

      if (i + 2 + n > len)
        return FALSE;
      if (tlv[i] == tag)
        {
          if (n > 4)
            return FALSE;
          *value = 0;
          for (guint8 k = 0; k < n; k++)
            *value |= (guint32) tlv[i + 2 + k] << (8 * k);
          return TRUE;
        }
      i += 2 + n;
    }
  return FALSE;
}

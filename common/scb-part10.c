/* scb-part10.c: what a reader announces to PC/SC part 10 clients
 *
 * The readers named here are libccid's (ccid.h, ccid.c
 * ccid_open_hack_post, ifdhandler.c IFDHControl).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-part10.h"
#include "scb-control.h"
#include "scb-error.h"

#include <string.h>

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

gboolean
scb_part10_pin_sizes (const ScbPart10Reader *reader, guint8 *min, guint8 *max)
{
  guint32 id = reader_id (reader);

  if ((id == GEMPCPINPAD && reader->bcd_device == 0x0100) || id == VEGAALPHA)
    {
      *min = 4;
      *max = 8;
      return TRUE;
    }
  if (id == CHERRYST2000)
    {
      *min = 0;
      *max = 25;
      return TRUE;
    }
  return FALSE;
}

GBytes *
scb_part10_tlv_properties (const ScbPart10Reader *reader, gboolean escape, GBytes *firmware_id)
{
  GByteArray *a = g_byte_array_new ();
  guint32 max_apdu = 0; /* short APDUs only */
  guint8 min = 0, max = 0;

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
  if (scb_part10_pin_sizes (reader, &min, &max))
    {
      add_property (a, SCB_PROPERTY_MIN_PIN_SIZE, min, 1);
      add_property (a, SCB_PROPERTY_MAX_PIN_SIZE, max, 1);
      add_property (a, SCB_PROPERTY_ENTRY_VALIDATION_CONDITION, 0x02, 1); /* validation key */
    }
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

/* ---- VerifyPin and ModifyPin ---------------------------------------------- */

#define TEMPLATE_MIN 4
#define TEMPLATE_MAX 255
#define NIBBLE_MAX 15

static gboolean
get_uint (GVariant *value, const char *key, guint max, guint *out, GError **error)
{
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) || g_variant_get_uint32 (value) > max)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "Option \"%s\" is a number (u) from 0 to %u", key, max);
      return FALSE;
    }
  *out = g_variant_get_uint32 (value);
  return TRUE;
}

static gboolean
get_boolean (GVariant *value, const char *key, gboolean *out, GError **error)
{
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER, "Option \"%s\" is a boolean (b)",
                   key);
      return FALSE;
    }
  *out = g_variant_get_boolean (value);
  return TRUE;
}

/* "format" and "justify" */
static gboolean
get_word (GVariant *value, const char *key, const char *const *words, guint *out, GError **error)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    for (guint i = 0; words[i] != NULL; i++)
      if (g_str_equal (g_variant_get_string (value, NULL), words[i]))
        {
          *out = i;
          return TRUE;
        }
  g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
               "Option \"%s\" is one of \"%s\", \"%s\"%s%s%s", key, words[0], words[1],
               words[2] ? ", \"" : "", words[2] ? words[2] : "", words[2] ? "\"" : "");
  return FALSE;
}

static gboolean
parse_option (const char *key, GVariant *value, gboolean modify, ScbPinOptions *o,
              gboolean *new_given, GError **error)
{
  static const char *const formats[] = { "binary", "bcd", "ascii", NULL };
  static const char *const sides[] = { "left", "right", NULL };
  guint u = 0;

  if (g_str_equal (key, "format"))
    {
      if (!get_word (value, key, formats, &u, error))
        return FALSE;
      o->format = (ScbPinFormat) u;
      return TRUE;
    }
  if (g_str_equal (key, "justify"))
    {
      if (!get_word (value, key, sides, &u, error))
        return FALSE;
      o->right = u == 1;
      return TRUE;
    }
  if (g_str_equal (key, "position"))
    return get_uint (value, key, NIBBLE_MAX, &o->position, error);
  if (g_str_equal (key, "block-size"))
    return get_uint (value, key, NIBBLE_MAX, &o->block_size, error);
  if (g_str_equal (key, "length-bits"))
    return get_uint (value, key, NIBBLE_MAX, &o->length_bits, error);
  if (g_str_equal (key, "length-position"))
    return get_uint (value, key, NIBBLE_MAX, &o->length_position, error);
  if (g_str_equal (key, "min-digits"))
    return get_uint (value, key, G_MAXUINT8, &o->min_digits, error);
  if (g_str_equal (key, "max-digits"))
    return get_uint (value, key, G_MAXUINT8, &o->max_digits, error);
  if (g_str_equal (key, "timeout"))
    return get_uint (value, key, G_MAXUINT8, &o->timeout, error);
  if (g_str_equal (key, "language"))
    {
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
        {
          g_set_error_literal (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                               "Option \"language\" is a LANGID (q)");
          return FALSE;
        }
      o->language = g_variant_get_uint16 (value);
      return TRUE;
    }
  if (modify && g_str_equal (key, "new-position"))
    {
      *new_given = TRUE;
      return get_uint (value, key, TEMPLATE_MAX, &o->new_position, error);
    }
  if (modify && g_str_equal (key, "current-pin"))
    return get_boolean (value, key, &o->current_pin, error);
  if (modify && g_str_equal (key, "confirm"))
    return get_boolean (value, key, &o->confirm, error);
  g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER, "Unknown option \"%s\"", key);
  return FALSE;
}

gboolean
scb_part10_pin_options_parse (GVariant *options, gboolean modify, ScbPinOptions *out,
                              GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  gboolean new_given = FALSE;

  *out = (ScbPinOptions){
    .format = SCB_PIN_FORMAT_ASCII,
    .block_size = 8,
    .min_digits = 4,
    .max_digits = 8,
    .language = 0x0409,
    .current_pin = TRUE,
    .confirm = TRUE,
  };
  if (options != NULL)
    {
      g_variant_iter_init (&iter, options);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          gboolean ok = parse_option (key, value, modify, out, &new_given, error);

          g_variant_unref (value);
          if (!ok)
            return FALSE;
        }
    }
  if (!new_given)
    out->new_position = out->position + out->block_size;
  if (out->min_digits > out->max_digits)
    {
      g_set_error_literal (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                           "\"min-digits\" is above \"max-digits\"");
      return FALSE;
    }
  if (modify && out->new_position < out->position)
    {
      g_set_error_literal (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                           "\"new-position\" is before \"position\"");
      return FALSE;
    }
  return TRUE;
}

static void
put32_le (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

GBytes *
scb_part10_pin_structure (gboolean modify, GBytes *template_apdu, const ScbPinOptions *o,
                          GError **error)
{
  gsize len = 0;
  const guint8 *apdu = g_bytes_get_data (template_apdu, &len);
  gsize data = len >= 7 && apdu[4] == 0 ? 7 : 5; /* the first byte after Lc */
  gsize room = len > data ? len - data : 0;
  gsize header = modify ? 24 : 19;
  gsize last = (modify ? o->new_position : o->position) + MAX (o->block_size, 1);
  guint8 *s;
  gsize i = 0;
  guint8 messages;

  if (len < TEMPLATE_MIN || len > TEMPLATE_MAX)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "A PIN template has %u to %u bytes, not %" G_GSIZE_FORMAT, TEMPLATE_MIN,
                   TEMPLATE_MAX, len);
      return NULL;
    }
  if (last > room || (o->length_bits > 0 && (o->length_position + o->length_bits + 7) / 8 > room))
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "The template has %" G_GSIZE_FORMAT
                   " data bytes, no room for the PIN up to byte %" G_GSIZE_FORMAT,
                   room, last);
      return NULL;
    }
  s = g_malloc0 (header + len);
  s[i++] = (guint8) o->timeout; /* bTimerOut */
  s[i++] = 0;                   /* bTimerOut2 */
  s[i++] = (guint8) (0x80 | o->position << 3 | (o->right ? 0x04 : 0) | o->format);
  s[i++] = (guint8) (o->length_bits << 4 | o->block_size);
  s[i++] = (guint8) o->length_position; /* in bits */
  if (modify)
    {
      s[i++] = 0;                                        /* bInsertionOffsetOld */
      s[i++] = (guint8) (o->new_position - o->position); /* bInsertionOffsetNew */
    }
  s[i++] = (guint8) o->max_digits; /* wPINMaxExtraDigit: XXYY, min then max */
  s[i++] = (guint8) o->min_digits;
  if (modify)
    s[i++] = (guint8) ((o->confirm ? 0x01 : 0) | (o->current_pin ? 0x02 : 0)); /* bConfirmPIN */
  s[i++] = 0x02; /* bEntryValidationCondition: the validation key */
  messages = modify ? (guint8) (1 + (o->current_pin ? 1 : 0) + (o->confirm ? 1 : 0)) : 1;
  s[i++] = messages; /* bNumberMessage */
  s[i++] = o->language & 0xFF;
  s[i++] = o->language >> 8;
  s[i++] = 0; /* bMsgIndex(1): "enter PIN" or the current one */
  if (modify)
    {
      s[i++] = 1; /* bMsgIndex2: the new one */
      s[i++] = 2; /* bMsgIndex3: again */
    }
  i += 3; /* bTeoPrologue: the daemon fills it for T=1 TPDU readers */
  put32_le (s + i, (guint32) len);
  i += 4;
  memcpy (s + i, apdu, len);
  return g_bytes_new_take (s, header + len);
}

const char *
scb_part10_operation (guint32 code)
{
  if (code == SCB_CTL_FEATURE (SCB_FEATURE_VERIFY_PIN_DIRECT))
    return "verify";
  if (code == SCB_CTL_FEATURE (SCB_FEATURE_MODIFY_PIN_DIRECT))
    return "modify";
  return NULL;
}

const char *
scb_part10_entry_result (GBytes *response)
{
  gsize len = 0;
  const guint8 *sw = response != NULL ? g_bytes_get_data (response, &len) : NULL;

  if (sw == NULL)
    return "failed";
  if (len == 2 && sw[0] == 0x64 && sw[1] == 0x00)
    return "timeout";
  if (len == 2 && sw[0] == 0x64 && sw[1] == 0x01)
    return "cancelled";
  if (len == 2 && sw[0] == 0x64 && (sw[1] == 0x02 || sw[1] == 0x03))
    return "rejected";
  return "completed";
}

gboolean
scb_part10_handles (guint32 code)
{
  return code == SCB_CTL_GET_FEATURE_REQUEST || code == SCB_CTL_GET_FEATURE_REQUEST_WINDOWS
         || code == SCB_CTL_FEATURE (SCB_FEATURE_GET_TLV_PROPERTIES)
         || code == SCB_CTL_FEATURE (SCB_FEATURE_IFD_PIN_PROPERTIES)
         || code == SCB_CTL_FEATURE (SCB_FEATURE_VERIFY_PIN_DIRECT)
         || code == SCB_CTL_FEATURE (SCB_FEATURE_MODIFY_PIN_DIRECT);
}

/* scardctl-output.c: JSON, hex, colours and reader descriptions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scardctl.h"

#include <stdio.h>

/* JSON from a GVariant: a{sv} objects, arrays, strings, numbers, booleans;
 * a maybe without a value is null. */
static void
append_json (GString *out, GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr (GVariant) inner = g_variant_get_variant (value);

      append_json (out, inner);
    }
  else if (g_variant_type_is_maybe (type))
    {
      g_autoptr (GVariant) inner = g_variant_get_maybe (value);

      if (inner == NULL)
        g_string_append (out, "null");
      else
        append_json (out, inner);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    {
      GVariantIter iter;
      const char *key;
      GVariant *child;
      gboolean first = TRUE;

      g_string_append_c (out, '{');
      g_variant_iter_init (&iter, value);
      while (g_variant_iter_loop (&iter, "{&sv}", &key, &child))
        {
          g_autoptr (GVariant) name = g_variant_new_string (key);

          if (!first)
            g_string_append (out, ", ");
          first = FALSE;
          append_json (out, g_variant_ref_sink (name));
          g_string_append (out, ": ");
          append_json (out, child);
        }
      g_string_append_c (out, '}');
    }
  else if (g_variant_type_is_array (type))
    {
      gsize n = g_variant_n_children (value);

      g_string_append_c (out, '[');
      for (gsize i = 0; i < n; i++)
        {
          g_autoptr (GVariant) child = g_variant_get_child_value (value, i);

          if (i > 0)
            g_string_append (out, ", ");
          append_json (out, child);
        }
      g_string_append_c (out, ']');
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)
           || g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
    {
      const char *s = g_variant_get_string (value, NULL);

      g_string_append_c (out, '"');
      for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_printf (out, "\\%c", *p);
          else if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
      g_string_append_c (out, '"');
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    g_string_append_printf (out, "%u", g_variant_get_byte (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    g_string_append_printf (out, "%u", g_variant_get_uint16 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    g_string_append_printf (out, "%u", g_variant_get_uint32 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    g_string_append_printf (out, "%d", g_variant_get_int32 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    g_string_append_printf (out, "%.6f", g_variant_get_double (value));
  else
    g_string_append (out, "null");
}

char *
scardctl_json (GVariant *value)
{
  GString *out = g_string_new (NULL);

  g_variant_ref_sink (value);
  append_json (out, value);
  g_variant_unref (value);
  return g_string_free (out, FALSE);
}

void
scardctl_print_json (GVariant *value)
{
  g_autofree char *text = scardctl_json (value);

  g_print ("%s\n", text);
  fflush (stdout);
}

const char *
scardctl_sgr (Scardctl *ctl, const char *code)
{
  if (!ctl->color)
    return "";
  if (g_str_equal (code, "bold"))
    return "\033[1m";
  if (g_str_equal (code, "green"))
    return "\033[32m";
  if (g_str_equal (code, "red"))
    return "\033[31m";
  if (g_str_equal (code, "yellow"))
    return "\033[33m";
  if (g_str_equal (code, "dim"))
    return "\033[2m";
  if (g_str_equal (code, "cyan"))
    return "\033[36m";
  return "\033[0m";
}

char *
scardctl_hex (GBytes *bytes, const char *separator)
{
  gsize len = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;
  GString *out = g_string_sized_new (len * 3);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%s%02X", i > 0 ? separator : "", data[i]);
  return g_string_free (out, FALSE);
}

/* Hex digits with any spaces, colons or a 0x prefix per byte:
 * "00 A4 04 00", "00a40400", "3B:8E", "0x3B 0x8E". */
GBytes *
scardctl_parse_hex (const char *text, GError **error)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  int high = -1;

  for (const char *p = text; *p != '\0'; p++)
    {
      int digit;

      if (g_ascii_isspace (*p) || *p == ':')
        {
          if (high >= 0)
            {
              g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                           "“%s” splits a byte between two hex digits", text);
              return NULL;
            }
          continue;
        }
      if (*p == '0' && (p[1] == 'x' || p[1] == 'X') && high < 0)
        {
          p++;
          continue;
        }
      digit = g_ascii_xdigit_value (*p);
      if (digit < 0)
        {
          g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                       "“%s” is not hexadecimal (at “%c”)", text, *p);
          return NULL;
        }
      if (high < 0)
        high = digit;
      else
        {
          guint8 byte = (guint8) (high << 4 | digit);

          g_byte_array_append (bytes, &byte, 1);
          high = -1;
        }
    }
  if (high >= 0)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "“%s” has an odd number of hex digits", text);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* The Reader.State bits by their names, the GType's nicks ("empty", "inuse"). */
GVariant *
scardctl_state_variant (guint32 state)
{
  g_autoptr (GFlagsClass) klass = g_type_class_ref (SCB_TYPE_READER_STATE);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < klass->n_values; i++)
    {
      if (klass->values[i].value != 0 && (state & klass->values[i].value))
        g_variant_builder_add (&builder, "s", klass->values[i].value_nick);
    }
  return g_variant_builder_end (&builder);
}

char *
scardctl_state_string (guint32 state)
{
  g_autoptr (GVariant) words = g_variant_ref_sink (scardctl_state_variant (state));
  g_autofree const char **strv = g_variant_get_strv (words, NULL);

  return strv[0] != NULL ? g_strjoinv (" ", (char **) strv) : g_strdup ("unknown");
}

gint
scardctl_reader_index (Scardctl *ctl, ScbClientReader *reader)
{
  g_autoptr (GPtrArray) readers = scb_client_get_readers (ctl->client);
  guint index;

  return g_ptr_array_find (readers, reader, &index) ? (gint) index : -1;
}

GVariant *
scardctl_reader_variant (ScbClientReader *reader, gint index)
{
  GVariantDict dict;
  ScbClientCard *card = scb_client_reader_get_card (reader);
  g_autofree char *atr = scardctl_hex (scb_client_reader_get_atr (reader), "");

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "index", "i", index);
  g_variant_dict_insert (&dict, "name", "s", scb_client_reader_get_name (reader));
  g_variant_dict_insert (&dict, "path", "s", scb_client_reader_get_object_path (reader));
  g_variant_dict_insert (&dict, "vendor_id", "u", scb_client_reader_get_vendor_id (reader));
  g_variant_dict_insert (&dict, "product_id", "u", scb_client_reader_get_product_id (reader));
  g_variant_dict_insert (&dict, "serial", "s", scb_client_reader_get_serial (reader));
  g_variant_dict_insert (&dict, "slot", "u", scb_client_reader_get_slot (reader));
  g_variant_dict_insert (&dict, "exchange_level", "s",
                         scb_client_reader_get_exchange_level (reader));
  g_variant_dict_insert_value (&dict, "state",
                               scardctl_state_variant (scb_client_reader_get_state (reader)));
  g_variant_dict_insert (&dict, "state_bits", "u", scb_client_reader_get_state (reader));
  g_variant_dict_insert (&dict, "card_events", "u", scb_client_reader_get_card_events (reader));
  g_variant_dict_insert (&dict, "nad", "u", scb_client_reader_get_nad (reader));
  g_variant_dict_insert_value (&dict, "pin_pad", scb_client_reader_get_pin_pad (reader));
  g_variant_dict_insert (&dict, "card", "ms",
                         card != NULL ? scb_client_card_get_object_path (card) : NULL);
  g_variant_dict_insert (&dict, "atr", "ms", atr[0] != '\0' ? atr : NULL);
  if (card != NULL)
    {
      g_variant_dict_insert (&dict, "protocols", "^as", scb_client_card_get_protocols (card));
      g_variant_dict_insert (&dict, "inserted_event", "u",
                             scb_client_card_get_inserted_event (card));
    }
  return g_variant_dict_end (&dict);
}

/* "PIN pad: verify, modify; display 2 x 16" */
static void
print_pin_pad (ScbClientReader *reader)
{
  g_autoptr (GVariant) pad = scb_client_reader_get_pin_pad (reader);
  g_autoptr (GString) line = g_string_new (NULL);
  gboolean verify = FALSE, modify = FALSE;
  guint8 lines = 0, characters = 0, min = 0, max = 0;

  if (g_variant_n_children (pad) == 0)
    return;
  g_variant_lookup (pad, "verify", "b", &verify);
  g_variant_lookup (pad, "modify", "b", &modify);
  g_string_append_printf (line, "%s%s%s", verify ? "verify" : "", verify && modify ? ", " : "",
                          modify ? "modify" : "");
  if (g_variant_lookup (pad, "display-lines", "y", &lines)
      && g_variant_lookup (pad, "display-characters", "y", &characters))
    g_string_append_printf (line, "; display %u x %u", lines, characters);
  if (g_variant_lookup (pad, "min-digits", "y", &min)
      && g_variant_lookup (pad, "max-digits", "y", &max))
    g_string_append_printf (line, "; %u to %u digits", min, max);
  g_print ("   PIN pad: %s\n", line->str);
}

void
scardctl_print_reader (Scardctl *ctl, ScbClientReader *reader, gint index, gboolean details)
{
  guint32 state = scb_client_reader_get_state (reader);
  ScbClientCard *card = scb_client_reader_get_card (reader);
  g_autofree char *atr = scardctl_hex (scb_client_reader_get_atr (reader), " ");
  g_autofree char *words = scardctl_state_string (state);
  const char *color = (state & SCB_READER_STATE_PRESENT) ? "green" : "dim";

  g_print ("%d: %s%s%s\n", index, scardctl_sgr (ctl, "bold"), scb_client_reader_get_name (reader),
           scardctl_sgr (ctl, "reset"));
  g_print ("   state:  %s%s%s\n", scardctl_sgr (ctl, color), words, scardctl_sgr (ctl, "reset"));
  if (atr[0] != '\0')
    g_print ("   ATR:    %s\n", atr);
  if (!details)
    return;
  g_print ("   path:   %s\n", scb_client_reader_get_object_path (reader));
  g_print ("   USB:    %04x:%04x serial \"%s\" slot %u\n", scb_client_reader_get_vendor_id (reader),
           scb_client_reader_get_product_id (reader), scb_client_reader_get_serial (reader),
           scb_client_reader_get_slot (reader));
  g_print ("   level:  %s\n", scb_client_reader_get_exchange_level (reader));
  g_print ("   events: %u\n", scb_client_reader_get_card_events (reader));
  g_print ("   NAD:    0x%02X\n", scb_client_reader_get_nad (reader));
  print_pin_pad (reader);
  if (card != NULL)
    {
      g_autofree char *protocols = g_strjoinv (" ", (char **) scb_client_card_get_protocols (card));

      g_print ("   card:   %s (inserted at event %u, protocols %s)\n",
               scb_client_card_get_object_path (card), scb_client_card_get_inserted_event (card),
               protocols[0] != '\0' ? protocols : "none");
    }
}

/* ISO 7816-4 §5.6 status words, the common ones. */
const char *
scardctl_sw_meaning (guint8 sw1, guint8 sw2)
{
  guint16 sw = (guint16) (sw1 << 8 | sw2);

  switch (sw)
    {
    case 0x9000:
      return "Normal processing";
    case 0x6281:
      return "Part of returned data may be corrupted";
    case 0x6282:
      return "End of file reached before reading Le bytes";
    case 0x6700:
      return "Wrong length";
    case 0x6882:
      return "Secure messaging not supported";
    case 0x6982:
      return "Security status not satisfied";
    case 0x6983:
      return "Authentication method blocked";
    case 0x6985:
      return "Conditions of use not satisfied";
    case 0x6986:
      return "Command not allowed (no current EF)";
    case 0x6A80:
      return "Incorrect parameters in the data field";
    case 0x6A81:
      return "Function not supported";
    case 0x6A82:
      return "File or application not found";
    case 0x6A86:
      return "Incorrect parameters P1-P2";
    case 0x6A88:
      return "Referenced data not found";
    case 0x6B00:
      return "Wrong parameters P1-P2";
    case 0x6D00:
      return "Instruction code not supported or invalid";
    case 0x6E00:
      return "Class not supported";
    case 0x6F00:
      return "No precise diagnosis";
    default:
      break;
    }
  switch (sw1)
    {
    case 0x61:
      return "More data available (GET RESPONSE)";
    case 0x63:
      return sw2 >= 0xC0 ? "Verification failed, counter in SW2 low nibble"
                         : "Warning: state of non-volatile memory changed";
    case 0x6C:
      return "Wrong Le: SW2 gives the exact length";
    case 0x62:
      return "Warning: state of non-volatile memory unchanged";
    case 0x64:
      return "Execution error: state of non-volatile memory unchanged";
    case 0x65:
      return "Execution error: state of non-volatile memory changed";
    default:
      return NULL;
    }
}

/* scardctl-atr.c: scardctl atr, ISO 7816-3 §8 decoding of an Answer To Reset
 *
 * The parsing is service/proto/atr.c, the daemon's own parser; this file
 * only explains its result, and looks the ATR up in pcsc-tools'
 * smartcard_list.txt when one is installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scardctl.h"
#include "atr.h"

#include <string.h>

/* Where pcsc-tools' ATR_analysis looks, in its order. */
static char **
smartcard_list_paths (void)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const char *override = g_getenv ("SCARDCTL_SMARTCARD_LIST");

  if (override != NULL)
    {
      g_strv_builder_add (builder, override);
      return g_strv_builder_end (builder);
    }
  g_autofree char *cache
      = g_build_filename (g_get_home_dir (), ".cache", "smartcard_list.txt", NULL);
  g_autofree char *home = g_build_filename (g_get_home_dir (), ".smartcard_list.txt", NULL);

  g_strv_builder_add (builder, cache);
  g_strv_builder_add (builder, home);
  g_strv_builder_add (builder, "/usr/local/pcsc/smartcard_list.txt");
  g_strv_builder_add (builder, "/usr/share/pcsc/smartcard_list.txt");
  g_strv_builder_add (builder, "/usr/local/share/pcsc/smartcard_list.txt");
  return g_strv_builder_end (builder);
}

/* The list: an ATR regular expression at the start of a line, then its
 * descriptions on lines that start with a tab. Returns a{sas}-like pairs in
 * a GVariant "a(sas)". */
static GVariant *
lookup_known_cards (const char *atr_text)
{
  g_auto (GStrv) paths = smartcard_list_paths ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GVariantBuilder matches;

  g_variant_builder_init (&matches, G_VARIANT_TYPE ("a(sas)"));
  for (guint p = 0; paths[p] != NULL; p++)
    {
      g_autofree char *contents = NULL;
      g_auto (GStrv) lines = NULL;

      if (!g_file_get_contents (paths[p], &contents, NULL, NULL))
        continue;
      lines = g_strsplit (contents, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_autoptr (GRegex) regex = NULL;
          g_autofree char *anchored = NULL;
          GVariantBuilder descriptions;
          const char *line = lines[i];

          if (line[0] == '\0' || line[0] == '#' || line[0] == '\t' || line[0] == ' ')
            continue;
          anchored = g_strdup_printf ("^(?:%s)$", g_strchomp (lines[i]));
          regex = g_regex_new (anchored, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
          if (regex == NULL || !g_regex_match (regex, atr_text, 0, NULL)
              || g_hash_table_contains (seen, line))
            continue;
          g_hash_table_add (seen, g_strdup (line));
          g_variant_builder_init (&descriptions, G_VARIANT_TYPE_STRING_ARRAY);
          for (guint j = i + 1; lines[j] != NULL && lines[j][0] == '\t'; j++)
            g_variant_builder_add (&descriptions, "s", g_strstrip (lines[j]));
          g_variant_builder_add (&matches, "(sas)", line, &descriptions);
        }
    }
  return g_variant_builder_end (&matches);
}

static char *
byte_meaning (const atr_info *info, char kind, unsigned group, uint8_t value)
{
  /* The protocol the group's bytes belong to: T of the previous TD. */
  unsigned t = group >= 2 ? info->td[group - 2] & 0x0f : 0;

  switch (kind)
    {
    case 'A':
      if (group == 1)
        return g_strdup_printf ("Fi=%u, Di=%u, fmax %u kHz%s", atr_fi_value (value >> 4),
                                atr_di_value (value & 0x0f), atr_fmax_khz (value >> 4),
                                info->ta1_rfu ? " (RFU value: defaults apply)" : "");
      if (group == 2)
        return g_strdup_printf ("specific mode, T=%u, %s, parameters %s", value & 0x0f,
                                value & 0x80 ? "cannot change" : "can change",
                                value & 0x10 ? "implicit" : "from TA1");
      if (t == 1)
        return g_strdup_printf ("IFSC %u", value);
      if (t == 15)
        return g_strdup_printf ("class indicator 0x%02X, clock stop %u", value & 0x3f, value >> 6);
      return g_strdup ("");
    case 'B':
      if (group <= 2)
        return g_strdup ("programming voltage (deprecated)");
      if (t == 1)
        return g_strdup_printf ("BWI %u, CWI %u", value >> 4, value & 0x0f);
      return g_strdup ("");
    case 'C':
      if (group == 1)
        return g_strdup_printf ("extra guard time N=%u", value);
      if (group == 2)
        return g_strdup_printf ("waiting time integer WI=%u (T=0)", value);
      if (t == 1)
        return g_strdup_printf ("EDC %s", value & 1 ? "CRC" : "LRC");
      return g_strdup ("");
    case 'D':
    default:
      return g_strstrip (g_strdup_printf ("protocol T=%u, next group: %s%s%s%s%s", value & 0x0f,
                                          value & 0x10 ? "TA " : "", value & 0x20 ? "TB " : "",
                                          value & 0x40 ? "TC " : "", value & 0x80 ? "TD " : "",
                                          (value & 0xf0) == 0 ? "none" : ""));
    }
}

static void
describe_interface_bytes (const atr_info *info, GVariantDict *json, gboolean print)
{
  static const char kinds[] = { 'A', 'B', 'C', 'D' };

  for (unsigned g = 1; g <= info->n_groups && g <= ATR_MAX_GROUPS; g++)
    {
      const uint32_t present[]
          = { info->ta_present, info->tb_present, info->tc_present, info->td_present };
      const uint8_t values[]
          = { info->ta[g - 1], info->tb[g - 1], info->tc[g - 1], info->td[g - 1] };

      for (unsigned k = 0; k < 4; k++)
        {
          g_autofree char *name = NULL;
          g_autofree char *meaning = NULL;
          char hex[3];

          if ((present[k] & (1u << (g - 1))) == 0)
            continue;
          name = g_strdup_printf ("T%c%u", kinds[k], g);
          meaning = byte_meaning (info, kinds[k], g, values[k]);
          g_snprintf (hex, sizeof hex, "%02X", values[k]);
          if (print)
            g_print ("  %-4s= %s  %s\n", name, hex, meaning);
          if (json != NULL)
            g_variant_dict_insert (json, name, "s", hex);
        }
    }
}

static GVariant *
protocols_variant (const atr_info *info)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("au"));
  for (unsigned t = 0; t < 15; t++)
    {
      if (atr_offers (info, t))
        g_variant_builder_add (&builder, "u", t);
    }
  return g_variant_builder_end (&builder);
}

/* ISO/IEC 7816-4 §8.1.1: the historical bytes start with a category
 * indicator; 00 and 80 are followed by COMPACT-TLV objects (tag in the high
 * nibble, length in the low one), 00 with a 3-byte status indicator at the
 * end, 10 by a DIR data reference. */
static const char *const compact_tags[16] = {
  [0x1] = "country code and national data",
  [0x2] = "issuer identification number",
  [0x3] = "card service data",
  [0x4] = "initial access data",
  [0x5] = "card issuer's data",
  [0x6] = "pre-issuing data",
  [0x7] = "card capabilities",
  [0x8] = "status information",
  [0xF] = "application identifier",
};

static GVariant *
historical_variant (const atr_info *info, gboolean print)
{
  const uint8_t *h = info->hist;
  size_t len = info->hist_len, end = len, pos = 1;
  GVariantBuilder objects;
  GVariantDict dict;
  const char *category;

  g_variant_builder_init (&objects, G_VARIANT_TYPE ("av"));
  g_variant_dict_init (&dict, NULL);
  if (len == 0)
    category = "none";
  else if (h[0] == 0x80)
    category = "COMPACT-TLV objects";
  else if (h[0] == 0x00)
    category = "COMPACT-TLV objects, then a status indicator";
  else if (h[0] == 0x10)
    category = "DIR data reference";
  else if (h[0] >= 0x81 && h[0] <= 0x8F)
    category = "RFU";
  else
    category = "proprietary";
  if (len > 0 && h[0] == 0x00)
    end = len >= 4 ? len - 3 : 1;
  if (print && len > 0)
    g_print ("      category %02X: %s\n", h[0], category);
  /* Every length is checked against what is left: a bad ATR must not make
   * us read past the historical bytes. */
  while ((len > 0 && (h[0] == 0x80 || h[0] == 0x00)) && pos < end)
    {
      unsigned tag = h[pos] >> 4, n = h[pos] & 0x0f;
      g_autoptr (GBytes) value = NULL;
      g_autofree char *hex = NULL;
      GVariantDict object;

      if (pos + 1 + n > end)
        break;
      value = g_bytes_new (h + pos + 1, n);
      hex = scardctl_hex (value, print ? " " : "");
      if (print)
        g_print ("      %X%X  %s: %s\n", tag, n,
                 compact_tags[tag] != NULL ? compact_tags[tag] : "RFU tag", hex);
      g_variant_dict_init (&object, NULL);
      g_variant_dict_insert (&object, "tag", "u", tag);
      g_variant_dict_insert (&object, "name", "ms", compact_tags[tag]);
      g_variant_dict_insert (&object, "value", "s", hex);
      g_variant_builder_add (&objects, "v", g_variant_dict_end (&object));
      pos += 1 + n;
    }
  g_variant_dict_insert (&dict, "category", "s", category);
  g_variant_dict_insert_value (&dict, "objects", g_variant_builder_end (&objects));
  return g_variant_dict_end (&dict);
}

static void
print_decoding (Scardctl *ctl, const atr_info *info)
{
  g_autoptr (GBytes) hist = g_bytes_new (info->hist, info->hist_len);
  g_autofree char *hist_hex = scardctl_hex (hist, " ");
  g_autoptr (GString) printable = g_string_new (NULL);

  g_print ("  TS  = %02X  %s convention\n", info->raw[0], info->inverse ? "inverse" : "direct");
  g_print ("  T0  = %02X  K = %u historical bytes\n", info->t0, info->t0 & 0x0f);
  describe_interface_bytes (info, NULL, TRUE);
  for (size_t i = 0; i < info->hist_len; i++)
    g_string_append_c (printable, g_ascii_isprint (info->hist[i]) ? (char) info->hist[i] : '.');
  if (info->hist_len > 0)
    {
      g_print ("  historical bytes: %s  \"%s\"\n", hist_hex, printable->str);
      g_variant_unref (g_variant_ref_sink (historical_variant (info, TRUE)));
    }
  if (info->has_tck)
    g_print ("  TCK = %02X  correct checksum\n", info->tck);
  g_print ("%sProtocols:%s", scardctl_sgr (ctl, "bold"), scardctl_sgr (ctl, "reset"));
  for (unsigned t = 0; t < 15; t++)
    {
      if (atr_offers (info, t))
        g_print (" T=%u", t);
    }
  g_print (" (default T=%u)%s\n", info->first_protocol,
           info->specific_mode ? ", specific mode" : ", negotiable mode");
  g_print ("%sParameters:%s Fi=%u Di=%u fmax=%u kHz, N=%u, WI=%u", scardctl_sgr (ctl, "bold"),
           scardctl_sgr (ctl, "reset"), info->fi, info->di, info->fmax_khz, info->n, info->wi);
  if (atr_offers (info, 1))
    g_print (", IFSC=%u BWI=%u CWI=%u EDC=%s", info->ifsc, info->bwi, info->cwi,
             info->edc == ATR_EDC_CRC ? "CRC" : "LRC");
  g_print ("\n");
}

static GVariant *
decoding_variant (const atr_info *info)
{
  g_autoptr (GBytes) hist = g_bytes_new (info->hist, info->hist_len);
  g_autofree char *hist_hex = scardctl_hex (hist, "");
  g_autofree char *tck = info->has_tck ? g_strdup_printf ("%02X", info->tck) : NULL;
  GVariantDict dict, bytes;

  g_variant_dict_init (&bytes, NULL);
  describe_interface_bytes (info, &bytes, FALSE);
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "convention", "s", info->inverse ? "inverse" : "direct");
  g_variant_dict_insert_value (&dict, "interface_bytes", g_variant_dict_end (&bytes));
  g_variant_dict_insert (&dict, "historical_bytes", "s", hist_hex);
  g_variant_dict_insert_value (&dict, "historical", historical_variant (info, FALSE));
  g_variant_dict_insert (&dict, "tck", "ms", tck);
  g_variant_dict_insert_value (&dict, "protocols", protocols_variant (info));
  g_variant_dict_insert (&dict, "default_protocol", "u", info->first_protocol);
  g_variant_dict_insert (&dict, "specific_mode", "b", info->specific_mode);
  g_variant_dict_insert (&dict, "fi", "u", info->fi);
  g_variant_dict_insert (&dict, "di", "u", info->di);
  g_variant_dict_insert (&dict, "fmax_khz", "u", info->fmax_khz);
  g_variant_dict_insert (&dict, "extra_guard_time", "u", info->n);
  g_variant_dict_insert (&dict, "wi", "u", info->wi);
  if (atr_offers (info, 1))
    {
      g_variant_dict_insert (&dict, "ifsc", "u", info->ifsc);
      g_variant_dict_insert (&dict, "bwi", "u", info->bwi);
      g_variant_dict_insert (&dict, "cwi", "u", info->cwi);
      g_variant_dict_insert (&dict, "edc", "s", info->edc == ATR_EDC_CRC ? "crc" : "lrc");
    }
  return g_variant_dict_end (&dict);
}

/* An argument that is hex and starts like an ATR (TS = 3B or 3F) is an ATR;
 * anything else names a reader. */
static GBytes *
atr_argument (const char *text)
{
  g_autoptr (GBytes) bytes = scardctl_parse_hex (text, NULL);
  const guint8 *data;
  gsize len = 0;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  if (len < 2 || (data[0] != 0x3B && data[0] != 0x3F))
    return NULL;
  return g_steal_pointer (&bytes);
}

int
scardctl_cmd_atr (Scardctl *ctl, int argc, char **argv)
{
  g_autoptr (GBytes) atr = NULL;
  g_autoptr (GVariant) known = NULL;
  g_autofree char *spaced = NULL;
  g_autofree char *compact = NULL;
  ScbClientReader *reader = NULL;
  const guint8 *data;
  gsize len = 0;
  atr_info info;
  atr_status parsed;
  int status = SCARDCTL_EXIT_OK;

  if (!scardctl_parse (ctl, NULL, "ATR|READER",
                       "Decode an ATR (ISO 7816-3), given in hex or read from the card in READER,\n"
                       "and name the card from pcsc-tools' smartcard_list.txt when installed.",
                       &argc, &argv, &status))
    return status;
  if (argc != 2)
    return scardctl_usage (ctl, "atr", "needs an ATR in hex or a READER");

  atr = atr_argument (argv[1]);
  if (atr == NULL)
    {
      reader = scardctl_reader (ctl, argv[1], &status);
      if (reader == NULL)
        return status;
      if (g_bytes_get_size (scb_client_reader_get_atr (reader)) == 0)
        {
          g_autoptr (GError) error
              = g_error_new (SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No card (or a mute card) in %s",
                             scb_client_reader_get_name (reader));

          return scardctl_fail (ctl, error);
        }
      atr = g_bytes_ref (scb_client_reader_get_atr (reader));
    }

  data = g_bytes_get_data (atr, &len);
  parsed = atr_parse (data, len, &info);
  spaced = scardctl_hex (atr, " ");
  compact = scardctl_hex (atr, "");
  known = g_variant_ref_sink (lookup_known_cards (spaced));

  if (ctl->json)
    {
      GVariantDict dict;
      GVariantBuilder cards;
      GVariantIter iter;
      const char *pattern;
      GVariant *descriptions;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "atr", "s", compact);
      if (reader != NULL)
        g_variant_dict_insert (&dict, "reader", "s", scb_client_reader_get_name (reader));
      g_variant_dict_insert (&dict, "valid", "b", parsed == ATR_OK);
      g_variant_dict_insert (&dict, "error", "ms", parsed == ATR_OK ? NULL : atr_strerror (parsed));
      if (parsed == ATR_OK)
        g_variant_dict_insert_value (&dict, "decoding", decoding_variant (&info));
      g_variant_builder_init (&cards, G_VARIANT_TYPE ("av"));
      g_variant_iter_init (&iter, known);
      while (g_variant_iter_loop (&iter, "(&s@as)", &pattern, &descriptions))
        {
          GVariantDict card;

          g_variant_dict_init (&card, NULL);
          g_variant_dict_insert (&card, "pattern", "s", pattern);
          g_variant_dict_insert_value (&card, "descriptions", descriptions);
          g_variant_builder_add (&cards, "v", g_variant_dict_end (&card));
        }
      g_variant_dict_insert_value (&dict, "known_cards", g_variant_builder_end (&cards));
      scardctl_print_json (g_variant_dict_end (&dict));
    }
  else
    {
      GVariantIter iter;
      const char *pattern;
      GVariantIter *descriptions;

      g_print ("%sATR:%s %s\n", scardctl_sgr (ctl, "bold"), scardctl_sgr (ctl, "reset"), spaced);
      if (reader != NULL)
        g_print ("  from %s\n", scb_client_reader_get_name (reader));
      if (parsed == ATR_OK)
        print_decoding (ctl, &info);
      else
        g_print ("%sInvalid ATR:%s %s\n", scardctl_sgr (ctl, "red"), scardctl_sgr (ctl, "reset"),
                 atr_strerror (parsed));
      if (g_variant_n_children (known) > 0)
        g_print ("%sKnown cards%s (smartcard_list.txt):\n", scardctl_sgr (ctl, "bold"),
                 scardctl_sgr (ctl, "reset"));
      g_variant_iter_init (&iter, known);
      while (g_variant_iter_loop (&iter, "(&sas)", &pattern, &descriptions))
        {
          const char *line;

          g_print ("  %s\n", pattern);
          while (g_variant_iter_loop (descriptions, "&s", &line))
            g_print ("      %s\n", line);
        }
    }
  /* An ATR that does not parse is a failure of the command: its decoding
   * above says why. */
  return parsed == ATR_OK ? SCARDCTL_EXIT_OK : SCARDCTL_EXIT_FAILED;
}

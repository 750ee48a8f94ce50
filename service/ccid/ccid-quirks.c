/* ccid-quirks.c: per-reader knowledge (data/ccid-quirks.txt)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-quirks.h"

#include <gio/gio.h>
#include <string.h>

#include "ccid-resources.h"

#define RESOURCE "/org/scardbus/ccid/ccid-quirks.txt"

struct _CcidQuirks
{
  GHashTable *table; /* "VVVV:PPPP QUIRK" -> value */
};

static const char *const known_quirks[] = { CCID_QUIRK_MIN_FIRMWARE };

CcidQuirks *
ccid_quirks_new (void)
{
  CcidQuirks *self = g_new0 (CcidQuirks, 1);

  self->table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
ccid_quirks_free (CcidQuirks *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->table);
  g_free (self);
}

static char *
quirk_key (guint16 vendor_id, guint16 product_id, const char *quirk)
{
  return g_strdup_printf ("%04X:%04X %s", vendor_id, product_id, quirk);
}

/* The words of @line, separated by blanks. */
static GStrv
split_words (const char *line)
{
  g_auto (GStrv) parts = g_strsplit_set (line, " \t\r", -1);
  GPtrArray *words = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      g_ptr_array_add (words, g_strdup (parts[i]));
  g_ptr_array_add (words, NULL);
  return (GStrv) g_ptr_array_free (words, FALSE);
}

gboolean
ccid_quirks_add (CcidQuirks *self, const char *origin, const char *text, gsize len, GError **error)
{
  g_autofree char *copy = g_strndup (text, len);
  g_auto (GStrv) lines = g_strsplit (copy, "\n", -1);

  for (guint n = 0; lines[n] != NULL; n++)
    {
      char *hash = strchr (lines[n], '#');
      g_auto (GStrv) words = NULL;
      guint64 vid, pid, value;
      gboolean known = FALSE;
      g_auto (GStrv) ids = NULL;

      if (hash != NULL)
        *hash = '\0';
      words = split_words (lines[n]);
      if (words[0] == NULL)
        continue;
      ids = g_strsplit (words[0], ":", -1);
      for (gsize q = 0; words[1] != NULL && q < G_N_ELEMENTS (known_quirks); q++)
        known |= g_str_equal (words[1], known_quirks[q]);
      if (g_strv_length (words) != 3 || g_strv_length (ids) != 2
          || !g_ascii_string_to_unsigned (ids[0], 16, 0, 0xffff, &vid, NULL)
          || !g_ascii_string_to_unsigned (ids[1], 16, 0, 0xffff, &pid, NULL) || !known
          || !g_ascii_string_to_unsigned (g_str_has_prefix (words[2], "0x") ? words[2] + 2
                                                                            : words[2],
                                          16, 0, G_MAXUINT32, &value, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: not VVVV:PPPP QUIRK VALUE with a known quirk (%s)", origin, n + 1,
                       CCID_QUIRK_MIN_FIRMWARE);
          return FALSE;
        }
      g_hash_table_insert (self->table, quirk_key ((guint16) vid, (guint16) pid, words[1]),
                           GUINT_TO_POINTER ((guint32) value));
    }
  return TRUE;
}

CcidQuirks *
ccid_quirks_load (const char *override_path, GError **error)
{
  g_autoptr (CcidQuirks) self = ccid_quirks_new ();
  g_autoptr (GBytes) builtin = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;

  builtin = g_resource_lookup_data (ccid_get_resource (), RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                    error);
  if (builtin == NULL
      || !ccid_quirks_add (self, "ccid-quirks.txt (built in)", g_bytes_get_data (builtin, NULL),
                           g_bytes_get_size (builtin), error))
    return NULL;
  if (override_path == NULL)
    return g_steal_pointer (&self);
  if (!g_file_get_contents (override_path, &text, &len, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&self);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!ccid_quirks_add (self, override_path, text, len, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
ccid_quirks_get (const CcidQuirks *self, guint16 vendor_id, guint16 product_id, const char *quirk,
                 guint32 *value)
{
  g_autofree char *key = quirk_key (vendor_id, product_id, quirk);
  gpointer v;

  if (!g_hash_table_lookup_extended (self->table, key, NULL, &v))
    return FALSE;
  *value = GPOINTER_TO_UINT (v);
  return TRUE;
}

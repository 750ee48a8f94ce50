/* ccid-reader-names.c: the names pcscd + libccid give USB readers
 *
 * pcscd names a reader from the ifdFriendlyName its driver's Info.plist
 * gives the VID:PID (pcsc-lite hotplug_libudev.c), not from the USB
 * strings; libccid makes its Info.plist from supported_readers.txt.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-reader-names.h"

#include <gio/gio.h>
#include <string.h>

#include "ccid-resources.h"

#define RESOURCE "/org/scardbus/ccid/reader-names.txt"

static gpointer
usb_key (guint16 vendor_id, guint16 product_id)
{
  return GUINT_TO_POINTER ((guint) vendor_id << 16 | product_id);
}

static gboolean
parse_hex16 (const char *s, guint16 *out)
{
  guint64 v;

  if (strlen (s) != 6 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')
      || !g_ascii_string_to_unsigned (s + 2, 16, 0, 0xffff, &v, NULL))
    return FALSE;
  *out = (guint16) v;
  return TRUE;
}

GHashTable *
ccid_reader_names_parse (const char *text, gsize len, GError **error)
{
  g_autoptr (GHashTable) table = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autofree char *copy = g_strndup (text, len);
  g_auto (GStrv) lines = g_strsplit (copy, "\n", -1);

  for (guint n = 0; lines[n] != NULL; n++)
    {
      g_auto (GStrv) parts = NULL;
      guint16 vid, pid;
      const char *line = lines[n];

      if (line[0] == '\0' || line[0] == '#')
        continue;
      /* the name runs to the end of the line, spaces and colons kept */
      parts = g_strsplit (line, ":", 3);
      if (g_strv_length (parts) != 3 || !parse_hex16 (parts[0], &vid)
          || !parse_hex16 (parts[1], &pid) || parts[2][0] == '\0'
          || !g_utf8_validate (parts[2], -1, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "line %u: not 0xVVVV:0xPPPP:NAME: %s", n + 1, line);
          return NULL;
        }
      /* the first entry wins, as in pcscd's driver list */
      if (!g_hash_table_contains (table, usb_key (vid, pid)))
        g_hash_table_insert (table, usb_key (vid, pid), g_strdup (parts[2]));
    }
  return g_steal_pointer (&table);
}

const char *
ccid_reader_names_lookup_in (GHashTable *table, guint16 vendor_id, guint16 product_id)
{
  return g_hash_table_lookup (table, usb_key (vendor_id, product_id));
}

static gpointer
load_builtin (gpointer data)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  GHashTable *table;
  gsize len;
  const char *text;

  (void) data;
  bytes = g_resource_lookup_data (ccid_get_resource (), RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                  &error);
  /* built in from data/, checked by the unit tests: cannot fail */
  g_assert_no_error (error);
  text = g_bytes_get_data (bytes, &len);
  table = ccid_reader_names_parse (text, len, &error);
  g_assert_no_error (error);
  return table;
}

const char *
ccid_reader_names_lookup (guint16 vendor_id, guint16 product_id)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, load_builtin, NULL);
  return ccid_reader_names_lookup_in (once.retval, vendor_id, product_id);
}

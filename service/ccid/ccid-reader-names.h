/* ccid-reader-names.h: the names pcscd + libccid give USB readers
 *
 * data/reader-names.txt (generated from libccid's supported_readers.txt by
 * tools/ccid-readers.py), compiled in as a resource.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses "0xVVVV:0xPPPP:NAME" lines (# comments, blank lines) into a table
 * for ccid_reader_names_lookup_in(). Fails on a malformed line, naming it. */
GHashTable *ccid_reader_names_parse (const char *text, gsize len, GError **error);
const char *ccid_reader_names_lookup_in (GHashTable *table, guint16 vendor_id, guint16 product_id);

/* The name libccid's table gives @vendor_id:@product_id, or NULL. */
const char *ccid_reader_names_lookup (guint16 vendor_id, guint16 product_id);

G_END_DECLS

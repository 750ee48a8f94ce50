/* ccid-quirks.h: per-reader knowledge (data/ccid-quirks.txt)
 *
 * The table built in from data/ccid-quirks.txt, then the lines of
 * /etc/scardbus/ccid-quirks.txt, which add to it and override it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CCID_QUIRK_MIN_FIRMWARE "min-firmware"

typedef struct _CcidQuirks CcidQuirks;

CcidQuirks *ccid_quirks_new (void);
void ccid_quirks_free (CcidQuirks *self);
/* Adds the lines of @text (from @origin, for messages) over those already
 * there. Fails on a malformed line or an unknown quirk, naming the line. */
gboolean ccid_quirks_add (CcidQuirks *self, const char *origin, const char *text, gsize len,
                          GError **error);
/* The built-in table, then @override_path if it exists. */
CcidQuirks *ccid_quirks_load (const char *override_path, GError **error);
gboolean ccid_quirks_get (const CcidQuirks *self, guint16 vendor_id, guint16 product_id,
                          const char *quirk, guint32 *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CcidQuirks, ccid_quirks_free)

G_END_DECLS

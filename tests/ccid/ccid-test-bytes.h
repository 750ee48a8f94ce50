/* ccid-test-bytes.h: byte strings compared as "XX XX ..." in the codec tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

static inline char *
hex (const guint8 *p, gsize n)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%s%02X", i ? " " : "", p[i]);
  return g_string_free (s, FALSE);
}

#define assert_bytes(buf, n, expected)                                                             \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_autofree char *_h = hex ((buf), (n));                                                        \
    g_assert_cmpstr (_h, ==, (expected));                                                          \
  }                                                                                                \
  G_STMT_END

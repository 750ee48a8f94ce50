/* ccid-test.h: what the device-layer tests share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "ccid-slot.h"

gboolean ccid_test_expire (gpointer expired);

/* Runs the main loop until @cond holds; fails after @ms. */
#define WAIT_FOR(cond, ms)                                                                         \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gboolean _expired = FALSE;                                                                     \
    guint _id = g_timeout_add ((ms), ccid_test_expire, &_expired);                                 \
    while (!(cond) && !_expired)                                                                   \
      g_main_context_iteration (NULL, TRUE);                                                       \
    if (!_expired)                                                                                 \
      g_source_remove (_id);                                                                       \
    g_assert_true (cond);                                                                          \
  }                                                                                                \
  G_STMT_END

/* ccid_slot_transmit(), waited for (at most @timeout_ms). */
GBytes *ccid_test_transmit (CcidSlot *slot, guint8 nad, GBytes *apdu, guint timeout_ms,
                            GError **error);

/* Runs the test again under the umockdev preload when it is not loaded
 * (meson starts it plainly). */
void ccid_test_reexec_under_preload (char **argv);

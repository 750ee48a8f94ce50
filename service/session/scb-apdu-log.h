/* scb-apdu-log.h: the APDU log, without secrets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The APDU log (debug level). By default a command shows its header and
 * lengths and an answer its status word and length; with LogApduData= on,
 * their data too, except for commands whose data or answer may carry a
 * secret (PINs, keys, challenges...: scb_apdu_is_secret()), which never
 * show any. @label names the connection. */
void scb_apdu_log_set_data (gboolean on);
gboolean scb_apdu_log_get_data (void);
gboolean scb_apdu_is_secret (GBytes *apdu);
void scb_apdu_log_command (const char *label, guint8 nad, GBytes *apdu, gboolean secret);
/* @secret: scb_apdu_is_secret() of the command answered. */
void scb_apdu_log_response (const char *label, guint8 nad, GBytes *response, gboolean secret);

G_END_DECLS

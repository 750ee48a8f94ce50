/* scb-pcscd-server.h: pcscd's socket, served (docs/pcscd-protocol.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-config.h"
#include "scb-manager.h"

G_BEGIN_DECLS

#define SCB_TYPE_PCSCD_SERVER (scb_pcscd_server_get_type ())
G_DECLARE_FINAL_TYPE (ScbPcscdServer, scb_pcscd_server, SCB, PCSCD_SERVER, GObject)

ScbPcscdServer *scb_pcscd_server_new (ScbManager *manager, const ScbConfig *config);

/* Listens on the socket systemd handed over (LISTEN_FDS, LISTEN_PID: the
 * first listening AF_UNIX stream socket), else on @path, whose directory
 * is made if missing and whose stale socket is replaced (a live one, some
 * pcscd's, is not). */
gboolean scb_pcscd_server_start (ScbPcscdServer *self, const char *path, GError **error);
/* Drops every client and closes the socket (removing a path it made). */
void scb_pcscd_server_stop (ScbPcscdServer *self);

G_END_DECLS

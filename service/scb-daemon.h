/* scb-daemon.h: the bus connection, the well-known name and the objects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-config.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define SCB_TYPE_DAEMON (scb_daemon_get_type ())
G_DECLARE_FINAL_TYPE (ScbDaemon, scb_daemon, SCB, DAEMON, GObject)

/* Takes ownership of @config. */
ScbDaemon *scb_daemon_new (ScbConfig *config);

/* Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS when set), exports
 * the objects and takes org.scardbus.SmartCard1 (from another instance
 * too, with @replace). Fails with a message saying what to do. */
gboolean scb_daemon_start (ScbDaemon *self, gboolean replace, GError **error);

/* Runs until SIGTERM or SIGINT (exit status 0), the name is lost or the bus
 * goes away (status 1). Returns the exit status. */
int scb_daemon_run (ScbDaemon *self);

G_END_DECLS

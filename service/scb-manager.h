/* scb-manager.h: /org/scardbus/SmartCard1, the Manager and the ObjectManager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-bouncer.h"
#include "scb-config.h"

G_BEGIN_DECLS

#define SCB_TYPE_MANAGER (scb_manager_get_type ())
G_DECLARE_FINAL_TYPE (ScbManager, scb_manager, SCB, MANAGER, GObject)

ScbManager *scb_manager_new (ScbBouncer *bouncer, const ScbConfig *config);

/* Exports the Manager interface and the ObjectManager at SCB_DBUS_PATH. */
gboolean scb_manager_export (ScbManager *self, GDBusConnection *connection, GError **error);
void scb_manager_unexport (ScbManager *self);

guint32 scb_manager_get_reader_events (ScbManager *self);

G_END_DECLS

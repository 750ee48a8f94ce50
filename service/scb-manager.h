/* scb-manager.h: /org/scardbus/SmartCard1, the Manager and the ObjectManager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-bouncer.h"
#include "scb-config.h"
#include "scb-limits.h"

G_BEGIN_DECLS

#define SCB_TYPE_MANAGER (scb_manager_get_type ())
G_DECLARE_FINAL_TYPE (ScbManager, scb_manager, SCB, MANAGER, GObject)

typedef struct _ScbConnection ScbConnection;

ScbManager *scb_manager_new (ScbBouncer *bouncer, ScbLimits *limits, const ScbConfig *config);

/* Exports the Manager interface and the ObjectManager at SCB_DBUS_PATH,
 * then starts following the readers: those present now are published
 * before this returns. */
gboolean scb_manager_export (ScbManager *self, GDBusConnection *connection, GError **error);
void scb_manager_unexport (ScbManager *self);

guint32 scb_manager_get_reader_events (ScbManager *self);
/* The readers (ScbReader), in the order they came; not a copy. */
GPtrArray *scb_manager_get_readers (ScbManager *self);
/* "readers-changed": a reader came or went, or one published a new state
 * (card, power, sharing). For the pcscd socket's waiting clients. */
void scb_manager_readers_changed (ScbManager *self);

/* For the Reader, Card and Connection objects. */
ScbBouncer *scb_manager_get_bouncer (ScbManager *self);
ScbLimits *scb_manager_get_limits (ScbManager *self);
GDBusConnection *scb_manager_get_connection (ScbManager *self);
GDBusObjectManagerServer *scb_manager_get_object_manager (ScbManager *self);
/* Fresh paths; numbers are never reused within a run. */
char *scb_manager_next_card_path (ScbManager *self);
char *scb_manager_next_connection_path (ScbManager *self);

/* Counts @connection in its owner's account (LimitExceeded past the
 * caps) and closes it when the owner leaves the bus. The manager keeps it alive
 * until scb_manager_remove_connection(). */
gboolean scb_manager_add_connection (ScbManager *self, ScbConnection *connection, GError **error);
void scb_manager_remove_connection (ScbManager *self, ScbConnection *connection);

G_END_DECLS

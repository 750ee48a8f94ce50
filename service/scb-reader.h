/* scb-reader.h: a Reader object, one per slot of a CCID reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-connection.h"
#include "scb-manager.h"

#include "ccid-device.h"
#include "ccid-slot.h"

G_BEGIN_DECLS

#define SCB_TYPE_READER (scb_reader_get_type ())
G_DECLARE_FINAL_TYPE (ScbReader, scb_reader, SCB, READER, GObject)

/* How long a BeginTransaction() waits for another connection's
 * transaction to end before failing with Timeout: below the 120 s default
 * method timeout of GDBus and sd-bus clients (docs/dbus-api.md). */
#define SCB_TRANSACTION_WAIT_MS 60000

ScbReader *scb_reader_new (ScbManager *manager, CcidDevice *device, CcidSlot *slot,
                           const char *path);

GDBusObjectSkeleton *scb_reader_get_object (ScbReader *self);
const char *scb_reader_get_path (ScbReader *self);
const char *scb_reader_get_name (ScbReader *self);
CcidDevice *scb_reader_get_device (ScbReader *self);
CcidSlot *scb_reader_get_slot (ScbReader *self);
/* FALSE once the reader was unplugged. */
gboolean scb_reader_is_present (ScbReader *self);
/* The APDUs of its connections that wait for the slot (scb-fair-queue.h). */
typedef struct _ScbFairQueue ScbFairQueue;
ScbFairQueue *scb_reader_get_apdu_queue (ScbReader *self);

/* PinEntryStarted (@result NULL), or PinEntryFinished with @result. */
void scb_reader_emit_pin_entry (ScbReader *self, const char *connection, const char *operation,
                                const char *result);

/* Publishes what the slot knows now (card events, State, Atr). */
void scb_reader_sync (ScbReader *self);
/* The reader went away: publishes the removal of its card, fails waiting
 * transactions, stops following the slot. */
void scb_reader_shutdown (ScbReader *self);

/* Connections (the manager owns them; the reader only lists them). */
gboolean scb_reader_check_sharing (ScbReader *self, ScbConnection *except, ScbShareMode mode,
                                   GError **error);
void scb_reader_add_connection (ScbReader *self, ScbConnection *connection);
void scb_reader_remove_connection (ScbReader *self, ScbConnection *connection);
/* Share modes changed: State's INUSE and EXCLUSIVE bits. */
void scb_reader_update_state (ScbReader *self);
/* @by reset or unpowered the card: the others get ResetCard once. */
void scb_reader_mark_reset (ScbReader *self, ScbConnection *by);

/* Transactions, as pcsc-lite has them (nesting counted per connection). */
gboolean scb_reader_is_locked_by_other (ScbReader *self, ScbConnection *connection);
gboolean scb_reader_holds_transaction (ScbReader *self, ScbConnection *connection);
/* Completes @invocation now or when the holder ends its transaction;
 * Timeout after SCB_TRANSACTION_WAIT_MS. */
void scb_reader_begin_transaction (ScbReader *self, ScbConnection *connection,
                                   GDBusMethodInvocation *invocation);
/* One EndTransaction (@all: every level, for a closing connection). */
void scb_reader_end_transaction (ScbReader *self, ScbConnection *connection, gboolean all);
/* Fails the waiting BeginTransaction() calls of @connection. */
void scb_reader_cancel_waiting (ScbReader *self, ScbConnection *connection);

G_END_DECLS

/* scb-bouncer.h: who may call what (polkit)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SCB_TYPE_BOUNCER (scb_bouncer_get_type ())
G_DECLARE_FINAL_TYPE (ScbBouncer, scb_bouncer, SCB, BOUNCER, GObject)

/* Called on the main loop once the caller may go ahead. @object is the one
 * given to scb_bouncer_check(), kept alive until then. */
typedef void (*ScbBouncerAllowed) (GObject *object, GDBusMethodInvocation *invocation);

ScbBouncer *scb_bouncer_new (GDBusConnection *connection);

/* The polkit action guarding a call, from the method and its arguments:
 * NULL with *known = TRUE for an open (read-only) call, NULL with
 * *known = FALSE for anything not in the table. */
const char *scb_bouncer_action_for_call (const char *interface_name, const char *method_name,
                                         GVariant *parameters, gboolean *known);

/* Checks @invocation against the table and calls @allowed, or answers the
 * call itself with org.scardbus.SmartCard1.Error.PermissionDenied naming
 * the action. Open calls go ahead at once; guarded calls go ahead at once
 * for uid 0 and otherwise ask polkit asynchronously, with the caller's bus
 * name as the subject. */
void scb_bouncer_check (ScbBouncer *self, GDBusMethodInvocation *invocation,
                        GObject *object, ScbBouncerAllowed allowed);

G_END_DECLS

G_BEGIN_DECLS

/* The same decision for a request that is not a D-Bus method call (a
 * Control request on a connection's channel): @sender, the unique bus name
 * the request is made for, is the subject. Fails with PermissionDenied
 * naming @action. @action NULL: allowed. */
void scb_bouncer_check_action_async (ScbBouncer *self, const char *sender, const char *action,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean scb_bouncer_check_action_finish (ScbBouncer *self, GAsyncResult *result, GError **error);

G_END_DECLS

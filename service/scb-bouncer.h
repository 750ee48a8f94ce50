/* scb-bouncer.h: who may call what (polkit)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <polkit/polkit.h>

#include "scb-limits.h"
#include "scb-types.h"

G_BEGIN_DECLS

#define SCB_TYPE_BOUNCER (scb_bouncer_get_type ())
G_DECLARE_FINAL_TYPE (ScbBouncer, scb_bouncer, SCB, BOUNCER, GObject)

/* Called on the main loop once the caller may go ahead. @object is the one
 * given to scb_bouncer_check(), kept alive until then. */
typedef void (*ScbBouncerAllowed) (GObject *object, GDBusMethodInvocation *invocation);

/* Checks are counted in the callers' accounts of @limits
 * (MaxPendingAuthorizationsPerClient) and at most MaxPendingAuthorizations
 * are in progress at once, the others taking turns. */
ScbBouncer *scb_bouncer_new (GDBusConnection *connection, ScbLimits *limits);

/* The polkit action guarding a call, from the method and its arguments:
 * NULL with *known = TRUE for an open (read-only) call, NULL with
 * *known = FALSE for anything not in the table. */
const char *scb_bouncer_action_for_call (const char *interface_name, const char *method_name,
                                         GVariant *parameters, gboolean *known);

/* The action guarding a control code with its data, and a connection in
 * @mode (the D-Bus table's rules, for the pcscd socket too). */
const char *scb_bouncer_action_for_control (guint32 code, const guint8 *data, gsize len);
const char *scb_bouncer_action_for_share_mode (ScbShareMode mode);

/* Checks @invocation against the table and calls @allowed, or answers the
 * call itself with org.scardbus.SmartCard1.Error.PermissionDenied naming
 * the action. Open calls go ahead at once; guarded calls go through
 * scb_bouncer_check_action_async(), interactively when the caller allowed
 * interactive authorization. */
void scb_bouncer_check (ScbBouncer *self, GDBusMethodInvocation *invocation, GObject *object,
                        ScbBouncerAllowed allowed);

/* Whether @sender, a unique bus name, may do @action (NULL: anyone may):
 * uid 0 may without asking polkit, as fwupd does; anyone else is asked
 * about to polkit asynchronously, with the bus name as the subject. Also
 * for requests that are not method calls (a Control request on a
 * connection's channel). Fails with PermissionDenied naming the action. */
void scb_bouncer_check_action_async (ScbBouncer *self, const char *sender, const char *action,
                                     gboolean interactive, GAsyncReadyCallback callback,
                                     gpointer user_data);
/* The same for a client that is not on the bus (the pcscd socket): @peer
 * holds its uid already (uid 0 goes ahead), polkit is asked about @subject
 * (a unix-process) with @details, never interactively. */
void scb_bouncer_check_subject_async (ScbBouncer *self, ScbPeer *peer, PolkitSubject *subject,
                                      PolkitDetails *details, const char *action,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean scb_bouncer_check_action_finish (ScbBouncer *self, GAsyncResult *result, GError **error);

G_END_DECLS

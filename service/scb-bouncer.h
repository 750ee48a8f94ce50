/* scb-bouncer.h: who may call what (polkit)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-limits.h"
#include "scb-types.h"

G_BEGIN_DECLS

#define SCB_TYPE_BOUNCER (scb_bouncer_get_type ())
G_DECLARE_FINAL_TYPE (ScbBouncer, scb_bouncer, SCB, BOUNCER, GObject)

/* Called on the main loop once the caller may go ahead. @object is the one
 * given to scb_bouncer_check(), kept alive until then. */
typedef void (*ScbBouncerAllowed) (GObject *object, GDBusMethodInvocation *invocation,
                                   gpointer data);

/* Checks are counted in the callers' accounts of @limits
 * (MaxPendingAuthorizationsPerClient) and at most MaxPendingAuthorizations
 * are in progress at once, the others taking turns. */
ScbBouncer *scb_bouncer_new (GDBusConnection *connection, ScbLimits *limits);

/* One call to authorize, through either front door: a D-Bus method
 * (@interface_name, @method_name) or a channel op (@op, docs/channel.md),
 * with the arguments its action depends on. */
typedef struct
{
  const char *interface_name; /* D-Bus; NULL for a channel op */
  const char *method_name;
  guint op;                /* the channel's ScbChannelOp; 0 for a D-Bus method */
  ScbShareMode share_mode; /* Connect, Reconnect; 0: unknown */
  guint32 control_code;    /* Control */
  GBytes *control_data;
} ScbRequest;

/* The polkit action guarding @request, from the one dispatch table: NULL
 * with *known = TRUE for an open call, NULL with *known = FALSE for
 * anything not in the table (denied on both doors). */
const char *scb_bouncer_action_for_request (const ScbRequest *request, gboolean *known);

/* Whether @owner (a unique bus name, or another front door's caller) may
 * make @request: anything not in the table is denied (PermissionDenied);
 * open calls go ahead; guarded ones go through polkit, interactively when
 * @interactive. */
void scb_bouncer_authorize_async (ScbBouncer *self, const char *owner, const ScbRequest *request,
                                  gboolean interactive, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean scb_bouncer_authorize_finish (ScbBouncer *self, GAsyncResult *result, GError **error);

/* scb_bouncer_authorize_async() for a method call: @request's arguments
 * (NULL: none matter), the method from @invocation. Calls @allowed, or
 * answers the call itself with org.scardbus.SmartCard1.Error.PermissionDenied
 * naming the action; interactive when the caller allowed interactive
 * authorization. */
/* @data (the call's typed arguments) goes to @allowed, then to @destroy. */
void scb_bouncer_check (ScbBouncer *self, GDBusMethodInvocation *invocation,
                        const ScbRequest *request, GObject *object, ScbBouncerAllowed allowed,
                        gpointer data, GDestroyNotify destroy);

G_END_DECLS

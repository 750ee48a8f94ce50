/* scb-bouncer.c: who may call what (polkit)
 *
 * One table maps every method (and, for Control, the control code) to its
 * polkit action, or to none for read-only calls. Anything not in the table
 * is denied. polkit is asked asynchronously and only for guarded calls:
 * g-authorize-method would send every call through a worker thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-bouncer.h"
#include "scb-channel-codec.h"
#include "scb-control.h"
#include "scb-error.h"
#include "scb-fair-queue.h"
#include "scb-names.h"

#include <polkit/polkit.h>
#include <string.h>

struct _ScbBouncer
{
  GObject parent_instance;
  GDBusConnection *connection;
  ScbLimits *limits;
  PolkitAuthority *authority; /* NULL until polkit_authority_get_async answers */
  ScbFairQueue *calls;        /* checks in progress and waiting */
  ScbRateLog polkit_failures;
};

G_DEFINE_TYPE (ScbBouncer, scb_bouncer, G_TYPE_OBJECT)

static const char *
action_for_control (const ScbRequest *request)
{
  gsize n = 0;
  const guint8 *bytes
      = request->control_data != NULL ? g_bytes_get_data (request->control_data, &n) : NULL;

  switch (scb_control_classify (request->control_code, bytes, n))
    {
    case SCB_CONTROL_CARD:
      return SCB_ACTION_ACCESS_CARD;
    case SCB_CONTROL_NAD:
      return SCB_ACTION_SET_NAD;
    case SCB_CONTROL_READER:
    default:
      return SCB_ACTION_CONTROL;
    }
}

static const char *
action_for_share_mode (const ScbRequest *request)
{
  /* A direct connection talks to the reader, not to a card. Unknown modes
   * get the stricter action; the handler rejects them afterwards. */
  if (request->share_mode == SCB_SHARE_MODE_SHARED
      || request->share_mode == SCB_SHARE_MODE_EXCLUSIVE)
    return SCB_ACTION_ACCESS_CARD;
  return SCB_ACTION_CONTROL;
}

typedef const char *(*ActionFunc) (const ScbRequest *request);

typedef struct
{
  const char *interface_name; /* a D-Bus method... */
  const char *method_name;
  guint op;               /* ...or a channel op */
  const char *action;     /* NULL: open to anyone */
  ActionFunc action_func; /* the action depends on the arguments */
} Rule;

/* The one dispatch table of every front door. Connection methods and
 * channel ops not guarded here need no action: the connection was
 * authorized when it was made, and only its owner may use it (checked by
 * the connection, and by holding the channel's socket). */
static const Rule rules[] = {
  { SCB_DBUS_INTERFACE_MANAGER, "GetReaders", 0, NULL, NULL },
  { SCB_DBUS_INTERFACE_READER, "Connect", 0, NULL, action_for_share_mode },
  { SCB_DBUS_INTERFACE_READER, "SetNad", 0, SCB_ACTION_SET_NAD, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "Transmit", 0, NULL, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "Control", 0, NULL, action_for_control },
  /* as Control's PIN features */
  { SCB_DBUS_INTERFACE_CONNECTION, "VerifyPin", 0, SCB_ACTION_ACCESS_CARD, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "ModifyPin", 0, SCB_ACTION_ACCESS_CARD, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "BeginTransaction", 0, NULL, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "EndTransaction", 0, NULL, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "Reconnect", 0, NULL, action_for_share_mode },
  { SCB_DBUS_INTERFACE_CONNECTION, "Disconnect", 0, NULL, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "Status", 0, NULL, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "GetAttrib", 0, NULL, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "SetAttrib", 0, SCB_ACTION_CONTROL, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "SetNad", 0, SCB_ACTION_SET_NAD, NULL },
  { SCB_DBUS_INTERFACE_CONNECTION, "OpenChannel", 0, NULL, NULL },
  { NULL, NULL, SCB_CHANNEL_OP_TRANSMIT, NULL, NULL },
  { NULL, NULL, SCB_CHANNEL_OP_CONTROL, NULL, action_for_control },
  { NULL, NULL, SCB_CHANNEL_OP_BEGIN_TRANSACTION, NULL, NULL },
  { NULL, NULL, SCB_CHANNEL_OP_END_TRANSACTION, NULL, NULL },
  { NULL, NULL, SCB_CHANNEL_OP_STATUS, NULL, NULL },
};

static gboolean
rule_matches (const Rule *rule, const ScbRequest *request)
{
  if (request->interface_name != NULL)
    return rule->interface_name != NULL
           && strcmp (rule->interface_name, request->interface_name) == 0
           && strcmp (rule->method_name, request->method_name) == 0;
  return rule->interface_name == NULL && request->op != 0 && rule->op == request->op;
}

const char *
scb_bouncer_action_for_request (const ScbRequest *request, gboolean *known)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      if (!rule_matches (&rules[i], request))
        continue;
      *known = TRUE;
      if (rules[i].action_func != NULL)
        return rules[i].action_func (request);
      return rules[i].action;
    }
  *known = FALSE;
  return NULL;
}

static char *
request_name (const ScbRequest *request)
{
  if (request->interface_name != NULL)
    return g_strdup_printf ("%s.%s", request->interface_name, request->method_name);
  return g_strdup_printf ("Channel op %u", request->op);
}

/* ---- whether a bus name may do an action ------------------------------- */

/* One check: counted in its client's account from the call until the
 * answer (MaxPendingAuthorizationsPerClient), and started only when fewer
 * than MaxPendingAuthorizations are in progress, the waiting ones taking
 * turns by user (or by client while its uid is unknown). A check in
 * progress has one bus call out at a time: GetConnectionUnixUser, then
 * polkit's CheckAuthorization; so the daemon stays below dbus-daemon's
 * 128 pending replies per connection however many clients ask. */
typedef struct
{
  ScbFairItem item; /* first: the queue hands it back */
  ScbBouncer *bouncer;
  GTask *task; /* while queued or in progress */
  ScbPeer *peer;
  const char *action;
  gboolean interactive;
  gboolean started; /* counted in progress by the queue */
} ActionCheck;

static void
action_check_free (ActionCheck *check)
{
  scb_peer_release (check->peer, SCB_RESOURCE_AUTHORIZATION);
  scb_peer_unref (check->peer);
  g_free (check);
}

/* Answers @check (@error NULL: allowed) and lets the next one start. */
static void
check_finish (ActionCheck *check, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&check->task);
  ScbBouncer *self = check->bouncer;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  if (check->started)
    {
      check->started = FALSE;
      scb_fair_queue_done (self->calls);
    }
}

static GError *
denial (ActionCheck *check, const char *why)
{
  return g_error_new (SCB_ERROR, SCB_ERROR_PERMISSION_DENIED, "Not authorized for %s: %s",
                      check->action, why);
}

static void
on_authorization_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionCheck *check = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PolkitAuthorizationResult) auth = NULL;

  auth = polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);
  if (auth == NULL)
    {
      scb_rate_log (&check->bouncer->polkit_failures, G_LOG_LEVEL_WARNING, "failed polkit checks",
                    "polkit could not check %s for %s: %s", check->action,
                    scb_peer_get_owner (check->peer), error->message);
      check_finish (check, denial (check, "polkit could not be asked (is polkitd running?)"));
    }
  else if (polkit_authorization_result_get_is_authorized (auth))
    check_finish (check, NULL);
  else if (polkit_authorization_result_get_is_challenge (auth))
    check_finish (check, denial (check, "authentication is required; call again with "
                                        "interactive authorization allowed"));
  else
    check_finish (check, denial (check, "polkit said no"));
}

static void
ask_polkit (ActionCheck *check, PolkitAuthority *authority)
{
  PolkitSubject *own = scb_peer_get_subject (check->peer);
  g_autoptr (PolkitSubject) subject
      = own != NULL ? g_object_ref (own)
                    : polkit_system_bus_name_new (scb_peer_get_owner (check->peer));
  PolkitCheckAuthorizationFlags flags
      = check->interactive ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                           : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

  polkit_authority_check_authorization (authority, subject, check->action,
                                        (PolkitDetails *) scb_peer_get_details (check->peer), flags,
                                        NULL, on_authorization_checked, check);
}

static void
on_authority (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionCheck *check = user_data;
  ScbBouncer *self = check->bouncer;
  g_autoptr (GError) error = NULL;
  g_autoptr (PolkitAuthority) authority = polkit_authority_get_finish (result, &error);

  if (authority == NULL)
    {
      scb_rate_log (&self->polkit_failures, G_LOG_LEVEL_WARNING, "failed polkit checks",
                    "cannot reach polkit: %s", error->message);
      check_finish (check, denial (check, "polkit is not available"));
      return;
    }
  if (self->authority == NULL)
    self->authority = g_object_ref (authority);
  ask_polkit (check, authority);
}

/* The uid is known: root goes ahead, anyone else is asked about. */
static void
decide (ActionCheck *check)
{
  ScbBouncer *self = check->bouncer;

  if (scb_peer_get_uid (check->peer) == 0)
    check_finish (check, NULL);
  else if (self->authority != NULL)
    ask_polkit (check, self->authority);
  else
    polkit_authority_get_async (NULL, on_authority, check);
}

static void
on_caller_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionCheck *check = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  guint32 uid;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      /* The caller left before we could ask: nobody waits for the answer. */
      g_debug ("no uid for %s: %s", scb_peer_get_owner (check->peer), error->message);
      check_finish (check, denial (check, "the caller's credentials cannot be read"));
      if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
        scb_limits_forget (check->bouncer->limits, scb_peer_get_owner (check->peer));
      return;
    }
  g_variant_get (reply, "(u)", &uid);
  scb_peer_set_uid (check->peer, uid);
  decide (check);
}

/* Its turn came (ScbFairItemSend). */
static void
check_start (ScbFairItem *item)
{
  ActionCheck *check = (ActionCheck *) item;

  check->started = TRUE;
  if (scb_peer_get_uid (check->peer) != SCB_UID_UNKNOWN)
    {
      decide (check);
      return;
    }
  g_dbus_connection_call (check->bouncer->connection, "org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", scb_peer_get_owner (check->peer)),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_caller_uid,
                          check);
}

/* A client left the bus: its checks that wait are answered now. */
static void
on_peer_vanished (ScbLimits *limits, const char *owner, gpointer user_data)
{
  ScbBouncer *self = user_data;
  ScbPeer *peer = scb_limits_get_peer (limits, owner);
  GQueue dropped = G_QUEUE_INIT;
  ActionCheck *check;

  scb_fair_queue_take (self->calls, peer, &dropped);
  while ((check = g_queue_pop_head (&dropped)) != NULL)
    check_finish (check, g_error_new (SCB_ERROR, SCB_ERROR_CANCELLED, "%s left the bus", owner));
  scb_peer_unref (peer);
}

static void
check_action_async (ScbBouncer *self, const char *sender, const char *action, gboolean interactive,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (ScbPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  ActionCheck *check;

  if (action == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  peer = scb_limits_get_peer (self->limits, sender);
  if (!scb_peer_take (peer, SCB_RESOURCE_AUTHORIZATION, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  check = g_new0 (ActionCheck, 1);
  check->bouncer = self;
  check->peer = g_steal_pointer (&peer);
  check->action = action;
  check->interactive = interactive;
  g_task_set_task_data (task, check, (GDestroyNotify) action_check_free);
  if (scb_peer_get_uid (check->peer) == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  check->task = g_steal_pointer (&task);
  check->item.lane = scb_peer_get_uid (check->peer) != SCB_UID_UNKNOWN
                         ? GUINT_TO_POINTER (scb_peer_get_uid (check->peer))
                         : (gpointer) check->peer;
  check->item.tag = check->peer;
  check->item.send = check_start;
  scb_fair_queue_push (self->calls, &check->item);
}

void
scb_bouncer_authorize_async (ScbBouncer *self, const char *owner, const ScbRequest *request,
                             gboolean interactive, GAsyncReadyCallback callback, gpointer user_data)
{
  gboolean known = FALSE;
  const char *action = scb_bouncer_action_for_request (request, &known);

  if (!known)
    {
      g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
      g_autofree char *name = request_name (request);

      g_task_return_new_error (task, SCB_ERROR, SCB_ERROR_PERMISSION_DENIED,
                               "%s is not allowed to anyone", name);
      return;
    }
  check_action_async (self, owner, action, interactive, callback, user_data);
}

gboolean
scb_bouncer_authorize_finish (ScbBouncer *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- method calls --------------------------------------------------------- */

typedef struct
{
  GDBusMethodInvocation *invocation;
  GObject *object;
  ScbBouncerAllowed allowed;
  gpointer data;
  GDestroyNotify destroy;
} MethodCheck;

static void
on_method_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MethodCheck *check = user_data;
  GError *error = NULL;

  /* The invocation's reference given to the handler goes with the answer;
   * ours goes with the check. */
  if (scb_bouncer_authorize_finish (SCB_BOUNCER (source), result, &error))
    check->allowed (check->object, check->invocation, check->data);
  else
    g_dbus_method_invocation_take_error (check->invocation, error);
  if (check->destroy != NULL)
    check->destroy (check->data);
  g_object_unref (check->invocation);
  g_object_unref (check->object);
  g_free (check);
}

void
scb_bouncer_check (ScbBouncer *self, GDBusMethodInvocation *invocation, const ScbRequest *request,
                   GObject *object, ScbBouncerAllowed allowed, gpointer data,
                   GDestroyNotify destroy)
{
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  ScbRequest call = request != NULL ? *request : (ScbRequest){ 0 };
  gboolean known = FALSE;
  MethodCheck *check;

  call.interface_name = g_dbus_method_invocation_get_interface_name (invocation);
  call.method_name = g_dbus_method_invocation_get_method_name (invocation);
  call.op = 0;
  /* Open calls go ahead in this main-loop turn, without a task. */
  if (scb_bouncer_action_for_request (&call, &known) == NULL && known)
    {
      allowed (object, invocation, data);
      if (destroy != NULL)
        destroy (data);
      return;
    }
  check = g_new0 (MethodCheck, 1);
  check->data = data;
  check->destroy = destroy;
  check->invocation = g_object_ref (invocation);
  check->object = g_object_ref (object);
  check->allowed = allowed;
  scb_bouncer_authorize_async (
      self, g_dbus_method_invocation_get_sender (invocation), &call,
      (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
          != 0,
      on_method_checked, check);
}

ScbBouncer *
scb_bouncer_new (GDBusConnection *connection, ScbLimits *limits)
{
  ScbBouncer *self = g_object_new (SCB_TYPE_BOUNCER, NULL);

  self->connection = g_object_ref (connection);
  self->limits = g_object_ref (limits);
  self->calls = scb_fair_queue_new (scb_limits_get_config (limits)->authorizations);
  g_signal_connect (limits, "vanished", G_CALLBACK (on_peer_vanished), self);
  return self;
}

static void
scb_bouncer_dispose (GObject *object)
{
  ScbBouncer *self = SCB_BOUNCER (object);

  if (self->limits != NULL)
    g_signal_handlers_disconnect_by_data (self->limits, self);
  scb_rate_log_clear (&self->polkit_failures);
  G_OBJECT_CLASS (scb_bouncer_parent_class)->dispose (object);
}

static void
scb_bouncer_finalize (GObject *object)
{
  ScbBouncer *self = SCB_BOUNCER (object);

  /* Every check holds a reference through its task: none is left. */
  scb_fair_queue_free (self->calls);
  g_clear_object (&self->limits);
  g_clear_object (&self->connection);
  g_clear_object (&self->authority);
  G_OBJECT_CLASS (scb_bouncer_parent_class)->finalize (object);
}

static void
scb_bouncer_init (ScbBouncer *self)
{
}

static void
scb_bouncer_class_init (ScbBouncerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = scb_bouncer_dispose;
  G_OBJECT_CLASS (klass)->finalize = scb_bouncer_finalize;
}

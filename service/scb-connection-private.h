/* scb-connection-private.h: what scb-connection.c and scb-connection-io.c share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-connection.h"
#include "scb-generated.h"

G_BEGIN_DECLS

struct _ScbConnection
{
  GObject parent_instance;
  ScbManager *manager;
  ScbReader *reader;
  ScbPeer *peer; /* the owner's account */
  char *owner;
  char *path;
  ScbDBusConnection *iface;
  ScbShareMode mode;
  int protocol;
  guint8 nad;
  guint generation; /* the slot's card generation it is for */
  gboolean reset_pending;
  gboolean closed;
  GPtrArray *channels; /* ScbChannel */
};

/* What pcsc-lite checks before using a handle: the reader, the card, and
 * a reset by another connection (reported once). */
gboolean scb_connection_check_card (ScbConnection *self, GError **error);
gboolean scb_connection_check_not_locked (ScbConnection *self, GError **error);

/* scb-connection-io.c: the methods that reach the card or the reader, and
 * the APDUs that still wait when the connection closes. */
void scb_connection_transmit_allowed (GObject *object, GDBusMethodInvocation *invocation);
void scb_connection_control_allowed (GObject *object, GDBusMethodInvocation *invocation);
/* VerifyPin and ModifyPin (scb-connection-io.c). */
void scb_connection_verify_pin_allowed (GObject *object, GDBusMethodInvocation *invocation);
void scb_connection_modify_pin_allowed (GObject *object, GDBusMethodInvocation *invocation);
void scb_connection_open_channel_allowed (GObject *object, GDBusMethodInvocation *invocation);
void scb_connection_cancel_queued (ScbConnection *self);

G_END_DECLS

/* scb-pcscd-private.h: what the socket server and the command handlers share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "scb-bouncer.h"
#include "scb-pcscd-codec.h"
#include "scb-pcscd-peer.h"
#include "scb-pcscd-server.h"

G_BEGIN_DECLS

/* One socket connection: one pcsc-lite context, as pcscd has it. */
typedef struct
{
  grefcount refcount;     /* main loop only */
  ScbPcscdServer *server; /* not owned: it outlives its clients */
  guint id;
  char *owner; /* "pcscd:ID": its account in ScbLimits, its connections' owner */
  ScbPeer *peer;
  ScbPcscdPeer cred;
  GSocket *socket;
  GSource *source;
  gpointer fd_tag;
  GByteArray *in;
  GByteArray *out;
  guint minor;         /* the protocol's, once CMD_VERSION said (4 before) */
  guint32 context;     /* hContext, 0 for none */
  GHashTable *cards;   /* hCard -> ScbHandle */
  gboolean busy;       /* a request is being answered */
  gboolean processing; /* in process_input(): no recursion */
  gboolean waiting;    /* CMD_WAIT_READER_STATE_CHANGE until an event */
  gboolean closed;
} ScbPcscdClient;

ScbPcscdClient *scb_pcscd_client_ref (ScbPcscdClient *client);
void scb_pcscd_client_unref (ScbPcscdClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbPcscdClient, scb_pcscd_client_unref)

/* Queues a reply (its fixed structure), then @data. */
void scb_pcscd_client_reply (ScbPcscdClient *client, const ScbPcscdMessage *msg, const guint8 *data,
                             gsize len);
void scb_pcscd_client_send (ScbPcscdClient *client, const guint8 *data, gsize len);
/* The request is answered: the next one may be read. */
void scb_pcscd_client_done (ScbPcscdClient *client);
/* Drops the client, as pcscd does on a bad request (@why is logged). */
void scb_pcscd_client_close (ScbPcscdClient *client, const char *why);

/* The server's side of the handlers. */
ScbManager *scb_pcscd_server_get_manager (ScbPcscdServer *self);
ScbBouncer *scb_pcscd_server_get_bouncer (ScbPcscdServer *self);
/* A fresh hContext, registered for @client (SCardCancel finds it). */
guint32 scb_pcscd_server_add_context (ScbPcscdServer *self, ScbPcscdClient *client);
void scb_pcscd_server_remove_context (ScbPcscdServer *self, guint32 context);
ScbPcscdClient *scb_pcscd_server_find_context (ScbPcscdServer *self, guint32 context);
/* Appends the reader-state array: @count entries, the readers in order,
 * free slots zeroed; logs readers left out of a client of 4.@minor that
 * cannot ask for more. */
void scb_pcscd_server_append_states (ScbPcscdServer *self, guint count, guint minor,
                                     GByteArray *out);
guint scb_pcscd_server_count_readers (ScbPcscdServer *self);

/* scb-pcscd-session.c: one decoded request, with its data. */
void scb_pcscd_session_handle (ScbPcscdClient *client, const ScbPcscdMessage *msg, GBytes *data);
/* The client leaves or releases its context: its handles are closed. */
void scb_pcscd_session_release (ScbPcscdClient *client);

G_END_DECLS

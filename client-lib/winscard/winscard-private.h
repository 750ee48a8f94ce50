/* winscard-private.h: what the files of the WinSCard library share
 *
 * The library sits on libscardbus. Its own thread runs a private
 * GMainContext (winscard-thread.c) that serves one ScbClient, the reader
 * list and its events, on a bus connection of the library's;
 * winscard-readers.c keeps a view of that client which the application's
 * threads read under a lock and wait on with a condition variable. Each
 * SCARDCONTEXT has a bus connection of its own, and each SCARDHANDLE an
 * ScbClientConnection on it (winscard-context.c), whose calls and channel
 * are synchronous: nothing ever iterates the application's main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <PCSC/winscard.h>
#include <PCSC/reader.h>
#include "scardbus.h"

G_BEGIN_DECLS

/* pcsc-lite's private "any protocol" value, still sent by old programs. */
#define WSC_PROTOCOL_ANY_OLD 0x1000

/* ---- winscard-thread.c: the library thread, its ScbClient ---- */

/* TRUE in the child of a fork() made after the library started: nothing of
 * the parent's threads or connections exists there, so every call fails. */
gboolean wsc_in_forked_child (void);

/* Starts the library thread on first use, and makes sure its ScbClient
 * follows a running scardbusd (making the client may start the service
 * through D-Bus activation). SCARD_S_SUCCESS, or SCARD_E_NO_SERVICE. */
LONG wsc_service_ensure (void);

/* A new connection to the bus for one application context: each context
 * is its own client of the daemon (its own unique name), as each
 * pcsc-lite context is its own socket to pcscd. Made by the library
 * thread, so GDBus ties it to our main context, never the application's.
 * SCARD_E_NO_SERVICE when the bus cannot be reached. */
LONG wsc_open_bus (GDBusConnection **bus);

/* ---- winscard-readers.c: the readers, as the ScbClient shows them ---- */

typedef struct
{
  char *path;
  char *name;
  guint32 state;       /* Reader.State: SCARD_STATE_* bits */
  guint32 card_events; /* Reader.CardEvents */
  guint8 atr[MAX_ATR_SIZE];
  gsize atr_len;
} WscReader;

/* Everything below with _locked runs with the view's lock held. */
void wsc_readers_lock (void);
void wsc_readers_unlock (void);
/* Wakes every SCardGetStatusChange() waiter (after a change or a cancel). */
void wsc_readers_broadcast_locked (void);
/* Waits for a change until @end_time (g_get_monotonic_time() based; -1:
 * forever). FALSE when @end_time passed. */
gboolean wsc_readers_wait_locked (gint64 end_time);

/* 0 while scardbusd is not running; a new value for every instance of it
 * the library has seen, so handles of an earlier instance are recognized. */
guint64 wsc_readers_get_generation_locked (void);
/* The unique bus name of that instance (NULL while unknown). */
const char *wsc_readers_get_service_locked (void);
guint32 wsc_readers_get_reader_events_locked (void);
/* The readers, in the order they were added (WscReader). */
GArray *wsc_readers_get_locked (void);
const WscReader *wsc_readers_find_locked (const char *name);

/* In the library thread: the view follows @client's ::changed signal, or
 * forgets it (and shows no service). */
void wsc_readers_follow (ScbClient *client);
void wsc_readers_unfollow (ScbClient *client);

/* ---- winscard-context.c: the application's contexts and card handles ---- */

typedef struct
{
  gint ref_count;
  SCARDCONTEXT handle;
  guint64 generation;
  GDBusConnection *bus; /* this context's own client of the daemon */
  /* Under the view's lock: */
  guint waiting;    /* SCardGetStatusChange() calls in progress */
  guint cancel_seq; /* bumped by SCardCancel() while waiting */
  gboolean released;
} WscContext;

typedef struct
{
  gint ref_count;
  SCARDHANDLE handle;
  SCARDCONTEXT context;
  guint64 generation;
  char *reader_name;
  ScbClientConnection *connection; /* on its context's bus: only it may call */
  GMutex io_lock;                  /* one request of the handle at a time */
} WscCard;

/* A new reference to the context or card for @handle, NULL when unknown. */
WscContext *wsc_context_lookup (SCARDCONTEXT handle);
void wsc_context_unref (WscContext *context);
WscCard *wsc_card_lookup (SCARDHANDLE handle);
void wsc_card_unref (WscCard *card);
/* Adds a card to @context's handles (taking @connection); returns its new
 * handle. */
SCARDHANDLE wsc_card_register (WscContext *context, const char *reader_name,
                               ScbClientConnection *connection);
/* The card for @handle (a new reference) while the daemon instance that
 * made it is there: SCARD_E_INVALID_HANDLE or SCARD_E_NO_SERVICE otherwise. */
LONG wsc_card_get (SCARDHANDLE handle, WscCard **out);
/* Forgets @handle. */
void wsc_card_forget (SCARDHANDLE handle);
/* SCARD_S_SUCCESS while the daemon that made @generation is the one on the
 * bus, SCARD_E_NO_SERVICE otherwise. */
LONG wsc_check_generation (guint64 generation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WscContext, wsc_context_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WscCard, wsc_card_unref)

/* ---- winscard-card.c ---- */
/* BeginTransaction, waiting as long as another connection holds one. */
LONG wsc_card_begin_transaction (WscCard *card);
LONG wsc_card_end_transaction (WscCard *card, ScbDisposition disposition);

/* ---- winscard-error.c ---- */
/* The SCARD_* code of a failed call, by libscardbus' one table. */
LONG wsc_error_to_scard (const GError *error);
/* The same, for an error that is consumed. */
LONG wsc_error_take (GError *error);

G_END_DECLS

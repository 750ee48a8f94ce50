/* winscard-private.h: what the files of the WinSCard library share
 *
 * The library keeps a private GDBusConnection served by its own thread and
 * GMainContext (winscard-bus.c), a cache of the reader objects fed by D-Bus
 * signals in that thread (winscard-cache.c), and tables of the contexts and
 * card handles the application holds (winscard-context.c); each context has
 * its own bus connection for its calls. The SCard*
 * functions run in the application's threads: they read the cache under its
 * lock, wait on its condition variable, and make synchronous D-Bus calls,
 * which never touch the application's own main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <PCSC/winscard.h>
#include <PCSC/reader.h>
#include <gio/gio.h>

#include "scb-control.h"
#include "scb-types.h"

G_BEGIN_DECLS

/* pcsc-lite's private "any protocol" value, still sent by old programs. */
#define WSC_PROTOCOL_ANY_OLD 0x1000

/* ---- winscard-bus.c: the library thread and its bus connection ---- */

/* TRUE in the child of a fork() made after the library started: nothing of
 * the parent's threads or connection exists there, so every call fails. */
gboolean wsc_bus_in_forked_child (void);

/* Starts the library thread on first use, connects to the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS as for any GIO client) and loads the reader cache
 * when scardbusd is there. SCARD_S_SUCCESS with the cache online, or
 * SCARD_E_NO_SERVICE. */
LONG wsc_bus_ensure (void);

/* A new connection to the bus for one application context: each context
 * is its own client of the daemon (its own unique name), as each
 * pcsc-lite context is its own socket to pcscd. Made by the library
 * thread, so GDBus ties it to our main context, never the application's.
 * SCARD_E_NO_SERVICE when the bus cannot be reached. */
LONG wsc_bus_open_connection (GDBusConnection **connection);

/* A synchronous method call to scardbusd on @connection. Returns the
 * SCARD_* code of the failure (scb_error_to_scard()) and, when @error is not
 * NULL, the GError. */
LONG wsc_bus_call (GDBusConnection *connection, const char *object_path, const char *interface_name,
                   const char *method, GVariant *parameters, const GVariantType *reply_type,
                   int timeout_ms, GVariant **reply, GError **error);

/* The same, for a method that returns file descriptors. */
LONG wsc_bus_call_with_fds (GDBusConnection *connection, const char *object_path,
                            const char *interface_name, const char *method, GVariant *parameters,
                            const GVariantType *reply_type, GVariant **reply, GUnixFDList **fd_list,
                            GError **error);

/* ---- winscard-cache.c: the readers, kept current by D-Bus signals ---- */

typedef struct
{
  char *path;
  char *name;
  guint32 state;       /* Reader.State: SCARD_STATE_* bits */
  guint32 card_events; /* Reader.CardEvents */
  guint8 atr[MAX_ATR_SIZE];
  gsize atr_len;
  guint8 nad;       /* Reader.Nad */
  gboolean visible; /* counted in ReaderEvents yet */
} WscReader;

/* Everything below with _locked runs with the cache lock held. */
void wsc_cache_lock (void);
void wsc_cache_unlock (void);
/* Wakes every SCardGetStatusChange() waiter (after a change or a cancel). */
void wsc_cache_broadcast_locked (void);
/* Waits for a change until @end_time (g_get_monotonic_time() based; -1:
 * forever). FALSE when @end_time passed. */
gboolean wsc_cache_wait_locked (gint64 end_time);

/* 0 while scardbusd is not there; a new value for every instance of it the
 * library has seen, so handles of an earlier instance are recognized. */
guint64 wsc_cache_get_generation_locked (void);
guint32 wsc_cache_get_reader_events_locked (void);
/* The visible readers, in the order they were added (WscReader *). */
GPtrArray *wsc_cache_get_readers_locked (void);
const WscReader *wsc_cache_find_reader_locked (const char *name);

/* Called in the library thread by winscard-bus.c. */
void wsc_cache_subscribe (GDBusConnection *connection);
void wsc_cache_unsubscribe (GDBusConnection *connection);
/* Loads a snapshot (subscribe first). SCARD_S_SUCCESS or the error. */
LONG wsc_cache_load (GDBusConnection *connection);
/* scardbusd left the bus, or the bus connection closed. */
void wsc_cache_set_offline (void);

/* ---- winscard-context.c: the application's contexts and card handles ---- */

typedef struct
{
  gint ref_count;
  SCARDCONTEXT handle;
  guint64 generation;
  GDBusConnection *connection; /* this context's own client of the daemon */
  /* Under the cache lock: */
  guint waiting;    /* SCardGetStatusChange() calls in progress */
  guint cancel_seq; /* bumped by SCardCancel() while waiting */
  gboolean released;
} WscContext;

typedef enum
{
  WSC_CHANNEL_UNOPENED,
  WSC_CHANNEL_OPEN,
  WSC_CHANNEL_UNAVAILABLE, /* the daemon has no OpenChannel: use Transmit */
} WscChannelState;

typedef struct
{
  gint ref_count;
  SCARDHANDLE handle;
  SCARDCONTEXT context;
  guint64 generation;
  GDBusConnection *connection; /* its context's: only it may call the object */
  char *reader_name;
  char *path;     /* the Connection object */
  GMutex io_lock; /* one request at a time; guards what follows */
  DWORD protocol; /* SCARD_PROTOCOL_* */
  guint8 nad;
  WscChannelState channel_state;
  int channel_fd;
  guint32 next_request_id;
} WscCard;

/* A new reference to the context or card for @handle, NULL when unknown. */
WscContext *wsc_context_lookup (SCARDCONTEXT handle);
void wsc_context_unref (WscContext *context);
WscCard *wsc_card_lookup (SCARDHANDLE handle);
void wsc_card_unref (WscCard *card);
/* Adds a card to @context's handles; returns its new handle. */
SCARDHANDLE wsc_card_register (WscContext *context, const char *reader_name, const char *path,
                               DWORD protocol, guint8 nad);
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
const char *wsc_disposition_word (DWORD disposition);
/* BeginTransaction, waiting as long as another connection holds one. */
LONG wsc_card_begin_transaction (WscCard *card);
LONG wsc_card_end_transaction (WscCard *card, const char *disposition);

/* ---- winscard-channel.c: the fd fast path of one card (io_lock held) ---- */

#define WSC_CHANNEL_OP_TRANSMIT 1
#define WSC_CHANNEL_OP_CONTROL 2

/* Sends one request and returns the answer's status (an SCARD_* value) and
 * payload. Falls back to Connection.Transmit/Control when the daemon offers
 * no channel. */
LONG wsc_channel_exchange (WscCard *card, guint8 op, guint32 code, const guint8 *data, gsize length,
                           GBytes **answer);
void wsc_channel_close (WscCard *card);

/* ---- winscard-error.c ---- */
/* The SCARD_* code for a failed call, mapped by libscardbus' one table. */
LONG wsc_error_to_scard (const GError *error);

G_END_DECLS

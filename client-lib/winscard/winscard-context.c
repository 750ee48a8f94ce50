/* winscard-context.c: contexts and card handles; the context-level SCard*
 *
 * SCARDCONTEXT and SCARDHANDLE values are random 31-bit numbers, unique
 * across both kinds, as pcsc-lite hands out: a handle released once is never
 * mistaken for a live one (the double-release CVEs of this field).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include <stdlib.h>
#include <string.h>

static GMutex handles_lock;
static GHashTable *contexts; /* SCARDCONTEXT -> WscContext (a reference) */
static GHashTable *cards;    /* SCARDHANDLE -> WscCard (a reference) */

static void
ensure_tables_locked (void)
{
  if (contexts == NULL)
    {
      contexts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                        (GDestroyNotify) wsc_context_unref);
      cards = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                     (GDestroyNotify) wsc_card_unref);
    }
}

static gint64 *
key_new (gint64 value)
{
  return g_memdup2 (&value, sizeof value);
}

static gint64
new_handle_locked (void)
{
  for (;;)
    {
      gint64 value = g_random_int_range (1, G_MAXINT32);

      if (!g_hash_table_contains (contexts, &value) && !g_hash_table_contains (cards, &value))
        return value;
    }
}

WscContext *
wsc_context_lookup (SCARDCONTEXT handle)
{
  gint64 key = (gint64) handle;
  WscContext *context;

  g_mutex_lock (&handles_lock);
  ensure_tables_locked ();
  context = g_hash_table_lookup (contexts, &key);
  if (context != NULL)
    g_atomic_int_inc (&context->ref_count);
  g_mutex_unlock (&handles_lock);
  return context;
}

void
wsc_context_unref (WscContext *context)
{
  if (!g_atomic_int_dec_and_test (&context->ref_count))
    return;
  if (context->bus != NULL)
    g_dbus_connection_close_sync (context->bus, NULL, NULL);
  g_clear_object (&context->bus);
  g_free (context);
}

WscCard *
wsc_card_lookup (SCARDHANDLE handle)
{
  gint64 key = (gint64) handle;
  WscCard *card;

  g_mutex_lock (&handles_lock);
  ensure_tables_locked ();
  card = g_hash_table_lookup (cards, &key);
  if (card != NULL)
    g_atomic_int_inc (&card->ref_count);
  g_mutex_unlock (&handles_lock);
  return card;
}

void
wsc_card_unref (WscCard *card)
{
  if (!g_atomic_int_dec_and_test (&card->ref_count))
    return;
  g_clear_object (&card->connection);
  g_mutex_clear (&card->io_lock);
  g_free (card->reader_name);
  g_free (card);
}

SCARDHANDLE
wsc_card_register (WscContext *context, const char *reader_name, ScbClientConnection *connection)
{
  WscCard *card = g_new0 (WscCard, 1);
  gint64 handle;

  card->ref_count = 1;
  card->context = context->handle;
  card->generation = context->generation;
  card->connection = connection;
  card->reader_name = g_strdup (reader_name);
  g_mutex_init (&card->io_lock);

  g_mutex_lock (&handles_lock);
  ensure_tables_locked ();
  handle = new_handle_locked ();
  card->handle = (SCARDHANDLE) handle;
  g_hash_table_insert (cards, key_new (handle), card);
  g_mutex_unlock (&handles_lock);
  return card->handle;
}

void
wsc_card_forget (SCARDHANDLE handle)
{
  gint64 key = (gint64) handle;

  g_mutex_lock (&handles_lock);
  ensure_tables_locked ();
  g_hash_table_remove (cards, &key);
  g_mutex_unlock (&handles_lock);
}

LONG
wsc_card_get (SCARDHANDLE handle, WscCard **out)
{
  WscCard *card;
  LONG rv;

  if (wsc_in_forked_child () || handle == 0)
    return SCARD_E_INVALID_HANDLE;
  card = wsc_card_lookup (handle);
  if (card == NULL)
    return SCARD_E_INVALID_HANDLE;
  rv = wsc_check_generation (card->generation);
  if (rv != SCARD_S_SUCCESS)
    {
      wsc_card_unref (card);
      return rv;
    }
  *out = card;
  return SCARD_S_SUCCESS;
}

LONG
wsc_check_generation (guint64 generation)
{
  guint64 current;

  wsc_readers_lock ();
  current = wsc_readers_get_generation_locked ();
  wsc_readers_unlock ();
  return current != 0 && current == generation ? SCARD_S_SUCCESS : SCARD_E_NO_SERVICE;
}

LONG
SCardEstablishContext (DWORD dwScope, LPCVOID pvReserved1, LPCVOID pvReserved2,
                       LPSCARDCONTEXT phContext)
{
  WscContext *context;
  gint64 handle;
  LONG rv;

  /* pcsc-lite checks for the service first, then the parameters. */
  rv = wsc_service_ensure ();
  if (rv != SCARD_S_SUCCESS)
    return rv;
  if (phContext == NULL)
    return SCARD_E_INVALID_PARAMETER;
  *phContext = 0;
  if (dwScope != SCARD_SCOPE_USER && dwScope != SCARD_SCOPE_TERMINAL
      && dwScope != SCARD_SCOPE_SYSTEM && dwScope != SCARD_SCOPE_GLOBAL)
    return SCARD_E_INVALID_VALUE;

  context = g_new0 (WscContext, 1);
  context->ref_count = 1;
  rv = wsc_open_bus (&context->bus);
  wsc_readers_lock ();
  context->generation = wsc_readers_get_generation_locked ();
  wsc_readers_unlock ();
  /* The service left between the check and now. */
  if (rv != SCARD_S_SUCCESS || context->generation == 0)
    {
      wsc_context_unref (context);
      return SCARD_E_NO_SERVICE;
    }

  g_mutex_lock (&handles_lock);
  ensure_tables_locked ();
  handle = new_handle_locked ();
  context->handle = (SCARDCONTEXT) handle;
  g_hash_table_insert (contexts, key_new (handle), context);
  g_mutex_unlock (&handles_lock);

  *phContext = context->handle;
  return SCARD_S_SUCCESS;
}

LONG
SCardReleaseContext (SCARDCONTEXT hContext)
{
  g_autoptr (GPtrArray) released = g_ptr_array_new_with_free_func ((GDestroyNotify) wsc_card_unref);
  gint64 key = (gint64) hContext;
  WscContext *context = NULL;
  GHashTableIter iter;
  gpointer card_key;
  gpointer value;
  LONG rv;

  if (wsc_in_forked_child ())
    return SCARD_E_INVALID_HANDLE;

  g_mutex_lock (&handles_lock);
  ensure_tables_locked ();
  if (g_hash_table_steal_extended (contexts, &key, &value, (gpointer *) &context))
    {
      g_free (value);
      /* Its card handles go with it. */
      g_hash_table_iter_init (&iter, cards);
      while (g_hash_table_iter_next (&iter, &card_key, &value))
        {
          WscCard *card = value;

          if (card->context == hContext)
            {
              g_ptr_array_add (released, card);
              g_hash_table_iter_steal (&iter);
              g_free (card_key);
            }
        }
    }
  g_mutex_unlock (&handles_lock);
  if (context == NULL)
    return SCARD_E_INVALID_HANDLE;

  /* A SCardGetStatusChange() still waiting on it returns. */
  wsc_readers_lock ();
  context->released = TRUE;
  wsc_readers_broadcast_locked ();
  wsc_readers_unlock ();

  rv = wsc_check_generation (context->generation);
  if (rv == SCARD_S_SUCCESS)
    {
      /* pcscd disconnects a released context's cards leaving them as they
       * are; so do we (the daemon would do it when we leave the bus). */
      for (guint i = 0; i < released->len; i++)
        {
          WscCard *card = g_ptr_array_index (released, i);

          (void) scb_client_connection_close_sync (card->connection, SCB_DISPOSITION_LEAVE, NULL,
                                                   NULL);
        }
    }
  wsc_context_unref (context);
  return rv;
}

LONG
SCardIsValidContext (SCARDCONTEXT hContext)
{
  g_autoptr (WscContext) context = NULL;

  if (wsc_in_forked_child ())
    return SCARD_E_INVALID_HANDLE;
  context = wsc_context_lookup (hContext);
  if (context == NULL)
    return SCARD_E_INVALID_HANDLE;
  /* A context of a daemon instance that went away is no longer valid
   * (pcsc-lite only looks at its own table: see docs/winscard.md). */
  if (wsc_check_generation (context->generation) != SCARD_S_SUCCESS)
    return SCARD_E_INVALID_HANDLE;
  return SCARD_S_SUCCESS;
}

LONG
SCardCancel (SCARDCONTEXT hContext)
{
  g_autoptr (WscContext) context = NULL;

  if (wsc_in_forked_child ())
    return SCARD_E_INVALID_HANDLE;
  context = wsc_context_lookup (hContext);
  if (context == NULL)
    return SCARD_E_INVALID_HANDLE;

  /* Ends the waits of this context only; a no-op when nothing waits. */
  wsc_readers_lock ();
  if (context->waiting > 0)
    {
      context->cancel_seq++;
      wsc_readers_broadcast_locked ();
    }
  wsc_readers_unlock ();
  return SCARD_S_SUCCESS;
}

LONG
SCardFreeMemory (SCARDCONTEXT hContext, LPCVOID pvMem)
{
  g_autoptr (WscContext) context = NULL;

  if (wsc_in_forked_child ())
    return SCARD_E_INVALID_HANDLE;
  context = wsc_context_lookup (hContext);
  if (context == NULL)
    return SCARD_E_INVALID_HANDLE;
  /* SCARD_AUTOALLOCATE buffers come from malloc(). */
  free ((void *) pvMem);
  return SCARD_S_SUCCESS;
}

/* The SCARD_AUTOALLOCATE protocol shared by the list functions: @needed
 * bytes of @source into the caller's buffer or a new one. */
static LONG
copy_multistring (const char *source, DWORD needed, LPSTR out, LPDWORD out_len)
{
  char *buffer;

  if (*out_len == SCARD_AUTOALLOCATE)
    {
      if (out == NULL)
        return SCARD_E_INVALID_PARAMETER;
      buffer = malloc (needed);
      if (buffer == NULL)
        return SCARD_E_NO_MEMORY;
      *(char **) out = buffer;
    }
  else
    {
      buffer = out;
      if (buffer != NULL && *out_len < needed)
        return SCARD_E_INSUFFICIENT_BUFFER;
    }
  if (buffer != NULL)
    memcpy (buffer, source, needed);
  return SCARD_S_SUCCESS;
}

LONG
SCardListReaderGroups (SCARDCONTEXT hContext, LPSTR mszGroups, LPDWORD pcchGroups)
{
  static const char groups[] = "SCard$DefaultReaders\0";
  g_autoptr (WscContext) context = NULL;
  LONG rv;

  if (wsc_in_forked_child ())
    return SCARD_E_INVALID_HANDLE;
  context = wsc_context_lookup (hContext);
  if (context == NULL)
    return SCARD_E_INVALID_HANDLE;
  if (pcchGroups == NULL)
    return SCARD_E_INVALID_PARAMETER;

  rv = copy_multistring (groups, sizeof groups, mszGroups, pcchGroups);
  *pcchGroups = sizeof groups;
  return rv;
}

LONG
SCardListReaders (SCARDCONTEXT hContext, LPCSTR mszGroups, LPSTR mszReaders, LPDWORD pcchReaders)
{
  g_autoptr (WscContext) context = NULL;
  g_autoptr (GString) list = NULL;
  GArray *readers;
  DWORD needed;
  LONG rv;

  if (pcchReaders == NULL)
    return SCARD_E_INVALID_PARAMETER;
  if (wsc_in_forked_child ())
    return SCARD_E_INVALID_HANDLE;
  context = wsc_context_lookup (hContext);
  if (context == NULL)
    return SCARD_E_INVALID_HANDLE;

  /* The view is current: no round trip to the daemon. */
  list = g_string_new (NULL);
  wsc_readers_lock ();
  if (wsc_readers_get_generation_locked () != context->generation)
    {
      wsc_readers_unlock ();
      return SCARD_E_NO_SERVICE;
    }
  readers = wsc_readers_get_locked ();
  for (guint i = 0; i < readers->len; i++)
    {
      const WscReader *reader = &g_array_index (readers, WscReader, i);

      g_string_append_len (list, reader->name, (gssize) strlen (reader->name) + 1);
    }
  wsc_readers_unlock ();
  g_string_append_c (list, '\0');
  needed = list->len;

  if (needed == 1)
    rv = SCARD_E_NO_READERS_AVAILABLE;
  else
    rv = copy_multistring (list->str, needed, mszReaders, pcchReaders);
  /* pcsc-lite sets the length whatever the outcome. */
  *pcchReaders = needed;
  return rv;
}

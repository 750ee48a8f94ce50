/* winscard-card.c: connections to a card: connect, reconnect, disconnect,
 * transactions, status
 *
 * Parameter checks happen where pcsc-lite makes them (client first, then
 * what pcscd checks before touching the reader); everything else is the
 * daemon's answer, mapped by libscardbus' table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include <stdlib.h>
#include <string.h>

/* pcscd's checks of the share mode and the protocols, in its order. */
static LONG
check_mode_and_protocols (DWORD share_mode, DWORD protocols)
{
  if (share_mode != SCARD_SHARE_DIRECT
      && !(protocols
           & (SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_RAW | WSC_PROTOCOL_ANY_OLD)))
    return SCARD_E_PROTO_MISMATCH;
  if (!scb_share_mode_is_valid (share_mode))
    return SCARD_E_INVALID_VALUE;
  return SCARD_S_SUCCESS;
}

static ScbProtocol
protocols_of (DWORD protocols)
{
  /* SCARD_PROTOCOL_ANY_OLD (0x1000) of pcsc-lite < 1.3 asks for T=0 or T=1. */
  if (protocols & WSC_PROTOCOL_ANY_OLD)
    protocols |= SCB_PROTOCOL_ANY;
  return (ScbProtocol) (protocols & (SCB_PROTOCOL_ANY | SCB_PROTOCOL_RAW));
}

LONG
SCardConnect (SCARDCONTEXT hContext, LPCSTR szReader, DWORD dwShareMode, DWORD dwPreferredProtocols,
              LPSCARDHANDLE phCard, LPDWORD pdwActiveProtocol)
{
  g_autoptr (WscContext) context = NULL;
  g_autofree char *path = NULL;
  g_autofree char *service = NULL;
  ScbClientConnection *connection;
  const WscReader *reader;
  GError *error = NULL;
  LONG rv;

  if (phCard == NULL || pdwActiveProtocol == NULL)
    return SCARD_E_INVALID_PARAMETER;
  *phCard = 0;
  if (szReader == NULL)
    return SCARD_E_UNKNOWN_READER;
  if (strlen (szReader) > MAX_READERNAME)
    return SCARD_E_INVALID_VALUE;
  if (wsc_in_forked_child ())
    return SCARD_E_INVALID_HANDLE;
  context = wsc_context_lookup (hContext);
  if (context == NULL)
    return SCARD_E_INVALID_HANDLE;
  rv = wsc_check_generation (context->generation);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  rv = check_mode_and_protocols (dwShareMode, dwPreferredProtocols);
  if (rv != SCARD_S_SUCCESS)
    return rv;

  wsc_readers_lock ();
  reader = wsc_readers_find_locked (szReader);
  if (reader != NULL)
    {
      path = g_strdup (reader->path);
      service = g_strdup (wsc_readers_get_service_locked ());
    }
  wsc_readers_unlock ();
  if (path == NULL)
    return SCARD_E_UNKNOWN_READER;

  connection
      = scb_client_connection_new_sync (context->bus, service, path, (ScbShareMode) dwShareMode,
                                        protocols_of (dwPreferredProtocols), NULL, &error);
  if (connection == NULL)
    return wsc_error_take (error);
  *pdwActiveProtocol = (DWORD) scb_client_connection_get_protocol (connection);
  *phCard = wsc_card_register (context, szReader, connection);
  return SCARD_S_SUCCESS;
}

LONG
SCardReconnect (SCARDHANDLE hCard, DWORD dwShareMode, DWORD dwPreferredProtocols,
                DWORD dwInitialization, LPDWORD pdwActiveProtocol)
{
  g_autoptr (WscCard) card = NULL;
  GError *error = NULL;
  ScbProtocol protocol;
  LONG rv;

  if (pdwActiveProtocol == NULL)
    return SCARD_E_INVALID_PARAMETER;
  rv = wsc_card_get (hCard, &card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  if (!scb_disposition_is_valid (dwInitialization))
    return SCARD_E_INVALID_VALUE;
  rv = check_mode_and_protocols (dwShareMode, dwPreferredProtocols);
  if (rv != SCARD_S_SUCCESS)
    return rv;

  g_mutex_lock (&card->io_lock);
  protocol = scb_client_connection_reconnect_sync (
      card->connection, (ScbShareMode) dwShareMode, protocols_of (dwPreferredProtocols),
      /* pcscd treats eject as leave here. */
      dwInitialization == SCARD_EJECT_CARD ? SCB_DISPOSITION_LEAVE
                                           : (ScbDisposition) dwInitialization,
      NULL, &error);
  g_mutex_unlock (&card->io_lock);
  if (error != NULL)
    return wsc_error_take (error);
  *pdwActiveProtocol = (DWORD) protocol;
  return SCARD_S_SUCCESS;
}

LONG
SCardDisconnect (SCARDHANDLE hCard, DWORD dwDisposition)
{
  g_autoptr (WscCard) card = NULL;
  GError *error = NULL;
  LONG rv = SCARD_S_SUCCESS;

  if (wsc_in_forked_child () || hCard == 0)
    return SCARD_E_INVALID_HANDLE;
  card = wsc_card_lookup (hCard);
  if (card == NULL)
    return SCARD_E_INVALID_HANDLE;
  if (!scb_disposition_is_valid (dwDisposition))
    return SCARD_E_INVALID_VALUE;
  /* The daemon instance that had it is gone, and the connection with it. */
  if (wsc_check_generation (card->generation) != SCARD_S_SUCCESS)
    {
      wsc_card_forget (hCard);
      return SCARD_S_SUCCESS;
    }

  g_mutex_lock (&card->io_lock);
  if (!scb_client_connection_close_sync (card->connection, (ScbDisposition) dwDisposition, NULL,
                                         &error))
    rv = wsc_error_take (error);
  g_mutex_unlock (&card->io_lock);
  /* The connection object already went away with its reader. */
  if (rv == SCARD_E_INVALID_HANDLE)
    rv = SCARD_S_SUCCESS;
  if (rv == SCARD_S_SUCCESS)
    wsc_card_forget (hCard);
  return rv;
}

LONG
wsc_card_begin_transaction (WscCard *card)
{
  GError *error = NULL;

  /* pcsc-lite blocks until the other transaction ends; the daemon waits
   * for us, 60 s at a time. */
  while (!scb_client_connection_begin_transaction_sync (card->connection, NULL, &error))
    {
      if (!g_error_matches (error, SCB_ERROR, SCB_ERROR_TIMEOUT))
        return wsc_error_take (error);
      g_clear_error (&error);
    }
  return SCARD_S_SUCCESS;
}

LONG
wsc_card_end_transaction (WscCard *card, ScbDisposition disposition)
{
  GError *error = NULL;

  if (!scb_client_connection_end_transaction_sync (card->connection, disposition, NULL, &error))
    return wsc_error_take (error);
  return SCARD_S_SUCCESS;
}

LONG
SCardBeginTransaction (SCARDHANDLE hCard)
{
  g_autoptr (WscCard) card = NULL;
  LONG rv;

  rv = wsc_card_get (hCard, &card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  return wsc_card_begin_transaction (card);
}

LONG
SCardEndTransaction (SCARDHANDLE hCard, DWORD dwDisposition)
{
  g_autoptr (WscCard) card = NULL;
  LONG rv;

  rv = wsc_card_get (hCard, &card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  if (!scb_disposition_is_valid (dwDisposition))
    return SCARD_E_INVALID_VALUE;
  return wsc_card_end_transaction (card, (ScbDisposition) dwDisposition);
}

/* Copies @length bytes into the caller's buffer @out, or, for
 * SCARD_AUTOALLOCATE, into a new one left in *@allocated: the caller hands
 * it out only when the whole call succeeds, so that no failure leaks one
 * (pcsc-lite's SCardStatus stores the first buffer before the second can
 * fail). pcsc-lite's rules otherwise. */
static LONG
status_copy (const void *source, DWORD length, DWORD capacity, void *out, void **allocated)
{
  *allocated = NULL;
  if (capacity == SCARD_AUTOALLOCATE)
    {
      if (out == NULL)
        return SCARD_E_INVALID_PARAMETER;
      *allocated = malloc (MAX (length, 1));
      if (*allocated == NULL)
        return SCARD_E_NO_MEMORY;
      memcpy (*allocated, source, length);
      return SCARD_S_SUCCESS;
    }
  if (out == NULL)
    return SCARD_S_SUCCESS;
  memcpy (out, source, MIN (length, capacity));
  return length > capacity ? SCARD_E_INSUFFICIENT_BUFFER : SCARD_S_SUCCESS;
}

LONG
SCardStatus (SCARDHANDLE hCard, LPSTR szReaderName, LPDWORD pcchReaderLen, LPDWORD pdwState,
             LPDWORD pdwProtocol, LPBYTE pbAtr, LPDWORD pcbAtrLen)
{
  g_autoptr (WscCard) card = NULL;
  g_autoptr (GBytes) atr = NULL;
  const WscReader *reader;
  ScbProtocol protocol = SCB_PROTOCOL_NONE;
  const guint8 *atr_bytes;
  GError *error = NULL;
  guint32 card_events = 0;
  guint32 state = 0;
  gsize atr_len = 0;
  DWORD dummy = 0;
  DWORD reader_capacity;
  DWORD atr_capacity;
  void *reader_buffer = NULL;
  void *atr_buffer = NULL;
  gboolean known;
  LONG rv;
  LONG rv_atr;

  if (pdwState != NULL)
    *pdwState = 0;
  if (pdwProtocol != NULL)
    *pdwProtocol = 0;
  if (pcchReaderLen == NULL)
    pcchReaderLen = &dummy;
  if (pcbAtrLen == NULL)
    pcbAtrLen = &dummy;
  reader_capacity = *pcchReaderLen;
  atr_capacity = *pcbAtrLen;
  *pcchReaderLen = 0;
  *pcbAtrLen = 0;

  rv = wsc_card_get (hCard, &card);
  if (rv != SCARD_S_SUCCESS)
    return rv;

  wsc_readers_lock ();
  reader = wsc_readers_find_locked (card->reader_name);
  known = reader != NULL;
  if (known)
    card_events = reader->card_events & 0xFFFF;
  wsc_readers_unlock ();
  if (!known)
    return SCARD_E_READER_UNAVAILABLE;

  if (!scb_client_connection_status_sync (card->connection, NULL, &state, &protocol, &atr, NULL,
                                          &error))
    return wsc_error_take (error);
  atr_bytes = g_bytes_get_data (atr, &atr_len);
  /* An empty GBytes may have no data pointer; memcpy() wants one. */
  if (atr_bytes == NULL)
    atr_bytes = (const guint8 *) "";
  atr_len = MIN (atr_len, MAX_ATR_SIZE);

  *pcchReaderLen = strlen (card->reader_name) + 1;
  *pcbAtrLen = atr_len;
  if (pdwState != NULL)
    *pdwState = ((DWORD) card_events << 16) + state;
  if (pdwProtocol != NULL)
    *pdwProtocol = (DWORD) protocol;

  rv = status_copy (card->reader_name, *pcchReaderLen, reader_capacity, szReaderName,
                    &reader_buffer);
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_INSUFFICIENT_BUFFER)
    return rv;
  rv_atr = status_copy (atr_bytes, atr_len, atr_capacity, pbAtr, &atr_buffer);
  if (rv_atr != SCARD_S_SUCCESS)
    rv = rv_atr;
  if (rv != SCARD_S_SUCCESS)
    {
      free (reader_buffer);
      free (atr_buffer);
      return rv;
    }
  if (reader_buffer != NULL)
    *(void **) szReaderName = reader_buffer;
  if (atr_buffer != NULL)
    *(void **) pbAtr = atr_buffer;
  return SCARD_S_SUCCESS;
}

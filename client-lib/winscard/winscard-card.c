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

#include "scb-names.h"

#include <stdlib.h>
#include <string.h>

/* BeginTransaction waits in the daemon (up to 60 s, then Timeout). */
#define TRANSACTION_TIMEOUT_MS 120000
/* Connect and Reconnect may power a card up: give them time. */
#define CONNECT_TIMEOUT_MS 60000

const char *
wsc_disposition_word (DWORD disposition)
{
  if (!scb_disposition_is_valid (disposition))
    return NULL;
  return scb_disposition_to_word ((ScbDisposition) disposition);
}

static const char *
share_mode_word (DWORD share_mode)
{
  if (!scb_share_mode_is_valid (share_mode))
    return NULL;
  return scb_share_mode_to_word ((ScbShareMode) share_mode);
}

/* pcscd's checks of the share mode and the protocols, in its order. */
static LONG
check_mode_and_protocols (DWORD share_mode, DWORD protocols)
{
  if (share_mode != SCARD_SHARE_DIRECT
      && !(protocols
           & (SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_RAW | WSC_PROTOCOL_ANY_OLD)))
    return SCARD_E_PROTO_MISMATCH;
  if (share_mode_word (share_mode) == NULL)
    return SCARD_E_INVALID_VALUE;
  return SCARD_S_SUCCESS;
}

static GVariant *
protocols_variant (DWORD protocols)
{
  g_auto (GStrv) words = NULL;

  /* SCARD_PROTOCOL_ANY_OLD (0x1000) of pcsc-lite < 1.3 asks for T=0 or T=1. */
  if (protocols & WSC_PROTOCOL_ANY_OLD)
    protocols |= SCB_PROTOCOL_ANY;
  words
      = scb_protocols_to_words ((ScbProtocol) (protocols & (SCB_PROTOCOL_ANY | SCB_PROTOCOL_RAW)));
  return g_variant_new_strv ((const char *const *) words, -1);
}

LONG
SCardConnect (SCARDCONTEXT hContext, LPCSTR szReader, DWORD dwShareMode, DWORD dwPreferredProtocols,
              LPSCARDHANDLE phCard, LPDWORD pdwActiveProtocol)
{
  g_autoptr (WscContext) context = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *path = NULL;
  const char *connection = NULL;
  const char *protocol = NULL;
  const WscReader *reader;
  guint8 nad = 0;
  LONG rv;

  if (phCard == NULL || pdwActiveProtocol == NULL)
    return SCARD_E_INVALID_PARAMETER;
  *phCard = 0;
  if (szReader == NULL)
    return SCARD_E_UNKNOWN_READER;
  if (strlen (szReader) > MAX_READERNAME)
    return SCARD_E_INVALID_VALUE;
  if (wsc_bus_in_forked_child ())
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

  wsc_cache_lock ();
  reader = wsc_cache_find_reader_locked (szReader);
  if (reader != NULL)
    {
      path = g_strdup (reader->path);
      nad = reader->nad;
    }
  wsc_cache_unlock ();
  if (path == NULL)
    return SCARD_E_UNKNOWN_READER;

  rv = wsc_bus_call (context->connection, path, SCB_DBUS_INTERFACE_READER, "Connect",
                     g_variant_new ("(s@as)", share_mode_word (dwShareMode),
                                    protocols_variant (dwPreferredProtocols)),
                     G_VARIANT_TYPE ("(os)"), CONNECT_TIMEOUT_MS, &reply, NULL);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  g_variant_get (reply, "(&o&s)", &connection, &protocol);
  *pdwActiveProtocol = (DWORD) scb_protocol_from_word (protocol);
  *phCard = wsc_card_register (context, szReader, connection, *pdwActiveProtocol, nad);
  return SCARD_S_SUCCESS;
}

LONG
SCardReconnect (SCARDHANDLE hCard, DWORD dwShareMode, DWORD dwPreferredProtocols,
                DWORD dwInitialization, LPDWORD pdwActiveProtocol)
{
  g_autoptr (WscCard) card = NULL;
  g_autoptr (GVariant) reply = NULL;
  const char *protocol = NULL;
  LONG rv;

  if (pdwActiveProtocol == NULL)
    return SCARD_E_INVALID_PARAMETER;
  rv = wsc_card_get (hCard, &card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  if (dwInitialization != SCARD_LEAVE_CARD && dwInitialization != SCARD_RESET_CARD
      && dwInitialization != SCARD_UNPOWER_CARD && dwInitialization != SCARD_EJECT_CARD)
    return SCARD_E_INVALID_VALUE;
  rv = check_mode_and_protocols (dwShareMode, dwPreferredProtocols);
  if (rv != SCARD_S_SUCCESS)
    return rv;

  g_mutex_lock (&card->io_lock);
  rv = wsc_bus_call (
      card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "Reconnect",
      g_variant_new (
          "(s@as&s)", share_mode_word (dwShareMode), protocols_variant (dwPreferredProtocols),
          /* pcscd treats eject as leave here. */
          dwInitialization == SCARD_EJECT_CARD ? "leave" : wsc_disposition_word (dwInitialization)),
      G_VARIANT_TYPE ("(s)"), CONNECT_TIMEOUT_MS, &reply, NULL);
  if (rv == SCARD_S_SUCCESS)
    {
      g_variant_get (reply, "(&s)", &protocol);
      card->protocol = (DWORD) scb_protocol_from_word (protocol);
      *pdwActiveProtocol = card->protocol;
    }
  g_mutex_unlock (&card->io_lock);
  return rv;
}

LONG
SCardDisconnect (SCARDHANDLE hCard, DWORD dwDisposition)
{
  g_autoptr (WscCard) card = NULL;
  LONG rv;

  if (wsc_bus_in_forked_child () || hCard == 0)
    return SCARD_E_INVALID_HANDLE;
  card = wsc_card_lookup (hCard);
  if (card == NULL)
    return SCARD_E_INVALID_HANDLE;
  if (wsc_disposition_word (dwDisposition) == NULL)
    return SCARD_E_INVALID_VALUE;
  /* The daemon instance that had it is gone, and the connection with it. */
  if (wsc_check_generation (card->generation) != SCARD_S_SUCCESS)
    {
      wsc_card_forget (hCard);
      return SCARD_S_SUCCESS;
    }

  g_mutex_lock (&card->io_lock);
  wsc_channel_close (card);
  rv = wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "Disconnect",
                     g_variant_new ("(s)", wsc_disposition_word (dwDisposition)), NULL,
                     CONNECT_TIMEOUT_MS, NULL, NULL);
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
  LONG rv;

  /* pcsc-lite blocks until the other transaction ends; the daemon waits
   * for us, 60 s at a time. */
  do
    rv = wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION,
                       "BeginTransaction", NULL, NULL, TRANSACTION_TIMEOUT_MS, NULL, NULL);
  while (rv == SCARD_E_TIMEOUT);
  return rv;
}

LONG
wsc_card_end_transaction (WscCard *card, const char *disposition)
{
  return wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION,
                       "EndTransaction", g_variant_new ("(s)", disposition), NULL, 0, NULL, NULL);
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
  if (wsc_disposition_word (dwDisposition) == NULL)
    return SCARD_E_INVALID_VALUE;
  return wsc_card_end_transaction (card, wsc_disposition_word (dwDisposition));
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
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) atr = NULL;
  const WscReader *reader;
  const char *protocol = NULL;
  const guint8 *atr_bytes;
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

  wsc_cache_lock ();
  reader = wsc_cache_find_reader_locked (card->reader_name);
  known = reader != NULL;
  if (known)
    card_events = reader->card_events & 0xFFFF;
  wsc_cache_unlock ();
  if (!known)
    return SCARD_E_READER_UNAVAILABLE;

  rv = wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "Status", NULL,
                     G_VARIANT_TYPE ("(susay)"), 0, &reply, NULL);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  g_variant_get (reply, "(&su&s@ay)", NULL, &state, &protocol, &atr);
  atr_bytes = g_variant_get_fixed_array (atr, &atr_len, 1);
  atr_len = MIN (atr_len, MAX_ATR_SIZE);

  *pcchReaderLen = strlen (card->reader_name) + 1;
  *pcbAtrLen = atr_len;
  if (pdwState != NULL)
    *pdwState = ((DWORD) card_events << 16) + state;
  if (pdwProtocol != NULL)
    *pdwProtocol = (DWORD) scb_protocol_from_word (protocol);

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

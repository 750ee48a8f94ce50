/* winscard-transmit.c: SCardTransmit(), SCardControl() and the PCI objects
 *
 * Both go through the connection's fd channel (winscard-channel.c).
 * pcsc-lite's client waits while another connection holds a transaction
 * (it retries every 100 ms); we wait without polling by taking a
 * transaction ourselves, which the daemon grants when the other one ends.
 *
 * SCardControl(SCARD_CTL_CODE(3600)) understands libccid's MEP NAD
 * commands byte for byte and maps them onto the connection's NAD:
 *   get 3F 00 00       -> 3F 00 02 <status> <nad>
 *   set 3E 00 01 <nad> -> 3E 00 01 <status>
 * so that setting goes through Connection.SetNad (polkit's set-nad).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include "scb-names.h"

#include <stdlib.h>
#include <string.h>

/* 16-byte data objects: pcsc_scan and others copy-relocate them, so
 * AddressSanitizer must not grow them with its redzones either. */
#if defined(__clang__)
#define WSC_EXACT_SIZE __attribute__ ((no_sanitize ("address")))
#elif defined(__SANITIZE_ADDRESS__)
#define WSC_EXACT_SIZE __attribute__ ((no_sanitize_address))
#else
#define WSC_EXACT_SIZE
#endif

WSC_EXACT_SIZE const SCARD_IO_REQUEST g_rgSCardT0Pci
    = { SCARD_PROTOCOL_T0, sizeof (SCARD_IO_REQUEST) };
WSC_EXACT_SIZE const SCARD_IO_REQUEST g_rgSCardT1Pci
    = { SCARD_PROTOCOL_T1, sizeof (SCARD_IO_REQUEST) };
WSC_EXACT_SIZE const SCARD_IO_REQUEST g_rgSCardRawPci
    = { SCARD_PROTOCOL_RAW, sizeof (SCARD_IO_REQUEST) };

#define MEP_GET_NAD 0x3F
#define MEP_SET_NAD 0x3E

static gboolean
blocking_wanted (void)
{
  /* pcsc-lite's switch for the same behaviour. */
  return g_getenv ("PCSCLITE_NO_BLOCKING") == NULL;
}

/* One exchange, waiting (if the application did not ask otherwise) while
 * another connection holds a transaction. io_lock held. */
static LONG
exchange (WscCard *card, guint8 op, guint32 code, const guint8 *data, gsize length, GBytes **answer)
{
  LONG rv = wsc_channel_exchange (card, op, code, data, length, answer);
  LONG end_rv;

  if (rv != SCARD_E_SHARING_VIOLATION || !blocking_wanted ())
    return rv;
  rv = wsc_card_begin_transaction (card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  rv = wsc_channel_exchange (card, op, code, data, length, answer);
  end_rv = wsc_card_end_transaction (card, "leave");
  return rv != SCARD_S_SUCCESS ? rv : end_rv;
}

LONG
SCardTransmit (SCARDHANDLE hCard, const SCARD_IO_REQUEST *pioSendPci, LPCBYTE pbSendBuffer,
               DWORD cbSendLength, SCARD_IO_REQUEST *pioRecvPci, LPBYTE pbRecvBuffer,
               LPDWORD pcbRecvLength)
{
  g_autoptr (WscCard) card = NULL;
  g_autoptr (GBytes) answer = NULL;
  gsize answer_len = 0;
  const guint8 *answer_data;
  LONG rv;

  if (pbSendBuffer == NULL || pbRecvBuffer == NULL || pcbRecvLength == NULL || pioSendPci == NULL)
    return SCARD_E_INVALID_PARAMETER;
  /* SCardTransmit does not allocate (Microsoft's WinSCard documents it):
   * taken as a length, SCARD_AUTOALLOCATE would let the answer run past the
   * pointer-sized variable the caller passed as its buffer. */
  if (*pcbRecvLength == SCARD_AUTOALLOCATE)
    return SCARD_E_INVALID_PARAMETER;
  rv = wsc_card_get (hCard, &card);
  if (rv != SCARD_S_SUCCESS)
    {
      *pcbRecvLength = 0;
      return rv;
    }
  if (cbSendLength > MAX_BUFFER_SIZE_EXTENDED)
    return SCARD_E_INSUFFICIENT_BUFFER;
  /* An empty APDU is rejected, never sent (docs/winscard.md). */
  if (cbSendLength == 0)
    return SCARD_E_INVALID_PARAMETER;

  g_mutex_lock (&card->io_lock);
  /* pcscd: the PCI must name the connection's protocol. */
  if (card->protocol != SCARD_PROTOCOL_UNDEFINED && pioSendPci->dwProtocol != WSC_PROTOCOL_ANY_OLD
      && !(pioSendPci->dwProtocol & card->protocol))
    rv = SCARD_E_PROTO_MISMATCH;
  else
    rv = exchange (card, WSC_CHANNEL_OP_TRANSMIT, (guint32) card->protocol, pbSendBuffer,
                   cbSendLength, &answer);
  if (rv == SCARD_S_SUCCESS && pioRecvPci != NULL)
    {
      pioRecvPci->dwProtocol = card->protocol;
      pioRecvPci->cbPciLength = sizeof (SCARD_IO_REQUEST);
    }
  g_mutex_unlock (&card->io_lock);
  if (rv != SCARD_S_SUCCESS)
    return rv;

  answer_data = g_bytes_get_data (answer, &answer_len);
  if (answer_len > *pcbRecvLength)
    {
      *pcbRecvLength = answer_len;
      return SCARD_E_INSUFFICIENT_BUFFER;
    }
  if (answer_len > 0)
    memcpy (pbRecvBuffer, answer_data, answer_len);
  *pcbRecvLength = answer_len;
  return SCARD_S_SUCCESS;
}

/* libccid's MEP NAD commands. TRUE when @data was one of them; the answer
 * is in @answer, or the failure in @rv. io_lock held. */
static gboolean
control_nad (WscCard *card, const guint8 *data, gsize length, GBytes **answer, LONG *rv)
{
  guint8 reply[5];

  if (length == 3 && data[0] == MEP_GET_NAD && data[1] == 0 && data[2] == 0)
    {
      reply[0] = MEP_GET_NAD;
      reply[1] = 0;
      reply[2] = 2;
      reply[3] = 0;
      reply[4] = card->nad;
      *answer = g_bytes_new (reply, 5);
      *rv = SCARD_S_SUCCESS;
      return TRUE;
    }
  if (length == 4 && data[0] == MEP_SET_NAD && data[1] == 0 && data[2] == 1)
    {
      /* The daemon decides (polkit set-nad, TPDU readers only); its
       * refusal is the call's result, not a status byte. */
      *rv = wsc_bus_call (card->connection, card->path, SCB_DBUS_INTERFACE_CONNECTION, "SetNad",
                          g_variant_new ("(y)", data[3]), NULL, 0, NULL, NULL);
      if (*rv != SCARD_S_SUCCESS)
        return TRUE;
      card->nad = data[3];
      reply[0] = MEP_SET_NAD;
      reply[1] = 0;
      reply[2] = 1;
      reply[3] = 0;
      *answer = g_bytes_new (reply, 4);
      return TRUE;
    }
  return FALSE;
}

LONG
SCardControl (SCARDHANDLE hCard, DWORD dwControlCode, LPCVOID pbSendBuffer, DWORD cbSendLength,
              LPVOID pbRecvBuffer, DWORD cbRecvLength, LPDWORD lpBytesReturned)
{
  g_autoptr (WscCard) card = NULL;
  g_autoptr (GBytes) answer = NULL;
  const guint8 *answer_data;
  gsize answer_len = 0;
  LONG rv;

  if (lpBytesReturned != NULL)
    *lpBytesReturned = 0;
  rv = wsc_card_get (hCard, &card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  if (cbSendLength > MAX_BUFFER_SIZE_EXTENDED)
    return SCARD_E_INSUFFICIENT_BUFFER;
  if (pbSendBuffer == NULL && cbSendLength > 0)
    return SCARD_E_INVALID_PARAMETER;
  if (dwControlCode > G_MAXUINT32)
    return SCARD_E_INVALID_VALUE;

  g_mutex_lock (&card->io_lock);
  if (dwControlCode != SCB_CTL_MEP_NAD
      || !control_nad (card, pbSendBuffer, cbSendLength, &answer, &rv))
    rv = exchange (card, WSC_CHANNEL_OP_CONTROL, (guint32) dwControlCode, pbSendBuffer,
                   cbSendLength, &answer);
  g_mutex_unlock (&card->io_lock);
  if (rv != SCARD_S_SUCCESS)
    return rv;

  answer_data = g_bytes_get_data (answer, &answer_len);
  if (answer_len > cbRecvLength)
    {
      if (lpBytesReturned != NULL)
        *lpBytesReturned = answer_len;
      return SCARD_E_INSUFFICIENT_BUFFER;
    }
  if (answer_len > 0)
    {
      if (pbRecvBuffer == NULL)
        return SCARD_E_INVALID_PARAMETER;
      memcpy (pbRecvBuffer, answer_data, answer_len);
    }
  if (lpBytesReturned != NULL)
    *lpBytesReturned = answer_len;
  return SCARD_S_SUCCESS;
}

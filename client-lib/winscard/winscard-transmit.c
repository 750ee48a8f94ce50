/* winscard-transmit.c: SCardTransmit(), SCardControl() and the PCI objects
 *
 * Both are the handle's ScbClientConnection's: its fd channel, or D-Bus
 * when the channel fails. pcsc-lite's client waits while another
 * connection holds a transaction (it retries every 100 ms). The daemon
 * makes a Transmit wait itself; for what it refuses with SharingViolation
 * (Control, and every call of an older daemon) we wait without polling
 * by taking a transaction ourselves, which the daemon grants when the
 * other one ends.
 *
 * SCardControl(SCARD_CTL_CODE(3600)) speaks libccid's MEP NAD commands
 * byte for byte; the daemon keeps the connection's NAD and answers the
 * same command (the NAD for a get, nothing for a set, which polkit's set-nad
 * decides), and the answer takes libccid's form here:
 *   get 3F 00 00       -> 3F 00 02 <status> <nad>
 *   set 3E 00 01 <nad> -> 3E 00 01 <status>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

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

static gboolean
blocking_wanted (void)
{
  /* pcsc-lite's switch for the same behaviour. */
  return g_getenv ("PCSCLITE_NO_BLOCKING") == NULL;
}

static GBytes *
exchange_once (WscCard *card, gboolean control, guint32 code, GBytes *data, GError **error)
{
  if (control)
    return scb_client_connection_control_sync (card->connection, code, data, NULL, error);
  return scb_client_connection_transmit_sync (card->connection, data, NULL, error);
}

/* One exchange, waiting (if the application did not ask otherwise) while
 * another connection holds a transaction. io_lock held. */
static LONG
exchange (WscCard *card, gboolean control, guint32 code, const guint8 *data, gsize length,
          GBytes **answer)
{
  /* Sent before the call returns: no copy. */
  g_autoptr (GBytes) request = g_bytes_new_static (data, length);
  GError *error = NULL;
  LONG rv;
  LONG end_rv;

  *answer = exchange_once (card, control, code, request, &error);
  if (*answer != NULL)
    return SCARD_S_SUCCESS;
  if (!g_error_matches (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION) || !blocking_wanted ())
    return wsc_error_take (error);
  g_clear_error (&error);
  rv = wsc_card_begin_transaction (card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  *answer = exchange_once (card, control, code, request, &error);
  rv = *answer != NULL ? SCARD_S_SUCCESS : wsc_error_take (error);
  end_rv = wsc_card_end_transaction (card, SCB_DISPOSITION_LEAVE);
  return rv != SCARD_S_SUCCESS ? rv : end_rv;
}

/* pcscd checks another connection's transaction, then the card's events,
 * then the PCI: a wrong PCI waits like any transmit before its error. */
static LONG
protocol_mismatch (WscCard *card)
{
  LONG rv;

  if (!blocking_wanted ())
    return SCARD_E_PROTO_MISMATCH;
  rv = wsc_card_begin_transaction (card);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  rv = wsc_card_end_transaction (card, SCB_DISPOSITION_LEAVE);
  return rv != SCARD_S_SUCCESS ? rv : SCARD_E_PROTO_MISMATCH;
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
  DWORD protocol;
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
  protocol = (DWORD) scb_client_connection_get_protocol (card->connection);
  /* pcscd: the PCI must name the connection's protocol. */
  if (protocol != SCARD_PROTOCOL_UNDEFINED && pioSendPci->dwProtocol != WSC_PROTOCOL_ANY_OLD
      && !(pioSendPci->dwProtocol & protocol))
    rv = protocol_mismatch (card);
  else
    rv = exchange (card, FALSE, 0, pbSendBuffer, cbSendLength, &answer);
  if (rv == SCARD_S_SUCCESS && pioRecvPci != NULL)
    {
      pioRecvPci->dwProtocol = protocol;
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

/* The daemon's answer to a MEP NAD command, in libccid's form. */
static GBytes *
mep_nad_answer (ScbMepNadCommand command, GBytes *answer)
{
  gsize len = 0;
  const guint8 *nad = g_bytes_get_data (answer, &len);

  if (command == SCB_MEP_NAD_SET)
    return g_bytes_new ((const guint8[]){ 0x3E, 0x00, 0x01, 0x00 }, 4);
  /* Every length from the daemon is checked before use. */
  if (len != 1)
    return NULL;
  return g_bytes_new ((const guint8[]){ 0x3F, 0x00, 0x02, 0x00, nad[0] }, 5);
}

LONG
SCardControl (SCARDHANDLE hCard, DWORD dwControlCode, LPCVOID pbSendBuffer, DWORD cbSendLength,
              LPVOID pbRecvBuffer, DWORD cbRecvLength, LPDWORD lpBytesReturned)
{
  g_autoptr (WscCard) card = NULL;
  g_autoptr (GBytes) answer = NULL;
  const guint8 *answer_data;
  gsize answer_len = 0;
  ScbMepNadCommand command;
  guint8 nad = 0;
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
  rv = exchange (card, TRUE, (guint32) dwControlCode, pbSendBuffer, cbSendLength, &answer);
  g_mutex_unlock (&card->io_lock);
  if (rv != SCARD_S_SUCCESS)
    return rv;
  if (dwControlCode == SCB_CTL_MEP_NAD
      && scb_mep_nad_parse (pbSendBuffer, cbSendLength, &command, &nad, NULL))
    {
      GBytes *ccid_answer = mep_nad_answer (command, answer);

      if (ccid_answer == NULL)
        return SCARD_F_COMM_ERROR;
      g_bytes_unref (answer);
      answer = ccid_answer;
    }

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

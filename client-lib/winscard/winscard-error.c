/* winscard-error.c: pcsc_stringify_error() and the error mapping
 *
 * The strings are pcsc-lite's, byte for byte (tests/winscard/test-abi.c
 * compares them with Debian's libpcsclite for every code).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "winscard-private.h"

#include <stdio.h>
#include <string.h>

LONG
wsc_error_to_scard (const GError *error)
{
  /* One table for the whole project: libscardbus' scb_error_to_scard().
   * Its gint32 is the 32-bit code; a LONG on LP64 carries it unsigned, as
   * pcsc-lite's ((LONG)0x80100001) constants do. */
  return (LONG) (guint32) scb_error_to_scard (error);
}

LONG
wsc_error_take (GError *error)
{
  LONG rv = wsc_error_to_scard (error);

  g_debug ("winscard: %s (0x%08lX)", error->message, (unsigned long) rv);
  g_error_free (error);
  return rv;
}

static const char *
error_text (LONG code)
{
  switch (code)
    {
    case SCARD_S_SUCCESS:
      return "Command successful.";
    case SCARD_F_INTERNAL_ERROR:
      return "Internal error.";
    case SCARD_E_CANCELLED:
      return "Command cancelled.";
    case SCARD_E_INVALID_HANDLE:
      return "Invalid handle.";
    case SCARD_E_INVALID_PARAMETER:
      return "Invalid parameter given.";
    case SCARD_E_INVALID_TARGET:
      return "Invalid target given.";
    case SCARD_E_NO_MEMORY:
      return "Not enough memory.";
    case SCARD_F_WAITED_TOO_LONG:
      return "Waited too long.";
    case SCARD_E_INSUFFICIENT_BUFFER:
      return "Insufficient buffer.";
    case SCARD_E_UNKNOWN_READER:
      return "Unknown reader specified.";
    case SCARD_E_TIMEOUT:
      return "Command timeout.";
    case SCARD_E_SHARING_VIOLATION:
      return "Sharing violation.";
    case SCARD_E_NO_SMARTCARD:
      return "No smart card inserted.";
    case SCARD_E_UNKNOWN_CARD:
      return "Unknown card.";
    case SCARD_E_CANT_DISPOSE:
      return "Cannot dispose handle.";
    case SCARD_E_PROTO_MISMATCH:
      return "Card protocol mismatch.";
    case SCARD_E_NOT_READY:
      return "Subsystem not ready.";
    case SCARD_E_INVALID_VALUE:
      return "Invalid value given.";
    case SCARD_E_SYSTEM_CANCELLED:
      return "System cancelled.";
    case SCARD_F_COMM_ERROR:
      return "RPC transport error.";
    case SCARD_F_UNKNOWN_ERROR:
      return "Unknown error.";
    case SCARD_E_INVALID_ATR:
      return "Invalid ATR.";
    case SCARD_E_NOT_TRANSACTED:
      return "Transaction failed.";
    case SCARD_E_READER_UNAVAILABLE:
      return "Reader is unavailable.";
    case SCARD_E_PCI_TOO_SMALL:
      return "PCI struct too small.";
    case SCARD_E_READER_UNSUPPORTED:
      return "Reader is unsupported.";
    case SCARD_E_DUPLICATE_READER:
      return "Reader already exists.";
    case SCARD_E_CARD_UNSUPPORTED:
      return "Card is unsupported.";
    case SCARD_E_NO_SERVICE:
      return "Service not available.";
    case SCARD_E_SERVICE_STOPPED:
      return "Service was stopped.";
    /* Same value as SCARD_E_UNEXPECTED, which pcsc-lite never returns. */
    case SCARD_E_UNSUPPORTED_FEATURE:
      return "Feature not supported.";
    case SCARD_E_NO_READERS_AVAILABLE:
      return "Cannot find a smart card reader.";
    case SCARD_W_UNSUPPORTED_CARD:
      return "Card is not supported.";
    case SCARD_W_UNRESPONSIVE_CARD:
      return "Card is unresponsive.";
    case SCARD_W_UNPOWERED_CARD:
      return "Card is unpowered.";
    case SCARD_W_RESET_CARD:
      return "Card was reset.";
    case SCARD_W_REMOVED_CARD:
      return "Card was removed.";
    case SCARD_W_SECURITY_VIOLATION:
      return "Access denied.";
    default:
      return NULL;
    }
}

const char *
pcsc_stringify_error (const LONG pcscError)
{
  /* One buffer per thread, as pcsc-lite: the pointer stays valid until the
   * same thread asks again. */
  static _Thread_local char buffer[75];
  const char *text = error_text (pcscError);

  if (text != NULL)
    g_strlcpy (buffer, text, sizeof buffer);
  else
    snprintf (buffer, sizeof buffer, "Unknown error: 0x%08lX", (unsigned long) pcscError);
  return buffer;
}

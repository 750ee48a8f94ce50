/* scb-error.h: the org.scardbus.SmartCard1.Error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ScbError:
 *
 * Every error scardbusd answers with. The nick of each value is its D-Bus
 * error name; scb_error_to_scard() maps each to the PC/SC return code a
 * WinSCard program sees (several share one).
 */
typedef enum
{
  SCB_ERROR_FAILED,              /*< nick=org.scardbus.SmartCard1.Error.Failed >*/
  SCB_ERROR_NO_SMARTCARD,        /*< nick=org.scardbus.SmartCard1.Error.NoSmartcard >*/
  SCB_ERROR_SHARING_VIOLATION,   /*< nick=org.scardbus.SmartCard1.Error.SharingViolation >*/
  SCB_ERROR_REMOVED_CARD,        /*< nick=org.scardbus.SmartCard1.Error.RemovedCard >*/
  SCB_ERROR_RESET_CARD,          /*< nick=org.scardbus.SmartCard1.Error.ResetCard >*/
  SCB_ERROR_UNPOWERED_CARD,      /*< nick=org.scardbus.SmartCard1.Error.UnpoweredCard >*/
  SCB_ERROR_UNRESPONSIVE_CARD,   /*< nick=org.scardbus.SmartCard1.Error.UnresponsiveCard >*/
  SCB_ERROR_UNSUPPORTED_CARD,    /*< nick=org.scardbus.SmartCard1.Error.UnsupportedCard >*/
  SCB_ERROR_TIMEOUT,             /*< nick=org.scardbus.SmartCard1.Error.Timeout >*/
  SCB_ERROR_NOT_TRANSACTED,      /*< nick=org.scardbus.SmartCard1.Error.NotTransacted >*/
  SCB_ERROR_PROTO_MISMATCH,      /*< nick=org.scardbus.SmartCard1.Error.ProtoMismatch >*/
  SCB_ERROR_INVALID_PARAMETER,   /*< nick=org.scardbus.SmartCard1.Error.InvalidParameter >*/
  SCB_ERROR_INVALID_VALUE,       /*< nick=org.scardbus.SmartCard1.Error.InvalidValue >*/
  SCB_ERROR_INSUFFICIENT_BUFFER, /*< nick=org.scardbus.SmartCard1.Error.InsufficientBuffer >*/
  SCB_ERROR_PERMISSION_DENIED,   /*< nick=org.scardbus.SmartCard1.Error.PermissionDenied >*/
  SCB_ERROR_NOT_SUPPORTED,       /*< nick=org.scardbus.SmartCard1.Error.NotSupported >*/
  SCB_ERROR_READER_UNAVAILABLE,  /*< nick=org.scardbus.SmartCard1.Error.ReaderUnavailable >*/
  SCB_ERROR_UNKNOWN_READER,      /*< nick=org.scardbus.SmartCard1.Error.UnknownReader >*/
  SCB_ERROR_INVALID_HANDLE,      /*< nick=org.scardbus.SmartCard1.Error.InvalidHandle >*/
  SCB_ERROR_CANCELLED,           /*< nick=org.scardbus.SmartCard1.Error.Cancelled >*/
  SCB_ERROR_COMM_ERROR,          /*< nick=org.scardbus.SmartCard1.Error.CommError >*/
  SCB_ERROR_NOT_READY,           /*< nick=org.scardbus.SmartCard1.Error.NotReady >*/
  SCB_ERROR_LIMIT_EXCEEDED,      /*< nick=org.scardbus.SmartCard1.Error.LimitExceeded >*/
  SCB_ERROR_NO_SERVICE,          /*< nick=org.scardbus.SmartCard1.Error.NoService >*/
} ScbError;

#define SCB_ERROR (scb_error_quark ())
GQuark scb_error_quark (void);

/* The PC/SC return code (an SCARD_E_* or SCARD_W_* value, 0 for NULL;
 * a long, as pcsc-lite's LONG) for
 * any error a scardbus client can get: ours, and the bus's own (no service,
 * no reply, disconnected: SCARD_E_NO_SERVICE). */
glong scb_error_to_scard (const GError *error);

/* The ScbError code for an SCARD_* value: the first entry of the table that
 * carries it, SCB_ERROR_FAILED when none does. */
ScbError scb_error_from_scard (glong scard_code);

G_END_DECLS

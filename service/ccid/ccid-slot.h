/* ccid-slot.h: one card slot of a CCID reader: card state, power, protocols
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ccid-descriptor.h"
#include "ccid-secure.h"

G_BEGIN_DECLS

typedef struct _CcidDevice CcidDevice;

#define CCID_TYPE_SLOT (ccid_slot_get_type ())
G_DECLARE_FINAL_TYPE (CcidSlot, ccid_slot, CCID, SLOT, GObject)

typedef enum
{
  CCID_SLOT_ABSENT,  /* no card (also once the reader is gone) */
  CCID_SLOT_PRESENT, /* a card, not powered */
  CCID_SLOT_POWERED, /* ATR read, protocol and parameters set: ready */
  CCID_SLOT_MUTE,    /* a card that gives no usable ATR */
} CcidSlotState;

/* Bits of ccid_slot_get_protocols() */
#define CCID_SLOT_PROTOCOL_T0 0x1
#define CCID_SLOT_PROTOCOL_T1 0x2

const char *ccid_slot_state_to_string (CcidSlotState state);

CcidSlotState ccid_slot_get_state (CcidSlot *self);
/* The last ATR read (kept while unpowered); NULL before the first. */
GBytes *ccid_slot_get_atr (CcidSlot *self);
/* Protocols the card offers and the reader speaks; 0 without an ATR. */
guint ccid_slot_get_protocols (CcidSlot *self);
/* The protocol in force while powered: 0 (T=0), 1 (T=1), -1 none. */
int ccid_slot_get_active_protocol (CcidSlot *self);
/* "<name> NN SS", the PC/SC reader name. */
const char *ccid_slot_get_name (CcidSlot *self);
guint ccid_slot_get_index (CcidSlot *self);
CcidExchangeLevel ccid_slot_get_exchange_level (CcidSlot *self);
/* Per-NAD T=1 state is only possible at TPDU level. */
gboolean ccid_slot_supports_nad (CcidSlot *self);
/* The reader, NULL once it is gone. */
CcidDevice *ccid_slot_get_device (CcidSlot *self);
/* Goes up at every insertion and removal seen (never 0 after the first). */
guint ccid_slot_get_card_generation (CcidSlot *self);

/* Operations run one at a time per slot, in call order.
 *
 * Power on: IccPowerOn with voltage selection, ATR parsing, PPS when the
 * reader does not negotiate itself, SetParameters, S(IFS request) for T=1
 * at TPDU level unless the reader does it. Errors: NO_SMARTCARD,
 * UNRESPONSIVE_CARD (mute), READER_UNAVAILABLE, COMM_ERROR. Returns the ATR. */
void ccid_slot_power_on_async (CcidSlot *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
GBytes *ccid_slot_power_on_finish (CcidSlot *self, GAsyncResult *result, GError **error);
void ccid_slot_power_off_async (CcidSlot *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean ccid_slot_power_off_finish (CcidSlot *self, GAsyncResult *result, GError **error);
/* Cold reset: power off, then power on. Returns the new ATR. */
void ccid_slot_reset_async (CcidSlot *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);
GBytes *ccid_slot_reset_finish (CcidSlot *self, GAsyncResult *result, GError **error);

/* Makes one of @protocols (CCID_SLOT_PROTOCOL_* bits) the protocol in
 * force: at once when it already is, else a cold reset and PPS to the
 * first protocol of the card's among @protocols. Returns 0 or 1. Errors:
 * PROTO_MISMATCH (the card offers none of them, or imposes another),
 * NO_SMARTCARD, UNRESPONSIVE_CARD, READER_UNAVAILABLE. */
void ccid_slot_set_protocol_async (CcidSlot *self, guint protocols, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
int ccid_slot_set_protocol_finish (CcidSlot *self, GAsyncResult *result, GError **error);

/* The answer to ccid_slot_transmit(): @response is NULL exactly when
 * @error is set; both are only borrowed for the call. */
typedef void (*CcidSlotTransmitFunc) (CcidSlot *slot, GBytes *response, const GError *error,
                                      gpointer user_data);

/* Sends a command APDU and calls @func with the response APDU (data + SW1
 * SW2). @nad is the T=1 node address byte (SAD/DAD); one T=1 state is kept
 * per NAD (ETSI TS 102 221 §7.2: sequence numbers per logical interface).
 * A non-zero NAD needs a TPDU-level reader (else NOT_SUPPORTED). Errors:
 * NO_SMARTCARD, REMOVED_CARD (card pulled, also between queueing and
 * sending), UNPOWERED_CARD, UNRESPONSIVE_CARD, NOT_TRANSACTED (the card
 * stopped answering; the link is resynchronised for the next APDU),
 * READER_UNAVAILABLE, INVALID_PARAMETER, INSUFFICIENT_BUFFER, COMM_ERROR.
 * @func may run before this returns (an APDU the slot refuses at once).
 * The APDU hot path: a callback, not a GTask. */
void ccid_slot_transmit (CcidSlot *self, guint8 nad, GBytes *apdu, CcidSlotTransmitFunc func,
                         gpointer user_data);

/* PC_to_RDR_Escape (for Connection.Control): the reader's answer data. */
void ccid_slot_escape_async (CcidSlot *self, GBytes *data, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
GBytes *ccid_slot_escape_finish (CcidSlot *self, GAsyncResult *result, GError **error);

/* PC_to_RDR_Secure: PIN verification or modification on the reader's pad
 * with @data, the abData ccid_secure_convert() wrote as @msg says. Returns
 * the card's response APDU, or what libccid answers for the pad: 64 00
 * (timeout), 64 01 (cancelled), or the reader's own status words (64 02
 * the new PINs differ, 64 03 a PIN too short or too long). Errors as for
 * ccid_slot_transmit(); NOT_TRANSACTED when the reader refuses the command.
 * @nad picks the T=1 state at TPDU level, as for ccid_slot_transmit(). */
void ccid_slot_secure_async (CcidSlot *self, guint8 nad, const guint8 *data,
                             const CcidSecureMessage *msg, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
GBytes *ccid_slot_secure_finish (CcidSlot *self, GAsyncResult *result, GError **error);

/* For CcidDevice only. */
CcidSlot *ccid_slot_new (CcidDevice *device, guint index, const char *name);
void ccid_slot_handle_presence (CcidSlot *self, gboolean present, gboolean changed);
void ccid_slot_handle_hardware_error (CcidSlot *self, guint8 code);
void ccid_slot_handle_device_removed (CcidSlot *self);
/* Asks the reader for the slot status (GetSlotStatus). */
void ccid_slot_refresh (CcidSlot *self);

G_END_DECLS

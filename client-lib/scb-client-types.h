/* scb-client-types.h: the enumerations of libscardbus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ScbClientShareMode:
 * @SCB_CLIENT_SHARE_MODE_SHARED: other connections may use the card too
 *   (D-Bus word `shared`)
 * @SCB_CLIENT_SHARE_MODE_EXCLUSIVE: no other connection while this one lives
 *   (`exclusive`)
 * @SCB_CLIENT_SHARE_MODE_DIRECT: a connection to the reader itself, with or
 *   without a card (`direct`); needs `org.scardbus.SmartCard1.control`
 *
 * How a connection shares its card, as `Reader.Connect()` takes it.
 */
typedef enum
{
  SCB_CLIENT_SHARE_MODE_SHARED,
  SCB_CLIENT_SHARE_MODE_EXCLUSIVE,
  SCB_CLIENT_SHARE_MODE_DIRECT,
} ScbClientShareMode;

/**
 * ScbClientProtocol:
 * @SCB_CLIENT_PROTOCOL_NONE: no protocol (a direct connection without a card)
 * @SCB_CLIENT_PROTOCOL_T0: ISO 7816-3 T=0 (`t0`)
 * @SCB_CLIENT_PROTOCOL_T1: ISO 7816-3 T=1 (`t1`)
 * @SCB_CLIENT_PROTOCOL_RAW: raw exchange (`raw`)
 * @SCB_CLIENT_PROTOCOL_ANY: T=0 or T=1, whichever the card and reader agree on
 *
 * Transmission protocols. The values are PC/SC's `SCARD_PROTOCOL_*` values,
 * which the APDU channel also carries.
 */
typedef enum /*< flags >*/
{
  SCB_CLIENT_PROTOCOL_NONE = 0,
  SCB_CLIENT_PROTOCOL_T0 = 1 << 0,
  SCB_CLIENT_PROTOCOL_T1 = 1 << 1,
  SCB_CLIENT_PROTOCOL_RAW = 1 << 2,
  SCB_CLIENT_PROTOCOL_ANY = SCB_CLIENT_PROTOCOL_T0 | SCB_CLIENT_PROTOCOL_T1,
} ScbClientProtocol;

/**
 * ScbClientDisposition:
 * @SCB_CLIENT_DISPOSITION_LEAVE: leave the card as it is (`leave`)
 * @SCB_CLIENT_DISPOSITION_RESET: reset the card (`reset`)
 * @SCB_CLIENT_DISPOSITION_UNPOWER: power the card down (`unpower`)
 * @SCB_CLIENT_DISPOSITION_EJECT: eject the card, where the reader can (`eject`)
 *
 * What happens to the card at the end of a transaction or connection, or at a
 * reconnection (where `eject` is not accepted).
 */
typedef enum
{
  SCB_CLIENT_DISPOSITION_LEAVE,
  SCB_CLIENT_DISPOSITION_RESET,
  SCB_CLIENT_DISPOSITION_UNPOWER,
  SCB_CLIENT_DISPOSITION_EJECT,
} ScbClientDisposition;

/**
 * ScbClientReaderState:
 * @SCB_CLIENT_READER_STATE_NONE: no bit set
 * @SCB_CLIENT_READER_STATE_EMPTY: no card in the reader
 * @SCB_CLIENT_READER_STATE_PRESENT: a card is in the reader
 * @SCB_CLIENT_READER_STATE_EXCLUSIVE: a connection holds the card exclusively
 * @SCB_CLIENT_READER_STATE_INUSE: at least one connection uses the card
 * @SCB_CLIENT_READER_STATE_MUTE: the card does not answer to reset
 * @SCB_CLIENT_READER_STATE_UNPOWERED: the card is not powered
 *
 * The `Reader.State` bits: pcsc-lite's `SCARD_STATE_*` values.
 */
typedef enum /*< flags >*/
{
  SCB_CLIENT_READER_STATE_NONE = 0,
  SCB_CLIENT_READER_STATE_EMPTY = 0x0010,
  SCB_CLIENT_READER_STATE_PRESENT = 0x0020,
  SCB_CLIENT_READER_STATE_EXCLUSIVE = 0x0080,
  SCB_CLIENT_READER_STATE_INUSE = 0x0100,
  SCB_CLIENT_READER_STATE_MUTE = 0x0200,
  SCB_CLIENT_READER_STATE_UNPOWERED = 0x0400,
} ScbClientReaderState;

G_END_DECLS

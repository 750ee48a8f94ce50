/* scb-types.h: the PC/SC vocabulary every part of scardbus shares
 *
 * Share modes, dispositions, protocols, reader and card states: each value
 * is pcsc-lite's (so a WinSCard argument converts by a range check), and
 * its nick is its D-Bus word (the introspection XML) and its name in
 * scardctl's output. Defined here and nowhere else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ScbShareMode:
 * @SCB_SHARE_MODE_EXCLUSIVE: no other connection while this one lives
 *   (D-Bus word `exclusive`, `SCARD_SHARE_EXCLUSIVE`)
 * @SCB_SHARE_MODE_SHARED: other connections may use the card too (`shared`,
 *   `SCARD_SHARE_SHARED`)
 * @SCB_SHARE_MODE_DIRECT: a connection to the reader itself, with or without
 *   a card (`direct`, `SCARD_SHARE_DIRECT`); needs `org.scardbus.SmartCard1.control`
 *
 * How a connection shares its card, as `Reader.Connect()` takes it.
 */
typedef enum
{
  SCB_SHARE_MODE_EXCLUSIVE = 1, /*< nick=exclusive >*/
  SCB_SHARE_MODE_SHARED = 2,    /*< nick=shared >*/
  SCB_SHARE_MODE_DIRECT = 3,    /*< nick=direct >*/
} ScbShareMode;

/**
 * ScbDisposition:
 * @SCB_DISPOSITION_LEAVE: leave the card as it is (`leave`, `SCARD_LEAVE_CARD`)
 * @SCB_DISPOSITION_RESET: reset the card (`reset`, `SCARD_RESET_CARD`)
 * @SCB_DISPOSITION_UNPOWER: power the card down (`unpower`, `SCARD_UNPOWER_CARD`)
 * @SCB_DISPOSITION_EJECT: eject the card, where the reader can (`eject`,
 *   `SCARD_EJECT_CARD`)
 *
 * What happens to the card at the end of a transaction or connection, or at
 * a reconnection.
 */
typedef enum
{
  SCB_DISPOSITION_LEAVE = 0,   /*< nick=leave >*/
  SCB_DISPOSITION_RESET = 1,   /*< nick=reset >*/
  SCB_DISPOSITION_UNPOWER = 2, /*< nick=unpower >*/
  SCB_DISPOSITION_EJECT = 3,   /*< nick=eject >*/
} ScbDisposition;

/**
 * ScbProtocol:
 * @SCB_PROTOCOL_NONE: no protocol (`SCARD_PROTOCOL_UNDEFINED`): a direct
 *   connection that has not negotiated one
 * @SCB_PROTOCOL_T0: ISO 7816-3 T=0 (`t0`, `SCARD_PROTOCOL_T0`)
 * @SCB_PROTOCOL_T1: ISO 7816-3 T=1 (`t1`, `SCARD_PROTOCOL_T1`)
 * @SCB_PROTOCOL_RAW: raw exchange (`raw`, `SCARD_PROTOCOL_RAW`)
 * @SCB_PROTOCOL_ANY: T=0 or T=1, whichever the card and reader agree on
 *
 * Transmission protocols, as flags: a set of them is what a client accepts.
 * The APDU channel carries these values too.
 */
typedef enum /*< flags >*/
{
  SCB_PROTOCOL_NONE = 0,                                /*< nick=none >*/
  SCB_PROTOCOL_T0 = 1 << 0,                             /*< nick=t0 >*/
  SCB_PROTOCOL_T1 = 1 << 1,                             /*< nick=t1 >*/
  SCB_PROTOCOL_RAW = 1 << 2,                            /*< nick=raw >*/
  SCB_PROTOCOL_ANY = SCB_PROTOCOL_T0 | SCB_PROTOCOL_T1, /*< nick=any >*/
} ScbProtocol;

/**
 * ScbReaderState:
 * @SCB_READER_STATE_NONE: no bit set
 * @SCB_READER_STATE_EMPTY: no card in the reader
 * @SCB_READER_STATE_PRESENT: a card is in the reader
 * @SCB_READER_STATE_EXCLUSIVE: a connection holds the card exclusively
 * @SCB_READER_STATE_INUSE: at least one connection uses the card
 * @SCB_READER_STATE_MUTE: the card does not answer to reset
 * @SCB_READER_STATE_UNPOWERED: the card is not powered
 *
 * The `Reader.State` bits: pcsc-lite's `SCARD_STATE_*` values, as
 * `SCardGetStatusChange()` reports them.
 */
typedef enum /*< flags >*/
{
  SCB_READER_STATE_NONE = 0,
  SCB_READER_STATE_EMPTY = 0x0010,
  SCB_READER_STATE_PRESENT = 0x0020,
  SCB_READER_STATE_EXCLUSIVE = 0x0080,
  SCB_READER_STATE_INUSE = 0x0100,
  SCB_READER_STATE_MUTE = 0x0200,
  SCB_READER_STATE_UNPOWERED = 0x0400,
} ScbReaderState;

/**
 * ScbCardState:
 * @SCB_CARD_STATE_UNKNOWN: nothing known
 * @SCB_CARD_STATE_ABSENT: no card in the reader
 * @SCB_CARD_STATE_PRESENT: a card is in the reader
 * @SCB_CARD_STATE_SWALLOWED: the card is in position but not powered
 * @SCB_CARD_STATE_POWERED: the card is powered
 * @SCB_CARD_STATE_NEGOTIABLE: the card is reset and waits for a protocol
 * @SCB_CARD_STATE_SPECIFIC: the card is reset and speaks a protocol
 *
 * `Connection.Status()`'s state: pcsc-lite's `SCardStatus()` values.
 */
typedef enum /*< flags >*/
{
  SCB_CARD_STATE_UNKNOWN = 0,
  SCB_CARD_STATE_ABSENT = 0x0002,
  SCB_CARD_STATE_PRESENT = 0x0004,
  SCB_CARD_STATE_SWALLOWED = 0x0008,
  SCB_CARD_STATE_POWERED = 0x0010,
  SCB_CARD_STATE_NEGOTIABLE = 0x0020,
  SCB_CARD_STATE_SPECIFIC = 0x0040,
} ScbCardState;

/* The longest command APDU (extended, with Lc and Le: 4 + 3 + 65,535 + 2)
 * and response (65,536 bytes and SW1 SW2) anything of scardbus carries. */
#define SCB_MAX_APDU_SIZE 65544
#define SCB_MAX_RESPONSE_SIZE 65538

/* pcsc-lite 2.3's special reader, whose event counter counts reader
 * arrivals and departures. */
#define SCB_PNP_READER_NAME "\\\\?PnP?\\Notification"

/* D-Bus words. The from_word() functions fail with InvalidParameter
 * (InvalidValue for a disposition, as pcscd) naming the words they take. */
const char *scb_share_mode_to_word (ScbShareMode mode);
gboolean scb_share_mode_from_word (const char *word, ScbShareMode *mode, GError **error);
const char *scb_disposition_to_word (ScbDisposition disposition);
gboolean scb_disposition_from_word (const char *word, ScbDisposition *disposition, GError **error);
/* One protocol's word ("t0", "t1", "raw"), "" for none or a set. */
const char *scb_protocol_to_word (ScbProtocol protocol);
/* The protocol a word names; none for "" (a connection without one) or an
 * unknown word. */
ScbProtocol scb_protocol_from_word (const char *word);
/* The words of each protocol in @protocols, as Connect() takes them. */
GStrv scb_protocols_to_words (ScbProtocol protocols);
gboolean scb_protocols_from_words (const char *const *words, ScbProtocol *protocols,
                                   GError **error);

/* A pcsc-lite value from a client: FALSE when it names no member. */
gboolean scb_share_mode_is_valid (guint32 value);
gboolean scb_disposition_is_valid (guint32 value);

/* The protocol of an ISO 7816-3 T value (0, 1; anything else: none). */
ScbProtocol scb_protocol_from_iso (int t);

G_END_DECLS

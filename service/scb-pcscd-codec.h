/* scb-pcscd-codec.h: pcsc-lite's client/daemon socket protocol, sans I/O
 *
 * The messages pcsc-lite's libpcsclite sends to pcscd over
 * /run/pcscd/pcscd.comm, protocol 4.4 to 4.6 (docs/pcscd-protocol.md).
 * A request is an 8-byte header (body size, command) and the command's
 * fixed body; TRANSMIT and CONTROL are followed by their data without a
 * header. Replies have no header: the fixed body, then the data. Every
 * field is 32 bits in the host's byte order, as pcsc-lite sends its C
 * structures as they are in memory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SCB_PCSCD_MAJOR 4
/* The oldest and newest minor versions served, as pcscd 2.5 (4.6) does. */
#define SCB_PCSCD_MINOR_OLDEST 4
#define SCB_PCSCD_MINOR_NEWEST 6
#define SCB_PCSCD_HEADER_SIZE 8
#define SCB_PCSCD_READER_NAME_SIZE 128 /* MAX_READERNAME */
#define SCB_PCSCD_ATR_SIZE 33          /* MAX_ATR_SIZE */
#define SCB_PCSCD_ATTR_SIZE 264        /* MAX_BUFFER_SIZE */
#define SCB_PCSCD_MAX_DATA 65548       /* MAX_BUFFER_SIZE_EXTENDED */
/* Readers in the fixed array of CMD_GET_READERS_STATE and in every answer
 * to a 4.4 or 4.5 client (PCSCLITE_MAX_READERS_CONTEXTS). */
#define SCB_PCSCD_FIXED_READERS 16
#define SCB_PCSCD_READER_STATE_SIZE 184
/* The card's ATR length while it is not yet powered (READER_NOT_INITIALIZED). */
#define SCB_PCSCD_ATR_NOT_INITIALIZED (SCB_PCSCD_ATR_SIZE + 1)
/* The largest request: a header, the TRANSMIT body and its data. */
#define SCB_PCSCD_MAX_REQUEST (SCB_PCSCD_HEADER_SIZE + 32 + SCB_PCSCD_MAX_DATA)

/* enum pcsc_msg_commands. 0x03, 0x0C and 0x0E are not sent by any
 * libpcsclite and pcscd does not serve them: they are unknown here too. */
typedef enum
{
  SCB_PCSCD_ESTABLISH_CONTEXT = 0x01,
  SCB_PCSCD_RELEASE_CONTEXT = 0x02,
  SCB_PCSCD_CONNECT = 0x04,
  SCB_PCSCD_RECONNECT = 0x05,
  SCB_PCSCD_DISCONNECT = 0x06,
  SCB_PCSCD_BEGIN_TRANSACTION = 0x07,
  SCB_PCSCD_END_TRANSACTION = 0x08,
  SCB_PCSCD_TRANSMIT = 0x09,
  SCB_PCSCD_CONTROL = 0x0A,
  SCB_PCSCD_STATUS = 0x0B,
  SCB_PCSCD_CANCEL = 0x0D,
  SCB_PCSCD_GET_ATTRIB = 0x0F,
  SCB_PCSCD_SET_ATTRIB = 0x10,
  SCB_PCSCD_VERSION = 0x11,
  SCB_PCSCD_GET_READERS_STATE = 0x12,
  SCB_PCSCD_WAIT_READER_STATE_CHANGE = 0x13,
  SCB_PCSCD_STOP_WAITING_READER_STATE_CHANGE = 0x14,
  SCB_PCSCD_GET_READER_EVENTS = 0x15,       /* 4.5 */
  SCB_PCSCD_GET_READERS_STATE_SIZE = 0x16,  /* 4.6 */
  SCB_PCSCD_GET_READERS_STATE_ARRAY = 0x17, /* 4.6 */
} ScbPcscdCommand;

/* One message, request or reply: the fields of the command's structure
 * (those it does not have stay 0). A reply is its request with answers
 * filled in, as pcscd writes it back. */
typedef struct
{
  guint32 command;
  gint32 major; /* version_struct */
  gint32 minor;
  guint32 scope;
  guint32 context;
  guint32 card;
  char reader[SCB_PCSCD_READER_NAME_SIZE]; /* NUL-terminated once decoded */
  guint32 share_mode;
  guint32 preferred_protocols;
  guint32 initialization;
  guint32 active_protocol;
  guint32 disposition;
  guint32 send_pci_protocol;
  guint32 send_pci_length;
  guint32 send_length; /* the data after a TRANSMIT or CONTROL */
  guint32 recv_pci_protocol;
  guint32 recv_pci_length;
  guint32 recv_length;
  guint32 control_code;
  guint32 bytes_returned;
  guint32 attr_id;
  guint8 attr[SCB_PCSCD_ATTR_SIZE];
  guint32 attr_length;
  guint32 timeout;       /* wait_reader_state_change */
  guint32 reader_events; /* get_reader_events */
  guint32 readers;       /* CMD_GET_READERS_STATE_SIZE */
  guint32 rv;
} ScbPcscdMessage;

/* The command's name as pcscd logs it ("CONNECT"), or NULL if unknown. */
const char *scb_pcscd_command_name (guint32 command);
/* The first minor version with @command (0 for an unknown command). */
guint scb_pcscd_command_minor (guint32 command);

/* Decodes the first request in @data (@len bytes so far) for a client
 * speaking 4.@minor. Returns TRUE and sets *@consumed to 0 while the
 * request is incomplete (at most SCB_PCSCD_MAX_REQUEST bytes are ever
 * needed); TRUE with *@consumed its length once complete, *@extra then
 * pointing at its msg->send_length bytes of data. Fails, and the client is
 * to be dropped as pcscd drops it, on an unknown command (or one newer than
 * 4.@minor), a body of the wrong size, data longer than SCB_PCSCD_MAX_DATA
 * or an attribute longer than SCB_PCSCD_ATTR_SIZE. */
gboolean scb_pcscd_request_decode (const guint8 *data, gsize len, guint minor, ScbPcscdMessage *msg,
                                   const guint8 **extra, gsize *consumed, GError **error);
/* A request for a client (tests): header, body, then @len bytes of @data. */
GBytes *scb_pcscd_request_encode (const ScbPcscdMessage *msg, const guint8 *data, gsize len);

/* The size of the fixed reply to @command (0 for the reader-state replies,
 * which are arrays, and for unknown commands). */
gsize scb_pcscd_reply_size (guint32 command);
/* Appends the fixed reply to msg->command to @out. */
void scb_pcscd_reply_encode (const ScbPcscdMessage *msg, GByteArray *out);
/* Reads a fixed reply to @command (tests): exactly its size. */
gboolean scb_pcscd_reply_decode (guint32 command, const guint8 *data, gsize len,
                                 ScbPcscdMessage *msg, GError **error);

/* CMD_VERSION, as pcscd 2.5 answers it: 4.4 to 4.6 are accepted and the
 * reply carries the client's version; anything else gets
 * SCARD_E_SERVICE_STOPPED and the newest version, so that a 2.4.1+ client
 * can retry with it. Returns the minor version now in use, or 0. */
guint scb_pcscd_version_answer (ScbPcscdMessage *msg);

/* One entry of the reader-state array (READER_STATE). */
typedef struct
{
  char name[SCB_PCSCD_READER_NAME_SIZE]; /* "" for a free slot */
  guint32 event_counter; /* card events; the client shifts it into the high 16 bits */
  guint32 state;         /* SCARD_ABSENT, SCARD_PRESENT|SCARD_POWERED|... */
  gint32 sharing;        /* connections sharing the card, -1 exclusive */
  guint8 atr[SCB_PCSCD_ATR_SIZE];
  guint32 atr_length;
  guint32 protocol; /* SCARD_PROTOCOL_* */
} ScbPcscdReaderState;

void scb_pcscd_reader_state_encode (const ScbPcscdReaderState *state,
                                    guint8 out[SCB_PCSCD_READER_STATE_SIZE]);
/* Checks the name is terminated and the ATR length at most
 * SCB_PCSCD_ATR_NOT_INITIALIZED. */
gboolean scb_pcscd_reader_state_decode (const guint8 *data, gsize len, ScbPcscdReaderState *state,
                                        GError **error);

G_END_DECLS

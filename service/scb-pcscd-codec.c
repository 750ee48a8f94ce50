/* scb-pcscd-codec.c: pcsc-lite's client/daemon socket protocol, sans I/O
 *
 * Each command's structure is a list of fields (pcsc-lite's
 * src/winscard_msg.h); one table drives decoding and encoding both ways.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-pcscd-codec.h"
#include "scb-error.h"

#include <PCSC/pcsclite.h>
#include <stddef.h>
#include <string.h>

/* A field: its offset in ScbPcscdMessage and its size on the wire (4, or
 * the two arrays). */
typedef struct
{
  guint16 offset;
  guint16 size;
} Field;

#define U32(member)                                                                                \
  {                                                                                                \
    offsetof (ScbPcscdMessage, member), 4                                                          \
  }
#define ARRAY(member)                                                                              \
  {                                                                                                \
    offsetof (ScbPcscdMessage, member), sizeof (((ScbPcscdMessage *) 0)->member)                   \
  }
#define END                                                                                        \
  {                                                                                                \
    0, 0                                                                                           \
  }

typedef struct
{
  guint32 command;
  const char *name; /* as pcscd logs it */
  guint minor;      /* the first version with it */
  gboolean no_request_body;
  gboolean array_reply; /* reader states, not a structure */
  Field fields[9];
} Layout;

static const Layout layouts[] = {
  { SCB_PCSCD_ESTABLISH_CONTEXT,
    "ESTABLISH_CONTEXT",
    4,
    FALSE,
    FALSE,
    { U32 (scope), U32 (context), U32 (rv), END } },
  { SCB_PCSCD_RELEASE_CONTEXT,
    "RELEASE_CONTEXT",
    4,
    FALSE,
    FALSE,
    { U32 (context), U32 (rv), END } },
  { SCB_PCSCD_CONNECT,
    "CONNECT",
    4,
    FALSE,
    FALSE,
    { U32 (context), ARRAY (reader), U32 (share_mode), U32 (preferred_protocols), U32 (card),
      U32 (active_protocol), U32 (rv), END } },
  { SCB_PCSCD_RECONNECT,
    "RECONNECT",
    4,
    FALSE,
    FALSE,
    { U32 (card), U32 (share_mode), U32 (preferred_protocols), U32 (initialization),
      U32 (active_protocol), U32 (rv), END } },
  { SCB_PCSCD_DISCONNECT,
    "DISCONNECT",
    4,
    FALSE,
    FALSE,
    { U32 (card), U32 (disposition), U32 (rv), END } },
  { SCB_PCSCD_BEGIN_TRANSACTION,
    "BEGIN_TRANSACTION",
    4,
    FALSE,
    FALSE,
    { U32 (card), U32 (rv), END } },
  { SCB_PCSCD_END_TRANSACTION,
    "END_TRANSACTION",
    4,
    FALSE,
    FALSE,
    { U32 (card), U32 (disposition), U32 (rv), END } },
  { SCB_PCSCD_TRANSMIT,
    "TRANSMIT",
    4,
    FALSE,
    FALSE,
    { U32 (card), U32 (send_pci_protocol), U32 (send_pci_length), U32 (send_length),
      U32 (recv_pci_protocol), U32 (recv_pci_length), U32 (recv_length), U32 (rv), END } },
  { SCB_PCSCD_CONTROL,
    "CONTROL",
    4,
    FALSE,
    FALSE,
    { U32 (card), U32 (control_code), U32 (send_length), U32 (recv_length), U32 (bytes_returned),
      U32 (rv), END } },
  { SCB_PCSCD_STATUS, "STATUS", 4, FALSE, FALSE, { U32 (card), U32 (rv), END } },
  { SCB_PCSCD_CANCEL, "CANCEL", 4, FALSE, FALSE, { U32 (context), U32 (rv), END } },
  { SCB_PCSCD_GET_ATTRIB,
    "GET_ATTRIB",
    4,
    FALSE,
    FALSE,
    { U32 (card), U32 (attr_id), ARRAY (attr), U32 (attr_length), U32 (rv), END } },
  { SCB_PCSCD_SET_ATTRIB,
    "SET_ATTRIB",
    4,
    FALSE,
    FALSE,
    { U32 (card), U32 (attr_id), ARRAY (attr), U32 (attr_length), U32 (rv), END } },
  { SCB_PCSCD_VERSION,
    "CMD_VERSION",
    4,
    FALSE,
    FALSE,
    { U32 (major), U32 (minor), U32 (rv), END } },
  { SCB_PCSCD_GET_READERS_STATE, "CMD_GET_READERS_STATE", 4, TRUE, TRUE, { END } },
  /* Its reply, sent when an event comes, is a wait_reader_state_change. */
  { SCB_PCSCD_WAIT_READER_STATE_CHANGE,
    "CMD_WAIT_READER_STATE_CHANGE",
    4,
    TRUE,
    FALSE,
    { U32 (timeout), U32 (rv), END } },
  { SCB_PCSCD_STOP_WAITING_READER_STATE_CHANGE,
    "CMD_STOP_WAITING_READER_STATE_CHANGE",
    4,
    TRUE,
    FALSE,
    { U32 (timeout), U32 (rv), END } },
  { SCB_PCSCD_GET_READER_EVENTS,
    "CMD_GET_READER_EVENTS",
    5,
    TRUE,
    FALSE,
    { U32 (reader_events), U32 (rv), END } },
  /* The number of entries CMD_GET_READERS_STATE_ARRAY sends: one 32-bit
   * count, no rv. */
  { SCB_PCSCD_GET_READERS_STATE_SIZE,
    "CMD_GET_READERS_STATE_SIZE",
    6,
    TRUE,
    FALSE,
    { U32 (readers), END } },
  { SCB_PCSCD_GET_READERS_STATE_ARRAY, "CMD_GET_READERS_STATE_ARRAY", 6, TRUE, TRUE, { END } },
};

static const Layout *
find_layout (guint32 command)
{
  for (gsize i = 0; i < G_N_ELEMENTS (layouts); i++)
    if (layouts[i].command == command)
      return &layouts[i];
  return NULL;
}

static gsize
layout_size (const Layout *layout)
{
  gsize size = 0;

  for (const Field *f = layout->fields; f->size != 0; f++)
    size += f->size;
  return size;
}

const char *
scb_pcscd_command_name (guint32 command)
{
  const Layout *layout = find_layout (command);

  return layout != NULL ? layout->name : NULL;
}

guint
scb_pcscd_command_minor (guint32 command)
{
  const Layout *layout = find_layout (command);

  return layout != NULL ? layout->minor : 0;
}

static void
fields_read (const Layout *layout, const guint8 *p, ScbPcscdMessage *msg)
{
  for (const Field *f = layout->fields; f->size != 0; f++)
    {
      memcpy ((guint8 *) msg + f->offset, p, f->size);
      p += f->size;
    }
}

static void
fields_write (const Layout *layout, const ScbPcscdMessage *msg, GByteArray *out)
{
  for (const Field *f = layout->fields; f->size != 0; f++)
    g_byte_array_append (out, (const guint8 *) msg + f->offset, f->size);
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return v;
}

gboolean
scb_pcscd_request_decode (const guint8 *data, gsize len, guint minor, ScbPcscdMessage *msg,
                          const guint8 **extra, gsize *consumed, GError **error)
{
  const Layout *layout;
  guint32 size;
  guint32 command;
  gsize fixed;

  *consumed = 0;
  *extra = NULL;
  if (len < SCB_PCSCD_HEADER_SIZE)
    return TRUE;
  size = get_u32 (data);
  command = get_u32 (data + 4);
  layout = find_layout (command);
  if (layout == NULL || layout->minor > minor)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "unknown command 0x%x for protocol %d.%u", command, SCB_PCSCD_MAJOR, minor);
      return FALSE;
    }
  /* pcscd reads no body for these; a body would be taken for the next
   * header there. */
  fixed = layout->no_request_body ? 0 : layout_size (layout);
  if (size != fixed)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "%s with a body of %u bytes instead of %zu", layout->name, size, fixed);
      return FALSE;
    }
  if (len < SCB_PCSCD_HEADER_SIZE + fixed)
    return TRUE;
  memset (msg, 0, sizeof *msg);
  msg->command = command;
  if (!layout->no_request_body)
    fields_read (layout, data + SCB_PCSCD_HEADER_SIZE, msg);
  msg->reader[sizeof msg->reader - 1] = '\0';
  if (command != SCB_PCSCD_TRANSMIT && command != SCB_PCSCD_CONTROL)
    msg->send_length = 0;
  if (msg->send_length > SCB_PCSCD_MAX_DATA)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "%s with %u bytes of data, more than %u", layout->name, msg->send_length,
                   SCB_PCSCD_MAX_DATA);
      return FALSE;
    }
  if ((command == SCB_PCSCD_GET_ATTRIB || command == SCB_PCSCD_SET_ATTRIB)
      && msg->attr_length > SCB_PCSCD_ATTR_SIZE)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "%s with an attribute of %u bytes, more than %u", layout->name, msg->attr_length,
                   SCB_PCSCD_ATTR_SIZE);
      return FALSE;
    }
  if (len - SCB_PCSCD_HEADER_SIZE - fixed < msg->send_length)
    return TRUE;
  *extra = data + SCB_PCSCD_HEADER_SIZE + fixed;
  *consumed = SCB_PCSCD_HEADER_SIZE + fixed + msg->send_length;
  return TRUE;
}

GBytes *
scb_pcscd_request_encode (const ScbPcscdMessage *msg, const guint8 *data, gsize len)
{
  const Layout *layout = find_layout (msg->command);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint32 header[2] = { 0, msg->command };

  if (layout != NULL && !layout->no_request_body)
    header[0] = (guint32) layout_size (layout);
  g_byte_array_append (out, (const guint8 *) header, sizeof header);
  if (layout != NULL && !layout->no_request_body)
    fields_write (layout, msg, out);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gsize
scb_pcscd_reply_size (guint32 command)
{
  const Layout *layout = find_layout (command);

  if (layout == NULL || layout->array_reply)
    return 0;
  return layout_size (layout);
}

void
scb_pcscd_reply_encode (const ScbPcscdMessage *msg, GByteArray *out)
{
  const Layout *layout = find_layout (msg->command);

  g_return_if_fail (layout != NULL && !layout->array_reply);
  fields_write (layout, msg, out);
}

gboolean
scb_pcscd_reply_decode (guint32 command, const guint8 *data, gsize len, ScbPcscdMessage *msg,
                        GError **error)
{
  const Layout *layout = find_layout (command);
  gsize size = scb_pcscd_reply_size (command);

  if (size == 0 || len != size)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "a reply to 0x%x of %zu bytes instead of %zu", command, len, size);
      return FALSE;
    }
  memset (msg, 0, sizeof *msg);
  msg->command = command;
  fields_read (layout, data, msg);
  msg->reader[sizeof msg->reader - 1] = '\0';
  return TRUE;
}

guint
scb_pcscd_version_answer (ScbPcscdMessage *msg)
{
  if (msg->major == SCB_PCSCD_MAJOR && msg->minor >= SCB_PCSCD_MINOR_OLDEST
      && msg->minor <= SCB_PCSCD_MINOR_NEWEST)
    {
      msg->rv = SCARD_S_SUCCESS;
      return (guint) msg->minor;
    }
  msg->major = SCB_PCSCD_MAJOR;
  msg->minor = SCB_PCSCD_MINOR_NEWEST;
  msg->rv = (guint32) SCARD_E_SERVICE_STOPPED;
  return 0;
}

/* READER_STATE: name, eventCounter, readerState, readerSharing, cardAtr,
 * three bytes of padding, cardAtrLength, cardProtocol. */
#define RS_EVENT_COUNTER 128
#define RS_STATE 132
#define RS_SHARING 136
#define RS_ATR 140
#define RS_ATR_LENGTH 176
#define RS_PROTOCOL 180

G_STATIC_ASSERT (RS_PROTOCOL + 4 == SCB_PCSCD_READER_STATE_SIZE);

void
scb_pcscd_reader_state_encode (const ScbPcscdReaderState *state,
                               guint8 out[SCB_PCSCD_READER_STATE_SIZE])
{
  memset (out, 0, SCB_PCSCD_READER_STATE_SIZE);
  memcpy (out, state->name, sizeof state->name);
  out[SCB_PCSCD_READER_NAME_SIZE - 1] = '\0';
  memcpy (out + RS_EVENT_COUNTER, &state->event_counter, 4);
  memcpy (out + RS_STATE, &state->state, 4);
  memcpy (out + RS_SHARING, &state->sharing, 4);
  memcpy (out + RS_ATR, state->atr, SCB_PCSCD_ATR_SIZE);
  memcpy (out + RS_ATR_LENGTH, &state->atr_length, 4);
  memcpy (out + RS_PROTOCOL, &state->protocol, 4);
}

gboolean
scb_pcscd_reader_state_decode (const guint8 *data, gsize len, ScbPcscdReaderState *state,
                               GError **error)
{
  if (len < SCB_PCSCD_READER_STATE_SIZE || memchr (data, '\0', SCB_PCSCD_READER_NAME_SIZE) == NULL)
    {
      g_set_error_literal (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                           "a reader state that is short or has no name terminator");
      return FALSE;
    }
  memset (state, 0, sizeof *state);
  memcpy (state->name, data, sizeof state->name);
  memcpy (&state->event_counter, data + RS_EVENT_COUNTER, 4);
  memcpy (&state->state, data + RS_STATE, 4);
  memcpy (&state->sharing, data + RS_SHARING, 4);
  memcpy (state->atr, data + RS_ATR, SCB_PCSCD_ATR_SIZE);
  memcpy (&state->atr_length, data + RS_ATR_LENGTH, 4);
  memcpy (&state->protocol, data + RS_PROTOCOL, 4);
  if (state->atr_length > SCB_PCSCD_ATR_NOT_INITIALIZED)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
                   "a reader state with an ATR of %u bytes", state->atr_length);
      return FALSE;
    }
  return TRUE;
}

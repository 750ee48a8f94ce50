/* scb-pcsc.c: the PC/SC vocabulary of the objects: words, states, attributes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-control.h"
#include "scb-error.h"
#include "scb-log.h"
#include "scb-names.h"
#include "scb-pcsc.h"
#include "scb-reader.h"

#include <string.h>

/* SCardGetAttrib ids (pcsc-lite reader.h). */
#define ATTR_VENDOR_NAME 0x00010100u
#define ATTR_VENDOR_IFD_SERIAL_NO 0x00010103u
#define ATTR_CHANNEL_ID 0x00020110u
#define ATTR_MAXINPUT 0x0007a007u
#define ATTR_CURRENT_PROTOCOL_TYPE 0x00080201u
#define ATTR_ICC_PRESENCE 0x00090300u
#define ATTR_ATR_STRING 0x00090303u
#define ATTR_DEVICE_FRIENDLY_NAME_A 0x7fff0003u

/* ---- words -------------------------------------------------------------- */

const char *
scb_protocol_iso_to_word (int protocol)
{
  return scb_protocol_to_word (scb_protocol_from_iso (protocol));
}

gboolean
scb_protocol_choose (const char *const *words, ScbShareMode mode, int active, int *chosen,
                     GError **error)
{
  ScbProtocol wanted;

  if (!scb_protocols_from_words (words, &wanted, error))
    return FALSE;
  *chosen = SCB_PROTOCOL_ISO_NONE;
  if (scb_protocol_from_iso (active) & wanted)
    {
      *chosen = active;
      return TRUE;
    }
  /* A direct connection may go without a protocol (PC/SC: 0). */
  if (mode == SCB_SHARE_MODE_DIRECT && !(wanted & SCB_PROTOCOL_ANY))
    return TRUE;
  g_set_error (error, SCB_ERROR, SCB_ERROR_PROTO_MISMATCH,
               "The card speaks %s, which is not among the protocols asked for",
               active >= 0 ? (active == 0 ? "T=0" : "T=1") : "no protocol");
  return FALSE;
}

/* ---- states and attributes ---------------------------------------------- */

guint32
scb_pcsc_status_state (CcidSlot *slot)
{
  switch (ccid_slot_get_state (slot))
    {
    case CCID_SLOT_ABSENT:
      return SCB_CARD_STATE_ABSENT;
    case CCID_SLOT_POWERED:
      return SCB_CARD_STATE_PRESENT | SCB_CARD_STATE_POWERED | SCB_CARD_STATE_NEGOTIABLE;
    default:
      return SCB_CARD_STATE_PRESENT | SCB_CARD_STATE_SWALLOWED;
    }
}

static GBytes *
u32_bytes (guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);

  return g_bytes_new (&le, sizeof le);
}

GBytes *
scb_pcsc_get_attrib (ScbReader *reader, int protocol, guint32 id, GError **error)
{
  CcidSlot *slot = scb_reader_get_slot (reader);
  CcidDevice *device = scb_reader_get_device (reader);
  const char *text = NULL;
  guint8 presence;
  guint busnum, devnum;

  switch (id)
    {
    case ATTR_ATR_STRING:
      if (ccid_slot_get_state (slot) == CCID_SLOT_POWERED && ccid_slot_get_atr (slot) != NULL)
        return g_bytes_ref (ccid_slot_get_atr (slot));
      g_set_error (error, SCB_ERROR, SCB_ERROR_NO_SMARTCARD, "No ATR in %s",
                   scb_reader_get_name (reader));
      return NULL;
    case ATTR_DEVICE_FRIENDLY_NAME_A:
      text = scb_reader_get_name (reader);
      return g_bytes_new (text, strlen (text) + 1);
    case ATTR_VENDOR_NAME:
      /* libccid: the USB manufacturer string, with its NUL */
      text = ccid_device_get_manufacturer (device);
      if (text == NULL)
        break;
      return g_bytes_new (text, strlen (text) + 1);
    case ATTR_CHANNEL_ID:
      /* PC/SC part 3: 0xDDDDCCCC, channel type 0x0020 (USB); the channel as
       * libccid numbers it, bus << 8 | device address. */
      ccid_device_get_usb_address (device, &busnum, &devnum);
      return u32_bytes (0x00200000u | ((busnum & 0xff) << 8) | (devnum & 0xff));
    case ATTR_VENDOR_IFD_SERIAL_NO:
      text = ccid_device_get_serial (device);
      if (text == NULL)
        break;
      return g_bytes_new (text, strlen (text) + 1);
    case ATTR_CURRENT_PROTOCOL_TYPE:
      return u32_bytes (protocol == 0 ? 1 : protocol == 1 ? 2 : 0);
    case ATTR_MAXINPUT:
      return u32_bytes (ccid_device_get_descriptor (device)->message_length - 10);
    case ATTR_ICC_PRESENCE:
      /* libccid: 0 absent, 2 present (and swallowed). */
      presence = ccid_slot_get_state (slot) == CCID_SLOT_ABSENT ? 0 : 2;
      return g_bytes_new (&presence, 1);
    default:
      break;
    }
  g_set_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED, "Attribute 0x%08x is not supported", id);
  return NULL;
}

/* ---- lengths ------------------------------------------------------------- */

gboolean
scb_pcsc_check_length (gsize len, gsize min, const char *what, GError **error)
{
  if (len >= min && len <= SCB_MAX_APDU_SIZE)
    return TRUE;
  g_set_error (error, SCB_ERROR, SCB_ERROR_INVALID_PARAMETER,
               "%s of %" G_GSIZE_FORMAT " bytes: %" G_GSIZE_FORMAT " to %u bytes are accepted",
               what, len, min, SCB_MAX_APDU_SIZE);
  return FALSE;
}

/* ---- control ------------------------------------------------------------- */

GBytes *
scb_pcsc_mep_nad (CcidSlot *slot, guint8 *nad, GBytes *data, GError **error)
{
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  ScbMepNadCommand command;
  guint8 value = 0;

  if (!scb_mep_nad_parse (bytes, len, &command, &value, error))
    return NULL;
  if (command == SCB_MEP_NAD_GET)
    return g_bytes_new (nad, 1);
  if (!ccid_slot_supports_nad (slot))
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED,
                   "%s does not exchange TPDUs: the NAD cannot be chosen",
                   ccid_slot_get_name (slot));
      return NULL;
    }
  *nad = value;
  return g_bytes_new (NULL, 0);
}

/* ---- logging ---------------------------------------------------------------- */

/* VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER carry PINs: their
 * data never reaches the log. */
void
scb_pcsc_log_apdu (const char *path, const char *direction, guint8 nad, GBytes *apdu,
                   gboolean redact)
{
  static const char digits[] = "0123456789ABCDEF";
  gsize len = 0;
  const guint8 *data;
  gsize shown;
  char hex[64 * 3 + 1];

  /* On every APDU: formatting a message nobody reads was a quarter of the
   * daemon's instructions per APDU. */
  if (!scb_log_enabled (G_LOG_LEVEL_DEBUG))
    return;
  data = g_bytes_get_data (apdu, &len);
  shown = redact ? MIN (len, 4) : MIN (len, 64);
  for (gsize i = 0; i < shown; i++)
    {
      hex[3 * i] = digits[data[i] >> 4];
      hex[3 * i + 1] = digits[data[i] & 0xf];
      hex[3 * i + 2] = ' ';
    }
  hex[3 * shown] = '\0';
  if (shown < len)
    g_debug ("%s %s NAD %02X: %s(%" G_GSIZE_FORMAT " more bytes%s)", path, direction, nad, hex,
             len - shown, redact ? ", redacted" : "");
  else
    g_debug ("%s %s NAD %02X: %s", path, direction, nad, hex);
}

gboolean
scb_pcsc_is_pin_command (GBytes *apdu)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (apdu, &len);

  return len >= 2 && (data[1] == 0x20 || data[1] == 0x24 || data[1] == 0x2c);
}

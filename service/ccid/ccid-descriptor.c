/* ccid-descriptor.c: the CCID class descriptor and the endpoints of a CCID interface
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-descriptor.h"

#include <string.h>

static uint16_t
get_le16 (const uint8_t *p)
{
  return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t
get_le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

const uint8_t *
ccid_descriptor_find (const uint8_t *buf, size_t len, size_t *out_len)
{
  size_t pos = 0;

  if (buf == NULL)
    return NULL;
  /* USB 2.0 §9.5: descriptors follow one another, each starting with bLength. */
  while (pos + 2 <= len)
    {
      uint8_t blength = buf[pos];

      if (blength < 2 || blength > len - pos)
        return NULL;
      if (buf[pos + 1] == CCID_DESCRIPTOR_TYPE)
        {
          if (out_len != NULL)
            *out_len = blength;
          return buf + pos;
        }
      pos += blength;
    }
  return NULL;
}

CcidInterfaceKind
ccid_interface_kind (uint8_t klass, uint8_t protocol, const uint8_t *extra, size_t extra_len)
{
  if (klass == CCID_INTERFACE_CLASS_VENDOR && ccid_descriptor_find (extra, extra_len, NULL) == NULL)
    return CCID_INTERFACE_NONE;
  if (klass != CCID_INTERFACE_CLASS && klass != CCID_INTERFACE_CLASS_VENDOR)
    return CCID_INTERFACE_NONE;
  /* CCID §4.3: bInterfaceProtocol */
  switch (protocol)
    {
    case 0:
      return CCID_INTERFACE_BULK;
    case 1:
      return CCID_INTERFACE_ICCD_A;
    case 2:
      return CCID_INTERFACE_ICCD_B;
    default:
      return CCID_INTERFACE_NONE;
    }
}

static CcidExchangeLevel
level_from_features (uint32_t features, bool *ok)
{
  *ok = true;
  switch (features & CCID_FEATURE_LEVEL_MASK)
    {
    case 0:
      return CCID_LEVEL_CHARACTER;
    case CCID_FEATURE_LEVEL_TPDU:
      return CCID_LEVEL_TPDU;
    case CCID_FEATURE_LEVEL_SHORT_APDU:
      return CCID_LEVEL_SHORT_APDU;
    case CCID_FEATURE_LEVEL_EXTENDED:
      return CCID_LEVEL_EXTENDED_APDU;
    default:
      /* CCID §5.1: "only one of the values 00010000h, 00020000h and
       * 00040000h must be present". */
      *ok = false;
      return CCID_LEVEL_CHARACTER;
    }
}

bool
ccid_descriptor_parse (const uint8_t *buf, size_t len, CcidDescriptor *out, const char **reason)
{
  CcidDescriptor d;
  bool level_ok;
  uint32_t room;
  const char *dummy;

  if (reason == NULL)
    reason = &dummy;
  *reason = NULL;
  if (buf == NULL || len < 2)
    {
      *reason = "descriptor is missing or shorter than its header";
      return false;
    }
  if (buf[1] != CCID_DESCRIPTOR_TYPE)
    {
      *reason = "bDescriptorType is not 0x21 (CCID class descriptor)";
      return false;
    }
  if (buf[0] < CCID_DESCRIPTOR_LENGTH)
    {
      *reason = "bLength is shorter than the 54 bytes of a CCID class descriptor";
      return false;
    }
  if (len < CCID_DESCRIPTOR_LENGTH || len < buf[0])
    {
      *reason = "descriptor is truncated: fewer bytes than bLength";
      return false;
    }

  memset (&d, 0, sizeof d);
  d.bcd_ccid = get_le16 (buf + 2);
  d.max_slot_index = buf[4];
  d.voltage_support = buf[5];
  d.protocols = get_le32 (buf + 6);
  d.default_clock = get_le32 (buf + 10);
  d.maximum_clock = get_le32 (buf + 14);
  d.num_clock_supported = buf[18];
  d.data_rate = get_le32 (buf + 19);
  d.max_data_rate = get_le32 (buf + 23);
  d.num_data_rates_supported = buf[27];
  d.max_ifsd = get_le32 (buf + 28);
  d.synch_protocols = get_le32 (buf + 32);
  d.mechanical = get_le32 (buf + 36);
  d.features = get_le32 (buf + 40);
  d.max_message_length = get_le32 (buf + 44);
  d.class_get_response = buf[48];
  d.class_envelope = buf[49];
  d.lcd_layout = get_le16 (buf + 50);
  d.pin_support = buf[52];
  d.max_busy_slots = buf[53];

  if (d.max_slot_index >= CCID_MAX_SLOTS)
    {
      *reason = "bMaxSlotIndex is above 15";
      return false;
    }
  /* dwProtocols without T=0 and T=1 (the MySMART PAD announces 0x300) is
   * served as libccid does: the reader is listed, and a card fails to
   * connect (no protocol in common). */
  d.level = level_from_features (d.features, &level_ok);
  if (!level_ok)
    {
      *reason = "dwFeatures announces more than one exchange level";
      return false;
    }
  /* Below 64 a reader cannot carry an APDU header and its answer's SW in
   * one message with room to spare; real readers go as low as 64. */
  if (d.max_message_length < CCID_MIN_MESSAGE_LENGTH)
    {
      *reason = "dwMaxCCIDMessageLength is below 64 bytes";
      return false;
    }
  if (d.max_message_length > CCID_ABSURD_MESSAGE_LENGTH)
    {
      *reason = "dwMaxCCIDMessageLength is absurdly large";
      return false;
    }
  /* Extended-APDU readers below the 271 bytes CCID §5.1 asks for exist
   * (Gnuk and the Elatec TWN4 announce 64, the SCL010 262) and libccid
   * serves them: the command and the answer go in pieces of
   * dwMaxCCIDMessageLength - 10 bytes (CCID §6.1.4), whatever the length. */
  /* The counts say how many entries GET_CLOCK_FREQUENCIES and GET_DATA_RATES
   * return (CCID §5.3.2, §5.3.3); 0 means "use the default and maximum".
   * A default clock above the maximum is tolerated, as libccid does (the
   * Feitian R701 announces 4 MHz and 3.85 MHz): the default is what the
   * timeouts are computed from, and the reader runs at what it runs at. */
  if (d.max_data_rate != 0 && d.data_rate > d.max_data_rate)
    {
      *reason = "dwDataRate is above dwMaxDataRate";
      return false;
    }
  if (d.max_busy_slots == 0)
    d.max_busy_slots = 1;

  d.n_slots = (unsigned) d.max_slot_index + 1;
  d.message_length = d.max_message_length > CCID_MAX_MESSAGE_LENGTH ? CCID_MAX_MESSAGE_LENGTH
                                                                    : d.max_message_length;

  /* IFSD: what the reader accepts, at most 254 (ISO 7816-3 §11.4.2), and a
   * whole block (prologue 3, INF, CRC 2) must fit in one message. No value
   * means the ISO default, 32. */
  room = d.message_length - CCID_HEADER_LENGTH - 5;
  d.ifsd = 32;
  if (d.max_ifsd != 0)
    d.ifsd = (uint8_t) (d.max_ifsd > 254 ? 254 : d.max_ifsd);
  if (d.ifsd > room)
    d.ifsd = (uint8_t) room;

  if (out != NULL)
    *out = d;
  return true;
}

const char *
ccid_exchange_level_to_string (CcidExchangeLevel level)
{
  switch (level)
    {
    case CCID_LEVEL_CHARACTER:
      return "character";
    case CCID_LEVEL_TPDU:
      return "tpdu";
    case CCID_LEVEL_SHORT_APDU:
      return "short-apdu";
    case CCID_LEVEL_EXTENDED_APDU:
      return "extended-apdu";
    default:
      return "unknown";
    }
}

bool
ccid_endpoints_pick (const CcidEndpointInfo *eps, size_t n_eps, CcidEndpoints *out,
                     const char **reason)
{
  CcidEndpoints e;
  const char *dummy;

  if (reason == NULL)
    reason = &dummy;
  *reason = NULL;
  memset (&e, 0, sizeof e);
  for (size_t i = 0; eps != NULL && i < n_eps; i++)
    {
      uint8_t type = eps[i].attributes & 0x03; /* USB 2.0 §9.6.6 */
      bool in = (eps[i].address & 0x80) != 0;

      if ((eps[i].address & 0x0f) == 0)
        continue;
      if (type == 2 && in && e.bulk_in == 0)
        {
          e.bulk_in = eps[i].address;
          e.bulk_in_packet_size = eps[i].max_packet_size & 0x7ff;
        }
      else if (type == 2 && !in && e.bulk_out == 0)
        e.bulk_out = eps[i].address;
      else if (type == 3 && in && e.interrupt_in == 0)
        {
          e.interrupt_in = eps[i].address;
          e.interrupt_packet_size = eps[i].max_packet_size & 0x7ff;
        }
    }
  if (e.bulk_in == 0 || e.bulk_out == 0)
    {
      *reason = "the interface lacks a bulk IN or bulk OUT endpoint";
      return false;
    }
  if (out != NULL)
    *out = e;
  return true;
}

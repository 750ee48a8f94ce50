/* ccid-descriptor.h: the CCID class descriptor and the endpoints of a CCID interface
 *
 * Pure parsing (CCID 1.1 §5.1, §5.3): bytes in, a checked structure out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CCID_DESCRIPTOR_TYPE 0x21
#define CCID_DESCRIPTOR_LENGTH 0x36

/* The NotifySlotChange bitmap and our slot masks are 16 bits wide. */
#define CCID_MAX_SLOTS 16

/* Header (10) + the largest extended APDU or answer (65,544): CCID §6.1.4. */
#define CCID_HEADER_LENGTH 10
#define CCID_MAX_MESSAGE_LENGTH (CCID_HEADER_LENGTH + 65544)
/* Below this a reader cannot even carry a short APDU header and its answer
 * SW; the spec's own floor is the bulk wMaxPacketSize (CCID §5.1). */
#define CCID_MIN_MESSAGE_LENGTH 64
/* Anything larger is a broken descriptor, not a big reader. */
#define CCID_ABSURD_MESSAGE_LENGTH (1u << 20)

/* bVoltageSupport */
#define CCID_VOLTAGE_5V 0x01
#define CCID_VOLTAGE_3V 0x02
#define CCID_VOLTAGE_1V8 0x04

/* dwProtocols */
#define CCID_PROTOCOL_T0 0x01
#define CCID_PROTOCOL_T1 0x02

/* dwFeatures, CCID §5.1 */
#define CCID_FEATURE_AUTO_PARAM_ATR 0x00000002  /* auto parameter configuration from the ATR */
#define CCID_FEATURE_AUTO_ACTIVATION 0x00000004 /* powers the card on insertion */
#define CCID_FEATURE_AUTO_VOLTAGE 0x00000008
#define CCID_FEATURE_AUTO_CLOCK 0x00000010
#define CCID_FEATURE_AUTO_BAUD 0x00000020
#define CCID_FEATURE_AUTO_PPS_ATR 0x00000040     /* negotiates parameters itself */
#define CCID_FEATURE_AUTO_PPS_CURRENT 0x00000080 /* PPS from the current parameters */
#define CCID_FEATURE_CLOCK_STOP 0x00000100
#define CCID_FEATURE_NAD_NOT_ZERO 0x00000200 /* T=1 NAD other than 0 accepted */
#define CCID_FEATURE_AUTO_IFSD 0x00000400    /* does S(IFS request) itself */
#define CCID_FEATURE_ICCD_TOKEN 0x00000800
#define CCID_FEATURE_LEVEL_TPDU 0x00010000
#define CCID_FEATURE_LEVEL_SHORT_APDU 0x00020000
#define CCID_FEATURE_LEVEL_EXTENDED 0x00040000
#define CCID_FEATURE_LEVEL_MASK 0x00070000
#define CCID_FEATURE_USB_WAKEUP 0x00100000

/* bPINSupport */
#define CCID_PIN_VERIFY 0x01
#define CCID_PIN_MODIFY 0x02

typedef enum
{
  CCID_LEVEL_CHARACTER,
  CCID_LEVEL_TPDU,
  CCID_LEVEL_SHORT_APDU,
  CCID_LEVEL_EXTENDED_APDU,
} CcidExchangeLevel;

typedef struct
{
  uint16_t bcd_ccid;
  uint8_t max_slot_index;
  uint8_t voltage_support;
  uint32_t protocols;
  uint32_t default_clock; /* kHz */
  uint32_t maximum_clock; /* kHz */
  uint8_t num_clock_supported;
  uint32_t data_rate;     /* bps */
  uint32_t max_data_rate; /* bps */
  uint8_t num_data_rates_supported;
  uint32_t max_ifsd;
  uint32_t synch_protocols;
  uint32_t mechanical;
  uint32_t features;
  uint32_t max_message_length; /* as announced */
  uint8_t class_get_response;
  uint8_t class_envelope;
  uint16_t lcd_layout;
  uint8_t pin_support;
  uint8_t max_busy_slots;

  /* Derived */
  CcidExchangeLevel level;
  unsigned n_slots;
  uint32_t message_length; /* max_message_length capped at CCID_MAX_MESSAGE_LENGTH */
  uint8_t ifsd;            /* what to ask for in S(IFS request): 1..254 */
} CcidDescriptor;

/* What an interface is, as libccid decides (ccid_usb.c). */
typedef enum
{
  CCID_INTERFACE_NONE,   /* not a reader */
  CCID_INTERFACE_BULK,   /* CCID over bulk endpoints */
  CCID_INTERFACE_ICCD_A, /* ICCD version A: control transfers (CCID §4.3) */
  CCID_INTERFACE_ICCD_B, /* ICCD version B */
} CcidInterfaceKind;

#define CCID_INTERFACE_CLASS 0x0b
#define CCID_INTERFACE_CLASS_VENDOR 0xff

/* Class 0x0B by its protocol; a vendor-class interface only when @extra
 * (the descriptors after the interface descriptor) holds a CCID class
 * descriptor. */
CcidInterfaceKind ccid_interface_kind (uint8_t klass, uint8_t protocol, const uint8_t *extra,
                                       size_t extra_len);

/* Finds the class descriptor (type 0x21) in a run of descriptors (an
 * interface's "extra" bytes, or, for old readers that put it there, the
 * endpoints' ones), walking bLength by bLength. Returns a pointer into
 * @buf and its length in @out_len, or NULL. */
const uint8_t *ccid_descriptor_find (const uint8_t *buf, size_t len, size_t *out_len);

/* Parses and checks a class descriptor. On failure returns false and sets
 * @reason to a static English sentence. */
bool ccid_descriptor_parse (const uint8_t *buf, size_t len, CcidDescriptor *out,
                            const char **reason);

const char *ccid_exchange_level_to_string (CcidExchangeLevel level);

/* An endpoint descriptor as the caller knows it (libusb's
 * libusb_endpoint_descriptor has these fields). */
typedef struct
{
  uint8_t address;          /* bEndpointAddress */
  uint8_t attributes;       /* bmAttributes */
  uint16_t max_packet_size; /* wMaxPacketSize */
} CcidEndpointInfo;

typedef struct
{
  uint8_t bulk_in;
  uint8_t bulk_out;
  uint8_t interrupt_in; /* 0 when the reader has none */
  uint16_t bulk_in_packet_size;
  uint16_t interrupt_packet_size;
} CcidEndpoints;

/* Picks the first bulk IN, bulk OUT and interrupt IN endpoints (CCID §5.3).
 * Fails when a bulk pipe is missing. */
bool ccid_endpoints_pick (const CcidEndpointInfo *eps, size_t n_eps, CcidEndpoints *out,
                          const char **reason);

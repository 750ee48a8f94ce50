/* scb-part10.h: what a reader announces to PC/SC part 10 clients
 *
 * Sans-I/O: the feature list of CM_IOCTL_GET_FEATURE_REQUEST (part 10
 * §2.2), the properties of FEATURE_GET_TLV_PROPERTIES (§2.6.14) and the
 * PIN_PROPERTIES_STRUCTURE of FEATURE_IFD_PIN_PROPERTIES (§2.6.10), byte
 * for byte as libccid 1.5 answers them for the same reader, quirks
 * included.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The CCID bPINSupport bits (CCID 1.1 §5.1). */
#define SCB_PIN_SUPPORT_VERIFY 0x01
#define SCB_PIN_SUPPORT_MODIFY 0x02

/* dwFeatures exchange levels that decide dwMaxAPDUDataSize. */
#define SCB_PART10_LEVEL_TPDU 0x00010000u
#define SCB_PART10_LEVEL_EXTENDED 0x00040000u

/* PC/SC part 10 §2.6.14 property tags. */
typedef enum
{
  SCB_PROPERTY_LCD_LAYOUT = 0x01,
  SCB_PROPERTY_ENTRY_VALIDATION_CONDITION = 0x02,
  SCB_PROPERTY_TIMEOUT2 = 0x03,
  SCB_PROPERTY_LCD_MAX_CHARACTERS = 0x04,
  SCB_PROPERTY_LCD_MAX_LINES = 0x05,
  SCB_PROPERTY_MIN_PIN_SIZE = 0x06,
  SCB_PROPERTY_MAX_PIN_SIZE = 0x07,
  SCB_PROPERTY_FIRMWARE_ID = 0x08,
  SCB_PROPERTY_PPDU_SUPPORT = 0x09,
  SCB_PROPERTY_MAX_APDU_DATA_SIZE = 0x0a,
  SCB_PROPERTY_ID_VENDOR = 0x0b,
  SCB_PROPERTY_ID_PRODUCT = 0x0c,
} ScbProperty;

/* What the answers depend on: the USB identity and the class descriptor. */
typedef struct
{
  guint16 vendor_id;
  guint16 product_id;
  guint16 bcd_device;
  guint32 features;   /* dwFeatures */
  guint16 lcd_layout; /* wLcdLayout: lines << 8 | characters, 0 without a display */
  guint8 pin_support; /* bPINSupport as the descriptor says */
} ScbPart10Reader;

/* bPINSupport as libccid uses it: 0 for the keyboards whose PIN entry also
 * reaches the host and the readers that announce a pad they do not have. */
guint8 scb_part10_pin_support (const ScbPart10Reader *reader);

/* libccid asks Gemalto readers for their firmware id (escape 02h) when
 * building the properties; the answer goes into sFirmwareID. */
gboolean scb_part10_wants_firmware_id (const ScbPart10Reader *reader);
#define SCB_PART10_FIRMWARE_ID_ESCAPE 0x02
/* sFirmwareID carries at most this many bytes (libccid's buffer). */
#define SCB_PART10_MAX_FIRMWARE_ID 255

/* The PIN lengths libccid knows @reader to accept; FALSE when unknown. */
gboolean scb_part10_pin_sizes (const ScbPart10Reader *reader, guint8 *min, guint8 *max);

/* The TLV list of CM_IOCTL_GET_FEATURE_REQUEST: tag, 4, the control code
 * big-endian. @escape: announce FEATURE_CCID_ESC_COMMAND (libccid's
 * DRIVER_OPTION_CCID_EXCHANGE_AUTHORIZED; for us the `control` action). */
GBytes *scb_part10_features (const ScbPart10Reader *reader, gboolean escape);

/* FEATURE_GET_TLV_PROPERTIES; @firmware_id is the answer to the firmware
 * escape (NULL when not asked or failed: no sFirmwareID). */
GBytes *scb_part10_tlv_properties (const ScbPart10Reader *reader, gboolean escape,
                                   GBytes *firmware_id);

/* FEATURE_IFD_PIN_PROPERTIES: wLcdLayout (LE), bEntryValidationCondition,
 * bTimeOut2. */
GBytes *scb_part10_pin_properties (const ScbPart10Reader *reader);

/* How a reader formats a PIN into the APDU template (PC/SC part 10
 * §2.5.2: bmFormatString, bmPINBlockString, bmPINLengthFormat), from the
 * options of Connection.VerifyPin() and ModifyPin(). */
typedef enum
{
  SCB_PIN_FORMAT_BINARY = 0,
  SCB_PIN_FORMAT_BCD = 1,
  SCB_PIN_FORMAT_ASCII = 2,
} ScbPinFormat;

typedef struct
{
  ScbPinFormat format;
  guint position;        /* byte offset from the first data byte, 0..15 */
  guint block_size;      /* bytes the PIN is justified in, 0..15 */
  gboolean right;        /* right-justified */
  guint length_bits;     /* PIN length field size, 0 (none)..15 */
  guint length_position; /* its offset in bits, 0..15 */
  guint min_digits;
  guint max_digits;
  guint timeout;        /* seconds, 0: the reader's */
  guint16 language;     /* LANGID of the reader's messages */
  guint new_position;   /* modify: the new PIN's byte offset */
  gboolean current_pin; /* modify: ask for the current PIN */
  gboolean confirm;     /* modify: ask for the new one twice */
} ScbPinOptions;

/* The defaults, then the a{sv} @options over them; InvalidParameter names
 * an unknown key, a wrong type or a value out of range. */
gboolean scb_part10_pin_options_parse (GVariant *options, gboolean modify, ScbPinOptions *out,
                                       GError **error);

/* The PIN_VERIFY_STRUCTURE (or PIN_MODIFY_STRUCTURE) for @template_apdu;
 * InvalidParameter when the template (4 to 255 bytes) has no room for the
 * PIN where the options put it. */
GBytes *scb_part10_pin_structure (gboolean modify, GBytes *template_apdu,
                                  const ScbPinOptions *options, GError **error);

/* A property's value as a number (up to 4 bytes, little-endian) from a
 * TLV properties answer; FALSE when absent or malformed. */
gboolean scb_part10_find_property (const guint8 *tlv, gsize len, ScbProperty tag, guint32 *value);

/* The Windows value of SCARD_CTL_CODE(3400), which libccid also answers
 * (for RDP clients). */
#define SCB_CTL_GET_FEATURE_REQUEST_WINDOWS 0x313520u

/* "verify" or "modify" for the PIN entry codes, else NULL. */
const char *scb_part10_operation (guint32 code);
/* PinEntryFinished's result for the answer of a PIN entry (NULL: it
 * failed): "completed", "cancelled", "timeout", "rejected", "failed". */
const char *scb_part10_entry_result (GBytes *response);

/* Whether @code is a part 10 control code (the feature list, TLV and PIN
 * properties, PIN entry): the slot's part 10 operation answers it. */
gboolean scb_part10_handles (guint32 code);

G_END_DECLS

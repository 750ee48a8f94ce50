/* scb-control.h: SCardControl codes scardbus knows, and what they need
 *
 * PC/SC part 10 numbers control codes SCARD_CTL_CODE(n) = 0x42000000 + n
 * (pcsc-lite's reader.h); libccid adds its feature ioctls at 0x330000 + tag
 * and the MEP NAD commands of SCARD_CTL_CODE(3600).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SCB_CTL_CODE(n) (0x42000000u + (n))
/* libccid: PC_to_RDR_Escape with the input as it is. */
#define SCB_CTL_IFD_EXCHANGE SCB_CTL_CODE (1)
/* PC/SC part 10 §2.2: the TLV list of the reader's features. */
#define SCB_CTL_GET_FEATURE_REQUEST SCB_CTL_CODE (3400)
/* libccid 1.6: get or set the connection's T=1 NAD. */
#define SCB_CTL_MEP_NAD SCB_CTL_CODE (3600)
/* The control code of a part 10 feature, as libccid numbers them. */
#define SCB_CTL_FEATURE(tag) SCB_CTL_CODE (0x330000u + (tag))

/* PC/SC part 10 feature tags. */
typedef enum
{
  SCB_FEATURE_VERIFY_PIN_START = 0x01,
  SCB_FEATURE_VERIFY_PIN_FINISH = 0x02,
  SCB_FEATURE_MODIFY_PIN_START = 0x03,
  SCB_FEATURE_MODIFY_PIN_FINISH = 0x04,
  SCB_FEATURE_GET_KEY_PRESSED = 0x05,
  SCB_FEATURE_VERIFY_PIN_DIRECT = 0x06,
  SCB_FEATURE_MODIFY_PIN_DIRECT = 0x07,
  SCB_FEATURE_MCT_READER_DIRECT = 0x08,
  SCB_FEATURE_MCT_UNIVERSAL = 0x09,
  SCB_FEATURE_IFD_PIN_PROPERTIES = 0x0a,
  SCB_FEATURE_ABORT = 0x0b,
  SCB_FEATURE_SET_SPE_MESSAGE = 0x0c,
  SCB_FEATURE_VERIFY_PIN_DIRECT_APP_ID = 0x0d,
  SCB_FEATURE_MODIFY_PIN_DIRECT_APP_ID = 0x0e,
  SCB_FEATURE_WRITE_DISPLAY = 0x0f,
  SCB_FEATURE_GET_KEY = 0x10,
  SCB_FEATURE_IFD_DISPLAY_PROPERTIES = 0x11,
  SCB_FEATURE_GET_TLV_PROPERTIES = 0x12,
  SCB_FEATURE_CCID_ESC_COMMAND = 0x13,
} ScbFeature;

/* What a control code may do, which decides the polkit action it needs:
 * reading reader properties and entering a PIN on the reader's pad concern
 * only the card; anything else reaches the reader itself. */
typedef enum
{
  SCB_CONTROL_CARD,   /* access-card */
  SCB_CONTROL_NAD,    /* set-nad: changes the connection's NAD */
  SCB_CONTROL_READER, /* control: escape and every code not known */
} ScbControlClass;

ScbControlClass scb_control_classify (guint32 code, const guint8 *data, gsize len);

/* libccid's MEP NAD commands (SCARD_CTL_CODE(3600)): get 3F 00 00, set
 * 3E 00 01 NAD. */
typedef enum
{
  SCB_MEP_NAD_GET,
  SCB_MEP_NAD_SET,
} ScbMepNadCommand;

/* FALSE (InvalidParameter) for anything else; *nad is set for a set. */
gboolean scb_mep_nad_parse (const guint8 *data, gsize len, ScbMepNadCommand *command, guint8 *nad,
                            GError **error);

G_END_DECLS

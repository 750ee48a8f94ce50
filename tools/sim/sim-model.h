/* sim-model.h: the reader models and their USB descriptors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SIM_EP_BULK_OUT 0x01
#define SIM_EP_BULK_IN 0x82
#define SIM_EP_INT_IN 0x83
#define SIM_EP_PACKET 64

/* CCID 1.1 §5.1 dwFeatures */
#define SIM_FEAT_AUTO_PARAM_ATR 0x00000002
#define SIM_FEAT_AUTO_VOLTAGE 0x00000008
#define SIM_FEAT_AUTO_CLOCK 0x00000010
#define SIM_FEAT_AUTO_BAUD 0x00000020
#define SIM_FEAT_AUTO_PPS_CUR 0x00000080
#define SIM_FEAT_AUTO_IFSD 0x00000400
#define SIM_FEAT_LEVEL_MASK 0x00070000
#define SIM_FEAT_LEVEL_TPDU 0x00010000
#define SIM_FEAT_LEVEL_SHORT 0x00020000
#define SIM_FEAT_LEVEL_EXTENDED 0x00040000

typedef enum
{
  SIM_LEVEL_TPDU,
  SIM_LEVEL_SHORT_APDU,
  SIM_LEVEL_EXTENDED_APDU,
} SimLevel;

typedef struct
{
  const char *name;
  guint16 vendor_id;
  guint16 product_id;
  guint16 bcd_device;
  const char *manufacturer;
  const char *product;
  guint32 features;
  guint32 max_message; /* dwMaxCCIDMessageLength */
  guint8 n_slots;
  gboolean interrupt;     /* has the interrupt IN endpoint */
  guint8 interface_class; /* 0x0B, or 0xFF (vendor) */
  guint8 interface_subclass;
  guint8 interface_protocol;      /* 0 bulk CCID, 1 and 2 ICCD (control transfers) */
  gboolean bulk;                  /* has the bulk IN and OUT endpoints */
  const char *interface_name;     /* iInterface string, or NULL */
  const guint8 *class_descriptor; /* 54 bytes, or NULL: the model's own */
  guint16 lcd_layout;             /* wLcdLayout: lines << 8 | characters, 0 without a display */
  guint8 pin_support;             /* bPINSupport: 1 verification, 2 modification */
} SimModel;

/* bPINSupport, CCID 1.1 §5.1 */
#define SIM_PIN_VERIFY 0x01
#define SIM_PIN_MODIFY 0x02

const SimModel *sim_model_lookup (const char *name);
/* A real reader (tests/data/ccid-readers.txt, tools/ccid-readers.py):
 * @path is one of libccid's reader descriptions, or "FIXTURE#ENTRY" (a
 * line of the compact fixture, by its first field); a fixture of one
 * record needs no #ENTRY. The model lives as long as the process. */
const SimModel *sim_model_load (const char *path, GError **error);
/* "tpdu, short-apdu, ..." for messages */
char *sim_model_list (void);
SimLevel sim_model_get_level (const SimModel *model);
GBytes *sim_model_device_descriptor (const SimModel *model);
GBytes *sim_model_config_descriptor (const SimModel *model);
/* Endpoints of the model's interface (bulk pair, interrupt IN). */
guint sim_model_n_endpoints (const SimModel *model);
/* A USB string descriptor (UTF-16LE) for @index: 0 languages, 1 manufacturer,
 * 2 product, 3 interface; NULL for others and for strings the model lacks. */
GBytes *sim_model_string_descriptor (const SimModel *model, guint8 index);

G_END_DECLS

/* ccid-emu.h: a minimal emulated CCID reader below libusb (umockdev), for
 * the device-layer tests only
 *
 * Runs in the test process itself, which must run under the umockdev
 * preload; the ioctl handler runs in umockdev's thread. It models one slot,
 * a short-APDU or a TPDU level reader with or without an interrupt
 * endpoint, a toy card (T=0 ATR; at TPDU level it answers T=0 TPDUs with
 * 61xx / GET RESPONSE) and the faults the tests need. The real simulator
 * is tools/sim (scardbus-sim).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <umockdev.h>

typedef enum
{
  CCID_EMU_SHORT_APDU,
  CCID_EMU_TPDU,
  CCID_EMU_TPDU_PPS,        /* TPDU, the card's ATR asks for Fi/Di 96 */
  CCID_EMU_TPDU_PPS_REJECT, /* the same, and the card ignores PPS */
  CCID_EMU_TPDU_DUAL,       /* TPDU, the card offers T=0 (first) and T=1 */
} CcidEmuLevel;

typedef enum
{
  CCID_EMU_FAULT_STALL,          /* the answer to the next command is a STALL */
  CCID_EMU_FAULT_HW_ERROR,       /* HardwareError on the interrupt pipe, card deactivated */
  CCID_EMU_FAULT_TIME_EXTENSION, /* two time extensions before the next answer */
  CCID_EMU_FAULT_DROP,           /* no answer at all to the next command */
  CCID_EMU_FAULT_UNPLUG_MID,     /* unplugged when the next XfrBlock arrives */
  CCID_EMU_FAULT_REMOVE_MID,     /* card pulled when the next XfrBlock arrives */
  CCID_EMU_FAULT_BAD_LENGTH,     /* next answer claims more data than it carries */
  CCID_EMU_FAULT_STALE,          /* an answer with the wrong bSeq before the next answer */
} CcidEmuFault;

typedef struct _CcidEmu CcidEmu;

CcidEmu *ccid_emu_new (CcidEmuLevel level, gboolean interrupt, gboolean card_present,
                       gboolean mute_card, GError **error);
void ccid_emu_free (CcidEmu *emu);

void ccid_emu_unplug (CcidEmu *emu);
void ccid_emu_plug (CcidEmu *emu);
void ccid_emu_set_card (CcidEmu *emu, gboolean present, gboolean mute);
void ccid_emu_fault (CcidEmu *emu, CcidEmuFault fault);
/* How many PC_to_RDR messages of @type arrived. */
guint ccid_emu_count (CcidEmu *emu, guint8 type);
/* PPS requests seen, and bmFindexDindex of the last SetParameters. */
guint ccid_emu_pps_requests (CcidEmu *emu);
guint8 ccid_emu_last_fidi (CcidEmu *emu);
/* bProtocolNum of the last SetParameters. */
guint8 ccid_emu_last_protocol (CcidEmu *emu);

/* ccid-emu-private.h: what ccid-emu.c and ccid-emu-descriptors.c share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "ccid-emu.h"

#define EP_OUT 0x01
#define EP_IN 0x82
#define EP_INT 0x83

/* 08e6:3437 "Gemalto" "PC Twin Reader", one slot. */
void ccid_emu_descriptors (CcidEmuLevel level, gboolean interrupt, guint8 *dev, guint8 *cfg,
                           gsize *cfg_len);
/* A control request: bytes answered, or -errno (-EPIPE: STALL). */
int ccid_emu_control (CcidEmuLevel level, gboolean interrupt, const guint8 *setup, guint8 *data,
                      int maxlen);

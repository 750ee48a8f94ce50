/* sim-app.h: the ISO 7816-4 application every simulated card runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The application identifier: F0 "SCBSIM" (a proprietary RID, ISO 7816-5). */
#define SIM_APP_AID "\xF0\x53\x43\x42\x53\x49\x4D"
#define SIM_APP_AID_LEN 7
#define SIM_APP_EF_SMALL 0x0101 /* 16 bytes, the profile's text */
#define SIM_APP_EF_LARGE 0x0102 /* 4096 bytes, byte i = i mod 251 */
#define SIM_APP_INS_ECHO 0xEC   /* CLA 80: answers its data */
#define SIM_APP_INS_LENGTH 0xE1 /* CLA 80: answers P1P2 bytes, byte i = i & 0xFF */
/* The PIN of VERIFY and CHANGE REFERENCE DATA (reference 81): "1234" in
 * ASCII, padded with FFh to 8 bytes. */
#define SIM_APP_PIN_REF 0x81
#define SIM_APP_PIN "1234\xFF\xFF\xFF\xFF"
#define SIM_APP_PIN_LEN 8

typedef struct _SimApp SimApp;

/* @profile: 0, or 1 for the second eSIM profile of a `mep` card. */
SimApp *sim_app_new (guint profile);
void sim_app_free (SimApp *self);

/* Power-up: the MF is the current DF again. Files keep their contents. */
void sim_app_reset (SimApp *self);

/* A command APDU (short or extended) in, response data + SW1 SW2 out. */
GByteArray *sim_app_process (SimApp *self, const guint8 *apdu, gsize len);

/* Whether @ins takes data from the card (ISO 7816-3 §12.2: T=0 case 2). */
gboolean sim_app_ins_is_outgoing (guint8 cla, guint8 ins);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimApp, sim_app_free)

G_END_DECLS

/* sim-pinpad.h: the PIN pad of a simulated reader and its user, sans I/O
 *
 * The user's entries are queued beforehand (`ctl keypad`): each is a PIN
 * typed and confirmed with OK, or "cancel" (the Cancel key). A
 * PC_to_RDR_Secure takes one entry per PIN it asks for; with none queued
 * the pad times out at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SIM_PINPAD_CANCEL "cancel"
#define SIM_PINPAD_MAX_DIGITS 32

/* CCID bError values of the pad (CCID 1.1 §6.2.6). */
#define SIM_PINPAD_ERR_TIMEOUT 0xF0
#define SIM_PINPAD_ERR_CANCELLED 0xEF

typedef enum
{
  SIM_PINPAD_APDU,   /* @apdu is the command to send to the card */
  SIM_PINPAD_STATUS, /* the reader answers @sw itself (64 02, 64 03) */
  SIM_PINPAD_FAILED, /* the command fails with bError @error */
} SimPinpadResult;

typedef struct
{
  GByteArray *apdu;   /* the template with the PIN(s) in it */
  guint8 prologue[3]; /* bTeoPrologue: the T=1 block's NAD PCB LEN */
  guint8 sw[2];
  guint8 error;
} SimPinpadOutcome;

/* Whether @entry is a valid keypad entry (1 to 32 digits, or "cancel"). */
gboolean sim_pinpad_entry_valid (const char *entry);

/* Runs PC_to_RDR_Secure's abData (@data, @len bytes, from bPINOperation)
 * with the entries of @keypad (char *, freed as taken). */
SimPinpadResult sim_pinpad_run (const guint8 *data, gsize len, GQueue *keypad,
                                SimPinpadOutcome *out);

G_END_DECLS

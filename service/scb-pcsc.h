/* scb-pcsc.h: the PC/SC vocabulary of the objects: words, states, attributes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ccid-slot.h"
#include "scb-types.h"

G_BEGIN_DECLS

typedef struct _ScbReader ScbReader;

/* Protocols of a connection, as the slot numbers them: -1 none, 0 T=0,
 * 1 T=1. */
#define SCB_PROTOCOL_ISO_NONE (-1)

/* The D-Bus word of a slot protocol (-1, 0, 1). */
const char *scb_protocol_iso_to_word (int protocol);
/* The protocol to use for a card speaking @active (or none), given the
 * words a client accepts; ProtoMismatch or InvalidParameter. */
gboolean scb_protocol_choose (const char *const *words, ScbShareMode mode, int active, int *chosen,
                              GError **error);

/* SCardStatus' state for the card in @slot, as pcsc-lite reports it. */
guint32 scb_pcsc_status_state (CcidSlot *slot);
/* SCardGetAttrib for a connection with @protocol; NotSupported for ids
 * not answered. */
GBytes *scb_pcsc_get_attrib (ScbReader *reader, int protocol, guint32 id, GError **error);

/* A length from a client: @min to SCB_MAX_APDU_SIZE bytes, else
 * InvalidParameter naming @what. */
gboolean scb_pcsc_check_length (gsize len, gsize min, const char *what, GError **error);

/* libccid 1.6's MEP NAD control commands (SCARD_CTL_CODE(3600)) on the
 * connection's *@nad: get 3F 00 00 -> [nad], set 3E 00 01 nad -> []. */
GBytes *scb_pcsc_mep_nad (CcidSlot *slot, guint8 *nad, GBytes *data, GError **error);

/* The APDU log (debug level). By default a command shows its header and
 * lengths and an answer its status word and length; with LogApduData= on,
 * their data too, except for commands whose data or answer may carry a
 * secret (PINs, keys, challenges...: scb_pcsc_apdu_is_secret()), which never
 * show any. */
void scb_pcsc_set_log_data (gboolean on);
gboolean scb_pcsc_get_log_data (void);
gboolean scb_pcsc_apdu_is_secret (GBytes *apdu);
void scb_pcsc_log_command (const char *path, guint8 nad, GBytes *apdu, gboolean secret);
/* @secret: scb_pcsc_apdu_is_secret() of the command answered. */
void scb_pcsc_log_response (const char *path, guint8 nad, GBytes *response, gboolean secret);

G_END_DECLS

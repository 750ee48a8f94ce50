/* ccid-secure.h: PC/SC part 10 PIN structures to PC_to_RDR_Secure (CCID 1.1 §6.1.11)
 *
 * Sans-I/O, as libccid 1.5 converts them (commands.c SecurePINVerify and
 * SecurePINModify): the client's PIN_VERIFY_STRUCTURE or
 * PIN_MODIFY_STRUCTURE (PC/SC part 10 §2.5.2, .3) is checked, the reader
 * quirks libccid knows are applied, and the abData of PC_to_RDR_Secure is
 * written: bPINOperation, the structure without bTimerOut2 and
 * ulDataLength (and, for a modification, without the bMsgIndex2/3 that
 * bNumberMessage leaves out), then the APDU template. The PIN itself is
 * never seen here: the reader puts it into the template.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum
{
  CCID_PIN_OPERATION_VERIFY = 0, /* bPINOperation, CCID §6.1.11 */
  CCID_PIN_OPERATION_MODIFY = 1,
} CcidPinOperation;

/* PIN_VERIFY_STRUCTURE: 19 bytes, then the APDU; PIN_MODIFY_STRUCTURE: 24. */
#define CCID_PIN_VERIFY_HEADER 19
#define CCID_PIN_MODIFY_HEADER 24
/* libccid refuses a structure whose APDU is shorter than a header. */
#define CCID_PIN_MIN_APDU 4

/* A reader's identity as libccid keys its quirks: idVendor << 16 | idProduct. */
#define CCID_READER_ID(vendor, product) ((uint32_t) (vendor) << 16 | (uint32_t) (product))

typedef struct
{
  CcidPinOperation operation;
  uint8_t timeout; /* bTimerOut: seconds, 0 for the reader's default */
  size_t prologue; /* offset of bTeoPrologue in the abData written */
  size_t apdu;     /* offset of the APDU template in it */
  size_t apdu_len; /* the template's length */
  size_t len;      /* length of the abData written */
} CcidSecureMessage;

/* Most abData bytes ccid_secure_convert() writes for @in_len input bytes. */
#define CCID_SECURE_DATA_SIZE(in_len) ((in_len) + 1)

/* Converts the part 10 structure @in (@in_len bytes, as SCardControl got
 * it) for the reader @reader_id into @out (CCID_SECURE_DATA_SIZE(@in_len)
 * bytes). Returns false, with @reason set to a static sentence, where
 * libccid answers IFD_NOT_SUPPORTED: a structure shorter than its header
 * and a 4-byte APDU, an ulDataLength that disagrees with @in_len, a
 * modification's bNumberMessage above 3 (other than FFh). */
bool ccid_secure_convert (CcidPinOperation operation, const uint8_t *in, size_t in_len,
                          uint32_t reader_id, uint8_t *out, size_t out_size, CcidSecureMessage *msg,
                          const char **reason);

/* How long the host waits for the answer: the user types (libccid: at
 * least 90 s, bTimerOut + 10 s when longer). */
unsigned ccid_secure_timeout_ms (uint8_t timeout);

/* A failed PC_to_RDR_Secure that libccid turns into an answer (CCID
 * §6.2.6): PIN timeout (F0h) -> 64 00, PIN cancelled (EFh) -> 64 01, the
 * status words of PC/SC part 10 §2.6.1. Returns false for other errors. */
bool ccid_secure_outcome (uint8_t error, uint8_t sw[2]);

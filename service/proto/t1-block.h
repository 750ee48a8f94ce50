/* t1-block.h: T=1 block codec (ISO/IEC 7816-3 §11.3, §11.4)
 *
 * A block is NAD PCB LEN INF[LEN] EDC, EDC one byte (LRC) or two (CRC).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define T1_MAX_INF 254                    /* ISO 7816-3 §11.3.2.3: LEN 00..FE */
#define T1_MAX_BLOCK (3 + T1_MAX_INF + 2) /* prologue + INF + CRC */

typedef enum
{
  T1_EDC_LRC = 0,
  T1_EDC_CRC = 1,
} t1_edc;

/* ISO 7816-3 §11.3.2.2: PCB */
#define T1_PCB_I_NS 0x40   /* I-block N(S) */
#define T1_PCB_I_MORE 0x20 /* I-block M (chaining) */
#define T1_PCB_R 0x80
#define T1_PCB_R_NR 0x10 /* R-block N(R) */
#define T1_PCB_R_EDC_ERR 0x01
#define T1_PCB_R_OTHER_ERR 0x02
#define T1_PCB_S 0xC0
#define T1_PCB_S_RESPONSE 0x20
#define T1_S_RESYNCH 0x00
#define T1_S_IFS 0x01
#define T1_S_ABORT 0x02
#define T1_S_WTX 0x03

typedef enum
{
  T1_BLOCK_I,
  T1_BLOCK_R,
  T1_BLOCK_S,
} t1_block_type;

typedef enum
{
  T1_BLOCK_OK = 0,
  T1_BLOCK_ERR_SHORT,  /* less than a prologue and an EDC */
  T1_BLOCK_ERR_LEN_FF, /* LEN = FF is RFU */
  T1_BLOCK_ERR_LENGTH, /* LEN disagrees with the bytes that arrived */
  T1_BLOCK_ERR_EDC,    /* LRC or CRC wrong */
  T1_BLOCK_ERR_PCB,    /* an R-block or S-block with RFU bits or bad INF size */
} t1_block_status;

typedef struct
{
  uint8_t nad;
  uint8_t pcb;
  uint8_t len;
  const uint8_t *inf; /* points into the decoded buffer */
  t1_block_type type;
} t1_block;

/* ISO 7816-3 §11.4.4: LRC is the XOR of the bytes. */
uint8_t t1_lrc (const uint8_t *data, size_t len);
/* ISO 7816-3 §11.4.4 refers to ISO/IEC 13239: polynomial x^16 + x^12 +
 * x^5 + 1, reflected, initial value FFFF, ones' complement at the end
 * (CRC_B of ISO/IEC 14443-3); the low byte is sent first. */
uint16_t t1_crc (const uint8_t *data, size_t len);
size_t t1_edc_size (t1_edc edc);

/* Encodes a block into @out.  Returns its length, 0 if @inf_len > 254 or
 * @cap is too small. */
size_t t1_block_encode (uint8_t nad, uint8_t pcb, const uint8_t *inf, size_t inf_len, t1_edc edc,
                        uint8_t *out, size_t cap);

/* Decodes @len bytes: checks that exactly 3 + LEN + EDC bytes arrived, the
 * EDC, and the shape of R- and S-blocks.  @out->inf points into @in. */
t1_block_status t1_block_decode (const uint8_t *in, size_t len, t1_edc edc, t1_block *out);

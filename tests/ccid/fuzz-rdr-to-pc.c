/* fuzz-rdr-to-pc.c: RDR_to_PC bulk answers and interrupt messages
 *
 * The first byte picks dwMaxCCIDMessageLength and the slot count; the rest
 * is the message as it came from the device. The message is copied into a
 * buffer of exactly its size so ASan sees any read past it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "ccid-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const uint32_t limits[]
    = { 0, 64, 263, 271, 3072, CCID_MAX_MESSAGE_LENGTH, 0xffffffffu, 11 };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CcidReply r;
  CcidNotification n;
  CcidParameters p;
  uint8_t *copy;
  uint32_t limit;
  unsigned n_slots;
  char text[64];

  if (size < 1)
    return 0;
  limit = limits[data[0] & 0x07];
  n_slots = (unsigned) (data[0] >> 3) & 0x1f;
  data++;
  size--;
  copy = calloc (1, size ? size : 1);
  if (copy == NULL)
    return 0;
  if (size > 0)
    memcpy (copy, data, size);

  if (ccid_reply_parse (copy, size, limit, &r, NULL) == CCID_PARSE_OK)
    {
      uint8_t sum = 0;

      if (r.length > size - CCID_HEADER_LENGTH || r.data != copy + CCID_HEADER_LENGTH)
        __builtin_trap ();
      /* touch every byte the parser vouched for */
      for (uint32_t i = 0; i < r.length; i++)
        sum ^= r.data[i];
      (void) sum;
      (void) ccid_reply_match (&r, CCID_PC_TO_RDR_XFR_BLOCK, 0, 0);
      (void) ccid_reply_time_extension (&r);
      (void) ccid_reply_get_parameters (&r, &p, NULL);
      ccid_error_describe (r.error, text, sizeof text);
      (void) ccid_message_type_name (r.type);
    }
  (void) ccid_notification_parse (copy, size, n_slots, &n, NULL);
  free (copy);
  return 0;
}

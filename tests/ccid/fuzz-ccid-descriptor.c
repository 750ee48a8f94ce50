/* fuzz-ccid-descriptor.c: the interface check, the class descriptor finder,
 * parser and endpoint picker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>

#include "ccid-descriptor.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CcidDescriptor d;
  CcidEndpointInfo eps[8];
  CcidEndpoints e;
  const uint8_t *found;
  size_t len = 0;
  size_t n_eps = 0;

  /* The first two bytes as an interface's class (0x0B or the vendor
   * class) and protocol, the rest as the descriptors after it. */
  if (size >= 2)
    {
      CcidInterfaceKind kind
          = ccid_interface_kind (data[0] & 1 ? CCID_INTERFACE_CLASS_VENDOR : CCID_INTERFACE_CLASS,
                                 data[1], data + 2, size - 2);

      if (kind > CCID_INTERFACE_ICCD_B
          || ((data[0] & 1) && kind != CCID_INTERFACE_NONE
              && ccid_descriptor_find (data + 2, size - 2, NULL) == NULL))
        __builtin_trap ();
    }

  /* As one descriptor, and as a run of descriptors to search. */
  if (ccid_descriptor_parse (data, size, &d, NULL))
    {
      /* What the device layer relies on */
      if (d.n_slots < 1 || d.n_slots > CCID_MAX_SLOTS || d.message_length < CCID_MIN_MESSAGE_LENGTH
          || d.message_length > CCID_MAX_MESSAGE_LENGTH || d.ifsd < 1 || d.ifsd > 254
          || d.ifsd + CCID_HEADER_LENGTH + 5u > d.message_length)
        __builtin_trap ();
      (void) ccid_exchange_level_to_string (d.level);
    }
  found = ccid_descriptor_find (data, size, &len);
  if (found != NULL)
    {
      if (found < data || len > size || (size_t) (found - data) > size - len)
        __builtin_trap ();
      (void) ccid_descriptor_parse (found, len, &d, NULL);
    }

  /* The same bytes as endpoint descriptors (4 bytes each). */
  for (size_t i = 0; i + 4 <= size && n_eps < 8; i += 4)
    {
      eps[n_eps].address = data[i];
      eps[n_eps].attributes = data[i + 1];
      eps[n_eps].max_packet_size = (uint16_t) (data[i + 2] | data[i + 3] << 8);
      n_eps++;
    }
  (void) ccid_endpoints_pick (eps, n_eps, &e, NULL);
  return 0;
}

/* transcript.h: how the PC/SC sessions of scenario.c and part10.c print
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdio.h>
#include <winscard.h>

static inline void
print_rv (const char *what, LONG rv)
{
  printf ("%s: %s\n", what, pcsc_stringify_error (rv));
}

static inline void
print_bytes (const char *what, const BYTE *bytes, DWORD length)
{
  printf ("%s:", what);
  for (DWORD i = 0; i < length; i++)
    printf (" %02X", bytes[i]);
  printf ("\n");
}

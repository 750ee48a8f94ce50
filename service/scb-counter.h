/* scb-counter.h: the event counters (docs/architecture.md, "Counters and event order")
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

/* The next value of a ReaderEvents or CardEvents counter. PC/SC carries the
 * low 16 bits in the high word of dwEventState, where 0 means "no counter",
 * so a value whose low 16 bits are 0 is skipped. */
static inline guint32
scb_counter_next (guint32 value)
{
  value++;
  if ((value & 0xffff) == 0)
    value++;
  return value;
}

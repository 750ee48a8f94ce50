/* ccid-sim-fixture.h: the device layer against scardbus-sim's readers and
 * cards (tools/sim's SimBed, in this process, under the umockdev preload):
 * what test-ccid-sim and test-ccid-sim-faults share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "ccid-monitor.h"
#include "ccid-test.h"
#include "sim-bed.h"

typedef struct
{
  const char *model;
  SimCardKind card;
} Setup;

typedef struct
{
  SimBed *bed;
  guint index;
  CcidMonitor *monitor;
  GPtrArray *devices; /* CcidDevice, as added */
  guint removed;
} Fixture;

extern const Setup tpdu_t1, tpdu_t0, tpdu_mep, tpdu_mute, short_t1, extended_t1, multislot,
    no_interrupt;

void fixture_setup (Fixture *f, gconstpointer data);
void fixture_teardown (Fixture *f, gconstpointer data);

#define ADD(path, setup, fn) g_test_add (path, Fixture, &setup, fixture_setup, fn, fixture_teardown)

/* SimBed waits until the host has read the event, and the host is this
 * thread's main loop: these drive the bed from another thread. */
typedef enum
{
  BED_INSERT,
  BED_REMOVE,
  BED_FAULT
} BedOpKind;

void bed_op_n (Fixture *f, BedOpKind kind, guint slot_index, SimFault fault, guint count);
void bed_op (Fixture *f, BedOpKind kind, guint slot_index, SimFault fault);
/* Arms @count faults that strike once @after more XfrBlocks went by (or
 * at once, for a fault the host need not have seen yet). */
void bed_fault_later (Fixture *f, SimFault fault, guint count, guint after);
/* The slot's "faults_injected" counter. */
guint64 bed_faults_injected (Fixture *f, guint slot_index);
/* The reader's "urbs_submitted" counter. */
guint64 bed_urbs_submitted (Fixture *f);

CcidSlot *slot (Fixture *f, guint n);
void wait_powered (Fixture *f, guint n);
/* ccid_slot_power_on_async(), waited for. */
void power_on (Fixture *f, guint n);

GBytes *transmit_nad (Fixture *f, CcidSlot *s, guint8 nad, const guint8 *apdu, gsize len,
                      GError **error);
GBytes *transmit (Fixture *f, const guint8 *apdu, gsize len, GError **error);

extern const guint8 select_aid[13];

void assert_sw (GBytes *r, guint16 sw);
/* An echo of @n bytes (case 4, extended when long) must come back whole. */
void assert_echo (Fixture *f, gsize n);
void assert_select_works (Fixture *f);
/* 80 E1 with extended Le: @n bytes, byte i = i & FF, then 90 00. */
void assert_length_works (Fixture *f, gsize n);

/* sim-usb.h: the usbdevfs side of one simulated reader
 *
 * A UMockdevIoctlBase that answers the usbdevfs ioctls libusb issues on the
 * reader's /dev/bus/usb node: URBs in and out, reaping, discards, claims,
 * control transfers, halts. CCID messages go to a SimReader.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdio.h>
#include <umockdev.h>

#include "sim-reader.h"
#include "sim-stats.h"

G_BEGIN_DECLS

#define SIM_TYPE_USB (sim_usb_get_type ())
G_DECLARE_FINAL_TYPE (SimUsb, sim_usb, SIM, USB, UMockdevIoctlBase)

/* Called (from the ioctl thread, lock held) when an "unplug-mid" fault
 * fires: the owner must unplug the reader soon, from its own thread. */
typedef void (*SimUsbUnplugFunc) (gpointer user_data);

/* @reader is borrowed. @lock guards the reader and this object; @cond is
 * broadcast when an interrupt message is reaped or the device goes. */
SimUsb *sim_usb_new (SimReader *reader, GMutex *lock, GCond *cond, SimUsbUnplugFunc unplug_func,
                     gpointer user_data);

/* The rest is called with the lock held. */

/* Turns @node (the usbfs node in the testbed) into a FIFO kept full, so
 * that poll() reports POLLOUT only while an URB is reapable: a regular file
 * is always ready and libusb's event loop would spin. */
gboolean sim_usb_set_fifo_node (SimUsb *self, const char *node, GError **error);

/* Moves the reader's interrupt messages to waiting URBs. Returns the
 * sequence number of the last message queued so far (0: none ever). */
guint64 sim_usb_kick (SimUsb *self);
/* Sequence number of the last interrupt message the host reaped. */
guint64 sim_usb_get_interrupts_reaped (SimUsb *self);

/* The device is gone: in-flight URBs fail with -ESHUTDOWN, then every
 * ioctl with ENODEV (the usbfs node never reports POLLERR). */
void sim_usb_disconnect (SimUsb *self);
gboolean sim_usb_is_gone (SimUsb *self);

const SimUsbStats *sim_usb_get_stats (SimUsb *self);

/* Writes every CCID message to @trace (borrowed), one line each:
 * "N > hex" from the host, "N < hex" to it, "N ! hex" on the interrupt pipe. */
void sim_usb_set_trace (SimUsb *self, FILE *trace, guint index);

G_END_DECLS

/* ccid-monitor.h: finds CCID readers with udev and follows hotplug
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ccid-device.h"
#include "ccid-quirks.h"
#include "ccid-slot.h"

G_BEGIN_DECLS

#define CCID_TYPE_MONITOR (ccid_monitor_get_type ())
G_DECLARE_FINAL_TYPE (CcidMonitor, ccid_monitor, CCID, MONITOR, GObject)

CcidMonitor *ccid_monitor_new (void);

/* Before ccid_monitor_start(): the GetSlotStatus interval for readers
 * without an interrupt endpoint (default CCID_DEFAULT_POLL_INTERVAL_MS),
 * and readers to leave alone. */
void ccid_monitor_set_poll_interval (CcidMonitor *self, guint interval_ms);
void ccid_monitor_add_ignored (CcidMonitor *self, guint16 vendor_id, guint16 product_id);
/* Takes @quirks (data/ccid-quirks.txt); without, the built-in table. */
void ccid_monitor_set_quirks (CcidMonitor *self, CcidQuirks *quirks);

/* Enumerates the readers present, emitting ::device-added for each, then
 * follows uevents. Fails only when libusb cannot be initialised. */
gboolean ccid_monitor_start (CcidMonitor *self, GError **error);

/* Shuts every device down (::device-removed for each) and stops. */
void ccid_monitor_stop (CcidMonitor *self);

/* The devices in use, in the order they were added. */
GPtrArray *ccid_monitor_get_devices (CcidMonitor *self);

G_END_DECLS

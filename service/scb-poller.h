/* scb-poller.h: many file descriptors behind one GSource (epoll)
 *
 * GLib's main loop prepares, polls and checks every source at each
 * iteration, so a source per socket makes every APDU pay for every idle
 * channel. The poller is one source whose only fd is an epoll instance:
 * the main loop sees one fd however many are watched, and a dispatch runs
 * only the watches that are ready. Level-triggered, with GLib's event
 * bits; single-threaded, in the thread-default main context of its first
 * use.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _ScbPollerWatch ScbPollerWatch;

/* @revents: what the fd is ready for (G_IO_HUP and G_IO_ERR are reported
 * even when not asked for, as poll() does). */
typedef void (*ScbPollerFunc) (gpointer user_data, GIOCondition revents);

ScbPollerWatch *scb_poller_watch (int fd, GIOCondition events, ScbPollerFunc func,
                                  gpointer user_data, GError **error);
void scb_poller_watch_set_events (ScbPollerWatch *watch, GIOCondition events);
/* Safe from any callback, the watch's own included: a removed watch is
 * never called again. */
void scb_poller_watch_remove (ScbPollerWatch *watch);
/* How many watches there are (for tests). */
guint scb_poller_count (void);

G_END_DECLS

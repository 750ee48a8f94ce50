/* objects-common.h: helpers of the object-model tests (run under scardbus-sim)
 *
 * Every test program here is the COMMAND of a scardbus-sim run: the system
 * bus is the sim's private one, SCARDBUS_SIM_CONTROL drives the readers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#define OC_NAME "org.scardbus.SmartCard1"
#define OC_ROOT "/org/scardbus/SmartCard1"
#define OC_MANAGER OC_NAME ".Manager"
#define OC_READER OC_NAME ".Reader"
#define OC_CARD OC_NAME ".Card"
#define OC_CONNECTION OC_NAME ".Connection"
#define OC_ERROR OC_NAME ".Error."
#define OC_ACCESS OC_NAME ".access-card"
#define OC_CONTROL OC_NAME ".control"
#define OC_SET_NAD OC_NAME ".set-nad"

/* A new connection to the system bus (its own unique name). */
GDBusConnection *oc_bus_new (void);

GVariant *oc_call (GDBusConnection *bus, const char *path, const char *iface, const char *method,
                   GVariant *parameters, const char *reply_type, GError **error);
/* The D-Bus error name of @error ("" for none). */
char *oc_error_name (const GError *error);
void oc_assert_error (const GError *error, const char *short_name);

/* The readers of GetReaders, and the counter. */
GStrv oc_readers (GDBusConnection *bus, guint32 *reader_events);
GVariant *oc_get_property (GDBusConnection *bus, const char *path, const char *iface,
                           const char *name);

/* Reader.Connect; the connection path, NULL with @error set. */
char *oc_connect (GDBusConnection *bus, const char *reader, const char *mode, const char *protocol,
                  GError **error);
GBytes *oc_transmit (GDBusConnection *bus, const char *connection, const guint8 *apdu, gsize len,
                     GError **error);
GBytes *oc_hex (const char *hex);
char *oc_to_hex (GBytes *bytes);

/* "scardbus-sim ctl ARGS": the payload of its "ok" answer. */
char *oc_ctl (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* The actions the polkit mock allows (NULL-terminated list). */
void oc_set_allowed (const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Runs objects-client with @args, as nobody when @as_nobody; its stdout. */
char *oc_run_client (gboolean as_nobody, const char *const *args);
/* Path of objects-client, next to the running test. */
char *oc_client_path (void);

/* Iterates the default main context until @done is TRUE or @timeout_ms
 * passed; returns *done. */
gboolean oc_wait (gboolean *done, guint timeout_ms);
/* Iterates until @predicate (@data) is TRUE, at most @timeout_ms. */
gboolean oc_wait_for (gboolean (*predicate) (gpointer data), gpointer data, guint timeout_ms);

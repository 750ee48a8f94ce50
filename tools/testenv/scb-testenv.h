/* scb-testenv.h: a private system bus with a polkit mock, for tests and the sim
 *
 * Starts, in a fresh temporary directory reachable by every user (as the real
 * /run/dbus is), a dbus-daemon with a system-bus-like configuration that
 * includes scardbus's own bus policy from data/ (so the policy is under test),
 * and python3-dbusmock's polkitd template as org.freedesktop.PolicyKit1.
 * Every process it starts dies with it, or with the process that made it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _ScbTestenv ScbTestenv;

/* @policy_file: the scardbus bus policy to include (NULL: the source tree's
 * data/org.scardbus.SmartCard1.conf, from SCB_SOURCEDIR or the compiled-in
 * source dir). Starts the bus and the polkit mock; allows nothing yet. */
ScbTestenv *scb_testenv_new (const char *policy_file, GError **error);
void scb_testenv_free (ScbTestenv *self);

const char *scb_testenv_get_address (ScbTestenv *self);
const char *scb_testenv_get_tmpdir (ScbTestenv *self);
/* Where scardbusd serves pcscd's socket (PCSCLITE_CSOCK_NAME of whatever
 * it starts, unless already set). */
const char *scb_testenv_get_pcsc_socket (ScbTestenv *self);

/* A fresh environment for a child: the caller's, with
 * DBUS_SYSTEM_BUS_ADDRESS pointing at the private bus. */
char **scb_testenv_get_environ (ScbTestenv *self);

/* Replaces the set of polkit actions the mock allows (NULL or empty: none). */
gboolean scb_testenv_set_allowed (ScbTestenv *self, const char *const *actions, GError **error);

/* A connection to the private bus (cached, as the caller's uid). */
GDBusConnection *scb_testenv_get_connection (ScbTestenv *self, GError **error);

/* Spawns @argv with the testenv's environment, in the testenv's process
 * group cleanup: it is sent SIGTERM (then SIGKILL) by scb_testenv_free(). */
GSubprocess *scb_testenv_spawn (ScbTestenv *self, const char *const *argv, GSubprocessFlags flags,
                                GError **error);
/* The same with extra VAR=VALUE entries added to the environment. */
GSubprocess *scb_testenv_spawn_with_env (ScbTestenv *self, const char *const *argv,
                                         const char *const *extra_env, GSubprocessFlags flags,
                                         GError **error);

/* Waits (iterating the thread-default main context) until @name has an owner
 * on the private bus, at most @timeout_ms. */
gboolean scb_testenv_wait_for_name (ScbTestenv *self, const char *name, guint timeout_ms,
                                    GError **error);

/* Sends SIGTERM, waits up to 3 s for the process to go, then SIGKILL. */
void scb_testenv_stop_process (GSubprocess *process);

/* Removes @path and everything below it, without following symlinks. */
gboolean scb_testenv_remove_tree (const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScbTestenv, scb_testenv_free)

G_END_DECLS

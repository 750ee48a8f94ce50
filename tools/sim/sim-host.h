/* sim-host.h: the CCID host the sim runs (scardbusd, or pcscd + libccid)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "scb-testenv.h"

G_BEGIN_DECLS

typedef enum
{
  SIM_HOST_SCARDBUSD,
  SIM_HOST_PCSCD,
} SimHostKind;

typedef struct _SimHost SimHost;

/* Starts the host under the umockdev preload (inherited from the sim):
 * scardbusd on the private bus of @testenv, as @user and its group when not
 * NULL (through setpriv, without supplementary groups), or pcscd inside a
 * private mount and network namespace, listening in @tmpdir/pcscd. */
SimHost *sim_host_start (SimHostKind kind, ScbTestenv *testenv, const char *tmpdir,
                         const char *user, GError **error);
/* Blocks until the host lists @n_readers readers (at most @timeout_ms, or
 * until @cancellable is cancelled). With 0, until it serves clients. */
gboolean sim_host_wait_ready (SimHost *self, guint n_readers, guint timeout_ms,
                              GCancellable *cancellable, GError **error);
/* Adds what a client of this host needs: PCSCLITE_CSOCK_NAME (pcscd's
 * socket, or scardbusd's), and for scardbusd LD_LIBRARY_PATH leading to
 * our libpcsclite.so.1 once it is built, unless told to leave the system's
 * libpcsclite to the programs (it then reaches scardbusd over the socket). */
char **sim_host_client_environ (SimHost *self, char **envp);
void sim_host_use_system_pcsclite (SimHost *self);
GSubprocess *sim_host_get_process (SimHost *self);
/* SIGTERM, then SIGKILL after 3 s. */
void sim_host_free (SimHost *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimHost, sim_host_free)

G_END_DECLS

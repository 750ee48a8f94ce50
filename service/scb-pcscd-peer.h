/* scb-pcscd-peer.h: who is at the other end of a pcscd socket connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <polkit/polkit.h>

G_BEGIN_DECLS

typedef struct
{
  guint32 uid;
  gint32 pid;
  int pidfd;          /* -1 where the kernel has none */
  guint64 start_time; /* the process's, in clock ticks since boot (polkit's) */
  char *flatpak_app;  /* the Flatpak app id, NULL outside a sandbox */
} ScbPcscdPeer;

/* Reads the credentials of the socket @fd's peer: SO_PEERCRED, its pidfd
 * (SO_PEERPIDFD, Linux 6.5) and, while the pidfd shows the process alive,
 * its start time and Flatpak app id. Fails only without SO_PEERCRED. */
gboolean scb_pcscd_peer_read (int fd, ScbPcscdPeer *peer, GError **error);
void scb_pcscd_peer_clear (ScbPcscdPeer *peer);

/* A polkit unix-process subject pinned to the process's start time, so a
 * recycled PID is not taken for the client. */
PolkitSubject *scb_pcscd_peer_subject (const ScbPcscdPeer *peer);
/* "flatpak.app-id" when the client runs in a Flatpak sandbox, else NULL. */
PolkitDetails *scb_pcscd_peer_details (const ScbPcscdPeer *peer);

/* The app id of a Flatpak sandbox's /.flatpak-info ([Application] name),
 * NULL when it has none or is not a keyfile (exported for the tests). */
char *scb_pcscd_flatpak_app_from_info (const char *data, gsize len);

G_END_DECLS

/* scb-pcscd-peer.c: who is at the other end of a pcscd socket connection
 *
 * The kernel's SO_PEERCRED says who connected; SO_PEERPIDFD (Linux 6.5)
 * pins that process, so what is read about it afterwards (its start time
 * for polkit, its Flatpak sandbox) is checked to be about the same
 * process: it is read, then the pidfd must still show it alive. Without
 * SO_PEERPIDFD, pidfd_open() right after accept() narrows the window.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-pcscd-peer.h"
#include "scb-error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* A sandbox's /.flatpak-info is a small keyfile: anything larger is not one. */
#define FLATPAK_INFO_MAX 65536

static gboolean
pidfd_alive (int pidfd)
{
  return pidfd < 0 || syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

static guint64
read_start_time (gint32 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  /* The command name may hold spaces and parentheses: fields start after
   * the last ')'. starttime is field 22, the 20th after it. */
  after = strrchr (contents, ')');
  if (after == NULL)
    return 0;
  fields = g_strsplit (after + 1, " ", 0);
  if (g_strv_length (fields) < 21)
    return 0;
  return g_ascii_strtoull (fields[20], NULL, 10);
}

char *
scb_pcscd_flatpak_app_from_info (const char *data, gsize len)
{
  g_autoptr (GKeyFile) info = g_key_file_new ();
  g_autofree char *name = NULL;

  if (!g_key_file_load_from_data (info, data, len, G_KEY_FILE_NONE, NULL))
    return NULL;
  name = g_key_file_get_string (info, "Application", "name", NULL);
  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL))
    return NULL;
  return g_steal_pointer (&name);
}

/* /.flatpak-info as the process sees it, through /proc/PID/root without
 * following a link the sandbox could plant, a regular file of bounded size. */
static char *
read_flatpak_info (gint32 pid)
{
  g_autofree char *root_path = g_strdup_printf ("/proc/%d/root", pid);
  g_autofree char *data = NULL;
  struct stat st;
  gssize n;
  int root;
  int fd;

  root = open (root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return NULL;
  fd = openat (root, ".flatpak-info", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  close (root);
  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > FLATPAK_INFO_MAX)
    {
      close (fd);
      return NULL;
    }
  data = g_malloc (FLATPAK_INFO_MAX + 1);
  n = read (fd, data, FLATPAK_INFO_MAX);
  close (fd);
  if (n <= 0)
    return NULL;
  return scb_pcscd_flatpak_app_from_info (data, (gsize) n);
}

gboolean
scb_pcscd_peer_read (int fd, ScbPcscdPeer *peer, GError **error)
{
  struct ucred cred;
  socklen_t len = sizeof cred;
  socklen_t fd_len = sizeof peer->pidfd;

  memset (peer, 0, sizeof *peer);
  peer->pidfd = -1;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
    {
      int saved = errno;

      g_set_error (error, SCB_ERROR, SCB_ERROR_FAILED, "no peer credentials: %s",
                   g_strerror (saved));
      return FALSE;
    }
  peer->uid = cred.uid;
  peer->pid = cred.pid;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERPIDFD, &peer->pidfd, &fd_len) != 0)
    peer->pidfd = cred.pid > 0 ? (int) syscall (SYS_pidfd_open, cred.pid, 0) : -1;
  if (cred.pid <= 0)
    return TRUE;
  peer->start_time = read_start_time (cred.pid);
  peer->flatpak_app = read_flatpak_info (cred.pid);
  if (!pidfd_alive (peer->pidfd))
    {
      /* Gone already: nothing read about that PID is about our client. */
      peer->start_time = 0;
      g_clear_pointer (&peer->flatpak_app, g_free);
    }
  return TRUE;
}

void
scb_pcscd_peer_clear (ScbPcscdPeer *peer)
{
  if (peer->pidfd >= 0)
    close (peer->pidfd);
  peer->pidfd = -1;
  g_clear_pointer (&peer->flatpak_app, g_free);
}

PolkitSubject *
scb_pcscd_peer_subject (const ScbPcscdPeer *peer)
{
  /* With a start time of 0 polkit reads it itself; a process gone by
   * then is not authorized. */
  return polkit_unix_process_new_for_owner (peer->pid, peer->start_time, (gint) peer->uid);
}

PolkitDetails *
scb_pcscd_peer_details (const ScbPcscdPeer *peer)
{
  PolkitDetails *details;

  if (peer->flatpak_app == NULL)
    return NULL;
  details = polkit_details_new ();
  polkit_details_insert (details, "flatpak.app-id", peer->flatpak_app);
  return details;
}

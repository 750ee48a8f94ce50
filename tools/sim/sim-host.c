/* sim-host.c: the CCID host the sim runs (scardbusd, or pcscd + libccid)
 *
 * pcscd is only ever run inside its own mount and network namespace
 * (unshare(CLONE_NEWNS | CLONE_NEWNET) in the child): a tmpfs over /run, a
 * bind of our temporary directory over /run/pcscd (pcscd 1.9.9 ignores
 * PCSCLITE_CSOCK_NAME and listens on /run/pcscd/pcscd.comm), an empty
 * reader.conf.d, no network. The namespace and its mounts die with pcscd,
 * and pcscd dies with the sim (PR_SET_PDEATHSIG).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "sim-host.h"

#include "scb-generated.h"
#include "scb-names.h"

#include <dlfcn.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <winscard.h>

struct _SimHost
{
  SimHostKind kind;
  ScbTestenv *testenv;
  GSubprocess *process;
  char *pcscd_dir; /* pcscd: the directory bound over /run/pcscd */
  char *socket;    /* pcscd: its socket, seen from outside */
  char *conf_dir;
};

typedef struct
{
  pid_t parent;
  const char *bind_source;
} PcscdSetup;

/* Runs in the child between fork and exec: system calls only. */
static void
pcscd_child_setup (gpointer user_data)
{
  PcscdSetup *setup = user_data;

  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != setup->parent)
    _exit (127);
  if (unshare (CLONE_NEWNS | CLONE_NEWNET) < 0
      || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
      || mount ("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0
      || (mkdir ("/run/pcscd", 0755) < 0 && errno != EEXIST)
      || mount (setup->bind_source, "/run/pcscd", NULL, MS_BIND, NULL) < 0)
    _exit (126);
}

static char *
find_scardbusd (void)
{
  const char *env = g_getenv ("SCARDBUS_SIM_SCARDBUSD");
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  /* Run from the build tree: use the daemon built next to us. */
  if (exe != NULL && g_str_has_prefix (exe, SCB_BUILDDIR "/")
      && g_file_test (SCB_BUILDDIR "/service/scardbusd", G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (SCB_BUILDDIR "/service/scardbusd");
  return g_build_filename (SCB_LIBEXECDIR, "scardbusd", NULL);
}

static char *
find_winscard_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *installed = g_build_filename (SCB_LIBDIR, "scardbus", NULL);
  g_autofree char *lib = NULL;

  if (exe != NULL && g_str_has_prefix (exe, SCB_BUILDDIR "/"))
    {
      lib = g_build_filename (SCB_BUILDDIR, "client-lib", "winscard", "libpcsclite.so.1", NULL);
      return g_file_test (lib, G_FILE_TEST_EXISTS) ? g_path_get_dirname (lib) : NULL;
    }
  lib = g_build_filename (installed, "libpcsclite.so.1", NULL);
  return g_file_test (lib, G_FILE_TEST_EXISTS) ? g_steal_pointer (&installed) : NULL;
}

SimHost *
sim_host_start (SimHostKind kind, ScbTestenv *testenv, const char *tmpdir, const char *user,
                GError **error)
{
  g_autoptr (SimHost) self = g_new0 (SimHost, 1);

  self->kind = kind;
  self->testenv = testenv;
  if (kind == SIM_HOST_SCARDBUSD)
    {
      g_autofree char *path = find_scardbusd ();
      g_autofree char *reuid = g_strdup_printf ("--reuid=%s", user != NULL ? user : "");
      g_autofree char *regid = NULL;
      const char *argv[] = { path, NULL };
      /* setpriv restores the parent-death signal that changing the uid
       * clears (--pdeathsig keep). */
      const char *as_user[]
          = { "setpriv", reuid, NULL, "--clear-groups", "--pdeathsig", "keep", "--", path, NULL };

      if (user != NULL)
        {
          struct passwd *pw = getpwnam (user);

          if (pw == NULL)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no user %s", user);
              return NULL;
            }
          regid = g_strdup_printf ("--regid=%u", (guint) pw->pw_gid);
          as_user[2] = regid;
        }
      self->process = scb_testenv_spawn (testenv, user != NULL ? as_user : argv,
                                         G_SUBPROCESS_FLAGS_NONE, error);
      if (self->process == NULL)
        return NULL;
    }
  else if (user != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "--host-user is for --host scardbusd only");
      return NULL;
    }
  else if (geteuid () != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "--host pcscd needs root: pcscd runs in its own mount and network namespace");
      return NULL;
    }
  else
    {
      g_autoptr (GSubprocessLauncher) launcher
          = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
      g_autofree char *log = g_build_filename (tmpdir, "pcscd.log", NULL);
      PcscdSetup setup; /* read by the child before spawn returns */

      self->pcscd_dir = g_build_filename (tmpdir, "pcscd", NULL);
      self->conf_dir = g_build_filename (tmpdir, "reader.conf.d", NULL);
      self->socket = g_build_filename (self->pcscd_dir, "pcscd.comm", NULL);
      if (g_mkdir (self->pcscd_dir, 0755) < 0 || g_mkdir (self->conf_dir, 0755) < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s",
                       self->pcscd_dir, g_strerror (saved));
          return NULL;
        }
      setup.parent = getpid ();
      setup.bind_source = self->pcscd_dir;
      g_subprocess_launcher_set_child_setup (launcher, pcscd_child_setup, &setup, NULL);
      g_subprocess_launcher_set_stdout_file_path (launcher, log);
      g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                    scb_testenv_get_address (testenv), TRUE);
      self->process = g_subprocess_launcher_spawn (launcher, error, "pcscd", "--foreground",
                                                   "--config", self->conf_dir, NULL);
      if (self->process == NULL)
        return NULL;
    }
  return g_steal_pointer (&self);
}

GSubprocess *
sim_host_get_process (SimHost *self)
{
  return self->process;
}

static gboolean
host_exited (SimHost *self, GCancellable *cancellable, GError **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return TRUE;
  if (g_subprocess_get_identifier (self->process) != NULL)
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the host (%s) exited with status %d",
               self->kind == SIM_HOST_PCSCD ? "pcscd" : "scardbusd",
               g_subprocess_get_status (self->process));
  return TRUE;
}

/* ---- pcscd: asked through libpcsclite, loaded at run time --------------- */

typedef LONG (*EstablishFn) (DWORD, LPCVOID, LPCVOID, LPSCARDCONTEXT);
typedef LONG (*ReleaseFn) (SCARDCONTEXT);
typedef LONG (*ListFn) (SCARDCONTEXT, LPCSTR, LPSTR, LPDWORD);
typedef LONG (*StatusChangeFn) (SCARDCONTEXT, DWORD, SCARD_READERSTATE *, DWORD);

static guint
count_readers (ListFn list, SCARDCONTEXT context)
{
  char buffer[8192];
  DWORD size = sizeof buffer;
  guint n = 0;

  if (list (context, NULL, buffer, &size) != SCARD_S_SUCCESS || size > sizeof buffer)
    return 0;
  for (DWORD i = 0; i + 1 < size; i += strlen (buffer + i) + 1)
    n++;
  return n;
}

static gboolean
wait_pcscd (SimHost *self, guint n_readers, guint timeout_ms, GCancellable *cancellable,
            GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  void *lib = dlopen ("libpcsclite.so.1", RTLD_NOW | RTLD_LOCAL);
  EstablishFn establish;
  ReleaseFn release;
  ListFn list;
  StatusChangeFn status_change;
  SCARDCONTEXT context = 0;
  SCARD_READERSTATE pnp = { .szReader = "\\\\?PnP?\\Notification" };
  gboolean ok = FALSE;

  if (lib == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cannot load libpcsclite.so.1: %s",
                   dlerror ());
      return FALSE;
    }
  establish = (EstablishFn) dlsym (lib, "SCardEstablishContext");
  release = (ReleaseFn) dlsym (lib, "SCardReleaseContext");
  list = (ListFn) dlsym (lib, "SCardListReaders");
  status_change = (StatusChangeFn) dlsym (lib, "SCardGetStatusChange");
  if (establish == NULL || release == NULL || list == NULL || status_change == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "libpcsclite.so.1 lacks SCard functions");
      dlclose (lib);
      return FALSE;
    }
  /* The client library reads it when it first connects. */
  g_setenv ("PCSCLITE_CSOCK_NAME", self->socket, TRUE);

  /* Start-up: pcscd creates its socket once its hotplug scan is done. */
  while (!host_exited (self, cancellable, error))
    {
      if (g_file_test (self->socket, G_FILE_TEST_EXISTS)
          && establish (SCARD_SCOPE_SYSTEM, NULL, NULL, &context) == SCARD_S_SUCCESS)
        break;
      context = 0;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "pcscd did not start");
          break;
        }
      g_usleep (20 * 1000);
    }
  /* Then wait on reader events (no polling): each PnP change wakes us. */
  while (context != 0)
    {
      if (count_readers (list, context) >= n_readers)
        {
          ok = TRUE;
          break;
        }
      if (host_exited (self, cancellable, error))
        break;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "pcscd did not list %u reader(s) in time", n_readers);
          break;
        }
      /* The first call (state unaware) returns at once with the current
       * state; the next ones block until a reader comes or goes. The 1 s
       * bound covers a reader added between the two calls. */
      status_change (context, 1000, &pnp, 1);
      pnp.dwCurrentState = pnp.dwEventState & ~SCARD_STATE_CHANGED;
    }
  if (context != 0)
    release (context);
  dlclose (lib);
  return ok;
}

/* ---- scardbusd: asked on the bus ----------------------------------------- */

typedef struct
{
  gboolean changed;
  gboolean timed_out;
} DbusWait;

static void
on_reader_added (ScbDBusManager *manager, const char *path, const char *name, guint events,
                 gpointer user_data)
{
  ((DbusWait *) user_data)->changed = TRUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  ((DbusWait *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_scardbusd (SimHost *self, guint n_readers, guint timeout_ms, GCancellable *cancellable,
                GError **error)
{
  GDBusConnection *bus = scb_testenv_get_connection (self->testenv, error);
  GMainContext *context = g_main_context_get_thread_default ();
  DbusWait wait = { TRUE, FALSE };
  g_autoptr (GSource) timeout = NULL;
  g_autoptr (ScbDBusManager) manager = NULL;
  gboolean ok = FALSE;

  if (bus == NULL || !scb_testenv_wait_for_name (self->testenv, SCB_DBUS_NAME, timeout_ms, error))
    return FALSE;
  /* Subscribe first (the proxy does), then read the snapshot: no addition
   * is missed. */
  manager = scb_dbus_manager_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                             SCB_DBUS_NAME, SCB_DBUS_PATH, cancellable, error);
  if (manager == NULL)
    return FALSE;
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (manager), 10000);
  g_signal_connect (manager, "reader-added", G_CALLBACK (on_reader_added), &wait);
  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, on_timeout, &wait, NULL);
  g_source_attach (timeout, context);
  while (!wait.timed_out && !host_exited (self, cancellable, error))
    {
      if (wait.changed)
        {
          g_auto (GStrv) readers = NULL;
          guint events = 0;

          wait.changed = FALSE;
          if (!scb_dbus_manager_call_get_readers_sync (manager, G_DBUS_CALL_FLAGS_NONE, -1, &events,
                                                       &readers, cancellable, error))
            break;
          if (g_strv_length (readers) >= n_readers)
            {
              ok = TRUE;
              break;
            }
        }
      g_main_context_iteration (context, TRUE);
    }
  if (!ok && wait.timed_out && (error == NULL || *error == NULL))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 "scardbusd did not list %u reader(s) within %u ms", n_readers, timeout_ms);
  g_source_destroy (timeout);
  g_signal_handlers_disconnect_by_data (manager, &wait);
  return ok;
}

/* pcscd's own words, when it did not come up as expected. */
static void
print_pcscd_log (SimHost *self)
{
  g_autofree char *dir = g_path_get_dirname (self->pcscd_dir);
  g_autofree char *path = g_build_filename (dir, "pcscd.log", NULL);
  g_autofree char *log = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &log, &length, NULL) || length == 0)
    return;
  g_printerr ("scardbus-sim: pcscd's log:\n%s", length > 4000 ? log + length - 4000 : log);
}

gboolean
sim_host_wait_ready (SimHost *self, guint n_readers, guint timeout_ms, GCancellable *cancellable,
                     GError **error)
{
  if (self->kind == SIM_HOST_PCSCD)
    {
      if (wait_pcscd (self, n_readers, timeout_ms, cancellable, error))
        return TRUE;
      if (!g_cancellable_is_cancelled (cancellable))
        print_pcscd_log (self);
      return FALSE;
    }
  return wait_scardbusd (self, n_readers, timeout_ms, cancellable, error);
}

char **
sim_host_client_environ (SimHost *self, char **envp)
{
  if (self->kind == SIM_HOST_PCSCD)
    return g_environ_setenv (envp, "PCSCLITE_CSOCK_NAME", self->socket, TRUE);
  {
    g_autofree char *dir = find_winscard_dir ();
    const char *old = g_environ_getenv (envp, "LD_LIBRARY_PATH");
    g_autofree char *path = NULL;

    if (dir == NULL)
      return envp;
    path = old != NULL && old[0] != '\0' ? g_strconcat (dir, ":", old, NULL) : g_strdup (dir);
    return g_environ_setenv (envp, "LD_LIBRARY_PATH", path, TRUE);
  }
}

void
sim_host_free (SimHost *self)
{
  if (self == NULL)
    return;
  if (self->process != NULL && g_subprocess_get_identifier (self->process) != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

      g_subprocess_send_signal (self->process, SIGTERM);
      /* GSubprocess reaps through the GLib worker thread. */
      while (g_subprocess_get_identifier (self->process) != NULL
             && g_get_monotonic_time () < deadline)
        g_usleep (5000);
      if (g_subprocess_get_identifier (self->process) != NULL)
        {
          g_subprocess_force_exit (self->process);
          g_subprocess_wait (self->process, NULL, NULL);
        }
    }
  g_clear_object (&self->process);
  g_free (self->pcscd_dir);
  g_free (self->socket);
  g_free (self->conf_dir);
  g_free (self);
}

/* ccid-usb-source.c: libusb's file descriptors and timeouts in the GLib main loop
 *
 * libusb tells us which fds to watch (libusb_get_pollfds and the pollfd
 * notifiers) and, on platforms without timerfd, when its next timeout is
 * due (libusb_get_next_timeout). Those fds (one per open reader, and
 * libusb's own) sit in an epoll instance whose one fd is the GSource's:
 * GLib's main loop polls and checks one fd however many readers there are,
 * so an idle reader costs the APDUs of the others nothing. When it is
 * ready, libusb handles what is ready without blocking. An idle context
 * makes no wakeup at all.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-usb-source.h"

#include "scb-error.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

typedef struct
{
  GSource source;
  libusb_context *ctx;
  int epfd;             /* libusb's fds */
  gpointer tag;         /* epfd's, from g_source_add_unix_fd */
  gboolean fd_timeouts; /* libusb's timeouts are a timerfd among the fds */
} CcidUsbSource;

struct _CcidUsbContext
{
  gatomicrefcount ref;
  libusb_context *ctx;
  GSource *source;
};

static void
usb_source_add_fd (CcidUsbSource *self, int fd, short events)
{
  /* poll()'s event bits are epoll's. */
  struct epoll_event event = { .events = (guint32) events, .data.fd = fd };

  if (epoll_ctl (self->epfd, EPOLL_CTL_ADD, fd, &event) < 0 && errno != EEXIST)
    g_warning ("libusb fd %d cannot be watched: %s", fd, g_strerror (errno));
}

static void LIBUSB_CALL
on_pollfd_added (int fd, short events, void *user_data)
{
  usb_source_add_fd (user_data, fd, events);
}

static void LIBUSB_CALL
on_pollfd_removed (int fd, void *user_data)
{
  CcidUsbSource *self = user_data;

  /* An fd closed before it was removed has left the set already. */
  epoll_ctl (self->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static gboolean
usb_source_prepare (GSource *source, gint *timeout)
{
  CcidUsbSource *self = (CcidUsbSource *) source;
  struct timeval tv;

  *timeout = -1;
  /* Asked on every main-loop turn: skip libusb's lock when its timeouts
   * are a timerfd (Linux). Else 0 means no libusb timeout pending. */
  if (!self->fd_timeouts && libusb_get_next_timeout (self->ctx, &tv) == 1)
    {
      if (tv.tv_sec == 0 && tv.tv_usec == 0)
        return TRUE;
      /* round up, so we do not wake just before it is due */
      *timeout = (gint) MIN ((gint64) tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000, G_MAXINT);
    }
  return FALSE;
}

static gboolean
usb_source_check (GSource *source)
{
  CcidUsbSource *self = (CcidUsbSource *) source;
  struct timeval tv;

  if (g_source_query_unix_fd (source, self->tag) != 0)
    return TRUE;
  return !self->fd_timeouts && libusb_get_next_timeout (self->ctx, &tv) == 1 && tv.tv_sec == 0
         && tv.tv_usec == 0;
}

static gboolean
usb_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  CcidUsbSource *self = (CcidUsbSource *) source;
  struct timeval zero = { 0, 0 };
  int r;

  /* Never blocks: only what poll() said is ready, and due timeouts. */
  r = libusb_handle_events_timeout_completed (self->ctx, &zero, NULL);
  if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED)
    g_debug ("libusb_handle_events: %s", libusb_error_name (r));
  return G_SOURCE_CONTINUE;
}

static void
usb_source_finalize (GSource *source)
{
  CcidUsbSource *self = (CcidUsbSource *) source;

  libusb_set_pollfd_notifiers (self->ctx, NULL, NULL, NULL);
  close (self->epfd);
}

static GSourceFuncs usb_source_funcs = {
  .prepare = usb_source_prepare,
  .check = usb_source_check,
  .dispatch = usb_source_dispatch,
  .finalize = usb_source_finalize,
};

static GSource *
usb_source_new (libusb_context *ctx, GError **error)
{
  CcidUsbSource *self;
  const struct libusb_pollfd **fds;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  if (epfd < 0)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_NO_SERVICE, "Cannot watch USB devices: epoll: %s",
                   g_strerror (errno));
      return NULL;
    }
  self = (CcidUsbSource *) g_source_new (&usb_source_funcs, sizeof (CcidUsbSource));
  g_source_set_static_name (&self->source, "ccid-usb");
  /* Nothing here runs a nested main loop. Without this GLib blocks the
   * source around every dispatch, removing and re-adding each libusb fd,
   * and each of those writes the context's wakeup eventfd: six system
   * calls and one more poll() turn per USB event (GLib 2.74). */
  g_source_set_can_recurse (&self->source, TRUE);
  self->ctx = ctx;
  self->epfd = epfd;
  self->tag = g_source_add_unix_fd (&self->source, epfd, G_IO_IN);
  self->fd_timeouts = libusb_pollfds_handle_timeouts (ctx) != 0;
  fds = libusb_get_pollfds (ctx);
  for (gsize i = 0; fds != NULL && fds[i] != NULL; i++)
    usb_source_add_fd (self, fds[i]->fd, fds[i]->events);
  libusb_free_pollfds (fds);
  libusb_set_pollfd_notifiers (ctx, on_pollfd_added, on_pollfd_removed, self);
  return &self->source;
}

CcidUsbContext *
ccid_usb_context_new (GError **error)
{
  g_autofree CcidUsbContext *self = g_new0 (CcidUsbContext, 1);
  int r;

  r = libusb_init (&self->ctx);
  if (r < 0)
    {
      g_set_error (error, SCB_ERROR, SCB_ERROR_NO_SERVICE, "Cannot initialise libusb: %s",
                   libusb_error_name (r));
      return NULL;
    }
  self->source = usb_source_new (self->ctx, error);
  if (self->source == NULL)
    {
      libusb_exit (self->ctx);
      return NULL;
    }
  g_atomic_ref_count_init (&self->ref);
  g_source_attach (self->source, g_main_context_get_thread_default ());
  return g_steal_pointer (&self);
}

CcidUsbContext *
ccid_usb_context_ref (CcidUsbContext *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
ccid_usb_context_unref (CcidUsbContext *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
    return;
  g_source_destroy (self->source);
  g_source_unref (self->source);
  libusb_exit (self->ctx);
  g_free (self);
}

libusb_context *
ccid_usb_context_get_libusb (CcidUsbContext *self)
{
  return self->ctx;
}

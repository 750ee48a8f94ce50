/* scb-poller.c: many file descriptors behind one GSource (epoll)
 *
 * The source's only fd is the epoll instance; GLib dispatches it when that
 * fd is readable (no prepare or check: a source with fds and no check is
 * ready when one of them has revents), and the dispatch takes the ready
 * watches from epoll_wait() without blocking. A watch removed while a
 * dispatch is running is marked and freed after it, so an event of the
 * same batch never reaches freed memory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-poller.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_EVENTS 64

/* GLib's condition bits are poll()'s, and epoll's are the same numbers. */
G_STATIC_ASSERT ((int) EPOLLIN == (int) G_IO_IN && (int) EPOLLPRI == (int) G_IO_PRI);
G_STATIC_ASSERT ((int) EPOLLOUT == (int) G_IO_OUT && (int) EPOLLERR == (int) G_IO_ERR);
G_STATIC_ASSERT ((int) EPOLLHUP == (int) G_IO_HUP);
#define EVENT_MASK (G_IO_IN | G_IO_PRI | G_IO_OUT | G_IO_ERR | G_IO_HUP)

struct _ScbPollerWatch
{
  int fd;
  ScbPollerFunc func;
  gpointer user_data;
  gboolean removed;
};

typedef struct
{
  GSource source;
  int epfd;
  guint count;
  guint dispatching;  /* depth: a callback may iterate the loop */
  GPtrArray *removed; /* watches removed during a dispatch */
} Poller;

/* One per daemon: it has one thread. */
static Poller *poller;

static gboolean
poller_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  Poller *self = (Poller *) source;
  struct epoll_event events[MAX_EVENTS];
  int n = epoll_wait (self->epfd, events, MAX_EVENTS, 0);

  self->dispatching++;
  for (int i = 0; i < n; i++)
    {
      ScbPollerWatch *watch = events[i].data.ptr;

      if (!watch->removed)
        watch->func (watch->user_data, (GIOCondition) (events[i].events & EVENT_MASK));
    }
  if (--self->dispatching == 0)
    g_ptr_array_set_size (self->removed, 0);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs poller_funcs = {
  .dispatch = poller_dispatch,
};

static Poller *
poller_get (GError **error)
{
  int epfd;
  Poller *self;

  if (poller != NULL)
    return poller;
  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "epoll_create1: %s",
                   g_strerror (saved));
      return NULL;
    }
  self = (Poller *) g_source_new (&poller_funcs, sizeof *self);
  self->epfd = epfd;
  self->removed = g_ptr_array_new_with_free_func (g_free);
  g_source_add_unix_fd (&self->source, epfd, G_IO_IN);
  g_source_set_static_name (&self->source, "scb-poller");
  /* No nested main loops here: spare GLib's poll-set churn around dispatch. */
  g_source_set_can_recurse (&self->source, TRUE);
  g_source_attach (&self->source, g_main_context_get_thread_default ());
  poller = self;
  return self;
}

static int
control (Poller *self, int op, ScbPollerWatch *watch, GIOCondition events)
{
  struct epoll_event event = { .events = events & EVENT_MASK, .data.ptr = watch };

  return epoll_ctl (self->epfd, op, watch->fd, &event);
}

/**
 * scb_poller_watch:
 * @fd: a file descriptor, left open by the poller
 * @events: what to wait for
 * @func: called from the main loop while @fd is ready
 * @user_data: for @func
 * @error: why @fd cannot be watched (the poller's own fd or the kernel's
 *   watch limit)
 *
 * Returns: the watch, for scb_poller_watch_remove() before @fd is closed
 */
ScbPollerWatch *
scb_poller_watch (int fd, GIOCondition events, ScbPollerFunc func, gpointer user_data,
                  GError **error)
{
  Poller *self = poller_get (error);
  g_autofree ScbPollerWatch *watch = NULL;

  if (self == NULL)
    return NULL;
  watch = g_new0 (ScbPollerWatch, 1);
  watch->fd = fd;
  watch->func = func;
  watch->user_data = user_data;
  if (control (self, EPOLL_CTL_ADD, watch, events) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "epoll_ctl: %s",
                   g_strerror (saved));
      return NULL;
    }
  self->count++;
  return g_steal_pointer (&watch);
}

void
scb_poller_watch_set_events (ScbPollerWatch *watch, GIOCondition events)
{
  /* The fd is open and watched: MOD cannot fail but for a bug. */
  if (control (poller, EPOLL_CTL_MOD, watch, events) < 0)
    g_critical ("epoll_ctl(MOD, %d): %s", watch->fd, g_strerror (errno));
}

void
scb_poller_watch_remove (ScbPollerWatch *watch)
{
  if (watch == NULL)
    return;
  if (control (poller, EPOLL_CTL_DEL, watch, 0) < 0)
    g_critical ("epoll_ctl(DEL, %d): %s", watch->fd, g_strerror (errno));
  poller->count--;
  watch->removed = TRUE;
  if (poller->dispatching > 0)
    g_ptr_array_add (poller->removed, watch);
  else
    g_free (watch);
}

guint
scb_poller_count (void)
{
  return poller != NULL ? poller->count : 0;
}

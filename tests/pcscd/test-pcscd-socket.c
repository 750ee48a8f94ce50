/* test-pcscd-socket.c: scardbusd's pcscd socket, spoken to with the codec
 *
 * The COMMAND of a scardbus-sim run with reader 0 = tpdu:t1 and the polkit
 * mock allowing access-card only (meson.build). Protocols 4.4 to 4.6 as
 * pcscd 2.5 serves them, what pcscd does with bad input (the client is
 * dropped, everyone else carries on), the limits, polkit per action as
 * nobody, PIN entries heard of on D-Bus, and a sandbox-like client: its own mount namespace, no
 * system bus, only the socket at pcscd's path.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "objects-common.h"
#include "scb-pcscd-codec.h"

#include <PCSC/pcsclite.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define READER "Gemalto PC Twin Reader 00 00"
#define NOBODY 65534

static int
client_open (void)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (address.sun_path, g_getenv ("PCSCLITE_CSOCK_NAME"), sizeof address.sun_path);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  return fd;
}

static void
send_all (int fd, const void *data, gsize len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      gssize n = send (fd, p, len, MSG_NOSIGNAL);

      g_assert_cmpint (n, >, 0);
      p += n;
      len -= (gsize) n;
    }
}

/* Exactly @len bytes within 5 s; FALSE at the end of the stream. */
static gboolean
recv_all (int fd, void *data, gsize len)
{
  guint8 *p = data;

  while (len > 0)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      gssize n;

      g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);
      n = recv (fd, p, len, 0);
      if (n == 0)
        return FALSE;
      g_assert_cmpint (n, >, 0);
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Whether the daemon closed @fd (within 5 s). */
static gboolean
is_dropped (int fd)
{
  guint8 byte;

  return !recv_all (fd, &byte, 1);
}

static void
request (int fd, const ScbPcscdMessage *msg, const guint8 *data, gsize len)
{
  g_autoptr (GBytes) bytes = scb_pcscd_request_encode (msg, data, len);

  send_all (fd, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static ScbPcscdMessage
call (int fd, ScbPcscdMessage msg)
{
  gsize size = scb_pcscd_reply_size (msg.command);
  g_autofree guint8 *reply = g_malloc (size);
  ScbPcscdMessage answer;
  g_autoptr (GError) error = NULL;

  request (fd, &msg, NULL, 0);
  g_assert_true (recv_all (fd, reply, size));
  g_assert_true (scb_pcscd_reply_decode (msg.command, reply, size, &answer, &error));
  g_assert_no_error (error);
  return answer;
}

/* A client at 4.@minor with a context. */
static int
client_new (int minor, guint32 *context)
{
  int fd = client_open ();
  ScbPcscdMessage version
      = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_VERSION, .major = 4, .minor = minor });
  ScbPcscdMessage established = call (
      fd, (ScbPcscdMessage){ .command = SCB_PCSCD_ESTABLISH_CONTEXT, .scope = SCARD_SCOPE_SYSTEM });

  g_assert_cmpuint (version.rv, ==, SCARD_S_SUCCESS);
  g_assert_cmpuint (established.rv, ==, SCARD_S_SUCCESS);
  g_assert_cmpuint (established.context, !=, 0);
  if (context != NULL)
    *context = established.context;
  return fd;
}

static ScbPcscdMessage
connect_card (int fd, guint32 context, guint32 share_mode)
{
  ScbPcscdMessage msg = { .command = SCB_PCSCD_CONNECT,
                          .context = context,
                          .share_mode = share_mode,
                          .preferred_protocols = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1 };

  g_strlcpy (msg.reader, READER, sizeof msg.reader);
  return call (fd, msg);
}

/* SELECT of a missing file: 6A 82 from the simulated card. */
static void
assert_transmit (int fd, guint32 card)
{
  static const guint8 apdu[] = { 0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x01 };
  ScbPcscdMessage msg = { .command = SCB_PCSCD_TRANSMIT,
                          .card = card,
                          .send_pci_protocol = SCARD_PROTOCOL_T1,
                          .send_pci_length = 8,
                          .send_length = sizeof apdu,
                          .recv_length = 258 };
  guint8 reply[32];
  guint8 sw[2];
  ScbPcscdMessage answer;

  request (fd, &msg, apdu, sizeof apdu);
  g_assert_true (recv_all (fd, reply, sizeof reply));
  g_assert_true (scb_pcscd_reply_decode (SCB_PCSCD_TRANSMIT, reply, sizeof reply, &answer, NULL));
  g_assert_cmphex (answer.rv, ==, SCARD_S_SUCCESS);
  g_assert_cmpuint (answer.recv_length, ==, 2);
  g_assert_true (recv_all (fd, sw, 2));
  g_assert_cmphex (sw[0], ==, 0x6a);
  g_assert_cmphex (sw[1], ==, 0x82);
}

/* The reader-state array of @count entries. */
static void
assert_states (int fd, guint count, guint32 *event_counter)
{
  g_autofree guint8 *states = g_malloc (count * SCB_PCSCD_READER_STATE_SIZE);
  ScbPcscdReaderState state;

  g_assert_true (recv_all (fd, states, count * SCB_PCSCD_READER_STATE_SIZE));
  g_assert_true (scb_pcscd_reader_state_decode (states, SCB_PCSCD_READER_STATE_SIZE, &state, NULL));
  g_assert_cmpstr (state.name, ==, READER);
  g_assert_cmphex (state.state, ==, SCARD_PRESENT | SCARD_POWERED | SCARD_NEGOTIABLE);
  g_assert_cmpuint (state.atr_length, >, 1);
  g_assert_cmphex (state.atr[0], ==, 0x3b);
  for (guint i = 1; i < count; i++)
    {
      g_assert_true (scb_pcscd_reader_state_decode (states + i * SCB_PCSCD_READER_STATE_SIZE,
                                                    SCB_PCSCD_READER_STATE_SIZE, &state, NULL));
      g_assert_cmpstr (state.name, ==, "");
    }
  if (event_counter != NULL)
    *event_counter = state.event_counter;
}

/* ---- versions ---------------------------------------------------------------- */

static void
test_versions (void)
{
  static const struct
  {
    gint32 major, minor;
    guint32 rv;
    gint32 answer_minor;
  } cases[] = {
    { 4, 4, SCARD_S_SUCCESS, 4 },
    { 4, 5, SCARD_S_SUCCESS, 5 },
    { 4, 6, SCARD_S_SUCCESS, 6 },
    { 4, 3, (guint32) SCARD_E_SERVICE_STOPPED, 6 },
    { 4, 7, (guint32) SCARD_E_SERVICE_STOPPED, 6 },
    { 5, 4, (guint32) SCARD_E_SERVICE_STOPPED, 6 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int fd = client_open ();
      ScbPcscdMessage answer = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_VERSION,
                                                            .major = cases[i].major,
                                                            .minor = cases[i].minor });

      g_assert_cmphex (answer.rv, ==, cases[i].rv);
      g_assert_cmpint (answer.major, ==, 4);
      g_assert_cmpint (answer.minor, ==, cases[i].answer_minor);
      close (fd);
    }
}

/* 4.5's CMD_GET_READER_EVENTS counts readers coming and going; a 4.4
 * client sending it is dropped as for an unknown command. */
static void
test_reader_events (void)
{
  int old = client_new (4, NULL);
  int fd = client_new (5, NULL);
  ScbPcscdMessage before = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_GET_READER_EVENTS });
  ScbPcscdMessage after;
  g_autofree char *index = NULL;

  g_assert_cmphex (before.rv, ==, SCARD_S_SUCCESS);
  /* 1 + the reader found at start-up. */
  g_assert_cmpuint (before.reader_events, ==, 2);
  index = g_strstrip (oc_ctl ("plug short-apdu:t0"));
  after = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_GET_READER_EVENTS });
  g_assert_cmpuint (after.reader_events, ==, 3);
  g_free (oc_ctl ("unplug %s", index));

  request (old, &(ScbPcscdMessage){ .command = SCB_PCSCD_GET_READER_EVENTS }, NULL, 0);
  g_assert_true (is_dropped (old));
  close (old);
  close (fd);
}

/* 4.6: the array's size, then the array; 4.4 and 4.5 always get 16. */
static void
test_states_array (void)
{
  int fd = client_new (6, NULL);
  int old = client_new (4, NULL);
  ScbPcscdMessage size
      = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_GET_READERS_STATE_SIZE });

  g_assert_cmpuint (size.readers, ==, 1);
  request (fd, &(ScbPcscdMessage){ .command = SCB_PCSCD_GET_READERS_STATE_ARRAY }, NULL, 0);
  assert_states (fd, 1, NULL);
  request (fd, &(ScbPcscdMessage){ .command = SCB_PCSCD_GET_READERS_STATE }, NULL, 0);
  assert_states (fd, SCB_PCSCD_FIXED_READERS, NULL);

  request (old, &(ScbPcscdMessage){ .command = SCB_PCSCD_GET_READERS_STATE_SIZE }, NULL, 0);
  g_assert_true (is_dropped (old));
  close (old);
  close (fd);
}

/* More than 16 readers: a 4.4 client sees the first 16, as with pcscd; a
 * 4.6 client sees them all. */
static void
test_many_readers (void)
{
  int old = client_new (4, NULL);
  int fd = client_new (6, NULL);
  g_autoptr (GPtrArray) plugged = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree guint8 *states = NULL;
  guint n = 0;

  /* A dual-slot reader is two readers: 1 + 2 x 8 = 17. */
  for (guint i = 0; i < 8; i++)
    g_ptr_array_add (plugged, g_strstrip (oc_ctl ("plug multislot")));
  for (guint i = 0; i < 100 && n < 17; i++, g_usleep (100 * 1000))
    n = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_GET_READERS_STATE_SIZE }).readers;
  g_assert_cmpuint (n, ==, 17);

  request (fd, &(ScbPcscdMessage){ .command = SCB_PCSCD_GET_READERS_STATE_ARRAY }, NULL, 0);
  states = g_malloc (n * SCB_PCSCD_READER_STATE_SIZE);
  g_assert_true (recv_all (fd, states, n * SCB_PCSCD_READER_STATE_SIZE));
  for (guint i = 0; i < n; i++)
    {
      ScbPcscdReaderState state;

      g_assert_true (scb_pcscd_reader_state_decode (states + i * SCB_PCSCD_READER_STATE_SIZE,
                                                    SCB_PCSCD_READER_STATE_SIZE, &state, NULL));
      g_assert_cmpstr (state.name, !=, "");
      g_assert_true (g_hash_table_add (names, g_strdup (state.name)));
    }
  g_clear_pointer (&states, g_free);

  request (old, &(ScbPcscdMessage){ .command = SCB_PCSCD_GET_READERS_STATE }, NULL, 0);
  states = g_malloc (SCB_PCSCD_FIXED_READERS * SCB_PCSCD_READER_STATE_SIZE);
  g_assert_true (recv_all (old, states, SCB_PCSCD_FIXED_READERS * SCB_PCSCD_READER_STATE_SIZE));
  for (guint i = 0; i < SCB_PCSCD_FIXED_READERS; i++)
    {
      ScbPcscdReaderState state;

      g_assert_true (scb_pcscd_reader_state_decode (states + i * SCB_PCSCD_READER_STATE_SIZE,
                                                    SCB_PCSCD_READER_STATE_SIZE, &state, NULL));
      g_assert_true (g_hash_table_contains (names, state.name));
    }
  for (guint i = 0; i < plugged->len; i++)
    g_free (oc_ctl ("unplug %s", (const char *) g_ptr_array_index (plugged, i)));
  close (old);
  close (fd);
}

/* ---- a session ----------------------------------------------------------------- */

static void
test_session (void)
{
  guint32 context;
  int fd = client_new (4, &context);
  ScbPcscdMessage connected = connect_card (fd, context, SCARD_SHARE_SHARED);
  ScbPcscdMessage status, released;
  guint32 events = 0;

  g_assert_cmphex (connected.rv, ==, SCARD_S_SUCCESS);
  g_assert_cmpuint (connected.active_protocol, ==, SCARD_PROTOCOL_T1);
  assert_transmit (fd, connected.card);
  status = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_STATUS, .card = connected.card });
  g_assert_cmphex (status.rv, ==, SCARD_S_SUCCESS);

  /* The registration answers with the states at once, the card removal
   * with a signal. */
  request (fd, &(ScbPcscdMessage){ .command = SCB_PCSCD_WAIT_READER_STATE_CHANGE }, NULL, 0);
  assert_states (fd, SCB_PCSCD_FIXED_READERS, &events);
  g_free (oc_ctl ("remove 0"));
  {
    guint8 signal[8];
    ScbPcscdMessage woken;

    g_assert_true (recv_all (fd, signal, sizeof signal));
    g_assert_true (scb_pcscd_reply_decode (SCB_PCSCD_WAIT_READER_STATE_CHANGE, signal,
                                           sizeof signal, &woken, NULL));
    g_assert_cmphex (woken.rv, ==, SCARD_S_SUCCESS);
  }
  status = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_STATUS, .card = connected.card });
  g_assert_cmphex (status.rv, ==, SCARD_W_REMOVED_CARD);
  g_free (oc_ctl ("insert 0 t1"));

  released
      = call (fd, (ScbPcscdMessage){ .command = SCB_PCSCD_RELEASE_CONTEXT, .context = context });
  g_assert_cmphex (released.rv, ==, SCARD_S_SUCCESS);
  /* The handle went with the context: using it drops the client. */
  request (fd, &(ScbPcscdMessage){ .command = SCB_PCSCD_STATUS, .card = connected.card }, NULL, 0);
  g_assert_true (is_dropped (fd));
  close (fd);
}

/* SCardCancel from another context ends a wait with SCARD_E_CANCELLED. */
static void
test_cancel (void)
{
  guint32 context;
  int waiting = client_new (4, &context);
  int other = client_new (4, NULL);
  guint8 signal[8];
  ScbPcscdMessage woken, cancelled;

  request (waiting, &(ScbPcscdMessage){ .command = SCB_PCSCD_WAIT_READER_STATE_CHANGE }, NULL, 0);
  assert_states (waiting, SCB_PCSCD_FIXED_READERS, NULL);
  cancelled = call (other, (ScbPcscdMessage){ .command = SCB_PCSCD_CANCEL, .context = context });
  g_assert_cmphex (cancelled.rv, ==, SCARD_S_SUCCESS);
  g_assert_true (recv_all (waiting, signal, sizeof signal));
  g_assert_true (scb_pcscd_reply_decode (SCB_PCSCD_WAIT_READER_STATE_CHANGE, signal, sizeof signal,
                                         &woken, NULL));
  g_assert_cmphex (woken.rv, ==, SCARD_E_CANCELLED);
  cancelled = call (other, (ScbPcscdMessage){ .command = SCB_PCSCD_CANCEL, .context = 12345 });
  g_assert_cmphex (cancelled.rv, ==, SCARD_E_INVALID_HANDLE);
  close (waiting);
  close (other);
}

/* ---- bad input -------------------------------------------------------------------- */

/* A well-behaved client still gets its answers. */
static void
assert_served (void)
{
  guint32 context;
  int fd = client_new (4, &context);
  ScbPcscdMessage connected = connect_card (fd, context, SCARD_SHARE_SHARED);

  g_assert_cmphex (connected.rv, ==, SCARD_S_SUCCESS);
  assert_transmit (fd, connected.card);
  close (fd);
}

static void
test_bad_input (void)
{
  static const guint32 unknown[] = { 0, 0x03, 0x0c, 0x0e, 0x18, 0xffffffff };
  guint32 context;

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      int fd = client_open ();
      guint32 header[2] = { 0, unknown[i] };

      send_all (fd, header, sizeof header);
      g_assert_true (is_dropped (fd));
      close (fd);
    }
  /* A body of the wrong size. */
  {
    int fd = client_open ();
    guint32 header[3] = { 4, SCB_PCSCD_ESTABLISH_CONTEXT, 2 };

    send_all (fd, header, sizeof header);
    g_assert_true (is_dropped (fd));
    close (fd);
  }
  /* More data than MAX_BUFFER_SIZE_EXTENDED. */
  {
    int fd = client_new (4, &context);
    ScbPcscdMessage connected = connect_card (fd, context, SCARD_SHARE_SHARED);
    ScbPcscdMessage msg = { .command = SCB_PCSCD_TRANSMIT,
                            .card = connected.card,
                            .send_pci_protocol = SCARD_PROTOCOL_T1,
                            .send_length = SCB_PCSCD_MAX_DATA + 1,
                            .recv_length = 258 };

    request (fd, &msg, NULL, 0);
    g_assert_true (is_dropped (fd));
    close (fd);
  }
  /* A handle it does not hold. */
  {
    int fd = client_new (4, NULL);

    request (fd, &(ScbPcscdMessage){ .command = SCB_PCSCD_STATUS, .card = 77 }, NULL, 0);
    g_assert_true (is_dropped (fd));
    close (fd);
  }
  /* Truncated: half a request, then gone. */
  {
    int fd = client_open ();
    guint32 header[2] = { 152, SCB_PCSCD_CONNECT };

    send_all (fd, header, sizeof header);
    send_all (fd, "Gemalto", 7);
    close (fd);
  }
  assert_served ();
}

/* A client that sends and never reads fills its socket and stops being
 * read; the daemon answers everyone else and holds one answer for it. */
static void
test_never_reads (void)
{
  int fd = client_new (4, NULL);
  guint32 header[2] = { 0, SCB_PCSCD_GET_READERS_STATE };
  int flags;
  guint sent = 0;

  flags = 1;
  setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &flags, sizeof flags);
  g_assert_cmpint (fcntl (fd, F_SETFL, O_NONBLOCK), ==, 0);
  while (sent < 100000)
    {
      if (send (fd, header, sizeof header, MSG_NOSIGNAL) != sizeof header)
        break;
      sent++;
    }
  g_assert_cmpuint (sent, <, 100000);
  assert_served ();
  close (fd);
  assert_served ();
}

/* More clients of one user at once than MaxPcscClientsPerUser (100, below
 * MaxPcscClients): the others are closed at once, as pcscd closes clients
 * past its limit; once they leave, clients are served again. */
static void
test_many_clients (void)
{
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint i = 0; i < 300; i++)
    {
      int fd = client_open ();

      g_array_append_val (fds, fd);
    }
  for (guint i = 0; i < fds->len; i++)
    {
      int fd = g_array_index (fds, int, i);

      /* The first ones are served, the last 200 are all past the limit. */
      if (i < 90)
        {
          ScbPcscdMessage version = call (
              fd, (ScbPcscdMessage){ .command = SCB_PCSCD_VERSION, .major = 4, .minor = 4 });

          g_assert_cmphex (version.rv, ==, SCARD_S_SUCCESS);
        }
      else if (i >= 100)
        g_assert_true (is_dropped (fd));
    }
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_usleep (200 * 1000);
  assert_served ();
}

/* ---- polkit ------------------------------------------------------------------------ */

/* The answer to @command in a child running as nobody. */
static guint32
as_nobody (guint32 share_mode, guint32 control_code)
{
  int pipefd[2];
  pid_t pid;
  guint32 rv = 0;
  int status;

  g_assert_cmpint (pipe (pipefd), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      guint32 context;
      int fd;
      ScbPcscdMessage connected;

      if (setresgid (NOBODY, NOBODY, NOBODY) != 0 || setresuid (NOBODY, NOBODY, NOBODY) != 0)
        _exit (2);
      fd = client_new (4, &context);
      connected = connect_card (fd, context, share_mode);
      rv = connected.rv;
      if (rv == SCARD_S_SUCCESS && control_code != 0)
        {
          ScbPcscdMessage msg = { .command = SCB_PCSCD_CONTROL,
                                  .card = connected.card,
                                  .control_code = control_code,
                                  .send_length = 1,
                                  .recv_length = 256 };
          guint8 reply[24];
          ScbPcscdMessage answer;

          request (fd, &msg, (const guint8[]){ 0 }, 1);
          if (!recv_all (fd, reply, sizeof reply)
              || !scb_pcscd_reply_decode (SCB_PCSCD_CONTROL, reply, sizeof reply, &answer, NULL))
            _exit (3);
          rv = answer.rv;
        }
      if (write (pipefd[1], &rv, sizeof rv) != sizeof rv)
        _exit (4);
      _exit (0);
    }
  close (pipefd[1]);
  g_assert_cmpint (read (pipefd[0], &rv, sizeof rv), ==, sizeof rv);
  close (pipefd[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return rv;
}

/* The D-Bus side's actions, asked about nobody's process: access-card
 * allowed, control not; root goes ahead without polkit. */
static void
test_polkit (void)
{
  guint32 context;
  int fd;

  oc_set_allowed (OC_ACCESS, NULL);
  g_assert_cmphex (as_nobody (SCARD_SHARE_SHARED, 0), ==, SCARD_S_SUCCESS);
  g_assert_cmphex (as_nobody (SCARD_SHARE_DIRECT, 0), ==, SCARD_W_SECURITY_VIOLATION);
  /* An escape command to the reader (SCARD_CTL_CODE(1)) needs control. */
  g_assert_cmphex (as_nobody (SCARD_SHARE_SHARED, 0x42000001), ==, SCARD_W_SECURITY_VIOLATION);
  oc_set_allowed ("org.example.nothing", NULL);
  g_assert_cmphex (as_nobody (SCARD_SHARE_SHARED, 0), ==, SCARD_W_SECURITY_VIOLATION);
  oc_set_allowed (OC_ACCESS, OC_CONTROL, NULL);
  g_assert_cmphex (as_nobody (SCARD_SHARE_DIRECT, 0), ==, SCARD_S_SUCCESS);
  oc_set_allowed (OC_ACCESS, NULL);

  fd = client_new (4, &context);
  g_assert_cmphex (connect_card (fd, context, SCARD_SHARE_DIRECT).rv, ==, SCARD_S_SUCCESS);
  close (fd);
}

/* ---- PIN entry ----------------------------------------------------------------------- */

static void
on_pin_signal (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
               const char *name, GVariant *parameters, gpointer user_data)
{
  g_autofree char *text = g_variant_print (parameters, TRUE);

  g_ptr_array_add (user_data, g_strdup_printf ("%s %s", name, text));
}

static gboolean
two_events (gpointer data)
{
  return ((GPtrArray *) data)->len >= 2;
}

/* A PIN entry of a program on the socket is heard of on D-Bus as one from
 * a Connection is, with / for the Connection it has not. A 1-byte
 * structure fails as under pcscd + libccid (winscard-reference's "VERIFY
 * structure too short"): SCARD_E_UNSUPPORTED_FEATURE, result "failed". */
static void
test_pin_entry (void)
{
  g_autoptr (GDBusConnection) bus = oc_bus_new ();
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GVariant) pong = NULL;
  guint32 context;
  int fd = client_new (4, &context);
  ScbPcscdMessage connected = connect_card (fd, context, SCARD_SHARE_SHARED);
  ScbPcscdMessage msg = { .command = SCB_PCSCD_CONTROL,
                          .card = connected.card,
                          .control_code = 0x42330000 + 0x06, /* FEATURE_VERIFY_PIN_DIRECT */
                          .send_length = 1,
                          .recv_length = 256 };
  g_autofree guint8 *reply = g_malloc (scb_pcscd_reply_size (SCB_PCSCD_CONTROL));
  ScbPcscdMessage answer;
  guint id
      = g_dbus_connection_signal_subscribe (bus, NULL, OC_NAME ".Reader", NULL, NULL, NULL,
                                            G_DBUS_SIGNAL_FLAGS_NONE, on_pin_signal, events, NULL);

  g_assert_cmphex (connected.rv, ==, SCARD_S_SUCCESS);
  /* the match rule is in place before the entry */
  pong = oc_call (bus, "/org/freedesktop/DBus", "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                  NULL);
  g_assert_nonnull (pong);
  request (fd, &msg, (const guint8[]){ 0 }, 1);
  g_assert_true (recv_all (fd, reply, scb_pcscd_reply_size (SCB_PCSCD_CONTROL)));
  g_assert_true (scb_pcscd_reply_decode (SCB_PCSCD_CONTROL, reply,
                                         scb_pcscd_reply_size (SCB_PCSCD_CONTROL), &answer, NULL));
  g_assert_cmphex (answer.rv, ==, SCARD_E_UNSUPPORTED_FEATURE);
  g_assert_true (oc_wait_for (two_events, events, 5000));
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (events->pdata[0], ==, "PinEntryStarted (objectpath '/', 'verify')");
  g_assert_cmpstr (events->pdata[1], ==, "PinEntryFinished (objectpath '/', 'verify', 'failed')");
  g_dbus_connection_signal_unsubscribe (bus, id);
  close (fd);
}

/* ---- a sandbox ------------------------------------------------------------------------ */

/* Debian's scriptor in its own mount namespace where /run holds only the
 * socket at pcscd's path, with no bus address and no bus socket: it lists
 * the reader and transmits through pcsc-lite's own library. */
static void
test_sandbox (void)
{
  const char *socket_path = g_getenv ("PCSCLITE_CSOCK_NAME");
  int out[2];
  pid_t pid;
  g_autofree char *output = g_malloc0 (8192);
  gsize got = 0;
  gssize n;
  int status;

  g_assert_cmpint (pipe (out), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int in[2];
      int fd;

      dup2 (out[1], STDOUT_FILENO);
      dup2 (out[1], STDERR_FILENO);
      if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
          || mount ("sandbox", "/run", "tmpfs", 0, "mode=0755") != 0
          || g_mkdir ("/run/pcscd", 0755) != 0)
        _exit (10);
      fd = open ("/run/pcscd/pcscd.comm", O_CREAT | O_WRONLY, 0666);
      if (fd < 0 || close (fd) != 0
          || mount (socket_path, "/run/pcscd/pcscd.comm", NULL, MS_BIND, NULL) != 0)
        _exit (11);
      /* Nothing else of the test bed: its bus and its directories. */
      if (mount ("sandbox", "/tmp", "tmpfs", 0, NULL) != 0)
        _exit (12);
      unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");
      unsetenv ("PCSCLITE_CSOCK_NAME");
      unsetenv ("LD_LIBRARY_PATH");
      if (pipe (in) != 0 || write (in[1], "00 A4 04 00 02 3F 01\n", 21) != 21 || close (in[1]) != 0)
        _exit (13);
      dup2 (in[0], STDIN_FILENO);
      execlp ("sh", "sh", "-c",
              "test ! -e /run/dbus/system_bus_socket && echo no-bus; exec scriptor", NULL);
      _exit (14);
    }
  close (out[1]);
  while ((n = read (out[0], output + got, 8191 - got)) > 0)
    got += (gsize) n;
  close (out[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_test_message ("%s", output);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_nonnull (strstr (output, "no-bus"));
  g_assert_nonnull (strstr (output, READER));
  g_assert_nonnull (strstr (output, "< 6A 82"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (g_getenv ("PCSCLITE_CSOCK_NAME"));
  g_test_add_func ("/pcscd/versions", test_versions);
  g_test_add_func ("/pcscd/reader-events", test_reader_events);
  g_test_add_func ("/pcscd/states-array", test_states_array);
  g_test_add_func ("/pcscd/many-readers", test_many_readers);
  g_test_add_func ("/pcscd/session", test_session);
  g_test_add_func ("/pcscd/cancel", test_cancel);
  g_test_add_func ("/pcscd/bad-input", test_bad_input);
  g_test_add_func ("/pcscd/never-reads", test_never_reads);
  g_test_add_func ("/pcscd/many-clients", test_many_clients);
  g_test_add_func ("/pcscd/polkit", test_polkit);
  g_test_add_func ("/pcscd/pin-entry", test_pin_entry);
  g_test_add_func ("/pcscd/sandbox", test_sandbox);
  return g_test_run ();
}

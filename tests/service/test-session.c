/* test-session.c: the PC/SC session core over a fake slot: no bus, no sim
 *
 * Share modes, the transaction queue and every call that must or must not
 * wait for it, cancellation, the wait limit, owners that go, cards and
 * readers that go under waiters, reset marks, the protocol a direct
 * connection reports, attributes, part 10 on a slot without it. Each case runs in milliseconds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-config.h"
#include "scb-control.h"
#include "scb-error.h"
#include "scb-fake-slot.h"
#include "scb-limits.h"
#include "scb-session.h"

static const guint8 atr_t1[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };

typedef struct
{
  ScbConfig *config;
  ScbLimits *limits;
  ScbFakeSlot *slot;
  ScbSession *session;
  ScbPeer *a, *b, *c;
} Fixture;

static void
insert_card (Fixture *f, guint protocols)
{
  g_autoptr (GBytes) atr = g_bytes_new_static (atr_t1, sizeof atr_t1);

  scb_fake_slot_insert (f->slot, atr, protocols);
}

typedef struct
{
  gboolean card;      /* a T=1 card is in the reader */
  const char *serial; /* the reader's, NULL for none */
} Setup;

static const Setup with_card = { TRUE, NULL };
static const Setup empty = { FALSE, NULL };
static const Setup empty_with_serial = { FALSE, "SN42" };

static void
setup (Fixture *f, gconstpointer data)
{
  const Setup *how = data;

  f->config = scb_config_new ();
  f->limits = scb_limits_new (&f->config->limits);
  f->slot = scb_fake_slot_new ("Fake Reader 00 00", how->serial, 0x0201);
  f->session = scb_session_new (SCB_SLOT (f->slot));
  f->a = scb_limits_get_peer (f->limits, ":1.1");
  f->b = scb_limits_get_peer (f->limits, ":1.2");
  f->c = scb_limits_get_peer (f->limits, ":1.3");
  if (how->card)
    insert_card (f, SCB_SLOT_PROTOCOL_T1);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  scb_session_shutdown (f->session);
  g_clear_object (&f->session);
  g_clear_object (&f->slot);
  g_clear_pointer (&f->a, scb_peer_unref);
  g_clear_pointer (&f->b, scb_peer_unref);
  g_clear_pointer (&f->c, scb_peer_unref);
  g_clear_object (&f->limits);
  g_clear_pointer (&f->config, scb_config_free);
}

/* ---- waiting for answers ---------------------------------------------------- */

/* One asynchronous call, answered or not yet. */
typedef struct
{
  GAsyncResult *result;
  GBytes *response; /* a transmit's */
  GError *error;
  gboolean done;
} Call;

static void
call_clear (Call *call)
{
  g_clear_object (&call->result);
  g_clear_pointer (&call->response, g_bytes_unref);
  g_clear_error (&call->error);
  call->done = FALSE;
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;

  call->result = g_object_ref (result);
  call->done = TRUE;
}

static void
on_transmitted (ScbHandle *handle, GBytes *response, const GError *error, gpointer user_data)
{
  Call *call = user_data;

  call->response = response != NULL ? g_bytes_ref (response) : NULL;
  call->error = error != NULL ? g_error_copy (error) : NULL;
  call->done = TRUE;
}

/* Runs the main loop until @call is answered (or 2 s went by). */
static void
run_until (Call *call)
{
  gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (!call->done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (call->done);
}

/* Runs every callback that is due now: what waits is still waiting after. */
static void
settle (void)
{
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static ScbHandle *
connect_finish (Fixture *f, Call *call, GError **error)
{
  run_until (call);
  return scb_session_connect_finish (f->session, call->result, error);
}

static ScbHandle *
connect (Fixture *f, ScbPeer *owner, ScbShareMode mode, ScbProtocol protocols, GError **error)
{
  Call call = { 0 };
  ScbHandle *handle;

  scb_session_connect_async (f->session, owner, mode, protocols, 0, NULL, on_done, &call);
  handle = connect_finish (f, &call, error);
  call_clear (&call);
  return handle;
}

static ScbHandle *
connect_ok (Fixture *f, ScbPeer *owner, ScbShareMode mode)
{
  g_autoptr (GError) error = NULL;
  ScbHandle *handle = connect (f, owner, mode, SCB_PROTOCOL_ANY, &error);

  g_assert_no_error (error);
  return handle;
}

static void
begin_async (ScbHandle *handle, GCancellable *cancellable, Call *call)
{
  scb_handle_begin_transaction_async (handle, cancellable, on_done, call);
}

static gboolean
begin_finish (ScbHandle *handle, Call *call, GError **error)
{
  run_until (call);
  return scb_handle_begin_transaction_finish (handle, call->result, error);
}

static void
begin_ok (ScbHandle *handle)
{
  Call call = { 0 };
  g_autoptr (GError) error = NULL;

  begin_async (handle, NULL, &call);
  g_assert_true (begin_finish (handle, &call, &error));
  g_assert_no_error (error);
  call_clear (&call);
}

static gboolean
end (ScbHandle *handle, ScbDisposition disposition, GError **error)
{
  Call call = { 0 };
  gboolean ok;

  scb_handle_end_transaction_async (handle, disposition, NULL, on_done, &call);
  run_until (&call);
  ok = scb_handle_end_transaction_finish (handle, call.result, error);
  call_clear (&call);
  return ok;
}

static void
end_ok (ScbHandle *handle, ScbDisposition disposition)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (end (handle, disposition, &error));
  g_assert_no_error (error);
}

static void
transmit_async (ScbHandle *handle, guint8 ins, Call *call)
{
  guint8 apdu[] = { 0x00, ins, 0x00, 0x00 };
  g_autoptr (GBytes) bytes = g_bytes_new (apdu, sizeof apdu);

  scb_handle_transmit (handle, SCB_PROTOCOL_NONE, bytes, NULL, on_transmitted, call);
}

/* The APDU's answer (its INS, 90 00: scb-fake-slot.c) or its error. */
static void
assert_transmitted (Call *call, guint8 ins)
{
  run_until (call);
  g_assert_no_error (call->error);
  g_assert_cmpuint (g_bytes_get_size (call->response), ==, 3);
  g_assert_cmphex (((const guint8 *) g_bytes_get_data (call->response, NULL))[0], ==, ins);
  call_clear (call);
}

static void
transmit_ok (ScbHandle *handle, guint8 ins)
{
  Call call = { 0 };

  transmit_async (handle, ins, &call);
  assert_transmitted (&call, ins);
}

static void
transmit_fails (ScbHandle *handle, int code)
{
  Call call = { 0 };

  transmit_async (handle, 0xB0, &call);
  run_until (&call);
  g_assert_error (call.error, SCB_ERROR, code);
  call_clear (&call);
}

static ScbStatus *
status (ScbHandle *handle, GError **error)
{
  Call call = { 0 };
  ScbStatus *result;

  scb_handle_status_async (handle, NULL, on_done, &call);
  run_until (&call);
  result = scb_handle_status_finish (handle, call.result, error);
  call_clear (&call);
  return result;
}

static void
disconnect (ScbHandle *handle, ScbDisposition disposition)
{
  Call call = { 0 };

  scb_handle_disconnect_async (handle, disposition, on_done, &call);
  run_until (&call);
  scb_handle_disconnect_finish (handle, call.result);
  call_clear (&call);
  g_assert_true (scb_handle_is_closed (handle));
}

/* ---- share modes --------------------------------------------------------------- */

static void
test_share_matrix (Fixture *f, gconstpointer data)
{
  static const ScbShareMode modes[]
      = { SCB_SHARE_MODE_SHARED, SCB_SHARE_MODE_EXCLUSIVE, SCB_SHARE_MODE_DIRECT };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    for (guint j = 0; j < G_N_ELEMENTS (modes); j++)
      {
        g_autoptr (ScbHandle) first = connect_ok (f, f->a, modes[i]);
        g_autoptr (GError) error = NULL;
        g_autoptr (ScbHandle) second = connect (f, f->b, modes[j], SCB_PROTOCOL_ANY, &error);
        gboolean violation
            = modes[i] == SCB_SHARE_MODE_EXCLUSIVE || modes[j] == SCB_SHARE_MODE_EXCLUSIVE;

        if (violation)
          {
            g_assert_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION);
            g_assert_null (second);
          }
        else
          {
            g_assert_no_error (error);
            disconnect (second, SCB_DISPOSITION_LEAVE);
          }
        /* Reader.State's bits follow the connections. */
        g_assert_cmphex (scb_session_get_use (f->session) & 0x0080, ==,
                         modes[i] == SCB_SHARE_MODE_EXCLUSIVE ? 0x0080 : 0);
        disconnect (first, SCB_DISPOSITION_LEAVE);
        g_assert_cmphex (scb_session_get_use (f->session), ==, 0);
        /* Once the first is gone, the second mode is always possible. */
        g_clear_object (&second);
        second = connect_ok (f, f->b, modes[j]);
        disconnect (second, SCB_DISPOSITION_LEAVE);
      }
}

/* pcsc-lite behaviours 1 and 2 of docs/winscard.md's former deviations:
 * direct takes any protocol mask, with or without a card, and reports the
 * protocol negotiated since power-up (undefined before). */
static void
test_direct (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) direct = NULL;
  g_autoptr (ScbHandle) shared = NULL;
  g_autoptr (ScbHandle) again = NULL;
  g_autoptr (ScbStatus) st = NULL;
  g_autoptr (GError) error = NULL;

  /* An empty reader. */
  direct = connect (f, f->a, SCB_SHARE_MODE_DIRECT, SCB_PROTOCOL_ANY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scb_handle_get_protocol (direct), ==, SCB_PROTOCOL_NONE);
  st = status (direct, &error);
  g_assert_no_error (error);
  g_assert_cmphex (st->state, ==, SCB_CARD_STATE_ABSENT);
  g_assert_cmpint (st->protocol, ==, SCB_PROTOCOL_NONE);
  g_assert_cmpuint (g_bytes_get_size (st->atr), ==, 0);
  g_clear_pointer (&st, scb_status_free);
  disconnect (direct, SCB_DISPOSITION_LEAVE);
  g_clear_object (&direct);

  /* A card nobody negotiated with: undefined, whatever the mask. */
  insert_card (f, SCB_SLOT_PROTOCOL_T1);
  direct = connect (f, f->a, SCB_SHARE_MODE_DIRECT, SCB_PROTOCOL_T0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scb_handle_get_protocol (direct), ==, SCB_PROTOCOL_NONE);
  transmit_fails (direct, SCB_ERROR_PROTO_MISMATCH);
  /* A shared connection negotiates T=1: the direct one reports it now. */
  shared = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_assert_cmpint (scb_handle_get_protocol (shared), ==, SCB_PROTOCOL_T1);
  st = status (direct, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st->protocol, ==, SCB_PROTOCOL_T1);
  g_assert_cmphex (st->state, ==, 0x34);
  again = connect (f, f->c, SCB_SHARE_MODE_DIRECT, SCB_PROTOCOL_ANY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scb_handle_get_protocol (again), ==, SCB_PROTOCOL_T1);
  transmit_ok (direct, 0xCA);
  disconnect (again, SCB_DISPOSITION_LEAVE);
  disconnect (shared, SCB_DISPOSITION_LEAVE);
  disconnect (direct, SCB_DISPOSITION_LEAVE);
}

static void
test_protocols (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) handle = NULL;
  g_autoptr (GError) error = NULL;
  const ScbFakeSlotCounts *counts = scb_fake_slot_get_counts (f->slot);

  /* A T=1 card and a client asking T=0 only. */
  handle = connect (f, f->a, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_T0, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_PROTO_MISMATCH);
  g_clear_error (&error);
  handle = connect (f, f->a, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_NONE, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_PROTO_MISMATCH);
  g_clear_error (&error);
  /* A card offering both, powered with T=0: T=1 asked before anyone
   * negotiated switches it (one cold reset and PPS); afterwards, T=0 is a
   * mismatch. */
  insert_card (f, SCB_SLOT_PROTOCOL_T0 | SCB_SLOT_PROTOCOL_T1);
  handle = connect (f, f->a, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_T1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scb_handle_get_protocol (handle), ==, SCB_PROTOCOL_T1);
  g_assert_cmpuint (counts->set_protocol, ==, 1);
  {
    g_autoptr (ScbHandle) other = connect (f, f->b, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_T0, &error);

    g_assert_error (error, SCB_ERROR, SCB_ERROR_PROTO_MISMATCH);
    g_assert_null (other);
    g_assert_cmpuint (counts->set_protocol, ==, 1);
  }
  disconnect (handle, SCB_DISPOSITION_LEAVE);
}

static void
test_no_card (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ScbHandle) handle = NULL;

  /* The one error for a reader without a card, on every path. */
  handle = connect (f, f->a, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NO_SMARTCARD);
  g_clear_error (&error);
  handle = connect_ok (f, f->a, SCB_SHARE_MODE_DIRECT);
  {
    Call call = { 0 };

    scb_handle_reconnect_async (handle, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY,
                                SCB_DISPOSITION_LEAVE, NULL, on_done, &call);
    run_until (&call);
    g_assert_false (scb_handle_reconnect_finish (handle, call.result, NULL, &error));
    g_assert_error (error, SCB_ERROR, SCB_ERROR_NO_SMARTCARD);
    g_clear_error (&error);
    call_clear (&call);
  }
  disconnect (handle, SCB_DISPOSITION_LEAVE);
}

/* ---- transactions ---------------------------------------------------------------- */

static void
test_queue_order (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) c = connect_ok (f, f->c, SCB_SHARE_MODE_SHARED);
  Call cb = { 0 }, bb = { 0 }, bt = { 0 }, ct = { 0 };
  g_autoptr (GError) error = NULL;

  begin_ok (a);
  begin_ok (a); /* nested, as pcsc-lite counts */
  begin_async (c, NULL, &cb);
  begin_async (b, NULL, &bb);
  transmit_async (c, 0x01, &ct);
  transmit_async (b, 0x02, &bt);
  transmit_ok (a, 0x03);
  settle ();
  g_assert_false (cb.done || bb.done || bt.done || ct.done);
  end_ok (a, SCB_DISPOSITION_LEAVE);
  settle ();
  g_assert_false (cb.done); /* one level is still held */
  end_ok (a, SCB_DISPOSITION_LEAVE);
  /* First in line: C gets the transaction; its APDU goes, B's waits. */
  g_assert_true (begin_finish (c, &cb, &error));
  g_assert_no_error (error);
  assert_transmitted (&ct, 0x01);
  settle ();
  g_assert_false (bb.done || bt.done);
  end_ok (c, SCB_DISPOSITION_LEAVE);
  g_assert_true (begin_finish (b, &bb, &error));
  assert_transmitted (&bt, 0x02);
  end_ok (b, SCB_DISPOSITION_LEAVE);
  call_clear (&cb);
  call_clear (&bb);
}

/* Every call that waits for another's transaction, and those that do not. */
static void
test_waits (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) late = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) value = NULL;
  g_autoptr (GBytes) input = g_bytes_new ("x", 1);
  Call status_call = { 0 }, reconnect = { 0 }, conn = { 0 }, tx = { 0 }, control = { 0 };
  g_autoptr (ScbStatus) st = NULL;
  ScbProtocol protocol = SCB_PROTOCOL_NONE;

  begin_ok (a);
  scb_handle_status_async (b, NULL, on_done, &status_call);
  scb_handle_reconnect_async (b, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_T1, SCB_DISPOSITION_LEAVE,
                              NULL, on_done, &reconnect);
  scb_session_connect_async (f->session, f->c, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY, 0, NULL,
                             on_done, &conn);
  transmit_async (b, 0x10, &tx);
  /* GetAttrib answers at once; Control is a sharing violation at once. */
  value = scb_handle_get_attrib (b, 0x00090303, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (value, NULL), g_bytes_get_size (value), atr_t1, sizeof atr_t1);
  scb_handle_control_async (b, 0x42000001, input, NULL, on_done, &control);
  run_until (&control);
  g_assert_null (scb_handle_control_finish (b, control.result, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION);
  g_clear_error (&error);
  /* pcsc-lite: ending another's transaction is a sharing violation. */
  g_assert_false (end (b, SCB_DISPOSITION_LEAVE, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_SHARING_VIOLATION);
  g_clear_error (&error);
  settle ();
  g_assert_false (status_call.done || reconnect.done || conn.done || tx.done);

  end_ok (a, SCB_DISPOSITION_LEAVE);
  run_until (&status_call);
  st = scb_handle_status_finish (b, status_call.result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (st->reader_name, ==, "Fake Reader 00 00");
  run_until (&reconnect);
  g_assert_true (scb_handle_reconnect_finish (b, reconnect.result, &protocol, &error));
  g_assert_cmpint (protocol, ==, SCB_PROTOCOL_T1);
  late = connect_finish (f, &conn, &error);
  g_assert_no_error (error);
  assert_transmitted (&tx, 0x10);
  /* Nobody holds one now: NotTransacted. */
  g_assert_false (end (b, SCB_DISPOSITION_LEAVE, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_TRANSACTED);
  call_clear (&status_call);
  call_clear (&reconnect);
  call_clear (&conn);
  call_clear (&control);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) c = connect_ok (f, f->c, SCB_SHARE_MODE_SHARED);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  Call bb = { 0 }, cb = { 0 };

  begin_ok (a);
  begin_async (b, cancellable, &bb);
  begin_async (c, NULL, &cb);
  settle ();
  g_cancellable_cancel (cancellable);
  g_assert_false (begin_finish (b, &bb, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (scb_peer_count (f->b, SCB_RESOURCE_WAITER), ==, 0);
  /* B left the queue: C is next. */
  end_ok (a, SCB_DISPOSITION_LEAVE);
  g_assert_true (begin_finish (c, &cb, &error));
  g_assert_no_error (error);
  call_clear (&bb);
  call_clear (&cb);
}

static void
test_wait_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_autoptr (GError) error = NULL;
  Call bb = { 0 }, bt = { 0 };

  scb_session_set_wait_limit (f->session, 30);
  begin_ok (a);
  begin_async (b, NULL, &bb);
  transmit_async (b, 0x20, &bt);
  g_assert_false (begin_finish (b, &bb, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_TIMEOUT);
  run_until (&bt);
  g_assert_error (bt.error, SCB_ERROR, SCB_ERROR_TIMEOUT);
  g_assert_cmpuint (scb_peer_count (f->b, SCB_RESOURCE_WAITER), ==, 0);
  g_assert_cmpuint (scb_peer_count (f->b, SCB_RESOURCE_REQUEST), ==, 0);
  end_ok (a, SCB_DISPOSITION_LEAVE);
  call_clear (&bb);
  call_clear (&bt);
}

/* ---- owners, cards and readers that go -------------------------------------------- */

static void
test_owner_gone (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_autoptr (GError) error = NULL;
  Call bb = { 0 }, conn = { 0 }, dropped = { 0 };

  begin_ok (a);
  begin_async (b, NULL, &bb);
  scb_session_connect_async (f->session, f->c, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY, 0, NULL,
                             on_done, &dropped);
  scb_session_connect_async (f->session, f->a, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY, 0, NULL,
                             on_done, &conn);
  /* C goes while its Connect waits: it leaves the queue at once. */
  scb_session_drop_owner (f->session, f->c);
  g_assert_null (connect_finish (f, &dropped, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (bb.done || conn.done);
  /* A goes while it holds the transaction: B gets it at once; A's waiting
   * Connect fails too. */
  scb_handle_close (a);
  scb_session_drop_owner (f->session, f->a);
  g_assert_true (begin_finish (b, &bb, &error));
  g_assert_no_error (error);
  g_assert_null (connect_finish (f, &conn, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_CANCELLED);
  g_clear_error (&error);
  /* Closed: every call says so. */
  transmit_fails (a, SCB_ERROR_INVALID_HANDLE);
  end_ok (b, SCB_DISPOSITION_LEAVE);
  call_clear (&bb);
  call_clear (&conn);
  call_clear (&dropped);
}

static void
test_card_removed (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_autoptr (GError) error = NULL;
  Call bb = { 0 }, conn = { 0 }, bt = { 0 };

  begin_ok (a);
  begin_async (b, NULL, &bb);
  transmit_async (b, 0x30, &bt);
  scb_session_connect_async (f->session, f->c, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY, 0, NULL,
                             on_done, &conn);
  settle ();
  scb_fake_slot_remove (f->slot);
  g_assert_false (begin_finish (b, &bb, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_REMOVED_CARD);
  g_clear_error (&error);
  run_until (&bt);
  g_assert_error (bt.error, SCB_ERROR, SCB_ERROR_REMOVED_CARD);
  g_assert_null (connect_finish (f, &conn, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NO_SMARTCARD);
  g_clear_error (&error);
  /* The transaction went with the card; the handles say RemovedCard. */
  g_assert_false (end (a, SCB_DISPOSITION_LEAVE, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_REMOVED_CARD);
  g_clear_error (&error);
  /* A new card: Reconnect binds the handle to it. */
  insert_card (f, SCB_SLOT_PROTOCOL_T1);
  transmit_fails (a, SCB_ERROR_REMOVED_CARD);
  {
    Call call = { 0 };

    scb_handle_reconnect_async (a, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY, SCB_DISPOSITION_LEAVE,
                                NULL, on_done, &call);
    run_until (&call);
    g_assert_true (scb_handle_reconnect_finish (a, call.result, NULL, &error));
    g_assert_no_error (error);
    call_clear (&call);
  }
  transmit_ok (a, 0x31);
  call_clear (&bb);
  call_clear (&conn);
  call_clear (&bt);
}

static void
test_reader_gone (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_autoptr (GError) error = NULL;
  Call bb = { 0 }, conn = { 0 };

  begin_ok (a);
  begin_async (b, NULL, &bb);
  scb_session_connect_async (f->session, f->c, SCB_SHARE_MODE_DIRECT, SCB_PROTOCOL_ANY, 0, NULL,
                             on_done, &conn);
  settle ();
  /* Unplugged: the session ends before the slot says anything more. */
  scb_session_shutdown (f->session);
  g_assert_false (begin_finish (b, &bb, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_null (connect_finish (f, &conn, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_READER_UNAVAILABLE);
  g_clear_error (&error);
  transmit_fails (a, SCB_ERROR_READER_UNAVAILABLE);
  call_clear (&bb);
  call_clear (&conn);
}

/* ---- reset marks ------------------------------------------------------------------ */

static void
test_reset_marks (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_autoptr (ScbHandle) direct = connect_ok (f, f->c, SCB_SHARE_MODE_DIRECT);
  const ScbFakeSlotCounts *counts = scb_fake_slot_get_counts (f->slot);
  g_autoptr (GError) error = NULL;
  Call call = { 0 };

  begin_ok (a);
  end_ok (a, SCB_DISPOSITION_RESET);
  g_assert_cmpuint (counts->reset, ==, 1);
  /* The others get ResetCard once, then work; the resetter is not told. */
  transmit_fails (b, SCB_ERROR_RESET_CARD);
  transmit_ok (b, 0x40);
  transmit_ok (a, 0x41);
  g_assert_null (status (direct, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_RESET_CARD);
  g_clear_error (&error);
  /* Reconnect with "unpower" is a cold reset too (pcsc-lite), and clears
   * the reconnecting handle's own mark. */
  scb_handle_reconnect_async (b, SCB_SHARE_MODE_SHARED, SCB_PROTOCOL_ANY, SCB_DISPOSITION_UNPOWER,
                              NULL, on_done, &call);
  run_until (&call);
  g_assert_true (scb_handle_reconnect_finish (b, call.result, NULL, &error));
  g_assert_no_error (error);
  call_clear (&call);
  g_assert_cmpuint (counts->reset, ==, 2);
  transmit_fails (a, SCB_ERROR_RESET_CARD);
  transmit_ok (b, 0x42);
  /* Under another's transaction, Disconnect's reset is not done. */
  begin_ok (b);
  disconnect (a, SCB_DISPOSITION_RESET);
  g_assert_cmpuint (counts->reset, ==, 2);
  end_ok (b, SCB_DISPOSITION_LEAVE);
  /* An unpowering Disconnect: the next shared Connect powers it. */
  disconnect (b, SCB_DISPOSITION_UNPOWER);
  g_assert_cmpuint (counts->power_off, ==, 1);
  g_clear_object (&b);
  b = connect_ok (f, f->b, SCB_SHARE_MODE_SHARED);
  g_assert_cmpuint (counts->power_on, ==, 1);
  transmit_ok (b, 0x43);
}

/* ---- attributes --------------------------------------------------------------------- */

static void
assert_attrib (ScbHandle *handle, guint32 id, const void *expected, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) value = scb_handle_get_attrib (handle, id, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (value, NULL), g_bytes_get_size (value), expected, len);
}

static void
test_attributes (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) direct = connect_ok (f, f->a, SCB_SHARE_MODE_DIRECT);
  static const guint8 version[] = { 0x00, 0x00, 0x01, 0x02 }; /* bcdDevice 0x0201 << 16 */
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) value = NULL;

  /* An empty reader without a serial number (libccid's answers). */
  assert_attrib (direct, 0x00090303, NULL, 0);                 /* ATR_STRING */
  assert_attrib (direct, 0x00010103, NULL, 0);                 /* VENDOR_IFD_SERIAL_NO */
  assert_attrib (direct, 0x00010102, version, sizeof version); /* VENDOR_IFD_VERSION */
  assert_attrib (direct, 0x7fff0004, "Fake Reader 00 00", 18); /* DEVICE_SYSTEM_NAME */
  assert_attrib (direct, 0x7fff0003, "Fake Reader 00 00", 18); /* DEVICE_FRIENDLY_NAME */
  assert_attrib (direct, 0x00090300, "\0", 1);                 /* ICC_PRESENCE */
  value = scb_handle_get_attrib (direct, 0x00012345, &error);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (scb_handle_set_attrib (direct, 0x00010100, NULL, &error));
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED);
  disconnect (direct, SCB_DISPOSITION_LEAVE);
}

static void
on_pin_entry (ScbSession *session, const char *label, const char *operation, const char *result,
              gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("%s %s %s", label, operation,
                                               result != NULL ? result : "(start)"));
}

static GBytes *
control (ScbHandle *handle, guint32 code, GBytes *input, GError **error)
{
  Call call = { 0 };
  GBytes *answer;

  scb_handle_control_async (handle, code, input, NULL, on_done, &call);
  run_until (&call);
  answer = scb_handle_control_finish (handle, call.result, error);
  call_clear (&call);
  return answer;
}

/* The fake slot has no part 10: the feature list and PIN entry are
 * NotSupported (no empty feature list), and a PIN entry is still heard of
 * as it starts and fails, under the handle's label. */
static void
test_part10_unsupported (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) a = connect_ok (f, f->a, SCB_SHARE_MODE_SHARED);
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GBytes) input = g_bytes_new ("\x00\x20\x00\x81", 4);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) answer = NULL;
  gulong id = g_signal_connect (f->session, "pin-entry", G_CALLBACK (on_pin_entry), events);

  scb_handle_set_label (a, "conn-a");
  answer = control (a, SCB_CTL_GET_FEATURE_REQUEST, input, &error);
  g_assert_null (answer);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_cmpuint (events->len, ==, 0);

  answer = control (a, SCB_CTL_FEATURE (SCB_FEATURE_MODIFY_PIN_DIRECT), input, &error);
  g_assert_null (answer);
  g_assert_error (error, SCB_ERROR, SCB_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (events->pdata[0], ==, "conn-a modify (start)");
  g_assert_cmpstr (events->pdata[1], ==, "conn-a modify failed");

  /* The handle still works after both. */
  answer = control (a, SCB_CTL_IFD_EXCHANGE, input, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), "\x00\x20\x00\x81",
                   4);
  g_signal_handler_disconnect (f->session, id);
  disconnect (a, SCB_DISPOSITION_LEAVE);
}

static void
test_serial (Fixture *f, gconstpointer data)
{
  g_autoptr (ScbHandle) direct = connect_ok (f, f->a, SCB_SHARE_MODE_DIRECT);

  assert_attrib (direct, 0x00010103, "SN42", 5);
  disconnect (direct, SCB_DISPOSITION_LEAVE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func, how) g_test_add (path, Fixture, &how, setup, func, teardown)
  ADD ("/session/share-matrix", test_share_matrix, with_card);
  ADD ("/session/direct", test_direct, empty);
  ADD ("/session/protocols", test_protocols, with_card);
  ADD ("/session/no-card", test_no_card, empty);
  ADD ("/session/queue-order", test_queue_order, with_card);
  ADD ("/session/waits", test_waits, with_card);
  ADD ("/session/cancel", test_cancel, with_card);
  ADD ("/session/wait-limit", test_wait_limit, with_card);
  ADD ("/session/owner-gone", test_owner_gone, with_card);
  ADD ("/session/card-removed", test_card_removed, with_card);
  ADD ("/session/reader-gone", test_reader_gone, with_card);
  ADD ("/session/reset-marks", test_reset_marks, with_card);
  ADD ("/session/attributes", test_attributes, empty);
  ADD ("/session/serial", test_serial, empty_with_serial);
  ADD ("/session/part10-unsupported", test_part10_unsupported, with_card);
#undef ADD
  return g_test_run ();
}

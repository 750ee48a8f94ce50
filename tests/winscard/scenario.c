/* scenario.c: one PC/SC session, printed as a transcript
 *
 * Run under scardbus-sim (reader 0 = tpdu:t1) against both hosts: with
 * Debian's pcscd 1.9.9 + libccid and its libpcsclite (the reference), and
 * with scardbusd and our libpcsclite.so.1 (through the sim's
 * LD_LIBRARY_PATH). test-reference.c compares the two transcripts. Only
 * what pcsc-lite 1.9.9 implements is printed; counters (high words), which
 * it numbers differently, are left out.
 *
 * Usage: scenario SCARDBUS-SIM READER-NAME
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <winscard.h>

#include "transcript.h"
#include <reader.h>

static const char *sim_path;
static const char *READER;

static void
sim_ctl (const char *command, const char *target, const char *card)
{
  const char *argv[] = { sim_path, "ctl", command, target, card, NULL };
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                     &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      printf ("ctl %s failed\n", command);
      fflush (stdout);
    }
}

/* Waits (5 s at most) until the reader's state differs from @current. */
static DWORD
wait_change (SCARDCONTEXT context, DWORD current)
{
  SCARD_READERSTATE state = { .szReader = READER, .dwCurrentState = current };
  LONG rv = SCardGetStatusChange (context, 5000, &state, 1);

  print_rv ("wait for a change", rv);
  /* Card presence only: scardbusd does not count a connection whose card
   * was removed as INUSE after a reinsertion, pcscd does (docs/winscard.md). */
  printf ("  state %04lX\n",
          (unsigned long) (state.dwEventState
                           & (SCARD_STATE_EMPTY | SCARD_STATE_PRESENT | SCARD_STATE_MUTE)));
  return state.dwEventState & ~SCARD_STATE_CHANGED;
}

static void
transmit (SCARDHANDLE card, const SCARD_IO_REQUEST *pci, DWORD receive_length)
{
  static const BYTE select_mf[] = { 0x00, 0xA4, 0x04, 0x00, 0x00 };
  BYTE response[300];
  DWORD length = receive_length;
  LONG rv = SCardTransmit (card, pci, select_mf, sizeof select_mf, NULL, response, &length);

  print_rv ("SCardTransmit", rv);
  if (rv == SCARD_S_SUCCESS)
    print_bytes ("  response", response, length);
  else if (rv == SCARD_E_INSUFFICIENT_BUFFER)
    printf ("  needed %lu\n", (unsigned long) length);
}

static void
attribute (SCARDHANDLE card, const char *name, DWORD id)
{
  BYTE value[300];
  DWORD length = sizeof value;
  LONG rv;
  char label[64];

  length = 0;
  rv = SCardGetAttrib (card, id, NULL, &length);
  snprintf (label, sizeof label, "SCardGetAttrib %s length", name);
  print_rv (label, rv);
  if (rv == SCARD_S_SUCCESS)
    printf ("  %lu\n", (unsigned long) length);
  length = 264;
  rv = SCardGetAttrib (card, id, value, &length);
  snprintf (label, sizeof label, "SCardGetAttrib %s", name);
  print_rv (label, rv);
  if (rv == SCARD_S_SUCCESS)
    print_bytes ("  value", value, length);
}

/* A call from another context while a transaction is held: did it return
 * before the transaction ended (pcscd makes it wait)? */
typedef struct
{
  const char *what;
  SCARDCONTEXT context;
  SCARDHANDLE card; /* the other context's */
  LONG rv;
  gint returned;
} Waiter;

static gpointer
waiter_thread (gpointer data)
{
  static const BYTE select_mf[] = { 0x00, 0xA4, 0x04, 0x00, 0x00 };
  Waiter *w = data;
  SCARDHANDLE new_card = 0;
  DWORD protocol = 0;
  BYTE response[300];
  DWORD length = sizeof response;
  DWORD state, name_len = 0, atr_len = 0;

  if (g_str_equal (w->what, "SCardStatus"))
    w->rv = SCardStatus (w->card, NULL, &name_len, &state, &protocol, NULL, &atr_len);
  else if (g_str_equal (w->what, "SCardTransmit"))
    w->rv = SCardTransmit (w->card, SCARD_PCI_T1, select_mf, sizeof select_mf, NULL, response,
                           &length);
  else if (g_str_equal (w->what, "SCardReconnect"))
    w->rv = SCardReconnect (w->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_ANY, SCARD_LEAVE_CARD,
                            &protocol);
  else if (g_str_equal (w->what, "SCardBeginTransaction"))
    w->rv = SCardBeginTransaction (w->card);
  else if (g_str_equal (w->what, "SCardGetAttrib"))
    w->rv = SCardGetAttrib (w->card, SCARD_ATTR_ATR_STRING, response, &length);
  else
    {
      w->rv = SCardConnect (w->context, READER, SCARD_SHARE_SHARED, SCARD_PROTOCOL_ANY, &new_card,
                            &protocol);
      if (w->rv == SCARD_S_SUCCESS)
        (void) SCardDisconnect (new_card, SCARD_LEAVE_CARD);
    }
  g_atomic_int_set (&w->returned, 1);
  return NULL;
}

/* @holder holds a transaction while @what runs on @card of @other. */
static void
wait_for_transaction (SCARDHANDLE holder, SCARDCONTEXT other, SCARDHANDLE card, const char *what)
{
  Waiter w = { .what = what, .context = other, .card = card };
  GThread *thread;
  gboolean early;

  print_rv ("SCardBeginTransaction", SCardBeginTransaction (holder));
  thread = g_thread_new ("waiter", waiter_thread, &w);
  g_usleep (300000);
  early = g_atomic_int_get (&w.returned);
  print_rv ("SCardEndTransaction", SCardEndTransaction (holder, SCARD_LEAVE_CARD));
  g_thread_join (thread);
  printf ("  %s under the transaction: %s, %s\n", what, early ? "at once" : "waited",
          pcsc_stringify_error (w.rv));
  if (g_str_equal (what, "SCardBeginTransaction") && w.rv == SCARD_S_SUCCESS)
    (void) SCardEndTransaction (card, SCARD_LEAVE_CARD);
}

static void
status (SCARDHANDLE card)
{
  char name[200];
  BYTE atr[MAX_ATR_SIZE];
  DWORD name_len = sizeof name;
  DWORD atr_len = sizeof atr;
  DWORD state = 0;
  DWORD protocol = 0;
  LONG rv = SCardStatus (card, name, &name_len, &state, &protocol, atr, &atr_len);

  print_rv ("SCardStatus", rv);
  if (rv != SCARD_S_SUCCESS)
    return;
  printf ("  %s (%lu), state %04lX, protocol %lu\n", name, (unsigned long) name_len,
          (unsigned long) (state & 0xFFFF), (unsigned long) protocol);
  print_bytes ("  ATR", atr, atr_len);
}

int
main (int argc, char **argv)
{
  SCARDCONTEXT context = 0;
  SCARDCONTEXT other = 0;
  SCARDHANDLE card = 0;
  SCARDHANDLE second = 0;
  SCARD_READERSTATE states[2] = { { .szReader = NULL }, { .szReader = "\\\\?PnP?\\Notification" } };
  char buffer[300];
  DWORD length;
  DWORD protocol = 0;
  const SCARD_IO_REQUEST *pci;
  const SCARD_IO_REQUEST *wrong_pci;
  DWORD state;
  LONG rv;

  if (argc < 3)
    return 2;
  sim_path = argv[1];
  READER = argv[2];
  states[0].szReader = READER;
  setvbuf (stdout, NULL, _IOLBF, 0);

  print_rv ("SCardEstablishContext",
            SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context));
  print_rv ("SCardEstablishContext bad scope", SCardEstablishContext (7, NULL, NULL, &other));
  print_rv ("SCardEstablishContext", SCardEstablishContext (SCARD_SCOPE_USER, NULL, NULL, &other));
  print_rv ("SCardIsValidContext", SCardIsValidContext (context));

  length = 0;
  print_rv ("SCardListReaders length", SCardListReaders (context, NULL, NULL, &length));
  printf ("  %lu\n", (unsigned long) length);
  length = 4;
  print_rv ("SCardListReaders small", SCardListReaders (context, NULL, buffer, &length));
  printf ("  %lu\n", (unsigned long) length);
  length = sizeof buffer;
  print_rv ("SCardListReaders", SCardListReaders (context, NULL, buffer, &length));
  print_bytes ("  readers", (BYTE *) buffer, length);
  length = sizeof buffer;
  print_rv ("SCardListReaderGroups", SCardListReaderGroups (context, buffer, &length));
  print_bytes ("  groups", (BYTE *) buffer, length);

  rv = SCardGetStatusChange (context, 0, states, 2);
  print_rv ("SCardGetStatusChange unaware", rv);
  printf ("  reader %04lX, PnP %04lX\n", (unsigned long) (states[0].dwEventState & 0xFFFF),
          (unsigned long) (states[1].dwEventState & 0xFFFF));
  print_bytes ("  ATR", states[0].rgbAtr, states[0].cbAtr);
  states[0].dwCurrentState = states[0].dwEventState & 0xFFFF & ~SCARD_STATE_CHANGED;
  states[1].dwCurrentState = 0;
  rv = SCardGetStatusChange (context, 100, states, 2);
  print_rv ("SCardGetStatusChange no change", rv);
  printf ("  reader %04lX\n", (unsigned long) (states[0].dwEventState & 0xFFFF));
  states[0].szReader = "No Such Reader 00 00";
  print_rv ("SCardGetStatusChange unknown", SCardGetStatusChange (context, 0, states, 1));
  states[0].szReader = READER;
  print_rv ("SCardCancel idle", SCardCancel (context));

  /* Before any shared or exclusive connection: a direct one takes any
   * protocol mask and reports none negotiated. */
  rv = SCardConnect (context, READER, SCARD_SHARE_DIRECT, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                     &card, &protocol);
  print_rv ("SCardConnect direct T0|T1", rv);
  printf ("  protocol %lu\n", (unsigned long) protocol);
  status (card);
  attribute (card, "IFD version", SCARD_ATTR_VENDOR_IFD_VERSION);
  attribute (card, "IFD serial", SCARD_ATTR_VENDOR_IFD_SERIAL_NO);
  attribute (card, "system name", SCARD_ATTR_DEVICE_SYSTEM_NAME);
  print_rv ("SCardDisconnect direct", SCardDisconnect (card, SCARD_LEAVE_CARD));

  print_rv ("SCardConnect unknown",
            SCardConnect (context, "No Such Reader 00 00", SCARD_SHARE_SHARED, SCARD_PROTOCOL_ANY,
                          &card, &protocol));
  print_rv ("SCardConnect bad mode",
            SCardConnect (context, READER, 9, SCARD_PROTOCOL_ANY, &card, &protocol));
  print_rv ("SCardConnect no protocol",
            SCardConnect (context, READER, SCARD_SHARE_SHARED, 0, &card, &protocol));
  rv = SCardConnect (context, READER, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                     &card, &protocol);
  print_rv ("SCardConnect", rv);
  printf ("  protocol %lu\n", (unsigned long) protocol);
  pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  wrong_pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T1 : SCARD_PCI_T0;
  status (card);
  transmit (card, pci, 300);
  transmit (card, pci, 1);
  transmit (card, wrong_pci, 300);
  attribute (card, "ATR", SCARD_ATTR_ATR_STRING);
  attribute (card, "friendly name", SCARD_ATTR_DEVICE_FRIENDLY_NAME);
  attribute (card, "vendor name", SCARD_ATTR_VENDOR_NAME);
  attribute (card, "channel id", SCARD_ATTR_CHANNEL_ID);
  /* Not compared: SCARD_ATTR_CURRENT_PROTOCOL_TYPE, which scardbusd answers
   * and libccid does not (docs/winscard.md). */
  attribute (card, "max input", SCARD_ATTR_MAXINPUT);
  print_rv ("SCardSetAttrib", SCardSetAttrib (card, SCARD_ATTR_VENDOR_NAME, (const BYTE *) "x", 1));

  print_rv (
      "SCardConnect exclusive while shared",
      SCardConnect (other, READER, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_ANY, &second, &protocol));
  /* A direct connection now reports what the shared one negotiated. */
  rv = SCardConnect (other, READER, SCARD_SHARE_DIRECT, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                     &second, &protocol);
  print_rv ("SCardConnect direct after shared", rv);
  printf ("  protocol %lu\n", (unsigned long) protocol);
  print_rv ("SCardDisconnect direct", SCardDisconnect (second, SCARD_LEAVE_CARD));

  /* What waits for another context's transaction, and what does not. */
  rv = SCardConnect (other, READER, SCARD_SHARE_SHARED, SCARD_PROTOCOL_ANY, &second, &protocol);
  print_rv ("SCardConnect second", rv);
  wait_for_transaction (card, other, second, "SCardStatus");
  wait_for_transaction (card, other, second, "SCardTransmit");
  wait_for_transaction (card, other, second, "SCardReconnect");
  wait_for_transaction (card, other, second, "SCardBeginTransaction");
  wait_for_transaction (card, other, second, "SCardGetAttrib");
  wait_for_transaction (card, other, 0, "SCardConnect");
  print_rv ("SCardBeginTransaction", SCardBeginTransaction (card));
  print_rv ("SCardEndTransaction by another", SCardEndTransaction (second, SCARD_LEAVE_CARD));
  print_rv ("SCardEndTransaction", SCardEndTransaction (card, SCARD_LEAVE_CARD));
  print_rv ("SCardEndTransaction without one", SCardEndTransaction (second, SCARD_LEAVE_CARD));
  print_rv ("SCardDisconnect second", SCardDisconnect (second, SCARD_LEAVE_CARD));

  print_rv ("SCardBeginTransaction", SCardBeginTransaction (card));
  print_rv ("SCardEndTransaction bad", SCardEndTransaction (card, 7));
  print_rv ("SCardEndTransaction", SCardEndTransaction (card, SCARD_LEAVE_CARD));
  rv = SCardReconnect (card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_ANY, SCARD_RESET_CARD, &protocol);
  print_rv ("SCardReconnect reset", rv);
  printf ("  protocol %lu\n", (unsigned long) protocol);
  transmit (card, pci, 300);

  /* The card goes away under the connection. */
  state = wait_change (context, SCARD_STATE_UNAWARE);
  sim_ctl ("remove", "0", NULL);
  state = wait_change (context, state & 0xFFFF);
  transmit (card, pci, 300);
  status (card);
  print_rv ("SCardConnect without card", SCardConnect (other, READER, SCARD_SHARE_SHARED,
                                                       SCARD_PROTOCOL_ANY, &second, &protocol));
  /* An empty reader: direct takes any protocol mask. */
  rv = SCardConnect (other, READER, SCARD_SHARE_DIRECT, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                     &second, &protocol);
  print_rv ("SCardConnect direct without card", rv);
  printf ("  protocol %lu\n", (unsigned long) protocol);
  attribute (second, "ATR without card", SCARD_ATTR_ATR_STRING);
  print_rv ("SCardDisconnect direct", SCardDisconnect (second, SCARD_LEAVE_CARD));
  sim_ctl ("insert", "0", "t1");
  (void) wait_change (context, state & 0xFFFF);
  transmit (card, pci, 300);
  rv = SCardReconnect (card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_ANY, SCARD_LEAVE_CARD, &protocol);
  print_rv ("SCardReconnect after reinsertion", rv);
  transmit (card, pci, 300);
  print_rv ("SCardDisconnect bad", SCardDisconnect (card, 9));
  print_rv ("SCardDisconnect", SCardDisconnect (card, SCARD_LEAVE_CARD));
  print_rv ("SCardDisconnect again", SCardDisconnect (card, SCARD_LEAVE_CARD));

  rv = SCardConnect (other, READER, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_ANY, &second, &protocol);
  print_rv ("SCardConnect exclusive", rv);
  print_rv (
      "SCardConnect shared while exclusive",
      SCardConnect (context, READER, SCARD_SHARE_SHARED, SCARD_PROTOCOL_ANY, &card, &protocol));
  print_rv ("SCardReleaseContext", SCardReleaseContext (other));
  print_rv ("SCardConnect after release", SCardConnect (context, READER, SCARD_SHARE_EXCLUSIVE,
                                                        SCARD_PROTOCOL_ANY, &card, &protocol));
  print_rv ("SCardDisconnect", SCardDisconnect (card, SCARD_UNPOWER_CARD));
  print_rv ("SCardReleaseContext", SCardReleaseContext (context));
  print_rv ("SCardReleaseContext again", SCardReleaseContext (context));
  print_rv ("SCardIsValidContext", SCardIsValidContext (context));
  return 0;
}

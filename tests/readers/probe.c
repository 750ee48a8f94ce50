/* probe.c: what a PC/SC program sees of every reader
 *
 * Run under scardbus-sim against both hosts (Debian's pcscd + libccid with
 * its libpcsclite; scardbusd with ours through the sim's LD_LIBRARY_PATH),
 * by tests/readers/compare-readers.py. For each reader: its name, the ATR a
 * shared connection reads, and what GET CHALLENGE answers. The list is
 * taken once it has not changed for a second and a half (or after 10 s):
 * readers a host refuses never appear.
 *
 * Usage: probe
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <winscard.h>

#define SETTLE_US (1500 * G_TIME_SPAN_MILLISECOND)
#define MAX_WAIT_US (10 * G_TIME_SPAN_SECOND)

static char *
list_readers (SCARDCONTEXT context, DWORD *len)
{
  char *buf = NULL;
  LONG rv;

  *len = 0;
  rv = SCardListReaders (context, NULL, NULL, len);
  if (rv != SCARD_S_SUCCESS)
    return NULL;
  buf = g_malloc0 (*len + 1);
  if (SCardListReaders (context, NULL, buf, len) != SCARD_S_SUCCESS)
    g_clear_pointer (&buf, g_free);
  return buf;
}

static void
probe (SCARDCONTEXT context, const char *reader)
{
  static const BYTE get_challenge[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
  SCARDHANDLE card;
  DWORD protocol = 0, state = 0, atr_len = MAX_ATR_SIZE, name_len = 0, answer_len;
  BYTE atr[MAX_ATR_SIZE], answer[258];
  const SCARD_IO_REQUEST *pci;
  LONG rv;

  printf ("reader %s\n", reader);
  rv = SCardConnect (context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                     &card, &protocol);
  if (rv != SCARD_S_SUCCESS)
    {
      printf ("connect %s\n", pcsc_stringify_error (rv));
      return;
    }
  printf ("protocol T=%d\n", protocol == SCARD_PROTOCOL_T1 ? 1 : 0);
  rv = SCardStatus (card, NULL, &name_len, &state, &protocol, atr, &atr_len);
  if (rv != SCARD_S_SUCCESS)
    printf ("status %s\n", pcsc_stringify_error (rv));
  else
    {
      printf ("atr");
      for (DWORD i = 0; i < atr_len; i++)
        printf (" %02X", atr[i]);
      printf ("\n");
    }
  pci = protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
  answer_len = sizeof answer;
  rv = SCardTransmit (card, pci, get_challenge, sizeof get_challenge, NULL, answer, &answer_len);
  if (rv != SCARD_S_SUCCESS)
    printf ("challenge %s\n", pcsc_stringify_error (rv));
  else if (answer_len < 2)
    printf ("challenge short answer\n");
  else
    printf ("challenge %u bytes, SW %02X%02X\n", (unsigned) answer_len - 2, answer[answer_len - 2],
            answer[answer_len - 1]);
  SCardDisconnect (card, SCARD_UNPOWER_CARD);
}

int
main (void)
{
  SCARDCONTEXT context;
  g_autofree char *readers = NULL;
  DWORD len = 0;
  gint64 start = g_get_monotonic_time (), changed = start;
  LONG rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context);

  if (rv != SCARD_S_SUCCESS)
    {
      printf ("context %s\n", pcsc_stringify_error (rv));
      return 1;
    }
  /* hot plug may still be adding readers */
  for (;;)
    {
      DWORD new_len;
      g_autofree char *now = list_readers (context, &new_len);
      gint64 t = g_get_monotonic_time ();

      if (new_len != len || (now != NULL) != (readers != NULL)
          || (now != NULL && memcmp (now, readers, len) != 0))
        {
          g_free (readers);
          readers = g_steal_pointer (&now);
          len = new_len;
          changed = t;
        }
      if (t - changed >= SETTLE_US || t - start >= MAX_WAIT_US)
        break;
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    }
  for (const char *r = readers; r != NULL && *r != '\0'; r += strlen (r) + 1)
    probe (context, r);
  printf ("done\n");
  SCardReleaseContext (context);
  return 0;
}

/* part10.c: PC/SC part 10 through SCardControl, printed as a transcript
 *
 * Run under scardbus-sim (reader 0, a card in it) against both hosts, as
 * scenario.c: the feature list, the TLV and PIN properties, malformed PIN
 * structures and unknown feature codes, and on a PIN pad VERIFY and
 * CHANGE REFERENCE DATA with the user at the sim's keypad typing the right
 * PIN, a wrong one, too few digits, two new PINs that differ, Cancel, or
 * nothing (the pad times out). test-reference.c compares the transcripts.
 *
 * Usage: part10 SCARDBUS-SIM READER-NAME
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib.h>
#include <reader.h>
#include <stdio.h>
#include <string.h>
#include <winscard.h>

#include "transcript.h"

static const char *sim_path;

/* What the user types next on reader 0's pad: "1234", "1234 5678 5678",
 * "cancel". */
static void
keypad (const char *entries)
{
  g_auto (GStrv) words = g_strsplit (entries, " ", -1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  int status = 0;

  g_ptr_array_add (argv, (char *) sim_path);
  g_ptr_array_add (argv, "ctl");
  g_ptr_array_add (argv, "keypad");
  g_ptr_array_add (argv, "0");
  for (guint i = 0; words[i] != NULL; i++)
    g_ptr_array_add (argv, words[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    printf ("ctl keypad failed\n");
}

static LONG
control (SCARDHANDLE card, const char *what, DWORD code, const BYTE *in, DWORD in_len)
{
  BYTE out[512];
  DWORD length = 0;
  LONG rv = SCardControl (card, code, in, in_len, out, sizeof out, &length);

  print_rv (what, rv);
  if (rv == SCARD_S_SUCCESS)
    print_bytes ("  answer", out, length);
  return rv;
}

static void
put32 (BYTE *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (BYTE) (v >> (8 * i));
}

/* PIN_VERIFY_STRUCTURE for VERIFY 81: the PIN in ASCII, left-justified in
 * an 8-byte block of FFh at the start of the data, 4 to 8 digits. */
static DWORD
verify_structure (BYTE *s, guint8 apdu_lc)
{
  static const BYTE head[] = { 0x00, 0x00, 0x82, 0x08, 0x00, 0x08, 0x04, 0x02,
                               0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00 };
  DWORD n = sizeof head;

  memcpy (s, head, n);
  n += 4;
  s[n++] = 0x00;
  s[n++] = 0x20;
  s[n++] = 0x00;
  s[n++] = 0x81;
  s[n++] = apdu_lc;
  memset (s + n, 0xFF, apdu_lc);
  n += apdu_lc;
  put32 (s + 15, n - 19);
  return n;
}

/* PIN_MODIFY_STRUCTURE for CHANGE REFERENCE DATA 81: current PIN and new
 * PIN (confirmed) in two 8-byte blocks. */
static DWORD
modify_structure (BYTE *s, guint8 messages)
{
  static const BYTE head[] = { 0x00, 0x00, 0x82, 0x08, 0x00, 0x00, 0x08, 0x08, 0x04, 0x03,
                               0x02, 0x03, 0x09, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00 };
  DWORD n = sizeof head;

  memcpy (s, head, n);
  s[11] = messages;
  n += 4;
  s[n++] = 0x00;
  s[n++] = 0x24;
  s[n++] = 0x00;
  s[n++] = 0x81;
  s[n++] = 0x10;
  memset (s + n, 0xFF, 16);
  n += 16;
  put32 (s + 20, n - 24);
  return n;
}

/* The code the reader announced for @tag, 0 when absent. */
static DWORD
feature (const BYTE *list, DWORD len, BYTE tag)
{
  for (DWORD i = 0; i + 6 <= len; i += 6)
    if (list[i] == tag && list[i + 1] == 4)
      return (DWORD) list[i + 2] << 24 | (DWORD) list[i + 3] << 16 | (DWORD) list[i + 4] << 8
             | list[i + 5];
  return 0;
}

/* The user types @typed (nothing: NULL), then VERIFY or CHANGE REFERENCE
 * DATA goes through the pad with @code. */
static void
pin_entry (SCARDHANDLE card, DWORD code, const char *what, const char *typed, gboolean change)
{
  BYTE s[64];
  DWORD n = change ? modify_structure (s, 0x03) : verify_structure (s, 8);

  if (typed != NULL)
    keypad (typed);
  control (card, what, code, s, n);
}

#define verify(card, code, what, typed) pin_entry (card, code, what, typed, FALSE)
#define modify(card, code, what, typed) pin_entry (card, code, what, typed, TRUE)

/* VERIFY without data: the tries left. Over T=1 only: at TPDU level with
 * T=0 libccid sends this case 1 APDU as a 4-byte TPDU, without the P3 00
 * of ISO 7816-3 §12.2.2 that scardbusd adds, and the card answers 67 00. */
static void
pin_status (SCARDHANDLE card, const SCARD_IO_REQUEST *pci)
{
  static const BYTE status[] = { 0x00, 0x20, 0x00, 0x81 };
  BYTE response[64];
  DWORD length = sizeof response;
  LONG rv;

  if (pci == SCARD_PCI_T0)
    return;
  rv = SCardTransmit (card, pci, status, sizeof status, NULL, response, &length);

  print_rv ("VERIFY status", rv);
  if (rv == SCARD_S_SUCCESS)
    print_bytes ("  response", response, length);
}

static void
malformed (SCARDHANDLE card, DWORD verify_code, DWORD modify_code)
{
  BYTE s[64];
  DWORD n;
  g_autofree BYTE *big = g_malloc0 (70000);

  n = verify_structure (s, 8);
  control (card, "VERIFY structure too short", verify_code, s, 20);
  put32 (s + 15, 14);
  control (card, "VERIFY ulDataLength too long", verify_code, s, n);
  put32 (s + 15, 12);
  control (card, "VERIFY ulDataLength too short", verify_code, s, n);
  put32 (s + 15, 0xFFFFFFFF);
  control (card, "VERIFY ulDataLength huge", verify_code, s, n);
  control (card, "VERIFY no data", verify_code, NULL, 0);
  n = modify_structure (s, 0x04);
  control (card, "MODIFY bNumberMessage 4", modify_code, s, n);
  control (card, "MODIFY structure too short", modify_code, s, 27);
  control (card, "VERIFY oversized", verify_code, big, 70000);
}

int
main (int argc, char **argv)
{
  SCARDCONTEXT context = 0;
  SCARDHANDLE card = 0;
  DWORD protocol = 0;
  BYTE list[256];
  DWORD list_len = 0;
  DWORD verify_code, modify_code;
  const SCARD_IO_REQUEST *pci;
  BYTE s[64];
  LONG rv;

  if (argc < 3)
    return 2;
  sim_path = argv[1];
  setvbuf (stdout, NULL, _IOLBF, 0);

  print_rv ("SCardEstablishContext",
            SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context));
  rv = SCardConnect (context, argv[2], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                     &card, &protocol);
  print_rv ("SCardConnect", rv);
  printf ("  protocol %lu\n", (unsigned long) protocol);
  pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;

  rv = SCardControl (card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, list, sizeof list, &list_len);
  print_rv ("CM_IOCTL_GET_FEATURE_REQUEST", rv);
  print_bytes ("  features", list, list_len);
  control (card, "FEATURE_GET_TLV_PROPERTIES", feature (list, list_len, FEATURE_GET_TLV_PROPERTIES),
           NULL, 0);
  /* libccid answers these whatever the list says. */
  control (card, "FEATURE_IFD_PIN_PROPERTIES", SCARD_CTL_CODE (0x330000 + 0x0a), NULL, 0);
  control (card, "FEATURE_GET_KEY_PRESSED", SCARD_CTL_CODE (0x330000 + 0x05), NULL, 0);
  control (card, "FEATURE_ABORT", SCARD_CTL_CODE (0x330000 + 0x0b), NULL, 0);

  verify_code = feature (list, list_len, FEATURE_VERIFY_PIN_DIRECT);
  modify_code = feature (list, list_len, FEATURE_MODIFY_PIN_DIRECT);
  if (verify_code == 0 || modify_code == 0)
    {
      /* No pad: the reader refuses PC_to_RDR_Secure. */
      verify_code = SCARD_CTL_CODE (0x330000 + FEATURE_VERIFY_PIN_DIRECT);
      modify_code = SCARD_CTL_CODE (0x330000 + FEATURE_MODIFY_PIN_DIRECT);
      control (card, "VERIFY without a pad", verify_code, s, verify_structure (s, 8));
      malformed (card, verify_code, modify_code);
    }
  else
    {
      verify (card, verify_code, "VERIFY right PIN", "1234");
      verify (card, verify_code, "VERIFY wrong PIN", "9999");
      pin_status (card, pci);
      verify (card, verify_code, "VERIFY cancelled", "cancel");
      verify (card, verify_code, "VERIFY timeout", NULL);
      verify (card, verify_code, "VERIFY too short", "12");
      verify (card, verify_code, "VERIFY too long", "123456789");
      pin_status (card, pci);
      verify (card, verify_code, "VERIFY right PIN again", "1234");
      modify (card, modify_code, "MODIFY", "1234 5678 5678");
      verify (card, verify_code, "VERIFY old PIN", "1234");
      verify (card, verify_code, "VERIFY new PIN", "5678");
      modify (card, modify_code, "MODIFY new PINs differ", "5678 1111 2222");
      modify (card, modify_code, "MODIFY cancelled", "5678 cancel");
      modify (card, modify_code, "MODIFY timeout", NULL);
      modify (card, modify_code, "MODIFY back", "5678 1234 1234");
      keypad ("1234");
      control (card, "VERIFY template too short for the PIN", verify_code, s,
               verify_structure (s, 4));
      malformed (card, verify_code, modify_code);
      verify (card, verify_code, "VERIFY after all that", "1234");
      pin_status (card, pci);
    }
  print_rv ("SCardDisconnect", SCardDisconnect (card, SCARD_UNPOWER_CARD));
  print_rv ("SCardReleaseContext", SCardReleaseContext (context));
  print_rv ("SCardIsValidContext", SCardIsValidContext (context));
  return 0;
}

/* test-abi.c: the WinSCard library's ABI, strings and local checks, compared
 * with Debian's libpcsclite.so.1 loaded in the same process
 *
 * Needs no bus: DBUS_SYSTEM_BUS_ADDRESS points nowhere.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <dlfcn.h>
#include <glib.h>
#include <stddef.h>
#include <string.h>
#include <winscard.h>
#include <reader.h>

static const char *library_path;        /* ours, from argv */
static const char *system_library_path; /* Debian's, from argv */
static void *system_library;

static const char *const expected_symbols[] = {
  "SCardBeginTransaction", "SCardCancel",          "SCardConnect",          "SCardControl",
  "SCardDisconnect",       "SCardEndTransaction",  "SCardEstablishContext", "SCardFreeMemory",
  "SCardGetAttrib",        "SCardGetStatusChange", "SCardIsValidContext",   "SCardListReaderGroups",
  "SCardListReaders",      "SCardReconnect",       "SCardReleaseContext",   "SCardSetAttrib",
  "SCardStatus",           "SCardTransmit",        "g_rgSCardRawPci",       "g_rgSCardT0Pci",
  "g_rgSCardT1Pci",        "pcsc_stringify_error",
};

/* name -> "TYPE SIZE" from nm -D --defined-only -S */
static GHashTable *
read_dynamic_symbols (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  const char *argv[] = { "nm", "-D", "--defined-only", "-S", path, NULL };
  GHashTable *symbols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      guint n = g_strv_length (fields);

      if (n == 4) /* address size type name */
        g_hash_table_insert (symbols, g_strdup (fields[3]),
                             g_strdup_printf ("%s %s", fields[2], fields[1]));
      else if (n == 3) /* address type name (no size) */
        g_hash_table_insert (symbols, g_strdup (fields[2]), g_strdup_printf ("%s -", fields[1]));
    }
  return symbols;
}

static void
test_exports (void)
{
  g_autoptr (GHashTable) ours = read_dynamic_symbols (library_path);
  g_autoptr (GHashTable) reference = read_dynamic_symbols (system_library_path);
  GHashTableIter iter;
  gpointer name;

  /* Exactly the 22, nothing else. */
  g_hash_table_iter_init (&iter, ours);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    {
      if (!g_strv_contains (expected_symbols, name))
        g_error ("unexpected export %s", (const char *) name);
    }
  g_assert_cmpuint (g_hash_table_size (ours), ==, G_N_ELEMENTS (expected_symbols));
  /* The same set as Debian's libpcsclite, with the same kinds, and the PCI
   * objects 16-byte data (pcsc_scan copy-relocates them). */
  g_assert_cmpuint (g_hash_table_size (reference), ==, G_N_ELEMENTS (expected_symbols));
  for (guint i = 0; i < G_N_ELEMENTS (expected_symbols); i++)
    {
      const char *our = g_hash_table_lookup (ours, expected_symbols[i]);
      const char *theirs = g_hash_table_lookup (reference, expected_symbols[i]);

      g_assert_nonnull (our);
      g_assert_nonnull (theirs);
      g_assert_cmpint (our[0], ==, theirs[0]);
      if (g_str_has_prefix (expected_symbols[i], "g_rgSCard"))
        g_assert_cmpstr (our, ==, "R 0000000000000010");
    }
}

static void
test_layout (void)
{
  /* LP64 pcsc-lite: DWORD and LONG are 8 bytes. */
  g_assert_cmpuint (sizeof (DWORD), ==, 8);
  g_assert_cmpuint (sizeof (LONG), ==, 8);
  g_assert_cmpuint (sizeof (SCARDCONTEXT), ==, 8);
  g_assert_cmpuint (sizeof (SCARDHANDLE), ==, 8);
  g_assert_cmpuint (sizeof (SCARD_READERSTATE), ==, 80);
  g_assert_cmpuint (offsetof (SCARD_READERSTATE, szReader), ==, 0);
  g_assert_cmpuint (offsetof (SCARD_READERSTATE, pvUserData), ==, 8);
  g_assert_cmpuint (offsetof (SCARD_READERSTATE, dwCurrentState), ==, 16);
  g_assert_cmpuint (offsetof (SCARD_READERSTATE, dwEventState), ==, 24);
  g_assert_cmpuint (offsetof (SCARD_READERSTATE, cbAtr), ==, 32);
  g_assert_cmpuint (offsetof (SCARD_READERSTATE, rgbAtr), ==, 40);
  g_assert_cmpuint (sizeof (SCARD_IO_REQUEST), ==, 16);
  g_assert_cmpuint (offsetof (SCARD_IO_REQUEST, dwProtocol), ==, 0);
  g_assert_cmpuint (offsetof (SCARD_IO_REQUEST, cbPciLength), ==, 8);
}

static void
test_pci (void)
{
  const SCARD_IO_REQUEST *their_t0 = dlsym (system_library, "g_rgSCardT0Pci");
  const SCARD_IO_REQUEST *their_t1 = dlsym (system_library, "g_rgSCardT1Pci");
  const SCARD_IO_REQUEST *their_raw = dlsym (system_library, "g_rgSCardRawPci");

  g_assert_nonnull (their_t0);
  g_assert_cmpmem (SCARD_PCI_T0, sizeof (SCARD_IO_REQUEST), their_t0, sizeof (SCARD_IO_REQUEST));
  g_assert_cmpmem (SCARD_PCI_T1, sizeof (SCARD_IO_REQUEST), their_t1, sizeof (SCARD_IO_REQUEST));
  g_assert_cmpmem (SCARD_PCI_RAW, sizeof (SCARD_IO_REQUEST), their_raw, sizeof (SCARD_IO_REQUEST));
  g_assert_cmpuint (g_rgSCardT0Pci.dwProtocol, ==, SCARD_PROTOCOL_T0);
  g_assert_cmpuint (g_rgSCardT1Pci.cbPciLength, ==, 16);
}

static void
test_stringify (void)
{
  const char *(*theirs) (LONG)
      = (const char *(*) (LONG)) dlsym (system_library, "pcsc_stringify_error");
  static const LONG extra[]
      = { 0, 1, -1, 0x12345, 0x7FFFFFFF, 0x80100000, 0x801000FF, 0x80100100, G_MAXLONG, G_MINLONG };

  g_assert_nonnull (theirs);
  g_assert_true (theirs != pcsc_stringify_error);
  /* Every SCARD_E_*, SCARD_F_* and SCARD_W_* value and their neighbours. */
  for (LONG code = 0x80100000; code <= 0x801000FF; code++)
    {
      g_autofree char *their_text = g_strdup (theirs (code));

      g_assert_cmpstr (pcsc_stringify_error (code), ==, their_text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    {
      g_autofree char *their_text = g_strdup (theirs (extra[i]));

      g_assert_cmpstr (pcsc_stringify_error (extra[i]), ==, their_text);
    }
  g_assert_cmpstr (pcsc_stringify_error (SCARD_E_NO_READERS_AVAILABLE), ==,
                   "Cannot find a smart card reader.");
}

/* The checks pcsc-lite's client makes before talking to pcscd: both
 * libraries, same arguments, same answers. */
typedef LONG (*ReleaseFn) (SCARDCONTEXT);
typedef LONG (*ListReadersFn) (SCARDCONTEXT, LPCSTR, LPSTR, LPDWORD);
typedef LONG (*ListGroupsFn) (SCARDCONTEXT, LPSTR, LPDWORD);
typedef LONG (*GetStatusChangeFn) (SCARDCONTEXT, DWORD, SCARD_READERSTATE *, DWORD);
typedef LONG (*ConnectFn) (SCARDCONTEXT, LPCSTR, DWORD, DWORD, LPSCARDHANDLE, LPDWORD);
typedef LONG (*ReconnectFn) (SCARDHANDLE, DWORD, DWORD, DWORD, LPDWORD);
typedef LONG (*DisconnectFn) (SCARDHANDLE, DWORD);
typedef LONG (*HandleFn) (SCARDHANDLE);
typedef LONG (*StatusFn) (SCARDHANDLE, LPSTR, LPDWORD, LPDWORD, LPDWORD, LPBYTE, LPDWORD);
typedef LONG (*TransmitFn) (SCARDHANDLE, const SCARD_IO_REQUEST *, LPCBYTE, DWORD,
                            SCARD_IO_REQUEST *, LPBYTE, LPDWORD);
typedef LONG (*ControlFn) (SCARDHANDLE, DWORD, LPCVOID, DWORD, LPVOID, DWORD, LPDWORD);
typedef LONG (*GetAttribFn) (SCARDHANDLE, DWORD, LPBYTE, LPDWORD);
typedef LONG (*SetAttribFn) (SCARDHANDLE, DWORD, LPCBYTE, DWORD);
typedef LONG (*FreeFn) (SCARDCONTEXT, LPCVOID);

#define THEIRS(type, name) ((type) dlsym (system_library, name))
#define SAME(ours, theirs) g_assert_cmphex ((gulong) (ours), ==, (gulong) (theirs))

static void
test_local_checks (void)
{
  const SCARDCONTEXT bad = 0x1234567;
  SCARD_READERSTATE states[PCSCLITE_MAX_READERS_CONTEXTS + 1] = { { 0 } };
  SCARD_READERSTATE null_name[1] = { { .szReader = NULL } };
  SCARD_READERSTATE ignored[1] = { { .szReader = "x", .dwCurrentState = SCARD_STATE_IGNORE } };
  BYTE buffer[300];
  DWORD length = sizeof buffer;
  DWORD length2 = sizeof buffer;
  DWORD protocol = 0;
  SCARDHANDLE card = 0;
  char long_name[MAX_READERNAME + 2];

  memset (long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    states[i].szReader = "x";

  SAME (SCardReleaseContext (bad), THEIRS (ReleaseFn, "SCardReleaseContext") (bad));
  SAME (SCardReleaseContext (0), THEIRS (ReleaseFn, "SCardReleaseContext") (0));
  SAME (SCardIsValidContext (bad), THEIRS (ReleaseFn, "SCardIsValidContext") (bad));
  SAME (SCardCancel (bad), THEIRS (ReleaseFn, "SCardCancel") (bad));
  SAME (SCardFreeMemory (bad, NULL), THEIRS (FreeFn, "SCardFreeMemory") (bad, NULL));
  SAME (SCardListReaders (bad, NULL, NULL, NULL),
        THEIRS (ListReadersFn, "SCardListReaders") (bad, NULL, NULL, NULL));
  SAME (SCardListReaders (bad, NULL, NULL, &length),
        THEIRS (ListReadersFn, "SCardListReaders") (bad, NULL, NULL, &length2));
  SAME (SCardListReaderGroups (bad, NULL, &length),
        THEIRS (ListGroupsFn, "SCardListReaderGroups") (bad, NULL, &length2));

  SAME (SCardGetStatusChange (bad, 0, NULL, 0),
        THEIRS (GetStatusChangeFn, "SCardGetStatusChange") (bad, 0, NULL, 0));
  SAME (SCardGetStatusChange (bad, 0, NULL, 1),
        THEIRS (GetStatusChangeFn, "SCardGetStatusChange") (bad, 0, NULL, 1));
  SAME (SCardGetStatusChange (bad, 0, states, G_N_ELEMENTS (states)),
        THEIRS (GetStatusChangeFn, "SCardGetStatusChange") (bad, 0, states, G_N_ELEMENTS (states)));
  SAME (SCardGetStatusChange (bad, 0, null_name, 1),
        THEIRS (GetStatusChangeFn, "SCardGetStatusChange") (bad, 0, null_name, 1));
  SAME (SCardGetStatusChange (bad, 0, ignored, 1),
        THEIRS (GetStatusChangeFn, "SCardGetStatusChange") (bad, 0, ignored, 1));
  SAME (SCardGetStatusChange (bad, 0, states, 1),
        THEIRS (GetStatusChangeFn, "SCardGetStatusChange") (bad, 0, states, 1));

  SAME (SCardConnect (bad, "x", SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, NULL, &protocol),
        THEIRS (ConnectFn, "SCardConnect") (bad, "x", SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, NULL,
                                            &protocol));
  SAME (SCardConnect (bad, NULL, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol),
        THEIRS (ConnectFn, "SCardConnect") (bad, NULL, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card,
                                            &protocol));
  SAME (SCardConnect (bad, long_name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol),
        THEIRS (ConnectFn, "SCardConnect") (bad, long_name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1,
                                            &card, &protocol));
  SAME (SCardConnect (bad, "x", SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol),
        THEIRS (ConnectFn, "SCardConnect") (bad, "x", SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card,
                                            &protocol));
  SAME (SCardReconnect (bad, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, NULL),
        THEIRS (ReconnectFn, "SCardReconnect") (bad, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1,
                                                SCARD_LEAVE_CARD, NULL));
  SAME (SCardReconnect (bad, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol),
        THEIRS (ReconnectFn, "SCardReconnect") (bad, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1,
                                                SCARD_LEAVE_CARD, &protocol));
  SAME (SCardDisconnect (bad, SCARD_LEAVE_CARD),
        THEIRS (DisconnectFn, "SCardDisconnect") (bad, SCARD_LEAVE_CARD));
  SAME (SCardDisconnect (0, SCARD_LEAVE_CARD),
        THEIRS (DisconnectFn, "SCardDisconnect") (0, SCARD_LEAVE_CARD));
  SAME (SCardBeginTransaction (bad), THEIRS (HandleFn, "SCardBeginTransaction") (bad));
  SAME (SCardEndTransaction (bad, SCARD_LEAVE_CARD),
        THEIRS (DisconnectFn, "SCardEndTransaction") (bad, SCARD_LEAVE_CARD));
  SAME (SCardStatus (bad, NULL, NULL, NULL, NULL, NULL, NULL),
        THEIRS (StatusFn, "SCardStatus") (bad, NULL, NULL, NULL, NULL, NULL, NULL));
  SAME (SCardTransmit (bad, SCARD_PCI_T1, buffer, 5, NULL, NULL, &length),
        THEIRS (TransmitFn, "SCardTransmit") (bad, SCARD_PCI_T1, buffer, 5, NULL, NULL, &length2));
  SAME (SCardTransmit (bad, NULL, buffer, 5, NULL, buffer, &length),
        THEIRS (TransmitFn, "SCardTransmit") (bad, NULL, buffer, 5, NULL, buffer, &length2));
  length = length2 = sizeof buffer;
  SAME (
      SCardTransmit (bad, SCARD_PCI_T1, buffer, 5, NULL, buffer, &length),
      THEIRS (TransmitFn, "SCardTransmit") (bad, SCARD_PCI_T1, buffer, 5, NULL, buffer, &length2));
  g_assert_cmpuint (length, ==, length2);
  SAME (SCardControl (bad, SCARD_CTL_CODE (1), buffer, 1, buffer, sizeof buffer, &length),
        THEIRS (ControlFn, "SCardControl") (bad, SCARD_CTL_CODE (1), buffer, 1, buffer,
                                            sizeof buffer, &length2));
  g_assert_cmpuint (length, ==, length2);
  SAME (SCardGetAttrib (bad, SCARD_ATTR_ATR_STRING, buffer, NULL),
        THEIRS (GetAttribFn, "SCardGetAttrib") (bad, SCARD_ATTR_ATR_STRING, buffer, NULL));
  length = length2 = SCARD_AUTOALLOCATE;
  SAME (SCardGetAttrib (bad, SCARD_ATTR_ATR_STRING, NULL, &length),
        THEIRS (GetAttribFn, "SCardGetAttrib") (bad, SCARD_ATTR_ATR_STRING, NULL, &length2));
  length = length2 = 10;
  SAME (SCardGetAttrib (bad, SCARD_ATTR_ATR_STRING, buffer, &length),
        THEIRS (GetAttribFn, "SCardGetAttrib") (bad, SCARD_ATTR_ATR_STRING, buffer, &length2));
  SAME (SCardSetAttrib (bad, SCARD_ATTR_ATR_STRING, NULL, 1),
        THEIRS (SetAttribFn, "SCardSetAttrib") (bad, SCARD_ATTR_ATR_STRING, NULL, 1));
  SAME (SCardSetAttrib (bad, SCARD_ATTR_ATR_STRING, buffer, 0),
        THEIRS (SetAttribFn, "SCardSetAttrib") (bad, SCARD_ATTR_ATR_STRING, buffer, 0));
  SAME (SCardSetAttrib (bad, SCARD_ATTR_ATR_STRING, buffer, 1),
        THEIRS (SetAttribFn, "SCardSetAttrib") (bad, SCARD_ATTR_ATR_STRING, buffer, 1));
}

static void
test_no_service (void)
{
  SCARDCONTEXT context = 1;
  gint64 start = g_get_monotonic_time ();

  /* No bus at all: at once, and the context is left 0 as pcsc-lite does
   * only after its own check, which comes later. */
  g_assert_cmphex (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context), ==,
                   SCARD_E_NO_SERVICE);
  g_assert_cmphex (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, NULL), ==,
                   SCARD_E_NO_SERVICE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmphex (SCardIsValidContext (context), ==, SCARD_E_INVALID_HANDLE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3)
    g_error ("usage: %s OUR-LIBPCSCLITE SYSTEM-LIBPCSCLITE", argv[0]);
  library_path = argv[1];
  system_library_path = argv[2];
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/scardbus-test", TRUE);
  /* By path, so the dynamic linker loads it beside ours (same soname). */
  system_library = dlopen (system_library_path, RTLD_NOW | RTLD_LOCAL);
  if (system_library == NULL)
    g_error ("%s", dlerror ());

  g_test_add_func ("/winscard/abi/exports", test_exports);
  g_test_add_func ("/winscard/abi/layout", test_layout);
  g_test_add_func ("/winscard/abi/pci", test_pci);
  g_test_add_func ("/winscard/abi/stringify", test_stringify);
  g_test_add_func ("/winscard/abi/local-checks", test_local_checks);
  g_test_add_func ("/winscard/abi/no-service", test_no_service);
  return g_test_run ();
}

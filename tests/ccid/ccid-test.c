/* ccid-test.c: what the device-layer tests share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

gboolean
ccid_test_expire (gpointer expired)
{
  *(gboolean *) expired = TRUE;
  return G_SOURCE_REMOVE;
}

typedef struct
{
  gboolean done;
  GBytes *response;
  GError *error;
} Answer;

static void
on_answer (CcidSlot *slot, GBytes *response, const GError *error, gpointer data)
{
  Answer *answer = data;

  answer->done = TRUE;
  answer->response = response != NULL ? g_bytes_ref (response) : NULL;
  answer->error = error != NULL ? g_error_copy (error) : NULL;
}

GBytes *
ccid_test_transmit (CcidSlot *slot, guint8 nad, GBytes *apdu, guint timeout_ms, GError **error)
{
  Answer answer = { 0 };

  ccid_slot_transmit (slot, nad, apdu, on_answer, &answer);
  WAIT_FOR (answer.done, timeout_ms);
  if (answer.error != NULL)
    g_propagate_error (error, answer.error);
  return answer.response;
}

void
ccid_test_reexec_under_preload (char **argv)
{
  g_autofree char *maps = NULL;
  const char *old = g_getenv ("LD_PRELOAD");
  g_autofree char *preload = NULL;

  if (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL)
      && strstr (maps, "libumockdev-preload") != NULL)
    return;
  if (g_getenv ("CCID_TEST_REEXECED") != NULL)
    {
      g_printerr ("libumockdev-preload.so does not load\n");
      exit (77);
    }
  preload = old != NULL && *old != '\0' ? g_strconcat ("libumockdev-preload.so.0:", old, NULL)
                                        : g_strdup ("libumockdev-preload.so.0");
  g_setenv ("LD_PRELOAD", preload, TRUE);
  g_setenv ("CCID_TEST_REEXECED", "1", TRUE);
  execv ("/proc/self/exe", argv);
  g_printerr ("execv: %s\n", g_strerror (errno));
  exit (1);
}

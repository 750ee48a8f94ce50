/* ccid-test.c: what the device-layer tests share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-test.h"

gboolean
ccid_test_expire (gpointer expired)
{
  *(gboolean *) expired = TRUE;
  return G_SOURCE_REMOVE;
}

typedef struct {
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

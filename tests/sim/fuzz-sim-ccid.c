/* fuzz-sim-ccid.c: the emulator's CCID command parser under libFuzzer
 *
 * Input: byte 0 picks the reader model, byte 1 the card, then messages,
 * each prefixed by its length (2 bytes, big endian). Every answer must be a
 * well-formed CCID message no longer than dwMaxCCIDMessageLength.
 *
 * The seeds in corpus/ccid are real commands: sessions of pcscd + libccid
 * and of scardbusd captured with SCARDBUS_SIM_TRACE (pcscd-*, scardbusd-*),
 * and hand-written ones for chaining, MEP and malformed messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdlib.h>

#include "sim-reader.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *const models[]
    = { "tpdu", "short-apdu", "extended-apdu", "multislot", "no-interrupt" };

static void
check_answer (GBytes *answer, const SimModel *model)
{
  gsize size;
  const guint8 *a = g_bytes_get_data (answer, &size);
  guint32 dw;

  if (size < 10)
    abort ();
  dw = (guint32) a[1] | (guint32) a[2] << 8 | (guint32) a[3] << 16 | (guint32) a[4] << 24;
  if (dw != size - 10 || size > model->max_message || a[0] < 0x80 || a[0] > 0x84)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const SimModel *model;
  g_autoptr (SimReader) reader = NULL;
  GQueue answers = G_QUEUE_INIT;
  GBytes *answer;
  size_t pos = 2;

  if (size < 2)
    return 0;
  model = sim_model_lookup (models[data[0] % G_N_ELEMENTS (models)]);
  reader = sim_reader_new (model);
  if (data[1] % 5 < SIM_CARD_N)
    sim_reader_insert (reader, 0, (SimCardKind) (data[1] % 5), NULL);
  if (data[1] & 0x80)
    sim_reader_add_fault (reader, 0, (SimFault) ((data[1] >> 3) % SIM_FAULT_N), 1, NULL);

  while (pos + 2 <= size)
    {
      size_t len = (size_t) data[pos] << 8 | data[pos + 1];

      pos += 2;
      if (len > size - pos)
        len = size - pos;
      if (!sim_reader_command (reader, data + pos, len, &answers))
        break;
      pos += len;
      while ((answer = g_queue_pop_head (&answers)) != NULL)
        {
          check_answer (answer, model);
          g_bytes_unref (answer);
        }
      while ((answer = sim_reader_pop_interrupt (reader)) != NULL)
        g_bytes_unref (answer);
    }
  g_queue_clear_full (&answers, (GDestroyNotify) g_bytes_unref);
  return 0;
}

/* bench-usb.c: the floor, a bare libusb XfrBlock loop against the sim
 *
 *   bench-usb --model tpdu|short-apdu|extended-apdu --size 5|261|4096 --count N [--index I]
 *
 * Run under the umockdev preload with the sim's UMOCKDEV_DIR (bench.py
 * does it) while no host holds the reader. It claims the reader, powers
 * the card, and sends APDUs with libusb's synchronous API, doing the least
 * a host can: on a TPDU reader its own T=1 (IFSD 254 asked once, chaining
 * both ways, no error recovery: an error ends the run), on an APDU reader
 * the whole APDU, with CCID chaining (wLevelParameter) past the reader's
 * dwMaxCCIDMessageLength. Prints one JSON object (bench-common.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-common.h"

#include <gio/gio.h>
#include <libusb.h>
#include <stdio.h>
#include <string.h>

#define EP_BULK_OUT 0x01
#define EP_BULK_IN 0x82
#define MAX_MESSAGE 271 /* the sim's dwMaxCCIDMessageLength */
#define CHUNK (MAX_MESSAGE - 10)
#define IN_BUFFER 512 /* dwMaxCCIDMessageLength in whole packets, as scardbusd */
#define TIMEOUT_MS 5000
#define T1_IFSC 0x80 /* the sim's t1 card (its ATR's TA3) */
#define T1_IFSD 254

typedef struct
{
  const char *name;
  guint16 vid, pid;
  gboolean tpdu;
} Model;

static const Model models[] = {
  { "tpdu", 0x08E6, 0x3437, TRUE },
  { "short-apdu", 0x04E6, 0x5116, FALSE },
  { "extended-apdu", 0x046A, 0x003E, FALSE },
};

typedef struct
{
  libusb_device_handle *handle;
  guint8 seq;
  guint8 in[IN_BUFFER];
  gsize in_len;
  guint8 ns;      /* T=1: our next N(S) */
  guint8 card_ns; /* T=1: the card's next N(S) */
} Floor;

static gboolean
fail (GError **error, const char *what, int r)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
               r < 0 ? libusb_error_name (r) : "unexpected answer");
  return FALSE;
}

/* One CCID command and its answer (time extensions waited out). */
static gboolean
ccid (Floor *f, guint8 type, guint8 b7, guint16 level, const guint8 *data, gsize len,
      GError **error)
{
  guint8 out[10 + 65536];
  int done = 0;
  int r;

  out[0] = type;
  out[1] = (guint8) len;
  out[2] = (guint8) (len >> 8);
  out[3] = (guint8) (len >> 16);
  out[4] = 0;
  out[5] = 0;
  out[6] = ++f->seq;
  out[7] = b7;
  out[8] = (guint8) level;
  out[9] = (guint8) (level >> 8);
  if (len > 0)
    memcpy (out + 10, data, len);
  r = libusb_bulk_transfer (f->handle, EP_BULK_OUT, out, (int) (10 + len), &done, TIMEOUT_MS);
  if (r < 0 || done != (int) (10 + len))
    return fail (error, "bulk OUT", r);
  for (;;)
    {
      guint32 dw;

      r = libusb_bulk_transfer (f->handle, EP_BULK_IN, f->in, sizeof f->in, &done, TIMEOUT_MS);
      if (r < 0 || done < 10 || f->in[6] != f->seq)
        return fail (error, "bulk IN", r);
      dw = (guint32) f->in[1] | (guint32) f->in[2] << 8 | (guint32) f->in[3] << 16
           | (guint32) f->in[4] << 24;
      if (dw > (guint32) done - 10)
        return fail (error, "dwLength past what arrived", 0);
      if ((f->in[7] & 0xC0) == 0x80)
        continue; /* CCID 1.1 §6.2.6: time extension */
      if ((f->in[7] & 0xC0) != 0)
        return fail (error, "command failed", 0);
      f->in_len = dw;
      return TRUE;
    }
}

static guint8
lrc (const guint8 *b, gsize len)
{
  guint8 x = 0;

  for (gsize i = 0; i < len; i++)
    x ^= b[i];
  return x;
}

/* Sends one T=1 block (NAD 0) and leaves the card's block in f->in + 10. */
static gboolean
t1_block (Floor *f, guint8 pcb, const guint8 *inf, gsize len, GError **error)
{
  guint8 block[3 + 254 + 1] = { 0x00, pcb, (guint8) len };

  if (len > 0)
    memcpy (block + 3, inf, len);
  block[3 + len] = lrc (block, 3 + len);
  if (!ccid (f, 0x6F, 0, 0, block, 4 + len, error))
    return FALSE;
  if (f->in_len < 4 || f->in_len != (gsize) f->in[10 + 2] + 4 || lrc (f->in + 10, f->in_len) != 0)
    return fail (error, "T=1 block", 0);
  return TRUE;
}

static gboolean
t1_transmit (Floor *f, const guint8 *apdu, gsize len, GByteArray *answer, GError **error)
{
  gsize off = 0;
  guint8 pcb;

  /* ISO 7816-3 §11.6.2.3: chain our I-blocks, each acknowledged by R(N(S)+1) */
  for (;;)
    {
      gsize n = MIN (len - off, (gsize) T1_IFSC);
      gboolean more = off + n < len;

      if (!t1_block (f, (guint8) (f->ns << 6 | (more ? 0x20 : 0)), apdu + off, n, error))
        return FALSE;
      f->ns ^= 1;
      off += n;
      pcb = f->in[10 + 1];
      if (!more)
        break;
      if ((pcb & 0xC0) != 0x80 || ((pcb >> 4) & 1) != f->ns)
        return fail (error, "T=1 chain not acknowledged", 0);
    }
  /* The card's answer, chained when longer than our IFSD. */
  for (;;)
    {
      if ((pcb & 0x80) != 0 || ((pcb >> 6) & 1) != f->card_ns)
        return fail (error, "T=1 answer is not the expected I-block", 0);
      g_byte_array_append (answer, f->in + 10 + 3, f->in[10 + 2]);
      f->card_ns ^= 1;
      if (!(pcb & 0x20))
        return TRUE;
      if (!t1_block (f, (guint8) (0x80 | f->card_ns << 4), NULL, 0, error))
        return FALSE;
      pcb = f->in[10 + 1];
    }
}

/* CCID 1.1 §6.1.4: APDU level, wLevelParameter chaining both ways. */
static gboolean
apdu_transmit (Floor *f, const guint8 *apdu, gsize len, GByteArray *answer, GError **error)
{
  gsize off = 0;
  guint8 chain;

  if (len <= CHUNK)
    {
      if (!ccid (f, 0x6F, 0, 0, apdu, len, error))
        return FALSE;
    }
  else
    while (off < len)
      {
        gsize n = MIN (len - off, (gsize) CHUNK);
        guint16 level = off == 0 ? 0x0001 : (off + n < len ? 0x0003 : 0x0002);

        if (!ccid (f, 0x6F, 0, level, apdu + off, n, error))
          return FALSE;
        off += n;
      }
  for (;;)
    {
      g_byte_array_append (answer, f->in + 10, (guint) f->in_len);
      chain = f->in[9];
      if (chain != 0x01 && chain != 0x03)
        return TRUE;
      if (!ccid (f, 0x6F, 0, 0x0010, NULL, 0, error))
        return FALSE;
    }
}

static gboolean
run (const Model *model, BenchApdu kind, guint count, guint index, GError **error)
{
  g_autoptr (GBytes) apdu = NULL;
  g_autoptr (BenchProbe) probe = NULL;
  g_autoptr (GByteArray) answer = g_byte_array_new ();
  g_autofree Floor *f = g_new0 (Floor, 1);
  libusb_context *usb = NULL;
  BenchLatencies lat;
  guint64 usb_before[5], usb_after[5];
  gboolean have_usb = FALSE;
  gsize apdu_len, answer_len;
  const guint8 *bytes;
  gint64 t0 = 0, t_end = 0;
  int pids[1] = { 0 };
  gboolean ok = FALSE;
  int r;

  apdu = bench_apdu_build (kind, &answer_len);
  bytes = g_bytes_get_data (apdu, &apdu_len);
  if ((r = libusb_init (&usb)) < 0)
    return fail (error, "libusb_init", r);
  f->handle = libusb_open_device_with_vid_pid (usb, model->vid, model->pid);
  if (f->handle == NULL)
    {
      libusb_exit (usb);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "no %04x:%04x reader (is the preload on?)", model->vid, model->pid);
      return FALSE;
    }
  bench_latencies_init (&lat);
  if ((r = libusb_claim_interface (f->handle, 0)) < 0)
    {
      fail (error, "claim", r);
      goto out;
    }
  if (!ccid (f, 0x62, 0, 0, NULL, 0, error)) /* IccPowerOn, automatic voltage */
    goto out;
  if (model->tpdu)
    {
      guint8 ifsd = T1_IFSD;

      if (!t1_block (f, 0xC1, &ifsd, 1, error)) /* S(IFS request) */
        goto out;
    }
  /* One APDU to check the answer, then the loop. */
  if (!(model->tpdu ? t1_transmit : apdu_transmit) (f, bytes, apdu_len, answer, error))
    goto out;
  if (answer->len != answer_len || answer->data[answer->len - 2] != 0x90)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "unexpected answer (%u bytes)",
                   answer->len);
      goto out;
    }
  probe = bench_probe_new (pids, 1);
  have_usb = bench_sim_usb_stats (index, usb_before, NULL);
  bench_probe_start (probe);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < count; i++)
    {
      gint64 t = g_get_monotonic_time ();

      g_byte_array_set_size (answer, 0);
      if (!(model->tpdu ? t1_transmit : apdu_transmit) (f, bytes, apdu_len, answer, error))
        goto out;
      bench_latencies_add (&lat, (double) (g_get_monotonic_time () - t));
    }
  t_end = g_get_monotonic_time ();
  bench_probe_stop (probe);
  have_usb = have_usb && bench_sim_usb_stats (index, usb_after, NULL);
  {
    BenchJson j;

    bench_json_begin (&j);
    bench_json_string (&j, "path", "libusb");
    bench_json_transmit (&j, count, (double) (t_end - t0) / G_USEC_PER_SEC, &lat, probe, 1,
                         usb_before, usb_after, have_usb);
    bench_json_end (&j);
  }
  ok = TRUE;
out:
  bench_latencies_clear (&lat);
  libusb_release_interface (f->handle, 0);
  libusb_close (f->handle);
  libusb_exit (usb);
  return ok;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- the bare libusb XfrBlock floor");
  g_autoptr (GError) error = NULL;
  g_autofree char *model_name = NULL;
  g_autofree char *size = NULL;
  int count = 1000, index = 0;
  const Model *model = NULL;
  BenchApdu kind;
  GOptionEntry entries[]
      = { { "model", 0, 0, G_OPTION_ARG_STRING, &model_name, "tpdu, short-apdu or extended-apdu",
            "MODEL" },
          { "size", 0, 0, G_OPTION_ARG_STRING, &size, "APDU size: 5, 261 or 4096", "BYTES" },
          { "count", 0, 0, G_OPTION_ARG_INT, &count, "APDUs to time", "N" },
          { "index", 0, 0, G_OPTION_ARG_INT, &index,
            "the reader's index in the sim, for its USB counters", "I" },
          { NULL } };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-usb: %s\n", error->message);
      return 2;
    }
  for (gsize i = 0; model_name != NULL && i < G_N_ELEMENTS (models); i++)
    if (g_str_equal (models[i].name, model_name))
      model = &models[i];
  if (model == NULL || size == NULL || !bench_apdu_parse (size, &kind) || count < 1 || index < 0)
    {
      g_printerr ("bench-usb: give --model, --size and a positive --count\n");
      return 2;
    }
  if (!run (model, kind, (guint) count, (guint) index, &error))
    {
      g_printerr ("bench-usb: %s\n", error->message);
      return 1;
    }
  return 0;
}

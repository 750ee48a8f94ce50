/* scb-apdu-log.c: the APDU log, without secrets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "scb-apdu-log.h"
#include "scb-log.h"

#include <string.h>

/* ---- logging ---------------------------------------------------------------- */

/* LogApduData=: APDU data in the debug log, secrets excepted. */
static gboolean log_data;

void
scb_apdu_log_set_data (gboolean on)
{
  log_data = on;
}

gboolean
scb_apdu_log_get_data (void)
{
  return log_data;
}

/* INS codes whose command data or answer data may carry a PIN, a key, a
 * cryptogram, a challenge or a deciphered secret: the data of neither is
 * ever logged. Matched in every class (a proprietary class reuses them:
 * GlobalPlatform's 80/84, PC/SC part 3's FF). scardbusd(8) lists them with
 * their sources. */
static gboolean
ins_is_secret (guint8 ins)
{
  switch (ins)
    {
    case 0x20: /* VERIFY: a PIN (ISO 7816-4 §11.5.6) */
    case 0x21: /* VERIFY, BER-TLV data */
    case 0x24: /* CHANGE REFERENCE DATA: old and new PIN (§11.5.7) */
    case 0x25:
    case 0x26: /* DISABLE VERIFICATION REQUIREMENT: a PIN (§11.5.9) */
    case 0x27:
    case 0x28: /* ENABLE VERIFICATION REQUIREMENT: a PIN (§11.5.8) */
    case 0x29:
    case 0x2A: /* PERFORM SECURITY OPERATION: plaintext in, deciphered keys out
                * (ISO 7816-8, OpenPGP card PSO:DECIPHER) */
    case 0x2B:
    case 0x2C: /* RESET RETRY COUNTER: resetting code or PUK and a new PIN (§11.5.10) */
    case 0x2D:
    case 0x46: /* GENERATE ASYMMETRIC KEY PAIR (ISO 7816-8; 47 in OpenPGP card, PIV) */
    case 0x47:
    case 0x50: /* INITIALIZE UPDATE: host and card challenges, card cryptogram (GP) */
    case 0x82: /* EXTERNAL / MUTUAL AUTHENTICATE: cryptograms (§11.5.4, GP);
                * PC/SC part 3 LOAD KEYS (CLA FF): contactless keys */
    case 0x83:
    case 0x84: /* GET CHALLENGE: the challenge of an authentication (§11.5.3) */
    case 0x85:
    case 0x86: /* GENERAL AUTHENTICATE: witnesses, ECDH secrets (§11.5.5, PIV) */
    case 0x87:
    case 0x88: /* INTERNAL AUTHENTICATE: challenge and response (§11.5.2) */
    case 0x89:
    case 0xC0: /* GET RESPONSE: the rest of any answer, secret ones included */
    case 0xC2: /* ENVELOPE: any command inside, VERIFY included */
    case 0xC3:
    case 0xD8: /* PUT KEY: keys (GlobalPlatform) */
    case 0xDA: /* PUT DATA: OpenPGP card keys, resetting code, private DOs */
    case 0xDB: /* PUT DATA, odd: OpenPGP card private key import */
    case 0xE2: /* STORE DATA: personalization data, keys (GlobalPlatform) */
    case 0xFE: /* IMPORT ASYMMETRIC KEY (Yubico's PIV extension) */
    case 0xFF: /* SET MANAGEMENT KEY (Yubico's PIV extension) */
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
scb_apdu_is_secret (GBytes *apdu)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (apdu, &len);

  return len >= 2 && ins_is_secret (data[1]);
}

static void
append_hex (GString *out, const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, i == 0 ? "%02X" : " %02X", data[i]);
}

typedef struct
{
  gsize lc;     /* bytes of command data */
  gsize offset; /* where they start */
  gsize le;
  gboolean has_le;
} ApduLengths;

/* ISO 7816-4 §5.1: Lc and Le of a short or extended command of @len >= 4
 * bytes; FALSE for an APDU of no case. */
static gboolean
parse_lengths (const guint8 *data, gsize len, ApduLengths *out)
{
  gsize b4 = len > 4 ? data[4] : 0;
  gsize ext = len > 6 ? (gsize) (data[5] << 8 | data[6]) : 0;

  memset (out, 0, sizeof *out);
  if (len == 4)
    return TRUE;
  if (len == 5)
    {
      out->le = b4 == 0 ? 256 : b4;
      out->has_le = TRUE;
      return TRUE;
    }
  if (b4 != 0 && (len == 5 + b4 || len == 6 + b4))
    {
      out->lc = b4;
      out->offset = 5;
      out->has_le = len == 6 + b4;
      if (out->has_le)
        out->le = data[len - 1] == 0 ? 256 : data[len - 1];
      return TRUE;
    }
  if (b4 == 0 && len == 7)
    {
      out->le = ext == 0 ? 65536 : ext;
      out->has_le = TRUE;
      return TRUE;
    }
  if (b4 == 0 && ext != 0 && (len == 7 + ext || len == 9 + ext))
    {
      out->lc = ext;
      out->offset = 7;
      out->has_le = len == 9 + ext;
      if (out->has_le)
        {
          out->le = (gsize) (data[len - 2] << 8 | data[len - 1]);
          out->le = out->le == 0 ? 65536 : out->le;
        }
      return TRUE;
    }
  return FALSE;
}

/* At most this much data is shown, when it is shown at all. */
#define LOG_DATA_MAX 64

/* ": XX XX ... (N more bytes)", the data part of a log line. */
static void
append_data (GString *out, const guint8 *data, gsize len)
{
  g_string_append (out, ": ");
  append_hex (out, data, MIN (len, LOG_DATA_MAX));
  if (len > LOG_DATA_MAX)
    g_string_append_printf (out, " (%" G_GSIZE_FORMAT " more bytes)", len - LOG_DATA_MAX);
}

void
scb_apdu_log_command (const char *label, guint8 nad, GBytes *apdu, gboolean secret)
{
  g_autoptr (GString) text = NULL;
  ApduLengths lengths;
  gsize len = 0;
  const guint8 *data;

  /* On every APDU: formatting a message nobody reads was a quarter of the
   * daemon's instructions per APDU. */
  if (!scb_log_enabled (G_LOG_LEVEL_DEBUG))
    return;
  data = g_bytes_get_data (apdu, &len);
  text = g_string_new (NULL);
  if (len < 4)
    g_string_append_printf (text, "%" G_GSIZE_FORMAT " bytes", len);
  else
    {
      append_hex (text, data, 4);
      if (!parse_lengths (data, len, &lengths))
        {
          /* No case: all past the header counts as data. */
          g_string_append_printf (text, ", %" G_GSIZE_FORMAT " bytes", len);
          lengths.lc = len - 4;
          lengths.offset = 4;
        }
      else
        {
          if (lengths.lc > 0)
            g_string_append_printf (text, ", Lc %" G_GSIZE_FORMAT, lengths.lc);
          if (lengths.has_le)
            g_string_append_printf (text, ", Le %" G_GSIZE_FORMAT, lengths.le);
        }
      if (lengths.lc > 0 && secret)
        g_string_append (text, " (data not logged: may hold a secret)");
      else if (lengths.lc > 0 && log_data)
        append_data (text, data + lengths.offset, lengths.lc);
    }
  g_debug ("%s -> NAD %02X: %s", label, nad, text->str);
}

void
scb_apdu_log_response (const char *label, guint8 nad, GBytes *response, gboolean secret)
{
  g_autoptr (GString) text = NULL;
  gsize len = 0;
  const guint8 *data;

  if (!scb_log_enabled (G_LOG_LEVEL_DEBUG))
    return;
  data = g_bytes_get_data (response, &len);
  text = g_string_new (NULL);
  if (len < 2)
    g_string_append_printf (text, "%" G_GSIZE_FORMAT " bytes", len);
  else
    {
      g_string_append_printf (text, "SW %02X %02X", data[len - 2], data[len - 1]);
      if (len > 2)
        g_string_append_printf (text, ", %" G_GSIZE_FORMAT " bytes of data", len - 2);
      if (len > 2 && secret)
        g_string_append (text, " (not logged: may hold a secret)");
      else if (len > 2 && log_data)
        append_data (text, data, len - 2);
    }
  g_debug ("%s <- NAD %02X: %s", label, nad, text->str);
}

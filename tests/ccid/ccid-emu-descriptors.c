/* ccid-emu-descriptors.c: the emulated reader's USB descriptors and
 * control requests (test helper, see ccid-emu.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ccid-emu-private.h"

#include <errno.h>
#include <linux/usb/ch9.h>
#include <string.h>

static const char *strings[] = { NULL, "Gemalto", "PC Twin Reader" };

void
ccid_emu_descriptors (CcidEmuLevel level, gboolean interrupt, guint8 *dev, guint8 *cfg,
                      gsize *cfg_len)
{
  static const guint8 d[18] = { 0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0xE6,
                                0x08, 0x37, 0x34, 0x01, 0x02, 0x01, 0x02, 0x00, 0x01 };
  guint8 ccid[54] = {
    0x36, 0x21, 0x10, 0x01, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00, 0xA0, 0x0F, 0x00, 0x00,
    0xA0, 0x0F, 0x00, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x00, 0x16, 0x40, 0x05, 0x00, 0x00,
    0xFE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xBA, 0x00,
    0x02, 0x00, 0x0F, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01,
  };
  guint n_eps = interrupt ? 3 : 2;
  gsize n = 0;

  if (level != CCID_EMU_SHORT_APDU)
    {
      ccid[40] = 0x30; /* auto clock and baud only */
      ccid[41] = 0x02;
      ccid[42] = 0x01; /* TPDU level */
    }
  memcpy (dev, d, sizeof d);
  *cfg_len = 9 + 9 + 54 + 7 * n_eps;
  cfg[n++] = 0x09;
  cfg[n++] = 0x02;
  cfg[n++] = (guint8) *cfg_len;
  cfg[n++] = 0;
  cfg[n++] = 0x01;
  cfg[n++] = 0x01;
  cfg[n++] = 0x00;
  cfg[n++] = 0x80;
  cfg[n++] = 0x32;
  cfg[n++] = 0x09;
  cfg[n++] = 0x04;
  cfg[n++] = 0;
  cfg[n++] = 0;
  cfg[n++] = (guint8) n_eps;
  cfg[n++] = 0x0B;
  cfg[n++] = 0;
  cfg[n++] = 0;
  cfg[n++] = 0;
  memcpy (cfg + n, ccid, sizeof ccid);
  n += sizeof ccid;
  memcpy (cfg + n, (const guint8[]){ 7, 5, EP_OUT, 2, 0x40, 0, 0 }, 7);
  n += 7;
  memcpy (cfg + n, (const guint8[]){ 7, 5, EP_IN, 2, 0x40, 0, 0 }, 7);
  n += 7;
  if (interrupt)
    memcpy (cfg + n, (const guint8[]){ 7, 5, EP_INT, 3, 8, 0, 0x10 }, 7);
}

int
ccid_emu_control (CcidEmuLevel level, gboolean interrupt, const guint8 *setup, guint8 *data,
                  int maxlen)
{
  guint8 rt = setup[0], req = setup[1];
  guint16 wv = (guint16) (setup[2] | setup[3] << 8), wl = (guint16) (setup[6] | setup[7] << 8);
  guint8 tmp[256];
  guint8 dev[18], cfg[128];
  gsize cfg_len;
  int n = -1;

  ccid_emu_descriptors (level, interrupt, dev, cfg, &cfg_len);
  if (rt == 0x80 && req == USB_REQ_GET_DESCRIPTOR)
    {
      switch (wv >> 8)
        {
        case USB_DT_DEVICE:
          memcpy (tmp, dev, (gsize) (n = 18));
          break;
        case USB_DT_CONFIG:
          memcpy (tmp, cfg, cfg_len);
          n = (int) cfg_len;
          break;
        case USB_DT_STRING:
          if ((wv & 0xff) == 0)
            memcpy (tmp, (const guint8[]){ 4, 3, 0x09, 0x04 }, n = 4);
          else if ((wv & 0xff) < G_N_ELEMENTS (strings))
            {
              const char *str = strings[wv & 0xff];

              n = 2;
              for (; *str && n < 254; str++)
                {
                  tmp[n++] = (guint8) *str;
                  tmp[n++] = 0;
                }
              tmp[0] = (guint8) n;
              tmp[1] = 3;
            }
          break;
        default:
          break;
        }
    }
  else if ((rt & 0x60) == 0x20)
    return 0; /* class requests (ABORT): accepted */
  else if ((rt & 0x80) == 0)
    return 0;
  if (n < 0)
    return -EPIPE;
  n = MIN (n, MIN ((int) wl, maxlen));
  memcpy (data, tmp, (gsize) n);
  return n;
}

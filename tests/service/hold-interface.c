/* hold-interface.c VID:PID: claims interface 0 of that USB device and holds
 * it until killed, as another CCID driver (pcscd, scdaemon's own) would.
 * Prints "held" once it has the interface.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  libusb_context *ctx = NULL;
  libusb_device_handle *handle;
  unsigned vid, pid;
  int r;

  if (argc != 2 || sscanf (argv[1], "%4x:%4x", &vid, &pid) != 2)
    {
      fprintf (stderr, "usage: hold-interface VID:PID\n");
      return 2;
    }
  if (libusb_init (&ctx) < 0)
    return 1;
  handle = libusb_open_device_with_vid_pid (ctx, (uint16_t) vid, (uint16_t) pid);
  if (handle == NULL)
    {
      fprintf (stderr, "hold-interface: no %04x:%04x\n", vid, pid);
      return 1;
    }
  r = libusb_claim_interface (handle, 0);
  if (r < 0)
    {
      fprintf (stderr, "hold-interface: claim: %s\n", libusb_error_name (r));
      return 1;
    }
  printf ("held\n");
  fflush (stdout);
  for (;;)
    pause ();
}

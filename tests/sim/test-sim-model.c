/* test-sim-model.c: reader models from libccid's descriptions and the fixture
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sim-model.h"

/* The first interface of libccid's readers/ACS_ACR1252_Dual_Reader.txt, as
 * its parse tool prints it: a fact about the hardware. */
static const char acr1252_description[]
    = " idVendor: 0x072F\n"
      "  iManufacturer: ACS\n"
      " idProduct: 0x223B\n"
      "  iProduct: ACR1252 Dual Reader\n"
      " bcdDevice: 1.00 (firmware release?)\n"
      " bLength: 9\n"
      " bDescriptorType: 4\n"
      " bInterfaceNumber: 0\n"
      " bAlternateSetting: 0\n"
      " bNumEndpoints: 3\n"
      "  bulk-IN, bulk-OUT and Interrupt-IN\n"
      " bInterfaceClass: 0x0B [Chip Card Interface Device Class (CCID)]\n"
      " bInterfaceSubClass: 0\n"
      " bInterfaceProtocol: 0\n"
      "  bulk transfer, optional interrupt-IN (CCID)\n"
      " iInterface: ACR1252 Dual Reader PICC\n"
      " CCID Class Descriptor\n"
      "  bLength: 0x36\n"
      "  bDescriptorType: 0x21\n"
      "  bcdCCID: 1.00\n"
      "  bMaxSlotIndex: 0x00\n"
      "  bVoltageSupport: 0x07\n"
      "   5.0V\n"
      "   3.0V\n"
      "   1.8V\n"
      "  dwProtocols: 0x0000 0x0002\n"
      "   T=1\n"
      "  dwDefaultClock: 4.000 MHz\n"
      "  dwMaximumClock: 4.000 MHz\n"
      "  bNumClockSupported: 0 (will use whatever is returned)\n"
      "   IFD does not support GET CLOCK FREQUENCIES request: Success\n"
      "  dwDataRate: 10752 bps\n"
      "  dwMaxDataRate: 250000 bps\n"
      "  bNumDataRatesSupported: 0 (will use whatever is returned)\n"
      "   IFD does not support GET_DATA_RATES request: Success\n"
      "  dwMaxIFSD: 254\n"
      "  dwSynchProtocols: 0x00000000\n"
      "  dwMechanical: 0x00000000\n"
      "   No special characteristics\n"
      "  dwFeatures: 0x00040040\n"
      "   ....40 Automatic parameters negotiation made by the CCID\n"
      "   04.... Short and Extended APDU level exchange\n"
      "  dwMaxCCIDMessageLength: 522 bytes\n"
      "  bClassGetResponse: 0x00\n"
      "  bClassEnvelope: 0x00\n"
      "  wLcdLayout: 0x0000\n"
      "  bPINSupport: 0x00\n"
      "  bMaxCCIDBusySlots: 1\n"
      " idVendor: 0x072F\n"
      "  iManufacturer: ACS\n"
      " idProduct: 0x223B\n"
      "  iProduct: ACR1252 Dual Reader\n";

static char *
fixture_path (const char *entry)
{
  return g_strdup_printf ("%s/data/ccid-readers.txt#%s", g_getenv ("G_TEST_SRCDIR"), entry);
}

static char *
write_temp (const char *name, const char *text)
{
  g_autofree char *dir = g_dir_make_tmp ("sim-model-XXXXXX", NULL);
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

/* The C parser of descriptions and tools/ccid-readers.py agree. */
static void
test_description_matches_fixture (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = write_temp ("ACS_ACR1252_Dual_Reader.txt", acr1252_description);
  g_autofree char *fixture = fixture_path ("ACS_ACR1252_Dual_Reader");
  const SimModel *a = sim_model_load (path, &error);
  const SimModel *b;

  g_assert_no_error (error);
  b = sim_model_load (fixture, &error);
  g_assert_no_error (error);
  remove_temp (path);

  g_assert_cmpstr (a->name, ==, "ACS_ACR1252_Dual_Reader");
  g_assert_cmpstr (b->name, ==, "ACS_ACR1252_Dual_Reader");
  g_assert_cmphex (a->vendor_id, ==, 0x072F);
  g_assert_cmphex (a->product_id, ==, 0x223B);
  g_assert_cmphex (a->bcd_device, ==, 0x0100);
  g_assert_cmpstr (a->manufacturer, ==, "ACS");
  g_assert_cmpstr (a->product, ==, "ACR1252 Dual Reader");
  g_assert_cmpstr (a->interface_name, ==, "ACR1252 Dual Reader PICC");
  g_assert_cmpuint (a->interface_class, ==, 0x0B);
  g_assert_true (a->bulk && a->interrupt);
  g_assert_cmpuint (a->n_slots, ==, 1);
  g_assert_cmphex (a->features, ==, 0x00040040);
  g_assert_cmpuint (a->max_message, ==, 522);
  /* CCID §5.1 field by field: 4 MHz, T=1, 10752 bps, 250000 bps, IFSD 254 */
  g_assert_cmpmem (a->class_descriptor, 54,
                   "\x36\x21\x00\x01\x00\x07\x02\x00\x00\x00\xA0\x0F\x00\x00\xA0\x0F"
                   "\x00\x00\x00\x00\x2A\x00\x00\x90\xD0\x03\x00\x00\xFE\x00\x00\x00"
                   "\x00\x00\x00\x00\x00\x00\x00\x00\x40\x00\x04\x00\x0A\x02\x00\x00"
                   "\x00\x00\x00\x00\x00\x01",
                   54);

  g_assert_cmpuint (a->vendor_id, ==, b->vendor_id);
  g_assert_cmpuint (a->product_id, ==, b->product_id);
  g_assert_cmpuint (a->bcd_device, ==, b->bcd_device);
  g_assert_cmpstr (a->manufacturer, ==, b->manufacturer);
  g_assert_cmpstr (a->product, ==, b->product);
  g_assert_cmpstr (a->interface_name, ==, b->interface_name);
  g_assert_cmpuint (a->interface_class, ==, b->interface_class);
  g_assert_cmpuint (a->interface_protocol, ==, b->interface_protocol);
  g_assert_cmpint (a->bulk, ==, b->bulk);
  g_assert_cmpint (a->interrupt, ==, b->interrupt);
  g_assert_cmpmem (a->class_descriptor, 54, b->class_descriptor, 54);
}

/* A vendor-class reader with two slots and no interface string. */
static void
test_fixture_vendor_class (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *fixture = fixture_path ("SCR331-DI");
  const SimModel *m = sim_model_load (fixture, &error);
  g_autoptr (GBytes) config = NULL;
  g_autoptr (GBytes) device = NULL;
  g_autoptr (GBytes) product = NULL;
  const guint8 *c, *d;

  g_assert_no_error (error);
  g_assert_cmpuint (m->interface_class, ==, 0xFF);
  g_assert_cmpuint (m->n_slots, ==, 2);
  g_assert_null (m->interface_name);
  g_assert_cmphex (m->bcd_device, ==, 0x0632);

  config = sim_model_config_descriptor (m);
  c = g_bytes_get_data (config, NULL);
  g_assert_cmpuint (g_bytes_get_size (config), ==, 9 + 9 + 54 + 3 * 7);
  g_assert_cmpuint (c[9 + 5], ==, 0xFF); /* bInterfaceClass */
  g_assert_cmpuint (c[9 + 8], ==, 0);    /* no iInterface */
  g_assert_cmpmem (c + 18, 54, m->class_descriptor, 54);

  device = sim_model_device_descriptor (m);
  d = g_bytes_get_data (device, NULL);
  g_assert_cmpuint (d[12] | d[13] << 8, ==, 0x0632);
  g_assert_null (sim_model_string_descriptor (m, 3));
  product = sim_model_string_descriptor (m, 2);
  g_assert_cmpuint (g_bytes_get_size (product), ==, 2 + 2 * strlen (m->product));
}

static void
test_load_errors (void)
{
  g_autofree char *all = g_strdup_printf ("%s/data/ccid-readers.txt", g_getenv ("G_TEST_SRCDIR"));
  g_autofree char *missing = fixture_path ("No_Such_Reader");
  g_autofree char *not_a_reader = write_temp ("hid.txt", " idVendor: 0x1234\n idProduct: 0x5678\n"
                                                         " bInterfaceNumber: 0\n"
                                                         " bInterfaceClass: 0x03\n");
  g_autoptr (GError) error = NULL;

  g_assert_null (sim_model_load (all, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "#ENTRY"));
  g_clear_error (&error);
  g_assert_null (sim_model_load (missing, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (sim_model_load (not_a_reader, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (sim_model_load ("/nonexistent/reader.txt", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  remove_temp (not_a_reader);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/model/description-matches-fixture", test_description_matches_fixture);
  g_test_add_func ("/sim/model/fixture-vendor-class", test_fixture_vendor_class);
  g_test_add_func ("/sim/model/load-errors", test_load_errors);
  return g_test_run ();
}

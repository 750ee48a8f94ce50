/* sim-model-file.c: reader models from libccid's descriptions of real readers
 *
 * Two sources, the same fields: one of libccid's reader files (its `parse`
 * output: the device's identity and strings, each interface's class,
 * endpoints and CCID class descriptor field by field), or a line of the
 * compact fixture tools/ccid-readers.py makes of them
 * (tests/data/ccid-readers.txt; docs/ccid.md gives the format). Like
 * libccid, the first interface of class 0x0B, or of the vendor class with a
 * CCID class descriptor, is the reader.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-model.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#define DESCRIPTOR_LENGTH 54

/* Loaded models live as long as the process: readers point at them. */
static GPtrArray *loaded;
G_LOCK_DEFINE_STATIC (loaded);

typedef struct
{
  SimModel model;
  char *name;
  char *manufacturer;
  char *product;
  char *interface_name;
  guint8 descriptor[DESCRIPTOR_LENGTH];
} LoadedModel;

static void
put_le (guint8 *p, guint64 v, guint size)
{
  for (guint i = 0; i < size; i++)
    p[i] = (v >> (8 * i)) & 0xFF;
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

/* "1.10" -> 0x0110, as parse prints a BCD field (%X.%02X) */
static gboolean
parse_bcd (const char *s, guint64 *out)
{
  g_auto (GStrv) words = g_strsplit (s, " ", 2); /* "6.32 (firmware release?)" */
  g_auto (GStrv) parts = g_strsplit (words[0], ".", 2);
  guint64 major, minor;

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 16, 0, 0xFF, &major, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 16, 0, 0xFF, &minor, NULL))
    return FALSE;
  *out = major << 8 | minor;
  return TRUE;
}

/* the first word: "0x07", "254", "522 bytes" */
static gboolean
parse_number (const char *s, guint64 *out)
{
  g_auto (GStrv) words = g_strsplit (s, " ", 2);
  const char *w = words[0];
  guint base = 10;

  if (g_str_has_prefix (w, "0x") || g_str_has_prefix (w, "0X"))
    {
      w += 2;
      base = 16;
    }
  return g_ascii_string_to_unsigned (w, base, 0, G_MAXUINT32, out, NULL);
}

/* "4.000 MHz" -> 4000 kHz */
static gboolean
parse_mhz (const char *s, guint64 *out)
{
  char *end = NULL;
  double mhz = g_ascii_strtod (s, &end);

  if (end == s || mhz < 0 || mhz * 1000 > G_MAXUINT32)
    return FALSE;
  *out = (guint64) (mhz * 1000 + 0.5);
  return TRUE;
}

/* "0x0000 0x0003": the high then the low 16 bits */
static gboolean
parse_protocols (const char *s, guint64 *out)
{
  g_auto (GStrv) words = g_strsplit (s, " ", 3);
  guint64 hi, lo;

  if (g_strv_length (words) < 2 || !parse_number (words[0], &hi) || !parse_number (words[1], &lo)
      || hi > 0xFFFF || lo > 0xFFFF)
    return FALSE;
  *out = hi << 16 | lo;
  return TRUE;
}

typedef gboolean (*FieldParser) (const char *s, guint64 *out);

/* CCID 1.1 §5.1, in order from offset 2 */
static const struct
{
  const char *key;
  guint size;
  FieldParser parse;
} fields[] = {
  { "bcdCCID", 2, parse_bcd },
  { "bMaxSlotIndex", 1, parse_number },
  { "bVoltageSupport", 1, parse_number },
  { "dwProtocols", 4, parse_protocols },
  { "dwDefaultClock", 4, parse_mhz },
  { "dwMaximumClock", 4, parse_mhz },
  { "bNumClockSupported", 1, parse_number },
  { "dwDataRate", 4, parse_number },
  { "dwMaxDataRate", 4, parse_number },
  { "bNumDataRatesSupported", 1, parse_number },
  { "dwMaxIFSD", 4, parse_number },
  { "dwSynchProtocols", 4, parse_number },
  { "dwMechanical", 4, parse_number },
  { "dwFeatures", 4, parse_number },
  { "dwMaxCCIDMessageLength", 4, parse_number },
  { "bClassGetResponse", 1, parse_number },
  { "bClassEnvelope", 1, parse_number },
  { "wLcdLayout", 2, parse_number },
  { "bPINSupport", 1, parse_number },
  { "bMaxCCIDBusySlots", 1, parse_number },
};

/* parse prints the string, or its index (a number) or "?" without one */
static char *
usb_string (const char *value)
{
  guint64 dummy;

  if (value[0] == '\0' || g_str_equal (value, "?")
      || g_ascii_string_to_unsigned (value, 10, 0, 255, &dummy, NULL))
    return NULL;
  return g_strdup (value);
}

static void
loaded_model_free (LoadedModel *m)
{
  g_free (m->name);
  g_free (m->manufacturer);
  g_free (m->product);
  g_free (m->interface_name);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadedModel, loaded_model_free)

/* The model from the class descriptor and the interface's other fields. */
static gboolean
finish_model (LoadedModel *m, const char *endpoints, GError **error)
{
  SimModel *model = &m->model;
  guint8 max_slot = m->descriptor[4];

  if (max_slot >= 16)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: bMaxSlotIndex %u: the sim has 16 slots at most", m->name, max_slot);
      return FALSE;
    }
  model->name = m->name;
  model->manufacturer = m->manufacturer;
  model->product = m->product;
  model->interface_name = m->interface_name;
  model->class_descriptor = m->descriptor;
  model->n_slots = max_slot + 1;
  model->features = get_le32 (m->descriptor + 40);
  /* the emulated reader's own bound, whatever the descriptor claims */
  model->max_message = CLAMP (get_le32 (m->descriptor + 44), 64, 65544 + 10);
  model->bulk = strstr (endpoints, "bulk") != NULL;
  model->interrupt = strstr (endpoints, "int") != NULL;
  return TRUE;
}

static gboolean
usable_interface (const SimModel *model, gboolean has_descriptor)
{
  return has_descriptor && (model->interface_class == 0x0B || model->interface_class == 0xFF);
}

/* One of libccid's reader files. */
static LoadedModel *
parse_description (const char *name, const char *text, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (LoadedModel) dev = g_new0 (LoadedModel, 1);
  g_autoptr (LoadedModel) cur = NULL;
  g_autofree char *endpoints = NULL;
  guint n_fields = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      char *colon = strchr (line, ':');
      const char *key = line, *value;
      guint64 v;

      if (colon == NULL)
        continue;
      *colon = '\0';
      value = g_strstrip (colon + 1);
      if (g_str_equal (key, "idVendor") || g_str_equal (key, "idProduct"))
        {
          /* a next device block: the interface before it is complete */
          if (cur != NULL && usable_interface (&cur->model, n_fields == G_N_ELEMENTS (fields)))
            break;
          if (!parse_number (value, &v) || v > 0xFFFF)
            break;
          if (g_str_equal (key, "idVendor"))
            dev->model.vendor_id = (guint16) v;
          else
            dev->model.product_id = (guint16) v;
        }
      else if (g_str_equal (key, "iManufacturer"))
        {
          g_free (dev->manufacturer);
          dev->manufacturer = usb_string (value);
        }
      else if (g_str_equal (key, "iProduct"))
        {
          g_free (dev->product);
          dev->product = usb_string (value);
        }
      else if (g_str_equal (key, "bcdDevice") && parse_bcd (value, &v))
        dev->model.bcd_device = (guint16) v;
      else if (g_str_equal (key, "bInterfaceNumber"))
        {
          if (cur != NULL && usable_interface (&cur->model, n_fields == G_N_ELEMENTS (fields)))
            break;
          g_clear_pointer (&cur, loaded_model_free);
          cur = g_new0 (LoadedModel, 1);
          cur->model = dev->model;
          cur->name = g_strdup (name);
          cur->manufacturer = g_strdup (dev->manufacturer);
          cur->product = g_strdup (dev->product);
          g_clear_pointer (&endpoints, g_free);
          n_fields = 0;
        }
      else if (cur == NULL)
        continue;
      else if (g_str_equal (key, "bNumEndpoints") && parse_number (value, &v))
        {
          const char *kinds = lines[i + 1] != NULL ? lines[i + 1] : "";
          gboolean bulk = strstr (kinds, "bulk-IN") != NULL;
          gboolean interrupt = strstr (kinds, "Interrupt-IN") != NULL;

          /* older files do not name them: CCID §5.3 order, bulk first */
          if (strchr (kinds, ':') != NULL)
            {
              bulk = v >= 2;
              interrupt = v == 3 || v == 1;
            }
          g_free (endpoints);
          endpoints = g_strdup (bulk && interrupt ? "bulk+int"
                                : bulk            ? "bulk"
                                : interrupt       ? "int"
                                                  : "none");
        }
      else if (g_str_equal (key, "bInterfaceClass") && parse_number (value, &v))
        cur->model.interface_class = (guint8) v;
      else if (g_str_equal (key, "bInterfaceSubClass") && parse_number (value, &v))
        cur->model.interface_subclass = (guint8) v;
      else if (g_str_equal (key, "bInterfaceProtocol") && parse_number (value, &v))
        cur->model.interface_protocol = (guint8) v;
      else if (g_str_equal (key, "iInterface"))
        cur->interface_name = usb_string (value);
      else
        {
          guint offset = 2;

          for (guint f = 0; f < G_N_ELEMENTS (fields); offset += fields[f].size, f++)
            if (g_str_equal (key, fields[f].key))
              {
                if (!fields[f].parse (value, &v))
                  {
                    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                 "%s: line %u: bad %s: %s", name, i + 1, key, value);
                    return NULL;
                  }
                put_le (cur->descriptor + offset, v, fields[f].size);
                n_fields++;
              }
        }
    }
  if (cur == NULL || !usable_interface (&cur->model, n_fields == G_N_ELEMENTS (fields)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: no interface with a whole CCID class descriptor", name);
      return NULL;
    }
  cur->descriptor[0] = DESCRIPTOR_LENGTH;
  cur->descriptor[1] = 0x21;
  if (!finish_model (cur, endpoints != NULL ? endpoints : "", error))
    return NULL;
  return g_steal_pointer (&cur);
}

/* One line of the compact fixture (tools/ccid-readers.py). */
static LoadedModel *
parse_record (const char *line, GError **error)
{
  g_auto (GStrv) f = g_strsplit (line, "\t", -1);
  g_autoptr (LoadedModel) m = g_new0 (LoadedModel, 1);
  g_autofree guint8 *desc = NULL;
  gsize desc_len = 0;
  guint vid, pid, bcd, klass, sub, proto;

  if (g_strv_length (f) != 10 || sscanf (f[1], "%4x:%4x", &vid, &pid) != 2
      || sscanf (f[2], "%4x", &bcd) != 1 || sscanf (f[3], "%2x/%2x/%2x", &klass, &sub, &proto) != 3
      || strlen (f[8]) != 2 * DESCRIPTOR_LENGTH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a fixture record: %s", line);
      return NULL;
    }
  desc = g_new0 (guint8, DESCRIPTOR_LENGTH);
  for (desc_len = 0; desc_len < DESCRIPTOR_LENGTH; desc_len++)
    {
      int hi = g_ascii_xdigit_value (f[8][2 * desc_len]);
      int lo = g_ascii_xdigit_value (f[8][2 * desc_len + 1]);

      if (hi < 0 || lo < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: the class descriptor is not hexadecimal", f[0]);
          return NULL;
        }
      desc[desc_len] = (guint8) (hi << 4 | lo);
    }
  memcpy (m->descriptor, desc, DESCRIPTOR_LENGTH);
  m->name = g_strdup (f[0]);
  m->model.vendor_id = (guint16) vid;
  m->model.product_id = (guint16) pid;
  m->model.bcd_device = (guint16) bcd;
  m->model.interface_class = (guint8) klass;
  m->model.interface_subclass = (guint8) sub;
  m->model.interface_protocol = (guint8) proto;
  m->manufacturer = f[5][0] != '\0' ? g_strdup (f[5]) : NULL;
  m->product = f[6][0] != '\0' ? g_strdup (f[6]) : NULL;
  m->interface_name = f[7][0] != '\0' ? g_strdup (f[7]) : NULL;
  if (!finish_model (m, f[4], error))
    return NULL;
  return g_steal_pointer (&m);
}

static LoadedModel *
parse_fixture (const char *path, const char *text, const char *entry, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  const char *found = NULL;
  guint n_records = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *tab = strchr (lines[i], '\t');

      if (lines[i][0] == '#' || tab == NULL)
        continue;
      n_records++;
      if (entry == NULL ? n_records == 1
                        : (strlen (entry) == (gsize) (tab - lines[i])
                           && strncmp (lines[i], entry, strlen (entry)) == 0))
        found = lines[i];
    }
  if (entry == NULL && n_records != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s holds %u readers: name one, %s#ENTRY", path, n_records, path);
      return NULL;
    }
  if (found == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s: no reader %s", path,
                   entry != NULL ? entry : "");
      return NULL;
    }
  return parse_record (found, error);
}

const SimModel *
sim_model_load (const char *spec, GError **error)
{
  g_autofree char *path = g_strdup (spec);
  char *hash = strrchr (path, '#');
  g_autofree char *text = NULL;
  g_autofree char *base = NULL;
  LoadedModel *m;

  if (hash != NULL)
    *hash++ = '\0';
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not UTF-8", path);
      return NULL;
    }
  base = g_path_get_basename (path);
  if (g_str_has_suffix (base, ".txt"))
    base[strlen (base) - 4] = '\0';
  /* a fixture's records are tab-separated; a description has no tab */
  if (hash != NULL || strchr (text, '\t') != NULL)
    m = parse_fixture (path, text, hash, error);
  else
    m = parse_description (base, text, error);
  if (m == NULL)
    return NULL;
  G_LOCK (loaded);
  if (loaded == NULL)
    loaded = g_ptr_array_new ();
  g_ptr_array_add (loaded, m);
  G_UNLOCK (loaded);
  return &m->model;
}

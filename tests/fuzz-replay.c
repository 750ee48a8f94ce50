/* fuzz-replay.c: runs a fuzz target over files, without libFuzzer
 *
 * Linked into every fuzz target when the build is not -Dfuzzing=true, so the
 * corpus (and every crash reproducer kept in it) runs as a regression test
 * with any compiler.  Usage: fuzz-TARGET FILE|DIR...
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return 0;
}

int
main (int argc, char **argv)
{
  guint n_inputs = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GDir) dir = g_dir_open (argv[i], 0, &error);
          const char *name;

          if (dir == NULL)
            {
              g_printerr ("%s\n", error->message);
              return 1;
            }
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *path = g_build_filename (argv[i], name, NULL);

              if (run_file (path) != 0)
                return 1;
              n_inputs++;
            }
        }
      else
        {
          if (run_file (argv[i]) != 0)
            return 1;
          n_inputs++;
        }
    }

  /* An empty corpus would make this test pass without testing anything. */
  if (n_inputs == 0)
    {
      g_printerr ("no inputs\n");
      return 1;
    }
  printf ("replayed %u inputs\n", n_inputs);
  return 0;
}

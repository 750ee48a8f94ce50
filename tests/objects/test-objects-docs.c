/* test-objects-docs.c: the examples of docs/dbus-guide.md run as written
 *
 * Under scardbus-sim with one tpdu reader holding a t1 card, as the page
 * says. In each ```console block, a line starting with "$ " is a command
 * (run with sh -c on the sim's bus) and the lines up to the next command
 * are its exact standard output.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "objects-common.h"

#include <string.h>

typedef struct
{
  char *command;
  GString *expected;
} Example;

static void
example_free (Example *example)
{
  g_free (example->command);
  g_string_free (example->expected, TRUE);
  g_free (example);
}

static GPtrArray *
read_examples (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *examples = g_ptr_array_new_with_free_func ((GDestroyNotify) example_free);
  gboolean in_block = FALSE;
  Example *current = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (!in_block)
        {
          in_block = g_str_equal (line, "```console");
          continue;
        }
      if (g_str_has_prefix (line, "```"))
        {
          in_block = FALSE;
          current = NULL;
          continue;
        }
      if (g_str_has_prefix (line, "$ "))
        {
          current = g_new0 (Example, 1);
          current->command = g_strdup (line + 2);
          current->expected = g_string_new (NULL);
          g_ptr_array_add (examples, current);
          continue;
        }
      g_assert_nonnull (current);
      g_string_append_printf (current->expected, "%s\n", line);
    }
  return examples;
}

static void
test_examples (void)
{
  g_autofree char *path
      = g_build_filename (g_getenv ("SCB_SOURCEDIR"), "docs", "dbus-guide.md", NULL);
  g_autoptr (GPtrArray) examples = read_examples (path);

  g_assert_cmpuint (examples->len, >=, 4);
  for (guint i = 0; i < examples->len; i++)
    {
      Example *example = g_ptr_array_index (examples, i);
      const char *argv[] = { "sh", "-c", example->command, NULL };
      g_autoptr (GError) error = NULL;
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status = 0;

      g_test_message ("$ %s", example->command);
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                    &status, &error);
      g_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, &error))
        g_error ("%s: %s\n%s", example->command, error->message, err);
      g_assert_cmpstr (out, ==, example->expected->str);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/objects/docs/examples", test_examples);
  return g_test_run ();
}

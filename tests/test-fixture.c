/* test-fixture.c: reading the metrics fixtures. */

#include "test-fixture.h"

static void
fixture_case_free (FixtureCase *fixture)
{
  g_free (fixture->name);
  g_hash_table_unref (fixture->fields);
  g_free (fixture);
}

static GArray *
parse_numbers (char **words)
{
  GArray *numbers = g_array_new (FALSE, FALSE, sizeof (double));

  for (; *words; words++)
    {
      double value = g_ascii_strtod (*words, NULL);

      g_array_append_val (numbers, value);
    }
  return numbers;
}

GPtrArray *
load_fixture (const char *basename)
{
  const char *data_dir = g_getenv ("EAD_TEST_DATA");
  g_autofree char *source_dir = g_path_get_dirname (__FILE__);
  g_autofree char *fallback = g_build_filename (source_dir, "data", NULL);
  g_autofree char *path = g_build_filename (data_dir ? data_dir : fallback, "metrics", basename, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) fixture_case_free);
  FixtureCase *current = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      g_auto(GStrv) words = g_strsplit_set (*line, " ", -1);

      if (**line == '\0' || **line == '#')
        continue;
      if (g_str_equal (words[0], "case"))
        {
          current = g_new0 (FixtureCase, 1);
          current->name = g_strdup (words[1]);
          current->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                   (GDestroyNotify) g_array_unref);
          g_ptr_array_add (cases, current);
          continue;
        }
      g_assert_nonnull (current);
      g_hash_table_insert (current->fields, g_strdup (words[0]), parse_numbers (words + 1));
    }
  g_assert_cmpuint (cases->len, >, 0);
  return cases;
}

GArray *
fixture_field (FixtureCase *fixture, const char *key)
{
  GArray *numbers = g_hash_table_lookup (fixture->fields, key);

  g_assert_nonnull (numbers);
  return numbers;
}

float *
fixture_floats (FixtureCase *fixture, const char *key, gsize *n)
{
  GArray *numbers = fixture_field (fixture, key);
  float *floats = g_new (float, MAX (numbers->len, 1));

  for (guint i = 0; i < numbers->len; i++)
    floats[i] = g_array_index (numbers, double, i);
  *n = numbers->len;
  return floats;
}

guint8 *
fixture_bytes (FixtureCase *fixture, const char *key, gsize *n)
{
  GArray *numbers = fixture_field (fixture, key);
  guint8 *bytes = g_new (guint8, MAX (numbers->len, 1));

  for (guint i = 0; i < numbers->len; i++)
    bytes[i] = g_array_index (numbers, double, i);
  *n = numbers->len;
  return bytes;
}

double
fixture_number (FixtureCase *fixture, const char *key)
{
  GArray *numbers = fixture_field (fixture, key);

  g_assert_cmpuint (numbers->len, ==, 1);
  return g_array_index (numbers, double, 0);
}

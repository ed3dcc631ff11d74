/* replay.c: runs one harness of tests/fuzz without libFuzzer.
 *
 *   replay-NAME NAME FOLDER...
 *
 * Every file in the folders (the seed corpus, the findings kept in
 * tests/data/fuzz/NAME; a missing folder is skipped) is a subtest that must
 * come back, error or not, within MAX_SECONDS; what the parser answers is
 * checked by the harness itself. */
#include "fuzz.h"

#include "ead-dataset.h"

/* libFuzzer allows 1 s; this plain build may be unoptimised or sanitised,
 * and the machine busy. */
#define MAX_SECONDS 10.0

static void
replay_file (gconstpointer data)
{
  const char *path = data;
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  /* Exactly the file's bytes, as libFuzzer passes them: no NUL after them. */
  g_autofree guint8 *input = g_memdup2 (contents, length);
  gint64 start = g_get_monotonic_time ();
  LLVMFuzzerTestOneInput (input, length);
  double seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%s: %.3f s", path, seconds);
  g_assert_cmpfloat (seconds, <, MAX_SECONDS);
}

static void
add_folder (const char *name, const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *file;

  if (!dir)
    return;
  while ((file = g_dir_read_name (dir)))
    g_ptr_array_add (files, g_strdup (file));
  ead_dataset_sort_names (files);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, files->pdata[i], NULL);
      g_autofree char *test_path = g_strdup_printf ("/replay/%s/%s", name, (const char *) files->pdata[i]);
      g_test_add_data_func_full (test_path, g_steal_pointer (&path), replay_file, g_free);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s NAME FOLDER...", argv[0]);
  for (int i = 2; i < argc; i++)
    add_folder (argv[1], argv[i]);
  return g_test_run ();
}

/* test-util.c: a small dataset for tests, real or generated. */

#include "test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ead-dataset.h"
#include "ead-image.h"

static void
make_dirs (const char *root, const char *relative)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
}

/* Links the first @count images of @type (and their masks) from @source. */
static void
link_subset (const char *source, const char *root, const char *split, const char *type, guint count)
{
  g_autofree char *relative = g_build_filename (split, type, NULL);
  g_autofree char *from_dir = g_build_filename (source, relative, NULL);
  make_dirs (root, relative);
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (from_dir, NULL);
  g_assert_nonnull (paths);
  for (guint i = 0; i < MIN (count, paths->len); i++)
    {
      const char *path = paths->pdata[i];
      g_autofree char *name = g_path_get_basename (path);
      g_autofree char *target = g_build_filename (root, relative, name, NULL);
      g_assert_cmpint (symlink (path, target), ==, 0);
      if (g_str_equal (type, "good"))
        continue;
      g_autofree char *stem = g_strndup (name, strrchr (name, '.') - name);
      g_autofree char *mask_name = g_strconcat (stem, "_mask.png", NULL);
      g_autofree char *mask_dir = g_build_filename ("ground_truth", type, NULL);
      make_dirs (root, mask_dir);
      g_autofree char *mask_source = g_build_filename (source, mask_dir, mask_name, NULL);
      g_autofree char *mask_target = g_build_filename (root, mask_dir, mask_name, NULL);
      g_assert_cmpint (symlink (mask_source, mask_target), ==, 0);
    }
}

/* A bottle-like image: a shaded disc with seeded noise; anomalous images
 * get a bright square, which their mask marks. */
static void
write_generated (const char *root, const char *relative, guint index, gboolean anomalous)
{
  const int size = 256;
  GRand *rand = g_rand_new_with_seed (1000 + index * 2 + anomalous);
  g_autofree guint8 *pixels = g_new (guint8, 3 * size * size);
  g_autofree guint8 *mask = g_new0 (guint8, 3 * size * size);
  int sx = g_rand_int_range (rand, 60, 170), sy = g_rand_int_range (rand, 60, 170);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        double r = hypot (x - 128.0, y - 128.0);
        int base = r < 100 ? 60 + (int) (r / 2) : 200;
        gboolean defect = anomalous && x >= sx && x < sx + 24 && y >= sy && y < sy + 24;
        for (int c = 0; c < 3; c++)
          {
            int v = defect ? 250 : base + g_rand_int_range (rand, -6, 7) + 10 * c;
            pixels[3 * (y * size + x) + c] = (guint8) CLAMP (v, 0, 255);
            mask[3 * (y * size + x) + c] = defect ? 255 : 0;
          }
      }
  g_rand_free (rand);

  make_dirs (root, relative);
  g_autofree char *name = g_strdup_printf ("%03u.png", index);
  g_autofree char *path = g_build_filename (root, relative, name, NULL);
  g_autoptr (EadImage) image = ead_image_new_from_rgb8 (pixels, size, size, 3 * size);
  g_assert_true (ead_image_save_png (image, path, NULL));
  if (!anomalous)
    return;
  make_dirs (root, "ground_truth/square");
  g_autofree char *mask_name = g_strdup_printf ("%03u_mask.png", index);
  g_autofree char *mask_path = g_build_filename (root, "ground_truth/square", mask_name, NULL);
  g_autoptr (EadImage) mask_image = ead_image_new_from_rgb8 (mask, size, size, 3 * size);
  g_assert_true (ead_image_save_png (mask_image, mask_path, NULL));
}

char *
test_shared_path (const char *first, ...)
{
  const char *shared = g_getenv ("EAD_SHARED");
  if (shared == NULL)
    shared = g_getenv ("EAD_SHARED_DEFAULT");
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  g_ptr_array_add (parts, (gpointer) (shared ? shared : "../shared"));
  va_list args;
  va_start (args, first);
  for (const char *part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
test_make_small_dataset (const char *scratch)
{
  g_autofree char *bottle = test_shared_path ("datasets", "mvtec_ad", "bottle", NULL);
  char *root = g_build_filename (scratch, "tiny", NULL);
  if (g_file_test (bottle, G_FILE_TEST_IS_DIR))
    {
      link_subset (bottle, root, "train", "good", 10);
      link_subset (bottle, root, "test", "good", 3);
      link_subset (bottle, root, "test", "broken_large", 3);
      link_subset (bottle, root, "test", "contamination", 2);
      g_test_message ("dataset: a subset of the real MVTec AD bottle at %s", bottle);
      return root;
    }
  for (guint i = 0; i < 10; i++)
    write_generated (root, "train/good", i, FALSE);
  for (guint i = 0; i < 3; i++)
    write_generated (root, "test/good", 100 + i, FALSE);
  for (guint i = 0; i < 3; i++)
    write_generated (root, "test/square", 200 + i, TRUE);
  g_test_message ("dataset: GENERATED images (no MVTec AD bottle at %s)", bottle);
  g_printerr ("note: %s not found; the test uses generated images\n", bottle);
  return root;
}

GBytes *
test_read_data (const char *relative)
{
  g_autofree char *path = g_build_filename (g_getenv ("EAD_TEST_DATA"), relative, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

guint
test_count_entries (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

void
test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

void
test_child_dies_with_parent (gpointer unused)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocessLauncher *
test_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  g_subprocess_launcher_set_child_setup (launcher, test_child_dies_with_parent, NULL, NULL);
  return launcher;
}

TestRun
test_run_program (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  TestRun run = { 0 };
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  run.status = g_subprocess_get_exit_status (process);
  return run;
}

TestRun
test_run_cli (const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *cli = g_getenv ("EAD_CLI");
  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  va_list args;
  va_start (args, first);
  for (const char *a = first; a; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  return test_run_program ((const char *const *) argv->pdata);
}

void
test_run_clear (TestRun *run)
{
  g_free (run->out);
  g_free (run->err);
}

void
temp_dir_setup (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  dir->path = g_dir_make_tmp ("ead-test-XXXXXX", &error);
  g_assert_no_error (error);
}

void
temp_dir_teardown (TempDir *dir, gconstpointer data)
{
  test_remove_tree (dir->path);
  g_assert_false (g_file_test (dir->path, G_FILE_TEST_EXISTS));
  g_free (dir->path);
}

void
add_temp_dir_test (const char *path, void (*test) (TempDir *, gconstpointer))
{
  g_test_add (path, TempDir, NULL, temp_dir_setup, test, temp_dir_teardown);
}

/* @path under /@part when this run is @part's, NULL otherwise. */
static char *
part_path (const char *part, const char *path)
{
  if (g_strcmp0 (g_getenv ("EAD_TEST_PART"), part) != 0)
    return NULL;
  return g_strconcat ("/", part, path, NULL);
}

void
test_add_part (const char *part, const char *path, GTestFunc test)
{
  g_autofree char *full = part_path (part, path);
  if (full != NULL)
    g_test_add_func (full, test);
}

void
test_add_temp_dir_part (const char *part, const char *path,
                        void (*test) (TempDir *, gconstpointer))
{
  g_autofree char *full = part_path (part, path);
  if (full != NULL)
    add_temp_dir_test (full, test);
}

char *
test_colliding_name (guint index)
{
  GString *name = g_string_new (NULL);

  for (int pair = 0; pair < 15; pair++)
    g_string_append (name, (index >> pair) & 1 ? "b@" : "aa");
  return g_string_free (name, FALSE);
}

void
test_write_spotted_copy (gconstpointer image, const char *path)
{
  const int width = ead_image_get_width (image), height = ead_image_get_height (image);
  g_autofree guint8 *pixels = g_memdup2 (ead_image_get_pixels (image), (gsize) width * height * 3);
  for (int y = height / 2; y < MIN (height, height / 2 + 6); y++)
    memset (pixels + ((gsize) y * width + width / 2) * 3, 0, 3 * MIN (6, width - width / 2));
  g_autoptr (EadImage) spotted = ead_image_new_from_rgb8 (pixels, width, height, (gsize) width * 3);
  g_autoptr (GError) error = NULL;
  g_assert_true (ead_image_save_png (spotted, path, &error));
  g_assert_no_error (error);
}

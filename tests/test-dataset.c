/* test-dataset.c: scanning MVTec AD style folders and the validation split. */
#include <string.h>

#include <glib/gstdio.h>

#include "ead-dataset.h"
#include "ead-error.h"
#include "test-util.h"

/* Fixtures */

/* Creates empty files, or folders for paths ending in '/', under @root. The
 * scan only looks at names, so the files need no content. */
static void
create_entries (const char *root, const char *const *entries)
{
  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (root, entries[i], NULL);
      g_autofree char *parent = g_path_get_dirname (path);
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
      if (g_str_has_suffix (entries[i], "/"))
        g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
      else
        g_file_set_contents (path, "", 0, &error);
      g_assert_no_error (error);
    }
}

/* A category with 21 training images (one with an upper-case extension) among
 * files and folders the scan must skip (text, a folder named like an image,
 * hidden entries), three test types, and a defect image without a mask. */
static char *
create_category (TempDir *dir)
{
  static const char *const entries[] = {
    "train/good/000.png", "train/good/001.png", "train/good/002.png", "train/good/003.png",
    "train/good/004.png", "train/good/005.png", "train/good/006.png", "train/good/007.png",
    "train/good/008.png", "train/good/009.png", "train/good/010.png", "train/good/011.png",
    "train/good/012.png", "train/good/013.png", "train/good/014.png", "train/good/015.png",
    "train/good/016.png", "train/good/017.png", "train/good/018.png", "train/good/019.png",
    "train/good/020.JPG", "train/good/notes.txt", "train/good/folder.png/",
    "train/good/._000.png",
    "test/good/001.png", "test/good/000.png",
    "test/crack/000.png", "test/crack/001.png", "test/crack/002.jpeg",
    "test/scratch/000.bmp", "test/README.txt", "test/.ipynb_checkpoints/000.png",
    "ground_truth/crack/000_mask.png", "ground_truth/crack/002_mask.png",
    "ground_truth/scratch/000_mask.png",
    NULL,
  };
  char *root = g_build_filename (dir->path, "widget", NULL);

  create_entries (root, entries);
  return root;
}

static EadDataset *
open_dataset (const char *root, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  EadDataset *dataset = ead_dataset_open (root, seed, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dataset);
  return dataset;
}

/* The base names of a split's images, in the dataset's order. */
static GStrv
split_names (const EadDataset *dataset, EadSplit split)
{
  GPtrArray *names = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  for (guint i = 0; i < ead_dataset_get_n_samples (dataset, split); i++)
    {
      const EadSample *sample = ead_dataset_get_sample (dataset, split, i);

      g_ptr_array_add (names, g_path_get_basename (sample->path));
    }
  return (GStrv) g_ptr_array_free (names, FALSE);
}

static void
assert_sorted (const char *const *names)
{
  for (guint i = 1; names[i - 1] != NULL && names[i] != NULL; i++)
    g_assert_cmpstr (names[i - 1], <, names[i]);
}

static void
assert_sample (const EadDataset *dataset, guint index, const char *root, const char *path,
               const char *type, const char *mask)
{
  const EadSample *sample = ead_dataset_get_sample (dataset, EAD_SPLIT_TEST, index);
  g_autofree char *expected_path = g_build_filename (root, path, NULL);
  g_autofree char *expected_mask = mask != NULL ? g_build_filename (root, mask, NULL) : NULL;

  g_assert_cmpstr (sample->path, ==, expected_path);
  g_assert_cmpstr (sample->type, ==, type);
  g_assert_cmpstr (sample->mask_path, ==, expected_mask);
}

static void
assert_open_fails (const char *root, int code, const char *named)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (ead_dataset_open (root, 0, &error));
  g_assert_error (error, EAD_ERROR, code);
  g_assert_nonnull (strstr (error->message, named));
  g_test_message ("%s", error->message);
}

/* Layout */

static void
test_layout (TempDir *dir, gconstpointer data)
{
  g_autofree char *root = create_category (dir);
  g_autoptr(EadDataset) dataset = open_dataset (root, 1);
  g_autofree char *train_folder = g_build_filename (root, "train", "good", NULL);

  g_assert_cmpstr (ead_dataset_get_name (dataset), ==, "widget");
  g_assert_false (ead_dataset_has_validation_folder (dataset));
  /* floor(0.9 * 21) = 18 */
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TRAIN), ==, 18);
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_VALIDATION), ==, 3);
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TEST), ==, 6);

  const EadSample *train = ead_dataset_get_sample (dataset, EAD_SPLIT_TRAIN, 0);

  g_assert_true (g_str_has_prefix (train->path, train_folder));
  g_assert_cmpstr (train->type, ==, "good");
  g_assert_null (train->mask_path);

  /* Types in name order, images in name order within each. */
  assert_sample (dataset, 0, root, "test/crack/000.png", "crack", "ground_truth/crack/000_mask.png");
  assert_sample (dataset, 1, root, "test/crack/001.png", "crack", NULL);
  assert_sample (dataset, 2, root, "test/crack/002.jpeg", "crack", "ground_truth/crack/002_mask.png");
  assert_sample (dataset, 3, root, "test/good/000.png", "good", NULL);
  assert_sample (dataset, 4, root, "test/good/001.png", "good", NULL);
  assert_sample (dataset, 5, root, "test/scratch/000.bmp", "scratch",
                 "ground_truth/scratch/000_mask.png");
}

static void
test_no_test_folder (TempDir *dir, gconstpointer data)
{
  static const char *const entries[] = { "train/good/a.png", "train/good/b.png", NULL };
  g_autofree char *root = g_build_filename (dir->path, "train-only", NULL);

  create_entries (root, entries);

  g_autoptr(EadDataset) dataset = open_dataset (root, 0);

  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TRAIN), ==, 1);
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_VALIDATION), ==, 1);
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TEST), ==, 0);
}

/* The validation split */

static void
test_split_is_a_partition (TempDir *dir, gconstpointer data)
{
  g_autofree char *root = create_category (dir);

  for (guint64 seed = 0; seed < 50; seed++)
    {
      g_autoptr(EadDataset) dataset = open_dataset (root, seed);
      g_auto(GStrv) train = split_names (dataset, EAD_SPLIT_TRAIN);
      g_auto(GStrv) validation = split_names (dataset, EAD_SPLIT_VALIDATION);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      assert_sorted ((const char *const *) train);
      assert_sorted ((const char *const *) validation);
      for (guint i = 0; train[i] != NULL; i++)
        g_assert_true (g_hash_table_add (seen, train[i]));
      for (guint i = 0; validation[i] != NULL; i++)
        g_assert_true (g_hash_table_add (seen, validation[i]));
      g_assert_cmpuint (g_hash_table_size (seen), ==, 21);
    }
}

static void
test_split_follows_seed (TempDir *dir, gconstpointer data)
{
  g_autofree char *root = create_category (dir);
  g_autoptr(EadDataset) first = open_dataset (root, 7);
  g_autoptr(EadDataset) again = open_dataset (root, 7);
  g_autoptr(EadDataset) other = open_dataset (root, 8);
  g_auto(GStrv) first_names = split_names (first, EAD_SPLIT_VALIDATION);
  g_auto(GStrv) again_names = split_names (again, EAD_SPLIT_VALIDATION);
  g_auto(GStrv) other_names = split_names (other, EAD_SPLIT_VALIDATION);

  g_assert_true (g_strv_equal ((const char *const *) first_names, (const char *const *) again_names));
  g_assert_false (g_strv_equal ((const char *const *) first_names, (const char *const *) other_names));
}

/* Pins the generator and the shuffle: these must not change between
 * platforms, compilers or releases, or saved projects would silently train
 * on other images. The expected names come from a separate Python model of
 * ead-random's SplitMix64 stream (seed 42, stream 0) and Fisher-Yates. */
static void
test_split_is_stable (TempDir *dir, gconstpointer data)
{
  static const char *const expected[] = { "003.png", "006.png", "012.png", NULL };
  g_autofree char *root = create_category (dir);
  g_autoptr(EadDataset) dataset = open_dataset (root, 42);
  g_auto(GStrv) validation = split_names (dataset, EAD_SPLIT_VALIDATION);

  g_assert_cmpstrv (validation, expected);
}

static void
test_single_training_image (TempDir *dir, gconstpointer data)
{
  static const char *const entries[] = { "train/good/only.png", NULL };
  g_autofree char *root = g_build_filename (dir->path, "tiny", NULL);

  create_entries (root, entries);

  g_autoptr(EadDataset) dataset = open_dataset (root, 3);

  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TRAIN), ==, 1);
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_VALIDATION), ==, 0);
}

static void
test_validation_folder (TempDir *dir, gconstpointer data)
{
  static const char *const entries[] = {
    "train/good/a.png", "train/good/b.png", "train/good/c.png", "train/good/d.png",
    "validation/good/y.png", "validation/good/x.png",
    NULL,
  };
  static const char *const validation_names[] = { "x.png", "y.png", NULL };
  g_autofree char *root = g_build_filename (dir->path, "with-validation", NULL);
  g_autofree char *validation_folder = g_build_filename (root, "validation", "good", NULL);

  create_entries (root, entries);

  g_autoptr(EadDataset) dataset = open_dataset (root, 0);
  g_auto(GStrv) validation = split_names (dataset, EAD_SPLIT_VALIDATION);

  g_assert_true (ead_dataset_has_validation_folder (dataset));
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TRAIN), ==, 4);
  g_assert_cmpstrv (validation, validation_names);
  g_assert_true (g_str_has_prefix (ead_dataset_get_sample (dataset, EAD_SPLIT_VALIDATION, 0)->path,
                                   validation_folder));
}

/* Errors */

static void
test_errors (TempDir *dir, gconstpointer data)
{
  static const char *const no_train[] = { "test/good/000.png", NULL };
  static const char *const empty_train[] = { "train/good/notes.txt", NULL };
  static const char *const empty_validation[] = { "train/good/a.png", "validation/good/", NULL };
  static const char *const validation_without_good[] = { "train/good/a.png", "validation/", NULL };
  g_autofree char *missing = g_build_filename (dir->path, "missing", NULL);
  g_autofree char *no_train_root = g_build_filename (dir->path, "no-train", NULL);
  g_autofree char *empty_train_root = g_build_filename (dir->path, "empty-train", NULL);
  g_autofree char *empty_validation_root = g_build_filename (dir->path, "empty-validation", NULL);
  g_autofree char *no_good_root = g_build_filename (dir->path, "validation-without-good", NULL);
  g_autofree char *train_good = g_build_filename ("train", "good", NULL);
  g_autofree char *validation_good = g_build_filename ("validation", "good", NULL);

  create_entries (no_train_root, no_train);
  create_entries (empty_train_root, empty_train);
  create_entries (empty_validation_root, empty_validation);
  create_entries (no_good_root, validation_without_good);

  assert_open_fails (missing, EAD_ERROR_BAD_DATASET, missing);
  assert_open_fails (no_train_root, EAD_ERROR_BAD_DATASET, train_good);
  assert_open_fails (empty_train_root, EAD_ERROR_BAD_DATASET, train_good);
  assert_open_fails (empty_validation_root, EAD_ERROR_BAD_DATASET, validation_good);
  assert_open_fails (no_good_root, EAD_ERROR_BAD_DATASET, validation_good);
}

static void
test_unreadable_folder (TempDir *dir, gconstpointer data)
{
  g_autofree char *root = create_category (dir);
  g_autofree char *crack = g_build_filename (root, "test", "crack", NULL);
  g_autoptr(GDir) probe = NULL;

  g_assert_cmpint (g_chmod (crack, 0), ==, 0);
  probe = g_dir_open (crack, 0, NULL);
  if (probe == NULL)
    assert_open_fails (root, EAD_ERROR_IO, crack);
  else
    g_test_skip ("permissions are not enforced for this user (root?)");
  g_assert_cmpint (g_chmod (crack, 0755), ==, 0);
}

/* The real MVTec AD bottle category, when the shared data is beside the
 * checkout. */
static void
test_mvtec_bottle (void)
{
  g_autofree char *root = test_shared_path ("datasets", "mvtec_ad", "bottle", NULL);
  static const struct {
    const char *type;
    guint count;
  } test_types[] = {
    { "broken_large", 20 }, { "broken_small", 22 }, { "contamination", 21 }, { "good", 20 },
  };

  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_test_message ("Used generated data only: %s not found", root);
      g_test_skip ("no MVTec AD bottle in the shared data");
      return;
    }
  g_test_message ("Used the real MVTec AD bottle at %s", root);

  g_autoptr(EadDataset) dataset = open_dataset (root, 42);
  g_autoptr(EadDataset) again = open_dataset (root, 42);
  g_auto(GStrv) validation = split_names (dataset, EAD_SPLIT_VALIDATION);
  g_auto(GStrv) validation_again = split_names (again, EAD_SPLIT_VALIDATION);
  guint index = 0;

  g_assert_cmpstr (ead_dataset_get_name (dataset), ==, "bottle");
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TRAIN), ==, 188);
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_VALIDATION), ==, 21);
  g_assert_cmpuint (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TEST), ==, 83);
  g_assert_true (g_strv_equal ((const char *const *) validation,
                               (const char *const *) validation_again));

  for (guint t = 0; t < G_N_ELEMENTS (test_types); t++)
    for (guint i = 0; i < test_types[t].count; i++, index++)
      {
        const EadSample *sample = ead_dataset_get_sample (dataset, EAD_SPLIT_TEST, index);
        gboolean is_good = g_str_equal (sample->type, "good");

        g_assert_cmpstr (sample->type, ==, test_types[t].type);
        g_assert_true (is_good ? sample->mask_path == NULL
                               : g_file_test (sample->mask_path, G_FILE_TEST_IS_REGULAR));
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_temp_dir_test ("/dataset/layout", test_layout);
  add_temp_dir_test ("/dataset/no-test-folder", test_no_test_folder);
  add_temp_dir_test ("/dataset/split/partition", test_split_is_a_partition);
  add_temp_dir_test ("/dataset/split/seed", test_split_follows_seed);
  add_temp_dir_test ("/dataset/split/stable", test_split_is_stable);
  add_temp_dir_test ("/dataset/split/single-image", test_single_training_image);
  add_temp_dir_test ("/dataset/validation-folder", test_validation_folder);
  add_temp_dir_test ("/dataset/errors", test_errors);
  test_add_temp_dir_part ("unprivileged", "/dataset/unreadable-folder", test_unreadable_folder);
  test_add_part ("shared", "/dataset/mvtec-bottle", test_mvtec_bottle);

  return g_test_run ();
}

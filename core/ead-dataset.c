/* ead-dataset.c: scanning a dataset folder in the MVTec AD layout. */
#include "ead-dataset.h"

#include <string.h>

#include "ead-error.h"
#include "ead-random.h"

struct _EadDataset {
  char *name;
  GPtrArray *samples[EAD_N_SPLITS];  /* of EadSample */
  gboolean has_validation_folder;
};

static const char *const image_extensions[] = {
  "png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", NULL,
};

static void
sample_free (EadSample *sample)
{
  g_free (sample->path);
  g_free (sample->type);
  g_free (sample->mask_path);
  g_free (sample);
}

static void
add_sample (EadDataset *dataset, EadSplit split, char *path, const char *type, char *mask_path)
{
  EadSample *sample = g_new (EadSample, 1);

  sample->path = path;
  sample->type = g_strdup (type);
  sample->mask_path = mask_path;
  g_ptr_array_add (dataset->samples[split], sample);
}

/* Hidden entries are never data: macOS leaves "._name.png" resource forks
 * beside copied images, and tools leave folders like .ipynb_checkpoints. */
static gboolean
is_hidden (const char *name)
{
  return name[0] == '.';
}

static gboolean
is_image_file (const char *folder, const char *name)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *extension = NULL;
  g_autofree char *path = NULL;

  if (is_hidden (name) || dot == NULL)
    return FALSE;
  extension = g_ascii_strdown (dot + 1, -1);
  path = g_build_filename (folder, name, NULL);
  return g_strv_contains (image_extensions, extension) &&
         g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
is_subfolder (const char *folder, const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);

  return !is_hidden (name) && g_file_test (path, G_FILE_TEST_IS_DIR);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

void
ead_dataset_sort_names (GPtrArray *names)
{
  g_ptr_array_sort (names, compare_names);
}

/* The names of the entries of @folder that @keep accepts, sorted bytewise so
 * the order depends neither on the file system nor on the locale. */
static GPtrArray *
list_folder (const char *folder, gboolean (*keep) (const char *folder, const char *name),
             GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open (folder, 0, &local_error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    {
      /* GLib's message already names the folder. */
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (keep (folder, name))
      g_ptr_array_add (names, g_strdup (name));
  ead_dataset_sort_names (names);
  return g_steal_pointer (&names);
}

/* A folder of good images that must exist and hold at least one image. */
static GPtrArray *
list_required_images (const char *folder, GError **error)
{
  g_autoptr(GPtrArray) names = NULL;

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET, "Missing folder %s", folder);
      return NULL;
    }
  names = list_folder (folder, is_image_file, error);
  if (names == NULL)
    return NULL;
  if (names->len == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET, "No images in %s", folder);
      return NULL;
    }
  return g_steal_pointer (&names);
}

/* Marks which of @n images are held out for validation: a seeded shuffle of
 * the indices, whose tail after the first floor(0.9 n) is held out. A single
 * image is kept for training, leaving validation empty. */
static gboolean *
choose_held_out (guint n, guint64 seed)
{
  g_autofree guint *order = g_new (guint, n);
  gboolean *held_out = g_new0 (gboolean, n);
  guint n_train = n == 1 ? 1 : (guint) ((guint64) n * 9 / 10);
  EadRandom random;

  for (guint i = 0; i < n; i++)
    order[i] = i;
  ead_random_init (&random, seed, 0);
  ead_random_shuffle (&random, order, n);
  for (guint i = n_train; i < n; i++)
    held_out[order[i]] = TRUE;
  return held_out;
}

static void
add_good_folder (EadDataset *dataset, EadSplit split, const char *folder, GPtrArray *names)
{
  for (guint i = 0; i < names->len; i++)
    add_sample (dataset, split, g_build_filename (folder, names->pdata[i], NULL), "good", NULL);
}

/* Walking the sorted names in order keeps both lists sorted. */
static void
split_train_folder (EadDataset *dataset, const char *folder, GPtrArray *names, guint64 seed)
{
  g_autofree gboolean *held_out = choose_held_out (names->len, seed);

  for (guint i = 0; i < names->len; i++)
    add_sample (dataset, held_out[i] ? EAD_SPLIT_VALIDATION : EAD_SPLIT_TRAIN,
                g_build_filename (folder, names->pdata[i], NULL), "good", NULL);
}

static gboolean
scan_train_and_validation (EadDataset *dataset, const char *root, guint64 seed, GError **error)
{
  g_autofree char *train_folder = g_build_filename (root, "train", "good", NULL);
  g_autofree char *validation_root = g_build_filename (root, "validation", NULL);
  g_autofree char *validation_folder = g_build_filename (validation_root, "good", NULL);
  g_autoptr(GPtrArray) train = list_required_images (train_folder, error);
  g_autoptr(GPtrArray) validation = NULL;

  if (train == NULL)
    return FALSE;

  /* A validation/ folder is taken as a request to use it, so one without
   * good images is an error rather than silently replaced by a split. */
  dataset->has_validation_folder = g_file_test (validation_root, G_FILE_TEST_IS_DIR);
  if (!dataset->has_validation_folder)
    {
      split_train_folder (dataset, train_folder, train, seed);
      return TRUE;
    }

  validation = list_required_images (validation_folder, error);
  if (validation == NULL)
    return FALSE;
  add_good_folder (dataset, EAD_SPLIT_TRAIN, train_folder, train);
  add_good_folder (dataset, EAD_SPLIT_VALIDATION, validation_folder, validation);
  return TRUE;
}

/* ground_truth/<type>/<stem>_mask.png, or NULL when there is none. */
static char *
find_mask (const char *root, const char *type, const char *image_name)
{
  const char *dot = strrchr (image_name, '.');
  g_autofree char *stem = g_strndup (image_name, dot - image_name);
  g_autofree char *mask_name = g_strconcat (stem, "_mask.png", NULL);
  char *mask_path = g_build_filename (root, "ground_truth", type, mask_name, NULL);

  if (!g_file_test (mask_path, G_FILE_TEST_IS_REGULAR))
    g_clear_pointer (&mask_path, g_free);
  return mask_path;
}

static gboolean
scan_test_type (EadDataset *dataset, const char *root, const char *type, GError **error)
{
  g_autofree char *folder = g_build_filename (root, "test", type, NULL);
  g_autoptr(GPtrArray) names = list_folder (folder, is_image_file, error);
  gboolean is_good = g_str_equal (type, "good");

  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];

      add_sample (dataset, EAD_SPLIT_TEST, g_build_filename (folder, name, NULL), type,
                  is_good ? NULL : find_mask (root, type, name));
    }
  return TRUE;
}

/* A folder without test/ is still usable for training. */
static gboolean
scan_test (EadDataset *dataset, const char *root, GError **error)
{
  g_autofree char *test_folder = g_build_filename (root, "test", NULL);
  g_autoptr(GPtrArray) types = NULL;

  if (!g_file_test (test_folder, G_FILE_TEST_IS_DIR))
    return TRUE;
  types = list_folder (test_folder, is_subfolder, error);
  if (types == NULL)
    return FALSE;
  for (guint i = 0; i < types->len; i++)
    if (!scan_test_type (dataset, root, types->pdata[i], error))
      return FALSE;
  return TRUE;
}

GPtrArray *
ead_dataset_list_images (const char *folder, GError **error)
{
  g_autoptr(GPtrArray) names = list_folder (folder, is_image_file, error);

  if (names == NULL)
    return NULL;
  for (guint i = 0; i < names->len; i++)
    {
      char *name = names->pdata[i];
      names->pdata[i] = g_build_filename (folder, name, NULL);
      g_free (name);
    }
  return g_steal_pointer (&names);
}

EadDataset *
ead_dataset_open (const char *root, guint64 seed, GError **error)
{
  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET, "No dataset folder at %s", root);
      return NULL;
    }

  g_autoptr(EadDataset) dataset = g_new0 (EadDataset, 1);

  for (int split = 0; split < EAD_N_SPLITS; split++)
    dataset->samples[split] = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  dataset->name = g_path_get_basename (root);
  if (!scan_train_and_validation (dataset, root, seed, error) || !scan_test (dataset, root, error))
    return NULL;
  return g_steal_pointer (&dataset);
}

void
ead_dataset_free (EadDataset *dataset)
{
  if (dataset == NULL)
    return;
  for (int split = 0; split < EAD_N_SPLITS; split++)
    g_clear_pointer (&dataset->samples[split], g_ptr_array_unref);
  g_free (dataset->name);
  g_free (dataset);
}

const char *
ead_dataset_get_name (const EadDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  return dataset->name;
}

guint
ead_dataset_get_n_samples (const EadDataset *dataset, EadSplit split)
{
  g_return_val_if_fail (dataset != NULL, 0);
  g_return_val_if_fail (split < EAD_N_SPLITS, 0);
  return dataset->samples[split]->len;
}

const EadSample *
ead_dataset_get_sample (const EadDataset *dataset, EadSplit split, guint index)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (split < EAD_N_SPLITS, NULL);
  g_return_val_if_fail (index < dataset->samples[split]->len, NULL);
  return dataset->samples[split]->pdata[index];
}

gboolean
ead_dataset_has_validation_folder (const EadDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, FALSE);
  return dataset->has_validation_folder;
}

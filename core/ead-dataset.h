/* ead-dataset.h: a dataset folder in the MVTec AD layout.
 *
 *   ROOT/train/good/<image>        training images (all good)
 *   ROOT/validation/good/<image>   optional held-out good images for calibration
 *   ROOT/test/<type>/<image>       test images; <type> is "good" or a defect type
 *   ROOT/ground_truth/<type>/<stem>_mask.png   masks of defect images
 *
 * Without validation/, a seeded random 10% of train/good is held out as the
 * validation set and never trained on (the reference implementation's rule:
 * n_train = floor(0.9 n), the rest validates); a single image is kept for
 * training and validation stays empty. A validation/ folder without images in
 * validation/good is an error, not a reason to split. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  EAD_SPLIT_TRAIN,
  EAD_SPLIT_VALIDATION,
  EAD_SPLIT_TEST,
  EAD_SPLIT_LINE,   /* scored on the line and kept (projects only) */
  EAD_N_SPLITS,
} EadSplit;

typedef struct {
  char *path;       /* absolute or as given under the root */
  char *type;       /* "good" or the defect type (its folder name) */
  char *mask_path;  /* ground-truth mask, NULL for good images or when missing */
} EadSample;

typedef struct _EadDataset EadDataset;

/* Scans @root. Image files are recognised by extension (png, jpg, jpeg, bmp,
 * tif, tiff, webp; case-insensitive; hidden names starting with '.' are
 * skipped) and sorted by name within each folder, so the same folder and seed
 * always give the same splits. Fails with
 * EAD_ERROR_BAD_DATASET when the root or train/good is missing or empty, and
 * with EAD_ERROR_IO naming a folder that cannot be read. */
EadDataset *ead_dataset_open (const char *root, guint64 seed, GError **error);
void ead_dataset_free (EadDataset *dataset);

/* The folder's base name, e.g. "bottle". */
const char *ead_dataset_get_name (const EadDataset *dataset);
guint ead_dataset_get_n_samples (const EadDataset *dataset, EadSplit split);
const EadSample *ead_dataset_get_sample (const EadDataset *dataset, EadSplit split, guint index);
/* TRUE when validation/ was present rather than split off train/good. */
gboolean ead_dataset_has_validation_folder (const EadDataset *dataset);

/* The image files directly inside @folder (by extension, as above), sorted
 * by name, as a GPtrArray of newly allocated paths. An unreadable folder is
 * an EAD_ERROR_BAD_DATASET naming it. (Used for the penalty images too.) */
GPtrArray *ead_dataset_list_images (const char *folder, GError **error);

/* Sorts @names, a GPtrArray of strings, bytewise: the same order whatever
 * the file system or the locale. */
void ead_dataset_sort_names (GPtrArray *names);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadDataset, ead_dataset_free)

G_END_DECLS

/* ead-project-import.c: importing image files and MVTec AD folders into a
 * project: each file decoded, checked, matched against those already there
 * and stored with its thumbnail, label and mask. */

#include "ead-project-private.h"

#include <math.h>

#include "ead-error.h"

void
ead_import_options_init (EadImportOptions *options)
{
  options->label = EAD_IMPORT_AUTO;
  options->split = EAD_IMPORT_AUTO;
  options->seed = 42;
}

typedef struct {
  EadProject *project;
  const EadImportOptions *options;
  EadImportCallback callback;
  gpointer user_data;
  EadImportSummary *summary;
  gint64 batch_id;
  gint64 last_image_id;
  char *now;
  sqlite3_stmt *find_duplicate;
  sqlite3_stmt *insert_image;
  sqlite3_stmt *insert_file;
  sqlite3_stmt *insert_thumbnail;
  sqlite3_stmt *insert_type;
  sqlite3_stmt *insert_label;
  sqlite3_stmt *insert_mask;
} Import;

static void
import_clear (Import *import)
{
  g_free (import->now);
  sqlite3_finalize (import->find_duplicate);
  sqlite3_finalize (import->insert_image);
  sqlite3_finalize (import->insert_file);
  sqlite3_finalize (import->insert_thumbnail);
  sqlite3_finalize (import->insert_type);
  sqlite3_finalize (import->insert_label);
  sqlite3_finalize (import->insert_mask);
}

static gboolean
import_prepare (Import *import, GError **error)
{
  EadProject *p = import->project;
  import->find_duplicate = ead_project_prepare (p,
    "SELECT id, file_name FROM images WHERE sha256 = ?", error);
  import->insert_image = import->find_duplicate ? ead_project_prepare (p,
    "INSERT INTO images (batch_id, sha256, file_name, folder, byte_size, width, height, channels)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error) : NULL;
  import->insert_file = import->insert_image ? ead_project_prepare (p,
    "INSERT INTO image_files (image_id, data) VALUES (?, ?)", error) : NULL;
  import->insert_thumbnail = import->insert_file ? ead_project_prepare (p,
    "INSERT INTO thumbnails (image_id, width, height, png) VALUES (?, ?, ?, ?)", error) : NULL;
  import->insert_type = import->insert_thumbnail ? ead_project_prepare (p,
    "INSERT INTO defect_types (name) VALUES (?) ON CONFLICT (name) DO NOTHING", error) : NULL;
  import->insert_label = import->insert_type ? ead_project_prepare (p,
    "INSERT INTO labels (image_id, label, defect_type_id, split, changed_by, changed_at)"
    " VALUES (?, ?, (SELECT id FROM defect_types WHERE name = ?), ?, ?, ?)", error) : NULL;
  import->insert_mask = import->insert_label ? ead_project_prepare (p,
    "INSERT INTO masks (image_id, png, changed_by, changed_at) VALUES (?, ?, ?, ?)", error) : NULL;
  return import->insert_mask != NULL;
}

static gboolean
insert_batch (Import *import, const char *const *paths, GError **error)
{
  g_autofree char *sources = g_strjoinv ("\n", (char **) paths);
  g_autoptr (sqlite3_stmt) insert = ead_project_prepare (import->project,
    "INSERT INTO import_batches (imported_at, imported_by, sources) VALUES (?, ?, ?)", error);
  if (!insert)
    return FALSE;
  sqlite3_bind_text (insert, 1, import->now, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 2, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 3, sources, -1, SQLITE_STATIC);
  if (!ead_project_step_statement (import->project, insert, error))
    return FALSE;
  import->batch_id = sqlite3_last_insert_rowid (import->project->db);
  return TRUE;
}

static void
report (Import *import, const char *path, const GError *problem)
{
  if (problem && g_error_matches (problem, G_FILE_ERROR, G_FILE_ERROR_EXIST))
    import->summary->duplicates++;
  else if (problem)
    import->summary->failed++;
  else
    import->summary->imported++;
  if (import->callback)
    import->callback (path, problem, import->user_data);
}

/* What one file becomes. */
typedef struct {
  const char *path;
  EadLabel label;
  EadSplit split;
  const char *defect_type;   /* NULL unless anomalous */
  const char *mask_path;     /* NULL unless anomalous */
} Candidate;

/* Grey when every pixel is: 1 channel, else 3. */
static int
count_channels (const EadImage *image)
{
  const guint8 *pixels = ead_image_get_pixels (image);
  const gsize n = (gsize) ead_image_get_width (image) * ead_image_get_height (image);
  for (gsize i = 0; i < n; i++)
    if (pixels[3 * i] != pixels[3 * i + 1] || pixels[3 * i] != pixels[3 * i + 2])
      return 3;
  return 1;
}

static EadImage *
make_thumbnail (const EadImage *image)
{
  const int width = ead_image_get_width (image), height = ead_image_get_height (image);
  const int side = EAD_PROJECT_THUMBNAIL_SIDE;
  if (width <= side && height <= side)
    return ead_image_resize (image, width, height);
  if (width >= height)
    return ead_image_resize (image, side, MAX (1, (int) lround ((double) height * side / width)));
  return ead_image_resize (image, MAX (1, (int) lround ((double) width * side / height)), side);
}

/* The mask of @path, checked against its image's size, as a 0/255 PNG. */
static GBytes *
encode_mask (const char *mask_path, const EadImage *image, GError **error)
{
  g_autoptr (EadMask) mask = ead_mask_load (mask_path, error);
  if (!mask)
    return NULL;
  const int width = ead_mask_get_width (mask), height = ead_mask_get_height (mask);
  if (width != ead_image_get_width (image) || height != ead_image_get_height (image))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET, "%s is %dx%d but its image is %dx%d",
                   mask_path, width, height, ead_image_get_width (image),
                   ead_image_get_height (image));
      return NULL;
    }
  const gsize n = (gsize) width * height;
  g_autofree guint8 *grey = g_new (guint8, n);
  const guint8 *data = ead_mask_get_data (mask);
  for (gsize i = 0; i < n; i++)
    grey[i] = data[i] ? 255 : 0;
  g_autoptr (EadImage) picture = ead_image_new_from_gray8 (grey, width, height, width);
  return ead_image_encode_png (picture, error);
}

/* Sets @id to the image with the same bytes, or 0 when there is none. */
static gboolean
find_duplicate (Import *import, const char *sha256, gint64 *id, char **file_name, GError **error)
{
  sqlite3_stmt *find = import->find_duplicate;
  sqlite3_bind_text (find, 1, sha256, -1, SQLITE_STATIC);
  int status = sqlite3_step (find);
  gboolean ok = TRUE;
  *id = 0;
  if (status == SQLITE_ROW)
    {
      *id = sqlite3_column_int64 (find, 0);
      *file_name = ead_project_column_text (find, 1);
    }
  else
    ok = ead_project_done (import->project, status, error);
  sqlite3_reset (find);
  return ok;
}

static gboolean
insert_image_row (Import *import, const Candidate *c, const char *sha256, gsize size,
                  const EadImage *image, GError **error)
{
  sqlite3_stmt *s = import->insert_image;
  g_autofree char *name = g_path_get_basename (c->path);
  g_autofree char *folder = g_path_get_dirname (c->path);
  sqlite3_bind_int64 (s, 1, import->batch_id);
  sqlite3_bind_text (s, 2, sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, folder, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 5, (gint64) size);
  sqlite3_bind_int (s, 6, ead_image_get_width (image));
  sqlite3_bind_int (s, 7, ead_image_get_height (image));
  sqlite3_bind_int (s, 8, count_channels (image));
  return ead_project_step_statement (import->project, s, error);
}

static gboolean
insert_blob (EadProject *project, sqlite3_stmt *s, gint64 image_id, GBytes *bytes, GError **error)
{
  sqlite3_bind_int64 (s, 1, image_id);
  sqlite3_bind_blob64 (s, 2, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                       SQLITE_STATIC);
  return ead_project_step_statement (project, s, error);
}

static gboolean
insert_thumbnail (Import *import, gint64 image_id, const EadImage *image, GError **error)
{
  g_autoptr (EadImage) thumbnail = make_thumbnail (image);
  g_autoptr (GBytes) png = ead_image_encode_png (thumbnail, error);
  if (!png)
    return FALSE;
  sqlite3_stmt *s = import->insert_thumbnail;
  sqlite3_bind_int64 (s, 1, image_id);
  sqlite3_bind_int (s, 2, ead_image_get_width (thumbnail));
  sqlite3_bind_int (s, 3, ead_image_get_height (thumbnail));
  sqlite3_bind_blob64 (s, 4, g_bytes_get_data (png, NULL), g_bytes_get_size (png), SQLITE_STATIC);
  return ead_project_step_statement (import->project, s, error);
}

static gboolean
insert_label (Import *import, gint64 image_id, const Candidate *c, GError **error)
{
  if (c->defect_type)
    {
      sqlite3_bind_text (import->insert_type, 1, c->defect_type, -1, SQLITE_STATIC);
      if (!ead_project_step_statement (import->project, import->insert_type, error))
        return FALSE;
    }
  sqlite3_stmt *s = import->insert_label;
  sqlite3_bind_int64 (s, 1, image_id);
  sqlite3_bind_text (s, 2, ead_label_to_string (c->label), -1, SQLITE_STATIC);
  if (c->defect_type)
    sqlite3_bind_text (s, 3, c->defect_type, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (s, 3);
  sqlite3_bind_text (s, 4, ead_split_to_string (c->split), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 5, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 6, import->now, -1, SQLITE_STATIC);
  return ead_project_step_statement (import->project, s, error);
}

static gboolean
insert_mask (Import *import, gint64 image_id, GBytes *png, GError **error)
{
  sqlite3_stmt *s = import->insert_mask;
  sqlite3_bind_int64 (s, 1, image_id);
  sqlite3_bind_blob64 (s, 2, g_bytes_get_data (png, NULL), g_bytes_get_size (png), SQLITE_STATIC);
  sqlite3_bind_text (s, 3, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, import->now, -1, SQLITE_STATIC);
  if (!ead_project_step_statement (import->project, s, error))
    return FALSE;
  import->summary->masks++;
  return TRUE;
}

/* Checks a file's bytes and its mask. Sets @problem when it cannot be
 * imported; returns the decoded image, for the thumbnail. */
static EadImage *
examine (const Candidate *c, GBytes *bytes, GBytes **mask_png, GError **problem)
{
  g_autoptr (EadImage) image = ead_image_load_from_data (g_bytes_get_data (bytes, NULL),
                                                         g_bytes_get_size (bytes), c->path,
                                                         problem);
  if (!image)
    return NULL;
  if (c->mask_path && !(*mask_png = encode_mask (c->mask_path, image, problem)))
    return NULL;
  return g_steal_pointer (&image);
}

static gboolean
insert_everything (Import *import, const Candidate *c, GBytes *bytes, const char *sha256,
                   const EadImage *image, GBytes *mask_png, GError **error)
{
  if (!insert_image_row (import, c, sha256, g_bytes_get_size (bytes), image, error))
    return FALSE;
  gint64 id = sqlite3_last_insert_rowid (import->project->db);
  import->last_image_id = id;
  return insert_blob (import->project, import->insert_file, id, bytes, error)
         && insert_thumbnail (import, id, image, error)
         && insert_label (import, id, c, error)
         && (!mask_png || insert_mask (import, id, mask_png, error));
}

/* Imports the bytes of one file, or reports why not; FALSE only when the
 * project cannot be written. */
static gboolean
import_contents (Import *import, const Candidate *c, GBytes *bytes, GError **error)
{
  g_autoptr (GError) problem = NULL;
  gsize size;
  const guint8 *contents = g_bytes_get_data (bytes, &size);
  g_autofree char *sha256 = ead_project_sha256 (contents, size);
  g_autofree char *original = NULL;
  gint64 duplicate;
  if (!find_duplicate (import, sha256, &duplicate, &original, error))
    return FALSE;
  if (duplicate > 0)
    {
      g_set_error (&problem, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                   "%s: already in the project as image %" G_GINT64_FORMAT " (%s)", c->path,
                   duplicate, original);
      report (import, c->path, problem);
      return TRUE;
    }
  g_autoptr (GBytes) mask_png = NULL;
  g_autoptr (EadImage) image = examine (c, bytes, &mask_png, &problem);
  if (!image)
    {
      report (import, c->path, problem);
      return TRUE;
    }
  if (!insert_everything (import, c, bytes, sha256, image, mask_png, error))
    return FALSE;
  report (import, c->path, NULL);
  return TRUE;
}

/* Imports one file, or reports why not; FALSE only when the project cannot
 * be written. */
static gboolean
import_file (Import *import, const Candidate *c, GError **error)
{
  g_autoptr (GError) problem = NULL;
  char *contents = NULL;
  gsize size;
  /* Read rather than mapped: a file shrinking under a mapping raises SIGBUS. */
  if (!g_file_get_contents (c->path, &contents, &size, &problem))
    {
      report (import, c->path, problem);
      return TRUE;
    }
  g_autoptr (GBytes) bytes = g_bytes_new_take (contents, size);
  return import_contents (import, c, bytes, error);
}

/* Reports @problem and frees it. */
static void
report_folder_problem (Import *import, const char *path, GError *problem)
{
  report (import, path, problem);
  g_error_free (problem);
}

/* Label and split of a plain file under the options. */
static Candidate
plain_candidate (const Import *import, const char *path)
{
  const EadImportOptions *o = import->options;
  Candidate c = { .path = path };
  c.label = o->label == EAD_IMPORT_AUTO ? EAD_LABEL_UNLABELLED : (EadLabel) o->label;
  if (o->split != EAD_IMPORT_AUTO)
    c.split = o->split;
  else
    c.split = c.label == EAD_LABEL_GOOD ? EAD_SPLIT_TRAIN : EAD_SPLIT_TEST;
  return c;
}

static Candidate
mvtec_candidate (const Import *import, const EadSample *sample, EadSplit split)
{
  const EadImportOptions *o = import->options;
  gboolean good = g_str_equal (sample->type, "good");
  Candidate c = { .path = sample->path };
  c.label = o->label != EAD_IMPORT_AUTO ? (EadLabel) o->label
            : good ? EAD_LABEL_GOOD : EAD_LABEL_ANOMALOUS;
  c.split = o->split != EAD_IMPORT_AUTO ? (EadSplit) o->split : split;
  if (c.label == EAD_LABEL_ANOMALOUS && !good)
    {
      c.defect_type = sample->type;
      c.mask_path = sample->mask_path;
    }
  return c;
}

static gboolean
is_mvtec_folder (const char *folder)
{
  g_autofree char *train_good = g_build_filename (folder, "train", "good", NULL);
  return g_file_test (train_good, G_FILE_TEST_IS_DIR);
}

static gboolean
import_mvtec (Import *import, const char *folder, GCancellable *cancellable, GError **error)
{
  GError *problem = NULL;
  g_autoptr (EadDataset) dataset = ead_dataset_open (folder, import->options->seed, &problem);
  if (!dataset)
    {
      report_folder_problem (import, folder, problem);
      return TRUE;
    }
  for (int split = 0; split < EAD_N_SPLITS; split++)
    for (guint i = 0; i < ead_dataset_get_n_samples (dataset, split); i++)
      {
        Candidate c = mvtec_candidate (import, ead_dataset_get_sample (dataset, split, i), split);
        if (g_cancellable_set_error_if_cancelled (cancellable, error)
            || !import_file (import, &c, error))
          return FALSE;
      }
  return TRUE;
}

static gboolean
import_plain_folder (Import *import, const char *folder, GCancellable *cancellable,
                     GError **error)
{
  GError *problem = NULL;
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (folder, &problem);
  if (paths && paths->len == 0)
    problem = g_error_new (EAD_ERROR, EAD_ERROR_BAD_DATASET, "%s: no images in this folder",
                           folder);
  if (problem)
    {
      report_folder_problem (import, folder, problem);
      return TRUE;
    }
  for (guint i = 0; i < paths->len; i++)
    {
      Candidate c = plain_candidate (import, paths->pdata[i]);
      if (g_cancellable_set_error_if_cancelled (cancellable, error)
          || !import_file (import, &c, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
import_path (Import *import, const char *path, GCancellable *cancellable, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return is_mvtec_folder (path) ? import_mvtec (import, path, cancellable, error)
                                  : import_plain_folder (import, path, cancellable, error);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      Candidate c = plain_candidate (import, path);
      return !g_cancellable_set_error_if_cancelled (cancellable, error)
             && import_file (import, &c, error);
    }
  report_folder_problem (import, path, g_error_new (EAD_ERROR, EAD_ERROR_IO,
                                                    g_file_test (path, G_FILE_TEST_EXISTS)
                                                    ? "%s: neither a file nor a folder"
                                                    : "%s: no such file or folder", path));
  return TRUE;
}

static gboolean
check_import_options (const EadImportOptions *options, GError **error)
{
  gboolean label_ok = options->label == EAD_IMPORT_AUTO
                      || (options->label >= 0 && options->label < EAD_N_LABELS);
  gboolean split_ok = options->split == EAD_IMPORT_AUTO
                      || (options->split >= 0 && options->split < EAD_N_SPLITS);
  if (!label_ok || !split_ok)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "import: unknown label or split");
      return FALSE;
    }
  return TRUE;
}

static gboolean
import_all (Import *import, const char *const *paths, GCancellable *cancellable, GError **error)
{
  if (!import_prepare (import, error) || !insert_batch (import, paths, error))
    return FALSE;
  for (const char *const *path = paths; *path; path++)
    if (!import_path (import, *path, cancellable, error))
      return FALSE;
  return TRUE;
}

static gboolean
import_within (EadProject *project, const char *const *paths, const EadImportOptions *options,
               EadImportCallback callback, gpointer user_data, GCancellable *cancellable,
               EadImportSummary *summary, GError **error)
{
  memset (summary, 0, sizeof *summary);
  if (!check_import_options (options, error))
    return FALSE;
  Import import = {
    .project = project,
    .options = options,
    .callback = callback,
    .user_data = user_data,
    .summary = summary,
    .now = ead_project_now (),
  };
  gboolean ok = import_all (&import, paths, cancellable, error);
  import_clear (&import);
  summary->batch_id = import.batch_id;
  return ok;
}

/* Keeps the problem the import reports for its one file. */
static void
keep_problem (const char *path, const GError *problem, gpointer user_data)
{
  GError **kept = user_data;
  if (problem && *kept == NULL)
    *kept = g_error_copy (problem);
}

gint64
ead_project_import_contents_within (EadProject *project, const char *path, GBytes *contents,
                                    const EadImportOptions *options, GError **error)
{
  g_autoptr (GError) problem = NULL;
  EadImportSummary summary = { 0 };
  if (!check_import_options (options, error))
    return 0;
  Import import = {
    .project = project,
    .options = options,
    .callback = keep_problem,
    .user_data = &problem,
    .summary = &summary,
    .now = ead_project_now (),
  };
  const char *paths[] = { path, NULL };
  Candidate c = plain_candidate (&import, path);
  gboolean ok = import_prepare (&import, error) && insert_batch (&import, paths, error)
                && import_contents (&import, &c, contents, error);
  import_clear (&import);
  if (ok && summary.imported == 1)
    return import.last_image_id;
  if (ok && problem)
    g_propagate_error (error, g_steal_pointer (&problem));
  else if (ok)
    g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "%s: not imported", path);
  return 0;
}

gboolean
ead_project_import (EadProject *project, const char *const *paths,
                    const EadImportOptions *options, EadImportCallback callback,
                    gpointer user_data, GCancellable *cancellable,
                    EadImportSummary *summary, GError **error)
{
  g_return_val_if_fail (project != NULL && paths != NULL && options != NULL, FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);

  if (!ead_project_check_chosen_split (options->split, error) || !ead_project_begin (project, error))
    return FALSE;
  gboolean ok = import_within (project, paths, options, callback, user_data, cancellable,
                               summary, error);
  /* A batch that brought nothing leaves nothing behind. */
  if (!ok || summary->imported == 0)
    {
      ead_project_rollback (project);
      summary->batch_id = 0;
      return ok;
    }
  return ead_project_commit (project, error);
}

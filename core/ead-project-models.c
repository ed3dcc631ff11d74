/* ead-project-models.c: models, their calibration and threshold, and their
 * export. */

#include "ead-project-private.h"

#include <math.h>

#include "ead-calibrate.h"
#include "ead-error.h"
#include "ead-score.h"
#include "ead-torch.h"

#define HISTOGRAM_BINS 200

/* ---- Storing a trained model ---- */

static GBytes *
serialize_model (EadModel *model, GError **error)
{
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  if (!ead_model_write_to (model, writer, error))
    return NULL;
  return ead_safetensors_writer_to_bytes (writer);
}

/* A teacher statistic (384 floats) as little-endian bytes. */
static GBytes *
teacher_statistic (EadModel *model, const char *name, GError **error)
{
  EadNets *nets = ead_model_get_nets (model);
  float values[EAD_TEACHER_CHANNELS];
  if (!ead_nets_read_tensor (nets, ead_nets_find_tensor (nets, name), values, error))
    return NULL;
  guint32 *words = g_new (guint32, EAD_TEACHER_CHANNELS);
  for (int i = 0; i < EAD_TEACHER_CHANNELS; i++)
    {
      guint32 bits;
      memcpy (&bits, &values[i], sizeof bits);
      words[i] = GUINT32_TO_LE (bits);
    }
  return g_bytes_new_take (words, sizeof (guint32) * EAD_TEACHER_CHANNELS);
}

static gboolean
insert_calibration (EadProject *project, gint64 model_id, EadModel *model,
                    EadPrecision precision, guint n_validation, GError **error)
{
  g_autoptr (GBytes) mean = teacher_statistic (model, "teacher_mean", error);
  g_autoptr (GBytes) std = mean ? teacher_statistic (model, "teacher_std", error) : NULL;
  g_autoptr (sqlite3_stmt) s = std ? ead_project_prepare (project,
    "INSERT INTO calibrations (model_id, calibrated_at, precision, n_validation, teacher_mean,"
    "                          teacher_std, st_start, st_end, ae_start, ae_end, local_weight)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error) : NULL;
  if (!s)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  const EadQuantiles *q = ead_model_get_quantiles (model);
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_text (s, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, ead_project_precision_to_string (precision), -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 4, n_validation);
  sqlite3_bind_blob (s, 5, g_bytes_get_data (mean, NULL), g_bytes_get_size (mean), SQLITE_STATIC);
  sqlite3_bind_blob (s, 6, g_bytes_get_data (std, NULL), g_bytes_get_size (std), SQLITE_STATIC);
  sqlite3_bind_double (s, 7, q->st_start);
  sqlite3_bind_double (s, 8, q->st_end);
  sqlite3_bind_double (s, 9, q->ae_start);
  sqlite3_bind_double (s, 10, q->ae_end);
  sqlite3_bind_double (s, 11, ead_model_get_local_weight (model));
  return ead_project_step_statement (project, s, error);
}

gint64
ead_project_insert_model (EadProject *project, gint64 run_id, EadModel *model,
                          EadPrecision precision, guint n_validation, GError **error)
{
  g_autoptr (GBytes) bytes = serialize_model (model, error);
  g_autoptr (sqlite3_stmt) s = bytes ? ead_project_prepare (project,
    "INSERT INTO models (run_id, created_at, sha256, data) VALUES (?, ?, ?, ?)", error) : NULL;
  if (!s)
    return 0;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autofree char *now = ead_project_now ();
  g_autofree char *sha256 = ead_project_sha256 (data, size);
  sqlite3_bind_int64 (s, 1, run_id);
  sqlite3_bind_text (s, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, sha256, -1, SQLITE_STATIC);
  sqlite3_bind_blob64 (s, 4, data, size, SQLITE_STATIC);
  if (!ead_project_step_statement (project, s, error))
    return 0;
  gint64 model_id = sqlite3_last_insert_rowid (project->db);
  if (!insert_calibration (project, model_id, model, precision, n_validation, error))
    return 0;
  return model_id;
}

/* ---- Reading models back ---- */

#define MODEL_COLUMNS \
  "SELECT m.id, m.run_id, m.created_at, r.model_size, r.image_size," \
  "       c.st_start, c.st_end, c.ae_start, c.ae_end, c.n_validation," \
  "       t.value, t.method, t.parameter," \
  "       (SELECT count(*) FROM results WHERE model_id = m.id), c.local_weight, r.tiles" \
  " FROM models m JOIN runs r ON r.id = m.run_id" \
  " JOIN calibrations c ON c.model_id = m.id" \
  " LEFT JOIN thresholds t ON t.model_id = m.id"

static EadModelInfo
model_info_from_row (sqlite3_stmt *s)
{
  EadModelInfo info = {
    .id = sqlite3_column_int64 (s, 0),
    .run_id = sqlite3_column_int64 (s, 1),
    .created_at = ead_project_column_text (s, 2),
    .image_size = sqlite3_column_int (s, 4),
    .quantiles = {
      .st_start = sqlite3_column_double (s, 5),
      .st_end = sqlite3_column_double (s, 6),
      .ae_start = sqlite3_column_double (s, 7),
      .ae_end = sqlite3_column_double (s, 8),
    },
    .n_validation = sqlite3_column_int (s, 9),
    .has_threshold = sqlite3_column_type (s, 10) != SQLITE_NULL,
    .threshold = sqlite3_column_double (s, 10),
    .threshold_parameter = sqlite3_column_type (s, 12) != SQLITE_NULL
                           ? sqlite3_column_double (s, 12) : NAN,
    .n_results = sqlite3_column_int (s, 13),
    .local_weight = sqlite3_column_double (s, 14),
    .tiles = sqlite3_column_int (s, 15),
  };
  ead_model_size_from_string ((const char *) sqlite3_column_text (s, 3), &info.size);
  if (info.has_threshold)
    ead_threshold_method_from_string ((const char *) sqlite3_column_text (s, 11),
                                      &info.threshold_method);
  return info;
}

static gboolean
read_histogram (EadProject *project, gint64 model_id, const char *map, EadMapHistogram *out,
                GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT low, high, counts FROM map_histograms WHERE model_id = ? AND map = ?", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_text (s, 2, map, -1, SQLITE_STATIC);
  gboolean found;
  if (!ead_project_maybe_row (project, s, &found, error))
    return FALSE;
  if (!found)
    return TRUE;
  const guint64 *counts = sqlite3_column_blob (s, 2);
  out->low = sqlite3_column_double (s, 0);
  out->high = sqlite3_column_double (s, 1);
  out->n_bins = sqlite3_column_bytes (s, 2) / sizeof (guint64);
  out->counts = g_new (guint64, out->n_bins);
  for (guint i = 0; i < out->n_bins; i++)
    {
      guint64 count;
      memcpy (&count, counts + i, sizeof count);
      out->counts[i] = GUINT64_FROM_LE (count);
    }
  return TRUE;
}

void
ead_model_info_clear (EadModelInfo *info)
{
  g_clear_pointer (&info->created_at, g_free);
  g_clear_pointer (&info->local.counts, g_free);
  g_clear_pointer (&info->global.counts, g_free);
}

static void
model_info_clear (gpointer data)
{
  ead_model_info_clear (data);
}

static gboolean
read_histograms (EadProject *project, EadModelInfo *info, GError **error)
{
  return read_histogram (project, info->id, "local", &info->local, error)
         && read_histogram (project, info->id, "global", &info->global, error);
}

gboolean
ead_project_get_model (EadProject *project, gint64 model_id, EadModelInfo *info, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project, MODEL_COLUMNS " WHERE m.id = ?",
                                                    error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, model_id);
  if (!ead_project_one_row (project, s, error, "model %" G_GINT64_FORMAT, model_id))
    return FALSE;
  *info = model_info_from_row (s);
  if (read_histograms (project, info, error))
    return TRUE;
  ead_model_info_clear (info);
  return FALSE;
}

GArray *
ead_project_list_models (EadProject *project, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project, MODEL_COLUMNS " ORDER BY m.id",
                                                    error);
  if (!s)
    return NULL;
  g_autoptr (GArray) models = g_array_new (FALSE, TRUE, sizeof (EadModelInfo));
  g_array_set_clear_func (models, model_info_clear);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      EadModelInfo info = model_info_from_row (s);
      g_array_append_val (models, info);
      if (!read_histograms (project, &g_array_index (models, EadModelInfo, models->len - 1),
                            error))
        return NULL;
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return g_steal_pointer (&models);
}

gint64
ead_project_get_latest_model (EadProject *project, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project, "SELECT max(id) FROM models", error);
  if (!s || !ead_project_one_row (project, s, error, "model"))
    return 0;
  gint64 id = sqlite3_column_int64 (s, 0);
  if (id == 0)
    g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                 "%s: there is no model yet; train one first", project->path);
  return id;
}

gboolean
ead_project_update_calibration (EadProject *project, gint64 model_id, EadModel *model,
                                GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT c.st_start, c.st_end, c.ae_start, c.ae_end, c.local_weight, t.value"
    " FROM calibrations c LEFT JOIN thresholds t ON t.model_id = c.model_id"
    " WHERE c.model_id = ?", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, model_id);
  if (!ead_project_one_row (project, s, error, "the calibration of model %" G_GINT64_FORMAT,
                            model_id))
    return FALSE;
  EadQuantiles q = {
    sqlite3_column_double (s, 0), sqlite3_column_double (s, 1),
    sqlite3_column_double (s, 2), sqlite3_column_double (s, 3),
  };
  const double local_weight = sqlite3_column_double (s, 4);
  const gboolean has_threshold = sqlite3_column_type (s, 5) != SQLITE_NULL;
  const double threshold = sqlite3_column_double (s, 5);
  /* The project file is outside input like any other. */
  if (!ead_quantiles_are_usable (&q) || !(local_weight >= 0 && local_weight <= 1)
      || (has_threshold && !isfinite (threshold)))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: the calibration of model %" G_GINT64_FORMAT " is damaged", project->path,
                   model_id);
      return FALSE;
    }
  ead_model_set_quantiles (model, &q);
  ead_model_set_local_weight (model, local_weight);
  if (has_threshold)
    ead_model_set_threshold (model, threshold);
  else
    ead_model_clear_threshold (model);
  return TRUE;
}

EadModel *
ead_project_load_model (EadProject *project, gint64 model_id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT data FROM models WHERE id = ?", error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, model_id);
  if (!ead_project_one_row (project, s, error, "model %" G_GINT64_FORMAT, model_id))
    return NULL;
  g_autoptr (EadSafetensors) st = ead_safetensors_new_from_data (sqlite3_column_blob (s, 0),
                                                                 sqlite3_column_bytes (s, 0),
                                                                 error);
  if (!st)
    return NULL;
  g_autofree char *name = g_strdup_printf ("%s: model %" G_GINT64_FORMAT, project->path,
                                           model_id);
  g_autoptr (EadModel) model = ead_model_new_from_safetensors (st, name, error);
  /* The calibration and threshold in the project supersede the file's. */
  if (!model || !ead_project_update_calibration (project, model_id, model, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* ---- Calibration ---- */

/* The ids of the images of @split labelled good, by id. */
static GArray *
good_image_ids (EadProject *project, const char *split, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT image_id FROM labels WHERE split = ? AND label = 'good' ORDER BY image_id", error);
  if (!s)
    return NULL;
  sqlite3_bind_text (s, 1, split, -1, SQLITE_STATIC);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (s, 0);
      g_array_append_val (ids, id);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  if (ids->len == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET,
                   "%s: no good %s images; import some with --label good --split %s",
                   project->path, split, split);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* The values of the stored @kind maps of @model_id's results for @ids that
 * lie inside @roi (all when NULL), as a GArray of float. */
static GArray *
values_inside (EadProject *project, gint64 model_id, GArray *ids, const EadRoi *roi,
               EadMapKind kind, GError **error)
{
  g_autoptr (GArray) inside_values = g_array_new (FALSE, FALSE, sizeof (float));
  for (guint i = 0; i < ids->len; i++)
    {
      int width, height;
      g_autofree float *values = ead_project_load_map (project, model_id,
                                                       g_array_index (ids, gint64, i), kind,
                                                       &width, &height, error);
      if (!values)
        return NULL;
      g_autofree guint8 *inside = roi ? ead_roi_resize (roi, width, height) : NULL;
      for (gsize j = 0; j < (gsize) width * height; j++)
        if (!inside || inside[j])
          g_array_append_val (inside_values, values[j]);
    }
  return g_steal_pointer (&inside_values);
}

/* Bins the values of the stored @map of @model_id's results for @ids that
 * lie inside @roi over their range there: the zeros outside the region
 * neither count nor stretch it. */
static gboolean
store_histogram (EadProject *project, gint64 model_id, GArray *ids, const EadRoi *roi,
                 EadMapKind kind, const char *map, GError **error)
{
  g_autoptr (GArray) values = values_inside (project, model_id, ids, roi, kind, error);
  if (!values)
    return FALSE;
  const float *v = (const float *) values->data;
  double low = values->len > 0 ? v[0] : 0.0, high = low;
  for (guint j = 0; j < values->len; j++)
    {
      low = MIN (low, v[j]);
      high = MAX (high, v[j]);
    }
  guint64 counts[HISTOGRAM_BINS] = { 0 };
  const double bin_width = high > low ? (high - low) / HISTOGRAM_BINS : 1.0;
  for (guint j = 0; j < values->len; j++)
    counts[MIN ((guint) MAX ((v[j] - low) / bin_width, 0.0), HISTOGRAM_BINS - 1)]++;
  for (guint b = 0; b < HISTOGRAM_BINS; b++)
    counts[b] = GUINT64_TO_LE (counts[b]);
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT OR REPLACE INTO map_histograms (model_id, map, low, high, counts)"
    " VALUES (?, ?, ?, ?, ?)", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_text (s, 2, map, -1, SQLITE_STATIC);
  sqlite3_bind_double (s, 3, low);
  sqlite3_bind_double (s, 4, high);
  sqlite3_bind_blob (s, 5, counts, sizeof counts, SQLITE_STATIC);
  return ead_project_step_statement (project, s, error);
}

gboolean
ead_project_store_validation (EadProject *project, gint64 model_id, EadModel *model,
                              EadPrecision precision, EadProjectProgress progress,
                              gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autoptr (GArray) ids = good_image_ids (project, "validation", error);
  if (!ids)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 image_id = g_array_index (ids, gint64, i);
      g_autoptr (EadImage) image = ead_project_load_image (project, image_id, error);
      g_auto (EadScoreResult) result = { 0 };
      if (!image || g_cancellable_set_error_if_cancelled (cancellable, error)
          || !ead_model_score (model, image, precision, EAD_SCORE_MAPS, &result, error)
          || !ead_project_store_result (project, model_id, image_id, &result, error))
        return FALSE;
      if (progress)
        progress (i + 1, ids->len, user_data);
    }
  if (!ead_project_begin (project, error))
    return FALSE;
  const EadRoi *roi = ead_model_get_roi (model);
  if (!store_histogram (project, model_id, ids, roi, EAD_MAP_LOCAL, "local", error)
      || !store_histogram (project, model_id, ids, roi, EAD_MAP_GLOBAL, "global", error))
    {
      ead_project_rollback (project);
      return FALSE;
    }
  return ead_project_commit (project, error);
}

/* Deletes @model_id's results and their metrics, inside a transaction. */
static gboolean
forget_scores (EadProject *project, gint64 model_id, GError **error)
{
  g_autoptr (sqlite3_stmt) results = ead_project_prepare (project,
    "DELETE FROM results WHERE model_id = ?", error);
  g_autoptr (sqlite3_stmt) metrics = results ? ead_project_prepare (project,
    "DELETE FROM test_metrics WHERE model_id = ?", error) : NULL;
  if (!metrics)
    return FALSE;
  sqlite3_bind_int64 (results, 1, model_id);
  sqlite3_bind_int64 (metrics, 1, model_id);
  return ead_project_step_statement (project, results, error)
         && ead_project_step_statement (project, metrics, error);
}

/* New quantiles make the old scores, their metrics and the threshold
 * meaningless. */
static gboolean
replace_calibration (EadProject *project, gint64 model_id, EadModel *model,
                     EadPrecision precision, guint n_validation, GError **error)
{
  g_autoptr (sqlite3_stmt) drop = ead_project_prepare (project,
    "DELETE FROM calibrations WHERE model_id = ?", error);
  if (!drop || !ead_project_begin (project, error))
    return FALSE;
  sqlite3_bind_int64 (drop, 1, model_id);
  if (!forget_scores (project, model_id, error)
      || !ead_project_step_statement (project, drop, error)
      || !insert_calibration (project, model_id, model, precision, n_validation, error))
    {
      ead_project_rollback (project);
      return FALSE;
    }
  return ead_project_commit (project, error);
}

gboolean
ead_project_calibrate (EadProject *project, gint64 model_id, EadPrecision precision,
                       EadProjectProgress progress, gpointer user_data,
                       GCancellable *cancellable, GError **error)
{
  g_autoptr (EadModel) model = ead_project_load_model (project, model_id, error);
  g_autoptr (GArray) ids = model ? good_image_ids (project, "validation", error) : NULL;
  if (!ids)
    return FALSE;
  g_autoptr (GPtrArray) images = ead_project_load_images_at_size (project, ids,
                                                                  ead_model_get_resolution (model),
                                                                  cancellable, error);
  if (!images
      || !ead_calibrate_quantiles (model, (EadImage *const *) images->pdata, images->len,
                                   precision, cancellable, error))
    return FALSE;
  g_clear_pointer (&images, g_ptr_array_unref);
  return replace_calibration (project, model_id, model, precision, ids->len, error)
         && ead_project_store_validation (project, model_id, model, precision, progress,
                                          user_data, cancellable, error);
}

/* So does a new weight: the scores are the fused map's maxima. */
static gboolean
replace_local_weight (EadProject *project, gint64 model_id, double weight, GError **error)
{
  g_autoptr (sqlite3_stmt) set = ead_project_prepare (project,
    "UPDATE calibrations SET local_weight = ?2 WHERE model_id = ?1", error);
  g_autoptr (sqlite3_stmt) drop = set ? ead_project_prepare (project,
    "DELETE FROM thresholds WHERE model_id = ?", error) : NULL;
  if (!drop || !ead_project_begin (project, error))
    return FALSE;
  sqlite3_bind_int64 (set, 1, model_id);
  sqlite3_bind_double (set, 2, weight);
  sqlite3_bind_int64 (drop, 1, model_id);
  if (!ead_project_step_statement (project, set, error)
      || !forget_scores (project, model_id, error)
      || !ead_project_step_statement (project, drop, error))
    {
      ead_project_rollback (project);
      return FALSE;
    }
  return ead_project_commit (project, error);
}

gboolean
ead_project_set_local_weight (EadProject *project, gint64 model_id, double weight,
                              EadPrecision precision, EadProjectProgress progress,
                              gpointer user_data, GCancellable *cancellable, GError **error)
{
  if (!(weight >= 0.0 && weight <= 1.0))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "the local weight must lie between 0 and 1, not %g", weight);
      return FALSE;
    }
  g_autoptr (EadModel) model = ead_project_load_model (project, model_id, error);
  if (!model)
    return FALSE;
  if (weight == ead_model_get_local_weight (model))
    return TRUE;
  if (!replace_local_weight (project, model_id, weight, error))
    return FALSE;
  ead_model_set_local_weight (model, weight);
  return ead_project_store_validation (project, model_id, model, precision, progress,
                                       user_data, cancellable, error);
}

/* ---- Threshold ---- */

/* Scores of @model_id's results with labels: those of labelled test images
 * (@good_only FALSE; with @defect_type, the good ones and those of that
 * type), or of every image labelled good (@good_only TRUE). */
static gboolean
labelled_scores (EadProject *project, gint64 model_id, gboolean good_only,
                 const char *defect_type, GArray *scores, GByteArray *labels, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT r.score, l.label = 'anomalous' FROM results r JOIN labels l ON l.image_id = r.image_id"
    " LEFT JOIN defect_types d ON d.id = l.defect_type_id"
    " WHERE r.model_id = ?1 AND CASE WHEN ?2 THEN l.label = 'good'"
    "   ELSE l.split = 'test' AND l.label != 'unlabelled'"
    "     AND (?3 IS NULL OR l.label = 'good' OR d.name = ?3) END", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_int (s, 2, good_only);
  sqlite3_bind_text (s, 3, defect_type, -1, SQLITE_STATIC);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      float score = (float) sqlite3_column_double (s, 0);
      guint8 label = sqlite3_column_int (s, 1);
      g_array_append_val (scores, score);
      g_byte_array_append (labels, &label, 1);
    }
  return ead_project_done (project, status, error);
}

static int
compare_descending (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x < y) - (x > y);
}

/* The lowest threshold that flags at most @fpr of the good images: just
 * above the score of the first good image that must not be flagged. Scores
 * are stored as floats, so the next float up is the one. */
static double
max_fpr_threshold (GArray *good_scores, double fpr)
{
  g_array_sort (good_scores, compare_descending);
  const guint n = good_scores->len;
  guint allowed = (guint) floor (fpr * n + 1e-9);
  if (allowed >= n)
    return g_array_index (good_scores, float, n - 1);
  return nextafterf (g_array_index (good_scores, float, allowed), INFINITY);
}

gboolean
ead_project_choose_threshold (EadProject *project, gint64 model_id, EadThresholdMethod method,
                              double parameter, double *threshold, GError **error)
{
  if ((method == EAD_THRESHOLD_VALUE && !isfinite (parameter))
      || (method == EAD_THRESHOLD_MAX_FPR && !(parameter >= 0 && parameter <= 1)))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   method == EAD_THRESHOLD_MAX_FPR ? "the false-positive rate must be in [0, 1]"
                                                   : "the threshold must be a finite number");
      return FALSE;
    }
  if (!ead_project_check_model (project, model_id, error))
    return FALSE;
  if (method == EAD_THRESHOLD_VALUE)
    {
      *threshold = parameter;
      return TRUE;
    }
  gboolean max_fpr = method == EAD_THRESHOLD_MAX_FPR;
  g_autoptr (GArray) scores = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GByteArray) labels = g_byte_array_new ();
  if (!labelled_scores (project, model_id, max_fpr, NULL, scores, labels, error))
    return FALSE;
  if (max_fpr && scores->len > 0)
    *threshold = max_fpr_threshold (scores, parameter);
  else if (!max_fpr)
    ead_f1_max ((const float *) scores->data, labels->data, scores->len, threshold);
  if (scores->len == 0 || !isfinite (*threshold))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   max_fpr ? "%s: model %" G_GINT64_FORMAT " has no results on good images; "
                             "calibrate or test it first"
                           : "%s: model %" G_GINT64_FORMAT " has no results on anomalous test "
                             "images; label some and test it first",
                   project->path, model_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
ead_project_set_threshold (EadProject *project, gint64 model_id, EadThresholdMethod method,
                           double parameter, double *threshold, GError **error)
{
  if (!ead_project_choose_threshold (project, model_id, method, parameter, threshold, error))
    return FALSE;
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT OR REPLACE INTO thresholds (model_id, value, method, parameter, chosen_at, chosen_by)"
    " VALUES (?, ?, ?, ?, ?, ?)", error);
  if (!s)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_double (s, 2, *threshold);
  sqlite3_bind_text (s, 3, ead_threshold_method_to_string (method), -1, SQLITE_STATIC);
  if (method == EAD_THRESHOLD_MAX_FPR)
    sqlite3_bind_double (s, 4, parameter);
  sqlite3_bind_text (s, 5, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 6, ead_project_user (), -1, SQLITE_STATIC);
  return ead_project_step_statement (project, s, error);
}

gboolean
ead_project_count_decisions (EadProject *project, gint64 model_id, EadConfusion *confusion,
                             GError **error)
{
  EadModelInfo info;
  if (!ead_project_get_model (project, model_id, &info, error))
    return FALSE;
  gboolean has_threshold = info.has_threshold;
  double threshold = info.threshold;
  ead_model_info_clear (&info);
  if (!has_threshold)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "%s: model %" G_GINT64_FORMAT " has no threshold yet", project->path,
                   model_id);
      return FALSE;
    }
  g_autoptr (GArray) scores = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GByteArray) labels = g_byte_array_new ();
  if (!labelled_scores (project, model_id, FALSE, NULL, scores, labels, error))
    return FALSE;
  *confusion = ead_confusion_at ((const float *) scores->data, labels->data, scores->len,
                                 threshold);
  return TRUE;
}

gboolean
ead_project_get_image_metrics (EadProject *project, gint64 model_id, EadImageMetrics *metrics,
                               GError **error)
{
  g_autoptr (GArray) scores = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GByteArray) labels = g_byte_array_new ();
  if (!ead_project_check_model (project, model_id, error)
      || !labelled_scores (project, model_id, FALSE, NULL, scores, labels, error))
    return FALSE;
  const float *data = (const float *) scores->data;
  metrics->n_anomalous = 0;
  for (guint i = 0; i < labels->len; i++)
    metrics->n_anomalous += labels->data[i];
  metrics->n_good = labels->len - metrics->n_anomalous;
  metrics->image_auroc = ead_auroc (data, labels->data, scores->len);
  metrics->f1_max = ead_f1_max (data, labels->data, scores->len, NULL);
  float highest_good = -INFINITY;
  for (guint i = 0; i < labels->len; i++)
    if (!labels->data[i])
      highest_good = MAX (highest_good, data[i]);
  metrics->n_hidden = 0;
  for (guint i = 0; i < labels->len; i++)
    metrics->n_hidden += labels->data[i] && data[i] <= highest_good;
  return TRUE;
}

static EadFitness
fitness_of (const EadImageMetrics *metrics)
{
  if (metrics->n_good == 0 || metrics->n_anomalous == 0)
    return EAD_FITNESS_UNKNOWN;
  if (metrics->image_auroc < EAD_WEAK_IMAGE_AUROC)
    return EAD_FITNESS_WEAK;
  return metrics->n_hidden > 0 ? EAD_FITNESS_OVERLAPS : EAD_FITNESS_SEPARATES;
}

/* The image AUROC of @map over all test images in the latest test, NaN
 * where unknown. */
static double
map_image_auroc (EadProject *project, gint64 model_id, EadMapKind map, GError **error)
{
  g_autoptr (GArray) metrics = ead_project_get_test_metrics (project, model_id, map, NULL, error);
  if (metrics == NULL || metrics->len == 0)
    return NAN;
  return g_array_index (metrics, EadMetrics, 0).image_auroc;
}

gboolean
ead_project_assess_model (EadProject *project, gint64 model_id, EadModelAssessment *assessment,
                          GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!ead_project_get_image_metrics (project, model_id, &assessment->metrics, error))
    return FALSE;
  assessment->fitness = fitness_of (&assessment->metrics);
  assessment->better_map = EAD_MAP_FUSED;
  assessment->better_map_auroc = assessment->metrics.image_auroc;
  /* Each map alone against the fused map of the same test, which images
   * relabelled since cannot tilt: the best of those ahead by the margin. */
  double to_beat = map_image_auroc (project, model_id, EAD_MAP_FUSED, &local_error)
                   + EAD_BETTER_MAP_MARGIN;
  for (EadMapKind map = EAD_MAP_LOCAL; local_error == NULL && map <= EAD_MAP_GLOBAL; map++)
    {
      double auroc = map_image_auroc (project, model_id, map, &local_error);
      if (auroc > to_beat)
        {
          assessment->better_map = map;
          assessment->better_map_auroc = to_beat = auroc;
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

EadCurve *
ead_project_get_curve (EadProject *project, gint64 model_id, const char *defect_type,
                       GError **error)
{
  g_autoptr (GArray) scores = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GByteArray) labels = g_byte_array_new ();
  if (!ead_project_check_model (project, model_id, error)
      || !labelled_scores (project, model_id, FALSE, defect_type, scores, labels, error))
    return NULL;
  /* Stored scores are finite, so the curve is always made. */
  return ead_curve_new ((const float *) scores->data, labels->data, scores->len);
}

/* ---- Export ---- */

static gboolean
record_export (EadProject *project, gint64 model_id, EadExportFormat format, const char *path,
               const char *sha256, gsize size, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT INTO exports (model_id, exported_at, exported_by, format, path, byte_size, sha256)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (!s)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_text (s, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, ead_export_format_to_string (format), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 5, absolute, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 6, (gint64) size);
  sqlite3_bind_text (s, 7, sha256, -1, SQLITE_STATIC);
  return ead_project_step_statement (project, s, error);
}

gboolean
ead_project_export_model (EadProject *project, gint64 model_id, EadExportFormat format,
                          const char *path, char **sha256, GError **error)
{
  g_autoptr (EadModel) model = ead_project_load_model (project, model_id, error);
  if (!model || !ead_model_export (model, format, path, error))
    return FALSE;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize size;
  if (!g_file_get_contents (path, &data, &size, &local_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  g_autofree char *checksum = ead_project_sha256 ((const guint8 *) data, size);
  if (!record_export (project, model_id, format, path, checksum, size, error))
    return FALSE;
  if (sha256)
    *sha256 = g_steal_pointer (&checksum);
  return TRUE;
}

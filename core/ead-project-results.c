/* ead-project-results.c: scoring test images into results with compact
 * maps, the metrics over them, and their review. */

#include "ead-project-private.h"

#include <math.h>

#include "ead-error.h"


/* ---- Compact maps: box-averaged to at most EAD_PROJECT_MAP_SIDE pixels a
 * side, then 16 bits between the map's smallest and largest value ---- */

typedef struct {
  int width, height;
  double low, high;
  guint16 *levels;
} CompactMap;

static void
compact_map_clear (CompactMap *map)
{
  g_free (map->levels);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CompactMap, compact_map_clear)

static int
shrunk_side (int side, int longest)
{
  if (longest <= EAD_PROJECT_MAP_SIDE)
    return side;
  return MAX (1, (int) lround ((double) side * EAD_PROJECT_MAP_SIDE / longest));
}

/* The mean of the source pixels whose cell falls on each target pixel. */
static float *
shrink_map (const float *map, int width, int height, int out_width, int out_height)
{
  float *out = g_new (float, (gsize) out_width * out_height);
  for (int oy = 0; oy < out_height; oy++)
    {
      int y0 = (int) ((gint64) oy * height / out_height);
      int y1 = (int) ((gint64) (oy + 1) * height / out_height);
      for (int ox = 0; ox < out_width; ox++)
        {
          int x0 = (int) ((gint64) ox * width / out_width);
          int x1 = (int) ((gint64) (ox + 1) * width / out_width);
          double sum = 0;
          for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
              sum += map[(gsize) y * width + x];
          out[(gsize) oy * out_width + ox] = (float) (sum / ((y1 - y0) * (x1 - x0)));
        }
    }
  return out;
}

static CompactMap
compact_map_new (const float *map, int width, int height)
{
  const int longest = MAX (width, height);
  CompactMap c = {
    .width = shrunk_side (width, longest),
    .height = shrunk_side (height, longest),
    .low = G_MAXDOUBLE,
    .high = -G_MAXDOUBLE,
  };
  g_autofree float *small = shrink_map (map, width, height, c.width, c.height);
  const gsize n = (gsize) c.width * c.height;
  for (gsize i = 0; i < n; i++)
    {
      c.low = MIN (c.low, small[i]);
      c.high = MAX (c.high, small[i]);
    }
  const double scale = c.high > c.low ? 65535.0 / (c.high - c.low) : 0.0;
  c.levels = g_new (guint16, n);
  for (gsize i = 0; i < n; i++)
    c.levels[i] = GUINT16_TO_LE ((guint16) lround ((small[i] - c.low) * scale));
  return c;
}

static float *
expand_map (const guint16 *levels, gsize n, double low, double high)
{
  float *map = g_new (float, n);
  const double step = (high - low) / 65535.0;
  for (gsize i = 0; i < n; i++)
    {
      guint16 level;
      memcpy (&level, levels + i, sizeof level);
      map[i] = (float) (low + GUINT16_FROM_LE (level) * step);
    }
  return map;
}

float *
ead_project_load_map (EadProject *project, gint64 model_id, gint64 image_id, EadMapKind kind,
                      int *width, int *height, GError **error)
{
  const char *map = ead_map_kind_to_string (kind);
  g_return_val_if_fail (map != NULL, NULL);

  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT m.width, m.height, m.low, m.high, m.data FROM result_maps m"
    " JOIN results r ON r.id = m.result_id"
    " WHERE r.model_id = ? AND r.image_id = ? AND m.map = ?", error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_int64 (s, 2, image_id);
  sqlite3_bind_text (s, 3, map, -1, SQLITE_STATIC);
  if (!ead_project_one_row (project, s, error, "%s map of model %" G_GINT64_FORMAT
                            " for image %" G_GINT64_FORMAT, map, model_id, image_id))
    return NULL;
  *width = sqlite3_column_int (s, 0);
  *height = sqlite3_column_int (s, 1);
  const gsize n = (gsize) *width * *height;
  if (*width <= 0 || *height <= 0 || *width > EAD_PROJECT_MAP_SIDE
      || *height > EAD_PROJECT_MAP_SIDE || (gsize) sqlite3_column_bytes (s, 4) != 2 * n)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: the %s map of model %"
                   G_GINT64_FORMAT " for image %" G_GINT64_FORMAT " is damaged", project->path,
                   map, model_id, image_id);
      return NULL;
    }
  return expand_map (sqlite3_column_blob (s, 4), n, sqlite3_column_double (s, 2),
                     sqlite3_column_double (s, 3));
}

/* ---- Storing results ---- */

static gint64
upsert_result (EadProject *project, gint64 model_id, gint64 image_id,
               const EadScoreResult *result, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT INTO results (model_id, image_id, score, milliseconds, scored_at, local_score,"
    "                     global_score) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (model_id, image_id) DO UPDATE SET score = excluded.score,"
    "   milliseconds = excluded.milliseconds, scored_at = excluded.scored_at,"
    "   local_score = excluded.local_score, global_score = excluded.global_score"
    " RETURNING id", error);
  if (!s)
    return 0;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_int64 (s, 2, image_id);
  /* At the precision of the metrics, so thresholds taken from them decide
   * exactly as they did there. */
  sqlite3_bind_double (s, 3, (float) result->score);
  sqlite3_bind_double (s, 4, result->milliseconds);
  sqlite3_bind_text (s, 5, now, -1, SQLITE_STATIC);
  /* NaN binds as NULL. */
  sqlite3_bind_double (s, 6, (float) result->local_score);
  sqlite3_bind_double (s, 7, (float) result->global_score);
  if (!ead_project_one_row (project, s, error, "result"))
    return 0;
  return sqlite3_column_int64 (s, 0);
}

static gboolean
store_maps (EadProject *project, gint64 result_id, const EadScoreResult *result, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT OR REPLACE INTO result_maps (result_id, map, width, height, low, high, data)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (!s)
    return FALSE;
  const float *maps[] = {
    [EAD_MAP_LOCAL] = result->local, [EAD_MAP_GLOBAL] = result->global,
    [EAD_MAP_FUSED] = result->fused,
  };
  for (gsize k = 0; k < G_N_ELEMENTS (maps); k++)
    {
      g_auto (CompactMap) c = compact_map_new (maps[k], result->width, result->height);
      sqlite3_bind_int64 (s, 1, result_id);
      sqlite3_bind_text (s, 2, ead_map_kind_to_string (k), -1, SQLITE_STATIC);
      sqlite3_bind_int (s, 3, c.width);
      sqlite3_bind_int (s, 4, c.height);
      sqlite3_bind_double (s, 5, c.low);
      sqlite3_bind_double (s, 6, c.high);
      sqlite3_bind_blob64 (s, 7, c.levels, 2 * (gsize) c.width * c.height, SQLITE_STATIC);
      if (!ead_project_step_statement (project, s, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ead_project_insert_result (EadProject *project, gint64 model_id, gint64 image_id,
                           const EadScoreResult *result, GError **error)
{
  gint64 result_id = upsert_result (project, model_id, image_id, result, error);
  return result_id != 0 && store_maps (project, result_id, result, error);
}

gboolean
ead_project_store_result (EadProject *project, gint64 model_id, gint64 image_id,
                          const EadScoreResult *result, GError **error)
{
  if (!ead_project_begin (project, error))
    return FALSE;
  if (!ead_project_insert_result (project, model_id, image_id, result, error))
    {
      ead_project_rollback (project);
      return FALSE;
    }
  return ead_project_commit (project, error);
}

/* ---- Testing ---- */

typedef struct {
  gint64 id;
  char *name;
  EadLabel label;
  char *type;       /* "good", the defect type or "anomalous" for the metrics */
} TestImage;

static void
test_image_clear (gpointer data)
{
  TestImage *t = data;
  g_free (t->name);
  g_free (t->type);
}

static GArray *
list_test_images (EadProject *project, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT l.image_id, i.folder || '/' || i.file_name, l.label,"
    "       coalesce (d.name, CASE l.label WHEN 'good' THEN 'good' ELSE 'anomalous' END)"
    " FROM labels l JOIN images i ON i.id = l.image_id"
    " LEFT JOIN defect_types d ON d.id = l.defect_type_id"
    " WHERE l.split = 'test' ORDER BY l.image_id", error);
  if (!s)
    return NULL;
  g_autoptr (GArray) images = g_array_new (FALSE, TRUE, sizeof (TestImage));
  g_array_set_clear_func (images, test_image_clear);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      TestImage t = {
        .id = sqlite3_column_int64 (s, 0),
        .name = ead_project_column_text (s, 1),
        .type = ead_project_column_text (s, 3),
      };
      ead_label_from_string ((const char *) sqlite3_column_text (s, 2), &t.label);
      g_array_append_val (images, t);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  if (images->len == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET,
                   "%s: no test images; import some with --split test", project->path);
      return NULL;
    }
  return g_steal_pointer (&images);
}

/* The labelled test images' maps, masks and regions of interest, which the
 * metrics read. */
typedef struct {
  GArray *views;       /* EadScoredImage */
  GPtrArray *buffers;  /* what they point to */
} Scored;

static gboolean
keep_for_metrics (EadProject *project, const TestImage *t, EadScoreResult *result,
                  Scored *scored, GError **error)
{
  const gsize n = (gsize) result->width * result->height;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (EadMask) mask = ead_project_load_mask (project, t->id, &local_error);
  if (local_error)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (mask && (gsize) ead_mask_get_width (mask) * ead_mask_get_height (mask) != n)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET,
                   "%s: the mask of image %" G_GINT64_FORMAT " does not fit its size",
                   project->path, t->id);
      return FALSE;
    }
  /* A defective image without a mask names no defect pixels: NULL leaves
   * it out of the pixel metrics. */
  guint8 *labels = mask ? g_memdup2 (ead_mask_get_data (mask), n)
                   : t->label == EAD_LABEL_GOOD ? g_malloc0 (n) : NULL;
  float *fused = g_steal_pointer (&result->fused);
  float *local = g_steal_pointer (&result->local);
  float *global = g_steal_pointer (&result->global);
  guint8 *roi = g_steal_pointer (&result->roi);
  g_ptr_array_add (scored->buffers, labels);
  g_ptr_array_add (scored->buffers, roi);
  g_ptr_array_add (scored->buffers, fused);
  g_ptr_array_add (scored->buffers, local);
  g_ptr_array_add (scored->buffers, global);
  EadScoredImage view = {
    .path = t->name,
    .type = t->type,
    .score = (float) result->score,
    .milliseconds = result->milliseconds,
    .width = result->width,
    .height = result->height,
    .map = fused,
    .local = local,
    .global = global,
    .mask = labels,
    .roi = roi,
  };
  g_array_append_val (scored->views, view);
  return TRUE;
}

static gboolean
test_image (EadProject *project, EadModel *model, gint64 model_id, const TestImage *t,
            EadPrecision precision, Scored *scored, GError **error)
{
  g_autoptr (EadImage) image = ead_project_load_image (project, t->id, error);
  g_auto (EadScoreResult) result = { 0 };
  if (!image || !ead_model_score (model, image, precision, EAD_SCORE_MAPS, &result, error)
      || !ead_project_store_result (project, model_id, t->id, &result, error))
    return FALSE;
  return t->label == EAD_LABEL_UNLABELLED || keep_for_metrics (project, t, &result, scored, error);
}

/* @type is NULL for the metrics over all test images: a defect type may
 * well be called "all". */
static gboolean
insert_metrics (EadProject *project, sqlite3_stmt *s, gint64 model_id, EadMapKind map,
                const char *type, const EadMetrics *m, const char *now, GError **error)
{
  /* SQLite stores NaN (undefined) as NULL. */
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_text (s, 2, ead_map_kind_to_string (map), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, type, -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 4, m->n_images);
  sqlite3_bind_double (s, 5, m->image_auroc);
  sqlite3_bind_double (s, 6, m->pixel_auroc);
  sqlite3_bind_double (s, 7, m->aupro);
  sqlite3_bind_double (s, 8, m->f1_max);
  sqlite3_bind_double (s, 9, m->threshold);
  sqlite3_bind_text (s, 10, now, -1, SQLITE_STATIC);
  return ead_project_step_statement (project, s, error);
}

/* One map's metrics: over all test images, then each defect type's. */
static gboolean
insert_map_metrics (EadProject *project, sqlite3_stmt *s, gint64 model_id, EadMapKind map,
                    const EadMetrics *overall, GArray *per_type, const char *now,
                    GError **error)
{
  if (!insert_metrics (project, s, model_id, map, NULL, overall, now, error))
    return FALSE;
  for (guint i = 0; i < per_type->len; i++)
    {
      const EadMetrics *m = &g_array_index (per_type, EadMetrics, i);
      if (!insert_metrics (project, s, model_id, map, m->type, m, now, error))
        return FALSE;
    }
  return TRUE;
}

/* Replaces the model's stored test metrics with @evaluation's. */
static gboolean
store_metrics (EadProject *project, gint64 model_id, const EadEvaluation *evaluation,
               GError **error)
{
  g_autoptr (sqlite3_stmt) clear = ead_project_prepare (project,
    "DELETE FROM test_metrics WHERE model_id = ?", error);
  g_autoptr (sqlite3_stmt) insert = clear ? ead_project_prepare (project,
    "INSERT INTO test_metrics (model_id, map, defect_type, n_images, image_auroc, pixel_auroc,"
    "  aupro, f1_max, threshold, tested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error) : NULL;
  if (!insert || !ead_project_begin (project, error))
    return FALSE;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_int64 (clear, 1, model_id);
  gboolean ok = ead_project_step_statement (project, clear, error)
                && insert_map_metrics (project, insert, model_id, EAD_MAP_FUSED,
                                       &evaluation->overall, evaluation->per_type, now, error);
  if (ok && evaluation->local != NULL)
    ok = insert_map_metrics (project, insert, model_id, EAD_MAP_LOCAL,
                             &evaluation->local->overall, evaluation->local->per_type, now, error)
         && insert_map_metrics (project, insert, model_id, EAD_MAP_GLOBAL,
                                &evaluation->global->overall, evaluation->global->per_type, now,
                                error);
  if (!ok)
    {
      ead_project_rollback (project);
      return FALSE;
    }
  return ead_project_commit (project, error);
}

EadEvaluation *
ead_project_test (EadProject *project, gint64 model_id, EadPrecision precision,
                  EadProjectProgress progress, gpointer user_data, GCancellable *cancellable,
                  GError **error)
{
  g_autoptr (EadModel) model = ead_project_load_model (project, model_id, error);
  g_autoptr (GArray) images = model ? list_test_images (project, error) : NULL;
  if (!images)
    return NULL;
  Scored scored = {
    .views = g_array_new (FALSE, FALSE, sizeof (EadScoredImage)),
    .buffers = g_ptr_array_new_with_free_func (g_free),
  };
  gboolean ok = TRUE;
  for (guint i = 0; i < images->len && ok; i++)
    {
      const TestImage *t = &g_array_index (images, TestImage, i);
      ok = !g_cancellable_set_error_if_cancelled (cancellable, error)
           && test_image (project, model, model_id, t, precision, &scored, error);
      if (ok && progress)
        progress (i + 1, images->len, user_data);
    }
  g_autoptr (EadEvaluation) evaluation = ok ? ead_evaluation_new_from_scores (
    (const EadScoredImage *) scored.views->data, scored.views->len) : NULL;
  g_array_unref (scored.views);
  g_ptr_array_unref (scored.buffers);
  if (!evaluation || !store_metrics (project, model_id, evaluation, error))
    return NULL;
  return g_steal_pointer (&evaluation);
}

static double
column_number (sqlite3_stmt *s, int column)
{
  return sqlite3_column_type (s, column) == SQLITE_NULL ? NAN : sqlite3_column_double (s, column);
}

static void
metrics_clear (gpointer data)
{
  g_free (((EadMetrics *) data)->type);
}

GArray *
ead_project_get_test_metrics (EadProject *project, gint64 model_id, EadMapKind map,
                              char **tested_at, GError **error)
{
  const char *map_name = ead_map_kind_to_string (map);
  g_return_val_if_fail (map_name != NULL, NULL);

  if (!ead_project_check_model (project, model_id, error))
    return NULL;
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT coalesce (defect_type, 'all'), n_images, image_auroc, pixel_auroc, aupro, f1_max, threshold,"
    "       tested_at"
    " FROM test_metrics WHERE model_id = ? AND map = ?"
    " ORDER BY defect_type IS NOT NULL, defect_type", error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, model_id);
  sqlite3_bind_text (s, 2, map_name, -1, SQLITE_STATIC);
  g_autoptr (GArray) metrics = g_array_new (FALSE, TRUE, sizeof (EadMetrics));
  g_array_set_clear_func (metrics, metrics_clear);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      EadMetrics m = {
        .type = ead_project_column_text (s, 0),
        .n_images = sqlite3_column_int (s, 1),
        .image_auroc = column_number (s, 2),
        .pixel_auroc = column_number (s, 3),
        .aupro = column_number (s, 4),
        .f1_max = column_number (s, 5),
        .threshold = column_number (s, 6),
      };
      g_array_append_val (metrics, m);
      if (tested_at && !*tested_at)
        *tested_at = ead_project_column_text (s, 7);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return g_steal_pointer (&metrics);
}

/* ---- Reading results ---- */

void
ead_result_info_clear (EadResultInfo *info)
{
  g_clear_pointer (&info->file_name, g_free);
  g_clear_pointer (&info->defect_type, g_free);
  g_clear_pointer (&info->note, g_free);
}

static void
result_info_clear (gpointer data)
{
  ead_result_info_clear (data);
}

static EadDecision
decision_from_string (const char *text)
{
  if (!text)
    return EAD_DECISION_NONE;
  return g_str_equal (text, "anomalous") ? EAD_DECISION_ANOMALOUS : EAD_DECISION_GOOD;
}

GArray *
ead_project_list_results (EadProject *project, gint64 model_id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT r.image_id, i.file_name, l.split, l.label, d.name, r.score, rd.decision,"
    "       r.milliseconds, v.verdict, v.note, r.local_score, r.global_score"
    " FROM results r JOIN images i ON i.id = r.image_id"
    " JOIN labels l ON l.image_id = r.image_id"
    " JOIN result_decisions rd ON rd.result_id = r.id"
    " LEFT JOIN defect_types d ON d.id = l.defect_type_id"
    " LEFT JOIN reviews v ON v.result_id = r.id"
    " WHERE r.model_id = ? ORDER BY r.image_id", error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, model_id);
  g_autoptr (GArray) results = g_array_new (FALSE, TRUE, sizeof (EadResultInfo));
  g_array_set_clear_func (results, result_info_clear);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      EadResultInfo info = {
        .image_id = sqlite3_column_int64 (s, 0),
        .file_name = ead_project_column_text (s, 1),
        .defect_type = ead_project_column_text (s, 4),
        .score = sqlite3_column_double (s, 5),
        .decision = decision_from_string ((const char *) sqlite3_column_text (s, 6)),
        .milliseconds = sqlite3_column_double (s, 7),
        .note = ead_project_column_text (s, 9),
        .local_score = column_number (s, 10),
        .global_score = column_number (s, 11),
      };
      ead_split_from_string ((const char *) sqlite3_column_text (s, 2), &info.split);
      ead_label_from_string ((const char *) sqlite3_column_text (s, 3), &info.label);
      if (sqlite3_column_type (s, 8) != SQLITE_NULL)
        ead_verdict_from_string ((const char *) sqlite3_column_text (s, 8), &info.verdict);
      g_array_append_val (results, info);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return g_steal_pointer (&results);
}

GArray *
ead_project_list_tested_models (EadProject *project, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT DISTINCT r.model_id FROM results r JOIN labels l ON l.image_id = r.image_id"
    " WHERE l.split = 'test' ORDER BY r.model_id", error);
  if (!s)
    return NULL;
  g_autoptr (GArray) models = g_array_new (FALSE, FALSE, sizeof (gint64));
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (s, 0);
      g_array_append_val (models, id);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return g_steal_pointer (&models);
}

/* ---- Review ---- */

gboolean
ead_project_review (EadProject *project, gint64 model_id, gint64 image_id, EadVerdict verdict,
                    const char *note, GError **error)
{
  g_return_val_if_fail (verdict != EAD_VERDICT_NONE, FALSE);

  g_autoptr (sqlite3_stmt) find = ead_project_prepare (project,
    "SELECT id FROM results WHERE model_id = ? AND image_id = ?", error);
  if (!find)
    return FALSE;
  sqlite3_bind_int64 (find, 1, model_id);
  sqlite3_bind_int64 (find, 2, image_id);
  if (!ead_project_one_row (project, find, error, "result of model %" G_GINT64_FORMAT
                            " for image %" G_GINT64_FORMAT, model_id, image_id))
    return FALSE;
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT OR REPLACE INTO reviews (result_id, verdict, note, reviewed_by, reviewed_at)"
    " VALUES (?, ?, ?, ?, ?)", error);
  if (!s)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_int64 (s, 1, sqlite3_column_int64 (find, 0));
  sqlite3_bind_text (s, 2, ead_verdict_to_string (verdict), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, note, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 5, now, -1, SQLITE_STATIC);
  return ead_project_step_statement (project, s, error);
}

gboolean
ead_project_move_false_positives (EadProject *project, gint64 model_id, guint *n_moved,
                                  GError **error)
{
  if (!ead_project_check_model (project, model_id, error))
    return FALSE;
  /* A good image has no defect and so no mask. */
  g_autoptr (sqlite3_stmt) unmask = ead_project_prepare (project,
    "DELETE FROM masks WHERE image_id IN (SELECT r.image_id FROM results r"
    "  JOIN reviews v ON v.result_id = r.id"
    "  WHERE r.model_id = ? AND v.verdict = 'false-positive')", error);
  g_autoptr (sqlite3_stmt) move = unmask ? ead_project_prepare (project,
    "UPDATE labels SET label = 'good', defect_type_id = NULL, split = 'train',"
    "                  changed_by = ?, changed_at = ?"
    " WHERE NOT (label = 'good' AND split = 'train') AND image_id IN (SELECT r.image_id"
    "  FROM results r JOIN reviews v ON v.result_id = r.id"
    "  WHERE r.model_id = ? AND v.verdict = 'false-positive')", error) : NULL;
  if (!move || !ead_project_begin (project, error))
    return FALSE;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_int64 (unmask, 1, model_id);
  sqlite3_bind_text (move, 1, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (move, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (move, 3, model_id);
  if (!ead_project_step_statement (project, unmask, error)
      || !ead_project_step_statement (project, move, error))
    {
      ead_project_rollback (project);
      return FALSE;
    }
  *n_moved = sqlite3_changes (project->db);
  return ead_project_commit (project, error);
}

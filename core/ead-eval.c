/* ead-eval.c: scoring a test set and the metrics over it. */

#include "ead-eval.h"

#include <math.h>

#include "ead-dataset.h"
#include "ead-error.h"
#include "ead-metrics.h"

/* What the metrics of one test image point to. */
typedef struct {
  EadScoreResult maps;   /* at image resolution */
  EadMask *mask;         /* all zero for good images, NULL for defective
                          * ones without a mask */
} Scored;

static void
scored_clear (Scored *s)
{
  ead_score_result_clear (&s->maps);
  g_clear_pointer (&s->mask, ead_mask_free);
}

/* The mask of @sample into @out: empty for a good image, NULL for a
 * defective one without a mask file. */
static gboolean
load_mask_for (const EadSample *sample, int width, int height, EadMask **out, GError **error)
{
  *out = NULL;
  if (!sample->mask_path)
    {
      if (g_str_equal (sample->type, "good"))
        *out = ead_mask_new_empty (width, height);
      return TRUE;
    }
  g_autoptr (EadMask) mask = ead_mask_load (sample->mask_path, error);
  if (!mask)
    return FALSE;
  if (ead_mask_get_width (mask) != width || ead_mask_get_height (mask) != height)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET,
                   "%s is %dx%d but its image %s is %dx%d", sample->mask_path,
                   ead_mask_get_width (mask), ead_mask_get_height (mask), sample->path,
                   width, height);
      return FALSE;
    }
  *out = g_steal_pointer (&mask);
  return TRUE;
}

/* Scores @image into @out and points @view at what it holds. */
static gboolean
score_sample (EadModel *model, const EadSample *sample, const EadImage *image,
              EadPrecision precision, Scored *out, EadScoredImage *view, GError **error)
{
  const EadScoreResult *maps = &out->maps;
  if (!ead_model_score (model, image, precision, EAD_SCORE_MAPS, &out->maps, error))
    return FALSE;
  if (!load_mask_for (sample, maps->width, maps->height, &out->mask, error))
    return FALSE;
  *view = (EadScoredImage) {
    .path = sample->path,
    .type = sample->type,
    .score = maps->score,
    .milliseconds = maps->milliseconds,
    .width = maps->width,
    .height = maps->height,
    .map = maps->fused,
    .local = maps->local,
    .global = maps->global,
    .mask = out->mask != NULL ? ead_mask_get_data (out->mask) : NULL,
    .roi = maps->roi,
  };
  return TRUE;
}

static gboolean
is_anomalous (const EadScoredImage *image)
{
  return !g_str_equal (image->type, "good");
}

/* Appends the scores and labels of the @n pixels of @map inside @roi (all
 * when NULL); returns how many. */
static gsize
gather_inspected (const float *map, const guint8 *mask, const guint8 *roi, gsize n,
                  float *scores, guint8 *labels)
{
  if (!roi)
    {
      memcpy (scores, map, n * sizeof (float));
      memcpy (labels, mask, n);
      return n;
    }
  gsize kept = 0;
  for (gsize p = 0; p < n; p++)
    if (roi[p])
      {
        scores[kept] = map[p];
        labels[kept++] = mask[p];
      }
  return kept;
}

/* Metrics over the images for which @include is TRUE; the pixel metrics
 * over those of them with a mask. */
static void
compute_metrics (const EadScoredImage *scored, guint n, const gboolean *include, EadMetrics *m)
{
  g_autofree float *scores = g_new (float, n);
  g_autofree guint8 *labels = g_new (guint8, n);
  g_autofree const float **maps = g_new (const float *, n);
  g_autofree const guint8 **masks = g_new (const guint8 *, n);
  g_autofree const guint8 **rois = g_new (const guint8 *, n);
  g_autofree int *widths = g_new (int, n);
  g_autofree int *heights = g_new (int, n);
  guint k = 0, n_masked = 0;
  gsize n_pixels = 0;
  for (guint i = 0; i < n; i++)
    if (include[i])
      {
        scores[k] = (float) scored[i].score;
        labels[k] = is_anomalous (&scored[i]);
        k++;
        if (scored[i].mask == NULL)
          continue;
        maps[n_masked] = scored[i].map;
        masks[n_masked] = scored[i].mask;
        rois[n_masked] = scored[i].roi;
        widths[n_masked] = scored[i].width;
        heights[n_masked] = scored[i].height;
        n_pixels += (gsize) widths[n_masked] * heights[n_masked];
        n_masked++;
      }
  m->n_images = k;
  m->image_auroc = ead_auroc (scores, labels, k);
  m->f1_max = ead_f1_max (scores, labels, k, &m->threshold);
  m->aupro = ead_aupro (maps, masks, rois, widths, heights, n_masked, EAD_AUPRO_FPR_LIMIT);

  g_autofree float *pixel_scores = g_new (float, MAX (n_pixels, 1));
  g_autofree guint8 *pixel_labels = g_new (guint8, MAX (n_pixels, 1));
  gsize offset = 0;
  for (guint i = 0; i < n_masked; i++)
    offset += gather_inspected (maps[i], masks[i], rois[i], (gsize) widths[i] * heights[i],
                                pixel_scores + offset, pixel_labels + offset);
  m->pixel_auroc = ead_auroc (pixel_scores, pixel_labels, offset);
}

static GPtrArray *
defect_types (const EadScoredImage *scored, guint n)
{
  g_autoptr (GPtrArray) types = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    if (is_anomalous (&scored[i])
        && !g_ptr_array_find_with_equal_func (types, scored[i].type, g_str_equal, NULL))
      g_ptr_array_add (types, (gpointer) scored[i].type);
  ead_dataset_sort_names (types);
  return g_steal_pointer (&types);
}

static void
metrics_clear (gpointer data)
{
  g_free (((EadMetrics *) data)->type);
}

static GArray *
metrics_array_new (void)
{
  GArray *metrics = g_array_new (FALSE, TRUE, sizeof (EadMetrics));
  g_array_set_clear_func (metrics, metrics_clear);
  return metrics;
}

static void
image_score_clear (gpointer data)
{
  EadImageScore *s = data;
  g_free (s->path);
  g_free (s->type);
}

static EadEvaluation *
evaluation_new (void)
{
  EadEvaluation *e = g_new0 (EadEvaluation, 1);
  e->per_type = metrics_array_new ();
  e->images = g_array_new (FALSE, TRUE, sizeof (EadImageScore));
  g_array_set_clear_func (e->images, image_score_clear);
  return e;
}

/* The metrics of all @scored and of each defect type with the good ones. */
static void
summarise (const EadScoredImage *scored, guint n, EadMetrics *overall, GArray *per_type)
{
  g_autofree gboolean *include = g_new (gboolean, n);
  for (guint i = 0; i < n; i++)
    include[i] = TRUE;
  overall->type = g_strdup ("all");
  compute_metrics (scored, n, include, overall);

  g_autoptr (GPtrArray) types = defect_types (scored, n);
  for (guint t = 0; t < types->len; t++)
    {
      for (guint i = 0; i < n; i++)
        include[i] = !is_anomalous (&scored[i]) || g_str_equal (scored[i].type, types->pdata[t]);
      EadMetrics m = { .type = g_strdup (types->pdata[t]) };
      compute_metrics (scored, n, include, &m);
      g_array_append_val (per_type, m);
    }
}

/* The metrics of the local (@local TRUE) or global map of @images alone. */
static EadMapMetrics *
map_metrics_new (const EadScoredImage *images, guint n, gboolean local)
{
  g_autofree EadScoredImage *alone = g_memdup2 (images, n * sizeof *images);
  for (guint i = 0; i < n; i++)
    {
      alone[i].map = local ? images[i].local : images[i].global;
      alone[i].score = ead_map_max_inside (alone[i].map, alone[i].roi,
                                           (gsize) alone[i].width * alone[i].height);
    }
  EadMapMetrics *metrics = g_new0 (EadMapMetrics, 1);
  metrics->per_type = metrics_array_new ();
  summarise (alone, n, &metrics->overall, metrics->per_type);
  return metrics;
}

static void
map_metrics_free (EadMapMetrics *metrics)
{
  if (!metrics)
    return;
  g_free (metrics->overall.type);
  g_array_unref (metrics->per_type);
  g_free (metrics);
}

static void
image_score_init (EadImageScore *record, const EadScoredImage *image)
{
  const gsize pixels = (gsize) image->width * image->height;
  gsize peak = ead_map_peak_inside (image->map, image->roi, pixels);
  if (peak == pixels)
    peak = 0;
  *record = (EadImageScore) {
    .path = g_strdup (image->path),
    .type = g_strdup (image->type),
    .score = image->score,
    .milliseconds = image->milliseconds,
    .width = image->width,
    .height = image->height,
    .peak_x = image->width > 0 ? (int) (peak % image->width) : 0,
    .peak_y = image->width > 0 ? (int) (peak / image->width) : 0,
    .local_score = image->local ? ead_map_max_inside (image->local, image->roi, pixels) : NAN,
    .global_score = image->global ? ead_map_max_inside (image->global, image->roi, pixels) : NAN,
  };
}

EadEvaluation *
ead_evaluation_new_from_scores (const EadScoredImage *images, guint n)
{
  EadEvaluation *evaluation = evaluation_new ();
  double total_ms = 0;
  for (guint i = 0; i < n; i++)
    {
      EadImageScore record;
      image_score_init (&record, &images[i]);
      g_array_append_val (evaluation->images, record);
      total_ms += images[i].milliseconds;
    }
  evaluation->ms_per_image = n > 0 ? total_ms / n : NAN;
  summarise (images, n, &evaluation->overall, evaluation->per_type);
  gboolean have_branches = n > 0;
  for (guint i = 0; i < n; i++)
    have_branches = have_branches && images[i].local && images[i].global;
  if (have_branches)
    {
      evaluation->local = map_metrics_new (images, n, TRUE);
      evaluation->global = map_metrics_new (images, n, FALSE);
    }
  return evaluation;
}

EadEvaluation *
ead_evaluate (EadModel *model, EadDataset *dataset, EadPrecision precision,
              EadEvalCallback callback, gpointer user_data, GCancellable *cancellable,
              GError **error)
{
  const guint n = ead_dataset_get_n_samples (dataset, EAD_SPLIT_TEST);
  if (n == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET, "%s: no test images",
                   ead_dataset_get_name (dataset));
      return NULL;
    }
  Scored *scored = g_new0 (Scored, n);
  g_autofree EadScoredImage *views = g_new0 (EadScoredImage, n);
  gboolean ok = TRUE;
  for (guint i = 0; i < n && ok; i++)
    {
      const EadSample *sample = ead_dataset_get_sample (dataset, EAD_SPLIT_TEST, i);
      g_autoptr (EadImage) image = NULL;
      ok = !g_cancellable_set_error_if_cancelled (cancellable, error)
           && (image = ead_image_load (sample->path, error)) != NULL
           && score_sample (model, sample, image, precision, &scored[i], &views[i], error);
      if (!ok)
        break;
      if (callback)
        callback (sample, image, &scored[i].maps, i + 1, n, user_data);
    }
  EadEvaluation *evaluation = ok ? ead_evaluation_new_from_scores (views, n) : NULL;
  for (guint i = 0; i < n; i++)
    scored_clear (&scored[i]);
  g_free (scored);
  return evaluation;
}

void
ead_evaluation_free (EadEvaluation *evaluation)
{
  if (!evaluation)
    return;
  g_free (evaluation->overall.type);
  g_array_unref (evaluation->per_type);
  g_array_unref (evaluation->images);
  map_metrics_free (evaluation->local);
  map_metrics_free (evaluation->global);
  g_free (evaluation);
}

/* ead-calibrate.c: teacher normalisation and map quantiles. */

#include "ead-calibrate.h"

#include <math.h>

#include "ead-error.h"
#include "ead-quantile.h"
#include "ead-score.h"
#include "ead-torch.h"

#define QUANTILE_START 0.9
#define QUANTILE_END 0.995

static float *
normalized_input (const EadImage *image, int size)
{
  float *input = g_new (float, 3 * (gsize) size * size);
  ead_image_to_normalized_tensor (image, size, input);
  return input;
}

static void
normalize_features (float *features, gsize cells, const float *mean, const float *std)
{
  for (int c = 0; c < EAD_TEACHER_CHANNELS; c++)
    for (gsize i = 0; i < cells; i++)
      features[c * cells + i] = (features[c * cells + i] - mean[c]) / std[c];
}

static gboolean
store_teacher_statistics (EadNets *nets, const float *mean, const float *std, GError **error)
{
  return ead_nets_write_tensor (nets, ead_nets_find_tensor (nets, "teacher_mean"), mean, error)
      && ead_nets_write_tensor (nets, ead_nets_find_tensor (nets, "teacher_std"), std, error);
}

GPtrArray *
ead_calibrate_teacher (EadModel *model, EadImage *const *images, guint n, guint n_cached,
                       GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (n > 0 && n_cached <= n, NULL);
  EadNets *nets = ead_model_get_nets (model);
  const int size = ead_model_get_image_size (model);
  const int side = ead_nets_get_output_size (nets);
  const gsize cells = (gsize) side * side;
  const gsize n_features = EAD_TEACHER_CHANNELS * cells;

  /* Sums in double: the population variance as E[x^2] - E[x]^2 stays exact
   * enough over a few million values per channel. */
  double sum[EAD_TEACHER_CHANNELS] = { 0 }, sum_squares[EAD_TEACHER_CHANNELS] = { 0 };
  g_autoptr (GPtrArray) cache = g_ptr_array_new_with_free_func (g_free);
  g_autofree float *scratch = g_new (float, n_features);
  for (guint i = 0; i < n; i++)
    {
      g_autofree float *input = normalized_input (images[i], size);
      float *features = i < n_cached ? g_new (float, n_features) : scratch;
      if (i < n_cached)
        g_ptr_array_add (cache, features);
      if (g_cancellable_set_error_if_cancelled (cancellable, error)
          || !ead_nets_teacher_forward (nets, input, 1, features, error))
        return NULL;
      for (int c = 0; c < EAD_TEACHER_CHANNELS; c++)
        for (gsize j = 0; j < cells; j++)
          {
            double x = features[c * cells + j];
            sum[c] += x;
            sum_squares[c] += x * x;
          }
    }

  float mean[EAD_TEACHER_CHANNELS], std[EAD_TEACHER_CHANNELS];
  const double count = (double) n * cells;
  for (int c = 0; c < EAD_TEACHER_CHANNELS; c++)
    {
      double m = sum[c] / count;
      double variance = MAX (sum_squares[c] / count - m * m, 0.0);
      mean[c] = (float) m;
      /* A channel that never varies would divide by zero. */
      std[c] = (float) MAX (sqrt (variance), 1e-6);
    }
  if (!store_teacher_statistics (nets, mean, std, error))
    return NULL;
  for (guint i = 0; i < cache->len; i++)
    normalize_features (cache->pdata[i], cells, mean, std);
  return g_steal_pointer (&cache);
}

/* Keeps, in place, the cells of each of @n maps of @cells values that lie
 * inside @inside; returns how many values are left. */
static gsize
keep_cells_inside (float *maps, guint n, gsize cells, const guint8 *inside)
{
  gsize kept = 0;
  for (gsize i = 0; i < n * cells; i++)
    if (inside[i % cells])
      maps[kept++] = maps[i];
  return kept;
}

gboolean
ead_calibrate_quantiles (EadModel *model, EadImage *const *images, guint n,
                         EadPrecision precision, GCancellable *cancellable, GError **error)
{
  if (n == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "calibration needs at least one validation image");
      return FALSE;
    }
  const int side = ead_model_get_map_side (model);
  const gsize cells = (gsize) side * side;
  g_autofree float *local = g_new (float, n * cells);
  g_autofree float *global = g_new (float, n * cells);
  for (guint i = 0; i < n; i++)
    if (g_cancellable_set_error_if_cancelled (cancellable, error)
        || !ead_model_raw_maps (model, images[i], precision, local + i * cells,
                                global + i * cells, error))
      return FALSE;

  gsize n_values = n * cells;
  const EadRoi *roi = ead_model_get_roi (model);
  if (roi)
    {
      g_autofree guint8 *inside = ead_roi_resize_to_map (roi, side, EAD_MAP_PADDING);
      n_values = keep_cells_inside (local, n, cells, inside);
      keep_cells_inside (global, n, cells, inside);
    }
  if (n_values == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "calibration failed: the region of interest covers no cell of the "
                   "%d x %d maps", side, side);
      return FALSE;
    }

  EadQuantiles q;
  q.st_start = ead_quantile_inplace (local, n_values, QUANTILE_START);
  q.st_end = ead_quantile_inplace (local, n_values, QUANTILE_END);
  q.ae_start = ead_quantile_inplace (global, n_values, QUANTILE_START);
  q.ae_end = ead_quantile_inplace (global, n_values, QUANTILE_END);
  if (!ead_quantiles_are_usable (&q))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_FAILED,
                   "calibration failed: the validation maps are constant (0.995 quantile "
                   "equals the 0.9 quantile); are the validation images all identical?");
      return FALSE;
    }
  ead_model_set_quantiles (model, &q);
  return TRUE;
}

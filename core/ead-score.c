/* ead-score.c: from raw network maps to normalised maps and a score. */

#include "ead-score.h"

#include <math.h>

#include "ead-error.h"
#include "ead-tiles.h"
#include "ead-torch.h"

void
ead_map_normalize (float *map, gsize n, double start, double end)
{
  const double scale = 0.1 / (end - start);
  for (gsize i = 0; i < n; i++)
    map[i] = (float) ((map[i] - start) * scale);
}

/* Source coordinate and weights of bilinear resampling with
 * align_corners = false, as torch computes them when upsampling. */
typedef struct {
  int low, high;
  float high_weight;
} Tap;

static Tap *
compute_taps (int in_size, int out_size)
{
  Tap *taps = g_new (Tap, out_size);
  const double scale = (double) in_size / out_size;
  for (int i = 0; i < out_size; i++)
    {
      double source = MAX (scale * (i + 0.5) - 0.5, 0.0);
      int low = MIN ((int) source, in_size - 1);
      taps[i].low = low;
      taps[i].high = low < in_size - 1 ? low + 1 : low;
      taps[i].high_weight = (float) (source - low);
    }
  return taps;
}

void
ead_map_pad_and_resize (const float *map, int side, int pad, float *out, int width, int height)
{
  const int padded = side + 2 * pad;
  g_autofree float *grid = g_new0 (float, (gsize) padded * padded);
  for (int y = 0; y < side; y++)
    memcpy (grid + (gsize) (y + pad) * padded + pad, map + (gsize) y * side, side * sizeof (float));

  g_autofree Tap *xs = compute_taps (padded, width);
  g_autofree Tap *ys = compute_taps (padded, height);
  for (int y = 0; y < height; y++)
    {
      const float *row0 = grid + (gsize) ys[y].low * padded;
      const float *row1 = grid + (gsize) ys[y].high * padded;
      const float wy = ys[y].high_weight;
      float *dest = out + (gsize) y * width;
      for (int x = 0; x < width; x++)
        {
          const float wx = xs[x].high_weight;
          float top = row0[xs[x].low] + wx * (row0[xs[x].high] - row0[xs[x].low]);
          float bottom = row1[xs[x].low] + wx * (row1[xs[x].high] - row1[xs[x].low]);
          dest[x] = top + wy * (bottom - top);
        }
    }
}

void
ead_map_clear_outside (float *map, const guint8 *roi, gsize n)
{
  if (!roi)
    return;
  for (gsize i = 0; i < n; i++)
    if (!roi[i])
      map[i] = 0.0f;
}

gsize
ead_map_peak_inside (const float *map, const guint8 *roi, gsize n)
{
  gsize peak = n;
  for (gsize i = 0; i < n; i++)
    if ((!roi || roi[i]) && (peak == n || map[i] > map[peak]))
      peak = i;
  return peak;
}

float
ead_map_max_inside (const float *map, const guint8 *roi, gsize n)
{
  gsize peak = ead_map_peak_inside (map, roi, n);
  return peak < n ? map[peak] : 0.0f;
}

/* Pads and resizes a raw map to the image, then clears it outside @roi. */
static float *
map_to_image (const float *map, int side, const guint8 *roi, int width, int height)
{
  float *out = g_new (float, (gsize) width * height);
  ead_map_pad_and_resize (map, side, EAD_MAP_PADDING, out, width, height);
  ead_map_clear_outside (out, roi, (gsize) width * height);
  return out;
}

/* Enough to keep the CPU's cores busy, few enough that a 8 x 8 tiling
 * needs the memory of four inputs, not of 64. */
#define TILES_PER_BATCH 4

int
ead_model_get_map_side (EadModel *model)
{
  const int size = ead_model_get_image_size (model);
  const int tile_map_side = ead_nets_get_output_size (ead_model_get_nets (model));
  return ead_tiles_map_side (size, ead_model_get_tiles (model), tile_map_side);
}

gboolean
ead_model_raw_maps (EadModel *model, const EadImage *image, EadPrecision precision,
                    float *local, float *global, GError **error)
{
  EadNets *nets = ead_model_get_nets (model);
  const int size = ead_model_get_image_size (model);
  const int tiles = ead_model_get_tiles (model);
  const gsize input_floats = 3 * (gsize) size * size;

  if (tiles == 1)
    {
      g_autofree float *input = g_new (float, input_floats);
      ead_image_to_normalized_tensor (image, size, input);
      return ead_nets_predict (nets, input, 1, precision, local, global, error);
    }

  /* The tiles in batches of a few, then their maps stitched. */
  g_autoptr (GPtrArray) cut = ead_tiles_cut (image, size, tiles);
  const int tile_map_side = ead_nets_get_output_size (nets);
  const gsize tile_cells = (gsize) tile_map_side * tile_map_side;
  g_autofree float *inputs = g_new (float, TILES_PER_BATCH * input_floats);
  g_autofree float *tile_local = g_new (float, cut->len * tile_cells);
  g_autofree float *tile_global = g_new (float, cut->len * tile_cells);
  for (guint first = 0; first < cut->len; first += TILES_PER_BATCH)
    {
      const guint n = MIN (TILES_PER_BATCH, cut->len - first);
      for (guint i = 0; i < n; i++)
        ead_image_to_normalized_tensor (cut->pdata[first + i], size, inputs + i * input_floats);
      if (!ead_nets_predict (nets, inputs, (int) n, precision, tile_local + first * tile_cells,
                             tile_global + first * tile_cells, error))
        return FALSE;
    }
  ead_tiles_stitch (tile_local, size, tiles, tile_map_side, local);
  ead_tiles_stitch (tile_global, size, tiles, tile_map_side, global);
  return TRUE;
}

gboolean
ead_model_score (EadModel *model, const EadImage *image, EadPrecision precision,
                 EadScoreFlags flags, EadScoreResult *result, GError **error)
{
  memset (result, 0, sizeof *result);
  if (!ead_model_is_calibrated (model))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "the model is not calibrated: it has no map quantiles");
      return FALSE;
    }
  const int side = ead_model_get_map_side (model);
  const gsize cells = (gsize) side * side;
  const int width = ead_image_get_width (image), height = ead_image_get_height (image);
  const gsize pixels = (gsize) width * height;

  gint64 start = g_get_monotonic_time ();
  g_autofree float *local = g_new (float, cells);
  g_autofree float *global = g_new (float, cells);
  if (!ead_model_raw_maps (model, image, precision, local, global, error))
    return FALSE;

  const EadQuantiles *q = ead_model_get_quantiles (model);
  ead_map_normalize (local, cells, q->st_start, q->st_end);
  ead_map_normalize (global, cells, q->ae_start, q->ae_end);
  const double weight = ead_model_get_local_weight (model);
  const float local_weight = (float) weight, global_weight = (float) (1.0 - weight);
  g_autofree float *fused = g_new (float, cells);
  for (gsize i = 0; i < cells; i++)
    fused[i] = local_weight * local[i] + global_weight * global[i];

  const EadRoi *roi = ead_model_get_roi (model);
  g_autofree guint8 *roi_full = roi ? ead_roi_resize (roi, width, height) : NULL;
  g_autofree float *fused_full = map_to_image (fused, side, roi_full, width, height);
  result->score = ead_map_max_inside (fused_full, roi_full, pixels);
  result->width = width;
  result->height = height;
  result->local_score = result->global_score = NAN;
  if (flags & EAD_SCORE_MAPS)
    {
      result->local = map_to_image (local, side, roi_full, width, height);
      result->global = map_to_image (global, side, roi_full, width, height);
      result->local_score = ead_map_max_inside (result->local, roi_full, pixels);
      result->global_score = ead_map_max_inside (result->global, roi_full, pixels);
      result->fused = g_steal_pointer (&fused_full);
      result->roi = g_steal_pointer (&roi_full);
    }
  result->milliseconds = (g_get_monotonic_time () - start) / 1000.0;
  return TRUE;
}

void
ead_score_result_clear (EadScoreResult *result)
{
  g_clear_pointer (&result->local, g_free);
  g_clear_pointer (&result->global, g_free);
  g_clear_pointer (&result->fused, g_free);
  g_clear_pointer (&result->roi, g_free);
}

/* test-score.c: the steps from raw maps to the image's resolution, and
 * scoring and calibrating within a region of interest. */

#include <math.h>

#include "ead-calibrate.h"
#include "ead-quantile.h"
#include "ead-random.h"
#include "ead-score.h"
#include "torch/ead-torch.h"   /* the shim: the raw maps, by hand */

static void
test_normalize (void)
{
  /* 0.1 * (m - start) / (end - start) with start 2, end 4. */
  float map[] = { 2.0f, 4.0f, 3.0f, 0.0f };
  ead_map_normalize (map, 4, 2.0, 4.0);
  g_assert_cmpfloat_with_epsilon (map[0], 0.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (map[1], 0.1, 1e-7);
  g_assert_cmpfloat_with_epsilon (map[2], 0.05, 1e-7);
  g_assert_cmpfloat_with_epsilon (map[3], -0.1, 1e-7);
}

/* A single 1 padded by one zero is the 3x3 grid [0 0 0; 0 1 0; 0 0 0].
 * Upsampling it to 6 with align_corners = false reads source positions
 * 0.5 (i + 0.5) - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25, 1.75, 2.25
 * (clamped to the last cell), so each axis weighs the centre cell by
 * 0, 0.25, 0.75, 0.75, 0.25, 0 and the result is their outer product. */
static void
test_pad_and_resize_by_hand (void)
{
  const float map[] = { 1.0f };
  const double profile[] = { 0, 0.25, 0.75, 0.75, 0.25, 0 };
  float out[36];
  ead_map_pad_and_resize (map, 1, 1, out, 6, 6);
  for (int y = 0; y < 6; y++)
    for (int x = 0; x < 6; x++)
      g_assert_cmpfloat_with_epsilon (out[y * 6 + x], profile[y] * profile[x], 1e-6);
}

/* Non-square output: each axis follows its own scale. */
static void
test_pad_and_resize_rectangular (void)
{
  /* Unpadded 2x2 grid [1 3; 1 3] to 4 wide, 2 high. */
  const float grid[] = { 1.0f, 3.0f, 1.0f, 3.0f };
  float out[4 * 2];
  ead_map_pad_and_resize (grid, 2, 0, out, 4, 2);
  /* Along x, positions -0.25 (clamped), 0.25, 0.75, 1.25 (clamped high):
   * 1, 1.5, 2.5, 3. Along y the rows are equal. */
  const float expected[] = { 1, 1.5f, 2.5f, 3 };
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 4; x++)
      g_assert_cmpfloat_with_epsilon (out[y * 4 + x], expected[x], 1e-6);
}

/* At the map's own size, resizing returns it unchanged. */
static void
test_identity_size (void)
{
  float grid[9];
  for (int i = 0; i < 9; i++)
    grid[i] = (float) i;
  float out[9];
  ead_map_pad_and_resize (grid, 3, 0, out, 3, 3);
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat (out[i], ==, grid[i]);
}

/* ---- Regions of interest ---- */

#define SIDE 256
#define N_GOOD 4

/* Grey noise, the good parts of these tests: a texture the maps vary on. */
static EadImage *
noise_image (guint64 seed)
{
  EadRandom random;
  ead_random_init (&random, seed, 0);
  g_autofree guint8 *rgb = g_new (guint8, 3 * SIDE * SIDE);
  for (gsize i = 0; i < SIDE * SIDE; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = 96 + ead_random_below (&random, 64);
  return ead_image_new_from_rgb8 (rgb, SIDE, SIDE, 3 * SIDE);
}

/* The first good part with a defect: a saturated red square in the right
 * half. */
static EadImage *
defective_image (void)
{
  g_autoptr (EadImage) good = noise_image (0);
  g_autofree guint8 *rgb = g_memdup2 (ead_image_get_pixels (good), 3 * SIDE * SIDE);
  for (int y = 100; y < 140; y++)
    for (int x = 190; x < 230; x++)
      {
        guint8 *p = rgb + 3 * (y * SIDE + x);
        p[0] = 255, p[1] = 0, p[2] = 0;
      }
  return ead_image_new_from_rgb8 (rgb, SIDE, SIDE, 3 * SIDE);
}

/* The left half of the image. */
static EadRoi *
left_half (void)
{
  const int rect[][4] = { { 0, 0, SIDE / 2, SIDE } };
  return ead_roi_new_from_rects (rect, 1, SIDE, SIDE, NULL);
}

typedef struct {
  EadModel *model;   /* random networks, teacher statistics from the good parts */
  GPtrArray *good;   /* EadImage */
} RoiFixture;

static void
roi_fixture_set_up (RoiFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (3);
  f->model = ead_model_new (EAD_MODEL_SMALL, SIDE, &error);
  g_assert_no_error (error);
  f->good = g_ptr_array_new_with_free_func ((GDestroyNotify) ead_image_free);
  for (guint i = 0; i < N_GOOD; i++)
    g_ptr_array_add (f->good, noise_image (i));
  g_autoptr (GPtrArray) cache = ead_calibrate_teacher (f->model, (EadImage *const *) f->good->pdata,
                                                       N_GOOD, 0, NULL, &error);
  g_assert_no_error (error);
}

static void
roi_fixture_tear_down (RoiFixture *f, gconstpointer data)
{
  ead_model_free (f->model);
  g_ptr_array_unref (f->good);
}

static void
calibrate (RoiFixture *f)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ead_calibrate_quantiles (f->model, (EadImage *const *) f->good->pdata, N_GOOD,
                                          EAD_PRECISION_FP32, NULL, &error));
  g_assert_no_error (error);
}

static double
score_of (EadModel *model, const EadImage *image)
{
  g_autoptr (GError) error = NULL;
  g_auto (EadScoreResult) result = { 0 };
  g_assert_true (ead_model_score (model, image, EAD_PRECISION_FP32, 0, &result, &error));
  /* Without the maps, no map's own maximum. */
  g_assert_true (isnan (result.local_score) && isnan (result.global_score));
  return result.score;
}

/* The raw local and global maps of @image, as the networks give them. */
static void
raw_maps (EadModel *model, const EadImage *image, float *local, float *global)
{
  g_autofree float *input = g_new (float, 3 * SIDE * SIDE);
  ead_image_to_normalized_tensor (image, SIDE, input);
  g_assert_true (ead_nets_predict (ead_model_get_nets (model), input, 1, EAD_PRECISION_FP32,
                                   local, global, NULL));
}

/* Without a region of interest the score is what it always was: the
 * maximum of the fused map computed step by step. */
static void
test_roi_none_unchanged (RoiFixture *f, gconstpointer data)
{
  calibrate (f);
  g_autoptr (EadImage) image = defective_image ();
  const int side = ead_nets_get_output_size (ead_model_get_nets (f->model));
  const gsize cells = (gsize) side * side;
  g_autofree float *local = g_new (float, cells), *global = g_new (float, cells);
  g_autofree float *fused = g_new (float, cells), *full = g_new (float, SIDE * SIDE);
  raw_maps (f->model, image, local, global);
  const EadQuantiles *q = ead_model_get_quantiles (f->model);
  ead_map_normalize (local, cells, q->st_start, q->st_end);
  ead_map_normalize (global, cells, q->ae_start, q->ae_end);
  for (gsize i = 0; i < cells; i++)
    fused[i] = 0.5f * local[i] + 0.5f * global[i];
  ead_map_pad_and_resize (fused, side, EAD_MAP_PADDING, full, SIDE, SIDE);
  float top = -G_MAXFLOAT;
  for (gsize i = 0; i < SIDE * SIDE; i++)
    top = MAX (top, full[i]);
  g_auto (EadScoreResult) result = { 0 };
  g_assert_true (ead_model_score (f->model, image, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &result,
                                  NULL));
  g_assert_cmpfloat (result.score, ==, top);
  g_assert_cmpmem (result.fused, SIDE * SIDE * sizeof (float), full, SIDE * SIDE * sizeof (float));
  g_assert_null (result.roi);
}

/* A defect outside the region of interest: flagged without it, good with
 * it, at a threshold that separates it from the good parts without it. */
static void
test_roi_defect_outside (RoiFixture *f, gconstpointer data)
{
  g_autoptr (EadRoi) roi = left_half ();
  ead_model_set_roi (f->model, roi);
  calibrate (f);
  g_autoptr (EadImage) defective = defective_image ();
  const double with_roi = score_of (f->model, defective);

  /* The same networks and quantiles over the whole image. */
  ead_model_set_roi (f->model, NULL);
  const double without_roi = score_of (f->model, defective);
  double highest_good = -G_MAXDOUBLE;
  for (guint i = 0; i < N_GOOD; i++)
    highest_good = MAX (highest_good, score_of (f->model, f->good->pdata[i]));
  g_test_message ("defect %g without the ROI, %g with it; good parts up to %g", without_roi,
                  with_roi, highest_good);
  g_assert_cmpfloat (without_roi, >, highest_good);
  const double threshold = (without_roi + highest_good) / 2;
  g_assert_cmpfloat (with_roi, <, threshold);
  g_assert_cmpfloat (with_roi, <, without_roi);
}

/* With the region, the maps are 0 outside and the score is their maximum
 * inside: not 0 when every value inside is negative. */
static void
test_roi_maps_and_score (RoiFixture *f, gconstpointer data)
{
  calibrate (f);
  g_autoptr (EadImage) defective = defective_image ();
  g_auto (EadScoreResult) whole = { 0 };
  g_assert_true (ead_model_score (f->model, defective, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &whole,
                                  NULL));
  g_autoptr (EadRoi) roi = left_half ();
  ead_model_set_roi (f->model, roi);
  g_auto (EadScoreResult) inside = { 0 };
  g_assert_true (ead_model_score (f->model, defective, EAD_PRECISION_FP32, EAD_SCORE_MAPS,
                                  &inside, NULL));
  float top = -G_MAXFLOAT, local_top = -G_MAXFLOAT, global_top = -G_MAXFLOAT;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        const gsize i = (gsize) y * SIDE + x;
        const gboolean in = x < SIDE / 2;
        g_assert_cmpint (inside.roi[i], ==, in ? 255 : 0);
        g_assert_cmpfloat (inside.fused[i], ==, in ? whole.fused[i] : 0.0f);
        g_assert_cmpfloat (inside.local[i], ==, in ? whole.local[i] : 0.0f);
        g_assert_cmpfloat (inside.global[i], ==, in ? whole.global[i] : 0.0f);
        if (in)
          {
            top = MAX (top, whole.fused[i]);
            local_top = MAX (local_top, whole.local[i]);
            global_top = MAX (global_top, whole.global[i]);
          }
      }
  g_assert_cmpfloat (inside.score, ==, top);
  /* Each map's own maximum, inside too. */
  g_assert_cmpfloat (inside.local_score, ==, local_top);
  g_assert_cmpfloat (inside.global_score, ==, global_top);

  /* Every value inside negative: the maximum inside, not the zeros. */
  float values[] = { -3.0f, -1.0f, 5.0f, -2.0f };
  const guint8 region[] = { 255, 255, 0, 255 };
  ead_map_clear_outside (values, region, 4);
  g_assert_cmpfloat (values[2], ==, 0.0f);
  g_assert_cmpfloat (ead_map_max_inside (values, region, 4), ==, -1.0f);
  g_assert_cmpuint (ead_map_peak_inside (values, region, 4), ==, 1);
  g_assert_cmpuint (ead_map_peak_inside (values, NULL, 4), ==, 2);
  const guint8 nowhere[4] = { 0 };
  g_assert_cmpfloat (ead_map_max_inside (values, nowhere, 4), ==, 0.0f);
  g_assert_cmpuint (ead_map_peak_inside (values, nowhere, 4), ==, 4);
}

/* Calibration in the left half equals the quantiles of the raw maps' left
 * 28 of 56 columns by hand: padded by 4 to 64 cells over 256 pixels, cell
 * x covers pixels 4 (x + 4) to 4 (x + 4) + 3, inside for x + 4 < 32. */
static void
test_roi_calibration_by_hand (RoiFixture *f, gconstpointer data)
{
  g_autoptr (EadRoi) roi = left_half ();
  ead_model_set_roi (f->model, roi);
  calibrate (f);
  const int side = ead_nets_get_output_size (ead_model_get_nets (f->model));
  g_assert_cmpint (side, ==, 56);
  const gsize cells = (gsize) side * side;
  g_autofree float *local = g_new (float, cells), *global = g_new (float, cells);
  g_autofree float *kept_local = g_new (float, N_GOOD * cells / 2);
  g_autofree float *kept_global = g_new (float, N_GOOD * cells / 2);
  gsize n = 0;
  for (guint i = 0; i < N_GOOD; i++)
    {
      raw_maps (f->model, f->good->pdata[i], local, global);
      for (int y = 0; y < side; y++)
        for (int x = 0; x < side / 2; x++)
          {
            kept_local[n] = local[y * side + x];
            kept_global[n++] = global[y * side + x];
          }
    }
  const EadQuantiles *q = ead_model_get_quantiles (f->model);
  g_assert_cmpfloat (q->st_start, ==, ead_quantile_inplace (kept_local, n, 0.9));
  g_assert_cmpfloat (q->st_end, ==, ead_quantile_inplace (kept_local, n, 0.995));
  g_assert_cmpfloat (q->ae_start, ==, ead_quantile_inplace (kept_global, n, 0.9));
  g_assert_cmpfloat (q->ae_end, ==, ead_quantile_inplace (kept_global, n, 0.995));

  /* Over the whole maps they differ. */
  ead_model_set_roi (f->model, NULL);
  calibrate (f);
  g_assert_cmpfloat (ead_model_get_quantiles (f->model)->st_end, !=,
                     ead_quantile_inplace (kept_local, n, 0.995));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/score/normalize", test_normalize);
  g_test_add_func ("/score/pad-and-resize-by-hand", test_pad_and_resize_by_hand);
  g_test_add_func ("/score/pad-and-resize-rectangular", test_pad_and_resize_rectangular);
  g_test_add_func ("/score/identity-size", test_identity_size);
  ead_torch_set_threads (0);
#define ADD(path, func) \
  g_test_add (path, RoiFixture, NULL, roi_fixture_set_up, func, roi_fixture_tear_down)
  ADD ("/score/roi/none-unchanged", test_roi_none_unchanged);
  ADD ("/score/roi/defect-outside", test_roi_defect_outside);
  ADD ("/score/roi/maps-and-score", test_roi_maps_and_score);
  ADD ("/score/roi/calibration-by-hand", test_roi_calibration_by_hand);
  return g_test_run ();
}

/* test-train.c: training end to end on a tiny dataset: the loss falls,
 * a validation loss comes every N steps, calibration orders its quantiles, evaluation runs, an interrupted run
 * resumes to the same weights as an uninterrupted one, a time budget
 * becomes a step count, the validation loss stops a run early, and a tiled
 * model trains and scores on its tiles.
 *
 * The dataset is a small subset of ../shared/datasets/mvtec_ad/bottle when
 * it is there (linked, never copied), otherwise generated images. */

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ead-error.h"
#include "ead-eval.h"
#include "ead-export.h"
#include "ead-metrics.h"
#include "ead-score.h"
#include "ead-tiles.h"
#include "ead-train.h"
#include "test-util.h"
#include "torch/ead-torch.h"   /* the shim: to look at the weights */

#define STEPS 6

static char *dataset_root;

static void
train_params (EadTrainParams *params)
{
  ead_train_params_init (params);
  params->steps = STEPS;
  params->seed = 7;
}

typedef struct {
  GArray *reports;        /* the EadTrainProgress of each step */
  int cancel_at;
  GCancellable *cancellable;
} Watch;

static void
on_progress (const EadTrainProgress *p, gpointer user_data)
{
  Watch *watch = user_data;
  if (p->phase != EAD_TRAIN_STEPS)
    return;
  g_array_append_vals (watch->reports, p, 1);
  if (p->done == watch->cancel_at)
    g_cancellable_cancel (watch->cancellable);
}

static EadModel *
train (EadTrainParams *params, Watch *watch, GError **error)
{
  g_autoptr (EadDataset) dataset = ead_dataset_open (dataset_root, params->seed, error);
  g_assert_no_error (error ? *error : NULL);
  return ead_train (dataset, params, on_progress, watch, watch->cancellable, error);
}

static const EadTrainProgress *
report_at (Watch *watch, guint i)
{
  return &g_array_index (watch->reports, EadTrainProgress, i);
}

static int
provenance_steps (EadModel *model)
{
  return (int) g_ascii_strtoll (ead_model_get_provenance (model, "steps"), NULL, 10);
}

static double
map_max (const float *map, gsize n)
{
  float top = -G_MAXFLOAT;
  for (gsize i = 0; i < n; i++)
    top = MAX (top, map[i]);
  return top;
}

/* Each map alone is evaluated with each image scored by that map's maximum:
 * its image AUROC is the one of those scores. */
static void
assert_map_metrics (EadModel *model, EadDataset *dataset, const EadEvaluation *evaluation)
{
  g_autoptr (GError) error = NULL;
  g_assert_nonnull (evaluation->local);
  g_assert_nonnull (evaluation->global);
  g_assert_cmpuint (evaluation->local->per_type->len, ==, evaluation->per_type->len);
  g_assert_cmpuint (evaluation->global->per_type->len, ==, evaluation->per_type->len);
  const guint n = ead_dataset_get_n_samples (dataset, EAD_SPLIT_TEST);
  g_autofree float *local = g_new (float, n), *global = g_new (float, n);
  g_autofree guint8 *labels = g_new (guint8, n);
  for (guint i = 0; i < n; i++)
    {
      const EadSample *sample = ead_dataset_get_sample (dataset, EAD_SPLIT_TEST, i);
      g_autoptr (EadImage) image = ead_image_load (sample->path, &error);
      g_auto (EadScoreResult) result = { 0 };
      g_assert_true (ead_model_score (model, image, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &result,
                                      &error));
      g_assert_no_error (error);
      const gsize pixels = (gsize) result.width * result.height;
      local[i] = map_max (result.local, pixels);
      global[i] = map_max (result.global, pixels);
      labels[i] = !g_str_equal (sample->type, "good");
      /* Each image's record: the maps' maxima, and the score where the
       * fused map peaks. */
      const EadImageScore *record = &g_array_index (evaluation->images, EadImageScore, i);
      g_assert_cmpfloat_with_epsilon (record->local_score, local[i], 1e-6);
      g_assert_cmpfloat_with_epsilon (record->global_score, global[i], 1e-6);
      g_assert_cmpint (record->width, ==, result.width);
      g_assert_cmpfloat_with_epsilon (result.fused[(gsize) record->peak_y * result.width
                                                   + record->peak_x],
                                      record->score, 1e-6);
    }
  g_assert_cmpfloat_with_epsilon (evaluation->local->overall.image_auroc,
                                  ead_auroc (local, labels, n), 1e-9);
  g_assert_cmpfloat_with_epsilon (evaluation->global->overall.image_auroc,
                                  ead_auroc (global, labels, n), 1e-9);
  g_assert_true (evaluation->local->overall.aupro >= 0 && evaluation->local->overall.aupro <= 1);
  g_assert_true (evaluation->global->overall.pixel_auroc >= 0
                 && evaluation->global->overall.pixel_auroc <= 1);
}

static void
test_loss_falls_and_calibrates (void)
{
  g_autoptr (GError) error = NULL;
  EadTrainParams params;
  train_params (&params);
  params.validate_every = 2;
  Watch watch = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_autoptr (EadModel) model = train (&params, &watch, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (watch.reports->len, ==, STEPS);
  /* The validation loss comes every 2 steps, NaN in between. */
  for (int i = 0; i < STEPS; i++)
    {
      const EadTrainProgress *p = report_at (&watch, i);
      if (p->done % 2 == 0)
        {
          g_test_message ("validation loss after step %d: %.5f", p->done, p->validation);
          g_assert_true (isfinite (p->validation) && p->validation > 0);
        }
      else
        g_assert_true (isnan (p->validation));
      g_assert_false (p->stopped_early);
    }
  double t[STEPS];
  for (int i = 0; i < STEPS; i++)
    t[i] = report_at (&watch, i)->losses.total;
  g_test_message ("loss %.4f %.4f ... %.4f %.4f", t[0], t[1], t[STEPS - 2], t[STEPS - 1]);
  g_assert_cmpfloat (t[STEPS - 2] + t[STEPS - 1], <, t[0] + t[1]);
  g_array_unref (watch.reports);

  g_assert_true (ead_model_is_calibrated (model));
  const EadQuantiles *q = ead_model_get_quantiles (model);
  g_assert_cmpfloat (q->st_end, >, q->st_start);
  g_assert_cmpfloat (q->ae_end, >, q->ae_start);
  g_assert_cmpstr (ead_model_get_provenance (model, "steps"), ==, "6");
  g_assert_nonnull (ead_model_get_provenance (model, "date"));

  g_autoptr (EadDataset) dataset = ead_dataset_open (dataset_root, 7, &error);
  g_autoptr (EadEvaluation) evaluation = ead_evaluate (model, dataset, EAD_PRECISION_FP32,
                                                       NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evaluation->images->len, ==, ead_dataset_get_n_samples (dataset, EAD_SPLIT_TEST));
  g_assert_true (evaluation->overall.image_auroc >= 0 && evaluation->overall.image_auroc <= 1);
  g_assert_true (evaluation->overall.pixel_auroc >= 0 && evaluation->overall.pixel_auroc <= 1);
  g_assert_true (evaluation->overall.aupro >= 0 && evaluation->overall.aupro <= 1);
  g_assert_cmpuint (evaluation->per_type->len, >=, 1);
  g_test_message ("after %d steps: image AUROC %.3f, pixel AUROC %.3f, AU-PRO %.3f", STEPS,
                  evaluation->overall.image_auroc, evaluation->overall.pixel_auroc,
                  evaluation->overall.aupro);
  assert_map_metrics (model, dataset, evaluation);
}

static float *
read_named (EadModel *model, const char *name, gsize *n)
{
  EadNets *nets = ead_model_get_nets (model);
  int index = ead_nets_find_tensor (nets, name);
  *n = ead_nets_get_tensor_n_elements (nets, index);
  float *values = g_new (float, *n);
  g_assert_true (ead_nets_read_tensor (nets, index, values, NULL));
  return values;
}

static double
max_difference (EadModel *a, EadModel *b, const char *name)
{
  gsize n;
  g_autofree float *x = read_named (a, name, &n);
  g_autofree float *y = read_named (b, name, &n);
  double worst = 0;
  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabs (x[i] - y[i]));
  return worst;
}

/* The tiny dataset again under @scratch, each training image with a spot:
 * the same names and split, other pixels. */
static char *
make_spotted_dataset (const char *scratch)
{
  char *root = test_make_small_dataset (scratch);
  g_autofree char *good = g_build_filename (root, "train", "good", NULL);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = g_dir_open (good, 0, NULL);
  g_assert_nonnull (dir);
  for (const char *name; (name = g_dir_read_name (dir));)
    g_ptr_array_add (paths, g_build_filename (good, name, NULL));
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (EadImage) image = ead_image_load (paths->pdata[i], &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_remove (paths->pdata[i]), ==, 0);
      test_write_spotted_copy (image, paths->pdata[i]);
    }
  return root;
}

/* Stopping at step 4 keeps a checkpoint; resuming finishes the run with
 * the same weights as a run that never stopped; resuming on other images
 * is refused. */
static void
test_cancel_and_resume (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ead-resume-XXXXXX", NULL);
  g_autofree char *checkpoint = g_build_filename (dir, "model.checkpoint", NULL);
  EadTrainParams params;
  train_params (&params);
  params.checkpoint_path = checkpoint;

  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Watch stopped = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), 4, cancellable };
  EadModel *none = train (&params, &stopped, &error);
  g_assert_null (none);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_EXISTS));

  params.resume = TRUE;
  g_autofree char *other_scratch = g_dir_make_tmp ("ead-other-XXXXXX", NULL);
  g_autofree char *other_root = make_spotted_dataset (other_scratch);
  g_autoptr (EadDataset) other = ead_dataset_open (other_root, params.seed, &error);
  g_assert_no_error (error);
  g_assert_null (ead_train (other, &params, NULL, NULL, NULL, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_assert_nonnull (strstr (error->message, "other images"));
  g_clear_error (&error);
  test_remove_tree (other_scratch);

  Watch resumed = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_autoptr (EadModel) finished = train (&params, &resumed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resumed.reports->len, ==, STEPS - 4);
  /* The checkpoint's training state is not the model's provenance. */
  g_assert_null (ead_model_get_provenance (finished, "checkpoint_step"));
  g_assert_null (ead_model_get_provenance (finished, "checkpoint_total_steps"));

  params.resume = FALSE;
  params.checkpoint_path = NULL;
  Watch straight = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_autoptr (EadModel) reference = train (&params, &straight, &error);
  g_assert_no_error (error);

  /* The loss curve continues where it stopped... */
  for (guint i = 0; i < resumed.reports->len; i++)
    g_assert_cmpfloat_with_epsilon (report_at (&resumed, i)->losses.total,
                                    report_at (&straight, i + 4)->losses.total, 1e-4);
  /* ...and ends at the same weights. */
  const char *names[] = { "student.0.weight", "student.8.weight", "autoencoder.38.weight" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpfloat (max_difference (finished, reference, names[i]), <, 1e-5);

  g_array_unref (stopped.reports);
  g_array_unref (resumed.reports);
  g_array_unref (straight.reports);
  g_remove (checkpoint);
  g_rmdir (dir);
}

typedef struct {
  EadTrainPhase cancel_in;
  GCancellable *cancellable;
  int last_phase;
  int n_steps;
} PhaseWatch;

static void
cancel_in_phase (const EadTrainProgress *p, gpointer user_data)
{
  PhaseWatch *watch = user_data;
  watch->last_phase = MAX (watch->last_phase, (int) p->phase);
  watch->n_steps += p->phase == EAD_TRAIN_STEPS;
  if (p->phase == watch->cancel_in)
    g_cancellable_cancel (watch->cancellable);
}

/* Cancelled as loading, the teacher statistics or the calibration begin,
 * training stops there: no later phase starts. Cancelled while it
 * calibrates, the run keeps a checkpoint from which resuming only
 * calibrates. */
static void
test_cancel_in_every_phase (void)
{
  const EadTrainPhase phases[] = { EAD_TRAIN_LOADING, EAD_TRAIN_TEACHER, EAD_TRAIN_CALIBRATING };
  g_autofree char *dir = g_dir_make_tmp ("ead-phases-XXXXXX", NULL);
  g_autofree char *checkpoint = g_build_filename (dir, "model.checkpoint", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GCancellable) cancellable = g_cancellable_new ();
      g_autoptr (EadDataset) dataset = ead_dataset_open (dataset_root, 7, &error);
      PhaseWatch watch = { phases[i], cancellable, -1, 0 };
      EadTrainParams params;
      train_params (&params);
      params.checkpoint_path = checkpoint;
      g_assert_null (ead_train (dataset, &params, cancel_in_phase, &watch, cancellable, &error));
      g_assert_error (error, EAD_ERROR, EAD_ERROR_CANCELLED);
      g_test_message ("cancelled in phase %d: %s", phases[i], error->message);
      g_assert_cmpint (watch.last_phase, ==, phases[i]);
      g_assert_cmpint (watch.n_steps, ==, phases[i] == EAD_TRAIN_CALIBRATING ? STEPS : 0);
    }

  /* The last run stopped while calibrating: resumed, it only calibrates. */
  g_autoptr (GError) error = NULL;
  EadTrainParams params;
  train_params (&params);
  params.checkpoint_path = checkpoint;
  params.resume = TRUE;
  Watch resumed = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_autoptr (EadModel) model = train (&params, &resumed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (resumed.reports->len, ==, 0);
  g_assert_true (ead_model_is_calibrated (model));
  g_array_unref (resumed.reports);
  g_remove (checkpoint);
  g_rmdir (dir);
}

static void
cancel_once_fixed (const EadTrainProgress *p, gpointer user_data)
{
  Watch *watch = user_data;
  on_progress (p, watch);
  if (p->phase == EAD_TRAIN_STEPS && p->total > 0)
    g_cancellable_cancel (watch->cancellable);
}

/* A time budget reports no step count while it measures the speed (two
 * warm-up steps, then at least three), then one that the rest of the
 * budget holds at that speed. Cancelled then and resumed, the run keeps
 * that count and stops there. */
static void
test_time_budget (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ead-budget-XXXXXX", NULL);
  g_autofree char *checkpoint = g_build_filename (dir, "model.checkpoint", NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  EadTrainParams params;
  train_params (&params);
  /* A budget overrides the step count: this one would drop the learning
   * rate at the second step. */
  params.steps = 2;
  params.minutes = 0.25;
  params.checkpoint_path = checkpoint;
  g_autoptr (EadDataset) dataset = ead_dataset_open (dataset_root, params.seed, &error);
  Watch stopped = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, cancellable };
  g_assert_null (ead_train (dataset, &params, cancel_once_fixed, &stopped, cancellable, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_CANCELLED);
  g_clear_error (&error);
  const guint fixed_at = stopped.reports->len - 1;
  const EadTrainProgress *fixed = report_at (&stopped, fixed_at);
  for (guint i = 0; i < fixed_at; i++)
    g_assert_cmpint (report_at (&stopped, i)->total, ==, 0);
  for (guint i = 0; i <= fixed_at; i++)
    g_assert_cmpfloat (report_at (&stopped, i)->losses.learning_rate, ==, params.learning_rate);
  g_assert_cmpint (fixed->done, >=, 5);
  const int steps = fixed->total;
  const double speed = fixed->steps_per_minute;
  g_test_message ("a budget of %.2f min: %.1f steps/min measured after %d steps, %d steps "
                  "chosen", params.minutes, speed, fixed->done, steps);
  g_assert_cmpint (steps, >=, fixed->done);
  g_assert_cmpfloat (speed, >, 0);
  /* More steps than measured only as the budget holds (a slow machine
   * spends it all measuring). */
  g_assert_true (steps == fixed->done || steps <= params.minutes * speed + 3);

  params.resume = TRUE;
  Watch resumed = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_autoptr (EadModel) model = train (&params, &resumed, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < resumed.reports->len; i++)
    g_assert_cmpint (report_at (&resumed, i)->total, ==, steps);
  g_assert_cmpint (fixed->done + (int) resumed.reports->len, ==, steps);
  g_assert_cmpint (provenance_steps (model), ==, steps);
  g_assert_true (ead_model_is_calibrated (model));
  g_array_unref (stopped.reports);
  g_array_unref (resumed.reports);
  g_remove (checkpoint);
  g_rmdir (dir);
}

/* With a rate of 0 the validation loss never improves on its first value:
 * a patience of 2 stops the run at the third validation, step 6 of 12,
 * and the model calibrates with 6 steps; a run under a time budget too. */
static void
test_patience_stops_early (void)
{
  g_autoptr (GError) error = NULL;
  EadTrainParams params;
  train_params (&params);
  params.steps = 12;
  params.learning_rate = 0;
  params.validate_every = 2;
  params.patience = 2;
  Watch watch = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_autoptr (EadModel) model = train (&params, &watch, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (watch.reports->len, ==, 6);
  const EadTrainProgress *last = report_at (&watch, 5);
  g_assert_true (last->stopped_early);
  g_assert_false (report_at (&watch, 4)->stopped_early);
  g_assert_cmpint (last->total, ==, 12);
  g_assert_cmpfloat (last->validation, ==, report_at (&watch, 1)->validation);
  g_assert_cmpint (provenance_steps (model), ==, 6);
  g_assert_true (ead_model_is_calibrated (model));
  g_array_unref (watch.reports);

  /* Under a time budget still measuring the speed (for 3 % of 100 minutes)
   * patience stops the run just the same. */
  params.minutes = 100;
  Watch budget = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_autoptr (EadModel) early = train (&params, &budget, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (budget.reports->len, ==, 6);
  g_assert_true (report_at (&budget, 5)->stopped_early);
  g_assert_cmpint (provenance_steps (early), ==, 6);
  g_array_unref (budget.reports);
}

/* A tiled model trains on tiles, calibrates and scores on their stitched
 * maps, which are those of each tile through the networks on its own; it
 * exports as a model file only. */
static void
test_tiled (void)
{
  g_autoptr (GError) error = NULL;
  EadTrainParams params;
  train_params (&params);
  params.steps = 2;
  params.tiles = 2;
  Watch watch = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_autoptr (EadModel) model = train (&params, &watch, &error);
  g_assert_no_error (error);
  g_array_unref (watch.reports);
  g_assert_cmpint (ead_model_get_tiles (model), ==, 2);
  g_assert_true (ead_model_is_calibrated (model));
  g_autoptr (EadDataset) dataset = ead_dataset_open (dataset_root, 7, &error);
  g_autofree char *n_train = g_strdup_printf ("%u", ead_dataset_get_n_samples (dataset,
                                                                             EAD_SPLIT_TRAIN));
  g_assert_cmpstr (ead_model_get_provenance (model, "train_images"), ==, n_train);

  /* The raw maps against each tile's own pass, stitched here. */
  EadNets *nets = ead_model_get_nets (model);
  const int size = ead_model_get_image_size (model), tile_map = ead_nets_get_output_size (nets);
  const int side = ead_model_get_map_side (model);
  g_assert_cmpint (side, ==, ead_tiles_map_side (size, 2, tile_map));
  const EadSample *sample = ead_dataset_get_sample (dataset, EAD_SPLIT_TEST, 0);
  g_autoptr (EadImage) image = ead_image_load (sample->path, &error);
  g_assert_no_error (error);
  g_autofree float *local = g_new (float, side * side), *global = g_new (float, side * side);
  g_assert_true (ead_model_raw_maps (model, image, EAD_PRECISION_FP32, local, global, &error));
  g_autoptr (GPtrArray) cut = ead_tiles_cut (image, size, 2);
  const gsize tile_cells = (gsize) tile_map * tile_map;
  g_autofree float *tile_local = g_new (float, cut->len * tile_cells);
  g_autofree float *tile_global = g_new (float, cut->len * tile_cells);
  g_autofree float *input = g_new (float, 3 * size * size);
  for (guint i = 0; i < cut->len; i++)
    {
      ead_image_to_normalized_tensor (cut->pdata[i], size, input);
      g_assert_true (ead_nets_predict (nets, input, 1, EAD_PRECISION_FP32,
                                       tile_local + i * tile_cells, tile_global + i * tile_cells,
                                       &error));
    }
  g_autofree float *expected = g_new (float, side * side);
  ead_tiles_stitch (tile_local, size, 2, tile_map, expected);
  for (int i = 0; i < side * side; i++)
    g_assert_cmpfloat_with_epsilon (local[i], expected[i], 1e-3 * (1 + fabsf (expected[i])));
  ead_tiles_stitch (tile_global, size, 2, tile_map, expected);
  for (int i = 0; i < side * side; i++)
    g_assert_cmpfloat_with_epsilon (global[i], expected[i], 1e-3 * (1 + fabsf (expected[i])));

  /* Maps at the image's size, the score their maximum. */
  g_auto (EadScoreResult) result = { 0 };
  g_assert_true (ead_model_score (model, image, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &result,
                                  &error));
  g_assert_cmpint (result.width, ==, ead_image_get_width (image));
  g_assert_cmpfloat (result.score, ==, map_max (result.fused, (gsize) result.width * result.height));

  g_autofree char *dir = g_dir_make_tmp ("ead-tiled-XXXXXX", NULL);
  g_autofree char *script = g_build_filename (dir, "tiled.pt", NULL);
  g_assert_false (ead_model_export (model, EAD_EXPORT_TORCHSCRIPT, script, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "tiled"));
  g_assert_false (g_file_test (script, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_autofree char *file = g_build_filename (dir, "tiled.safetensors", NULL);
  g_assert_true (ead_model_export (model, EAD_EXPORT_MODEL_FILE, file, &error));
  g_autoptr (EadModel) loaded = ead_model_load (file, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ead_model_get_tiles (loaded), ==, 2);
  test_remove_tree (dir);
}

static void
test_rejects_bad_params (void)
{
  g_autoptr (GError) error = NULL;
  EadTrainParams params;
  train_params (&params);
  params.steps = 0;
  Watch watch = { g_array_new (FALSE, FALSE, sizeof (EadTrainProgress)), -1, NULL };
  g_assert_null (train (&params, &watch, &error));
  g_assert_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_STEPS);
  g_clear_error (&error);
  params.steps = 3;
  params.image_size = 300;
  g_assert_null (train (&params, &watch, &error));
  g_assert_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_IMAGE_SIZE);
  g_clear_error (&error);
  params.image_size = 256;
  params.patience = 2;
  g_assert_null (train (&params, &watch, &error));
  g_assert_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_SCHEDULE);
  g_clear_error (&error);
  params.patience = 0;
  /* A budget must be a finite time of at most a week: "--minutes inf" would
   * never fix the step count, and a year of fast steps would not fit an int. */
  const double bad_minutes[] = { -1, INFINITY, NAN, EAD_TRAIN_MAX_MINUTES + 1, 1e12 };
  for (gsize i = 0; i < G_N_ELEMENTS (bad_minutes); i++)
    {
      params.minutes = bad_minutes[i];
      g_assert_null (train (&params, &watch, &error));
      g_assert_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_SCHEDULE);
      g_clear_error (&error);
    }
  params.minutes = EAD_TRAIN_MAX_MINUTES;
  g_assert_true (ead_train_params_check (&params, &error));
  g_assert_no_error (error);
  params.minutes = 0;
  params.tiles = EAD_TILES_MAX + 1;
  g_assert_null (train (&params, &watch, &error));
  g_assert_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_TILES);
  g_clear_error (&error);
  /* 8 x 8 tiles of 4096 pixels would cover 25,600. */
  params.tiles = EAD_TILES_MAX;
  params.image_size = 4096;
  g_assert_null (train (&params, &watch, &error));
  g_assert_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_TILES);
  g_array_unref (watch.reports);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ead_torch_set_threads (0);
  g_autofree char *scratch = g_dir_make_tmp ("ead-train-XXXXXX", NULL);
  dataset_root = test_make_small_dataset (scratch);
  g_test_add_func ("/train/loss-falls-and-calibrates", test_loss_falls_and_calibrates);
  g_test_add_func ("/train/cancel-and-resume", test_cancel_and_resume);
  g_test_add_func ("/train/cancel-in-every-phase", test_cancel_in_every_phase);
  g_test_add_func ("/train/time-budget", test_time_budget);
  g_test_add_func ("/train/patience-stops-early", test_patience_stops_early);
  g_test_add_func ("/train/tiled", test_tiled);
  g_test_add_func ("/train/rejects-bad-params", test_rejects_bad_params);
  int status = g_test_run ();
  test_remove_tree (scratch);
  g_free (dataset_root);
  return status;
}

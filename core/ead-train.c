/* ead-train.c: the training loop (the reference implementation's train()),
 * with checkpoints that resume to the same result. */

#include "ead-train.h"

#include "ead-augment.h"
#include "ead-calibrate.h"
#include "ead-config.h"
#include "ead-error.h"
#include "ead-random.h"
#include "ead-tiles.h"
#include "ead-torch.h"

#include <math.h>

#define CHECKPOINT_FORMAT_KEY "checkpoint_step"

/* A time budget measures the speed after a warm-up (the first steps pay
 * for allocations and oneDNN's choices) over at least a few steps and a
 * small share of the budget, then fixes the step count. */
#define BUDGET_WARMUP_STEPS 2
#define BUDGET_MIN_MEASURED_STEPS 3
#define BUDGET_MEASURED_SHARE 0.03
/* A long budget measures no longer than this: until the count is fixed
 * no checkpoint can be written. */
#define BUDGET_MAX_MEASURED_SECONDS 120.0

/* The validation loss looks at this many validation images at most, so
 * that it stays cheap on a large validation split. */
#define VALIDATION_LOSS_IMAGES 16

/* Random streams: each step draws from its own stream, so a resumed run
 * makes the same choices as an uninterrupted one. */
enum {
  STREAM_EPOCH_ORDER = 1,
  STREAM_STEP = 2,
};

void
ead_train_params_init (EadTrainParams *params)
{
  memset (params, 0, sizeof *params);
  params->size = EAD_MODEL_SMALL;
  params->image_size = EAD_DEFAULT_IMAGE_SIZE;
  params->tiles = 1;
  params->steps = 70000;
  params->seed = 42;
  params->device = EAD_DEVICE_CPU;
  params->precision = EAD_PRECISION_FP32;
  params->learning_rate = 1e-4;
  params->weight_decay = 1e-5;
  params->teacher_cache_bytes = (gsize) 2 << 30;
}

typedef struct {
  const EadTrainParams *params;
  EadTrainCallback callback;
  gpointer user_data;
  GCancellable *cancellable;
  gint64 phase_start;
  GPtrArray *train;        /* EadImage at the model size: whole images, or tiles */
  GPtrArray *validation;   /* whole images at the model's (tiled) resolution */
  GPtrArray *penalty;
  GPtrArray *teacher_cache;
  char *train_digest;      /* of t->train's pixels, for checkpoints to name their images */
  guint *epoch_order;
  int epoch;
  int hold_after;          /* EAD_TRAIN_HOLD_AFTER: 0, or the step to wait after */
  int steps;               /* the run's length; 0 while a time budget measures the speed */
  int steps_taken;
  double steps_per_minute; /* measured for a time budget */
  gint64 warmed_up_at;     /* when the budget's warm-up steps were done */
  int warmed_up_step;
  gint64 validating_us;    /* spent on validation losses since the warm-up */
  GPtrArray *validation_inputs;    /* normalised images for the validation loss */
  GPtrArray *validation_teacher;   /* their raw teacher features */
  double validation_seconds;       /* what computing those took: about one validation */
  double best_validation;
  int validations_since_best;
  gboolean stopped_early;
} Training;

static void
training_clear (Training *t)
{
  g_clear_pointer (&t->train, g_ptr_array_unref);
  g_clear_pointer (&t->validation, g_ptr_array_unref);
  g_clear_pointer (&t->penalty, g_ptr_array_unref);
  g_clear_pointer (&t->teacher_cache, g_ptr_array_unref);
  g_clear_pointer (&t->train_digest, g_free);
  g_clear_pointer (&t->epoch_order, g_free);
  g_clear_pointer (&t->validation_inputs, g_ptr_array_unref);
  g_clear_pointer (&t->validation_teacher, g_ptr_array_unref);
}

static void
report (Training *t, EadTrainPhase phase, int done, int total, const EadLosses *losses)
{
  if (!t->callback)
    return;
  EadTrainProgress progress = {
    .phase = phase,
    .done = done,
    .total = total,
    .validation = NAN,
    .seconds = (g_get_monotonic_time () - t->phase_start) / 1e6,
  };
  if (losses)
    progress.losses = *losses;
  t->callback (&progress, t->user_data);
}

static void
report_step (Training *t, int done, const EadLosses *losses, double validation,
             gboolean stopped_early)
{
  if (!t->callback)
    return;
  EadTrainProgress progress = {
    .phase = EAD_TRAIN_STEPS,
    .done = done,
    .total = t->steps,
    .losses = *losses,
    .validation = validation,
    .steps_per_minute = t->steps_per_minute,
    .stopped_early = stopped_early,
    .seconds = (g_get_monotonic_time () - t->phase_start) / 1e6,
  };
  t->callback (&progress, t->user_data);
}

static void
begin_phase (Training *t)
{
  t->phase_start = g_get_monotonic_time ();
}

/* Loads an image and brings it to the model's input size, as the
 * reference's Resize does once per image. */
static EadImage *
load_resized (const char *path, int size, GError **error)
{
  g_autoptr (EadImage) image = ead_image_load (path, error);
  if (!image)
    return NULL;
  return ead_image_resize (image, size, size);
}

/* Natural images for the penalty: resized to twice the model size, centre
 * crop of the model size (the reference's Resize(2S), CenterCrop(S)). */
static EadImage *
load_penalty_image (const char *path, int size, GError **error)
{
  g_autoptr (EadImage) image = ead_image_load (path, error);
  if (!image)
    return NULL;
  g_autoptr (EadImage) doubled = ead_image_resize (image, 2 * size, 2 * size);
  const guint8 *pixels = ead_image_get_pixels (doubled);
  const gsize stride = 3 * (gsize) (2 * size);
  const int offset = size / 2;
  return ead_image_new_from_rgb8 (pixels + offset * stride + 3 * offset, size, size, stride);
}

typedef EadImage *(*ImageLoader) (const char *path, int size, GError **error);

/* Whether the run was cancelled, which is then the error, naming what it
 * was @doing. Phases before the steps stop between two images. */
static gboolean
cancelled_while (Training *t, const char *doing, GError **error)
{
  if (!g_cancellable_is_cancelled (t->cancellable))
    return FALSE;
  g_set_error (error, EAD_ERROR, EAD_ERROR_CANCELLED, "training cancelled while %s", doing);
  return TRUE;
}

/* Loads every path at @size; a bad image stops loading unless skip_bad is
 * set, in which case it is reported and left out. */
static GPtrArray *
load_images (Training *t, const char *const *paths, guint n, ImageLoader loader, int size,
             GError **error)
{
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) ead_image_free);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) local_error = NULL;
      EadImage *image = loader (paths[i], size, &local_error);
      if (image)
        g_ptr_array_add (images, image);
      else if (t->params->skip_bad)
        g_warning ("skipping %s", local_error->message);
      else
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s",
                                      "cannot train (use --skip-bad to leave such files out): ");
          return NULL;
        }
      if (cancelled_while (t, "loading images", error))
        return NULL;
    }
  return g_steal_pointer (&images);
}

/* The side of the whole images: the model's input, or what its tiles cover. */
static int
working_resolution (const EadTrainParams *params)
{
  return ead_tiles_resolution (params->image_size, params->tiles);
}

static GPtrArray *
load_split (Training *t, EadDataset *dataset, EadSplit split, GError **error)
{
  guint n = ead_dataset_get_n_samples (dataset, split);
  g_autofree const char **paths = g_new0 (const char *, n + 1);
  for (guint i = 0; i < n; i++)
    paths[i] = ead_dataset_get_sample (dataset, split, i)->path;
  return load_images (t, paths, n, load_resized, working_resolution (t->params), error);
}

static gboolean
load_dataset_images (Training *t, EadDataset *dataset, GError **error)
{
  t->train = load_split (t, dataset, EAD_SPLIT_TRAIN, error);
  if (!t->train)
    return FALSE;
  t->validation = load_split (t, dataset, EAD_SPLIT_VALIDATION, error);
  return t->validation != NULL;
}

/* @images, each brought to @size x @size where it is not. */
static GPtrArray *
at_size (GPtrArray *images, int size)
{
  for (guint i = 0; i < images->len; i++)
    {
      EadImage *image = images->pdata[i];
      if (ead_image_get_width (image) != size || ead_image_get_height (image) != size)
        {
          images->pdata[i] = ead_image_resize (image, size, size);
          ead_image_free (image);
        }
    }
  return images;
}

static gboolean
load_penalty_images (Training *t, GError **error)
{
  const char *folder = t->params->penalty_dir;
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (folder, error);
  if (!paths)
    return FALSE;
  g_ptr_array_add (paths, NULL);
  t->penalty = load_images (t, (const char *const *) paths->pdata, paths->len - 1,
                            load_penalty_image, t->params->image_size, error);
  if (!t->penalty)
    return FALSE;
  if (t->penalty->len == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET, "%s: no penalty images in this folder",
                   folder);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_images (Training *t, const char *dataset_name, GError **error)
{
  if (t->train->len == 0 || t->validation->len == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET,
                   "%s: training needs good images both to train on and to calibrate with "
                   "(%u training, %u validation); add good training images",
                   dataset_name, t->train->len, t->validation->len);
      return FALSE;
    }
  return TRUE;
}

static EadModel *
create_model (const EadTrainParams *params, GError **error)
{
  ead_torch_manual_seed (params->seed);
  g_autoptr (EadModel) model = ead_model_new (params->size, params->image_size, error);
  if (!model)
    return NULL;
  ead_model_set_tiles (model, params->tiles);
  if (params->teacher_path && !ead_model_load_teacher (model, params->teacher_path, error))
    return NULL;
  if (params->device != EAD_DEVICE_CPU
      && !ead_nets_set_device (ead_model_get_nets (model), params->device, error))
    return NULL;
  return g_steal_pointer (&model);
}

static gboolean
compute_teacher_statistics (Training *t, EadModel *model, GError **error)
{
  begin_phase (t);
  report (t, EAD_TRAIN_TEACHER, 0, t->train->len, NULL);
  EadNets *nets = ead_model_get_nets (model);
  const gsize side = ead_nets_get_output_size (nets);
  const gsize bytes_per_image = EAD_TEACHER_CHANNELS * side * side * sizeof (float);
  guint n_cached = MIN (t->train->len, t->params->teacher_cache_bytes / bytes_per_image);
  g_autoptr (GError) local_error = NULL;
  t->teacher_cache = ead_calibrate_teacher (model, (EadImage *const *) t->train->pdata,
                                            t->train->len, n_cached, t->cancellable, &local_error);
  if (!t->teacher_cache)
    {
      if (!cancelled_while (t, "computing the teacher statistics", error))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  report (t, EAD_TRAIN_TEACHER, t->train->len, t->train->len, NULL);
  return TRUE;
}

/* @images as the steps and the validation loss see them: each one's tiles,
 * or the images themselves when untiled. */
static GPtrArray *
tiles_of (GPtrArray *images, const EadTrainParams *params)
{
  if (params->tiles == 1)
    return g_ptr_array_ref (images);
  GPtrArray *tiles = g_ptr_array_new_with_free_func ((GDestroyNotify) ead_image_free);
  for (guint i = 0; i < images->len; i++)
    g_ptr_array_extend_and_steal (tiles, ead_tiles_cut (images->pdata[i], params->image_size,
                                                        params->tiles));
  return tiles;
}

/* Writes the @i-th of @n inputs of the validation loss, in [0, 1]: the
 * first images when untiled, tiles spread over every image when tiled. */
static void
validation_input (Training *t, guint i, guint n, float *input)
{
  const guint per_image = (guint) (t->params->tiles * t->params->tiles);
  if (per_image == 1)
    {
      ead_image_to_float (t->validation->pdata[i], input);
      return;
    }
  const guint spread = i * t->validation->len * per_image / n;
  g_autoptr (GPtrArray) cut = ead_tiles_cut (t->validation->pdata[spread / per_image],
                                             t->params->image_size, t->params->tiles);
  ead_image_to_float (cut->pdata[spread % per_image], input);
}

/* Whether the run measures a validation loss at all: a short run of fixed
 * length may end before the first. */
static gboolean
validates (const EadTrainParams *params)
{
  return params->validate_every > 0
         && (params->minutes > 0 || params->validate_every <= params->steps);
}

/* The inputs and raw teacher features of up to VALIDATION_LOSS_IMAGES
 * validation images (or tiles), which every validation loss reuses; timed,
 * as a validation costs about as much. */
static gboolean
prepare_validation_loss (Training *t, EadModel *model, GError **error)
{
  EadNets *nets = ead_model_get_nets (model);
  const int size = t->params->image_size;
  const gsize side = ead_nets_get_output_size (nets);
  const guint per_image = (guint) (t->params->tiles * t->params->tiles);
  const guint n = MIN (t->validation->len * per_image, VALIDATION_LOSS_IMAGES);
  const gint64 start = g_get_monotonic_time ();
  t->validation_inputs = g_ptr_array_new_with_free_func (g_free);
  t->validation_teacher = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      float *input = g_new (float, 3 * (gsize) size * size);
      float *features = g_new (float, EAD_TEACHER_CHANNELS * side * side);
      g_ptr_array_add (t->validation_inputs, input);
      g_ptr_array_add (t->validation_teacher, features);
      validation_input (t, i, n, input);
      ead_augment_normalize (input, size);
      if (cancelled_while (t, "preparing the validation loss", error)
          || !ead_nets_teacher_forward (nets, input, 1, features, error))
        return FALSE;
    }
  t->validation_seconds = (g_get_monotonic_time () - start) / 1e6;
  return TRUE;
}

static gboolean
validation_loss (Training *t, EadModel *model, double *loss, GError **error)
{
  EadNets *nets = ead_model_get_nets (model);
  double sum = 0;
  for (guint i = 0; i < t->validation_inputs->len; i++)
    {
      double image_loss;
      if (!ead_nets_student_loss (nets, t->validation_inputs->pdata[i], 1,
                                  t->validation_teacher->pdata[i], &image_loss, error))
        return FALSE;
      sum += image_loss;
    }
  *loss = sum / t->validation_inputs->len;
  return TRUE;
}

static gboolean
patience_exhausted (Training *t)
{
  return t->params->patience > 0 && t->validations_since_best >= t->params->patience;
}

static void
count_validation (Training *t, double loss)
{
  if (loss < t->best_validation)
    {
      t->best_validation = loss;
      t->validations_since_best = 0;
    }
  else
    t->validations_since_best++;
}

/* Under a time budget, once the warm-up and enough measured steps are done,
 * fixes the run's length from the speed: the steps so far and as many more
 * as the rest of the budget holds, validations included. The rate then
 * drops at 95 % of it, near the end of the budget. */
static void
fix_budget_steps (Training *t, EadTrainer *trainer, int done)
{
  const gint64 now = g_get_monotonic_time ();
  if (done == BUDGET_WARMUP_STEPS)
    {
      t->warmed_up_at = now;
      t->warmed_up_step = done;
      t->validating_us = 0;
    }
  /* The steps alone: validations are added below at their own rate. */
  const double measured = (now - t->warmed_up_at - t->validating_us) / 1e6;
  const double budget = 60 * t->params->minutes;
  if (t->warmed_up_at == 0 || done - t->warmed_up_step < BUDGET_MIN_MEASURED_STEPS
      || measured < MIN (BUDGET_MEASURED_SHARE * budget, BUDGET_MAX_MEASURED_SECONDS))
    return;
  double seconds_per_step = measured / (done - t->warmed_up_step);
  t->steps_per_minute = 60 / seconds_per_step;
  if (t->params->validate_every > 0)
    seconds_per_step += t->validation_seconds / t->params->validate_every;
  const double left = budget - (now - t->phase_start) / 1e6;
  /* A week of very fast steps would not fit an int. */
  t->steps = done + (int) CLAMP (floor (left / seconds_per_step), 0, G_MAXINT - done);
  ead_trainer_set_total_steps (trainer, t->steps);
}

/* The training image of @step: epochs visit every image once, in an order
 * shuffled per epoch (the reference's shuffling DataLoader, cycled). */
static guint
image_for_step (Training *t, int step)
{
  const guint n = t->train->len;
  int epoch = step / (int) n;
  if (!t->epoch_order || epoch != t->epoch)
    {
      if (!t->epoch_order)
        t->epoch_order = g_new (guint, n);
      for (guint i = 0; i < n; i++)
        t->epoch_order[i] = i;
      EadRandom random;
      ead_random_init (&random, t->params->seed ^ STREAM_EPOCH_ORDER, (guint64) epoch);
      ead_random_shuffle (&random, t->epoch_order, n);
      t->epoch = epoch;
    }
  return t->epoch_order[step % n];
}

static gboolean
run_step (Training *t, EadTrainer *trainer, int step, float *image_st, float *image_ae,
          float *penalty, EadLosses *losses, GError **error)
{
  const int size = t->params->image_size;
  EadRandom random;
  ead_random_init (&random, t->params->seed ^ STREAM_STEP, (guint64) step);
  /* Dropout draws from libtorch's generator: seed it per step too. */
  ead_torch_manual_seed (t->params->seed * G_GUINT64_CONSTANT (1000003) + (guint64) step);

  guint index = image_for_step (t, step);
  const EadImage *image = t->train->pdata[index];
  ead_image_to_float (image, image_st);
  memcpy (image_ae, image_st, 3 * (gsize) size * size * sizeof (float));
  ead_augment_color_jitter (image_ae, size, &random);
  ead_augment_normalize (image_st, size);
  ead_augment_normalize (image_ae, size);

  if (t->penalty)
    {
      const EadImage *natural = t->penalty->pdata[ead_random_below (&random, t->penalty->len)];
      ead_image_to_float (natural, penalty);
      if (ead_random_double (&random) < 0.3)
        ead_augment_grayscale (penalty, size);
      ead_augment_normalize (penalty, size);
    }
  const float *teacher_st = index < t->teacher_cache->len ? t->teacher_cache->pdata[index] : NULL;
  return ead_trainer_step (trainer, image_st, teacher_st, image_ae, t->penalty ? penalty : NULL,
                           losses, error);
}

static void
set_provenance (EadModel *model, const char *dataset_name, const EadTrainParams *params,
                int n_train, int steps_taken)
{
  g_autofree char *steps = g_strdup_printf ("%d", steps_taken);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, params->seed);
  g_autofree char *images = g_strdup_printf ("%d", n_train);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format_iso8601 (now);
  g_autofree char *teacher = params->teacher_path ? g_path_get_basename (params->teacher_path)
                                                  : g_strdup ("random (not meaningful)");
  ead_model_set_provenance (model, "teacher", teacher);
  ead_model_set_provenance (model, "steps", steps);
  ead_model_set_provenance (model, "seed", seed);
  ead_model_set_provenance (model, "dataset", dataset_name);
  ead_model_set_provenance (model, "train_images", images);
  ead_model_set_provenance (model, "penalty", params->penalty_dir ? "on" : "off");
  ead_model_set_provenance (model, "date", date);
  ead_model_set_provenance (model, "engine_version", EAD_VERSION);
}

/* ---- Checkpoints: the model file plus the optimiser state ---- */

/* A checkpoint resumes only on the images it was trained on: their order,
 * sizes and pixels at the working size. */
static char *
images_digest (GPtrArray *images)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  for (guint i = 0; i < images->len; i++)
    {
      const EadImage *image = images->pdata[i];
      const guint32 size[2] = { ead_image_get_width (image), ead_image_get_height (image) };
      g_checksum_update (checksum, (const guchar *) size, sizeof size);
      g_checksum_update (checksum, ead_image_get_pixels (image), 3 * (gsize) size[0] * size[1]);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

static gboolean
save_checkpoint (Training *t, EadModel *model, EadTrainer *trainer, GError **error)
{
  const EadTrainParams *params = t->params;
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  if (!ead_model_write_to (model, writer, error))
    return FALSE;
  EadNets *nets = ead_model_get_nets (model);
  for (guint i = 0; i < ead_trainer_get_n_state (trainer); i++)
    {
      const char *name = ead_trainer_get_state_name (trainer, i);
      /* Each moment has the shape of the weight it belongs to. */
      int weight = ead_nets_find_tensor (nets, strchr (name + strlen ("adam."), '.') + 1);
      gint64 shape[4];
      int n_dims = ead_nets_get_tensor_shape (nets, weight, shape);
      gsize n = ead_nets_get_tensor_n_elements (nets, weight);
      g_autofree float *values = g_new (float, n);
      if (!ead_trainer_read_state (trainer, i, values, error))
        return FALSE;
      ead_safetensors_writer_add (writer, name, EAD_DTYPE_F32, n_dims, shape, values,
                                  n * sizeof (float));
    }
  g_autofree char *step = g_strdup_printf ("%d", ead_trainer_get_step (trainer));
  g_autofree char *total = g_strdup_printf ("%d", t->steps);
  g_autofree char *since_best = g_strdup_printf ("%d", t->validations_since_best);
  char best[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (best, sizeof best, t->best_validation);
  ead_safetensors_writer_set_metadata (writer, CHECKPOINT_FORMAT_KEY, step);
  ead_safetensors_writer_set_metadata (writer, "checkpoint_total_steps", total);
  ead_safetensors_writer_set_metadata (writer, "checkpoint_best_validation", best);
  ead_safetensors_writer_set_metadata (writer, "checkpoint_validations_since_best", since_best);
  ead_safetensors_writer_set_metadata (writer, "checkpoint_images", t->train_digest);
  if (!params->checkpoint_sink)
    return ead_safetensors_writer_save (writer, params->checkpoint_path, error);
  g_autoptr (GBytes) bytes = ead_safetensors_writer_to_bytes (writer);
  return params->checkpoint_sink (bytes, ead_trainer_get_step (trainer),
                                  params->checkpoint_sink_data, error);
}

static gboolean
keeps_checkpoints (const EadTrainParams *params)
{
  return params->checkpoint_path || params->checkpoint_sink;
}

typedef struct {
  const EadSafetensors *st;
  float *buffer;
} StateLookup;

static const float *
lookup_state (const char *name, gsize n_elements, gpointer user_data)
{
  StateLookup *lookup = user_data;
  const EadTensorView *view = ead_safetensors_find (lookup->st, name);
  if (!view || view->dtype != EAD_DTYPE_F32 || view->n_bytes != n_elements * sizeof (float))
    return NULL;
  g_free (lookup->buffer);
  lookup->buffer = g_memdup2 (view->data, view->n_bytes);
  return lookup->buffer;
}

static gint64
checkpoint_integer (const EadSafetensors *st, const char *path, const char *key, GError **error)
{
  const char *text = ead_safetensors_get_metadata (st, key);
  gint64 value = -1;
  if (!text || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT, &value, NULL))
    g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: not a training checkpoint (no %s)",
                 path, key);
  return value;
}

/* The early stopping state; checkpoints of older versions have none. */
static void
restore_validation_state (Training *t, const EadSafetensors *st)
{
  const char *best = ead_safetensors_get_metadata (st, "checkpoint_best_validation");
  const char *since_best = ead_safetensors_get_metadata (st, "checkpoint_validations_since_best");
  if (best)
    t->best_validation = g_ascii_strtod (best, NULL);
  if (since_best)
    t->validations_since_best = (int) g_ascii_strtoll (since_best, NULL, 10);
  /* Cancelled while calibrating after it stopped early, a run only calibrates. */
  t->stopped_early = patience_exhausted (t);
}

/* The model and trainer of a run from its first step. */
static gboolean
start_afresh (const EadTrainParams *params, EadModel **model, EadTrainer **trainer,
              GError **error)
{
  *model = create_model (params, error);
  if (!*model)
    return FALSE;
  /* Under a time budget the count is fixed once the speed is measured
   * (fix_budget_steps); until then no count may drop the learning rate. */
  const int total = params->minutes > 0 ? G_MAXINT : params->steps;
  *trainer = ead_trainer_new (ead_model_get_nets (*model), total, params->learning_rate,
                              params->weight_decay, params->precision, error);
  return *trainer != NULL;
}

/* The model and trainer of the checkpoint's step. A run under a time budget
 * keeps the step count the budget fixed. */
static gboolean
resume_from_checkpoint (Training *t, EadModel **model, EadTrainer **trainer, GError **error)
{
  const EadTrainParams *params = t->params;
  const char *path = params->resume_from ? "the stored checkpoint" : params->checkpoint_path;
  g_autoptr (EadSafetensors) st = params->resume_from
    ? ead_safetensors_new_from_data (g_bytes_get_data (params->resume_from, NULL),
                                     g_bytes_get_size (params->resume_from), error)
    : ead_safetensors_open (path, error);
  if (!st)
    return FALSE;
  gint64 step = checkpoint_integer (st, path, CHECKPOINT_FORMAT_KEY, error);
  if (step < 0)
    return FALSE;
  gint64 total = checkpoint_integer (st, path, "checkpoint_total_steps", error);
  if (total < 0)
    return FALSE;
  if (params->minutes > 0)
    t->steps = (int) total;
  else if (total != params->steps)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "%s: the checkpoint belongs to a run of %" G_GINT64_FORMAT " steps, not %d",
                   path, total, params->steps);
      return FALSE;
    }
  /* Checkpoints of older versions name no images. */
  const char *images = ead_safetensors_get_metadata (st, "checkpoint_images");
  if (images && g_strcmp0 (images, t->train_digest) != 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "%s: the checkpoint was trained on other images than these", path);
      return FALSE;
    }
  g_autoptr (EadModel) restored = ead_model_new_from_safetensors (st, path, error);
  if (!restored)
    return FALSE;
  if (ead_model_get_size (restored) != params->size
      || ead_model_get_image_size (restored) != params->image_size
      || ead_model_get_tiles (restored) != params->tiles)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "%s: the checkpoint is for another model, image size or tiling", path);
      return FALSE;
    }
  if (params->device != EAD_DEVICE_CPU
      && !ead_nets_set_device (ead_model_get_nets (restored), params->device, error))
    return FALSE;
  EadTrainer *fresh = ead_trainer_new (ead_model_get_nets (restored), (int) total,
                                       params->learning_rate, params->weight_decay,
                                       params->precision, error);
  if (!fresh)
    return FALSE;
  StateLookup lookup = { st, NULL };
  gboolean ok = ead_trainer_restore (fresh, (int) step, lookup_state, &lookup, error);
  g_free (lookup.buffer);
  if (!ok)
    {
      ead_trainer_free (fresh);
      return FALSE;
    }
  *trainer = fresh;
  *model = g_steal_pointer (&restored);
  restore_validation_state (t, st);
  return TRUE;
}

/* Tests that pause or kill a run part-way set EAD_TRAIN_HOLD_AFTER=N: the
 * run then waits after step N until it is cancelled, instead of racing
 * to its end while the test acts. */
static void
hold_until_cancelled (Training *t)
{
  while (!g_cancellable_is_cancelled (t->cancellable))
    g_usleep (G_USEC_PER_SEC / 100);
}

/* A checkpoint needs the run's length: under a time budget there is none
 * until the speed is known. */
static gboolean
stop_cancelled (Training *t, EadModel *model, EadTrainer *trainer, int step, GError **error)
{
  gboolean keep = keeps_checkpoints (t->params) && t->steps > 0;
  if (keep && !save_checkpoint (t, model, trainer, error))
    return FALSE;
  g_set_error (error, EAD_ERROR, EAD_ERROR_CANCELLED, "training cancelled at step %d%s", step,
               keep ? "; the checkpoint keeps it"
               : t->steps == 0 ? " (before the time budget fixed the step count: no checkpoint)"
                               : "");
  return FALSE;
}

static gboolean
checkpoint_due (Training *t, int done)
{
  const EadTrainParams *params = t->params;
  return keeps_checkpoints (params) && params->checkpoint_every > 0
         && done % params->checkpoint_every == 0 && t->steps > 0 && done < t->steps;
}

static gboolean
optimise (Training *t, EadModel *model, EadTrainer *trainer, GError **error)
{
  const EadTrainParams *params = t->params;
  const gsize input_floats = 3 * (gsize) params->image_size * params->image_size;
  g_autofree float *image_st = g_new (float, input_floats);
  g_autofree float *image_ae = g_new (float, input_floats);
  g_autofree float *penalty = g_new (float, input_floats);
  int step = ead_trainer_get_step (trainer);
  begin_phase (t);
  for (; !t->stopped_early && (t->steps == 0 || step < t->steps); step++)
    {
      if (g_cancellable_is_cancelled (t->cancellable))
        return stop_cancelled (t, model, trainer, step, error);
      EadLosses losses;
      if (!run_step (t, trainer, step, image_st, image_ae, penalty, &losses, error))
        return FALSE;
      const int done = step + 1;
      if (t->steps == 0)
        fix_budget_steps (t, trainer, done);
      double validation = NAN;
      if (params->validate_every > 0 && done % params->validate_every == 0)
        {
          const gint64 begun = g_get_monotonic_time ();
          if (!validation_loss (t, model, &validation, error))
            return FALSE;
          t->validating_us += g_get_monotonic_time () - begun;
          count_validation (t, validation);
          /* A budget still measuring the speed (no count yet) stops too. */
          t->stopped_early = patience_exhausted (t) && (t->steps == 0 || done < t->steps);
        }
      /* Checkpoint before reporting, so the callback may copy it. */
      if (!t->stopped_early && checkpoint_due (t, done)
          && !save_checkpoint (t, model, trainer, error))
        return FALSE;
      report_step (t, done, &losses, validation, t->stopped_early);
      if (done == t->hold_after)
        hold_until_cancelled (t);
    }
  t->steps_taken = step;
  return TRUE;
}

static gboolean
check_params (const EadTrainParams *params, GError **error)
{
  if (!ead_train_params_check (params, error))
    return FALSE;
  if (params->resume && !params->resume_from && !params->checkpoint_path)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "resuming needs a checkpoint");
      return FALSE;
    }
  return TRUE;
}

/* The quantiles of the trained model's validation maps. Cancelled here, the
 * run keeps a checkpoint of its last step, from which a resumed run only
 * calibrates. */
static gboolean
calibrate (Training *t, EadModel *model, EadTrainer *trainer, GError **error)
{
  const EadTrainParams *params = t->params;
  g_autoptr (GError) local_error = NULL;

  begin_phase (t);
  report (t, EAD_TRAIN_CALIBRATING, 0, t->validation->len, NULL);
  /* Set here, not at creation, so that a resumed run takes the region its
   * caller has now rather than its checkpoint's. */
  ead_model_set_roi (model, params->roi);
  if (!ead_calibrate_quantiles (model, (EadImage *const *) t->validation->pdata,
                                t->validation->len, params->precision, t->cancellable,
                                &local_error))
    {
      if (!g_cancellable_is_cancelled (t->cancellable))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else if (!keeps_checkpoints (params) || save_checkpoint (t, model, trainer, error))
        cancelled_while (t, keeps_checkpoints (params) ? "calibrating; the checkpoint keeps the "
                                                      "trained steps"
                                                    : "calibrating", error);
      return FALSE;
    }
  report (t, EAD_TRAIN_CALIBRATING, t->validation->len, t->validation->len, NULL);
  return TRUE;
}

/* Trains on t->train and calibrates on t->validation, both loaded. */
static EadModel *
train (Training *t, const char *dataset_name, GError **error)
{
  const EadTrainParams *params = t->params;
  if (!check_images (t, dataset_name, error)
      || (params->penalty_dir && !load_penalty_images (t, error)))
    return NULL;
  /* A tiled model trains on the tiles, one per step. */
  const guint n_images = t->train->len;
  if (keeps_checkpoints (params) || params->resume)
    t->train_digest = images_digest (t->train);
  GPtrArray *whole = t->train;
  t->train = tiles_of (whole, params);
  g_ptr_array_unref (whole);
  report (t, EAD_TRAIN_LOADING, 1, 1, NULL);
  g_autoptr (EadModel) model = NULL;
  EadTrainer *trainer = NULL;
  t->steps = params->minutes > 0 ? 0 : params->steps;
  /* Statistics come after resuming so that the teacher cache is the
   * checkpoint teacher's (recomputing them reproduces the stored ones). */
  gboolean ok = (params->resume ? resume_from_checkpoint (t, &model, &trainer, error)
                                : start_afresh (params, &model, &trainer, error))
                && compute_teacher_statistics (t, model, error)
                && (!validates (params) || prepare_validation_loss (t, model, error))
                && optimise (t, model, trainer, error)
                && calibrate (t, model, trainer, error);
  ead_trainer_free (trainer);
  if (!ok)
    return NULL;
  set_provenance (model, dataset_name, params, n_images, t->steps_taken);
  return g_steal_pointer (&model);
}

static Training
training_init (const EadTrainParams *params, EadTrainCallback callback, gpointer user_data,
               GCancellable *cancellable)
{
  Training t = {
    .params = params,
    .callback = callback,
    .user_data = user_data,
    .cancellable = cancellable,
    .epoch = -1,
    .best_validation = INFINITY,
  };
  const char *hold_after = g_getenv ("EAD_TRAIN_HOLD_AFTER");
  if (hold_after != NULL && cancellable != NULL)
    t.hold_after = (int) g_ascii_strtoll (hold_after, NULL, 10);
  begin_phase (&t);
  report (&t, EAD_TRAIN_LOADING, 0, 1, NULL);
  return t;
}

EadModel *
ead_train (EadDataset *dataset, const EadTrainParams *params, EadTrainCallback callback,
           gpointer user_data, GCancellable *cancellable, GError **error)
{
  if (!check_params (params, error))
    return NULL;
  Training t = training_init (params, callback, user_data, cancellable);
  EadModel *model = load_dataset_images (&t, dataset, error)
                    ? train (&t, ead_dataset_get_name (dataset), error) : NULL;
  training_clear (&t);
  return model;
}

EadModel *
ead_train_on_images (GPtrArray *train_images, GPtrArray *validation_images,
                     const char *dataset_name, const EadTrainParams *params,
                     EadTrainCallback callback, gpointer user_data,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) train_taken = train_images;
  g_autoptr (GPtrArray) validation_taken = validation_images;
  if (!check_params (params, error))
    return NULL;
  Training t = training_init (params, callback, user_data, cancellable);
  t.train = at_size (g_steal_pointer (&train_taken), working_resolution (params));
  t.validation = at_size (g_steal_pointer (&validation_taken), working_resolution (params));
  EadModel *model = train (&t, dataset_name, error);
  training_clear (&t);
  return model;
}

gboolean
ead_train_time_steps (EadModel *model, EadImage *image, EadPrecision precision,
                      int n_steps, double *seconds, GError **error)
{
  EadNets *nets = ead_model_get_nets (model);
  const int size = ead_nets_get_image_size (nets);
  const gsize side = ead_nets_get_output_size (nets);
  g_autofree float *x = g_new (float, 3 * (gsize) size * size);
  g_autofree float *teacher = g_new (float, EAD_TEACHER_CHANNELS * side * side);
  ead_image_to_normalized_tensor (image, size, x);
  if (!ead_nets_teacher_forward (nets, x, 1, teacher, error))
    return FALSE;
  EadTrainer *trainer = ead_trainer_new (nets, n_steps + 1, 1e-4, 1e-5, precision, error);
  if (!trainer)
    return FALSE;
  gboolean ok = TRUE;
  for (int i = -1; i < n_steps && ok; i++)
    {
      gint64 start = g_get_monotonic_time ();
      ok = ead_trainer_step (trainer, x, teacher, x, NULL, NULL, error);
      if (i >= 0)
        seconds[i] = (g_get_monotonic_time () - start) / 1e6;
    }
  ead_trainer_free (trainer);
  return ok;
}

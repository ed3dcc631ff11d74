/* ead-distill.c: the distillation loop. */
#include "ead-distill.h"
#include "ead-distiller.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ead-dataset.h"
#include "ead-error.h"
#include "ead-image.h"
#include "ead-random.h"
#include "ead-safetensors.h"

#define SIDE EAD_DISTILL_BACKBONE_SIZE
#define GRID EAD_DISTILL_TARGET_SIZE
#define PIXEL_BYTES ((gsize) SIDE * SIDE * 3)
#define BACKBONE_VALUES ((gsize) 3 * SIDE * SIDE)
#define INPUT_VALUES ((gsize) 3 * EAD_DISTILL_IMAGE_SIZE * EAD_DISTILL_IMAGE_SIZE)
#define TARGET_VALUES ((gsize) EAD_TEACHER_CHANNELS * GRID * GRID)
/* Images per backbone pass while caching targets. */
#define TARGET_CHUNK 4
#define HELD_OUT_FRACTION 0.05

typedef struct {
  const EadDistillParams *params;
  EadDistillCallback callback;
  gpointer user_data;
  GByteArray *pixels;       /* n x 512 x 512 x 3 */
  guint n_images;
  GArray *train;            /* image indices */
  GArray *held_out;
  EadBackbone *backbone;
  EadDistillTargets *targets;
  /* Raw targets of every un-augmented image in bf16, 3 MiB an image: the
   * backbone is the slow part of a step, and these never change. */
  guint16 *cache;
  double mean[EAD_TEACHER_CHANNELS];
  double std[EAD_TEACHER_CHANNELS];
  EadDistiller *distiller;
  double loss;
  double held_out_loss;
} Distill;

void
ead_distill_params_init (EadDistillParams *params)
{
  *params = (EadDistillParams) {
    .size = EAD_MODEL_SMALL,
    .taps = EAD_DISTILL_TAPS_BLOCKS,
    .steps = 60000,
    .batch = 16,
    .seed = 42,
    .device = EAD_DEVICE_CPU,
    .precision = EAD_PRECISION_FP32,
    .checkpoint_every = 1000,
    .learning_rate = 1e-4,
    .weight_decay = 1e-5,
    .grayscale_probability = 0.1,
    .min_crop = GRID / 2,
  };
}

char *
ead_distill_checkpoint_path (const char *output)
{
  return g_strconcat (output, ".checkpoint", NULL);
}

static void
distill_clear (Distill *d)
{
  g_clear_pointer (&d->pixels, g_byte_array_unref);
  g_clear_pointer (&d->train, g_array_unref);
  g_clear_pointer (&d->held_out, g_array_unref);
  g_clear_pointer (&d->distiller, ead_distiller_free);
  g_clear_pointer (&d->targets, ead_distill_targets_free);
  g_clear_pointer (&d->backbone, ead_backbone_free);
  g_clear_pointer (&d->cache, g_free);
}

static void
report (Distill *d, EadDistillPhase phase, int done, int total)
{
  if (!d->callback)
    return;
  EadDistillProgress progress = {
    .phase = phase,
    .done = done,
    .total = total,
    .loss = d->loss,
    .held_out_loss = d->held_out_loss,
  };
  d->callback (&progress, d->user_data);
}

static const guint8 *
image_pixels (const Distill *d, guint index)
{
  return d->pixels->data + index * PIXEL_BYTES;
}

/* Sets the error of a run cancelled before its steps, which keep no
 * checkpoint yet. */
static gboolean
cancelled_early (GCancellable *cancellable, GError **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;
  g_set_error (error, EAD_ERROR, EAD_ERROR_CANCELLED, "distillation cancelled");
  return TRUE;
}

/* ---- Images ---- */

static gboolean
append_image_file (GByteArray *pixels, const char *path, GError **error)
{
  if ((gsize) pixels->len + PIXEL_BYTES > G_MAXUINT)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "too many images: at most %u fit in memory as one block",
                   (guint) (G_MAXUINT / PIXEL_BYTES));
      return FALSE;
    }
  g_autoptr(EadImage) image = ead_image_load (path, error);
  if (!image)
    return FALSE;
  g_autoptr(EadImage) resized = ead_image_resize (image, SIDE, SIDE);
  g_byte_array_append (pixels, ead_image_get_pixels (resized), PIXEL_BYTES);
  return TRUE;
}

/* Appends a folder's images and, when @names is not NULL, their file names. */
static gboolean
load_folder (GByteArray *pixels, GPtrArray *names, const char *folder,
             GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) paths = ead_dataset_list_images (folder, error);
  if (!paths)
    return FALSE;
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      if (cancelled_early (cancellable, error) || !append_image_file (pixels, path, error))
        return FALSE;
      if (names)
        g_ptr_array_add (names, g_path_get_basename (path));
    }
  return TRUE;
}

/* The "images" tensor of a packed file. */
static const EadTensorView *
find_packed_images (const EadSafetensors *st, const char *path, GError **error)
{
  const EadTensorView *view = ead_safetensors_find (st, "images");
  if (!view || view->dtype != EAD_DTYPE_U8 || view->n_dims != 4 || view->shape[0] < 1
      || view->shape[1] != SIDE || view->shape[2] != SIDE || view->shape[3] != 3)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s has no uint8 tensor \"images\" of n x %d x %d x 3", path, SIDE, SIDE);
      return NULL;
    }
  return view;
}

static gboolean
load_packed (GByteArray *pixels, const char *path, GError **error)
{
  g_autoptr(EadSafetensors) st = ead_safetensors_map (path, error);
  const EadTensorView *view = st ? find_packed_images (st, path, error) : NULL;
  if (!view)
    return FALSE;
  if ((gsize) pixels->len + view->n_bytes > G_MAXUINT)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "%s: too many images", path);
      return FALSE;
    }
  g_byte_array_append (pixels, view->data, view->n_bytes);
  return TRUE;
}

/* Only the first image of a packed file or folder. */
static gboolean
load_first_image (GByteArray *pixels, const char *source, GError **error)
{
  if (g_file_test (source, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(EadSafetensors) st = ead_safetensors_map (source, error);
      const EadTensorView *view = st ? find_packed_images (st, source, error) : NULL;
      if (!view)
        return FALSE;
      g_byte_array_append (pixels, view->data, PIXEL_BYTES);
      return TRUE;
    }
  g_autoptr(GPtrArray) paths = ead_dataset_list_images (source, error);
  if (!paths)
    return FALSE;
  if (paths->len == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "%s has no images", source);
      return FALSE;
    }
  return append_image_file (pixels, g_ptr_array_index (paths, 0), error);
}

/* A source is a packed file or a folder of images. */
static GByteArray *
load_sources (const char *const *sources, GCancellable *cancellable, GError **error)
{
  g_autoptr(GByteArray) pixels = g_byte_array_new ();
  for (const char *const *source = sources; *source; source++)
    {
      gboolean ok = g_file_test (*source, G_FILE_TEST_IS_REGULAR)
                      ? load_packed (pixels, *source, error)
                      : load_folder (pixels, NULL, *source, cancellable, error);
      if (!ok)
        return NULL;
    }
  return g_steal_pointer (&pixels);
}

static void
split_images (Distill *d)
{
  g_autofree guint *order = g_new (guint, d->n_images);
  EadRandom random;
  for (guint i = 0; i < d->n_images; i++)
    order[i] = i;
  ead_random_init (&random, d->params->seed, 0);
  ead_random_shuffle (&random, order, d->n_images);
  guint n_held = MAX (1, (guint) lround (d->n_images * HELD_OUT_FRACTION));
  d->held_out = g_array_new (FALSE, FALSE, sizeof (guint));
  d->train = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (d->held_out, order, n_held);
  g_array_append_vals (d->train, order + n_held, d->n_images - n_held);
}

/* ---- Inputs and targets ---- */

/* Planar RGB in [-1, 1], MobileNetV2's input. */
static void
to_backbone_input (const guint8 *rgb, float *out)
{
  const gsize plane = (gsize) SIDE * SIDE;
  for (gsize p = 0; p < plane; p++)
    for (int c = 0; c < 3; c++)
      out[c * plane + p] = rgb[3 * p + c] / 127.5f - 1.0f;
}

/* The PDN's input: half the side, ImageNet-normalised. */
static void
to_student_input (const guint8 *rgb, float *out)
{
  g_autoptr(EadImage) image = ead_image_new_from_rgb8 (rgb, SIDE, SIDE, (gsize) SIDE * 3);
  ead_image_to_normalized_tensor (image, EAD_DISTILL_IMAGE_SIZE, out);
}

/* torchvision's rgb_to_grayscale weights, replicated to three channels. */
static void
to_grayscale (const guint8 *rgb, guint8 *out)
{
  for (gsize p = 0; p < (gsize) SIDE * SIDE; p++)
    {
      const guint8 *in = rgb + 3 * p;
      long luma = lrintf (0.299f * in[0] + 0.587f * in[1] + 0.114f * in[2]);
      memset (out + 3 * p, (int) CLAMP (luma, 0, 255), 3);
    }
}

static guint16
float_to_bf16 (float value)
{
  guint32 bits;
  memcpy (&bits, &value, sizeof bits);
  bits += 0x7fff + ((bits >> 16) & 1);   /* round to nearest, ties to even */
  return (guint16) (bits >> 16);
}

static gboolean
compute_target (Distill *d, const guint8 *rgb, float *out, GError **error)
{
  g_autofree float *input = g_new (float, BACKBONE_VALUES);
  to_backbone_input (rgb, input);
  return ead_distill_targets_compute (d->targets, input, 1, out, error);
}

static gboolean
cache_targets (Distill *d, GCancellable *cancellable, GError **error)
{
  g_autofree float *inputs = g_new (float, TARGET_CHUNK * BACKBONE_VALUES);
  g_autofree float *raw = g_new (float, TARGET_CHUNK * TARGET_VALUES);
  d->cache = g_new (guint16, d->n_images * TARGET_VALUES);
  for (guint first = 0; first < d->n_images; first += TARGET_CHUNK)
    {
      if (cancelled_early (cancellable, error))
        return FALSE;
      guint count = MIN (TARGET_CHUNK, d->n_images - first);
      for (guint k = 0; k < count; k++)
        to_backbone_input (image_pixels (d, first + k), inputs + k * BACKBONE_VALUES);
      if (!ead_distill_targets_compute (d->targets, inputs, count, raw, error))
        return FALSE;
      guint16 *cached = d->cache + first * TARGET_VALUES;
      for (gsize v = 0; v < count * TARGET_VALUES; v++)
        cached[v] = float_to_bf16 (raw[v]);
      report (d, EAD_DISTILL_TARGETS, first + count, d->n_images);
    }
  return TRUE;
}

static void
read_cached_target (const Distill *d, guint index, float *out)
{
  const guint16 *cached = d->cache + index * TARGET_VALUES;
  for (gsize v = 0; v < TARGET_VALUES; v++)
    out[v] = ead_bfloat16_to_float (cached[v]);
}

/* Per-channel mean and standard deviation over the training images. */
static void
estimate_statistics (Distill *d)
{
  const gsize plane = (gsize) GRID * GRID;
  double sum[EAD_TEACHER_CHANNELS] = { 0 }, squares[EAD_TEACHER_CHANNELS] = { 0 };
  for (guint i = 0; i < d->train->len; i++)
    {
      const guint16 *cached = d->cache + g_array_index (d->train, guint, i) * TARGET_VALUES;
      for (int c = 0; c < EAD_TEACHER_CHANNELS; c++)
        for (gsize p = 0; p < plane; p++)
          {
            double v = ead_bfloat16_to_float (cached[c * plane + p]);
            sum[c] += v;
            squares[c] += v * v;
          }
    }
  const double count = (double) d->train->len * plane;
  for (int c = 0; c < EAD_TEACHER_CHANNELS; c++)
    {
      d->mean[c] = sum[c] / count;
      /* A channel constant over all images would otherwise divide by zero. */
      d->std[c] = MAX (sqrt (MAX (squares[c] / count - d->mean[c] * d->mean[c], 0.0)), 1e-6);
    }
}

static void
normalise_target (const Distill *d, float *target)
{
  const gsize plane = (gsize) GRID * GRID;
  for (int c = 0; c < EAD_TEACHER_CHANNELS; c++)
    for (gsize p = 0; p < plane; p++)
      target[c * plane + p] = (float) ((target[c * plane + p] - d->mean[c]) / d->std[c]);
}

/* Copies the @crop x @crop square at (@x, @y) of each of @channels planes of
 * side @side. */
static void
crop_planes (const float *planes, int channels, int side, int x, int y, int crop, float *out)
{
  for (int c = 0; c < channels; c++)
    for (int row = 0; row < crop; row++)
      memcpy (out + ((gsize) c * crop + row) * crop,
              planes + ((gsize) c * side + y + row) * side + x, crop * sizeof (float));
}

/* A training batch of crops: @grid cells of the target grid on a side (drawn
 * per step, the same for the whole batch) at a random cell of each image.
 * A crop aligned to the grid keeps the cached targets valid: its target is
 * the matching cells of the whole image's, and the padded PDN maps 4 x grid
 * pixels to grid cells. Each step draws from its own random stream, so a
 * resumed run sees the batches it would have seen. A grayscale image gets
 * its own target from the backbone, as in the reference, rather than the
 * cached colour one. */
static gboolean
fill_batch (Distill *d, int step, float *inputs, float *targets, int *grid, GError **error)
{
  const EadDistillParams *params = d->params;
  const int scale = EAD_DISTILL_IMAGE_SIZE / GRID;
  g_autofree guint8 *gray = g_malloc (PIXEL_BYTES);
  g_autofree float *target = g_new (float, TARGET_VALUES);
  g_autofree float *input = g_new (float, INPUT_VALUES);
  EadRandom random;
  ead_random_init (&random, params->seed, 1 + (guint64) step);
  const int cells = params->min_crop + (int) ead_random_below (&random,
                                                               GRID - params->min_crop + 1);
  const gsize crop_targets = (gsize) EAD_TEACHER_CHANNELS * cells * cells;
  const gsize crop_inputs = (gsize) 3 * (cells * scale) * (cells * scale);
  for (int b = 0; b < params->batch; b++)
    {
      guint index = g_array_index (d->train, guint, ead_random_below (&random, d->train->len));
      const guint8 *rgb = image_pixels (d, index);
      if (ead_random_double (&random) < params->grayscale_probability)
        {
          to_grayscale (rgb, gray);
          rgb = gray;
          if (!compute_target (d, rgb, target, error))
            return FALSE;
        }
      else
        read_cached_target (d, index, target);
      normalise_target (d, target);
      to_student_input (rgb, input);
      const int x = (int) ead_random_below (&random, GRID - cells + 1);
      const int y = (int) ead_random_below (&random, GRID - cells + 1);
      crop_planes (target, EAD_TEACHER_CHANNELS, GRID, x, y, cells, targets + b * crop_targets);
      crop_planes (input, 3, EAD_DISTILL_IMAGE_SIZE, x * scale, y * scale, cells * scale,
                   inputs + b * crop_inputs);
    }
  *grid = cells;
  return TRUE;
}

static gboolean
evaluate_held_out (Distill *d, float *inputs, float *targets, GError **error)
{
  const guint n = d->held_out->len;
  double total = 0;
  for (guint first = 0; first < n; first += d->params->batch)
    {
      guint count = MIN ((guint) d->params->batch, n - first);
      for (guint k = 0; k < count; k++)
        {
          guint index = g_array_index (d->held_out, guint, first + k);
          read_cached_target (d, index, targets + k * TARGET_VALUES);
          normalise_target (d, targets + k * TARGET_VALUES);
          to_student_input (image_pixels (d, index), inputs + k * INPUT_VALUES);
        }
      double loss;
      if (!ead_distiller_evaluate (d->distiller, inputs, targets, count, GRID, &loss, error))
        return FALSE;
      total += loss * count;
    }
  d->held_out_loss = total / n;
  return TRUE;
}

/* ---- Files ---- */

typedef const char *(*TensorName) (const EadDistiller *distiller, guint index);
typedef gboolean (*TensorRead) (EadDistiller *distiller, guint index, float *out, GError **error);

/* Adds @n tensors read by @read; tensor i has the shape of weight i / @per_weight
 * (1 for the weights, 2 for the optimiser's two moments of each weight). */
static gboolean
add_tensors (EadDistiller *distiller, EadSafetensorsWriter *writer, guint n, guint per_weight,
             TensorName name, TensorRead read, GError **error)
{
  for (guint i = 0; i < n; i++)
    {
      gint64 shape[4];
      int n_dims = ead_distiller_get_tensor_shape (distiller, i / per_weight, shape);
      gsize n_values = ead_distiller_get_tensor_n_elements (distiller, i / per_weight);
      g_autofree float *values = g_new (float, n_values);
      if (!read (distiller, i, values, error))
        return FALSE;
      ead_safetensors_writer_add (writer, name (distiller, i), EAD_DTYPE_F32, n_dims, shape,
                                  values, n_values * sizeof (float));
    }
  return TRUE;
}

static gboolean
add_weights (EadDistiller *distiller, EadSafetensorsWriter *writer, GError **error)
{
  return add_tensors (distiller, writer, ead_distiller_get_n_tensors (distiller), 1,
                      ead_distiller_get_tensor_name, ead_distiller_read_tensor, error);
}

static gboolean
add_optimiser_state (EadDistiller *distiller, EadSafetensorsWriter *writer, GError **error)
{
  return add_tensors (distiller, writer, ead_distiller_get_n_state (distiller), 2,
                      ead_distiller_get_state_name, ead_distiller_read_state, error);
}

static const char *
size_name (EadModelSize size)
{
  return size == EAD_MODEL_MEDIUM ? "medium" : "small";
}

static void
set_metadata_int (EadSafetensorsWriter *writer, const char *key, gint64 value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  ead_safetensors_writer_set_metadata (writer, key, text);
}

static gboolean
save_checkpoint (Distill *d, const char *path, GError **error)
{
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  if (!add_weights (d->distiller, writer, error)
      || !add_optimiser_state (d->distiller, writer, error))
    return FALSE;
  set_metadata_int (writer, "checkpoint_step", ead_distiller_get_step (d->distiller));
  g_autofree char *held_out = g_strdup_printf ("%.6f", d->held_out_loss);
  ead_safetensors_writer_set_metadata (writer, "held_out_loss", held_out);
  ead_safetensors_writer_set_metadata (writer, "size", size_name (d->params->size));
  ead_safetensors_writer_set_metadata (writer, "taps",
                                       ead_distill_taps_to_string (d->params->taps));
  return ead_safetensors_writer_save (writer, path, error);
}

/* The tensor @name as float32 values, copied into @buffer (n elements). */
static gboolean
copy_f32 (const EadSafetensors *st, const char *name, gsize n, float *buffer)
{
  const EadTensorView *view = ead_safetensors_find (st, name);
  if (!view || view->dtype != EAD_DTYPE_F32 || view->n_bytes != n * sizeof (float))
    return FALSE;
  memcpy (buffer, view->data, view->n_bytes);
  return TRUE;
}

typedef struct {
  const EadSafetensors *st;
  float *buffer;
} StateReader;

static const float *
lookup_state (const char *name, gsize n_elements, gpointer user_data)
{
  StateReader *reader = user_data;
  reader->buffer = g_renew (float, reader->buffer, n_elements);
  return copy_f32 (reader->st, name, n_elements, reader->buffer) ? reader->buffer : NULL;
}

static gboolean
check_checkpoint_fits (const Distill *d, const EadSafetensors *st, const char *path,
                       GError **error)
{
  const char *size = ead_safetensors_get_metadata (st, "size");
  const char *taps = ead_safetensors_get_metadata (st, "taps");
  if (g_strcmp0 (size, size_name (d->params->size)) != 0
      || g_strcmp0 (taps, ead_distill_taps_to_string (d->params->taps)) != 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "%s was made for size %s with %s taps, not %s with %s taps", path,
                   size ? size : "?", taps ? taps : "?", size_name (d->params->size),
                   ead_distill_taps_to_string (d->params->taps));
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_checkpoint (Distill *d, const char *path, GError **error)
{
  g_autoptr(EadSafetensors) st = ead_safetensors_open (path, error);
  if (!st || !check_checkpoint_fits (d, st, path, error))
    return FALSE;
  const char *step_text = ead_safetensors_get_metadata (st, "checkpoint_step");
  guint64 step;
  if (!step_text || !g_ascii_string_to_unsigned (step_text, 10, 0, d->params->steps, &step, NULL))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s has no checkpoint step within the run's %d steps", path, d->params->steps);
      return FALSE;
    }
  for (guint i = 0; i < ead_distiller_get_n_tensors (d->distiller); i++)
    {
      const char *name = ead_distiller_get_tensor_name (d->distiller, i);
      gsize n = ead_distiller_get_tensor_n_elements (d->distiller, i);
      g_autofree float *values = g_new (float, n);
      if (!copy_f32 (st, name, n, values))
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                       "%s lacks the float32 weight %s of this PDN", path, name);
          return FALSE;
        }
      if (!ead_distiller_write_tensor (d->distiller, i, values, error))
        return FALSE;
    }
  StateReader reader = { st, NULL };
  gboolean ok = ead_distiller_restore (d->distiller, (int) step, lookup_state, &reader, error);
  g_free (reader.buffer);
  return ok;
}

/* What the targets were made from: backbone, taps and projection. */
static void
set_target_provenance (EadSafetensorsWriter *writer, const EadDistillParams *params,
                       const EadDistillTargets *targets)
{
  g_autofree char *backbone = g_path_get_basename (params->backbone_path);
  g_autofree char *projection = g_strdup_printf (
      "random orthogonal %d -> %d, seed %" G_GUINT64_FORMAT,
      ead_distill_targets_get_backbone_channels (targets), EAD_TEACHER_CHANNELS, params->seed);

  ead_safetensors_writer_set_metadata (writer, "distill.backbone", backbone);
  ead_safetensors_writer_set_metadata (writer, "distill.taps",
                                       ead_distill_taps_to_string (params->taps));
  ead_safetensors_writer_set_metadata (writer, "distill.projection", projection);
}

static void
set_provenance (Distill *d, EadSafetensorsWriter *writer, const char *const *sources)
{
  const EadDistillParams *params = d->params;
  g_autofree char *source_list = g_strjoinv (", ", (char **) sources);
  g_autofree char *held_out = g_strdup_printf ("%.6f", d->held_out_loss);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format_iso8601 (now);

  set_target_provenance (writer, params, d->targets);
  ead_safetensors_writer_set_metadata (writer, "distill.sources", source_list);
  g_autofree char *augmentation = g_strdup_printf (
      "crops of %d-%d cells of the %d x %d target grid, grayscale %g", params->min_crop, GRID,
      GRID, GRID, params->grayscale_probability);
  ead_safetensors_writer_set_metadata (writer, "distill.augmentation", augmentation);
  set_metadata_int (writer, "distill.images", d->train->len);
  set_metadata_int (writer, "distill.held_out_images", d->held_out->len);
  set_metadata_int (writer, "distill.steps", ead_distiller_get_step (d->distiller));
  set_metadata_int (writer, "distill.batch", params->batch);
  ead_safetensors_writer_set_metadata (writer, "distill.held_out_loss", held_out);
  ead_safetensors_writer_set_metadata (writer, "distill.precision",
                                       params->precision == EAD_PRECISION_BF16 ? "bf16" : "fp32");
  ead_safetensors_writer_set_metadata (writer, "distill.date", date);
  ead_safetensors_writer_set_metadata (writer, "size", size_name (params->size));
}

static gboolean
save_teacher (Distill *d, const char *const *sources, const char *output, GError **error)
{
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  if (!add_weights (d->distiller, writer, error))
    return FALSE;
  set_provenance (d, writer, sources);
  return ead_safetensors_writer_save (writer, output, error);
}

/* ---- The run ---- */

static gboolean
check_params (const EadDistillParams *params, GError **error)
{
  if (params->steps <= 0 || params->batch <= 0 || params->checkpoint_every < 0
      || params->min_crop < 1 || params->min_crop > GRID || !params->backbone_path)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "distillation needs a backbone, positive steps and batch, and a smallest "
                   "crop of 1 to %d cells", GRID);
      return FALSE;
    }
  return TRUE;
}

static gboolean
prepare_images (Distill *d, const char *const *sources, GCancellable *cancellable,
                GError **error)
{
  report (d, EAD_DISTILL_LOADING, 0, 1);
  d->pixels = load_sources (sources, cancellable, error);
  if (!d->pixels)
    return FALSE;
  d->n_images = d->pixels->len / PIXEL_BYTES;
  if (d->n_images < 2)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "distillation needs at least 2 images (one is held out), found %u",
                   d->n_images);
      return FALSE;
    }
  split_images (d);
  report (d, EAD_DISTILL_LOADING, 1, 1);
  return TRUE;
}

static gboolean
prepare_targets (Distill *d, GCancellable *cancellable, GError **error)
{
  const EadDistillParams *params = d->params;
  d->backbone = ead_backbone_load (params->backbone_path, error);
  if (!d->backbone || !ead_backbone_set_device (d->backbone, params->device, error)
      || !ead_backbone_set_precision (d->backbone, params->precision, error))
    return FALSE;
  d->targets = ead_distill_targets_new (d->backbone, params->taps, params->device, params->seed,
                                        error);
  if (!d->targets || !cache_targets (d, cancellable, error))
    return FALSE;
  estimate_statistics (d);
  return TRUE;
}

static gboolean
prepare_distiller (Distill *d, const char *checkpoint, GError **error)
{
  const EadDistillParams *params = d->params;
  ead_torch_manual_seed (params->seed);
  d->distiller = ead_distiller_new (params->size, params->device, params->learning_rate,
                                    params->weight_decay, error);
  if (!d->distiller)
    return FALSE;
  ead_distiller_set_precision (d->distiller, params->precision);
  return !params->resume || load_checkpoint (d, checkpoint, error);
}

static gboolean
train (Distill *d, const char *checkpoint, GCancellable *cancellable, GError **error)
{
  const EadDistillParams *params = d->params;
  g_autofree float *inputs = g_new (float, params->batch * INPUT_VALUES);
  g_autofree float *targets = g_new (float, params->batch * TARGET_VALUES);
  if (!evaluate_held_out (d, inputs, targets, error))
    return FALSE;
  for (int step = ead_distiller_get_step (d->distiller); step < params->steps; step++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          if (save_checkpoint (d, checkpoint, error))
            g_set_error (error, EAD_ERROR, EAD_ERROR_CANCELLED,
                         "distillation cancelled at step %d; %s resumes", step, checkpoint);
          return FALSE;
        }
      int grid;
      if (!fill_batch (d, step, inputs, targets, &grid, error)
          || !ead_distiller_step (d->distiller, inputs, targets, params->batch, grid, &d->loss,
                                  error))
        return FALSE;
      gboolean due = params->checkpoint_every > 0 && (step + 1) % params->checkpoint_every == 0;
      if (due && (!evaluate_held_out (d, inputs, targets, error)
                  || !save_checkpoint (d, checkpoint, error)))
        return FALSE;
      report (d, EAD_DISTILL_STEPS, step + 1, params->steps);
    }
  if (!evaluate_held_out (d, inputs, targets, error))
    return FALSE;
  report (d, EAD_DISTILL_STEPS, params->steps, params->steps);
  return TRUE;
}

gboolean
ead_distill_run (const EadDistillParams *params, const char *const *sources,
                 const char *output, EadDistillCallback callback, gpointer user_data,
                 GCancellable *cancellable, GError **error)
{
  if (!check_params (params, error))
    return FALSE;
  g_autofree char *checkpoint = ead_distill_checkpoint_path (output);
  Distill d = {
    .params = params,
    .callback = callback,
    .user_data = user_data,
    .loss = NAN,
    .held_out_loss = NAN,
  };
  gboolean ok = prepare_images (&d, sources, cancellable, error)
                && prepare_targets (&d, cancellable, error)
                && prepare_distiller (&d, checkpoint, error)
                && train (&d, checkpoint, cancellable, error)
                && save_teacher (&d, sources, output, error);
  distill_clear (&d);
  return ok;
}

gboolean
ead_distill_pack (const char *const *folders, const char *output, GError **error)
{
  g_autoptr(GByteArray) pixels = g_byte_array_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (const char *const *folder = folders; *folder; folder++)
    if (!load_folder (pixels, names, *folder, NULL, error))
      return FALSE;
  g_ptr_array_add (names, NULL);
  g_autofree char *name_list = g_strjoinv ("\n", (char **) names->pdata);
  const gint64 shape[4] = { pixels->len / PIXEL_BYTES, SIDE, SIDE, 3 };
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  ead_safetensors_writer_add (writer, "images", EAD_DTYPE_U8, 4, shape, pixels->data,
                              pixels->len);
  ead_safetensors_writer_set_metadata (writer, "names", name_list);
  return ead_safetensors_writer_save (writer, output, error);
}

/* ---- The targets for another runtime ---- */

static void
add_backbone_weight (const char *name, const float *data, const gint64 *shape, int n_dims,
                     gpointer user_data)
{
  gsize n = 1;
  for (int d = 0; d < n_dims; d++)
    n *= shape[d];
  g_autofree char *key = g_strconcat ("backbone.", name, NULL);
  ead_safetensors_writer_add (user_data, key, EAD_DTYPE_F32, n_dims, shape, data,
                              n * sizeof (float));
}

static char *
tap_to_string (EadBackboneTap tap)
{
  return g_strdup_printf ("%d %s", tap.block,
                          tap.kind == EAD_BACKBONE_BLOCK_EXPANDED ? "expanded" : "output");
}

gboolean
ead_distill_export_targets (const EadDistillParams *params, const char *source,
                            const char *output, GError **error)
{
  g_autoptr(GByteArray) pixels = g_byte_array_new ();
  if (!params->backbone_path)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "exporting targets needs a backbone");
      return FALSE;
    }
  if (!load_first_image (pixels, source, error))
    return FALSE;
  g_autoptr(EadBackbone) backbone = ead_backbone_load (params->backbone_path, error);
  if (!backbone)
    return FALSE;
  g_autoptr(EadDistillTargets) targets = ead_distill_targets_new (backbone, params->taps,
                                                                  EAD_DEVICE_CPU, params->seed,
                                                                  error);
  if (!targets)
    return FALSE;

  const int channels = ead_distill_targets_get_backbone_channels (targets);
  g_autofree float *projection = g_new (float, (gsize) EAD_TEACHER_CHANNELS * channels);
  g_autofree float *input = g_new (float, BACKBONE_VALUES);
  g_autofree float *check = g_new (float, TARGET_VALUES);
  to_backbone_input (pixels->data, input);
  if (!ead_distill_targets_read_projection (targets, projection, error)
      || !ead_distill_targets_compute (targets, input, 1, check, error))
    return FALSE;

  EadBackboneTap taps[2];
  ead_distill_targets_get_taps (targets, taps);
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  ead_backbone_foreach_weight (backbone, MAX (taps[0].block, taps[1].block), add_backbone_weight,
                               writer);
  const gint64 projection_shape[2] = { EAD_TEACHER_CHANNELS, channels };
  const gint64 image_shape[3] = { SIDE, SIDE, 3 };
  const gint64 target_shape[3] = { EAD_TEACHER_CHANNELS, GRID, GRID };
  ead_safetensors_writer_add (writer, "projection", EAD_DTYPE_F32, 2, projection_shape,
                              projection, (gsize) EAD_TEACHER_CHANNELS * channels * sizeof (float));
  ead_safetensors_writer_add (writer, "check.image", EAD_DTYPE_U8, 3, image_shape, pixels->data,
                              PIXEL_BYTES);
  ead_safetensors_writer_add (writer, "check.targets", EAD_DTYPE_F32, 3, target_shape, check,
                              TARGET_VALUES * sizeof (float));

  g_autofree char *tap8 = tap_to_string (taps[0]);
  g_autofree char *tap16 = tap_to_string (taps[1]);
  ead_safetensors_writer_set_metadata (writer, "format", "efficientad distillation targets 1");
  set_target_provenance (writer, params, targets);
  ead_safetensors_writer_set_metadata (writer, "tap.stride8", tap8);
  ead_safetensors_writer_set_metadata (writer, "tap.stride16", tap16);
  return ead_safetensors_writer_save (writer, output, error);
}

/* ead-runtime.c: the public runtime of efficientad.h over the engine. */

#include "efficientad.h"

#include <math.h>

#include "ead-compute.h"
#include "ead-config.h"
#include "ead-error.h"
#include "ead-image.h"
#include "ead-model.h"
#include "ead-score.h"

struct _EfficientadModel {
  EadModel *model;
};

/* One message per thread, so that threads scoring the same model never see
 * each other's errors. */
static GPrivate last_error = G_PRIVATE_INIT (g_free);

static EfficientadStatus
fail (EfficientadStatus status, const char *format, ...) G_GNUC_PRINTF (2, 3);

static EfficientadStatus
fail (EfficientadStatus status, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_private_replace (&last_error, g_strdup_vprintf (format, args));
  va_end (args);
  return status;
}

static EfficientadStatus
succeed (void)
{
  g_private_replace (&last_error, NULL);
  return EFFICIENTAD_OK;
}

static EfficientadStatus
status_of_error (const GError *error)
{
  if (error->domain != EAD_ERROR)
    return EFFICIENTAD_ERROR_FAILED;
  switch ((EadErrorCode) error->code)
    {
    case EAD_ERROR_INVALID_ARG:
      return EFFICIENTAD_ERROR_INVALID_ARGUMENT;
    case EAD_ERROR_IO:
      return EFFICIENTAD_ERROR_IO;
    case EAD_ERROR_BAD_FILE:
    case EAD_ERROR_BAD_IMAGE:
      return EFFICIENTAD_ERROR_BAD_FILE;
    case EAD_ERROR_INCOMPATIBLE:
      return EFFICIENTAD_ERROR_INCOMPATIBLE;
    case EAD_ERROR_TORCH:
      return EFFICIENTAD_ERROR_ENGINE;
    case EAD_ERROR_FAILED:
    case EAD_ERROR_BAD_DATASET:
    case EAD_ERROR_CANCELLED:
    default:
      return EFFICIENTAD_ERROR_FAILED;
    }
}

static EfficientadStatus
fail_with (const GError *error)
{
  return fail (status_of_error (error), "%s", error->message);
}

const char *
efficientad_version (void)
{
  return EAD_VERSION;
}

const char *
efficientad_status_to_string (EfficientadStatus status)
{
  switch (status)
    {
    case EFFICIENTAD_OK:
      return "ok";
    case EFFICIENTAD_ERROR_INVALID_ARGUMENT:
      return "invalid argument";
    case EFFICIENTAD_ERROR_IO:
      return "input/output error";
    case EFFICIENTAD_ERROR_BAD_FILE:
      return "malformed model file";
    case EFFICIENTAD_ERROR_INCOMPATIBLE:
      return "incompatible model file";
    case EFFICIENTAD_ERROR_NOT_CALIBRATED:
      return "model not calibrated";
    case EFFICIENTAD_ERROR_NO_THRESHOLD:
      return "no threshold";
    case EFFICIENTAD_ERROR_ENGINE:
      return "engine failure";
    case EFFICIENTAD_ERROR_FAILED:
      return "failure";
    default:
      return "unknown status";
    }
}

const char *
efficientad_last_error (void)
{
  const char *message = g_private_get (&last_error);
  return message ? message : "";
}

EfficientadStatus
efficientad_model_load (const char *path, EfficientadModel **model)
{
  if (model == NULL)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT, "efficientad_model_load: model is NULL");
  *model = NULL;
  if (path == NULL)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT, "efficientad_model_load: path is NULL");

  g_autoptr (GError) error = NULL;
  g_autoptr (EadModel) loaded = ead_model_load (path, &error);
  if (loaded == NULL)
    return fail_with (error);
  if (!ead_model_is_calibrated (loaded))
    return fail (EFFICIENTAD_ERROR_NOT_CALIBRATED,
                 "%s: the model is not calibrated: it has no map quantiles", path);

  *model = g_new0 (EfficientadModel, 1);
  (*model)->model = g_steal_pointer (&loaded);
  return succeed ();
}

void
efficientad_model_free (EfficientadModel *model)
{
  if (model == NULL)
    return;
  ead_model_free (model->model);
  g_free (model);
}

int
efficientad_model_get_input_size (const EfficientadModel *model)
{
  return model ? ead_model_get_image_size (model->model) : 0;
}

const char *
efficientad_model_get_size_name (const EfficientadModel *model)
{
  return model ? ead_model_size_to_string (ead_model_get_size (model->model)) : NULL;
}

EfficientadStatus
efficientad_model_get_threshold (const EfficientadModel *model, double *threshold)
{
  if (model == NULL || threshold == NULL)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT,
                 "efficientad_model_get_threshold: model or threshold is NULL");
  if (!ead_model_has_threshold (model->model))
    return fail (EFFICIENTAD_ERROR_NO_THRESHOLD, "the model holds no decision threshold");
  *threshold = ead_model_get_threshold (model->model);
  return succeed ();
}

EfficientadScoreOptions
efficientad_score_options_default (void)
{
  return (EfficientadScoreOptions) {
    .precision = EFFICIENTAD_PRECISION_FP32,
    .threshold = NAN,
  };
}

/* Checks the buffer's description before the engine sees it. */
static EfficientadStatus
check_buffer (const unsigned char *pixels, size_t size, EfficientadPixelFormat format,
              int width, int height, size_t stride)
{
  if (pixels == NULL)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT, "efficientad_score: pixels is NULL");
  if (format != EFFICIENTAD_FORMAT_RGB8 && format != EFFICIENTAD_FORMAT_GRAY8)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT, "efficientad_score: unknown pixel format %d",
                 (int) format);
  if (width <= 0 || height <= 0 || width > EFFICIENTAD_MAX_SIDE || height > EFFICIENTAD_MAX_SIDE
      || (gint64) width * height > EFFICIENTAD_MAX_PIXELS)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT,
                 "efficientad_score: image size %d x %d is out of range (1 to %d per side, "
                 "at most %d pixels)", width, height, EFFICIENTAD_MAX_SIDE, EFFICIENTAD_MAX_PIXELS);
  const size_t row_bytes = (size_t) width * (format == EFFICIENTAD_FORMAT_RGB8 ? 3 : 1);
  if (stride < row_bytes)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT,
                 "efficientad_score: stride %zu is shorter than a row of %zu bytes", stride, row_bytes);
  /* The last row needs only its pixels; a stride this large would overflow. */
  if (stride > G_MAXSIZE / (size_t) height)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT, "efficientad_score: stride %zu is too large", stride);
  const size_t needed = stride * (size_t) (height - 1) + row_bytes;
  if (size < needed)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT,
                 "efficientad_score: buffer of %zu bytes is too small for %d x %d with stride %zu "
                 "(%zu bytes)", size, width, height, stride, needed);
  return EFFICIENTAD_OK;
}

static EfficientadDecision
decide (double score, double threshold)
{
  if (isnan (threshold))
    return EFFICIENTAD_UNDECIDED;
  return score >= threshold ? EFFICIENTAD_ANOMALOUS : EFFICIENTAD_GOOD;
}

EfficientadStatus
efficientad_score (EfficientadModel *model, const unsigned char *pixels, size_t size,
                   EfficientadPixelFormat format, int width, int height, size_t stride,
                   const EfficientadScoreOptions *options, EfficientadResult *result)
{
  if (result == NULL)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT, "efficientad_score: result is NULL");
  *result = (EfficientadResult) { .decision = EFFICIENTAD_UNDECIDED, .threshold = NAN };
  if (model == NULL)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT, "efficientad_score: model is NULL");
  EfficientadStatus status = check_buffer (pixels, size, format, width, height, stride);
  if (status != EFFICIENTAD_OK)
    return status;
  const EfficientadScoreOptions defaults = efficientad_score_options_default ();
  if (options == NULL)
    options = &defaults;
  if (options->precision != EFFICIENTAD_PRECISION_FP32 && options->precision != EFFICIENTAD_PRECISION_BF16)
    return fail (EFFICIENTAD_ERROR_INVALID_ARGUMENT, "efficientad_score: unknown precision %d",
                 (int) options->precision);

  gint64 start = g_get_monotonic_time ();
  g_autoptr (EadImage) image = format == EFFICIENTAD_FORMAT_RGB8
    ? ead_image_new_from_rgb8 (pixels, width, height, stride)
    : ead_image_new_from_gray8 (pixels, width, height, stride);
  const gboolean want_maps = options->fused_map || options->local_map || options->global_map;
  const EadPrecision precision = options->precision == EFFICIENTAD_PRECISION_BF16
    ? EAD_PRECISION_BF16 : EAD_PRECISION_FP32;
  g_autoptr (GError) error = NULL;
  g_auto (EadScoreResult) scored = { 0 };
  if (!ead_model_score (model->model, image, precision, want_maps ? EAD_SCORE_MAPS : 0,
                        &scored, &error))
    return fail_with (error);

  const gsize map_bytes = (gsize) width * height * sizeof (float);
  if (options->fused_map)
    memcpy (options->fused_map, scored.fused, map_bytes);
  if (options->local_map)
    memcpy (options->local_map, scored.local, map_bytes);
  if (options->global_map)
    memcpy (options->global_map, scored.global, map_bytes);

  double threshold = options->threshold;
  if (isnan (threshold) && ead_model_has_threshold (model->model))
    threshold = ead_model_get_threshold (model->model);
  result->score = scored.score;
  result->threshold = threshold;
  result->decision = decide (scored.score, threshold);
  result->milliseconds = (g_get_monotonic_time () - start) / 1000.0;
  return succeed ();
}

void
efficientad_set_threads (int n)
{
  ead_torch_set_threads (n);
}

int
efficientad_cpu_has_bf16 (void)
{
  return ead_torch_cpu_has_bf16 () ? 1 : 0;
}

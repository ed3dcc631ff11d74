/* ead-train-params.c: whether a training run's parameters can run at all,
 * checked before the run is recorded or started, for every front end. */

#include "ead-torch.h"
#include "ead-train.h"

#include "ead-error.h"
#include "ead-tiles.h"

G_DEFINE_QUARK (ead-train-params-error-quark, ead_train_params_error)

gboolean
ead_train_params_check (const EadTrainParams *params, GError **error)
{
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autoptr (GError) teacher_error = NULL;

  if (params->steps <= 0)
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_STEPS,
                 "--steps must be a positive number, not %d", params->steps);
  else if (params->checkpoint_every < 0)
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_CHECKPOINT_EVERY,
                 "--checkpoint-every must not be negative, not %d",
                 params->checkpoint_every);
  else if (!(params->minutes >= 0 && params->minutes <= EAD_TRAIN_MAX_MINUTES))
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_SCHEDULE,
                 "--minutes must be from 0 to %d (a week), not %g", EAD_TRAIN_MAX_MINUTES,
                 params->minutes);
  else if (params->validate_every < 0 || params->patience < 0)
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_SCHEDULE,
                 "--validate-every and --patience must not be negative");
  else if (params->patience > 0 && params->validate_every == 0)
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_SCHEDULE,
                 "--patience needs validation losses: leave --validate-every above 0");
  else if (ead_nets_output_size (params->image_size) == 0)
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_IMAGE_SIZE,
                 "image size %d is not supported: use a multiple of 64, at least 256",
                 params->image_size);
  else if (params->tiles < 1 || params->tiles > EAD_TILES_MAX)
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_TILES,
                 "--tiles must be from 1 to %d, not %d", EAD_TILES_MAX, params->tiles);
  else if (ead_tiles_resolution (params->image_size, params->tiles) > EAD_TILES_MAX_RESOLUTION)
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_TILES,
                 "%d x %d tiles of %d pixels cover more than %d pixels: use fewer or smaller",
                 params->tiles, params->tiles, params->image_size, EAD_TILES_MAX_RESOLUTION);
  else if (params->device == EAD_DEVICE_CUDA && !ead_torch_cuda_available ())
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_DEVICE,
                 "CUDA was asked for, but no CUDA device is available");
  else if (params->teacher_path != NULL
           && !ead_model_check_teacher (params->size, params->teacher_path, &teacher_error))
    g_set_error (error, EAD_TRAIN_PARAMS_ERROR, EAD_TRAIN_PARAMS_ERROR_TEACHER, "%s",
                 teacher_error->message);
  else
    return TRUE;
  return FALSE;
}

EadPrecision
ead_train_default_precision (EadDevice device)
{
  return device == EAD_DEVICE_CPU && ead_torch_cpu_has_bf16 () ? EAD_PRECISION_BF16
                                                                : EAD_PRECISION_FP32;
}

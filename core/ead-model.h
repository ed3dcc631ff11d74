/* ead-model.h: a trained EfficientAD model and its file.
 *
 * A model holds everything needed to score an image: the weights of teacher,
 * student and autoencoder, the teacher's per-channel mean and std, the four
 * map quantiles, the image and model size, the tiling, the decision
 * threshold once one is chosen, the region of interest if there is one, and
 * where it came from. Its file is safetensors (see docs/model-format.md),
 * readable by Python's safetensors library. */
#pragma once

#include <glib.h>

#include "ead-roi.h"
#include "ead-safetensors.h"
#include "ead-types.h"

G_BEGIN_DECLS

#define EAD_MODEL_FORMAT "efficientad-model"
/* The newest version this program reads; a file is written at the lowest
 * version that holds it: 3 when tiled, 2 with a region of interest or a
 * fusion weight other than the paper's mean (older programs would ignore
 * any of them and score differently), else 1. */
#define EAD_MODEL_FORMAT_VERSION 3
/* The paper's fusion: the mean of the local and the global map. */
#define EAD_DEFAULT_LOCAL_WEIGHT 0.5

/* The quantiles of the validation maps that normalise each map:
 * normalised = 0.1 * (m - start) / (end - start), start the 0.9 quantile and
 * end the 0.995 quantile. */
typedef struct {
  double st_start, st_end;   /* local (student-teacher) map */
  double ae_start, ae_end;   /* global (student-autoencoder) map */
} EadQuantiles;

/* Whether @q can normalise maps: each end lies above its start by more than
 * a float map resolves, so that the scale 0.1 / (end - start) stays finite
 * and a map's values do not overflow. */
gboolean ead_quantiles_are_usable (const EadQuantiles *q);

typedef struct _EadModel EadModel;

/* New, randomly initialised networks (seed libtorch first). */
EadModel *ead_model_new (EadModelSize size, int image_size, GError **error);
void ead_model_free (EadModel *model);

/* Loads and checks a model file: format, version, sizes, every tensor's shape,
 * finite numbers. A truncated, foreign or newer file fails with a one-line
 * error naming it. */
EadModel *ead_model_load (const char *path, GError **error);

/* Writes the model atomically (an existing file stays whole on failure). */
gboolean ead_model_save (EadModel *model, const char *path, GError **error);

/* The two halves of load and save, for files that carry a model and more
 * (training checkpoints add the optimiser state). */
EadModel *ead_model_new_from_safetensors (const EadSafetensors *st, const char *name, GError **error);
gboolean ead_model_write_to (EadModel *model, EadSafetensorsWriter *writer, GError **error);

/* Replaces the teacher's weights with those of a teacher file: safetensors
 * with "teacher.<i>.weight"-style names or the bare "<i>.weight" names of the
 * reference implementation, shapes matching this model's PDN. */
gboolean ead_model_load_teacher (EadModel *model, const char *path, GError **error);
/* Whether the teacher file @path fits a model of @size (every teacher
 * tensor there, of the right shape), without loading its weights. */
gboolean ead_model_check_teacher (EadModelSize size, const char *path, GError **error);

EadNets *ead_model_get_nets (EadModel *model);
EadModelSize ead_model_get_size (const EadModel *model);
int ead_model_get_image_size (const EadModel *model);

/* How many tiles per side the model cuts an image into (ead-tiles.h), from
 * 1 (the whole image at once, the paper's way) to EAD_TILES_MAX. Set before
 * training: the networks learn the tiles' scale. A new tiling clears the
 * quantiles and the threshold, which were the other maps'. */
int ead_model_get_tiles (const EadModel *model);
void ead_model_set_tiles (EadModel *model, int tiles);
/* The side of the square images are resized to: the input size, or what
 * the tiles cover. */
int ead_model_get_resolution (const EadModel *model);

gboolean ead_model_is_calibrated (const EadModel *model);
const EadQuantiles *ead_model_get_quantiles (const EadModel *model);
void ead_model_set_quantiles (EadModel *model, const EadQuantiles *quantiles);

/* How the fused map mixes the normalised maps: @weight * local +
 * (1 - @weight) * global, @weight in [0, 1] (1: the local map alone, 0: the
 * global map alone). The image score is the fused map's maximum, so a new
 * weight makes the threshold meaningless: setting a different one clears it. */
double ead_model_get_local_weight (const EadModel *model);
void ead_model_set_local_weight (EadModel *model, double weight);

gboolean ead_model_has_threshold (const EadModel *model);
double ead_model_get_threshold (const EadModel *model);
void ead_model_set_threshold (EadModel *model, double threshold);
void ead_model_clear_threshold (EadModel *model);

/* The region of interest (copied; NULL removes it), or NULL for the whole
 * image. */
void ead_model_set_roi (EadModel *model, const EadRoi *roi);
const EadRoi *ead_model_get_roi (const EadModel *model);

/* Free-form provenance ("teacher", "steps", "seed", "dataset", "date",
 * "engine_version", ...), saved as file metadata. */
void ead_model_set_provenance (EadModel *model, const char *key, const char *value);
const char *ead_model_get_provenance (const EadModel *model, const char *key);
/* The provenance keys in byte order, NULL-terminated; free the array only. */
const char **ead_model_get_provenance_keys (const EadModel *model);

const char *ead_model_size_to_string (EadModelSize size);
gboolean ead_model_size_from_string (const char *text, EadModelSize *size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadModel, ead_model_free)

G_END_DECLS

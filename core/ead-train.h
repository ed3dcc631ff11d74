/* ead-train.h: training an EfficientAD model on a dataset's good images. */
#pragma once

#include <gio/gio.h>

#include "ead-dataset.h"
#include "ead-image.h"
#include "ead-model.h"

G_BEGIN_DECLS

/* Receives a training checkpoint (a safetensors file's bytes) of @step on the
 * training thread, before that step is reported and when training is
 * cancelled: a project stores it in its file, and nothing lands on disk
 * beside it. */
typedef gboolean (*EadCheckpointSink) (GBytes *checkpoint, int step, gpointer user_data,
                                       GError **error);

typedef struct {
  EadModelSize size;
  int image_size;             /* multiple of 64, >= 256 */
  int tiles;                  /* per side, 1 to EAD_TILES_MAX: a tiled model trains on
                               * the tiles of images at ead_tiles_resolution() (1: the
                               * whole images at image_size, the paper's way) */
  int steps;                  /* > 0; with a time budget, only until the speed is known */
  double minutes;             /* a time budget for the steps, up to EAD_TRAIN_MAX_MINUTES:
                               * the step count is fixed from the speed of the first
                               * steps; 0: train @steps */
  int validate_every;         /* steps between validation losses; 0: none */
  int patience;               /* stop once that many validations in a row have not
                               * improved on the best; 0: never stop early */
  guint64 seed;
  EadDevice device;
  EadPrecision precision;     /* of training's passes and the calibration maps */
  const char *teacher_path;   /* NULL for a random teacher: results are meaningless */
  const char *penalty_dir;    /* natural images for the penalty term, or NULL */
  const char *checkpoint_path;   /* a file, written atomically; NULL: none */
  EadCheckpointSink checkpoint_sink;   /* or bytes to this, instead of a file */
  gpointer checkpoint_sink_data;
  int checkpoint_every;       /* steps between checkpoints, each written before its
                               * step is reported; 0: only on cancel */
  gboolean resume;            /* continue from resume_from, or from checkpoint_path */
  GBytes *resume_from;        /* a checkpoint as the sink received it, or NULL */
  gboolean skip_bad;          /* skip unreadable images with a warning */
  double learning_rate;
  double weight_decay;
  gsize teacher_cache_bytes;  /* memory for cached teacher features */
  const EadRoi *roi;          /* the region of interest the model carries and is
                               * calibrated in, or NULL for the whole image */
} EadTrainParams;

/* The precision to train in when none is asked for: bf16 on a CPU that
 * computes it natively, where it trains as well as fp32 at the same steps
 * and takes 2.7 times the steps per minute (docs/benchmarks.md, "What a
 * budget buys"); fp32 elsewhere. ead_train_params_init() keeps fp32, so
 * that the library's results do not depend on the machine. */
EadPrecision ead_train_default_precision (EadDevice device);

/* The default schedules: 70,000 steps is the paper's GPU budget; on a CPU
 * that is most of a day, so the CPU default finishes within the hour. */
#define EAD_TRAIN_DEFAULT_STEPS_CPU 2000
#define EAD_TRAIN_DEFAULT_STEPS_CUDA 70000
#define EAD_TRAIN_DEFAULT_CHECKPOINT_EVERY 500
/* The paper's input side; larger multiples of 64 see smaller defects at
 * about (side / 256)^2 the cost. */
#define EAD_DEFAULT_IMAGE_SIZE 256

/* A week: longer budgets are mistakes, and the step count must fit an int. */
#define EAD_TRAIN_MAX_MINUTES (7 * 24 * 60)

/* A validation loss every 100 steps costs about 2 % of the training time. */
#define EAD_TRAIN_DEFAULT_VALIDATE_EVERY 100

/* The paper's values: small model, 256 pixels untiled, 70,000 steps, seed 42,
 * Adam 1e-4 with weight decay 1e-5, fp32, a 2 GiB teacher cache; no time
 * budget, no validation loss. */
void ead_train_params_init (EadTrainParams *params);

/* What ead_train_params_check() finds wrong, for front ends that say it in
 * their own words from the code and the parameters. */
#define EAD_TRAIN_PARAMS_ERROR (ead_train_params_error_quark ())
typedef enum {
  EAD_TRAIN_PARAMS_ERROR_STEPS,              /* not positive */
  EAD_TRAIN_PARAMS_ERROR_CHECKPOINT_EVERY,   /* negative */
  EAD_TRAIN_PARAMS_ERROR_IMAGE_SIZE,         /* not a multiple of 64, or under 256 */
  EAD_TRAIN_PARAMS_ERROR_TILES,              /* not 1 to EAD_TILES_MAX, or covering more
                                              * than EAD_TILES_MAX_RESOLUTION */
  EAD_TRAIN_PARAMS_ERROR_DEVICE,             /* CUDA asked for, none available */
  EAD_TRAIN_PARAMS_ERROR_TEACHER,            /* unreadable, or not of the model's size */
  EAD_TRAIN_PARAMS_ERROR_SCHEDULE,           /* a negative budget, validation interval or
                                              * patience, or patience without validation */
} EadTrainParamsError;

GQuark ead_train_params_error_quark (void);

/* Whether @params can run: steps, checkpoint interval, image size, device,
 * and the teacher file's tensors against the model size (read from its
 * header, not loaded). Errors are EAD_TRAIN_PARAMS_ERROR, in English. */
gboolean ead_train_params_check (const EadTrainParams *params, GError **error);

typedef enum {
  EAD_TRAIN_LOADING,       /* reading images */
  EAD_TRAIN_TEACHER,       /* teacher statistics */
  EAD_TRAIN_STEPS,         /* optimisation */
  EAD_TRAIN_CALIBRATING,   /* validation maps */
} EadTrainPhase;

typedef struct {
  EadTrainPhase phase;
  int done, total;            /* images or steps of this phase; under a time budget the
                               * steps' total is 0 until the speed fixes it */
  EadLosses losses;           /* the last step's, in EAD_TRAIN_STEPS */
  double validation;          /* the mean st-loss on the validation images after this
                               * step, NAN when it was not measured at this step */
  double steps_per_minute;    /* the speed that fixed a time budget's step count, 0 before */
  gboolean stopped_early;     /* this step is the last: the validation loss stopped improving */
  double seconds;             /* since the phase began */
} EadTrainProgress;

typedef void (*EadTrainCallback) (const EadTrainProgress *progress, gpointer user_data);

/* Trains, calibrates on the validation split and returns the model, with
 * provenance filled in (its steps are those taken). A resumed run keeps the
 * step count of its checkpoint, which a time budget fixed. Cancelling writes
 * a checkpoint (to the path or the sink) and fails with EAD_ERROR_CANCELLED.
 * Unreadable images stop training before it starts, naming the file, unless
 * skip_bad is set. */
EadModel *ead_train (EadDataset *dataset, const EadTrainParams *params,
                     EadTrainCallback callback, gpointer user_data,
                     GCancellable *cancellable, GError **error);

/* The same on images already in memory (a project file's, say): it takes
 * @train and @validation, arrays of EadImage of any size that free their
 * images, and brings each image to the size it trains at unless it is
 * there already. @dataset_name goes into the provenance. The rule stands:
 * the validation images calibrate and are never trained on. */
EadModel *ead_train_on_images (GPtrArray *train, GPtrArray *validation,
                               const char *dataset_name, const EadTrainParams *params,
                               EadTrainCallback callback, gpointer user_data,
                               GCancellable *cancellable, GError **error);

/* The seconds of each of @n_steps training steps of @model in @precision on
 * @image (at the model's size) with its teacher features cached, as training
 * runs them, after one warm-up step: what a benchmark measures. The model's
 * student and autoencoder change. */
gboolean ead_train_time_steps (EadModel *model, EadImage *image, EadPrecision precision,
                               int n_steps, double *seconds, GError **error);

G_END_DECLS

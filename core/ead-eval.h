/* ead-eval.h: a model's metrics on a dataset's test images. */
#pragma once

#include <gio/gio.h>

#include "ead-dataset.h"
#include "ead-model.h"
#include "ead-score.h"

G_BEGIN_DECLS

/* The AU-PRO integration limit of MVTec AD's evaluation. */
#define EAD_AUPRO_FPR_LIMIT 0.3

typedef struct {
  char *type;            /* "all", or a defect type with the good images */
  guint n_images;
  double image_auroc;    /* NaN where undefined (one class only) */
  double pixel_auroc;    /* NaN without masks */
  double aupro;
  double f1_max;
  double threshold;      /* the image score threshold achieving f1_max */
} EadMetrics;

typedef struct {
  char *path;
  char *type;
  double score;
  double milliseconds;
  /* Where the fused map peaks (the score's pixel), on an image of this size,
   * and each map's own maximum there or anywhere (NaN without the maps). */
  int width, height;
  int peak_x, peak_y;
  double local_score;
  double global_score;
} EadImageScore;

/* The metrics of one anomaly map on its own, each image scored by that
 * map's maximum. */
typedef struct {
  EadMetrics overall;
  GArray *per_type;      /* EadMetrics, one per defect type, sorted */
} EadMapMetrics;

typedef struct {
  EadMetrics overall;    /* of the fused map, whose maximum is the image score */
  GArray *per_type;      /* EadMetrics, one per defect type, sorted */
  GArray *images;        /* EadImageScore, in dataset order */
  double ms_per_image;   /* mean network and map time */
  /* The local (student-teacher) and global (autoencoder) maps alone, to see
   * which branch fails; NULL where those maps were not at hand. */
  EadMapMetrics *local;
  EadMapMetrics *global;
} EadEvaluation;

/* Called after each test image with the decoded image and its maps (at the
 * image's resolution), so that callers drawing overlays need not decode it
 * again. */
typedef void (*EadEvalCallback) (const EadSample *sample, const EadImage *image,
                                 const EadScoreResult *result, guint done, guint total,
                                 gpointer user_data);

/* Scores every test image and computes the metrics. A mask whose size
 * differs from its image is an EAD_ERROR_BAD_DATASET naming both. */
EadEvaluation *ead_evaluate (EadModel *model, EadDataset *dataset, EadPrecision precision,
                             EadEvalCallback callback, gpointer user_data,
                             GCancellable *cancellable, GError **error);
void ead_evaluation_free (EadEvaluation *evaluation);

/* A test image scored elsewhere (a project file keeps its images in a
 * database), for the same metrics. */
typedef struct {
  const char *path;       /* how the image is named in the evaluation */
  const char *type;       /* "good" or the defect type */
  double score;
  double milliseconds;
  int width, height;
  const float *map;       /* the fused map, width x height */
  const float *local;     /* the local and global maps at the same size, or */
  const float *global;    /* NULL for both: no metrics of each map alone */
  const guint8 *mask;     /* width x height, 1 for defect (all 0 for good images), or
                           * NULL for a defective image without one: left out of
                           * the pixel metrics, whose defect pixels it cannot name */
  const guint8 *roi;      /* width x height, non-zero where inspected, or NULL for all:
                           * the pixel metrics count the pixels inside only */
} EadScoredImage;

/* The metrics of ead_evaluate() over @n images already scored. */
EadEvaluation *ead_evaluation_new_from_scores (const EadScoredImage *images, guint n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadEvaluation, ead_evaluation_free)

G_END_DECLS

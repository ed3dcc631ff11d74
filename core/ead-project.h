/* ead-project.h: the project file, one SQLite database (.eadproj) per
 * inspected part: its images and labels, training runs with their loss
 * curves and checkpoints, models, calibration, results and their review.
 * docs/project-schema.md describes the tables.
 *
 * An EadProject is one connection to the file: use it from one thread at a
 * time. Training runs in a worker thread on a connection of its own, so
 * other connections (another thread, another process) read while it writes. */
#pragma once

#include <gio/gio.h>

#include "ead-dataset.h"
#include "ead-eval.h"
#include "ead-export.h"
#include "ead-metrics.h"
#include "ead-score.h"
#include "ead-train.h"

G_BEGIN_DECLS

#define EAD_PROJECT_EXTENSION ".eadproj"

/* The longest side of the stored anomaly maps, in pixels. */
#define EAD_PROJECT_MAP_SIDE 256

/* The longest side of the cached thumbnails, in pixels. */
#define EAD_PROJECT_THUMBNAIL_SIDE 128

typedef struct _EadProject EadProject;

/* What went wrong with the project file itself, whatever was being done:
 * front ends say it in their own words from the code, and print the
 * message (English, starting with the path) where they have none. Other
 * failures of the project layer are EAD_ERROR. */
#define EAD_PROJECT_ERROR (ead_project_error_quark ())
typedef enum {
  EAD_PROJECT_ERROR_MISSING,          /* no file at the path */
  EAD_PROJECT_ERROR_EXISTS,           /* creating: a file is already there */
  EAD_PROJECT_ERROR_NOT_A_DATABASE,   /* not an SQLite file */
  EAD_PROJECT_ERROR_NOT_A_PROJECT,    /* SQLite, but not a project */
  EAD_PROJECT_ERROR_NEWER,            /* a schema newer than this program's */
  EAD_PROJECT_ERROR_DAMAGED,          /* fails SQLite's integrity check */
  EAD_PROJECT_ERROR_ACCESS,           /* no permission, or a read-only file */
  EAD_PROJECT_ERROR_FULL,             /* the disk is full */
  EAD_PROJECT_ERROR_FAILED,           /* anything else SQLite reports */
} EadProjectError;

GQuark ead_project_error_quark (void);

/* The schema version this program reads and writes (SQLite's user_version). */
int ead_project_get_schema_version (void);

/* Creates a new, empty project; an existing file is an error. */
EadProject *ead_project_create (const char *path, GError **error);

/* Opens a project, bringing an older schema up to date. A file that is not
 * SQLite, not a project, fails PRAGMA quick_check or has a newer schema is
 * refused (EAD_PROJECT_ERROR) and left as it was.
 * Runs whose training process is gone become EAD_RUN_INTERRUPTED. */
EadProject *ead_project_open (const char *path, GError **error);
/* Another connection to a project this process already opened with
 * ead_project_open(), for a worker thread: it checks only that the file is
 * still a project and not of a newer schema, not its integrity (that
 * was checked once, when the user opened it) and migrates nothing. */
EadProject *ead_project_reopen (const char *path, GError **error);
void ead_project_close (EadProject *project);
const char *ead_project_get_path (const EadProject *project);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadProject, ead_project_close)

/* ---- Images and labels ---- */

typedef enum {
  EAD_LABEL_UNLABELLED,
  EAD_LABEL_GOOD,
  EAD_LABEL_ANOMALOUS,
  EAD_N_LABELS,
} EadLabel;

const char *ead_label_to_string (EadLabel label);
gboolean ead_label_from_string (const char *text, EadLabel *label);
const char *ead_split_to_string (EadSplit split);
gboolean ead_split_from_string (const char *text, EadSplit *split);

typedef struct {
  gint64 id;
  char *file_name;      /* as imported */
  char *folder;
  int width, height;
  int channels;         /* 1 for a grey image, 3 for colour */
  EadLabel label;
  EadSplit split;
  char *defect_type;    /* NULL unless anomalous with a known type */
  gboolean has_mask;
} EadImageInfo;

void ead_image_info_clear (EadImageInfo *info);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EadImageInfo, ead_image_info_clear)

/* Every image, by id: a GArray of EadImageInfo that clears its elements. */
GArray *ead_project_list_images (EadProject *project, GError **error);

/* counts[split][label]: the number of images of each split and label. */
gboolean ead_project_count_images (EadProject *project, guint counts[EAD_N_SPLITS][EAD_N_LABELS],
                                   GError **error);

/* The original encoded bytes, decoded. */
EadImage *ead_project_load_image (EadProject *project, gint64 image_id, GError **error);
/* The cached thumbnail as PNG bytes. */
GBytes *ead_project_get_thumbnail (EadProject *project, gint64 image_id, GError **error);
/* The image's pixel mask; NULL with no error when it has none. */
EadMask *ead_project_load_mask (EadProject *project, gint64 image_id, GError **error);

/* Relabels @image_ids in one transaction; an id that is not an image's
 * changes nothing and fails. An image no longer anomalous loses its defect
 * type and mask; one made anomalous has no type until it is given one. */
gboolean ead_project_set_label (EadProject *project, const gint64 *image_ids, guint n_images,
                                EadLabel label, GError **error);
/* Makes @image_ids anomalous of @defect_type (NULL: of no known type). */
gboolean ead_project_set_defect_type (EadProject *project, const gint64 *image_ids,
                                      guint n_images, const char *defect_type, GError **error);
gboolean ead_project_set_split (EadProject *project, const gint64 *image_ids, guint n_images,
                                EadSplit split, GError **error);
/* Deletes @image_ids with their masks, results and reviews; an image a
 * training run used is refused (EAD_ERROR_INVALID_ARG), and then none is
 * deleted. */
gboolean ead_project_delete_images (EadProject *project, const gint64 *image_ids,
                                    guint n_images, GError **error);

/* The size all images share, for drawing on them; an EAD_ERROR_INVALID_ARG
 * when there are none or they differ. */
gboolean ead_project_get_image_size (EadProject *project, int *width, int *height,
                                     GError **error);

/* ---- Region of interest ---- */

/* Sets the region of interest (copied), or clears it with NULL, recording
 * who did and when; the runs trained from then on give it to their models
 * (models already trained keep theirs). */
gboolean ead_project_set_roi (EadProject *project, const EadRoi *roi, GError **error);
/* The region of interest, NULL with no error when there is none. Who set
 * or cleared it last and when go to @changed_by and @changed_at (may be
 * NULL; NULL where it was never set). */
EadRoi *ead_project_get_roi (EadProject *project, char **changed_by, char **changed_at,
                             GError **error);

/* ---- Import ---- */

#define EAD_IMPORT_AUTO (-1)

typedef struct {
  int label;        /* an EadLabel, or EAD_IMPORT_AUTO */
  int split;        /* an EadSplit, or EAD_IMPORT_AUTO */
  guint64 seed;     /* of the validation hold-out of an MVTec train/good */
} EadImportOptions;

/* Both automatic, seed 42. Automatic means: in an MVTec AD folder (one with
 * train/good) train/good are good training images, a seeded tenth of them
 * held out for validation (or validation/good when it exists), test/good
 * good test images, test/<type> anomalous test images of that defect type
 * with their masks from ground_truth/<type>/. Other images are unlabelled;
 * their split is train when labelled good, test otherwise. An explicit label
 * or split applies to every image. */
void ead_import_options_init (EadImportOptions *options);

typedef struct {
  gint64 batch_id;
  guint imported;
  guint masks;
  guint duplicates;
  guint failed;
} EadImportSummary;

/* Called for every image file: @problem is NULL when it was imported, a
 * G_FILE_ERROR_EXIST for a duplicate, another error naming the file or
 * folder for something that could not be imported. */
typedef void (*EadImportCallback) (const char *path, const GError *problem, gpointer user_data);

/* Imports image files and folders (plain ones: the images directly in
 * them; MVTec AD ones: as above) in one transaction, one image in memory at
 * a time. Bad, unreadable and duplicate (same SHA-256) files are reported
 * through @callback and left out; an error (cancelled, disk full) imports
 * nothing. */
gboolean ead_project_import (EadProject *project, const char *const *paths,
                             const EadImportOptions *options, EadImportCallback callback,
                             gpointer user_data, GCancellable *cancellable,
                             EadImportSummary *summary, GError **error);

/* ---- Training runs ---- */

typedef enum {
  EAD_RUN_QUEUED,
  EAD_RUN_RUNNING,
  EAD_RUN_PAUSED,        /* cancelled with a checkpoint: resumable */
  EAD_RUN_INTERRUPTED,   /* its process died: resumable */
  EAD_RUN_FINISHED,
  EAD_RUN_FAILED,
  EAD_RUN_CANCELLED,     /* cancelled before its first checkpoint */
} EadRunState;

const char *ead_run_state_to_string (EadRunState state);

typedef struct {
  gint64 id;
  EadRunState state;
  EadModelSize size;
  int image_size;
  int tiles;              /* per side; 1: the whole image */
  int steps;              /* planned; under a time budget, fixed once the speed is known */
  double minutes;         /* the time budget, 0 for none */
  int patience;           /* validations without improvement that stop it; 0: never */
  int steps_done;         /* on the loss curve: fewer than planned when it stopped early */
  int checkpoint_step;    /* of the stored checkpoint, 0 for none */
  gint64 model_id;        /* the finished run's model, 0 before */
  char *created_at;       /* ISO 8601 */
  char *error;            /* why it failed, or NULL */
} EadRunInfo;

void ead_run_info_clear (EadRunInfo *info);

/* Records a run of @params (state queued) and returns its id (0 on error).
 * Parameters that cannot run are refused first, as ead_train_params_check()
 * says, and nothing is recorded; the device is checked but not recorded: it
 * is chosen per session. The checkpoint path and the resume and skip_bad
 * flags are the project's business and ignored. */
gint64 ead_project_add_run (EadProject *project, const EadTrainParams *params, GError **error);

gboolean ead_project_get_run (EadProject *project, gint64 run_id, EadRunInfo *info,
                              GError **error);
/* A GArray of EadRunInfo, by id, that clears its elements. */
GArray *ead_project_list_runs (EadProject *project, GError **error);

typedef struct {
  int step;               /* 1 for the first */
  EadLosses losses;
  double validation;      /* the validation loss after this step, NAN when not measured */
  double seconds;         /* training time up to this step, over all sessions */
} EadLossPoint;

/* The loss curve of a run, by step: a GArray of EadLossPoint. */
GArray *ead_project_get_losses (EadProject *project, gint64 run_id, GError **error);

/* The run's latest checkpoint, the bytes of a training checkpoint file
 * (docs/model-format.md), and its step; NULL with no error when there is
 * none. */
GBytes *ead_project_get_checkpoint (EadProject *project, gint64 run_id, int *step,
                                    GError **error);

/* Trains run @run_id in a worker thread on a connection of its own: a
 * queued run from the start, a paused, interrupted, failed or cancelled one
 * from its checkpoint (from the start without one). It trains on the good
 * images of the train split and calibrates on the good images of the
 * validation split; each step adds a point to the loss curve, every
 * checkpoint_every steps the checkpoint is stored in the same transaction,
 * so a crash loses only the steps after it. @progress is called in the
 * worker thread. Cancelling stops at the next step and keeps a checkpoint
 * (the run is then paused). */
void ead_project_train_async (EadProject *project, gint64 run_id, EadDevice device,
                              EadTrainCallback progress, gpointer progress_data,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
/* The new model's id, 0 on error. */
gint64 ead_project_train_finish (GAsyncResult *result, GError **error);

/* ---- Models and calibration ---- */

typedef enum {
  EAD_THRESHOLD_VALUE,     /* given */
  EAD_THRESHOLD_F1_MAX,    /* the best F1 on the labelled test results */
  EAD_THRESHOLD_MAX_FPR,   /* the lowest with at most the given fraction of good images above */
} EadThresholdMethod;

const char *ead_threshold_method_to_string (EadThresholdMethod method);

typedef struct {
  double low, high;       /* the range the bins divide evenly */
  guint n_bins;
  guint64 *counts;
} EadMapHistogram;

typedef struct {
  gint64 id;
  gint64 run_id;
  char *created_at;
  EadModelSize size;
  int image_size;
  int tiles;                  /* per side; 1: the whole image */
  EadQuantiles quantiles;
  guint n_validation;         /* images the quantiles come from */
  double local_weight;        /* the fused map's share of the local map */
  gboolean has_threshold;
  double threshold;
  EadThresholdMethod threshold_method;
  double threshold_parameter; /* the FPR of EAD_THRESHOLD_MAX_FPR */
  EadMapHistogram local;      /* of the validation images' maps, in score units (the
                               * pixels inside the model's region of interest) */
  EadMapHistogram global;
  guint n_results;
} EadModelInfo;

void ead_model_info_clear (EadModelInfo *info);

gboolean ead_project_get_model (EadProject *project, gint64 model_id, EadModelInfo *info,
                                GError **error);
/* A GArray of EadModelInfo, by id, that clears its elements. */
GArray *ead_project_list_models (EadProject *project, GError **error);
/* The newest model's id; 0 and an error when there is none. */
gint64 ead_project_get_latest_model (EadProject *project, GError **error);

/* The model with its current calibration and threshold. */
EadModel *ead_project_load_model (EadProject *project, gint64 model_id, GError **error);
/* Brings @model, loaded earlier as @model_id, to the calibration, fused-map
 * weight and threshold the project holds now (none, after a recalibration
 * cleared it): a long-running user such as the Line view follows what the
 * Calibration view changed. */
gboolean ead_project_update_calibration (EadProject *project, gint64 model_id, EadModel *model,
                                         GError **error);

typedef void (*EadProjectProgress) (guint done, guint total, gpointer user_data);

/* Recomputes the map quantiles on the good validation images, scores them
 * (their results and the histograms of their maps are stored) and clears
 * the threshold, which was in the old quantiles' units. The local weight
 * stays. */
gboolean ead_project_calibrate (EadProject *project, gint64 model_id, EadPrecision precision,
                                EadProjectProgress progress, gpointer user_data,
                                GCancellable *cancellable, GError **error);

/* Makes the calibrated model's fused map @weight * local + (1 - @weight) *
 * global (ead_model_set_local_weight()): its results, their metrics and its
 * threshold, all in the old fused units, are deleted in one transaction,
 * and the good validation images are scored again, as by calibrating. The
 * weight the model has already changes nothing. */
gboolean ead_project_set_local_weight (EadProject *project, gint64 model_id, double weight,
                                       EadPrecision precision, EadProjectProgress progress,
                                       gpointer user_data, GCancellable *cancellable,
                                       GError **error);

/* ---- Results ---- */

/* Scores every test image, storing score, decision, maps and time, and
 * returns the metrics over the labelled ones (unlabelled ones are scored
 * but have no place in them). */
EadEvaluation *ead_project_test (EadProject *project, gint64 model_id, EadPrecision precision,
                                 EadProjectProgress progress, gpointer user_data,
                                 GCancellable *cancellable, GError **error);

typedef enum {
  EAD_VERDICT_NONE,
  EAD_VERDICT_TRUE_DEFECT,
  EAD_VERDICT_FALSE_POSITIVE,
  EAD_VERDICT_MISSED_DEFECT,
  EAD_VERDICT_UNSURE,
} EadVerdict;

const char *ead_verdict_to_string (EadVerdict verdict);
gboolean ead_verdict_from_string (const char *text, EadVerdict *verdict);

typedef enum {
  EAD_DECISION_NONE,        /* no threshold yet */
  EAD_DECISION_GOOD,
  EAD_DECISION_ANOMALOUS,
} EadDecision;

typedef struct {
  gint64 image_id;
  char *file_name;
  EadSplit split;
  EadLabel label;
  char *defect_type;
  double score;
  double local_score;       /* each map's own maximum; NaN where not known */
  double global_score;
  EadDecision decision;
  double milliseconds;
  EadVerdict verdict;
  char *note;
} EadResultInfo;

void ead_result_info_clear (EadResultInfo *info);

/* The results of a model, by image id: a GArray of EadResultInfo. */
GArray *ead_project_list_results (EadProject *project, gint64 model_id, GError **error);
/* The ids (gint64) of the models that have scored a test image, ascending. */
GArray *ead_project_list_tested_models (EadProject *project, GError **error);

typedef enum {
  EAD_MAP_LOCAL,
  EAD_MAP_GLOBAL,
  EAD_MAP_FUSED,
} EadMapKind;

/* "local", "global" or "fused", as the schema spells them. */
const char *ead_map_kind_to_string (EadMapKind kind);
gboolean ead_map_kind_from_string (const char *text, EadMapKind *kind);
/* The map's name as the views and the report show it, translated:
 * "Local (student–teacher)", ... */
const char *ead_map_kind_get_name (EadMapKind kind);
/* The local weight that scores with @kind (ead_project_set_local_weight()):
 * 1 for the local map alone, 0 for the global alone, the default for their
 * mean. */
double ead_map_kind_local_weight (EadMapKind kind);

/* A stored map in score units, at most EAD_PROJECT_MAP_SIDE pixels on a
 * side with the image's aspect ratio. */
float *ead_project_load_map (EadProject *project, gint64 model_id, gint64 image_id,
                             EadMapKind kind, int *width, int *height, GError **error);

/* The threshold that @method with @parameter (the value or the FPR, unused
 * for F1-max) gives on the model's current results, without storing it. */
gboolean ead_project_choose_threshold (EadProject *project, gint64 model_id,
                                       EadThresholdMethod method, double parameter,
                                       double *threshold, GError **error);

/* Chooses the model's threshold, which decides its results from then on.
 * @parameter is the value or the FPR (unused for F1-max); @threshold
 * receives the threshold. */
gboolean ead_project_set_threshold (EadProject *project, gint64 model_id,
                                    EadThresholdMethod method, double parameter,
                                    double *threshold, GError **error);

/* The decisions on the labelled test images against their labels. */
gboolean ead_project_count_decisions (EadProject *project, gint64 model_id,
                                      EadConfusion *confusion, GError **error);

/* The image-level metrics over a model's results on the labelled test
 * images: how the threshold was validated. */
typedef struct {
  guint n_good, n_anomalous;
  double image_auroc;     /* NaN without both good and anomalous images */
  double f1_max;          /* NaN without anomalous images */
  /* Anomalous images scoring no higher than the highest good one: the
   * defects a threshold that passes every good part misses. */
  guint n_hidden;
} EadImageMetrics;

gboolean ead_project_get_image_metrics (EadProject *project, gint64 model_id,
                                        EadImageMetrics *metrics, GError **error);

/* Below this image AUROC a model flags good parts about as often as
 * defective ones: not one for the line. */
#define EAD_WEAK_IMAGE_AUROC 0.9

/* How far a map alone must beat the fused one's image AUROC to be worth
 * naming: more than the seed-to-seed noise of a few test images. */
#define EAD_BETTER_MAP_MARGIN 0.02

typedef enum {
  EAD_FITNESS_UNKNOWN,    /* no good and anomalous test images scored */
  EAD_FITNESS_SEPARATES,  /* every defect scores above every good part */
  EAD_FITNESS_OVERLAPS,   /* some defects score among the good parts */
  EAD_FITNESS_WEAK,       /* image AUROC under EAD_WEAK_IMAGE_AUROC */
} EadFitness;

/* Whether a model's test results say it can tell good parts from defective
 * ones, for the views to say so before it is exported. */
typedef struct {
  EadImageMetrics metrics;  /* of the image score (the fused map) */
  EadFitness fitness;
  /* The local or global map alone whose image AUROC in the latest test
   * beats that test's fused map's by EAD_BETTER_MAP_MARGIN (the higher
   * where both do), else EAD_MAP_FUSED; and that AUROC. */
  EadMapKind better_map;
  double better_map_auroc;
} EadModelAssessment;

gboolean ead_project_assess_model (EadProject *project, gint64 model_id,
                                   EadModelAssessment *assessment, GError **error);

/* The metrics of @map in the model's latest ead_project_test(), which
 * keeps them: a GArray of EadMetrics, the overall ones first (type "all"),
 * then each defect type's by name; empty when the model was never tested
 * (or, for the local and global maps, tested before version 4 of the
 * schema). @tested_at, when not NULL, receives when (ISO 8601 UTC), or
 * NULL. Relabelling images later does not change them; testing again does. */
GArray *ead_project_get_test_metrics (EadProject *project, gint64 model_id, EadMapKind map,
                                      char **tested_at, GError **error);

/* The image-level ROC and precision-recall curve of the model's results on
 * the labelled test images, computed from the stored scores: all of them,
 * or with @defect_type the good ones and those of that type. */
EadCurve *ead_project_get_curve (EadProject *project, gint64 model_id, const char *defect_type,
                                 GError **error);

/* Records a verdict on the result of @model_id for @image_id, replacing an
 * earlier one; @note may be NULL. */
gboolean ead_project_review (EadProject *project, gint64 model_id, gint64 image_id,
                             EadVerdict verdict, const char *note, GError **error);

/* Makes every image reviewed as a false positive of @model_id a good
 * training image, in one transaction; @n_moved receives how many. */
gboolean ead_project_move_false_positives (EadProject *project, gint64 model_id,
                                           guint *n_moved, GError **error);

/* ---- The line ---- */

typedef enum {
  EAD_LINE_PASS,
  EAD_LINE_FAIL,
  EAD_LINE_RECHECK,   /* between the model's threshold and a second one */
} EadLineDecision;

/* "pass", "fail" or "recheck", as the schema spells them. */
const char *ead_line_decision_to_string (EadLineDecision decision);
gboolean ead_line_decision_from_string (const char *text, EadLineDecision *decision);

/* Keeps @contents, the bytes read from the image file @path that @model_id
 * scored on the line as @result (with its maps) and decided @decision, as
 * an unlabelled image of the line split holding that result, in one
 * transaction: the Review view lists it with the model's other results, and
 * a verdict of false positive moves it to training like a test image. The
 * bytes kept are the bytes scored, whatever the file holds by now. Bytes the
 * project holds already (the same SHA-256) are not kept twice
 * (G_FILE_ERROR_EXIST); bytes that are no image fail naming @path. Returns
 * the new image's id, 0 on error. */
gint64 ead_project_keep_line_image (EadProject *project, const char *path, GBytes *contents,
                                    gint64 model_id, const EadScoreResult *result,
                                    EadLineDecision decision, GError **error);

typedef struct {
  gint64 image_id;
  gint64 model_id;        /* 0 once that model is deleted */
  double score;
  EadLineDecision decision;
  char *inspected_at;     /* ISO 8601 UTC */
} EadLineInspection;

void ead_line_inspection_clear (EadLineInspection *inspection);

/* What the line decided on the images kept from it, in the order they came:
 * a GArray of EadLineInspection that clears its elements. */
GArray *ead_project_list_line_inspections (EadProject *project, GError **error);

/* ---- Export ---- */

/* Writes the model in @format (ead-export.h: the model file of
 * docs/model-format.md, TorchScript or ONNX) with its calibration and
 * threshold, and records the export with the file's SHA-256, returned in
 * @sha256 when not NULL. */
gboolean ead_project_export_model (EadProject *project, gint64 model_id, EadExportFormat format,
                                   const char *path, char **sha256, GError **error);

G_END_DECLS

/* efficientad.h: the EfficientAD runtime for the production line.
 *
 * Loads a model file written by the workbench (see docs/model-format.md) and
 * scores images handed over as 8-bit buffers. Plain C, no GLib, no libtorch
 * in sight: link with `pkg-config --cflags --libs efficientad`.
 *
 *   EfficientadModel *model;
 *   if (efficientad_model_load ("bottle.safetensors", &model) != EFFICIENTAD_OK)
 *     fprintf (stderr, "%s\n", efficientad_last_error ());
 *   EfficientadResult result;
 *   efficientad_score (model, pixels, size, EFFICIENTAD_FORMAT_RGB8,
 *                      width, height, stride, NULL, &result);
 *   efficientad_model_free (model);
 *
 * Errors. Every function that can fail returns an EfficientadStatus;
 * efficientad_last_error() then says why in one line. Nothing in this
 * library aborts the process or prints on its own.
 *
 * Threads. A loaded model is never modified by scoring: one model may be
 * scored from any number of threads at once, with no lock held around the
 * networks (the lazily made bf16 copies of the networks are created once,
 * under a lock inside the engine). efficientad_model_free() must not run
 * while another thread still scores with that model. The error message is
 * kept per thread. The library leaves libtorch's process-wide thread count
 * alone unless efficientad_set_threads() is called. */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest image accepted: no side above 16384 pixels and no more than
 * 2^26 (about 67 million) pixels in all. */
#define EFFICIENTAD_MAX_SIDE 16384
#define EFFICIENTAD_MAX_PIXELS (1 << 26)

typedef enum {
  EFFICIENTAD_OK = 0,
  EFFICIENTAD_ERROR_INVALID_ARGUMENT,   /* a NULL pointer, a size or stride out of range */
  EFFICIENTAD_ERROR_IO,                 /* the model file could not be read */
  EFFICIENTAD_ERROR_BAD_FILE,           /* the model file is malformed or truncated */
  EFFICIENTAD_ERROR_INCOMPATIBLE,       /* a well-formed file this version cannot use */
  EFFICIENTAD_ERROR_NOT_CALIBRATED,     /* the model has no map quantiles */
  EFFICIENTAD_ERROR_NO_THRESHOLD,       /* the model has no decision threshold */
  EFFICIENTAD_ERROR_ENGINE,             /* the network engine (libtorch) failed */
  EFFICIENTAD_ERROR_FAILED,             /* anything else */
} EfficientadStatus;

typedef enum {
  EFFICIENTAD_FORMAT_RGB8,    /* 3 bytes per pixel, R G B */
  EFFICIENTAD_FORMAT_GRAY8,   /* 1 byte per pixel */
} EfficientadPixelFormat;

typedef enum {
  EFFICIENTAD_PRECISION_FP32,
  /* bfloat16 networks: faster where the CPU has AVX512-BF16 or AMX (see
   * efficientad_cpu_has_bf16()), slower elsewhere; scores differ from fp32
   * by about 1e-2 of a normalised unit. */
  EFFICIENTAD_PRECISION_BF16,
} EfficientadPrecision;

typedef enum {
  EFFICIENTAD_UNDECIDED = -1,   /* neither the model nor the options hold a threshold */
  EFFICIENTAD_GOOD = 0,
  EFFICIENTAD_ANOMALOUS = 1,    /* score >= threshold */
} EfficientadDecision;

typedef struct _EfficientadModel EfficientadModel;

/* How to score. Start from efficientad_score_options_default(). */
typedef struct {
  EfficientadPrecision precision;
  /* The decision threshold; NAN (the default) takes the model's own. */
  double threshold;
  /* Where to write the maps at the image's resolution, row after row,
   * width * height floats each, in normalised units (0 at the validation
   * maps' 0.9 quantile, 0.1 at their 0.995 quantile); NULL skips a map.
   * fused weighs local (student-teacher) and global (student-autoencoder)
   * by the fusion weight stored in the model file (0.5 each by default). */
  float *fused_map;
  float *local_map;
  float *global_map;
} EfficientadScoreOptions;

typedef struct {
  double score;                  /* the fused map's maximum (inside the model's region of
                                  * interest, where it has one) */
  EfficientadDecision decision;
  double threshold;              /* the threshold decided against, NAN when undecided */
  double milliseconds;           /* time spent in this call */
} EfficientadResult;

/* The library's version, e.g. "0.1.0". */
const char *efficientad_version (void);

/* A short English name of @status ("invalid argument", ...). */
const char *efficientad_status_to_string (EfficientadStatus status);

/* The message of the last failure on the calling thread, "" when there was
 * none. Valid until the calling thread's next call into this library. */
const char *efficientad_last_error (void);

/* Loads and checks a calibrated model file. On success *model owns the
 * model; on failure it is NULL. */
EfficientadStatus efficientad_model_load (const char *path, EfficientadModel **model);

/* Frees @model; NULL is ignored. */
void efficientad_model_free (EfficientadModel *model);

/* The network's input side in pixels (256 unless trained otherwise); every
 * image is resized to it, or, for a tiled model, cut into overlapping tiles
 * of that side (docs/model-format.md). 0 for NULL. */
int efficientad_model_get_input_size (const EfficientadModel *model);

/* "small" (PDN-S) or "medium" (PDN-M); NULL for NULL. */
const char *efficientad_model_get_size_name (const EfficientadModel *model);

/* The threshold stored in the model file; EFFICIENTAD_ERROR_NO_THRESHOLD
 * when it holds none. */
EfficientadStatus efficientad_model_get_threshold (const EfficientadModel *model, double *threshold);

EfficientadScoreOptions efficientad_score_options_default (void);

/* Scores one image. @pixels holds @size bytes: @height rows @stride bytes
 * apart, each starting with @width pixels in @format (the last row needs
 * only its pixels). @options may be NULL for the defaults. */
EfficientadStatus efficientad_score (EfficientadModel *model,
                                     const unsigned char *pixels, size_t size,
                                     EfficientadPixelFormat format,
                                     int width, int height, size_t stride,
                                     const EfficientadScoreOptions *options,
                                     EfficientadResult *result);

/* Process-wide: sets the number of threads libtorch uses inside one network
 * pass (n <= 0: one per online CPU). Affects every user of libtorch in the
 * process; this library never calls it on its own. */
void efficientad_set_threads (int n);

/* 1 when this CPU computes bf16 natively, 0 otherwise. */
int efficientad_cpu_has_bf16 (void);

#ifdef __cplusplus
}
#endif

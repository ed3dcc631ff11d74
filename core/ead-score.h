/* ead-score.h: anomaly maps and image scores of a calibrated model. */
#pragma once

#include <glib.h>

#include "ead-image.h"
#include "ead-model.h"

G_BEGIN_DECLS

/* The outcome for one image. Maps are at the image's own resolution, in
 * normalised units (0 at the validation maps' 0.9 quantile, 0.1 at their
 * 0.995 quantile); the score is the fused map's maximum. With a region of
 * interest the maps are 0 outside it and the score is the maximum inside
 * (0 should the region, resized to the image, cover no pixel of it). */
typedef struct {
  double score;
  /* Each map's own maximum (inside the region), NaN unless maps were asked
   * for: which branch the score comes from. */
  double local_score, global_score;
  int width, height;
  float *local;    /* student-teacher map, NULL unless maps were asked for */
  float *global;   /* student-autoencoder map */
  float *fused;    /* their mix, by the model's local weight */
  guint8 *roi;     /* the region of interest at the image's size, NULL without one or maps */
  double milliseconds;   /* network and map time, without decoding */
} EadScoreResult;

typedef enum {
  EAD_SCORE_MAPS = 1 << 0,   /* fill local, global and fused, and their own maxima */
} EadScoreFlags;

/* Scores @image with a calibrated @model. */
gboolean ead_model_score (EadModel *model, const EadImage *image, EadPrecision precision,
                          EadScoreFlags flags, EadScoreResult *result, GError **error);
void ead_score_result_clear (EadScoreResult *result);

/* The zero cells the PDN's map lacks on every side of the input grid. */
#define EAD_MAP_PADDING 4

/* The side in cells of @model's raw maps: the networks' output for one
 * input, or the stitched map of a tiled model's tiles (ead-tiles.h). */
int ead_model_get_map_side (EadModel *model);

/* The raw (not yet normalised) local and global maps of @image, each
 * ead_model_get_map_side() squared cells: what scoring and calibration
 * start from. */
gboolean ead_model_raw_maps (EadModel *model, const EadImage *image, EadPrecision precision,
                             float *local, float *global, GError **error);

/* The steps after the networks, exposed for their tests and for calibration:
 * quantile normalisation of a raw map in place... */
void ead_map_normalize (float *map, gsize n, double start, double end);
/* ...and the reference implementation's way to the image's resolution: pad
 * @side x @side by @pad zeros on every side, then resize bilinearly
 * (align_corners = false, like torch's interpolate) to @width x @height. */
void ead_map_pad_and_resize (const float *map, int side, int pad, float *out, int width, int height);
/* ...and with a region of interest (@roi non-zero where inspected, NULL for
 * everywhere): the map set to 0 outside it, and its maximum inside it (0
 * where it covers nothing). */
void ead_map_clear_outside (float *map, const guint8 *roi, gsize n);
float ead_map_max_inside (const float *map, const guint8 *roi, gsize n);
/* The first pixel of the maximum inside @roi, @n where it covers nothing. */
gsize ead_map_peak_inside (const float *map, const guint8 *roi, gsize n);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EadScoreResult, ead_score_result_clear)

G_END_DECLS

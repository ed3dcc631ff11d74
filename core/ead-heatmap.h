/* ead-heatmap.h: anomaly maps as pictures. */
#pragma once

#include "ead-image.h"
#include "ead-model.h"

G_BEGIN_DECLS

/* Blends a colour-mapped @map (same size as @image) over @image: values at
 * or below @low are transparent, @high and above fully coloured (a perceptual
 * dark-blue to yellow ramp), with at most @opacity (0..1) of colour. */
EadImage *ead_heatmap_overlay (const EadImage *image, const float *map, double low,
                               double high, double opacity);

/* The top of a heatmap's colour range in normalised map units: twice the
 * model's threshold, so the threshold sits mid-scale, or 0.3 (three times
 * the good validation maps' 0.995 quantile) for a model without one. */
double ead_heatmap_high (const EadModel *model);

/* The ramp's colour for t in [0, 1]. */
void ead_heatmap_color (double t, guint8 rgb[3]);

G_END_DECLS

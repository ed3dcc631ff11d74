/* ead-heatmap.h: anomaly maps as pictures. */
#pragma once

#include "ead-image.h"

G_BEGIN_DECLS

/* Blends a colour-mapped @map (same size as @image) over @image: values at
 * or below @low are transparent, @high and above fully coloured (a perceptual
 * dark-blue to yellow ramp), with at most @opacity (0..1) of colour. */
EadImage *ead_heatmap_overlay (const EadImage *image, const float *map, double low,
                               double high, double opacity);

/* The ramp's colour for t in [0, 1]. */
void ead_heatmap_color (double t, guint8 rgb[3]);

G_END_DECLS

/* ead-heatmap.c: colour-mapped overlays of anomaly maps. */

#include "ead-heatmap.h"

#include <math.h>

/* Control points of a perceptually ordered ramp (dark blue, purple, red,
 * orange, yellow), evenly spaced; values between are interpolated. */
static const guint8 ramp[][3] = {
  { 13, 8, 135 }, { 126, 3, 168 }, { 204, 71, 120 }, { 248, 149, 64 }, { 240, 249, 33 },
};

void
ead_heatmap_color (double t, guint8 rgb[3])
{
  const int last = G_N_ELEMENTS (ramp) - 1;
  t = CLAMP (isnan (t) ? 0.0 : t, 0.0, 1.0) * last;
  int i = MIN ((int) t, last - 1);
  double f = t - i;
  for (int c = 0; c < 3; c++)
    rgb[c] = (guint8) lround (ramp[i][c] + f * (ramp[i + 1][c] - ramp[i][c]));
}

EadImage *
ead_heatmap_overlay (const EadImage *image, const float *map, double low, double high,
                     double opacity)
{
  const int width = ead_image_get_width (image), height = ead_image_get_height (image);
  const gsize n = (gsize) width * height;
  const guint8 *source = ead_image_get_pixels (image);
  g_autofree guint8 *pixels = g_new (guint8, 3 * n);
  const double range = high > low ? high - low : 1.0;
  for (gsize i = 0; i < n; i++)
    {
      double t = CLAMP ((map[i] - low) / range, 0.0, 1.0);
      guint8 color[3];
      ead_heatmap_color (t, color);
      /* Weak responses stay see-through so the part remains visible. */
      double alpha = opacity * t;
      for (int c = 0; c < 3; c++)
        pixels[3 * i + c] = (guint8) lround ((1 - alpha) * source[3 * i + c] + alpha * color[c]);
    }
  return ead_image_new_from_rgb8 (pixels, width, height, 3 * (gsize) width);
}

double
ead_heatmap_high (const EadModel *model)
{
  return ead_model_has_threshold (model) ? 2 * ead_model_get_threshold (model) : 0.3;
}

/* ead-rgb-surface.c: packed RGB rows into Cairo's native-endian xRGB words. */

#include "ead-rgb-surface.h"

cairo_surface_t *
ead_rgb_surface_new (const guint8 *rgb, int width, int height, gsize stride)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  const int out_stride = cairo_image_surface_get_stride (surface);
  guint8 *data;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < height; y++)
    {
      const guint8 *in = rgb + (gsize) y * stride;
      guint32 *out = (guint32 *) (data + (gsize) y * out_stride);
      for (int x = 0; x < width; x++)
        out[x] = 0xff000000u | (guint32) in[3 * x] << 16 | (guint32) in[3 * x + 1] << 8
                 | in[3 * x + 2];
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

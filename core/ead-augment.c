/* ead-augment.c: colour jitter, grayscale and normalisation. */

#include "ead-augment.h"

#include "ead-image.h"

static float
clamp01 (float x)
{
  return CLAMP (x, 0.0f, 1.0f);
}

static float
luminance (const float *r, const float *g, const float *b, gsize i)
{
  return 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
}

/* out = factor * image + (1 - factor) * reference, clamped; @reference is
 * per pixel (saturation) or, when @per_pixel is FALSE, one value (contrast). */
static void
blend_with_gray (float *image, int side, float factor, gboolean per_pixel)
{
  const gsize n = (gsize) side * side;
  float *r = image, *g = image + n, *b = image + 2 * n;
  double mean = 0;
  if (!per_pixel)
    {
      for (gsize i = 0; i < n; i++)
        mean += luminance (r, g, b, i);
      mean /= n;
    }
  for (gsize i = 0; i < n; i++)
    {
      float gray = per_pixel ? luminance (r, g, b, i) : (float) mean;
      r[i] = clamp01 (factor * r[i] + (1 - factor) * gray);
      g[i] = clamp01 (factor * g[i] + (1 - factor) * gray);
      b[i] = clamp01 (factor * b[i] + (1 - factor) * gray);
    }
}

static void
scale_brightness (float *image, int side, float factor)
{
  const gsize n = 3 * (gsize) side * side;
  for (gsize i = 0; i < n; i++)
    image[i] = clamp01 (factor * image[i]);
}

void
ead_augment_color_jitter (float *image, int side, EadRandom *random)
{
  guint32 kind = ead_random_below (random, 3);
  float factor = (float) (0.8 + 0.4 * ead_random_double (random));
  switch (kind)
    {
    case 0:
      scale_brightness (image, side, factor);
      break;
    case 1:
      blend_with_gray (image, side, factor, FALSE);
      break;
    default:
      blend_with_gray (image, side, factor, TRUE);
      break;
    }
}

void
ead_augment_grayscale (float *image, int side)
{
  const gsize n = (gsize) side * side;
  float *r = image, *g = image + n, *b = image + 2 * n;
  for (gsize i = 0; i < n; i++)
    r[i] = g[i] = b[i] = luminance (r, g, b, i);
}

void
ead_augment_normalize (float *image, int side)
{
  const gsize n = (gsize) side * side;
  for (int c = 0; c < 3; c++)
    {
      float *plane = image + c * n;
      for (gsize i = 0; i < n; i++)
        plane[i] = (plane[i] - ead_imagenet_mean[c]) / ead_imagenet_std[c];
    }
}

/* test-augment.c: colour jitter, grayscale and normalisation. */

#include <math.h>

#include "ead-augment.h"
#include "ead-image.h"

#define SIDE 8
#define N (SIDE * SIDE)

static void
fill (float *image)
{
  for (int i = 0; i < N; i++)
    {
      image[i] = (float) i / N;               /* red ramp */
      image[N + i] = 0.5f;                    /* constant green */
      image[2 * N + i] = 1.0f - (float) i / N; /* blue ramp */
    }
}

/* Whatever the draw, jitter keeps values in [0, 1] and changes the image by
 * at most the 20% its factors allow. */
static void
test_jitter_bounds (void)
{
  for (guint64 stream = 0; stream < 200; stream++)
    {
      float original[3 * N], image[3 * N];
      fill (original);
      fill (image);
      EadRandom random;
      ead_random_init (&random, 42, stream);
      ead_augment_color_jitter (image, SIDE, &random);
      for (int i = 0; i < 3 * N; i++)
        {
          g_assert_cmpfloat (image[i], >=, 0.0f);
          g_assert_cmpfloat (image[i], <=, 1.0f);
          g_assert_cmpfloat (fabsf (image[i] - original[i]), <=, 0.2f + 1e-6f);
        }
    }
}

/* Brightness scales every value by one factor: the ratio between any two
 * unclipped values is kept. Seen in at least one of the draws. */
static void
test_jitter_changes_image (void)
{
  guint changed = 0;
  for (guint64 stream = 0; stream < 20; stream++)
    {
      float original[3 * N], image[3 * N];
      fill (original);
      fill (image);
      EadRandom random;
      ead_random_init (&random, 1, stream);
      ead_augment_color_jitter (image, SIDE, &random);
      changed += memcmp (original, image, sizeof image) != 0;
    }
  g_assert_cmpuint (changed, >=, 19);
}

static void
test_grayscale (void)
{
  float image[3 * N];
  fill (image);
  ead_augment_grayscale (image, SIDE);
  for (int i = 0; i < N; i++)
    {
      float expected = 0.299f * i / N + 0.587f * 0.5f + 0.114f * (1.0f - (float) i / N);
      g_assert_cmpfloat_with_epsilon (image[i], expected, 1e-6);
      g_assert_cmpfloat (image[N + i], ==, image[i]);
      g_assert_cmpfloat (image[2 * N + i], ==, image[i]);
    }
}

/* Matches the normalisation of ead_image_to_normalized_tensor(). */
static void
test_normalize_matches_image_path (void)
{
  guint8 pixels[3 * N];
  for (int i = 0; i < 3 * N; i++)
    pixels[i] = (guint8) (i * 7);
  g_autoptr (EadImage) image = ead_image_new_from_rgb8 (pixels, SIDE, SIDE, 3 * SIDE);
  float direct[3 * N], stepwise[3 * N];
  ead_image_to_normalized_tensor (image, SIDE, direct);
  ead_image_to_float (image, stepwise);
  ead_augment_normalize (stepwise, SIDE);
  for (int i = 0; i < 3 * N; i++)
    g_assert_cmpfloat_with_epsilon (direct[i], stepwise[i], 1e-6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/augment/jitter-bounds", test_jitter_bounds);
  g_test_add_func ("/augment/jitter-changes-image", test_jitter_changes_image);
  g_test_add_func ("/augment/grayscale", test_grayscale);
  g_test_add_func ("/augment/normalize-matches-image-path", test_normalize_matches_image_path);
  return g_test_run ();
}

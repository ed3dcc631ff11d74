/* test-score.c: the steps from raw maps to the image's resolution. */

#include <math.h>

#include "ead-score.h"

static void
test_normalize (void)
{
  /* 0.1 * (m - start) / (end - start) with start 2, end 4. */
  float map[] = { 2.0f, 4.0f, 3.0f, 0.0f };
  ead_map_normalize (map, 4, 2.0, 4.0);
  g_assert_cmpfloat_with_epsilon (map[0], 0.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (map[1], 0.1, 1e-7);
  g_assert_cmpfloat_with_epsilon (map[2], 0.05, 1e-7);
  g_assert_cmpfloat_with_epsilon (map[3], -0.1, 1e-7);
}

/* A single 1 padded by one zero is the 3x3 grid [0 0 0; 0 1 0; 0 0 0].
 * Upsampling it to 6 with align_corners = false reads source positions
 * 0.5 (i + 0.5) - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25, 1.75, 2.25
 * (clamped to the last cell), so each axis weighs the centre cell by
 * 0, 0.25, 0.75, 0.75, 0.25, 0 and the result is their outer product. */
static void
test_pad_and_resize_by_hand (void)
{
  const float map[] = { 1.0f };
  const double profile[] = { 0, 0.25, 0.75, 0.75, 0.25, 0 };
  float out[36];
  ead_map_pad_and_resize (map, 1, 1, out, 6, 6);
  for (int y = 0; y < 6; y++)
    for (int x = 0; x < 6; x++)
      g_assert_cmpfloat_with_epsilon (out[y * 6 + x], profile[y] * profile[x], 1e-6);
}

/* Non-square output: each axis follows its own scale. */
static void
test_pad_and_resize_rectangular (void)
{
  /* Unpadded 2x2 grid [1 3; 1 3] to 4 wide, 2 high. */
  const float grid[] = { 1.0f, 3.0f, 1.0f, 3.0f };
  float out[4 * 2];
  ead_map_pad_and_resize (grid, 2, 0, out, 4, 2);
  /* Along x, positions -0.25 (clamped), 0.25, 0.75, 1.25 (clamped high):
   * 1, 1.5, 2.5, 3. Along y the rows are equal. */
  const float expected[] = { 1, 1.5f, 2.5f, 3 };
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 4; x++)
      g_assert_cmpfloat_with_epsilon (out[y * 4 + x], expected[x], 1e-6);
}

/* At the map's own size, resizing returns it unchanged. */
static void
test_identity_size (void)
{
  float grid[9];
  for (int i = 0; i < 9; i++)
    grid[i] = (float) i;
  float out[9];
  ead_map_pad_and_resize (grid, 3, 0, out, 3, 3);
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat (out[i], ==, grid[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/score/normalize", test_normalize);
  g_test_add_func ("/score/pad-and-resize-by-hand", test_pad_and_resize_by_hand);
  g_test_add_func ("/score/pad-and-resize-rectangular", test_pad_and_resize_rectangular);
  g_test_add_func ("/score/identity-size", test_identity_size);
  return g_test_run ();
}

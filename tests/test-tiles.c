/* test-tiles.c: cutting an image into overlapping tiles and stitching their
 * maps: the geometry agrees with the PDN's map (4 pixels a cell, 4 cells
 * missing on every side), each tile holds the pixels it should, and a map
 * cut into tile windows stitches back to itself. */
#include "ead-score.h"
#include "ead-tiles.h"

#define TILE 256
/* The PDN's map of a 256-pixel input: 64 cells less the padding. */
#define TILE_MAP (TILE / 4 - 2 * EAD_MAP_PADDING)

static void
test_geometry (void)
{
  g_assert_cmpint (ead_tiles_resolution (TILE, 1), ==, TILE);
  g_assert_cmpint (ead_tiles_resolution (TILE, 2), ==, 448);
  g_assert_cmpint (ead_tiles_resolution (TILE, 4), ==, 832);
  g_assert_cmpint (ead_tiles_resolution (512, 3), ==, 1280);
  for (int tiles = 1; tiles <= EAD_TILES_MAX; tiles++)
    {
      /* The stitched map, padded, spans the whole resolution at 4 pixels a
       * cell, as one map of an input that large would. */
      const int side = ead_tiles_map_side (TILE, tiles, TILE_MAP);
      g_assert_cmpint (4 * (side + 2 * EAD_MAP_PADDING), ==, ead_tiles_resolution (TILE, tiles));
    }
}

/* Each tile starts where its origin says, in an image whose pixels name
 * their own position. */
static void
test_cut (void)
{
  const int tiles = 3, side = ead_tiles_resolution (TILE, tiles);
  g_autofree guint8 *pixels = g_new (guint8, 3 * (gsize) side * side);
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        guint8 *p = pixels + 3 * ((gsize) y * side + x);
        p[0] = x % 256;
        p[1] = y % 256;
        p[2] = x / 256 + 8 * (y / 256);
      }
  g_autoptr (EadImage) image = ead_image_new_from_rgb8 (pixels, side, side, 3 * (gsize) side);
  g_autoptr (GPtrArray) cut = ead_tiles_cut (image, TILE, tiles);
  g_assert_cmpuint (cut->len, ==, tiles * tiles);
  const int stride = TILE - TILE / 4;
  for (int row = 0; row < tiles; row++)
    for (int column = 0; column < tiles; column++)
      {
        const EadImage *tile = cut->pdata[row * tiles + column];
        g_assert_cmpint (ead_image_get_width (tile), ==, TILE);
        g_assert_cmpint (ead_image_get_height (tile), ==, TILE);
        /* Its last pixel as well as its first. */
        for (int corner = 0; corner < 2; corner++)
          {
            const int x = column * stride + corner * (TILE - 1);
            const int y = row * stride + corner * (TILE - 1);
            const guint8 *p = ead_image_get_pixels (tile) + 3 * (gsize) corner * (TILE * TILE - 1);
            g_assert_cmpint (p[0], ==, x % 256);
            g_assert_cmpint (p[1], ==, y % 256);
            g_assert_cmpint (p[2], ==, x / 256 + 8 * (y / 256));
          }
      }
}

/* A map cut into the windows the tiles see stitches back to itself; where
 * tiles overlap with different values, a cell gets their mean. */
static void
test_stitch (void)
{
  const int tiles = 3, side = ead_tiles_map_side (TILE, tiles, TILE_MAP);
  const int step = (TILE - TILE / 4) / 4;
  const gsize tile_cells = TILE_MAP * TILE_MAP;
  g_autofree float *map = g_new (float, (gsize) side * side);
  for (int i = 0; i < side * side; i++)
    map[i] = (float) (i % side + 1000 * (i / side));
  g_autofree float *windows = g_new (float, tiles * tiles * tile_cells);
  g_autofree float *indices = g_new (float, tiles * tiles * tile_cells);
  for (int t = 0; t < tiles * tiles; t++)
    for (int y = 0; y < TILE_MAP; y++)
      for (int x = 0; x < TILE_MAP; x++)
        {
          const int mx = (t % tiles) * step + x, my = (t / tiles) * step + y;
          windows[t * tile_cells + y * TILE_MAP + x] = map[my * side + mx];
          indices[t * tile_cells + y * TILE_MAP + x] = (float) t;
        }

  g_autofree float *stitched = g_new (float, (gsize) side * side);
  ead_tiles_stitch (windows, TILE, tiles, TILE_MAP, stitched);
  for (int i = 0; i < side * side; i++)
    g_assert_cmpfloat (stitched[i], ==, map[i]);

  ead_tiles_stitch (indices, TILE, tiles, TILE_MAP, stitched);
  g_assert_cmpfloat (stitched[0], ==, 0);                     /* tile 0 alone */
  g_assert_cmpfloat (stitched[step + 1], ==, 0.5);            /* tiles 0 and 1 */
  g_assert_cmpfloat (stitched[(step + 1) * side + step + 1], ==, (0 + 1 + 3 + 4) / 4.0);
  g_assert_cmpfloat (stitched[side * side - 1], ==, tiles * tiles - 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tiles/geometry", test_geometry);
  g_test_add_func ("/tiles/cut", test_cut);
  g_test_add_func ("/tiles/stitch", test_stitch);
  return g_test_run ();
}

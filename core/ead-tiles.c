/* ead-tiles.c: cutting an image into overlapping tiles and stitching the
 * tiles' maps back into one. */
#include "ead-tiles.h"

#include <string.h>

/* The PDN's output cell is 4 pixels of its input. */
#define PIXELS_PER_CELL 4

/* A quarter of a tile: for a 256-pixel tile 64 pixels, 16 map cells, twice
 * the 8 cells that two neighbours lack together at their common edge (4
 * each). */
static int
overlap (int tile_size)
{
  return tile_size / 4;
}

/* Pixels from one tile's origin to the next one's. */
static int
stride (int tile_size)
{
  return tile_size - overlap (tile_size);
}

int
ead_tiles_resolution (int tile_size, int tiles)
{
  g_return_val_if_fail (tiles >= 1 && tiles <= EAD_TILES_MAX, tile_size);

  return tile_size + (tiles - 1) * stride (tile_size);
}

GPtrArray *
ead_tiles_cut (const EadImage *image, int tile_size, int tiles)
{
  const int side = ead_tiles_resolution (tile_size, tiles);
  g_autoptr (EadImage) resized = ead_image_resize (image, side, side);
  const guint8 *pixels = ead_image_get_pixels (resized);
  const gsize row_bytes = 3 * (gsize) side;
  GPtrArray *cut = g_ptr_array_new_full (tiles * tiles, (GDestroyNotify) ead_image_free);

  for (int row = 0; row < tiles; row++)
    for (int column = 0; column < tiles; column++)
      {
        const gsize y = (gsize) row * stride (tile_size), x = (gsize) column * stride (tile_size);
        g_ptr_array_add (cut, ead_image_new_from_rgb8 (pixels + y * row_bytes + 3 * x, tile_size,
                                                       tile_size, row_bytes));
      }
  return cut;
}

int
ead_tiles_map_side (int tile_size, int tiles, int tile_map_side)
{
  return (tiles - 1) * stride (tile_size) / PIXELS_PER_CELL + tile_map_side;
}

void
ead_tiles_stitch (const float *tile_maps, int tile_size, int tiles, int tile_map_side,
                  float *out)
{
  const int side = ead_tiles_map_side (tile_size, tiles, tile_map_side);
  const int step = stride (tile_size) / PIXELS_PER_CELL;
  const gsize tile_cells = (gsize) tile_map_side * tile_map_side;
  g_autofree guint8 *seen = g_new0 (guint8, (gsize) side * side);

  g_return_if_fail (step <= tile_map_side);   /* else cells between tiles go unseen */

  memset (out, 0, (gsize) side * side * sizeof (float));
  for (int row = 0; row < tiles; row++)
    for (int column = 0; column < tiles; column++)
      {
        const float *map = tile_maps + (gsize) (row * tiles + column) * tile_cells;
        for (int y = 0; y < tile_map_side; y++)
          for (int x = 0; x < tile_map_side; x++)
            {
              const gsize cell = (gsize) (row * step + y) * side + column * step + x;
              out[cell] += map[y * tile_map_side + x];
              seen[cell]++;
            }
      }
  for (gsize i = 0; i < (gsize) side * side; i++)
    out[i] /= seen[i];
}

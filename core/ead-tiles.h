/* ead-tiles.h: an image seen as overlapping tiles of the model's input size.
 *
 * A tiled model (ead_model_get_tiles() > 1) works on images resized to a
 * resolution of tiles x tiles squares of the input size, each overlapping
 * its neighbours by a quarter of that size; it trains on the tiles one at a
 * time and scores an image by running every tile through the networks and
 * stitching their maps. The local branch is translation-invariant and sees
 * each tile as it would see the whole image at that resolution; the global
 * branch learns what a tile of a good part looks like, wherever it lies, so
 * it no longer knows the part's layout (docs/benchmarks.md, "Tiling",
 * measures both).
 *
 * The overlap is wide enough that every cell of the stitched map lies in
 * some tile's own map (each tile's map lacks EAD_MAP_PADDING cells on every
 * side); cells that several tiles see get their mean. Tiles go through the
 * networks a few at a time, so memory stays that of a few inputs. */
#pragma once

#include <glib.h>

#include "ead-image.h"

G_BEGIN_DECLS

/* At most 8 x 8 tiles: 64 network passes per image... */
#define EAD_TILES_MAX 8
/* ...and images of at most 16384 pixels a side (libefficientad's
 * EFFICIENTAD_MAX_SIDE). */
#define EAD_TILES_MAX_RESOLUTION 16384

/* The side in pixels of the square that @tiles x @tiles tiles of
 * @tile_size pixels cover: @tile_size when @tiles is 1. */
int ead_tiles_resolution (int tile_size, int tiles);

/* The tiles of @image, which is resized to ead_tiles_resolution() first:
 * @tiles x @tiles images of @tile_size pixels, row by row. */
GPtrArray *ead_tiles_cut (const EadImage *image, int tile_size, int tiles);

/* The side in cells of the stitched map of @tiles x @tiles tile maps of
 * @tile_map_side cells each. */
int ead_tiles_map_side (int tile_size, int tiles, int tile_map_side);

/* Stitches @tiles x @tiles maps of @tile_map_side x @tile_map_side cells
 * (one after the other, row by row, as ead_tiles_cut() orders the tiles)
 * into @out, ead_tiles_map_side() squared cells. */
void ead_tiles_stitch (const float *tile_maps, int tile_size, int tiles, int tile_map_side,
                       float *out);

G_END_DECLS

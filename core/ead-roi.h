/* ead-roi.h: a region of interest, the part of an image that is inspected.
 *
 * A mask at any resolution (255 inspected, 0 not) and where it came from.
 * Scoring resizes it to each image (nearest neighbour): the maps are 0
 * outside it and the score is the maximum inside; calibration takes the
 * quantiles of the map cells inside it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EAD_ROI_INSPECTED 255
/* The largest mask: that of the largest image the engine loads. */
#define EAD_ROI_MAX_SIDE 65535
#define EAD_ROI_MAX_PIXELS (1 << 28)

typedef struct {
  int width, height;
  guint8 *mask;    /* width x height bytes, EAD_ROI_INSPECTED or 0 */
  char *source;    /* its provenance: "rect 10,10,200,300", "mask roi.png" */
} EadRoi;

/* Copies a mask after checking it: sides from 1 to EAD_ROI_MAX_SIDE and
 * at most EAD_ROI_MAX_PIXELS, only 0 and 255, at least one pixel
 * inspected; a mask that fails is an EAD_ERROR_INVALID_ARG. */
EadRoi *ead_roi_new (const guint8 *mask, int width, int height, const char *source,
                     GError **error);
/* Rectangles (x, y, width, height each, @n_rects of them) inspected on an
 * image of @width x @height; each must lie inside it. */
EadRoi *ead_roi_new_from_rects (const int (*rects)[4], guint n_rects, int width, int height,
                                GError **error);
/* A polygon of @n_points corners (x, y in image pixels, each from 0 to the
 * side: corners lie on pixel edges). */
typedef struct {
  const int (*points)[2];
  guint n_points;
} EadRoiPolygon;

/* @polygons (three corners or more each) inspected on an image of @width x
 * @height, added to @base (resized to the image; NULL for none). A pixel
 * is inside a polygon when its centre is, by the even-odd rule, so a
 * rectangle's four corners take exactly its pixels; a polygon whose
 * corners run clockwise from the top left round an upright rectangle is
 * named "rect X,Y,W,H" in the source, any other "polygon X,Y X,Y ...",
 * after @base's source. A region that inspects nothing is refused. */
EadRoi *ead_roi_new_from_polygons (const EadRoi *base, const EadRoiPolygon *polygons,
                                   guint n_polygons, int width, int height, GError **error);
/* An image file whose light pixels (grey level >= 128) are inspected. */
EadRoi *ead_roi_new_from_image_file (const char *path, GError **error);
EadRoi *ead_roi_copy (const EadRoi *roi);
void ead_roi_free (EadRoi *roi);

/* The share of pixels inspected, in (0, 1]. */
double ead_roi_inspected_fraction (const EadRoi *roi);

/* The mask resized (nearest neighbour, pixel centres aligned) to @width x
 * @height. */
guint8 *ead_roi_resize (const EadRoi *roi, int width, int height);
/* The mask over the cells of a @side x @side map that, padded by @pad cells
 * on every side, covers the whole image (as scoring pads it). */
guint8 *ead_roi_resize_to_map (const EadRoi *roi, int side, int pad);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadRoi, ead_roi_free)

G_END_DECLS

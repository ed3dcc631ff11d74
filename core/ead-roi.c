/* ead-roi.c: regions of interest: checking, drawing and resizing masks. */

#include "ead-roi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ead-error.h"
#include "ead-image.h"

/* Light enough to count as white in a mask image. */
#define WHITE_LEVEL 128

static gboolean
check_size (int width, int height, GError **error)
{
  if (width < 1 || height < 1 || width > EAD_ROI_MAX_SIDE || height > EAD_ROI_MAX_SIDE
      || (gsize) width * height > EAD_ROI_MAX_PIXELS)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "a region of interest of %d x %d pixels is out of bounds", width, height);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_values (const guint8 *mask, gsize n, GError **error)
{
  gboolean any_inspected = FALSE;
  for (gsize i = 0; i < n; i++)
    {
      if (mask[i] != 0 && mask[i] != EAD_ROI_INSPECTED)
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                       "a region of interest holds %u; only 0 and %d are allowed", mask[i],
                       EAD_ROI_INSPECTED);
          return FALSE;
        }
      any_inspected = any_inspected || mask[i] != 0;
    }
  if (!any_inspected)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "the region of interest is empty: nothing would be inspected");
      return FALSE;
    }
  return TRUE;
}

static EadRoi *
roi_take (guint8 *mask, int width, int height, const char *source)
{
  EadRoi *roi = g_new (EadRoi, 1);
  *roi = (EadRoi) { width, height, mask, g_strdup (source) };
  return roi;
}

EadRoi *
ead_roi_new (const guint8 *mask, int width, int height, const char *source, GError **error)
{
  g_return_val_if_fail (source != NULL, NULL);
  if (!check_size (width, height, error) || !check_values (mask, (gsize) width * height, error))
    return NULL;
  return roi_take (g_memdup2 (mask, (gsize) width * height), width, height, source);
}

static gboolean
rect_fits (const int rect[4], int width, int height)
{
  /* In 64 bits: x + w must not overflow. */
  return rect[0] >= 0 && rect[1] >= 0 && rect[2] >= 1 && rect[3] >= 1
         && (gint64) rect[0] + rect[2] <= width && (gint64) rect[1] + rect[3] <= height;
}

EadRoi *
ead_roi_new_from_rects (const int (*rects)[4], guint n_rects, int width, int height,
                        GError **error)
{
  g_return_val_if_fail (n_rects > 0, NULL);
  if (!check_size (width, height, error))
    return NULL;
  g_autoptr (GString) source = g_string_new (NULL);
  for (guint r = 0; r < n_rects; r++)
    {
      if (!rect_fits (rects[r], width, height))
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                       "rectangle %d,%d,%d,%d does not lie inside the %d x %d image",
                       rects[r][0], rects[r][1], rects[r][2], rects[r][3], width, height);
          return NULL;
        }
      g_string_append_printf (source, "%srect %d,%d,%d,%d", r > 0 ? "; " : "", rects[r][0],
                              rects[r][1], rects[r][2], rects[r][3]);
    }
  /* Every rectangle has a pixel at least, so the mask is not empty. */
  guint8 *mask = g_malloc0 ((gsize) width * height);
  for (guint r = 0; r < n_rects; r++)
    for (int y = rects[r][1]; y < rects[r][1] + rects[r][3]; y++)
      memset (mask + (gsize) y * width + rects[r][0], EAD_ROI_INSPECTED, rects[r][2]);
  return roi_take (mask, width, height, source->str);
}

static gboolean
polygon_fits (const EadRoiPolygon *polygon, int width, int height)
{
  if (polygon->n_points < 3)
    return FALSE;
  for (guint i = 0; i < polygon->n_points; i++)
    if (polygon->points[i][0] < 0 || polygon->points[i][0] > width
        || polygon->points[i][1] < 0 || polygon->points[i][1] > height)
      return FALSE;
  return TRUE;
}

/* Whether @polygon goes clockwise round an upright rectangle from its top
 * left corner, as a rectangle drawn is given. */
static gboolean
is_rect (const EadRoiPolygon *polygon)
{
  const int (*p)[2] = polygon->points;

  return polygon->n_points == 4 && p[1][0] > p[0][0] && p[1][1] == p[0][1]
         && p[2][0] == p[1][0] && p[2][1] > p[1][1] && p[3][0] == p[0][0] && p[3][1] == p[2][1];
}

static void
append_polygon_source (GString *source, const EadRoiPolygon *polygon)
{
  const int (*p)[2] = polygon->points;

  if (source->len > 0)
    g_string_append (source, "; ");
  if (is_rect (polygon))
    {
      g_string_append_printf (source, "rect %d,%d,%d,%d", p[0][0], p[0][1], p[2][0] - p[0][0],
                              p[2][1] - p[0][1]);
      return;
    }
  g_string_append (source, "polygon");
  for (guint i = 0; i < polygon->n_points; i++)
    g_string_append_printf (source, " %d,%d", p[i][0], p[i][1]);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  const double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Marks the pixels of @mask whose centres @polygon holds, row by row: the
 * edges crossing the centre line, sorted, bound the spans inside in pairs. */
static void
fill_polygon (guint8 *mask, int width, int height, const EadRoiPolygon *polygon)
{
  const int (*p)[2] = polygon->points;
  const guint n = polygon->n_points;
  g_autofree double *crossings = g_new (double, n);

  for (int y = 0; y < height; y++)
    {
      const double centre = y + 0.5;
      guint n_crossings = 0;

      for (guint i = 0; i < n; i++)
        {
          const int *a = p[i], *b = p[(i + 1) % n];
          if ((a[1] <= centre) != (b[1] <= centre))
            crossings[n_crossings++] = a[0] + (centre - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
        }
      qsort (crossings, n_crossings, sizeof *crossings, compare_doubles);
      for (guint i = 0; i + 1 < n_crossings; i += 2)
        {
          /* The pixels whose centres x + 0.5 lie in [start, end). */
          const int first = MAX (0, (int) ceil (crossings[i] - 0.5));
          const int last = MIN (width, (int) ceil (crossings[i + 1] - 0.5));
          if (last > first)
            memset (mask + (gsize) y * width + first, EAD_ROI_INSPECTED, last - first);
        }
    }
}

EadRoi *
ead_roi_new_from_polygons (const EadRoi *base, const EadRoiPolygon *polygons, guint n_polygons,
                           int width, int height, GError **error)
{
  g_return_val_if_fail (base != NULL || n_polygons > 0, NULL);
  if (!check_size (width, height, error))
    return NULL;
  g_autoptr (GString) source = g_string_new (base != NULL ? base->source : NULL);
  for (guint i = 0; i < n_polygons; i++)
    {
      if (!polygon_fits (&polygons[i], width, height))
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                       "polygon %u has fewer than 3 corners or some outside the %d x %d image",
                       i + 1, width, height);
          return NULL;
        }
      append_polygon_source (source, &polygons[i]);
    }
  g_autofree guint8 *mask = base != NULL ? ead_roi_resize (base, width, height)
                                         : g_malloc0 ((gsize) width * height);
  for (guint i = 0; i < n_polygons; i++)
    fill_polygon (mask, width, height, &polygons[i]);
  return ead_roi_new (mask, width, height, source->str, error);
}

EadRoi *
ead_roi_new_from_image_file (const char *path, GError **error)
{
  g_autoptr (EadImage) image = ead_image_load (path, error);
  if (!image)
    return NULL;
  const int width = ead_image_get_width (image), height = ead_image_get_height (image);
  const gsize n = (gsize) width * height;
  const guint8 *rgb = ead_image_get_pixels (image);
  g_autofree guint8 *mask = g_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    {
      guint grey = (rgb[3 * i] + rgb[3 * i + 1] + rgb[3 * i + 2]) / 3;
      mask[i] = grey >= WHITE_LEVEL ? EAD_ROI_INSPECTED : 0;
    }
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *source = g_strdup_printf ("mask %s", name);
  g_autoptr (GError) local_error = NULL;
  EadRoi *roi = ead_roi_new (mask, width, height, source, &local_error);
  if (!roi)
    g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "%s: %s", path, local_error->message);
  return roi;
}

EadRoi *
ead_roi_copy (const EadRoi *roi)
{
  return roi_take (g_memdup2 (roi->mask, (gsize) roi->width * roi->height), roi->width,
                   roi->height, roi->source);
}

void
ead_roi_free (EadRoi *roi)
{
  if (!roi)
    return;
  g_free (roi->mask);
  g_free (roi->source);
  g_free (roi);
}

double
ead_roi_inspected_fraction (const EadRoi *roi)
{
  const gsize n = (gsize) roi->width * roi->height;
  gsize inspected = 0;
  for (gsize i = 0; i < n; i++)
    inspected += roi->mask[i] != 0;
  return (double) inspected / (double) n;
}

/* The source index of output @i of @out_size, nearest to its centre:
 * floor ((i + 0.5) in / out), in integers so that no rounding differs. */
static int
nearest_source (int i, int in_size, int out_size)
{
  return (int) (((2 * (gint64) i + 1) * in_size) / (2 * (gint64) out_size));
}

/* Samples the mask on a @width x @height grid over the image, keeping the
 * cells from (@first, @first) on, @kept_width x @kept_height of them. */
static guint8 *
sample_grid (const EadRoi *roi, int width, int height, int first, int kept_width,
             int kept_height)
{
  guint8 *out = g_new (guint8, (gsize) kept_width * kept_height);
  g_autofree int *xs = g_new (int, kept_width);
  for (int x = 0; x < kept_width; x++)
    xs[x] = nearest_source (first + x, roi->width, width);
  for (int y = 0; y < kept_height; y++)
    {
      const guint8 *row = roi->mask + (gsize) nearest_source (first + y, roi->height, height)
                                      * roi->width;
      guint8 *dest = out + (gsize) y * kept_width;
      for (int x = 0; x < kept_width; x++)
        dest[x] = row[xs[x]];
    }
  return out;
}

guint8 *
ead_roi_resize (const EadRoi *roi, int width, int height)
{
  return sample_grid (roi, width, height, 0, width, height);
}

guint8 *
ead_roi_resize_to_map (const EadRoi *roi, int side, int pad)
{
  const int padded = side + 2 * pad;
  return sample_grid (roi, padded, padded, pad, side, side);
}

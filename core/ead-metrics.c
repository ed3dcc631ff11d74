/* ead-metrics.c: AUROC, F1, confusion counts, connected components, AU-PRO.
 *
 * The ranking metrics must run on every pixel of a test set (tens of
 * millions), so scores become 32-bit keys that sort like the floats, are
 * radix-sorted per class and then merged from the top, one distinct score at
 * a time. */

#include "ead-metrics.h"

#include <math.h>
#include <string.h>

/* Sortable keys: unsigned integers in the order of the floats. */

static inline guint32
float_to_key (float score)
{
  guint32 bits;

  /* -0 and +0 are equal scores and must tie. */
  if (score == 0.0f)
    score = 0.0f;
  memcpy (&bits, &score, sizeof bits);
  /* Negative floats order backwards, so all their bits flip; positive ones
   * only move above them. */
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

static inline float
key_to_float (guint32 key)
{
  guint32 bits = (key & 0x80000000u) ? key & 0x7fffffffu : ~key;
  float score;

  memcpy (&score, &bits, sizeof score);
  return score;
}

/* In-place most-significant-digit radix sort (American flag sort), 8 bits a
 * pass. @payload (may be NULL) travels with the keys. Memory: nothing besides
 * the arrays, which matters at 70 million pixels. */

#define RADIX_BITS 8
#define RADIX_SIZE (1 << RADIX_BITS)
#define INSERTION_SORT_MAX 32

static inline guint
key_digit (guint32 key, guint shift)
{
  return (key >> shift) & (RADIX_SIZE - 1);
}

static void
insertion_sort_keys (guint32 *keys, guint32 *payload, gsize n)
{
  for (gsize i = 1; i < n; i++)
    {
      guint32 key = keys[i], item = payload ? payload[i] : 0;
      gsize j = i;

      for (; j > 0 && keys[j - 1] > key; j--)
        {
          keys[j] = keys[j - 1];
          if (payload)
            payload[j] = payload[j - 1];
        }
      keys[j] = key;
      if (payload)
        payload[j] = item;
    }
}

/* Moves every key into its bucket for the digit at @shift: sweeps the
 * unfilled part of each bucket, swapping every key there into the next free
 * slot of its own bucket, until all are filled. Unlike following cycles of
 * displaced keys, consecutive swaps do not wait on each other's cache misses,
 * which halves the time on large arrays. */
static void
permute_into_buckets (guint32 *keys, guint32 *payload, guint shift,
                      gsize next[RADIX_SIZE], const gsize end[RADIX_SIZE])
{
  gboolean unfilled = TRUE;

  while (unfilled)
    {
      unfilled = FALSE;
      for (guint bucket = 0; bucket < RADIX_SIZE; bucket++)
        {
          for (gsize slot = next[bucket]; slot < end[bucket]; slot++)
            {
              gsize target = next[key_digit (keys[slot], shift)]++;
              guint32 key = keys[slot];

              keys[slot] = keys[target];
              keys[target] = key;
              if (payload)
                {
                  guint32 item = payload[slot];

                  payload[slot] = payload[target];
                  payload[target] = item;
                }
            }
          unfilled |= next[bucket] < end[bucket];
        }
    }
}

static void
radix_sort_keys (guint32 *keys, guint32 *payload, gsize n, guint shift)
{
  gsize count[RADIX_SIZE] = { 0 }, next[RADIX_SIZE], end[RADIX_SIZE];
  gsize start = 0;

  if (n <= INSERTION_SORT_MAX)
    {
      insertion_sort_keys (keys, payload, n);
      return;
    }

  for (gsize i = 0; i < n; i++)
    count[key_digit (keys[i], shift)]++;

  for (guint bucket = 0; bucket < RADIX_SIZE; bucket++)
    {
      next[bucket] = start;
      start += count[bucket];
      end[bucket] = start;
    }

  /* Scores of one map share their leading bits: often a single bucket holds
   * everything and there is nothing to move. */
  if (count[key_digit (keys[0], shift)] != n)
    permute_into_buckets (keys, payload, shift, next, end);

  if (shift == 0)
    return;

  start = 0;
  for (guint bucket = 0; bucket < RADIX_SIZE; bucket++)
    {
      radix_sort_keys (keys + start, payload ? payload + start : NULL, count[bucket],
                       shift - RADIX_BITS);
      start += count[bucket];
    }
}

static void
sort_keys (guint32 *keys, guint32 *payload, gsize n)
{
  radix_sort_keys (keys, payload, n, 32 - RADIX_BITS);
}

/* Sorted keys consumed from the largest down. */

typedef struct {
  const guint32 *keys;  /* ascending */
  gsize left;           /* keys[0 .. left) not consumed yet */
} Descent;

/* The largest key not consumed in @a or @b; one of them must have keys left. */
static guint32
highest_key (const Descent *a, const Descent *b)
{
  if (a->left == 0)
    return b->keys[b->left - 1];
  if (b->left == 0)
    return a->keys[a->left - 1];
  return MAX (a->keys[a->left - 1], b->keys[b->left - 1]);
}

/* Consumes the keys equal to @key (the largest remaining ones) and says how
 * many there were. */
static gsize
consume_equal (Descent *descent, guint32 key)
{
  gsize before = descent->left;

  while (descent->left > 0 && descent->keys[descent->left - 1] == key)
    descent->left--;
  return before - descent->left;
}

/* Keys of the positive scores in keys[0 .. n_positives), of the negative
 * ones after them, each part sorted. FALSE for a NaN score: it has no rank. */
static gboolean
sort_keys_by_class (const float *scores, const guint8 *labels, gsize n,
                    guint32 **keys, gsize *n_positives)
{
  g_autofree guint32 *sorted = g_new (guint32, MAX (n, 1));
  gsize positives = 0, negatives = n;

  for (gsize i = 0; i < n; i++)
    {
      if (isnan (scores[i]))
        return FALSE;
      if (labels[i])
        sorted[positives++] = float_to_key (scores[i]);
      else
        sorted[--negatives] = float_to_key (scores[i]);
    }

  sort_keys (sorted, NULL, positives);
  sort_keys (sorted + positives, NULL, n - positives);
  *keys = g_steal_pointer (&sorted);
  *n_positives = positives;
  return TRUE;
}

double
ead_auroc (const float *scores, const guint8 *labels, gsize n)
{
  g_autofree guint32 *keys = NULL;
  gsize n_positives, n_negatives, negatives_at_or_above = 0;
  Descent positives, negatives;
  guint64 twice_wins = 0;

  if (!sort_keys_by_class (scores, labels, n, &keys, &n_positives))
    return NAN;
  n_negatives = n - n_positives;
  if (n_positives == 0 || n_negatives == 0)
    return NAN;

  /* Mann-Whitney: the AUROC is the fraction of (positive, negative) pairs
   * ranked correctly, a tie counting one half; doubled to stay integral. */
  positives = (Descent) { keys, n_positives };
  negatives = (Descent) { keys + n_positives, n_negatives };
  while (positives.left > 0)
    {
      guint32 key = highest_key (&positives, &negatives);
      guint64 positives_equal = consume_equal (&positives, key);
      guint64 negatives_equal = consume_equal (&negatives, key);

      negatives_at_or_above += negatives_equal;
      twice_wins += positives_equal * (2 * (n_negatives - negatives_at_or_above) + negatives_equal);
    }

  return (double) twice_wins / (2.0 * (double) n_positives * (double) n_negatives);
}

double
ead_f1_max (const float *scores, const guint8 *labels, gsize n, double *threshold)
{
  g_autofree guint32 *keys = NULL;
  gsize n_positives;
  Descent positives, negatives;
  guint64 true_positives = 0, false_positives = 0, best_true = 0, best_false = 0;
  guint32 best_key = 0;

  if (threshold)
    *threshold = NAN;
  if (!sort_keys_by_class (scores, labels, n, &keys, &n_positives) || n_positives == 0)
    return NAN;

  positives = (Descent) { keys, n_positives };
  negatives = (Descent) { keys + n_positives, n - n_positives };
  /* Below the lowest positive only false positives would be added. */
  while (positives.left > 0)
    {
      guint32 key = highest_key (&positives, &negatives);

      true_positives += consume_equal (&positives, key);
      false_positives += consume_equal (&negatives, key);

      /* F1 = 2 TP / (TP + FP + P), compared as exact fractions. Ties go to
       * the lower threshold, as np.argmax over the rising thresholds of
       * precision_recall_curve picks. */
      if (true_positives * (best_true + best_false + n_positives) >=
          best_true * (true_positives + false_positives + n_positives))
        {
          best_true = true_positives;
          best_false = false_positives;
          best_key = key;
        }
    }

  if (threshold)
    *threshold = key_to_float (best_key);
  return 2.0 * (double) best_true / (double) (best_true + best_false + n_positives);
}

EadConfusion
ead_confusion_at (const float *scores, const guint8 *labels, gsize n, double threshold)
{
  EadConfusion counts = { 0 };

  for (gsize i = 0; i < n; i++)
    {
      gboolean detected = scores[i] >= threshold;

      if (labels[i])
        {
          if (detected)
            counts.true_positives++;
          else
            counts.false_negatives++;
        }
      else
        {
          if (detected)
            counts.false_positives++;
          else
            counts.true_negatives++;
        }
    }
  return counts;
}

static double
ratio (gsize numerator, gsize denominator)
{
  return denominator == 0 ? NAN : (double) numerator / (double) denominator;
}

double
ead_confusion_precision (const EadConfusion *c)
{
  return ratio (c->true_positives, c->true_positives + c->false_positives);
}

double
ead_confusion_recall (const EadConfusion *c)
{
  return ratio (c->true_positives, c->true_positives + c->false_negatives);
}

double
ead_confusion_fpr (const EadConfusion *c)
{
  return ratio (c->false_positives, c->false_positives + c->true_negatives);
}

double
ead_confusion_f1 (const EadConfusion *c)
{
  return ratio (2 * c->true_positives,
                2 * c->true_positives + c->false_positives + c->false_negatives);
}

gsize
ead_confusion_flagged (const EadConfusion *c)
{
  return c->true_positives + c->false_positives;
}

/* Curves */

EadCurve *
ead_curve_new (const float *scores, const guint8 *labels, gsize n)
{
  g_autofree guint32 *keys = NULL;
  gsize n_positives;

  if (!sort_keys_by_class (scores, labels, n, &keys, &n_positives))
    return NULL;

  EadCurve *curve = g_new0 (EadCurve, 1);
  curve->n_positives = n_positives;
  curve->n_negatives = n - n_positives;
  curve->points = g_array_new (FALSE, FALSE, sizeof (EadCurvePoint));
  Descent positives = { keys, n_positives };
  Descent negatives = { keys + n_positives, n - n_positives };
  EadCurvePoint point = { 0 };
  while (positives.left > 0 || negatives.left > 0)
    {
      guint32 key = highest_key (&positives, &negatives);
      point.threshold = key_to_float (key);
      point.true_positives += consume_equal (&positives, key);
      point.false_positives += consume_equal (&negatives, key);
      g_array_append_val (curve->points, point);
    }
  return curve;
}

void
ead_curve_free (EadCurve *curve)
{
  g_array_unref (curve->points);
  g_free (curve);
}

EadConfusion
ead_curve_confusion (const EadCurve *curve, const EadCurvePoint *point)
{
  return (EadConfusion) {
    .true_positives = point->true_positives,
    .false_positives = point->false_positives,
    .true_negatives = curve->n_negatives - point->false_positives,
    .false_negatives = curve->n_positives - point->true_positives,
  };
}

double
ead_curve_auroc (const EadCurve *curve)
{
  /* Twice the trapezoids in counts, exact in integers. */
  guint64 twice_area = 0;
  gsize previous_true = 0, previous_false = 0;

  if (curve->n_positives == 0 || curve->n_negatives == 0)
    return NAN;
  for (guint i = 0; i < curve->points->len; i++)
    {
      const EadCurvePoint *p = &g_array_index (curve->points, EadCurvePoint, i);
      twice_area += (guint64) (p->false_positives - previous_false)
                    * (p->true_positives + previous_true);
      previous_true = p->true_positives;
      previous_false = p->false_positives;
    }
  return (double) twice_area / (2.0 * (double) curve->n_positives * (double) curve->n_negatives);
}

double
ead_curve_average_precision (const EadCurve *curve)
{
  double sum = 0;
  gsize previous_true = 0;

  if (curve->n_positives == 0)
    return NAN;
  for (guint i = 0; i < curve->points->len; i++)
    {
      const EadCurvePoint *p = &g_array_index (curve->points, EadCurvePoint, i);
      sum += (double) (p->true_positives - previous_true) / curve->n_positives
             * p->true_positives / (p->true_positives + p->false_positives);
      previous_true = p->true_positives;
    }
  return sum;
}

double
ead_curve_miss_rate_at_fpr (const EadCurve *curve, double fpr)
{
  /* Above every score nothing is flagged: all are missed. */
  gsize caught = 0;

  if (curve->n_positives == 0)
    return NAN;
  for (guint i = 0; i < curve->points->len; i++)
    {
      const EadCurvePoint *p = &g_array_index (curve->points, EadCurvePoint, i);
      if (p->false_positives > fpr * curve->n_negatives + 1e-9)
        break;
      caught = p->true_positives;
    }
  return 1.0 - (double) caught / curve->n_positives;
}

double
ead_curve_fpr_at_miss_rate (const EadCurve *curve, double miss_rate)
{
  if (curve->n_positives == 0 || curve->n_negatives == 0)
    return NAN;
  for (guint i = 0; i < curve->points->len; i++)
    {
      const EadCurvePoint *p = &g_array_index (curve->points, EadCurvePoint, i);
      if (curve->n_positives - p->true_positives <= miss_rate * curve->n_positives + 1e-9)
        return (double) p->false_positives / curve->n_negatives;
    }
  return 1.0;
}

/* Connected components */

/* Labels every pixel 8-connected to @seed. An explicit stack rather than
 * recursion: a component may span the whole image. */
static void
flood_component (const guint8 *mask, int width, int height, guint32 *labels,
                 gsize seed, guint32 label, GArray *stack)
{
  labels[seed] = label;
  g_array_append_val (stack, seed);

  while (stack->len > 0)
    {
      gsize pixel = g_array_index (stack, gsize, stack->len - 1);
      int x = pixel % width, y = pixel / width;

      g_array_set_size (stack, stack->len - 1);
      for (int ny = MAX (y - 1, 0); ny <= MIN (y + 1, height - 1); ny++)
        for (int nx = MAX (x - 1, 0); nx <= MIN (x + 1, width - 1); nx++)
          {
            gsize neighbour = (gsize) ny * width + nx;

            if (mask[neighbour] && labels[neighbour] == 0)
              {
                /* Labelled when pushed so that no pixel is pushed twice. */
                labels[neighbour] = label;
                g_array_append_val (stack, neighbour);
              }
          }
    }
}

guint
ead_connected_components (const guint8 *mask, int width, int height, guint32 *labels)
{
  g_autoptr(GArray) stack = NULL;
  gsize n_pixels;
  guint n_components = 0;

  g_return_val_if_fail (width >= 0 && height >= 0, 0);

  n_pixels = (gsize) width * height;
  memset (labels, 0, n_pixels * sizeof *labels);
  stack = g_array_new (FALSE, FALSE, sizeof (gsize));

  /* In raster order of their first pixel, as scipy.ndimage.label numbers. */
  for (gsize pixel = 0; pixel < n_pixels; pixel++)
    if (mask[pixel] && labels[pixel] == 0)
      flood_component (mask, width, height, labels, pixel, ++n_components, stack);

  return n_components;
}

/* AU-PRO */

/* All pixels of a test set split into good ones (keys only) and defect ones
 * (keys with the index of their region across all images). */
typedef struct {
  guint32 *good_keys;
  gsize n_good;
  guint32 *defect_keys;
  guint32 *defect_regions;
  gsize n_defect;
  GArray *region_sizes;  /* of gsize, one per region */
} PixelClasses;

static void
pixel_classes_clear (PixelClasses *classes)
{
  g_clear_pointer (&classes->good_keys, g_free);
  g_clear_pointer (&classes->defect_keys, g_free);
  g_clear_pointer (&classes->defect_regions, g_free);
  g_clear_pointer (&classes->region_sizes, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PixelClasses, pixel_classes_clear)

static gsize
count_defect_pixels (const guint8 *const *masks, const int *widths, const int *heights,
                     gsize n_images, gsize *n_pixels)
{
  gsize defect = 0;

  *n_pixels = 0;
  for (gsize image = 0; image < n_images; image++)
    {
      gsize size = (gsize) widths[image] * heights[image];

      for (gsize i = 0; i < size; i++)
        defect += masks[image][i] != 0;
      *n_pixels += size;
    }
  return defect;
}

/* The defect pixels of @mask inside @roi, for their regions. */
static guint8 *
mask_inside (const guint8 *mask, const guint8 *roi, gsize n_pixels)
{
  guint8 *inside = g_new (guint8, MAX (n_pixels, 1));

  for (gsize i = 0; i < n_pixels; i++)
    inside[i] = mask[i] && roi[i];
  return inside;
}

/* Files the pixels of one image (those inside @roi, all when it is NULL),
 * its regions numbered after those of the images before. FALSE for a NaN
 * score. */
static gboolean
classify_image_pixels (PixelClasses *classes, const float *map, const guint8 *mask,
                       const guint8 *roi, int width, int height, guint32 *labels)
{
  gsize n_pixels = (gsize) width * height;
  guint first_region = classes->region_sizes->len;
  g_autofree guint8 *restricted = roi ? mask_inside (mask, roi, n_pixels) : NULL;
  guint n_regions = ead_connected_components (roi ? restricted : mask, width, height, labels);

  g_array_set_size (classes->region_sizes, first_region + n_regions);
  for (gsize i = 0; i < n_pixels; i++)
    {
      if (isnan (map[i]))
        return FALSE;
      if (roi && !roi[i])
        continue;
      if (labels[i] == 0)
        {
          classes->good_keys[classes->n_good++] = float_to_key (map[i]);
        }
      else
        {
          guint32 region = first_region + labels[i] - 1;

          classes->defect_keys[classes->n_defect] = float_to_key (map[i]);
          classes->defect_regions[classes->n_defect++] = region;
          g_array_index (classes->region_sizes, gsize, region)++;
        }
    }
  return TRUE;
}

/* Defect pixels outside a region of interest are filed as neither class,
 * so the counts of the whole images bound the arrays. */
static gboolean
classify_pixels (PixelClasses *classes, const float *const *maps, const guint8 *const *masks,
                 const guint8 *const *rois, const int *widths, const int *heights,
                 gsize n_images)
{
  gsize n_pixels, n_defect = count_defect_pixels (masks, widths, heights, n_images, &n_pixels);
  gsize largest_image = 0;
  g_autofree guint32 *labels = NULL;

  for (gsize image = 0; image < n_images; image++)
    largest_image = MAX (largest_image, (gsize) widths[image] * heights[image]);
  labels = g_new (guint32, MAX (largest_image, 1));

  classes->good_keys = g_new (guint32, MAX (n_pixels - n_defect, 1));
  classes->defect_keys = g_new (guint32, MAX (n_defect, 1));
  classes->defect_regions = g_new (guint32, MAX (n_defect, 1));
  classes->region_sizes = g_array_new (FALSE, TRUE, sizeof (gsize));

  for (gsize image = 0; image < n_images; image++)
    if (!classify_image_pixels (classes, maps[image], masks[image], rois ? rois[image] : NULL,
                                widths[image], heights[image], labels))
      return FALSE;
  return TRUE;
}

/* The trapezoid integral of a curve of rising FPR, cut at the FPR limit. */
typedef struct {
  double fpr_limit;
  double fpr, pro;  /* the last point */
  double area;
} PartialArea;

/* Adds the segment to (@fpr, @pro); interpolates it where it crosses the
 * limit. TRUE once the limit is reached. */
static gboolean
partial_area_extend (PartialArea *curve, double fpr, double pro)
{
  if (fpr >= curve->fpr_limit)
    {
      pro = curve->pro + (pro - curve->pro) * (curve->fpr_limit - curve->fpr) / (fpr - curve->fpr);
      fpr = curve->fpr_limit;
    }
  curve->area += (fpr - curve->fpr) * (curve->pro + pro) / 2.0;
  curve->fpr = fpr;
  curve->pro = pro;
  return fpr >= curve->fpr_limit;
}

double
ead_aupro (const float *const *maps, const guint8 *const *masks,
           const guint8 *const *rois, const int *widths, const int *heights,
           gsize n_images, double fpr_limit)
{
  g_auto(PixelClasses) classes = { 0 };
  g_autofree double *region_weights = NULL;
  PartialArea curve = { fpr_limit, 0.0, 0.0, 0.0 };
  Descent good, defect;
  gsize n_regions, false_positives = 0;
  double overlap_sum = 0.0;

  g_return_val_if_fail (fpr_limit > 0.0 && fpr_limit <= 1.0, NAN);

  if (!classify_pixels (&classes, maps, masks, rois, widths, heights, n_images))
    return NAN;
  n_regions = classes.region_sizes->len;
  if (n_regions == 0 || classes.n_good == 0)
    return NAN;

  sort_keys (classes.good_keys, NULL, classes.n_good);
  sort_keys (classes.defect_keys, classes.defect_regions, classes.n_defect);

  /* A defect pixel raises the PRO by its share of its region's overlap. */
  region_weights = g_new (double, n_regions);
  for (gsize region = 0; region < n_regions; region++)
    region_weights[region] = 1.0 / (double) g_array_index (classes.region_sizes, gsize, region);

  /* One curve point per distinct score, from the top: every pixel with that
   * score passes the threshold at once. The last point has FPR 1, so the
   * loop always reaches the limit. */
  good = (Descent) { classes.good_keys, classes.n_good };
  defect = (Descent) { classes.defect_keys, classes.n_defect };
  for (;;)
    {
      guint32 key = highest_key (&good, &defect);
      double pro;

      false_positives += consume_equal (&good, key);
      while (defect.left > 0 && defect.keys[defect.left - 1] == key)
        overlap_sum += region_weights[classes.defect_regions[--defect.left]];

      /* Rounding may carry the sum of all overlaps past 1. */
      pro = MIN (overlap_sum / (double) n_regions, 1.0);
      if (partial_area_extend (&curve, (double) false_positives / (double) classes.n_good, pro))
        break;
    }

  return curve.area / fpr_limit;
}

/* test-metrics.c: the evaluation metrics against hand-worked cases, brute
 * force and fixtures from scikit-learn, scipy and a Python AU-PRO. */

#include "ead-eval.h"
#include "ead-metrics.h"

#include <math.h>
#include <string.h>
#include "test-fixture.h"

/* Fixtures: "case NAME" starts a record of lines "key number number ...". */


static void
assert_close (double actual, double expected)
{
  g_assert_cmpfloat_with_epsilon (actual, expected, 1e-12);
}

/* Random scores on a coarse grid, so that ties are common, and labels that
 * follow them loosely. */
static void
fill_random_ranking (float *scores, guint8 *labels, gsize n, GRand *rand)
{
  for (gsize i = 0; i < n; i++)
    {
      scores[i] = g_rand_int_range (rand, 0, 200) / 100.0f;
      labels[i] = g_rand_double (rand) < 0.1 + 0.4 * scores[i];
    }
}

/* AUROC */

static void
test_auroc_hand_worked (void)
{
  /* Positives 0.35, 0.8 against negatives 0.1, 0.4: 0.35 beats 0.1 only,
   * 0.8 beats both: 3 of 4 pairs. */
  const float scores[] = { 0.1f, 0.4f, 0.35f, 0.8f };
  const guint8 labels[] = { 0, 0, 1, 1 };
  /* Positives 0.5, 0.9 against negatives 0.5, 0.2: 0.5 ties 0.5 (1/2) and
   * beats 0.2, 0.9 beats both: 3.5 of 4 pairs. */
  const float tied_scores[] = { 0.5f, 0.5f, 0.2f, 0.9f };
  const guint8 tied_labels[] = { 1, 0, 0, 1 };

  g_assert_cmpfloat (ead_auroc (scores, labels, 4), ==, 0.75);
  g_assert_cmpfloat (ead_auroc (tied_scores, tied_labels, 4), ==, 0.875);
}

static void
test_auroc_edge_cases (void)
{
  const float equal[] = { 0.3f, 0.3f, 0.3f, 0.3f, 0.3f };
  const guint8 mixed[] = { 1, 0, 0, 1, 0 };
  const guint8 all_good[] = { 0, 0, 0, 0, 0 };
  const guint8 all_bad[] = { 1, 1, 1, 1, 1 };
  /* -0 and +0 are the same score: a tie. */
  const float zeros[] = { -0.0f, 0.0f };
  const guint8 zero_labels[] = { 1, 0 };
  /* Signs and infinities keep their order: of the positives, -1 beats -inf
   * and -2 but not 3, +inf beats all three negatives: 5 of 6 pairs. */
  const float wide[] = { -INFINITY, -1.0f, -2.0f, 3.0f, INFINITY };
  const guint8 wide_labels[] = { 0, 1, 0, 0, 1 };
  const float with_nan[] = { 0.1f, NAN, 0.7f };
  const guint8 nan_labels[] = { 0, 1, 1 };

  g_assert_cmpfloat (ead_auroc (equal, mixed, 5), ==, 0.5);
  g_assert_true (isnan (ead_auroc (equal, all_good, 5)));
  g_assert_true (isnan (ead_auroc (equal, all_bad, 5)));
  g_assert_true (isnan (ead_auroc (NULL, NULL, 0)));
  g_assert_cmpfloat (ead_auroc (zeros, zero_labels, 2), ==, 0.5);
  g_assert_cmpfloat (ead_auroc (wide, wide_labels, 5), ==, 5.0 / 6.0);
  g_assert_true (isnan (ead_auroc (with_nan, nan_labels, 3)));
}

static double
auroc_by_pairs (const float *scores, const guint8 *labels, gsize n)
{
  double wins = 0.0, pairs = 0.0;

  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      if (labels[i] && !labels[j])
        {
          wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
          pairs += 1.0;
        }
  return wins / pairs;
}

static void
test_auroc_against_pairs (void)
{
  const gsize sizes[] = { 2, 3, 40, 41, 500, 2000 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      gsize n = sizes[s];
      g_autofree float *scores = g_new (float, n);
      g_autofree guint8 *labels = g_new (guint8, n);

      fill_random_ranking (scores, labels, n, rand);
      /* Both classes, so that the reference is defined. */
      labels[0] = 0;
      labels[1] = 1;
      assert_close (ead_auroc (scores, labels, n), auroc_by_pairs (scores, labels, n));
    }
}

static void
test_auroc_sklearn_fixtures (void)
{
  g_autoptr(GPtrArray) cases = load_fixture ("ranking.txt");

  for (guint c = 0; c < cases->len; c++)
    {
      FixtureCase *fixture = cases->pdata[c];
      gsize n, n_labels;
      g_autofree float *scores = fixture_floats (fixture, "scores", &n);
      g_autofree guint8 *labels = fixture_bytes (fixture, "labels", &n_labels);

      g_test_message ("case %s", fixture->name);
      g_assert_cmpuint (n, ==, n_labels);
      assert_close (ead_auroc (scores, labels, n), fixture_number (fixture, "auroc"));
    }
}

/* F1 */

static void
test_f1_hand_worked (void)
{
  /* P = 3; F1 = 2 TP / (TP + FP + P) for "score >= t":
   *   t 0.9: TP 1 FP 0 -> 2/4      t 0.6: TP 3 FP 1 -> 6/7 (best)
   *   t 0.8: TP 1 FP 1 -> 2/5      t 0.5: TP 3 FP 2 -> 6/8
   *   t 0.7: TP 2 FP 1 -> 4/6      t 0.4: TP 3 FP 3 -> 6/9 */
  const float scores[] = { 0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f };
  const guint8 labels[] = { 1, 0, 1, 1, 0, 0 };
  /* Tied scores pass together: t 0.5: TP 1 FP 1 -> 2/3; t 0.2: 2/4. */
  const float tied_scores[] = { 0.5f, 0.5f, 0.2f };
  const guint8 tied_labels[] = { 1, 0, 0 };
  double threshold;

  assert_close (ead_f1_max (scores, labels, 6, &threshold), 6.0 / 7.0);
  g_assert_cmpfloat (threshold, ==, 0.6f);
  assert_close (ead_f1_max (tied_scores, tied_labels, 3, &threshold), 2.0 / 3.0);
  g_assert_cmpfloat (threshold, ==, 0.5f);
}

static void
test_f1_ties_go_to_lower_threshold (void)
{
  /* P = 2: t 0.9: 2/3, t 0.8: 2/4, t 0.7: 2/5, t 0.6: TP 2 FP 2 -> 4/6.
   * The maximum 2/3 is reached twice; like np.argmax over sklearn's rising
   * thresholds, the lower one wins. */
  const float scores[] = { 0.9f, 0.8f, 0.7f, 0.6f };
  const guint8 labels[] = { 1, 0, 0, 1 };
  double threshold;

  assert_close (ead_f1_max (scores, labels, 4, &threshold), 2.0 / 3.0);
  g_assert_cmpfloat (threshold, ==, 0.6f);
}

static void
test_f1_edge_cases (void)
{
  const float scores[] = { 0.3f, 0.1f, 0.2f };
  const guint8 all_good[] = { 0, 0, 0 };
  const guint8 all_bad[] = { 1, 1, 1 };
  double threshold = 0.0;

  g_assert_true (isnan (ead_f1_max (scores, all_good, 3, &threshold)));
  g_assert_true (isnan (threshold));
  g_assert_true (isnan (ead_f1_max (NULL, NULL, 0, NULL)));
  /* Without negatives everything is flagged at the lowest score. */
  g_assert_cmpfloat (ead_f1_max (scores, all_bad, 3, &threshold), ==, 1.0);
  g_assert_cmpfloat (threshold, ==, 0.1f);
}

/* Every distinct score as a threshold; F1 as a correctly rounded quotient of
 * integers is exact enough to compare. */
static double
f1_max_by_thresholds (const float *scores, const guint8 *labels, gsize n, double *threshold)
{
  double best = -1.0;

  *threshold = INFINITY;
  for (gsize t = 0; t < n; t++)
    {
      EadConfusion counts = ead_confusion_at (scores, labels, n, scores[t]);
      double f1 = 2.0 * counts.true_positives /
        (2.0 * counts.true_positives + counts.false_positives + counts.false_negatives);

      if (f1 > best || (f1 == best && scores[t] < *threshold))
        {
          best = f1;
          *threshold = scores[t];
        }
    }
  return best;
}

static void
test_f1_against_thresholds (void)
{
  const gsize sizes[] = { 1, 2, 3, 40, 500, 2000 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      gsize n = sizes[s];
      g_autofree float *scores = g_new (float, n);
      g_autofree guint8 *labels = g_new (guint8, n);
      double threshold, expected_threshold;

      fill_random_ranking (scores, labels, n, rand);
      labels[0] = 1;
      assert_close (ead_f1_max (scores, labels, n, &threshold),
                    f1_max_by_thresholds (scores, labels, n, &expected_threshold));
      g_assert_cmpfloat (threshold, ==, expected_threshold);
    }
}

static void
test_f1_sklearn_fixtures (void)
{
  g_autoptr(GPtrArray) cases = load_fixture ("ranking.txt");

  for (guint c = 0; c < cases->len; c++)
    {
      FixtureCase *fixture = cases->pdata[c];
      gsize n, n_labels;
      g_autofree float *scores = fixture_floats (fixture, "scores", &n);
      g_autofree guint8 *labels = fixture_bytes (fixture, "labels", &n_labels);
      double threshold;
      EadConfusion counts;

      g_test_message ("case %s", fixture->name);
      assert_close (ead_f1_max (scores, labels, n, &threshold), fixture_number (fixture, "f1_max"));
      g_assert_cmpfloat (threshold, ==, (float) fixture_number (fixture, "f1_threshold"));

      /* The counts at that threshold give the same F1. */
      counts = ead_confusion_at (scores, labels, n, threshold);
      assert_close (2.0 * counts.true_positives /
                    (2.0 * counts.true_positives + counts.false_positives + counts.false_negatives),
                    fixture_number (fixture, "f1_max"));
    }
}

/* Confusion counts */

static void
test_confusion_hand_worked (void)
{
  const float scores[] = { 0.2f, 0.5f, 0.5f, 0.9f };
  const guint8 labels[] = { 0, 1, 0, 1 };
  EadConfusion at_half = ead_confusion_at (scores, labels, 4, 0.5);
  EadConfusion above = ead_confusion_at (scores, labels, 4, 0.6);

  /* >= 0.5 flags 0.5 (bad), 0.5 (good), 0.9 (bad). */
  g_assert_cmpuint (at_half.true_positives, ==, 2);
  g_assert_cmpuint (at_half.false_positives, ==, 1);
  g_assert_cmpuint (at_half.true_negatives, ==, 1);
  g_assert_cmpuint (at_half.false_negatives, ==, 0);
  /* >= 0.6 flags only 0.9. */
  g_assert_cmpuint (above.true_positives, ==, 1);
  g_assert_cmpuint (above.false_positives, ==, 0);
  g_assert_cmpuint (above.true_negatives, ==, 2);
  g_assert_cmpuint (above.false_negatives, ==, 1);
}

/* Connected components */

static void
test_components_diagonal_touch (void)
{
  /* Two 2x2 blobs meeting at one corner: 8-connected, so one component. */
  const guint8 mask[] = {
    1, 1, 0, 0, 0,
    1, 1, 0, 0, 0,
    0, 0, 1, 1, 0,
    0, 0, 1, 1, 0,
    0, 0, 0, 0, 0,
  };
  guint32 labels[25];

  g_assert_cmpuint (ead_connected_components (mask, 5, 5, labels), ==, 1);
  for (gsize i = 0; i < 25; i++)
    g_assert_cmpuint (labels[i], ==, mask[i]);
}

static void
test_components_separate_and_merging (void)
{
  /* A U whose arms are first seen apart (one label, found from the left arm)
   * and a dot two columns away: labels in raster order of first pixels. */
  const guint8 mask[] = {
    1, 0, 1, 0, 0, 1,
    1, 0, 1, 0, 0, 0,
    1, 1, 1, 0, 0, 0,
  };
  const guint32 expected[] = {
    1, 0, 1, 0, 0, 2,
    1, 0, 1, 0, 0, 0,
    1, 1, 1, 0, 0, 0,
  };
  guint32 labels[18];

  g_assert_cmpuint (ead_connected_components (mask, 6, 3, labels), ==, 2);
  g_assert_cmpmem (labels, sizeof labels, expected, sizeof expected);
}

static void
test_components_empty_and_checkerboard (void)
{
  guint8 mask[7 * 4] = { 0 };
  guint32 labels[7 * 4];

  g_assert_cmpuint (ead_connected_components (mask, 7, 4, labels), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    g_assert_cmpuint (labels[i], ==, 0);

  /* Every set pixel touches the next row's at a corner. */
  for (gsize i = 0; i < G_N_ELEMENTS (mask); i++)
    mask[i] = (i % 7 + i / 7) % 2;
  g_assert_cmpuint (ead_connected_components (mask, 7, 4, labels), ==, 1);
}

static void
test_components_full_image (void)
{
  /* A full 900x900 mask would overflow the stack of a recursive fill. */
  const int size = 900;
  g_autofree guint8 *mask = g_malloc ((gsize) size * size);
  g_autofree guint32 *labels = g_new (guint32, (gsize) size * size);

  memset (mask, 1, (gsize) size * size);
  g_assert_cmpuint (ead_connected_components (mask, size, size, labels), ==, 1);
  g_assert_cmpuint (labels[0], ==, 1);
  g_assert_cmpuint (labels[(gsize) size * size - 1], ==, 1);
}

static void
test_components_scipy_fixtures (void)
{
  g_autoptr(GPtrArray) cases = load_fixture ("components.txt");

  for (guint c = 0; c < cases->len; c++)
    {
      FixtureCase *fixture = cases->pdata[c];
      int width = fixture_number (fixture, "width"), height = fixture_number (fixture, "height");
      gsize n;
      g_autofree guint8 *mask = fixture_bytes (fixture, "mask", &n);
      GArray *expected = fixture_field (fixture, "labels");
      g_autofree guint32 *labels = g_new (guint32, n);

      g_test_message ("case %s", fixture->name);
      g_assert_cmpuint (n, ==, (gsize) width * height);
      g_assert_cmpuint (ead_connected_components (mask, width, height, labels), ==,
                        fixture_number (fixture, "count"));
      for (gsize i = 0; i < n; i++)
        g_assert_cmpuint (labels[i], ==, g_array_index (expected, double, i));
    }
}

/* AU-PRO */

static double
aupro_of_one (const float *map, const guint8 *mask, int width, int height, double fpr_limit)
{
  return ead_aupro (&map, &mask, NULL, &width, &height, 1, fpr_limit);
}

static void
test_aupro_hand_worked (void)
{
  /* One region of 2 pixels, 2 good pixels. From the top score down:
   *   0.8 defect -> (FPR 0, PRO 1/2)   0.4 defect -> (1/2, 1)
   *   0.6 good   -> (1/2, 1/2)         0.1 good   -> (1, 1)
   * Area to 1: 1/2 * 1/2 + 1/2 * 1 = 3/4. To 0.3: 0.3 * 1/2, / 0.3 = 1/2. */
  const float map[] = { 0.1f, 0.6f, 0.8f, 0.4f };
  const guint8 mask[] = { 0, 0, 1, 1 };

  assert_close (aupro_of_one (map, mask, 4, 1, 1.0), 0.75);
  assert_close (aupro_of_one (map, mask, 4, 1, 0.3), 0.5);
  assert_close (aupro_of_one (map, mask, 4, 1, 0.5), 0.5);
}

static void
test_aupro_two_images (void)
{
  /* Region A (1 pixel, image 1) and B (2 pixels, image 2); a defect pixel
   * adds 1 / (size * 2 regions): A's 1/2, B's 1/4 each. 3 good pixels.
   *   0.9 A -> (0, 1/2)     0.5 good -> (1/3, 3/4)   0.2 good -> (2/3, 1)
   *   0.7 B -> (0, 3/4)     0.3 B    -> (1/3, 1)     0.1 good -> (1, 1)
   * To 1: 1/3 * 3/4 + 2/3 * 1 = 11/12. To 0.3: 0.3 * 3/4, / 0.3 = 3/4.
   * To 0.5: 1/4 + (1/2 - 1/3) * 1 = 5/12, / 0.5 = 5/6. */
  const float map_a[] = { 0.9f, 0.2f, 0.5f };
  const float map_b[] = { 0.3f, 0.7f, 0.1f };
  const guint8 mask_a[] = { 1, 0, 0 };
  const guint8 mask_b[] = { 1, 1, 0 };
  const float *maps[] = { map_a, map_b };
  const guint8 *masks[] = { mask_a, mask_b };
  const int widths[] = { 3, 3 }, heights[] = { 1, 1 };

  assert_close (ead_aupro (maps, masks, NULL, widths, heights, 2, 1.0), 11.0 / 12.0);
  assert_close (ead_aupro (maps, masks, NULL, widths, heights, 2, 0.3), 0.75);
  assert_close (ead_aupro (maps, masks, NULL, widths, heights, 2, 0.5), 5.0 / 6.0);
}

static void
test_aupro_ties_and_diagonals (void)
{
  /* Equal scores pass together: the curve jumps from (0, 0) to (1, 1).
   * To 1: 1/2. To 0.3: the PRO is 0.3 there, 0.3 * 0.3 / 2, / 0.3 = 0.15. */
  const float tied_map[] = { 0.5f, 0.5f };
  const guint8 tied_mask[] = { 1, 0 };
  /* The diagonal makes one region of 3 pixels, so 0.9 alone gives a PRO of
   * 1/3 (two 4-connected regions would give 1/2) until FPR 1: area 1/3. */
  const float map[] = {
    0.9f, 0.5f, 0.5f,
    0.5f, 0.1f, 0.1f,
    0.5f, 0.5f, 0.5f,
  };
  const guint8 mask[] = {
    1, 0, 0,
    0, 1, 1,
    0, 0, 0,
  };

  assert_close (aupro_of_one (tied_map, tied_mask, 2, 1, 1.0), 0.5);
  assert_close (aupro_of_one (tied_map, tied_mask, 2, 1, 0.3), 0.15);
  assert_close (aupro_of_one (map, mask, 3, 3, 1.0), 1.0 / 3.0);
}

static void
test_aupro_undefined (void)
{
  const float map[] = { 0.1f, 0.2f, 0.3f, 0.4f };
  const guint8 no_defect[] = { 0, 0, 0, 0 };
  const guint8 all_defect[] = { 1, 1, 1, 1 };
  const guint8 mask[] = { 0, 1, 0, 0 };
  const float with_nan[] = { 0.1f, NAN, 0.3f, 0.4f };

  g_assert_true (isnan (aupro_of_one (map, no_defect, 2, 2, 0.3)));
  g_assert_true (isnan (aupro_of_one (map, all_defect, 2, 2, 0.3)));
  g_assert_true (isnan (aupro_of_one (with_nan, mask, 2, 2, 0.3)));
  g_assert_true (isnan (ead_aupro (NULL, NULL, NULL, NULL, NULL, 0, 0.3)));
}

static void
test_aupro_reference_fixtures (void)
{
  g_autoptr(GPtrArray) cases = load_fixture ("aupro.txt");

  for (guint c = 0; c < cases->len; c++)
    {
      FixtureCase *fixture = cases->pdata[c];
      GArray *widths = fixture_field (fixture, "widths"), *heights = fixture_field (fixture, "heights");
      GArray *limits = fixture_field (fixture, "limits"), *expected = fixture_field (fixture, "aupro");
      gsize n_pixels, n_mask;
      g_autofree float *all_maps = fixture_floats (fixture, "maps", &n_pixels);
      g_autofree guint8 *all_masks = fixture_bytes (fixture, "masks", &n_mask);
      g_autofree const float **maps = g_new (const float *, widths->len);
      g_autofree const guint8 **masks = g_new (const guint8 *, widths->len);
      g_autofree int *image_widths = g_new (int, widths->len);
      g_autofree int *image_heights = g_new (int, widths->len);
      gsize offset = 0;

      g_test_message ("case %s", fixture->name);
      for (guint i = 0; i < widths->len; i++)
        {
          image_widths[i] = g_array_index (widths, double, i);
          image_heights[i] = g_array_index (heights, double, i);
          maps[i] = all_maps + offset;
          masks[i] = all_masks + offset;
          offset += (gsize) image_widths[i] * image_heights[i];
        }
      g_assert_cmpuint (offset, ==, n_pixels);
      g_assert_cmpuint (offset, ==, n_mask);

      for (guint i = 0; i < limits->len; i++)
        assert_close (ead_aupro (maps, masks, NULL, image_widths, image_heights, widths->len,
                                 g_array_index (limits, double, i)),
                      g_array_index (expected, double, i));
    }
}

/* Curves */

/* scikit-learn's documented example: average_precision_score gives 0.8333
 * and roc_auc_score 0.75 on these. */
static const float curve_scores[] = { 0.1f, 0.4f, 0.35f, 0.8f };
static const guint8 curve_labels[] = { 0, 0, 1, 1 };

static void
test_curve_points (void)
{
  g_autoptr (EadCurve) curve = ead_curve_new (curve_scores, curve_labels, 4);
  const struct { float threshold; gsize tp, fp; } expected[] = {
    { 0.8f, 1, 0 }, { 0.4f, 1, 1 }, { 0.35f, 2, 1 }, { 0.1f, 2, 2 },
  };

  g_assert_cmpuint (curve->n_positives, ==, 2);
  g_assert_cmpuint (curve->n_negatives, ==, 2);
  g_assert_cmpuint (curve->points->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const EadCurvePoint *p = &g_array_index (curve->points, EadCurvePoint, i);
      g_assert_cmpfloat (p->threshold, ==, expected[i].threshold);
      g_assert_cmpuint (p->true_positives, ==, expected[i].tp);
      g_assert_cmpuint (p->false_positives, ==, expected[i].fp);
      /* Each point's counts are those of its threshold. */
      EadConfusion at = ead_confusion_at (curve_scores, curve_labels, 4, p->threshold);
      EadConfusion from_curve = ead_curve_confusion (curve, p);
      g_assert_cmpmem (&at, sizeof at, &from_curve, sizeof from_curve);
    }
  g_assert_cmpfloat_with_epsilon (ead_curve_average_precision (curve), 5.0 / 6.0, 1e-12);
  g_assert_cmpfloat (ead_curve_auroc (curve), ==, 0.75);
}

static void
test_curve_operator_rates (void)
{
  g_autoptr (EadCurve) curve = ead_curve_new (curve_scores, curve_labels, 4);

  /* No false alarm allowed: only 0.8 can be flagged, half the defects are missed. */
  g_assert_cmpfloat (ead_curve_miss_rate_at_fpr (curve, 0), ==, 0.5);
  g_assert_cmpfloat (ead_curve_miss_rate_at_fpr (curve, 0.5), ==, 0);
  /* No miss allowed: down to 0.35, which flags one of the two good images. */
  g_assert_cmpfloat (ead_curve_fpr_at_miss_rate (curve, 0), ==, 0.5);
  g_assert_cmpfloat (ead_curve_fpr_at_miss_rate (curve, 0.5), ==, 0);

  g_autoptr (EadCurve) good_only = ead_curve_new (curve_scores, (const guint8[]) { 0, 0, 0, 0 }, 4);
  g_assert_true (isnan (ead_curve_average_precision (good_only)));
  g_assert_true (isnan (ead_curve_auroc (good_only)));
  g_assert_true (isnan (ead_curve_miss_rate_at_fpr (good_only, 0.1)));
  g_assert_true (isnan (ead_curve_fpr_at_miss_rate (good_only, 0.1)));
  const float with_nan[] = { 0.1f, NAN };
  g_assert_null (ead_curve_new (with_nan, curve_labels, 2));
}

/* The trapezoids under the ROC points make the AUROC, ties included. */
static void
test_curve_area_is_auroc (void)
{
  GRand *rand = g_rand_new_with_seed (11);
  const gsize n = 500;
  g_autofree float *scores = g_new (float, n);
  g_autofree guint8 *labels = g_new (guint8, n);

  for (gsize i = 0; i < n; i++)
    {
      labels[i] = g_rand_int_range (rand, 0, 3) == 0;
      /* Few distinct values, so that many scores tie. */
      scores[i] = (float) (g_rand_int_range (rand, 0, 40) + 10 * labels[i]) / 50.0f;
    }
  g_rand_free (rand);
  g_autoptr (EadCurve) curve = ead_curve_new (scores, labels, n);
  double area = 0, fpr = 0, tpr = 0;
  for (guint i = 0; i < curve->points->len; i++)
    {
      const EadCurvePoint *p = &g_array_index (curve->points, EadCurvePoint, i);
      double next_fpr = (double) p->false_positives / curve->n_negatives;
      double next_tpr = (double) p->true_positives / curve->n_positives;
      area += (next_fpr - fpr) * (tpr + next_tpr) / 2;
      fpr = next_fpr;
      tpr = next_tpr;
    }
  g_assert_cmpfloat (fpr, ==, 1);
  g_assert_cmpfloat (tpr, ==, 1);
  g_assert_cmpfloat_with_epsilon (area, ead_auroc (scores, labels, n), 1e-12);
  g_assert_cmpfloat (ead_curve_auroc (curve), ==, ead_auroc (scores, labels, n));
}

static void
test_confusion_rates (void)
{
  const EadConfusion c = { .true_positives = 3, .false_positives = 1, .true_negatives = 5,
                           .false_negatives = 2 };
  const EadConfusion none = { 0 };

  g_assert_cmpfloat (ead_confusion_precision (&c), ==, 0.75);
  g_assert_cmpfloat (ead_confusion_recall (&c), ==, 0.6);
  g_assert_cmpfloat_with_epsilon (ead_confusion_fpr (&c), 1.0 / 6.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (ead_confusion_f1 (&c), 6.0 / 9.0, 1e-15);
  g_assert_cmpuint (ead_confusion_flagged (&c), ==, 4);
  g_assert_true (isnan (ead_confusion_precision (&none)));
  g_assert_true (isnan (ead_confusion_recall (&none)));
  g_assert_true (isnan (ead_confusion_fpr (&none)));
  g_assert_true (isnan (ead_confusion_f1 (&none)));
}

/* Two 6 x 4 images whose region of interest is their left 3 columns: the
 * metrics inside it equal those of the images cut to those columns, a
 * defect across the edge counting by its part inside. */
#define ROI_W 6
#define ROI_H 4
#define ROI_KEPT 3

static void
crop_left (const void *full, gsize element, void *out)
{
  for (int y = 0; y < ROI_H; y++)
    memcpy ((char *) out + y * ROI_KEPT * element, (const char *) full + y * ROI_W * element,
            ROI_KEPT * element);
}

static void
test_metrics_inside_roi (void)
{
  const float maps[2][ROI_W * ROI_H] = {
    { 0.1f, 0.7f, 0.2f, 0.9f, 0.9f, 0.8f,
      0.3f, 0.8f, 0.6f, 0.9f, 0.1f, 0.2f,
      0.2f, 0.1f, 0.4f, 0.5f, 0.9f, 0.9f,
      0.0f, 0.2f, 0.3f, 0.1f, 0.7f, 0.6f },
    { 0.5f, 0.1f, 0.2f, 0.3f, 0.9f, 0.4f,
      0.2f, 0.2f, 0.1f, 0.8f, 0.9f, 0.3f,
      0.4f, 0.3f, 0.3f, 0.2f, 0.1f, 0.5f,
      0.1f, 0.6f, 0.2f, 0.3f, 0.2f, 0.1f },
  };
  const guint8 masks[2][ROI_W * ROI_H] = {
    { 0, 1, 0, 0, 0, 0,
      0, 1, 1, 1, 0, 0,
      0, 0, 0, 0, 1, 1,
      0, 0, 0, 0, 0, 0 },
    { 0, 0, 0, 0, 1, 0,
      0, 0, 0, 1, 1, 0,
      0, 0, 0, 0, 0, 0,
      0, 1, 0, 0, 0, 0 },
  };
  guint8 roi[ROI_W * ROI_H];
  for (int i = 0; i < ROI_W * ROI_H; i++)
    roi[i] = i % ROI_W < ROI_KEPT ? 255 : 0;
  float cut_maps[2][ROI_KEPT * ROI_H];
  guint8 cut_masks[2][ROI_KEPT * ROI_H];
  for (int k = 0; k < 2; k++)
    {
      crop_left (maps[k], sizeof (float), cut_maps[k]);
      crop_left (masks[k], 1, cut_masks[k]);
    }

  const float *map_list[] = { maps[0], maps[1] }, *cut_map_list[] = { cut_maps[0], cut_maps[1] };
  const guint8 *mask_list[] = { masks[0], masks[1] };
  const guint8 *cut_mask_list[] = { cut_masks[0], cut_masks[1] };
  const guint8 *roi_list[] = { roi, roi };
  const int widths[] = { ROI_W, ROI_W }, heights[] = { ROI_H, ROI_H };
  const int cut_widths[] = { ROI_KEPT, ROI_KEPT };
  const double inside = ead_aupro (map_list, mask_list, roi_list, widths, heights, 2, 0.3);
  const double cut = ead_aupro (cut_map_list, cut_mask_list, NULL, cut_widths, heights, 2, 0.3);
  g_assert_false (isnan (inside));
  g_assert_cmpfloat (inside, ==, cut);
  g_assert_cmpfloat (inside, !=, ead_aupro (map_list, mask_list, NULL, widths, heights, 2, 0.3));

  /* The evaluation's pixel metrics too, and each image's peak inside. */
  EadScoredImage whole[2], cropped[2];
  for (int k = 0; k < 2; k++)
    {
      whole[k] = (EadScoredImage) { .path = "x", .type = "crack", .score = k,
                                    .width = ROI_W, .height = ROI_H, .map = maps[k],
                                    .mask = masks[k], .roi = roi };
      cropped[k] = (EadScoredImage) { .path = "x", .type = "crack", .score = k,
                                      .width = ROI_KEPT, .height = ROI_H, .map = cut_maps[k],
                                      .mask = cut_masks[k] };
    }
  g_autoptr (EadEvaluation) a = ead_evaluation_new_from_scores (whole, 2);
  g_autoptr (EadEvaluation) b = ead_evaluation_new_from_scores (cropped, 2);
  g_assert_cmpfloat (a->overall.pixel_auroc, ==, b->overall.pixel_auroc);
  g_assert_cmpfloat (a->overall.aupro, ==, b->overall.aupro);
  const EadImageScore *first = &g_array_index (a->images, EadImageScore, 0);
  /* 0.9 at (3, 0) lies outside; inside, the first 0.8 is at (1, 1). */
  g_assert_cmpint (first->peak_x, ==, 1);
  g_assert_cmpint (first->peak_y, ==, 1);
}

/* A defective image without a mask counts in the image metrics and is
 * left out of the pixel ones: its pixels are neither good nor defect. */
static void
test_metrics_unmasked_defect (void)
{
  enum { W = 4, H = 2 };
  const float good_map[W * H] = { 0.1f, 0.2f, 0.1f, 0.3f, 0.2f, 0.1f, 0.2f, 0.1f };
  const float masked_map[W * H] = { 0.1f, 0.9f, 0.2f, 0.1f, 0.1f, 0.8f, 0.1f, 0.2f };
  /* High on every pixel: counted as good pixels, it would sink both. */
  const float unmasked_map[W * H] = { 0.95f, 0.95f, 0.95f, 0.95f, 0.95f, 0.95f, 0.95f, 0.95f };
  const guint8 clean[W * H] = { 0 };
  const guint8 defect[W * H] = { 0, 1, 0, 0, 0, 1, 0, 0 };
  const EadScoredImage images[] = {
    { .path = "good", .type = "good", .score = 0.3, .width = W, .height = H, .map = good_map,
      .mask = clean },
    { .path = "masked", .type = "crack", .score = 0.9, .width = W, .height = H,
      .map = masked_map, .mask = defect },
    { .path = "unmasked", .type = "crack", .score = 0.95, .width = W, .height = H,
      .map = unmasked_map, .mask = NULL },
  };
  g_autoptr (EadEvaluation) masked_only = ead_evaluation_new_from_scores (images, 2);
  g_autoptr (EadEvaluation) all = ead_evaluation_new_from_scores (images, 3);
  g_assert_cmpuint (all->overall.n_images, ==, 3);
  g_assert_cmpfloat (all->overall.image_auroc, ==, 1.0);
  g_assert_cmpfloat (all->overall.pixel_auroc, ==, 1.0);
  g_assert_cmpfloat (all->overall.pixel_auroc, ==, masked_only->overall.pixel_auroc);
  g_assert_false (isnan (all->overall.aupro));
  g_assert_cmpfloat (all->overall.aupro, ==, masked_only->overall.aupro);

  /* No mask among the defects: no pixel metrics at all. */
  const EadScoredImage unmasked_only[] = { images[0], images[2] };
  g_autoptr (EadEvaluation) none = ead_evaluation_new_from_scores (unmasked_only, 2);
  g_assert_cmpfloat (none->overall.image_auroc, ==, 1.0);
  g_assert_true (isnan (none->overall.pixel_auroc));
  g_assert_true (isnan (none->overall.aupro));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/auroc/hand-worked", test_auroc_hand_worked);
  g_test_add_func ("/metrics/auroc/edge-cases", test_auroc_edge_cases);
  g_test_add_func ("/metrics/auroc/against-pairs", test_auroc_against_pairs);
  g_test_add_func ("/metrics/auroc/sklearn-fixtures", test_auroc_sklearn_fixtures);
  g_test_add_func ("/metrics/f1/hand-worked", test_f1_hand_worked);
  g_test_add_func ("/metrics/f1/ties-go-to-lower-threshold", test_f1_ties_go_to_lower_threshold);
  g_test_add_func ("/metrics/f1/edge-cases", test_f1_edge_cases);
  g_test_add_func ("/metrics/f1/against-thresholds", test_f1_against_thresholds);
  g_test_add_func ("/metrics/f1/sklearn-fixtures", test_f1_sklearn_fixtures);
  g_test_add_func ("/metrics/confusion/hand-worked", test_confusion_hand_worked);
  g_test_add_func ("/metrics/components/diagonal-touch", test_components_diagonal_touch);
  g_test_add_func ("/metrics/components/separate-and-merging", test_components_separate_and_merging);
  g_test_add_func ("/metrics/components/empty-and-checkerboard", test_components_empty_and_checkerboard);
  g_test_add_func ("/metrics/components/full-image", test_components_full_image);
  g_test_add_func ("/metrics/components/scipy-fixtures", test_components_scipy_fixtures);
  g_test_add_func ("/metrics/aupro/hand-worked", test_aupro_hand_worked);
  g_test_add_func ("/metrics/aupro/two-images", test_aupro_two_images);
  g_test_add_func ("/metrics/aupro/ties-and-diagonals", test_aupro_ties_and_diagonals);
  g_test_add_func ("/metrics/aupro/undefined", test_aupro_undefined);
  g_test_add_func ("/metrics/aupro/reference-fixtures", test_aupro_reference_fixtures);
  g_test_add_func ("/metrics/inside-roi", test_metrics_inside_roi);
  g_test_add_func ("/metrics/unmasked-defect", test_metrics_unmasked_defect);
  g_test_add_func ("/metrics/curve/points", test_curve_points);
  g_test_add_func ("/metrics/curve/operator-rates", test_curve_operator_rates);
  g_test_add_func ("/metrics/curve/area-is-auroc", test_curve_area_is_auroc);
  g_test_add_func ("/metrics/confusion-rates", test_confusion_rates);

  return g_test_run ();
}

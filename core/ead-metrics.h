/* ead-metrics.h: the evaluation metrics of anomaly detection.
 *
 * Labels are 0 (good) and 1 (anomalous); higher scores mean more anomalous.
 * All results are fractions in [0, 1]. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Area under the ROC curve, ties counted as one half (equal to scikit-learn's
 * roc_auc_score). NaN when either class is absent or a score is NaN. A
 * radix sort in place, memory for a copy of the scores: usable on all pixels
 * of a test set (pixel AUROC). */
double ead_auroc (const float *scores, const guint8 *labels, gsize n);

/* The largest F1 over all thresholds "anomalous when score >= t", t taken
 * at the distinct scores; the threshold achieving it goes to @threshold (may
 * be NULL), the lowest one on a tie, as np.argmax over scikit-learn's
 * precision_recall_curve picks. NaN (also in @threshold) without positives
 * or with a NaN score. */
double ead_f1_max (const float *scores, const guint8 *labels, gsize n, double *threshold);

/* Counts at one threshold (anomalous when score >= threshold). */
typedef struct {
  gsize true_positives, false_positives, true_negatives, false_negatives;
} EadConfusion;

EadConfusion ead_confusion_at (const float *scores, const guint8 *labels, gsize n, double threshold);

/* Rates of the counts, NaN where the denominator is 0: precision
 * TP / (TP + FP), recall TP / (TP + FN), false-positive rate FP / (FP + TN),
 * F1 2 TP / (2 TP + FP + FN); and how many images are flagged (TP + FP),
 * which an operator re-checks. */
double ead_confusion_precision (const EadConfusion *c);
double ead_confusion_recall (const EadConfusion *c);
double ead_confusion_fpr (const EadConfusion *c);
double ead_confusion_f1 (const EadConfusion *c);
gsize ead_confusion_flagged (const EadConfusion *c);

/* The image-level ROC and precision-recall curves: one point per distinct
 * score, taken as the threshold (anomalous when score >= threshold), from
 * the highest down, with the counts there. Computed from the scores on
 * demand (cheap for a test set), so they follow relabelling. */
typedef struct {
  double threshold;
  gsize true_positives, false_positives;
} EadCurvePoint;

typedef struct {
  gsize n_positives, n_negatives;
  GArray *points;   /* EadCurvePoint, thresholds falling */
} EadCurve;

/* NULL when a score is NaN; a curve without points when @n is 0. */
EadCurve *ead_curve_new (const float *scores, const guint8 *labels, gsize n);
void ead_curve_free (EadCurve *curve);
/* The counts of @point as a confusion matrix. */
EadConfusion ead_curve_confusion (const EadCurve *curve, const EadCurvePoint *point);
/* The area under the ROC points by the trapezoid rule, which equals
 * ead_auroc() of the same scores; NaN without both classes. */
double ead_curve_auroc (const EadCurve *curve);
/* Average precision, the sum over the points of the step in recall times
 * the precision there (scikit-learn's average_precision_score); NaN
 * without positives. */
double ead_curve_average_precision (const EadCurve *curve);
/* The operator's numbers. The miss rate (1 - recall) at the lowest
 * threshold that flags at most @fpr of the good images; the false-alarm
 * rate at the highest threshold that misses at most @miss_rate of the
 * anomalous ones. NaN without the class they count. */
double ead_curve_miss_rate_at_fpr (const EadCurve *curve, double fpr);
double ead_curve_fpr_at_miss_rate (const EadCurve *curve, double miss_rate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadCurve, ead_curve_free)

/* Area under the per-region overlap (PRO) curve up to @fpr_limit, divided by
 * @fpr_limit, as MVTec AD's evaluation code computes it: regions are the
 * 8-connected components of each ground-truth mask; for every threshold the
 * PRO is the mean over all regions of the fraction of the region above the
 * threshold, the FPR is the fraction of all good pixels above it; the curve
 * is integrated with the trapezoid rule and interpolated at @fpr_limit.
 * @maps[i] and @masks[i] (1 = defect) are @widths[i] x @heights[i] each.
 * @rois (NULL, or NULL entries, for whole images) limits each image to its
 * non-zero pixels: those outside count neither as good nor in a region.
 * NaN when there are no regions, no good pixels or a NaN score. Needs 4 bytes
 * per good pixel and 8 per defect pixel. */
double ead_aupro (const float *const *maps, const guint8 *const *masks,
                  const guint8 *const *rois, const int *widths, const int *heights,
                  gsize n_images, double fpr_limit);

/* Labels the 8-connected components of non-zero pixels of @mask into @labels
 * (0 for background, 1..n for components); returns n. */
guint ead_connected_components (const guint8 *mask, int width, int height, guint32 *labels);

G_END_DECLS

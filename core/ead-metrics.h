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

/* Area under the per-region overlap (PRO) curve up to @fpr_limit, divided by
 * @fpr_limit, as MVTec AD's evaluation code computes it: regions are the
 * 8-connected components of each ground-truth mask; for every threshold the
 * PRO is the mean over all regions of the fraction of the region above the
 * threshold, the FPR is the fraction of all good pixels above it; the curve
 * is integrated with the trapezoid rule and interpolated at @fpr_limit.
 * @maps[i] and @masks[i] (1 = defect) are @widths[i] x @heights[i] each.
 * NaN when there are no regions, no good pixels or a NaN score. Needs 4 bytes
 * per good pixel and 8 per defect pixel. */
double ead_aupro (const float *const *maps, const guint8 *const *masks,
                  const int *widths, const int *heights, gsize n_images,
                  double fpr_limit);

/* Labels the 8-connected components of non-zero pixels of @mask into @labels
 * (0 for background, 1..n for components); returns n. */
guint ead_connected_components (const guint8 *mask, int width, int height, guint32 *labels);

G_END_DECLS

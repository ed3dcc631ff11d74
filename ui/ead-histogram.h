/* ead-histogram.h: one or two distributions overlaid, with named markers.
 *
 * Shows, for example, the validation maps' values with q_a and q_b marked,
 * or the image scores of good and of anomalous test images with the
 * threshold. Each distribution is drawn as a density, so two of different
 * sizes compare by shape. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EAD_HISTOGRAM_N_DISTRIBUTIONS 2

#define EAD_TYPE_HISTOGRAM (ead_histogram_get_type ())
G_DECLARE_FINAL_TYPE (EadHistogram, ead_histogram, EAD, HISTOGRAM, GtkWidget)

GtkWidget *ead_histogram_new (void);

/* Bins @n values into equal bins between their smallest and largest and
 * shows them as distribution @index (0 or 1) with the legend text @label;
 * non-finite values are left out. No values clear the distribution. */
void ead_histogram_set_values (EadHistogram *self, guint index, const char *label,
                               const float *values, gsize n);

/* Shows precomputed @counts of @n_bins equal bins spanning [low, high] as
 * distribution @index. */
void ead_histogram_set_counts (EadHistogram *self, guint index, const char *label, double low,
                               double high, const guint64 *counts, guint n_bins);

/* Draws a vertical line at @value labelled @label; setting an existing
 * label again moves its line. */
void ead_histogram_set_marker (EadHistogram *self, const char *label, double value);
void ead_histogram_remove_marker (EadHistogram *self, const char *label);

/* Removes the distributions and the markers. */
void ead_histogram_clear (EadHistogram *self);

/* The x axis' range: every bin and marker with a small margin. FALSE when
 * there is nothing to show. */
gboolean ead_histogram_get_extent (EadHistogram *self, double *low, double *high);

G_END_DECLS

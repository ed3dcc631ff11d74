/* ead-curve-plot.h: an image-level ROC or precision-recall curve on the
 * unit square, with the point of the threshold in force marked. */
#pragma once

#include <gtk/gtk.h>

#include "ead-metrics.h"

G_BEGIN_DECLS

typedef enum {
  EAD_CURVE_PLOT_ROC,               /* true-positive against false-positive rate */
  EAD_CURVE_PLOT_PRECISION_RECALL,  /* precision against recall */
} EadCurvePlotKind;

#define EAD_TYPE_CURVE_PLOT (ead_curve_plot_get_type ())
G_DECLARE_FINAL_TYPE (EadCurvePlot, ead_curve_plot, EAD, CURVE_PLOT, GtkWidget)

GtkWidget *ead_curve_plot_new (EadCurvePlotKind kind);

void ead_curve_plot_set_kind (EadCurvePlot *self, EadCurvePlotKind kind);

/* Shows @curve (copied; NULL clears) under the legend text @label. */
void ead_curve_plot_set_curve (EadCurvePlot *self, const EadCurve *curve, const char *label);

/* Marks the point of @threshold (anomalous when score >= threshold). */
void ead_curve_plot_set_threshold (EadCurvePlot *self, double threshold);

/* The marked point in the plot's units (x, y in [0, 1]); FALSE without a
 * curve or where the point is undefined (the precision of nothing). */
gboolean ead_curve_plot_get_marked_point (EadCurvePlot *self, double *x, double *y);

G_END_DECLS

/* ead-loss-plot.h: training losses over steps, on a logarithmic y axis.
 *
 * Several named series (total, hard, penalty, ae, stae, ...) share the axes;
 * points can be appended one at a time while training runs, or set at once
 * for a past run. Values at or below zero cannot sit on a log axis: they are
 * kept but leave a gap in their line. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EAD_TYPE_LOSS_PLOT (ead_loss_plot_get_type ())
G_DECLARE_FINAL_TYPE (EadLossPlot, ead_loss_plot, EAD, LOSS_PLOT, GtkWidget)

GtkWidget *ead_loss_plot_new (void);

/* Adds a series called @name with the legend text @label, or relabels it if
 * it exists. Colours follow the order in which series are added. */
void ead_loss_plot_add_series (EadLossPlot *self, const char *name, const char *label);

/* Appends a point to the series @name, adding the series (labelled @name)
 * when it is new. */
void ead_loss_plot_append (EadLossPlot *self, const char *name, double step, double value);

/* Replaces the points of the series @name with @n pairs. */
void ead_loss_plot_set_points (EadLossPlot *self, const char *name, const double *steps,
                               const double *values, gsize n);

/* Removes every series. */
void ead_loss_plot_clear (EadLossPlot *self);

guint ead_loss_plot_get_n_series (EadLossPlot *self);
/* The number of points of the series @name, 0 when there is none. */
gsize ead_loss_plot_get_n_points (EadLossPlot *self, const char *name);

/* The axes' extent: steps from the first to the last, losses from the decade
 * below the smallest positive value to the decade above the largest. FALSE
 * when no positive value has been added yet. */
gboolean ead_loss_plot_get_extent (EadLossPlot *self, double *step_min, double *step_max,
                                   double *loss_min, double *loss_max);

G_END_DECLS

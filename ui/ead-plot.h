/* ead-plot.h: axes, ticks and text shared by the Cairo drawing widgets. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Nice tick values (1, 2 or 5 times a power of ten) inside [lo, hi], about
 * @target of them; writes at most @max_ticks into @ticks and returns the
 * count. The step between ticks goes to @step. */
guint ead_plot_linear_ticks (double lo, double hi, guint target, double *ticks, guint max_ticks,
                             double *step);

/* As ead_plot_linear_ticks(), for an axis of whole numbers (training
 * steps): a step of at least 1, so no tick falls between two of them. */
guint ead_plot_integer_ticks (double lo, double hi, guint target, double *ticks,
                              guint max_ticks, double *step);

/* Formats @value with just enough decimals to tell ticks @step apart. */
char *ead_plot_format_tick (double value, double step);

/* The widget's foreground (text) colour from its style. */
void ead_plot_get_foreground (GtkWidget *widget, GdkRGBA *color);

/* Draws @text with the widget's font so that the point (x, y) sits at the
 * fraction (xalign, yalign) of the text's extents; returns the text width. */
double ead_plot_draw_text (GtkWidget *widget, cairo_t *cr, const char *text, double x, double y,
                           double xalign, double yalign);

/* The height of a line of text in the widget's font. */
double ead_plot_text_height (GtkWidget *widget);

/* The colour of series number @index in the plots' shared palette. */
void ead_plot_series_color (guint index, GdkRGBA *color);

/* One row of a legend: a line (a curve) or a filled box (an area) of
 * @color, then @label. */
typedef struct {
  const char *label;
  GdkRGBA color;
  gboolean filled;
} EadPlotLegendEntry;

/* Draws the plots' one legend, a framed box with @n_entries rows whose top
 * right corner is 8 pixels inside (@right, @top) of the plot's frame. */
void ead_plot_draw_legend (GtkWidget *widget, cairo_t *cr, double right, double top,
                           const EadPlotLegendEntry *entries, guint n_entries,
                           const GdkRGBA *foreground);

G_END_DECLS

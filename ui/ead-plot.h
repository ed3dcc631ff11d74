/* ead-plot.h: the one style of the Cairo plots (histogram, loss plot,
 * curve plot): where the frame sits, its grid, tick labels, axis titles and
 * legend, in the widget's font and text colour and one series palette. */
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

/* The plotting area of a widget, in pixels, and the values at its edges:
 * a plot maps its values linearly between them (the loss plot maps the
 * logarithms of its losses). */
typedef struct {
  double left, top, right, bottom;
  double x_low, x_high, y_low, y_high;
} EadPlotFrame;

typedef enum {
  EAD_PLOT_AXIS_X,
  EAD_PLOT_AXIS_Y,
} EadPlotAxis;

/* Places @frame in @widget with the plots' margins: room above for a y
 * title or marker labels, below for the x tick labels and title, and on the
 * left for y tick labels @y_labels_width wide (0 for none). FALSE where the
 * widget is too small to plot in. */
gboolean ead_plot_frame_place (EadPlotFrame *frame, GtkWidget *widget, double y_labels_width);

/* The pixel column of @x and the pixel row of @y in @frame. */
double ead_plot_frame_x (const EadPlotFrame *frame, double x);
double ead_plot_frame_y (const EadPlotFrame *frame, double y);

/* The width of @text in the widget's font. */
double ead_plot_text_width (GtkWidget *widget, const char *text);

/* Draws a grid line across @frame at @value of @axis and, unless NULL,
 * @label outside the frame at its end. */
void ead_plot_draw_tick (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame,
                         EadPlotAxis axis, double value, const char *label);

/* Draws a fainter grid line, without a label, between ticks. */
void ead_plot_draw_minor_line (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame,
                               EadPlotAxis axis, double value);

/* Draws about @target ticks at nice values of @axis over the frame's range,
 * whole numbers only when @integer. */
void ead_plot_draw_ticks (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame,
                          EadPlotAxis axis, guint target, gboolean integer);

/* The width of the widest label ead_plot_draw_ticks() would draw over
 * [@low, @high]: what a y axis needs on the left. */
double ead_plot_ticks_width (GtkWidget *widget, double low, double high, guint target,
                             gboolean integer);

/* Clips @cr to @frame, so that data beyond the axes' range is cut off;
 * cairo_save() before and cairo_restore() after. */
void ead_plot_clip_to_frame (cairo_t *cr, const EadPlotFrame *frame);

/* Outlines @frame; drawn over the data, so that it stays crisp. */
void ead_plot_draw_frame (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame);

/* Draws @x_title under the right end of the x axis and, unless NULL,
 * @y_title above the top left corner. */
void ead_plot_draw_titles (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame,
                           const char *x_title, const char *y_title);

/* What a plot with nothing to draw shows: @text, dimmed, in its middle. */
void ead_plot_draw_placeholder (GtkWidget *widget, cairo_t *cr, const char *text);

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

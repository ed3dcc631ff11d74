/* ead-plot.c: the one style of the Cairo plots: frame, grid, ticks,
 * titles and legend. */

#include "ead-plot.h"

#include <math.h>

/* Every plot's margins, in pixels: from the widget's edges to its text,
 * and from the text to the frame. */
#define MARGIN 8.0
#define GAP 4.0

/* How strongly the text colour shows in grid lines, minor grid lines, the
 * frame and a placeholder's text. */
#define GRID_ALPHA 0.15
#define MINOR_GRID_ALPHA 0.07
#define FRAME_ALPHA 0.6
#define PLACEHOLDER_ALPHA 0.6

guint
ead_plot_linear_ticks (double lo, double hi, guint target, double *ticks, guint max_ticks,
                       double *step)
{
  g_return_val_if_fail (target > 0, 0);

  if (!(hi > lo) || !isfinite (lo) || !isfinite (hi))
    {
      *step = 1.0;
      if (max_ticks == 0 || !isfinite (lo))
        return 0;
      ticks[0] = lo;
      return 1;
    }

  double raw = (hi - lo) / target;
  double magnitude = pow (10.0, floor (log10 (raw)));
  double fraction = raw / magnitude;
  double nice = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
  *step = nice * magnitude;

  guint n = 0;
  /* A small tolerance keeps ticks that sit on the ends despite rounding. */
  double epsilon = *step * 1e-9;
  for (double k = ceil ((lo - epsilon) / *step); n < max_ticks; k++)
    {
      double value = k * *step;
      if (value > hi + epsilon)
        break;
      /* Avoid printing -0. */
      ticks[n++] = fabs (value) < epsilon ? 0.0 : value;
    }
  return n;
}

guint
ead_plot_integer_ticks (double lo, double hi, guint target, double *ticks, guint max_ticks,
                        double *step)
{
  guint n = ead_plot_linear_ticks (lo, hi, target, ticks, max_ticks, step);
  guint kept = 0;

  if (*step >= 1.0)
    return n;
  for (guint i = 0; i < n; i++)
    if (ticks[i] == round (ticks[i]))
      ticks[kept++] = ticks[i];
  *step = 1.0;
  return kept;
}

char *
ead_plot_format_tick (double value, double step)
{
  if (fabs (value) >= 1e5 || (value != 0.0 && fabs (value) < 1e-4))
    return g_strdup_printf ("%.2g", value);

  int decimals = step >= 1.0 ? 0 : (int) ceil (-log10 (step) - 1e-9);
  return g_strdup_printf ("%.*f", CLAMP (decimals, 0, 6), value);
}

void
ead_plot_get_foreground (GtkWidget *widget, GdkRGBA *color)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (widget, color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
#endif
}

double
ead_plot_draw_text (GtkWidget *widget, cairo_t *cr, const char *text, double x, double y,
                    double xalign, double yalign)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  cairo_move_to (cr, round (x - xalign * width), round (y - yalign * height));
  pango_cairo_show_layout (cr, layout);
  return width;
}

double
ead_plot_text_height (GtkWidget *widget)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, "0");
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

gboolean
ead_plot_frame_place (EadPlotFrame *frame, GtkWidget *widget, double y_labels_width)
{
  double text = ead_plot_text_height (widget);

  frame->left = MARGIN + y_labels_width + GAP;
  frame->right = gtk_widget_get_width (widget) - MARGIN - GAP;
  frame->top = MARGIN + text + GAP;
  /* The tick labels, then the x title, under the frame. */
  frame->bottom = gtk_widget_get_height (widget) - MARGIN - 2 * text - 2 * GAP;
  return frame->right - frame->left > 20 && frame->bottom - frame->top > 20;
}

double
ead_plot_frame_x (const EadPlotFrame *frame, double x)
{
  return frame->left
         + (x - frame->x_low) / (frame->x_high - frame->x_low) * (frame->right - frame->left);
}

double
ead_plot_frame_y (const EadPlotFrame *frame, double y)
{
  return frame->bottom
         - (y - frame->y_low) / (frame->y_high - frame->y_low) * (frame->bottom - frame->top);
}

double
ead_plot_text_width (GtkWidget *widget, const char *text)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

/* Strokes a grid line across @frame at @value of @axis, on the pixel grid,
 * and returns its position in pixels. */
static double
stroke_grid_line (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame, EadPlotAxis axis,
                  double value, double alpha)
{
  GdkRGBA foreground;
  double position;

  ead_plot_get_foreground (widget, &foreground);
  cairo_set_source_rgba (cr, foreground.red, foreground.green, foreground.blue, alpha);
  cairo_set_line_width (cr, 1.0);
  if (axis == EAD_PLOT_AXIS_X)
    {
      position = round (ead_plot_frame_x (frame, value)) + 0.5;
      cairo_move_to (cr, position, frame->top);
      cairo_line_to (cr, position, frame->bottom);
    }
  else
    {
      position = round (ead_plot_frame_y (frame, value)) + 0.5;
      cairo_move_to (cr, frame->left, position);
      cairo_line_to (cr, frame->right, position);
    }
  cairo_stroke (cr);
  return position;
}

void
ead_plot_draw_tick (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame, EadPlotAxis axis,
                    double value, const char *label)
{
  double position = stroke_grid_line (widget, cr, frame, axis, value, GRID_ALPHA);
  GdkRGBA foreground;

  if (label == NULL)
    return;
  ead_plot_get_foreground (widget, &foreground);
  gdk_cairo_set_source_rgba (cr, &foreground);
  if (axis == EAD_PLOT_AXIS_X)
    ead_plot_draw_text (widget, cr, label, position, frame->bottom + GAP, 0.5, 0.0);
  else
    ead_plot_draw_text (widget, cr, label, frame->left - GAP, position, 1.0, 0.5);
}

void
ead_plot_draw_minor_line (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame,
                          EadPlotAxis axis, double value)
{
  stroke_grid_line (widget, cr, frame, axis, value, MINOR_GRID_ALPHA);
}

/* The ticks' values and their labels over [@low, @high]. */
static GStrv
tick_labels (double low, double high, guint target, gboolean integer, double *ticks,
             guint max_ticks)
{
  double step;
  guint n = integer ? ead_plot_integer_ticks (low, high, target, ticks, max_ticks, &step)
                    : ead_plot_linear_ticks (low, high, target, ticks, max_ticks, &step);
  GStrv labels = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    labels[i] = ead_plot_format_tick (ticks[i], step);
  return labels;
}

void
ead_plot_draw_ticks (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame, EadPlotAxis axis,
                     guint target, gboolean integer)
{
  gboolean x = axis == EAD_PLOT_AXIS_X;
  double ticks[16];
  g_auto (GStrv) labels = tick_labels (x ? frame->x_low : frame->y_low,
                                       x ? frame->x_high : frame->y_high, target, integer, ticks,
                                       G_N_ELEMENTS (ticks));

  for (guint i = 0; labels[i] != NULL; i++)
    ead_plot_draw_tick (widget, cr, frame, axis, ticks[i], labels[i]);
}

double
ead_plot_ticks_width (GtkWidget *widget, double low, double high, guint target, gboolean integer)
{
  double ticks[16], width = 0.0;
  g_auto (GStrv) labels = tick_labels (low, high, target, integer, ticks, G_N_ELEMENTS (ticks));

  for (guint i = 0; labels[i] != NULL; i++)
    width = MAX (width, ead_plot_text_width (widget, labels[i]));
  return width;
}

void
ead_plot_clip_to_frame (cairo_t *cr, const EadPlotFrame *frame)
{
  cairo_rectangle (cr, frame->left, frame->top, frame->right - frame->left,
                   frame->bottom - frame->top);
  cairo_clip (cr);
}

void
ead_plot_draw_frame (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame)
{
  GdkRGBA foreground;

  ead_plot_get_foreground (widget, &foreground);
  cairo_set_source_rgba (cr, foreground.red, foreground.green, foreground.blue, FRAME_ALPHA);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, round (frame->left) + 0.5, round (frame->top) + 0.5,
                   round (frame->right - frame->left), round (frame->bottom - frame->top));
  cairo_stroke (cr);
}

void
ead_plot_draw_titles (GtkWidget *widget, cairo_t *cr, const EadPlotFrame *frame,
                      const char *x_title, const char *y_title)
{
  GdkRGBA foreground;

  ead_plot_get_foreground (widget, &foreground);
  gdk_cairo_set_source_rgba (cr, &foreground);
  ead_plot_draw_text (widget, cr, x_title, frame->right, gtk_widget_get_height (widget) - MARGIN,
                      1.0, 1.0);
  if (y_title != NULL)
    ead_plot_draw_text (widget, cr, y_title, MARGIN, MARGIN, 0.0, 0.0);
}

void
ead_plot_draw_placeholder (GtkWidget *widget, cairo_t *cr, const char *text)
{
  GdkRGBA foreground;

  ead_plot_get_foreground (widget, &foreground);
  cairo_set_source_rgba (cr, foreground.red, foreground.green, foreground.blue,
                         PLACEHOLDER_ALPHA);
  ead_plot_draw_text (widget, cr, text, gtk_widget_get_width (widget) / 2.0,
                      gtk_widget_get_height (widget) / 2.0, 0.5, 0.5);
}

void
ead_plot_draw_legend (GtkWidget *widget, cairo_t *cr, double right, double top,
                      const EadPlotLegendEntry *entries, guint n_entries,
                      const GdkRGBA *foreground)
{
  double line_height = ead_plot_text_height (widget) + 2.0;
  double label_width = 0.0;

  if (n_entries == 0)
    return;
  for (guint i = 0; i < n_entries; i++)
    label_width = MAX (label_width, ead_plot_text_width (widget, entries[i].label));

  double box_width = 8.0 + 20.0 + 6.0 + label_width + 8.0;
  double box_height = 8.0 + n_entries * line_height + 4.0;
  double x = right - box_width - 8.0, y = top + 8.0;

  /* A light box under dark text, a dark one under light text. */
  double shade = foreground->red + foreground->green + foreground->blue < 1.5 ? 1.0 : 0.0;
  cairo_rectangle (cr, x, y, box_width, box_height);
  cairo_set_source_rgba (cr, shade, shade, shade, 0.85);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, foreground->red, foreground->green, foreground->blue, 0.3);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  for (guint i = 0; i < n_entries; i++)
    {
      const EadPlotLegendEntry *entry = &entries[i];
      double row = y + 6.0 + i * line_height + line_height / 2;

      if (entry->filled)
        {
          cairo_rectangle (cr, x + 13.0, row - 5.0, 10.0, 10.0);
          cairo_set_source_rgba (cr, entry->color.red, entry->color.green, entry->color.blue,
                                 0.6);
          cairo_fill (cr);
        }
      else
        {
          gdk_cairo_set_source_rgba (cr, &entry->color);
          cairo_set_line_width (cr, 2.5);
          cairo_move_to (cr, x + 8.0, row);
          cairo_line_to (cr, x + 28.0, row);
          cairo_stroke (cr);
        }
      gdk_cairo_set_source_rgba (cr, foreground);
      ead_plot_draw_text (widget, cr, entry->label, x + 34.0, row, 0.0, 0.5);
    }
}

void
ead_plot_series_color (guint index, GdkRGBA *color)
{
  /* Okabe and Ito's palette, which stays distinct for colour-blind readers. */
  static const char *palette[] = {
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442",
  };

  gdk_rgba_parse (color, palette[index % G_N_ELEMENTS (palette)]);
}

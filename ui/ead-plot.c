/* ead-plot.c: axes, ticks and text shared by the Cairo drawing widgets. */

#include "ead-plot.h"

#include <math.h>

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
    {
      g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, entries[i].label);
      int width;

      pango_layout_get_pixel_size (layout, &width, NULL);
      label_width = MAX (label_width, width);
    }

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

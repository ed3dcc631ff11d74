/* ead-histogram.c: one or two distributions overlaid, with named markers. */

#include "ead-histogram.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-plot.h"

typedef struct {
  char *label;
  double low, high;
  guint64 *counts;
  guint n_bins;
  guint64 total;
} Distribution;

typedef struct {
  char *label;
  double value;
} Marker;

struct _EadHistogram {
  GtkWidget parent_instance;

  Distribution distributions[EAD_HISTOGRAM_N_DISTRIBUTIONS];
  GArray *markers;
};

G_DEFINE_FINAL_TYPE (EadHistogram, ead_histogram, GTK_TYPE_WIDGET)

static void
distribution_clear (Distribution *distribution)
{
  g_clear_pointer (&distribution->label, g_free);
  g_clear_pointer (&distribution->counts, g_free);
  distribution->n_bins = 0;
  distribution->total = 0;
}

static void
marker_clear (Marker *marker)
{
  g_free (marker->label);
}

static double
bin_width (const Distribution *distribution)
{
  double width = (distribution->high - distribution->low) / distribution->n_bins;
  return width > 0.0 ? width : 1.0;
}

gboolean
ead_histogram_get_extent (EadHistogram *self, double *low, double *high)
{
  double lo = INFINITY, hi = -INFINITY;

  g_return_val_if_fail (EAD_IS_HISTOGRAM (self), FALSE);

  for (int i = 0; i < EAD_HISTOGRAM_N_DISTRIBUTIONS; i++)
    {
      const Distribution *distribution = &self->distributions[i];
      if (distribution->total == 0)
        continue;
      lo = MIN (lo, distribution->low);
      hi = MAX (hi, distribution->low + distribution->n_bins * bin_width (distribution));
    }
  for (guint i = 0; i < self->markers->len; i++)
    {
      const Marker *marker = &g_array_index (self->markers, Marker, i);
      lo = MIN (lo, marker->value);
      hi = MAX (hi, marker->value);
    }
  if (!isfinite (lo) || !isfinite (hi))
    return FALSE;

  double margin = hi > lo ? 0.03 * (hi - lo) : 0.5;
  *low = lo - margin;
  *high = hi + margin;
  return TRUE;
}

static void
draw_distribution (cairo_t *cr, const EadPlotFrame *frame, const Distribution *distribution,
                   const GdkRGBA *color)
{
  double width = bin_width (distribution);

  cairo_move_to (cr, ead_plot_frame_x (frame, distribution->low), frame->bottom);
  for (guint b = 0; b < distribution->n_bins; b++)
    {
      double density = distribution->counts[b] / (distribution->total * width);
      double y = ead_plot_frame_y (frame, density);
      cairo_line_to (cr, ead_plot_frame_x (frame, distribution->low + b * width), y);
      cairo_line_to (cr, ead_plot_frame_x (frame, distribution->low + (b + 1) * width), y);
    }
  cairo_line_to (cr, ead_plot_frame_x (frame, distribution->low + distribution->n_bins * width),
                 frame->bottom);
  cairo_close_path (cr);

  cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.35);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

static void
draw_markers (EadHistogram *self, cairo_t *cr, const EadPlotFrame *frame,
              const GdkRGBA *foreground)
{
  GtkWidget *widget = GTK_WIDGET (self);
  static const double dash[] = { 5.0, 3.0 };

  for (guint i = 0; i < self->markers->len; i++)
    {
      const Marker *marker = &g_array_index (self->markers, Marker, i);
      double x = round (ead_plot_frame_x (frame, marker->value)) + 0.5;

      gdk_cairo_set_source_rgba (cr, foreground);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
      cairo_move_to (cr, x, frame->top);
      cairo_line_to (cr, x, frame->bottom);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);

      /* Labels sit above the plot; those in the right half end at their line. */
      double xalign = x > (frame->left + frame->right) / 2 ? 1.0 : 0.0;
      ead_plot_draw_text (widget, cr, marker->label, x + (xalign > 0.5 ? -3.0 : 3.0),
                          frame->top - 2.0, xalign, 1.0);
    }
}

static void
draw_legend (EadHistogram *self, cairo_t *cr, const EadPlotFrame *frame,
             const GdkRGBA *foreground)
{
  EadPlotLegendEntry entries[EAD_HISTOGRAM_N_DISTRIBUTIONS];
  guint n = 0;

  for (int i = 0; i < EAD_HISTOGRAM_N_DISTRIBUTIONS; i++)
    {
      const Distribution *distribution = &self->distributions[i];

      if (distribution->total == 0 || distribution->label == NULL)
        continue;
      entries[n] = (EadPlotLegendEntry) { distribution->label, { 0 }, TRUE };
      ead_plot_series_color (i, &entries[n].color);
      n++;
    }
  ead_plot_draw_legend (GTK_WIDGET (self), cr, frame->right, frame->top, entries, n, foreground);
}

/* The highest density of any bin, with headroom that keeps the tallest
 * clear of the legend and the marker labels. */
static double
density_max (EadHistogram *self)
{
  double highest = 0.0;

  for (int i = 0; i < EAD_HISTOGRAM_N_DISTRIBUTIONS; i++)
    {
      const Distribution *distribution = &self->distributions[i];
      for (guint b = 0; b < distribution->n_bins && distribution->total > 0; b++)
        highest = MAX (highest, distribution->counts[b]
                                  / (distribution->total * bin_width (distribution)));
    }
  return highest > 0.0 ? highest * 1.1 : 1.0;
}

static void
ead_histogram_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  EadHistogram *self = EAD_HISTOGRAM (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GdkRGBA foreground;
  EadPlotFrame frame;

  if (width <= 0 || height <= 0)
    return;

  ead_plot_get_foreground (widget, &foreground);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (!ead_histogram_get_extent (self, &frame.x_low, &frame.x_high))
    {
      ead_plot_draw_placeholder (widget, cr, _("No values yet"));
      cairo_destroy (cr);
      return;
    }

  /* Densities have no unit worth reading: the y axis goes unlabelled. */
  frame.y_low = 0.0;
  frame.y_high = density_max (self);
  if (ead_plot_frame_place (&frame, widget, 0.0))
    {
      ead_plot_draw_ticks (widget, cr, &frame, EAD_PLOT_AXIS_X, 6, FALSE);
      cairo_save (cr);
      ead_plot_clip_to_frame (cr, &frame);
      for (int i = 0; i < EAD_HISTOGRAM_N_DISTRIBUTIONS; i++)
        if (self->distributions[i].total > 0)
          {
            GdkRGBA color;
            ead_plot_series_color (i, &color);
            draw_distribution (cr, &frame, &self->distributions[i], &color);
          }
      cairo_restore (cr);
      ead_plot_draw_frame (widget, cr, &frame);
      ead_plot_draw_titles (widget, cr, &frame, _("Score"), NULL);
      draw_markers (self, cr, &frame, &foreground);
      draw_legend (self, cr, &frame, &foreground);
    }
  cairo_destroy (cr);
}

static void
ead_histogram_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                       int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 120;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 240;
}

static void
ead_histogram_finalize (GObject *object)
{
  EadHistogram *self = EAD_HISTOGRAM (object);

  for (int i = 0; i < EAD_HISTOGRAM_N_DISTRIBUTIONS; i++)
    distribution_clear (&self->distributions[i]);
  g_array_unref (self->markers);

  G_OBJECT_CLASS (ead_histogram_parent_class)->finalize (object);
}

static void
ead_histogram_class_init (EadHistogramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ead_histogram_finalize;
  widget_class->snapshot = ead_histogram_snapshot;
  widget_class->measure = ead_histogram_measure;

  gtk_widget_class_set_css_name (widget_class, "histogram");
}

static void
ead_histogram_init (EadHistogram *self)
{
  self->markers = g_array_new (FALSE, FALSE, sizeof (Marker));
  g_array_set_clear_func (self->markers, (GDestroyNotify) marker_clear);
}

GtkWidget *
ead_histogram_new (void)
{
  return g_object_new (EAD_TYPE_HISTOGRAM, NULL);
}

void
ead_histogram_set_counts (EadHistogram *self, guint index, const char *label, double low,
                          double high, const guint64 *counts, guint n_bins)
{
  g_return_if_fail (EAD_IS_HISTOGRAM (self));
  g_return_if_fail (index < EAD_HISTOGRAM_N_DISTRIBUTIONS);
  g_return_if_fail (n_bins == 0 || (counts != NULL && isfinite (low) && isfinite (high)));

  Distribution *distribution = &self->distributions[index];
  distribution_clear (distribution);
  distribution->label = g_strdup (label);
  distribution->low = low;
  distribution->high = high;
  distribution->n_bins = n_bins;
  distribution->counts = n_bins > 0 ? g_memdup2 (counts, n_bins * sizeof (guint64)) : NULL;
  for (guint b = 0; b < n_bins; b++)
    distribution->total += counts[b];
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_histogram_set_values (EadHistogram *self, guint index, const char *label,
                          const float *values, gsize n)
{
  double low = INFINITY, high = -INFINITY;
  gsize finite = 0;

  g_return_if_fail (EAD_IS_HISTOGRAM (self));
  g_return_if_fail (index < EAD_HISTOGRAM_N_DISTRIBUTIONS);
  g_return_if_fail (n == 0 || values != NULL);

  for (gsize i = 0; i < n; i++)
    if (isfinite (values[i]))
      {
        low = MIN (low, values[i]);
        high = MAX (high, values[i]);
        finite++;
      }
  if (finite == 0)
    {
      ead_histogram_set_counts (self, index, label, 0.0, 0.0, NULL, 0);
      return;
    }

  /* Equal values get a unit-wide range with all of them in its first bin. */
  if (!(high > low))
    high = low + 1.0;
  guint n_bins = CLAMP ((guint) sqrt ((double) finite), 8, 80);
  g_autofree guint64 *counts = g_new0 (guint64, n_bins);
  double width = (high - low) / n_bins;
  for (gsize i = 0; i < n; i++)
    if (isfinite (values[i]))
      counts[MIN ((guint) ((values[i] - low) / width), n_bins - 1)]++;
  ead_histogram_set_counts (self, index, label, low, high, counts, n_bins);
}

void
ead_histogram_set_marker (EadHistogram *self, const char *label, double value)
{
  g_return_if_fail (EAD_IS_HISTOGRAM (self));
  g_return_if_fail (label != NULL && isfinite (value));

  for (guint i = 0; i < self->markers->len; i++)
    {
      Marker *marker = &g_array_index (self->markers, Marker, i);
      if (g_strcmp0 (marker->label, label) == 0)
        {
          marker->value = value;
          gtk_widget_queue_draw (GTK_WIDGET (self));
          return;
        }
    }

  Marker marker = { g_strdup (label), value };
  g_array_append_val (self->markers, marker);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_histogram_remove_marker (EadHistogram *self, const char *label)
{
  g_return_if_fail (EAD_IS_HISTOGRAM (self));

  for (guint i = 0; i < self->markers->len; i++)
    if (g_strcmp0 (g_array_index (self->markers, Marker, i).label, label) == 0)
      {
        g_array_remove_index (self->markers, i);
        gtk_widget_queue_draw (GTK_WIDGET (self));
        return;
      }
}

void
ead_histogram_clear (EadHistogram *self)
{
  g_return_if_fail (EAD_IS_HISTOGRAM (self));

  for (int i = 0; i < EAD_HISTOGRAM_N_DISTRIBUTIONS; i++)
    distribution_clear (&self->distributions[i]);
  g_array_set_size (self->markers, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

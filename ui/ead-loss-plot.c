/* ead-loss-plot.c: training losses over steps, on a logarithmic y axis. */

#include "ead-loss-plot.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-plot.h"

typedef struct {
  double step, value;
} Point;

typedef struct {
  char *name;
  char *label;
  GArray *points;
  GdkRGBA color;
} Series;

struct _EadLossPlot {
  GtkWidget parent_instance;

  GPtrArray *series;
};

G_DEFINE_FINAL_TYPE (EadLossPlot, ead_loss_plot, GTK_TYPE_WIDGET)

static void
series_free (Series *series)
{
  g_free (series->name);
  g_free (series->label);
  g_array_unref (series->points);
  g_free (series);
}

static Series *
find_series (EadLossPlot *self, const char *name)
{
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *series = g_ptr_array_index (self->series, i);
      if (g_strcmp0 (series->name, name) == 0)
        return series;
    }
  return NULL;
}

static Series *
ensure_series (EadLossPlot *self, const char *name, const char *label)
{
  Series *series = find_series (self, name);

  if (series == NULL)
    {
      series = g_new0 (Series, 1);
      series->name = g_strdup (name);
      series->label = g_strdup (label);
      series->points = g_array_new (FALSE, FALSE, sizeof (Point));
      ead_plot_series_color (self->series->len, &series->color);
      g_ptr_array_add (self->series, series);
    }
  return series;
}

static gboolean
plottable (double value)
{
  return isfinite (value) && value > 0.0;
}

gboolean
ead_loss_plot_get_extent (EadLossPlot *self, double *step_min, double *step_max,
                          double *loss_min, double *loss_max)
{
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;

  g_return_val_if_fail (EAD_IS_LOSS_PLOT (self), FALSE);

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *series = g_ptr_array_index (self->series, i);
      for (guint j = 0; j < series->points->len; j++)
        {
          Point *p = &g_array_index (series->points, Point, j);
          if (!plottable (p->value) || !isfinite (p->step))
            continue;
          x_min = MIN (x_min, p->step);
          x_max = MAX (x_max, p->step);
          y_min = MIN (y_min, p->value);
          y_max = MAX (y_max, p->value);
        }
    }
  if (!isfinite (y_min))
    return FALSE;

  if (x_max <= x_min)
    x_max = x_min + 1.0;
  double decade_min = floor (log10 (y_min)), decade_max = ceil (log10 (y_max));
  if (decade_max <= decade_min)
    decade_max = decade_min + 1.0;

  if (step_min != NULL)
    *step_min = x_min;
  if (step_max != NULL)
    *step_max = x_max;
  if (loss_min != NULL)
    *loss_min = pow (10.0, decade_min);
  if (loss_max != NULL)
    *loss_max = pow (10.0, decade_max);
  return TRUE;
}

/* The label of the decade 10^@k. */
static char *
decade_label (int k)
{
  return g_strdup_printf ("%g", pow (10.0, k));
}

/* The y axis, on the logarithms of the losses: each decade a grid line and
 * a label, the values between them a faint line. */
static void
draw_decades (EadLossPlot *self, cairo_t *cr, const EadPlotFrame *frame)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int first = (int) frame->y_low, last = (int) frame->y_high;
  int label_every = last - first > 8 ? 2 : 1;

  for (int k = first; k <= last; k++)
    {
      g_autofree char *label = (k - first) % label_every == 0 ? decade_label (k) : NULL;

      ead_plot_draw_tick (widget, cr, frame, EAD_PLOT_AXIS_Y, k, label);
      for (int m = 2; m <= 9 && k < last; m++)
        ead_plot_draw_minor_line (widget, cr, frame, EAD_PLOT_AXIS_Y, k + log10 (m));
    }
}

/* Draws a series as one path; with more points than pixel columns each
 * column draws its first, smallest, largest and last value, so spikes stay
 * visible at any length. */
static void
draw_series (cairo_t *cr, const EadPlotFrame *frame, const Series *series)
{
  gboolean pen_down = FALSE;
  double column = NAN, first = 0, low = 0, high = 0, last = 0;

  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  gdk_cairo_set_source_rgba (cr, &series->color);

  for (guint j = 0; j <= series->points->len; j++)
    {
      const Point *p = j < series->points->len ? &g_array_index (series->points, Point, j) : NULL;
      double x = p != NULL ? round (ead_plot_frame_x (frame, p->step)) : NAN;

      /* Flush the column being gathered when the column changes or a gap
       * starts. */
      if (!isnan (column) && (p == NULL || x != column || !plottable (p->value)))
        {
          if (pen_down)
            cairo_line_to (cr, column, first);
          else
            cairo_move_to (cr, column, first);
          cairo_line_to (cr, column, low);
          cairo_line_to (cr, column, high);
          cairo_line_to (cr, column, last);
          pen_down = TRUE;
          column = NAN;
        }
      if (p == NULL)
        break;
      if (!plottable (p->value) || !isfinite (x))
        {
          pen_down = FALSE;
          continue;
        }

      double y = ead_plot_frame_y (frame, log10 (p->value));
      if (isnan (column))
        {
          column = x;
          first = low = high = y;
        }
      low = MIN (low, y);
      high = MAX (high, y);
      last = y;
    }
  cairo_stroke (cr);
}

static void
draw_legend (EadLossPlot *self, cairo_t *cr, const EadPlotFrame *frame, const GdkRGBA *foreground)
{
  g_autofree EadPlotLegendEntry *entries = g_new0 (EadPlotLegendEntry, self->series->len);

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *series = g_ptr_array_index (self->series, i);
      entries[i] = (EadPlotLegendEntry) { series->label, series->color, FALSE };
    }
  ead_plot_draw_legend (GTK_WIDGET (self), cr, frame->right, frame->top, entries,
                        self->series->len, foreground);
}

static void
ead_loss_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  EadLossPlot *self = EAD_LOSS_PLOT (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  double loss_min, loss_max, label_width = 0.0;
  GdkRGBA foreground;
  EadPlotFrame frame;

  if (width <= 0 || height <= 0)
    return;
  ead_plot_get_foreground (widget, &foreground);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (!ead_loss_plot_get_extent (self, &frame.x_low, &frame.x_high, &loss_min, &loss_max))
    {
      ead_plot_draw_placeholder (widget, cr, _("No losses yet"));
      cairo_destroy (cr);
      return;
    }

  frame.y_low = log10 (loss_min);
  frame.y_high = log10 (loss_max);
  for (int k = (int) frame.y_low; k <= (int) frame.y_high; k++)
    {
      g_autofree char *label = decade_label (k);
      label_width = MAX (label_width, ead_plot_text_width (widget, label));
    }
  if (ead_plot_frame_place (&frame, widget, label_width))
    {
      draw_decades (self, cr, &frame);
      ead_plot_draw_ticks (widget, cr, &frame, EAD_PLOT_AXIS_X, 6, TRUE);
      cairo_save (cr);
      ead_plot_clip_to_frame (cr, &frame);
      for (guint i = 0; i < self->series->len; i++)
        draw_series (cr, &frame, g_ptr_array_index (self->series, i));
      cairo_restore (cr);
      ead_plot_draw_frame (widget, cr, &frame);
      ead_plot_draw_titles (widget, cr, &frame, _("Step"), _("Loss"));
      draw_legend (self, cr, &frame, &foreground);
    }
  cairo_destroy (cr);
}

static void
ead_loss_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                       int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 120;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 320;
}

static void
ead_loss_plot_finalize (GObject *object)
{
  EadLossPlot *self = EAD_LOSS_PLOT (object);

  g_ptr_array_unref (self->series);

  G_OBJECT_CLASS (ead_loss_plot_parent_class)->finalize (object);
}

static void
ead_loss_plot_class_init (EadLossPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ead_loss_plot_finalize;
  widget_class->snapshot = ead_loss_plot_snapshot;
  widget_class->measure = ead_loss_plot_measure;

  gtk_widget_class_set_css_name (widget_class, "lossplot");
}

static void
ead_loss_plot_init (EadLossPlot *self)
{
  self->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
}

GtkWidget *
ead_loss_plot_new (void)
{
  return g_object_new (EAD_TYPE_LOSS_PLOT, NULL);
}

void
ead_loss_plot_add_series (EadLossPlot *self, const char *name, const char *label)
{
  g_return_if_fail (EAD_IS_LOSS_PLOT (self));
  g_return_if_fail (name != NULL && label != NULL);

  Series *series = ensure_series (self, name, label);
  g_free (series->label);
  series->label = g_strdup (label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_loss_plot_append (EadLossPlot *self, const char *name, double step, double value)
{
  Point point = { step, value };

  g_return_if_fail (EAD_IS_LOSS_PLOT (self));
  g_return_if_fail (name != NULL);

  g_array_append_val (ensure_series (self, name, name)->points, point);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_loss_plot_set_points (EadLossPlot *self, const char *name, const double *steps,
                          const double *values, gsize n)
{
  g_return_if_fail (EAD_IS_LOSS_PLOT (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (n == 0 || (steps != NULL && values != NULL));

  Series *series = ensure_series (self, name, name);
  g_array_set_size (series->points, 0);
  for (gsize i = 0; i < n; i++)
    {
      Point point = { steps[i], values[i] };
      g_array_append_val (series->points, point);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_loss_plot_clear (EadLossPlot *self)
{
  g_return_if_fail (EAD_IS_LOSS_PLOT (self));

  g_ptr_array_set_size (self->series, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
ead_loss_plot_get_n_series (EadLossPlot *self)
{
  g_return_val_if_fail (EAD_IS_LOSS_PLOT (self), 0);

  return self->series->len;
}

gsize
ead_loss_plot_get_n_points (EadLossPlot *self, const char *name)
{
  g_return_val_if_fail (EAD_IS_LOSS_PLOT (self), 0);

  Series *series = find_series (self, name);
  return series != NULL ? series->points->len : 0;
}

/* ead-curve-plot.c: an image-level ROC or precision-recall curve. */

#include "ead-curve-plot.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-plot.h"

struct _EadCurvePlot {
  GtkWidget parent_instance;

  EadCurvePlotKind kind;
  char *label;
  gsize n_positives, n_negatives;
  GArray *points;   /* EadCurvePoint, thresholds falling; empty without a curve */
  double threshold;
};

G_DEFINE_FINAL_TYPE (EadCurvePlot, ead_curve_plot, GTK_TYPE_WIDGET)

/* The plot's coordinates of @tp true and @fp false positives; FALSE where
 * they have none (the precision of nothing flagged). */
static gboolean
counts_to_point (EadCurvePlot *self, gsize tp, gsize fp, double *x, double *y)
{
  double recall = self->n_positives > 0 ? (double) tp / self->n_positives : 0;

  if (self->kind == EAD_CURVE_PLOT_ROC)
    {
      *x = self->n_negatives > 0 ? (double) fp / self->n_negatives : 0;
      *y = recall;
      return TRUE;
    }
  *x = recall;
  *y = tp + fp > 0 ? (double) tp / (tp + fp) : NAN;
  return tp + fp > 0;
}

gboolean
ead_curve_plot_get_marked_point (EadCurvePlot *self, double *x, double *y)
{
  gsize tp = 0, fp = 0;

  g_return_val_if_fail (EAD_IS_CURVE_PLOT (self), FALSE);

  if (self->points->len == 0)
    return FALSE;
  /* The counts of the lowest curve threshold still at or above it. */
  for (guint i = 0; i < self->points->len; i++)
    {
      const EadCurvePoint *p = &g_array_index (self->points, EadCurvePoint, i);
      if (p->threshold < self->threshold)
        break;
      tp = p->true_positives;
      fp = p->false_positives;
    }
  return counts_to_point (self, tp, fp, x, y);
}

/* The line a classifier that guesses would draw: the diagonal for ROC, the
 * share of anomalous images for precision. */
static void
draw_chance (EadCurvePlot *self, cairo_t *cr, const EadPlotFrame *frame, const GdkRGBA *foreground)
{
  static const double dash[] = { 4.0, 3.0 };
  double level = (double) self->n_positives / MAX (self->n_positives + self->n_negatives, 1);

  cairo_set_source_rgba (cr, foreground->red, foreground->green, foreground->blue, 0.4);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
  if (self->kind == EAD_CURVE_PLOT_ROC)
    {
      cairo_move_to (cr, ead_plot_frame_x (frame, 0), ead_plot_frame_y (frame, 0));
      cairo_line_to (cr, ead_plot_frame_x (frame, 1), ead_plot_frame_y (frame, 1));
    }
  else
    {
      cairo_move_to (cr, ead_plot_frame_x (frame, 0), ead_plot_frame_y (frame, level));
      cairo_line_to (cr, ead_plot_frame_x (frame, 1), ead_plot_frame_y (frame, level));
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
}

static void
draw_curve (EadCurvePlot *self, cairo_t *cr, const EadPlotFrame *frame, const GdkRGBA *color)
{
  double x, y;

  /* From above every score: nothing flagged (ROC's origin; for precision,
   * the first flagged images' value at recall 0, as scikit-learn draws). */
  if (self->kind == EAD_CURVE_PLOT_ROC)
    cairo_move_to (cr, ead_plot_frame_x (frame, 0), ead_plot_frame_y (frame, 0));
  for (guint i = 0; i < self->points->len; i++)
    {
      const EadCurvePoint *p = &g_array_index (self->points, EadCurvePoint, i);
      counts_to_point (self, p->true_positives, p->false_positives, &x, &y);
      if (i == 0 && self->kind == EAD_CURVE_PLOT_PRECISION_RECALL)
        cairo_move_to (cr, ead_plot_frame_x (frame, 0), ead_plot_frame_y (frame, y));
      cairo_line_to (cr, ead_plot_frame_x (frame, x), ead_plot_frame_y (frame, y));
    }
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke (cr);
}

static void
draw_marked_point (EadCurvePlot *self, cairo_t *cr, const EadPlotFrame *frame, const GdkRGBA *color,
                   const GdkRGBA *foreground)
{
  double x, y;

  if (!ead_curve_plot_get_marked_point (self, &x, &y))
    return;
  cairo_arc (cr, ead_plot_frame_x (frame, x), ead_plot_frame_y (frame, y), 5.0, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, foreground);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

static void
ead_curve_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  EadCurvePlot *self = EAD_CURVE_PLOT (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  /* Both axes are rates, from 0 to 1. */
  EadPlotFrame frame = { .x_low = 0.0, .x_high = 1.0, .y_low = 0.0, .y_high = 1.0 };
  gboolean roc = self->kind == EAD_CURVE_PLOT_ROC;
  GdkRGBA foreground, color;

  if (width <= 0 || height <= 0)
    return;
  ead_plot_get_foreground (widget, &foreground);
  ead_plot_series_color (roc ? 0 : 2, &color);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (self->points->len == 0)
    {
      ead_plot_draw_placeholder (widget, cr, _("No labelled test scores yet"));
      cairo_destroy (cr);
      return;
    }

  if (ead_plot_frame_place (&frame, widget, ead_plot_ticks_width (widget, 0.0, 1.0, 5, FALSE)))
    {
      ead_plot_draw_ticks (widget, cr, &frame, EAD_PLOT_AXIS_X, 5, FALSE);
      ead_plot_draw_ticks (widget, cr, &frame, EAD_PLOT_AXIS_Y, 5, FALSE);
      draw_chance (self, cr, &frame, &foreground);
      draw_curve (self, cr, &frame, &color);
      ead_plot_draw_frame (widget, cr, &frame);
      draw_marked_point (self, cr, &frame, &color, &foreground);
      ead_plot_draw_titles (widget, cr, &frame, roc ? _("False-positive rate") : _("Recall"),
                            roc ? _("True-positive rate") : C_("metric", "Precision"));
      if (self->label != NULL)
        {
          const EadPlotLegendEntry entry = { self->label, color, FALSE };
          /* ROC curves climb on the left, precision falls on the right:
           * the legend sits where the curve leaves room. */
          double top = roc ? frame.bottom - 2 * ead_plot_text_height (widget) - 30.0 : frame.top;
          ead_plot_draw_legend (widget, cr, frame.right, top, &entry, 1, &foreground);
        }
    }
  cairo_destroy (cr);
}

static void
ead_curve_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 140;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 320 : 260;
}

static void
ead_curve_plot_finalize (GObject *object)
{
  EadCurvePlot *self = EAD_CURVE_PLOT (object);

  g_free (self->label);
  g_array_unref (self->points);

  G_OBJECT_CLASS (ead_curve_plot_parent_class)->finalize (object);
}

static void
ead_curve_plot_class_init (EadCurvePlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ead_curve_plot_finalize;
  widget_class->snapshot = ead_curve_plot_snapshot;
  widget_class->measure = ead_curve_plot_measure;

  gtk_widget_class_set_css_name (widget_class, "curveplot");
}

static void
ead_curve_plot_init (EadCurvePlot *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (EadCurvePoint));
  self->threshold = INFINITY;
}

GtkWidget *
ead_curve_plot_new (EadCurvePlotKind kind)
{
  EadCurvePlot *self = g_object_new (EAD_TYPE_CURVE_PLOT, NULL);

  self->kind = kind;
  return GTK_WIDGET (self);
}

void
ead_curve_plot_set_kind (EadCurvePlot *self, EadCurvePlotKind kind)
{
  g_return_if_fail (EAD_IS_CURVE_PLOT (self));

  self->kind = kind;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_curve_plot_set_curve (EadCurvePlot *self, const EadCurve *curve, const char *label)
{
  g_return_if_fail (EAD_IS_CURVE_PLOT (self));

  g_array_set_size (self->points, 0);
  g_clear_pointer (&self->label, g_free);
  self->n_positives = curve != NULL ? curve->n_positives : 0;
  self->n_negatives = curve != NULL ? curve->n_negatives : 0;
  if (curve != NULL)
    {
      g_array_append_vals (self->points, curve->points->data, curve->points->len);
      self->label = g_strdup (label);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_curve_plot_set_threshold (EadCurvePlot *self, double threshold)
{
  g_return_if_fail (EAD_IS_CURVE_PLOT (self));

  self->threshold = threshold;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

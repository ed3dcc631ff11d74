/* test-gui-loss-plot.c: the loss plot and the plots' shared ticks, under Xvfb. */

#include <math.h>

#include "ead-gui-test.h"
#include "ead-loss-plot.h"
#include "ead-plot.h"

static const char *series[] = { "total", "hard", "penalty", "ae", "stae" };

static void
test_ticks (void)
{
  double ticks[16], step;
  guint n;

  n = ead_plot_linear_ticks (0.0, 2000.0, 6, ticks, G_N_ELEMENTS (ticks), &step);
  g_assert_cmpfloat (step, ==, 500.0);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpfloat (ticks[0], ==, 0.0);
  g_assert_cmpfloat (ticks[4], ==, 2000.0);

  n = ead_plot_linear_ticks (-0.13, 0.42, 5, ticks, G_N_ELEMENTS (ticks), &step);
  g_assert_cmpfloat (step, ==, 0.1);
  g_assert_cmpuint (n, ==, 6);
  g_assert_cmpfloat_with_epsilon (ticks[0], -0.1, 1e-12);
  g_assert_cmpfloat (ticks[1], ==, 0.0);

  /* An empty range still gets its one value. */
  n = ead_plot_linear_ticks (3.0, 3.0, 5, ticks, G_N_ELEMENTS (ticks), &step);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (ticks[0], ==, 3.0);

  /* Training steps: four steps get four ticks, not half steps between. */
  n = ead_plot_integer_ticks (1.0, 4.0, 6, ticks, G_N_ELEMENTS (ticks), &step);
  g_assert_cmpfloat (step, ==, 1.0);
  g_assert_cmpuint (n, ==, 4);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat (ticks[i], ==, 1.0 + i);
  n = ead_plot_integer_ticks (0.0, 2000.0, 6, ticks, G_N_ELEMENTS (ticks), &step);
  g_assert_cmpfloat (step, ==, 500.0);
  g_assert_cmpuint (n, ==, 5);

  g_autofree char *whole = ead_plot_format_tick (1500.0, 500.0);
  g_autofree char *tenths = ead_plot_format_tick (0.3, 0.1);
  g_autofree char *tiny = ead_plot_format_tick (2e-5, 1e-5);
  g_assert_cmpstr (whole, ==, "1500");
  g_assert_cmpstr (tenths, ==, "0.3");
  g_assert_cmpstr (tiny, ==, "2e-05");
}

static void
test_extent (void)
{
  g_autoptr (EadLossPlot) plot = g_object_ref_sink (EAD_LOSS_PLOT (ead_loss_plot_new ()));
  double step_min, step_max, loss_min, loss_max;

  g_assert_false (ead_loss_plot_get_extent (plot, NULL, NULL, NULL, NULL));

  ead_loss_plot_append (plot, "total", 0, 3.2);
  ead_loss_plot_append (plot, "total", 100, 0.045);
  /* Zero, negative and NaN losses cannot sit on a log axis. */
  ead_loss_plot_append (plot, "penalty", 50, 0.0);
  ead_loss_plot_append (plot, "penalty", 60, -1.0);
  ead_loss_plot_append (plot, "penalty", 70, NAN);
  g_assert_true (ead_loss_plot_get_extent (plot, &step_min, &step_max, &loss_min, &loss_max));
  g_assert_cmpfloat (step_min, ==, 0.0);
  g_assert_cmpfloat (step_max, ==, 100.0);
  g_assert_cmpfloat_with_epsilon (loss_min, 0.01, 1e-12);
  g_assert_cmpfloat_with_epsilon (loss_max, 10.0, 1e-12);
  g_assert_cmpuint (ead_loss_plot_get_n_series (plot), ==, 2);
  g_assert_cmpuint (ead_loss_plot_get_n_points (plot, "penalty"), ==, 3);

  /* A single decade still spans one. */
  ead_loss_plot_clear (plot);
  ead_loss_plot_append (plot, "total", 5, 2.0);
  g_assert_true (ead_loss_plot_get_extent (plot, &step_min, &step_max, &loss_min, &loss_max));
  g_assert_cmpfloat (step_max, ==, 6.0);
  g_assert_cmpfloat (loss_min, ==, 1.0);
  g_assert_cmpfloat (loss_max, ==, 10.0);
}

static void
test_draw (void)
{
  EadLossPlot *plot = EAD_LOSS_PLOT (ead_loss_plot_new ());
  GtkWindow *window = ead_gui_test_show (GTK_WIDGET (plot), 640, 360);
  GdkRGBA color;
  guint8 first[3];

  /* Empty, it says so and draws no line. */
  ead_plot_series_color (0, &color);
  first[0] = (guint8) lround (color.red * 255);
  first[1] = (guint8) lround (color.green * 255);
  first[2] = (guint8) lround (color.blue * 255);
  g_autoptr (GdkTexture) empty = ead_gui_test_snapshot (GTK_WIDGET (plot), "loss-plot-empty");
  g_assert_cmpuint (ead_gui_test_count_color (empty, first, 10), ==, 0);

  /* Appended as training would, 2,000 steps of five decaying losses. */
  for (guint i = 0; i < G_N_ELEMENTS (series); i++)
    ead_loss_plot_add_series (plot, series[i], series[i]);
  for (int step = 0; step < 2000; step++)
    for (guint i = 0; i < G_N_ELEMENTS (series); i++)
      {
        double value = (i + 1) * 0.8 * exp (-step / (300.0 + 200 * i)) + 0.002 * (i + 1)
                       + 0.01 * (i + 1) * fabs (sin (step * 0.37 + i));
        ead_loss_plot_append (plot, series[i], step, value);
      }
  ead_gui_test_wait_drawn (GTK_WIDGET (plot));
  g_autoptr (GdkTexture) texture = ead_gui_test_snapshot (GTK_WIDGET (plot), "loss-plot");
  g_assert_cmpuint (ead_loss_plot_get_n_points (plot, "stae"), ==, 2000);
  g_assert_cmpuint (ead_gui_test_count_color (texture, first, 10), >, 300);

  /* A past run replaces the points at once. */
  double steps[] = { 0, 1, 2 }, values[] = { 1.0, 0.5, 0.25 };
  ead_loss_plot_set_points (plot, "total", steps, values, G_N_ELEMENTS (steps));
  g_assert_cmpuint (ead_loss_plot_get_n_points (plot, "total"), ==, 3);
  gtk_window_destroy (window);
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/loss-plot/ticks", test_ticks);
  g_test_add_func ("/loss-plot/extent", test_extent);
  g_test_add_func ("/loss-plot/draw", test_draw);
  return g_test_run ();
}

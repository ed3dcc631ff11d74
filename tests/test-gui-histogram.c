/* test-gui-histogram.c: the histogram with two distributions and markers, under Xvfb. */

#include <math.h>

#include "ead-gui-test.h"
#include "ead-histogram.h"
#include "ead-plot.h"

#define N 4000

/* Normally distributed values from a fixed seed (Box-Muller). */
static float *
normal_values (guint32 seed, double mean, double sd, gsize n)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  float *values = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    {
      double u = g_rand_double_range (rand, 1e-12, 1.0), v = g_rand_double (rand);
      values[i] = (float) (mean + sd * sqrt (-2 * log (u)) * cos (2 * G_PI * v));
    }
  return values;
}

static void
color_of (guint index, guint8 rgb[3])
{
  GdkRGBA color;

  ead_plot_series_color (index, &color);
  rgb[0] = (guint8) lround (color.red * 255);
  rgb[1] = (guint8) lround (color.green * 255);
  rgb[2] = (guint8) lround (color.blue * 255);
}

static void
test_extent (void)
{
  g_autoptr (EadHistogram) histogram = g_object_ref_sink (EAD_HISTOGRAM (ead_histogram_new ()));
  float values[] = { 1.0f, 2.0f, NAN, 3.0f, INFINITY };
  guint64 counts[] = { 1, 5, 2 };
  double low, high;

  g_assert_false (ead_histogram_get_extent (histogram, &low, &high));

  /* Non-finite values are left out. */
  ead_histogram_set_values (histogram, 0, "good", values, G_N_ELEMENTS (values));
  g_assert_true (ead_histogram_get_extent (histogram, &low, &high));
  g_assert_cmpfloat (low, <, 1.0);
  g_assert_cmpfloat (low, >, 0.9);
  g_assert_cmpfloat (high, >, 3.0);
  g_assert_cmpfloat (high, <, 3.1);

  /* Precomputed counts and markers widen the range. */
  ead_histogram_set_counts (histogram, 1, "anomalous", 2.0, 5.0, counts, G_N_ELEMENTS (counts));
  ead_histogram_set_marker (histogram, "threshold", -1.0);
  g_assert_true (ead_histogram_get_extent (histogram, &low, &high));
  g_assert_cmpfloat (low, <, -1.0);
  g_assert_cmpfloat (high, >, 5.0);

  /* Setting a marker again moves it; removing it narrows the range back. */
  ead_histogram_set_marker (histogram, "threshold", 2.5);
  g_assert_true (ead_histogram_get_extent (histogram, &low, &high));
  g_assert_cmpfloat (low, >, 0.5);
  ead_histogram_remove_marker (histogram, "threshold");

  ead_histogram_clear (histogram);
  g_assert_false (ead_histogram_get_extent (histogram, &low, &high));
}

static void
test_draw (void)
{
  EadHistogram *histogram = EAD_HISTOGRAM (ead_histogram_new ());
  g_autofree float *good = normal_values (1, 0.0, 0.05, N);
  g_autofree float *anomalous = normal_values (2, 0.35, 0.12, N / 8);
  GtkWindow *window = ead_gui_test_show (GTK_WIDGET (histogram), 560, 300);
  guint8 first[3], second[3];

  color_of (0, first);
  color_of (1, second);
  g_autoptr (GdkTexture) empty = ead_gui_test_snapshot (GTK_WIDGET (histogram),
                                                        "histogram-empty");
  g_assert_cmpuint (ead_gui_test_count_color (empty, first, 10), ==, 0);

  ead_histogram_set_values (histogram, 0, "good", good, N);
  ead_histogram_set_values (histogram, 1, "anomalous", anomalous, N / 8);
  ead_histogram_set_marker (histogram, "q_a", 0.064);
  ead_histogram_set_marker (histogram, "q_b", 0.13);
  ead_gui_test_wait_drawn (GTK_WIDGET (histogram));
  g_autoptr (GdkTexture) texture = ead_gui_test_snapshot (GTK_WIDGET (histogram), "histogram");

  /* Both distributions are drawn, each of a fair size though the second
   * has an eighth of the values: densities compare by shape. */
  g_assert_cmpuint (ead_gui_test_count_color (texture, first, 10), >, 100);
  g_assert_cmpuint (ead_gui_test_count_color (texture, second, 10), >, 100);
  gtk_window_destroy (window);
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/histogram/extent", test_extent);
  g_test_add_func ("/histogram/draw", test_draw);
  return g_test_run ();
}

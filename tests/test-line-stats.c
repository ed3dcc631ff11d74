/* test-line-stats.c: the Line view's decisions, counts, and latency and
 * throughput over the last minute. */

#include <math.h>

#include "ead-line-stats.h"

#define SECOND G_USEC_PER_SEC

static void
test_decide_one_threshold (void)
{
  /* As core decides: anomalous at the threshold and above. */
  g_assert_cmpint (ead_line_decide (0.2999, 0.3, NAN), ==, EAD_LINE_PASS);
  g_assert_cmpint (ead_line_decide (0.3, 0.3, NAN), ==, EAD_LINE_FAIL);
  g_assert_cmpint (ead_line_decide (5.0, 0.3, NAN), ==, EAD_LINE_FAIL);
  g_assert_cmpint (ead_line_decide (-1.0, 0.3, NAN), ==, EAD_LINE_PASS);
}

static void
test_decide_band (void)
{
  /* A second threshold above the model's: the band between re-checks. */
  g_assert_cmpint (ead_line_decide (0.29, 0.3, 0.5), ==, EAD_LINE_PASS);
  g_assert_cmpint (ead_line_decide (0.3, 0.3, 0.5), ==, EAD_LINE_RECHECK);
  g_assert_cmpint (ead_line_decide (0.49, 0.3, 0.5), ==, EAD_LINE_RECHECK);
  g_assert_cmpint (ead_line_decide (0.5, 0.3, 0.5), ==, EAD_LINE_FAIL);
  /* Below it: parts the model would pass, but only just, re-check. */
  g_assert_cmpint (ead_line_decide (0.19, 0.3, 0.2), ==, EAD_LINE_PASS);
  g_assert_cmpint (ead_line_decide (0.25, 0.3, 0.2), ==, EAD_LINE_RECHECK);
  g_assert_cmpint (ead_line_decide (0.3, 0.3, 0.2), ==, EAD_LINE_FAIL);
  /* Both equal: no band at all. */
  g_assert_cmpint (ead_line_decide (0.3, 0.3, 0.3), ==, EAD_LINE_FAIL);
  g_assert_cmpint (ead_line_decide (0.29, 0.3, 0.3), ==, EAD_LINE_PASS);
}

static void
test_counts (void)
{
  g_autoptr (EadLineStats) stats = ead_line_stats_new (0);
  const EadLineOutcome outcomes[] = { EAD_LINE_PASS, EAD_LINE_FAIL, EAD_LINE_PASS,
                                      EAD_LINE_ERROR, EAD_LINE_RECHECK, EAD_LINE_PASS };
  EadLineWindow window;

  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    ead_line_stats_add (stats, outcomes[i], (i + 1) * SECOND, 10.0);
  g_assert_cmpuint (ead_line_stats_count (stats, EAD_LINE_PASS), ==, 3);
  g_assert_cmpuint (ead_line_stats_count (stats, EAD_LINE_FAIL), ==, 1);
  g_assert_cmpuint (ead_line_stats_count (stats, EAD_LINE_RECHECK), ==, 1);
  g_assert_cmpuint (ead_line_stats_count (stats, EAD_LINE_ERROR), ==, 1);
  /* An error is no inspection, and has no latency. */
  g_assert_cmpuint (ead_line_stats_inspected (stats), ==, 5);
  ead_line_stats_window (stats, 6 * SECOND, &window);
  g_assert_cmpuint (window.n, ==, 5);
}

static void
test_empty_window (void)
{
  g_autoptr (EadLineStats) stats = ead_line_stats_new (0);
  EadLineWindow window;

  ead_line_stats_add (stats, EAD_LINE_ERROR, SECOND, 1.0);
  ead_line_stats_window (stats, 2 * SECOND, &window);
  g_assert_cmpuint (window.n, ==, 0);
  g_assert_true (isnan (window.latency_p50_ms));
  g_assert_true (isnan (window.latency_p95_ms));
  g_assert_cmpfloat (window.per_minute, ==, 0.0);
}

static void
test_percentiles (void)
{
  g_autoptr (EadLineStats) stats = ead_line_stats_new (0);
  EadLineWindow window;

  /* Latencies 1..100 ms, in a shuffled order. */
  for (guint i = 0; i < 100; i++)
    ead_line_stats_add (stats, EAD_LINE_PASS, SECOND + i * 1000, 1 + (i * 37) % 100);
  ead_line_stats_window (stats, 2 * SECOND, &window);
  g_assert_cmpuint (window.n, ==, 100);
  /* Linear between order statistics: positions 49.5 and 94.05. */
  g_assert_cmpfloat_with_epsilon (window.latency_p50_ms, 50.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (window.latency_p95_ms, 95.05, 1e-4);
}

static void
test_last_minute (void)
{
  g_autoptr (EadLineStats) stats = ead_line_stats_new (0);
  EadLineWindow window;

  /* Two slow images early, then one a second, fast. */
  ead_line_stats_add (stats, EAD_LINE_PASS, 1 * SECOND, 900.0);
  ead_line_stats_add (stats, EAD_LINE_FAIL, 2 * SECOND, 900.0);
  for (guint s = 10; s <= 100; s++)
    ead_line_stats_add (stats, EAD_LINE_PASS, s * SECOND, 20.0);

  /* At 100 s the window holds the minute after 40 s: sixty images a
   * minute, the slow ones forgotten; the counts keep everything. */
  ead_line_stats_window (stats, 100 * SECOND, &window);
  g_assert_cmpuint (window.n, ==, 60);
  g_assert_cmpfloat_with_epsilon (window.per_minute, 60.0, 1e-9);
  g_assert_cmpfloat (window.latency_p95_ms, ==, 20.0);
  g_assert_cmpuint (ead_line_stats_inspected (stats), ==, 93);

  /* The line stopped: a minute later nothing is left in the window. */
  ead_line_stats_window (stats, 160 * SECOND, &window);
  g_assert_cmpuint (window.n, ==, 0);
  g_assert_cmpfloat (window.per_minute, ==, 0.0);
  g_assert_cmpuint (ead_line_stats_inspected (stats), ==, 93);
}

static void
test_first_seconds (void)
{
  g_autoptr (EadLineStats) stats = ead_line_stats_new (10 * SECOND);
  EadLineWindow window;

  /* Ten images in the first five seconds are 120 a minute, not 10. */
  for (guint i = 0; i < 10; i++)
    ead_line_stats_add (stats, EAD_LINE_PASS, 10 * SECOND + i * SECOND / 2, 30.0);
  ead_line_stats_window (stats, 15 * SECOND, &window);
  g_assert_cmpfloat_with_epsilon (window.per_minute, 120.0, 1e-9);
  /* Within the first second, as over one second. */
  g_autoptr (EadLineStats) fresh = ead_line_stats_new (0);
  ead_line_stats_add (fresh, EAD_LINE_PASS, SECOND / 10, 30.0);
  ead_line_stats_window (fresh, SECOND / 10, &window);
  g_assert_cmpfloat_with_epsilon (window.per_minute, 60.0, 1e-9);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/line-stats/decide-one-threshold", test_decide_one_threshold);
  g_test_add_func ("/line-stats/decide-band", test_decide_band);
  g_test_add_func ("/line-stats/counts", test_counts);
  g_test_add_func ("/line-stats/empty-window", test_empty_window);
  g_test_add_func ("/line-stats/percentiles", test_percentiles);
  g_test_add_func ("/line-stats/last-minute", test_last_minute);
  g_test_add_func ("/line-stats/first-seconds", test_first_seconds);
  return g_test_run ();
}

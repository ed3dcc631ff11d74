/* ead-line-stats.c: decisions, counts and the last minute's statistics. */

#include "ead-line-stats.h"

#include <math.h>

#include "ead-quantile.h"

typedef struct {
  gint64 done_us;
  float latency_ms;
} Scored;

struct _EadLineStats {
  gint64 start_us;
  guint counts[EAD_LINE_N_OUTCOMES];
  GArray *recent;   /* Scored, oldest first */
};

EadLineOutcome
ead_line_decide (double score, double threshold, double recheck)
{
  if (isnan (recheck))
    return score >= threshold ? EAD_LINE_FAIL : EAD_LINE_PASS;
  if (score >= MAX (threshold, recheck))
    return EAD_LINE_FAIL;
  return score >= MIN (threshold, recheck) ? EAD_LINE_RECHECK : EAD_LINE_PASS;
}

EadLineStats *
ead_line_stats_new (gint64 start_us)
{
  EadLineStats *stats = g_new0 (EadLineStats, 1);

  stats->start_us = start_us;
  stats->recent = g_array_new (FALSE, FALSE, sizeof (Scored));
  return stats;
}

void
ead_line_stats_free (EadLineStats *stats)
{
  if (stats == NULL)
    return;
  g_array_unref (stats->recent);
  g_free (stats);
}

/* Forgets the scores that left the window ending at @now_us. */
static void
drop_old (EadLineStats *stats, gint64 now_us)
{
  guint old = 0;

  while (old < stats->recent->len
         && g_array_index (stats->recent, Scored, old).done_us <= now_us - EAD_LINE_WINDOW_US)
    old++;
  g_array_remove_range (stats->recent, 0, old);
}

void
ead_line_stats_add (EadLineStats *stats, EadLineOutcome outcome, gint64 done_us,
                    double latency_ms)
{
  g_return_if_fail (outcome < EAD_LINE_N_OUTCOMES);

  stats->counts[outcome]++;
  if (outcome == EAD_LINE_ERROR)
    return;
  Scored scored = { done_us, (float) latency_ms };
  g_array_append_val (stats->recent, scored);
  drop_old (stats, done_us);
}

guint
ead_line_stats_count (const EadLineStats *stats, EadLineOutcome outcome)
{
  g_return_val_if_fail (outcome < EAD_LINE_N_OUTCOMES, 0);

  return stats->counts[outcome];
}

guint
ead_line_stats_inspected (const EadLineStats *stats)
{
  return stats->counts[EAD_LINE_PASS] + stats->counts[EAD_LINE_FAIL]
         + stats->counts[EAD_LINE_RECHECK];
}

void
ead_line_stats_window (EadLineStats *stats, gint64 now_us, EadLineWindow *window)
{
  drop_old (stats, now_us);
  guint n = stats->recent->len;
  g_autofree float *latencies = g_new (float, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    latencies[i] = g_array_index (stats->recent, Scored, i).latency_ms;

  /* A second at least, so that the first image is no thousands a minute. */
  gint64 span_us = CLAMP (now_us - stats->start_us, G_USEC_PER_SEC, EAD_LINE_WINDOW_US);
  window->n = n;
  window->latency_p50_ms = ead_quantile_inplace (latencies, n, 0.5);
  window->latency_p95_ms = ead_quantile_inplace (latencies, n, 0.95);
  window->per_minute = n * (60.0 * G_USEC_PER_SEC) / span_us;
}

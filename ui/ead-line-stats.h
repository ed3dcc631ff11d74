/* ead-line-stats.h: the Line view's arithmetic: each part's decision from
 * its score, the running counts, and latency and throughput over the last
 * minute. Plain GLib, so that its tests need no display. */
#pragma once

#include <glib.h>

#include "ead-project.h"

G_BEGIN_DECLS

/* What became of a part: core's decision (EadLineDecision: EAD_LINE_PASS,
 * _FAIL, _RECHECK, the band between the two thresholds), or... */
typedef int EadLineOutcome;
/* ...a file that could not be scored. */
#define EAD_LINE_ERROR (EAD_LINE_RECHECK + 1)
#define EAD_LINE_N_OUTCOMES (EAD_LINE_ERROR + 1)

/* The decision for @score: FAIL at or above @threshold, as core decides,
 * PASS below it. With a second threshold @recheck (NaN for none), scores
 * from the lower of the two up to the higher are RE-CHECK instead, so
 * either may be the larger. */
EadLineOutcome ead_line_decide (double score, double threshold, double recheck);

/* The statistics' window: scores older than this count no more in the
 * latency and throughput. */
#define EAD_LINE_WINDOW_US (60 * G_USEC_PER_SEC)

typedef struct {
  guint n;                 /* images scored within the window */
  double latency_p50_ms;   /* NaN when n is 0 */
  double latency_p95_ms;
  double per_minute;       /* n over the window, or over the time since the
                            * start when that is shorter, per minute */
} EadLineWindow;

typedef struct _EadLineStats EadLineStats;

/* Counting from @start_us (a monotonic time, g_get_monotonic_time()). */
EadLineStats *ead_line_stats_new (gint64 start_us);
void ead_line_stats_free (EadLineStats *stats);

/* One file handled at @done_us, @latency_ms after it arrived. Errors count,
 * but only scored images enter the window. */
void ead_line_stats_add (EadLineStats *stats, EadLineOutcome outcome, gint64 done_us,
                         double latency_ms);

guint ead_line_stats_count (const EadLineStats *stats, EadLineOutcome outcome);

/* Images scored: passed, failed and re-checked; errors are not among them. */
guint ead_line_stats_inspected (const EadLineStats *stats);

/* The window ending at @now_us. */
void ead_line_stats_window (EadLineStats *stats, gint64 now_us, EadLineWindow *window);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadLineStats, ead_line_stats_free)

G_END_DECLS

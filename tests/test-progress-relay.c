/* test-progress-relay.c: a worker's progress reaches the main context as its
 * newest counts, coalesced, and never after the relay stops. */

#include "ead-progress-relay.h"

#define N_POSTS 200000

typedef struct {
  guint n_reports;
  guint phase, done, total;
  gint64 first_us, last_us;
  gint64 shortest_gap_us;
} Reports;

static void
record (guint phase, guint done, guint total, gpointer user_data)
{
  Reports *reports = user_data;
  gint64 now = g_get_monotonic_time ();

  if (reports->n_reports > 0)
    reports->shortest_gap_us = MIN (reports->shortest_gap_us, now - reports->last_us);
  else
    reports->first_us = now;
  reports->last_us = now;
  reports->n_reports++;
  reports->phase = phase;
  reports->done = done;
  reports->total = total;
}

typedef struct {
  EadProgressRelay *relay;
  gint finished;
} Poster;

/* Posts for about half a second, far faster than anyone can look. */
static gpointer
post_many (gpointer data)
{
  Poster *poster = data;

  for (guint i = 1; i <= N_POSTS; i++)
    {
      ead_progress_relay_post (poster->relay, i < N_POSTS / 2 ? 0 : 1, i, N_POSTS);
      if (i % 1000 == 0)
        g_usleep (2500);
    }
  g_atomic_int_set (&poster->finished, TRUE);
  return NULL;
}

/* The main context, busy while a thread posts, sees reports spaced about a
 * thirtieth of a second apart (less the main loop's millisecond clock), the
 * last one with the newest counts. */
static void
test_coalesces (void)
{
  Reports reports = { .shortest_gap_us = G_MAXINT64 };
  g_autoptr (EadProgressRelay) relay = ead_progress_relay_new (record, &reports);
  Poster poster = { relay, FALSE };
  gint64 started = g_get_monotonic_time ();
  GThread *worker = g_thread_new ("poster", post_many, &poster);

  while (!g_atomic_int_get (&poster.finished))
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (200);
  g_thread_join (worker);
  /* The last post queued at most one report; let it run. */
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (reports.done != N_POSTS && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (200);
  gint64 elapsed_us = g_get_monotonic_time () - started;

  g_test_message ("%u reports of %d posts in %.0f ms, the closest %.1f ms apart",
                  reports.n_reports, N_POSTS, elapsed_us / 1000.0,
                  reports.shortest_gap_us / 1000.0);
  g_assert_cmpuint (reports.done, ==, N_POSTS);
  g_assert_cmpuint (reports.total, ==, N_POSTS);
  g_assert_cmpuint (reports.phase, ==, 1);
  g_assert_cmpuint (reports.n_reports, >, 1);
  g_assert_cmpint (reports.shortest_gap_us, >=, G_USEC_PER_SEC / 30 - 2000);
  g_assert_cmpuint (reports.n_reports, <=, elapsed_us / (G_USEC_PER_SEC / 30 - 2000) + 1);
  ead_progress_relay_stop (relay);
}

/* A report already queued when the job ends does not run. */
static void
test_stop_drops_queued (void)
{
  Reports reports = { .shortest_gap_us = G_MAXINT64 };
  g_autoptr (EadProgressRelay) relay = ead_progress_relay_new (record, &reports);

  ead_progress_relay_post (relay, 0, 1, 2);
  ead_progress_relay_stop (relay);
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 10;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (reports.n_reports, ==, 0);

  /* Nor does one posted after. */
  ead_progress_relay_post (relay, 0, 2, 2);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (reports.n_reports, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/progress-relay/coalesces", test_coalesces);
  g_test_add_func ("/progress-relay/stop-drops-queued", test_stop_drops_queued);
  return g_test_run ();
}

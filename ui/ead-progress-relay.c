/* ead-progress-relay.c: a worker's newest progress, coalesced into at most
 * one queued report in the main context. */

#include "ead-progress-relay.h"

/* About thirty reports a second: smooth to the eye, cheap for the loop. */
#define REPORT_INTERVAL_US (G_USEC_PER_SEC / 30)

struct _EadProgressRelay {
  GMainContext *context;
  GMutex lock;
  /* Under the lock: */
  EadProgressReport report;   /* NULL once stopped */
  gpointer user_data;
  guint phase, done, total;
  gboolean queued;
  gint64 last_report_us;
};

static void
relay_clear (EadProgressRelay *relay)
{
  g_main_context_unref (relay->context);
  g_mutex_clear (&relay->lock);
}

EadProgressRelay *
ead_progress_relay_new (EadProgressReport report, gpointer user_data)
{
  g_return_val_if_fail (report != NULL, NULL);

  EadProgressRelay *relay = g_atomic_rc_box_new0 (EadProgressRelay);

  relay->context = g_main_context_ref_thread_default ();
  g_mutex_init (&relay->lock);
  relay->report = report;
  relay->user_data = user_data;
  return relay;
}

EadProgressRelay *
ead_progress_relay_ref (EadProgressRelay *relay)
{
  return g_atomic_rc_box_acquire (relay);
}

void
ead_progress_relay_unref (EadProgressRelay *relay)
{
  g_atomic_rc_box_release_full (relay, (GDestroyNotify) relay_clear);
}

static gboolean
deliver (gpointer data)
{
  EadProgressRelay *relay = data;
  EadProgressReport report;
  guint phase, done, total;

  g_mutex_lock (&relay->lock);
  relay->queued = FALSE;
  relay->last_report_us = g_get_monotonic_time ();
  report = relay->report;
  phase = relay->phase;
  done = relay->done;
  total = relay->total;
  g_mutex_unlock (&relay->lock);

  /* Stopping happens in this context too, so the report cannot race it. */
  if (report != NULL)
    report (phase, done, total, relay->user_data);
  return G_SOURCE_REMOVE;
}

void
ead_progress_relay_post (EadProgressRelay *relay, guint phase, guint done, guint total)
{
  g_return_if_fail (relay != NULL);

  g_mutex_lock (&relay->lock);
  relay->phase = phase;
  relay->done = done;
  relay->total = total;
  if (!relay->queued && relay->report != NULL)
    {
      gint64 wait_us = relay->last_report_us + REPORT_INTERVAL_US - g_get_monotonic_time ();
      GSource *source = g_timeout_source_new ((MAX (wait_us, 0) + 999) / 1000);

      relay->queued = TRUE;
      g_source_set_callback (source, deliver, ead_progress_relay_ref (relay),
                             (GDestroyNotify) ead_progress_relay_unref);
      g_source_attach (source, relay->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&relay->lock);
}

void
ead_progress_relay_stop (EadProgressRelay *relay)
{
  g_return_if_fail (relay != NULL);

  g_mutex_lock (&relay->lock);
  relay->report = NULL;
  g_mutex_unlock (&relay->lock);
}

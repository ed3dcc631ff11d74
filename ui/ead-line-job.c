/* ead-line-job.c: one worker thread scoring the files of a watched folder
 * in the order they arrived. */

#include "ead-line-job.h"

#include <glib/gi18n.h>

#include "ead-heatmap.h"
#include "ead-progress-relay.h"
#include "ead-watch.h"

/* How long the worker waits for a file, or for resuming, before it looks
 * whether it was stopped. */
#define POLL_US (G_USEC_PER_SEC / 10)

typedef struct {
  char *path;
  gint64 arrived_us;
} Arrival;

struct _EadLineJob {
  EadLineSettings settings;
  char *project_path;
  GCancellable *cancellable;
  EadProgressRelay *relay;
  GAsyncQueue *arrivals;   /* Arrival, from the main thread to the worker */
  GAsyncQueue *results;    /* EadLineResult, from the worker to the main thread */
  gint waiting;            /* atomic: pushed, not yet taken to be scored */
  GMutex lock;
  GCond resumed;
  gboolean paused;         /* under the lock */

  /* The main thread's. */
  EadLineResultsReady ready;
  EadLineJobFailed failed;
  gpointer user_data;
  gboolean stopped;
};

void
ead_line_result_free (EadLineResult *result)
{
  if (result == NULL)
    return;
  g_free (result->path);
  g_clear_error (&result->error);
  g_clear_pointer (&result->image, ead_image_free);
  ead_score_result_clear (&result->maps);
  g_clear_pointer (&result->overlay, ead_image_free);
  g_free (result);
}

static void
arrival_free (Arrival *arrival)
{
  g_free (arrival->path);
  g_free (arrival);
}

static void
job_clear (EadLineJob *job)
{
  g_free (job->settings.folder);
  g_free (job->project_path);
  g_object_unref (job->cancellable);
  ead_progress_relay_unref (job->relay);
  g_async_queue_unref (job->arrivals);
  g_async_queue_unref (job->results);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->resumed);
}

static EadLineJob *
job_ref (EadLineJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
job_unref (EadLineJob *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) job_clear);
}

/* Waits while the job is paused; FALSE once it is stopped. */
static gboolean
wait_resumed (EadLineJob *job)
{
  g_mutex_lock (&job->lock);
  while (job->paused && !g_cancellable_is_cancelled (job->cancellable))
    g_cond_wait_until (&job->resumed, &job->lock, g_get_monotonic_time () + POLL_US);
  g_mutex_unlock (&job->lock);
  return !g_cancellable_is_cancelled (job->cancellable);
}

/* Scores the image in @contents, the bytes of the file at @result's path,
 * into @result. */
static gboolean
score (EadLineJob *job, EadModel *model, GBytes *contents, EadLineResult *result,
       GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (contents, &size);
  result->image = ead_image_load_from_data (data, size, result->path, error);
  if (result->image == NULL
      || !ead_model_score (model, result->image, job->settings.precision, EAD_SCORE_MAPS,
                           &result->maps, error))
    return FALSE;
  result->score = result->maps.score;
  result->map_high = ead_heatmap_high (model);
  result->overlay = ead_heatmap_overlay (result->image, result->maps.fused, 0.0,
                                         result->map_high, 0.6);
  return TRUE;
}

/* What follows a decision: the reject's map saved, the image, @contents,
 * filed into the folder named after the decision. */
static gboolean
file_away (EadLineJob *job, GBytes *contents, EadLineResult *result, GError **error)
{
  if (result->outcome == EAD_LINE_FAIL && job->settings.save_reject_maps)
    {
      g_autofree char *maps = g_build_filename (job->settings.folder, "maps", NULL);
      g_autofree char *saved = ead_watch_save_map (result->overlay, maps, result->path, error);
      if (saved == NULL)
        return FALSE;
    }
  if (job->settings.filing == EAD_LINE_LEAVE)
    return TRUE;
  g_autofree char *folder = g_build_filename (job->settings.folder,
                                              ead_line_decision_to_string (result->outcome), NULL);
  g_autofree char *filed = ead_watch_file_away (result->path, contents, folder,
                                                job->settings.filing == EAD_LINE_COPY, error);
  return filed != NULL;
}

/* Keeps the scored image, @contents, in the project's line split, unless
 * the project holds it already. */
static gboolean
keep (EadLineJob *job, EadProject *project, GBytes *contents, EadLineResult *result,
      GError **error)
{
  g_autoptr (GError) local_error = NULL;

  result->kept_image = ead_project_keep_line_image (project, result->path, contents,
                                                    job->settings.model_id, &result->maps,
                                                    result->outcome, &local_error);
  if (result->kept_image != 0
      || g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_EXIST))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Takes up what the project holds for the model now: recalibrated or
 * reweighted in the Calibration view while the line runs, the next file is
 * scored and decided as the Calibration view shows it. */
static gboolean
follow_calibration (EadLineJob *job, EadProject *project, EadModel *model, GError **error)
{
  if (!ead_project_update_calibration (project, job->settings.model_id, model, error))
    return FALSE;
  if (ead_model_has_threshold (model))
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The model has no threshold since it was recalibrated: choose one in "
                         "the Calibration view"));
  return FALSE;
}

/* Scores, decides, keeps (when the settings say so) and files one arrival. */
static EadLineResult *
inspect (EadLineJob *job, EadModel *model, EadProject *project, Arrival *arrival)
{
  EadLineResult *result = g_new0 (EadLineResult, 1);
  g_autoptr (GBytes) contents = NULL;

  result->path = g_steal_pointer (&arrival->path);
  /* Read once: what is kept and filed is what was scored, even if the file
   * changes meanwhile. */
  if (follow_calibration (job, project, model, &result->error)
      && (contents = ead_watch_read (result->path, &result->error))
      && score (job, model, contents, result, &result->error))
    {
      result->threshold = ead_model_get_threshold (model);
      result->outcome = ead_line_decide (result->score, result->threshold, job->settings.recheck);
    }
  else
    result->outcome = EAD_LINE_ERROR;
  result->done_us = g_get_monotonic_time ();
  result->latency_ms = (result->done_us - arrival->arrived_us) / 1000.0;
  /* A file scored but not kept or filed keeps its decision and says why. */
  if (result->outcome != EAD_LINE_ERROR
      && (!job->settings.keep_in_project
          || keep (job, project, contents, result, &result->error)))
    file_away (job, contents, result, &result->error);
  return result;
}

static void
line_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  EadLineJob *job = task_data;
  GError *error = NULL;
  /* A connection of the worker's own, to follow the model's calibration
   * and to keep images. */
  g_autoptr (EadProject) project = ead_project_reopen (job->project_path, &error);
  g_autoptr (EadModel) model = NULL;
  guint done = 0;

  if (project != NULL)
    model = ead_project_load_model (project, job->settings.model_id, &error);
  if (model == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  while (wait_resumed (job))
    {
      Arrival *arrival = g_async_queue_timeout_pop (job->arrivals, POLL_US);
      if (arrival == NULL)
        continue;
      /* Paused while the worker waited for this file, it holds the file
       * until resumed; stopped, it leaves it queued with the others. */
      if (!wait_resumed (job))
        {
          g_async_queue_push_front (job->arrivals, arrival);
          break;
        }
      g_atomic_int_add (&job->waiting, -1);
      g_async_queue_push (job->results, inspect (job, model, project, arrival));
      arrival_free (arrival);
      ead_progress_relay_post (job->relay, 0, ++done, 0);
    }
  g_task_return_boolean (task, TRUE);
}

static void
line_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EadLineJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) && !job->stopped)
    job->failed (error, job->user_data);
}

static void
results_ready (guint phase, guint done, guint total, gpointer user_data)
{
  EadLineJob *job = user_data;

  job->ready (job->user_data);
}

EadLineJob *
ead_line_job_start (EadSession *session, const EadLineSettings *settings,
                    EadLineResultsReady ready, EadLineJobFailed failed, gpointer user_data)
{
  EadProject *project = ead_session_get_project (session);
  g_autoptr (GTask) task = NULL;

  g_return_val_if_fail (project != NULL, NULL);

  EadLineJob *job = g_atomic_rc_box_new0 (EadLineJob);
  job->settings = *settings;
  job->settings.folder = g_strdup (settings->folder);
  job->project_path = g_strdup (ead_project_get_path (project));
  job->cancellable = g_cancellable_new ();
  job->relay = ead_progress_relay_new (results_ready, job);
  job->arrivals = g_async_queue_new_full ((GDestroyNotify) arrival_free);
  job->results = g_async_queue_new_full ((GDestroyNotify) ead_line_result_free);
  g_mutex_init (&job->lock);
  g_cond_init (&job->resumed);
  job->ready = ready;
  job->failed = failed;
  job->user_data = user_data;

  task = g_task_new (session, job->cancellable, line_finished, NULL);
  g_task_set_source_tag (task, ead_line_job_start);
  g_task_set_task_data (task, job_ref (job), (GDestroyNotify) job_unref);
  g_task_run_in_thread (task, line_thread);
  return job;
}

void
ead_line_job_push (EadLineJob *job, const char *path)
{
  Arrival *arrival = g_new (Arrival, 1);

  arrival->path = g_strdup (path);
  arrival->arrived_us = g_get_monotonic_time ();
  g_atomic_int_inc (&job->waiting);
  g_async_queue_push (job->arrivals, arrival);
}

EadLineResult *
ead_line_job_pop (EadLineJob *job)
{
  return g_async_queue_try_pop (job->results);
}

guint
ead_line_job_get_waiting (EadLineJob *job)
{
  return (guint) g_atomic_int_get (&job->waiting);
}

void
ead_line_job_set_paused (EadLineJob *job, gboolean paused)
{
  g_mutex_lock (&job->lock);
  job->paused = paused;
  g_cond_broadcast (&job->resumed);
  g_mutex_unlock (&job->lock);
}

void
ead_line_job_stop (EadLineJob *job)
{
  job->stopped = TRUE;
  ead_progress_relay_stop (job->relay);
  g_cancellable_cancel (job->cancellable);
  ead_line_job_set_paused (job, FALSE);
  job_unref (job);
}

/* ead-project-train.c: the worker that trains a run in its own connection:
 * it claims the run, keeps the loss curve and the engine's checkpoints in
 * the project, and records how the run ended. */

#include "ead-project-private.h"

#include "ead-error.h"
#include "ead-tiles.h"

/* A run's configuration as engine parameters; the strings and the stored
 * checkpoint are owned here. */
typedef struct {
  EadTrainParams params;
  char *teacher;
  char *penalty_dir;
  EadRoi *roi;   /* the project's as the session starts */
} RunConfig;

static void
run_config_clear (RunConfig *config)
{
  g_free (config->teacher);
  g_free (config->penalty_dir);
  ead_roi_free (config->roi);
  g_clear_pointer (&config->params.resume_from, g_bytes_unref);
}

static gboolean
read_run_config (EadProject *project, gint64 run_id, RunConfig *config, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT model_size, image_size, steps, seed, precision, teacher, penalty_dir,"
    "       checkpoint_every, learning_rate, weight_decay, coalesce (minutes, 0),"
    "       validate_every, patience, tiles FROM runs WHERE id = ?", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, run_id);
  if (!ead_project_one_row (project, s, error, "run %" G_GINT64_FORMAT, run_id))
    return FALSE;
  EadTrainParams *p = &config->params;
  ead_train_params_init (p);
  ead_model_size_from_string ((const char *) sqlite3_column_text (s, 0), &p->size);
  p->image_size = sqlite3_column_int (s, 1);
  p->steps = sqlite3_column_int (s, 2);
  p->seed = (guint64) sqlite3_column_int64 (s, 3);
  p->precision = ead_project_precision_from_string ((const char *) sqlite3_column_text (s, 4));
  config->teacher = ead_project_column_text (s, 5);
  config->penalty_dir = ead_project_column_text (s, 6);
  p->teacher_path = config->teacher;
  p->penalty_dir = config->penalty_dir;
  p->checkpoint_every = sqlite3_column_int (s, 7);
  p->learning_rate = sqlite3_column_double (s, 8);
  p->weight_decay = sqlite3_column_double (s, 9);
  p->minutes = sqlite3_column_double (s, 10);
  p->validate_every = sqlite3_column_int (s, 11);
  p->patience = sqlite3_column_int (s, 12);
  p->tiles = sqlite3_column_int (s, 13);
  g_autoptr (GError) local_error = NULL;
  config->roi = ead_project_get_roi (project, NULL, NULL, &local_error);
  if (local_error)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  p->roi = config->roi;
  return TRUE;
}

static gboolean
check_run_can_start (EadProject *project, gint64 run_id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT state, owner FROM runs WHERE id = ?", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, run_id);
  if (!ead_project_one_row (project, s, error, "run %" G_GINT64_FORMAT, run_id))
    return FALSE;
  const char *state = (const char *) sqlite3_column_text (s, 0);
  const char *owner = (const char *) sqlite3_column_text (s, 1);
  if (g_str_equal (state, "finished"))
    g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "%s: run %" G_GINT64_FORMAT
                 " is finished", project->path, run_id);
  else if (g_str_equal (state, "running") && !ead_project_owner_is_gone (owner))
    g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "%s: run %" G_GINT64_FORMAT
                 " is being trained by process %s", project->path, run_id, owner);
  else
    return TRUE;
  return FALSE;
}

/* The run trains on the images it first started with, so that a resumed
 * run sees the same ones whatever was imported in between. */
static gboolean
choose_run_images (EadProject *project, gint64 run_id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT INTO run_images (run_id, image_id, role)"
    " SELECT ?, image_id, split FROM labels"
    " WHERE label = 'good' AND split IN ('train', 'validation')"
    "   AND NOT EXISTS (SELECT 1 FROM run_images WHERE run_id = ?)", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, run_id);
  sqlite3_bind_int64 (s, 2, run_id);
  return ead_project_step_statement (project, s, error);
}

/* Marks the run as running in this process and forgets the loss curve past
 * its checkpoint, which training repeats. */
static gboolean
claim_run (EadProject *project, gint64 run_id, GError **error)
{
  g_autoptr (sqlite3_stmt) claim = ead_project_prepare (project,
    "UPDATE runs SET state = 'running', owner = ?, started_at = coalesce (started_at, ?),"
    "                finished_at = NULL, error = NULL WHERE id = ?", error);
  g_autoptr (sqlite3_stmt) forget = claim ? ead_project_prepare (project,
    "DELETE FROM losses WHERE run_id = ?1"
    " AND step > coalesce ((SELECT step FROM checkpoints WHERE run_id = ?1), 0)", error) : NULL;
  if (!forget || !ead_project_begin (project, error))
    return FALSE;
  g_autofree char *owner = ead_project_owner ();
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_text (claim, 1, owner, -1, SQLITE_STATIC);
  sqlite3_bind_text (claim, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (claim, 3, run_id);
  sqlite3_bind_int64 (forget, 1, run_id);
  if (!check_run_can_start (project, run_id, error)
      || !ead_project_step_statement (project, claim, error)
      || !ead_project_step_statement (project, forget, error)
      || !choose_run_images (project, run_id, error))
    {
      ead_project_rollback (project);
      return FALSE;
    }
  return ead_project_commit (project, error);
}

static gboolean
set_run_state (EadProject *project, gint64 run_id, EadRunState state, const char *message,
               GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "UPDATE runs SET state = ?, error = ?, owner = NULL,"
    "                finished_at = CASE WHEN ? THEN ? END WHERE id = ?", error);
  if (!s)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_text (s, 1, ead_run_state_to_string (state), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, message, -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 3, state == EAD_RUN_FINISHED || state == EAD_RUN_FAILED
                          || state == EAD_RUN_CANCELLED);
  sqlite3_bind_text (s, 4, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 5, run_id);
  return ead_project_step_statement (project, s, error);
}

/* The stored checkpoint, for the engine to resume from, in @checkpoint
 * (NULL when there is none) and its step in @step (0 then). The curve so far
 * ends there, and @seconds receives the training time up to it. */
static gboolean
restore_checkpoint (EadProject *project, gint64 run_id, GBytes **checkpoint, int *step,
                    double *seconds, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT c.data, c.step, l.seconds FROM checkpoints c"
    " LEFT JOIN losses l ON l.run_id = c.run_id AND l.step = c.step WHERE c.run_id = ?", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, run_id);
  *step = 0;
  *seconds = 0;
  gboolean found;
  if (!ead_project_maybe_row (project, s, &found, error))
    return FALSE;
  if (!found)
    return TRUE;
  *step = sqlite3_column_int (s, 1);
  *seconds = sqlite3_column_double (s, 2);
  *checkpoint = g_bytes_new (sqlite3_column_blob (s, 0), sqlite3_column_bytes (s, 0));
  return TRUE;
}

/* The run's images of @role, decoded and brought to @size. */
static GPtrArray *
load_run_images (EadProject *project, gint64 run_id, const char *role, int size,
                 GCancellable *cancellable, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT image_id FROM run_images WHERE run_id = ? AND role = ? ORDER BY image_id", error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, run_id);
  sqlite3_bind_text (s, 2, role, -1, SQLITE_STATIC);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      const gint64 id = sqlite3_column_int64 (s, 0);
      g_array_append_val (ids, id);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return ead_project_load_images_at_size (project, ids, size, cancellable, error);
}

/* One training session of a run in a worker thread. */
typedef struct {
  EadProject *project;      /* the worker's own connection */
  gint64 run_id;
  EadTrainParams *params;
  double seconds_offset;    /* training time before this session */
  EadTrainCallback progress;
  gpointer progress_data;
  GCancellable *cancellable;   /* the caller's, or cancelled when writing fails */
  GError *write_error;
  int checkpoint_step;      /* of the stored checkpoint */
  GBytes *pending;          /* the engine's latest checkpoint, until it is stored */
  int pending_step;
  int steps;                /* the run's length as stored */
} Session;

/* The engine's checkpoint sink: it hands over a due checkpoint before it
 * reports the step, which stores both at once (record_step), and one more
 * when cancelled (keep_cancel_checkpoint). */
static gboolean
hold_checkpoint (GBytes *checkpoint, int step, gpointer user_data, GError **error)
{
  Session *s = user_data;
  g_clear_pointer (&s->pending, g_bytes_unref);
  s->pending = g_bytes_ref (checkpoint);
  s->pending_step = step;
  return TRUE;
}

/* Stores the pending checkpoint in the run's blob. */
static gboolean
store_checkpoint (Session *s, GError **error)
{
  g_autoptr (sqlite3_stmt) st = ead_project_prepare (s->project,
    "INSERT OR REPLACE INTO checkpoints (run_id, step, saved_at, data) VALUES (?, ?, ?, ?)",
    error);
  if (!st)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_int64 (st, 1, s->run_id);
  sqlite3_bind_int (st, 2, s->pending_step);
  sqlite3_bind_text (st, 3, now, -1, SQLITE_STATIC);
  sqlite3_bind_blob64 (st, 4, g_bytes_get_data (s->pending, NULL), g_bytes_get_size (s->pending),
                       SQLITE_STATIC);
  return ead_project_step_statement (s->project, st, error);
}

/* After a successful store the pending checkpoint is the stored one. */
static void
checkpoint_stored (Session *s)
{
  s->checkpoint_step = s->pending_step;
  g_clear_pointer (&s->pending, g_bytes_unref);
}

static gboolean
insert_loss (Session *s, const EadTrainProgress *p, double seconds, GError **error)
{
  g_autoptr (sqlite3_stmt) st = ead_project_prepare (s->project,
    "INSERT INTO losses (run_id, step, total, hard, penalty, ae, stae, learning_rate, seconds,"
    "                    validation)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  g_autoptr (sqlite3_stmt) time = st ? ead_project_prepare (s->project,
    "UPDATE runs SET train_seconds = ? WHERE id = ?", error) : NULL;
  if (!time)
    return FALSE;
  sqlite3_bind_int64 (st, 1, s->run_id);
  sqlite3_bind_int (st, 2, p->done);
  sqlite3_bind_double (st, 3, p->losses.total);
  sqlite3_bind_double (st, 4, p->losses.hard);
  sqlite3_bind_double (st, 5, p->losses.penalty);
  sqlite3_bind_double (st, 6, p->losses.ae);
  sqlite3_bind_double (st, 7, p->losses.stae);
  sqlite3_bind_double (st, 8, p->losses.learning_rate);
  sqlite3_bind_double (st, 9, seconds);
  sqlite3_bind_double (st, 10, p->validation);
  sqlite3_bind_double (time, 1, seconds);
  sqlite3_bind_int64 (time, 2, s->run_id);
  return ead_project_step_statement (s->project, st, error)
         && ead_project_step_statement (s->project, time, error);
}

/* The step count a time budget fixed becomes the run's, once. */
static gboolean
record_budget_steps (Session *s, const EadTrainProgress *p, GError **error)
{
  if (p->total == 0 || p->total == s->steps)
    return TRUE;
  g_autoptr (sqlite3_stmt) st = ead_project_prepare (s->project,
    "UPDATE runs SET steps = ? WHERE id = ?", error);
  if (!st)
    return FALSE;
  sqlite3_bind_int (st, 1, p->total);
  sqlite3_bind_int64 (st, 2, s->run_id);
  if (!ead_project_step_statement (s->project, st, error))
    return FALSE;
  s->steps = p->total;
  return TRUE;
}

/* The step's point on the curve and its checkpoint, if one is due, in one
 * transaction: the checkpoint and the curve always agree. */
static gboolean
record_step (Session *s, const EadTrainProgress *p, GError **error)
{
  gboolean checkpoint = s->pending && s->pending_step == p->done;
  if (!ead_project_begin (s->project, error))
    return FALSE;
  if (!record_budget_steps (s, p, error)
      || !insert_loss (s, p, s->seconds_offset + p->seconds, error)
      || (checkpoint && !store_checkpoint (s, error)))
    {
      ead_project_rollback (s->project);
      return FALSE;
    }
  if (!ead_project_commit (s->project, error))
    return FALSE;
  if (checkpoint)
    checkpoint_stored (s);
  return TRUE;
}

static gboolean
record_phase_time (Session *s, const char *column, double seconds, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE runs SET %s = ? WHERE id = ?", column);
  g_autoptr (sqlite3_stmt) st = ead_project_prepare (s->project, sql, error);
  if (!st)
    return FALSE;
  sqlite3_bind_double (st, 1, seconds);
  sqlite3_bind_int64 (st, 2, s->run_id);
  return ead_project_step_statement (s->project, st, error);
}

static gboolean
record_progress (Session *s, const EadTrainProgress *p, GError **error)
{
  gboolean phase_done = p->total > 0 && p->done == p->total;
  switch (p->phase)
    {
    case EAD_TRAIN_STEPS:
      return record_step (s, p, error);
    case EAD_TRAIN_TEACHER:
      return !phase_done || record_phase_time (s, "teacher_seconds", p->seconds, error);
    case EAD_TRAIN_CALIBRATING:
      return !phase_done || record_phase_time (s, "calibration_seconds", p->seconds, error);
    case EAD_TRAIN_LOADING:
    default:
      return TRUE;
    }
}

static void
on_progress (const EadTrainProgress *p, gpointer user_data)
{
  Session *s = user_data;
  if (!s->write_error && !record_progress (s, p, &s->write_error))
    g_cancellable_cancel (s->cancellable);
  if (s->progress)
    s->progress (p, s->progress_data);
}

/* After a cancel the engine hands over a checkpoint of where it stopped. */
static gboolean
keep_cancel_checkpoint (Session *s, GError **error)
{
  if (!s->pending || s->pending_step <= s->checkpoint_step)
    return TRUE;
  if (!store_checkpoint (s, error))
    return FALSE;
  checkpoint_stored (s);
  return TRUE;
}

/* Records how a session that produced no model ended, and leaves in @stop
 * what the caller reports: a failed write of the curve, or a checkpoint that
 * could not be kept after a cancel, rather than the cancel it caused. */
static void
record_stop (Session *s, GError **stop)
{
  g_autoptr (GError) unkept = NULL;
  if (s->write_error)
    {
      g_clear_error (stop);
      g_propagate_error (stop, g_steal_pointer (&s->write_error));
    }
  else if (g_error_matches (*stop, EAD_ERROR, EAD_ERROR_CANCELLED)
           && !keep_cancel_checkpoint (s, &unkept))
    {
      g_clear_error (stop);
      g_propagate_prefixed_error (stop, g_steal_pointer (&unkept),
                                  "the checkpoint at step %d could not be kept: ",
                                  s->pending_step);
    }
  EadRunState state = EAD_RUN_FAILED;
  if (g_error_matches (*stop, EAD_ERROR, EAD_ERROR_CANCELLED))
    state = s->checkpoint_step > 0 ? EAD_RUN_PAUSED : EAD_RUN_CANCELLED;
  g_autoptr (GError) error = NULL;
  if (!set_run_state (s->project, s->run_id, state,
                      state == EAD_RUN_FAILED ? (*stop)->message : NULL, &error))
    g_warning ("%s", error->message);
}

/* Stores the model, finishes the run and drops its checkpoint at once. */
static gint64
store_model (Session *s, EadModel *model, guint n_validation, GError **error)
{
  g_autoptr (sqlite3_stmt) drop = ead_project_prepare (s->project,
    "DELETE FROM checkpoints WHERE run_id = ?", error);
  if (!drop || !ead_project_begin (s->project, error))
    return 0;
  sqlite3_bind_int64 (drop, 1, s->run_id);
  gint64 model_id = ead_project_insert_model (s->project, s->run_id, model,
                                              s->params->precision, n_validation, error);
  if (!model_id || !ead_project_step_statement (s->project, drop, error)
      || !set_run_state (s->project, s->run_id, EAD_RUN_FINISHED, NULL, error))
    {
      ead_project_rollback (s->project);
      return 0;
    }
  if (!ead_project_commit (s->project, error))
    return 0;
  return model_id;
}

static gint64
finish_run (Session *s, EadModel *model, guint n_validation, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gint64 model_id = store_model (s, model, n_validation, &local_error);
  if (!model_id)
    {
      record_stop (s, &local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }
  /* The space of the checkpoint goes back; the validation maps are for the
   * calibration view, and a failure there leaves a finished model that
   * ead_project_calibrate() can complete. */
  if (!ead_project_exec (s->project, "PRAGMA incremental_vacuum", error)
      || !ead_project_store_validation (s->project, model_id, model, s->params->precision, NULL,
                                        NULL, NULL, error))
    return 0;
  return model_id;
}

static EadModel *
train_images (Session *s, guint *n_validation, GError **error)
{
  /* Resized once here to what the model sees, tiles included. */
  const int size = ead_tiles_resolution (s->params->image_size, s->params->tiles);
  g_autoptr (GPtrArray) train = load_run_images (s->project, s->run_id, "train", size,
                                                 s->cancellable, error);
  g_autoptr (GPtrArray) validation = train ? load_run_images (s->project, s->run_id,
                                                              "validation", size,
                                                              s->cancellable, error) : NULL;
  if (!validation)
    return NULL;
  *n_validation = validation->len;
  g_autofree char *name = g_path_get_basename (s->project->path);
  return ead_train_on_images (g_steal_pointer (&train), g_steal_pointer (&validation), name,
                              s->params, on_progress, s, s->cancellable, error);
}

static gint64
run_session (Session *s, GError **error)
{
  if (!claim_run (s->project, s->run_id, error))
    return 0;
  /* From here on the run is ours: however it ends, its state says so. */
  g_autoptr (GError) stop = NULL;
  guint n_validation = 0;
  g_autoptr (EadModel) model = NULL;
  if (restore_checkpoint (s->project, s->run_id, &s->params->resume_from,
                          &s->checkpoint_step, &s->seconds_offset, &stop))
    {
      s->params->resume = s->checkpoint_step > 0;
      model = train_images (s, &n_validation, &stop);
    }
  /* Cancelled while reading images, the run stops as it would at a step. */
  if (!model && g_error_matches (stop, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&stop);
      g_set_error_literal (&stop, EAD_ERROR, EAD_ERROR_CANCELLED,
                           "training cancelled before its first step");
    }
  if (!model)
    {
      record_stop (s, &stop);
      g_propagate_error (error, g_steal_pointer (&stop));
      return 0;
    }
  return finish_run (s, model, n_validation, error);
}

typedef struct {
  char *path;
  gint64 run_id;
  EadDevice device;
  EadTrainCallback progress;
  gpointer progress_data;
} TrainTask;

static void
train_task_free (TrainTask *task)
{
  g_free (task->path);
  g_free (task);
}

static void
cancel_other (GCancellable *cancellable, gpointer other)
{
  g_cancellable_cancel (other);
}

static gint64
train_in_worker (TrainTask *task, GCancellable *cancellable, GError **error)
{
  g_autoptr (EadProject) project = ead_project_reopen (task->path, error);
  if (!project)
    return 0;
  /* Training waits as long as it takes for other writers (a big import). */
  sqlite3_busy_timeout (project->db, G_MAXINT);
  RunConfig config = { 0 };
  if (!read_run_config (project, task->run_id, &config, error))
    {
      run_config_clear (&config);
      return 0;
    }
  config.params.device = task->device;
  config.params.checkpoint_sink = hold_checkpoint;
  Session s = {
    .project = project,
    .run_id = task->run_id,
    .params = &config.params,
    .progress = task->progress,
    .progress_data = task->progress_data,
    .cancellable = g_cancellable_new (),
    .steps = config.params.steps,
  };
  config.params.checkpoint_sink_data = &s;
  gulong handler = cancellable ? g_cancellable_connect (cancellable, G_CALLBACK (cancel_other),
                                                        s.cancellable, NULL)
                               : 0;
  gint64 model_id = run_session (&s, error);
  g_cancellable_disconnect (cancellable, handler);
  g_object_unref (s.cancellable);
  g_clear_error (&s.write_error);
  g_clear_pointer (&s.pending, g_bytes_unref);
  run_config_clear (&config);
  return model_id;
}

static void
train_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  gint64 model_id = train_in_worker (task_data, cancellable, &error);
  if (model_id > 0)
    g_task_return_int (task, model_id);
  else
    g_task_return_error (task, error);
}

void
ead_project_train_async (EadProject *project, gint64 run_id, EadDevice device,
                         EadTrainCallback progress, gpointer progress_data,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_return_if_fail (project != NULL);

  TrainTask *data = g_new0 (TrainTask, 1);
  data->path = g_strdup (project->path);
  data->run_id = run_id;
  data->device = device;
  data->progress = progress;
  data->progress_data = progress_data;
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ead_project_train_async);
  g_task_set_task_data (task, data, (GDestroyNotify) train_task_free);
  /* Cancelling stops training at the next step with a checkpoint, and the
   * result says so (or brings the model when training had just ended). */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, train_thread);
}

gint64
ead_project_train_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);
  gssize model_id = g_task_propagate_int (G_TASK (result), error);
  return model_id > 0 ? model_id : 0;
}

/* ead-project-runs.c: training runs' records: adding a run with its
 * configuration, and reading runs, loss curves and checkpoints back
 * (ead-project-train.c trains them). */

#include "ead-project-private.h"

#include <math.h>

gint64
ead_project_add_run (EadProject *project, const EadTrainParams *params, GError **error)
{
  g_return_val_if_fail (project != NULL && params != NULL, 0);

  /* A run that cannot start is never recorded. */
  if (!ead_train_params_check (params, error))
    return 0;
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT INTO runs (created_at, created_by, state, model_size, image_size, steps, seed,"
    "                  precision, teacher, penalty_dir, checkpoint_every, learning_rate,"
    "                  weight_decay, minutes, validate_every, patience, tiles)"
    " VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (!s)
    return 0;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_text (s, 1, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, ead_model_size_to_string (params->size), -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 4, params->image_size);
  sqlite3_bind_int (s, 5, params->steps);
  sqlite3_bind_int64 (s, 6, (gint64) params->seed);
  sqlite3_bind_text (s, 7, ead_project_precision_to_string (params->precision), -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (s, 8, params->teacher_path, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 9, params->penalty_dir, -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 10, params->checkpoint_every);
  sqlite3_bind_double (s, 11, params->learning_rate);
  sqlite3_bind_double (s, 12, params->weight_decay);
  if (params->minutes > 0)
    sqlite3_bind_double (s, 13, params->minutes);
  sqlite3_bind_int (s, 14, params->validate_every);
  sqlite3_bind_int (s, 15, params->patience);
  sqlite3_bind_int (s, 16, params->tiles);
  if (!ead_project_step_statement (project, s, error))
    return 0;
  return sqlite3_last_insert_rowid (project->db);
}

/* ---- Reading runs back ---- */

#define RUN_COLUMNS \
  "SELECT r.id, r.state, r.model_size, r.image_size, r.steps," \
  "       (SELECT max(step) FROM losses WHERE run_id = r.id)," \
  "       (SELECT step FROM checkpoints WHERE run_id = r.id)," \
  "       (SELECT id FROM models WHERE run_id = r.id)," \
  "       r.created_at, r.error, coalesce (r.minutes, 0), r.patience, r.tiles" \
  " FROM runs r"

static EadRunInfo
run_info_from_row (sqlite3_stmt *s)
{
  EadRunInfo info = {
    .id = sqlite3_column_int64 (s, 0),
    .image_size = sqlite3_column_int (s, 3),
    .steps = sqlite3_column_int (s, 4),
    .steps_done = sqlite3_column_int (s, 5),
    .checkpoint_step = sqlite3_column_int (s, 6),
    .model_id = sqlite3_column_int64 (s, 7),
    .created_at = ead_project_column_text (s, 8),
    .error = ead_project_column_text (s, 9),
    .minutes = sqlite3_column_double (s, 10),
    .patience = sqlite3_column_int (s, 11),
    .tiles = sqlite3_column_int (s, 12),
  };
  ead_run_state_from_string ((const char *) sqlite3_column_text (s, 1), &info.state);
  ead_model_size_from_string ((const char *) sqlite3_column_text (s, 2), &info.size);
  return info;
}

void
ead_run_info_clear (EadRunInfo *info)
{
  g_clear_pointer (&info->created_at, g_free);
  g_clear_pointer (&info->error, g_free);
}

static void
run_info_clear (gpointer data)
{
  ead_run_info_clear (data);
}

gboolean
ead_project_get_run (EadProject *project, gint64 run_id, EadRunInfo *info, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project, RUN_COLUMNS " WHERE r.id = ?", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, run_id);
  if (!ead_project_one_row (project, s, error, "run %" G_GINT64_FORMAT, run_id))
    return FALSE;
  *info = run_info_from_row (s);
  return TRUE;
}

GArray *
ead_project_list_runs (EadProject *project, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project, RUN_COLUMNS " ORDER BY r.id", error);
  if (!s)
    return NULL;
  g_autoptr (GArray) runs = g_array_new (FALSE, TRUE, sizeof (EadRunInfo));
  g_array_set_clear_func (runs, run_info_clear);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      EadRunInfo info = run_info_from_row (s);
      g_array_append_val (runs, info);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return g_steal_pointer (&runs);
}

/* SQLite keeps NaN as NULL. */
static double
column_double_or_nan (sqlite3_stmt *s, int column)
{
  return sqlite3_column_type (s, column) == SQLITE_NULL ? NAN : sqlite3_column_double (s, column);
}

GArray *
ead_project_get_losses (EadProject *project, gint64 run_id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT step, total, hard, penalty, ae, stae, learning_rate, seconds, validation"
    " FROM losses WHERE run_id = ? ORDER BY step", error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, run_id);
  g_autoptr (GArray) points = g_array_new (FALSE, TRUE, sizeof (EadLossPoint));
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      EadLossPoint point = {
        .step = sqlite3_column_int (s, 0),
        .losses = {
          .total = column_double_or_nan (s, 1),
          .hard = column_double_or_nan (s, 2),
          .penalty = column_double_or_nan (s, 3),
          .ae = column_double_or_nan (s, 4),
          .stae = column_double_or_nan (s, 5),
          .learning_rate = column_double_or_nan (s, 6),
        },
        .seconds = sqlite3_column_double (s, 7),
        .validation = column_double_or_nan (s, 8),
      };
      g_array_append_val (points, point);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return g_steal_pointer (&points);
}

GBytes *
ead_project_get_checkpoint (EadProject *project, gint64 run_id, int *step, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT step, data FROM checkpoints WHERE run_id = ?", error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, run_id);
  gboolean found;
  if (!ead_project_maybe_row (project, s, &found, error) || !found)
    return NULL;
  *step = sqlite3_column_int (s, 0);
  return g_bytes_new (sqlite3_column_blob (s, 1), sqlite3_column_bytes (s, 1));
}

/* ead-project-line.c: images kept from the line, each with the result and
 * the decision it got there. */

#include "ead-project-private.h"

#include "ead-error.h"

static gboolean
insert_inspection (EadProject *project, gint64 image_id, gint64 model_id, double score,
                   EadLineDecision decision, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT INTO line_inspections (image_id, model_id, score, decision, inspected_at)"
    " VALUES (?, ?, ?, ?, ?)", error);
  if (!s)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_int64 (s, 1, image_id);
  sqlite3_bind_int64 (s, 2, model_id);
  sqlite3_bind_double (s, 3, score);
  sqlite3_bind_text (s, 4, ead_line_decision_to_string (decision), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 5, now, -1, SQLITE_STATIC);
  return ead_project_step_statement (project, s, error);
}

gboolean
ead_project_check_chosen_split (int split, GError **error)
{
  if (split != EAD_SPLIT_LINE)
    return TRUE;
  g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
               "images join the line split only as the Line view scores them");
  return FALSE;
}

gint64
ead_project_keep_line_image (EadProject *project, const char *path, GBytes *contents,
                             gint64 model_id, const EadScoreResult *result,
                             EadLineDecision decision, GError **error)
{
  g_return_val_if_fail (contents != NULL && result->fused != NULL, 0);

  const EadImportOptions options = { .label = EAD_LABEL_UNLABELLED, .split = EAD_SPLIT_LINE };
  if (!ead_project_check_model (project, model_id, error) || !ead_project_begin (project, error))
    return 0;
  gint64 image_id = ead_project_import_contents_within (project, path, contents, &options,
                                                        error);
  if (image_id == 0
      || !ead_project_insert_result (project, model_id, image_id, result, error)
      || !insert_inspection (project, image_id, model_id, result->score, decision, error))
    {
      ead_project_rollback (project);
      return 0;
    }
  return ead_project_commit (project, error) ? image_id : 0;
}

void
ead_line_inspection_clear (EadLineInspection *inspection)
{
  g_clear_pointer (&inspection->inspected_at, g_free);
}

static void
line_inspection_clear (gpointer data)
{
  ead_line_inspection_clear (data);
}

GArray *
ead_project_list_line_inspections (EadProject *project, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT image_id, model_id, score, decision, inspected_at FROM line_inspections"
    " ORDER BY image_id", error);
  if (!s)
    return NULL;
  g_autoptr (GArray) inspections = g_array_new (FALSE, FALSE, sizeof (EadLineInspection));
  g_array_set_clear_func (inspections, line_inspection_clear);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      EadLineInspection inspection = {
        .image_id = sqlite3_column_int64 (s, 0),
        .model_id = sqlite3_column_int64 (s, 1),
        .score = sqlite3_column_double (s, 2),
        .inspected_at = ead_project_column_text (s, 4),
      };
      ead_line_decision_from_string ((const char *) sqlite3_column_text (s, 3),
                                     &inspection.decision);
      g_array_append_val (inspections, inspection);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return g_steal_pointer (&inspections);
}

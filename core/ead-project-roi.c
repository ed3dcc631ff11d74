/* ead-project-roi.c: the project's region of interest, which the runs
 * trained after it was set give to their models. */

#include "ead-project-private.h"

#include "ead-error.h"

gboolean
ead_project_set_roi (EadProject *project, const EadRoi *roi, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "INSERT OR REPLACE INTO roi (id, width, height, mask, source, changed_by, changed_at)"
    " VALUES (1, ?, ?, ?, ?, ?, ?)", error);
  if (!s)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  if (roi)
    {
      sqlite3_bind_int (s, 1, roi->width);
      sqlite3_bind_int (s, 2, roi->height);
      sqlite3_bind_blob64 (s, 3, roi->mask, (sqlite3_uint64) roi->width * roi->height,
                           SQLITE_STATIC);
      sqlite3_bind_text (s, 4, roi->source, -1, SQLITE_STATIC);
    }
  sqlite3_bind_text (s, 5, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 6, now, -1, SQLITE_STATIC);
  /* One statement: atomic without a transaction of its own. */
  return ead_project_step_statement (project, s, error);
}

/* The stored mask, checked as any mask from outside. */
static EadRoi *
roi_from_row (EadProject *project, sqlite3_stmt *s, GError **error)
{
  const int width = sqlite3_column_int (s, 0), height = sqlite3_column_int (s, 1);
  const void *mask = sqlite3_column_blob (s, 2);
  const gsize n_bytes = (gsize) sqlite3_column_bytes (s, 2);
  g_autoptr (GError) local_error = NULL;
  EadRoi *roi = NULL;
  if (width > 0 && height > 0 && n_bytes == (gsize) width * height)
    roi = ead_roi_new (mask, width, height, (const char *) sqlite3_column_text (s, 3),
                       &local_error);
  if (!roi)
    g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                 "%s: the stored region of interest is damaged%s%s", project->path,
                 local_error ? ": " : "", local_error ? local_error->message : "");
  return roi;
}

EadRoi *
ead_project_get_roi (EadProject *project, char **changed_by, char **changed_at, GError **error)
{
  if (changed_by)
    *changed_by = NULL;
  if (changed_at)
    *changed_at = NULL;
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT width, height, mask, source, changed_by, changed_at FROM roi WHERE id = 1", error);
  gboolean found = FALSE;
  if (!s || !ead_project_maybe_row (project, s, &found, error) || !found)
    return NULL;
  g_autoptr (EadRoi) roi = NULL;
  if (sqlite3_column_type (s, 2) != SQLITE_NULL && !(roi = roi_from_row (project, s, error)))
    return NULL;
  if (changed_by)
    *changed_by = ead_project_column_text (s, 4);
  if (changed_at)
    *changed_at = ead_project_column_text (s, 5);
  return g_steal_pointer (&roi);
}

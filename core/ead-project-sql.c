/* ead-project-sql.c: what the parts of the project layer share around
 * SQLite: errors, statements, transactions, and the values rows record
 * (times, users, hashes). */

#include "ead-project-private.h"

#include "ead-error.h"

G_DEFINE_QUARK (ead-project-error-quark, ead_project_error)

static EadProjectError
project_error_from_sqlite (int code)
{
  switch (code & 0xff)
    {
    case SQLITE_NOTADB:
      return EAD_PROJECT_ERROR_NOT_A_DATABASE;
    case SQLITE_CORRUPT:
      return EAD_PROJECT_ERROR_DAMAGED;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      return EAD_PROJECT_ERROR_ACCESS;
    case SQLITE_FULL:
      return EAD_PROJECT_ERROR_FULL;
    default:
      return EAD_PROJECT_ERROR_FAILED;
    }
}

void
ead_project_set_sqlite_error (sqlite3 *db, const char *path, GError **error)
{
  g_set_error (error, EAD_PROJECT_ERROR, project_error_from_sqlite (sqlite3_extended_errcode (db)),
               "%s: %s", path, sqlite3_errmsg (db));
}

gboolean
ead_project_fail (EadProject *project, GError **error)
{
  ead_project_set_sqlite_error (project->db, project->path, error);
  return FALSE;
}

gboolean
ead_project_exec (EadProject *project, const char *sql, GError **error)
{
  if (sqlite3_exec (project->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return ead_project_fail (project, error);
  return TRUE;
}

sqlite3_stmt *
ead_project_prepare (EadProject *project, const char *sql, GError **error)
{
  sqlite3_stmt *statement = NULL;
  if (sqlite3_prepare_v2 (project->db, sql, -1, &statement, NULL) != SQLITE_OK)
    {
      ead_project_fail (project, error);
      return NULL;
    }
  return statement;
}

gboolean
ead_project_step_statement (EadProject *project, sqlite3_stmt *statement, GError **error)
{
  int status = sqlite3_step (statement);
  sqlite3_reset (statement);
  if (status != SQLITE_DONE && status != SQLITE_ROW)
    return ead_project_fail (project, error);
  return TRUE;
}

gboolean
ead_project_done (EadProject *project, int status, GError **error)
{
  if (status != SQLITE_DONE)
    return ead_project_fail (project, error);
  return TRUE;
}

gboolean
ead_project_maybe_row (EadProject *project, sqlite3_stmt *statement, gboolean *found,
                       GError **error)
{
  int status = sqlite3_step (statement);
  *found = status == SQLITE_ROW;
  return *found || ead_project_done (project, status, error);
}

gboolean
ead_project_one_row (EadProject *project, sqlite3_stmt *statement, GError **error,
                     const char *format, ...)
{
  int status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    return TRUE;
  if (status != SQLITE_DONE)
    return ead_project_fail (project, error);
  va_list args;
  va_start (args, format);
  g_autofree char *what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "%s: there is no %s", project->path, what);
  return FALSE;
}

gboolean
ead_project_begin (EadProject *project, GError **error)
{
  return ead_project_exec (project, "BEGIN IMMEDIATE", error);
}

gboolean
ead_project_commit (EadProject *project, GError **error)
{
  if (ead_project_exec (project, "COMMIT", error))
    return TRUE;
  ead_project_rollback (project);
  return FALSE;
}

void
ead_project_rollback (EadProject *project)
{
  if (!sqlite3_get_autocommit (project->db))
    sqlite3_exec (project->db, "ROLLBACK", NULL, NULL, NULL);
}

char *
ead_project_column_text (sqlite3_stmt *statement, int column)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, column));
}

char *
ead_project_now (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format_iso8601 (now);
}

const char *
ead_project_user (void)
{
  return g_get_user_name ();
}

char *
ead_project_sha256 (const guint8 *data, gsize size)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
}

gboolean
ead_project_check_model (EadProject *project, gint64 model_id, GError **error)
{
  g_autoptr (sqlite3_stmt) statement = ead_project_prepare (project,
    "SELECT 1 FROM models WHERE id = ?", error);
  if (!statement)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, model_id);
  return ead_project_one_row (project, statement, error, "model %" G_GINT64_FORMAT, model_id);
}

/* ead-project.c: opening and creating project files: the checks before a
 * file is touched, the connections, and the runs a dead process left. */

#include "ead-project-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

/* How long a connection waits for another's write transaction. */
#define BUSY_TIMEOUT_MS 30000

/* ---- Checks before opening: read-only, so a refused file stays as it was ---- */

static gboolean
query_pragma_int (sqlite3 *db, const char *path, const char *sql, int *value, GError **error)
{
  sqlite3_stmt *statement = NULL;
  gboolean ok = sqlite3_prepare_v2 (db, sql, -1, &statement, NULL) == SQLITE_OK
                && sqlite3_step (statement) == SQLITE_ROW;
  if (ok)
    *value = sqlite3_column_int (statement, 0);
  else
    ead_project_set_sqlite_error (db, path, error);
  sqlite3_finalize (statement);
  return ok;
}

static gboolean
check_identity (sqlite3 *db, const char *path, GError **error)
{
  int application_id, version;
  if (!query_pragma_int (db, path, "PRAGMA application_id", &application_id, error))
    return FALSE;
  if (application_id != EAD_PROJECT_APPLICATION_ID)
    {
      g_set_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_NOT_A_PROJECT,
                   "%s: an SQLite database, but not an EfficientAD project", path);
      return FALSE;
    }
  if (!query_pragma_int (db, path, "PRAGMA user_version", &version, error))
    return FALSE;
  if (version > ead_project_get_schema_version ())
    {
      g_set_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_NEWER,
                   "%s: the project has schema version %d, newer than this program's %d; "
                   "open it with a newer efficientad", path, version,
                   ead_project_get_schema_version ());
      return FALSE;
    }
  return TRUE;
}

/* The first problem PRAGMA quick_check reports, on one line: its first row
 * lists them one per line after a "*** in database main ***" heading. */
static char *
first_problem (const char *report)
{
  g_auto (GStrv) lines = g_strsplit (report, "\n", -1);
  for (char **line = lines; *line; line++)
    if (**line && !g_str_has_prefix (*line, "***"))
      return g_strdup (*line);
  return g_strdup (report);
}

static gboolean
check_integrity (sqlite3 *db, const char *path, GError **error)
{
  sqlite3_stmt *statement = NULL;
  gboolean ok = FALSE;
  if (sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &statement, NULL) != SQLITE_OK
      || sqlite3_step (statement) != SQLITE_ROW)
    ead_project_set_sqlite_error (db, path, error);
  else if (!g_str_equal ((const char *) sqlite3_column_text (statement, 0), "ok"))
    {
      g_autofree char *problem = first_problem ((const char *) sqlite3_column_text (statement, 0));
      g_set_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_DAMAGED,
                   "%s: the project file is damaged (quick_check: %s)", path, problem);
    }
  else
    ok = TRUE;
  sqlite3_finalize (statement);
  return ok;
}

/* SQLite leaves the -wal and -shm files of a read-only connection behind. */
typedef struct {
  char *wal, *shm;
  gboolean had_wal, had_shm;
} SideFiles;

static void
side_files_init (SideFiles *side, const char *path)
{
  side->wal = g_strconcat (path, "-wal", NULL);
  side->shm = g_strconcat (path, "-shm", NULL);
  side->had_wal = g_file_test (side->wal, G_FILE_TEST_EXISTS);
  side->had_shm = g_file_test (side->shm, G_FILE_TEST_EXISTS);
}

static void
side_files_clear (SideFiles *side, gboolean remove_new)
{
  if (remove_new && !side->had_wal)
    g_remove (side->wal);
  if (remove_new && !side->had_shm)
    g_remove (side->shm);
  g_free (side->wal);
  g_free (side->shm);
}

/* SQLite cannot tell a missing file from one it may not open. */
static gboolean
check_exists (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_MISSING, "%s: no such project file", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_file (const char *path, GError **error)
{
  if (!check_exists (path, error))
    return FALSE;
  SideFiles side;
  side_files_init (&side, path);
  sqlite3 *db = NULL;
  gboolean ok;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      ead_project_set_sqlite_error (db, path, error);
      ok = FALSE;
    }
  else
    ok = check_identity (db, path, error) && check_integrity (db, path, error);
  sqlite3_close (db);
  side_files_clear (&side, !ok);
  return ok;
}

/* ---- Connections ---- */

static gboolean
configure (EadProject *project, GError **error)
{
  sqlite3_busy_timeout (project->db, BUSY_TIMEOUT_MS);
  return ead_project_exec (project, "PRAGMA journal_mode = WAL;"
                                    "PRAGMA synchronous = NORMAL;"
                                    "PRAGMA foreign_keys = ON;", error);
}

static EadProject *
connect_with_flags (const char *path, int flags, GError **error)
{
  g_autoptr (EadProject) project = g_new0 (EadProject, 1);
  project->path = g_strdup (path);
  if (sqlite3_open_v2 (path, &project->db, flags, NULL) != SQLITE_OK)
    {
      ead_project_fail (project, error);
      return NULL;
    }
  /* Checkpoints come and go by the hundred megabytes: a new file gives
   * their space back (this can only be chosen before WAL and tables). */
  if ((flags & SQLITE_OPEN_CREATE)
      && !ead_project_exec (project, "PRAGMA auto_vacuum = INCREMENTAL", error))
    return NULL;
  if (!configure (project, error))
    return NULL;
  return g_steal_pointer (&project);
}

EadProject *
ead_project_reopen (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_exists (path, error))
    return NULL;
  g_autoptr (EadProject) project = connect_with_flags (path, SQLITE_OPEN_READWRITE, error);
  /* Two PRAGMAs: cheap, and they catch a file replaced since it was opened. */
  if (!project || !check_identity (project->db, path, error))
    return NULL;
  return g_steal_pointer (&project);
}

static int
get_user_version (EadProject *project, GError **error)
{
  int version = -1;
  query_pragma_int (project->db, project->path, "PRAGMA user_version", &version, error);
  return version;
}

char *
ead_project_owner (void)
{
  return g_strdup_printf ("%s %d", g_get_host_name (), (int) getpid ());
}

gboolean
ead_project_owner_is_gone (const char *owner)
{
  g_auto (GStrv) parts = g_strsplit (owner ? owner : "", " ", 2);
  gint64 pid;
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_signed (parts[1], 10, 1, G_MAXINT, &pid, NULL))
    return TRUE;
  /* A process on another machine cannot be asked: it counts as alive. */
  if (!g_str_equal (parts[0], g_get_host_name ()))
    return FALSE;
  return kill ((pid_t) pid, 0) != 0 && errno == ESRCH;
}

/* A run left "running" by a process that is gone was interrupted. */
static gboolean
mark_interrupted_runs (EadProject *project, GError **error)
{
  g_autoptr (sqlite3_stmt) select = ead_project_prepare (project,
    "SELECT id, owner FROM runs WHERE state = 'running'", error);
  g_autoptr (sqlite3_stmt) update = select ? ead_project_prepare (project,
    "UPDATE runs SET state = 'interrupted' WHERE id = ? AND state = 'running'", error) : NULL;
  if (!update)
    return FALSE;
  int status;
  while ((status = sqlite3_step (select)) == SQLITE_ROW)
    if (ead_project_owner_is_gone ((const char *) sqlite3_column_text (select, 1)))
      {
        sqlite3_bind_int64 (update, 1, sqlite3_column_int64 (select, 0));
        if (!ead_project_step_statement (project, update, error))
          return FALSE;
      }
  return ead_project_done (project, status, error);
}

EadProject *
ead_project_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_file (path, error))
    return NULL;
  g_autoptr (EadProject) project = connect_with_flags (path, SQLITE_OPEN_READWRITE, error);
  if (!project)
    return NULL;
  int version = get_user_version (project, error);
  if (version < 0 || !ead_project_migrate (project, version, error)
      || !mark_interrupted_runs (project, error))
    return NULL;
  return g_steal_pointer (&project);
}

static EadProjectError
project_error_from_errno (int code)
{
  switch (code)
    {
    case EACCES:
    case EPERM:
    case EROFS:
      return EAD_PROJECT_ERROR_ACCESS;
    case ENOSPC:
    case EDQUOT:
      return EAD_PROJECT_ERROR_FULL;
    default:
      return EAD_PROJECT_ERROR_FAILED;
    }
}

/* Makes the empty file @path, which must not exist yet, not even as a
 * dangling link: nothing else's file is opened, or removed on failure. */
static gboolean
claim_new_file (const char *path, GError **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd >= 0 && close (fd) == 0)
    return TRUE;
  int saved = errno;
  if (fd >= 0)
    g_remove (path);
  if (saved == EEXIST)
    g_set_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_EXISTS, "%s: the file already exists", path);
  else
    g_set_error (error, EAD_PROJECT_ERROR, project_error_from_errno (saved),
                 "%s: cannot create: %s", path, g_strerror (saved));
  return FALSE;
}

EadProject *
ead_project_create (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!claim_new_file (path, error))
    return NULL;
  g_autoptr (EadProject) project = connect_with_flags (path, SQLITE_OPEN_READWRITE
                                                             | SQLITE_OPEN_CREATE, error);
  if (!project || !ead_project_migrate (project, 0, error))
    {
      g_clear_pointer (&project, ead_project_close);
      g_remove (path);
      return NULL;
    }
  return g_steal_pointer (&project);
}

void
ead_project_close (EadProject *project)
{
  if (!project)
    return;
  sqlite3_close (project->db);
  g_free (project->path);
  g_free (project);
}

const char *
ead_project_get_path (const EadProject *project)
{
  return project->path;
}

/* ead-project.c: opening and creating project files, the schema and its
 * migrations, and the helpers the other parts share. */

#include "ead-project-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "ead-error.h"

/* PRAGMA application_id: "EADP", so other SQLite files are told apart. */
#define APPLICATION_ID 0x45414450

/* How long a connection waits for another's write transaction. */
#define BUSY_TIMEOUT_MS 30000

/* Version 1: everything. Each later version appends a migration that
 * brings the previous one up to it; they are never edited once released. */
static const char *const migrations[] = {
  "PRAGMA application_id = " G_STRINGIFY (APPLICATION_ID) ";"

  "CREATE TABLE import_batches ("
  "  id INTEGER PRIMARY KEY,"
  "  imported_at TEXT NOT NULL,"
  "  imported_by TEXT NOT NULL,"
  "  sources TEXT NOT NULL);"

  "CREATE TABLE images ("
  "  id INTEGER PRIMARY KEY,"
  "  batch_id INTEGER NOT NULL REFERENCES import_batches (id),"
  "  sha256 TEXT NOT NULL UNIQUE,"
  "  file_name TEXT NOT NULL,"
  "  folder TEXT NOT NULL,"
  "  byte_size INTEGER NOT NULL,"
  "  width INTEGER NOT NULL CHECK (width > 0),"
  "  height INTEGER NOT NULL CHECK (height > 0),"
  "  channels INTEGER NOT NULL CHECK (channels IN (1, 3)));"
  "CREATE INDEX images_batch ON images (batch_id);"

  "CREATE TABLE image_files ("
  "  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,"
  "  data BLOB NOT NULL);"

  "CREATE TABLE thumbnails ("
  "  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,"
  "  width INTEGER NOT NULL,"
  "  height INTEGER NOT NULL,"
  "  png BLOB NOT NULL);"

  "CREATE TABLE defect_types ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE);"

  "CREATE TABLE labels ("
  "  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,"
  "  label TEXT NOT NULL CHECK (label IN ('unlabelled', 'good', 'anomalous')),"
  "  defect_type_id INTEGER REFERENCES defect_types (id),"
  "  split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),"
  "  changed_by TEXT NOT NULL,"
  "  changed_at TEXT NOT NULL,"
  "  CHECK (defect_type_id IS NULL OR label = 'anomalous'));"
  "CREATE INDEX labels_split_label ON labels (split, label);"

  "CREATE TABLE masks ("
  "  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,"
  "  png BLOB NOT NULL,"
  "  changed_by TEXT NOT NULL,"
  "  changed_at TEXT NOT NULL);"

  "CREATE TABLE runs ("
  "  id INTEGER PRIMARY KEY,"
  "  created_at TEXT NOT NULL,"
  "  created_by TEXT NOT NULL,"
  "  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'interrupted',"
  "                                        'finished', 'failed', 'cancelled')),"
  "  model_size TEXT NOT NULL CHECK (model_size IN ('small', 'medium')),"
  "  image_size INTEGER NOT NULL,"
  "  steps INTEGER NOT NULL CHECK (steps > 0),"
  "  seed INTEGER NOT NULL,"
  "  precision TEXT NOT NULL CHECK (precision IN ('fp32', 'bf16')),"
  "  teacher TEXT,"
  "  penalty_dir TEXT,"
  "  checkpoint_every INTEGER NOT NULL CHECK (checkpoint_every >= 0),"
  "  learning_rate REAL NOT NULL,"
  "  weight_decay REAL NOT NULL,"
  "  owner TEXT,"
  "  started_at TEXT,"
  "  finished_at TEXT,"
  "  teacher_seconds REAL,"
  "  train_seconds REAL,"
  "  calibration_seconds REAL,"
  "  error TEXT);"

  "CREATE TABLE run_images ("
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  image_id INTEGER NOT NULL REFERENCES images (id),"
  "  role TEXT NOT NULL CHECK (role IN ('train', 'validation')),"
  "  PRIMARY KEY (run_id, image_id)) WITHOUT ROWID;"
  "CREATE INDEX run_images_image ON run_images (image_id);"

  "CREATE TABLE losses ("
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  step INTEGER NOT NULL CHECK (step > 0),"
  "  total REAL,"
  "  hard REAL,"
  "  penalty REAL,"
  "  ae REAL,"
  "  stae REAL,"
  "  learning_rate REAL,"
  "  seconds REAL NOT NULL,"
  "  PRIMARY KEY (run_id, step)) WITHOUT ROWID;"

  "CREATE TABLE checkpoints ("
  "  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,"
  "  step INTEGER NOT NULL CHECK (step > 0),"
  "  saved_at TEXT NOT NULL,"
  "  data BLOB NOT NULL);"

  "CREATE TABLE models ("
  "  id INTEGER PRIMARY KEY,"
  "  run_id INTEGER NOT NULL UNIQUE REFERENCES runs (id) ON DELETE CASCADE,"
  "  created_at TEXT NOT NULL,"
  "  sha256 TEXT NOT NULL,"
  "  data BLOB NOT NULL);"

  "CREATE TABLE calibrations ("
  "  model_id INTEGER PRIMARY KEY REFERENCES models (id) ON DELETE CASCADE,"
  "  calibrated_at TEXT NOT NULL,"
  "  precision TEXT NOT NULL CHECK (precision IN ('fp32', 'bf16')),"
  "  n_validation INTEGER NOT NULL CHECK (n_validation > 0),"
  "  teacher_mean BLOB NOT NULL,"
  "  teacher_std BLOB NOT NULL,"
  "  st_start REAL NOT NULL,"
  "  st_end REAL NOT NULL,"
  "  ae_start REAL NOT NULL,"
  "  ae_end REAL NOT NULL,"
  "  CHECK (st_end > st_start AND ae_end > ae_start));"

  "CREATE TABLE map_histograms ("
  "  model_id INTEGER NOT NULL REFERENCES calibrations (model_id) ON DELETE CASCADE,"
  "  map TEXT NOT NULL CHECK (map IN ('local', 'global')),"
  "  low REAL NOT NULL,"
  "  high REAL NOT NULL,"
  "  counts BLOB NOT NULL,"
  "  PRIMARY KEY (model_id, map)) WITHOUT ROWID;"

  "CREATE TABLE thresholds ("
  "  model_id INTEGER PRIMARY KEY REFERENCES calibrations (model_id) ON DELETE CASCADE,"
  "  value REAL NOT NULL,"
  "  method TEXT NOT NULL CHECK (method IN ('value', 'f1-max', 'max-fpr')),"
  "  parameter REAL,"
  "  chosen_at TEXT NOT NULL,"
  "  chosen_by TEXT NOT NULL);"

  "CREATE TABLE results ("
  "  id INTEGER PRIMARY KEY,"
  "  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,"
  "  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,"
  "  score REAL NOT NULL,"
  "  milliseconds REAL NOT NULL,"
  "  scored_at TEXT NOT NULL,"
  "  UNIQUE (model_id, image_id));"
  "CREATE INDEX results_image ON results (image_id);"

  "CREATE VIEW result_decisions AS"
  "  SELECT r.id AS result_id,"
  "         CASE WHEN t.value IS NULL THEN NULL"
  "              WHEN r.score >= t.value THEN 'anomalous' ELSE 'good' END AS decision"
  "  FROM results r LEFT JOIN thresholds t ON t.model_id = r.model_id;"

  "CREATE TABLE result_maps ("
  "  result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,"
  "  map TEXT NOT NULL CHECK (map IN ('local', 'global', 'fused')),"
  "  width INTEGER NOT NULL CHECK (width > 0),"
  "  height INTEGER NOT NULL CHECK (height > 0),"
  "  low REAL NOT NULL,"
  "  high REAL NOT NULL,"
  "  data BLOB NOT NULL,"
  "  PRIMARY KEY (result_id, map));"

  "CREATE TABLE reviews ("
  "  result_id INTEGER PRIMARY KEY REFERENCES results (id) ON DELETE CASCADE,"
  "  verdict TEXT NOT NULL CHECK (verdict IN ('true-defect', 'false-positive',"
  "                                           'missed-defect', 'unsure')),"
  "  note TEXT,"
  "  reviewed_by TEXT NOT NULL,"
  "  reviewed_at TEXT NOT NULL);"
  "CREATE INDEX reviews_verdict ON reviews (verdict);"

  "CREATE TABLE exports ("
  "  id INTEGER PRIMARY KEY,"
  "  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,"
  "  exported_at TEXT NOT NULL,"
  "  exported_by TEXT NOT NULL,"
  "  format TEXT NOT NULL,"
  "  path TEXT NOT NULL,"
  "  byte_size INTEGER NOT NULL,"
  "  sha256 TEXT NOT NULL);"
  "CREATE INDEX exports_model ON exports (model_id);",

  /* Version 2: the metrics of a model's latest test, which need the
   * full-size maps and so cannot be recomputed from what results keep. */
  "CREATE TABLE test_metrics ("
  "  model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,"
  "  defect_type TEXT,"
  "  n_images INTEGER NOT NULL,"
  "  image_auroc REAL,"
  "  pixel_auroc REAL,"
  "  aupro REAL,"
  "  f1_max REAL,"
  "  threshold REAL,"
  "  tested_at TEXT NOT NULL);"
  "CREATE INDEX test_metrics_model ON test_metrics (model_id);",

  /* Version 3: a run's time budget (its steps are fixed once the speed is
   * known), the validation loss every validate_every steps, and early
   * stopping after patience validations without improvement. */
  "ALTER TABLE runs ADD COLUMN minutes REAL CHECK (minutes IS NULL OR minutes > 0);"
  "ALTER TABLE runs ADD COLUMN validate_every INTEGER NOT NULL DEFAULT 0"
  "  CHECK (validate_every >= 0);"
  "ALTER TABLE runs ADD COLUMN patience INTEGER NOT NULL DEFAULT 0 CHECK (patience >= 0);"
  "ALTER TABLE losses ADD COLUMN validation REAL;",
};

int
ead_project_get_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

/* ---- Helpers ---- */

static void
set_sqlite_error (sqlite3 *db, const char *path, GError **error)
{
  int code = sqlite3_errcode (db);
  EadErrorCode ead_code = code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? EAD_ERROR_BAD_FILE
                                                                          : EAD_ERROR_IO;
  g_set_error (error, EAD_ERROR, ead_code, "%s: %s", path, sqlite3_errmsg (db));
}

gboolean
ead_project_fail (EadProject *project, GError **error)
{
  set_sqlite_error (project->db, project->path, error);
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
ead_project_run (EadProject *project, sqlite3_stmt *statement, GError **error)
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
    set_sqlite_error (db, path, error);
  sqlite3_finalize (statement);
  return ok;
}

static gboolean
check_identity (sqlite3 *db, const char *path, GError **error)
{
  int application_id, version;
  if (!query_pragma_int (db, path, "PRAGMA application_id", &application_id, error))
    return FALSE;
  if (application_id != APPLICATION_ID)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: an SQLite database, but not an EfficientAD project", path);
      return FALSE;
    }
  if (!query_pragma_int (db, path, "PRAGMA user_version", &version, error))
    return FALSE;
  if (version > ead_project_get_schema_version ())
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
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
    set_sqlite_error (db, path, error);
  else if (!g_str_equal ((const char *) sqlite3_column_text (statement, 0), "ok"))
    {
      g_autofree char *problem = first_problem ((const char *) sqlite3_column_text (statement, 0));
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
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

static gboolean
check_file (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s: no such project file", path);
      return FALSE;
    }
  SideFiles side;
  side_files_init (&side, path);
  sqlite3 *db = NULL;
  gboolean ok;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      set_sqlite_error (db, path, error);
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

static gboolean
migrate (EadProject *project, int from, GError **error)
{
  const int to = ead_project_get_schema_version ();
  if (from == to)
    return TRUE;
  if (!ead_project_begin (project, error))
    return FALSE;
  for (int version = from; version < to; version++)
    if (!ead_project_exec (project, migrations[version], error))
      {
        ead_project_rollback (project);
        return FALSE;
      }
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", to);
  if (!ead_project_exec (project, set_version, error))
    {
      ead_project_rollback (project);
      return FALSE;
    }
  return ead_project_commit (project, error);
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
  g_autoptr (sqlite3_stmt) update = ead_project_prepare (project,
    "UPDATE runs SET state = 'interrupted' WHERE id = ? AND state = 'running'", error);
  if (!select || !update)
    return FALSE;
  int status;
  while ((status = sqlite3_step (select)) == SQLITE_ROW)
    if (ead_project_owner_is_gone ((const char *) sqlite3_column_text (select, 1)))
      {
        sqlite3_bind_int64 (update, 1, sqlite3_column_int64 (select, 0));
        if (!ead_project_run (project, update, error))
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
  if (version < 0 || !migrate (project, version, error) || !mark_interrupted_runs (project, error))
    return NULL;
  return g_steal_pointer (&project);
}

EadProject *
ead_project_create (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s: the file already exists", path);
      return NULL;
    }
  g_autoptr (EadProject) project = connect_with_flags (path, SQLITE_OPEN_READWRITE
                                                             | SQLITE_OPEN_CREATE, error);
  if (!project || !migrate (project, 0, error))
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

/* ---- Names of the enumerations, as the schema spells them ---- */

static const char *const label_names[] = { "unlabelled", "good", "anomalous" };
static const char *const split_names[] = { "train", "validation", "test" };
static const char *const run_state_names[] = {
  "queued", "running", "paused", "interrupted", "finished", "failed", "cancelled",
};
static const char *const threshold_method_names[] = { "value", "f1-max", "max-fpr" };
static const char *const verdict_names[] = {
  "none", "true-defect", "false-positive", "missed-defect", "unsure",
};

static gboolean
index_of (const char *const *names, gsize n, const char *text, int *index)
{
  for (gsize i = 0; text && i < n; i++)
    if (g_str_equal (names[i], text))
      {
        *index = (int) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ead_project_precision_to_string (EadPrecision precision)
{
  return precision == EAD_PRECISION_BF16 ? "bf16" : "fp32";
}

EadPrecision
ead_project_precision_from_string (const char *text)
{
  return g_strcmp0 (text, "bf16") == 0 ? EAD_PRECISION_BF16 : EAD_PRECISION_FP32;
}

const char *
ead_label_to_string (EadLabel label)
{
  g_return_val_if_fail (label < EAD_N_LABELS, NULL);
  return label_names[label];
}

gboolean
ead_label_from_string (const char *text, EadLabel *label)
{
  int index;
  if (!index_of (label_names, G_N_ELEMENTS (label_names), text, &index))
    return FALSE;
  *label = index;
  return TRUE;
}

const char *
ead_split_to_string (EadSplit split)
{
  g_return_val_if_fail (split < EAD_N_SPLITS, NULL);
  return split_names[split];
}

gboolean
ead_split_from_string (const char *text, EadSplit *split)
{
  int index;
  if (!index_of (split_names, G_N_ELEMENTS (split_names), text, &index))
    return FALSE;
  *split = index;
  return TRUE;
}

const char *
ead_run_state_to_string (EadRunState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (run_state_names), NULL);
  return run_state_names[state];
}

gboolean
ead_run_state_from_string (const char *text, EadRunState *state)
{
  int index;
  if (!index_of (run_state_names, G_N_ELEMENTS (run_state_names), text, &index))
    return FALSE;
  *state = index;
  return TRUE;
}

const char *
ead_threshold_method_to_string (EadThresholdMethod method)
{
  g_return_val_if_fail (method < G_N_ELEMENTS (threshold_method_names), NULL);
  return threshold_method_names[method];
}

gboolean
ead_threshold_method_from_string (const char *text, EadThresholdMethod *method)
{
  int index;
  if (!index_of (threshold_method_names, G_N_ELEMENTS (threshold_method_names), text, &index))
    return FALSE;
  *method = index;
  return TRUE;
}

const char *
ead_verdict_to_string (EadVerdict verdict)
{
  g_return_val_if_fail (verdict < G_N_ELEMENTS (verdict_names), NULL);
  return verdict_names[verdict];
}

gboolean
ead_verdict_from_string (const char *text, EadVerdict *verdict)
{
  int index;
  /* "none" is no verdict, not one that can be given. */
  if (!index_of (verdict_names, G_N_ELEMENTS (verdict_names), text, &index) || index == 0)
    return FALSE;
  *verdict = index;
  return TRUE;
}

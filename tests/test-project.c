/* test-project.c: the project file: schema, refusing files it must not
 * touch, importing an MVTec AD folder with duplicates and bad files, a
 * training run killed with SIGKILL and resumed (read meanwhile from this
 * process), and, each on its own copy of a trained project, calibration,
 * test results, thresholds, review and export. */

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <unistd.h>

#include "ead-compute.h"
#include "ead-data-dir.h"
#include "ead-error.h"
#include "ead-project.h"
#include "test-util.h"

#define TRAIN_STEPS 6
#define CHECKPOINT_EVERY 2

static char *dataset;
static char *scratch;

/* ---- Helpers ---- */

static GBytes *
read_bytes (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  return g_mapped_file_get_bytes (file);
}

static void
assert_side_files_absent (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));
}

/* Opening @path fails with @code and leaves the file byte for byte as it
 * was, with no journal beside it. */
static void
assert_refused_untouched (const char *path, int code, const char *fragment)
{
  g_autoptr (GBytes) before = read_bytes (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_null (project);
  g_assert_error (error, EAD_PROJECT_ERROR, code);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, fragment));
  g_assert_nonnull (strstr (error->message, path));
  g_autoptr (GBytes) after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  assert_side_files_absent (path);
}

static void
exec_raw (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static gint64
query_raw_int (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &s, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
  gint64 value = sqlite3_column_int64 (s, 0);
  sqlite3_finalize (s);
  sqlite3_close (db);
  return value;
}

static EadProject *
create_project (TempDir *dir, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir->path, name, NULL);
  EadProject *project = ead_project_create (path, &error);
  g_assert_no_error (error);
  return project;
}

typedef struct {
  GPtrArray *problems;   /* messages */
  guint n_ok;
  GCancellable *cancel_after_first;
} ImportLog;

static void
on_import (const char *path, const GError *problem, gpointer user_data)
{
  ImportLog *log = user_data;
  if (problem)
    g_ptr_array_add (log->problems, g_strdup (problem->message));
  else
    log->n_ok++;
  if (log->cancel_after_first)
    g_cancellable_cancel (log->cancel_after_first);
}

static void
import_log_init (ImportLog *log)
{
  *log = (ImportLog) { .problems = g_ptr_array_new_with_free_func (g_free) };
}

static void
import_paths (EadProject *project, const char *const *paths, ImportLog *log,
              EadImportSummary *summary)
{
  g_autoptr (GError) error = NULL;
  EadImportOptions options;
  ead_import_options_init (&options);
  g_assert_true (ead_project_import (project, paths, &options, on_import, log, NULL, summary,
                                     &error));
  g_assert_no_error (error);
}

static guint
count_all (EadProject *project, guint counts[EAD_N_SPLITS][EAD_N_LABELS])
{
  g_assert_true (ead_project_count_images (project, counts, NULL));
  guint total = 0;
  for (int s = 0; s < EAD_N_SPLITS; s++)
    for (int l = 0; l < EAD_N_LABELS; l++)
      total += counts[s][l];
  return total;
}

/* ---- Schema and refusals ---- */

static void
test_create (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = create_project (dir, "new.eadproj");
  const char *path = ead_project_get_path (project);
  g_autofree char *copy = g_strdup (path);
  g_clear_pointer (&project, ead_project_close);

  g_assert_cmpint (query_raw_int (copy, "PRAGMA user_version"), ==,
                   ead_project_get_schema_version ());
  g_assert_cmpint (query_raw_int (copy, "PRAGMA application_id"), ==, 0x45414450);
  g_assert_cmpint (query_raw_int (copy, "PRAGMA auto_vacuum"), ==, 2);   /* incremental */
  g_assert_cmpint (query_raw_int (copy, "SELECT count(*) FROM pragma_journal_mode"
                                        " WHERE journal_mode = 'wal'"), ==, 1);
  const char *tables[] = {
    "import_batches", "images", "image_files", "thumbnails", "defect_types", "labels", "masks",
    "runs", "run_images", "losses", "checkpoints", "models", "calibrations", "map_histograms",
    "thresholds", "results", "result_maps", "reviews", "exports",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_schema"
                                              " WHERE type = 'table' AND name = '%s'", tables[i]);
      g_assert_cmpint (query_raw_int (copy, sql), ==, 1);
    }
  g_assert_cmpint (query_raw_int (copy, "SELECT count(*) FROM sqlite_schema"
                                        " WHERE name = 'result_decisions'"), ==, 1);

  /* An existing file is never overwritten. */
  g_autoptr (GBytes) before = read_bytes (copy);
  g_assert_null (ead_project_create (copy, &error));
  g_assert_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_EXISTS);
  g_autoptr (GBytes) after = read_bytes (copy);
  g_assert_true (g_bytes_equal (before, after));
  g_clear_error (&error);

  /* Nor is a link followed, even to where nothing is yet. */
  g_autofree char *link = g_build_filename (dir->path, "link.eadproj", NULL);
  g_autofree char *target = g_build_filename (dir->path, "target.eadproj", NULL);
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_assert_null (ead_project_create (link, &error));
  g_assert_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_EXISTS);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_clear_error (&error);

  /* A folder that is not there: one line naming the file and why. */
  g_autofree char *nowhere = g_build_filename (dir->path, "missing", "new.eadproj", NULL);
  g_assert_null (ead_project_create (nowhere, &error));
  g_assert_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, nowhere));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  g_assert_null (strchr (error->message, '\n'));

  /* Reopening finds the schema up to date and an empty project. */
  g_clear_error (&error);
  project = ead_project_open (copy, &error);
  g_assert_no_error (error);
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  g_assert_cmpuint (count_all (project, counts), ==, 0);
  g_autoptr (GArray) runs = ead_project_list_runs (project, &error);
  g_assert_cmpuint (runs->len, ==, 0);
  g_assert_cmpint (ead_project_get_latest_model (project, &error), ==, 0);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
}

/* A new project named @name, made a file of @version (8 or 9) and given
 * the rows of @sql as that version wrote them (on a raw connection, without
 * foreign keys: no model is needed to hold the rows), then opened: returns
 * its path, migrated. */
static char *
migrated_project (TempDir *dir, const char *name, int version, const char *sql)
{
  g_autoptr (EadProject) project = create_project (dir, name);
  char *path = g_strdup (ead_project_get_path (project));
  g_clear_pointer (&project, ead_project_close);
  g_assert_cmpint (version, >=, 8);
  g_assert_cmpint (version, <, 10);
  /* What version 10 added. */
  exec_raw (path, "ALTER TABLE results DROP COLUMN local_score;"
                  "ALTER TABLE results DROP COLUMN global_score;");
  exec_raw (path, sql);
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", version);
  exec_raw (path, set_version);

  g_autoptr (GError) error = NULL;
  project = ead_project_open (path, &error);
  g_assert_no_error (error);
  g_clear_pointer (&project, ead_project_close);
  g_assert_cmpint (query_raw_int (path, "PRAGMA user_version"), ==,
                   ead_project_get_schema_version ());
  return path;
}

/* Before version 9 every export was recorded as a model file: migrating
 * names each by its file's suffix. */
static void
test_migrates_export_formats (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = migrated_project (dir, "exports.eadproj", 8,
            "INSERT INTO exports (model_id, exported_at, exported_by, format, path, byte_size,"
            "                     sha256) VALUES"
            " (1, '2026-12-01T00:00:00Z', 'qa', 'efficientad-model', '/x/line.onnx', 1, 'a'),"
            " (1, '2026-12-01T00:00:00Z', 'qa', 'efficientad-model', '/x/line.pt', 1, 'b'),"
            " (1, '2026-12-01T00:00:00Z', 'qa', 'efficientad-model', '/x/line.safetensors', 1, 'c'),"
            " (1, '2026-12-01T00:00:00Z', 'qa', 'efficientad-model', '/x/line.onnx.bak', 1, 'd');");
  const char *expected[][2] = {
    { "a", "onnx" }, { "b", "torchscript" }, { "c", "model" }, { "d", "model" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM exports"
                                              " WHERE sha256 = '%s' AND format = '%s'",
                                              expected[i][0], expected[i][1]);
      g_assert_cmpint (query_raw_int (path, sql), ==, 1);
    }
}

static void
test_refuses_newer_version (TempDir *dir, gconstpointer data)
{
  g_autoptr (EadProject) project = create_project (dir, "future.eadproj");
  g_autofree char *path = g_strdup (ead_project_get_path (project));
  g_clear_pointer (&project, ead_project_close);
  exec_raw (path, "PRAGMA user_version = 99");
  assert_refused_untouched (path, EAD_PROJECT_ERROR_NEWER, "newer");

  /* The command line says so in one line and leaves it alone too. */
  g_autoptr (GBytes) before = read_bytes (path);
  const char *argv[] = { g_getenv ("EAD_CLI"), "project", "info", path, NULL };
  g_autofree char *err = NULL;
  int status;
  g_assert_nonnull (argv[0]);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               test_child_dies_with_parent, NULL, NULL, &err, &status, NULL));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (err, "efficientad: "));
  g_assert_nonnull (strstr (err, "newer"));
  g_assert_cmpint (strchr (err, '\n') - err, ==, strlen (err) - 1);
  g_autoptr (GBytes) after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
}

/* Before version 10 a result held only the fused score: migrating keeps it
 * and knows no map's own maximum. */
static void
test_migrates_result_scores (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = migrated_project (dir, "results.eadproj", 9,
            "INSERT INTO results (model_id, image_id, score, milliseconds, scored_at)"
            " VALUES (1, 1, 0.25, 10, '2026-12-01T00:00:00Z');");
  g_assert_cmpint (query_raw_int (path, "SELECT count(*) FROM results WHERE score = 0.25"
                                        " AND local_score IS NULL AND global_score IS NULL"),
                   ==, 1);
}

/* A file version 1 wrote (tests/data/project/v1.eadproj: five 64 x 64
 * images, one with a mask, imported by efficientad at schema version 1)
 * opens migrated, all it held intact, and without test metrics yet. */
static void
test_upgrades_version_1 (TempDir *dir, gconstpointer data)
{
  g_autoptr (GBytes) v1 = test_read_data ("project/v1.eadproj");
  g_autofree char *path = g_build_filename (dir->path, "v1.eadproj", NULL);
  g_autoptr (GError) error = NULL;
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (v1, NULL), g_bytes_get_size (v1),
                                      NULL));
  g_assert_cmpint (query_raw_int (path, "PRAGMA user_version"), ==, 1);
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_raw_int (path, "PRAGMA user_version"), ==,
                   ead_project_get_schema_version ());
  g_assert_cmpint (ead_project_get_schema_version (), >=, 2);
  g_assert_cmpuint (count_all (project, counts), ==, 5);
  g_assert_cmpuint (counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS], ==, 1);
  g_assert_cmpuint (counts[EAD_SPLIT_TEST][EAD_LABEL_GOOD], ==, 1);
  g_assert_cmpint (query_raw_int (path, "SELECT count(*) FROM masks"), ==, 1);
  g_assert_cmpint (query_raw_int (path, "SELECT count(*) FROM test_metrics"), ==, 0);
  g_autoptr (EadImage) image = ead_project_load_image (project, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ead_image_get_width (image), ==, 64);
}

/* A file version 2 wrote (tests/data/project/v2.eadproj: three 64 x 64
 * good images imported by efficientad at schema version 2, and a failed run
 * of 2000 steps with three loss points added with sqlite3) opens migrated:
 * the run trains for its steps, without a validation loss. */
static void
test_upgrades_version_2 (TempDir *dir, gconstpointer data)
{
  g_autoptr (GBytes) v2 = test_read_data ("project/v2.eadproj");
  g_autofree char *path = g_build_filename (dir->path, "v2.eadproj", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (v2, NULL), g_bytes_get_size (v2),
                                      NULL));
  g_assert_cmpint (query_raw_int (path, "PRAGMA user_version"), ==, 2);
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_raw_int (path, "PRAGMA user_version"), ==,
                   ead_project_get_schema_version ());
  EadRunInfo run;
  g_assert_true (ead_project_get_run (project, 1, &run, &error));
  g_assert_cmpint (run.state, ==, EAD_RUN_FAILED);
  g_assert_cmpint (run.steps, ==, 2000);
  g_assert_cmpint (run.steps_done, ==, 3);
  g_assert_cmpfloat (run.minutes, ==, 0);
  g_assert_cmpint (run.patience, ==, 0);
  ead_run_info_clear (&run);
  g_assert_cmpint (query_raw_int (path, "SELECT validate_every FROM runs"), ==, 0);
  /* Version 6 keeps images from the line. */
  g_assert_cmpint (query_raw_int (path, "SELECT count(*) FROM sqlite_master WHERE name = 'labels'"
                                        " AND sql LIKE '%''test'', ''line''%'"), ==, 1);
  g_assert_cmpint (query_raw_int (path, "SELECT count(*) FROM labels"), ==, 3);
  g_assert_cmpint (query_raw_int (path, "SELECT count(*) FROM sqlite_master"
                                        " WHERE name = 'labels_split_label'"), ==, 1);
  /* Version 5 mixes the maps as the paper did, unless told otherwise. */
  g_assert_cmpint (query_raw_int (path, "SELECT count(*) FROM pragma_table_info ('calibrations')"
                                        " WHERE name = 'local_weight' AND dflt_value = '0.5'"), ==, 1);
  /* Version 4 keeps each map's test metrics. */
  g_assert_cmpint (query_raw_int (path, "SELECT count(*) FROM pragma_table_info ('test_metrics')"
                                        " WHERE name = 'map' AND dflt_value = '''fused'''"), ==, 1);
  g_autoptr (GArray) losses = ead_project_get_losses (project, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (losses->len, ==, 3);
  g_assert_cmpfloat (g_array_index (losses, EadLossPoint, 2).losses.total, ==, 2.5);
  g_assert_true (isnan (g_array_index (losses, EadLossPoint, 2).validation));
}

static void
test_refuses_other_files (TempDir *dir, gconstpointer data)
{
  g_autofree char *text = g_build_filename (dir->path, "notes.eadproj", NULL);
  g_assert_true (g_file_set_contents (text, "not a database, just some words\n", -1, NULL));
  assert_refused_untouched (text, EAD_PROJECT_ERROR_NOT_A_DATABASE, "not a database");

  g_autofree char *empty = g_build_filename (dir->path, "empty.eadproj", NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  assert_refused_untouched (empty, EAD_PROJECT_ERROR_NOT_A_PROJECT, "not an EfficientAD project");

  g_autofree char *other = g_build_filename (dir->path, "other.db", NULL);
  exec_raw (other, "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  assert_refused_untouched (other, EAD_PROJECT_ERROR_NOT_A_PROJECT, "not an EfficientAD project");

  g_autofree char *missing = g_build_filename (dir->path, "missing.eadproj", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_null (ead_project_open (missing, &error));
  g_assert_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_MISSING);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

/* Overwrites the second half of the file's pages, past the schema. */
static void
corrupt_pages (const char *path)
{
  g_autofree char *contents = NULL;
  gsize size;
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  const gsize page = 4096;
  g_assert_cmpuint (size, >=, 8 * page);
  for (gsize offset = (size / page / 2) * page; offset < size; offset++)
    contents[offset] = (char) 0xa5;
  g_assert_true (g_file_set_contents (path, contents, size, NULL));
}

static void
test_refuses_damaged_file (TempDir *dir, gconstpointer data)
{
  g_autoptr (EadProject) project = create_project (dir, "damaged.eadproj");
  g_autofree char *path = g_strdup (ead_project_get_path (project));
  g_autofree char *good = g_build_filename (dataset, "train", "good", NULL);
  const char *paths[] = { good, NULL };
  ImportLog log;
  import_log_init (&log);
  EadImportSummary summary;
  import_paths (project, paths, &log, &summary);
  g_assert_cmpuint (summary.imported, >, 0);
  g_ptr_array_unref (log.problems);
  g_clear_pointer (&project, ead_project_close);

  corrupt_pages (path);
  assert_refused_untouched (path, EAD_PROJECT_ERROR_DAMAGED, path);

  /* A worker's reopen trusts the check made when the file was opened. */
  g_autoptr (GError) error = NULL;
  project = ead_project_reopen (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (project);
}

/* Reopening still refuses what is not a project, or not one any more. */
static void
test_reopen_refuses_other_files (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other = g_build_filename (dir->path, "other.db", NULL);
  exec_raw (other, "CREATE TABLE t (x)");
  g_assert_null (ead_project_reopen (other, &error));
  g_assert_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_NOT_A_PROJECT);

  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (dir->path, "missing.eadproj", NULL);
  g_assert_null (ead_project_reopen (missing, &error));
  g_assert_error (error, EAD_PROJECT_ERROR, EAD_PROJECT_ERROR_MISSING);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

/* ---- Import ---- */

/* What the MVTec folder should become, from the engine's own scan. */
typedef struct {
  guint n[EAD_N_SPLITS][EAD_N_LABELS];
  guint masks;
} Expected;

static void
expect_from_dataset (Expected *e)
{
  memset (e, 0, sizeof *e);
  g_autoptr (EadDataset) d = ead_dataset_open (dataset, 42, NULL);
  g_assert_nonnull (d);
  for (int split = 0; split < EAD_N_SPLITS; split++)
    for (guint i = 0; i < ead_dataset_get_n_samples (d, split); i++)
      {
        const EadSample *sample = ead_dataset_get_sample (d, split, i);
        gboolean good = g_str_equal (sample->type, "good");
        e->n[split][good ? EAD_LABEL_GOOD : EAD_LABEL_ANOMALOUS]++;
        e->masks += sample->mask_path != NULL;
      }
}

static const EadImageInfo *
find_image (GArray *images, const char *folder, const char *name)
{
  for (guint i = 0; i < images->len; i++)
    {
      const EadImageInfo *info = &g_array_index (images, EadImageInfo, i);
      if (g_str_equal (info->folder, folder) && g_str_equal (info->file_name, name))
        return info;
    }
  g_assert_not_reached ();
}

/* Every sample of the engine's scan is in the project with its label,
 * split, type, pixels and mask. */
static void
assert_matches_dataset (EadProject *project, GArray *images)
{
  g_autoptr (EadDataset) d = ead_dataset_open (dataset, 42, NULL);
  for (int split = 0; split < EAD_N_SPLITS; split++)
    for (guint i = 0; i < ead_dataset_get_n_samples (d, split); i++)
      {
        const EadSample *sample = ead_dataset_get_sample (d, split, i);
        g_autofree char *folder = g_path_get_dirname (sample->path);
        g_autofree char *name = g_path_get_basename (sample->path);
        const EadImageInfo *info = find_image (images, folder, name);
        gboolean good = g_str_equal (sample->type, "good");
        g_assert_cmpint (info->split, ==, split);
        g_assert_cmpint (info->label, ==, good ? EAD_LABEL_GOOD : EAD_LABEL_ANOMALOUS);
        g_assert_cmpstr (info->defect_type, ==, good ? NULL : sample->type);
        g_assert_cmpint (info->has_mask, ==, sample->mask_path != NULL);

        g_autoptr (EadImage) original = ead_image_load (sample->path, NULL);
        g_autoptr (EadImage) stored = ead_project_load_image (project, info->id, NULL);
        g_assert_cmpint (info->width, ==, ead_image_get_width (original));
        g_assert_cmpint (info->height, ==, ead_image_get_height (original));
        g_assert_cmpmem (ead_image_get_pixels (stored),
                         3 * info->width * info->height, ead_image_get_pixels (original),
                         3 * info->width * info->height);
        if (!sample->mask_path)
          continue;
        g_autoptr (EadMask) mask = ead_mask_load (sample->mask_path, NULL);
        g_autoptr (EadMask) kept = ead_project_load_mask (project, info->id, NULL);
        g_assert_nonnull (kept);
        g_assert_cmpmem (ead_mask_get_data (kept), info->width * info->height,
                         ead_mask_get_data (mask), info->width * info->height);
      }
}

static void
assert_thumbnail (EadProject *project, const EadImageInfo *info)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) png = ead_project_get_thumbnail (project, info->id, &error);
  g_assert_no_error (error);
  g_autoptr (EadImage) thumbnail = ead_image_load_from_data (g_bytes_get_data (png, NULL),
                                                             g_bytes_get_size (png), "thumbnail",
                                                             &error);
  g_assert_no_error (error);
  int w = ead_image_get_width (thumbnail), h = ead_image_get_height (thumbnail);
  const int longest = MAX (info->width, info->height);
  g_assert_cmpint (MAX (w, h), ==, MIN (EAD_PROJECT_THUMBNAIL_SIDE, longest));
  g_assert_cmpint (abs (w * info->height - h * info->width), <=, longest);
}

static void
test_import_mvtec (TempDir *dir, gconstpointer data)
{
  g_autoptr (EadProject) project = create_project (dir, "import.eadproj");
  const char *paths[] = { dataset, NULL };
  ImportLog log;
  import_log_init (&log);
  EadImportSummary summary;
  import_paths (project, paths, &log, &summary);
  g_assert_cmpuint (log.problems->len, ==, 0);

  Expected e;
  expect_from_dataset (&e);
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  guint total = count_all (project, counts);
  g_assert_cmpuint (summary.imported, ==, total);
  g_assert_cmpuint (log.n_ok, ==, total);
  g_assert_cmpuint (summary.masks, ==, e.masks);
  g_assert_cmpuint (summary.batch_id, >, 0);
  g_assert_cmpmem (counts, sizeof counts, e.n, sizeof e.n);
  g_assert_cmpuint (counts[EAD_SPLIT_VALIDATION][EAD_LABEL_GOOD], >, 0);
  g_assert_cmpuint (counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS], >, 0);

  g_autoptr (GArray) images = ead_project_list_images (project, NULL);
  g_assert_cmpuint (images->len, ==, total);
  assert_matches_dataset (project, images);
  assert_thumbnail (project, &g_array_index (images, EadImageInfo, 0));
  g_ptr_array_unref (log.problems);
}

/* The image of @id in a fresh listing. */
static EadImageInfo
image_by_id (EadProject *project, gint64 id)
{
  g_autoptr (GArray) images = ead_project_list_images (project, NULL);
  for (guint i = 0; i < images->len; i++)
    {
      EadImageInfo *info = &g_array_index (images, EadImageInfo, i);
      if (info->id == id)
        {
          EadImageInfo found = *info;
          *info = (EadImageInfo) { 0 };
          return found;
        }
    }
  g_assert_not_reached ();
}

/* The first image of @split and @label with a mask (@masked) or without. */
static gint64
first_image (EadProject *project, EadSplit split, EadLabel label, gboolean masked)
{
  g_autoptr (GArray) images = ead_project_list_images (project, NULL);
  for (guint i = 0; i < images->len; i++)
    {
      const EadImageInfo *info = &g_array_index (images, EadImageInfo, i);
      if (info->split == split && info->label == label && info->has_mask == masked)
        return info->id;
    }
  g_assert_not_reached ();
}

static void
test_edit_images (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = create_project (dir, "edit.eadproj");
  const char *paths[] = { dataset, NULL };
  EadImportOptions options;
  EadImportSummary summary;
  ead_import_options_init (&options);
  g_assert_true (ead_project_import (project, paths, &options, NULL, NULL, NULL, &summary,
                                     &error));
  guint before[EAD_N_SPLITS][EAD_N_LABELS], after[EAD_N_SPLITS][EAD_N_LABELS];
  guint total = count_all (project, before);

  /* An anomalous test image with its mask and a good one: both good
   * training images now; the anomalous one loses type and mask. */
  const gint64 ids[] = { first_image (project, EAD_SPLIT_TEST, EAD_LABEL_ANOMALOUS, TRUE),
                         first_image (project, EAD_SPLIT_TEST, EAD_LABEL_GOOD, FALSE) };
  g_assert_true (ead_project_set_label (project, ids, 2, EAD_LABEL_GOOD, &error));
  g_assert_true (ead_project_set_split (project, ids, 2, EAD_SPLIT_TRAIN, &error));
  g_assert_no_error (error);
  g_auto (EadImageInfo) moved = image_by_id (project, ids[0]);
  g_assert_cmpint (moved.label, ==, EAD_LABEL_GOOD);
  g_assert_cmpint (moved.split, ==, EAD_SPLIT_TRAIN);
  g_assert_null (moved.defect_type);
  g_assert_false (moved.has_mask);
  g_assert_null (ead_project_load_mask (project, ids[0], &error));
  g_assert_no_error (error);
  count_all (project, after);
  g_assert_cmpuint (after[EAD_SPLIT_TRAIN][EAD_LABEL_GOOD], ==,
                    before[EAD_SPLIT_TRAIN][EAD_LABEL_GOOD] + 2);
  g_assert_cmpuint (after[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS], ==,
                    before[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS] - 1);

  /* Images join the line split only as the line scores them, neither by a
   * move nor by an import. */
  g_assert_false (ead_project_set_split (project, ids, 2, EAD_SPLIT_LINE, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);
  options.split = EAD_SPLIT_LINE;
  g_assert_false (ead_project_import (project, paths, &options, NULL, NULL, NULL, &summary,
                                      &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_cmpuint (count_all (project, after), ==, total);
  g_assert_cmpuint (after[EAD_SPLIT_LINE][EAD_LABEL_GOOD], ==, 0);

  /* A defect type makes them anomalous of that (new) type; no type at all
   * keeps them anomalous. */
  g_assert_true (ead_project_set_defect_type (project, ids, 2, "scratch", &error));
  g_assert_no_error (error);
  g_auto (EadImageInfo) typed = image_by_id (project, ids[1]);
  g_assert_cmpint (typed.label, ==, EAD_LABEL_ANOMALOUS);
  g_assert_cmpstr (typed.defect_type, ==, "scratch");
  g_assert_true (ead_project_set_defect_type (project, ids, 2, NULL, &error));
  g_auto (EadImageInfo) untyped = image_by_id (project, ids[1]);
  g_assert_cmpint (untyped.label, ==, EAD_LABEL_ANOMALOUS);
  g_assert_null (untyped.defect_type);
  g_assert_false (ead_project_set_defect_type (project, ids, 2, "", &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);

  /* An unknown id changes nothing, not even the images before it. */
  const gint64 with_unknown[] = { ids[0], 999999 };
  g_assert_false (ead_project_set_label (project, with_unknown, 2, EAD_LABEL_UNLABELLED,
                                         &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "999999"));
  g_clear_error (&error);
  g_auto (EadImageInfo) unchanged = image_by_id (project, ids[0]);
  g_assert_cmpint (unchanged.label, ==, EAD_LABEL_ANOMALOUS);
  g_assert_false (ead_project_delete_images (project, with_unknown, 2, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_cmpuint (count_all (project, after), ==, total);

  g_assert_true (ead_project_delete_images (project, ids, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_all (project, after), ==, total - 2);
  g_assert_null (ead_project_get_thumbnail (project, ids[0], &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
}

static void
write_generated_png (const char *path, guint seed)
{
  const int size = 64;
  g_autofree guint8 *pixels = g_new (guint8, 3 * size * size);
  GRand *rand = g_rand_new_with_seed (seed);
  for (int i = 0; i < 3 * size * size; i++)
    pixels[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  g_autoptr (EadImage) image = ead_image_new_from_rgb8 (pixels, size, size, 3 * size);
  g_assert_true (ead_image_save_png (image, path, NULL));
}

static gboolean
problem_names (GPtrArray *problems, const char *path)
{
  for (guint i = 0; i < problems->len; i++)
    if (strstr (problems->pdata[i], path))
      return TRUE;
  return FALSE;
}

static void
test_duplicates_and_bad_files (TempDir *dir, gconstpointer data)
{
  g_autoptr (EadProject) project = create_project (dir, "bad.eadproj");
  g_autofree char *test_good = g_build_filename (dataset, "test", "good", NULL);
  const char *first[] = { test_good, NULL };
  ImportLog log;
  import_log_init (&log);
  EadImportSummary summary;
  import_paths (project, first, &log, &summary);
  const guint n_good = summary.imported;
  g_assert_cmpuint (n_good, >, 0);

  /* The same images again, by another path: each a duplicate, by name. */
  g_autofree char *copy = g_build_filename (dir->path, "copy.png", NULL);
  g_autoptr (GPtrArray) listed = ead_dataset_list_images (test_good, NULL);
  g_autoptr (GBytes) bytes = read_bytes (listed->pdata[0]);
  g_assert_true (g_file_set_contents (copy, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), NULL));
  /* ...and bad files beside a good one. */
  g_autofree char *fresh = g_build_filename (dir->path, "fresh.png", NULL);
  g_autofree char *words = g_build_filename (dir->path, "words.png", NULL);
  g_autofree char *truncated = g_build_filename (dir->path, "truncated.png", NULL);
  g_autofree char *missing = g_build_filename (dir->path, "missing", NULL);
  write_generated_png (fresh, 7);
  g_assert_true (g_file_set_contents (words, "these are words, not pixels", -1, NULL));
  g_assert_true (g_file_set_contents (truncated, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes) / 2, NULL));
  const char *second[] = { test_good, copy, fresh, words, truncated, missing, NULL };
  ImportLog log2;
  import_log_init (&log2);
  import_paths (project, second, &log2, &summary);
  g_assert_cmpuint (summary.duplicates, ==, n_good + 1);
  g_assert_cmpuint (summary.imported, ==, 1);
  g_assert_cmpuint (summary.failed, ==, 3);
  for (guint i = 0; i < listed->len; i++)
    g_assert_true (problem_names (log2.problems, listed->pdata[i]));
  g_assert_true (problem_names (log2.problems, copy));
  g_assert_true (problem_names (log2.problems, words));
  g_assert_true (problem_names (log2.problems, truncated));
  g_assert_true (problem_names (log2.problems, missing));
  g_assert_false (problem_names (log2.problems, fresh));

  /* Outside the MVTec layout, automatic means unlabelled test images. */
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  g_assert_cmpuint (count_all (project, counts), ==, n_good + 1);
  g_assert_cmpuint (counts[EAD_SPLIT_TEST][EAD_LABEL_UNLABELLED], ==, n_good + 1);

  /* A cancelled import leaves nothing behind. */
  g_autofree char *another = g_build_filename (dir->path, "another.png", NULL);
  write_generated_png (another, 8);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  ImportLog log3;
  import_log_init (&log3);
  log3.cancel_after_first = cancellable;
  const char *third[] = { another, dataset, NULL };
  g_autoptr (GError) error = NULL;
  EadImportOptions options;
  ead_import_options_init (&options);
  g_assert_false (ead_project_import (project, third, &options, on_import, &log3, cancellable,
                                      &summary, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (log3.n_ok, ==, 1);
  g_assert_cmpuint (count_all (project, counts), ==, n_good + 1);

  g_ptr_array_unref (log.problems);
  g_ptr_array_unref (log2.problems);
  g_ptr_array_unref (log3.problems);
}

/* ---- Training: killed, read meanwhile, resumed ---- */

/* Starts efficientad with @args; with @hold_after > 0 its training waits
 * after that step until killed (EAD_TRAIN_HOLD_AFTER). */
static GSubprocess *
spawn_cli (const char *const *args, int hold_after, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = test_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *hold = g_strdup_printf ("%d", hold_after);
  if (hold_after > 0)
    g_subprocess_launcher_setenv (launcher, "EAD_TRAIN_HOLD_AFTER", hold, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "EAD_TRAIN_HOLD_AFTER");
  g_ptr_array_add (argv, (gpointer) g_getenv ("EAD_CLI"));
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, error);
}

static int
run_cli (const char *const *args, char **err)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = spawn_cli (args, 0, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}


/* Reads the run from a connection of this process while another trains. */
static GArray *
read_while_training (const char *path, EadRunInfo *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (GArray) runs = ead_project_list_runs (project, &error);
  g_assert_no_error (error);
  if (runs->len == 0)
    return NULL;
  g_assert_true (ead_project_get_run (project, 1, run, &error));
  return ead_project_get_losses (project, 1, &error);
}

/* Polls until the run, held after step @held (past its first checkpoint),
 * has recorded that step, then SIGKILLs it. */
static void
kill_when_held (GSubprocess *process, const char *path, int held)
{
  for (int tries = 0; tries < 3000; tries++)
    {
      EadRunInfo run = { 0 };
      g_autoptr (GArray) losses = read_while_training (path, &run);
      gboolean past = losses && (int) losses->len == held;
      if (losses && losses->len > 0)
        {
          /* While it trains, the run is seen running with its curve so far
           * (which may have grown between the two reads). */
          g_assert_cmpint (run.state, ==, EAD_RUN_RUNNING);
          g_assert_cmpint (losses->len, >=, run.steps_done);
          g_assert_cmpint (g_array_index (losses, EadLossPoint, losses->len - 1).step, ==,
                           losses->len);
        }
      ead_run_info_clear (&run);
      if (past)
        {
          g_subprocess_force_exit (process);
          g_assert_true (g_subprocess_wait (process, NULL, NULL));
          g_assert_true (g_subprocess_get_if_signaled (process));
          return;
        }
      /* Held, it cannot finish before the test kills it. */
      g_assert_nonnull (g_subprocess_get_identifier (process));
      g_usleep (100000);
    }
  g_assert_not_reached ();
}

static void
assert_checkpoint_loads (EadProject *project, int expected_step)
{
  g_autoptr (GError) error = NULL;
  int step = 0;
  g_autoptr (GBytes) checkpoint = ead_project_get_checkpoint (project, 1, &step, &error);
  g_assert_no_error (error);
  g_assert_nonnull (checkpoint);
  g_assert_cmpint (step, ==, expected_step);
  gsize size;
  const guint8 *data = g_bytes_get_data (checkpoint, &size);
  g_autoptr (EadSafetensors) st = ead_safetensors_new_from_data (data, size, &error);
  g_assert_no_error (error);
  g_autofree char *text = g_strdup_printf ("%d", step);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "checkpoint_step"), ==, text);
  g_autoptr (EadModel) model = ead_model_new_from_safetensors (st, "checkpoint", &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
}

static void
train_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A run cancelled before its first step says so and can start again. */
static void
test_train_cancelled_at_once (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = g_build_filename (dir->path, "cancelled.eadproj", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_create (path, &error);
  const char *paths[] = { dataset, NULL };
  ImportLog log;
  EadImportSummary summary;
  EadTrainParams params;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  EadRunInfo run;

  import_log_init (&log);
  import_paths (project, paths, &log, &summary);
  g_ptr_array_unref (log.problems);
  ead_train_params_init (&params);
  params.steps = TRAIN_STEPS;
  gint64 run_id = ead_project_add_run (project, &params, &error);
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  ead_project_train_async (project, run_id, EAD_DEVICE_CPU, NULL, NULL, cancellable, train_done,
                           &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (ead_project_train_finish (result, &error), ==, 0);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_CANCELLED);
  g_assert_true (ead_project_get_run (project, run_id, &run, &error));
  g_assert_cmpint (run.state, ==, EAD_RUN_CANCELLED);
  g_assert_null (run.error);
  g_assert_cmpint (run.checkpoint_step, ==, 0);
  ead_run_info_clear (&run);
}

/* Core refuses @params with @code (its message naming @says) both when
 * asked and when a run is added: nothing is recorded. */
static void
assert_run_refused (EadProject *project, const EadTrainParams *params, int code, const char *says)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (ead_train_params_check (params, &error));
  g_assert_error (error, EAD_TRAIN_PARAMS_ERROR, code);
  g_assert_nonnull (strstr (error->message, says));
  g_clear_error (&error);
  g_assert_cmpint (ead_project_add_run (project, params, &error), ==, 0);
  g_assert_error (error, EAD_TRAIN_PARAMS_ERROR, code);
  g_clear_error (&error);
  g_autoptr (GArray) runs = ead_project_list_runs (project, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);
}

static void
test_refuses_runs_that_cannot_run (TempDir *dir, gconstpointer data)
{
  g_autoptr (EadProject) project = create_project (dir, "refused.eadproj");
  g_autoptr (GError) error = NULL;
  g_autofree char *small_teacher = ead_data_find_teacher (EAD_MODEL_SMALL, &error);
  g_assert_no_error (error);
  EadTrainParams params;

  ead_train_params_init (&params);
  params.teacher_path = small_teacher;
  g_assert_true (ead_train_params_check (&params, &error));
  g_assert_no_error (error);

  /* Medium with the shipped small teacher: its tensors have the wrong shapes. */
  params.size = EAD_MODEL_MEDIUM;
  assert_run_refused (project, &params, EAD_TRAIN_PARAMS_ERROR_TEACHER, "medium teacher");
  params.size = EAD_MODEL_SMALL;
  params.teacher_path = "/nonexistent/teacher.safetensors";
  assert_run_refused (project, &params, EAD_TRAIN_PARAMS_ERROR_TEACHER, "/nonexistent");
  params.teacher_path = small_teacher;
  params.image_size = 300;
  assert_run_refused (project, &params, EAD_TRAIN_PARAMS_ERROR_IMAGE_SIZE, "multiple of 64");
  params.image_size = 192;
  assert_run_refused (project, &params, EAD_TRAIN_PARAMS_ERROR_IMAGE_SIZE, "at least 256");
  params.image_size = 320;
  params.steps = 0;
  assert_run_refused (project, &params, EAD_TRAIN_PARAMS_ERROR_STEPS, "positive");
  params.steps = 10;
  params.checkpoint_every = -1;
  assert_run_refused (project, &params, EAD_TRAIN_PARAMS_ERROR_CHECKPOINT_EVERY, "negative");
  params.checkpoint_every = 0;
  if (!ead_torch_cuda_available ())
    {
      params.device = EAD_DEVICE_CUDA;
      assert_run_refused (project, &params, EAD_TRAIN_PARAMS_ERROR_DEVICE, "CUDA");
      params.device = EAD_DEVICE_CPU;
    }

  /* The command line says so in one line, before recording anything. */
  const char *path = ead_project_get_path (project);
  g_auto (TestRun) medium = test_run_cli ("project", "train", path, "--size", "m", "--teacher",
                                          small_teacher, "--steps", "1", NULL);
  g_assert_cmpint (medium.status, !=, 0);
  g_assert_true (g_str_has_prefix (medium.err, "efficientad: "));
  g_assert_nonnull (strstr (medium.err, "medium teacher"));
  g_auto (TestRun) size = test_run_cli ("project", "train", path, "--image-size", "300",
                                        "--steps", "1", NULL);
  g_assert_cmpint (size.status, !=, 0);
  g_assert_nonnull (strstr (size.err, "multiple of 64"));
  g_autoptr (GArray) runs = ead_project_list_runs (project, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);

  /* Fixed, the same run is recorded. */
  g_assert_cmpint (ead_project_add_run (project, &params, &error), >, 0);
  g_assert_no_error (error);
}

/* A new project at @path holding the small dataset. */
static void
create_imported (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_create (path, &error);
  const char *paths[] = { dataset, NULL };
  ImportLog log;
  EadImportSummary summary;
  g_assert_no_error (error);
  import_log_init (&log);
  import_paths (project, paths, &log, &summary);
  g_ptr_array_unref (log.problems);
}

/* A run with a time budget stores the step count the budget fixed (and
 * trains that many steps); one with a validation loss every 2 steps stores
 * it with those steps' losses, and none with the others. */
static void
test_train_budget_and_validation (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = g_build_filename (dir->path, "budget.eadproj", NULL);
  g_autoptr (GError) error = NULL;
  create_imported (path);
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  EadTrainParams params;
  ead_train_params_init (&params);
  params.steps = 100000;
  params.minutes = 0.05;
  params.validate_every = 2;
  params.checkpoint_every = CHECKPOINT_EVERY;
  gint64 run_id = ead_project_add_run (project, &params, &error);
  g_assert_no_error (error);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  ead_project_train_async (project, run_id, EAD_DEVICE_CPU, NULL, NULL, cancellable, train_done,
                           &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (ead_project_train_finish (result, &error), >, 0);
  g_assert_no_error (error);

  EadRunInfo run;
  g_assert_true (ead_project_get_run (project, run_id, &run, &error));
  g_test_message ("a budget of %.2f min: %d steps", run.minutes, run.steps);
  g_assert_cmpfloat (run.minutes, ==, 0.05);
  g_assert_cmpint (run.steps, <, 100000);
  g_assert_cmpint (run.steps_done, ==, run.steps);
  g_autoptr (GArray) losses = ead_project_get_losses (project, run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (losses->len, ==, run.steps);
  for (guint i = 0; i < losses->len; i++)
    {
      const EadLossPoint *point = &g_array_index (losses, EadLossPoint, i);
      if (point->step % 2 == 0)
        g_assert_true (isfinite (point->validation) && point->validation > 0);
      else
        g_assert_true (isnan (point->validation));
    }
  ead_run_info_clear (&run);
}

/* A run's tiling is part of its record: `project train --tiles` trains a
 * tiled model, and the run says so. */
static void
test_train_tiled (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = g_build_filename (dir->path, "tiled.eadproj", NULL);
  g_autoptr (GError) error = NULL;
  create_imported (path);
  const char *train[] = { "project", "train", path, "--teacher", "random", "--steps", "1",
                          "--tiles", "2", "--precision", "fp32", NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (train, &err), ==, 0);
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_raw_int (path, "SELECT tiles FROM runs"), ==, 2);
  g_autoptr (EadModel) model = ead_project_load_model (project,
                                                       ead_project_get_latest_model (project,
                                                                                     &error),
                                                       &error);
  g_assert_no_error (error);
  g_assert_cmpint (ead_model_get_tiles (model), ==, 2);
  EadModelInfo info;
  g_assert_true (ead_project_get_model (project, ead_project_get_latest_model (project, &error),
                                        &info, &error));
  g_assert_cmpint (info.tiles, ==, 2);
  EadRunInfo run;
  g_assert_true (ead_project_get_run (project, info.run_id, &run, &error));
  g_assert_cmpint (run.tiles, ==, 2);
  ead_run_info_clear (&run);
  ead_model_info_clear (&info);

  const char *refused[] = { "project", "train", path, "--teacher", "random", "--tiles", "0",
                            NULL };
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (refused, &err), !=, 0);
  g_assert_nonnull (strstr (err, "--tiles must be from 1 to 8"));
}

/* Every name that appeared in a watched folder, created or moved in. */
static void
note_new_file (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
               gpointer user_data)
{
  GFile *appeared = event == G_FILE_MONITOR_EVENT_CREATED ? file
                    : event == G_FILE_MONITOR_EVENT_MOVED_IN
                        || event == G_FILE_MONITOR_EVENT_RENAMED ? other : NULL;
  if (appeared)
    g_hash_table_add (user_data, g_file_get_basename (appeared));
}

static void
pause_at_step (const EadTrainProgress *p, gpointer cancellable)
{
  if (p->phase == EAD_TRAIN_STEPS && p->done == CHECKPOINT_EVERY + 1)
    g_cancellable_cancel (cancellable);
}

static gint64
train_and_wait (EadProject *project, gint64 run_id, EadTrainCallback progress,
                GCancellable *cancellable, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  ead_project_train_async (project, run_id, EAD_DEVICE_CPU, progress, cancellable, cancellable,
                           train_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return ead_project_train_finish (result, error);
}

/* A run paused past a checkpoint and resumed keeps its checkpoints in the
 * project: no file but the project (and SQLite's own -wal and -shm while it
 * is open) ever appears in its folder. */
static void
test_train_paused_and_resumed_in_place (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = g_build_filename (dir->path, "paused" EAD_PROJECT_EXTENSION, NULL);
  g_autoptr (GFile) folder = g_file_new_for_path (dir->path);
  g_autoptr (GHashTable) appeared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GFileMonitor) monitor = g_file_monitor_directory (folder, G_FILE_MONITOR_WATCH_MOVES,
                                                               NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (monitor, "changed", G_CALLBACK (note_new_file), appeared);
  create_imported (path);
  EadProject *project = ead_project_open (path, &error);
  g_assert_no_error (error);
  EadTrainParams params;
  ead_train_params_init (&params);
  params.steps = TRAIN_STEPS;
  params.checkpoint_every = CHECKPOINT_EVERY;
  gint64 run_id = ead_project_add_run (project, &params, &error);
  g_assert_no_error (error);

  g_autoptr (GCancellable) pause = g_cancellable_new ();
  g_assert_cmpint (train_and_wait (project, run_id, pause_at_step, pause, &error), ==, 0);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_CANCELLED);
  g_clear_error (&error);
  EadRunInfo run;
  g_assert_true (ead_project_get_run (project, run_id, &run, &error));
  g_assert_cmpint (run.state, ==, EAD_RUN_PAUSED);
  g_assert_cmpint (run.checkpoint_step, ==, CHECKPOINT_EVERY + 1);
  ead_run_info_clear (&run);
  assert_checkpoint_loads (project, CHECKPOINT_EVERY + 1);

  g_autoptr (GCancellable) resume = g_cancellable_new ();
  g_assert_cmpint (train_and_wait (project, run_id, NULL, resume, &error), >, 0);
  g_assert_no_error (error);
  g_assert_true (ead_project_get_run (project, run_id, &run, &error));
  g_assert_cmpint (run.state, ==, EAD_RUN_FINISHED);
  g_assert_cmpint (run.steps_done, ==, TRAIN_STEPS);
  ead_run_info_clear (&run);
  ead_project_close (project);

  /* The monitor reports what happened before this point. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  GHashTableIter iter;
  const char *name;
  g_hash_table_iter_init (&iter, appeared);
  g_assert_cmpuint (g_hash_table_size (appeared), >, 0);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    {
      g_test_message ("appeared: %s", name);
      g_assert_true (g_str_has_prefix (name, "paused" EAD_PROJECT_EXTENSION));
      g_assert_true (strlen (name) == strlen ("paused" EAD_PROJECT_EXTENSION)
                     || g_str_has_suffix (name, "-wal") || g_str_has_suffix (name, "-shm")
                     || g_str_has_suffix (name, "-journal"));
    }
  assert_side_files_absent (path);
}

/* A cancel whose checkpoint cannot be written (a full disk, here a trigger
 * that fails the write) is a failure that says so, not a pause that claims
 * a checkpoint. */
static void
test_train_cancel_checkpoint_unwritable (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = g_build_filename (dir->path, "full" EAD_PROJECT_EXTENSION, NULL);
  g_autoptr (GError) error = NULL;
  create_imported (path);
  exec_raw (path, "CREATE TRIGGER disk_full BEFORE INSERT ON checkpoints"
                  " BEGIN SELECT RAISE (FAIL, 'no space left for the checkpoint'); END");
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  EadTrainParams params;
  ead_train_params_init (&params);
  params.steps = TRAIN_STEPS;
  params.checkpoint_every = 0;
  gint64 run_id = ead_project_add_run (project, &params, &error);
  g_assert_no_error (error);

  g_autoptr (GCancellable) pause = g_cancellable_new ();
  g_assert_cmpint (train_and_wait (project, run_id, pause_at_step, pause, &error), ==, 0);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_false (g_error_matches (error, EAD_ERROR, EAD_ERROR_CANCELLED));
  g_assert_nonnull (strstr (error->message, "could not be kept"));
  g_assert_nonnull (strstr (error->message, "no space left for the checkpoint"));
  g_clear_error (&error);
  EadRunInfo run;
  g_assert_true (ead_project_get_run (project, run_id, &run, &error));
  g_assert_cmpint (run.state, ==, EAD_RUN_FAILED);
  g_assert_cmpint (run.checkpoint_step, ==, 0);
  g_assert_nonnull (strstr (run.error, "no space left for the checkpoint"));
  ead_run_info_clear (&run);
}

static void
test_train_killed_and_resumed (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *trained = g_build_filename (dir->path, "killed" EAD_PROJECT_EXTENSION, NULL);
  create_imported (trained);
  g_autofree char *steps = g_strdup_printf ("%d", TRAIN_STEPS);
  g_autofree char *every = g_strdup_printf ("%d", CHECKPOINT_EVERY);
  const char *train[] = { "project", "train", trained, "--teacher", "random", "--steps", steps,
                          "--checkpoint-every", every, "--seed", "7", NULL };
  const int held = CHECKPOINT_EVERY + 1;
  g_autoptr (GSubprocess) process = spawn_cli (train, held, &error);
  g_assert_no_error (error);
  kill_when_held (process, trained, held);

  /* Reopened, the run shows as interrupted with a checkpoint that loads. */
  g_autoptr (EadProject) project = ead_project_open (trained, &error);
  g_assert_no_error (error);
  EadRunInfo run;
  g_assert_true (ead_project_get_run (project, 1, &run, &error));
  g_assert_cmpint (run.state, ==, EAD_RUN_INTERRUPTED);
  const int checkpoint_step = run.checkpoint_step;
  g_assert_cmpint (checkpoint_step, ==, CHECKPOINT_EVERY);
  ead_run_info_clear (&run);
  /* Without --precision, the run trains in the machine's default. */
  g_autofree char *default_precision = g_strdup_printf (
    "SELECT precision = '%s' FROM runs WHERE id = 1",
    ead_train_default_precision (EAD_DEVICE_CPU) == EAD_PRECISION_BF16 ? "bf16" : "fp32");
  g_assert_cmpint (query_raw_int (trained, default_precision), ==, 1);
  assert_checkpoint_loads (project, checkpoint_step);
  g_autoptr (GArray) before = ead_project_get_losses (project, 1, &error);
  g_assert_cmpint (before->len, >, checkpoint_step);
  g_test_message ("killed at step %u; checkpoint at step %d", before->len, checkpoint_step);
  g_clear_pointer (&project, ead_project_close);

  const char *resume[] = { "project", "train", trained, "--resume", "1", NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (resume, &err), ==, 0);

  project = ead_project_open (trained, &error);
  g_assert_true (ead_project_get_run (project, 1, &run, &error));
  g_assert_cmpint (run.state, ==, EAD_RUN_FINISHED);
  g_assert_cmpint (run.model_id, >, 0);
  g_assert_cmpint (run.checkpoint_step, ==, 0);
  ead_run_info_clear (&run);

  /* One curve, no gap, no repeated step; the steps trained twice (after
   * the checkpoint) give the same losses again. */
  g_autoptr (GArray) after = ead_project_get_losses (project, 1, &error);
  g_assert_cmpuint (after->len, ==, TRAIN_STEPS);
  for (guint i = 0; i < after->len; i++)
    {
      const EadLossPoint *p = &g_array_index (after, EadLossPoint, i);
      g_assert_cmpint (p->step, ==, i + 1);
      g_assert_true (isfinite (p->losses.total) && p->losses.total > 0);
      if (i > 0)
        g_assert_cmpfloat (p->seconds, >=, g_array_index (after, EadLossPoint, i - 1).seconds);
      if (i < before->len)
        g_assert_cmpfloat_with_epsilon (p->losses.total,
                                        g_array_index (before, EadLossPoint, i).losses.total,
                                        1e-4);
    }

  /* A finished run cannot be resumed. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (resume, &err), !=, 0);
  g_assert_true (g_str_has_prefix (err, "efficientad: "));
  g_assert_nonnull (strstr (err, "finished"));
}

/* ---- After training ---- */

/* A project trained TRAIN_STEPS steps, made once per run in scratch: in
 * fp32, as the tests calibrate and score it, so that calibrating again
 * gives the training's quantiles on any machine. */
static const char *
trained_original (void)
{
  static char *path;
  if (path != NULL)
    return path;
  path = g_build_filename (scratch, "trained" EAD_PROJECT_EXTENSION, NULL);
  create_imported (path);
  g_autofree char *steps = g_strdup_printf ("%d", TRAIN_STEPS);
  const char *train[] = { "project", "train", path, "--teacher", "random", "--steps", steps,
                          "--seed", "7", "--precision", "fp32", NULL };
  g_autofree char *err = NULL;
  int status = run_cli (train, &err);
  g_test_message ("%s", err);
  g_assert_cmpint (status, ==, 0);
  return path;
}

/* Opens a copy of the trained project in @dir, which this test alone
 * changes; returns its model. */
static gint64
open_trained (TempDir *dir, EadProject **project)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) original = g_file_new_for_path (trained_original ());
  g_autofree char *path = g_build_filename (dir->path, "trained" EAD_PROJECT_EXTENSION, NULL);
  g_autoptr (GFile) copy = g_file_new_for_path (path);
  g_assert_true (g_file_copy (original, copy, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  *project = ead_project_open (path, &error);
  g_assert_no_error (error);
  gint64 model = ead_project_get_latest_model (*project, &error);
  g_assert_no_error (error);
  return model;
}

/* Scores @project's test images with @model, which must work. */
static EadEvaluation *
test_model (EadProject *project, gint64 model)
{
  g_autoptr (GError) error = NULL;
  EadEvaluation *evaluation = ead_project_test (project, model, EAD_PRECISION_FP32, NULL, NULL,
                                                NULL, &error);
  g_assert_no_error (error);
  return evaluation;
}

/* A project's calibration is read as warily as a model file's: quantiles
 * 1e-300 apart would scale every map to infinity. */
static void
test_damaged_calibration (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  exec_raw (ead_project_get_path (project),
            "UPDATE calibrations SET st_start = 0, st_end = 1e-300");
  g_autoptr (EadModel) loaded = ead_project_load_model (project, model, &error);
  g_assert_null (loaded);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_nonnull (strstr (error->message, "calibration of model"));
  g_assert_nonnull (strstr (error->message, "is damaged"));
}

static void
test_calibrate (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  EadModelInfo trained_info;
  g_assert_true (ead_project_get_model (project, model, &trained_info, &error));
  g_assert_cmpuint (trained_info.local.n_bins, >, 0);

  g_assert_true (ead_project_calibrate (project, model, EAD_PRECISION_FP32, NULL, NULL, NULL,
                                        &error));
  g_assert_no_error (error);
  EadModelInfo info;
  g_assert_true (ead_project_get_model (project, model, &info, &error));
  /* The same model and validation images give the training's quantiles. */
  g_assert_cmpfloat_with_epsilon (info.quantiles.st_start, trained_info.quantiles.st_start, 1e-5);
  g_assert_cmpfloat_with_epsilon (info.quantiles.ae_end, trained_info.quantiles.ae_end, 1e-5);
  g_assert_cmpuint (info.n_results, ==, info.n_validation);
  g_assert_false (info.has_threshold);
  /* Validation results do not make a model tested. */
  g_autoptr (GArray) tested = ead_project_list_tested_models (project, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tested->len, ==, 0);
  guint64 total = 0;
  for (guint b = 0; b < info.local.n_bins; b++)
    total += info.local.counts[b];
  g_assert_cmpuint (total, >, 0);
  g_assert_cmpfloat (info.local.low, <, info.local.high);
  ead_model_info_clear (&trained_info);
  ead_model_info_clear (&info);

  /* The images a run trained on stay with it. */
  const gint64 train_image = first_image (project, EAD_SPLIT_TRAIN, EAD_LABEL_GOOD, FALSE);
  g_assert_false (ead_project_delete_images (project, &train_image, 1, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "training run 1"));
}

static double
map_max (const float *map, gsize n)
{
  double best = -G_MAXDOUBLE;
  for (gsize i = 0; i < n; i++)
    best = MAX (best, map[i]);
  return best;
}

static void
assert_same_metrics (const EadMetrics *stored, const EadMetrics *computed)
{
  const double stored_values[] = { stored->image_auroc, stored->pixel_auroc, stored->aupro,
                                   stored->f1_max, stored->threshold };
  const double computed_values[] = { computed->image_auroc, computed->pixel_auroc,
                                     computed->aupro, computed->f1_max, computed->threshold };
  g_assert_cmpstr (stored->type, ==, computed->type);
  g_assert_cmpuint (stored->n_images, ==, computed->n_images);
  for (gsize i = 0; i < G_N_ELEMENTS (stored_values); i++)
    if (isnan (computed_values[i]))
      g_assert_true (isnan (stored_values[i]));
    else
      g_assert_cmpfloat (stored_values[i], ==, computed_values[i]);
}

/* @stored holds @overall, then @per_type's metrics. */
static void
assert_same_map_metrics (GArray *stored, const EadMetrics *overall, GArray *per_type)
{
  g_assert_cmpuint (stored->len, ==, 1 + per_type->len);
  assert_same_metrics (&g_array_index (stored, EadMetrics, 0), overall);
  for (guint i = 0; i < per_type->len; i++)
    assert_same_metrics (&g_array_index (stored, EadMetrics, i + 1),
                         &g_array_index (per_type, EadMetrics, i));
}

/* The project keeps every metric of the latest test, overall and per type,
 * of each map. */
static void
assert_stored_metrics (EadProject *project, gint64 model, const EadEvaluation *evaluation)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tested_at = NULL;
  g_autoptr (GArray) stored = ead_project_get_test_metrics (project, model, EAD_MAP_FUSED,
                                                            &tested_at, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tested_at);
  assert_same_map_metrics (stored, &evaluation->overall, evaluation->per_type);
  /* And each map's alone, which a project test computes too. */
  g_assert_nonnull (evaluation->local);
  g_autoptr (GArray) local = ead_project_get_test_metrics (project, model, EAD_MAP_LOCAL, NULL,
                                                           &error);
  g_assert_no_error (error);
  assert_same_map_metrics (local, &evaluation->local->overall, evaluation->local->per_type);
  g_autoptr (GArray) global = ead_project_get_test_metrics (project, model, EAD_MAP_GLOBAL, NULL,
                                                            &error);
  g_assert_no_error (error);
  assert_same_map_metrics (global, &evaluation->global->overall, evaluation->global->per_type);
  /* Pixel metrics are there: the dataset has masks. */
  const EadMetrics *overall = &g_array_index (stored, EadMetrics, 0);
  g_assert_false (isnan (overall->pixel_auroc));

  /* project info --json lists them with the model. */
  g_auto (TestRun) info = test_run_cli ("project", "info", ead_project_get_path (project), "--json",
                                        NULL);
  g_assert_cmpint (info.status, ==, 0);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, info.out, -1, &error));
  JsonObject *model_json = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "models"),
      0);
  JsonObject *all = json_object_get_object_member (
      json_object_get_object_member (model_json, "test_metrics"), "all");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (all, "pixel_auroc"),
                                  overall->pixel_auroc, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (all, "aupro"), overall->aupro,
                                  1e-9);
}

/* project test --json gives each labelled test image the maximum of each
 * map alone, stored with its result, as the engine's evaluation computes
 * it from the maps; the fused scores show that the two lists line up. */
static void
assert_test_json (EadProject *project, const EadEvaluation *evaluation)
{
  g_autoptr (GError) error = NULL;
  g_auto (TestRun) run = test_run_cli ("project", "test", ead_project_get_path (project), "--json",
                                       NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, run.out, -1, &error));
  JsonArray *images = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (parser)), "images");
  guint n_labelled = 0;
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *image = json_array_get_object_element (images, i);
      if (g_str_equal (json_object_get_string_member (image, "label"), "unlabelled"))
        continue;
      g_assert_cmpuint (n_labelled, <, evaluation->images->len);
      const EadImageScore *s = &g_array_index (evaluation->images, EadImageScore, n_labelled++);
      g_assert_true (g_str_has_suffix (s->path, json_object_get_string_member (image, "file")));
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (image, "score"), s->score,
                                      1e-5);
      g_assert_false (isnan (s->local_score) || isnan (s->global_score));
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (image, "local_score"),
                                      s->local_score, 1e-5);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (image, "global_score"),
                                      s->global_score, 1e-5);
    }
  g_assert_cmpuint (n_labelled, ==, evaluation->images->len);
}

/* The anomalous test images scoring no higher than the highest good one. */
static guint
count_hidden (EadProject *project, gint64 model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) results = ead_project_list_results (project, model, &error);
  double highest_good = -INFINITY;
  guint hidden = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split == EAD_SPLIT_TEST && r->label == EAD_LABEL_GOOD)
        highest_good = MAX (highest_good, (float) r->score);
    }
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      hidden += r->split == EAD_SPLIT_TEST && r->label == EAD_LABEL_ANOMALOUS
                && (float) r->score <= highest_good;
    }
  return hidden;
}

/* The assessment follows from the scores and the maps' metrics: the rule
 * on the image AUROC, the defects hidden among the good parts, and the map
 * alone that beats the fused one. */
static void
assert_assessment (EadProject *project, gint64 model, const EadEvaluation *evaluation)
{
  g_autoptr (GError) error = NULL;
  EadModelAssessment assessment;
  g_assert_true (ead_project_assess_model (project, model, &assessment, &error));
  g_assert_no_error (error);
  const EadImageMetrics *m = &assessment.metrics;
  g_assert_cmpuint (m->n_hidden, ==, count_hidden (project, model));
  g_assert_cmpuint (m->n_hidden, <=, m->n_anomalous);
  if (m->image_auroc < EAD_WEAK_IMAGE_AUROC)
    g_assert_cmpint (assessment.fitness, ==, EAD_FITNESS_WEAK);
  else
    g_assert_cmpint (assessment.fitness, ==, m->n_hidden > 0 ? EAD_FITNESS_OVERLAPS
                                                              : EAD_FITNESS_SEPARATES);
  /* An AUROC of 1 leaves no defect hidden, and hidden defects cost AUROC. */
  if (m->image_auroc == 1.0)
    g_assert_cmpuint (m->n_hidden, ==, 0);
  double local = evaluation->local->overall.image_auroc;
  double global = evaluation->global->overall.image_auroc;
  double best = MAX (local, global);
  g_test_message ("image AUROC %.3f (local %.3f, global %.3f), %u of %u defects hidden",
                  m->image_auroc, local, global, m->n_hidden, m->n_anomalous);
  if (best > evaluation->overall.image_auroc + EAD_BETTER_MAP_MARGIN)
    {
      g_assert_cmpint (assessment.better_map, ==, local >= global ? EAD_MAP_LOCAL : EAD_MAP_GLOBAL);
      g_assert_cmpfloat (assessment.better_map_auroc, ==, best);
    }
  else
    g_assert_cmpint (assessment.better_map, ==, EAD_MAP_FUSED);
}

/* Gives the latest test's overall image AUROCs of the three maps. */
static void
set_tested_aurocs (EadProject *project, double fused, double local, double global)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE test_metrics SET image_auroc = CASE map"
                                          " WHEN 'fused' THEN %.3f WHEN 'local' THEN %.3f"
                                          " ELSE %.3f END WHERE defect_type IS NULL",
                                          fused, local, global);
  exec_raw (ead_project_get_path (project), sql);
}

static EadModelAssessment
assess (EadProject *project, gint64 model)
{
  g_autoptr (GError) error = NULL;
  EadModelAssessment assessment;
  g_assert_true (ead_project_assess_model (project, model, &assessment, &error));
  g_assert_no_error (error);
  return assessment;
}

/* Labels the tested images: @anomalous ones anomalous, the others good. */
static void
relabel_tested (EadProject *project, GArray *tested, GArray *anomalous)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ead_project_set_label (project, (const gint64 *) tested->data, tested->len,
                                        EAD_LABEL_GOOD, &error));
  g_assert_true (ead_project_set_label (project, (const gint64 *) anomalous->data,
                                        anomalous->len, EAD_LABEL_ANOMALOUS, &error));
  g_assert_no_error (error);
}

/* A good test image relabelled defective has no mask: the pixel metrics
 * leave it out, as if it were gone, while the image metrics count it. */
static void
test_unmasked_defect (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  g_autoptr (GArray) images = ead_project_list_images (project, &error);
  g_assert_no_error (error);
  gint64 good = 0;
  for (guint i = 0; i < images->len && good == 0; i++)
    {
      const EadImageInfo *image = &g_array_index (images, EadImageInfo, i);
      if (image->split == EAD_SPLIT_TEST && image->label == EAD_LABEL_GOOD)
        good = image->id;
    }
  g_assert_cmpint (good, !=, 0);

  g_assert_true (ead_project_set_label (project, &good, 1, EAD_LABEL_ANOMALOUS, &error));
  g_autoptr (EadEvaluation) relabelled = test_model (project, model);
  g_assert_true (ead_project_delete_images (project, &good, 1, &error));
  g_autoptr (EadEvaluation) deleted = test_model (project, model);

  g_assert_cmpuint (relabelled->overall.n_images, ==, deleted->overall.n_images + 1);
  g_assert_false (isnan (deleted->overall.pixel_auroc));
  g_assert_cmpfloat (relabelled->overall.pixel_auroc, ==, deleted->overall.pixel_auroc);
  g_assert_cmpfloat (relabelled->overall.aupro, ==, deleted->overall.aupro);
}

/* Each fitness, with labels that force it on the stored scores; and the
 * map alone named only when it beats the fused map of its own test. */
static void
test_assessment_cases (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  g_autoptr (EadEvaluation) evaluation = test_model (project, model);

  g_autoptr (GArray) results = ead_project_list_results (project, model, &error);
  g_assert_no_error (error);
  g_autoptr (GArray) tested = g_array_new (FALSE, FALSE, sizeof (gint64));
  double lowest = G_MAXDOUBLE, highest = -G_MAXDOUBLE;
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split != EAD_SPLIT_TEST)
        continue;
      g_array_append_val (tested, r->image_id);
      lowest = MIN (lowest, r->score);
      highest = MAX (highest, r->score);
    }
  g_assert_cmpfloat (lowest, <, highest);
  g_autoptr (GArray) top = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) bottom = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split == EAD_SPLIT_TEST && r->score == highest)
        g_array_append_val (top, r->image_id);
      if (r->split == EAD_SPLIT_TEST && r->score == lowest)
        g_array_append_val (bottom, r->image_id);
    }

  /* Good parts alone say nothing of the defects. */
  g_autoptr (GArray) none = g_array_new (FALSE, FALSE, sizeof (gint64));
  relabel_tested (project, tested, none);
  EadModelAssessment a = assess (project, model);
  g_assert_cmpint (a.fitness, ==, EAD_FITNESS_UNKNOWN);
  g_assert_cmpuint (a.metrics.n_anomalous, ==, 0);
  g_assert_cmpuint (a.metrics.n_good, ==, tested->len);

  /* The highest scores defective: every defect above every good part. */
  relabel_tested (project, tested, top);
  a = assess (project, model);
  g_assert_cmpint (a.fitness, ==, EAD_FITNESS_SEPARATES);
  g_assert_cmpfloat (a.metrics.image_auroc, ==, 1.0);
  g_assert_cmpuint (a.metrics.n_hidden, ==, 0);

  /* The lowest defective: below every good part, an AUROC of 0. */
  relabel_tested (project, tested, bottom);
  a = assess (project, model);
  g_assert_cmpint (a.fitness, ==, EAD_FITNESS_WEAK);
  g_assert_cmpfloat (a.metrics.image_auroc, ==, 0.0);
  g_assert_cmpuint (a.metrics.n_hidden, ==, bottom->len);

  /* Of two maps ahead, the better; within the margin, neither; the test's
   * own fused AUROC is the mark, not the relabelled scores' (0 here). */
  set_tested_aurocs (project, 0.70, 0.80, 0.81);
  a = assess (project, model);
  g_assert_cmpint (a.better_map, ==, EAD_MAP_GLOBAL);
  g_assert_cmpfloat_with_epsilon (a.better_map_auroc, 0.81, 1e-9);
  set_tested_aurocs (project, 0.70, 0.90, 0.50);
  a = assess (project, model);
  g_assert_cmpint (a.better_map, ==, EAD_MAP_LOCAL);
  set_tested_aurocs (project, 0.70, 0.71, 0.715);
  a = assess (project, model);
  g_assert_cmpint (a.better_map, ==, EAD_MAP_FUSED);
  g_assert_cmpfloat (a.better_map_auroc, ==, a.metrics.image_auroc);

  /* project test says when its scores cannot show the model fit. */
  relabel_tested (project, tested, none);
  g_auto (TestRun) run = test_run_cli ("project", "test", ead_project_get_path (project), NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "warning: not measured: no labelled defective test images"));
}

static void
test_results_and_threshold (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  g_autoptr (EadEvaluation) evaluation = test_model (project, model);
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  count_all (project, counts);
  const guint n_test = counts[EAD_SPLIT_TEST][EAD_LABEL_GOOD]
                       + counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS];
  g_assert_cmpuint (evaluation->overall.n_images, ==, n_test);
  g_assert_true (evaluation->overall.image_auroc >= 0 && evaluation->overall.image_auroc <= 1);
  g_assert_true (evaluation->overall.aupro >= 0 && evaluation->overall.aupro <= 1);
  /* The stored scores give the engine's image metrics again. */
  EadImageMetrics metrics;
  g_assert_true (ead_project_get_image_metrics (project, model, &metrics, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (metrics.n_good + metrics.n_anomalous, ==, n_test);
  g_assert_cmpuint (metrics.n_anomalous, ==, counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS]);
  g_assert_cmpfloat_with_epsilon (metrics.image_auroc, evaluation->overall.image_auroc, 1e-9);
  g_assert_cmpfloat_with_epsilon (metrics.f1_max, evaluation->overall.f1_max, 1e-9);
  assert_stored_metrics (project, model, evaluation);
  assert_test_json (project, evaluation);
  assert_assessment (project, model, evaluation);
  g_autoptr (GArray) tested = ead_project_list_tested_models (project, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tested->len, ==, 1);
  g_assert_cmpint (g_array_index (tested, gint64, 0), ==, model);

  /* The curves, from the stored scores: all labelled test images, and one
   * defect type's with the good ones. */
  g_autoptr (EadCurve) curve = ead_project_get_curve (project, model, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (curve->n_positives, ==, counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS]);
  g_assert_cmpuint (curve->n_negatives, ==, counts[EAD_SPLIT_TEST][EAD_LABEL_GOOD]);
  const EadCurvePoint *last = &g_array_index (curve->points, EadCurvePoint,
                                              curve->points->len - 1);
  g_assert_cmpuint (last->true_positives, ==, curve->n_positives);
  g_assert_cmpuint (last->false_positives, ==, curve->n_negatives);
  const EadMetrics *first_type = &g_array_index (evaluation->per_type, EadMetrics, 0);
  g_autoptr (EadCurve) type_curve = ead_project_get_curve (project, model, first_type->type,
                                                           &error);
  g_assert_no_error (error);
  g_assert_cmpuint (type_curve->n_negatives, ==, curve->n_negatives);
  g_assert_cmpuint (type_curve->n_positives + type_curve->n_negatives, ==, first_type->n_images);
  g_assert_cmpuint (type_curve->n_positives, <=, curve->n_positives);

  /* Compact maps: at most 256 pixels a side, the image's shape, and no
   * value above the image score (their maximum at full size). */
  g_autoptr (GArray) results = ead_project_list_results (project, model, &error);
  g_autoptr (GArray) images = ead_project_list_images (project, &error);
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      g_assert_cmpint (r->decision, ==, EAD_DECISION_NONE);
      int w, h;
      g_autofree float *fused = ead_project_load_map (project, model, r->image_id, EAD_MAP_FUSED,
                                                      &w, &h, &error);
      g_assert_no_error (error);
      g_assert_cmpint (MAX (w, h), <=, EAD_PROJECT_MAP_SIDE);
      double top = map_max (fused, (gsize) w * h);
      g_assert_cmpfloat (top, <=, r->score + 1e-4);
      g_assert_cmpfloat (top, >, r->score - 0.1 * fabs (r->score) - 1e-3);
    }

  /* F1-max is the engine's; choosing it stores nothing, setting it does,
   * and decisions follow any threshold at once. */
  double threshold, chosen;
  g_assert_true (ead_project_choose_threshold (project, model, EAD_THRESHOLD_F1_MAX, 0, &chosen,
                                               &error));
  g_assert_cmpfloat (chosen, ==, evaluation->overall.threshold);
  EadModelInfo info;
  g_assert_true (ead_project_get_model (project, model, &info, &error));
  g_assert_false (info.has_threshold);
  ead_model_info_clear (&info);
  g_assert_false (ead_project_choose_threshold (project, model, EAD_THRESHOLD_VALUE, NAN, &chosen,
                                                &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_true (ead_project_set_threshold (project, model, EAD_THRESHOLD_F1_MAX, 0, &threshold,
                                            &error));
  g_assert_cmpfloat (threshold, ==, evaluation->overall.threshold);
  g_assert_true (ead_project_set_threshold (project, model, EAD_THRESHOLD_MAX_FPR, 0, &threshold,
                                            &error));
  g_clear_pointer (&results, g_array_unref);
  results = ead_project_list_results (project, model, &error);
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      g_assert_cmpint (r->decision, ==, r->score >= threshold ? EAD_DECISION_ANOMALOUS
                                                              : EAD_DECISION_GOOD);
      if (r->label == EAD_LABEL_GOOD)
        g_assert_cmpint (r->decision, ==, EAD_DECISION_GOOD);
    }
  EadConfusion c;
  g_assert_true (ead_project_count_decisions (project, model, &c, &error));
  g_assert_cmpuint (c.false_positives, ==, 0);
  g_assert_cmpuint (c.true_positives + c.false_negatives, ==, counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS]);
  g_assert_false (ead_project_set_threshold (project, model, EAD_THRESHOLD_MAX_FPR, 1.5,
                                             &threshold, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);

  /* A new calibration changes every score: the test's metrics go with
   * its results. */
  g_assert_true (ead_project_calibrate (project, model, EAD_PRECISION_FP32, NULL, NULL, NULL,
                                        &error));
  g_autofree char *tested_at = NULL;
  g_autoptr (GArray) stale = ead_project_get_test_metrics (project, model, EAD_MAP_FUSED,
                                                           &tested_at, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stale->len, ==, 0);
  g_assert_null (tested_at);
}

/* Scoring with the local map alone: the old results, metrics and
 * threshold go in one step, the validation images are scored again, and a
 * new test's fused metrics are the local map's of the test before. */
static void
test_local_weight (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  g_autoptr (EadEvaluation) mean = test_model (project, model);
  double threshold;
  g_assert_true (ead_project_set_threshold (project, model, EAD_THRESHOLD_F1_MAX, 0, &threshold,
                                            &error));
  g_assert_false (ead_project_set_local_weight (project, model, 1.5, EAD_PRECISION_FP32, NULL,
                                                NULL, NULL, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);

  /* The weight the model has keeps its results and threshold. */
  EadModelInfo info;
  g_assert_true (ead_project_get_model (project, model, &info, &error));
  guint n_tested = info.n_results;
  g_assert_cmpuint (n_tested, >, info.n_validation);
  ead_model_info_clear (&info);
  g_assert_true (ead_project_set_local_weight (project, model, EAD_DEFAULT_LOCAL_WEIGHT,
                                               EAD_PRECISION_FP32, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ead_project_get_model (project, model, &info, &error));
  g_assert_true (info.has_threshold);
  g_assert_cmpuint (info.n_results, ==, n_tested);
  ead_model_info_clear (&info);

  g_autoptr (EadModel) earlier = ead_project_load_model (project, model, &error);
  g_assert_no_error (error);
  g_assert_true (ead_model_has_threshold (earlier));
  g_assert_true (ead_project_set_local_weight (project, model, 1.0, EAD_PRECISION_FP32, NULL,
                                               NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ead_project_get_model (project, model, &info, &error));
  g_assert_cmpfloat (info.local_weight, ==, 1.0);
  g_assert_false (info.has_threshold);
  g_assert_cmpuint (info.n_results, ==, info.n_validation);
  ead_model_info_clear (&info);
  /* A model loaded before (the Line view's) follows. */
  g_assert_true (ead_project_update_calibration (project, model, earlier, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (ead_model_get_local_weight (earlier), ==, 1.0);
  g_assert_false (ead_model_has_threshold (earlier));
  g_autoptr (GArray) stale = ead_project_get_test_metrics (project, model, EAD_MAP_FUSED, NULL,
                                                           &error);
  g_assert_cmpuint (stale->len, ==, 0);
  g_autoptr (EadModel) loaded = ead_project_load_model (project, model, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ead_model_get_local_weight (loaded), ==, 1.0);
  g_auto (TestRun) shown = test_run_cli ("project", "info", ead_project_get_path (project), NULL);
  g_assert_nonnull (strstr (shown.out, "fused map 1 x local + 0 x global, no threshold"));

  g_autoptr (EadEvaluation) local = test_model (project, model);
  assert_same_metrics (&local->overall, &mean->local->overall);
  /* The scores changed (AUROCs may agree on so few images). */
  g_assert_cmpfloat (local->overall.threshold, !=, mean->overall.threshold);

  /* Recalibrating keeps the choice. */
  g_assert_true (ead_project_calibrate (project, model, EAD_PRECISION_FP32, NULL, NULL, NULL,
                                        &error));
  g_assert_true (ead_project_get_model (project, model, &info, &error));
  g_assert_cmpfloat (info.local_weight, ==, 1.0);
  ead_model_info_clear (&info);

  /* The command line's way back to the mean, and its one-line refusals. */
  const char *path = ead_project_get_path (project);
  g_auto (TestRun) neither = test_run_cli ("project", "fusion", path, NULL);
  g_assert_cmpint (neither.status, ==, 1);
  g_assert_nonnull (strstr (neither.err, "exactly one of --map"));
  g_auto (TestRun) unknown = test_run_cli ("project", "fusion", path, "--map", "both", NULL);
  g_assert_nonnull (strstr (unknown.err, "unknown map 'both'"));
  g_auto (TestRun) outside = test_run_cli ("project", "fusion", path, "--local-weight=-1", NULL);
  g_assert_nonnull (strstr (outside.err, "between 0 and 1"));
  g_auto (TestRun) fused = test_run_cli ("project", "fusion", path, "--map", "fused", NULL);
  g_assert_cmpint (fused.status, ==, 0);
  g_assert_nonnull (strstr (fused.out, "0.5 x local + 0.5 x global"));
  g_assert_true (ead_project_get_model (project, model, &info, &error));
  g_assert_cmpfloat (info.local_weight, ==, 0.5);
  ead_model_info_clear (&info);
}

/* Scores the test images of @project's @model. */
static void
score_test_images (EadProject *project, gint64 model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadEvaluation) evaluation = test_model (project, model);
}

/* The @nth (from 0) test result of an image labelled @label. */
static const EadResultInfo *
test_result (GArray *results, EadLabel label, guint nth)
{
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split == EAD_SPLIT_TEST && r->label == label && nth-- == 0)
        return r;
    }
  g_assert_not_reached ();
}

static void
test_false_positives_to_training (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  score_test_images (project, model);
  g_autoptr (GArray) results = ead_project_list_results (project, model, &error);
  const EadResultInfo *good = test_result (results, EAD_LABEL_GOOD, 0);
  const EadResultInfo *anomalous = test_result (results, EAD_LABEL_ANOMALOUS, 0);
  const EadResultInfo *other = test_result (results, EAD_LABEL_ANOMALOUS, 1);
  g_assert_true (ead_project_review (project, model, good->image_id, EAD_VERDICT_FALSE_POSITIVE,
                                     "reflection", &error));
  g_assert_true (ead_project_review (project, model, anomalous->image_id,
                                     EAD_VERDICT_FALSE_POSITIVE, NULL, &error));
  g_assert_true (ead_project_review (project, model, other->image_id, EAD_VERDICT_TRUE_DEFECT,
                                     NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ead_project_review (project, model, 99999, EAD_VERDICT_UNSURE, NULL, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);

  guint before[EAD_N_SPLITS][EAD_N_LABELS], after[EAD_N_SPLITS][EAD_N_LABELS];
  count_all (project, before);
  guint n_moved = 0;
  g_assert_true (ead_project_move_false_positives (project, model, &n_moved, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_moved, ==, 2);
  count_all (project, after);
  g_assert_cmpuint (after[EAD_SPLIT_TRAIN][EAD_LABEL_GOOD], ==,
                    before[EAD_SPLIT_TRAIN][EAD_LABEL_GOOD] + 2);
  g_assert_cmpuint (after[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS], ==,
                    before[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS] - 1);

  g_autoptr (GArray) images = ead_project_list_images (project, &error);
  for (guint i = 0; i < images->len; i++)
    {
      const EadImageInfo *info = &g_array_index (images, EadImageInfo, i);
      if (info->id == anomalous->image_id)
        {
          g_assert_cmpint (info->label, ==, EAD_LABEL_GOOD);
          g_assert_cmpint (info->split, ==, EAD_SPLIT_TRAIN);
          g_assert_null (info->defect_type);
          g_assert_false (info->has_mask);
        }
      if (info->id == other->image_id)
        g_assert_cmpint (info->split, ==, EAD_SPLIT_TEST);
    }
  /* The verdicts stay with the results. */
  g_autoptr (GArray) reviewed = ead_project_list_results (project, model, &error);
  for (guint i = 0; i < reviewed->len; i++)
    {
      const EadResultInfo *r = &g_array_index (reviewed, EadResultInfo, i);
      if (r->image_id == good->image_id)
        {
          g_assert_cmpint (r->verdict, ==, EAD_VERDICT_FALSE_POSITIVE);
          g_assert_cmpstr (r->note, ==, "reflection");
        }
    }
}

/* An image the line rejected is kept with its result and decision; marked
 * a false positive, it moves to training like a test image. A duplicate, a
 * file that is not an image and an unknown model keep nothing. */
static void
test_line_images (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  g_autoptr (GArray) images = ead_project_list_images (project, &error);
  const gint64 source = g_array_index (images, EadImageInfo, 0).id;
  g_autofree char *path = g_build_filename (dir->path, "line-0001.png", NULL);
  g_autoptr (EadImage) original = ead_project_load_image (project, source, &error);
  test_write_spotted_copy (original, path);
  g_autoptr (EadModel) loaded = ead_project_load_model (project, model, &error);
  g_autofree char *bytes = NULL;
  gsize size;
  g_assert_true (g_file_get_contents (path, &bytes, &size, NULL));
  g_autoptr (GBytes) contents = g_bytes_new_static (bytes, size);
  g_autoptr (EadImage) image = ead_image_load (path, &error);
  g_auto (EadScoreResult) result = { 0 };
  g_assert_true (ead_model_score (loaded, image, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &result,
                                  &error));
  g_assert_no_error (error);
  guint before[EAD_N_SPLITS][EAD_N_LABELS], after[EAD_N_SPLITS][EAD_N_LABELS];
  count_all (project, before);
  g_assert_cmpuint (before[EAD_SPLIT_LINE][EAD_LABEL_UNLABELLED], ==, 0);

  /* The camera overwrites the file after it was scored: the project keeps
   * the image that was scored. */
  g_assert_true (ead_image_save_png (original, path, &error));
  gint64 kept = ead_project_keep_line_image (project, path, contents, model, &result,
                                             EAD_LINE_FAIL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kept, >, 0);
  g_autoptr (EadImage) kept_image = ead_project_load_image (project, kept, &error);
  g_assert_no_error (error);
  const gsize n_bytes = 3 * (gsize) ead_image_get_width (image) * ead_image_get_height (image);
  g_assert_cmpint (ead_image_get_width (kept_image), ==, ead_image_get_width (image));
  g_assert_cmpint (ead_image_get_height (kept_image), ==, ead_image_get_height (image));
  g_assert_cmpmem (ead_image_get_pixels (kept_image), n_bytes, ead_image_get_pixels (image),
                   n_bytes);
  count_all (project, after);
  g_assert_cmpuint (after[EAD_SPLIT_LINE][EAD_LABEL_UNLABELLED], ==, 1);
  g_autoptr (GArray) inspections = ead_project_list_line_inspections (project, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (inspections->len, ==, 1);
  const EadLineInspection *inspection = &g_array_index (inspections, EadLineInspection, 0);
  g_assert_cmpint (inspection->image_id, ==, kept);
  g_assert_cmpint (inspection->model_id, ==, model);
  g_assert_cmpint (inspection->decision, ==, EAD_LINE_FAIL);
  g_assert_cmpfloat (inspection->score, ==, result.score);
  g_assert_nonnull (inspection->inspected_at);
  g_autoptr (GArray) results = ead_project_list_results (project, model, &error);
  const EadResultInfo *line_result = NULL;
  for (guint i = 0; i < results->len; i++)
    if (g_array_index (results, EadResultInfo, i).image_id == kept)
      line_result = &g_array_index (results, EadResultInfo, i);
  g_assert_nonnull (line_result);
  g_assert_cmpint (line_result->split, ==, EAD_SPLIT_LINE);
  g_assert_cmpfloat (line_result->score, ==, result.score);
  int w, h;
  g_autofree float *map = ead_project_load_map (project, model, kept, EAD_MAP_FUSED, &w, &h,
                                                &error);
  g_assert_no_error (error);
  g_assert_nonnull (map);

  /* Nothing more is kept from files that cannot be. */
  g_assert_cmpint (ead_project_keep_line_image (project, path, contents, model, &result,
                                                EAD_LINE_FAIL, &error), ==, 0);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST);
  g_clear_error (&error);
  g_autofree char *text = g_build_filename (dir->path, "line-0002.png", NULL);
  g_autoptr (GBytes) not_an_image = g_bytes_new_static ("not an image", 12);
  g_assert_cmpint (ead_project_keep_line_image (project, text, not_an_image, model, &result,
                                                EAD_LINE_PASS, &error), ==, 0);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "line-0002.png"));
  g_clear_error (&error);
  g_assert_cmpint (ead_project_keep_line_image (project, path, contents, 9999, &result,
                                                EAD_LINE_PASS, &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);
  guint unchanged[EAD_N_SPLITS][EAD_N_LABELS];
  count_all (project, unchanged);
  g_assert_cmpmem (unchanged, sizeof unchanged, after, sizeof after);

  /* The engineer calls the reject a false positive: it trains next time. */
  g_assert_true (ead_project_review (project, model, kept, EAD_VERDICT_FALSE_POSITIVE, NULL,
                                     &error));
  guint n_moved = 0;
  g_assert_true (ead_project_move_false_positives (project, model, &n_moved, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_moved, ==, 1);
  count_all (project, after);
  g_assert_cmpuint (after[EAD_SPLIT_LINE][EAD_LABEL_UNLABELLED], ==, 0);
  g_assert_cmpuint (after[EAD_SPLIT_TRAIN][EAD_LABEL_GOOD], ==,
                    before[EAD_SPLIT_TRAIN][EAD_LABEL_GOOD] + 1);
}

/* Exports @model in @format to @path and checks the SHA-256 it reports
 * against the file's; returns it. */
static char *
export_checked (EadProject *project, gint64 model, EadExportFormat format, const char *path)
{
  g_autoptr (GError) error = NULL;
  char *sha256 = NULL;
  g_assert_true (ead_project_export_model (project, model, format, path, &sha256, &error));
  g_assert_no_error (error);
  g_autoptr (GBytes) bytes = read_bytes (path);
  g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_assert_cmpstr (sha256, ==, expected);
  return sha256;
}

static void
test_export (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  gint64 model = open_trained (dir, &project);
  double threshold;
  score_test_images (project, model);
  g_assert_true (ead_project_set_threshold (project, model, EAD_THRESHOLD_F1_MAX, 0, &threshold,
                                            &error));
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir->path, "exported.safetensors", NULL);
  g_autofree char *sha256 = export_checked (project, model, EAD_EXPORT_MODEL_FILE, path);

  g_autoptr (EadModel) exported = ead_model_load (path, &error);
  g_assert_no_error (error);
  EadModelInfo info;
  g_assert_true (ead_project_get_model (project, model, &info, &error));
  g_assert_true (info.has_threshold);
  g_assert_cmpfloat (ead_model_get_threshold (exported), ==, info.threshold);
  g_assert_cmpfloat (ead_model_get_quantiles (exported)->st_end, ==, info.quantiles.st_end);
  ead_model_info_clear (&info);

  /* ONNX too (test-export checks what is inside). */
  g_autofree char *onnx = g_build_filename (dir->path, "exported.onnx", NULL);
  g_autofree char *onnx_sha256 = export_checked (project, model, EAD_EXPORT_ONNX, onnx);
  g_assert_cmpstr (onnx_sha256, !=, sha256);
  /* Each recorded with the format it was written in. */
  const char *project_path = ead_project_get_path (project);
  g_assert_cmpint (query_raw_int (project_path, "SELECT count(*) FROM exports"), ==, 2);
  g_assert_cmpint (query_raw_int (project_path, "SELECT count(*) FROM exports"
                                                " WHERE format = 'model' AND path LIKE '%.safetensors'"),
                   ==, 1);
  g_assert_cmpint (query_raw_int (project_path, "SELECT count(*) FROM exports"
                                                " WHERE format = 'onnx' AND path LIKE '%.onnx'"),
                   ==, 1);

  /* The command line refuses a model its tests show unfit unless forced,
   * and writes a fit one at once. */
  EadModelAssessment assessment;
  g_assert_true (ead_project_assess_model (project, model, &assessment, &error));
  g_autofree char *model_text = g_strdup_printf ("%" G_GINT64_FORMAT, model);
  g_autofree char *cli_path = g_build_filename (dir->path, "cli.safetensors", NULL);
  g_auto (TestRun) plain = test_run_cli ("project", "export", ead_project_get_path (project),
                                         "--model", model_text, "-o", cli_path, NULL);
  g_test_message ("fitness %d, image AUROC %.3f: %s", assessment.fitness,
                  assessment.metrics.image_auroc, plain.err);
  if (assessment.fitness == EAD_FITNESS_WEAK)
    {
      g_assert_cmpint (plain.status, ==, 1);
      g_assert_nonnull (strstr (plain.err, "is not fit for the line"));
      g_assert_nonnull (strstr (plain.err, "--force"));
      g_assert_false (g_file_test (cli_path, G_FILE_TEST_EXISTS));
      g_auto (TestRun) forced = test_run_cli ("project", "export", ead_project_get_path (project),
                                              "--model", model_text, "-o", cli_path, "--force",
                                              NULL);
      g_assert_cmpint (forced.status, ==, 0);
    }
  else
    g_assert_cmpint (plain.status, ==, 0);
  g_assert_true (g_file_test (cli_path, G_FILE_TEST_EXISTS));
}

/* ---- Region of interest ---- */

static EadRoi *
left_half_of_images (EadProject *project)
{
  g_autoptr (GError) error = NULL;
  int width, height;
  g_assert_true (ead_project_get_image_size (project, &width, &height, &error));
  g_assert_no_error (error);
  const int rect[][4] = { { 0, 0, width / 2, height } };
  EadRoi *roi = ead_roi_new_from_rects (rect, 1, width, height, &error);
  g_assert_no_error (error);
  return roi;
}

/* Set, read back with who and when, cleared (who and when kept), and a
 * damaged one refused in one line. */
static void
test_roi_set_and_cleared (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = create_project (dir, "roi" EAD_PROJECT_EXTENSION);
  g_autofree char *by = NULL, *at = NULL;
  g_assert_null (ead_project_get_roi (project, &by, &at, &error));
  g_assert_no_error (error);
  g_assert_null (by);
  int width, height;
  g_assert_false (ead_project_get_image_size (project, &width, &height, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);

  const guint8 mask[] = { 0, 255, 255, 0, 0, 0 };
  g_autoptr (EadRoi) roi = ead_roi_new (mask, 3, 2, "rect 1,0,2,1", &error);
  g_assert_true (ead_project_set_roi (project, roi, &error));
  g_assert_no_error (error);
  g_autoptr (EadRoi) back = ead_project_get_roi (project, &by, &at, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->width, ==, 3);
  g_assert_cmpint (back->height, ==, 2);
  g_assert_cmpmem (back->mask, 6, mask, 6);
  g_assert_cmpstr (back->source, ==, "rect 1,0,2,1");
  g_assert_cmpstr (by, ==, g_get_user_name ());
  g_assert_nonnull (at);
  g_clear_pointer (&by, g_free);
  g_clear_pointer (&at, g_free);

  g_assert_true (ead_project_set_roi (project, NULL, &error));
  g_assert_null (ead_project_get_roi (project, &by, &at, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (by, ==, g_get_user_name ());
  g_assert_nonnull (at);

  /* A mask of the wrong length, written behind the project's back. */
  g_assert_true (ead_project_set_roi (project, roi, &error));
  exec_raw (ead_project_get_path (project), "UPDATE roi SET mask = x'00ff'");
  g_assert_null (ead_project_get_roi (project, NULL, NULL, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_assert_null (strchr (error->message, '\n'));
}

/* A run trained after the region was set gives it to its model, calibrated
 * within it; the model trained before keeps none; the test counts the
 * pixels inside only. */
static void
test_roi_carried_into_training (TempDir *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = NULL;
  const gint64 before = open_trained (dir, &project);
  g_autoptr (EadRoi) roi = left_half_of_images (project);
  g_assert_true (ead_project_set_roi (project, roi, &error));
  g_assert_no_error (error);

  g_autofree char *steps = g_strdup_printf ("%d", TRAIN_STEPS);
  const char *train[] = { "project", "train", ead_project_get_path (project), "--teacher",
                          "random", "--steps", steps, "--seed", "7", "--precision", "fp32",
                          NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (train, &err), ==, 0);
  const gint64 after = ead_project_get_latest_model (project, &error);
  g_assert_cmpint (after, >, before);

  g_autoptr (EadModel) old_model = ead_project_load_model (project, before, &error);
  g_assert_null (ead_model_get_roi (old_model));
  g_autoptr (EadModel) new_model = ead_project_load_model (project, after, &error);
  g_assert_no_error (error);
  const EadRoi *carried = ead_model_get_roi (new_model);
  g_assert_nonnull (carried);
  g_assert_cmpstr (carried->source, ==, roi->source);
  g_assert_cmpmem (carried->mask, (gsize) roi->width * roi->height, roi->mask,
                   (gsize) roi->width * roi->height);
  /* The validation histograms count the stored maps' left halves only. */
  EadModelInfo info;
  g_assert_true (ead_project_get_model (project, after, &info, &error));
  const gint64 validation = first_image (project, EAD_SPLIT_VALIDATION, EAD_LABEL_GOOD, FALSE);
  int width, height;
  g_autofree float *map = ead_project_load_map (project, after, validation, EAD_MAP_LOCAL, &width,
                                                &height, &error);
  g_assert_no_error (error);
  guint64 counted = 0;
  for (guint b = 0; b < info.local.n_bins; b++)
    counted += info.local.counts[b];
  g_assert_cmpuint (counted, ==, (guint64) info.n_validation * (width / 2) * height);
  /* Over the range of those halves alone. */
  float low = G_MAXFLOAT, high = -G_MAXFLOAT;
  g_autoptr (GArray) images = ead_project_list_images (project, &error);
  for (guint i = 0; i < images->len; i++)
    {
      const EadImageInfo *image = &g_array_index (images, EadImageInfo, i);
      if (image->split != EAD_SPLIT_VALIDATION || image->label != EAD_LABEL_GOOD)
        continue;
      g_autofree float *values = ead_project_load_map (project, after, image->id, EAD_MAP_LOCAL,
                                                       &width, &height, &error);
      g_assert_no_error (error);
      for (int y = 0; y < height; y++)
        for (int x = 0; x < width / 2; x++)
          {
            low = MIN (low, values[y * width + x]);
            high = MAX (high, values[y * width + x]);
          }
    }
  g_assert_cmpfloat (info.local.low, ==, low);
  g_assert_cmpfloat (info.local.high, ==, high);
  ead_model_info_clear (&info);

  /* Clearing it later leaves the model as it was trained. */
  g_assert_true (ead_project_set_roi (project, NULL, &error));
  g_clear_pointer (&new_model, ead_model_free);
  new_model = ead_project_load_model (project, after, &error);
  g_assert_nonnull (ead_model_get_roi (new_model));

  /* Every test image's fused map is 0 in its right half, and the peak
   * lies in the left. */
  g_autoptr (EadEvaluation) evaluation = ead_project_test (project, after, EAD_PRECISION_FP32,
                                                           NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < evaluation->images->len; i++)
    {
      const EadImageScore *image = &g_array_index (evaluation->images, EadImageScore, i);
      g_assert_cmpint (image->peak_x, <, image->width / 2);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ead_torch_set_threads (0);
  scratch = g_dir_make_tmp ("ead-project-XXXXXX", NULL);
  dataset = test_make_small_dataset (scratch);
  add_temp_dir_test ("/project/create", test_create);
  add_temp_dir_test ("/project/refuses-newer-version", test_refuses_newer_version);
  add_temp_dir_test ("/project/migrates-export-formats", test_migrates_export_formats);
  add_temp_dir_test ("/project/migrates-result-scores", test_migrates_result_scores);
  add_temp_dir_test ("/project/upgrades-version-1", test_upgrades_version_1);
  add_temp_dir_test ("/project/upgrades-version-2", test_upgrades_version_2);
  add_temp_dir_test ("/project/refuses-other-files", test_refuses_other_files);
  add_temp_dir_test ("/project/refuses-damaged-file", test_refuses_damaged_file);
  add_temp_dir_test ("/project/reopen-refuses-other-files", test_reopen_refuses_other_files);
  add_temp_dir_test ("/project/refuses-runs-that-cannot-run", test_refuses_runs_that_cannot_run);
  add_temp_dir_test ("/project/import-mvtec", test_import_mvtec);
  add_temp_dir_test ("/project/duplicates-and-bad-files", test_duplicates_and_bad_files);
  add_temp_dir_test ("/project/edit-images", test_edit_images);
  add_temp_dir_test ("/project/train-cancelled-at-once", test_train_cancelled_at_once);
  add_temp_dir_test ("/project/train-paused-and-resumed-in-place",
                     test_train_paused_and_resumed_in_place);
  add_temp_dir_test ("/project/train-cancel-checkpoint-unwritable",
                     test_train_cancel_checkpoint_unwritable);
  add_temp_dir_test ("/project/train-killed-and-resumed", test_train_killed_and_resumed);
  add_temp_dir_test ("/project/train-budget-and-validation", test_train_budget_and_validation);
  add_temp_dir_test ("/project/train-tiled", test_train_tiled);
  add_temp_dir_test ("/project/calibrate", test_calibrate);
  add_temp_dir_test ("/project/damaged-calibration", test_damaged_calibration);
  add_temp_dir_test ("/project/results-and-threshold", test_results_and_threshold);
  add_temp_dir_test ("/project/assessment-cases", test_assessment_cases);
  add_temp_dir_test ("/project/unmasked-defect", test_unmasked_defect);
  add_temp_dir_test ("/project/local-weight", test_local_weight);
  add_temp_dir_test ("/project/false-positives-to-training", test_false_positives_to_training);
  add_temp_dir_test ("/project/line-images", test_line_images);
  add_temp_dir_test ("/project/export", test_export);
  add_temp_dir_test ("/project/roi-set-and-cleared", test_roi_set_and_cleared);
  add_temp_dir_test ("/project/roi-carried-into-training", test_roi_carried_into_training);
  int status = g_test_run ();
  test_remove_tree (scratch);
  g_free (dataset);
  g_free (scratch);
  return status;
}

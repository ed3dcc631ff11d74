/* ead-project-schema.c: the project file's schema, as the migrations that
 * build it version by version. */

#include "ead-project-private.h"

/* Version 1: everything. Each later version appends a migration that
 * brings the previous one up to it; they are never edited once released. */
static const char *const migrations[] = {
  "PRAGMA application_id = " G_STRINGIFY (EAD_PROJECT_APPLICATION_ID) ";"

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

  /* Version 4: the metrics of the local and global maps alone beside the
   * fused map's, to see which branch fails; earlier rows are the fused
   * map's. */
  "ALTER TABLE test_metrics ADD COLUMN map TEXT NOT NULL DEFAULT 'fused'"
  "  CHECK (map IN ('local', 'global', 'fused'));",

  /* Version 5: how the fused map mixes the local and the global map, a
   * setting of the calibration; earlier models are the paper's mean. */
  "ALTER TABLE calibrations ADD COLUMN local_weight REAL NOT NULL DEFAULT 0.5"
  "  CHECK (local_weight BETWEEN 0 AND 1);",

  /* Version 6: images kept from the line, in a split of their own, with
   * what the line decided. SQLite cannot change a CHECK in place, so the
   * labels table is built anew (no table refers to it). */
  "CREATE TABLE labels_6 ("
  "  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,"
  "  label TEXT NOT NULL CHECK (label IN ('unlabelled', 'good', 'anomalous')),"
  "  defect_type_id INTEGER REFERENCES defect_types (id),"
  "  split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test', 'line')),"
  "  changed_by TEXT NOT NULL,"
  "  changed_at TEXT NOT NULL,"
  "  CHECK (defect_type_id IS NULL OR label = 'anomalous'));"
  "INSERT INTO labels_6 SELECT image_id, label, defect_type_id, split, changed_by, changed_at"
  "  FROM labels;"
  "DROP TABLE labels;"
  "ALTER TABLE labels_6 RENAME TO labels;"
  "CREATE INDEX labels_split_label ON labels (split, label);"

  "CREATE TABLE line_inspections ("
  "  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,"
  "  model_id INTEGER REFERENCES models (id) ON DELETE SET NULL,"
  "  score REAL NOT NULL,"
  "  decision TEXT NOT NULL CHECK (decision IN ('pass', 'fail', 'recheck')),"
  "  inspected_at TEXT NOT NULL);"
  "CREATE INDEX line_inspections_model ON line_inspections (model_id);",

  /* Version 7: the project's region of interest, which the models trained
   * from then on carry; one row once it was first set, its mask and source
   * NULL once cleared. */
  "CREATE TABLE roi ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  width INTEGER CHECK (width > 0),"
  "  height INTEGER CHECK (height > 0),"
  "  mask BLOB,"
  "  source TEXT,"
  "  changed_by TEXT NOT NULL,"
  "  changed_at TEXT NOT NULL,"
  "  CHECK ((mask IS NULL) = (source IS NULL)"
  "         AND (mask IS NULL) = (width IS NULL) AND (mask IS NULL) = (height IS NULL)));",

  /* Version 8: a run's tiling (tiles per side); earlier runs took the
   * whole image. */
  "ALTER TABLE runs ADD COLUMN tiles INTEGER NOT NULL DEFAULT 1 CHECK (tiles BETWEEN 1 AND 8);",

  /* Version 9: an export's format as ead_export_format_to_string() names
   * it. Earlier versions recorded every export as a model file; the file's
   * suffix is what is left to tell (the workbench adds it; a file named
   * otherwise on the command line counts as a model file). */
  "UPDATE exports SET format = CASE"
  "  WHEN path LIKE '%.onnx' THEN 'onnx'"
  "  WHEN path LIKE '%.pt' THEN 'torchscript'"
  "  ELSE 'model' END;",

  /* Version 10: each map's own maximum beside the score (NULL for the
   * results scored before). */
  "ALTER TABLE results ADD COLUMN local_score REAL;"
  "ALTER TABLE results ADD COLUMN global_score REAL;",
};

int
ead_project_get_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

gboolean
ead_project_migrate (EadProject *project, int from, GError **error)
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

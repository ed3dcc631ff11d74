/* ead-project-private.h: what the parts of the project layer share: the
 * connection and small helpers around SQLite's statements. */
#pragma once

#include <sqlite3.h>

#include "ead-project.h"
#include "ead-score.h"

G_BEGIN_DECLS

struct _EadProject {
  sqlite3 *db;
  char *path;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* PRAGMA application_id: "EADP", so other SQLite files are told apart. */
#define EAD_PROJECT_APPLICATION_ID 0x45414450

/* Brings the schema from version @from to the current one, in one
 * transaction (ead-project-schema.c). */
gboolean ead_project_migrate (EadProject *project, int from, GError **error);

/* Sets @error from @db's last error, naming @path. */
void ead_project_set_sqlite_error (sqlite3 *db, const char *path, GError **error);

/* Sets @error from the connection's last error; returns FALSE. */
gboolean ead_project_fail (EadProject *project, GError **error);

gboolean ead_project_exec (EadProject *project, const char *sql, GError **error);
sqlite3_stmt *ead_project_prepare (EadProject *project, const char *sql, GError **error);
/* Steps a statement that returns no rows (an INSERT, UPDATE or DELETE) and
 * resets it for the next bindings. */
gboolean ead_project_step_statement (EadProject *project, sqlite3_stmt *statement, GError **error);
/* Checks the status that ended a loop over rows: SQLITE_DONE, or an error. */
gboolean ead_project_done (EadProject *project, int status, GError **error);
/* Steps to the row a query may return: @found says whether there was one;
 * FALSE only on an error. */
gboolean ead_project_maybe_row (EadProject *project, sqlite3_stmt *statement, gboolean *found,
                                GError **error);
/* Steps to the row a query must return; without one, fails with
 * "PATH: there is no WHAT", WHAT formatted from @format. */
gboolean ead_project_one_row (EadProject *project, sqlite3_stmt *statement, GError **error,
                              const char *format, ...) G_GNUC_PRINTF (4, 5);

/* Write transactions take the write lock at once (BEGIN IMMEDIATE), so a
 * busy file waits at the start rather than failing half way. */
gboolean ead_project_begin (EadProject *project, GError **error);
gboolean ead_project_commit (EadProject *project, GError **error);
void ead_project_rollback (EadProject *project);

/* Text columns as newly allocated strings (NULL stays NULL). */
char *ead_project_column_text (sqlite3_stmt *statement, int column);

/* The current time as ISO 8601 UTC, for the *_at columns. */
char *ead_project_now (void);
/* Who is changing things, for the *_by columns. */
const char *ead_project_user (void);

/* Lowercase hexadecimal SHA-256. */
char *ead_project_sha256 (const guint8 *data, gsize size);

/* "host pid" of this process, recorded as the owner of the runs it trains. */
char *ead_project_owner (void);
/* TRUE when the owner's process is known to be gone: one of this machine
 * that no longer exists (another machine's cannot be asked). */
gboolean ead_project_owner_is_gone (const char *owner);

gboolean ead_run_state_from_string (const char *text, EadRunState *state);
/* As the schema spells precisions: "fp32" and "bf16". */
const char *ead_project_precision_to_string (EadPrecision precision);
EadPrecision ead_project_precision_from_string (const char *text);
gboolean ead_threshold_method_from_string (const char *text, EadThresholdMethod *method);

/* The images @ids (gint64), decoded and resized to @size x @size, in that
 * order; an array that frees them. */
GPtrArray *ead_project_load_images_at_size (EadProject *project, GArray *ids, int size,
                                            GCancellable *cancellable, GError **error);

/* Fails with "no model N" when @model_id is not in the project. */
gboolean ead_project_check_model (EadProject *project, gint64 model_id, GError **error);

/* Inserts a trained model and its calibration (no transaction of its own);
 * returns the model's id, 0 on error. */
gint64 ead_project_insert_model (EadProject *project, gint64 run_id, EadModel *model,
                                 EadPrecision precision, guint n_validation, GError **error);

/* Scores the good validation images with @model, storing their results and
 * the histograms of their maps. */
gboolean ead_project_store_validation (EadProject *project, gint64 model_id, EadModel *model,
                                       EadPrecision precision, EadProjectProgress progress,
                                       gpointer user_data, GCancellable *cancellable,
                                       GError **error);

/* Stores (or replaces) the result of @model_id for @image_id with its maps,
 * in a transaction of its own... */
gboolean ead_project_store_result (EadProject *project, gint64 model_id, gint64 image_id,
                                   const EadScoreResult *result, GError **error);
/* ...or in the caller's. */
gboolean ead_project_insert_result (EadProject *project, gint64 model_id, gint64 image_id,
                                    const EadScoreResult *result, GError **error);

/* FALSE, with an error, for the line split: images join it only as they are
 * scored on the line (ead_project_keep_line_image()), never by a choice. */
gboolean ead_project_check_chosen_split (int split, GError **error);

/* Imports @contents, the bytes read from the file @path, as a batch of its
 * own in the caller's transaction, which the caller ends. Returns the new
 * image's id; 0 with an error when the bytes are no image or the project
 * holds them already (G_FILE_ERROR_EXIST). */
gint64 ead_project_import_contents_within (EadProject *project, const char *path,
                                           GBytes *contents, const EadImportOptions *options,
                                           GError **error);

G_END_DECLS

/* cmd-project.h: what the verbs of efficientad project (cmd-project-*.c)
 * share: parsing FILE and options, resolving --model, printing JSON. */
#pragma once

#include "cli.h"
#include "ead-error.h"
#include "ead-project.h"

G_BEGIN_DECLS

/* What calibrate, fusion and test share: FILE, --model, --json and the
 * engine options, parsed, with the project opened and the model resolved. */
typedef struct {
  gint64 model;
  gboolean json;
  EadPrecision precision;
  EadProject *project;
} ModelCommand;

/* Parses the options and checks that exactly one FILE (and, with
 * @more_args, more arguments) follows. */
gboolean project_parse_command (GOptionContext *context, const char *command, gboolean more_args,
                                int *argc, char ***argv, GError **error);

/* The model of --model, or the newest one for 0. */
gint64 project_resolve_model (EadProject *project, gint64 model_id, GError **error);

void project_print_json (JsonBuilder *b);

void project_add_int (JsonBuilder *b, const char *name, gint64 value);

void project_add_string (JsonBuilder *b, const char *name, const char *value);

/* A command whose only option is --json. */
gboolean project_parse_json_command (const char *name, const char *summary, int *argc, char ***argv,
                                     gboolean *json, GError **error);

void project_on_scored (guint done, guint total, gpointer user_data);

void project_model_command_clear (ModelCommand *command);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ModelCommand, project_model_command_clear)

/* @options: the command's own, or NULL. */
gboolean project_open_model_command (const char *name, const char *summary, const char *description,
                                     const GOptionEntry *options, int argc, char **argv,
                                     ModelCommand *command, GError **error);

/* The verbs. */
int project_create (int argc, char **argv);
int project_import (int argc, char **argv);
int project_info (int argc, char **argv);
int project_train (int argc, char **argv);
int project_calibrate (int argc, char **argv);
int project_test (int argc, char **argv);
int project_fusion (int argc, char **argv);
int project_roi (int argc, char **argv);
int project_threshold (int argc, char **argv);
int project_review (int argc, char **argv);
int project_export (int argc, char **argv);
int project_report (int argc, char **argv);

G_END_DECLS

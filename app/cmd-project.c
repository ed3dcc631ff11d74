/* cmd-project.c: efficientad project COMMAND FILE ..., the project file
 * from the command line: the table of verbs (each in cmd-project-VERB.c)
 * and what they share. */

#include "cmd-project.h"

gboolean
project_parse_command (GOptionContext *context, const char *command, gboolean more_args, int *argc,
                       char ***argv, GError **error)
{
  if (!cli_parse (context, argc, argv, error))
    return FALSE;
  if (*argc < 2 || (!more_args && *argc != 2) || (more_args && *argc < 3))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "project %s needs %s (see --help)",
                   command, more_args ? "a project FILE and what to import" : "one project FILE");
      return FALSE;
    }
  return TRUE;
}

gint64
project_resolve_model (EadProject *project, gint64 model_id, GError **error)
{
  if (model_id < 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "--model must be a model id");
      return 0;
    }
  if (model_id == 0)
    return ead_project_get_latest_model (project, error);
  EadModelInfo info;
  if (!ead_project_get_model (project, model_id, &info, error))
    return 0;
  ead_model_info_clear (&info);
  return model_id;
}

void
project_print_json (JsonBuilder *b)
{
  g_autofree char *text = cli_json_to_string (b, TRUE);
  g_print ("%s\n", text);
}

void
project_add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

void
project_add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

gboolean
project_parse_json_command (const char *name, const char *summary, int *argc, char ***argv,
                            gboolean *json, GError **error)
{
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (summary);
  g_option_context_add_main_entries (context, entries, NULL);
  return project_parse_command (context, name, FALSE, argc, argv, error);
}

void
project_on_scored (guint done, guint total, gpointer user_data)
{
  cli_progress_update (user_data, done, total, NULL);
}

void
project_model_command_clear (ModelCommand *command)
{
  g_clear_pointer (&command->project, ead_project_close);
}

gboolean
project_open_model_command (const char *name, const char *summary, const char *description,
                            const GOptionEntry *options, int argc, char **argv,
                            ModelCommand *command, GError **error)
{
  g_auto (CliEngineOptions) engine = { 0 };
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_INT64, &command->model, "The model (default: the newest)", "ID" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &command->json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (options)
    g_option_context_add_main_entries (context, options, NULL);
  cli_add_engine_options (context, &engine);
  g_option_context_set_description (context, description);
  if (!project_parse_command (context, name, FALSE, &argc, &argv, error)
      || !cli_apply_engine_options (&engine, &command->precision, error))
    return FALSE;
  command->project = ead_project_open (argv[1], error);
  return command->project
         && (command->model = project_resolve_model (command->project, command->model, error)) != 0;
}

static const CliCommand commands[] = {
  { "create", project_create, "create an empty project file" },
  { "import", project_import, "import images and folders (the MVTec AD layout is understood)" },
  { "info", project_info, "images per split and label, training runs, models" },
  { "train", project_train, "train a model on the good training images, or resume a run" },
  { "calibrate", project_calibrate, "recompute a model's calibration on the validation images" },
  { "test", project_test, "score every test image and print the metrics" },
  { "fusion", project_fusion, "choose how a model's fused map mixes the local and global maps" },
  { "roi", project_roi, "set, clear or show the region of interest of the models to come" },
  { "threshold", project_threshold, "choose a model's decision threshold" },
  { "review", project_review, "give a result a verdict; move false positives to training" },
  { "export", project_export, "write a model file" },
  { "report", project_report, "write a model's inspection report as a PDF" },
};

static const CliCommandSet command_set = {
  .usage = "efficientad project COMMAND FILE [OPTIONS...]",
  .description = "A project file (" EAD_PROJECT_EXTENSION ") holds the images, labels, training\n"
                 "runs, models, calibration, results and reviews of one inspected part.",
  .prefix = "efficientad project",
  .commands = commands,
  .n_commands = G_N_ELEMENTS (commands),
};

int
cmd_project (int argc, char **argv)
{
  return cli_run_command (&command_set, argc, argv);
}

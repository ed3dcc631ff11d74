/* cmd-project-calibrate.c: efficientad project calibrate. */

#include "cmd-project.h"

int
project_calibrate (int argc, char **argv)
{
  g_auto (ModelCommand) command = { 0 };
  g_autoptr (GError) error = NULL;
  const char *description =
    "Recomputes the map quantiles on the good validation images (never on test\n"
    "images). The model's earlier results and threshold were in the old\n"
    "calibration's units and are removed; run test and threshold again.";
  if (!project_open_model_command ("calibrate", "FILE - recalibrate a model", description, NULL,
                                   argc, argv, &command, &error))
    return cli_fail (error);
  EadProject *project = command.project;
  gint64 model = command.model;
  gboolean json = command.json;
  CliProgress progress;
  cli_progress_init (&progress);
  gboolean ok = ead_project_calibrate (project, model, command.precision, project_on_scored,
                                       &progress, NULL, &error);
  cli_progress_finish (&progress);
  EadModelInfo m;
  if (!ok || !ead_project_get_model (project, model, &m, &error))
    return cli_fail (error);
  const EadQuantiles *q = &m.quantiles;
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      project_add_int (b, "model", model);
      project_add_int (b, "n_validation", m.n_validation);
      cli_json_add_number (b, "quantile_st_start", q->st_start);
      cli_json_add_number (b, "quantile_st_end", q->st_end);
      cli_json_add_number (b, "quantile_ae_start", q->ae_start);
      cli_json_add_number (b, "quantile_ae_end", q->ae_end);
      json_builder_end_object (b);
      project_print_json (b);
    }
  else
    g_print ("model %" G_GINT64_FORMAT " calibrated on %u validation images: map quantiles local "
             "%.5g..%.5g, global %.5g..%.5g\n", model, m.n_validation, q->st_start, q->st_end,
             q->ae_start, q->ae_end);
  ead_model_info_clear (&m);
  return 0;
}

/* cmd-project-test.c: efficientad project test. */

#include "cmd-project.h"

static const char *
decision_name (EadDecision decision)
{
  return decision == EAD_DECISION_ANOMALOUS ? "anomalous"
         : decision == EAD_DECISION_GOOD ? "good" : "-";
}

/* Says on stderr when the scores show the model unfit for the line, or
 * cannot show whether it is. */
static void
warn_if_unfit (const EadModelAssessment *a)
{
  const EadImageMetrics *m = &a->metrics;

  if (a->fitness == EAD_FITNESS_WEAK)
    g_printerr ("warning: not fit for the line: image AUROC %.3f is under %.2f\n", m->image_auroc,
                EAD_WEAK_IMAGE_AUROC);
  else if (a->fitness == EAD_FITNESS_OVERLAPS)
    g_printerr ("warning: %u of %u defective test images score no higher than the highest good "
                "one\n", m->n_hidden, m->n_anomalous);
  else if (a->fitness == EAD_FITNESS_UNKNOWN)
    g_printerr ("warning: not measured: no labelled %stest images\n",
                m->n_anomalous == 0 && m->n_good == 0 ? ""
                : m->n_anomalous == 0                 ? "defective "
                                                      : "good ");
  if (a->fitness != EAD_FITNESS_SEPARATES && a->better_map != EAD_MAP_FUSED)
    g_printerr ("warning: the %s map alone does better: image AUROC %.3f\n",
                ead_map_kind_to_string (a->better_map), a->better_map_auroc);
}

static void
print_test_text (GArray *results, const EadEvaluation *e)
{
  g_print ("%6s  %-24s %-10s %-16s %10s %10s %10s  %s\n", "image", "file", "label", "type",
           "score", "local", "global", "decision");
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split != EAD_SPLIT_TEST)
        continue;
      g_print ("%6" G_GINT64_FORMAT "  %-24s %-10s %-16s %10.5f %10.5f %10.5f  %s\n",
               r->image_id, r->file_name, ead_label_to_string (r->label),
               r->defect_type ? r->defect_type : "-", r->score, r->local_score, r->global_score,
               decision_name (r->decision));
    }
  g_print ("\n");
  cli_print_metrics_table (e);
}

static void
print_test_json (gint64 model, GArray *results, const EadEvaluation *e)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  project_add_int (b, "model", model);
  cli_json_add_evaluation (b, e);
  json_builder_set_member_name (b, "images");
  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split != EAD_SPLIT_TEST)
        continue;
      json_builder_begin_object (b);
      project_add_int (b, "image", r->image_id);
      project_add_string (b, "file", r->file_name);
      project_add_string (b, "label", ead_label_to_string (r->label));
      project_add_string (b, "type", r->defect_type);
      cli_json_add_number (b, "score", r->score);
      cli_json_add_number (b, "local_score", r->local_score);
      cli_json_add_number (b, "global_score", r->global_score);
      project_add_string (b, "decision", r->decision == EAD_DECISION_NONE ? NULL
                                                                 : decision_name (r->decision));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  project_print_json (b);
}

int
project_test (int argc, char **argv)
{
  g_auto (ModelCommand) command = { 0 };
  g_autoptr (GError) error = NULL;
  const char *description =
    "Scores every test image, stores its score and maps, and prints the metrics\n"
    "over the labelled ones.";
  if (!project_open_model_command ("test", "FILE - score the test images", description, NULL,
                                   argc, argv, &command, &error))
    return cli_fail (error);
  EadProject *project = command.project;
  gint64 model = command.model;
  gboolean json = command.json;
  CliProgress progress;
  cli_progress_init (&progress);
  g_autoptr (EadEvaluation) evaluation = ead_project_test (project, model, command.precision,
                                                           project_on_scored, &progress, NULL,
                                                           &error);
  cli_progress_finish (&progress);
  g_autoptr (GArray) results = evaluation ? ead_project_list_results (project, model, &error)
                                          : NULL;
  EadModelAssessment assessment;
  if (!results || !ead_project_assess_model (project, model, &assessment, &error))
    return cli_fail (error);
  warn_if_unfit (&assessment);
  if (json)
    print_test_json (model, results, evaluation);
  else
    print_test_text (results, evaluation);
  return 0;
}

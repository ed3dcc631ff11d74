/* cmd-project-threshold.c: efficientad project threshold. */

#include <math.h>

#include "cmd-project.h"

int
project_threshold (int argc, char **argv)
{
  gint64 model = 0;
  double value = NAN, max_fpr = NAN;
  gboolean f1_max = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_INT64, &model, "The model (required)", "ID" },
    { "value", 0, 0, G_OPTION_ARG_DOUBLE, &value, "This threshold", "X" },
    { "f1-max", 0, 0, G_OPTION_ARG_NONE, &f1_max, "The best F1 on the labelled test images", NULL },
    { "max-fpr", 0, 0, G_OPTION_ARG_DOUBLE, &max_fpr, "The lowest that flags at most this fraction of good images", "P" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - choose the decision threshold");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!project_parse_command (context, "threshold", FALSE, &argc, &argv, &error))
    return cli_fail (error);
  if (!isnan (value) + f1_max + !isnan (max_fpr) != 1)
    return cli_fail_message ("threshold needs exactly one of --value X, --f1-max, --max-fpr P");
  /* Choosing a threshold or exporting names its model: the newest one is
   * not always the one under review. */
  if (model == 0)
    return cli_fail_message ("threshold needs --model ID (see 'efficientad project info')");
  EadThresholdMethod method = f1_max ? EAD_THRESHOLD_F1_MAX
                              : isnan (value) ? EAD_THRESHOLD_MAX_FPR : EAD_THRESHOLD_VALUE;
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  double threshold;
  if (!project || !(model = project_resolve_model (project, model, &error))
      || !ead_project_set_threshold (project, model, method,
                                     method == EAD_THRESHOLD_VALUE ? value
                                     : method == EAD_THRESHOLD_MAX_FPR ? max_fpr : 0, &threshold,
                                     &error))
    return cli_fail (error);
  EadConfusion c;
  if (!ead_project_count_decisions (project, model, &c, &error))
    return cli_fail (error);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      project_add_int (b, "model", model);
      cli_json_add_number (b, "threshold", threshold);
      project_add_string (b, "method", ead_threshold_method_to_string (method));
      project_add_int (b, "true_positives", c.true_positives);
      project_add_int (b, "false_positives", c.false_positives);
      project_add_int (b, "true_negatives", c.true_negatives);
      project_add_int (b, "false_negatives", c.false_negatives);
      json_builder_end_object (b);
      project_print_json (b);
    }
  else
    g_print ("model %" G_GINT64_FORMAT " threshold %.6g (%s); labelled test images: %"
             G_GSIZE_FORMAT " true positives, %" G_GSIZE_FORMAT " false positives, %"
             G_GSIZE_FORMAT " true negatives, %" G_GSIZE_FORMAT " false negatives\n", model,
             threshold, ead_threshold_method_to_string (method), c.true_positives,
             c.false_positives, c.true_negatives, c.false_negatives);
  return 0;
}

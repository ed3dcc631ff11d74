/* cmd-project-fusion.c: efficientad project fusion. */

#include <math.h>

#include "cmd-project.h"

int
project_fusion (int argc, char **argv)
{
  g_autofree char *map = NULL;
  double weight = NAN;
  GOptionEntry entries[] = {
    { "map", 0, 0, G_OPTION_ARG_STRING, &map,
      "Score with the local map alone, the global alone, or their mean (the default)",
      "local|global|fused" },
    { "local-weight", 0, 0, G_OPTION_ARG_DOUBLE, &weight,
      "Fused map = W x local + (1 - W) x global", "W" },
    { NULL },
  };
  g_auto (ModelCommand) command = { 0 };
  g_autoptr (GError) error = NULL;
  const char *description =
    "The image score is the fused map's maximum. When one map separates good\n"
    "from defective images better than their mean (see 'project test'), score\n"
    "with it. The validation images are scored again; earlier test results and\n"
    "the threshold were in the old fused map's units and are removed: run test\n"
    "and threshold again.";
  if (!project_open_model_command ("fusion", "FILE - choose the map a model scores with",
                                   description, entries, argc, argv, &command, &error))
    return cli_fail (error);
  if (!map == isnan (weight))
    return cli_fail_message ("fusion needs exactly one of --map local|global|fused, --local-weight W");
  EadMapKind kind;
  if (map && !ead_map_kind_from_string (map, &kind))
    return cli_fail_message ("unknown map '%s': local, global or fused", map);
  if (map)
    weight = ead_map_kind_local_weight (kind);
  if (!(weight >= 0.0 && weight <= 1.0))
    return cli_fail_message ("--local-weight must lie between 0 and 1, not %g", weight);

  CliProgress progress;
  cli_progress_init (&progress);
  gboolean ok = ead_project_set_local_weight (command.project, command.model, weight,
                                              command.precision, project_on_scored, &progress,
                                              NULL, &error);
  cli_progress_finish (&progress);
  if (!ok)
    return cli_fail (error);
  if (command.json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      project_add_int (b, "model", command.model);
      cli_json_add_number (b, "local_weight", weight);
      json_builder_end_object (b);
      project_print_json (b);
    }
  else
    g_print ("model %" G_GINT64_FORMAT ": fused map = %g x local + %g x global; its test results "
             "and threshold were removed (run test and threshold again)\n", command.model, weight,
             1.0 - weight);
  return 0;
}

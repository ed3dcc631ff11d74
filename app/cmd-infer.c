/* cmd-infer.c: efficientad infer MODEL IMAGE... */

#include <stdio.h>

#include "cli.h"
#include "ead-heatmap.h"
#include "ead-score.h"

typedef struct {
  EadModel *model;
  EadPrecision precision;
  gboolean json;
  const char *map_path;
  gboolean several;
  double threshold;
  gboolean has_threshold;
} Inference;

/* With several images, OUT.png becomes OUT-<image name>.png for each. */
static char *
map_path_for (const Inference *inf, const char *image_path)
{
  if (!inf->several)
    return g_strdup (inf->map_path);
  g_autofree char *stem = g_path_get_basename (image_path);
  char *dot = strrchr (stem, '.');
  if (dot)
    *dot = '\0';
  g_autofree char *prefix = g_strdup (inf->map_path);
  if (g_str_has_suffix (prefix, ".png"))
    prefix[strlen (prefix) - 4] = '\0';
  return g_strdup_printf ("%s-%s.png", prefix, stem);
}

static const char *
decision_of (const Inference *inf, double score)
{
  if (!inf->has_threshold)
    return NULL;
  return score >= inf->threshold ? "anomalous" : "good";
}

static void
print_record (const Inference *inf, const char *path, const EadScoreResult *result, const GError *error)
{
  if (!inf->json)
    {
      if (error)
        g_print ("%s\terror: %s\n", path, error->message);
      else
        g_print ("%s\t%.5f\t%s\t%.1f ms\n", path, result->score,
                 decision_of (inf, result->score) ? decision_of (inf, result->score) : "-",
                 result->milliseconds);
      return;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path);
  if (error)
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, error->message);
    }
  else
    {
      cli_json_add_number (b, "score", result->score);
      json_builder_set_member_name (b, "decision");
      if (decision_of (inf, result->score))
        json_builder_add_string_value (b, decision_of (inf, result->score));
      else
        json_builder_add_null_value (b);
      cli_json_add_number (b, "ms", result->milliseconds);
    }
  json_builder_end_object (b);
  g_autofree char *line = cli_json_to_string (b, FALSE);
  g_print ("%s\n", line);
}

static gboolean
infer_one (const Inference *inf, const char *path, EadScoreResult *result, GError **error)
{
  g_autoptr (EadImage) image = ead_image_load (path, error);
  if (!image)
    return FALSE;
  EadScoreFlags flags = inf->map_path ? EAD_SCORE_MAPS : 0;
  if (!ead_model_score (inf->model, image, inf->precision, flags, result, error))
    return FALSE;
  if (!inf->map_path)
    return TRUE;
  g_autoptr (EadImage) overlay = ead_heatmap_overlay (image, result->fused, 0.0,
                                                      cli_heatmap_high (inf->model), 0.6);
  g_autofree char *out = map_path_for (inf, path);
  return ead_image_save_png (overlay, out, error);
}

int
cmd_infer (int argc, char **argv)
{
  g_autofree char *map_path = NULL;
  g_auto (CliEngineOptions) engine = { 0 };
  gboolean json = FALSE;
  double threshold = G_MAXDOUBLE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per image per line", NULL },
    { "map", 0, 0, G_OPTION_ARG_FILENAME, &map_path, "Write the fused heatmap overlay as PNG", "OUT.png" },
    { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold, "Decision threshold (default: the model's)", "X" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL IMAGE... - score images");
  g_option_context_add_main_entries (context, entries, NULL);
  cli_add_engine_options (context, &engine);
  g_autoptr (GError) error = NULL;
  Inference inf = { 0 };
  if (!cli_parse (context, &argc, &argv, &error) || !cli_apply_engine_options (&engine, &inf.precision, &error))
    return cli_fail (error);
  if (argc < 3)
    return cli_fail_message ("infer needs a MODEL file and at least one IMAGE (see --help)");

  g_autoptr (EadModel) model = ead_model_load (argv[1], &error);
  if (!model)
    return cli_fail (error);
  inf.model = model;
  inf.json = json;
  inf.map_path = map_path;
  inf.several = argc > 3;
  inf.has_threshold = threshold != G_MAXDOUBLE || ead_model_has_threshold (model);
  inf.threshold = threshold != G_MAXDOUBLE ? threshold : ead_model_get_threshold (model);

  /* A bad image gets an error record; the others are still scored. */
  int failures = 0;
  for (int i = 2; i < argc; i++)
    {
      g_auto (EadScoreResult) result = { 0 };
      g_autoptr (GError) image_error = NULL;
      if (!infer_one (&inf, argv[i], &result, &image_error))
        failures++;
      print_record (&inf, argv[i], &result, image_error);
    }
  return failures > 0 ? 1 : 0;
}

/* cmd-eval.c: efficientad eval MODEL DATASET */

#include <glib/gstdio.h>
#include <stdio.h>

#include "cli.h"
#include "ead-dataset.h"
#include "ead-error.h"
#include "ead-eval.h"
#include "ead-heatmap.h"
#include "ead-image.h"

typedef struct {
  const char *maps_dir;
  double map_high;
  CliProgress progress;
  GError *error;   /* the first failure writing a map */
} EvalReport;

static gboolean
write_overlay (const EadImage *image, const float *map, double high, const char *dir,
               const char *stem, const char *kind, GError **error)
{
  g_autoptr (EadImage) overlay = ead_heatmap_overlay (image, map, 0.0, high, 0.6);
  g_autofree char *name = g_strdup_printf ("%s_%s.png", stem, kind);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return ead_image_save_png (overlay, path, error);
}

static gboolean
write_maps (const EadSample *sample, const EadImage *image, const EadScoreResult *result,
            const EvalReport *report, GError **error)
{
  g_autofree char *dir = g_build_filename (report->maps_dir, sample->type, NULL);
  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot create %s: %s",
                   dir, g_strerror (errno));
      return FALSE;
    }
  g_autofree char *base = g_path_get_basename (sample->path);
  char *dot = strrchr (base, '.');
  if (dot)
    *dot = '\0';
  return write_overlay (image, result->local, report->map_high, dir, base, "local", error)
      && write_overlay (image, result->global, report->map_high, dir, base, "global", error)
      && write_overlay (image, result->fused, report->map_high, dir, base, "fused", error);
}

static void
on_scored (const EadSample *sample, const EadImage *image, const EadScoreResult *result,
           guint done, guint total, gpointer user_data)
{
  EvalReport *report = user_data;
  cli_progress_update (&report->progress, done, total, NULL);
  if (report->maps_dir && !report->error)
    write_maps (sample, image, result, report, &report->error);
}

static char *
evaluation_to_json (const EadEvaluation *e, const char *model_path, const char *dataset_path)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, model_path);
  json_builder_set_member_name (b, "dataset");
  json_builder_add_string_value (b, dataset_path);
  cli_json_add_evaluation (b, e);
  json_builder_set_member_name (b, "images");
  json_builder_begin_array (b);
  for (guint i = 0; i < e->images->len; i++)
    {
      const EadImageScore *s = &g_array_index (e->images, EadImageScore, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, s->path);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, s->type);
      cli_json_add_number (b, "score", s->score);
      cli_json_add_number (b, "local_score", s->local_score);
      cli_json_add_number (b, "global_score", s->global_score);
      json_builder_set_member_name (b, "peak");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, s->peak_x);
      json_builder_add_int_value (b, s->peak_y);
      json_builder_end_array (b);
      cli_json_add_number (b, "ms", s->milliseconds);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return cli_json_to_string (b, TRUE);
}

/* The region of interest of --mask or --rect, whose pixels are those of
 * the dataset's first test image; NULL, without an error, for neither. */
static EadRoi *
chosen_roi (const char *mask, char **rects, const EadDataset *dataset, GError **error)
{
  if (mask)
    return ead_roi_new_from_image_file (mask, error);
  if (!rects)
    return NULL;
  if (ead_dataset_get_n_samples (dataset, EAD_SPLIT_TEST) == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_DATASET, "the dataset has no test images");
      return NULL;
    }
  const EadSample *sample = ead_dataset_get_sample (dataset, EAD_SPLIT_TEST, 0);
  g_autoptr (EadImage) first = ead_image_load (sample->path, error);
  if (!first)
    return NULL;
  return cli_roi_from_rects (rects, ead_image_get_width (first), ead_image_get_height (first),
                             error);
}

int
cmd_eval (int argc, char **argv)
{
  g_autofree char *json_path = NULL, *maps_dir = NULL, *mask = NULL;
  g_auto (GStrv) rects = NULL;
  g_auto (CliEngineOptions) engine = { 0 };
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path, "Write the metrics and per-image scores as JSON", "FILE" },
    { "maps", 0, 0, G_OPTION_ARG_FILENAME, &maps_dir, "Write local, global and fused heatmap overlays as PNG", "DIR" },
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &mask, "Inspect only the white of this image, instead of the model's region", "PNG" },
    { "rect", 0, 0, G_OPTION_ARG_STRING_ARRAY, &rects, "Inspect only this rectangle of the test images (repeatable), instead of the model's region", "X,Y,W,H" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL DATASET - evaluate a model on a dataset's test images");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "--mask and --rect try a region of interest before it is set: the image score is the\n"
    "maximum inside it and the pixel metrics count the pixels inside it; the map\n"
    "quantiles stay the model's.");
  cli_add_engine_options (context, &engine);
  g_autoptr (GError) error = NULL;
  EadPrecision precision;
  if (!cli_parse (context, &argc, &argv, &error) || !cli_apply_engine_options (&engine, &precision, &error))
    return cli_fail (error);
  if (argc != 3)
    return cli_fail_message ("eval needs a MODEL file and a DATASET folder (see --help)");
  if (mask && rects)
    return cli_fail_message ("eval takes --mask or --rect, not both");

  g_autoptr (EadModel) model = ead_model_load (argv[1], &error);
  if (!model)
    return cli_fail (error);
  g_autoptr (EadDataset) dataset = ead_dataset_open (argv[2], 42, &error);
  if (!dataset)
    return cli_fail (error);
  g_autoptr (EadRoi) roi = chosen_roi (mask, rects, dataset, &error);
  if (error)
    return cli_fail (error);
  if (roi)
    ead_model_set_roi (model, roi);

  EvalReport report = { .maps_dir = maps_dir, .map_high = ead_heatmap_high (model) };
  cli_progress_init (&report.progress);
  g_autoptr (EadEvaluation) evaluation = ead_evaluate (model, dataset, precision, on_scored, &report, NULL, &error);
  cli_progress_finish (&report.progress);
  if (!evaluation)
    return cli_fail (error);
  if (report.error)
    {
      int status = cli_fail (report.error);
      g_error_free (report.error);
      return status;
    }
  cli_print_metrics_table (evaluation);
  if (json_path)
    {
      g_autofree char *json = evaluation_to_json (evaluation, argv[1], argv[2]);
      if (!g_file_set_contents_full (json_path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0666, &error))
        return cli_fail (error);
    }
  return 0;
}

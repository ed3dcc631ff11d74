/* cmd-project-export.c: efficientad project export. */

#include "cmd-project.h"

/* A model that flags good parts about as often as defective ones goes to
 * the line only when asked twice, as the Export view asks. */
static gboolean
check_fit (EadProject *project, gint64 model, GError **error)
{
  EadModelAssessment a;
  if (!ead_project_assess_model (project, model, &a, error))
    return FALSE;
  if (a.fitness != EAD_FITNESS_WEAK)
    return TRUE;
  g_autofree char *better = a.better_map != EAD_MAP_FUSED
    ? g_strdup_printf ("; the %s map alone reaches %.3f ('project fusion --map %s')",
                       ead_map_kind_to_string (a.better_map), a.better_map_auroc,
                       ead_map_kind_to_string (a.better_map))
    : g_strdup ("");
  g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
               "model %" G_GINT64_FORMAT " is not fit for the line: its image AUROC on the "
               "labelled test images is %.3f, under %.2f%s; export it anyway with --force",
               model, a.metrics.image_auroc, EAD_WEAK_IMAGE_AUROC, better);
  return FALSE;
}

int
project_export (int argc, char **argv)
{
  g_autofree char *output = NULL, *format_text = NULL;
  gint64 model = 0;
  gboolean json = FALSE, force = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_INT64, &model, "The model (required)", "ID" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "File to write", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, "model (default), torchscript or onnx", "FORMAT" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Export even a model its tests show unfit", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - export a model");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Writes the model with its calibration and threshold: as the model file of\n"
    "docs/model-format.md, which 'efficientad infer' reads, or as TorchScript or\n"
    "ONNX (docs/export.md). A model whose test results give an image AUROC\n"
    "under 0.9 is refused unless --force.");
  g_autoptr (GError) error = NULL;
  if (!project_parse_command (context, "export", FALSE, &argc, &argv, &error))
    return cli_fail (error);
  if (!output)
    return cli_fail_message ("export needs -o MODEL, the file to write");
  if (model == 0)
    return cli_fail_message ("export needs --model ID (see 'efficientad project info')");
  EadExportFormat format = EAD_EXPORT_MODEL_FILE;
  if (format_text && !ead_export_format_from_string (format_text, &format))
    return cli_fail_message ("--format must be model, torchscript or onnx, not '%s'",
                             format_text);
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  g_autofree char *sha256 = NULL;
  if (!project || !(model = project_resolve_model (project, model, &error))
      || (!force && !check_fit (project, model, &error))
      || !ead_project_export_model (project, model, format, output, &sha256, &error))
    return cli_fail (error);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      project_add_int (b, "model", model);
      project_add_string (b, "path", output);
      project_add_string (b, "sha256", sha256);
      json_builder_end_object (b);
      project_print_json (b);
    }
  else
    g_print ("wrote %s (model %" G_GINT64_FORMAT ", sha256 %s)\n", output, model, sha256);
  return 0;
}

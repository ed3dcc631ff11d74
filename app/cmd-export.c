/* cmd-export.c: efficientad export MODEL --format torchscript|onnx -o FILE */

#include "cli.h"
#include "ead-export.h"
#include "ead-onnx.h"

int
cmd_export (int argc, char **argv)
{
  g_autofree char *format_text = NULL, *output = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, "torchscript (.pt) or onnx (.onnx)", "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "File to write", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL - export a model for other programs");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autofree char *description = g_strdup_printf (
    "Writes the whole scoring of a calibrated MODEL: networks, normalisation,\n"
    "map quantiles, padding and resizing. It takes N x 3 x S x S floats in\n"
    "[0, 1] (S the model's image size) and returns the image scores and the\n"
    "fused, local and global maps at S x S. Threshold, quantiles and provenance\n"
    "travel as TorchScript attributes or ONNX metadata (opset %d). See\n"
    "docs/export.md.", EAD_ONNX_OPSET);
  g_option_context_set_description (context, description);
  g_autoptr (GError) error = NULL;
  if (!cli_parse (context, &argc, &argv, &error))
    return cli_fail (error);
  if (argc != 2)
    return cli_fail_message ("export needs exactly one MODEL file (see --help)");
  if (!format_text)
    return cli_fail_message ("export needs --format torchscript or --format onnx");
  EadExportFormat format;
  /* A model file is already what "model" would write. */
  if (!ead_export_format_from_string (format_text, &format) || format == EAD_EXPORT_MODEL_FILE)
    return cli_fail_message ("--format must be torchscript or onnx, not '%s'", format_text);
  if (!output)
    return cli_fail_message ("export needs -o FILE, the file to write");

  g_autoptr (EadModel) model = ead_model_load (argv[1], &error);
  if (!model || !ead_model_export (model, format, output, &error))
    return cli_fail (error);
  const int size = ead_model_get_image_size (model);
  g_print ("wrote %s: %s, %s model, input N x 3 x %d x %d\n", output, format_text,
           ead_model_size_to_string (ead_model_get_size (model)), size, size);
  return 0;
}

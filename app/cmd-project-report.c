/* cmd-project-report.c: efficientad project report. */

#include <libintl.h>

#include "cmd-project.h"
#include "ead-report.h"

/* The command line speaks English, the report the UI's language:
 * LANGUAGE or LC_ALL choose it, from EAD_LOCALEDIR when set (the build's
 * po/), otherwise the installed translations. */
static void
bind_report_translations (void)
{
  const char *localedir = g_getenv ("EAD_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

int
project_report (int argc, char **argv)
{
  g_autofree char *output = NULL;
  gint64 model = 0;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_INT64, &model, "The model (default: the newest)", "ID" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The PDF to write", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - write a model's inspection report");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Writes an A4 PDF: the model and its provenance, the data, the calibration,\n"
    "the threshold and its confusion matrix, the ROC and precision-recall curves,\n"
    "the metrics per defect type, the operator's numbers and the worst false\n"
    "positives and missed defects with their anomaly maps. It is written in the\n"
    "workbench's language (LANGUAGE=zh_CN for Simplified Chinese).");
  g_autoptr (GError) error = NULL;
  if (!project_parse_command (context, "report", FALSE, &argc, &argv, &error))
    return cli_fail (error);
  if (!output)
    return cli_fail_message ("report needs -o REPORT.pdf, the file to write");
  bind_report_translations ();
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project || !(model = project_resolve_model (project, model, &error))
      || !ead_report_write (project, model, output, &error))
    return cli_fail (error);
  g_print ("wrote %s (model %" G_GINT64_FORMAT ")\n", output, model);
  return 0;
}

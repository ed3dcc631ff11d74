/* cmd-project-import.c: efficientad project import. */

#include "cmd-project.h"

static void
on_import_problem (const char *path, const GError *problem, gpointer user_data)
{
  if (problem)
    g_printerr ("efficientad: warning: %s\n", problem->message);
}

static gboolean
parse_label_option (const char *text, int *label, GError **error)
{
  EadLabel value;
  if (!text || g_str_equal (text, "auto"))
    *label = EAD_IMPORT_AUTO;
  else if (ead_label_from_string (text, &value))
    *label = value;
  else
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "--label must be good, anomalous, unlabelled or auto, not '%s'", text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_split_option (const char *text, int *split, GError **error)
{
  EadSplit value;
  if (!text || g_str_equal (text, "auto"))
    *split = EAD_IMPORT_AUTO;
  else if (ead_split_from_string (text, &value) && value != EAD_SPLIT_LINE)
    *split = value;
  else
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "--split must be train, validation, test or auto, not '%s'", text);
      return FALSE;
    }
  return TRUE;
}

static void
print_import_summary (const EadImportSummary *s, gboolean json)
{
  if (!json)
    {
      g_print ("imported %u images (%u with masks); %u duplicates, %u could not be imported\n",
               s->imported, s->masks, s->duplicates, s->failed);
      return;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  project_add_int (b, "batch", s->batch_id);
  project_add_int (b, "imported", s->imported);
  project_add_int (b, "masks", s->masks);
  project_add_int (b, "duplicates", s->duplicates);
  project_add_int (b, "failed", s->failed);
  json_builder_end_object (b);
  project_print_json (b);
}

int
project_import (int argc, char **argv)
{
  g_autofree char *label_text = NULL, *split_text = NULL;
  gint64 seed = 42;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "label", 0, 0, G_OPTION_ARG_STRING, &label_text, "good, anomalous, unlabelled or auto (default)", "LABEL" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split_text, "train, validation, test or auto (default)", "SPLIT" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the validation hold-out (default 42)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE PATH... - import images");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "PATH is an image file or a folder. In a folder in the MVTec AD layout (with\n"
    "train/good), auto means: train/good good training images with a seeded tenth\n"
    "held out for validation (or validation/good), test/good good test images,\n"
    "test/<type> anomalous test images of that type with their masks from\n"
    "ground_truth/<type>/. Elsewhere auto means unlabelled, in the test split\n"
    "(train when --label good). Duplicates and files that are not images are\n"
    "reported and left out; the rest is imported in one transaction.");
  g_autoptr (GError) error = NULL;
  EadImportOptions options;
  ead_import_options_init (&options);
  if (!project_parse_command (context, "import", TRUE, &argc, &argv, &error)
      || !parse_label_option (label_text, &options.label, &error)
      || !parse_split_option (split_text, &options.split, &error))
    return cli_fail (error);
  if (seed < 0)
    return cli_fail_message ("--seed must not be negative");
  options.seed = (guint64) seed;

  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project)
    return cli_fail (error);
  EadImportSummary summary;
  if (!ead_project_import (project, (const char *const *) argv + 2, &options, on_import_problem,
                           NULL, NULL, &summary, &error))
    return cli_fail (error);
  print_import_summary (&summary, json);
  if (summary.failed > 0)
    return cli_fail_message ("%u files could not be imported (see the warnings above)",
                             summary.failed);
  return 0;
}

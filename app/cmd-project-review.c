/* cmd-project-review.c: efficientad project review. */

#include "cmd-project.h"

int
project_review (int argc, char **argv)
{
  g_autofree char *verdict_text = NULL, *note = NULL;
  gint64 model = 0, image = 0;
  gboolean move = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_INT64, &model, "The model (default: the newest)", "ID" },
    { "image", 0, 0, G_OPTION_ARG_INT64, &image, "The image whose result is reviewed", "ID" },
    { "verdict", 0, 0, G_OPTION_ARG_STRING, &verdict_text, "true-defect, false-positive, missed-defect or unsure", "V" },
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, "A note to keep with the verdict", "TEXT" },
    { "move-false-positives", 0, 0, G_OPTION_ARG_NONE, &move, "Make every false positive a good training image", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - review results");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!project_parse_command (context, "review", FALSE, &argc, &argv, &error))
    return cli_fail (error);
  EadVerdict verdict = EAD_VERDICT_NONE;
  if (move == (image != 0 || verdict_text != NULL))
    return cli_fail_message ("review needs either --image ID --verdict V or --move-false-positives");
  if (!move && (image <= 0 || !ead_verdict_from_string (verdict_text, &verdict)))
    return cli_fail_message ("review needs --image ID and --verdict true-defect, false-positive, "
                             "missed-defect or unsure");
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project || !(model = project_resolve_model (project, model, &error)))
    return cli_fail (error);
  if (move)
    {
      guint n_moved;
      if (!ead_project_move_false_positives (project, model, &n_moved, &error))
        return cli_fail (error);
      g_print ("%u false positives of model %" G_GINT64_FORMAT " are now good training images\n",
               n_moved, model);
      return 0;
    }
  if (!ead_project_review (project, model, image, verdict, note, &error))
    return cli_fail (error);
  g_print ("image %" G_GINT64_FORMAT " under model %" G_GINT64_FORMAT ": %s\n", image, model,
           ead_verdict_to_string (verdict));
  return 0;
}

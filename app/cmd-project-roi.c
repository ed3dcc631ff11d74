/* cmd-project-roi.c: efficientad project roi, the region of interest that
 * the models trained from then on carry. */

#include "cmd-project.h"

#include "ead-image.h"

/* The rectangles on the project's images, whose size they must fit. */
static EadRoi *
roi_from_rects (EadProject *project, char **texts, GError **error)
{
  int width, height;
  if (!ead_project_get_image_size (project, &width, &height, error))
    return NULL;
  return cli_roi_from_rects (texts, width, height, error);
}

static gboolean
save_roi_png (const EadRoi *roi, const char *path, GError **error)
{
  g_autoptr (EadImage) image = ead_image_new_from_gray8 (roi->mask, roi->width, roi->height,
                                                         roi->width);
  return ead_image_save_png (image, path, error);
}

static int
show_roi (EadProject *project, const char *output)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *changed_by = NULL, *changed_at = NULL;
  g_autoptr (EadRoi) roi = ead_project_get_roi (project, &changed_by, &changed_at, &error);
  if (error)
    return cli_fail (error);
  if (!roi)
    {
      if (output)
        return cli_fail_message ("%s has no region of interest to write",
                                 ead_project_get_path (project));
      g_autofree char *cleared = changed_by ? g_strdup_printf (" (cleared by %s at %s)", changed_by,
                                                               changed_at) : NULL;
      g_print ("no region of interest: the whole image is inspected%s\n", cleared ? cleared : "");
      return 0;
    }
  if (output)
    return save_roi_png (roi, output, &error) ? 0 : cli_fail (error);
  g_print ("%s, %d x %d, %.1f %% inspected (set by %s at %s)\n", roi->source, roi->width,
           roi->height, 100.0 * ead_roi_inspected_fraction (roi), changed_by, changed_at);
  return 0;
}

int
project_roi (int argc, char **argv)
{
  g_autofree char *mask = NULL, *output = NULL;
  g_auto (GStrv) rects = NULL;
  gboolean clear = FALSE, show = FALSE;
  GOptionEntry entries[] = {
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &mask, "An image of any size: white is inspected", "PNG" },
    { "rect", 0, 0, G_OPTION_ARG_STRING_ARRAY, &rects, "A rectangle inspected, in the images' pixels (repeatable)", "X,Y,W,H" },
    { "clear", 0, 0, G_OPTION_ARG_NONE, &clear, "Inspect the whole image again", NULL },
    { "show", 0, 0, G_OPTION_ARG_NONE, &show, "Say what is inspected", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "With --show: write the mask as a PNG", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - the region of interest");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "The models trained from then on carry it: their maps are 0 outside it, the image score\n"
    "is the maximum inside it and calibration looks inside it only. Models already trained\n"
    "keep theirs.");
  g_autoptr (GError) error = NULL;
  if (!project_parse_command (context, "roi", FALSE, &argc, &argv, &error))
    return cli_fail (error);
  if ((mask != NULL) + (rects != NULL) + clear + show != 1)
    return cli_fail_message ("roi needs exactly one of --mask PNG, --rect X,Y,W,H, --clear, --show");
  if (output && !show)
    return cli_fail_message ("-o goes with --show");
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project)
    return cli_fail (error);
  if (show)
    return show_roi (project, output);
  g_autoptr (EadRoi) roi = NULL;
  if (mask)
    roi = ead_roi_new_from_image_file (mask, &error);
  else if (rects)
    roi = roi_from_rects (project, rects, &error);
  if (error || !ead_project_set_roi (project, roi, &error))
    return cli_fail (error);
  if (roi)
    g_print ("region of interest: %s, %.1f %% inspected\n", roi->source,
             100.0 * ead_roi_inspected_fraction (roi));
  else
    g_print ("region of interest cleared: the whole image is inspected\n");
  return 0;
}

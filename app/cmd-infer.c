/* cmd-infer.c: efficientad infer MODEL IMAGE... and --watch DIR */

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

#include "cli.h"
#include "ead-heatmap.h"
#include "ead-score.h"
#include "ead-watch.h"

typedef struct {
  EadModel *model;
  EadPrecision precision;
  gboolean json;
  const char *map_path;
  const char *rejected_dir;
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
print_record (const Inference *inf, const char *path, const EadScoreResult *result,
              const char *saved_map, const GError *error)
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
      if (saved_map)
        {
          json_builder_set_member_name (b, "map");
          json_builder_add_string_value (b, saved_map);
        }
    }
  json_builder_end_object (b);
  g_autofree char *line = cli_json_to_string (b, FALSE);
  g_print ("%s\n", line);
  /* Whoever reads a watch's records through a pipe sees each at once. */
  fflush (stdout);
}

/* Scores @path; *saved_map names the heatmap written, if any. */
static gboolean
infer_one (const Inference *inf, const char *path, EadScoreResult *result, char **saved_map,
           GError **error)
{
  g_autoptr (EadImage) image = ead_image_load (path, error);
  if (!image)
    return FALSE;
  EadScoreFlags flags = inf->map_path || inf->rejected_dir ? EAD_SCORE_MAPS : 0;
  if (!ead_model_score (inf->model, image, inf->precision, flags, result, error))
    return FALSE;
  gboolean rejected = inf->rejected_dir
                      && g_strcmp0 (decision_of (inf, result->score), "anomalous") == 0;
  if (!inf->map_path && !rejected)
    return TRUE;
  g_autoptr (EadImage) overlay = ead_heatmap_overlay (image, result->fused, 0.0,
                                                      ead_heatmap_high (inf->model), 0.6);
  /* --rejected-maps DIR: DIR/<image name>.png, never replacing an earlier
   * part's map of the same name. */
  if (rejected)
    *saved_map = ead_watch_save_map (overlay, inf->rejected_dir, path, error);
  else
    {
      g_autofree char *out = map_path_for (inf, path);
      if (ead_image_save_png (overlay, out, error))
        *saved_map = g_steal_pointer (&out);
    }
  return *saved_map != NULL;
}

/* Scores and prints one image; FALSE when it failed. */
static gboolean
infer_and_print (const Inference *inf, const char *path)
{
  g_auto (EadScoreResult) result = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *saved_map = NULL;
  gboolean ok = infer_one (inf, path, &result, &saved_map, &error);
  print_record (inf, path, &result, saved_map, error);
  return ok;
}

/* --watch: every file that arrives complete in the folder (ead-watch.h) is
 * scored. */
typedef struct {
  const Inference *inf;
  GMainLoop *loop;
} Watch;

static void
on_folder_changed (GFileMonitor *monitor, GFile *file, GFile *other_file,
                   GFileMonitorEvent event, gpointer user_data)
{
  Watch *watch = user_data;
  g_autofree char *path = ead_watch_arrived (event, file, other_file);
  if (path)
    infer_and_print (watch->inf, path);
}

static gboolean
on_stop_signal (gpointer user_data)
{
  Watch *watch = user_data;
  g_main_loop_quit (watch->loop);
  return G_SOURCE_CONTINUE;
}

/* Runs until SIGINT or SIGTERM. */
static gboolean
watch_folder (const Inference *inf, const char *folder, GError **error)
{
  g_autoptr (GFileMonitor) monitor = ead_watch_monitor_folder (folder, error);
  if (!monitor)
    return FALSE;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Watch watch = { inf, loop };
  g_signal_connect (monitor, "changed", G_CALLBACK (on_folder_changed), &watch);
  guint int_source = g_unix_signal_add (SIGINT, on_stop_signal, &watch);
  guint term_source = g_unix_signal_add (SIGTERM, on_stop_signal, &watch);
  g_printerr ("efficientad: watching %s (stop with Ctrl-C)\n", folder);
  g_main_loop_run (loop);
  g_source_remove (int_source);
  g_source_remove (term_source);
  g_signal_handlers_disconnect_by_data (monitor, &watch);
  return TRUE;
}

int
cmd_infer (int argc, char **argv)
{
  g_autofree char *map_path = NULL;
  g_autofree char *watch_dir = NULL;
  g_autofree char *rejected_dir = NULL;
  g_auto (CliEngineOptions) engine = { 0 };
  gboolean json = FALSE;
  double threshold = G_MAXDOUBLE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per image per line", NULL },
    { "map", 0, 0, G_OPTION_ARG_FILENAME, &map_path, "Write the fused heatmap overlay as PNG", "OUT.png" },
    { "threshold", 0, 0, G_OPTION_ARG_DOUBLE, &threshold, "Decision threshold (default: the model's)", "X" },
    { "watch", 0, 0, G_OPTION_ARG_FILENAME, &watch_dir,
      "Then score each new image appearing in DIR, as JSON Lines, until interrupted", "DIR" },
    { "rejected-maps", 0, 0, G_OPTION_ARG_FILENAME, &rejected_dir,
      "Write the heatmap overlay of each anomalous image as DIR/<name>.png"
      " (<name>-2.png... when taken)", "DIR" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("MODEL [IMAGE...] - score images");
  g_option_context_add_main_entries (context, entries, NULL);
  cli_add_engine_options (context, &engine);
  g_autoptr (GError) error = NULL;
  Inference inf = { 0 };
  if (!cli_parse (context, &argc, &argv, &error) || !cli_apply_engine_options (&engine, &inf.precision, &error))
    return cli_fail (error);
  if (argc < 2 || (argc < 3 && !watch_dir))
    return cli_fail_message ("infer needs a MODEL file and at least one IMAGE or --watch DIR (see --help)");
  if (map_path && rejected_dir)
    return cli_fail_message ("--map and --rejected-maps exclude each other");
  if (watch_dir && !g_file_test (watch_dir, G_FILE_TEST_IS_DIR))
    return cli_fail_message ("%s: not a folder", watch_dir);

  g_autoptr (EadModel) model = ead_model_load (argv[1], &error);
  if (!model)
    return cli_fail (error);
  inf.model = model;
  inf.json = json || watch_dir;
  inf.map_path = map_path;
  inf.rejected_dir = rejected_dir;
  inf.several = argc > 3 || (map_path && watch_dir);
  inf.has_threshold = threshold != G_MAXDOUBLE || ead_model_has_threshold (model);
  inf.threshold = threshold != G_MAXDOUBLE ? threshold : ead_model_get_threshold (model);
  if (rejected_dir && !inf.has_threshold)
    return cli_fail_message ("--rejected-maps needs a threshold: the model has none, give --threshold");
  if (rejected_dir && g_mkdir_with_parents (rejected_dir, 0755) != 0)
    return cli_fail_message ("%s: cannot create the folder: %s", rejected_dir, g_strerror (errno));

  /* A bad image gets an error record; the others are still scored. */
  int failures = 0;
  for (int i = 2; i < argc; i++)
    if (!infer_and_print (&inf, argv[i]))
      failures++;
  if (watch_dir)
    return watch_folder (&inf, watch_dir, &error) ? 0 : cli_fail (error);
  return failures > 0 ? 1 : 0;
}

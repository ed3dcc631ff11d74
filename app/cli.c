/* cli.c: option parsing, errors, JSON and progress for the subcommands. */

#include "cli.h"

#include <glib-unix.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ead-compute.h"
#include "ead-data-dir.h"
#include "ead-error.h"

int
cli_fail (const GError *error)
{
  g_printerr ("efficientad: %s\n", error->message);
  return 1;
}

int
cli_fail_message (const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("efficientad: %s\n", message);
  return 1;
}

gboolean
cli_parse (GOptionContext *context, int *argc, char ***argv, GError **error)
{
  return g_option_context_parse (context, argc, argv, error);
}

static gboolean
parse_precision (const char *text, EadPrecision *precision, GError **error)
{
  if (!text || g_str_equal (text, "fp32"))
    *precision = EAD_PRECISION_FP32;
  else if (g_str_equal (text, "bf16"))
    *precision = EAD_PRECISION_BF16;
  else
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "--precision must be fp32 or bf16, not '%s'", text);
      return FALSE;
    }
  return TRUE;
}

void
cli_add_engine_options (GOptionContext *context, CliEngineOptions *options)
{
  GOptionEntry entries[] = {
    { "precision", 0, 0, G_OPTION_ARG_STRING, &options->precision, "Network precision: fp32 or bf16 (default: fp32; for training, bf16 where the CPU computes it natively)", "P" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &options->threads, "CPU threads (default: one per core)", "N" },
    { NULL },
  };
  g_option_context_add_main_entries (context, entries, NULL);
}

gboolean
cli_apply_engine_options (const CliEngineOptions *options, EadPrecision *precision,
                          GError **error)
{
  if (!parse_precision (options->precision, precision, error))
    return FALSE;
  ead_torch_set_threads (options->threads);
  return TRUE;
}

gboolean
cli_apply_training_engine_options (const CliEngineOptions *options, EadDevice device,
                                   EadPrecision *precision, GError **error)
{
  if (!cli_apply_engine_options (options, precision, error))
    return FALSE;
  if (options->precision == NULL)
    *precision = ead_train_default_precision (device);
  return TRUE;
}

void
cli_engine_options_clear (CliEngineOptions *options)
{
  g_clear_pointer (&options->precision, g_free);
}

gboolean
cli_parse_device (const char *text, EadDevice *device, GError **error)
{
  if (!text || g_str_equal (text, "cpu"))
    *device = EAD_DEVICE_CPU;
  else if (g_str_equal (text, "cuda"))
    *device = EAD_DEVICE_CUDA;
  else
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "--device must be cpu or cuda, not '%s'", text);
      return FALSE;
    }
  if (*device == EAD_DEVICE_CUDA && !ead_torch_cuda_available ())
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "--device cuda: no CUDA device, or this libtorch was built without CUDA");
      return FALSE;
    }
  return TRUE;
}

/* "X,Y,W,H" in pixels, four non-negative integers. */
static gboolean
parse_rect (const char *text, int rect[4], GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  gboolean ok = g_strv_length (parts) == 4;
  for (int i = 0; ok && i < 4; i++)
    {
      gint64 value;
      ok = g_ascii_string_to_signed (g_strstrip (parts[i]), 10, 0, G_MAXINT, &value, NULL);
      rect[i] = (int) value;
    }
  if (!ok)
    g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                 "--rect '%s' is not X,Y,W,H (four whole numbers of pixels)", text);
  return ok;
}

EadRoi *
cli_roi_from_rects (char **texts, int width, int height, GError **error)
{
  const guint n = g_strv_length (texts);
  g_autofree int (*rects)[4] = g_malloc_n (n, sizeof *rects);
  for (guint i = 0; i < n; i++)
    if (!parse_rect (texts[i], rects[i], error))
      return NULL;
  return ead_roi_new_from_rects ((const int (*)[4]) rects, n, width, height, error);
}

gboolean
cli_choose_teacher (const char *option, EadModelSize size, char **path, GError **error)
{
  if (option)
    {
      *path = g_str_equal (option, "random") ? NULL : g_strdup (option);
      return TRUE;
    }
  *path = ead_data_find_teacher (size, error);
  if (*path)
    g_printerr ("teacher: %s\n", *path);
  return *path != NULL;
}

gboolean
cli_choose_penalty_images (const char *option, char **path, GError **error)
{
  if (g_strcmp0 (option, "shipped") != 0)
    {
      *path = option && !g_str_equal (option, "none") ? g_strdup (option) : NULL;
      return TRUE;
    }
  *path = ead_data_find_penalty_images (error);
  return *path != NULL;
}

void
cli_json_add_number (JsonBuilder *builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

char *
cli_json_to_string (JsonBuilder *builder, gboolean pretty)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  return json_to_string (root, pretty);
}

/* "1h02m", "3m05s", "12s". */
static char *
format_duration (double seconds)
{
  long s = lround (MAX (seconds, 0));
  if (s >= 3600)
    return g_strdup_printf ("%ldh%02ldm", s / 3600, (s % 3600) / 60);
  if (s >= 60)
    return g_strdup_printf ("%ldm%02lds", s / 60, s % 60);
  return g_strdup_printf ("%lds", s);
}

void
cli_progress_init (CliProgress *progress)
{
  progress->is_tty = isatty (STDERR_FILENO);
  progress->last_decile = -1;
  progress->start = g_get_monotonic_time ();
  progress->first_done = -1;
}

double
cli_progress_per_minute (const CliProgress *progress, int done)
{
  const double elapsed = (g_get_monotonic_time () - progress->start) / 1e6;
  const int counted = progress->first_done < 0 ? 0 : done - progress->first_done;
  return elapsed > 0 ? 60.0 * counted / elapsed : 0.0;
}

void
cli_progress_update (CliProgress *progress, int done, int total, const char *detail)
{
  const int width = 24;
  if (progress->first_done < 0)
    progress->first_done = done;
  double fraction = total > 0 ? (double) done / total : 1.0;
  const double per_minute = cli_progress_per_minute (progress, done);
  g_autofree char *eta = per_minute > 0 ? format_duration (60.0 * (total - done) / per_minute)
                                        : g_strdup ("?");
  if (progress->is_tty)
    {
      char bar[64];
      int filled = (int) (fraction * width);
      for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
      bar[width] = '\0';
      g_printerr ("\r[%s] %3d%% %d/%d ETA %s %s\033[K", bar, (int) (100 * fraction), done, total,
                  eta, detail ? detail : "");
      return;
    }
  int decile = (int) (fraction * 10);
  if (decile != progress->last_decile)
    {
      progress->last_decile = decile;
      g_printerr ("%3d%% %d/%d ETA %s %s\n", (int) (100 * fraction), done, total, eta,
                  detail ? detail : "");
    }
}

void
cli_progress_finish (CliProgress *progress)
{
  if (progress->is_tty)
    g_printerr ("\n");
}

static void
print_commands (const CliCommandSet *set, FILE *out)
{
  fprintf (out, "Usage: %s\n\n", set->usage);
  if (set->description)
    fprintf (out, "%s\n\n", set->description);
  fprintf (out, "Commands:\n");
  for (gsize i = 0; i < set->n_commands; i++)
    fprintf (out, "  %-10s %s\n", set->commands[i].name, set->commands[i].summary);
  fprintf (out, "\nRun '%s COMMAND --help' for a command's options.\n", set->prefix);
}

int
cli_run_command (const CliCommandSet *set, int argc, char **argv)
{
  if (argc < 2)
    {
      print_commands (set, stderr);
      return 2;
    }
  const char *name = argv[1];
  if (g_str_equal (name, "--help") || g_str_equal (name, "-h") || g_str_equal (name, "help"))
    {
      print_commands (set, stdout);
      return 0;
    }
  for (gsize i = 0; i < set->n_commands; i++)
    if (g_str_equal (name, set->commands[i].name))
      return set->commands[i].run (argc - 1, argv + 1);
  g_printerr ("efficientad: unknown command '%s' (see '%s --help')\n", name, set->prefix);
  return 2;
}

static const char *
train_phase_name (EadTrainPhase phase)
{
  switch (phase)
    {
    case EAD_TRAIN_LOADING:
      return "loading images";
    case EAD_TRAIN_TEACHER:
      return "teacher statistics";
    case EAD_TRAIN_STEPS:
      return "training";
    case EAD_TRAIN_CALIBRATING:
      return "calibrating on validation images";
    default:
      g_assert_not_reached ();
    }
}

void
cli_add_schedule_options (GOptionContext *context, CliSchedule *schedule)
{
  *schedule = (CliSchedule) {
    .steps = G_MININT,
    .validate_every = EAD_TRAIN_DEFAULT_VALIDATE_EVERY,
  };
  const GOptionEntry entries[] = {
    { "steps", 0, 0, G_OPTION_ARG_INT, &schedule->steps, "Training steps (default 2000 on CPU, 70000 on CUDA)", "N" },
    { "minutes", 0, 0, G_OPTION_ARG_DOUBLE, &schedule->minutes, "Train for this long instead: the speed of the first steps fixes their number", "N" },
    { "validate-every", 0, 0, G_OPTION_ARG_INT, &schedule->validate_every, "Steps between validation losses (default 100; 0: none)", "N" },
    { "patience", 0, 0, G_OPTION_ARG_INT, &schedule->patience, "Stop once K validation losses in a row have not improved (default: never)", "K" },
    { NULL },
  };
  g_option_context_add_main_entries (context, entries, NULL);
}

gboolean
cli_schedule_given (const CliSchedule *schedule)
{
  return schedule->steps != G_MININT || schedule->minutes != 0
         || schedule->validate_every != EAD_TRAIN_DEFAULT_VALIDATE_EVERY || schedule->patience != 0;
}

gboolean
cli_apply_schedule (const CliSchedule *schedule, EadDevice device, EadTrainParams *params,
                    GError **error)
{
  if (schedule->steps != G_MININT && schedule->minutes != 0)
    {
      g_set_error_literal (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                           "--steps and --minutes exclude each other: "
                           "train for a number of steps or for a time");
      return FALSE;
    }
  params->steps = schedule->steps != G_MININT ? schedule->steps
                  : device == EAD_DEVICE_CUDA ? EAD_TRAIN_DEFAULT_STEPS_CUDA
                                              : EAD_TRAIN_DEFAULT_STEPS_CPU;
  params->minutes = schedule->minutes;
  params->validate_every = schedule->validate_every;
  params->patience = schedule->patience;
  return TRUE;
}

void
cli_train_report_init (CliTrainReport *report)
{
  cli_progress_init (&report->progress);
  report->phase = -1;
  report->validation = NAN;
  report->budget_shown = FALSE;
}

/* Prints @text on a line of its own between progress lines. */
static void
print_train_note (CliTrainReport *report, const char *text)
{
  cli_progress_finish (&report->progress);
  g_printerr ("%s\n", text);
  cli_progress_init (&report->progress);
}

void
cli_train_report_update (CliTrainReport *report, const EadTrainProgress *p)
{
  if ((int) p->phase != report->phase)
    {
      print_train_note (report, train_phase_name (p->phase));
      report->phase = p->phase;
    }
  /* A time budget measures the speed first: no step count to show yet. */
  if (p->phase != EAD_TRAIN_STEPS || p->total == 0)
    return;
  if (!isnan (p->validation))
    report->validation = p->validation;
  if (p->steps_per_minute > 0 && !report->budget_shown)
    {
      g_autofree char *note = g_strdup_printf ("time budget: %.1f steps/min measured, %d steps",
                                               p->steps_per_minute, p->total);
      print_train_note (report, note);
      report->budget_shown = TRUE;
    }
  if (p->stopped_early)
    {
      g_autofree char *note = g_strdup_printf ("stopped early at step %d of %d: the validation "
                                               "loss stopped improving (latest %.5g)",
                                               p->done, p->total, report->validation);
      print_train_note (report, note);
    }
  g_autofree char *validation = isnan (report->validation)
                                  ? g_strdup ("")
                                  : g_strdup_printf ("  val %.4f", report->validation);
  g_autofree char *detail = g_strdup_printf (
      "%.1f steps/min  loss %.4f (hard %.4f pen %.4f ae %.4f stae %.4f)%s",
      cli_progress_per_minute (&report->progress, p->done), p->losses.total, p->losses.hard,
      p->losses.penalty, p->losses.ae, p->losses.stae, validation);
  cli_progress_update (&report->progress, p->done, p->total, detail);
}

void
cli_train_report_finish (CliTrainReport *report)
{
  cli_progress_finish (&report->progress);
}

typedef struct {
  CliWork work;
  gpointer data;
} Interruptible;

static void
run_work (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Interruptible *w = task_data;
  GError *error = NULL;
  if (w->work (w->data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_work_done (GObject *source, GAsyncResult *result, gpointer loop)
{
  g_main_loop_quit (loop);
}

static gboolean
on_stop_signal (gpointer cancellable)
{
  g_printerr ("efficientad: stopping\n");
  g_cancellable_cancel (cancellable);
  return G_SOURCE_CONTINUE;
}

void
cli_run_loop_interruptible (GMainLoop *loop, GCancellable *cancellable)
{
  const guint sigint = g_unix_signal_add (SIGINT, on_stop_signal, cancellable);
  const guint sigterm = g_unix_signal_add (SIGTERM, on_stop_signal, cancellable);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
}

gboolean
cli_run_interruptible (CliWork work, gpointer data, GError **error)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Interruptible w = { work, data };
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, on_work_done, loop);
  /* The work's own error says where it stopped and what it kept. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, &w, NULL);
  g_task_run_in_thread (task, run_work);
  cli_run_loop_interruptible (loop, cancellable);
  return g_task_propagate_boolean (task, error);
}

void
cli_json_add_metrics (JsonBuilder *b, const EadMetrics *m)
{
  json_builder_set_member_name (b, "n_images");
  json_builder_add_int_value (b, m->n_images);
  cli_json_add_number (b, "image_auroc", m->image_auroc);
  cli_json_add_number (b, "pixel_auroc", m->pixel_auroc);
  cli_json_add_number (b, "aupro", m->aupro);
  cli_json_add_number (b, "f1_max", m->f1_max);
  cli_json_add_number (b, "threshold", m->threshold);
}

static void
json_add_per_type (JsonBuilder *b, GArray *per_type)
{
  json_builder_set_member_name (b, "per_type");
  json_builder_begin_object (b);
  for (guint i = 0; i < per_type->len; i++)
    {
      const EadMetrics *m = &g_array_index (per_type, EadMetrics, i);
      json_builder_set_member_name (b, m->type);
      json_builder_begin_object (b);
      cli_json_add_metrics (b, m);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

void
cli_json_add_evaluation (JsonBuilder *b, const EadEvaluation *e)
{
  cli_json_add_metrics (b, &e->overall);
  cli_json_add_number (b, "ms_per_image", e->ms_per_image);
  json_add_per_type (b, e->per_type);
  if (!e->local)
    return;
  json_builder_set_member_name (b, "maps");
  json_builder_begin_object (b);
  const struct { const char *name; const EadMapMetrics *metrics; } maps[] = {
    { "local", e->local }, { "global", e->global },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (maps); i++)
    {
      json_builder_set_member_name (b, maps[i].name);
      json_builder_begin_object (b);
      cli_json_add_metrics (b, &maps[i].metrics->overall);
      json_add_per_type (b, maps[i].metrics->per_type);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

void
cli_print_metrics_header (void)
{
  g_print ("%-16s %6s %11s %11s %8s %8s %10s\n", "type", "images", "image_auroc", "pixel_auroc",
           "aupro", "f1_max", "threshold");
}

void
cli_print_metrics_row (const EadMetrics *m)
{
  g_print ("%-16s %6u %11.4f %11.4f %8.4f %8.4f %10.4f\n", m->type, m->n_images, m->image_auroc,
           m->pixel_auroc, m->aupro, m->f1_max, m->threshold);
}

static void
print_map_rows (const char *map, const EadMetrics *overall, GArray *per_type)
{
  for (guint i = 0; i <= per_type->len; i++)
    {
      const EadMetrics *m = i < per_type->len ? &g_array_index (per_type, EadMetrics, i) : overall;
      g_print ("%-7s %-16s %11.4f %11.4f %8.4f\n", map, m->type, m->image_auroc, m->pixel_auroc,
               m->aupro);
    }
}

/* Each map alone beside the fused one, to see which branch fails. */
static void
print_maps_table (const EadEvaluation *e)
{
  g_print ("\n%-7s %-16s %11s %11s %8s\n", "map", "type", "image_auroc", "pixel_auroc", "aupro");
  print_map_rows ("local", &e->local->overall, e->local->per_type);
  print_map_rows ("global", &e->global->overall, e->global->per_type);
  print_map_rows ("fused", &e->overall, e->per_type);
}

static int
compare_scores_descending (gconstpointer a, gconstpointer b)
{
  double x = (*(const EadImageScore *const *) a)->score;
  double y = (*(const EadImageScore *const *) b)->score;
  return (x < y) - (x > y);
}

/* A peak within this fraction of the image's side from an edge is the
 * padding's look rather than the part's. */
#define EDGE_BAND (1.0 / 16)

static const char *
where_peak (const EadImageScore *s)
{
  const double band_x = EDGE_BAND * s->width, band_y = EDGE_BAND * s->height;
  gboolean edge = s->peak_x < band_x || s->peak_x >= s->width - band_x || s->peak_y < band_y
                  || s->peak_y >= s->height - band_y;
  return edge ? "edge" : "inside";
}

/* The good images that score highest, and where: what false alarms look
 * like (peaks at the edge, one branch above the other). */
static void
print_hottest_good (const EadEvaluation *e, guint count)
{
  g_autoptr (GPtrArray) good = g_ptr_array_new ();
  for (guint i = 0; i < e->images->len; i++)
    {
      const EadImageScore *s = &g_array_index (e->images, EadImageScore, i);
      if (g_str_equal (s->type, "good"))
        g_ptr_array_add (good, (gpointer) s);
    }
  if (good->len == 0)
    return;
  g_ptr_array_sort (good, compare_scores_descending);
  g_print ("\nhottest good images:\n%8s %8s %8s  %-18s %s\n", "score", "local", "global", "peak at",
           "image");
  for (guint i = 0; i < MIN (count, good->len); i++)
    {
      const EadImageScore *s = good->pdata[i];
      g_autofree char *peak = g_strdup_printf ("%d,%d %s", s->peak_x, s->peak_y, where_peak (s));
      g_print ("%8.4f %8.4f %8.4f  %-18s %s\n", s->score, s->local_score, s->global_score, peak,
               s->path);
    }
}

void
cli_print_metrics_table (const EadEvaluation *e)
{
  cli_print_metrics_header ();
  for (guint i = 0; i < e->per_type->len; i++)
    cli_print_metrics_row (&g_array_index (e->per_type, EadMetrics, i));
  cli_print_metrics_row (&e->overall);
  if (e->local)
    print_maps_table (e);
  print_hottest_good (e, 5);
  g_print ("%.1f ms per image (networks and maps)\n", e->ms_per_image);
}

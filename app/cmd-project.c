/* cmd-project.c: efficientad project COMMAND FILE ..., the project file
 * from the command line. */

#include <glib-unix.h>
#include <libintl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>

#include "cli.h"
#include "ead-error.h"
#include "ead-project.h"
#include "ead-report.h"

/* The same schedule as efficientad train. */
#define UNSET G_MININT

/* ---- Shared by the commands ---- */

/* Parses the options and checks that exactly one FILE (and, with
 * @more_args, more arguments) follows. */
static gboolean
parse_command (GOptionContext *context, const char *command, gboolean more_args, int *argc,
               char ***argv, GError **error)
{
  if (!cli_parse (context, argc, argv, error))
    return FALSE;
  if (*argc < 2 || (!more_args && *argc != 2) || (more_args && *argc < 3))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "project %s needs %s (see --help)",
                   command, more_args ? "a project FILE and what to import" : "one project FILE");
      return FALSE;
    }
  return TRUE;
}

/* The model of --model, or the newest one for 0. */
static gint64
resolve_model (EadProject *project, gint64 model_id, GError **error)
{
  if (model_id < 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "--model must be a model id");
      return 0;
    }
  if (model_id == 0)
    return ead_project_get_latest_model (project, error);
  EadModelInfo info;
  if (!ead_project_get_model (project, model_id, &info, error))
    return 0;
  ead_model_info_clear (&info);
  return model_id;
}

static void
print_json (JsonBuilder *b)
{
  g_autofree char *text = cli_json_to_string (b, TRUE);
  g_print ("%s\n", text);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* A command whose only option is --json. */
static gboolean
parse_json_command (const char *name, const char *summary, int *argc, char ***argv,
                    gboolean *json, GError **error)
{
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (summary);
  g_option_context_add_main_entries (context, entries, NULL);
  return parse_command (context, name, FALSE, argc, argv, error);
}

/* ---- create ---- */

static int
project_create (int argc, char **argv)
{
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  if (!parse_json_command ("create", "FILE - create an empty project", &argc, &argv, &json, &error))
    return cli_fail (error);
  g_autoptr (EadProject) project = ead_project_create (argv[1], &error);
  if (!project)
    return cli_fail (error);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_string (b, "project", argv[1]);
      add_int (b, "schema_version", ead_project_get_schema_version ());
      json_builder_end_object (b);
      print_json (b);
    }
  else
    g_print ("created %s (schema version %d)\n", argv[1], ead_project_get_schema_version ());
  return 0;
}

/* ---- import ---- */

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
  else if (ead_split_from_string (text, &value))
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
  add_int (b, "batch", s->batch_id);
  add_int (b, "imported", s->imported);
  add_int (b, "masks", s->masks);
  add_int (b, "duplicates", s->duplicates);
  add_int (b, "failed", s->failed);
  json_builder_end_object (b);
  print_json (b);
}

static int
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
  if (!parse_command (context, "import", TRUE, &argc, &argv, &error)
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

/* ---- info ---- */

static void
print_counts_text (guint counts[EAD_N_SPLITS][EAD_N_LABELS])
{
  g_print ("%-12s", "images");
  for (int label = 0; label < EAD_N_LABELS; label++)
    g_print (" %10s", ead_label_to_string (label));
  g_print ("\n");
  for (int split = 0; split < EAD_N_SPLITS; split++)
    {
      g_print ("%-12s", ead_split_to_string (split));
      for (int label = 0; label < EAD_N_LABELS; label++)
        g_print (" %10u", counts[split][label]);
      g_print ("\n");
    }
}

/* The stored metrics of each model's latest test, parallel to @models. */
static GPtrArray *
list_test_metrics (EadProject *project, GArray *models, GError **error)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint i = 0; i < models->len; i++)
    {
      gint64 id = g_array_index (models, EadModelInfo, i).id;
      GArray *metrics = ead_project_get_test_metrics (project, id, NULL, error);
      if (!metrics)
        return NULL;
      g_ptr_array_add (all, metrics);
    }
  return g_steal_pointer (&all);
}

static void
print_info_text (guint counts[EAD_N_SPLITS][EAD_N_LABELS], GArray *runs, GArray *models,
                 GPtrArray *test_metrics)
{
  print_counts_text (counts);
  for (guint i = 0; i < runs->len; i++)
    {
      const EadRunInfo *r = &g_array_index (runs, EadRunInfo, i);
      g_print ("run %" G_GINT64_FORMAT ": %s, %s model, %d px, step %d of %d", r->id,
               ead_run_state_to_string (r->state), ead_model_size_to_string (r->size),
               r->image_size, r->steps_done, r->steps);
      if (r->minutes > 0)
        g_print (" (a budget of %g min)", r->minutes);
      if (r->patience > 0)
        g_print (", patience %d", r->patience);
      if (r->checkpoint_step > 0)
        g_print (", checkpoint at step %d", r->checkpoint_step);
      if (r->error)
        g_print (" (%s)", r->error);
      g_print ("\n");
    }
  for (guint i = 0; i < models->len; i++)
    {
      const EadModelInfo *m = &g_array_index (models, EadModelInfo, i);
      g_print ("model %" G_GINT64_FORMAT ": from run %" G_GINT64_FORMAT ", calibrated on %u "
               "images, %u results, ", m->id, m->run_id, m->n_validation, m->n_results);
      if (m->has_threshold)
        g_print ("threshold %.5g (%s)\n", m->threshold,
                 ead_threshold_method_to_string (m->threshold_method));
      else
        g_print ("no threshold\n");
      GArray *tested = test_metrics->pdata[i];
      if (tested->len > 0)
        cli_print_metrics_header ();
      for (guint k = 0; k < tested->len; k++)
        cli_print_metrics_row (&g_array_index (tested, EadMetrics, k));
    }
}

static void
add_counts_json (JsonBuilder *b, guint counts[EAD_N_SPLITS][EAD_N_LABELS])
{
  json_builder_set_member_name (b, "images");
  json_builder_begin_object (b);
  for (int split = 0; split < EAD_N_SPLITS; split++)
    {
      json_builder_set_member_name (b, ead_split_to_string (split));
      json_builder_begin_object (b);
      for (int label = 0; label < EAD_N_LABELS; label++)
        add_int (b, ead_label_to_string (label), counts[split][label]);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

static void
add_runs_json (JsonBuilder *b, GArray *runs)
{
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < runs->len; i++)
    {
      const EadRunInfo *r = &g_array_index (runs, EadRunInfo, i);
      json_builder_begin_object (b);
      add_int (b, "id", r->id);
      add_string (b, "state", ead_run_state_to_string (r->state));
      add_string (b, "size", ead_model_size_to_string (r->size));
      add_int (b, "image_size", r->image_size);
      add_int (b, "steps", r->steps);
      add_int (b, "steps_done", r->steps_done);
      cli_json_add_number (b, "minutes", r->minutes);
      add_int (b, "patience", r->patience);
      add_int (b, "checkpoint_step", r->checkpoint_step);
      add_int (b, "model", r->model_id);
      add_string (b, "created_at", r->created_at);
      add_string (b, "error", r->error);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* "test_metrics": {"all": {...}, TYPE: {...}}, or null when never tested. */
static void
add_test_metrics_json (JsonBuilder *b, GArray *tested)
{
  json_builder_set_member_name (b, "test_metrics");
  if (tested->len == 0)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  for (guint k = 0; k < tested->len; k++)
    {
      const EadMetrics *m = &g_array_index (tested, EadMetrics, k);
      json_builder_set_member_name (b, m->type);
      json_builder_begin_object (b);
      cli_json_add_metrics (b, m);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

static void
add_models_json (JsonBuilder *b, GArray *models, GPtrArray *test_metrics)
{
  json_builder_set_member_name (b, "models");
  json_builder_begin_array (b);
  for (guint i = 0; i < models->len; i++)
    {
      const EadModelInfo *m = &g_array_index (models, EadModelInfo, i);
      json_builder_begin_object (b);
      add_int (b, "id", m->id);
      add_int (b, "run", m->run_id);
      add_string (b, "created_at", m->created_at);
      add_int (b, "n_validation", m->n_validation);
      add_int (b, "n_results", m->n_results);
      cli_json_add_number (b, "threshold", m->has_threshold ? m->threshold : NAN);
      add_string (b, "threshold_method", m->has_threshold
                  ? ead_threshold_method_to_string (m->threshold_method) : NULL);
      add_test_metrics_json (b, test_metrics->pdata[i]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static int
project_info (int argc, char **argv)
{
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  if (!parse_json_command ("info", "FILE - describe a project", &argc, &argv, &json, &error))
    return cli_fail (error);
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project)
    return cli_fail (error);
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  if (!ead_project_count_images (project, counts, &error))
    return cli_fail (error);
  g_autoptr (GArray) runs = ead_project_list_runs (project, &error);
  g_autoptr (GArray) models = runs ? ead_project_list_models (project, &error) : NULL;
  g_autoptr (GPtrArray) test_metrics = models ? list_test_metrics (project, models, &error) : NULL;
  if (!test_metrics)
    return cli_fail (error);
  if (!json)
    {
      print_info_text (counts, runs, models, test_metrics);
      return 0;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_string (b, "project", argv[1]);
  add_int (b, "schema_version", ead_project_get_schema_version ());
  add_counts_json (b, counts);
  add_runs_json (b, runs);
  add_models_json (b, models, test_metrics);
  json_builder_end_object (b);
  print_json (b);
  return 0;
}

/* ---- train ---- */

typedef struct {
  GMainLoop *loop;
  GCancellable *cancellable;
  gint64 model_id;
  GError *error;
  CliProgress progress;
  CliTrainNotes notes;
  int phase;
} Training;

/* Called in the training thread. */
static void
on_train_progress (const EadTrainProgress *p, gpointer user_data)
{
  Training *t = user_data;
  if ((int) p->phase != t->phase)
    {
      cli_progress_finish (&t->progress);
      g_printerr ("%s\n", cli_train_phase_name (p->phase));
      cli_progress_init (&t->progress);
      t->phase = p->phase;
    }
  if (p->phase != EAD_TRAIN_STEPS || !cli_train_notes_update (&t->notes, &t->progress, p))
    return;
  g_autofree char *validation = cli_train_notes_validation (&t->notes);
  g_autofree char *detail = g_strdup_printf ("loss %.4f (hard %.4f pen %.4f ae %.4f stae %.4f)%s",
                                             p->losses.total, p->losses.hard, p->losses.penalty,
                                             p->losses.ae, p->losses.stae, validation);
  cli_progress_update (&t->progress, p->done, p->total, detail);
}

static void
on_trained (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Training *t = user_data;
  t->model_id = ead_project_train_finish (result, &t->error);
  g_main_loop_quit (t->loop);
}

static gboolean
on_stop_signal (gpointer user_data)
{
  Training *t = user_data;
  g_printerr ("efficientad: stopping at the next step; the checkpoint keeps the run\n");
  g_cancellable_cancel (t->cancellable);
  return G_SOURCE_CONTINUE;
}

/* Trains @run_id in a worker thread while this one waits for Ctrl-C. */
static gint64
train_run (EadProject *project, gint64 run_id, EadDevice device, GError **error)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Training t = { .loop = loop, .cancellable = cancellable, .phase = -1 };
  cli_progress_init (&t.progress);
  cli_train_notes_init (&t.notes);
  guint sigint = g_unix_signal_add (SIGINT, on_stop_signal, &t);
  guint sigterm = g_unix_signal_add (SIGTERM, on_stop_signal, &t);
  ead_project_train_async (project, run_id, device, on_train_progress, &t, cancellable,
                           on_trained, &t);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  cli_progress_finish (&t.progress);
  if (t.error)
    g_propagate_error (error, t.error);
  return t.model_id;
}

typedef struct {
  char *size, *teacher, *penalty;
  char *teacher_path;   /* what --teacher resolved to */
  CliSchedule schedule;
  int image_size, checkpoint_every;
  gint64 seed;
} RunOptions;

static void
run_options_clear (RunOptions *o)
{
  g_free (o->size);
  g_free (o->teacher);
  g_free (o->penalty);
  g_free (o->teacher_path);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunOptions, run_options_clear)

static gboolean
run_options_given (const RunOptions *o)
{
  return o->size || o->teacher || o->penalty || cli_schedule_given (&o->schedule)
         || o->image_size != UNSET || o->checkpoint_every != UNSET || o->seed != UNSET;
}

/* A new run's parameters from the options; ead_project_add_run() checks them. */
static gboolean
params_from_options (RunOptions *o, EadDevice device, EadPrecision precision,
                     EadTrainParams *params, GError **error)
{
  ead_train_params_init (params);
  params->precision = precision;
  if (o->size && !ead_model_size_from_string (o->size, &params->size))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "--size must be s or m, not '%s'",
                   o->size);
      return FALSE;
    }
  if (o->seed != UNSET && o->seed < 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "--seed must not be negative");
      return FALSE;
    }
  if (!cli_apply_schedule (&o->schedule, device, params, error))
    return FALSE;
  if (o->image_size != UNSET)
    params->image_size = o->image_size;
  if (o->seed != UNSET)
    params->seed = (guint64) o->seed;
  params->checkpoint_every = o->checkpoint_every != UNSET ? o->checkpoint_every
                                                          : EAD_TRAIN_DEFAULT_CHECKPOINT_EVERY;
  if (!cli_choose_teacher (o->teacher, params->size, &o->teacher_path, error))
    return FALSE;
  params->teacher_path = o->teacher_path;
  params->penalty_dir = o->penalty;
  /* Not recorded, but ead_project_add_run() checks that it is available. */
  params->device = device;
  return TRUE;
}

static void
print_trained (EadProject *project, gint64 run_id, gint64 model_id, gboolean json)
{
  EadModelInfo m;
  g_autoptr (GError) error = NULL;
  if (!ead_project_get_model (project, model_id, &m, &error))
    {
      g_printerr ("efficientad: warning: %s\n", error->message);
      return;
    }
  const EadQuantiles *q = &m.quantiles;
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_int (b, "run", run_id);
      add_int (b, "model", model_id);
      cli_json_add_number (b, "quantile_st_start", q->st_start);
      cli_json_add_number (b, "quantile_st_end", q->st_end);
      cli_json_add_number (b, "quantile_ae_start", q->ae_start);
      cli_json_add_number (b, "quantile_ae_end", q->ae_end);
      json_builder_end_object (b);
      print_json (b);
    }
  else
    g_print ("run %" G_GINT64_FORMAT " finished: model %" G_GINT64_FORMAT "; map quantiles local "
             "%.5g..%.5g, global %.5g..%.5g\n", run_id, model_id, q->st_start, q->st_end,
             q->ae_start, q->ae_end);
  ead_model_info_clear (&m);
}

static int
project_train (int argc, char **argv)
{
  g_auto (RunOptions) o = { .image_size = UNSET, .checkpoint_every = UNSET,
                            .seed = UNSET };
  g_autofree char *device_text = NULL;
  g_auto (CliEngineOptions) engine = { 0 };
  gint64 resume = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_STRING, &o.size, "Model size: s (default) or m", "s|m" },
    { "image-size", 0, 0, G_OPTION_ARG_INT, &o.image_size, "Input size, a multiple of 64 (default 256)", "PIXELS" },
    { "teacher", 0, 0, G_OPTION_ARG_FILENAME, &o.teacher, "Pretrained teacher weights (default: the shipped one), or 'random'", "FILE" },
    { "penalty-images", 0, 0, G_OPTION_ARG_FILENAME, &o.penalty, "Natural images for the penalty term", "DIR" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Random seed (default 42)", "N" },
    { "checkpoint-every", 0, 0, G_OPTION_ARG_INT, &o.checkpoint_every, "Steps between checkpoints (default 500)", "N" },
    { "resume", 0, 0, G_OPTION_ARG_INT64, &resume, "Continue run RUN from its checkpoint, with its own settings", "RUN" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device_text, "cpu (default) or cuda", "DEVICE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - train a model in the project");
  g_option_context_add_main_entries (context, entries, NULL);
  cli_add_schedule_options (context, &o.schedule);
  cli_add_engine_options (context, &engine);
  g_option_context_set_description (context,
    "Trains on the good images of the train split and calibrates on the good\n"
    "images of the validation split. The loss curve and a checkpoint every N steps\n"
    "go into the project: Ctrl-C, a crash or a kill loses at most the steps since\n"
    "the last checkpoint, and --resume RUN continues the run from there.\n"
    "--precision bf16 trains in bf16 (fp32 weights, as PyTorch's autocast) and computes the\n"
    "calibration maps in bf16: about twice as fast on a CPU with native bf16.");
  g_autoptr (GError) error = NULL;
  EadDevice device;
  EadPrecision precision;
  if (!parse_command (context, "train", FALSE, &argc, &argv, &error)
      || !cli_parse_device (device_text, &device, &error)
      || !cli_apply_engine_options (&engine, &precision, &error))
    return cli_fail (error);
  if (resume < 0)
    return cli_fail_message ("--resume needs a run id");
  if (resume > 0 && (run_options_given (&o) || engine.precision))
    return cli_fail_message ("--resume continues run %" G_GINT64_FORMAT " with its own settings; "
                             "leave out the training options", resume);
  EadTrainParams params;
  if (!resume && !params_from_options (&o, device, precision, &params, &error))
    return cli_fail (error);

  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project)
    return cli_fail (error);
  gint64 run_id = resume ? resume : ead_project_add_run (project, &params, &error);
  if (!run_id)
    return cli_fail (error);
  if (!resume && !params.teacher_path)
    g_printerr ("efficientad: warning: training with a RANDOM teacher: its features mean "
                "nothing, and neither will the results\n");
  if (!resume)
    g_printerr ("run %" G_GINT64_FORMAT "\n", run_id);
  gint64 model_id = train_run (project, run_id, device, &error);
  if (!model_id && g_error_matches (error, EAD_ERROR, EAD_ERROR_CANCELLED))
    return cli_fail_message ("%s; continue with 'efficientad project train %s --resume %"
                             G_GINT64_FORMAT "'", error->message, argv[1], run_id);
  if (!model_id)
    return cli_fail (error);
  print_trained (project, run_id, model_id, json);
  return 0;
}

/* ---- calibrate ---- */

static void
on_scored (guint done, guint total, gpointer user_data)
{
  cli_progress_update (user_data, done, total, NULL);
}

/* What calibrate and test share: FILE, --model, --json and the engine
 * options, parsed, with the project opened and the model resolved. */
typedef struct {
  gint64 model;
  gboolean json;
  EadPrecision precision;
  EadProject *project;
} ModelCommand;

static void
model_command_clear (ModelCommand *command)
{
  g_clear_pointer (&command->project, ead_project_close);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ModelCommand, model_command_clear)

static gboolean
open_model_command (const char *name, const char *summary, const char *description, int argc,
                    char **argv, ModelCommand *command, GError **error)
{
  g_auto (CliEngineOptions) engine = { 0 };
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_INT64, &command->model, "The model (default: the newest)", "ID" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &command->json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (summary);
  g_option_context_add_main_entries (context, entries, NULL);
  cli_add_engine_options (context, &engine);
  g_option_context_set_description (context, description);
  if (!parse_command (context, name, FALSE, &argc, &argv, error)
      || !cli_apply_engine_options (&engine, &command->precision, error))
    return FALSE;
  command->project = ead_project_open (argv[1], error);
  return command->project
         && (command->model = resolve_model (command->project, command->model, error)) != 0;
}

static int
project_calibrate (int argc, char **argv)
{
  g_auto (ModelCommand) command = { 0 };
  g_autoptr (GError) error = NULL;
  if (!open_model_command ("calibrate", "FILE - recalibrate a model",
                           "Recomputes the map quantiles on the good validation images (never on test\n"
                           "images). The model's earlier results and threshold were in the old\n"
                           "calibration's units and are removed; run test and threshold again.",
                           argc, argv, &command, &error))
    return cli_fail (error);
  EadProject *project = command.project;
  gint64 model = command.model;
  gboolean json = command.json;
  CliProgress progress;
  cli_progress_init (&progress);
  gboolean ok = ead_project_calibrate (project, model, command.precision, on_scored, &progress,
                                       NULL, &error);
  cli_progress_finish (&progress);
  EadModelInfo m;
  if (!ok || !ead_project_get_model (project, model, &m, &error))
    return cli_fail (error);
  const EadQuantiles *q = &m.quantiles;
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_int (b, "model", model);
      add_int (b, "n_validation", m.n_validation);
      cli_json_add_number (b, "quantile_st_start", q->st_start);
      cli_json_add_number (b, "quantile_st_end", q->st_end);
      cli_json_add_number (b, "quantile_ae_start", q->ae_start);
      cli_json_add_number (b, "quantile_ae_end", q->ae_end);
      json_builder_end_object (b);
      print_json (b);
    }
  else
    g_print ("model %" G_GINT64_FORMAT " calibrated on %u validation images: map quantiles local "
             "%.5g..%.5g, global %.5g..%.5g\n", model, m.n_validation, q->st_start, q->st_end,
             q->ae_start, q->ae_end);
  ead_model_info_clear (&m);
  return 0;
}

/* ---- test ---- */

static const char *
decision_name (EadDecision decision)
{
  return decision == EAD_DECISION_ANOMALOUS ? "anomalous"
         : decision == EAD_DECISION_GOOD ? "good" : "-";
}

static void
print_test_text (GArray *results, const EadEvaluation *e)
{
  g_print ("%6s  %-24s %-10s %-16s %10s  %s\n", "image", "file", "label", "type", "score",
           "decision");
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split != EAD_SPLIT_TEST)
        continue;
      g_print ("%6" G_GINT64_FORMAT "  %-24s %-10s %-16s %10.5f  %s\n", r->image_id, r->file_name,
               ead_label_to_string (r->label), r->defect_type ? r->defect_type : "-", r->score,
               decision_name (r->decision));
    }
  g_print ("\n");
  cli_print_metrics_table (e);
}

static void
print_test_json (gint64 model, GArray *results, const EadEvaluation *e)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_int (b, "model", model);
  cli_json_add_evaluation (b, e);
  json_builder_set_member_name (b, "images");
  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split != EAD_SPLIT_TEST)
        continue;
      json_builder_begin_object (b);
      add_int (b, "image", r->image_id);
      add_string (b, "file", r->file_name);
      add_string (b, "label", ead_label_to_string (r->label));
      add_string (b, "type", r->defect_type);
      cli_json_add_number (b, "score", r->score);
      add_string (b, "decision", r->decision == EAD_DECISION_NONE ? NULL
                                                                 : decision_name (r->decision));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  print_json (b);
}

static int
project_test (int argc, char **argv)
{
  g_auto (ModelCommand) command = { 0 };
  g_autoptr (GError) error = NULL;
  if (!open_model_command ("test", "FILE - score the test images",
                           "Scores every test image, stores its score and maps, and prints the metrics\n"
                           "over the labelled ones.", argc, argv, &command, &error))
    return cli_fail (error);
  EadProject *project = command.project;
  gint64 model = command.model;
  gboolean json = command.json;
  CliProgress progress;
  cli_progress_init (&progress);
  g_autoptr (EadEvaluation) evaluation = ead_project_test (project, model, command.precision,
                                                           on_scored, &progress, NULL, &error);
  cli_progress_finish (&progress);
  g_autoptr (GArray) results = evaluation ? ead_project_list_results (project, model, &error)
                                          : NULL;
  if (!results)
    return cli_fail (error);
  if (json)
    print_test_json (model, results, evaluation);
  else
    print_test_text (results, evaluation);
  return 0;
}

/* ---- threshold ---- */

static int
project_threshold (int argc, char **argv)
{
  gint64 model = 0;
  double value = NAN, max_fpr = NAN;
  gboolean f1_max = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_INT64, &model, "The model (required)", "ID" },
    { "value", 0, 0, G_OPTION_ARG_DOUBLE, &value, "This threshold", "X" },
    { "f1-max", 0, 0, G_OPTION_ARG_NONE, &f1_max, "The best F1 on the labelled test images", NULL },
    { "max-fpr", 0, 0, G_OPTION_ARG_DOUBLE, &max_fpr, "The lowest that flags at most this fraction of good images", "P" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - choose the decision threshold");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!parse_command (context, "threshold", FALSE, &argc, &argv, &error))
    return cli_fail (error);
  if (!isnan (value) + f1_max + !isnan (max_fpr) != 1)
    return cli_fail_message ("threshold needs exactly one of --value X, --f1-max, --max-fpr P");
  /* Choosing a threshold or exporting names its model: the newest one is
   * not always the one under review. */
  if (model == 0)
    return cli_fail_message ("threshold needs --model ID (see 'efficientad project info')");
  EadThresholdMethod method = f1_max ? EAD_THRESHOLD_F1_MAX
                              : isnan (value) ? EAD_THRESHOLD_MAX_FPR : EAD_THRESHOLD_VALUE;
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  double threshold;
  if (!project || !(model = resolve_model (project, model, &error))
      || !ead_project_set_threshold (project, model, method,
                                     method == EAD_THRESHOLD_VALUE ? value
                                     : method == EAD_THRESHOLD_MAX_FPR ? max_fpr : 0, &threshold,
                                     &error))
    return cli_fail (error);
  EadConfusion c;
  if (!ead_project_count_decisions (project, model, &c, &error))
    return cli_fail (error);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_int (b, "model", model);
      cli_json_add_number (b, "threshold", threshold);
      add_string (b, "method", ead_threshold_method_to_string (method));
      add_int (b, "true_positives", c.true_positives);
      add_int (b, "false_positives", c.false_positives);
      add_int (b, "true_negatives", c.true_negatives);
      add_int (b, "false_negatives", c.false_negatives);
      json_builder_end_object (b);
      print_json (b);
    }
  else
    g_print ("model %" G_GINT64_FORMAT " threshold %.6g (%s); labelled test images: %"
             G_GSIZE_FORMAT " true positives, %" G_GSIZE_FORMAT " false positives, %"
             G_GSIZE_FORMAT " true negatives, %" G_GSIZE_FORMAT " false negatives\n", model,
             threshold, ead_threshold_method_to_string (method), c.true_positives,
             c.false_positives, c.true_negatives, c.false_negatives);
  return 0;
}

/* ---- review ---- */

static int
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
  if (!parse_command (context, "review", FALSE, &argc, &argv, &error))
    return cli_fail (error);
  EadVerdict verdict = EAD_VERDICT_NONE;
  if (move == (image != 0 || verdict_text != NULL))
    return cli_fail_message ("review needs either --image ID --verdict V or --move-false-positives");
  if (!move && (image <= 0 || !ead_verdict_from_string (verdict_text, &verdict)))
    return cli_fail_message ("review needs --image ID and --verdict true-defect, false-positive, "
                             "missed-defect or unsure");
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project || !(model = resolve_model (project, model, &error)))
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

/* ---- export ---- */

static int
project_export (int argc, char **argv)
{
  g_autofree char *output = NULL, *format_text = NULL;
  gint64 model = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_INT64, &model, "The model (required)", "ID" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "File to write", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, "model (default), torchscript or onnx", "FORMAT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Report as JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - export a model");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Writes the model with its calibration and threshold: as the model file of\n"
    "docs/model-format.md, which 'efficientad infer' reads, or as TorchScript or\n"
    "ONNX (docs/export.md).");
  g_autoptr (GError) error = NULL;
  if (!parse_command (context, "export", FALSE, &argc, &argv, &error))
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
  if (!project || !(model = resolve_model (project, model, &error))
      || !ead_project_export_model (project, model, format, output, &sha256, &error))
    return cli_fail (error);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_int (b, "model", model);
      add_string (b, "path", output);
      add_string (b, "sha256", sha256);
      json_builder_end_object (b);
      print_json (b);
    }
  else
    g_print ("wrote %s (model %" G_GINT64_FORMAT ", sha256 %s)\n", output, model, sha256);
  return 0;
}

/* ---- report ---- */

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

static int
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
  if (!parse_command (context, "report", FALSE, &argc, &argv, &error))
    return cli_fail (error);
  if (!output)
    return cli_fail_message ("report needs -o REPORT.pdf, the file to write");
  bind_report_translations ();
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project || !(model = resolve_model (project, model, &error))
      || !ead_report_write (project, model, output, &error))
    return cli_fail (error);
  g_print ("wrote %s (model %" G_GINT64_FORMAT ")\n", output, model);
  return 0;
}

static const CliCommand commands[] = {
  { "create", project_create, "create an empty project file" },
  { "import", project_import, "import images and folders (the MVTec AD layout is understood)" },
  { "info", project_info, "images per split and label, training runs, models" },
  { "train", project_train, "train a model on the good training images, or resume a run" },
  { "calibrate", project_calibrate, "recompute a model's calibration on the validation images" },
  { "test", project_test, "score every test image and print the metrics" },
  { "threshold", project_threshold, "choose a model's decision threshold" },
  { "review", project_review, "give a result a verdict; move false positives to training" },
  { "export", project_export, "write a model file" },
  { "report", project_report, "write a model's inspection report as a PDF" },
};

static const CliCommandSet command_set = {
  .usage = "efficientad project COMMAND FILE [OPTIONS...]",
  .description = "A project file (" EAD_PROJECT_EXTENSION ") holds the images, labels, training\n"
                 "runs, models, calibration, results and reviews of one inspected part.",
  .prefix = "efficientad project",
  .commands = commands,
  .n_commands = G_N_ELEMENTS (commands),
};

int
cmd_project (int argc, char **argv)
{
  return cli_run_command (&command_set, argc, argv);
}

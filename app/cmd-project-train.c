/* cmd-project-train.c: efficientad project train. */

#include "cmd-project.h"

/* The same schedule as efficientad train. */
#define UNSET G_MININT

typedef struct {
  GMainLoop *loop;
  gint64 model_id;
  GError *error;
  CliTrainReport report;
} Training;

/* Called in the training thread. */
static void
on_train_progress (const EadTrainProgress *p, gpointer user_data)
{
  Training *t = user_data;
  cli_train_report_update (&t->report, p);
}

static void
on_trained (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Training *t = user_data;
  t->model_id = ead_project_train_finish (result, &t->error);
  g_main_loop_quit (t->loop);
}

/* Trains @run_id in a worker thread while this one waits for Ctrl-C. */
static gint64
train_run (EadProject *project, gint64 run_id, EadDevice device, GError **error)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Training t = { .loop = loop };
  cli_train_report_init (&t.report);
  ead_project_train_async (project, run_id, device, on_train_progress, &t, cancellable,
                           on_trained, &t);
  cli_run_loop_interruptible (loop, cancellable);
  cli_train_report_finish (&t.report);
  if (t.error)
    g_propagate_error (error, t.error);
  return t.model_id;
}

typedef struct {
  char *size, *teacher, *penalty;
  char *teacher_path;   /* what --teacher resolved to */
  char *penalty_dir;    /* what --penalty-images resolved to */
  CliSchedule schedule;
  int image_size, tiles, checkpoint_every;
  gint64 seed;
} RunOptions;

static void
run_options_clear (RunOptions *o)
{
  g_free (o->size);
  g_free (o->teacher);
  g_free (o->penalty);
  g_free (o->teacher_path);
  g_free (o->penalty_dir);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunOptions, run_options_clear)

static gboolean
run_options_given (const RunOptions *o)
{
  return o->size || o->teacher || o->penalty || cli_schedule_given (&o->schedule)
         || o->image_size != UNSET || o->tiles != UNSET || o->checkpoint_every != UNSET
         || o->seed != UNSET;
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
  if (o->tiles != UNSET)
    params->tiles = o->tiles;
  if (o->seed != UNSET)
    params->seed = (guint64) o->seed;
  params->checkpoint_every = o->checkpoint_every != UNSET ? o->checkpoint_every
                                                          : EAD_TRAIN_DEFAULT_CHECKPOINT_EVERY;
  if (!cli_choose_teacher (o->teacher, params->size, &o->teacher_path, error))
    return FALSE;
  params->teacher_path = o->teacher_path;
  if (!cli_choose_penalty_images (o->penalty, &o->penalty_dir, error))
    return FALSE;
  params->penalty_dir = o->penalty_dir;
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
      project_add_int (b, "run", run_id);
      project_add_int (b, "model", model_id);
      cli_json_add_number (b, "quantile_st_start", q->st_start);
      cli_json_add_number (b, "quantile_st_end", q->st_end);
      cli_json_add_number (b, "quantile_ae_start", q->ae_start);
      cli_json_add_number (b, "quantile_ae_end", q->ae_end);
      json_builder_end_object (b);
      project_print_json (b);
    }
  else
    g_print ("run %" G_GINT64_FORMAT " finished: model %" G_GINT64_FORMAT "; map quantiles local "
             "%.5g..%.5g, global %.5g..%.5g\n", run_id, model_id, q->st_start, q->st_end,
             q->ae_start, q->ae_end);
  ead_model_info_clear (&m);
}

int
project_train (int argc, char **argv)
{
  g_auto (RunOptions) o = { .image_size = UNSET, .tiles = UNSET, .checkpoint_every = UNSET,
                            .seed = UNSET };
  g_autofree char *device_text = NULL;
  g_auto (CliEngineOptions) engine = { 0 };
  gint64 resume = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_STRING, &o.size, "Model size: s (default) or m", "s|m" },
    { "image-size", 0, 0, G_OPTION_ARG_INT, &o.image_size, "Input size, a multiple of 64 (default 256)", "PIXELS" },
    { "tiles", 0, 0, G_OPTION_ARG_INT, &o.tiles, CLI_TILES_HELP, "N" },
    { "teacher", 0, 0, G_OPTION_ARG_FILENAME, &o.teacher, "Pretrained teacher weights (default: the shipped one), or 'random'", "FILE" },
    { "penalty-images", 0, 0, G_OPTION_ARG_FILENAME, &o.penalty, CLI_PENALTY_IMAGES_HELP, "DIR" },
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
    "calibration maps in bf16: on a CPU with native bf16 it takes 2.7 times the steps per\n"
    "minute, as good step for step, and is the default there; elsewhere fp32 is.");
  g_autoptr (GError) error = NULL;
  EadDevice device;
  EadPrecision precision;
  if (!project_parse_command (context, "train", FALSE, &argc, &argv, &error)
      || !cli_parse_device (device_text, &device, &error)
      || !cli_apply_training_engine_options (&engine, device, &precision, &error))
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
  if (!resume && params.penalty_dir)
    g_printerr ("penalty images: %s\n", params.penalty_dir);
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

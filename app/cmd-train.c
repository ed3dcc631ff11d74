/* cmd-train.c: efficientad train DATASET -o MODEL */

#include <glib/gstdio.h>
#include <unistd.h>
#include <stdio.h>

#include "cli.h"
#include "ead-dataset.h"
#include "ead-error.h"
#include "ead-train.h"

typedef struct {
  EadDataset *dataset;
  const EadTrainParams *params;
  const char *output;
  FILE *log;
  CliTrainReport report;
  EadModel *model;   /* what the run made */
} Training;

static void
log_step (FILE *log, const EadTrainProgress *p)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, p->done);
  json_builder_set_member_name (b, "steps");
  json_builder_add_int_value (b, p->total);
  cli_json_add_number (b, "total", p->losses.total);
  cli_json_add_number (b, "hard", p->losses.hard);
  cli_json_add_number (b, "penalty", p->losses.penalty);
  cli_json_add_number (b, "ae", p->losses.ae);
  cli_json_add_number (b, "stae", p->losses.stae);
  cli_json_add_number (b, "lr", p->losses.learning_rate);
  cli_json_add_number (b, "validation", p->validation);
  cli_json_add_number (b, "seconds", p->seconds);
  json_builder_end_object (b);
  g_autofree char *line = cli_json_to_string (b, FALSE);
  fprintf (log, "%s\n", line);
  fflush (log);
}

/* Called in the training thread. */
static void
on_progress (const EadTrainProgress *p, gpointer user_data)
{
  Training *t = user_data;
  if (t->log && p->phase == EAD_TRAIN_STEPS)
    log_step (t->log, p);
  cli_train_report_update (&t->report, p);
}

/* Saves in the work too, where a signal only cancels: one arriving while
 * the file is written must not kill the process half-way. */
static gboolean
train_and_save (gpointer data, GCancellable *cancellable, GError **error)
{
  Training *t = data;
  t->model = ead_train (t->dataset, t->params, on_progress, t, cancellable, error);
  return t->model != NULL && ead_model_save (t->model, t->output, error);
}

int
cmd_train (int argc, char **argv)
{
  g_autofree char *output = NULL, *size_text = NULL, *teacher = NULL, *penalty = NULL;
  g_autofree char *device_text = NULL, *log_path = NULL;
  g_auto (CliEngineOptions) engine = { 0 };
  CliSchedule schedule;
  int image_size = EAD_DEFAULT_IMAGE_SIZE, tiles = 1;
  int checkpoint_every = EAD_TRAIN_DEFAULT_CHECKPOINT_EVERY;
  gint64 seed = 42;
  gboolean resume = FALSE, skip_bad = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Model file to write", "MODEL" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, "Model size: s (default) or m", "s|m" },
    { "image-size", 0, 0, G_OPTION_ARG_INT, &image_size, "Input size, a multiple of 64 (default 256)", "PIXELS" },
    { "tiles", 0, 0, G_OPTION_ARG_INT, &tiles, CLI_TILES_HELP, "N" },
    { "teacher", 0, 0, G_OPTION_ARG_FILENAME, &teacher, "Pretrained teacher weights (default: the shipped one), or 'random'", "FILE" },
    { "penalty-images", 0, 0, G_OPTION_ARG_FILENAME, &penalty, CLI_PENALTY_IMAGES_HELP, "DIR" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 42)", "N" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device_text, "cpu (default) or cuda", "DEVICE" },
    { "checkpoint-every", 0, 0, G_OPTION_ARG_INT, &checkpoint_every, "Steps between checkpoints (default 500; 0: only on Ctrl-C)", "N" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &resume, "Continue from MODEL.checkpoint", NULL },
    { "skip-bad", 0, 0, G_OPTION_ARG_NONE, &skip_bad, "Skip unreadable images with a warning", NULL },
    { "log-json", 0, 0, G_OPTION_ARG_FILENAME, &log_path, "Write one JSON line per step", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("DATASET - train an EfficientAD model");
  g_option_context_add_main_entries (context, entries, NULL);
  cli_add_schedule_options (context, &schedule);
  cli_add_engine_options (context, &engine);
  g_option_context_set_description (context,
    "DATASET is a folder in the MVTec AD layout (train/good, test/<type>, ground_truth/<type>).\n"
    "Ctrl-C stops training and keeps a checkpoint; --resume continues from it.\n"
    "--precision bf16 trains in bf16 (fp32 weights, as PyTorch's autocast) and computes the\n"
    "calibration maps in bf16: on a CPU with native bf16 it takes 2.7 times the steps per\n"
    "minute, as good step for step, and is the default there; elsewhere fp32 is.");
  g_autoptr (GError) error = NULL;
  if (!cli_parse (context, &argc, &argv, &error))
    return cli_fail (error);
  if (argc != 2)
    return cli_fail_message ("train needs exactly one DATASET folder (see --help)");
  if (!output)
    return cli_fail_message ("train needs -o MODEL, the file to write");
  EadTrainParams params;
  ead_train_params_init (&params);
  if (size_text && !ead_model_size_from_string (size_text, &params.size))
    return cli_fail_message ("--size must be s or m, not '%s'", size_text);
  if (!cli_parse_device (device_text, &params.device, &error)
      || !cli_apply_training_engine_options (&engine, params.device, &params.precision, &error)
      || !cli_apply_schedule (&schedule, params.device, &params, &error))
    return cli_fail (error);
  if (seed < 0)
    return cli_fail_message ("--seed must not be negative");

  params.image_size = image_size;
  params.tiles = tiles;
  params.seed = (guint64) seed;
  params.checkpoint_every = checkpoint_every;
  params.resume = resume;
  params.skip_bad = skip_bad;
  g_autofree char *teacher_path = NULL;
  if (!cli_choose_teacher (teacher, params.size, &teacher_path, &error))
    return cli_fail (error);
  params.teacher_path = teacher_path;
  g_autofree char *penalty_dir = NULL;
  if (!cli_choose_penalty_images (penalty, &penalty_dir, &error))
    return cli_fail (error);
  params.penalty_dir = penalty_dir;
  if (!ead_train_params_check (&params, &error))
    return cli_fail (error);
  if (params.penalty_dir)
    g_printerr ("penalty images: %s\n", params.penalty_dir);
  g_autofree char *checkpoint = g_strconcat (output, ".checkpoint", NULL);
  params.checkpoint_path = checkpoint;

  /* Fail now rather than after an hour of training. */
  g_autofree char *output_dir = g_path_get_dirname (output);
  if (g_access (output_dir, W_OK) != 0)
    return cli_fail_message ("cannot write %s: %s: %s", output, output_dir, g_strerror (errno));

  g_autoptr (EadDataset) dataset = ead_dataset_open (argv[1], params.seed, &error);
  if (!dataset)
    return cli_fail (error);

  if (!params.teacher_path)
    g_printerr ("efficientad: warning: training with a RANDOM teacher: its features mean "
                "nothing, and neither will the results\n");

  Training t = { .dataset = dataset, .params = &params, .output = output };
  cli_train_report_init (&t.report);
  if (log_path)
    {
      t.log = fopen (log_path, resume ? "a" : "w");
      if (!t.log)
        return cli_fail_message ("cannot write %s: %s", log_path, g_strerror (errno));
    }
  const gboolean saved = cli_run_interruptible (train_and_save, &t, &error);
  cli_train_report_finish (&t.report);
  if (t.log)
    fclose (t.log);
  g_autoptr (EadModel) model = t.model;
  if (!saved)
    return cli_fail (error);
  /* The finished model supersedes the checkpoint. */
  g_remove (checkpoint);

  const EadQuantiles *q = ead_model_get_quantiles (model);
  g_autofree char *tiling = params.tiles > 1 ? g_strdup_printf (" in %d x %d tiles", params.tiles,
                                                                params.tiles)
                                             : g_strdup ("");
  g_print ("wrote %s (%s, %d px%s, %s steps); map quantiles local %.5g..%.5g, global %.5g..%.5g\n",
           output, ead_model_size_to_string (params.size), params.image_size, tiling,
           ead_model_get_provenance (model, "steps"),
           q->st_start, q->st_end, q->ae_start, q->ae_end);
  return 0;
}

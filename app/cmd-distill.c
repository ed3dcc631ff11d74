/* cmd-distill.c: efficientad distill --backbone FILE --images DIR... -o TEACHER
 * efficientad distill --pack --images DIR... -o IMAGES
 * and efficientad distill --export-targets --backbone FILE --images DIR -o FILE */

#include <glib/gstdio.h>

#include "cli.h"
#include "ead-distill.h"
#include "ead-error.h"

/* The reference's 60,000 steps take weeks on a CPU; a CPU default that ends
 * within hours gives a usable, if weaker, teacher. */
#define DEFAULT_STEPS_CUDA 60000
#define DEFAULT_STEPS_CPU 1000

typedef struct {
  const EadDistillParams *params;
  const char *const *sources;
  const char *output;
  CliProgress progress;
  EadDistillPhase phase;
  double held_out_loss;
} Distillation;

static const char *
phase_name (EadDistillPhase phase)
{
  switch (phase)
    {
    case EAD_DISTILL_LOADING:
      return "loading images";
    case EAD_DISTILL_TARGETS:
      return "backbone targets";
    case EAD_DISTILL_STEPS:
      return "distilling";
    default:
      g_assert_not_reached ();
    }
}

/* Called in the distilling thread. */
static void
on_progress (const EadDistillProgress *p, gpointer user_data)
{
  Distillation *d = user_data;
  if (p->phase != d->phase)
    {
      cli_progress_finish (&d->progress);
      g_printerr ("%s\n", phase_name (p->phase));
      cli_progress_init (&d->progress);
      d->phase = p->phase;
    }
  d->held_out_loss = p->held_out_loss;
  g_autofree char *detail = NULL;
  if (p->phase == EAD_DISTILL_STEPS)
    {
      const double per_minute = cli_progress_per_minute (&d->progress, p->done);
      detail = g_strdup_printf ("%.2f s/step  loss %.4f  held-out %.4f",
                                per_minute > 0 ? 60.0 / per_minute : 0.0, p->loss,
                                p->held_out_loss);
    }
  cli_progress_update (&d->progress, p->done, p->total, detail);
}

static gboolean
distill (gpointer data, GCancellable *cancellable, GError **error)
{
  Distillation *d = data;
  return ead_distill_run (d->params, d->sources, d->output, on_progress, d, cancellable, error);
}

/* The folders or packed files of --images and the positional arguments. */
static GStrv
collect_sources (char **images, int argc, char **argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  if (images)
    g_strv_builder_addv (builder, (const char **) images);
  for (int i = 1; i < argc; i++)
    g_strv_builder_add (builder, argv[i]);
  return g_strv_builder_end (builder);
}

static int
pack (const char *const *sources, const char *output)
{
  g_autoptr(GError) error = NULL;
  if (!ead_distill_pack (sources, output, &error))
    return cli_fail (error);
  g_print ("wrote %s\n", output);
  return 0;
}

static int
export_target_definition (const EadDistillParams *params, const char *source, const char *output)
{
  g_autoptr(GError) error = NULL;
  if (!ead_distill_export_targets (params, source, output, &error))
    return cli_fail (error);
  g_print ("wrote %s\n", output);
  return 0;
}

int
cmd_distill (int argc, char **argv)
{
  g_autofree char *output = NULL, *backbone = NULL, *size_text = NULL, *device_text = NULL;
  g_autofree char *taps_text = NULL;
  g_auto (GStrv) images = NULL;
  g_auto (CliEngineOptions) engine = { 0 };
  int steps = G_MININT, batch = 16, checkpoint_every = 1000, min_crop = 32;
  gint64 seed = 42;
  gboolean resume = FALSE, pack_only = FALSE, export_targets = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Teacher file to write (with --pack: the image file)", "FILE" },
    { "backbone", 0, 0, G_OPTION_ARG_FILENAME, &backbone, "MobileNetV2 1.0 TFLite file", "FILE" },
    { "images", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &images, "Image folder or packed image file (repeatable)", "DIR" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, "PDN size: s (default) or m", "s|m" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Steps (default 1000 on CPU, 60000 on CUDA)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Images per step (default 16)", "N" },
    { "min-crop", 0, 0, G_OPTION_ARG_INT, &min_crop, "Smallest crop side in target cells, of 64 (default 32; 64: whole images)", "CELLS" },
    { "taps", 0, 0, G_OPTION_ARG_STRING, &taps_text, "Backbone features: blocks (default) or expanded", "KIND" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 42)", "N" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device_text, "cpu (default) or cuda", "DEVICE" },
    { "checkpoint-every", 0, 0, G_OPTION_ARG_INT, &checkpoint_every, "Steps between checkpoints and held-out losses (default 1000)", "N" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &resume, "Continue from FILE.checkpoint", NULL },
    { "pack", 0, 0, G_OPTION_ARG_NONE, &pack_only, "Only pack the images, resized to 512 x 512, into FILE", NULL },
    { "export-targets", 0, 0, G_OPTION_ARG_NONE, &export_targets, "Only write what computes the targets (backbone weights, projection, a checked example from the first image) into FILE, for another runtime", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[DIR...] - distil a teacher PDN from MobileNetV2");
  g_option_context_add_main_entries (context, entries, NULL);
  cli_add_engine_options (context, &engine);
  g_option_context_set_description (context,
    "5% of the images are held out; their loss is reported at each checkpoint.\n"
    "Ctrl-C stops and keeps a checkpoint; --resume continues from it.\n"
    "--pack writes one tensor file that a machine without image decoders can distil from.");
  g_autoptr (GError) error = NULL;
  if (!cli_parse (context, &argc, &argv, &error))
    return cli_fail (error);
  g_auto (GStrv) sources = collect_sources (images, argc, argv);
  if (!sources[0])
    return cli_fail_message ("distill needs --images DIR (see --help)");
  if (!output)
    return cli_fail_message ("distill needs -o FILE, the file to write");
  if (pack_only)
    return pack ((const char *const *) sources, output);
  if (!backbone)
    return cli_fail_message ("distill needs --backbone FILE, a MobileNetV2 1.0 TFLite file");

  EadDistillParams params;
  ead_distill_params_init (&params);
  if (size_text && !ead_model_size_from_string (size_text, &params.size))
    return cli_fail_message ("--size must be s or m, not '%s'", size_text);
  if ((taps_text && !ead_distill_taps_from_string (taps_text, &params.taps, &error))
      || !cli_parse_device (device_text, &params.device, &error)
      || !cli_apply_engine_options (&engine, &params.precision, &error))
    return cli_fail (error);
  if (seed < 0 || batch <= 0 || checkpoint_every < 0 || (steps != G_MININT && steps <= 0))
    return cli_fail_message ("--steps and --batch must be positive, --seed and "
                             "--checkpoint-every not negative");
  params.backbone_path = backbone;
  params.seed = (guint64) seed;
  if (export_targets)
    return export_target_definition (&params, sources[0], output);
  params.steps = steps != G_MININT ? steps
                 : params.device == EAD_DEVICE_CUDA ? DEFAULT_STEPS_CUDA : DEFAULT_STEPS_CPU;
  params.batch = batch;
  params.min_crop = min_crop;
  params.checkpoint_every = checkpoint_every;
  params.resume = resume;

  Distillation d = {
    .params = &params,
    .sources = (const char *const *) sources,
    .output = output,
    .phase = -1,
  };
  cli_progress_init (&d.progress);
  gboolean ok = cli_run_interruptible (distill, &d, &error);
  cli_progress_finish (&d.progress);
  if (!ok)
    return cli_fail (error);
  /* The finished teacher supersedes the checkpoint. */
  g_autofree char *checkpoint = ead_distill_checkpoint_path (output);
  g_remove (checkpoint);
  g_print ("wrote %s (%s PDN, %s taps, %d steps of %d); held-out loss %.4f\n", output,
           ead_model_size_to_string (params.size), ead_distill_taps_to_string (params.taps),
           params.steps, params.batch, d.held_out_loss);
  return 0;
}

/* efficientad.c: the command-line tool, one subcommand per file. */

#include <locale.h>
#include <stdio.h>

#include "cli.h"
#include "ead-compute.h"
#include "ead-config.h"

static const CliCommand commands[] = {
  { "train", cmd_train, "train a model on a dataset folder (MVTec AD layout)" },
  { "eval", cmd_eval, "score a dataset's test images and report the metrics" },
  { "infer", cmd_infer, "score images with a trained model" },
  { "bench", cmd_bench, "measure inference and training speed on this machine" },
  { "backbone", cmd_backbone, "check a MobileNetV2 TFLite backbone on ImageNet photos" },
  { "teacher", cmd_teacher, "import a pretrained teacher (.pth or .safetensors)" },
  { "distill", cmd_distill, "distil a teacher PDN from MobileNetV2 on natural images" },
  { "project", cmd_project, "keep images, runs, models and results of a part in a project file" },
  { "export", cmd_export, "write a model as TorchScript or ONNX for other programs" },
};

static const CliCommandSet command_set = {
  .usage = "efficientad COMMAND [OPTIONS...]",
  .description = "EfficientAD anomaly detection (version " EAD_VERSION ").",
  .prefix = "efficientad",
  .commands = commands,
  .n_commands = G_N_ELEMENTS (commands),
};

/* Warnings from the engine ("skipping x.png: ...") as plain lines. */
static void
print_log_message (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    {
      if (g_getenv ("EAD_DEBUG"))
        g_printerr ("debug: %s\n", message);
      return;
    }
  const char *prefix = (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) ? "error" : "warning";
  g_printerr ("efficientad: %s: %s\n", prefix, message);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("efficientad");
  g_log_set_default_handler (print_log_message, NULL);
  /* First, before any thread: --threads may change the count later. */
  ead_torch_setup_process (0);

  if (argc >= 2 && g_str_equal (argv[1], "--version"))
    {
      printf ("efficientad %s\n", EAD_VERSION);
      return 0;
    }
  return cli_run_command (&command_set, argc, argv);
}

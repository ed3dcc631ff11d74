/* cmd-teacher.c: efficientad teacher import FILE -o TEACHER */

#include <stdio.h>

#include "cli.h"
#include "ead-teacher-import.h"

static int
teacher_import (int argc, char **argv)
{
  g_autofree char *output = NULL, *size_text = NULL;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Teacher file to write (safetensors)", "TEACHER" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, "Expected size: s or m (default: detected)", "s|m" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE - import a pretrained teacher");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "FILE is a PDN teacher: the reference implementation's teacher_small.pth or\n"
    "teacher_medium.pth, anomalib's pretrained_teacher_small.pth or\n"
    "pretrained_teacher_medium.pth (torch.save of a state_dict, PyTorch 1.6 or\n"
    "later), or a safetensors file with either's tensor names. The pickle inside\n"
    "a .pth is read without running it; anything but tensors is refused.\n"
    "The result is what 'efficientad train --teacher' takes.");
  g_autoptr (GError) error = NULL;
  if (!cli_parse (context, &argc, &argv, &error))
    return cli_fail (error);
  if (argc != 2)
    return cli_fail_message ("teacher import needs exactly one FILE (see --help)");
  if (!output)
    return cli_fail_message ("teacher import needs -o TEACHER, the file to write");

  EadModelSize size;
  if (size_text && !ead_model_size_from_string (size_text, &size))
    return cli_fail_message ("--size must be s or m, not '%s'", size_text);
  EadTeacherImportInfo info;
  if (!ead_teacher_import_file (argv[1], output, size_text ? &size : NULL, &info, &error))
    return cli_fail (error);
  g_print ("wrote %s: %s teacher, %u tensors, %" G_GSIZE_FORMAT " parameters, from %s\n",
           output, ead_model_size_to_string (info.size), info.n_tensors, info.n_parameters,
           info.source_format);
  return 0;
}

static const CliCommand commands[] = {
  { "import", teacher_import, "convert a pretrained teacher (.pth or .safetensors) to a teacher file" },
};

static const CliCommandSet command_set = {
  .usage = "efficientad teacher COMMAND [OPTIONS...]",
  .prefix = "efficientad teacher",
  .commands = commands,
  .n_commands = G_N_ELEMENTS (commands),
};

int
cmd_teacher (int argc, char **argv)
{
  return cli_run_command (&command_set, argc, argv);
}

/* cmd-bench.c: efficientad bench - inference and training speed here. */

#include <math.h>
#include <stdio.h>

#include "cli.h"
#include "ead-compute.h"
#include "ead-error.h"
#include "ead-score.h"
#include "ead-train.h"

typedef struct {
  EadModelSize size;
  int image_size;
  int runs;
  int train_steps;
} Bench;

typedef struct {
  double ms_fp32, ms_bf16;         /* inference, per image */
  double steps_fp32, steps_bf16;   /* training, per minute */
} Timings;

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *values, int n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/* A textured image so nothing downstream sees a degenerate input. */
static EadImage *
synthetic_image (int size)
{
  g_autofree guint8 *pixels = g_new (guint8, 3 * (gsize) size * size);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      for (int c = 0; c < 3; c++)
        pixels[3 * ((gsize) y * size + x) + c] = (guint8) ((x * (c + 1) + y * 7 + (x ^ y)) & 0xff);
  return ead_image_new_from_rgb8 (pixels, size, size, 3 * (gsize) size);
}

static EadModel *
synthetic_model (const Bench *bench, GError **error)
{
  ead_torch_manual_seed (42);
  EadModel *model = ead_model_new (bench->size, bench->image_size, error);
  if (model)
    {
      /* Timing does not depend on the calibration's values. */
      EadQuantiles q = { 0.0, 1.0, 0.0, 1.0 };
      ead_model_set_quantiles (model, &q);
    }
  return model;
}

/* Median milliseconds of scoring one image with maps, after warm-up. */
static gboolean
time_inference (const Bench *bench, EadModel *model, EadPrecision precision, double *ms, GError **error)
{
  g_autoptr (EadImage) image = synthetic_image (bench->image_size);
  g_autofree double *times = g_new (double, bench->runs);
  for (int i = -2; i < bench->runs; i++)
    {
      g_auto (EadScoreResult) result = { 0 };
      if (!ead_model_score (model, image, precision, EAD_SCORE_MAPS, &result, error))
        return FALSE;
      if (i >= 0)
        times[i] = result.milliseconds;
    }
  *ms = median (times, bench->runs);
  return TRUE;
}

/* Median training steps per minute in @precision, as training runs them. */
static gboolean
time_training (const Bench *bench, EadModel *model, EadPrecision precision,
               double *steps_per_min, GError **error)
{
  g_autoptr (EadImage) image = synthetic_image (bench->image_size);
  g_autofree double *times = g_new (double, bench->train_steps);
  if (!ead_train_time_steps (model, image, precision, bench->train_steps, times, error))
    return FALSE;
  *steps_per_min = 60.0 / median (times, bench->train_steps);
  return TRUE;
}

typedef struct {
  const Bench *bench;
  EadModel *model;
  gboolean has_bf16;
  Timings timings;
  gboolean done;
  GError *error;
} Measurement;

/* Runs on a worker thread, as `train` and the workbench train and score:
 * the allocator serves such a thread otherwise than the main one
 * (ead_torch_setup_process()). */
static gpointer
measure (gpointer data)
{
  Measurement *m = data;
  Timings *t = &m->timings;

  m->done = time_inference (m->bench, m->model, EAD_PRECISION_FP32, &t->ms_fp32, &m->error)
            && (!m->has_bf16
                || time_inference (m->bench, m->model, EAD_PRECISION_BF16, &t->ms_bf16, &m->error))
            && time_training (m->bench, m->model, EAD_PRECISION_FP32, &t->steps_fp32, &m->error)
            && (!m->has_bf16
                || time_training (m->bench, m->model, EAD_PRECISION_BF16, &t->steps_bf16,
                                  &m->error));
  return NULL;
}

static char *
bench_to_json (const Bench *bench, const Timings *t, gboolean has_bf16)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "size");
  json_builder_add_string_value (b, ead_model_size_to_string (bench->size));
  json_builder_set_member_name (b, "image_size");
  json_builder_add_int_value (b, bench->image_size);
  json_builder_set_member_name (b, "runs");
  json_builder_add_int_value (b, bench->runs);
  cli_json_add_number (b, "ms_per_image_fp32", t->ms_fp32);
  cli_json_add_number (b, "ms_per_image_bf16", has_bf16 ? t->ms_bf16 : NAN);
  cli_json_add_number (b, "train_steps_per_min", t->steps_fp32);
  cli_json_add_number (b, "train_steps_per_min_bf16", has_bf16 ? t->steps_bf16 : NAN);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, ead_torch_get_threads ());
  json_builder_set_member_name (b, "cpu_bf16");
  json_builder_add_boolean_value (b, has_bf16);
  json_builder_end_object (b);
  return cli_json_to_string (b, TRUE);
}

int
cmd_bench (int argc, char **argv)
{
  g_autofree char *size_text = NULL;
  gboolean json = FALSE;
  int threads = 0;
  Bench bench = { EAD_MODEL_SMALL, 256, 10, 5 };
  GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, "Model size: s (default) or m", "s|m" },
    { "image-size", 0, 0, G_OPTION_ARG_INT, &bench.image_size, "Input size (default 256)", "PIXELS" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &bench.runs, "Timed inference runs (default 10)", "N" },
    { "train-steps", 0, 0, G_OPTION_ARG_INT, &bench.train_steps, "Timed training steps (default 5)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "CPU threads (default: one per core)", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- measure speed on this machine");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!cli_parse (context, &argc, &argv, &error))
    return cli_fail (error);
  if (size_text && !ead_model_size_from_string (size_text, &bench.size))
    return cli_fail_message ("--size must be s or m, not '%s'", size_text);
  if (bench.runs < 1 || bench.train_steps < 1)
    return cli_fail_message ("--runs and --train-steps must be at least 1");
  ead_torch_set_threads (threads);

  g_autoptr (EadModel) model = synthetic_model (&bench, &error);
  gboolean has_bf16 = ead_torch_cpu_has_bf16 ();
  if (!model)
    return cli_fail (error);
  /* Ctrl-C ends it at once: it keeps nothing. */
  Measurement m = { &bench, model, has_bf16, { NAN, NAN, NAN, NAN }, FALSE, NULL };
  g_thread_join (g_thread_new ("bench", measure, &m));
  g_autoptr (GError) measure_error = m.error;
  if (!m.done)
    return cli_fail (measure_error);
  const Timings *t = &m.timings;

  if (json)
    {
      g_autofree char *text = bench_to_json (&bench, t, has_bf16);
      g_print ("%s\n", text);
      return 0;
    }
  g_print ("EfficientAD-%s at %d px, %d threads, bf16 %s\n",
           bench.size == EAD_MODEL_MEDIUM ? "M" : "S", bench.image_size, ead_torch_get_threads (),
           has_bf16 ? "native (AVX512-BF16/AMX)" : "not supported by this CPU");
  g_print ("inference fp32  %8.1f ms/image (median of %d)\n", t->ms_fp32, bench.runs);
  if (has_bf16)
    g_print ("inference bf16  %8.1f ms/image (median of %d)\n", t->ms_bf16, bench.runs);
  g_print ("training fp32   %8.1f steps/min (median of %d steps)\n", t->steps_fp32, bench.train_steps);
  if (has_bf16)
    g_print ("training bf16   %8.1f steps/min (median of %d steps)\n", t->steps_bf16, bench.train_steps);
  return 0;
}

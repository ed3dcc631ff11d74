/* test-runtime.c: libefficientad as a program on the line uses it: scores
 * equal to the engine's, decisions, bad inputs to every entry point, one
 * model from several threads, and the example built against the installed
 * library with pkg-config alone. */

#include <glib/gstdio.h>
#include <math.h>
#include <stdint.h>

#include "efficientad.h"
#include "ead-compute.h"
#include "ead-dataset.h"
#include "ead-image.h"
#include "ead-model.h"
#include "ead-score.h"
#include "test-util.h"

#define THRESHOLD 0.25

/* Shared by the tests: a scratch folder, calibrated models with and without
 * a threshold, and a few images. */
static char *scratch;
static char *model_path;
static char *bare_model_path;
static GPtrArray *images;   /* of EadImage */

static char *
save_model (const char *name, int image_size, gboolean calibrated, gboolean with_threshold)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (7);
  g_autoptr (EadModel) model = ead_model_new (EAD_MODEL_SMALL, image_size, &error);
  g_assert_no_error (error);
  if (calibrated)
    {
      /* Random networks give raw maps of a few hundredths. */
      const EadQuantiles q = { 0.01, 0.05, 0.01, 0.03 };
      ead_model_set_quantiles (model, &q);
    }
  if (with_threshold)
    ead_model_set_threshold (model, THRESHOLD);
  char *path = g_build_filename (scratch, name, NULL);
  g_assert_true (ead_model_save (model, path, &error));
  g_assert_no_error (error);
  return path;
}

static EfficientadModel *
load_runtime_model (const char *path)
{
  EfficientadModel *model = NULL;
  EfficientadStatus status = efficientad_model_load (path, &model);
  if (status != EFFICIENTAD_OK)
    g_error ("loading %s: %s", path, efficientad_last_error ());
  return model;
}

static EfficientadStatus
score_image (EfficientadModel *model, const EadImage *image, const EfficientadScoreOptions *options,
             EfficientadResult *result)
{
  const int width = ead_image_get_width (image), height = ead_image_get_height (image);
  return efficientad_score (model, ead_image_get_pixels (image), (size_t) width * height * 3,
                            EFFICIENTAD_FORMAT_RGB8, width, height, (size_t) width * 3,
                            options, result);
}

static float
max_difference (const float *a, const float *b, gsize n)
{
  float worst = 0;
  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabsf (a[i] - b[i]));
  return worst;
}

/* The runtime gives the engine's score and maps, and leaves the process's
 * thread count alone. */
static void
test_round_trip (void)
{
  const int threads = ead_torch_get_threads ();
  g_autoptr (GError) error = NULL;
  g_autoptr (EadModel) engine = ead_model_load (model_path, &error);
  g_assert_no_error (error);
  EfficientadModel *model = load_runtime_model (model_path);
  g_assert_cmpint (efficientad_model_get_input_size (model), ==, 256);
  g_assert_cmpstr (efficientad_model_get_size_name (model), ==, "small");

  for (guint i = 0; i < 2; i++)
    {
      const EadImage *image = images->pdata[i];
      const gsize n = (gsize) ead_image_get_width (image) * ead_image_get_height (image);
      g_autofree float *fused = g_new (float, n);
      g_autofree float *local = g_new (float, n);
      g_autofree float *global = g_new (float, n);
      EfficientadScoreOptions options = efficientad_score_options_default ();
      options.fused_map = fused;
      options.local_map = local;
      options.global_map = global;
      EfficientadResult result;
      g_assert_cmpint (score_image (model, image, &options, &result), ==, EFFICIENTAD_OK);
      g_assert_cmpstr (efficientad_last_error (), ==, "");

      g_auto (EadScoreResult) expected = { 0 };
      g_assert_true (ead_model_score (engine, image, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &expected, &error));
      g_assert_cmpfloat_with_epsilon (result.score, expected.score, 1e-6);
      g_assert_cmpfloat (max_difference (fused, expected.fused, n), <=, 1e-6);
      g_assert_cmpfloat (max_difference (local, expected.local, n), <=, 1e-6);
      g_assert_cmpfloat (max_difference (global, expected.global, n), <=, 1e-6);
      g_assert_cmpfloat (result.threshold, ==, THRESHOLD);
      g_assert_cmpint (result.decision, ==, result.score >= THRESHOLD ? EFFICIENTAD_ANOMALOUS : EFFICIENTAD_GOOD);
      g_assert_cmpfloat (result.milliseconds, >, 0);
      g_test_message ("image %u: score %.5f in %.1f ms", i, result.score, result.milliseconds);
    }
  g_assert_cmpint (ead_torch_get_threads (), ==, threads);
  efficientad_model_free (model);
}

/* A tiled model's file scores through the runtime as in the engine, with
 * maps at the image's size. */
static void
test_tiled (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadModel) engine = ead_model_load (model_path, &error);
  g_assert_no_error (error);
  /* The quantiles of the untiled maps: a new tiling clears them. */
  const EadQuantiles q = *ead_model_get_quantiles (engine);
  ead_model_set_tiles (engine, 2);
  g_assert_false (ead_model_is_calibrated (engine));
  ead_model_set_quantiles (engine, &q);
  g_autofree char *path = g_build_filename (scratch, "tiled.safetensors", NULL);
  g_assert_true (ead_model_save (engine, path, &error));
  EfficientadModel *model = load_runtime_model (path);
  g_assert_cmpint (efficientad_model_get_input_size (model), ==, 256);

  const EadImage *image = images->pdata[0];
  const gsize n = (gsize) ead_image_get_width (image) * ead_image_get_height (image);
  g_autofree float *fused = g_new (float, n);
  EfficientadScoreOptions options = efficientad_score_options_default ();
  options.fused_map = fused;
  EfficientadResult result;
  g_assert_cmpint (score_image (model, image, &options, &result), ==, EFFICIENTAD_OK);
  g_auto (EadScoreResult) expected = { 0 };
  g_assert_true (ead_model_score (engine, image, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &expected,
                                  &error));
  g_assert_cmpfloat_with_epsilon (result.score, expected.score, 1e-6);
  g_assert_cmpfloat (max_difference (fused, expected.fused, n), <=, 1e-6);
  efficientad_model_free (model);
}

/* Padded rows and gray buffers describe the same picture. */
static void
test_layouts (void)
{
  EfficientadModel *model = load_runtime_model (model_path);
  const EadImage *image = images->pdata[0];
  const int width = ead_image_get_width (image), height = ead_image_get_height (image);
  const guint8 *packed = ead_image_get_pixels (image);
  EfficientadResult plain, padded, gray, gray_as_rgb;
  g_assert_cmpint (score_image (model, image, NULL, &plain), ==, EFFICIENTAD_OK);

  const size_t stride = (size_t) width * 3 + 13;
  g_autofree guint8 *rows = g_malloc0 (stride * height);
  for (int y = 0; y < height; y++)
    memcpy (rows + y * stride, packed + (gsize) y * width * 3, (gsize) width * 3);
  /* The last row needs no padding after it. */
  g_assert_cmpint (efficientad_score (model, rows, stride * (height - 1) + (size_t) width * 3,
                                      EFFICIENTAD_FORMAT_RGB8, width, height, stride, NULL, &padded),
                   ==, EFFICIENTAD_OK);
  g_assert_cmpfloat_with_epsilon (padded.score, plain.score, 1e-6);

  g_autofree guint8 *luma = g_new (guint8, (gsize) width * height);
  g_autofree guint8 *expanded = g_new (guint8, (gsize) width * height * 3);
  for (gsize i = 0; i < (gsize) width * height; i++)
    luma[i] = expanded[3 * i] = expanded[3 * i + 1] = expanded[3 * i + 2] = packed[3 * i + 1];
  g_assert_cmpint (efficientad_score (model, luma, (size_t) width * height, EFFICIENTAD_FORMAT_GRAY8,
                                      width, height, width, NULL, &gray), ==, EFFICIENTAD_OK);
  g_assert_cmpint (efficientad_score (model, expanded, (size_t) width * height * 3, EFFICIENTAD_FORMAT_RGB8,
                                      width, height, (size_t) width * 3, NULL, &gray_as_rgb), ==, EFFICIENTAD_OK);
  g_assert_cmpfloat_with_epsilon (gray.score, gray_as_rgb.score, 1e-6);
  efficientad_model_free (model);
}

/* The stored threshold decides unless the options give another; a model
 * without one leaves the decision open. A model for another input size
 * scores images all the same. */
static void
test_decisions (void)
{
  EfficientadModel *model = load_runtime_model (model_path);
  double stored = 0;
  g_assert_cmpint (efficientad_model_get_threshold (model, &stored), ==, EFFICIENTAD_OK);
  g_assert_cmpfloat (stored, ==, THRESHOLD);

  const EadImage *image = images->pdata[0];
  EfficientadResult result;
  g_assert_cmpint (score_image (model, image, NULL, &result), ==, EFFICIENTAD_OK);
  const double score = result.score;
  EfficientadScoreOptions options = efficientad_score_options_default ();
  options.threshold = score - 1e-3;
  g_assert_cmpint (score_image (model, image, &options, &result), ==, EFFICIENTAD_OK);
  g_assert_cmpint (result.decision, ==, EFFICIENTAD_ANOMALOUS);
  g_assert_cmpfloat (result.threshold, ==, score - 1e-3);
  options.threshold = score + 1e-3;
  g_assert_cmpint (score_image (model, image, &options, &result), ==, EFFICIENTAD_OK);
  g_assert_cmpint (result.decision, ==, EFFICIENTAD_GOOD);
  efficientad_model_free (model);

  model = load_runtime_model (bare_model_path);
  g_assert_cmpint (efficientad_model_get_threshold (model, &stored), ==, EFFICIENTAD_ERROR_NO_THRESHOLD);
  g_assert_cmpstr (efficientad_last_error (), !=, "");
  g_assert_cmpint (score_image (model, image, NULL, &result), ==, EFFICIENTAD_OK);
  g_assert_cmpint (result.decision, ==, EFFICIENTAD_UNDECIDED);
  g_assert_true (isnan (result.threshold));
  efficientad_model_free (model);

  g_autofree char *wide_path = save_model ("wide.safetensors", 320, TRUE, TRUE);
  model = load_runtime_model (wide_path);
  g_assert_cmpint (efficientad_model_get_input_size (model), ==, 320);
  g_assert_cmpint (score_image (model, image, NULL, &result), ==, EFFICIENTAD_OK);
  g_assert_true (isfinite (result.score));
  efficientad_model_free (model);
}

static void
assert_load_fails (const char *path, EfficientadStatus expected)
{
  EfficientadModel *model = (EfficientadModel *) &model;
  g_assert_cmpint (efficientad_model_load (path, &model), ==, expected);
  g_assert_null (model);
  g_assert_cmpstr (efficientad_last_error (), !=, "");
  g_test_message ("%s: %s", path ? path : "NULL", efficientad_last_error ());
}

static void
assert_score_fails (EfficientadModel *model, const void *pixels, size_t size, EfficientadPixelFormat format,
                    int width, int height, size_t stride, const EfficientadScoreOptions *options)
{
  EfficientadResult result = { .score = 42 };
  g_assert_cmpint (efficientad_score (model, pixels, size, format, width, height, stride, options, &result),
                   ==, EFFICIENTAD_ERROR_INVALID_ARGUMENT);
  g_assert_cmpfloat (result.score, ==, 0);
  g_assert_cmpint (result.decision, ==, EFFICIENTAD_UNDECIDED);
  g_assert_cmpstr (efficientad_last_error (), !=, "");
  g_test_message ("%s", efficientad_last_error ());
}

/* Every entry point returns a code and a message for bad input. */
static void
test_bad_inputs (void)
{
  /* Model files. */
  g_assert_cmpint (efficientad_model_load (model_path, NULL), ==, EFFICIENTAD_ERROR_INVALID_ARGUMENT);
  assert_load_fails (NULL, EFFICIENTAD_ERROR_INVALID_ARGUMENT);
  g_autofree char *missing = g_build_filename (scratch, "missing.safetensors", NULL);
  assert_load_fails (missing, EFFICIENTAD_ERROR_IO);
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (model_path, &contents, &length, NULL));
  g_autofree char *truncated = g_build_filename (scratch, "truncated.safetensors", NULL);
  g_assert_true (g_file_set_contents (truncated, contents, length / 2, NULL));
  assert_load_fails (truncated, EFFICIENTAD_ERROR_BAD_FILE);
  g_autofree char *text = g_build_filename (scratch, "text.safetensors", NULL);
  g_assert_true (g_file_set_contents (text, "not a model\n", -1, NULL));
  assert_load_fails (text, EFFICIENTAD_ERROR_BAD_FILE);
  g_autofree char *uncalibrated = save_model ("uncalibrated.safetensors", 256, FALSE, FALSE);
  assert_load_fails (uncalibrated, EFFICIENTAD_ERROR_NOT_CALIBRATED);

  /* Getters and free. */
  double threshold;
  g_assert_cmpint (efficientad_model_get_threshold (NULL, &threshold), ==, EFFICIENTAD_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (efficientad_model_get_input_size (NULL), ==, 0);
  g_assert_null (efficientad_model_get_size_name (NULL));
  efficientad_model_free (NULL);
  g_assert_cmpstr (efficientad_status_to_string (EFFICIENTAD_ERROR_BAD_FILE), ==, "malformed model file");
  g_assert_cmpstr (efficientad_status_to_string (1000), ==, "unknown status");
  g_assert_cmpstr (efficientad_version (), !=, "");

  /* Buffers. */
  EfficientadModel *model = load_runtime_model (model_path);
  g_assert_cmpint (efficientad_model_get_threshold (model, NULL), ==, EFFICIENTAD_ERROR_INVALID_ARGUMENT);
  static guint8 pixels[64 * 64 * 3];
  const EfficientadPixelFormat rgb = EFFICIENTAD_FORMAT_RGB8, gray = EFFICIENTAD_FORMAT_GRAY8;
  g_assert_cmpint (efficientad_score (model, pixels, sizeof pixels, rgb, 64, 64, 192, NULL, NULL),
                   ==, EFFICIENTAD_ERROR_INVALID_ARGUMENT);
  assert_score_fails (NULL, pixels, sizeof pixels, rgb, 64, 64, 192, NULL);
  assert_score_fails (model, NULL, sizeof pixels, rgb, 64, 64, 192, NULL);
  assert_score_fails (model, pixels, sizeof pixels, 7, 64, 64, 192, NULL);
  assert_score_fails (model, pixels, sizeof pixels, rgb, 0, 64, 192, NULL);
  assert_score_fails (model, pixels, sizeof pixels, rgb, 64, 0, 192, NULL);
  assert_score_fails (model, pixels, sizeof pixels, rgb, -64, 64, 192, NULL);
  assert_score_fails (model, pixels, sizeof pixels, rgb, G_MAXINT, 64, 192, NULL);
  assert_score_fails (model, pixels, SIZE_MAX, rgb, EFFICIENTAD_MAX_SIDE + 1, 1, SIZE_MAX, NULL);
  assert_score_fails (model, pixels, SIZE_MAX, gray, EFFICIENTAD_MAX_SIDE, EFFICIENTAD_MAX_SIDE,
                      EFFICIENTAD_MAX_SIDE, NULL);
  assert_score_fails (model, pixels, sizeof pixels, rgb, 64, 64, 191, NULL);        /* stride short */
  assert_score_fails (model, pixels, sizeof pixels, gray, 64, 64, 63, NULL);
  assert_score_fails (model, pixels, sizeof pixels, rgb, 64, 64, 200, NULL);        /* buffer short */
  assert_score_fails (model, pixels, sizeof pixels - 1, rgb, 64, 64, 192, NULL);
  assert_score_fails (model, pixels, SIZE_MAX, rgb, 64, 64, SIZE_MAX / 2, NULL);    /* overflow */
  assert_score_fails (model, pixels, 0, gray, 1, 1, 1, NULL);
  EfficientadScoreOptions options = efficientad_score_options_default ();
  options.precision = 9;
  assert_score_fails (model, pixels, sizeof pixels, rgb, 64, 64, 192, &options);

  /* The smallest image there is still scores. */
  EfficientadResult result;
  g_assert_cmpint (efficientad_score (model, pixels, 1, gray, 1, 1, 1, NULL, &result), ==, EFFICIENTAD_OK);
  g_assert_true (isfinite (result.score));
  efficientad_model_free (model);
}

/* Several threads score with one model; each score equals the
 * single-threaded one. bf16 starts under contention, so the lazily made
 * bf16 networks are created while several threads ask for them. */
typedef struct {
  EfficientadModel *model;
  EfficientadPrecision precision;
  guint first;
  gint *ready;
  double scores[3];
  EfficientadStatus status;
} Worker;

#define N_THREADS 3
#define N_IMAGES 3

static gpointer
work (gpointer data)
{
  Worker *worker = data;
  g_atomic_int_inc (worker->ready);
  while (g_atomic_int_get (worker->ready) < N_THREADS)
    g_thread_yield ();
  EfficientadScoreOptions options = efficientad_score_options_default ();
  options.precision = worker->precision;
  for (guint k = 0; k < N_IMAGES; k++)
    {
      guint i = (worker->first + k) % N_IMAGES;
      EfficientadResult result;
      worker->status = score_image (worker->model, images->pdata[i], &options, &result);
      if (worker->status != EFFICIENTAD_OK)
        return NULL;
      worker->scores[i] = result.score;
    }
  return NULL;
}

static void
run_threads (EfficientadPrecision precision, double tolerance)
{
  EfficientadModel *model = load_runtime_model (model_path);
  gint ready = 0;
  Worker workers[N_THREADS];
  GThread *threads[N_THREADS];
  for (guint t = 0; t < N_THREADS; t++)
    {
      workers[t] = (Worker) { .model = model, .precision = precision, .first = t, .ready = &ready };
      threads[t] = g_thread_new ("scorer", work, &workers[t]);
    }
  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);

  EfficientadScoreOptions options = efficientad_score_options_default ();
  options.precision = precision;
  for (guint i = 0; i < N_IMAGES; i++)
    {
      EfficientadResult alone;
      g_assert_cmpint (score_image (model, images->pdata[i], &options, &alone), ==, EFFICIENTAD_OK);
      for (guint t = 0; t < N_THREADS; t++)
        {
          g_assert_cmpint (workers[t].status, ==, EFFICIENTAD_OK);
          g_assert_cmpfloat_with_epsilon (workers[t].scores[i], alone.score, tolerance);
        }
    }
  efficientad_model_free (model);
}

static void
test_threads_fp32 (void)
{
  run_threads (EFFICIENTAD_PRECISION_FP32, 1e-5);
}

static void
test_threads_bf16 (void)
{
  run_threads (EFFICIENTAD_PRECISION_BF16, 1e-5);
}

static char *
run_command (const char *const *argv, char **envp)
{
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH,
                               test_child_dies_with_parent, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed:\n%s%s", argv[0], out, err);
  return g_steal_pointer (&out);
}

static char *
find_file (const char *root, const char *name)
{
  g_autoptr (GDir) dir = g_dir_open (root, 0, NULL);
  const char *entry;
  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (root, entry, NULL);
      if (g_str_equal (entry, name))
        return g_steal_pointer (&path);
      char *found = g_file_test (path, G_FILE_TEST_IS_DIR) ? find_file (path, name) : NULL;
      if (found)
        return found;
    }
  return NULL;
}

/* Installs into a temporary DESTDIR, builds examples/score-image.c with
 * pkg-config alone (and the sanitizers of a sanitized build) and checks its
 * scores of a PPM and a PGM. */
static void
test_example (void)
{
  const char *build_root = g_getenv ("EAD_BUILD_ROOT");
  const char *examples = g_getenv ("EAD_EXAMPLES");
  if (!build_root || !examples)
    {
      g_test_skip ("EAD_BUILD_ROOT and EAD_EXAMPLES are not set");
      return;
    }
  g_autofree char *destdir = g_build_filename (scratch, "destdir", NULL);
  const char *install[] = { "meson", "install", "-C", build_root, "--destdir", destdir,
                            "--no-rebuild", "--quiet", "--tags", "runtime,devel", NULL };
  g_free (run_command (install, NULL));

  g_autofree char *pc = find_file (destdir, "efficientad.pc");
  g_assert_nonnull (pc);
  g_autofree char *header = find_file (destdir, "efficientad.h");
  g_assert_nonnull (header);
  g_autofree char *library = find_file (destdir, "libefficientad.so");
  g_assert_nonnull (library);

  /* Only the public functions leave the library. */
  const char *nm[] = { "nm", "-D", "--defined-only", library, NULL };
  g_autofree char *symbols = run_command (nm, NULL);
  g_auto (GStrv) lines = g_strsplit (symbols, "\n", -1);
  guint exported = 0;
  for (guint i = 0; lines[i]; i++)
    {
      const char *name = strrchr (lines[i], ' ');
      if (!name)
        continue;
      name++;
      if (!g_str_has_prefix (name, "efficientad_"))
        g_error ("libefficientad exports %s", name);
      exported++;
    }
  g_assert_cmpuint (exported, >=, 10);

  g_autofree char *pc_dir = g_path_get_dirname (pc);
  g_autofree char *lib_dir = g_path_get_dirname (library);
  g_auto (GStrv) env = g_get_environ ();
  env = g_environ_setenv (env, "PKG_CONFIG_PATH", pc_dir, TRUE);
  env = g_environ_setenv (env, "PKG_CONFIG_SYSROOT_DIR", destdir, TRUE);
  env = g_environ_setenv (env, "LD_LIBRARY_PATH", lib_dir, TRUE);
  g_autofree char *source = g_build_filename (examples, "score-image.c", NULL);
  g_autofree char *program = g_build_filename (scratch, "score-image", NULL);
  const char *cflags = g_getenv ("EAD_EXAMPLE_CFLAGS");
  g_autofree char *build = g_strdup_printf ("cc %s -o '%s' '%s' $(pkg-config --cflags --libs efficientad)",
                                            cflags ? cflags : "", program, source);
  const char *compile[] = { "sh", "-c", build, NULL };
  g_free (run_command (compile, env));

  /* The first image as PPM and its green channel as PGM. */
  const EadImage *image = images->pdata[0];
  const int width = ead_image_get_width (image), height = ead_image_get_height (image);
  const gsize n = (gsize) width * height;
  const guint8 *rgb = ead_image_get_pixels (image);
  g_autofree char *ppm_header = g_strdup_printf ("P6\n# from the test\n%d %d\n255\n", width, height);
  g_autofree char *pgm_header = g_strdup_printf ("P5\n%d %d\n255\n", width, height);
  g_autoptr (GByteArray) ppm = g_byte_array_new ();
  g_byte_array_append (ppm, (const guint8 *) ppm_header, strlen (ppm_header));
  g_byte_array_append (ppm, rgb, n * 3);
  g_autoptr (GByteArray) pgm = g_byte_array_new ();
  g_byte_array_append (pgm, (const guint8 *) pgm_header, strlen (pgm_header));
  g_autofree guint8 *green = g_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    green[i] = rgb[3 * i + 1];
  g_byte_array_append (pgm, green, n);
  g_autofree char *ppm_path = g_build_filename (scratch, "frame.ppm", NULL);
  g_autofree char *pgm_path = g_build_filename (scratch, "frame.pgm", NULL);
  g_assert_true (g_file_set_contents (ppm_path, (const char *) ppm->data, ppm->len, NULL));
  g_assert_true (g_file_set_contents (pgm_path, (const char *) pgm->data, pgm->len, NULL));

  const char *score[] = { program, model_path, ppm_path, pgm_path, NULL };
  g_autofree char *out = run_command (score, env);
  g_auto (GStrv) records = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (records), ==, 3);

  EfficientadModel *model = load_runtime_model (model_path);
  EfficientadResult color, gray;
  g_assert_cmpint (score_image (model, image, NULL, &color), ==, EFFICIENTAD_OK);
  g_assert_cmpint (efficientad_score (model, green, n, EFFICIENTAD_FORMAT_GRAY8, width, height, width,
                                      NULL, &gray), ==, EFFICIENTAD_OK);
  efficientad_model_free (model);
  const EfficientadResult *expected[] = { &color, &gray };
  const char *paths[] = { ppm_path, pgm_path };
  for (guint i = 0; i < 2; i++)
    {
      g_auto (GStrv) fields = g_strsplit (records[i], "\t", -1);
      g_assert_cmpuint (g_strv_length (fields), ==, 3);
      g_assert_cmpstr (fields[0], ==, paths[i]);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (fields[1], NULL), expected[i]->score, 2e-6);
      g_assert_cmpstr (fields[2], ==, expected[i]->decision == EFFICIENTAD_ANOMALOUS ? "anomalous" : "good");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_autoptr (GError) error = NULL;
  scratch = g_dir_make_tmp ("ead-runtime-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = save_model ("model.safetensors", 256, TRUE, TRUE);
  bare_model_path = save_model ("bare.safetensors", 256, TRUE, FALSE);
  g_autofree char *dataset = test_make_small_dataset (scratch);
  g_autofree char *test_dir = g_build_filename (dataset, "test", "good", NULL);
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (test_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, >=, N_IMAGES);
  images = g_ptr_array_new_with_free_func ((GDestroyNotify) ead_image_free);
  for (guint i = 0; i < N_IMAGES; i++)
    {
      EadImage *image = ead_image_load (paths->pdata[i], &error);
      g_assert_no_error (error);
      g_ptr_array_add (images, image);
    }

  g_test_add_func ("/runtime/round-trip", test_round_trip);
  g_test_add_func ("/runtime/tiled", test_tiled);
  g_test_add_func ("/runtime/layouts", test_layouts);
  g_test_add_func ("/runtime/decisions", test_decisions);
  g_test_add_func ("/runtime/bad-inputs", test_bad_inputs);
  g_test_add_func ("/runtime/threads-fp32", test_threads_fp32);
  g_test_add_func ("/runtime/threads-bf16", test_threads_bf16);
  g_test_add_func ("/runtime/example", test_example);
  int status = g_test_run ();

  g_ptr_array_unref (images);
  test_remove_tree (scratch);
  g_free (model_path);
  g_free (bare_model_path);
  g_free (scratch);
  return status;
}

/* test-cli.c: the efficientad command as a user runs it: train, eval, infer
 * and bench end to end, and a clear one-line error for every kind of bad
 * input, with nothing half-written. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include "ead-data-dir.h"
#include "ead-dataset.h"
#include "ead-image.h"
#include "test-util.h"

static char *scratch;
static char *dataset;
static char *model;   /* trained once, shared by the tests after train */

typedef TestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, test_run_clear)

/* Runs efficientad with the NULL-terminated arguments. */
#define run_cli test_run_cli

/* Fails, ending stderr with one line that says "efficientad: " and
 * @fragment (progress lines may come before it). */
static void
assert_fails_with (const Run *run, const char *fragment)
{
  g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, !=, 0);
  g_assert_true (g_str_has_suffix (run->err, "\n"));
  g_autofree char *text = g_strndup (run->err, strlen (run->err) - 1);
  const char *newline = strrchr (text, '\n');
  const char *last_line = newline ? newline + 1 : text;
  g_assert_true (g_str_has_prefix (last_line, "efficientad: "));
  g_assert_nonnull (strstr (last_line, fragment));
}

static char *
scratch_path (const char *name)
{
  return g_build_filename (scratch, name, NULL);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);
  g_assert_no_error (error);
  return node;
}

static void
test_help (void)
{
  g_auto (Run) run = run_cli ("--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  const char *commands[] = { "train", "eval", "infer", "bench" };
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_assert_nonnull (strstr (run.out, commands[i]));
  g_auto (Run) unknown = run_cli ("frobnicate", NULL);
  g_assert_cmpint (unknown.status, !=, 0);
}

static void
test_train_bad_arguments (void)
{
  g_autofree char *out = scratch_path ("never.safetensors");
  g_auto (Run) missing = run_cli ("train", "/nonexistent/dataset", "-o", out, "--teacher", "random", NULL);
  assert_fails_with (&missing, "/nonexistent/dataset");
  g_auto (Run) zero = run_cli ("train", dataset, "-o", out, "--teacher", "random", "--steps", "0", NULL);
  assert_fails_with (&zero, "--steps");
  g_auto (Run) negative = run_cli ("train", dataset, "-o", out, "--teacher", "random", "--steps", "-5", NULL);
  assert_fails_with (&negative, "--steps");
  /* Only a small teacher is shipped. */
  g_auto (Run) no_teacher = run_cli ("train", dataset, "-o", out, "--size", "m", NULL);
  assert_fails_with (&no_teacher, "--teacher");
  g_auto (Run) both = run_cli ("train", dataset, "-o", out, "--teacher", "random", "--steps", "5",
                               "--minutes", "1", NULL);
  assert_fails_with (&both, "--steps and --minutes exclude each other");
  g_autofree char *project = scratch_path ("never.eadproj");
  g_auto (Run) project_both = run_cli ("project", "train", project, "--minutes", "2", "--steps", "9",
                                       NULL);
  assert_fails_with (&project_both, "--steps and --minutes exclude each other");
  g_auto (Run) impatient = run_cli ("train", dataset, "-o", out, "--teacher", "random",
                                    "--patience", "3", "--validate-every", "0", NULL);
  assert_fails_with (&impatient, "--patience");
  g_auto (Run) size = run_cli ("train", dataset, "-o", out, "--teacher", "random", "--image-size", "300", NULL);
  assert_fails_with (&size, "multiple of 64");
  g_autofree char *small_teacher = ead_data_find_teacher (EAD_MODEL_SMALL, NULL);
  g_assert_nonnull (small_teacher);
  g_auto (Run) mismatch = run_cli ("train", dataset, "-o", out, "--size", "m", "--teacher",
                                   small_teacher, NULL);
  assert_fails_with (&mismatch, "medium teacher");
  g_auto (Run) unwritable = run_cli ("train", dataset, "-o", "/nonexistent/dir/m.safetensors",
                                     "--teacher", "random", "--steps", "1", NULL);
  assert_fails_with (&unwritable, "/nonexistent/dir");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

/* A copy of the dataset with one truncated training image. */
static char *
dataset_with_bad_image (void)
{
  g_autofree char *copy = scratch_path ("with-bad");
  g_autofree char *command = g_strdup_printf ("cp -rL '%s' '%s'", dataset, copy);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  g_autofree char *bad = g_build_filename (copy, "train", "good", "zzz-truncated.png", NULL);
  g_autofree char *good = g_build_filename (copy, "train", "good", NULL);
  g_autoptr (GPtrArray) images = ead_dataset_list_images (good, NULL);
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (images->pdata[0], &contents, &length, NULL));
  g_assert_true (g_file_set_contents (bad, contents, length / 3, NULL));
  return g_steal_pointer (&copy);
}

static void
test_train_bad_image (void)
{
  g_autofree char *bad_dataset = dataset_with_bad_image ();
  g_autofree char *out = scratch_path ("kept.safetensors");
  /* An existing file at the output stays as it was when training fails. */
  g_assert_true (g_file_set_contents (out, "previous model", -1, NULL));
  g_auto (Run) stops = run_cli ("train", bad_dataset, "-o", out, "--teacher", "random", "--steps", "1", NULL);
  assert_fails_with (&stops, "zzz-truncated.png");
  g_assert_nonnull (strstr (stops.err, "--skip-bad"));
  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (out, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "previous model");

  g_auto (Run) skips = run_cli ("train", bad_dataset, "-o", out, "--teacher", "random", "--steps", "1",
                                "--skip-bad", NULL);
  g_test_message ("stderr: %s", skips.err);
  g_assert_cmpint (skips.status, ==, 0);
  g_assert_nonnull (strstr (skips.err, "zzz-truncated.png"));
}

static void
test_train (void)
{
  g_autofree char *log = scratch_path ("log.jsonl");
  /* Without --teacher, the shipped one. */
  g_auto (Run) run = run_cli ("train", dataset, "-o", model, "--steps", "3", "--log-json", log,
                              NULL);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "teacher: "));
  g_assert_nonnull (strstr (run.err, "pdn_small.safetensors"));
  g_assert_null (strstr (run.err, "RANDOM teacher"));
  g_assert_true (g_file_test (model, G_FILE_TEST_EXISTS));
  /* The finished model replaces the checkpoint. */
  g_autofree char *checkpoint = g_strconcat (model, ".checkpoint", NULL);
  g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));

  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (log, &contents, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (g_strstrip (contents), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_autoptr (JsonNode) last = parse_json (lines[2]);
  JsonObject *o = json_node_get_object (last);
  g_assert_cmpint (json_object_get_int_member (o, "step"), ==, 3);
  for (const char *const *k = (const char *const[]) { "total", "hard", "penalty", "ae", "stae", "lr", NULL }; *k; k++)
    g_assert_true (json_object_has_member (o, *k));
  /* Without --penalty-images, no penalty. */
  g_assert_null (strstr (run.err, "penalty images: "));
  g_assert_cmpfloat (json_object_get_double_member (o, "penalty"), ==, 0.0);
}

/* Whether the file @path holds @text yet. */
static gboolean
file_contains (const char *path, const char *text)
{
  g_autofree char *contents = NULL;
  return g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, text);
}

/* Waits up to @seconds for @process to end; FALSE if it is still running. */
static gboolean
wait_for_exit (GSubprocess *process, int seconds)
{
  /* GSubprocess reaps its child in GLib's worker thread: no loop to run. */
  const gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (g_subprocess_get_identifier (process) && g_get_monotonic_time () < deadline)
    g_usleep (G_USEC_PER_SEC / 50);
  return g_subprocess_get_identifier (process) == NULL;
}

/* SIGTERM (as Ctrl-C) stops a run at once whatever it is doing. Here the
 * run waits after its second step (EAD_TRAIN_HOLD_AFTER) and reports no
 * more progress, so only a signal that reaches the engine can stop it. */
static void
test_train_interrupted (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *log = scratch_path ("interrupted.jsonl");
  g_autofree char *output = scratch_path ("interrupted.safetensors");
  g_autofree char *checkpoint = g_strconcat (output, ".checkpoint", NULL);
  g_autoptr (GSubprocessLauncher) launcher = test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "EAD_TRAIN_HOLD_AFTER", "2", TRUE);
  g_autoptr (GSubprocess) process = g_subprocess_launcher_spawn (
      launcher, &error, g_getenv ("EAD_CLI"), "train", dataset, "-o", output, "--steps", "20",
      "--teacher", "random", "--checkpoint-every", "0", "--log-json", log, NULL);
  g_assert_no_error (error);
  const gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  while (!file_contains (log, "\"step\":2,") && g_subprocess_get_identifier (process)
         && g_get_monotonic_time () < deadline)
    g_usleep (G_USEC_PER_SEC / 20);
  g_assert_true (file_contains (log, "\"step\":2,"));

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (wait_for_exit (process, 60));
  g_autofree char *err = NULL;
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  Run run = { g_subprocess_get_exit_status (process), NULL, err };
  g_assert_nonnull (strstr (err, "efficientad: stopping\n"));
  assert_fails_with (&run, "training cancelled at step 2; the checkpoint keeps it");
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
}

/* --penalty-images shipped: the photos that come with the program, on
 * which the student pays for imitating the teacher. */
static void
test_train_with_shipped_penalty (void)
{
  g_autofree char *log = scratch_path ("log-shipped.jsonl");
  g_autofree char *output = scratch_path ("penalty.safetensors");
  g_auto (Run) run = run_cli ("train", dataset, "-o", output, "--steps", "1", "--teacher",
                              "random", "--penalty-images", "shipped", "--log-json", log, NULL);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "penalty images: "));
  g_assert_nonnull (strstr (run.err, "penalty\n"));

  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (log, &contents, NULL, NULL));
  g_autoptr (JsonNode) line = parse_json (g_strstrip (contents));
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (line), "penalty"), >,
                     0.0);
}

static void
test_eval (void)
{
  g_autofree char *json = scratch_path ("eval.json");
  g_autofree char *maps = scratch_path ("maps");
  g_auto (Run) run = run_cli ("eval", model, dataset, "--json", json, "--maps", maps, NULL);
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "image_auroc"));

  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_autoptr (JsonNode) root = parse_json (text);
  JsonObject *o = json_node_get_object (root);
  const char *keys[] = { "image_auroc", "pixel_auroc", "aupro", "f1_max", "threshold", "ms_per_image" };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      double v = json_object_get_double_member (o, keys[i]);
      g_assert_true (v >= 0);
      if (i < 4)
        g_assert_cmpfloat (v, <=, 1);
    }
  g_assert_true (json_object_has_member (json_object_get_object_member (o, "per_type"), "broken_large")
                 || json_object_has_member (json_object_get_object_member (o, "per_type"), "square"));
  /* Each map alone, in the text and the JSON. */
  g_assert_nonnull (strstr (run.out, "\nlocal   all "));
  g_assert_nonnull (strstr (run.out, "\nglobal  all "));
  JsonObject *alone = json_object_get_object_member (o, "maps");
  const char *branches[] = { "local", "global" };
  for (gsize i = 0; i < G_N_ELEMENTS (branches); i++)
    {
      JsonObject *branch = json_object_get_object_member (alone, branches[i]);
      double auroc = json_object_get_double_member (branch, "image_auroc");
      g_assert_true (auroc >= 0 && auroc <= 1);
      g_assert_cmpuint (json_object_get_size (json_object_get_object_member (branch, "per_type")),
                        ==, json_object_get_size (json_object_get_object_member (o, "per_type")));
    }
  JsonArray *images = json_object_get_array_member (o, "images");
  g_assert_cmpuint (json_array_get_length (images), >, 0);
  /* The fused map is the mean of the two: its maximum is at most the mean
   * of theirs. The peak lies on the image. */
  g_assert_nonnull (strstr (run.out, "\nhottest good images:\n"));
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *image = json_array_get_object_element (images, i);
      double score = json_object_get_double_member (image, "score");
      double local = json_object_get_double_member (image, "local_score");
      double global = json_object_get_double_member (image, "global_score");
      g_assert_cmpfloat (score, <=, 0.5 * (local + global) + 1e-5);
      JsonArray *peak = json_object_get_array_member (image, "peak");
      g_assert_cmpuint (json_array_get_length (peak), ==, 2);
      g_assert_cmpint (json_array_get_int_element (peak, 0), >=, 0);
      g_assert_cmpint (json_array_get_int_element (peak, 1), >=, 0);
    }
  JsonObject *first = json_array_get_object_element (images, 0);
  g_assert_true (json_object_has_member (first, "path"));
  g_assert_true (json_object_has_member (first, "type"));
  g_assert_true (json_object_has_member (first, "score"));

  /* Overlays for every test image, three maps each. */
  g_autofree char *good = g_build_filename (maps, "good", NULL);
  g_autoptr (GPtrArray) written = ead_dataset_list_images (good, NULL);
  g_assert_nonnull (written);
  g_assert_cmpuint (written->len % 3, ==, 0);
  g_assert_cmpuint (written->len, >, 0);
}

static void
test_eval_bad_model (void)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (model, &contents, &length, NULL));
  g_autofree char *truncated = scratch_path ("truncated.safetensors");
  g_assert_true (g_file_set_contents (truncated, contents, length / 2, NULL));
  g_auto (Run) cut = run_cli ("eval", truncated, dataset, NULL);
  assert_fails_with (&cut, "truncated.safetensors");
  g_autofree char *text = scratch_path ("text.safetensors");
  g_assert_true (g_file_set_contents (text, "hello", -1, NULL));
  g_auto (Run) junk = run_cli ("infer", text, "x.png", NULL);
  assert_fails_with (&junk, "text.safetensors");
}

/* A copy of the dataset whose first mask has the wrong size. */
static char *
dataset_with_bad_mask (char **mask_path)
{
  g_autofree char *copy = scratch_path ("bad-mask");
  g_autofree char *command = g_strdup_printf ("cp -rL '%s' '%s'", dataset, copy);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  g_autofree char *truth = g_build_filename (copy, "ground_truth", NULL);
  g_autoptr (GDir) types = g_dir_open (truth, 0, NULL);
  g_autofree char *type_dir = g_build_filename (truth, g_dir_read_name (types), NULL);
  g_autoptr (GPtrArray) masks = ead_dataset_list_images (type_dir, NULL);
  guint8 pixels[10 * 10 * 3] = { 0 };
  g_autoptr (EadImage) small = ead_image_new_from_rgb8 (pixels, 10, 10, 30);
  g_assert_true (ead_image_save_png (small, masks->pdata[0], NULL));
  *mask_path = g_path_get_basename (masks->pdata[0]);
  return g_steal_pointer (&copy);
}

static void
test_eval_bad_mask (void)
{
  g_autofree char *mask = NULL;
  g_autofree char *bad = dataset_with_bad_mask (&mask);
  g_auto (Run) run = run_cli ("eval", model, bad, NULL);
  assert_fails_with (&run, mask);
  g_assert_nonnull (strstr (run.err, "10x10"));
}

/* A rectangle tried at evaluation: every image's peak lies in it, the
 * model file is left as it was, and bad options fail in one line. */
static void
test_eval_rect (void)
{
  g_autoptr (EadDataset) opened = ead_dataset_open (dataset, 42, NULL);
  g_assert_nonnull (opened);
  const EadSample *sample = ead_dataset_get_sample (opened, EAD_SPLIT_TEST, 0);
  g_autoptr (EadImage) first = ead_image_load (sample->path, NULL);
  g_assert_nonnull (first);
  const int half = ead_image_get_width (first) / 2;
  g_autofree char *rect = g_strdup_printf ("0,0,%d,%d", half, ead_image_get_height (first));
  g_autofree char *json = scratch_path ("eval-rect.json");
  g_autofree char *before = NULL;
  gsize before_length;
  g_assert_true (g_file_get_contents (model, &before, &before_length, NULL));

  g_auto (Run) run = run_cli ("eval", model, dataset, "--rect", rect, "--json", json, NULL);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_autoptr (JsonNode) root = parse_json (text);
  JsonArray *images = json_object_get_array_member (json_node_get_object (root), "images");
  g_assert_cmpuint (json_array_get_length (images), >, 0);
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonArray *peak = json_object_get_array_member (json_array_get_object_element (images, i),
                                                      "peak");
      g_assert_cmpint (json_array_get_int_element (peak, 0), <, half);
    }
  g_autofree char *after = NULL;
  gsize after_length;
  g_assert_true (g_file_get_contents (model, &after, &after_length, NULL));
  g_assert_cmpmem (after, after_length, before, before_length);

  g_auto (Run) bad = run_cli ("eval", model, dataset, "--rect", "0,0,10", NULL);
  assert_fails_with (&bad, "--rect '0,0,10' is not X,Y,W,H");
  g_auto (Run) both = run_cli ("eval", model, dataset, "--rect", rect, "--mask", json, NULL);
  assert_fails_with (&both, "not both");
}

static void
test_infer (void)
{
  g_autofree char *good_dir = g_build_filename (dataset, "test", "good", NULL);
  g_autoptr (GPtrArray) images = ead_dataset_list_images (good_dir, NULL);
  g_autofree char *broken = scratch_path ("broken.png");
  g_assert_true (g_file_set_contents (broken, "\x89PNG\r\n\x1a\n", 8, NULL));
  g_autofree char *map = scratch_path ("map.png");
  g_auto (Run) run = run_cli ("infer", model, images->pdata[0], broken, "--json", "--map", map,
                              "--threshold", "0.5", NULL);
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  /* The bad image gets an error record, the good one a score: exit 1. */
  g_assert_cmpint (run.status, ==, 1);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (run.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_autoptr (JsonNode) scored = parse_json (lines[0]);
  JsonObject *o = json_node_get_object (scored);
  g_assert_true (json_object_has_member (o, "score"));
  g_assert_true (json_object_has_member (o, "ms"));
  const char *decision = json_object_get_string_member (o, "decision");
  g_assert_true (g_str_equal (decision, "good") || g_str_equal (decision, "anomalous"));
  g_autoptr (JsonNode) failed = parse_json (lines[1]);
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (failed), "error"),
                            "broken.png"));
  /* With several images, each map gets the image's name. */
  g_autofree char *stem = g_path_get_basename (images->pdata[0]);
  *strrchr (stem, '.') = '\0';
  g_autofree char *map_name = g_strdup_printf ("map-%s.png", stem);
  g_autofree char *map_path = scratch_path (map_name);
  g_autoptr (EadImage) overlay = ead_image_load (map_path, NULL);
  g_assert_nonnull (overlay);
}

static void
test_bench (void)
{
  g_auto (Run) run = run_cli ("bench", "--json", "--runs", "1", "--train-steps", "1", NULL);
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_autoptr (JsonNode) root = parse_json (run.out);
  JsonObject *o = json_node_get_object (root);
  g_assert_cmpfloat (json_object_get_double_member (o, "ms_per_image_fp32"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (o, "train_steps_per_min"), >, 0);
  g_assert_cmpint (json_object_get_int_member (o, "threads"), >=, 1);
  g_assert_true (json_object_has_member (o, "ms_per_image_bf16"));
}

/* The size of the dataset's images: the first training image's. */
static void
dataset_image_size (int *width, int *height)
{
  g_autofree char *folder = g_build_filename (dataset, "train", "good", NULL);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (folder, g_dir_read_name (dir), NULL);
  g_autoptr (EadImage) image = ead_image_load (path, NULL);
  g_assert_nonnull (image);
  *width = ead_image_get_width (image);
  *height = ead_image_get_height (image);
}

/* A @width x @height PNG, white left of @white_until and black beyond. */
static char *
write_mask_png (const char *name, int width, int height, int white_until)
{
  g_autofree guint8 *grey = g_new (guint8, (gsize) width * height);
  for (int i = 0; i < width * height; i++)
    grey[i] = i % width < white_until ? 255 : 0;
  g_autoptr (EadImage) image = ead_image_new_from_gray8 (grey, width, height, width);
  char *path = scratch_path (name);
  g_assert_true (ead_image_save_png (image, path, NULL));
  return path;
}

static void
test_project_roi (void)
{
  g_autofree char *project = scratch_path ("roi.eadproj");
  g_auto (Run) create = run_cli ("project", "create", project, NULL);
  g_assert_cmpint (create.status, ==, 0);
  g_auto (Run) import = run_cli ("project", "import", project, dataset, NULL);
  g_assert_cmpint (import.status, ==, 0);
  g_auto (Run) none = run_cli ("project", "roi", project, "--show", NULL);
  g_assert_cmpint (none.status, ==, 0);
  g_assert_nonnull (strstr (none.out, "no region of interest"));

  int width, height;
  dataset_image_size (&width, &height);
  g_autofree char *half = g_strdup_printf ("0,0,%d,%d", width / 2, height);
  g_autofree char *rest = g_strdup_printf ("%d,0,%d,%d", width / 2, width - width / 2, height);
  g_auto (Run) rects = run_cli ("project", "roi", project, "--rect", half, "--rect", rest, NULL);
  g_assert_cmpint (rects.status, ==, 0);
  g_auto (Run) shown = run_cli ("project", "roi", project, "--show", NULL);
  g_test_message ("%s", shown.out);
  g_autofree char *source = g_strdup_printf ("rect %s; rect %s, %d x %d, 100.0 %% inspected",
                                             half, rest, width, height);
  g_assert_nonnull (strstr (shown.out, source));
  g_assert_nonnull (strstr (shown.out, g_get_user_name ()));

  /* A mask at another size, written back as a PNG of its own size. */
  g_autofree char *mask = write_mask_png ("roi-mask.png", 40, 10, 10);
  g_auto (Run) masked = run_cli ("project", "roi", project, "--mask", mask, NULL);
  g_assert_cmpint (masked.status, ==, 0);
  g_assert_nonnull (strstr (masked.out, "mask roi-mask.png, 25.0 % inspected"));
  g_autofree char *written = scratch_path ("roi-written.png");
  g_auto (Run) write = run_cli ("project", "roi", project, "--show", "-o", written, NULL);
  g_assert_cmpint (write.status, ==, 0);
  g_autoptr (EadImage) back = ead_image_load (written, NULL);
  g_assert_cmpint (ead_image_get_width (back), ==, 40);
  g_assert_cmpint (ead_image_get_pixels (back)[3 * 9], ==, 255);
  g_assert_cmpint (ead_image_get_pixels (back)[3 * 10], ==, 0);

  g_auto (Run) clear = run_cli ("project", "roi", project, "--clear", NULL);
  g_assert_cmpint (clear.status, ==, 0);
  g_auto (Run) cleared = run_cli ("project", "roi", project, "--show", NULL);
  g_assert_nonnull (strstr (cleared.out, "no region of interest"));
  g_assert_nonnull (strstr (cleared.out, "cleared by"));

  /* Each mistake in one line, and nothing changed by it. */
  g_autofree char *outside = g_strdup_printf ("1,0,%d,%d", width, height);
  g_autofree char *black = write_mask_png ("black.png", 8, 8, 0);
  g_autofree char *text = scratch_path ("roi.txt");
  g_assert_true (g_file_set_contents (text, "not an image", -1, NULL));
  struct { const char *option, *value, *fragment; } mistakes[] = {
    { "--rect", "1,2,3", "is not X,Y,W,H" },
    { "--rect", "1,2,3,x", "is not X,Y,W,H" },
    { "--rect", "-1,0,3,3", "is not X,Y,W,H" },
    { "--rect", outside, "does not lie inside" },
    { "--mask", black, "empty" },
    { "--mask", text, text },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (mistakes); i++)
    {
      g_auto (Run) run = run_cli ("project", "roi", project, mistakes[i].option, mistakes[i].value,
                                  NULL);
      assert_fails_with (&run, mistakes[i].fragment);
    }
  g_auto (Run) two = run_cli ("project", "roi", project, "--clear", "--show", NULL);
  assert_fails_with (&two, "exactly one of");
  g_auto (Run) output = run_cli ("project", "roi", project, "--clear", "-o", written, NULL);
  assert_fails_with (&output, "-o goes with --show");
  g_auto (Run) still = run_cli ("project", "roi", project, "--show", NULL);
  g_assert_nonnull (strstr (still.out, "no region of interest"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  scratch = g_dir_make_tmp ("ead-cli-XXXXXX", NULL);
  dataset = test_make_small_dataset (scratch);
  model = scratch_path ("model.safetensors");
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/train-bad-arguments", test_train_bad_arguments);
  g_test_add_func ("/cli/train-bad-image", test_train_bad_image);
  g_test_add_func ("/cli/train", test_train);
  g_test_add_func ("/cli/train-with-shipped-penalty", test_train_with_shipped_penalty);
  g_test_add_func ("/cli/train-interrupted", test_train_interrupted);
  g_test_add_func ("/cli/eval", test_eval);
  g_test_add_func ("/cli/eval-bad-model", test_eval_bad_model);
  g_test_add_func ("/cli/eval-bad-mask", test_eval_bad_mask);
  g_test_add_func ("/cli/eval-rect", test_eval_rect);
  g_test_add_func ("/cli/infer", test_infer);
  g_test_add_func ("/cli/bench", test_bench);
  g_test_add_func ("/cli/project-roi", test_project_roi);
  int status = g_test_run ();
  test_remove_tree (scratch);
  return status;
}

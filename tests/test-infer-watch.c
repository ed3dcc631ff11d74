/* test-infer-watch.c: efficientad infer MODEL --watch DIR as the line runs
 * it: one JSON line per image written or renamed into the folder, an error
 * record for a broken one, heatmaps of rejected parts, a clean stop on
 * SIGTERM. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>

#include "ead-compute.h"
#include "ead-dataset.h"
#include "ead-model.h"
#include "test-util.h"

static char *
write_model (const char *scratch)
{
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (3);
  g_autoptr (EadModel) model = ead_model_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_no_error (error);
  const EadQuantiles q = { 0.01, 0.05, 0.01, 0.03 };
  ead_model_set_quantiles (model, &q);
  char *path = g_build_filename (scratch, "model.safetensors", NULL);
  g_assert_true (ead_model_save (model, path, &error));
  return path;
}

static JsonObject *
next_record (GDataInputStream *out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_test_message ("record: %s", line);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Writes in place, with no temporary file. */
static void
write_file (const char *path, const char *contents, gsize length)
{
  FILE *file = fopen (path, "wb");
  g_assert_nonnull (file);
  g_assert_cmpuint (fwrite (contents, 1, length, file), ==, length);
  g_assert_cmpint (fclose (file), ==, 0);
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
  write_file (to, contents, length);
}

static void
test_watch (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *scratch = g_dir_make_tmp ("ead-watch-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *model = write_model (scratch);
  g_autofree char *dataset = test_make_small_dataset (scratch);
  g_autofree char *good_dir = g_build_filename (dataset, "test", "good", NULL);
  g_autoptr (GPtrArray) images = ead_dataset_list_images (good_dir, &error);
  g_assert_no_error (error);
  g_autofree char *inbox = g_build_filename (scratch, "inbox", NULL);
  g_autofree char *rejected = g_build_filename (scratch, "rejected", NULL);
  g_assert_cmpint (g_mkdir (inbox, 0755), ==, 0);
  /* Already there before the watch starts: not scored. */
  g_autofree char *old = g_build_filename (inbox, "old.png", NULL);
  copy_file (images->pdata[2], old);

  /* Threshold 0: every part is rejected and gets its heatmap. */
  /* The watch never ends by itself: it dies with this process should an
   * assertion abort it. */
  g_autoptr (GSubprocessLauncher) launcher = test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = g_subprocess_launcher_spawn (
      launcher, &error, g_getenv ("EAD_CLI"), "infer", model, "--watch", inbox, "--rejected-maps",
      rejected, "--threshold", "0", NULL);
  g_assert_no_error (error);
  g_autoptr (GDataInputStream) out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_autoptr (GDataInputStream) err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  g_autofree char *banner = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (banner, "watching"));

  /* Written under a hidden name and renamed into place, as cameras do. */
  g_autofree char *hidden = g_build_filename (inbox, ".part-001.png", NULL);
  g_autofree char *first = g_build_filename (inbox, "part-001.png", NULL);
  copy_file (images->pdata[0], hidden);
  g_assert_cmpint (g_rename (hidden, first), ==, 0);
  g_autoptr (JsonObject) record = next_record (out);
  g_assert_cmpstr (json_object_get_string_member (record, "path"), ==, first);
  g_assert_cmpstr (json_object_get_string_member (record, "decision"), ==, "anomalous");
  g_autofree char *first_map = g_build_filename (rejected, "part-001.png", NULL);
  g_assert_cmpstr (json_object_get_string_member (record, "map"), ==, first_map);
  g_assert_true (g_file_test (first_map, G_FILE_TEST_IS_REGULAR));

  /* A truncated image: an error record, and the watch goes on. */
  g_autofree char *broken = g_build_filename (inbox, "part-002.png", NULL);
  write_file (broken, "\x89PNG\r\n\x1a\n", 8);
  g_autoptr (JsonObject) failed = next_record (out);
  g_assert_cmpstr (json_object_get_string_member (failed, "path"), ==, broken);
  g_assert_true (json_object_has_member (failed, "error"));

  /* Written in place. */
  g_autofree char *third = g_build_filename (inbox, "part-003.png", NULL);
  copy_file (images->pdata[1], third);
  g_autoptr (JsonObject) scored = next_record (out);
  g_assert_cmpstr (json_object_get_string_member (scored, "path"), ==, third);
  /* A random model can score a plain generated image exactly 0. */
  double score = json_object_get_double_member (scored, "score");
  g_assert_true (isfinite (score) && score >= 0);

  /* The camera reuses the first name: the first part's map stays. */
  g_autofree char *map_before = NULL;
  gsize before_length;
  g_assert_true (g_file_get_contents (first_map, &map_before, &before_length, NULL));
  copy_file (images->pdata[1], first);
  g_autoptr (JsonObject) again = next_record (out);
  g_assert_cmpstr (json_object_get_string_member (again, "path"), ==, first);
  g_autofree char *second_map = g_build_filename (rejected, "part-001-2.png", NULL);
  g_assert_cmpstr (json_object_get_string_member (again, "map"), ==, second_map);
  g_assert_true (g_file_test (second_map, G_FILE_TEST_IS_REGULAR));
  g_autofree char *map_after = NULL;
  gsize after_length;
  g_assert_true (g_file_get_contents (first_map, &map_after, &after_length, NULL));
  g_assert_cmpmem (map_after, after_length, map_before, before_length);
  g_assert_cmpuint (test_count_entries (rejected), ==, 3);   /* with part-003.png */

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  /* Nothing else was scored: not the old file, not the hidden one. */
  g_autofree char *rest = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (rest);
  test_remove_tree (scratch);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/infer-watch/watch", test_watch);
  return g_test_run ();
}

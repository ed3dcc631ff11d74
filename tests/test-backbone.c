/* test-backbone.c: MobileNetV2 built from the shipped TFLite files: its
 * layers against the file's tensors, its activations against the ranges the
 * int8 file was calibrated on, ImageNet accuracy through `efficientad
 * backbone eval` on a few photos, and clean failures on damaged files. The
 * files live in ../shared; without it these tests skip (test-tflite covers
 * the reader on a generated file). */
#include "torch/ead-backbone.h"
#include "ead-dataset.h"
#include "ead-error.h"
#include "ead-image.h"
#include "test-util.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define INT8_FILE "tf2_mobilenet_v2_1.0_224_ptq.tflite"
#define UINT8_FILE "mobilenet_v2_1.0_224_quant.tflite"
#define N_ACCURACY_PHOTOS 40

/* The path of a shared model file, or NULL after marking the test skipped. */
static char *
model_path_or_skip (const char *basename)
{
  g_autofree char *path = test_shared_path ("pretrained", basename, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  g_test_skip ("../shared is absent: no MobileNetV2 file to test with");
  return NULL;
}

/* A photo from ../shared/images/imagenet-sample as network input: 224 x 224,
 * RGB in [-1, 1]. */
static float *
sample_input (const char *name)
{
  g_autofree char *path = test_shared_path ("images", "imagenet-sample", name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadImage) image = ead_image_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (EadImage) square = ead_image_resize (image, 224, 224);
  float *input = g_new (float, 3 * 224 * 224);
  ead_image_to_float (square, input);
  for (int i = 0; i < 3 * 224 * 224; i++)
    input[i] = 2 * input[i] - 1;
  return input;
}

static void
test_architecture (void)
{
  /* Paper, table 2: output channels and strides of the 17 blocks. */
  static const int channels[] = { 16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160,
                                  160, 320 };
  static const int strides[] = { 2, 4, 4, 8, 8, 8, 16, 16, 16, 16, 16, 16, 16, 32, 32, 32, 32 };
  int c, s;
  for (int b = 0; b < EAD_BACKBONE_N_BLOCKS; b++)
    {
      g_assert_true (ead_backbone_tap_info ((EadBackboneTap) { b, EAD_BACKBONE_BLOCK_OUTPUT }, &c, &s));
      g_assert_cmpint (c, ==, channels[b]);
      g_assert_cmpint (s, ==, strides[b]);
    }
  /* The expansions part 2 of the distillation needs: 192 at stride 8, 384 at 16. */
  g_assert_false (ead_backbone_tap_info ((EadBackboneTap) { 0, EAD_BACKBONE_BLOCK_EXPANDED }, &c, &s));
  g_assert_true (ead_backbone_tap_info ((EadBackboneTap) { 6, EAD_BACKBONE_BLOCK_EXPANDED }, &c, &s));
  g_assert_cmpint (c, ==, 192);
  g_assert_cmpint (s, ==, 8);
  g_assert_true (ead_backbone_tap_info ((EadBackboneTap) { 10, EAD_BACKBONE_BLOCK_EXPANDED }, &c, &s));
  g_assert_cmpint (c, ==, 384);
  g_assert_cmpint (s, ==, 16);
  g_assert_false (ead_backbone_tap_info ((EadBackboneTap) { 17, EAD_BACKBONE_BLOCK_OUTPUT }, &c, &s));
  /* "SAME" rounds up at every stride-2 layer. */
  g_assert_cmpint (ead_backbone_tap_side (224, 8), ==, 28);
  g_assert_cmpint (ead_backbone_tap_side (512, 16), ==, 32);
  g_assert_cmpint (ead_backbone_tap_side (225, 32), ==, 8);
}

/* Every tap the API offers matches the shape of the file's tensor for it. */
static void
check_taps_against_file (const char *basename)
{
  g_autofree char *path = model_path_or_skip (basename);
  if (!path)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (EadBackbone) backbone = ead_backbone_new (model, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ead_backbone_get_n_classes (backbone), ==, 1001);
  g_assert_cmpint (ead_backbone_get_input_size (backbone), ==, 224);
  guint n_checked = 0;
  for (int b = 0; b < EAD_BACKBONE_N_BLOCKS; b++)
    for (int kind = EAD_BACKBONE_BLOCK_OUTPUT; kind <= EAD_BACKBONE_BLOCK_EXPANDED; kind++)
      {
        EadBackboneTap tap = { b, kind };
        int channels, stride;
        if (!ead_backbone_tap_info (tap, &channels, &stride))
          continue;
        int side = ead_backbone_tap_side (224, stride);
        const EadTfliteTensor *t = ead_tflite_get_tensor (model, ead_backbone_get_tap_tensor (backbone, tap));
        g_assert_cmpint (t->n_dims, ==, 4);
        g_assert_cmpint (t->shape[0], ==, 1);
        g_assert_cmpint (t->shape[1], ==, side);
        g_assert_cmpint (t->shape[2], ==, side);
        g_assert_cmpint (t->shape[3], ==, channels);
        n_checked++;
      }
  g_assert_cmpuint (n_checked, ==, 33);
}

static void
test_int8_layers (void)
{
  check_taps_against_file (INT8_FILE);
}

static void
test_uint8_layers (void)
{
  check_taps_against_file (UINT8_FILE);
}

/* The int8 file stores each activation with the range it was calibrated to
 * on real photos: on a real photo, a faithful conversion keeps nearly all of
 * its activations inside those ranges and spans a good part of them. */
static void
test_activation_ranges (void)
{
  g_autofree char *path = model_path_or_skip (INT8_FILE);
  if (!path)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (EadBackbone) backbone = ead_backbone_new (model, &error);
  g_assert_no_error (error);
  g_autofree float *input = sample_input ("n01443537_2625_goldfish.jpg");
  const EadBackboneTap taps[] = {
    { 2, EAD_BACKBONE_BLOCK_OUTPUT }, { 5, EAD_BACKBONE_BLOCK_OUTPUT },
    { 6, EAD_BACKBONE_BLOCK_EXPANDED }, { 10, EAD_BACKBONE_BLOCK_EXPANDED },
    { 12, EAD_BACKBONE_BLOCK_OUTPUT }, { 16, EAD_BACKBONE_BLOCK_OUTPUT },
  };
  float *out[G_N_ELEMENTS (taps)];
  gsize sizes[G_N_ELEMENTS (taps)];
  for (guint i = 0; i < G_N_ELEMENTS (taps); i++)
    {
      int channels, stride;
      g_assert_true (ead_backbone_tap_info (taps[i], &channels, &stride));
      int side = ead_backbone_tap_side (224, stride);
      sizes[i] = (gsize) channels * side * side;
      out[i] = g_new (float, sizes[i]);
    }
  g_assert_true (ead_backbone_features (backbone, input, 1, 224, 224, taps, G_N_ELEMENTS (taps),
                                        out, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (taps); i++)
    {
      const EadTfliteTensor *t = ead_tflite_get_tensor (model, ead_backbone_get_tap_tensor (backbone, taps[i]));
      g_assert_cmpuint (t->n_scales, ==, 1);
      double low = t->scales[0] * (-128 - t->zero_points[0]) - t->scales[0];
      double high = t->scales[0] * (127 - t->zero_points[0]) + t->scales[0];
      gsize inside = 0;
      double seen_low = 0, seen_high = 0;
      for (gsize k = 0; k < sizes[i]; k++)
        {
          g_assert_true (isfinite (out[i][k]));
          seen_low = MIN (seen_low, out[i][k]);
          seen_high = MAX (seen_high, out[i][k]);
          inside += out[i][k] >= low && out[i][k] <= high;
          if (taps[i].kind == EAD_BACKBONE_BLOCK_EXPANDED)
            g_assert_true (out[i][k] >= 0 && out[i][k] <= 6);
        }
      g_test_message ("block %d %s: %.3f%% inside [%.2f, %.2f], seen [%.2f, %.2f]", taps[i].block,
                      taps[i].kind == EAD_BACKBONE_BLOCK_OUTPUT ? "output" : "expanded",
                      100.0 * inside / sizes[i], low, high, seen_low, seen_high);
      g_assert_cmpfloat ((double) inside / sizes[i], >, 0.99);
      /* Activations ten times too small would also stay inside. */
      g_assert_cmpfloat (seen_high - seen_low, >, 0.2 * (high - low));
      g_free (out[i]);
    }
}

/* Features of a non-square batch fill exactly the documented size; bf16
 * stays close to fp32; bad requests are refused. */
static void
test_features_and_errors (void)
{
  g_autofree char *path = model_path_or_skip (INT8_FILE);
  if (!path)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (EadBackbone) backbone = ead_backbone_load (path, &error);
  g_assert_no_error (error);

  /* Two non-square images of 96 x 64: block 5 is at stride 8, 12 x 8. */
  const int n = 2, h = 96, w = 64;
  g_autofree float *images = g_new (float, n * 3 * h * w);
  for (int i = 0; i < n * 3 * h * w; i++)
    images[i] = sinf (i * 0.01f);
  const EadBackboneTap tap = { 5, EAD_BACKBONE_BLOCK_OUTPUT };
  const gsize size = (gsize) n * 32 * 12 * 8;
  g_autofree float *out = g_new (float, size + 1);
  out[size] = 12345.0f;   /* a guard past the end */
  float *outs[] = { out };
  g_assert_true (ead_backbone_features (backbone, images, n, h, w, &tap, 1, outs, &error));
  g_assert_cmpfloat (out[size], ==, 12345.0f);

  /* bf16 gives nearly the same logits. */
  g_autofree float *fp32 = g_new (float, 1001 * n), *bf16 = g_new (float, 1001 * n);
  g_assert_true (ead_backbone_classify (backbone, images, n, h, w, fp32, &error));
  g_assert_true (ead_backbone_set_precision (backbone, EAD_PRECISION_BF16, &error));
  g_assert_true (ead_backbone_classify (backbone, images, n, h, w, bf16, &error));
  double worst = 0;
  for (int i = 0; i < 1001 * n; i++)
    worst = MAX (worst, fabs (fp32[i] - bf16[i]));
  g_test_message ("largest bf16 logit difference: %.3f", worst);
  g_assert_cmpfloat (worst, <, 1.0);

  const EadBackboneTap missing = { 0, EAD_BACKBONE_BLOCK_EXPANDED };
  g_assert_false (ead_backbone_features (backbone, images, n, h, w, &missing, 1, outs, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (ead_backbone_classify (backbone, images, 1, 16, 16, fp32, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
}

/* Marks the bytes of constant tensor data. */
static guint8 *
tensor_data_mask (const EadTflite *model, const guint8 *data, gsize size)
{
  guint8 *mask = g_malloc0 (size);
  for (guint i = 0; i < ead_tflite_get_n_tensors (model); i++)
    {
      const EadTfliteTensor *t = ead_tflite_get_tensor (model, i);
      if (t->data)
        memset (mask + (t->data - data), 1, t->n_bytes);
    }
  return mask;
}

/* Damaged files: a clear one-line error naming the file, or a network. */
static void
test_damaged_files (void)
{
  g_autofree char *path = model_path_or_skip (INT8_FILE);
  if (!path)
    return;
  g_autofree guint8 *data = NULL;
  gsize size;
  g_assert_true (g_file_get_contents (path, (char **) &data, &size, NULL));
  g_autoptr (GBytes) intact = g_bytes_new_static (data, size);
  g_autoptr (EadTflite) model = ead_tflite_new_from_bytes (intact, "intact.tflite", NULL);
  g_assert_nonnull (model);
  g_autofree guint8 *is_data = tensor_data_mask (model, data, size);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  guint n_built = 0, n_refused = 0;

  /* Flips in the structure (not in weights, where they only change values). */
  for (guint i = 0; i < 60; i++)
    {
      gsize position;
      do
        position = g_rand_int_range (rand, 0, size);
      while (is_data[position]);
      guint8 mask = 1 << g_rand_int_range (rand, 0, 8);
      data[position] ^= mask;
      g_autoptr (GBytes) bytes = g_bytes_new (data, size);
      data[position] ^= mask;
      g_autoptr (GError) error = NULL;
      g_autoptr (EadTflite) damaged = ead_tflite_new_from_bytes (bytes, "damaged.tflite", &error);
      g_autoptr (EadBackbone) backbone = damaged ? ead_backbone_new (damaged, &error) : NULL;
      if (backbone)
        {
          n_built++;
          continue;
        }
      n_refused++;
      g_assert_true (error->domain == EAD_ERROR
                     && (error->code == EAD_ERROR_BAD_FILE || error->code == EAD_ERROR_INCOMPATIBLE));
      g_assert_true (g_str_has_prefix (error->message, "damaged.tflite: "));
      g_assert_null (strchr (error->message, '\n'));
    }
  g_test_message ("60 damaged copies: %u built, %u refused cleanly", n_built, n_refused);

  /* Truncated, through the loader a user meets. */
  g_autofree char *scratch = g_dir_make_tmp ("ead-backbone-XXXXXX", NULL);
  g_autofree char *truncated = g_build_filename (scratch, "truncated.tflite", NULL);
  g_assert_true (g_file_set_contents (truncated, (const char *) data, size / 2, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (EadBackbone) none = ead_backbone_load (truncated, &error);
  g_assert_null (none);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_true (g_str_has_prefix (error->message, truncated));
  g_test_message ("%s", error->message);
  test_remove_tree (scratch);
}

/* A file whose input claims 65536 x 65536 pixels is refused as it loads,
 * before anything is allocated for such images. */
static void
test_huge_input (void)
{
  g_autofree char *path = model_path_or_skip (INT8_FILE);
  if (!path)
    return;
  g_autofree char *data = NULL;
  gsize size = 0;
  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  /* The input's shape vector (and its signature): 1, 224, 224, 3. */
  const gint32 shape[] = { GINT32_TO_LE (1), GINT32_TO_LE (224), GINT32_TO_LE (224),
                           GINT32_TO_LE (3) };
  guint n_patched = 0;
  for (gsize at = 0; at + sizeof shape <= size; at += 4)
    if (memcmp (data + at, shape, sizeof shape) == 0)
      {
        const gint32 huge = GINT32_TO_LE (65536);
        memcpy (data + at + 4, &huge, 4);
        memcpy (data + at + 8, &huge, 4);
        n_patched++;
      }
  g_assert_cmpuint (n_patched, >=, 1);
  g_autofree char *scratch = g_dir_make_tmp ("ead-backbone-XXXXXX", NULL);
  g_autofree char *huge = g_build_filename (scratch, "huge.tflite", NULL);
  g_assert_true (g_file_set_contents (huge, data, size, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (EadBackbone) none = ead_backbone_load (huge, &error);
  g_assert_null (none);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "input side 65536 is too large"));
  test_remove_tree (scratch);
}

/* Links @count photos of ILSVRC classes (spread over the sample) and two of
 * detection-only synsets into @dir. */
static void
link_photos (const char *dir, GHashTable *wnids, guint count)
{
  g_autofree char *sample = test_shared_path ("images", "imagenet-sample", NULL);
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (sample, NULL);
  g_assert_nonnull (paths);
  guint in_classes = 0, others = 0;
  for (guint i = 0; i < paths->len; i += 7)
    {
      g_autofree char *name = g_path_get_basename (paths->pdata[i]);
      g_autofree char *wnid = g_strndup (name, 9);
      gboolean known = g_hash_table_contains (wnids, wnid);
      if ((known && in_classes == count) || (!known && others == 2))
        continue;
      *(known ? &in_classes : &others) += 1;
      g_autofree char *to = g_build_filename (dir, name, NULL);
      g_assert_cmpint (symlink (paths->pdata[i], to), ==, 0);
    }
  g_assert_cmpuint (in_classes, ==, count);
}

static GHashTable *
load_wnids (const char *classes)
{
  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (classes, &contents, NULL, NULL));
  GHashTable *wnids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] == 'n')
      g_hash_table_add (wnids, g_strndup (lines[i], 9));
  g_assert_cmpuint (g_hash_table_size (wnids), ==, 1000);
  return wnids;
}

static void
test_accuracy (void)
{
  g_autofree char *path = model_path_or_skip (INT8_FILE);
  const char *cli = g_getenv ("EAD_CLI"), *test_data = g_getenv ("EAD_TEST_DATA");
  if (!path)
    return;
  if (!cli || !test_data)
    {
      g_test_skip ("EAD_CLI or EAD_TEST_DATA unset: run through meson test");
      return;
    }
  g_autofree char *classes = g_build_filename (test_data, "..", "..", "data", "imagenet",
                                               "wnid-to-index.tsv", NULL);
  g_autoptr (GHashTable) wnids = load_wnids (classes);
  g_autofree char *scratch = g_dir_make_tmp ("ead-backbone-XXXXXX", NULL);
  link_photos (scratch, wnids, N_ACCURACY_PHOTOS);

  const char *argv[] = { cli, "backbone", "eval", "--backbone", path, "--images", scratch,
                         "--classes", classes, "--json", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_autofree char *out = NULL;
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  JsonObject *result = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_object_get_size (result), ==, 4);
  double top1 = json_object_get_double_member (result, "top1");
  double top5 = json_object_get_double_member (result, "top5");
  g_assert_cmpint (json_object_get_int_member (result, "images"), ==, N_ACCURACY_PHOTOS);
  g_assert_cmpint (json_object_get_int_member (result, "skipped"), ==, 2);
  g_test_message ("top-1 %.1f%%, top-5 %.1f%% on %d ImageNet photos", 100 * top1, 100 * top5,
                  N_ACCURACY_PHOTOS);
  /* Chance is 0.1%; the whole sample scores about 80%. */
  g_assert_cmpfloat (top1, >=, 0.5);
  g_assert_cmpfloat (top5, >=, top1);
  test_remove_tree (scratch);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ead_torch_set_threads (0);
  g_test_add_func ("/backbone/architecture", test_architecture);
  test_add_part ("shared", "/backbone/int8-layers", test_int8_layers);
  test_add_part ("shared", "/backbone/uint8-layers", test_uint8_layers);
  test_add_part ("shared", "/backbone/activation-ranges", test_activation_ranges);
  test_add_part ("shared", "/backbone/features-and-errors", test_features_and_errors);
  test_add_part ("shared", "/backbone/damaged-files", test_damaged_files);
  test_add_part ("shared", "/backbone/huge-input", test_huge_input);
  test_add_part ("shared", "/backbone/accuracy", test_accuracy);
  return g_test_run ();
}

/* test-distill.c: teacher distillation. The padded PDN's output grid and its
 * teacher-compatible weights, an optimiser checkpoint that resumes exactly,
 * packing images, and a short distillation with the real MobileNetV2 file
 * (from ../shared; without it that case skips) whose teacher loads into an
 * EfficientAD model, interrupted and resumed from a packed image file. The
 * exported target definition, and tools/distill-cuda.py (the GPU twin, run
 * here on the CPU with Debian's python3-torch) reproducing its check. */
#include "ead-dataset.h"
#include "ead-distill.h"
#include "torch/ead-distiller.h"
#include "ead-error.h"
#include "ead-image.h"
#include "ead-model.h"
#include "ead-safetensors.h"
#include "test-util.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#define N_IMAGES 8
#define GRID EAD_DISTILL_TARGET_SIZE
#define INPUT_VALUES (3 * EAD_DISTILL_IMAGE_SIZE * EAD_DISTILL_IMAGE_SIZE)
#define TARGET_VALUES (EAD_TEACHER_CHANNELS * EAD_DISTILL_TARGET_SIZE * EAD_DISTILL_TARGET_SIZE)

static char *
backbone_file (void)
{
  return test_shared_path ("pretrained", "tf2_mobilenet_v2_1.0_224_ptq.tflite", NULL);
}

static void
test_output_side (void)
{
  const EadModelSize sizes[] = { EAD_MODEL_SMALL, EAD_MODEL_MEDIUM };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (EadDistiller) distiller = ead_distiller_new (sizes[s], EAD_DEVICE_CPU, 1e-4, 1e-5,
                                                              &error);
      g_assert_no_error (error);
      int side = ead_distiller_measure_output_side (distiller, EAD_DISTILL_IMAGE_SIZE, &error);
      g_assert_cmpint (side, ==, EAD_DISTILL_TARGET_SIZE);
      g_assert_no_error (error);
      /* Crops of the target grid: 4 pixels a cell, whatever the crop. */
      for (int cells = 1; cells <= EAD_DISTILL_TARGET_SIZE; cells += 21)
        g_assert_cmpint (ead_distiller_measure_output_side (distiller, 4 * cells, &error), ==,
                         cells);
    }
}

/* Every weight has the name and shape of the unpadded teacher's. */
static void
test_teacher_names (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadDistiller) distiller = ead_distiller_new (EAD_MODEL_MEDIUM, EAD_DEVICE_CPU, 1e-4,
                                                          1e-5, &error);
  g_assert_no_error (error);
  EadNets *nets = ead_nets_new (EAD_MODEL_MEDIUM, 256, &error);
  g_assert_no_error (error);
  guint n_teacher = 0;
  for (guint i = 0; i < ead_nets_get_n_tensors (nets); i++)
    n_teacher += g_str_has_prefix (ead_nets_get_tensor_name (nets, i), "teacher.");
  g_assert_cmpuint (ead_distiller_get_n_tensors (distiller), ==, n_teacher);
  for (guint i = 0; i < ead_distiller_get_n_tensors (distiller); i++)
    {
      g_autofree char *name = g_strconcat ("teacher.", ead_distiller_get_tensor_name (distiller, i),
                                           NULL);
      int index = ead_nets_find_tensor (nets, name);
      g_assert_cmpint (index, >=, 0);
      gint64 shape[4], teacher_shape[4];
      int n_dims = ead_distiller_get_tensor_shape (distiller, i, shape);
      g_assert_cmpint (n_dims, ==, ead_nets_get_tensor_shape (nets, index, teacher_shape));
      g_assert_cmpmem (shape, n_dims * sizeof (gint64), teacher_shape, n_dims * sizeof (gint64));
    }
  ead_nets_free (nets);
}

static float *
random_values (GRand *rand, gsize n)
{
  float *values = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    values[i] = (float) g_rand_double_range (rand, -1, 1);
  return values;
}

static const float *
lookup_in_copy (const char *name, gsize n_elements, gpointer user_data)
{
  return g_hash_table_lookup (user_data, name);
}

/* Weights and optimiser state copied into a fresh distiller continue the
 * run as the original does. */
static void
test_state_resume (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autofree float *images = random_values (rand, INPUT_VALUES);
  g_autofree float *targets = random_values (rand, TARGET_VALUES);
  g_autoptr (GError) error = NULL;
  double loss, resumed_loss;
  ead_torch_manual_seed (1);
  g_autoptr (EadDistiller) original = ead_distiller_new (EAD_MODEL_SMALL, EAD_DEVICE_CPU, 1e-3,
                                                         1e-5, &error);
  g_autoptr (EadDistiller) resumed = ead_distiller_new (EAD_MODEL_SMALL, EAD_DEVICE_CPU, 1e-3,
                                                        1e-5, &error);
  g_assert_no_error (error);
  for (int step = 0; step < 2; step++)
    g_assert_true (ead_distiller_step (original, images, targets, 1, GRID, &loss, &error));

  for (guint i = 0; i < ead_distiller_get_n_tensors (original); i++)
    {
      g_autofree float *values = g_new (float, ead_distiller_get_tensor_n_elements (original, i));
      g_assert_true (ead_distiller_read_tensor (original, i, values, &error));
      g_assert_true (ead_distiller_write_tensor (resumed, i, values, &error));
    }
  g_autoptr (GHashTable) state = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (guint i = 0; i < ead_distiller_get_n_state (original); i++)
    {
      float *values = g_new (float, ead_distiller_get_tensor_n_elements (original, i / 2));
      g_assert_true (ead_distiller_read_state (original, i, values, &error));
      g_hash_table_insert (state, (gpointer) ead_distiller_get_state_name (original, i), values);
    }
  g_assert_true (ead_distiller_restore (resumed, 2, lookup_in_copy, state, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ead_distiller_get_step (resumed), ==, 2);

  g_assert_true (ead_distiller_step (original, images, targets, 1, GRID, &loss, &error));
  g_assert_true (ead_distiller_step (resumed, images, targets, 1, GRID, &resumed_loss, &error));
  g_assert_cmpfloat_with_epsilon (loss, resumed_loss, 1e-6 * loss);
  g_assert_true (ead_distiller_evaluate (original, images, targets, 1, GRID, &loss, &error));
  g_assert_true (ead_distiller_evaluate (resumed, images, targets, 1, GRID, &resumed_loss, &error));
  g_assert_cmpfloat_with_epsilon (loss, resumed_loss, 1e-6 * loss);
}

static void
write_generated_image (const char *folder, guint index)
{
  const int side = 300;
  g_autofree guint8 *pixels = g_malloc (side * side * 3);
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      for (int c = 0; c < 3; c++)
        pixels[(y * side + x) * 3 + c] = (guint8) ((x * (c + 1) + y * (index + 1)) % 256);
  g_autoptr (EadImage) image = ead_image_new_from_rgb8 (pixels, side, side, side * 3);
  g_autofree char *name = g_strdup_printf ("generated-%02u.png", index);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_assert_true (ead_image_save_png (image, path, NULL));
}

/* N_IMAGES photos from ../shared/images/open, linked, or generated images. */
static char *
make_image_folder (const char *scratch)
{
  char *folder = g_build_filename (scratch, "images", NULL);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_autofree char *open = test_shared_path ("images", "open", NULL);
  g_autoptr (GPtrArray) photos = ead_dataset_list_images (open, NULL);
  if (photos && photos->len >= N_IMAGES)
    {
      for (guint i = 0; i < N_IMAGES; i++)
        {
          const char *photo = g_ptr_array_index (photos, i);
          g_autofree char *base = g_path_get_basename (photo);
          g_autofree char *link = g_build_filename (folder, base, NULL);
          g_autofree char *target = g_canonicalize_filename (photo, NULL);
          g_assert_cmpint (symlink (target, link), ==, 0);
        }
      return folder;
    }
  g_test_message ("%s has too few photos: using generated images", open);
  g_printerr ("note: %s has too few photos; the test uses generated images\n", open);
  for (guint i = 0; i < N_IMAGES; i++)
    write_generated_image (folder, i);
  return folder;
}

static void
test_pack (TempDir *dir, gconstpointer data)
{
  g_autofree char *folder = make_image_folder (dir->path);
  g_autofree char *packed = g_build_filename (dir->path, "images.safetensors", NULL);
  const char *folders[] = { folder, NULL };
  g_autoptr (GError) error = NULL;
  g_assert_true (ead_distill_pack (folders, packed, &error));
  g_assert_no_error (error);

  g_autoptr (EadSafetensors) st = ead_safetensors_open (packed, &error);
  g_assert_no_error (error);
  const EadTensorView *images = ead_safetensors_find (st, "images");
  g_assert_nonnull (images);
  g_assert_cmpint (images->dtype, ==, EAD_DTYPE_U8);
  const gint64 shape[4] = { N_IMAGES, 512, 512, 3 };
  g_assert_cmpmem (images->shape, sizeof shape, shape, sizeof shape);
  g_auto (GStrv) names = g_strsplit (ead_safetensors_get_metadata (st, "names"), "\n", -1);
  g_assert_cmpuint (g_strv_length (names), ==, N_IMAGES);

  /* The first image as it was packed: resized to 512 x 512. */
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (folder, &error);
  g_autoptr (EadImage) first = ead_image_load (g_ptr_array_index (paths, 0), &error);
  g_autoptr (EadImage) resized = ead_image_resize (first, 512, 512);
  g_assert_cmpmem (images->data, 512 * 512 * 3, ead_image_get_pixels (resized), 512 * 512 * 3);
}

typedef struct {
  double first_held_out;
  double last_held_out;
  int cancel_at;
  GCancellable *cancellable;
} RunRecord;

static void
record_progress (const EadDistillProgress *progress, gpointer user_data)
{
  RunRecord *record = user_data;
  if (progress->phase != EAD_DISTILL_STEPS)
    return;
  if (isnan (record->first_held_out))
    record->first_held_out = progress->held_out_loss;
  record->last_held_out = progress->held_out_loss;
  if (progress->done == record->cancel_at)
    g_cancellable_cancel (record->cancellable);
}

/* Six steps of two images: interrupted after three, resumed from a packed
 * copy of the same images. */
static void
test_run (TempDir *dir, gconstpointer data)
{
  g_autofree char *backbone = backbone_file ();
  if (!g_file_test (backbone, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("../shared is absent: no MobileNetV2 file to distil from");
      return;
    }
  g_autofree char *folder = make_image_folder (dir->path);
  g_autofree char *packed = g_build_filename (dir->path, "images.safetensors", NULL);
  g_autofree char *output = g_build_filename (dir->path, "teacher.safetensors", NULL);
  g_autofree char *checkpoint = ead_distill_checkpoint_path (output);
  const char *folders[] = { folder, NULL }, *packs[] = { packed, NULL };
  g_autoptr (GError) error = NULL;
  g_assert_true (ead_distill_pack (folders, packed, &error));

  EadDistillParams params;
  ead_distill_params_init (&params);
  params.backbone_path = backbone;
  params.min_crop = 0;
  g_assert_false (ead_distill_run (&params, folders, output, NULL, NULL, NULL, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_clear_error (&error);
  params.min_crop = 32;
  params.steps = 6;
  params.batch = 2;
  params.checkpoint_every = 0;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  RunRecord first = { NAN, NAN, 3, cancellable };
  g_assert_false (ead_distill_run (&params, folders, output, record_progress, &first, cancellable,
                                   &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
  g_autoptr (EadSafetensors) saved = ead_safetensors_open (checkpoint, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (saved, "checkpoint_step"), ==, "3");

  params.resume = TRUE;
  RunRecord second = { NAN, NAN, -1, NULL };
  g_assert_true (ead_distill_run (&params, packs, output, record_progress, &second, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("held-out loss %.4f -> %.4f", first.first_held_out, second.last_held_out);
  g_assert_true (isfinite (second.last_held_out));
  g_assert_cmpfloat (second.last_held_out, <, first.first_held_out);

  g_autoptr (EadSafetensors) teacher = ead_safetensors_open (output, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (teacher, "distill.steps"), ==, "6");
  g_assert_cmpstr (ead_safetensors_get_metadata (teacher, "distill.taps"), ==, "blocks");
  g_assert_nonnull (strstr (ead_safetensors_get_metadata (teacher, "distill.augmentation"),
                            "crops of 32-64 cells"));
  g_autoptr (EadModel) model = ead_model_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_no_error (error);
  g_assert_true (ead_model_load_teacher (model, output, &error));
  g_assert_no_error (error);
}

/* Cancelled from the start, a run stops while it loads the images: it never
 * reaches the backbone, which here does not exist. */
static void
test_cancelled_while_loading (TempDir *dir, gconstpointer data)
{
  g_autofree char *folder = make_image_folder (dir->path);
  g_autofree char *output = g_build_filename (dir->path, "teacher.safetensors", NULL);
  g_autofree char *backbone = g_build_filename (dir->path, "absent.tflite", NULL);
  const char *folders[] = { folder, NULL };
  EadDistillParams params;
  ead_distill_params_init (&params);
  params.backbone_path = backbone;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  g_autoptr (GError) error = NULL;
  g_assert_false (ead_distill_run (&params, folders, output, NULL, NULL, cancellable, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_CANCELLED);
  g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
}

/* Exports the target definition of the first image of a fresh folder. */
static char *
export_targets (TempDir *dir, const char *backbone, char **folder_out)
{
  g_autofree char *folder = make_image_folder (dir->path);
  char *output = g_build_filename (dir->path, "targets.safetensors", NULL);
  EadDistillParams params;
  ead_distill_params_init (&params);
  params.backbone_path = backbone;
  g_autoptr (GError) error = NULL;
  g_assert_true (ead_distill_export_targets (&params, folder, output, &error));
  g_assert_no_error (error);
  if (folder_out)
    *folder_out = g_steal_pointer (&folder);
  return output;
}

static void
test_export_targets (TempDir *dir, gconstpointer data)
{
  g_autofree char *backbone = backbone_file ();
  if (!g_file_test (backbone, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("../shared is absent: no MobileNetV2 file to export");
      return;
    }
  g_autofree char *folder = NULL;
  g_autofree char *path = export_targets (dir, backbone, &folder);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadSafetensors) st = ead_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "tap.stride8"), ==, "5 output");
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "tap.stride16"), ==, "12 output");

  /* The weights stop at the deepest tap. */
  g_assert_nonnull (ead_safetensors_find (st, "backbone.stem.weight"));
  g_assert_null (ead_safetensors_find (st, "backbone.blocks.0.expand.weight"));
  const EadTensorView *depthwise = ead_safetensors_find (st, "backbone.blocks.12.depthwise.weight");
  g_assert_nonnull (depthwise);
  const gint64 depthwise_shape[4] = { 576, 1, 3, 3 };
  g_assert_cmpmem (depthwise->shape, sizeof depthwise_shape, depthwise_shape,
                   sizeof depthwise_shape);
  g_assert_null (ead_safetensors_find (st, "backbone.blocks.13.project.weight"));
  const EadTensorView *projection = ead_safetensors_find (st, "projection");
  g_assert_cmpint (projection->shape[0], ==, EAD_TEACHER_CHANNELS);
  g_assert_cmpint (projection->shape[1], ==, 32 + 96);

  /* The check image is the folder's first, as the distiller sees it, and its
   * targets are what the engine computes for it. */
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (folder, &error);
  g_autoptr (EadImage) first = ead_image_load (g_ptr_array_index (paths, 0), &error);
  g_autoptr (EadImage) resized = ead_image_resize (first, 512, 512);
  const EadTensorView *image = ead_safetensors_find (st, "check.image");
  g_assert_cmpmem (image->data, image->n_bytes, ead_image_get_pixels (resized), 512 * 512 * 3);

  g_autoptr (EadBackbone) network = ead_backbone_load (backbone, &error);
  g_assert_no_error (error);
  g_autoptr (EadDistillTargets) targets = ead_distill_targets_new (network, EAD_DISTILL_TAPS_BLOCKS,
                                                                   EAD_DEVICE_CPU, 42, &error);
  const guint8 *pixels = image->data;
  g_autofree float *input = g_new (float, 3 * 512 * 512);
  for (gsize p = 0; p < 512 * 512; p++)
    for (int c = 0; c < 3; c++)
      input[c * 512 * 512 + p] = pixels[3 * p + c] / 127.5f - 1.0f;
  g_autofree float *expected = g_new (float, TARGET_VALUES);
  g_autofree float *exported = g_new (float, TARGET_VALUES);
  g_assert_true (ead_distill_targets_compute (targets, input, 1, expected, &error));
  const gint64 target_shape[3] = { EAD_TEACHER_CHANNELS, EAD_DISTILL_TARGET_SIZE,
                                   EAD_DISTILL_TARGET_SIZE };
  g_assert_true (ead_safetensors_read_f32 (st, "check.targets", 3, target_shape, exported, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (exported, TARGET_VALUES * sizeof (float), expected,
                   TARGET_VALUES * sizeof (float));
}

/* Runs tools/distill-cuda.py on the CPU; returns its exit status. */
static int
run_port (const char *targets, const char *folder, const char *out, const char *tolerance,
          char **output)
{
  const char *tools = g_getenv ("EAD_TOOLS");
  g_assert_nonnull (tools);
  g_autofree char *script = g_build_filename (tools, "distill-cuda.py", NULL);
  const char *argv[] = { "/usr/bin/python3", script, "--targets", targets, "--images", folder,
                         "--out", out, "--device", "cpu", "--steps", "2", "--batch", "2",
                         "--tolerance", tolerance, NULL };
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                               test_child_dies_with_parent, NULL, output,
                               NULL, &status, &error));
  g_assert_no_error (error);
  return status;
}

static void
test_python_port (TempDir *dir, gconstpointer data)
{
  g_autofree char *backbone = backbone_file ();
  if (!g_file_test (backbone, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("../shared is absent: no MobileNetV2 file to export");
      return;
    }
  g_autofree char *folder = NULL;
  g_autofree char *targets = export_targets (dir, backbone, &folder);
  g_autofree char *teacher = g_build_filename (dir->path, "teacher_small.safetensors", NULL);
  g_autofree char *output = NULL, *refused_output = NULL;
  g_autoptr (GError) error = NULL;

  /* No port reproduces float32 results bit for bit: a zero tolerance must
   * stop it before it trains. */
  g_assert_false (g_spawn_check_wait_status (run_port (targets, folder, dir->path, "0",
                                                       &refused_output), NULL));
  g_assert_false (g_file_test (teacher, G_FILE_TEST_EXISTS));

  int status = run_port (targets, folder, dir->path, "1e-4", &output);
  g_test_message ("%s", output);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (output, "targets check"));

  g_autoptr (EadSafetensors) st = ead_safetensors_open (teacher, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "distill.steps"), ==, "2");
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "distill.taps"), ==, "blocks");
  g_autoptr (EadModel) model = ead_model_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_true (ead_model_load_teacher (model, teacher, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ead_torch_set_threads (0);
  g_test_add_func ("/distill/output-side", test_output_side);
  g_test_add_func ("/distill/teacher-names", test_teacher_names);
  g_test_add_func ("/distill/state-resume", test_state_resume);
  add_temp_dir_test ("/distill/pack", test_pack);
  add_temp_dir_test ("/distill/cancelled-while-loading", test_cancelled_while_loading);
  test_add_temp_dir_part ("shared", "/distill/run", test_run);
  test_add_temp_dir_part ("shared", "/distill/export-targets", test_export_targets);
  test_add_temp_dir_part ("shared", "/distill/python-port", test_python_port);
  return g_test_run ();
}

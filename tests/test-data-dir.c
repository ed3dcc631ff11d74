/* test-data-dir.c: the data files that come with the program, found from a
 * build tree (BUILD/tests beside BUILD/data), the shipped teacher (it loads
 * into a small model and says how it was made) and penalty images. */
#include <string.h>

#include "ead-data-dir.h"
#include "ead-dataset.h"
#include "ead-error.h"
#include "ead-image.h"
#include "ead-model.h"
#include "ead-safetensors.h"

static void
test_find (void)
{
  g_autofree char *table = ead_data_find ("imagenet/wnid-to-index.tsv");
  g_assert_nonnull (table);
  g_assert_true (g_path_is_absolute (table));
  g_assert_null (ead_data_find ("imagenet/no-such-file.tsv"));
}

static void
test_shipped_teacher (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ead_data_find_teacher (EAD_MODEL_SMALL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, "teachers/pdn_small.safetensors"));

  g_autoptr (EadModel) model = ead_model_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_no_error (error);
  g_assert_true (ead_model_load_teacher (model, path, &error));
  g_assert_no_error (error);

  /* Its provenance: what it was distilled from, how long, how well. */
  g_autoptr (EadSafetensors) st = ead_safetensors_open (path, &error);
  g_assert_no_error (error);
  const char *keys[] = { "distill.backbone", "distill.taps", "distill.projection",
                         "distill.sources", "distill.images", "distill.steps",
                         "distill.held_out_loss", "distill.date", "distill.targets_check" };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_nonnull (ead_safetensors_get_metadata (st, keys[i]));
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "size"), ==, "s");
  g_assert_cmpint (g_ascii_strtoll (ead_safetensors_get_metadata (st, "distill.steps"), NULL, 10),
                   >=, 10000);
  double held_out = g_ascii_strtod (ead_safetensors_get_metadata (st, "distill.held_out_loss"),
                                    NULL);
  g_assert_cmpfloat (held_out, >, 0.0);
  g_assert_cmpfloat (held_out, <, 0.6);
}

/* The shipped penalty images: each one loads, is small, and has its
 * attribution in COPYRIGHT beside it. */
static void
test_shipped_penalty_images (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = ead_data_find_penalty_images (&error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (folder, "penalty"));

  g_autofree char *copyright_path = g_build_filename (folder, "COPYRIGHT", NULL);
  g_autofree char *copyright = NULL;
  g_assert_true (g_file_get_contents (copyright_path, &copyright, NULL, &error));
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (folder, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, >=, 10);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr (EadImage) image = ead_image_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (MAX (ead_image_get_width (image), ead_image_get_height (image)), <=, 512);
      g_autofree char *name = g_path_get_basename (path);
      g_autofree char *listed = g_strdup_printf ("- %s", name);
      g_assert_nonnull (strstr (copyright, listed));
    }
}

static void
test_no_medium_teacher (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ead_data_find_teacher (EAD_MODEL_MEDIUM, &error);
  g_assert_null (path);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "--teacher"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data/find", test_find);
  g_test_add_func ("/data/shipped-teacher", test_shipped_teacher);
  g_test_add_func ("/data/shipped-penalty-images", test_shipped_penalty_images);
  g_test_add_func ("/data/no-medium-teacher", test_no_medium_teacher);
  return g_test_run ();
}

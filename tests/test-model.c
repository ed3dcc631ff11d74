/* test-model.c: the model file: round trip, teacher import, and every way a
 * model file can be wrong. */

#include <glib/gstdio.h>
#include <math.h>

#include "ead-error.h"
#include "ead-model.h"
#include "torch/ead-torch.h"   /* the shim: to look at the weights */

typedef struct {
  char *dir;
  char *path;      /* a valid, calibrated model with a threshold */
  EadModel *model;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("ead-model-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "model.safetensors", NULL);
  ead_torch_manual_seed (5);
  f->model = ead_model_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_no_error (error);
  EadQuantiles q = { 0.125, 0.5, 0.25, 1.0 / 3.0 };
  ead_model_set_quantiles (f->model, &q);
  ead_model_set_threshold (f->model, 0.0625);
  ead_model_set_provenance (f->model, "dataset", "bottle");
  g_assert_true (ead_model_save (f->model, f->path, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  ead_model_free (f->model);
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static float *
read_named (EadModel *model, const char *name, gsize *n)
{
  EadNets *nets = ead_model_get_nets (model);
  int index = ead_nets_find_tensor (nets, name);
  g_assert_cmpint (index, >=, 0);
  *n = ead_nets_get_tensor_n_elements (nets, index);
  float *values = g_new (float, *n);
  g_assert_true (ead_nets_read_tensor (nets, index, values, NULL));
  return values;
}

static void
assert_same_tensor (EadModel *a, EadModel *b, const char *name)
{
  gsize na, nb;
  g_autofree float *va = read_named (a, name, &na);
  g_autofree float *vb = read_named (b, name, &nb);
  g_assert_cmpmem (va, na * sizeof (float), vb, nb * sizeof (float));
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadModel) loaded = ead_model_load (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ead_model_get_size (loaded), ==, EAD_MODEL_SMALL);
  g_assert_cmpint (ead_model_get_image_size (loaded), ==, 256);
  g_assert_true (ead_model_is_calibrated (loaded));
  const EadQuantiles *q = ead_model_get_quantiles (loaded);
  /* Doubles survive the text metadata exactly. */
  g_assert_cmpfloat (q->st_start, ==, 0.125);
  g_assert_cmpfloat (q->ae_end, ==, 1.0 / 3.0);
  g_assert_true (ead_model_has_threshold (loaded));
  g_assert_cmpfloat (ead_model_get_threshold (loaded), ==, 0.0625);
  g_assert_cmpstr (ead_model_get_provenance (loaded, "dataset"), ==, "bottle");
  assert_same_tensor (f->model, loaded, "teacher.0.weight");
  assert_same_tensor (f->model, loaded, "student.8.bias");
  assert_same_tensor (f->model, loaded, "autoencoder.38.weight");
  assert_same_tensor (f->model, loaded, "teacher_std");
}

/* A model that mixes its maps otherwise says so in a version 2 file, which
 * older programs refuse; the paper's mean stays a version 1 file. Setting
 * a new weight clears the threshold: it was in the old fused units. */
static void
test_local_weight (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadSafetensors) plain = ead_safetensors_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (plain, "format_version"), ==, "1");
  g_assert_null (ead_safetensors_get_metadata (plain, "local_weight"));
  g_assert_cmpfloat (ead_model_get_local_weight (f->model), ==, 0.5);

  ead_model_set_local_weight (f->model, 0.5);
  g_assert_true (ead_model_has_threshold (f->model));
  ead_model_set_local_weight (f->model, 0.75);
  g_assert_false (ead_model_has_threshold (f->model));
  g_autofree char *path = g_build_filename (f->dir, "weighted.safetensors", NULL);
  g_assert_true (ead_model_save (f->model, path, &error));
  g_assert_no_error (error);
  g_autoptr (EadSafetensors) weighted = ead_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (weighted, "format_version"), ==, "2");
  g_assert_cmpstr (ead_safetensors_get_metadata (weighted, "local_weight"), ==, "0.75");
  g_autoptr (EadModel) loaded = ead_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ead_model_get_local_weight (loaded), ==, 0.75);
  g_assert_null (ead_model_get_provenance (loaded, "local_weight"));
}

/* The file is plain safetensors with the documented metadata. */
static void
test_file_is_safetensors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadSafetensors) st = ead_safetensors_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "format"), ==, "efficientad-model");
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "model_size"), ==, "small");
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "image_size"), ==, "256");
  g_assert_nonnull (ead_safetensors_find (st, "student.0.weight"));
}

static void
assert_load_fails (const char *path, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadModel) model = ead_model_load (path, &error);
  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (code >= 0)
    g_assert_error (error, EAD_ERROR, code);
  if (fragment)
    g_assert_nonnull (strstr (error->message, fragment));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_truncated (Fixture *f, gconstpointer data)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  g_autofree char *cut = g_build_filename (f->dir, "cut.safetensors", NULL);
  const gsize lengths[] = { 0, 4, 8, 9, 100, 1000, length / 2, length - 1 };
  for (gsize i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_assert_true (g_file_set_contents (cut, contents, lengths[i], NULL));
      assert_load_fails (cut, -1, cut);
    }
}

static void
test_not_safetensors (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (path, "these are not weights, just some text\n", -1, NULL));
  assert_load_fails (path, EAD_ERROR_BAD_FILE, path);
  assert_load_fails ("/nonexistent/model.safetensors", EAD_ERROR_IO, NULL);
}

/* Rewrites the fixture's file with one metadata entry changed. */
static char *
write_variant (Fixture *f, const char *name, const char *key, const char *value,
               const char *drop_tensor)
{
  g_autoptr (EadSafetensors) st = ead_safetensors_open (f->path, NULL);
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  for (guint i = 0; i < ead_safetensors_get_n_tensors (st); i++)
    {
      const EadTensorView *t = ead_safetensors_get_tensor (st, i);
      if (g_strcmp0 (t->name, drop_tensor) != 0)
        ead_safetensors_writer_add (writer, t->name, t->dtype, t->n_dims, t->shape, t->data, t->n_bytes);
    }
  for (const char *const *k = ead_safetensors_get_metadata_keys (st); *k; k++)
    ead_safetensors_writer_set_metadata (writer, *k, ead_safetensors_get_metadata (st, *k));
  if (key)
    ead_safetensors_writer_set_metadata (writer, key, value);
  char *path = g_build_filename (f->dir, name, NULL);
  g_assert_true (ead_safetensors_writer_save (writer, path, NULL));
  return path;
}

static void
test_newer_version (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_variant (f, "v99.safetensors", "format_version", "99", NULL);
  assert_load_fails (path, EAD_ERROR_INCOMPATIBLE, "newer");
}

static void
test_foreign_safetensors (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_variant (f, "foreign.safetensors", "format", "something-else", NULL);
  assert_load_fails (path, EAD_ERROR_BAD_FILE, "not an EfficientAD model");
}

static void
test_bad_metadata (Fixture *f, gconstpointer data)
{
  g_autofree char *size = write_variant (f, "size.safetensors", "image_size", "300", NULL);
  assert_load_fails (size, EAD_ERROR_BAD_FILE, "image_size");
  g_autofree char *kind = write_variant (f, "kind.safetensors", "model_size", "huge", NULL);
  assert_load_fails (kind, EAD_ERROR_BAD_FILE, "model_size");
  g_autofree char *nan = write_variant (f, "nan.safetensors", "threshold", "nan", NULL);
  assert_load_fails (nan, EAD_ERROR_BAD_FILE, "threshold");
  g_autofree char *order = write_variant (f, "order.safetensors", "quantile_st_end", "0.0", NULL);
  assert_load_fails (order, EAD_ERROR_BAD_FILE, "quantiles");
  g_autofree char *weight = write_variant (f, "weight.safetensors", "local_weight", "1.5", NULL);
  assert_load_fails (weight, EAD_ERROR_BAD_FILE, "local_weight");
  g_autofree char *word = write_variant (f, "word.safetensors", "local_weight", "half", NULL);
  assert_load_fails (word, EAD_ERROR_BAD_FILE, "local_weight");
}

static void
test_missing_tensor (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_variant (f, "missing.safetensors", NULL, NULL, "student.3.weight");
  assert_load_fails (path, EAD_ERROR_BAD_FILE, "student.3.weight");
}

static void
test_teacher_import (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  /* A bare reference-style teacher file: "0.weight", "3.weight", ... */
  g_autoptr (EadSafetensors) st = ead_safetensors_open (f->path, &error);
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  for (guint i = 0; i < ead_safetensors_get_n_tensors (st); i++)
    {
      const EadTensorView *t = ead_safetensors_get_tensor (st, i);
      if (g_str_has_prefix (t->name, "teacher."))
        ead_safetensors_writer_add (writer, t->name + strlen ("teacher."), t->dtype, t->n_dims,
                                    t->shape, t->data, t->n_bytes);
    }
  g_autofree char *bare = g_build_filename (f->dir, "teacher_small.safetensors", NULL);
  g_assert_true (ead_safetensors_writer_save (writer, bare, &error));

  ead_torch_manual_seed (99);
  g_autoptr (EadModel) fresh = ead_model_new (EAD_MODEL_SMALL, 256, &error);
  g_assert_true (ead_model_load_teacher (fresh, bare, &error));
  g_assert_no_error (error);
  assert_same_tensor (f->model, fresh, "teacher.6.weight");
  /* Our own model files work as teachers too. */
  g_assert_true (ead_model_load_teacher (fresh, f->path, &error));

  /* A small teacher does not fit a medium model. */
  g_autoptr (EadModel) medium = ead_model_new (EAD_MODEL_MEDIUM, 256, &error);
  g_assert_false (ead_model_load_teacher (medium, bare, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
}

/* A failed save leaves the existing file whole. */
static void
test_failed_save_keeps_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (ead_model_save (f->model, "/nonexistent-dir/model.safetensors", &error));
  g_assert_nonnull (error);
  g_autoptr (GError) load_error = NULL;
  g_autoptr (EadModel) still = ead_model_load (f->path, &load_error);
  g_assert_no_error (load_error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ead_torch_set_threads (0);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/model/round-trip", test_round_trip);
  ADD ("/model/local-weight", test_local_weight);
  ADD ("/model/file-is-safetensors", test_file_is_safetensors);
  ADD ("/model/truncated", test_truncated);
  ADD ("/model/not-safetensors", test_not_safetensors);
  ADD ("/model/newer-version", test_newer_version);
  ADD ("/model/foreign-safetensors", test_foreign_safetensors);
  ADD ("/model/bad-metadata", test_bad_metadata);
  ADD ("/model/missing-tensor", test_missing_tensor);
  ADD ("/model/teacher-import", test_teacher_import);
  ADD ("/model/failed-save-keeps-file", test_failed_save_keeps_file);
  return g_test_run ();
}

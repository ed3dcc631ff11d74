/* test-model.c: the model file: round trip, teacher import, and every way a
 * model file can be wrong. */

#include <glib/gstdio.h>
#include <math.h>

#include "ead-error.h"
#include "ead-image.h"
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

/* A tiled model says so in a version 3 file, which older programs refuse
 * (they would score the whole image at the tile's size). */
static void
test_tiles (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (ead_model_get_tiles (f->model), ==, 1);
  g_assert_true (ead_model_is_calibrated (f->model) && ead_model_has_threshold (f->model));
  /* The same tiling keeps the calibration; another clears it, with the
   * threshold in its units. */
  ead_model_set_tiles (f->model, 1);
  g_assert_true (ead_model_is_calibrated (f->model));
  ead_model_set_tiles (f->model, 3);
  g_assert_false (ead_model_is_calibrated (f->model));
  g_assert_false (ead_model_has_threshold (f->model));
  g_autofree char *path = g_build_filename (f->dir, "tiled.safetensors", NULL);
  g_assert_true (ead_model_save (f->model, path, &error));
  g_assert_no_error (error);
  g_autoptr (EadSafetensors) st = ead_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "format_version"), ==, "3");
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "tiles"), ==, "3");
  g_autoptr (EadModel) loaded = ead_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ead_model_get_tiles (loaded), ==, 3);
  g_assert_null (ead_model_get_provenance (loaded, "tiles"));
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

/* A writer holding the fixture's file but for @drop_tensor. */
static EadSafetensorsWriter *
copy_fixture (Fixture *f, const char *drop_tensor)
{
  g_autoptr (EadSafetensors) st = ead_safetensors_open (f->path, NULL);
  EadSafetensorsWriter *writer = ead_safetensors_writer_new ();
  for (guint i = 0; i < ead_safetensors_get_n_tensors (st); i++)
    {
      const EadTensorView *t = ead_safetensors_get_tensor (st, i);
      if (g_strcmp0 (t->name, drop_tensor) != 0)
        ead_safetensors_writer_add (writer, t->name, t->dtype, t->n_dims, t->shape, t->data, t->n_bytes);
    }
  for (const char *const *k = ead_safetensors_get_metadata_keys (st); *k; k++)
    ead_safetensors_writer_set_metadata (writer, *k, ead_safetensors_get_metadata (st, *k));
  return writer;
}

static char *
save_in_fixture (Fixture *f, EadSafetensorsWriter *writer, const char *name)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_assert_true (ead_safetensors_writer_save (writer, path, NULL));
  return path;
}

/* Rewrites the fixture's file with one metadata entry changed. */
static char *
write_variant (Fixture *f, const char *name, const char *key, const char *value,
               const char *drop_tensor)
{
  g_autoptr (EadSafetensorsWriter) writer = copy_fixture (f, drop_tensor);
  if (key)
    ead_safetensors_writer_set_metadata (writer, key, value);
  return save_in_fixture (f, writer, name);
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
  /* A gap no float map resolves would scale maps to infinity. */
  g_autofree char *gap = write_variant (f, "gap.safetensors", "quantile_st_end", "0.1250000000001",
                                        NULL);
  assert_load_fails (gap, EAD_ERROR_BAD_FILE, "quantiles");
  g_autofree char *weight = write_variant (f, "weight.safetensors", "local_weight", "1.5", NULL);
  assert_load_fails (weight, EAD_ERROR_BAD_FILE, "local_weight");
  g_autofree char *word = write_variant (f, "word.safetensors", "local_weight", "half", NULL);
  assert_load_fails (word, EAD_ERROR_BAD_FILE, "local_weight");
  /* "2" is refused too: the fixture is a version 1 file. */
  const char *bad_tiles[] = { "0", "9", "-1", "2x", "", "99999999999999999999", "2" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad_tiles); i++)
    {
      g_autofree char *tiles = write_variant (f, "tiles.safetensors", "tiles", bad_tiles[i], NULL);
      assert_load_fails (tiles, EAD_ERROR_BAD_FILE, "tiles");
    }
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

/* ---- Regions of interest ---- */

static EadRoi *
two_rects_roi (void)
{
  const int rects[][4] = { { 2, 1, 3, 2 }, { 6, 4, 2, 1 } };
  g_autoptr (GError) error = NULL;
  EadRoi *roi = ead_roi_new_from_rects (rects, G_N_ELEMENTS (rects), 8, 5, &error);
  g_assert_no_error (error);
  return roi;
}

static void
test_roi_from_rects (void)
{
  g_autoptr (EadRoi) roi = two_rects_roi ();
  const char *expected = "........"
                         "..###..."
                         "..###..."
                         "........"
                         "......##";
  g_assert_cmpint (roi->width, ==, 8);
  g_assert_cmpint (roi->height, ==, 5);
  for (int i = 0; i < 40; i++)
    g_assert_cmpint (roi->mask[i], ==, expected[i] == '#' ? 255 : 0);
  g_assert_cmpstr (roi->source, ==, "rect 2,1,3,2; rect 6,4,2,1");
  g_assert_cmpfloat (ead_roi_inspected_fraction (roi), ==, 8.0 / 40.0);

  const int outside[][4] = { { 6, 4, 3, 1 } }, empty[][4] = { { 1, 1, 0, 2 } },
            huge[][4] = { { 1, 1, G_MAXINT, 1 } };
  const int (*bad[])[4] = { outside, empty, huge };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (ead_roi_new_from_rects (bad[i], 1, 8, 5, &error));
      g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
      g_assert_nonnull (strstr (error->message, "does not lie inside the 8 x 5 image"));
    }
}

/* Pixels whose centres lie inside: a rectangle's corners take exactly its
 * pixels, a triangle those under its diagonal; a base mask is resized. */
static void
test_roi_from_polygons (void)
{
  const int rect[][2] = { { 5, 1 }, { 8, 1 }, { 8, 3 }, { 5, 3 } };
  const int triangle[][2] = { { 0, 0 }, { 4, 0 }, { 0, 4 } };
  const EadRoiPolygon shapes[] = { { rect, 4 }, { triangle, 3 } };
  g_autoptr (GError) error = NULL;
  g_autoptr (EadRoi) roi = ead_roi_new_from_polygons (NULL, shapes, 2, 8, 6, &error);
  const char *expected = "###....."
                         "##...###"
                         "#....###"
                         "........"
                         "........"
                         "........";
  g_assert_no_error (error);
  for (int i = 0; i < 48; i++)
    g_assert_cmpint (roi->mask[i], ==, expected[i] == '#' ? 255 : 0);
  g_assert_cmpstr (roi->source, ==, "rect 5,1,3,2; polygon 0,0 4,0 0,4");

  /* The same rectangle drawn as rectangles are. */
  const int as_rect[][4] = { { 5, 1, 3, 2 } };
  g_autoptr (EadRoi) rect_roi = ead_roi_new_from_polygons (NULL, shapes, 1, 8, 6, NULL);
  g_autoptr (EadRoi) from_rects = ead_roi_new_from_rects (as_rect, 1, 8, 6, NULL);
  g_assert_cmpmem (rect_roi->mask, 48, from_rects->mask, 48);
  g_assert_cmpstr (rect_roi->source, ==, from_rects->source);

  /* A 4 x 3 base lit in its last cell covers the 8 x 6 image's last 2 x 2. */
  const guint8 corner[] = { 0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 255 };
  g_autoptr (EadRoi) base = ead_roi_new (corner, 4, 3, "mask corner.png", NULL);
  g_autoptr (EadRoi) combined = ead_roi_new_from_polygons (base, &shapes[1], 1, 8, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (combined->source, ==, "mask corner.png; polygon 0,0 4,0 0,4");
  g_assert_cmpfloat (ead_roi_inspected_fraction (combined), ==, 10.0 / 48.0);
  g_assert_cmpint (combined->mask[5 * 8 + 7], ==, 255);
  g_assert_cmpint (combined->mask[3 * 8 + 5], ==, 0);

  /* Two corners, a corner outside, a sliver that holds no pixel centre. */
  const int line[][2] = { { 0, 0 }, { 4, 4 } };
  const int outside[][2] = { { 0, 0 }, { 9, 0 }, { 0, 4 } };
  const int sliver[][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 } };
  const EadRoiPolygon bad[] = { { line, 2 }, { outside, 3 }, { sliver, 3 } };
  const char *fragments[] = { "fewer than 3 corners", "outside the 8 x 6 image", "empty" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) bad_error = NULL;
      g_assert_null (ead_roi_new_from_polygons (NULL, &bad[i], 1, 8, 6, &bad_error));
      g_assert_error (bad_error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
      g_assert_nonnull (strstr (bad_error->message, fragments[i]));
    }
}

static void
test_roi_checks_masks (void)
{
  const guint8 grey[] = { 0, 255, 128, 0 }, black[] = { 0, 0, 0, 0 }, fine[] = { 0, 255, 0, 0 };
  struct { const guint8 *mask; int width, height; const char *fragment; } cases[] = {
    { grey, 2, 2, "only 0 and 255" },
    { black, 2, 2, "empty" },
    { fine, 0, 4, "out of bounds" },
    { fine, EAD_ROI_MAX_SIDE + 1, 1, "out of bounds" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (ead_roi_new (cases[i].mask, cases[i].width, cases[i].height, "test", &error));
      g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
      g_assert_nonnull (strstr (error->message, cases[i].fragment));
    }
  g_autoptr (EadRoi) roi = ead_roi_new (fine, 2, 2, "test", NULL);
  g_assert_nonnull (roi);
}

/* Nearest neighbour at pixel centres: each output pixel takes the source
 * pixel under its centre. */
static void
test_roi_resize (void)
{
  g_autoptr (EadRoi) roi = two_rects_roi ();
  /* Halving keeps the odd columns and rows' pixels (centres at 1, 3, ...). */
  g_autofree guint8 *half = ead_roi_resize (roi, 4, 2);
  const guint8 expected_half[] = { 0, 255, 0, 0,  0, 0, 0, 0 };
  g_assert_cmpmem (half, sizeof expected_half, expected_half, sizeof expected_half);
  /* Doubling repeats each pixel twice. */
  g_autofree guint8 *twice = ead_roi_resize (roi, 16, 10);
  for (int y = 0; y < 10; y++)
    for (int x = 0; x < 16; x++)
      g_assert_cmpint (twice[y * 16 + x], ==, roi->mask[(y / 2) * 8 + x / 2]);
  /* A 2 x 2 map padded by 1 covers the 4 x 4 grid's middle. */
  g_autofree guint8 *cells = ead_roi_resize_to_map (roi, 2, 1);
  const guint8 expected_cells[] = { 255, 0,  0, 0 };
  g_assert_cmpmem (cells, sizeof expected_cells, expected_cells, sizeof expected_cells);
}

static void
test_roi_from_image_file (Fixture *f, gconstpointer data)
{
  /* White and light grey are inspected, dark grey and black are not. */
  const guint8 rgb[] = { 255, 255, 255,  200, 190, 180,  100, 100, 100,  0, 0, 0 };
  g_autoptr (EadImage) image = ead_image_new_from_rgb8 (rgb, 2, 2, 6);
  g_autofree char *path = g_build_filename (f->dir, "roi.png", NULL);
  g_assert_true (ead_image_save_png (image, path, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (EadRoi) roi = ead_roi_new_from_image_file (path, &error);
  g_assert_no_error (error);
  const guint8 expected[] = { 255, 255, 0, 0 };
  g_assert_cmpmem (roi->mask, 4, expected, 4);
  g_assert_cmpstr (roi->source, ==, "mask roi.png");

  const guint8 dark[] = { 0, 0, 0,  20, 20, 20 };
  g_autoptr (EadImage) black = ead_image_new_from_rgb8 (dark, 2, 1, 6);
  g_assert_true (ead_image_save_png (black, path, NULL));
  g_assert_null (ead_roi_new_from_image_file (path, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "not an image", -1, NULL));
  g_assert_null (ead_roi_new_from_image_file (path, &error));
  g_assert_nonnull (error);
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_roi_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (EadRoi) roi = two_rects_roi ();
  ead_model_set_roi (f->model, roi);
  g_autofree char *path = g_build_filename (f->dir, "roi.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ead_model_save (f->model, path, &error));
  g_autoptr (EadModel) loaded = ead_model_load (path, &error);
  g_assert_no_error (error);
  const EadRoi *back = ead_model_get_roi (loaded);
  g_assert_nonnull (back);
  g_assert_cmpint (back->width, ==, 8);
  g_assert_cmpint (back->height, ==, 5);
  g_assert_cmpmem (back->mask, 40, roi->mask, 40);
  g_assert_cmpstr (back->source, ==, roi->source);
  g_assert_null (ead_model_get_provenance (loaded, "roi"));

  /* The file says version 2 and holds the mask as U8 [height, width]. */
  g_autoptr (EadSafetensors) st = ead_safetensors_open (path, &error);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "format_version"), ==, "2");
  const EadTensorView *tensor = ead_safetensors_find (st, "roi");
  g_assert_cmpint (tensor->dtype, ==, EAD_DTYPE_U8);
  g_assert_cmpint (tensor->n_dims, ==, 2);
  g_assert_cmpint (tensor->shape[0], ==, 5);
  g_assert_cmpint (tensor->shape[1], ==, 8);
}

/* Without a region of interest the file is what it was before there were
 * any: version 1, no "roi", byte for byte. */
static void
test_roi_cleared_file_unchanged (Fixture *f, gconstpointer data)
{
  g_autoptr (EadRoi) roi = two_rects_roi ();
  ead_model_set_roi (f->model, roi);
  ead_model_set_roi (f->model, NULL);
  g_assert_null (ead_model_get_roi (f->model));
  g_autofree char *path = g_build_filename (f->dir, "again.safetensors", NULL);
  g_assert_true (ead_model_save (f->model, path, NULL));
  g_autofree char *before = NULL, *after = NULL;
  gsize n_before, n_after;
  g_assert_true (g_file_get_contents (f->path, &before, &n_before, NULL));
  g_assert_true (g_file_get_contents (path, &after, &n_after, NULL));
  g_assert_cmpmem (before, n_before, after, n_after);
  g_autoptr (EadSafetensors) st = ead_safetensors_open (path, NULL);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "format_version"), ==, "1");
  g_assert_null (ead_safetensors_find (st, "roi"));
}

/* The fixture's file with a "roi" tensor of the given make and source. */
static char *
write_roi_variant (Fixture *f, const char *name, EadDtype dtype, int n_dims,
                   const gint64 *shape, const void *data, gsize n_bytes, const char *source)
{
  g_autoptr (EadSafetensorsWriter) writer = copy_fixture (f, NULL);
  if (data)
    ead_safetensors_writer_add (writer, "roi", dtype, n_dims, shape, data, n_bytes);
  if (source)
    ead_safetensors_writer_set_metadata (writer, "roi", source);
  ead_safetensors_writer_set_metadata (writer, "format_version", "2");
  return save_in_fixture (f, writer, name);
}

static void
test_roi_bad_files (Fixture *f, gconstpointer data)
{
  const guint8 mask[] = { 0, 255, 255, 0, 0, 0 }, grey[] = { 0, 7, 0, 0, 0, 0 },
               black[6] = { 0 };
  const float floats[6] = { 0, 255, 0, 0, 0, 0 };
  const gint64 shape[] = { 2, 3 }, flat[] = { 6 }, cube[] = { 1, 2, 3 }, none[] = { 0, 3 };
  struct {
    const char *name;
    EadDtype dtype;
    int n_dims;
    const gint64 *shape;
    const void *data;
    gsize n_bytes;
    const char *source, *fragment;
  } cases[] = {
    { "f32.safetensors", EAD_DTYPE_F32, 2, shape, floats, sizeof floats, "rect", "not a U8 mask" },
    { "flat.safetensors", EAD_DTYPE_U8, 1, flat, mask, 6, "rect", "not a U8 mask" },
    { "cube.safetensors", EAD_DTYPE_U8, 3, cube, mask, 6, "rect", "not a U8 mask" },
    { "none.safetensors", EAD_DTYPE_U8, 2, none, mask, 0, "rect", "out of bounds" },
    { "grey.safetensors", EAD_DTYPE_U8, 2, shape, grey, 6, "rect", "only 0 and 255" },
    { "black.safetensors", EAD_DTYPE_U8, 2, shape, black, 6, "rect", "empty" },
    { "nosource.safetensors", EAD_DTYPE_U8, 2, shape, mask, 6, NULL, "needs both" },
    { "nomask.safetensors", EAD_DTYPE_U8, 2, shape, NULL, 0, "rect", "needs both" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_roi_variant (f, cases[i].name, cases[i].dtype,
                                                 cases[i].n_dims, cases[i].shape, cases[i].data,
                                                 cases[i].n_bytes, cases[i].source);
      assert_load_fails (path, EAD_ERROR_BAD_FILE, cases[i].fragment);
    }

  /* A good one loads, and cut anywhere, fails in one line. */
  g_autofree char *good = write_roi_variant (f, "good.safetensors", EAD_DTYPE_U8, 2, shape, mask,
                                             6, "rect 1,0,2,1");
  g_autoptr (EadModel) model = ead_model_load (good, NULL);
  g_assert_nonnull (model);
  g_assert_cmpstr (ead_model_get_roi (model)->source, ==, "rect 1,0,2,1");
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (good, &contents, &length, NULL));
  g_autofree char *cut = g_build_filename (f->dir, "cut.safetensors", NULL);
  for (gsize drop = 1; drop <= 8; drop++)
    {
      g_assert_true (g_file_set_contents (cut, contents, length - drop, NULL));
      assert_load_fails (cut, -1, cut);
    }
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
  ADD ("/model/tiles", test_tiles);
  ADD ("/model/file-is-safetensors", test_file_is_safetensors);
  ADD ("/model/truncated", test_truncated);
  ADD ("/model/not-safetensors", test_not_safetensors);
  ADD ("/model/newer-version", test_newer_version);
  ADD ("/model/foreign-safetensors", test_foreign_safetensors);
  ADD ("/model/bad-metadata", test_bad_metadata);
  ADD ("/model/missing-tensor", test_missing_tensor);
  ADD ("/model/teacher-import", test_teacher_import);
  ADD ("/model/failed-save-keeps-file", test_failed_save_keeps_file);
  g_test_add_func ("/model/roi/from-rects", test_roi_from_rects);
  g_test_add_func ("/model/roi/from-polygons", test_roi_from_polygons);
  g_test_add_func ("/model/roi/checks-masks", test_roi_checks_masks);
  g_test_add_func ("/model/roi/resize", test_roi_resize);
  ADD ("/model/roi/from-image-file", test_roi_from_image_file);
  ADD ("/model/roi/round-trip", test_roi_round_trip);
  ADD ("/model/roi/cleared-file-unchanged", test_roi_cleared_file_unchanged);
  ADD ("/model/roi/bad-files", test_roi_bad_files);
  return g_test_run ();
}

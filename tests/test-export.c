/* test-export.c: efficientad export as the line's programs use its files:
 * TorchScript in Python (Debian's python3-torch), ONNX through the ONNX
 * checker (python3-onnx) and ONNX Runtime (onnxruntime-node), each against
 * the engine and the runtime library on the same images; PDN-M at another
 * image size; bad inputs get one-line errors and leave nothing behind. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "efficientad.h"
#include "ead-calibrate.h"
#include "ead-dataset.h"
#include "ead-error.h"
#include "torch/ead-graph.h"
#include "ead-image.h"
#include "ead-model.h"
#include "ead-score.h"
#include "test-util.h"

#define PYTHON "/usr/bin/python3"
#define THRESHOLD 0.3
#define PROVENANCE_NOTE "瓶子, test-export"

static char *scratch;
static GPtrArray *source_images;   /* of EadImage, at their own size */

/* Scores and maps of n images, laid out as the export scripts write them:
 * n scores, then the n fused, local and global maps of side x side. */
typedef struct {
  guint n;
  int side;
  float *data;
} Outputs;

static gsize
outputs_length (guint n, int side)
{
  return n + 3 * (gsize) n * side * side;
}

static float *
outputs_map (const Outputs *o, int which, guint image)
{
  const gsize plane = (gsize) o->side * o->side;
  return o->data + o->n + ((gsize) which * o->n + image) * plane;
}

enum { MAP_FUSED, MAP_LOCAL, MAP_GLOBAL };

static void
outputs_clear (Outputs *o)
{
  g_clear_pointer (&o->data, g_free);
}

/* A model with its images at the model's size, their network input, and
 * what each way of scoring made of them. */
typedef struct {
  char *name;
  EadModel *model;
  char *model_path;
  GPtrArray *images;   /* of EadImage */
  char *input_path;    /* n x 3 x S x S floats in [0, 1] */
  Outputs engine, runtime, torchscript, onnx;
  JsonNode *torchscript_info;
  JsonNode *onnx_info;
} Case;

static Case *small_case;

static char *
scratch_path (const Case *c, const char *suffix)
{
  g_autofree char *name = g_strconcat (c->name, suffix, NULL);
  return g_build_filename (scratch, name, NULL);
}

static JsonObject *
member_object (JsonNode *node, const char *name)
{
  return json_object_get_object_member (json_node_get_object (node), name);
}

static void
engine_outputs (Case *c)
{
  const int side = ead_model_get_image_size (c->model);
  c->engine = (Outputs) { c->images->len, side, g_new (float, outputs_length (c->images->len, side)) };
  for (guint i = 0; i < c->images->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_auto (EadScoreResult) result = { 0 };
      g_assert_true (ead_model_score (c->model, c->images->pdata[i], EAD_PRECISION_FP32,
                                      EAD_SCORE_MAPS, &result, &error));
      g_assert_no_error (error);
      const gsize plane = (gsize) side * side;
      c->engine.data[i] = result.score;
      memcpy (outputs_map (&c->engine, MAP_FUSED, i), result.fused, plane * sizeof (float));
      memcpy (outputs_map (&c->engine, MAP_LOCAL, i), result.local, plane * sizeof (float));
      memcpy (outputs_map (&c->engine, MAP_GLOBAL, i), result.global, plane * sizeof (float));
    }
}

/* The same images through libefficientad, as a C program on the line. */
static void
runtime_outputs (Case *c)
{
  const int side = c->engine.side;
  c->runtime = (Outputs) { c->images->len, side, g_new (float, outputs_length (c->images->len, side)) };
  EfficientadModel *model = NULL;
  g_assert_cmpint (efficientad_model_load (c->model_path, &model), ==, EFFICIENTAD_OK);
  for (guint i = 0; i < c->images->len; i++)
    {
      EfficientadScoreOptions options = efficientad_score_options_default ();
      options.fused_map = outputs_map (&c->runtime, MAP_FUSED, i);
      options.local_map = outputs_map (&c->runtime, MAP_LOCAL, i);
      options.global_map = outputs_map (&c->runtime, MAP_GLOBAL, i);
      EfficientadResult result;
      g_assert_cmpint (efficientad_score (model, ead_image_get_pixels (c->images->pdata[i]),
                                          (size_t) side * side * 3, EFFICIENTAD_FORMAT_RGB8,
                                          side, side, (size_t) side * 3, &options, &result),
                       ==, EFFICIENTAD_OK);
      c->runtime.data[i] = result.score;
    }
  efficientad_model_free (model);
}

static void
write_input (Case *c)
{
  const int side = ead_model_get_image_size (c->model);
  const gsize per_image = 3 * (gsize) side * side;
  g_autofree float *input = g_new (float, per_image * c->images->len);
  for (guint i = 0; i < c->images->len; i++)
    ead_image_to_float (c->images->pdata[i], input + i * per_image);
  c->input_path = scratch_path (c, "-input.f32");
  g_autoptr (GError) error = NULL;
  g_file_set_contents (c->input_path, (const char *) input,
                       per_image * c->images->len * sizeof (float), &error);
  g_assert_no_error (error);
}

/* A seeded model calibrated on the first two images of @images (teacher
 * statistics and map quantiles, within @roi when not NULL), so that maps
 * and scores vary as a trained model's do, its fused map mixing the maps
 * by @local_weight. */
static Case *
case_new (const char *name, EadModelSize size, int image_size, double local_weight,
          gboolean with_threshold, const EadRoi *roi)
{
  Case *c = g_new0 (Case, 1);
  c->name = g_strdup (name);
  g_autoptr (GError) error = NULL;
  ead_torch_manual_seed (11);
  c->model = ead_model_new (size, image_size, &error);
  g_assert_no_error (error);
  c->images = g_ptr_array_new_with_free_func ((GDestroyNotify) ead_image_free);
  for (guint i = 0; i < source_images->len; i++)
    g_ptr_array_add (c->images, ead_image_resize (source_images->pdata[i], image_size, image_size));

  EadImage **calibration = (EadImage **) c->images->pdata;
  g_autoptr (GPtrArray) cached = ead_calibrate_teacher (c->model, calibration, 2, 0, NULL, &error);
  g_assert_no_error (error);
  ead_model_set_roi (c->model, roi);
  g_assert_true (ead_calibrate_quantiles (c->model, calibration, 2, EAD_PRECISION_FP32, NULL, &error));
  g_assert_no_error (error);
  ead_model_set_local_weight (c->model, local_weight);
  if (with_threshold)
    ead_model_set_threshold (c->model, THRESHOLD);
  ead_model_set_provenance (c->model, "dataset", "bottle");
  ead_model_set_provenance (c->model, "note", PROVENANCE_NOTE);
  c->model_path = scratch_path (c, ".safetensors");
  g_assert_true (ead_model_save (c->model, c->model_path, &error));
  g_assert_no_error (error);

  write_input (c);
  engine_outputs (c);
  return c;
}

static void
case_free (Case *c)
{
  ead_model_free (c->model);
  g_ptr_array_unref (c->images);
  outputs_clear (&c->engine);
  outputs_clear (&c->runtime);
  outputs_clear (&c->torchscript);
  outputs_clear (&c->onnx);
  g_clear_pointer (&c->torchscript_info, json_node_unref);
  g_clear_pointer (&c->onnx_info, json_node_unref);
  g_free (c->input_path);
  g_free (c->model_path);
  g_free (c->name);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Case, case_free)

static char *
export_case (Case *c, const char *format, const char *suffix)
{
  char *path = scratch_path (c, suffix);
  g_auto (TestRun) run = test_run_cli ("export", c->model_path, "--format", format, "-o", path, NULL);
  g_test_message ("%s%s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_true (g_str_has_prefix (run.out, "wrote "));
  return path;
}

static void
read_outputs (Case *c, const char *path, Outputs *outputs)
{
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize length = 0;
  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  *outputs = (Outputs) { c->engine.n, c->engine.side, (float *) data };
  g_assert_cmpuint (length, ==, outputs_length (outputs->n, outputs->side) * sizeof (float));
}

/* Runs @argv, which prints a JSON object, and returns that object. */
static JsonNode *
run_json (const char *const *argv)
{
  g_auto (TestRun) run = test_run_program (argv);
  g_test_message ("%s %s: %.400s%s", argv[0], argv[2], run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (run.out, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return node;
}

static char *
script_path (const char *name)
{
  return g_build_filename (g_getenv ("EAD_TEST_SCRIPTS"), name, NULL);
}

/* Exports the case as @format and runs the file on the case's input with
 * @command (NULL-terminated) followed by MODEL INPUT N SIZE OUTPUT: a
 * script that writes the outputs to OUTPUT and prints JSON. */
static JsonNode *
run_exported (Case *c, const char *format, const char *suffix, const char *const *command,
              Outputs *outputs)
{
  g_autofree char *model = export_case (c, format, suffix);
  g_autofree char *n = g_strdup_printf ("%u", c->engine.n);
  g_autofree char *side = g_strdup_printf ("%d", c->engine.side);
  g_autofree char *out = scratch_path (c, "-outputs.f32");
  g_autoptr (GStrvBuilder) argv = g_strv_builder_new ();
  g_strv_builder_addv (argv, (const char **) command);
  const char *arguments[] = { model, c->input_path, n, side, out, NULL };
  g_strv_builder_addv (argv, arguments);
  g_auto (GStrv) full = g_strv_builder_end (argv);
  JsonNode *info = run_json ((const char *const *) full);
  read_outputs (c, out, outputs);
  g_unlink (out);
  return info;
}

static void
torchscript_outputs (Case *c)
{
  if (c->torchscript_info)
    return;
  g_autofree char *script = script_path ("export-check.py");
  const char *command[] = { PYTHON, script, "torchscript", NULL };
  c->torchscript_info = run_exported (c, "torchscript", ".pt", command, &c->torchscript);
}

/* onnxruntime-node, which the install step puts in node_modules/ of the
 * checkout ($EAD_ONNXRUNTIME_NODE): the test needs no network. */
static const char *
onnxruntime_module (void)
{
  const char *module = g_getenv ("EAD_ONNXRUNTIME_NODE");
  g_autofree char *manifest = g_build_filename (module, "package.json", NULL);
  if (!g_file_test (manifest, G_FILE_TEST_EXISTS))
    g_error ("no onnxruntime-node at %s: run tools/install-deps.sh (make deps)", module);
  return module;
}

static void
onnx_outputs (Case *c)
{
  if (c->onnx_info)
    return;
  g_autofree char *script = script_path ("export-onnx.js");
  const char *command[] = { "node", script, onnxruntime_module (), NULL };
  c->onnx_info = run_exported (c, "onnx", ".onnx", command, &c->onnx);
}

/* The ONNX checker's verdict and the file's metadata. */
static JsonNode *
check_onnx (Case *c)
{
  g_autofree char *model = export_case (c, "onnx", ".onnx");
  g_autofree char *script = script_path ("export-check.py");
  const char *argv[] = { PYTHON, script, "onnx", model, NULL };
  return run_json (argv);
}

/* The largest difference between two sets of outputs, scores and maps. */
static double
max_difference (const Outputs *a, const Outputs *b)
{
  g_assert_cmpuint (a->n, ==, b->n);
  g_assert_cmpint (a->side, ==, b->side);
  double worst = 0;
  for (gsize i = 0; i < outputs_length (a->n, a->side); i++)
    worst = MAX (worst, fabs ((double) a->data[i] - b->data[i]));
  return worst;
}

static void
assert_close (const Outputs *a, const Outputs *b, double tolerance, const char *what)
{
  const double worst = max_difference (a, b);
  g_test_message ("%s: largest difference %.3g (tolerance %g)", what, worst, tolerance);
  g_assert_cmpfloat (worst, <=, tolerance);
}

/* The engine's outputs are worth comparing with: not all scores are the
 * same (those of images whose maxima fall on the same dark background
 * may be) and every map varies. */
static void
assert_informative (const Outputs *o)
{
  gboolean scores_differ = FALSE;
  for (guint i = 0; i < o->n; i++)
    {
      g_test_message ("image %u: score %.5f", i, o->data[i]);
      g_assert_true (isfinite (o->data[i]));
      scores_differ |= o->data[i] != o->data[0];
      for (int which = MAP_FUSED; which <= MAP_GLOBAL; which++)
        {
          const float *map = outputs_map (o, which, i);
          float low = map[0], high = map[0];
          for (gsize p = 0; p < (gsize) o->side * o->side; p++)
            low = MIN (low, map[p]), high = MAX (high, map[p]);
          g_assert_cmpfloat (high - low, >, 1e-3);
        }
    }
  g_assert_true (scores_differ);
}

static void
assert_shapes (JsonNode *info, const Case *c)
{
  JsonArray *shapes = json_object_get_array_member (json_node_get_object (info), "shapes");
  g_assert_cmpuint (json_array_get_length (shapes), ==, 4);
  JsonArray *score = json_array_get_array_element (shapes, 0);
  g_assert_cmpuint (json_array_get_length (score), ==, 1);
  g_assert_cmpint (json_array_get_int_element (score, 0), ==, c->engine.n);
  for (guint i = 1; i < 4; i++)
    {
      JsonArray *map = json_array_get_array_element (shapes, i);
      const gint64 expected[] = { c->engine.n, 1, c->engine.side, c->engine.side };
      g_assert_cmpuint (json_array_get_length (map), ==, 4);
      for (guint d = 0; d < 4; d++)
        g_assert_cmpint (json_array_get_int_element (map, d), ==, expected[d]);
    }
}

static float *
teacher_tensor (EadModel *model, const char *name)
{
  EadNets *nets = ead_model_get_nets (model);
  const int index = ead_nets_find_tensor (nets, name);
  g_assert_cmpint (index, >=, 0);
  float *values = g_new (float, EAD_TEACHER_CHANNELS);
  g_assert_true (ead_nets_read_tensor (nets, index, values, NULL));
  return values;
}

static void
assert_teacher_values (JsonArray *array, EadModel *model, const char *name)
{
  g_autofree float *expected = teacher_tensor (model, name);
  g_assert_cmpuint (json_array_get_length (array), ==, EAD_TEACHER_CHANNELS);
  for (guint i = 0; i < EAD_TEACHER_CHANNELS; i++)
    g_assert_cmpfloat ((float) json_array_get_double_element (array, i), ==, expected[i]);
}

/* The layer lists both exports are built from: the PDN-S teacher as the
 * reference numbers it, the autoencoder's resizes to the decoder's sizes
 * (dropout, the identity at inference, left out), and an error for a
 * network that does not exist. */
static void
test_layers (void)
{
  EadNets *nets = ead_model_get_nets (small_case->model);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) teacher = ead_nets_describe (nets, "teacher", &error);
  g_assert_no_error (error);
  const EadLayerKind kinds[] = { EAD_LAYER_CONV, EAD_LAYER_RELU, EAD_LAYER_AVG_POOL,
                                 EAD_LAYER_CONV, EAD_LAYER_RELU, EAD_LAYER_AVG_POOL,
                                 EAD_LAYER_CONV, EAD_LAYER_RELU, EAD_LAYER_CONV };
  g_assert_cmpuint (teacher->len, ==, G_N_ELEMENTS (kinds));
  for (guint i = 0; i < teacher->len; i++)
    {
      const EadLayer *layer = &g_array_index (teacher, EadLayer, i);
      g_assert_cmpint (layer->kind, ==, kinds[i]);
      g_assert_cmpint (layer->index, ==, i);
    }
  const EadLayer *first = &g_array_index (teacher, EadLayer, 0);
  g_assert_cmpint (first->kernel, ==, 4);
  g_assert_cmpint (first->stride, ==, 1);
  g_assert_cmpint (first->padding, ==, 0);

  g_autoptr (GArray) autoencoder = ead_nets_describe (nets, "autoencoder", &error);
  g_assert_no_error (error);
  const int sizes[] = { 3, 8, 15, 32, 63, 127, 56 };
  guint n_resizes = 0;
  for (guint i = 0; i < autoencoder->len; i++)
    {
      const EadLayer *layer = &g_array_index (autoencoder, EadLayer, i);
      if (layer->kind != EAD_LAYER_RESIZE)
        continue;
      g_assert_cmpuint (n_resizes, <, G_N_ELEMENTS (sizes));
      g_assert_cmpint (layer->size, ==, sizes[n_resizes++]);
    }
  g_assert_cmpuint (n_resizes, ==, G_N_ELEMENTS (sizes));
  /* 39 modules, 6 of them dropout. */
  g_assert_cmpuint (autoencoder->len, ==, 33);
  g_assert_cmpint (g_array_index (autoencoder, EadLayer, autoencoder->len - 1).index, ==, 38);

  g_assert_null (ead_nets_describe (nets, "decoder", &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG);
}

/* TorchScript in Python gives the engine's scores and maps within 1e-4 and
 * carries the threshold, quantiles, teacher statistics and provenance. */
static void
test_torchscript (void)
{
  Case *c = small_case;
  assert_informative (&c->engine);
  torchscript_outputs (c);
  assert_close (&c->torchscript, &c->engine, 1e-4, "TorchScript vs engine");
  assert_shapes (c->torchscript_info, c);

  JsonObject *info = json_node_get_object (c->torchscript_info);
  const EadQuantiles *q = ead_model_get_quantiles (c->model);
  g_assert_cmpstr (json_object_get_string_member (info, "model_size"), ==, "small");
  g_assert_cmpint (json_object_get_int_member (info, "image_size"), ==, 256);
  g_assert_cmpfloat (json_object_get_double_member (info, "quantile_st_start"), ==, q->st_start);
  g_assert_cmpfloat (json_object_get_double_member (info, "quantile_st_end"), ==, q->st_end);
  g_assert_cmpfloat (json_object_get_double_member (info, "quantile_ae_start"), ==, q->ae_start);
  g_assert_cmpfloat (json_object_get_double_member (info, "quantile_ae_end"), ==, q->ae_end);
  g_assert_cmpfloat (json_object_get_double_member (info, "threshold"), ==, THRESHOLD);
  g_assert_cmpfloat (json_object_get_double_member (info, "local_weight"), ==,
                     EAD_DEFAULT_LOCAL_WEIGHT);
  g_assert_false (json_object_get_boolean_member (info, "training"));
  JsonObject *provenance = member_object (c->torchscript_info, "provenance");
  g_assert_cmpstr (json_object_get_string_member (provenance, "dataset"), ==, "bottle");
  g_assert_cmpstr (json_object_get_string_member (provenance, "note"), ==, PROVENANCE_NOTE);
  assert_teacher_values (json_object_get_array_member (info, "teacher_mean"), c->model, "teacher_mean");
  g_assert_true (json_object_get_null_member (info, "roi_source"));
  g_assert_cmpstr (json_object_get_string_member (info, "wrong_size_message"), ==,
                   "RuntimeError: AssertionError: efficientad: the input must be N x 3 x 256 x 256 floats in [0, 1]");
}

static void
assert_metadata_number (JsonObject *metadata, const char *key, double expected)
{
  const char *text = json_object_get_string_member (metadata, key);
  g_assert_nonnull (text);
  g_assert_cmpfloat (g_ascii_strtod (text, NULL), ==, expected);
}

static void
assert_metadata_teacher (JsonObject *metadata, EadModel *model, const char *name)
{
  g_autoptr (JsonNode) values = json_from_string (json_object_get_string_member (metadata, name), NULL);
  g_assert_nonnull (values);
  assert_teacher_values (json_node_get_array (values), model, name);
}

/* The ONNX checker accepts the file (opset 13, full shape inference); its
 * metadata holds threshold, quantiles, teacher statistics and provenance;
 * the constants are initializers, not Constant nodes. */
static void
test_onnx_checker (void)
{
  Case *c = small_case;
  g_autoptr (JsonNode) info = check_onnx (c);
  JsonObject *o = json_node_get_object (info);
  g_assert_cmpint (json_object_get_int_member (o, "ir_version"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (member_object (info, "opset"), ""), ==, 13);
  g_assert_cmpint (json_object_get_int_member (o, "constant_nodes"), ==, 0);
  JsonArray *outputs = json_object_get_array_member (o, "outputs");
  const char *names[] = { "score", "fused_map", "local_map", "global_map" };
  g_assert_cmpuint (json_array_get_length (outputs), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpstr (json_array_get_string_element (outputs, i), ==, names[i]);

  JsonObject *metadata = member_object (info, "metadata");
  const EadQuantiles *q = ead_model_get_quantiles (c->model);
  g_assert_cmpstr (json_object_get_string_member (metadata, "model_size"), ==, "small");
  g_assert_cmpstr (json_object_get_string_member (metadata, "image_size"), ==, "256");
  assert_metadata_number (metadata, "quantile_st_start", q->st_start);
  assert_metadata_number (metadata, "quantile_st_end", q->st_end);
  assert_metadata_number (metadata, "quantile_ae_start", q->ae_start);
  assert_metadata_number (metadata, "quantile_ae_end", q->ae_end);
  assert_metadata_number (metadata, "threshold", THRESHOLD);
  assert_metadata_number (metadata, "local_weight", EAD_DEFAULT_LOCAL_WEIGHT);
  assert_metadata_teacher (metadata, c->model, "teacher_mean");
  assert_metadata_teacher (metadata, c->model, "teacher_std");
  g_assert_cmpstr (json_object_get_string_member (metadata, "provenance.dataset"), ==, "bottle");
  g_assert_cmpstr (json_object_get_string_member (metadata, "provenance.note"), ==, PROVENANCE_NOTE);
  g_assert_false (json_object_has_member (metadata, "roi"));
}

/* The same model gives the same ONNX file, byte for byte: provenance in
 * key order, nothing that depends on time or memory. */
static void
test_onnx_reproducible (void)
{
  g_autofree const char **keys = ead_model_get_provenance_keys (small_case->model);
  g_assert_cmpuint (g_strv_length ((char **) keys), ==, 2);
  g_assert_cmpstr (keys[0], ==, "dataset");
  g_assert_cmpstr (keys[1], ==, "note");

  g_autofree char *first = export_case (small_case, "onnx", "-first.onnx");
  g_autofree char *second = export_case (small_case, "onnx", "-second.onnx");
  g_autoptr (GMappedFile) a = g_mapped_file_new (first, FALSE, NULL);
  g_autoptr (GMappedFile) b = g_mapped_file_new (second, FALSE, NULL);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpuint (g_mapped_file_get_length (a), ==, g_mapped_file_get_length (b));
  g_assert_cmpint (memcmp (g_mapped_file_get_contents (a), g_mapped_file_get_contents (b),
                           g_mapped_file_get_length (a)), ==, 0);
  g_unlink (first);
  g_unlink (second);
}

/* ONNX Runtime gives the engine's scores and maps within 1e-3, for a batch,
 * and refuses an input of the wrong size. */
static void
test_onnx_runtime (void)
{
  Case *c = small_case;
  onnx_outputs (c);
  assert_close (&c->onnx, &c->engine, 1e-3, "ONNX Runtime vs engine");
  assert_shapes (c->onnx_info, c);
  JsonObject *info = json_node_get_object (c->onnx_info);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (info, "inputs"), 0), ==, "image");
  g_assert_nonnull (strstr (json_object_get_string_member (info, "wrong_size_error"), "invalid dimensions"));
}

/* One set of images, four ways of scoring them: the engine, the runtime
 * library, TorchScript and ONNX agree. */
static void
assert_four_ways_agree (Case *c)
{
  runtime_outputs (c);
  torchscript_outputs (c);
  onnx_outputs (c);
  assert_close (&c->runtime, &c->engine, 1e-5, "runtime vs engine");
  assert_close (&c->torchscript, &c->runtime, 1e-4, "TorchScript vs runtime");
  assert_close (&c->onnx, &c->runtime, 1e-3, "ONNX vs runtime");
  assert_close (&c->onnx, &c->torchscript, 1e-3, "ONNX vs TorchScript");
  /* The decisions agree too. */
  for (guint i = 0; i < c->engine.n; i++)
    {
      const gboolean anomalous = c->engine.data[i] >= THRESHOLD;
      g_assert_cmpint (c->torchscript.data[i] >= THRESHOLD, ==, anomalous);
      g_assert_cmpint (c->onnx.data[i] >= THRESHOLD, ==, anomalous);
    }
}

static void
test_cross_format (void)
{
  assert_four_ways_agree (small_case);
}

/* The fused maps are @weight * local + (1 - @weight) * global (resizing is
 * linear), and far from the mean, so the exports' agreement means they
 * weigh the maps as the engine does. */
static void
assert_weighted_fusion (const Outputs *o, double weight)
{
  double worst = 0, from_mean = 0;
  for (guint i = 0; i < o->n; i++)
    for (gsize j = 0; j < (gsize) o->side * o->side; j++)
      {
        const double local = outputs_map (o, MAP_LOCAL, i)[j];
        const double global = outputs_map (o, MAP_GLOBAL, i)[j];
        const double fused = outputs_map (o, MAP_FUSED, i)[j];
        worst = MAX (worst, fabs (fused - (weight * local + (1 - weight) * global)));
        from_mean = MAX (from_mean, fabs (fused - (local + global) / 2));
      }
  g_assert_cmpfloat (worst, <, 1e-5);
  g_assert_cmpfloat (from_mean, >, 1e-2);
}

/* PDN-M at 320 pixels, without a threshold and with a fused map that
 * weighs the local map 0.8, exports to both formats. */
static void
test_medium (void)
{
  g_autoptr (Case) c = case_new ("medium-320", EAD_MODEL_MEDIUM, 320, 0.8, FALSE, NULL);
  assert_informative (&c->engine);
  assert_weighted_fusion (&c->engine, 0.8);
  torchscript_outputs (c);
  assert_close (&c->torchscript, &c->engine, 1e-4, "PDN-M 320 TorchScript vs engine");
  assert_shapes (c->torchscript_info, c);
  JsonObject *info = json_node_get_object (c->torchscript_info);
  g_assert_cmpstr (json_object_get_string_member (info, "model_size"), ==, "medium");
  g_assert_cmpint (json_object_get_int_member (info, "image_size"), ==, 320);
  g_assert_true (json_object_get_null_member (info, "threshold"));
  g_assert_cmpfloat (json_object_get_double_member (info, "local_weight"), ==, 0.8);

  g_autoptr (JsonNode) checked = check_onnx (c);
  g_assert_false (json_object_has_member (member_object (checked, "metadata"), "threshold"));
  assert_metadata_number (member_object (checked, "metadata"), "local_weight", 0.8);
  onnx_outputs (c);
  assert_close (&c->onnx, &c->engine, 1e-3, "PDN-M 320 ONNX vs engine");
  assert_shapes (c->onnx_info, c);
}

/* Two rectangles on a 100 x 80 mask, resized to 256 x 256 at export. */
static EadRoi *
two_rects (void)
{
  const int rects[][4] = { { 10, 5, 50, 40 }, { 70, 50, 25, 25 } };
  g_autoptr (GError) error = NULL;
  EadRoi *roi = ead_roi_new_from_rects (rects, G_N_ELEMENTS (rects), 100, 80, &error);
  g_assert_no_error (error);
  return roi;
}

/* With a region of interest, the four ways of scoring agree as without
 * one: maps 0 outside it, the score the maximum inside; the files say
 * where it came from. */
static void
test_roi (void)
{
  g_autoptr (EadRoi) roi = two_rects ();
  g_autoptr (Case) c = case_new ("roi-256", EAD_MODEL_SMALL, 256, EAD_DEFAULT_LOCAL_WEIGHT, TRUE, roi);
  assert_informative (&c->engine);
  const int side = c->engine.side;
  g_autofree guint8 *inside = ead_roi_resize (roi, side, side);
  for (guint i = 0; i < c->engine.n; i++)
    for (int which = MAP_FUSED; which <= MAP_GLOBAL; which++)
      for (gsize p = 0; p < (gsize) side * side; p++)
        if (!inside[p])
          g_assert_cmpfloat (outputs_map (&c->engine, which, i)[p], ==, 0.0f);

  assert_four_ways_agree (c);
  assert_close (&c->torchscript, &c->engine, 1e-4, "TorchScript vs engine");
  assert_close (&c->onnx, &c->engine, 1e-3, "ONNX Runtime vs engine");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (c->torchscript_info),
                                                  "roi_source"), ==, roi->source);
  g_autoptr (JsonNode) checked = check_onnx (c);
  g_assert_cmpstr (json_object_get_string_member (member_object (checked, "metadata"), "roi"), ==,
                   roi->source);
}

/* Fails with one line on stderr that says "efficientad: " and @fragment. */
static void
assert_fails_with (const TestRun *run, const char *fragment)
{
  g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "efficientad: "));
  g_assert_nonnull (strstr (run->err, fragment));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
}

/* Bad models, destinations and options: a one-line error each, no file
 * written, no temporary file left, an existing file left as it was. */
static void
test_bad_inputs (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (scratch, "bad", NULL);
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_autofree char *out = g_build_filename (dir, "out.onnx", NULL);
  g_autofree char *model = g_strdup (small_case->model_path);

  g_auto (TestRun) missing = test_run_cli ("export", "/nonexistent/model.safetensors", "--format", "onnx", "-o", out, NULL);
  assert_fails_with (&missing, "/nonexistent/model.safetensors");

  char *contents = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (model, &contents, &length, &error));
  g_autofree char *truncated = g_build_filename (scratch, "truncated.safetensors", NULL);
  g_assert_true (g_file_set_contents (truncated, contents, length / 2, &error));
  g_free (contents);
  g_autoptr (EadModel) bare = ead_model_new (EAD_MODEL_SMALL, 256, &error);
  g_autofree char *uncalibrated = g_build_filename (scratch, "uncalibrated.safetensors", NULL);
  g_assert_true (ead_model_save (bare, uncalibrated, &error));

  /* An existing file stays as it was when the export fails. */
  g_assert_true (g_file_set_contents (out, "previous", -1, &error));
  g_auto (TestRun) cut = test_run_cli ("export", truncated, "--format", "torchscript", "-o", out, NULL);
  assert_fails_with (&cut, "truncated.safetensors");
  g_auto (TestRun) not_calibrated = test_run_cli ("export", uncalibrated, "--format", "onnx", "-o", out, NULL);
  assert_fails_with (&not_calibrated, "not calibrated");
  g_auto (TestRun) format = test_run_cli ("export", model, "--format", "tflite", "-o", out, NULL);
  assert_fails_with (&format, "--format must be torchscript or onnx, not 'tflite'");
  g_auto (TestRun) no_format = test_run_cli ("export", model, "-o", out, NULL);
  assert_fails_with (&no_format, "--format");
  g_auto (TestRun) no_output = test_run_cli ("export", model, "--format", "onnx", NULL);
  assert_fails_with (&no_output, "-o FILE");
  g_auto (TestRun) no_model = test_run_cli ("export", "--format", "onnx", "-o", out, NULL);
  assert_fails_with (&no_model, "MODEL");
  g_assert_true (g_file_get_contents (out, &contents, NULL, &error));
  g_assert_cmpstr (contents, ==, "previous");
  g_free (contents);
  g_assert_cmpuint (test_count_entries (dir), ==, 1);

  /* A destination that cannot be written: a missing folder, a folder. */
  g_auto (TestRun) no_dir = test_run_cli ("export", model, "--format", "onnx", "-o", "/nonexistent/dir/m.onnx", NULL);
  assert_fails_with (&no_dir, "cannot write /nonexistent/dir/m.onnx: there is no folder /nonexistent/dir");
  const guint n_scratch = test_count_entries (scratch);
  g_auto (TestRun) onto_dir = test_run_cli ("export", model, "--format", "torchscript", "-o", dir, NULL);
  g_autofree char *is_folder = g_strdup_printf ("cannot write %s: it is a folder", dir);
  assert_fails_with (&onto_dir, is_folder);
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  g_assert_cmpuint (test_count_entries (scratch), ==, n_scratch);
}

/* The images: two good ones to calibrate on, then a good test image and
 * the first of each defect type. */
static GPtrArray *
load_images (const char *dataset)
{
  GPtrArray *images = g_ptr_array_new_with_free_func ((GDestroyNotify) ead_image_free);
  g_autofree char *train = g_build_filename (dataset, "train", "good", NULL);
  g_autofree char *test = g_build_filename (dataset, "test", NULL);
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (train, NULL);
  g_assert_nonnull (paths);
  g_assert_cmpuint (paths->len, >=, 2);
  g_ptr_array_set_size (paths, 2);
  g_autoptr (GDir) types = g_dir_open (test, 0, NULL);
  g_assert_nonnull (types);
  g_autoptr (GPtrArray) type_names = g_ptr_array_new_with_free_func (g_free);
  for (const char *type; (type = g_dir_read_name (types));)
    g_ptr_array_add (type_names, g_strdup (type));
  /* "good" first, then the defects in name order, whatever the listing. */
  ead_dataset_sort_names (type_names);
  for (guint i = 0; i < type_names->len; i++)
    {
      g_autofree char *folder = g_build_filename (test, type_names->pdata[i], NULL);
      g_autoptr (GPtrArray) listed = ead_dataset_list_images (folder, NULL);
      g_assert_nonnull (listed);
      g_assert_cmpuint (listed->len, >, 0);
      g_ptr_array_insert (paths, g_str_equal (type_names->pdata[i], "good") ? 2 : -1,
                          g_strdup (listed->pdata[0]));
    }
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr (GError) error = NULL;
      EadImage *image = ead_image_load (paths->pdata[i], &error);
      g_assert_no_error (error);
      g_ptr_array_add (images, image);
    }
  return images;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GError) error = NULL;
  scratch = g_dir_make_tmp ("ead-export-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *dataset = test_make_small_dataset (scratch);
  source_images = load_images (dataset);
  small_case = case_new ("small-256", EAD_MODEL_SMALL, 256, EAD_DEFAULT_LOCAL_WEIGHT, TRUE, NULL);

  g_test_add_func ("/export/layers", test_layers);
  g_test_add_func ("/export/torchscript", test_torchscript);
  g_test_add_func ("/export/onnx-checker", test_onnx_checker);
  g_test_add_func ("/export/onnx-reproducible", test_onnx_reproducible);
  g_test_add_func ("/export/onnx-runtime", test_onnx_runtime);
  g_test_add_func ("/export/cross-format", test_cross_format);
  g_test_add_func ("/export/medium-320", test_medium);
  g_test_add_func ("/export/roi", test_roi);
  g_test_add_func ("/export/bad-inputs", test_bad_inputs);
  int status = g_test_run ();

  case_free (small_case);
  g_ptr_array_unref (source_images);
  test_remove_tree (scratch);
  g_free (scratch);
  return status;
}

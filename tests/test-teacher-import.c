/* test-teacher-import.c: importing reference, anomalib and safetensors teachers.
 *
 * The full-size fixtures (tests/data/teachers/make-fixtures.py) are genuine
 * torch.save files, gzipped: their weights follow pattern(), which compresses
 * well and lets every imported value be checked against where it belongs. */
#include "ead-error.h"
#include "ead-model.h"
#include "ead-teacher-import.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include "test-util.h"
#include "torch/ead-torch.h"   /* the shim: to look at the weights */

static const char *const small_names[] = {
  "0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias", "8.weight", "8.bias",
};
static const char *const medium_names[] = {
  "0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias", "8.weight", "8.bias",
  "10.weight", "10.bias", "12.weight", "12.bias",
};
#define SMALL_PARAMETERS 2694144
#define MEDIUM_PARAMETERS 8026624

/* make-fixtures.py's pattern: element @i of the @layer-th tensor (1-based,
 * weight and bias of each convolution in turn), multiples of 1/256 that
 * bf16 and f16 hold exactly. */
static float
pattern (int layer, gsize i)
{
  return (float) ((gint64) (((i + 37 * layer) * 97) % 251) - 125) / 256.0f;
}

static char *
fixture_path (const char *name)
{
  return g_build_filename (g_getenv ("EAD_TEST_DATA"), "teachers", name, NULL);
}

static GBytes *
read_fixture (const char *name)
{
  g_autofree char *relative = g_build_filename ("teachers", name, NULL);
  return test_read_data (relative);
}

/* The torch.save file inside @name.gz. */
static GBytes *
read_gzipped_fixture (const char *name)
{
  g_autofree char *gz_name = g_strconcat (name, ".gz", NULL);
  g_autoptr (GBytes) compressed = read_fixture (gz_name);
  g_autoptr (GInputStream) raw = g_memory_input_stream_new_from_bytes (compressed);
  g_autoptr (GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr (GInputStream) stream = g_converter_input_stream_new (raw, G_CONVERTER (decompressor));
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;

  g_output_stream_splice (out, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                          NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static EadSafetensors *
writer_to_reader (EadSafetensorsWriter *writer)
{
  g_autoptr (GBytes) bytes = ead_safetensors_writer_to_bytes (writer);
  g_autoptr (GError) error = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  EadSafetensors *st = ead_safetensors_new_from_data (data, size, &error);

  g_assert_no_error (error);
  return st;
}

/* Every tensor of an imported teacher is float32, named teacher.<i>.*, and
 * holds pattern(). */
static void
assert_patterned_teacher (EadSafetensorsWriter *writer, const char *const *names, guint n)
{
  g_autoptr (EadSafetensors) st = writer_to_reader (writer);

  g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, n);
  for (guint l = 0; l < n; l++)
    {
      g_autofree char *name = g_strconcat ("teacher.", names[l], NULL);
      const EadTensorView *view = ead_safetensors_find (st, name);
      g_assert_nonnull (view);
      g_assert_cmpint (view->dtype, ==, EAD_DTYPE_F32);
      const float *values = view->data;
      for (gsize i = 0; i < view->n_bytes / sizeof (float); i++)
        if (values[i] != pattern (l + 1, i))
          g_error ("%s[%" G_GSIZE_FORMAT "] is %g, not %g", name, i, values[i], pattern (l + 1, i));
    }
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "format"), ==, EAD_TEACHER_FORMAT);
}

static char *
metadata (EadSafetensorsWriter *writer, const char *key)
{
  g_autoptr (EadSafetensors) st = writer_to_reader (writer);

  return g_strdup (ead_safetensors_get_metadata (st, key));
}

/* ---- Genuine files ---- */

static void
test_reference_small (void)
{
  g_autoptr (GBytes) bytes = read_gzipped_fixture ("teacher_small.pth");
  g_autoptr (GError) error = NULL;
  EadTeacherImportInfo info;
  g_autoptr (EadSafetensorsWriter) writer = ead_teacher_import (bytes, "models/teacher_small.pth", NULL,
                                                                &info, &error);

  g_assert_no_error (error);
  g_assert_cmpint (info.size, ==, EAD_MODEL_SMALL);
  g_assert_cmpuint (info.n_tensors, ==, 8);
  g_assert_cmpuint (info.n_parameters, ==, SMALL_PARAMETERS);
  g_assert_cmpstr (info.source_format, ==, "PyTorch state_dict (torch.save), reference names");
  assert_patterned_teacher (writer, small_names, G_N_ELEMENTS (small_names));
  g_autofree char *model_size = metadata (writer, "model_size");
  g_autofree char *source = metadata (writer, "source");
  g_autofree char *source_sha256 = metadata (writer, "source_sha256");
  g_autofree char *checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_assert_cmpstr (model_size, ==, "small");
  g_assert_cmpstr (source, ==, "teacher_small.pth");
  g_assert_cmpstr (source_sha256, ==, checksum);
}

/* anomalib's names, float16 storages. */
static void
test_anomalib_medium (void)
{
  g_autoptr (GBytes) bytes = read_gzipped_fixture ("pretrained_teacher_medium.pth");
  g_autoptr (GError) error = NULL;
  EadTeacherImportInfo info;
  g_autoptr (EadSafetensorsWriter) writer = ead_teacher_import (bytes, "pretrained_teacher_medium.pth", NULL,
                                                                &info, &error);

  g_assert_no_error (error);
  g_assert_cmpint (info.size, ==, EAD_MODEL_MEDIUM);
  g_assert_cmpuint (info.n_tensors, ==, 12);
  g_assert_cmpuint (info.n_parameters, ==, MEDIUM_PARAMETERS);
  g_assert_cmpstr (info.source_format, ==, "PyTorch state_dict (torch.save), anomalib names");
  assert_patterned_teacher (writer, medium_names, G_N_ELEMENTS (medium_names));
}

/* bfloat16 views (permuted strides, an offset, a shared storage) under a
 * "teacher." prefix beside another network's tensors, pickle protocol 4. */
static void
test_anomalib_model_views (void)
{
  g_autoptr (GBytes) bytes = read_gzipped_fixture ("anomalib_model_small.pth");
  g_autoptr (GError) error = NULL;
  EadModelSize size = EAD_MODEL_SMALL;
  g_autoptr (EadSafetensorsWriter) writer = ead_teacher_import (bytes, "anomalib_model_small.pth", &size,
                                                                NULL, &error);

  g_assert_no_error (error);
  assert_patterned_teacher (writer, small_names, G_N_ELEMENTS (small_names));
}

static void
test_wrong_size_requested (void)
{
  g_autoptr (GBytes) bytes = read_gzipped_fixture ("teacher_small.pth");
  g_autoptr (GError) error = NULL;
  EadModelSize size = EAD_MODEL_MEDIUM;
  g_autoptr (EadSafetensorsWriter) writer = ead_teacher_import (bytes, "teacher_small.pth", &size, NULL, &error);

  g_assert_null (writer);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_assert_cmpstr (error->message, ==,
                   "teacher_small.pth: no tensor '10.weight' for a medium teacher (is it a teacher of another size?)");

  /* A medium anomalib teacher asked to be small. */
  g_autoptr (GBytes) anomalib = read_gzipped_fixture ("pretrained_teacher_medium.pth");
  size = EAD_MODEL_SMALL;
  g_clear_error (&error);
  g_assert_null (ead_teacher_import (anomalib, "pretrained_teacher_medium.pth", &size, NULL, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_assert_cmpstr (error->message, ==,
                   "pretrained_teacher_medium.pth: tensor 'conv5.weight' is not a layer of a small teacher");
}

/* ---- safetensors ---- */

/* A patterned PDN-S in safetensors, float16, with anomalib's names or the
 * reference's, under @prefix. */
static GBytes *
patterned_safetensors (gboolean anomalib, const char *prefix)
{
  g_autoptr (EadModel) model = ead_model_new (EAD_MODEL_SMALL, 256, NULL);
  EadNets *nets = ead_model_get_nets (model);
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  int layer = 0;

  for (guint t = 0; t < ead_nets_get_n_tensors (nets); t++)
    {
      const char *name = ead_nets_get_tensor_name (nets, t);
      if (!g_str_has_prefix (name, "teacher."))
        continue;
      gint64 shape[4];
      int n_dims = ead_nets_get_tensor_shape (nets, t, shape);
      gsize n = ead_nets_get_tensor_n_elements (nets, t);
      g_autofree guint16 *halves = g_new (guint16, n);
      layer++;
      for (gsize i = 0; i < n; i++)
        {
          /* pattern() is k/256 with |k| <= 125: exact in f16. */
          float value = pattern (layer, i);
          guint32 bits;
          memcpy (&bits, &value, 4);
          int exponent = ((bits >> 23) & 0xff) - 127 + 15;
          halves[i] = value == 0 ? 0 : ((bits >> 16) & 0x8000) | exponent << 10 | ((bits >> 13) & 0x3ff);
        }
      const char *kind = strrchr (name, '.') + 1;
      g_autofree char *file_name = anomalib ? g_strdup_printf ("%sconv%d.%s", prefix, (layer + 1) / 2, kind)
                                            : g_strconcat (prefix, name + strlen ("teacher."), NULL);
      ead_safetensors_writer_add (writer, file_name, EAD_DTYPE_F16, n_dims, shape, halves, n * 2);
    }
  ead_safetensors_writer_add (writer, "student.conv1.weight", EAD_DTYPE_F32, 1, (gint64[]) { 1 },
                              (float[]) { 1 }, 4);
  return ead_safetensors_writer_to_bytes (writer);
}

static void
test_safetensors (void)
{
  const struct {
    gboolean anomalib;
    const char *prefix;
    const char *source_format;
  } cases[] = {
    { FALSE, "teacher.", "safetensors, reference names" },
    { TRUE, "model.teacher.", "safetensors, anomalib names" },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GBytes) bytes = patterned_safetensors (cases[c].anomalib, cases[c].prefix);
      g_autoptr (GError) error = NULL;
      EadTeacherImportInfo info;
      g_autoptr (EadSafetensorsWriter) writer = ead_teacher_import (bytes, "teacher.safetensors", NULL, &info,
                                                                    &error);
      g_assert_no_error (error);
      g_assert_cmpstr (info.source_format, ==, cases[c].source_format);
      assert_patterned_teacher (writer, small_names, G_N_ELEMENTS (small_names));
    }
}

/* An imported teacher imports again to the same tensors. */
static void
test_reimport (void)
{
  g_autoptr (GBytes) bytes = read_gzipped_fixture ("teacher_small.pth");
  g_autoptr (EadSafetensorsWriter) first = ead_teacher_import (bytes, "teacher_small.pth", NULL, NULL, NULL);
  g_autoptr (GBytes) imported = ead_safetensors_writer_to_bytes (first);
  g_autoptr (GError) error = NULL;
  EadTeacherImportInfo info;
  g_autoptr (EadSafetensorsWriter) second = ead_teacher_import (imported, "teacher.safetensors", NULL, &info,
                                                                &error);

  g_assert_no_error (error);
  g_assert_cmpstr (info.source_format, ==, "safetensors, reference names");
  assert_patterned_teacher (second, small_names, G_N_ELEMENTS (small_names));
}

static void
test_non_finite (void)
{
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  g_autoptr (EadModel) model = ead_model_new (EAD_MODEL_SMALL, 256, NULL);
  EadNets *nets = ead_model_get_nets (model);

  for (guint t = 0; t < ead_nets_get_n_tensors (nets); t++)
    {
      const char *name = ead_nets_get_tensor_name (nets, t);
      if (!g_str_has_prefix (name, "teacher."))
        continue;
      gint64 shape[4];
      int n_dims = ead_nets_get_tensor_shape (nets, t, shape);
      gsize n = ead_nets_get_tensor_n_elements (nets, t);
      g_autofree float *values = g_new0 (float, n);
      if (g_str_equal (name, "teacher.6.bias"))
        values[17] = NAN;
      ead_safetensors_writer_add (writer, name + strlen ("teacher."), EAD_DTYPE_F32, n_dims, shape, values,
                                  n * sizeof (float));
    }
  g_autoptr (GBytes) bytes = ead_safetensors_writer_to_bytes (writer);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadSafetensorsWriter) imported = ead_teacher_import (bytes, "nan.safetensors", NULL, NULL, &error);
  g_assert_null (imported);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_cmpstr (error->message, ==, "nan.safetensors: tensor '6.bias' holds a non-finite value");
}

/* ---- Refused files ---- */

static void
test_refused_files (void)
{
  const struct {
    const char *file;
    int code;
    const char *message;
  } cases[] = {
    { "os_system.pth", EAD_ERROR_BAD_FILE,
      "os_system.pth: pickle byte 48: refusing global 'posix.system': a state_dict needs only OrderedDict, "
      "tensors and storages (this file may be malicious)" },
    { "wrong_shapes.pth", EAD_ERROR_INCOMPATIBLE,
      "wrong_shapes.pth: tensor '0.weight' has shape [4, 4, 4, 4]; a small teacher needs [128, 3, 4, 4]" },
    { "tiny.pth", EAD_ERROR_INCOMPATIBLE, "tiny.pth: tensor '2.weight' is not a layer of a small teacher" },
    { "truncated.pth", EAD_ERROR_BAD_FILE,
      "truncated.pth: zip: not a zip archive, or truncated (no end of central directory record)" },
    { "bad_offset.pth", EAD_ERROR_BAD_FILE,
      "bad_offset.pth: zip: entry 'tiny/data/0': local header outside the archive" },
    { "deflated.pth", EAD_ERROR_BAD_FILE,
      "deflated.pth: zip: entry 'tiny/data.pkl' is compressed (method 8); torch.save stores entries uncompressed" },
    { "legacy.pth", EAD_ERROR_INCOMPATIBLE,
      "legacy.pth: written by torch.save before PyTorch 1.6 (legacy format); load it in Python and save it "
      "again with a current torch.save" },
    { "make-fixtures.py", EAD_ERROR_BAD_FILE,
      "make-fixtures.py: neither a PyTorch .pth (zip) nor a safetensors file" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) bytes = read_fixture (cases[i].file);
      g_autoptr (GError) error = NULL;
      g_autoptr (EadSafetensorsWriter) writer = ead_teacher_import (bytes, cases[i].file, NULL, NULL, &error);
      g_assert_null (writer);
      g_assert_error (error, EAD_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_name_checks (void)
{
  const struct {
    const char *names[3];
    const char *message;
  } cases[] = {
    { { "0.weight", "conv1.bias" }, "x: tensor names mix the reference's (0.weight) and anomalib's (conv1.weight)" },
    { { "0.weight", "running_mean" }, "x: tensor 'running_mean' is not a layer of a PDN teacher" },
    { { "00.weight" }, "x: tensor '00.weight' is not a layer of a PDN teacher" },
    { { "conv1.weight", "conv7.bias" }, "x: tensor 'conv7.bias' is not a layer of a medium teacher" },
    { { "teacher.0.weight", "student.0.weight" }, "x: no tensor 'teacher.0.bias' for a small teacher "
                                                  "(is it a teacher of another size?)" },
    { { "student.0.weight" }, "x: tensor 'student.0.weight' is not a layer of a PDN teacher" },
    /* A name that would drive a terminal comes back escaped, on one line. */
    { { "a\nb\x1b[31m" }, "x: tensor 'a\\nb\\x1b[31m' is not a layer of a PDN teacher" },
    { { NULL }, "x: holds no tensors" },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
      for (int n = 0; n < 3 && cases[c].names[n]; n++)
        ead_safetensors_writer_add (writer, cases[c].names[n], EAD_DTYPE_F32, 1, (gint64[]) { 1 },
                                    (float[]) { 0 }, 4);
      g_autoptr (GBytes) bytes = ead_safetensors_writer_to_bytes (writer);
      g_autoptr (GError) error = NULL;
      g_autoptr (EadSafetensorsWriter) imported = ead_teacher_import (bytes, "x", NULL, NULL, &error);
      g_assert_null (imported);
      g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
      g_assert_cmpstr (error->message, ==, cases[c].message);
    }
}

/* ---- Damaged copies of a full-size teacher ---- */

/* Imports @data; an accepted file must still carry exactly the pattern:
 * CRC-32 guards the storages, so no damage may change a weight. */
static void
import_damaged (const guint8 *data, gsize size, guint *n_accepted)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadSafetensorsWriter) writer = ead_teacher_import (bytes, "damaged.pth", NULL, NULL, &error);

  if (!writer)
    {
      g_assert_true (error->domain == EAD_ERROR);
      return;
    }
  assert_patterned_teacher (writer, small_names, G_N_ELEMENTS (small_names));
  (*n_accepted)++;
}

static void
test_damaged_teacher (void)
{
  g_autoptr (GBytes) bytes = read_gzipped_fixture ("teacher_small.pth");
  gsize size = g_bytes_get_size (bytes);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), size);
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  guint n_accepted = 0;

  /* Truncations: near the end (the directory), at random, and the empty file. */
  for (gsize cut = 1; cut <= 600; cut += 7)
    import_damaged (data, size - cut, &n_accepted);
  for (int i = 0; i < 40; i++)
    import_damaged (data, g_rand_int_range (rand, 0, size), &n_accepted);
  import_damaged (data, 0, &n_accepted);
  g_assert_cmpuint (n_accepted, ==, 0);

  /* Bit flips in the pickle and headers (the first 2 KiB), in the central
   * directory (the last 1.5 KiB) and anywhere. */
  for (int i = 0; i < 120; i++)
    {
      gsize p = i < 50 ? (gsize) g_rand_int_range (rand, 0, 2048)
                : i < 100 ? size - 1 - g_rand_int_range (rand, 0, 1536)
                : (gsize) g_rand_int_range (rand, 0, size);
      guint8 mask = 1 << g_rand_int_range (rand, 0, 8);
      data[p] ^= mask;
      import_damaged (data, size, &n_accepted);
      data[p] ^= mask;
    }
  g_test_message ("%u of 120 flipped copies imported (flips in padding, dates or records never read)", n_accepted);
}

/* ---- Through the model and the command line ---- */

static void
test_model_loads_import (void)
{
  g_autoptr (GBytes) bytes = read_gzipped_fixture ("pretrained_teacher_medium.pth");
  g_autofree char *dir = g_dir_make_tmp ("ead-teacher-XXXXXX", NULL);
  g_autofree char *input = g_build_filename (dir, "pretrained_teacher_medium.pth", NULL);
  g_autofree char *output = g_build_filename (dir, "teacher.safetensors", NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (input, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_assert_true (ead_teacher_import_file (input, output, NULL, NULL, &error));
  g_assert_no_error (error);

  g_autoptr (EadModel) model = ead_model_new (EAD_MODEL_MEDIUM, 256, &error);
  g_assert_no_error (error);
  g_assert_true (ead_model_load_teacher (model, output, &error));
  g_assert_no_error (error);
  EadNets *nets = ead_model_get_nets (model);
  for (guint l = 0; l < G_N_ELEMENTS (medium_names); l++)
    {
      g_autofree char *name = g_strconcat ("teacher.", medium_names[l], NULL);
      int index = ead_nets_find_tensor (nets, name);
      g_assert_cmpint (index, >=, 0);
      gsize n = ead_nets_get_tensor_n_elements (nets, index);
      g_autofree float *values = g_new (float, n);
      g_assert_true (ead_nets_read_tensor (nets, index, values, &error));
      for (gsize i = 0; i < n; i += 997)
        g_assert_cmpfloat (values[i], ==, pattern (l + 1, i));
    }
  g_remove (output);
  g_remove (input);
  g_rmdir (dir);
}

static int
run_cli (const char *const *arguments, char **out, char **err)
{
  const char *cli = g_getenv ("EAD_CLI");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) cli);
  for (const char *const *a = arguments; *a; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, test_child_dies_with_parent,
                NULL, out, err, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli (void)
{
  const char *cli = g_getenv ("EAD_CLI");
  if (!cli || !g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("EAD_CLI does not name the built efficientad");
      return;
    }
  g_autoptr (GBytes) bytes = read_gzipped_fixture ("teacher_small.pth");
  g_autofree char *dir = g_dir_make_tmp ("ead-teacher-cli-XXXXXX", NULL);
  g_autofree char *input = g_build_filename (dir, "teacher_small.pth", NULL);
  g_autofree char *output = g_build_filename (dir, "teacher.safetensors", NULL);
  g_autofree char *hostile = fixture_path ("os_system.pth");
  g_autoptr (GError) error = NULL;
  g_file_set_contents (input, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);

  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run_cli ((const char *[]) { "teacher", "import", input, "-o", output, "--size", "s", NULL },
                            &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "small teacher, 8 tensors, 2694144 parameters"));
  g_autoptr (EadSafetensors) st = ead_safetensors_open (output, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "source"), ==, "teacher_small.pth");

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "teacher", "import", hostile, "-o", output, NULL }, &out, &err),
                   ==, 1);
  g_assert_nonnull (strstr (err, "refusing global 'posix.system'"));
  g_assert_cmpint (strchr (err, '\n') - err, ==, strlen (err) - 1);

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "teacher", "import", input, "-o", output, "--size", "x", NULL },
                            &out, &err), ==, 1);
  g_assert_cmpstr (err, ==, "efficientad: --size must be s or m, not 'x'\n");

  /* The refused import left the earlier good output alone. */
  g_clear_pointer (&st, ead_safetensors_free);
  st = ead_safetensors_open (output, &error);
  g_assert_no_error (error);
  g_remove (output);
  g_remove (input);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/teacher-import/reference-small", test_reference_small);
  g_test_add_func ("/teacher-import/anomalib-medium", test_anomalib_medium);
  g_test_add_func ("/teacher-import/anomalib-model-views", test_anomalib_model_views);
  g_test_add_func ("/teacher-import/wrong-size-requested", test_wrong_size_requested);
  g_test_add_func ("/teacher-import/safetensors", test_safetensors);
  g_test_add_func ("/teacher-import/reimport", test_reimport);
  g_test_add_func ("/teacher-import/non-finite", test_non_finite);
  g_test_add_func ("/teacher-import/refused-files", test_refused_files);
  g_test_add_func ("/teacher-import/name-checks", test_name_checks);
  g_test_add_func ("/teacher-import/damaged-teacher", test_damaged_teacher);
  g_test_add_func ("/teacher-import/model-loads-import", test_model_loads_import);
  g_test_add_func ("/teacher-import/cli", test_cli);
  return g_test_run ();
}

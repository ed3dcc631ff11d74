/* test-safetensors.c: the safetensors reader and writer. */
#include "ead-error.h"
#include "ead-safetensors.h"
#include "test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "test-util.h"

/* ---- Helpers ---- */

static EadSafetensorsWriter *
new_small_writer (void)
{
  static const float weights[] = { 1.0f, -2.0f, 0.5f, 3.25f, 0.0f, -0.125f };
  static const guint8 mask[] = { 0, 1, 255 };
  static const gint64 weights_shape[] = { 2, 3 };
  static const gint64 mask_shape[] = { 3 };
  EadSafetensorsWriter *writer = ead_safetensors_writer_new ();

  ead_safetensors_writer_add (writer, "weights", EAD_DTYPE_F32, 2, weights_shape, weights, sizeof weights);
  ead_safetensors_writer_add (writer, "mask", EAD_DTYPE_U8, 1, mask_shape, mask, sizeof mask);
  ead_safetensors_writer_set_metadata (writer, "format", "pt");
  return writer;
}

static GBytes *
small_file_bytes (void)
{
  g_autoptr(EadSafetensorsWriter) writer = new_small_writer ();
  return ead_safetensors_writer_to_bytes (writer);
}

/* A file made of @header (padded to 8 bytes as writers do) and @buffer_size
 * zero bytes. */
static GBytes *
file_with_header (const char *header, gsize buffer_size)
{
  gsize length = strlen (header);
  gsize padded = (length + 7) & ~(gsize) 7;
  guint64 length_le = GUINT64_TO_LE ((guint64) padded);
  GByteArray *out = g_byte_array_new ();
  g_autofree guint8 *buffer = g_malloc0 (MAX (buffer_size, 1));

  g_byte_array_append (out, (const guint8 *) &length_le, sizeof length_le);
  g_byte_array_append (out, (const guint8 *) header, length);
  for (gsize i = length; i < padded; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);
  g_byte_array_append (out, buffer, buffer_size);
  return g_byte_array_free_to_bytes (out);
}

static EadSafetensors *
parse_bytes (GBytes *bytes, GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return ead_safetensors_new_from_data (data, size, error);
}

/* Checks that a file accepted despite corruption still describes itself
 * consistently. */
static void
assert_views_consistent (const EadSafetensors *st, gsize file_size)
{
  gsize total = 0;

  for (guint i = 0; i < ead_safetensors_get_n_tensors (st); i++)
    {
      const EadTensorView *view = ead_safetensors_get_tensor (st, i);

      g_assert_true (ead_safetensors_find (st, view->name) == view);
      g_assert_cmpint (view->n_dims, >=, 0);
      g_assert_cmpint (view->n_dims, <=, EAD_TENSOR_MAX_DIMS);
      total += view->n_bytes;
    }
  g_assert_cmpuint (total, <=, file_size);
}

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("test-safetensors-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir_recursively (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_dir_recursively (child);
      else
        g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static guint
count_dir_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

/* ---- Tests ---- */

static void
test_dtypes (void)
{
  g_assert_cmpuint (ead_dtype_size (EAD_DTYPE_F32), ==, 4);
  g_assert_cmpuint (ead_dtype_size (EAD_DTYPE_F16), ==, 2);
  g_assert_cmpuint (ead_dtype_size (EAD_DTYPE_BF16), ==, 2);
  g_assert_cmpuint (ead_dtype_size (EAD_DTYPE_F64), ==, 8);
  g_assert_cmpuint (ead_dtype_size (EAD_DTYPE_I64), ==, 8);
  g_assert_cmpuint (ead_dtype_size (EAD_DTYPE_I32), ==, 4);
  g_assert_cmpuint (ead_dtype_size (EAD_DTYPE_U8), ==, 1);
  g_assert_cmpstr (ead_dtype_to_string (EAD_DTYPE_F32), ==, "F32");
  g_assert_cmpstr (ead_dtype_to_string (EAD_DTYPE_BF16), ==, "BF16");
  g_assert_cmpstr (ead_dtype_to_string (EAD_DTYPE_U8), ==, "U8");
}

typedef struct {
  const char *name;
  EadDtype dtype;
  int n_dims;
  gint64 shape[EAD_TENSOR_MAX_DIMS];
  gsize n_bytes;
} TensorSpec;

static void
fill_pattern (guint8 *data, gsize n_bytes, guint seed)
{
  for (gsize i = 0; i < n_bytes; i++)
    data[i] = (guint8) (seed * 31 + i * 7);
}

static void
test_round_trip (void)
{
  /* Odd sizes first, so later tensors are not aligned in the buffer. */
  static const TensorSpec specs[] = {
    { "half", EAD_DTYPE_F16, 1, { 3 }, 6 },
    { "conv.weight", EAD_DTYPE_F32, 4, { 2, 3, 1, 2 }, 48 },
    { "bf", EAD_DTYPE_BF16, 2, { 2, 2 }, 8 },
    { "scalar", EAD_DTYPE_F64, 0, { 0 }, 8 },
    { "steps", EAD_DTYPE_I64, 1, { 3 }, 24 },
    { "empty", EAD_DTYPE_F32, 2, { 0, 5 }, 0 },
    { "ids", EAD_DTYPE_I32, 3, { 1, 1, 2 }, 8 },
    { "bytes", EAD_DTYPE_U8, 1, { 5 }, 5 },
    { "8d", EAD_DTYPE_U8, 8, { 1, 2, 1, 1, 1, 1, 1, 2 }, 4 },
    { "ünïcode \"quoted\"\n", EAD_DTYPE_U8, 1, { 1 }, 1 },
  };
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(EadSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  const char *const *keys;
  const guint8 *file;
  gsize size;
  guint64 header_length;

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autofree guint8 *data = g_malloc (MAX (specs[i].n_bytes, 1));

      fill_pattern (data, specs[i].n_bytes, i);
      ead_safetensors_writer_add (writer, specs[i].name, specs[i].dtype, specs[i].n_dims,
                                  specs[i].shape, data, specs[i].n_bytes);
    }
  ead_safetensors_writer_set_metadata (writer, "format", "pt");
  ead_safetensors_writer_set_metadata (writer, "note", "a \"quoted\" value\nwith ünïcode");
  ead_safetensors_writer_set_metadata (writer, "format", "replaced");

  bytes = ead_safetensors_writer_to_bytes (writer);
  file = g_bytes_get_data (bytes, &size);
  memcpy (&header_length, file, sizeof header_length);
  header_length = GUINT64_FROM_LE (header_length);
  g_assert_cmpuint (header_length % 8, ==, 0);
  g_assert_cmpuint (file[8], ==, '{');

  st = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (st);

  /* Insertion order is data order, so get_tensor returns them as added. */
  g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (specs));
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      const EadTensorView *view = ead_safetensors_get_tensor (st, i);
      g_autofree guint8 *expected = g_malloc (MAX (specs[i].n_bytes, 1));

      fill_pattern (expected, specs[i].n_bytes, i);
      g_assert_cmpstr (view->name, ==, specs[i].name);
      g_assert_true (ead_safetensors_find (st, specs[i].name) == view);
      g_assert_cmpint (view->dtype, ==, specs[i].dtype);
      g_assert_cmpint (view->n_dims, ==, specs[i].n_dims);
      g_assert_cmpmem (view->shape, view->n_dims * sizeof (gint64), specs[i].shape, specs[i].n_dims * sizeof (gint64));
      g_assert_cmpmem (view->data, view->n_bytes, expected, specs[i].n_bytes);
    }
  g_assert_null (ead_safetensors_find (st, "missing"));

  g_assert_cmpstr (ead_safetensors_get_metadata (st, "format"), ==, "replaced");
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "note"), ==, "a \"quoted\" value\nwith ünïcode");
  g_assert_null (ead_safetensors_get_metadata (st, "missing"));
  keys = ead_safetensors_get_metadata_keys (st);
  g_assert_cmpuint (g_strv_length ((char **) keys), ==, 2);
  g_assert_true (g_strv_contains (keys, "format"));
  g_assert_true (g_strv_contains (keys, "note"));
}

/* Names and values with every control character, quotes, backslashes and
 * slashes: written as strict JSON (control characters escaped) and read
 * back the same. */
static void
test_writer_escapes (void)
{
  static const guint8 one = 1;
  static const gint64 shape[] = { 1 };
  g_autoptr(GString) text = g_string_new ("\"q\" \\b/ ünï ");
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(EadSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *file;
  guint64 header_length;

  for (char c = 1; c < 0x20; c++)
    g_string_append_c (text, c);
  g_string_append_c (text, 0x7f);
  ead_safetensors_writer_add (writer, text->str, EAD_DTYPE_U8, 1, shape, &one, 1);
  ead_safetensors_writer_set_metadata (writer, text->str, text->str);
  bytes = ead_safetensors_writer_to_bytes (writer);

  file = g_bytes_get_data (bytes, NULL);
  memcpy (&header_length, file, sizeof header_length);
  header_length = GUINT64_FROM_LE (header_length);
  for (gsize i = 8; i < 8 + header_length; i++)
    g_assert_cmpuint (file[i], >=, 0x20);
  g_assert_nonnull (g_strstr_len ((const char *) file + 8, header_length,
                                  "\"\\\"q\\\" \\\\b/ ünï \\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n"
                                  "\\u000b\\f\\r\\u000e"));
  g_assert_nonnull (g_strstr_len ((const char *) file + 8, header_length, "\\u001e\\u001f\\u007f\""));

  st = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ead_safetensors_get_tensor (st, 0)->name, ==, text->str);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, text->str), ==, text->str);
}

static void
test_padding_and_no_metadata (void)
{
  static const guint8 one = 7;
  static const gint64 shape[] = { 1 };
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(EadSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *header = NULL;
  const guint8 *file;
  gsize size;
  guint64 header_length;
  gsize json_end;

  ead_safetensors_writer_add (writer, "x", EAD_DTYPE_U8, 1, shape, &one, 1);
  bytes = ead_safetensors_writer_to_bytes (writer);
  file = g_bytes_get_data (bytes, &size);
  memcpy (&header_length, file, sizeof header_length);
  header_length = GUINT64_FROM_LE (header_length);
  g_assert_cmpuint (header_length % 8, ==, 0);
  g_assert_cmpuint (size, ==, 8 + header_length + 1);

  header = g_strndup ((const char *) file + 8, header_length);
  g_assert_null (strstr (header, "__metadata__"));
  json_end = strrchr (header, '}') - header + 1;
  for (gsize i = json_end; i < header_length; i++)
    g_assert_cmpint (header[i], ==, ' ');

  st = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((char **) ead_safetensors_get_metadata_keys (st)), ==, 0);
}

static void
test_empty_writer (void)
{
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  g_autoptr(GBytes) bytes = ead_safetensors_writer_to_bytes (writer);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadSafetensors) st = parse_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, 0);
}

/* Laid out the way Python's safetensors writes: the JSON lists tensors in a
 * different order than their data, and this header is not padded. */
static const char hand_built[] =
  "\x8b\x00\x00\x00\x00\x00\x00\x00"
  "{\"__metadata__\":{\"format\":\"pt\"},"
  "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]},"
  "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
  "\x00\x00\x80\x3f\x00\x00\x20\xc0"   /* 1.0f, -2.5f */
  "\x00\x38\x00\x80";                  /* 0.5 and -0.0 in F16 */

static void
test_hand_built (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EadSafetensors) st = NULL;
  static const gint64 shape[] = { 2 };
  float values[2];

  g_assert_cmpuint (sizeof hand_built - 1, ==, 8 + 139 + 12);
  st = ead_safetensors_new_from_data ((const guint8 *) hand_built, sizeof hand_built - 1, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, 2);
  g_assert_cmpstr (ead_safetensors_get_tensor (st, 0)->name, ==, "a");
  g_assert_cmpstr (ead_safetensors_get_tensor (st, 1)->name, ==, "b");
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "format"), ==, "pt");

  g_assert_true (ead_safetensors_read_f32 (st, "a", 1, shape, values, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (values[0], ==, 1.0f);
  g_assert_cmpfloat (values[1], ==, -2.5f);

  g_assert_true (ead_safetensors_read_f32 (st, "b", 1, shape, values, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (values[0], ==, 0.5f);
  g_assert_cmpfloat (values[1], ==, 0.0f);
  g_assert_true (signbit (values[1]));
}

static void
test_truncated (void)
{
  g_autoptr(GBytes) bytes = small_file_bytes ();
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  for (gsize length = 0; length <= size; length++)
    {
      g_autoptr(GError) error = NULL;
      /* An exact-size copy, so that AddressSanitizer sees any overread. */
      g_autofree guint8 *copy = g_memdup2 (data, MAX (length, 1));
      g_autoptr(EadSafetensors) st = ead_safetensors_new_from_data (length > 0 ? copy : NULL, length, &error);

      if (length == size)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, 2);
        }
      else
        {
          g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
          g_assert_null (st);
          g_assert_true (g_str_has_prefix (error->message, "safetensors data: "));
          g_assert_null (strchr (error->message, '\n'));
        }
    }
}

typedef struct {
  const char *header;
  gsize buffer_size;
  const char *reason;   /* expected in the message */
} CorruptCase;

static void
assert_refused (const CorruptCase *cases, guint n_cases)
{
  for (guint i = 0; i < n_cases; i++)
    {
      g_autoptr(GBytes) bytes = file_with_header (cases[i].header, cases[i].buffer_size);
      g_autoptr(GError) error = NULL;
      g_autoptr(EadSafetensors) st = parse_bytes (bytes, &error);

      g_assert_null (st);
      g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
      if (strstr (error->message, cases[i].reason) == NULL)
        g_error ("case %u: message '%s' lacks '%s'", i, error->message, cases[i].reason);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_corrupt (void)
{
  static const CorruptCase cases[] = {
    { "", 0, "not a JSON object" },
    { "   ", 0, "not a JSON object" },
    { "[]", 0, "not a JSON object" },
    { "42", 0, "not a JSON object" },
    { "{\"a\":", 0, "not valid JSON" },
    { "{\"a\" 1}", 0, "not valid JSON" },
    { "{} {}", 0, "text after" },
    { "{'a':{}}", 0, "not strict JSON" },
    { "{/* c */}", 0, "not strict JSON" },
    { "{\"x\":1}", 4, "tensor 'x' is not a JSON object" },
    { "{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'x' has no \"dtype\"" },
    { "{\"x\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "has no \"dtype\"" },
    { "{\"x\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "unsupported dtype 'F8'" },
    { "{\"x\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unsupported dtype 'f32'" },
    { "{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "\"shape\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "\"shape\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4, "\"shape\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", 4, "\"shape\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":{},\"data_offsets\":[0,4]}}", 4, "\"shape\"" },
    { "{\"x\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", 1, "\"shape\"" },
    { "{\"x\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999],\"data_offsets\":[0,1]}}", 1, "\"shape\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "\"data_offsets\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "\"data_offsets\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8, "\"data_offsets\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4, "\"data_offsets\"" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 4, "tensor 'x' data_offsets [0, 8] out of range" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4, "out of range" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "tensor 'x' has 4 bytes, which does not fit shape [2] of F32" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,8]}}", 8, "does not fit shape [] of F32" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,16]}}", 16, "does not fit" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
      "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 6, "tensors 'x' and 'y' overlap" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
      "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "overlap" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "4 bytes before tensor 'x' belong to no tensor" },
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 6, "the last 2 bytes belong to no tensor" },
    /* JSON would let the last of duplicate names win. */
    { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
      "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "header names 'x' twice" },
    { "{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}", 0, "header names 'dtype' twice" },
    { "{\"x\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},\"\\u0078\":{}}", 0, "header names 'x' twice" },
    { "{\"\\u0000\":{}}", 0, "invalid escape" },
    { "{\"\\ud800\":{}}", 0, "invalid escape" },
    { "{\"__metadata__\":{\"x\":\"\\q\"}}", 0, "invalid escape" },
    { "{\"__metadata__\":{\"x\":\"open", 0, "unterminated string" },
    { "{\"__metadata__\":{\"a\":\"b\",\"n\":1}}", 0, "metadata 'n' is not a string" },
    { "{\"__metadata__\":{\"n\":null}}", 0, "metadata 'n' is not a string" },
    { "{\"__metadata__\":{\"n\":[\"x\"]}}", 0, "metadata 'n' is not a string" },
    { "{\"__metadata__\":[]}", 0, "\"__metadata__\" is not a JSON object" },
    { "{\"__metadata__\":\"x\"}", 0, "\"__metadata__\" is not a JSON object" },
    /* Control characters only escaped, as JSON has it. */
    { "{\"bad\x01name\":1}", 0, "raw control character" },
    { "{\"__metadata__\":{\"x\":\"tab\there\"}}", 0, "raw control character" },
    { "{\"\xff\":{}}", 0, "not valid UTF-8" },
  };

  assert_refused (cases, G_N_ELEMENTS (cases));
}

/* A header of one tensor 'x' with these JSON texts as its members' values. */
#define TENSOR_X(dtype, shape, offsets) \
  "{\"x\":{\"dtype\":" dtype ",\"shape\":" shape ",\"data_offsets\":" offsets "}}"

/* What the header reader decides on its own, beyond JSON's grammar. */
static void
test_strict_header (void)
{
  static const CorruptCase cases[] = {
    /* Counts are integers from 0 to G_MAXINT64, written without a sign, a
     * fraction or an exponent. */
    { TENSOR_X ("\"U8\"", "[9223372036854775808]", "[0,1]"), 1, "tensor 'x' \"shape\" is not an array" },
    { TENSOR_X ("\"U8\"", "[18446744073709551617]", "[0,1]"), 1, "\"shape\"" },
    { TENSOR_X ("\"U8\"", "[9223372036854775807]", "[0,1]"), 1, "does not fit shape [9223372036854775807] of U8" },
    { TENSOR_X ("\"U8\"", "[-0]", "[0,0]"), 0, "\"shape\"" },
    { TENSOR_X ("\"U8\"", "[1]", "[0,9223372036854775808]"), 1, "tensor 'x' \"data_offsets\" is not two" },
    { TENSOR_X ("\"U8\"", "[1]", "[0,1.0]"), 1, "\"data_offsets\"" },
    { TENSOR_X ("\"U8\"", "[1]", "[0,1e0]"), 1, "\"data_offsets\"" },
    { TENSOR_X ("\"U8\"", "[1]", "[0,1E+0]"), 1, "\"data_offsets\"" },
    { TENSOR_X ("\"U8\"", "[1]", "[0.0,1]"), 1, "\"data_offsets\"" },
    { TENSOR_X ("\"U8\"", "[1]", "[0,01]"), 1, "not valid JSON" },
    /* A tensor has the format's three members and no others. */
    { "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"extra\":[]}}", 1,
      "tensor 'x' has member 'extra', which safetensors does not define" },
    { "{\"x\":{\"__metadata__\":{}}}", 0, "tensor 'x' has member '__metadata__'" },
    /* Nothing nests deeper than the format. */
    { TENSOR_X ("\"U8\"", "[[1]]", "[0,1]"), 1, "\"shape\"" },
    { TENSOR_X ("\"U8\"", "[1]", "[[0],1]"), 1, "\"data_offsets\"" },
    { TENSOR_X ("{\"name\":\"U8\"}", "[1]", "[0,1]"), 1, "tensor 'x' has no \"dtype\" string" },
    { "{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}", 0, "metadata 'a' is not a string" },
    /* A value of another kind than the format's is refused where it is. */
    { TENSOR_X ("\"U8\"", "\"[1]\"", "[0,1]"), 1, "\"shape\"" },
    { TENSOR_X ("\"U8\"", "[1]", "\"0,1\""), 1, "\"data_offsets\"" },
    { "{\"x\":null}", 0, "tensor 'x' is not a JSON object" },
    { "{\"x\":true}", 0, "tensor 'x' is not a JSON object" },
    /* JSON's grammar, strictly. */
    { "{,}", 0, "not valid JSON" },
    { "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},}", 0, "not valid JSON" },
    { "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]} \"b\":{}}", 0, "not valid JSON" },
    { TENSOR_X ("\"U8\"", "[1,]", "[0,1]"), 1, "not valid JSON" },
    { TENSOR_X ("\"U8\"", "[1 1]", "[0,1]"), 1, "not valid JSON" },
    { "{\"x\":{\"dtype\":\"U8\";\"shape\":[1]}}", 0, "not strict JSON" },
    /* An empty header object leaves no bytes to the buffer. */
    { "{}", 8, "the last 8 bytes belong to no tensor" },
  };

  assert_refused (cases, G_N_ELEMENTS (cases));
}

static EadSafetensors *
parse_header (const char *header, gsize buffer_size)
{
  g_autoptr(GBytes) bytes = file_with_header (header, buffer_size);
  g_autoptr(GError) error = NULL;
  EadSafetensors *st = parse_bytes (bytes, &error);

  g_assert_no_error (error);
  return st;
}

static void
test_empty_header (void)
{
  static const char *const headers[] = { "{}", " { } " };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autoptr(EadSafetensors) st = parse_header (headers[i], 0);

      g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, 0);
      g_assert_null (ead_safetensors_get_metadata_keys (st)[0]);
    }
}

/* JSON's four whitespace characters, everywhere its grammar allows them. */
#define WS " \t\r\n"

static void
test_whitespace (void)
{
  static const char header[] =
    WS "{" WS "\"__metadata__\"" WS ":" WS "{" WS "\"b\"" WS ":" WS "\"2\"" WS "," WS "\"a\"" WS ":" WS "\"1\"" WS "}" WS ","
    WS "\"x\"" WS ":" WS "{" WS "\"dtype\"" WS ":" WS "\"U8\"" WS "," WS "\"shape\"" WS ":" WS "[" WS "2" WS "," WS "1" WS "]"
    WS "," WS "\"data_offsets\"" WS ":" WS "[" WS "0" WS "," WS "2" WS "]" WS "}" WS ","
    WS "\"s\"" WS ":" WS "{" WS "\"shape\"" WS ":" WS "[" WS "]" WS "," WS "\"dtype\"" WS ":" WS "\"U8\"" WS ","
    WS "\"data_offsets\"" WS ":" WS "[" WS "2" WS "," WS "3" WS "]" WS "}" WS "}" WS;
  static const char *const keys_in_file_order[] = { "b", "a", NULL };
  static const gint64 x_shape[] = { 2, 1 };
  g_autoptr(EadSafetensors) st = parse_header (header, 3);
  const EadTensorView *x = ead_safetensors_find (st, "x");
  const EadTensorView *s = ead_safetensors_find (st, "s");

  g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, 2);
  g_assert_cmpint (x->dtype, ==, EAD_DTYPE_U8);
  g_assert_cmpmem (x->shape, x->n_dims * sizeof (gint64), x_shape, sizeof x_shape);
  g_assert_cmpuint (x->n_bytes, ==, 2);
  g_assert_cmpint (s->n_dims, ==, 0);
  g_assert_cmpuint (s->n_bytes, ==, 1);
  g_assert_true (s->data == (const guint8 *) x->data + 2);
  g_assert_true (g_strv_equal ((const char *const *) ead_safetensors_get_metadata_keys (st), keys_in_file_order));
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "b"), ==, "2");
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "a"), ==, "1");
}

static void
test_corrupt_names_are_printable (void)
{
  g_autoptr(GString) long_name = g_string_new ("{\"x\\n");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EadSafetensors) st = NULL;

  for (int i = 0; i < 1000; i++)
    g_string_append_c (long_name, 'y');
  g_string_append (long_name, "\":1}");
  bytes = file_with_header (long_name->str, 0);
  st = parse_bytes (bytes, &error);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_nonnull (strstr (error->message, "tensor 'x\\nyyy"));
  g_assert_cmpuint (strlen (error->message), <, 200);
}

static void
test_header_length (void)
{
  static const guint8 too_short[] = { 1, 0, 0 };
  static const guint8 beyond_file[] = { 0x10, 0, 0, 0, 0, 0, 0, 0, '{', '}' };
  static const guint8 huge[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}' };
  g_autoptr(GError) error = NULL;

  g_assert_null (ead_safetensors_new_from_data (too_short, sizeof too_short, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_nonnull (strstr (error->message, "too short"));
  g_clear_error (&error);

  g_assert_null (ead_safetensors_new_from_data (beyond_file, sizeof beyond_file, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_nonnull (strstr (error->message, "header length 16 exceeds the file size of 10 bytes"));
  g_clear_error (&error);

  g_assert_null (ead_safetensors_new_from_data (huge, sizeof huge, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_nonnull (strstr (error->message, "exceeds the file size"));
}

/* A million brackets after @prefix, where the format wants no array: the
 * reader refuses the first with the format's message, nesting no deeper
 * than the format does (a parser that recursed per level would exhaust
 * its stack). */
static void
assert_deep_nesting_refused (const char *prefix, const char *reason)
{
  g_autoptr(GString) header = g_string_new (prefix);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EadSafetensors) st = NULL;

  for (gsize i = 0; i < 1000000; i++)
    g_string_append_c (header, '[');
  bytes = file_with_header (header->str, 0);
  st = parse_bytes (bytes, &error);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  if (strstr (error->message, reason) == NULL)
    g_error ("after %s: message '%s' lacks '%s'", prefix, error->message, reason);
}

static void
test_deep_nesting (void)
{
  assert_deep_nesting_refused ("{\"x\":", "tensor 'x' is not a JSON object");
  assert_deep_nesting_refused ("{\"x\":{\"dtype\":\"F32\",\"shape\":[", "tensor 'x' \"shape\" is not an array");
  assert_deep_nesting_refused ("{\"x\":{\"data_offsets\":", "tensor 'x' \"data_offsets\" is not two");
  assert_deep_nesting_refused ("{\"__metadata__\":{\"k\":", "metadata 'k' is not a string");
}

/* A header of @n_members names made by @name_of: of empty tensors in the
 * header object, or of keys of its metadata. */
static GBytes *
file_with_members (guint n_members, char *(*name_of) (guint index), gboolean in_metadata)
{
  g_autoptr(GString) header = g_string_new (in_metadata ? "{\"__metadata__\":{" : "{");
  const char *value = in_metadata ? "\"v\"" : "{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}";

  for (guint i = 0; i < n_members; i++)
    {
      g_autofree char *name = name_of (i);
      g_string_append_printf (header, "%s\"%s\":%s", i ? "," : "", name, value);
    }
  g_string_append (header, in_metadata ? "}}" : "}");
  return file_with_header (header->str, 0);
}

static char *
numbered_name (guint index)
{
  return g_strdup_printf ("t%u", index);
}

/* Refused for @reason, or read whole when @reason is NULL. */
static void
assert_members (guint n_members, char *(*name_of) (guint index), gboolean in_metadata, const char *reason)
{
  g_autoptr(GBytes) bytes = file_with_members (n_members, name_of, in_metadata);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadSafetensors) st = parse_bytes (bytes, &error);

  if (reason == NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpuint (in_metadata ? g_strv_length ((char **) ead_safetensors_get_metadata_keys (st))
                                    : ead_safetensors_get_n_tensors (st), ==, n_members);
      return;
    }
  g_assert_null (st);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  if (strstr (error->message, reason) == NULL)
    g_error ("%u members: message '%s' lacks '%s'", n_members, error->message, reason);
}

static void
test_colliding_names (void)
{
  g_autofree char *first = test_colliding_name (0);
  g_autofree char *last = test_colliding_name (32767);

  g_assert_cmpuint (g_str_hash (first), ==, g_str_hash (last));
  for (int in_metadata = 0; in_metadata <= 1; in_metadata++)
    {
      /* 32k names of one hash value would keep a g_str_hash table of the
       * names busy for seconds (quadratic); they are refused after the
       * eighth. A few collide by chance: they are read. */
      assert_members (32768, test_colliding_name, in_metadata, "of one hash value");
      assert_members (8, test_colliding_name, in_metadata, NULL);
    }
}

static void
test_member_count (void)
{
  for (int in_metadata = 0; in_metadata <= 1; in_metadata++)
    {
      assert_members (4097, numbered_name, in_metadata, "more than 4096 members");
      assert_members (4096, numbered_name, in_metadata, NULL);
    }
}

/* A name that would move the cursor and colour the terminal is escaped. */
static void
test_hostile_name_is_escaped (void)
{
  g_autoptr(GBytes) bytes = file_with_header ("{\"a\\nb\\u001b[31m\":1}", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadSafetensors) st = parse_bytes (bytes, &error);

  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_cmpstr (error->message, ==, "safetensors data: tensor 'a\\nb\\x1b[31m' is not a JSON object");
}

static void
test_bit_flips (void)
{
  g_autoptr(GBytes) bytes = small_file_bytes ();
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint64 header_length;
  guint n_accepted = 0;

  memcpy (&header_length, data, sizeof header_length);
  header_length = GUINT64_FROM_LE (header_length);

  for (gsize i = 0; i < 8 + header_length; i++)
    {
      for (int bit = 0; bit < 8; bit++)
        {
          g_autofree guint8 *copy = g_memdup2 (data, size);
          g_autoptr(GBytes) flipped = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(EadSafetensors) st = NULL;

          copy[i] ^= 1 << bit;
          flipped = g_bytes_new_take (g_steal_pointer (&copy), size);
          st = parse_bytes (flipped, &error);
          if (st != NULL)
            {
              g_assert_no_error (error);
              assert_views_consistent (st, size);
              n_accepted++;
            }
          else
            g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
        }
    }
  /* Some flips stay valid (a letter in a name or metadata value), most not. */
  g_test_message ("%u of %" G_GUINT64_FORMAT " flips accepted", n_accepted, (8 + header_length) * 8);
  g_assert_cmpuint (n_accepted, >, 0);
  g_assert_cmpuint (n_accepted, <, (8 + header_length) * 8);
}

static void
test_open_and_save (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(EadSafetensorsWriter) writer = new_small_writer ();
  g_autoptr(EadSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) expected = small_file_bytes ();
  g_autofree char *contents = NULL;
  gsize length;

  /* Replaces an existing file. */
  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_true (ead_safetensors_writer_save (writer, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  st = ead_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, 2);
  g_assert_cmpstr (ead_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpuint (ead_safetensors_find (st, "mask")->n_bytes, ==, 3);

  /* Someone copies another model over the file in place: the one read stays
   * whole (a mapping of the file would raise SIGBUS here). */
  g_assert_cmpint (truncate (path, 0), ==, 0);
  static const guint8 mask[] = { 0, 1, 255 };
  g_assert_cmpmem (ead_safetensors_find (st, "mask")->data, 3, mask, sizeof mask);

  remove_dir_recursively (dir);
}

static void
test_open_errors (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.safetensors", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (ead_safetensors_open (missing, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (bad, "\x02\0\0\0\0\0\0\0{]", 10, NULL));
  g_assert_null (ead_safetensors_open (bad, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_true (g_str_has_prefix (error->message, bad));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_null (ead_safetensors_open (empty, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_true (g_str_has_prefix (error->message, empty));

  remove_dir_recursively (dir);
}

static void
test_save_missing_dir (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "no-such-dir", "model.safetensors", NULL);
  g_autoptr(EadSafetensorsWriter) writer = new_small_writer ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ead_safetensors_writer_save (writer, path, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_cmpuint (count_dir_entries (dir), ==, 0);

  remove_dir_recursively (dir);
}

static void
test_save_unwritable_dir (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(EadSafetensorsWriter) writer = new_small_writer ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  if (access (dir, W_OK) == 0)
    {
      g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
      remove_dir_recursively (dir);
      g_test_skip ("permissions do not apply (running as root?)");
      return;
    }

  g_assert_false (ead_safetensors_writer_save (writer, path, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  remove_dir_recursively (dir);
}

/* Fails the write itself (EFBIG), which works even as root. */
static void
test_save_write_fails (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(EadSafetensorsWriter) writer = new_small_writer ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  struct rlimit saved_limit, small_limit;
  gboolean saved;

  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved_limit), ==, 0);
  small_limit = saved_limit;
  small_limit.rlim_cur = 16;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small_limit), ==, 0);
  saved = ead_safetensors_writer_save (writer, path, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved_limit), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  g_assert_false (saved);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old");
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  remove_dir_recursively (dir);
}

/* Fails the rename: the target is a non-empty directory. */
static void
test_save_rename_fails (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *inside = g_build_filename (path, "keep", NULL);
  g_autoptr(EadSafetensorsWriter) writer = new_small_writer ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  g_assert_true (g_file_set_contents (inside, "x", -1, NULL));

  g_assert_false (ead_safetensors_writer_save (writer, path, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_true (g_file_test (inside, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  remove_dir_recursively (dir);
}

static EadSafetensors *
single_tensor_file (const char *name, EadDtype dtype, int n_dims, const gint64 *shape,
                    const void *data, gsize n_bytes)
{
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  EadSafetensors *st;

  ead_safetensors_writer_add (writer, name, dtype, n_dims, shape, data, n_bytes);
  bytes = ead_safetensors_writer_to_bytes (writer);
  st = parse_bytes (bytes, &error);
  g_assert_no_error (error);
  return st;
}

static void
assert_f16_converts (guint16 bits, float expected)
{
  static const gint64 shape[] = { 1 };
  guint16 bits_le = GUINT16_TO_LE (bits);
  g_autoptr(EadSafetensors) st = single_tensor_file ("h", EAD_DTYPE_F16, 1, shape, &bits_le, 2);
  g_autoptr(GError) error = NULL;
  float value;

  g_assert_true (ead_safetensors_read_f32 (st, "h", 1, shape, &value, &error));
  g_assert_no_error (error);
  if (isnan (expected))
    g_assert_true (isnan (value));
  else
    {
      g_assert_cmpfloat (value, ==, expected);
      g_assert_cmpint (!!signbit (value), ==, !!signbit (expected));
    }
}

static void
test_f16_values (void)
{
  assert_f16_converts (0x0000, 0.0f);
  assert_f16_converts (0x8000, -0.0f);
  assert_f16_converts (0x3c00, 1.0f);
  assert_f16_converts (0xc000, -2.0f);
  assert_f16_converts (0x3555, 0.333251953125f);
  assert_f16_converts (0x7bff, 65504.0f);
  assert_f16_converts (0xfbff, -65504.0f);
  assert_f16_converts (0x0400, 6.103515625e-05f);       /* smallest normal, 2^-14 */
  assert_f16_converts (0x0001, 5.9604644775390625e-08f); /* smallest subnormal, 2^-24 */
  assert_f16_converts (0x03ff, 6.097555160522461e-05f);  /* largest subnormal */
  assert_f16_converts (0x8001, -5.9604644775390625e-08f);
  assert_f16_converts (0x7c00, INFINITY);
  assert_f16_converts (0xfc00, -INFINITY);
  assert_f16_converts (0x7e00, NAN);
  assert_f16_converts (0x7c01, NAN);
  assert_f16_converts (0xfe00, NAN);
}

/* Every half-precision value against the definition, evaluated in double. */
static void
test_f16_exhaustive (void)
{
  static const gint64 shape[] = { 65536 };
  g_autofree guint16 *halves = g_new (guint16, 65536);
  g_autofree float *values = g_new (float, 65536);
  g_autoptr(EadSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 65536; i++)
    halves[i] = GUINT16_TO_LE (i);
  st = single_tensor_file ("all", EAD_DTYPE_F16, 1, shape, halves, 65536 * 2);
  g_assert_true (ead_safetensors_read_f32 (st, "all", 1, shape, values, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 65536; i++)
    {
      int sign = i >> 15;
      int exponent = (i >> 10) & 0x1f;
      int mantissa = i & 0x3ff;
      double expected;

      if (exponent == 0x1f)
        {
          if (mantissa != 0)
            g_assert_true (isnan (values[i]));
          else
            g_assert_true (isinf (values[i]));
          g_assert_cmpint (!!signbit (values[i]), ==, sign);
          continue;
        }
      if (exponent == 0)
        expected = ldexp (mantissa, -24);
      else
        expected = ldexp (1024 + mantissa, exponent - 25);
      if (sign)
        expected = -expected;
      g_assert_cmpfloat ((double) values[i], ==, expected);
      g_assert_cmpint (!!signbit (values[i]), ==, sign);
    }
}

static void
test_bf16_values (void)
{
  static const guint16 bits[] = { 0x3f80, 0xc000, 0x4049, 0x0000, 0x8000, 0x0001, 0x7f7f, 0x7f80, 0xff80, 0x7fc0 };
  static const float expected[] = { 1.0f, -2.0f, 3.140625f, 0.0f, -0.0f, 9.183549615799121e-41f,
                                    3.3895313892515355e+38f, INFINITY, -INFINITY, NAN };
  static const gint64 shape[] = { G_N_ELEMENTS (bits) };
  guint16 bits_le[G_N_ELEMENTS (bits)];
  float values[G_N_ELEMENTS (bits)];
  g_autoptr(EadSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bits); i++)
    bits_le[i] = GUINT16_TO_LE (bits[i]);
  st = single_tensor_file ("b", EAD_DTYPE_BF16, 1, shape, bits_le, sizeof bits_le);
  g_assert_true (ead_safetensors_read_f32 (st, "b", 1, shape, values, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bits); i++)
    {
      if (isnan (expected[i]))
        g_assert_true (isnan (values[i]));
      else
        g_assert_cmpfloat (values[i], ==, expected[i]);
      g_assert_cmpint (!!signbit (values[i]), ==, !!signbit (expected[i]));
    }
}

static void
test_read_f32 (void)
{
  static const float weights[] = { 1.0f, -2.0f, 0.5f, 3.25f, 0.0f, -0.125f };
  static const gint64 shape[] = { 2, 3 };
  static const gint64 wrong_shape[] = { 3, 2 };
  static const gint64 mask_shape[] = { 3 };
  g_autoptr(GBytes) bytes = small_file_bytes ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EadSafetensors) st = parse_bytes (bytes, &error);
  float values[6];

  g_assert_no_error (error);
  g_assert_true (ead_safetensors_read_f32 (st, "weights", 2, shape, values, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (values, sizeof values, weights, sizeof weights);

  g_assert_false (ead_safetensors_read_f32 (st, "weights", 2, wrong_shape, values, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_assert_nonnull (strstr (error->message, "tensor 'weights' has shape [2, 3], expected [3, 2]"));
  g_clear_error (&error);

  g_assert_false (ead_safetensors_read_f32 (st, "weights", 1, shape, values, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_clear_error (&error);

  g_assert_false (ead_safetensors_read_f32 (st, "mask", 1, mask_shape, values, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_assert_nonnull (strstr (error->message, "dtype U8"));
  g_clear_error (&error);

  g_assert_false (ead_safetensors_read_f32 (st, "absent", 2, shape, values, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_assert_nonnull (strstr (error->message, "no tensor 'absent'"));
}

static void
test_writer_rejects_misuse (void)
{
  static const float value = 1.0f;
  static const gint64 shape[] = { 1 };
  static const gint64 bad_shape[] = { 2 };
  g_autoptr(EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(EadSafetensors) st = NULL;

  ead_safetensors_writer_add (writer, "x", EAD_DTYPE_F32, 1, shape, &value, sizeof value);

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  ead_safetensors_writer_add (writer, "x", EAD_DTYPE_F32, 1, shape, &value, sizeof value);
  g_test_assert_expected_messages ();

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  ead_safetensors_writer_add (writer, "y", EAD_DTYPE_F32, 1, bad_shape, &value, sizeof value);
  g_test_assert_expected_messages ();

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*assertion*failed*");
  ead_safetensors_writer_add (writer, "__metadata__", EAD_DTYPE_F32, 1, shape, &value, sizeof value);
  g_test_assert_expected_messages ();

  bytes = ead_safetensors_writer_to_bytes (writer);
  st = parse_bytes (bytes, NULL);
  g_assert_cmpuint (ead_safetensors_get_n_tensors (st), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/safetensors/dtypes", test_dtypes);
  g_test_add_func ("/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/safetensors/writer-escapes", test_writer_escapes);
  g_test_add_func ("/safetensors/padding-and-no-metadata", test_padding_and_no_metadata);
  g_test_add_func ("/safetensors/empty-writer", test_empty_writer);
  g_test_add_func ("/safetensors/hand-built", test_hand_built);
  g_test_add_func ("/safetensors/truncated", test_truncated);
  g_test_add_func ("/safetensors/corrupt", test_corrupt);
  g_test_add_func ("/safetensors/strict-header", test_strict_header);
  g_test_add_func ("/safetensors/empty-header", test_empty_header);
  g_test_add_func ("/safetensors/whitespace", test_whitespace);
  g_test_add_func ("/safetensors/corrupt-names-are-printable", test_corrupt_names_are_printable);
  g_test_add_func ("/safetensors/header-length", test_header_length);
  g_test_add_func ("/safetensors/deep-nesting", test_deep_nesting);
  g_test_add_func ("/safetensors/colliding-names", test_colliding_names);
  g_test_add_func ("/safetensors/member-count", test_member_count);
  g_test_add_func ("/safetensors/hostile-name-is-escaped", test_hostile_name_is_escaped);
  g_test_add_func ("/safetensors/bit-flips", test_bit_flips);
  g_test_add_func ("/safetensors/open-and-save", test_open_and_save);
  g_test_add_func ("/safetensors/open-errors", test_open_errors);
  g_test_add_func ("/safetensors/save-missing-dir", test_save_missing_dir);
  test_add_part ("unprivileged", "/safetensors/save-unwritable-dir", test_save_unwritable_dir);
  g_test_add_func ("/safetensors/save-write-fails", test_save_write_fails);
  g_test_add_func ("/safetensors/save-rename-fails", test_save_rename_fails);
  g_test_add_func ("/safetensors/f16-values", test_f16_values);
  g_test_add_func ("/safetensors/f16-exhaustive", test_f16_exhaustive);
  g_test_add_func ("/safetensors/bf16-values", test_bf16_values);
  g_test_add_func ("/safetensors/read-f32", test_read_f32);
  g_test_add_func ("/safetensors/writer-rejects-misuse", test_writer_rejects_misuse);

  return g_test_run ();
}

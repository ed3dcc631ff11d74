/* test-pickle.c: the strict state_dict pickle reader.
 *
 * Pickles come from three places: tiny.pth, written by torch.save; a small
 * assembler below that writes what torch.save writes, with one thing changed
 * at a time; and hand-written opcode strings for the machine's corner cases. */
#include "ead-error.h"
#include "ead-pickle.h"
#include "ead-zip.h"

#include <string.h>

#include "test-util.h"

/* ---- An assembler for state_dict pickles ---- */

/* How a tensor's storage key is written: inline, inline and stored in memo
 * slot 0 (BINPUT), or fetched from it (BINGET). */
typedef enum {
  KEY_INLINE,
  KEY_MEMOIZED,
  KEY_FROM_MEMO,
} KeyForm;

typedef struct {
  const char *name;
  const char *storage_tag;     /* "storage" */
  const char *module;          /* "torch" */
  const char *storage_type;    /* "FloatStorage" */
  const char *key;
  gint64 numel;
  gint64 offset;
  int n_dims;
  int n_strides;
  gint64 shape[EAD_TENSOR_MAX_DIMS + 1];
  gint64 stride[EAD_TENSOR_MAX_DIMS + 1];
  gboolean as_parameter;       /* wrapped in _rebuild_parameter */
  KeyForm key_form;
} Spec;

/* A contiguous 2 x 3 float32 tensor "w" on storage "0". */
static Spec
default_spec (void)
{
  return (Spec) {
    .name = "w", .storage_tag = "storage", .module = "torch", .storage_type = "FloatStorage",
    .key = "0", .numel = 6, .n_dims = 2, .n_strides = 2, .shape = { 2, 3 }, .stride = { 3, 1 },
  };
}

static void
emit (GByteArray *p, const char *bytes, gsize n)
{
  g_byte_array_append (p, (const guint8 *) bytes, n);
}

static void
emit_op (GByteArray *p, guint8 op)
{
  g_byte_array_append (p, &op, 1);
}

/* The smallest integer opcode, as pickle does. */
static void
emit_int (GByteArray *p, gint64 value)
{
  guint8 bytes[8];
  int n;

  if (value >= 0 && value < 0x100)
    emit_op (p, 'K'), n = 1;
  else if (value >= 0 && value < 0x10000)
    emit_op (p, 'M'), n = 2;
  else if (value >= G_MININT32 && value <= G_MAXINT32)
    emit_op (p, 'J'), n = 4;
  else
    emit_op (p, 0x8a), emit_op (p, 8), n = 8;
  for (int i = 0; i < n; i++)
    bytes[i] = ((guint64) value >> (8 * i)) & 0xff;
  emit (p, (const char *) bytes, n);
}

static void
emit_string (GByteArray *p, const char *text)
{
  guint32 length = GUINT32_TO_LE (strlen (text));

  emit_op (p, 'X');
  emit (p, (const char *) &length, 4);
  emit (p, text, strlen (text));
}

static void
emit_global (GByteArray *p, const char *module, const char *name)
{
  emit_op (p, 'c');
  emit (p, module, strlen (module));
  emit_op (p, '\n');
  emit (p, name, strlen (name));
  emit_op (p, '\n');
}

static void
emit_int_tuple (GByteArray *p, const gint64 *values, int n)
{
  emit_op (p, '(');
  for (int i = 0; i < n; i++)
    emit_int (p, values[i]);
  emit_op (p, 't');
}

static void
emit_empty_ordered_dict (GByteArray *p)
{
  emit_global (p, "collections", "OrderedDict");
  emit (p, ")R", 2);
}

static void
emit_tensor (GByteArray *p, const Spec *s)
{
  if (s->as_parameter)
    {
      emit_global (p, "torch._utils", "_rebuild_parameter");
      emit_op (p, '(');
    }
  emit_global (p, "torch._utils", "_rebuild_tensor_v2");
  emit (p, "((", 2);
  emit_string (p, s->storage_tag);
  emit_global (p, s->module, s->storage_type);
  if (s->key_form == KEY_FROM_MEMO)
    emit (p, "h\x00", 2);
  else
    emit_string (p, s->key);
  if (s->key_form == KEY_MEMOIZED)
    emit (p, "q\x00", 2);
  emit_string (p, "cpu");
  emit_int (p, s->numel);
  emit (p, "tQ", 2);
  emit_int (p, s->offset);
  emit_int_tuple (p, s->shape, s->n_dims);
  emit_int_tuple (p, s->stride, s->n_strides);
  emit_op (p, 0x89);
  emit_empty_ordered_dict (p);
  emit (p, "tR", 2);
  if (s->as_parameter)
    {
      emit_op (p, 0x89);
      emit_empty_ordered_dict (p);
      emit (p, "tR", 2);
    }
}

/* torch.save's layout: PROTO 2, OrderedDict(), SETITEMS of name, tensor. */
static GByteArray *
assemble (const Spec *specs, guint n)
{
  GByteArray *p = g_byte_array_new ();

  emit (p, "\x80\x02", 2);
  emit_empty_ordered_dict (p);
  emit_op (p, '(');
  for (guint i = 0; i < n; i++)
    {
      emit_string (p, specs[i].name);
      emit_tensor (p, &specs[i]);
    }
  emit (p, "u.", 2);
  return p;
}

static GPtrArray *
read_specs (const Spec *specs, guint n, GError **error)
{
  g_autoptr (GByteArray) p = assemble (specs, n);

  return ead_pickle_read_state_dict (p->data, p->len, error);
}

static void
assert_refused_with (GPtrArray *tensors, GError *error, const char *reason)
{
  g_assert_null (tensors);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  if (!strstr (error->message, reason))
    g_error ("expected '%s' in: %s", reason, error->message);
  g_assert_null (strpbrk (error->message, "\n\x1b"));
}

static void
assert_specs_refused (const Spec *specs, guint n, const char *reason)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tensors = read_specs (specs, n, &error);

  assert_refused_with (tensors, error, reason);
}

static GBytes *
tiny_pickle (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("EAD_TEST_DATA"), "teachers", "tiny.pth", NULL);
  g_autoptr (GError) error = NULL;
  char *contents;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) file = g_bytes_new_take (contents, length);
  g_autoptr (EadZip) zip = ead_zip_new (file, &error);
  g_assert_no_error (error);
  GBytes *pickle = ead_zip_read (zip, "tiny/data.pkl", &error);
  g_assert_no_error (error);
  return pickle;
}

/* ---- Accepted pickles ---- */

static void
assert_tensor (const EadPickleTensor *t, const char *name, EadDtype dtype, const char *key,
               gint64 numel, gint64 offset, int n_dims, const gint64 *shape, const gint64 *stride)
{
  g_assert_cmpstr (t->name, ==, name);
  g_assert_cmpint (t->dtype, ==, dtype);
  g_assert_cmpstr (t->storage_key, ==, key);
  g_assert_cmpint (t->storage_numel, ==, numel);
  g_assert_cmpint (t->offset, ==, offset);
  g_assert_cmpint (t->n_dims, ==, n_dims);
  g_assert_cmpmem (t->shape, n_dims * sizeof (gint64), shape, n_dims * sizeof (gint64));
  g_assert_cmpmem (t->stride, n_dims * sizeof (gint64), stride, n_dims * sizeof (gint64));
}

/* nn.Sequential (Conv2d (3, 4, 2), ReLU (), Conv2d (4, 2, 1)).state_dict (),
 * with its _metadata set by BUILD. */
static void
test_torch_state_dict (void)
{
  g_autoptr (GBytes) pickle = tiny_pickle ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tensors = ead_pickle_read_state_dict (g_bytes_get_data (pickle, NULL),
                                                             g_bytes_get_size (pickle), &error);

  g_assert_no_error (error);
  g_assert_cmpuint (tensors->len, ==, 4);
  assert_tensor (tensors->pdata[0], "0.weight", EAD_DTYPE_F32, "0", 48, 0, 4,
                 (gint64[]) { 4, 3, 2, 2 }, (gint64[]) { 12, 4, 2, 1 });
  assert_tensor (tensors->pdata[1], "0.bias", EAD_DTYPE_F32, "1", 4, 0, 1, (gint64[]) { 4 }, (gint64[]) { 1 });
  assert_tensor (tensors->pdata[2], "2.weight", EAD_DTYPE_F32, "2", 8, 0, 4,
                 (gint64[]) { 2, 4, 1, 1 }, (gint64[]) { 4, 1, 1, 1 });
  assert_tensor (tensors->pdata[3], "2.bias", EAD_DTYPE_F32, "3", 2, 0, 1, (gint64[]) { 2 }, (gint64[]) { 1 });
}

static void
test_views_and_dtypes (void)
{
  Spec specs[5];
  for (int i = 0; i < 5; i++)
    specs[i] = default_spec ();
  /* A transposed view at an offset into a shared half storage. */
  specs[0] = (Spec) { .name = "t", .storage_tag = "storage", .module = "torch", .storage_type = "HalfStorage",
                      .key = "s", .numel = 10, .offset = 4, .n_dims = 2, .n_strides = 2,
                      .shape = { 3, 2 }, .stride = { 1, 3 } };
  specs[1] = specs[0];
  specs[1].name = "head";
  specs[1].offset = 0;
  specs[1].n_dims = specs[1].n_strides = 1;
  specs[1].shape[0] = 4;
  specs[1].stride[0] = 1;
  /* A scalar, an empty tensor, a broadcast (stride 0) bf16 Parameter. */
  specs[2].name = "scalar";
  specs[2].key = "1";
  specs[2].numel = 1;
  specs[2].n_dims = specs[2].n_strides = 0;
  specs[3].name = "empty";
  specs[3].key = "2";
  specs[3].numel = 0;
  specs[3].shape[0] = 0;
  specs[4].name = "broadcast";
  specs[4].key = "3";
  specs[4].storage_type = "BFloat16Storage";
  specs[4].numel = 3;
  specs[4].stride[0] = 0;
  specs[4].as_parameter = TRUE;

  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tensors = read_specs (specs, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tensors->len, ==, 5);
  assert_tensor (tensors->pdata[0], "t", EAD_DTYPE_F16, "s", 10, 4, 2, (gint64[]) { 3, 2 }, (gint64[]) { 1, 3 });
  assert_tensor (tensors->pdata[1], "head", EAD_DTYPE_F16, "s", 10, 0, 1, (gint64[]) { 4 }, (gint64[]) { 1 });
  assert_tensor (tensors->pdata[2], "scalar", EAD_DTYPE_F32, "1", 1, 0, 0, (gint64[]) { 0 }, (gint64[]) { 0 });
  assert_tensor (tensors->pdata[3], "empty", EAD_DTYPE_F32, "2", 0, 0, 2, (gint64[]) { 0, 3 }, (gint64[]) { 3, 1 });
  assert_tensor (tensors->pdata[4], "broadcast", EAD_DTYPE_BF16, "3", 3, 0, 2, (gint64[]) { 2, 3 },
                 (gint64[]) { 0, 1 });
}

/* Protocol 4 as torch.save (pickle_protocol=4) writes it: FRAME,
 * SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, and BINGET of memoised objects. */
static void
test_protocol_4 (void)
{
  static const char pickle[] =
    "\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x8c\x0b" "collections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94"   /* memo 0 to 3 */
    "(\x8c\x01w\x94"                                                  /* memo 4 */
    "\x8c\x0ctorch._utils\x94\x8c\x12_rebuild_tensor_v2\x94\x93\x94"     /* memo 5, 6, 7 */
    "((\x8c\x07storage\x94\x8c\x05torch\x94\x8c\x0c" "FloatStorage\x94\x93\x94"
    "\x8c\x01" "0\x94\x8c\x03" "cpu\x94K\x06tQ"
    "K\x00K\x02K\x03\x86K\x03K\x01\x86\x89h\x02)R\x94tR\x94"
    "\x8c\x01v\x94h\x07((h\x08h\x0b\x8c\x01" "1\x94h\x0dK\x03tQ"            /* 'storage', type, 'cpu' */
    "K\x00K\x03\x85K\x01\x85\x89h\x02)RtR"
    "u.";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tensors = ead_pickle_read_state_dict ((const guint8 *) pickle, sizeof pickle - 1,
                                                             &error);

  g_assert_no_error (error);
  g_assert_cmpuint (tensors->len, ==, 2);
  assert_tensor (tensors->pdata[0], "w", EAD_DTYPE_F32, "0", 6, 0, 2, (gint64[]) { 2, 3 }, (gint64[]) { 3, 1 });
  assert_tensor (tensors->pdata[1], "v", EAD_DTYPE_F32, "1", 3, 0, 1, (gint64[]) { 3 }, (gint64[]) { 1 });
}

/* ---- Refused pickles ---- */

static void
test_refused_globals (void)
{
  const char *globals[][2] = {
    { "os", "system" }, { "posix", "system" }, { "builtins", "eval" }, { "builtins", "getattr" },
    { "subprocess", "Popen" }, { "torch._utils", "_rebuild_tensor" }, { "torch", "DoubleStorage" },
    { "torch.storage", "_load_from_bytes" }, { "collections", "defaultdict" }, { "torch", "load" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (globals); i++)
    {
      g_autofree char *expected = g_strdup_printf ("refusing global '%s.%s'", globals[i][0], globals[i][1]);
      for (int stack_form = 0; stack_form < 2; stack_form++)
        {
          g_autoptr (GByteArray) p = g_byte_array_new ();
          g_autoptr (GError) error = NULL;
          emit (p, stack_form ? "\x80\x04" : "\x80\x02", 2);
          if (stack_form)
            {
              emit_string (p, globals[i][0]);
              emit_string (p, globals[i][1]);
              emit_op (p, 0x93);
            }
          else
            emit_global (p, globals[i][0], globals[i][1]);
          emit_string (p, "echo this must never run");
          emit (p, "\x85R.", 3);
          g_autoptr (GPtrArray) tensors = ead_pickle_read_state_dict (p->data, p->len, &error);
          assert_refused_with (tensors, error, expected);
        }
    }
}

/* What Python's pickle writes for an object whose __reduce__ returns
 * (os.system, (...)), inside a torch.save archive. */
static void
test_os_system_file (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("EAD_TEST_DATA"), "teachers", "os_system.pth", NULL);
  g_autoptr (GError) error = NULL;
  char *contents;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) file = g_bytes_new_take (contents, length);
  g_autoptr (EadZip) zip = ead_zip_new (file, &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) pickle = ead_zip_read (zip, "os_system/data.pkl", &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) tensors = ead_pickle_read_state_dict (g_bytes_get_data (pickle, NULL),
                                                             g_bytes_get_size (pickle), &error);
  assert_refused_with (tensors, error, "refusing global 'posix.system'");
}

static void
test_refused_tensors (void)
{
  Spec s = default_spec ();

  s.offset = 1;
  assert_specs_refused (&s, 1, "reaches outside its storage '0' of 6 elements");
  s = default_spec ();
  s.numel = 5;
  assert_specs_refused (&s, 1, "reaches outside");
  s = default_spec ();
  s.stride[0] = G_GINT64_CONSTANT (1) << 62;
  s.shape[0] = 5;
  assert_specs_refused (&s, 1, "reaches outside");
  s = default_spec ();
  s.offset = -1;
  assert_specs_refused (&s, 1, "offset, shape or strides are invalid");
  s = default_spec ();
  s.stride[1] = -1;
  assert_specs_refused (&s, 1, "offset, shape or strides are invalid");
  s = default_spec ();
  s.n_strides = 1;
  assert_specs_refused (&s, 1, "offset, shape or strides are invalid");
  s = default_spec ();
  s.n_dims = s.n_strides = EAD_TENSOR_MAX_DIMS + 1;
  for (int d = 0; d < s.n_dims; d++)
    s.shape[d] = s.stride[d] = 1;
  assert_specs_refused (&s, 1, "offset, shape or strides are invalid");
  s = default_spec ();
  s.numel = -1;
  assert_specs_refused (&s, 1, "persistent id is not a float storage reference");
  s = default_spec ();
  s.storage_tag = "module";
  assert_specs_refused (&s, 1, "persistent id");
  s = default_spec ();
  s.module = "collections";
  s.storage_type = "OrderedDict";
  assert_specs_refused (&s, 1, "persistent id");
  s = default_spec ();
  s.storage_type = "DoubleStorage";
  assert_specs_refused (&s, 1, "refusing global 'torch.DoubleStorage'");

  Spec two[2] = { default_spec (), default_spec () };
  assert_specs_refused (two, 2, "'w' appears twice");
  two[1].name = "v";
  two[1].numel = 7;
  assert_specs_refused (two, 2, "tensors 'w' and 'v' describe storage '0' differently");
  two[1].numel = 6;
  two[1].storage_type = "HalfStorage";
  assert_specs_refused (two, 2, "differently");
}

/* @n tensors of one storage whose key of @key_length bytes is written once
 * and then fetched from the memo: a few bytes per tensor. */
static GPtrArray *
read_shared_key (guint n, gsize key_length, GError **error)
{
  g_autofree char *key = g_strnfill (key_length, '7');
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree Spec *specs = g_new (Spec, n);

  for (guint i = 0; i < n; i++)
    {
      specs[i] = default_spec ();
      g_ptr_array_add (names, g_strdup_printf ("t%u", i));
      specs[i].name = names->pdata[i];
      specs[i].key = key;
      specs[i].key_form = i == 0 ? KEY_MEMOIZED : KEY_FROM_MEMO;
    }
  return read_specs (specs, n, error);
}

/* A long key named by every tensor used to be copied for each: quadratic in
 * the size of the file (a 64 KB pickle already showed it). Keys are capped,
 * so 20,000 tensors naming a 100 KB key are refused at the first. */
static void
test_long_storage_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tensors = read_shared_key (20000, 64, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (tensors->len, ==, 20000);
  g_clear_pointer (&tensors, g_ptr_array_unref);
  tensors = read_shared_key (20000, 100000, &error);
  assert_refused_with (tensors, error, "storage key of 100000 bytes is longer than torch.save writes (64)");
}

/* 30,000 such names took g_str_hash tables 4.5 10^8 comparisons: the
 * reader's tables hash names with a secret of the process instead. */
static void
test_colliding_names (void)
{
  const guint n = 30000;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree Spec *specs = g_new (Spec, n);

  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (names, test_colliding_name (i));
      specs[i] = default_spec ();
      specs[i].name = names->pdata[i];
      specs[i].key = names->pdata[i];
    }
  g_assert_cmpuint (g_str_hash (names->pdata[0]), ==, g_str_hash (names->pdata[n - 1]));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tensors = read_specs (specs, n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tensors->len, ==, n);
}

/* Opcode strings for the machine's corner cases; the reason each must give. */
#define RAW(literal, reason) { literal, sizeof literal - 1, reason }
static const struct {
  const char *bytes;
  gsize size;
  const char *reason;
} raw_cases[] = {
  RAW ("}.", "not a pickle of protocol 2"),
  RAW ("\x80\x01}.", "protocol 1 is not supported"),
  RAW ("\x80\x06}.", "protocol 6 is not supported"),
  RAW ("\x80\x02\x80\x02}.", "PROTO after the start"),
  RAW ("\x80\x02(ios\nsystem\n.", "opcode 0x69 is not allowed"),        /* INST */
  RAW ("\x80\x02}(}o.", "opcode 0x6f"),                                 /* OBJ */
  RAW ("\x80\x02P1\n.", "opcode 0x50"),                                 /* PERSID */
  RAW ("\x80\x02]q\x00.", "opcode 0x5d"),                               /* EMPTY_LIST */
  RAW ("\x80\x02Vx\n.", "opcode 0x56"),                                 /* UNICODE */
  RAW ("\x80\x02)\x81.", "opcode 0x81"),                                /* NEWOBJ */
  RAW ("\x80\x02\x92.", "opcode 0x92"),                                 /* NEWOBJ_EX */
  RAW ("\x80\x02}", "pickle byte 3: truncated (no STOP)"),
  RAW ("\x80\x02X\x05\x00\x00\x00" "ab", "pickle byte 2: truncated"),
  RAW ("\x80\x02J\x01\x00", "truncated"),
  RAW ("\x80\x02}..", "bytes after STOP"),
  RAW ("\x80\x02}}.", "STOP with 2 objects and 0 marks left"),
  RAW ("\x80\x02}(.", "STOP with 1 objects and 1 marks left"),
  RAW ("\x80\x02R.", "stack underflow"),
  RAW ("\x80\x02}(K\x01s.", "stack underflow"),
  RAW ("\x80\x02}h\x05.", "memo index 5 was never stored"),
  RAW ("\x80\x02}u.", "no mark to pop to"),
  RAW ("\x80\x02}(K\x01u.", "odd number of items"),
  RAW ("\x80\x02}K\x01K\x02s.", "dict key is not a string"),
  RAW ("\x80\x02K\x01X\x01\x00\x00\x00" "aK\x02s.", "SETITEM on something that is not a dict"),
  RAW ("\x80\x02}X\x01\x00\x00\x00" "aK\x02s.", "'a' is not a tensor"),
  RAW ("\x80\x02K\x01.", "no dict of tensors"),
  RAW ("\x80\x02\x8a\x09" "123456789.", "integer of 9 bytes is too large"),
  RAW ("\x80\x02X\x02\x00\x00\x00\xff\xfe.", "not valid UTF-8"),
  RAW ("\x80\x02X\x02\x00\x00\x00" "a\x00" ".", "holds a NUL"),
  RAW ("\x80\x02" "cos", "GLOBAL name is truncated"),
  RAW ("\x80\x02" "co\x01s\nsystem\n.", "non-printable"),
  RAW ("\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00}.", "frame runs past the end"),
  RAW ("\x80\x04K\x01K\x02\x93.", "STACK_GLOBAL needs two strings"),
  RAW ("\x80\x04\x8c\x02os\x8c\x0esystem\n\x1b[31mrm\x93.", "STACK_GLOBAL module or name is long or holds a non-printable"),
  RAW ("\x80\x04\x8c\x03o\ns\x8c\x06system\x93.", "STACK_GLOBAL module or name"),
  RAW ("\x80\x02}K\x01" "b.", "BUILD is only allowed"),
  RAW ("\x80\x02" "ccollections\nOrderedDict\nK\x01\x85R.", "OrderedDict called with arguments"),
  RAW ("\x80\x02K\x01)R.", "REDUCE needs an allowed global"),
  RAW ("\x80\x02" "ctorch\nFloatStorage\n)R.", "a storage type cannot be called"),
  RAW ("\x80\x02K\x01Q.", "persistent id"),
  RAW ("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n)R.", "unexpected arguments to _rebuild_tensor_v2"),
  RAW ("\x80\x02" "ctorch._utils\n_rebuild_parameter\n)R.", "unexpected arguments to _rebuild_parameter"),
};
#undef RAW

static void
test_refused_opcodes (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (raw_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) tensors = ead_pickle_read_state_dict ((const guint8 *) raw_cases[i].bytes,
                                                                 raw_cases[i].size, &error);
      assert_refused_with (tensors, error, raw_cases[i].reason);
    }
}

/* ---- Damaged pickles ---- */

/* A result accepted despite damage must still describe itself sensibly. */
static void
assert_consistent (GPtrArray *tensors)
{
  for (guint i = 0; i < tensors->len; i++)
    {
      const EadPickleTensor *t = tensors->pdata[i];
      g_assert_nonnull (t->name);
      g_assert_nonnull (t->storage_key);
      g_assert_cmpint (t->n_dims, >=, 0);
      g_assert_cmpint (t->n_dims, <=, EAD_TENSOR_MAX_DIMS);
      g_assert_cmpint (t->offset, >=, 0);
      g_assert_cmpint (t->storage_numel, >=, 0);
    }
}

static void
test_every_truncation (void)
{
  g_autoptr (GBytes) pickle = tiny_pickle ();
  gsize size;
  const guint8 *data = g_bytes_get_data (pickle, &size);

  for (gsize length = 0; length < size; length++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) tensors = ead_pickle_read_state_dict (data, length, &error);
      g_assert_null (tensors);
      g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
    }
}

static void
test_every_bit_flip (void)
{
  g_autoptr (GBytes) pickle = tiny_pickle ();
  gsize size = g_bytes_get_size (pickle);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (pickle, NULL), size);
  guint n_accepted = 0;

  for (gsize p = 0; p < size; p++)
    for (int bit = 0; bit < 8; bit++)
      {
        g_autoptr (GError) error = NULL;
        data[p] ^= 1 << bit;
        g_autoptr (GPtrArray) tensors = ead_pickle_read_state_dict (data, size, &error);
        data[p] ^= 1 << bit;
        if (tensors)
          {
            assert_consistent (tensors);
            n_accepted++;
          }
        else
          g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
      }
  /* Flips inside names, keys and sizes can leave a valid state_dict. */
  g_test_message ("%u of %" G_GSIZE_FORMAT " flipped pickles were still valid", n_accepted, size * 8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pickle/torch-state-dict", test_torch_state_dict);
  g_test_add_func ("/pickle/views-and-dtypes", test_views_and_dtypes);
  g_test_add_func ("/pickle/protocol-4", test_protocol_4);
  g_test_add_func ("/pickle/refused-globals", test_refused_globals);
  g_test_add_func ("/pickle/os-system-file", test_os_system_file);
  g_test_add_func ("/pickle/refused-tensors", test_refused_tensors);
  g_test_add_func ("/pickle/refused-opcodes", test_refused_opcodes);
  g_test_add_func ("/pickle/long-storage-keys", test_long_storage_keys);
  g_test_add_func ("/pickle/colliding-names", test_colliding_names);
  g_test_add_func ("/pickle/every-truncation", test_every_truncation);
  g_test_add_func ("/pickle/every-bit-flip", test_every_bit_flip);
  return g_test_run ();
}

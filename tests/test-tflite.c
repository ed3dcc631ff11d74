/* test-tflite.c: the TFLite flatbuffer reader, on the shipped MobileNetV2
 * files when ../shared is there and on a small model built here, intact,
 * truncated and bit-flipped. */
#include "ead-error.h"
#include "ead-tflite.h"
#include "test-util.h"

#include <math.h>
#include <string.h>

/* ---- A tiny flatbuffer writer ----
 * It writes front to back: a parent first, its children after it, since an
 * offset field counts forward to its target. Every table field takes a 4-byte
 * slot; the reader takes bytes and ints from the slot's start. */

static void
fbb_align (GByteArray *b, guint alignment)
{
  static const guint8 zeros[8] = { 0 };
  g_byte_array_append (b, zeros, (alignment - b->len % alignment) % alignment);
}

static void
fbb_put_u32 (GByteArray *b, gsize pos, guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);
  memcpy (b->data + pos, &le, sizeof le);
}

/* A table of @n_fields slots, those with a bit set in @present in use, all
 * zero for now; returns its position. Its vtable comes right before it. */
static gsize
fbb_table (GByteArray *b, guint n_fields, guint32 present)
{
  fbb_align (b, 4);
  gsize vtable = b->len;
  guint16 header[2] = { GUINT16_TO_LE (4 + 2 * n_fields), GUINT16_TO_LE (4 + 4 * n_fields) };
  g_byte_array_append (b, (const guint8 *) header, sizeof header);
  for (guint i = 0; i < n_fields; i++)
    {
      guint16 offset = GUINT16_TO_LE ((present >> i) & 1 ? 4 + 4 * i : 0);
      g_byte_array_append (b, (const guint8 *) &offset, sizeof offset);
    }
  fbb_align (b, 4);
  gsize table = b->len;
  g_byte_array_set_size (b, table + 4 + 4 * n_fields);
  memset (b->data + table, 0, 4 + 4 * n_fields);
  fbb_put_u32 (b, table, (guint32) (table - vtable));
  return table;
}

static void
fbb_set (GByteArray *b, gsize table, guint field, guint32 value)
{
  fbb_put_u32 (b, table + 4 + 4 * field, value);
}

/* Points offset field @field (or vector element) at @target, written later. */
static void
fbb_point (GByteArray *b, gsize slot, gsize target)
{
  fbb_put_u32 (b, slot, (guint32) (target - slot));
}

static void
fbb_set_offset (GByteArray *b, gsize table, guint field, gsize target)
{
  fbb_point (b, table + 4 + 4 * field, target);
}

static gsize
fbb_vector (GByteArray *b, gsize element_size, guint n, const void *elements)
{
  fbb_align (b, 4);
  gsize vector = b->len;
  guint32 length = GUINT32_TO_LE (n);
  g_byte_array_append (b, (const guint8 *) &length, sizeof length);
  g_byte_array_append (b, elements, element_size * n);
  return vector;
}

static gsize
fbb_string (GByteArray *b, const char *text)
{
  gsize vector = fbb_vector (b, 1, strlen (text), text);
  g_byte_array_append (b, (const guint8 *) "", 1);
  return vector;
}

/* A vector of @n offsets, to be pointed with fbb_point (element @i at
 * vector + 4 + 4 i). */
static gsize
fbb_offsets (GByteArray *b, guint n)
{
  g_autofree guint32 *zeros = g_new0 (guint32, MAX (n, 1));
  return fbb_vector (b, 4, n, zeros);
}

static void
fbb_tensor (GByteArray *b, gsize slot, const char *name, int type, guint n_dims,
            const gint32 *shape, guint buffer, guint n_scales, const float *scales)
{
  gsize tensor = fbb_table (b, 5, n_scales ? 0x1f : 0x0f);
  fbb_point (b, slot, tensor);
  fbb_set (b, tensor, 1, type);
  fbb_set (b, tensor, 2, buffer);
  fbb_set_offset (b, tensor, 0, fbb_vector (b, 4, n_dims, shape));
  fbb_set_offset (b, tensor, 3, fbb_string (b, name));
  if (!n_scales)
    return;
  /* QuantizationParameters: scale (2), zero_point (3), quantized_dimension (6). */
  gsize quant = fbb_table (b, 7, 0x4c);
  fbb_set_offset (b, tensor, 4, quant);
  g_autofree gint64 *zero_points = g_new0 (gint64, n_scales);
  fbb_set_offset (b, quant, 2, fbb_vector (b, 4, n_scales, scales));
  fbb_set_offset (b, quant, 3, fbb_vector (b, 8, n_scales, zero_points));
}

/* A file with its identifier and a Model table whose fields with a bit set
 * in @present are in use, of schema version 3 (field 0); *@model is where
 * the table lies. */
static GByteArray *
fbb_model (guint32 present, gsize *model)
{
  GByteArray *b = g_byte_array_new ();

  g_byte_array_set_size (b, 8);
  memcpy (b->data + 4, "TFL3", 4);
  *model = fbb_table (b, 5, present);
  fbb_put_u32 (b, 0, (guint32) *model);
  fbb_set (b, *model, 0, 3);
  return b;
}

static const gint8 small_weights[] = { 2, -4, 1, 3, -128, 127 };   /* 3 x 1 x 1 x 2, OHWI */
static const float small_weight_scales[] = { 0.5f, 0.25f, 2.0f };
static const gint32 small_bias[] = { 10, -20, 30 };
static const float small_bias_scales[] = { 0.1f, 0.01f, 1.0f };

/* One CONV_2D (1x1, stride 1, SAME, ReLU6) from a float input [1, 4, 4, 2]
 * to [1, 4, 4, 3], with int8 weights and int32 biases quantised per output
 * channel: the structure of the MobileNetV2 files in small. */
static GBytes *
small_model_bytes (void)
{
  static const gint32 input_shape[] = { 1, 4, 4, 2 }, weight_shape[] = { 3, 1, 1, 2 };
  static const gint32 bias_shape[] = { 3 }, output_shape[] = { 1, 4, 4, 3 };
  static const gint32 op_inputs[] = { 0, 1, 2 }, op_outputs[] = { 3 };
  gsize model;
  /* Model: version (0), operator_codes (1), subgraphs (2), buffers (4). */
  GByteArray *b = fbb_model (0x17, &model);
  gsize codes = fbb_offsets (b, 1);
  gsize subgraphs = fbb_offsets (b, 1);
  gsize buffers = fbb_offsets (b, 3);
  fbb_set_offset (b, model, 1, codes);
  fbb_set_offset (b, model, 2, subgraphs);
  fbb_set_offset (b, model, 4, buffers);

  /* OperatorCode: deprecated_builtin_code (0), version (2), builtin_code (3). */
  gsize code = fbb_table (b, 4, 0x0d);
  fbb_point (b, codes + 4, code);
  fbb_set (b, code, 0, EAD_TFLITE_OP_CONV_2D);
  fbb_set (b, code, 2, 1);
  fbb_set (b, code, 3, EAD_TFLITE_OP_CONV_2D);

  /* SubGraph: tensors (0), inputs (1), outputs (2), operators (3). */
  gsize subgraph = fbb_table (b, 4, 0x0f);
  fbb_point (b, subgraphs + 4, subgraph);
  gsize tensors = fbb_offsets (b, 4);
  fbb_set_offset (b, subgraph, 0, tensors);
  fbb_set_offset (b, subgraph, 1, fbb_vector (b, 4, 1, &op_inputs[0]));
  fbb_set_offset (b, subgraph, 2, fbb_vector (b, 4, 1, op_outputs));
  gsize operators = fbb_offsets (b, 1);
  fbb_set_offset (b, subgraph, 3, operators);
  fbb_tensor (b, tensors + 4, "input", EAD_TFLITE_FLOAT32, 4, input_shape, 0, 0, NULL);
  fbb_tensor (b, tensors + 8, "weights", EAD_TFLITE_INT8, 4, weight_shape, 1, 3,
              small_weight_scales);
  fbb_tensor (b, tensors + 12, "bias", EAD_TFLITE_INT32, 1, bias_shape, 2, 3, small_bias_scales);
  fbb_tensor (b, tensors + 16, "output", EAD_TFLITE_FLOAT32, 4, output_shape, 0, 0, NULL);

  /* Operator: opcode_index (0), inputs (1), outputs (2), options type (3),
   * options (4); Conv2DOptions: padding (0), strides (1, 2), activation (3). */
  gsize op = fbb_table (b, 5, 0x1f);
  fbb_point (b, operators + 4, op);
  fbb_set_offset (b, op, 1, fbb_vector (b, 4, 3, op_inputs));
  fbb_set_offset (b, op, 2, fbb_vector (b, 4, 1, op_outputs));
  fbb_set (b, op, 3, 1);
  gsize options = fbb_table (b, 4, 0x0f);
  fbb_set_offset (b, op, 4, options);
  fbb_set (b, options, 1, 1);
  fbb_set (b, options, 2, 1);
  fbb_set (b, options, 3, EAD_TFLITE_ACTIVATION_RELU6);

  /* Buffers: the empty sentinel, the weights, the biases. */
  const struct { const void *data; gsize size; } contents[] = {
    { NULL, 0 }, { small_weights, sizeof small_weights }, { small_bias, sizeof small_bias },
  };
  for (guint i = 0; i < G_N_ELEMENTS (contents); i++)
    {
      gsize buffer = fbb_table (b, 1, contents[i].data ? 1 : 0);
      fbb_point (b, buffers + 4 + 4 * i, buffer);
      if (contents[i].data)
        fbb_set_offset (b, buffer, 0, fbb_vector (b, 1, contents[i].size, contents[i].data));
    }
  return g_byte_array_free_to_bytes (b);
}

/* A model whose subgraph lists @n tensors without data, all named by one
 * string @name: the same table @n times, or @n tables. */
static GBytes *
shared_name_model_bytes (guint n, const char *name, gboolean one_table)
{
  gsize model;
  /* Model: version (0), subgraphs (2), buffers (4); one empty buffer. */
  GByteArray *b = fbb_model (0x15, &model);
  gsize subgraphs = fbb_offsets (b, 1);
  gsize buffers = fbb_offsets (b, 1);
  fbb_set_offset (b, model, 2, subgraphs);
  fbb_set_offset (b, model, 4, buffers);
  fbb_point (b, buffers + 4, fbb_table (b, 1, 0));
  /* SubGraph: tensors (0); Tensor: name (3), every other field absent. */
  gsize subgraph = fbb_table (b, 4, 0x01);
  fbb_point (b, subgraphs + 4, subgraph);
  gsize tensors = fbb_offsets (b, n);
  fbb_set_offset (b, subgraph, 0, tensors);
  g_autoptr (GArray) tables = g_array_new (FALSE, FALSE, sizeof (gsize));
  for (guint i = 0; i < (one_table ? 1 : n); i++)
    {
      gsize table = fbb_table (b, 5, 0x08);
      g_array_append_val (tables, table);
    }
  /* Offsets count forward: the string comes after every table. */
  gsize string = fbb_string (b, name);
  for (guint i = 0; i < n; i++)
    {
      gsize table = g_array_index (tables, gsize, one_table ? 0 : i);
      fbb_point (b, tensors + 4 + 4 * i, table);
      if (i < tables->len)
        fbb_set_offset (b, table, 3, string);
    }
  return g_byte_array_free_to_bytes (b);
}

/* ---- Helpers ---- */

static char *
shared_model_path (const char *basename)
{
  g_autofree char *path = test_shared_path ("pretrained", basename, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  return NULL;
}

/* The real int8 file when ../shared has it, the small model otherwise. */
static GBytes *
robustness_bytes (const char **name)
{
  g_autofree char *path = shared_model_path ("tf2_mobilenet_v2_1.0_224_ptq.tflite");
  char *contents;
  gsize length;
  if (path && g_file_get_contents (path, &contents, &length, NULL))
    {
      *name = "tf2_mobilenet_v2_1.0_224_ptq.tflite";
      return g_bytes_new_take (contents, length);
    }
  g_test_message ("../shared is absent: testing robustness on the generated model");
  *name = "small.tflite";
  return small_model_bytes ();
}

/* A copy in a buffer of exactly @size bytes, so that AddressSanitizer sees
 * any read past it. */
static GBytes *
exact_copy (const guint8 *data, gsize size)
{
  return g_bytes_new_take (g_memdup2 (data, size), size);
}

/* Everything a parsed model hands out must be in range and readable; with
 * @dequantize, every constant tensor is dequantised too (slow on big files). */
static void
assert_consistent (const EadTflite *model, gboolean dequantize)
{
  guint n_tensors = ead_tflite_get_n_tensors (model);
  for (guint i = 0; i < n_tensors; i++)
    {
      const EadTfliteTensor *t = ead_tflite_get_tensor (model, i);
      g_assert_nonnull (t->name);
      g_assert_cmpint (t->n_dims, <=, EAD_TFLITE_MAX_DIMS);
      for (guint s = 0; s < t->n_scales; s++)
        g_assert_true (isfinite (t->scales[s]) && t->scales[s] > 0);
      if (t->n_scales > 1)
        g_assert_cmpint (t->shape[t->quantized_dimension], ==, t->n_scales);
      if (t->data && dequantize)
        {
          g_autoptr (GError) error = NULL;
          g_autofree float *values = ead_tflite_dequantize (model, i, &error);
          g_assert_true (values != NULL || error != NULL);
        }
    }
  for (guint i = 0; i < ead_tflite_get_n_operators (model); i++)
    {
      const EadTfliteOperator *op = ead_tflite_get_operator (model, i);
      for (guint k = 0; k < op->n_inputs; k++)
        g_assert_true (op->inputs[k] >= -1 && op->inputs[k] < (gint32) n_tensors);
      for (guint k = 0; k < op->n_outputs; k++)
        g_assert_true (op->outputs[k] >= 0 && op->outputs[k] < (gint32) n_tensors);
    }
}

/* Parses @data: either a consistent model or a one-line error naming @name. */
static gboolean
parse_or_fail_cleanly (const guint8 *data, gsize size, const char *name)
{
  g_autoptr (GBytes) bytes = exact_copy (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_new_from_bytes (bytes, name, &error);
  if (model)
    {
      assert_consistent (model, size < 65536);
      return TRUE;
    }
  g_assert_true (g_error_matches (error, EAD_ERROR, EAD_ERROR_BAD_FILE)
                 || g_error_matches (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE));
  g_assert_true (g_str_has_prefix (error->message, name));
  g_assert_null (strchr (error->message, '\n'));
  return FALSE;
}

/* ---- Tests ---- */

static void
test_small_model (void)
{
  g_autoptr (GBytes) bytes = small_model_bytes ();
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_new_from_bytes (bytes, "small.tflite", &error);
  g_assert_no_error (error);

  g_assert_cmpuint (ead_tflite_get_n_tensors (model), ==, 4);
  g_assert_cmpuint (ead_tflite_get_n_operators (model), ==, 1);
  guint n_inputs, n_outputs;
  const gint32 *inputs = ead_tflite_get_inputs (model, &n_inputs);
  const gint32 *outputs = ead_tflite_get_outputs (model, &n_outputs);
  g_assert_cmpuint (n_inputs, ==, 1);
  g_assert_cmpint (inputs[0], ==, 0);
  g_assert_cmpuint (n_outputs, ==, 1);
  g_assert_cmpint (outputs[0], ==, 3);

  const EadTfliteOperator *op = ead_tflite_get_operator (model, 0);
  g_assert_cmpint (op->code, ==, EAD_TFLITE_OP_CONV_2D);
  g_assert_cmpuint (op->n_inputs, ==, 3);
  g_assert_cmpint (op->inputs[1], ==, 1);
  g_assert_cmpint (op->padding, ==, EAD_TFLITE_PADDING_SAME);
  g_assert_cmpint (op->stride_h, ==, 1);
  g_assert_cmpint (op->stride_w, ==, 1);
  g_assert_cmpint (op->dilation_h, ==, 1);   /* absent: the schema's default */
  g_assert_cmpint (op->activation, ==, EAD_TFLITE_ACTIVATION_RELU6);

  const EadTfliteTensor *weights = ead_tflite_get_tensor (model, 1);
  g_assert_cmpstr (weights->name, ==, "weights");
  g_assert_cmpint (weights->type, ==, EAD_TFLITE_INT8);
  g_assert_cmpint (weights->n_dims, ==, 4);
  g_assert_cmpint (weights->shape[0], ==, 3);
  g_assert_cmpuint (weights->n_scales, ==, 3);
  g_assert_cmpuint (weights->n_bytes, ==, sizeof small_weights);
  g_assert_null (ead_tflite_get_tensor (model, 0)->data);

  /* weight = scale[o] * q, bias = scale[o] * q, per output channel. */
  g_autofree float *w = ead_tflite_dequantize (model, 1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (small_weights); i++)
    g_assert_cmpfloat (w[i], ==, small_weight_scales[i / 2] * small_weights[i]);
  g_autofree float *bias = ead_tflite_dequantize (model, 2, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (small_bias); i++)
    g_assert_cmpfloat_with_epsilon (bias[i], small_bias_scales[i] * small_bias[i], 1e-6);

  /* An activation has nothing to dequantise. */
  g_autofree float *none = ead_tflite_dequantize (model, 0, &error);
  g_assert_null (none);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_true (g_str_has_prefix (error->message, "small.tflite: "));
}

static void
test_nhwc_to_nchw (void)
{
  /* Two 2x3 images of 2 channels: value = 100 n + 10 c + position. */
  float in[2 * 2 * 3 * 2], out[G_N_ELEMENTS (in)];
  for (int n = 0; n < 2; n++)
    for (int p = 0; p < 6; p++)
      for (int c = 0; c < 2; c++)
        in[(n * 6 + p) * 2 + c] = 100 * n + 10 * c + p;
  ead_tflite_nhwc_to_nchw (in, 2, 2, 3, 2, out);
  for (int n = 0; n < 2; n++)
    for (int c = 0; c < 2; c++)
      for (int p = 0; p < 6; p++)
        g_assert_cmpfloat (out[(n * 2 + c) * 6 + p], ==, 100 * n + 10 * c + p);
}

static void
test_int8_file (void)
{
  g_autofree char *path = shared_model_path ("tf2_mobilenet_v2_1.0_224_ptq.tflite");
  if (!path)
    {
      g_test_skip ("../shared is absent: no MobileNetV2 file");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ead_tflite_get_n_operators (model), ==, 68);

  /* The input: uint8 RGB with real = (q - 127) / 127.5, about [-1, 1]. */
  guint n_inputs;
  const gint32 *inputs = ead_tflite_get_inputs (model, &n_inputs);
  g_assert_cmpuint (n_inputs, ==, 1);
  const EadTfliteTensor *input = ead_tflite_get_tensor (model, inputs[0]);
  g_assert_cmpint (input->type, ==, EAD_TFLITE_UINT8);
  g_assert_cmpint (input->shape[1], ==, 224);
  g_assert_cmpint (input->shape[3], ==, 3);
  g_assert_cmpuint (input->n_scales, ==, 1);
  g_assert_cmpfloat_with_epsilon (input->scales[0], 1 / 127.5, 1e-7);
  g_assert_cmpint (input->zero_points[0], ==, 127);

  /* The stem: a quantize, then a 3x3 stride-2 convolution with ReLU6 and
   * int8 weights quantised per output channel (dimension 0 of OHWI). */
  const EadTfliteOperator *stem = ead_tflite_get_operator (model, 1);
  g_assert_cmpint (ead_tflite_get_operator (model, 0)->code, ==, EAD_TFLITE_OP_QUANTIZE);
  g_assert_cmpint (stem->code, ==, EAD_TFLITE_OP_CONV_2D);
  g_assert_cmpint (stem->stride_h, ==, 2);
  g_assert_cmpint (stem->padding, ==, EAD_TFLITE_PADDING_SAME);
  g_assert_cmpint (stem->activation, ==, EAD_TFLITE_ACTIVATION_RELU6);
  const EadTfliteTensor *w = ead_tflite_get_tensor (model, stem->inputs[1]);
  g_assert_cmpint (w->type, ==, EAD_TFLITE_INT8);
  g_assert_cmpuint (w->n_scales, ==, 32);
  g_assert_cmpint (w->quantized_dimension, ==, 0);
  g_autofree float *values = ead_tflite_dequantize (model, stem->inputs[1], &error);
  g_assert_no_error (error);
  /* Element 27 opens output channel 1. */
  g_assert_cmpfloat (values[27], ==, w->scales[1] * ((gint8) w->data[27] - w->zero_points[1]));

  /* A depthwise convolution: 1HWC, quantised along C (dimension 3). */
  const EadTfliteOperator *depthwise = ead_tflite_get_operator (model, 2);
  g_assert_cmpint (depthwise->code, ==, EAD_TFLITE_OP_DEPTHWISE_CONV_2D);
  g_assert_cmpint (depthwise->depth_multiplier, ==, 1);
  const EadTfliteTensor *dw = ead_tflite_get_tensor (model, depthwise->inputs[1]);
  g_assert_cmpint (dw->quantized_dimension, ==, 3);
  g_assert_cmpuint (dw->n_scales, ==, 32);
  const EadTfliteTensor *bias = ead_tflite_get_tensor (model, depthwise->inputs[2]);
  g_assert_cmpint (bias->type, ==, EAD_TFLITE_INT32);
  g_assert_cmpuint (bias->n_scales, ==, 32);
  assert_consistent (model, TRUE);
}

static void
test_uint8_file (void)
{
  g_autofree char *path = shared_model_path ("mobilenet_v2_1.0_224_quant.tflite");
  if (!path)
    {
      g_test_skip ("../shared is absent: no MobileNetV2 file");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_load (path, &error);
  g_assert_no_error (error);
  /* uint8 weights with one scale and zero point per tensor. */
  const EadTfliteOperator *stem = ead_tflite_get_operator (model, 0);
  g_assert_cmpint (stem->code, ==, EAD_TFLITE_OP_CONV_2D);
  const EadTfliteTensor *w = ead_tflite_get_tensor (model, stem->inputs[1]);
  g_assert_cmpint (w->type, ==, EAD_TFLITE_UINT8);
  g_assert_cmpuint (w->n_scales, ==, 1);
  g_autofree float *values = ead_tflite_dequantize (model, stem->inputs[1], &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (values[5], ==, w->scales[0] * (w->data[5] - w->zero_points[0]));
  assert_consistent (model, TRUE);
}

/* A string shared by every tensor used to be validated and copied for each:
 * 50,000 tensors naming one 50 KB string (a file of 0.2 to 2 MB) would have
 * copied 2.5 GB. Sharing is charged against the file's size and refused. */
static void
test_shared_names (void)
{
  g_autofree char *long_name = g_strnfill (50000, 'n');

  for (int one_table = 0; one_table < 2; one_table++)
    {
      g_autoptr (GBytes) bytes = shared_name_model_bytes (50000, long_name, one_table);
      g_autoptr (GError) error = NULL;
      g_autoptr (EadTflite) model = ead_tflite_new_from_bytes (bytes, "shared.tflite", &error);
      g_assert_null (model);
      g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
      g_assert_nonnull (strstr (error->message, "share strings or vectors far more than a model needs"));
    }

  /* A little sharing stays within the budget. */
  g_autoptr (GBytes) bytes = shared_name_model_bytes (4, "conv", FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_new_from_bytes (bytes, "shared.tflite", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ead_tflite_get_n_tensors (model), ==, 4);
  g_assert_cmpstr (ead_tflite_get_tensor (model, 3)->name, ==, "conv");
}

/* A tensor name that would drive a terminal is escaped in messages. */
static void
test_hostile_name_is_escaped (void)
{
  g_autoptr (GBytes) bytes = shared_name_model_bytes (1, "a\nb\x1b[31m", FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_new_from_bytes (bytes, "hostile.tflite", &error);
  g_assert_no_error (error);
  g_autofree float *values = ead_tflite_dequantize (model, 0, &error);
  g_assert_null (values);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_cmpstr (error->message, ==, "hostile.tflite: tensor 0 ('a\\nb\\x1b[31m') has no data");
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) missing = ead_tflite_load ("/nonexistent/model.tflite", &error);
  g_assert_null (missing);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
  g_clear_error (&error);

  static const char text[] = "this is not a model, just some text";
  g_autoptr (GBytes) not_model = g_bytes_new_static (text, sizeof text);
  g_autoptr (EadTflite) parsed = ead_tflite_new_from_bytes (not_model, "notes.txt", &error);
  g_assert_null (parsed);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_cmpstr (error->message, ==,
                   "notes.txt: malformed TFLite file: not a TFLite model (no \"TFL3\" identifier)");
  g_clear_error (&error);

  /* Schema version 2: well-formed, but not the layout this reader knows. */
  g_autoptr (GBytes) bytes = small_model_bytes ();
  gsize size;
  const guint8 *original = g_bytes_get_data (bytes, &size);
  g_autofree guint8 *data = g_memdup2 (original, size);
  guint32 root;
  memcpy (&root, data, 4);
  data[GUINT32_FROM_LE (root) + 4] = 2;
  g_autoptr (GBytes) old = g_bytes_new_static (data, size);
  g_autoptr (EadTflite) old_model = ead_tflite_new_from_bytes (old, "old.tflite", &error);
  g_assert_null (old_model);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
  g_test_message ("%s", error->message);
}

static void
test_truncated (void)
{
  const char *name;
  g_autoptr (GBytes) bytes = robustness_bytes (&name);
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint n_tried = 0, n_parsed = 0;

  /* Every length through the headers and the first tables, then lengths
   * spread over the rest, then the last bytes one by one. */
  for (gsize length = 0; length < size; length += length < 4096 ? 1 : MAX (size / 997, 1))
    {
      n_parsed += parse_or_fail_cleanly (data, length, name);
      n_tried++;
    }
  for (gsize length = size > 64 ? size - 64 : 0; length < size; length++)
    {
      n_parsed += parse_or_fail_cleanly (data, length, name);
      n_tried++;
    }
  g_test_message ("%u truncated copies of %s: %u parsed, the others failed cleanly", n_tried,
                  name, n_parsed);
}

static void
flip_and_parse (guint8 *copy, gsize size, gsize position, guint bit, const char *name,
                guint *n_parsed)
{
  copy[position] ^= 1 << bit;
  *n_parsed += parse_or_fail_cleanly (copy, size, name);
  copy[position] ^= 1 << bit;
}

/* Marks the bytes of constant tensor data in @data. */
static guint8 *
tensor_data_mask (GBytes *bytes, const char *name)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autoptr (EadTflite) model = ead_tflite_new_from_bytes (bytes, name, NULL);
  g_assert_nonnull (model);
  guint8 *mask = g_malloc0 (size);
  for (guint i = 0; i < ead_tflite_get_n_tensors (model); i++)
    {
      const EadTfliteTensor *t = ead_tflite_get_tensor (model, i);
      if (t->data)
        memset (mask + (t->data - data), 1, t->n_bytes);
    }
  return mask;
}

static void
test_bit_flips (void)
{
  const char *name;
  g_autoptr (GBytes) bytes = robustness_bytes (&name);
  gsize size;
  const guint8 *original = g_bytes_get_data (bytes, &size);
  g_autofree guint8 *copy = g_memdup2 (original, size);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240611);
  guint n_tried = 0, n_parsed = 0;

  /* The small model: every bit. The real one: tensor data (where a flip only
   * changes a value) fills most of it, so three flips in four go to the
   * structure around it: vtables, tables, shapes, quantisation, names. */
  if (size < 4096)
    for (gsize position = 0; position < size; position++)
      for (guint bit = 0; bit < 8; bit++, n_tried++)
        flip_and_parse (copy, size, position, bit, name, &n_parsed);
  else
    {
      g_autofree guint8 *is_data = tensor_data_mask (bytes, name);
      for (guint i = 0; i < 3000; i++, n_tried++)
        {
          gsize position = g_rand_int_range (rand, 0, size);
          while (i % 4 != 3 && is_data[position])
            position = g_rand_int_range (rand, 0, size);
          flip_and_parse (copy, size, position, g_rand_int_range (rand, 0, 8), name, &n_parsed);
        }
    }
  g_test_message ("%u bit-flipped copies of %s: %u parsed, the others failed cleanly", n_tried,
                  name, n_parsed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tflite/small-model", test_small_model);
  g_test_add_func ("/tflite/nhwc-to-nchw", test_nhwc_to_nchw);
  test_add_part ("shared", "/tflite/int8-file", test_int8_file);
  test_add_part ("shared", "/tflite/uint8-file", test_uint8_file);
  g_test_add_func ("/tflite/errors", test_errors);
  g_test_add_func ("/tflite/shared-names", test_shared_names);
  g_test_add_func ("/tflite/hostile-name-is-escaped", test_hostile_name_is_escaped);
  g_test_add_func ("/tflite/truncated", test_truncated);
  g_test_add_func ("/tflite/bit-flips", test_bit_flips);
  return g_test_run ();
}

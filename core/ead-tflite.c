/* ead-tflite.c: parsing TensorFlow Lite flatbuffers without trusting them. */
#include "ead-tflite.h"

#include "ead-error.h"
#include "ead-flatbuffer.h"

#include <math.h>
#include <string.h>

/* Constant data is handed out in place, and TFLite data is little-endian. */
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "ead-tflite reads tensors in place and needs a little-endian host"
#endif

#define TFLITE_IDENTIFIER "TFL3"
#define TFLITE_SCHEMA_VERSION 3

/* Field ids: the declaration order in schema.fbs. */
enum { MODEL_VERSION, MODEL_OPERATOR_CODES, MODEL_SUBGRAPHS, MODEL_DESCRIPTION, MODEL_BUFFERS };
enum { OPCODE_DEPRECATED_BUILTIN_CODE, OPCODE_CUSTOM_CODE, OPCODE_VERSION, OPCODE_BUILTIN_CODE };
enum { SUBGRAPH_TENSORS, SUBGRAPH_INPUTS, SUBGRAPH_OUTPUTS, SUBGRAPH_OPERATORS };
enum { TENSOR_SHAPE, TENSOR_TYPE, TENSOR_BUFFER, TENSOR_NAME, TENSOR_QUANTIZATION };
enum { QUANT_MIN, QUANT_MAX, QUANT_SCALE, QUANT_ZERO_POINT, QUANT_DETAILS_TYPE, QUANT_DETAILS,
       QUANT_QUANTIZED_DIMENSION };
enum { OPERATOR_OPCODE_INDEX, OPERATOR_INPUTS, OPERATOR_OUTPUTS, OPERATOR_OPTIONS_TYPE,
       OPERATOR_OPTIONS };
enum { BUFFER_DATA };
/* Conv2DOptions, DepthwiseConv2DOptions and Pool2DOptions share their first
 * three fields; the rest differ. */
enum { OPTIONS_PADDING, OPTIONS_STRIDE_W, OPTIONS_STRIDE_H };
enum { CONV_ACTIVATION = 3, CONV_DILATION_W, CONV_DILATION_H };
enum { DEPTHWISE_DEPTH_MULTIPLIER = 3, DEPTHWISE_ACTIVATION, DEPTHWISE_DILATION_W,
       DEPTHWISE_DILATION_H };
enum { POOL_FILTER_W = 3, POOL_FILTER_H, POOL_ACTIVATION };
enum { ADD_ACTIVATION };
enum { REDUCER_KEEP_DIMS };
enum { SOFTMAX_BETA };

/* schema.fbs union BuiltinOptions: the member types, numbered from 1. */
enum {
  OPTIONS_NONE = 0,
  OPTIONS_CONV_2D = 1,
  OPTIONS_DEPTHWISE_CONV_2D = 2,
  OPTIONS_POOL_2D = 5,
  OPTIONS_SOFTMAX = 9,
  OPTIONS_ADD = 11,
  OPTIONS_REDUCER = 27,
};

/* ---- The model ---- */

typedef struct {
  const guint8 *data;   /* NULL when empty */
  gsize n_bytes;
} Buffer;

struct _EadTflite {
  char *name;
  GBytes *bytes;
  GStringChunk *strings;
  GPtrArray *allocations;   /* scales, zero points and index lists */
  GArray *tensors;          /* EadTfliteTensor */
  GArray *operators;        /* EadTfliteOperator */
  const gint32 *inputs;
  guint n_inputs;
  const gint32 *outputs;
  guint n_outputs;
};

typedef struct {
  EadFlatbuffer fb;
  EadTflite *model;
  GArray *buffers;          /* Buffer */
  GArray *opcodes;          /* int: the BuiltinOperator of each operator code */
  guint64 budget;           /* bytes left to copy or check; see charge() */
} Parser;

/* Tables may share a string or vector, so a small file could name one long
 * string from every one of its tensors and make parsing quadratic. Every
 * string and vector read is charged by its size in the file against twice
 * the file's size: a writer shares little if anything, and parsing stays
 * linear in the size of the file. */
static gboolean
charge (Parser *parser, guint64 n_bytes, GError **error)
{
  if (n_bytes <= parser->budget)
    {
      parser->budget -= n_bytes;
      return TRUE;
    }
  g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
               "its tables share strings or vectors far more than a model needs (a crafted file?)");
  return FALSE;
}

/* The string field @id, the tensor's name, as valid UTF-8 ("" when absent). */
static gboolean
parse_name (Parser *parser, const EadFbTable *table, guint id, const char **text, GError **error)
{
  const EadFlatbuffer *fb = &parser->fb;
  EadFbVector bytes;
  if (!ead_fb_vector (fb, table, id, 1, &bytes, error) || !charge (parser, bytes.length, error))
    return FALSE;
  if (bytes.length > 0
      && (!ead_fb_check_range (fb, bytes.start + bytes.length, 1, NULL)
          || fb->data[bytes.start + bytes.length] != 0))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "the string at offset %" G_GUINT64_FORMAT " lacks its terminating NUL",
                   bytes.start);
      return FALSE;
    }
  g_autofree char *valid = g_utf8_make_valid ((const char *) fb->data + bytes.start, bytes.length);
  *text = g_string_chunk_insert (parser->model->strings, valid);
  return TRUE;
}

static gpointer
parser_alloc (Parser *parser, gsize n, gsize size)
{
  /* MAX: an empty list still gets a valid pointer. */
  gpointer memory = g_malloc0_n (MAX (n, 1), size);
  g_ptr_array_add (parser->model->allocations, memory);
  return memory;
}

static gsize
type_size (int type)
{
  switch (type)
    {
    case EAD_TFLITE_UINT8:
    case EAD_TFLITE_INT8:
    case 6:   /* BOOL */
      return 1;
    case EAD_TFLITE_FLOAT16:
    case 7:   /* INT16 */
      return 2;
    case EAD_TFLITE_FLOAT32:
    case EAD_TFLITE_INT32:
      return 4;
    case EAD_TFLITE_INT64:
    case 8:   /* COMPLEX64 */
    case 10:  /* FLOAT64 */
      return 8;
    default:  /* strings and newer types: no fixed size */
      return 0;
    }
}

/* Reads tensor index vector field @id (@what in messages) into a new array
 * whose values must lie in [@min, @limit). */
static gboolean
parse_index_vector (Parser *parser, const EadFbTable *table, guint id, const char *what, gint64 min,
                    gint64 limit, const gint32 **values, guint *n_values, GError **error)
{
  EadFbVector vector;
  if (!ead_fb_vector (&parser->fb, table, id, 4, &vector, error)
      || !charge (parser, 4 * (guint64) vector.length, error))
    {
      g_prefix_error (error, "%s: ", what);
      return FALSE;
    }
  gint32 *out = parser_alloc (parser, vector.length, sizeof (gint32));
  for (guint i = 0; i < vector.length; i++)
    {
      out[i] = (gint32) ead_fb_u32 (&parser->fb, vector.start + 4 * (guint64) i);
      if (out[i] < min || out[i] >= limit)
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                       "%s: tensor index %d is out of range (%" G_GINT64_FORMAT " tensors)", what,
                       out[i], limit);
          return FALSE;
        }
    }
  *values = out;
  *n_values = vector.length;
  return TRUE;
}

static gboolean
parse_opcodes (Parser *parser, const EadFbTable *root, GError **error)
{
  EadFbVector codes;
  if (!ead_fb_vector (&parser->fb, root, MODEL_OPERATOR_CODES, 4, &codes, error))
    {
      g_prefix_error (error, "operator codes: ");
      return FALSE;
    }
  for (guint i = 0; i < codes.length; i++)
    {
      EadFbTable table;
      int deprecated;
      gint32 code;
      if (!ead_fb_vector_table (&parser->fb, &codes, i, &table, error)
          || !ead_fb_i8 (&parser->fb, &table, OPCODE_DEPRECATED_BUILTIN_CODE, &deprecated, error)
          || !ead_fb_i32 (&parser->fb, &table, OPCODE_BUILTIN_CODE, 0, &code, error))
        {
          g_prefix_error (error, "operator code %u: ", i);
          return FALSE;
        }
      /* Older files set only the byte-sized deprecated_builtin_code, newer
       * ones both (codes above 127 only in builtin_code): the larger wins. */
      code = MAX (code, deprecated);
      if (code < 0)
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "operator code %u is negative", i);
          return FALSE;
        }
      g_array_append_val (parser->opcodes, code);
    }
  return TRUE;
}

static gboolean
parse_buffers (Parser *parser, const EadFbTable *root, GError **error)
{
  EadFbVector buffers;
  if (!ead_fb_vector (&parser->fb, root, MODEL_BUFFERS, 4, &buffers, error))
    {
      g_prefix_error (error, "buffers: ");
      return FALSE;
    }
  for (guint i = 0; i < buffers.length; i++)
    {
      EadFbTable table;
      EadFbVector data;
      if (!ead_fb_vector_table (&parser->fb, &buffers, i, &table, error)
          || !ead_fb_vector (&parser->fb, &table, BUFFER_DATA, 1, &data, error))
        {
          g_prefix_error (error, "buffer %u: ", i);
          return FALSE;
        }
      Buffer buffer = { data.length ? parser->fb.data + data.start : NULL, data.length };
      g_array_append_val (parser->buffers, buffer);
    }
  return TRUE;
}

static gboolean
parse_shape (Parser *parser, const EadFbTable *table, EadTfliteTensor *tensor, GError **error)
{
  EadFbVector shape;
  if (!ead_fb_vector (&parser->fb, table, TENSOR_SHAPE, 4, &shape, error))
    return FALSE;
  if (shape.length > EAD_TFLITE_MAX_DIMS)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%u dimensions (at most %d supported)",
                   shape.length, EAD_TFLITE_MAX_DIMS);
      return FALSE;
    }
  tensor->n_dims = shape.length;
  for (guint d = 0; d < shape.length; d++)
    {
      tensor->shape[d] = (gint32) ead_fb_u32 (&parser->fb, shape.start + 4 * (guint64) d);
      if (tensor->shape[d] < 0)
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "negative dimension %d",
                       tensor->shape[d]);
          return FALSE;
        }
    }
  return TRUE;
}

/* The scale and zero-point vectors; unaligned in the file, so copied. */
static gboolean
parse_quantization (Parser *parser, const EadFbTable *table, EadTfliteTensor *tensor,
                    GError **error)
{
  const EadFlatbuffer *fb = &parser->fb;
  EadFbTable quant;
  EadFbVector scales, zero_points;
  guint32 details_type;
  gint32 dimension;
  if (!ead_fb_subtable (fb, table, TENSOR_QUANTIZATION, &quant, error))
    return FALSE;
  if (!ead_fb_vector (fb, &quant, QUANT_SCALE, 4, &scales, error)
      || !ead_fb_vector (fb, &quant, QUANT_ZERO_POINT, 8, &zero_points, error)
      || !ead_fb_scalar (fb, &quant, QUANT_DETAILS_TYPE, 1, 0, &details_type, error)
      || !ead_fb_i32 (fb, &quant, QUANT_QUANTIZED_DIMENSION, 0, &dimension, error)
      || !charge (parser, 4 * (guint64) scales.length + 8 * (guint64) zero_points.length, error))
    return FALSE;
  if (details_type != 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "custom quantisation (type %u) is not supported", details_type);
      return FALSE;
    }
  if (scales.length == 0)
    return TRUE;
  if (zero_points.length != scales.length)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%u scales but %u zero points",
                   scales.length, zero_points.length);
      return FALSE;
    }
  if (scales.length > 1
      && (dimension < 0 || dimension >= tensor->n_dims
          || (guint) tensor->shape[dimension] != scales.length))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%u scales do not fit quantised dimension %d", scales.length, dimension);
      return FALSE;
    }
  float *scale = parser_alloc (parser, scales.length, sizeof (float));
  gint64 *zero_point = parser_alloc (parser, scales.length, sizeof (gint64));
  memcpy (scale, fb->data + scales.start, scales.length * sizeof (float));
  memcpy (zero_point, fb->data + zero_points.start, scales.length * sizeof (gint64));
  for (guint i = 0; i < scales.length; i++)
    if (!isfinite (scale[i]) || scale[i] <= 0)
      {
        g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "scale %u is %g", i, scale[i]);
        return FALSE;
      }
  tensor->n_scales = scales.length;
  tensor->scales = scale;
  tensor->zero_points = zero_point;
  tensor->quantized_dimension = scales.length > 1 ? dimension : 0;
  return TRUE;
}

/* Attaches the tensor's buffer, which must hold exactly its elements. */
static gboolean
attach_data (Parser *parser, guint32 buffer_index, EadTfliteTensor *tensor, GError **error)
{
  if (buffer_index >= parser->buffers->len)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "buffer %u is out of range (%u buffers)",
                   buffer_index, parser->buffers->len);
      return FALSE;
    }
  const Buffer *buffer = &g_array_index (parser->buffers, Buffer, buffer_index);
  if (!buffer->data)
    return TRUE;
  gsize n_bytes = type_size (tensor->type);
  gboolean fixed_size = n_bytes != 0;
  if (fixed_size && !g_size_checked_mul (&n_bytes, n_bytes, ead_tflite_tensor_get_n_elements (tensor)))
    n_bytes = G_MAXSIZE;
  if (fixed_size && n_bytes != buffer->n_bytes)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "its shape needs %" G_GSIZE_FORMAT " bytes but its buffer has %" G_GSIZE_FORMAT,
                   n_bytes, buffer->n_bytes);
      return FALSE;
    }
  tensor->data = buffer->data;
  tensor->n_bytes = buffer->n_bytes;
  return TRUE;
}

static gboolean
parse_tensor (Parser *parser, const EadFbTable *table, EadTfliteTensor *tensor, GError **error)
{
  guint32 buffer_index;
  return parse_shape (parser, table, tensor, error)
         && ead_fb_i8 (&parser->fb, table, TENSOR_TYPE, &tensor->type, error)
         && ead_fb_u32_field (&parser->fb, table, TENSOR_BUFFER, &buffer_index, error)
         && parse_name (parser, table, TENSOR_NAME, &tensor->name, error)
         && parse_quantization (parser, table, tensor, error)
         && attach_data (parser, buffer_index, tensor, error);
}

static gboolean
parse_tensors (Parser *parser, const EadFbTable *subgraph, GError **error)
{
  EadFbVector tensors;
  if (!ead_fb_vector (&parser->fb, subgraph, SUBGRAPH_TENSORS, 4, &tensors, error))
    {
      g_prefix_error (error, "tensors: ");
      return FALSE;
    }
  g_array_set_size (parser->model->tensors, tensors.length);
  for (guint i = 0; i < tensors.length; i++)
    {
      EadFbTable table;
      EadTfliteTensor *tensor = &g_array_index (parser->model->tensors, EadTfliteTensor, i);
      if (!ead_fb_vector_table (&parser->fb, &tensors, i, &table, error)
          || !parse_tensor (parser, &table, tensor, error))
        {
          g_prefix_error (error, "tensor %u: ", i);
          return FALSE;
        }
    }
  return TRUE;
}

/* The options union type each understood operator carries. */
static int
options_type_of (int code)
{
  switch (code)
    {
    case EAD_TFLITE_OP_CONV_2D:
      return OPTIONS_CONV_2D;
    case EAD_TFLITE_OP_DEPTHWISE_CONV_2D:
      return OPTIONS_DEPTHWISE_CONV_2D;
    case EAD_TFLITE_OP_AVERAGE_POOL_2D:
      return OPTIONS_POOL_2D;
    case EAD_TFLITE_OP_ADD:
      return OPTIONS_ADD;
    case EAD_TFLITE_OP_MEAN:
      return OPTIONS_REDUCER;
    case EAD_TFLITE_OP_SOFTMAX:
      return OPTIONS_SOFTMAX;
    default:
      return OPTIONS_NONE;
    }
}

static gboolean
parse_window (const EadFlatbuffer *fb, const EadFbTable *options, EadTfliteOperator *op,
              GError **error)
{
  int padding;
  if (!ead_fb_i8 (fb, options, OPTIONS_PADDING, &padding, error)
      || !ead_fb_i32 (fb, options, OPTIONS_STRIDE_W, 0, &op->stride_w, error)
      || !ead_fb_i32 (fb, options, OPTIONS_STRIDE_H, 0, &op->stride_h, error))
    return FALSE;
  op->padding = padding;
  return TRUE;
}

static gboolean
parse_activation (const EadFlatbuffer *fb, const EadFbTable *options, guint id,
                  EadTfliteOperator *op, GError **error)
{
  int activation;
  if (!ead_fb_i8 (fb, options, id, &activation, error))
    return FALSE;
  op->activation = activation;
  return TRUE;
}

/* Reads the fields of the options table of @op's type; schema defaults fill
 * in absent fields (dilations 1, everything else 0). */
static gboolean
parse_options_table (const EadFlatbuffer *fb, const EadFbTable *options, EadTfliteOperator *op,
                     GError **error)
{
  switch (op->code)
    {
    case EAD_TFLITE_OP_CONV_2D:
      return parse_window (fb, options, op, error)
             && parse_activation (fb, options, CONV_ACTIVATION, op, error)
             && ead_fb_i32 (fb, options, CONV_DILATION_W, 1, &op->dilation_w, error)
             && ead_fb_i32 (fb, options, CONV_DILATION_H, 1, &op->dilation_h, error);
    case EAD_TFLITE_OP_DEPTHWISE_CONV_2D:
      return parse_window (fb, options, op, error)
             && ead_fb_i32 (fb, options, DEPTHWISE_DEPTH_MULTIPLIER, 0, &op->depth_multiplier,
                            error)
             && parse_activation (fb, options, DEPTHWISE_ACTIVATION, op, error)
             && ead_fb_i32 (fb, options, DEPTHWISE_DILATION_W, 1, &op->dilation_w, error)
             && ead_fb_i32 (fb, options, DEPTHWISE_DILATION_H, 1, &op->dilation_h, error);
    case EAD_TFLITE_OP_AVERAGE_POOL_2D:
      return parse_window (fb, options, op, error)
             && ead_fb_i32 (fb, options, POOL_FILTER_W, 0, &op->filter_w, error)
             && ead_fb_i32 (fb, options, POOL_FILTER_H, 0, &op->filter_h, error)
             && parse_activation (fb, options, POOL_ACTIVATION, op, error);
    case EAD_TFLITE_OP_ADD:
      return parse_activation (fb, options, ADD_ACTIVATION, op, error);
    case EAD_TFLITE_OP_MEAN:
      {
        int keep_dims;
        if (!ead_fb_i8 (fb, options, REDUCER_KEEP_DIMS, &keep_dims, error))
          return FALSE;
        op->keep_dims = keep_dims != 0;
        return TRUE;
      }
    case EAD_TFLITE_OP_SOFTMAX:
      return ead_fb_f32 (fb, options, SOFTMAX_BETA, &op->beta, error);
    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_options (Parser *parser, const EadFbTable *table, EadTfliteOperator *op, GError **error)
{
  int expected = options_type_of (op->code);
  guint32 type;
  EadFbTable options;
  if (expected == OPTIONS_NONE)
    return TRUE;
  if (!ead_fb_scalar (&parser->fb, table, OPERATOR_OPTIONS_TYPE, 1, OPTIONS_NONE, &type, error))
    return FALSE;
  if (type != OPTIONS_NONE && type != (guint32) expected)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "operator %d carries options of type %u instead of %d", op->code, type,
                   expected);
      return FALSE;
    }
  /* Without options (type NONE or no table), the schema's defaults apply. */
  if (type == OPTIONS_NONE)
    options = (EadFbTable) { 0 };
  else if (!ead_fb_subtable (&parser->fb, table, OPERATOR_OPTIONS, &options, error))
    return FALSE;
  return parse_options_table (&parser->fb, &options, op, error);
}

static gboolean
parse_operator (Parser *parser, const EadFbTable *table, EadTfliteOperator *op, GError **error)
{
  guint32 opcode_index;
  gint64 n_tensors = parser->model->tensors->len;
  if (!ead_fb_u32_field (&parser->fb, table, OPERATOR_OPCODE_INDEX, &opcode_index, error))
    return FALSE;
  if (opcode_index >= parser->opcodes->len)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "operator code %u is out of range (%u codes)", opcode_index,
                   parser->opcodes->len);
      return FALSE;
    }
  op->code = g_array_index (parser->opcodes, int, opcode_index);
  return parse_index_vector (parser, table, OPERATOR_INPUTS, "inputs", -1, n_tensors,
                             &op->inputs, &op->n_inputs, error)
         && parse_index_vector (parser, table, OPERATOR_OUTPUTS, "outputs", 0, n_tensors,
                                &op->outputs, &op->n_outputs, error)
         && parse_options (parser, table, op, error);
}

static gboolean
parse_operators (Parser *parser, const EadFbTable *subgraph, GError **error)
{
  EadFbVector operators;
  if (!ead_fb_vector (&parser->fb, subgraph, SUBGRAPH_OPERATORS, 4, &operators, error))
    {
      g_prefix_error (error, "operators: ");
      return FALSE;
    }
  g_array_set_size (parser->model->operators, operators.length);
  for (guint i = 0; i < operators.length; i++)
    {
      EadFbTable table;
      EadTfliteOperator *op = &g_array_index (parser->model->operators, EadTfliteOperator, i);
      if (!ead_fb_vector_table (&parser->fb, &operators, i, &table, error)
          || !parse_operator (parser, &table, op, error))
        {
          g_prefix_error (error, "operator %u: ", i);
          return FALSE;
        }
    }
  return TRUE;
}

/* The first subgraph is the model (schema.fbs: "the 0th is assumed to be the
 * main model"); others (control flow bodies) are not read. */
static gboolean
parse_main_subgraph (Parser *parser, const EadFbTable *root, GError **error)
{
  EadTflite *model = parser->model;
  EadFbVector subgraphs;
  EadFbTable subgraph;
  if (!ead_fb_vector (&parser->fb, root, MODEL_SUBGRAPHS, 4, &subgraphs, error))
    {
      g_prefix_error (error, "subgraphs: ");
      return FALSE;
    }
  if (subgraphs.length == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "the model has no subgraph");
      return FALSE;
    }
  if (!ead_fb_vector_table (&parser->fb, &subgraphs, 0, &subgraph, error)
      || !parse_tensors (parser, &subgraph, error)
      || !parse_index_vector (parser, &subgraph, SUBGRAPH_INPUTS, "inputs", 0,
                              model->tensors->len, &model->inputs, &model->n_inputs, error)
      || !parse_index_vector (parser, &subgraph, SUBGRAPH_OUTPUTS, "outputs", 0,
                              model->tensors->len, &model->outputs, &model->n_outputs, error)
      || !parse_operators (parser, &subgraph, error))
    {
      g_prefix_error (error, "subgraph 0: ");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_model (Parser *parser, GError **error)
{
  const EadFlatbuffer *fb = &parser->fb;
  EadFbTable root;
  guint32 version;
  if (fb->size < 8 || memcmp (fb->data + 4, TFLITE_IDENTIFIER, 4) != 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "not a TFLite model (no \"" TFLITE_IDENTIFIER "\" identifier)");
      return FALSE;
    }
  if (!ead_fb_table_at (fb, ead_fb_u32 (fb, 0), &root, error)
      || !ead_fb_u32_field (fb, &root, MODEL_VERSION, &version, error))
    {
      g_prefix_error (error, "model: ");
      return FALSE;
    }
  if (version != TFLITE_SCHEMA_VERSION)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "schema version %u is not supported (only %d)", version, TFLITE_SCHEMA_VERSION);
      return FALSE;
    }
  return parse_opcodes (parser, &root, error)
         && parse_buffers (parser, &root, error)
         && parse_main_subgraph (parser, &root, error);
}

void
ead_tflite_free (EadTflite *model)
{
  if (!model)
    return;
  g_free (model->name);
  g_clear_pointer (&model->bytes, g_bytes_unref);
  g_clear_pointer (&model->strings, g_string_chunk_free);
  g_clear_pointer (&model->allocations, g_ptr_array_unref);
  g_clear_pointer (&model->tensors, g_array_unref);
  g_clear_pointer (&model->operators, g_array_unref);
  g_free (model);
}

EadTflite *
ead_tflite_new_from_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_autoptr (EadTflite) model = g_new0 (EadTflite, 1);
  model->name = g_strdup (name);
  model->bytes = g_bytes_ref (bytes);
  model->strings = g_string_chunk_new (4096);
  model->allocations = g_ptr_array_new_with_free_func (g_free);
  model->tensors = g_array_new (FALSE, TRUE, sizeof (EadTfliteTensor));
  model->operators = g_array_new (FALSE, TRUE, sizeof (EadTfliteOperator));

  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  Parser parser = { { data, size }, model, g_array_new (FALSE, FALSE, sizeof (Buffer)),
                    g_array_new (FALSE, FALSE, sizeof (int)), 2 * (guint64) size };
  GError *local_error = NULL;
  gboolean ok = parse_model (&parser, &local_error);
  g_array_unref (parser.buffers);
  g_array_unref (parser.opcodes);
  if (!ok)
    {
      if (local_error->code == EAD_ERROR_BAD_FILE)
        g_prefix_error (&local_error, "%s: malformed TFLite file: ", name);
      else
        g_prefix_error (&local_error, "%s: ", name);
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&model);
}

EadTflite *
ead_tflite_load (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr (GError) local_error = NULL;
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error_literal (error, EAD_ERROR, EAD_ERROR_IO, local_error->message);
      return NULL;
    }
  g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  return ead_tflite_new_from_bytes (bytes, path, error);
}

const char *
ead_tflite_get_name (const EadTflite *model)
{
  return model->name;
}

guint
ead_tflite_get_n_tensors (const EadTflite *model)
{
  return model->tensors->len;
}

const EadTfliteTensor *
ead_tflite_get_tensor (const EadTflite *model, guint index)
{
  g_return_val_if_fail (index < model->tensors->len, NULL);
  return &g_array_index (model->tensors, EadTfliteTensor, index);
}

guint
ead_tflite_get_n_operators (const EadTflite *model)
{
  return model->operators->len;
}

const EadTfliteOperator *
ead_tflite_get_operator (const EadTflite *model, guint index)
{
  g_return_val_if_fail (index < model->operators->len, NULL);
  return &g_array_index (model->operators, EadTfliteOperator, index);
}

const gint32 *
ead_tflite_get_inputs (const EadTflite *model, guint *n_inputs)
{
  *n_inputs = model->n_inputs;
  return model->inputs;
}

const gint32 *
ead_tflite_get_outputs (const EadTflite *model, guint *n_outputs)
{
  *n_outputs = model->n_outputs;
  return model->outputs;
}

gsize
ead_tflite_tensor_get_n_elements (const EadTfliteTensor *tensor)
{
  gsize n = 1;
  for (int d = 0; d < tensor->n_dims; d++)
    if (!g_size_checked_mul (&n, n, tensor->shape[d]))
      return G_MAXSIZE;
  return n;
}

/* Element @i of quantised data as an integer. */
static gint64
quantized_value (const EadTfliteTensor *tensor, gsize i)
{
  switch (tensor->type)
    {
    case EAD_TFLITE_INT8:
      return (gint8) tensor->data[i];
    case EAD_TFLITE_UINT8:
      return tensor->data[i];
    default:
      {
        gint32 value;
        memcpy (&value, tensor->data + 4 * i, sizeof value);
        return value;
      }
    }
}

static void
dequantize_into (const EadTfliteTensor *tensor, float *out)
{
  gsize n = ead_tflite_tensor_get_n_elements (tensor);
  /* Elements sharing a scale form runs of @inner along the quantised dimension. */
  gsize inner = 1;
  for (int d = tensor->quantized_dimension + 1; d < tensor->n_dims; d++)
    inner *= tensor->shape[d];
  for (gsize i = 0; i < n; i++)
    {
      guint channel = tensor->n_scales == 1 ? 0 : (i / inner) % tensor->n_scales;
      /* In double: a hostile zero point may be any 64-bit value. */
      double q = (double) quantized_value (tensor, i) - (double) tensor->zero_points[channel];
      out[i] = (float) (tensor->scales[channel] * q);
    }
}

float *
ead_tflite_dequantize (const EadTflite *model, guint index, GError **error)
{
  const EadTfliteTensor *tensor = ead_tflite_get_tensor (model, index);
  g_return_val_if_fail (tensor != NULL, NULL);
  gboolean quantized_type = tensor->type == EAD_TFLITE_INT8 || tensor->type == EAD_TFLITE_UINT8
                            || tensor->type == EAD_TFLITE_INT32;
  if (tensor->type != EAD_TFLITE_FLOAT32 && !quantized_type)
    {
      g_autofree char *shown = ead_quote_untrusted (tensor->name);
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "%s: tensor %u (%s) has type %d, which cannot be dequantised", model->name,
                   index, shown, tensor->type);
      return NULL;
    }
  if (!tensor->data || (quantized_type && tensor->n_scales == 0))
    {
      g_autofree char *shown = ead_quote_untrusted (tensor->name);
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: tensor %u (%s) has no %s",
                   model->name, index, shown, tensor->data ? "quantisation scale" : "data");
      return NULL;
    }
  gsize n = ead_tflite_tensor_get_n_elements (tensor);
  float *out = g_new (float, MAX (n, 1));
  if (tensor->type == EAD_TFLITE_FLOAT32)
    memcpy (out, tensor->data, n * sizeof (float));
  else
    dequantize_into (tensor, out);
  return out;
}

void
ead_tflite_nhwc_to_nchw (const float *in, int n, int h, int w, int c, float *out)
{
  const gsize plane = (gsize) h * w;
  for (int b = 0; b < n; b++)
    for (gsize p = 0; p < plane; p++)
      for (int k = 0; k < c; k++)
        out[((gsize) b * c + k) * plane + p] = in[((gsize) b * plane + p) * c + k];
}

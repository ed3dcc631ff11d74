/* ead-onnx.c: the scoring graph as an ONNX ModelProto, serialised by a small
 * protobuf writer.
 *
 * The field numbers are those of onnx/onnx.proto in the ONNX repository
 * (github.com/onnx/onnx, IR version 8, as Debian's python3-onnx 1.12 ships
 * it). The wire format is protobuf's: each field is a key varint
 * (field << 3 | wire type) followed by a varint (type 0) or by a varint
 * length and that many bytes (type 2: strings, bytes, nested messages). Repeated numbers are written one field each, which
 * every parser accepts for packed fields too. */

#include "ead-onnx.h"

#include <string.h>

#include "ead-config.h"
#include "ead-error.h"
#include "ead-graph.h"
#include "ead-image.h"
#include "ead-score.h"

/* raw_data is little-endian; tensors are copied as they are in memory. */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);

#define IR_VERSION 8

enum { WIRE_VARINT = 0, WIRE_BYTES = 2 };

/* Field numbers of onnx.proto, by message. */
enum {
  MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3,
  MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8, MODEL_METADATA_PROPS = 14,
  OPSET_DOMAIN = 1, OPSET_VERSION = 2,
  ENTRY_KEY = 1, ENTRY_VALUE = 2,
  GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12,
  NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5,
  ATTRIBUTE_NAME = 1, ATTRIBUTE_I = 3, ATTRIBUTE_S = 4, ATTRIBUTE_INTS = 8,
  ATTRIBUTE_TYPE = 20,
  TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9,
  VALUE_INFO_NAME = 1, VALUE_INFO_TYPE = 2,
  TYPE_TENSOR_TYPE = 1,
  TENSOR_TYPE_ELEM_TYPE = 1, TENSOR_TYPE_SHAPE = 2,
  SHAPE_DIM = 1,
  DIMENSION_VALUE = 1, DIMENSION_PARAM = 2,
};

/* AttributeProto.AttributeType and TensorProto.DataType values. */
enum { TYPE_INT = 2, TYPE_STRING = 3, TYPE_INTS = 7 };
enum { DATA_FLOAT = 1, DATA_INT64 = 7 };

/* ---- Protobuf ---- */

static void
put_varint (GByteArray *out, guint64 value)
{
  guint8 bytes[10];
  guint n = 0;
  do
    {
      bytes[n++] = (value & 0x7f) | (value > 0x7f ? 0x80 : 0);
      value >>= 7;
    }
  while (value);
  g_byte_array_append (out, bytes, n);
}

static void
put_key (GByteArray *out, int field, int wire_type)
{
  put_varint (out, (guint64) field << 3 | wire_type);
}

static void
put_int (GByteArray *out, int field, gint64 value)
{
  put_key (out, field, WIRE_VARINT);
  /* Negative numbers take ten bytes, as protobuf's int64 does. */
  put_varint (out, (guint64) value);
}

static void
put_bytes (GByteArray *out, int field, const void *data, gsize size)
{
  put_key (out, field, WIRE_BYTES);
  put_varint (out, size);
  g_byte_array_append (out, data, size);
}

static void
put_string (GByteArray *out, int field, const char *text)
{
  put_bytes (out, field, text, strlen (text));
}

/* Appends @message as field @field and frees it. */
static void
put_message (GByteArray *out, int field, GByteArray *message)
{
  put_bytes (out, field, message->data, message->len);
  g_byte_array_unref (message);
}

/* ---- Attributes, collected as a node's attribute fields ---- */

static GByteArray *
attribute_new (const char *name, int type)
{
  GByteArray *a = g_byte_array_new ();
  put_string (a, ATTRIBUTE_NAME, name);
  put_int (a, ATTRIBUTE_TYPE, type);
  return a;
}

static void
add_int_attribute (GByteArray *attributes, const char *name, gint64 value)
{
  GByteArray *a = attribute_new (name, TYPE_INT);
  put_int (a, ATTRIBUTE_I, value);
  put_message (attributes, NODE_ATTRIBUTE, a);
}

static void
add_ints_attribute (GByteArray *attributes, const char *name, gsize n, const gint64 *values)
{
  GByteArray *a = attribute_new (name, TYPE_INTS);
  for (gsize i = 0; i < n; i++)
    put_int (a, ATTRIBUTE_INTS, values[i]);
  put_message (attributes, NODE_ATTRIBUTE, a);
}

static void
add_string_attribute (GByteArray *attributes, const char *name, const char *value)
{
  GByteArray *a = attribute_new (name, TYPE_STRING);
  put_string (a, ATTRIBUTE_S, value);
  put_message (attributes, NODE_ATTRIBUTE, a);
}

/* ---- The graph ---- */

typedef struct {
  GByteArray *nodes;          /* GraphProto node fields */
  GByteArray *initializers;   /* GraphProto initializer fields */
  GStringChunk *names;
  int n_values;
  const char *batch;          /* N, as a 1-element int64 value */
} Graph;

static void
graph_clear (Graph *g)
{
  g_clear_pointer (&g->nodes, g_byte_array_unref);
  g_clear_pointer (&g->initializers, g_byte_array_unref);
  g_clear_pointer (&g->names, g_string_chunk_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Graph, graph_clear)

static const char *
fresh_name (Graph *g)
{
  g_autofree char *name = g_strdup_printf ("v%d", g->n_values++);
  return g_string_chunk_insert (g->names, name);
}

static void
emit_node (Graph *g, const char *op, const char *const *inputs, gsize n_inputs,
           const char *const *outputs, gsize n_outputs, const GByteArray *attributes)
{
  GByteArray *node = g_byte_array_new ();
  for (gsize i = 0; i < n_inputs; i++)
    put_string (node, NODE_INPUT, inputs[i]);
  for (gsize i = 0; i < n_outputs; i++)
    put_string (node, NODE_OUTPUT, outputs[i]);
  put_string (node, NODE_OP_TYPE, op);
  if (attributes)
    g_byte_array_append (node, attributes->data, attributes->len);
  put_message (g->nodes, GRAPH_NODE, node);
}

/* Adds a node of @op on the NULL-terminated inputs ("" for an omitted
 * optional one) with @attributes (or NULL); returns its one output, @output
 * or a fresh name when NULL. */
G_GNUC_NULL_TERMINATED static const char *
add_node (Graph *g, const char *output, const char *op, const GByteArray *attributes, ...)
{
  const char *inputs[4];
  gsize n = 0;
  va_list args;
  va_start (args, attributes);
  for (const char *input; (input = va_arg (args, const char *)); n++)
    {
      g_assert (n < G_N_ELEMENTS (inputs));
      inputs[n] = input;
    }
  va_end (args);
  if (!output)
    output = fresh_name (g);
  emit_node (g, op, inputs, n, &output, 1, attributes);
  return output;
}

static const char *
add_initializer (Graph *g, const char *name, int data_type, int n_dims, const gint64 *dims,
                 const void *data, gsize size)
{
  if (!name)
    name = fresh_name (g);
  GByteArray *tensor = g_byte_array_new ();
  for (int i = 0; i < n_dims; i++)
    put_int (tensor, TENSOR_DIMS, dims[i]);
  put_int (tensor, TENSOR_DATA_TYPE, data_type);
  put_string (tensor, TENSOR_NAME, name);
  put_bytes (tensor, TENSOR_RAW_DATA, data, size);
  put_message (g->initializers, GRAPH_INITIALIZER, tensor);
  return name;
}

static const char *
add_int64s (Graph *g, gsize n, const gint64 *values)
{
  const gint64 dims[] = { (gint64) n };
  return add_initializer (g, NULL, DATA_INT64, 1, dims, values, n * sizeof (gint64));
}

static const char *
add_scalar (Graph *g, float value)
{
  return add_initializer (g, NULL, DATA_FLOAT, 0, NULL, &value, sizeof value);
}

/* Model tensor @name as an initializer of that name, with its own shape or
 * @dims; @channels (when not NULL) receives its first dimension. */
static const char *
add_model_tensor (Graph *g, EadNets *nets, const char *name, int n_dims, const gint64 *dims,
                  gint64 *channels, GError **error)
{
  const int index = ead_nets_find_tensor (nets, name);
  if (index < 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_FAILED, "the model has no tensor '%s'", name);
      return NULL;
    }
  gint64 shape[4];
  if (!dims)
    {
      n_dims = ead_nets_get_tensor_shape (nets, index, shape);
      dims = shape;
    }
  const gsize n = ead_nets_get_tensor_n_elements (nets, index);
  g_autofree float *values = g_new (float, n);
  if (!ead_nets_read_tensor (nets, index, values, error))
    return NULL;
  if (channels)
    *channels = dims[0];
  return add_initializer (g, g_string_chunk_insert (g->names, name), DATA_FLOAT, n_dims, dims,
                          values, n * sizeof (float));
}

/* Bilinear resizing like torch's with align_corners = false: half-pixel
 * centres, source positions clamped to the edges. */
static const char *
add_resize (Graph *g, const char *output, const char *x, gint64 channels, gint64 side)
{
  const gint64 tail[] = { channels, side, side };
  g_autoptr (GByteArray) axis = g_byte_array_new ();
  add_int_attribute (axis, "axis", 0);
  const char *sizes = add_node (g, NULL, "Concat", axis, g->batch, add_int64s (g, 3, tail), NULL);
  g_autoptr (GByteArray) attributes = g_byte_array_new ();
  add_string_attribute (attributes, "mode", "linear");
  add_string_attribute (attributes, "coordinate_transformation_mode", "half_pixel");
  return add_node (g, output, "Resize", attributes, x, "", "", sizes, NULL);
}

static void
add_window_attributes (GByteArray *attributes, const EadLayer *layer)
{
  const gint64 kernel[] = { layer->kernel, layer->kernel };
  const gint64 strides[] = { layer->stride, layer->stride };
  const gint64 pads[] = { layer->padding, layer->padding, layer->padding, layer->padding };
  add_ints_attribute (attributes, "kernel_shape", 2, kernel);
  add_ints_attribute (attributes, "strides", 2, strides);
  add_ints_attribute (attributes, "pads", 4, pads);
}

/* The layers of @network applied to @x; returns the output's name. */
static const char *
add_network (Graph *g, EadNets *nets, const char *network, const char *x, GError **error)
{
  g_autoptr (GArray) layers = ead_nets_describe (nets, network, error);
  if (!layers)
    return NULL;
  gint64 channels = 3;
  for (guint i = 0; i < layers->len; i++)
    {
      const EadLayer *layer = &g_array_index (layers, EadLayer, i);
      g_autoptr (GByteArray) attributes = g_byte_array_new ();
      switch (layer->kind)
        {
        case EAD_LAYER_CONV:
          {
            g_autofree char *weight_name = g_strdup_printf ("%s.%d.weight", network, layer->index);
            g_autofree char *bias_name = g_strdup_printf ("%s.%d.bias", network, layer->index);
            const char *weight = add_model_tensor (g, nets, weight_name, 0, NULL, &channels, error);
            const char *bias = weight ? add_model_tensor (g, nets, bias_name, 0, NULL, NULL, error) : NULL;
            if (!bias)
              return NULL;
            add_window_attributes (attributes, layer);
            x = add_node (g, NULL, "Conv", attributes, x, weight, bias, NULL);
            break;
          }
        case EAD_LAYER_RELU:
          x = add_node (g, NULL, "Relu", NULL, x, NULL);
          break;
        case EAD_LAYER_AVG_POOL:
          add_window_attributes (attributes, layer);
          add_int_attribute (attributes, "count_include_pad", 1);
          x = add_node (g, NULL, "AveragePool", attributes, x, NULL);
          break;
        case EAD_LAYER_RESIZE:
          x = add_resize (g, NULL, x, channels, layer->size);
          break;
        }
    }
  return x;
}

/* mean_c (a - b)^2, normalised by the quantiles as ead_map_normalize does. */
static const char *
add_map (Graph *g, const char *a, const char *b, double start, double end)
{
  const char *difference = add_node (g, NULL, "Sub", NULL, a, b, NULL);
  const char *square = add_node (g, NULL, "Mul", NULL, difference, difference, NULL);
  g_autoptr (GByteArray) attributes = g_byte_array_new ();
  const gint64 channel_axis[] = { 1 };
  add_ints_attribute (attributes, "axes", 1, channel_axis);
  add_int_attribute (attributes, "keepdims", 1);
  const char *map = add_node (g, NULL, "ReduceMean", attributes, square, NULL);
  const char *shifted = add_node (g, NULL, "Sub", NULL, map, add_scalar (g, start), NULL);
  return add_node (g, NULL, "Mul", NULL, shifted, add_scalar (g, 0.1 / (end - start)), NULL);
}

/* A map at the network's resolution padded and resized to the input's,
 * then times @inside (1 inside the region of interest, 0 outside) if any. */
static const char *
add_to_image (Graph *g, const char *output, const char *map, gint64 side, const char *inside)
{
  const gint64 p = EAD_MAP_PADDING;
  const gint64 pads[] = { 0, 0, p, p, 0, 0, p, p };
  const char *padded = add_node (g, NULL, "Pad", NULL, map, add_int64s (g, 8, pads), NULL);
  if (!inside)
    return add_resize (g, output, padded, 1, side);
  return add_node (g, output, "Mul", NULL, add_resize (g, NULL, padded, 1, side), inside, NULL);
}

/* Far below any map value: added outside the region of interest, it keeps
 * those pixels from the maximum. */
#define OUTSIDE_ROI (-1e30f)

/* The region of interest as two S x S initializers: "roi", 1 inside and 0
 * outside, which the maps are multiplied by, and "roi_outside", 0 inside
 * and OUTSIDE_ROI outside, added to the fused map before its maximum. */
static void
add_roi (Graph *g, const guint8 *roi, gint64 side)
{
  const gsize n = (gsize) side * side;
  const gint64 dims[] = { 1, 1, side, side };
  g_autofree float *inside = g_new (float, n);
  g_autofree float *outside = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    {
      inside[i] = roi[i] ? 1.0f : 0.0f;
      outside[i] = roi[i] ? 0.0f : OUTSIDE_ROI;
    }
  add_initializer (g, "roi", DATA_FLOAT, 4, dims, inside, n * sizeof (float));
  add_initializer (g, "roi_outside", DATA_FLOAT, 4, dims, outside, n * sizeof (float));
}

static const char *
add_normalization (Graph *g, const char *x, const char *mean, const char *std)
{
  return add_node (g, NULL, "Div", NULL, add_node (g, NULL, "Sub", NULL, x, mean, NULL), std, NULL);
}

/* The scoring of core/ead-score.c from an N x 3 x S x S input in [0, 1]. */
static gboolean
add_scoring (Graph *g, EadModel *model, const guint8 *roi, GError **error)
{
  EadNets *nets = ead_model_get_nets (model);
  const gint64 side = ead_model_get_image_size (model);
  const gint64 shape_starts[] = { 0 }, shape_ends[] = { 1 };
  const char *shape = add_node (g, NULL, "Shape", NULL, "image", NULL);
  g->batch = add_node (g, NULL, "Slice", NULL, shape, add_int64s (g, 1, shape_starts),
                       add_int64s (g, 1, shape_ends), NULL);

  const gint64 rgb[] = { 1, 3, 1, 1 };
  const char *mean = add_initializer (g, "imagenet_mean", DATA_FLOAT, 4, rgb, ead_imagenet_mean,
                                      3 * sizeof (float));
  const char *std = add_initializer (g, "imagenet_std", DATA_FLOAT, 4, rgb, ead_imagenet_std,
                                     3 * sizeof (float));
  const char *x = add_normalization (g, "image", mean, std);

  const gint64 per_channel[] = { 1, EAD_TEACHER_CHANNELS, 1, 1 };
  const char *teacher_mean = add_model_tensor (g, nets, "teacher_mean", 4, per_channel, NULL, error);
  const char *teacher_std = teacher_mean ? add_model_tensor (g, nets, "teacher_std", 4, per_channel, NULL, error) : NULL;
  const char *teacher = teacher_std ? add_network (g, nets, "teacher", x, error) : NULL;
  const char *student = teacher ? add_network (g, nets, "student", x, error) : NULL;
  const char *autoencoder = student ? add_network (g, nets, "autoencoder", x, error) : NULL;
  if (!autoencoder)
    return FALSE;
  teacher = add_normalization (g, teacher, teacher_mean, teacher_std);

  /* The student's first 384 channels imitate the teacher, the rest the
   * autoencoder. */
  const gint64 halves[] = { EAD_TEACHER_CHANNELS, EAD_TEACHER_CHANNELS };
  const char *split_inputs[] = { student, add_int64s (g, 2, halves) };
  const char *student_halves[] = { fresh_name (g), fresh_name (g) };
  g_autoptr (GByteArray) split_axis = g_byte_array_new ();
  add_int_attribute (split_axis, "axis", 1);
  emit_node (g, "Split", split_inputs, 2, student_halves, 2, split_axis);

  const EadQuantiles *q = ead_model_get_quantiles (model);
  const char *local = add_map (g, teacher, student_halves[0], q->st_start, q->st_end);
  const char *global = add_map (g, autoencoder, student_halves[1], q->ae_start, q->ae_end);
  /* The weights rounded to float first, as core/ead-score.c uses them. */
  const double weight = ead_model_get_local_weight (model);
  const char *local_part = add_node (g, NULL, "Mul", NULL, local, add_scalar (g, (float) weight), NULL);
  const char *global_part = add_node (g, NULL, "Mul", NULL, global,
                                      add_scalar (g, (float) (1.0 - weight)), NULL);
  const char *fused = add_node (g, NULL, "Add", NULL, local_part, global_part, NULL);

  if (roi)
    add_roi (g, roi, side);
  const char *inside = roi ? "roi" : NULL;
  add_to_image (g, "fused_map", fused, side, inside);
  add_to_image (g, "local_map", local, side, inside);
  add_to_image (g, "global_map", global, side, inside);
  g_autoptr (GByteArray) attributes = g_byte_array_new ();
  const gint64 map_axes[] = { 1, 2, 3 };
  add_ints_attribute (attributes, "axes", 3, map_axes);
  add_int_attribute (attributes, "keepdims", 0);
  const char *scored = roi ? add_node (g, NULL, "Add", NULL, "fused_map", "roi_outside", NULL)
                           : "fused_map";
  add_node (g, "score", "ReduceMax", attributes, scored, NULL);
  return TRUE;
}

/* A float tensor's name, type and shape; a negative dimension is the
 * symbolic batch size "N". */
static void
put_value_info (GByteArray *out, int field, const char *name, int n_dims, const gint64 *dims)
{
  GByteArray *shape = g_byte_array_new ();
  for (int i = 0; i < n_dims; i++)
    {
      GByteArray *dim = g_byte_array_new ();
      if (dims[i] < 0)
        put_string (dim, DIMENSION_PARAM, "N");
      else
        put_int (dim, DIMENSION_VALUE, dims[i]);
      put_message (shape, SHAPE_DIM, dim);
    }
  GByteArray *tensor_type = g_byte_array_new ();
  put_int (tensor_type, TENSOR_TYPE_ELEM_TYPE, DATA_FLOAT);
  put_message (tensor_type, TENSOR_TYPE_SHAPE, shape);
  GByteArray *type = g_byte_array_new ();
  put_message (type, TYPE_TENSOR_TYPE, tensor_type);
  GByteArray *info = g_byte_array_new ();
  put_string (info, VALUE_INFO_NAME, name);
  put_message (info, VALUE_INFO_TYPE, type);
  put_message (out, field, info);
}

GBytes *
ead_onnx_build (EadModel *model, const guint8 *roi, const char *const *metadata,
                GError **error)
{
  g_return_val_if_fail (ead_model_is_calibrated (model), NULL);
  g_auto (Graph) g = {
    .nodes = g_byte_array_new (),
    .initializers = g_byte_array_new (),
    .names = g_string_chunk_new (1024),
  };
  if (!add_scoring (&g, model, roi, error))
    return NULL;

  const gint64 side = ead_model_get_image_size (model);
  const gint64 image_dims[] = { -1, 3, side, side };
  const gint64 map_dims[] = { -1, 1, side, side };
  const gint64 score_dims[] = { -1 };
  GByteArray *graph = g_steal_pointer (&g.nodes);
  put_string (graph, GRAPH_NAME, "efficientad");
  g_byte_array_append (graph, g.initializers->data, g.initializers->len);
  put_value_info (graph, GRAPH_INPUT, "image", 4, image_dims);
  put_value_info (graph, GRAPH_OUTPUT, "score", 1, score_dims);
  put_value_info (graph, GRAPH_OUTPUT, "fused_map", 4, map_dims);
  put_value_info (graph, GRAPH_OUTPUT, "local_map", 4, map_dims);
  put_value_info (graph, GRAPH_OUTPUT, "global_map", 4, map_dims);

  GByteArray *out = g_byte_array_new ();
  put_int (out, MODEL_IR_VERSION, IR_VERSION);
  put_string (out, MODEL_PRODUCER_NAME, "efficientad");
  put_string (out, MODEL_PRODUCER_VERSION, EAD_VERSION);
  GByteArray *opset = g_byte_array_new ();
  put_string (opset, OPSET_DOMAIN, "");
  put_int (opset, OPSET_VERSION, EAD_ONNX_OPSET);
  put_message (out, MODEL_OPSET_IMPORT, opset);
  put_message (out, MODEL_GRAPH, graph);
  for (const char *const *p = metadata; p && p[0]; p += 2)
    {
      GByteArray *entry = g_byte_array_new ();
      put_string (entry, ENTRY_KEY, p[0]);
      put_string (entry, ENTRY_VALUE, p[1]);
      put_message (out, MODEL_METADATA_PROPS, entry);
    }
  return g_byte_array_free_to_bytes (out);
}

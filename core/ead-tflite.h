/* ead-tflite.h: a defensive reader for TensorFlow Lite model files.
 *
 * A .tflite file is a flatbuffer of the schema tensorflow/lite/schema/
 * schema.fbs (file identifier "TFL3", schema version 3). This reader takes
 * only what a convolutional network needs from the main subgraph: tensors with
 * their shapes, constant data and quantisation parameters, the operators in
 * execution order with the options of the common ones, and the subgraph's
 * inputs and outputs. Every offset, vtable and vector is bounds-checked and
 * every cross-reference (buffer, tensor, operator code) range-checked while
 * parsing, so a truncated or corrupt file is an EAD_ERROR_BAD_FILE naming it,
 * and everything returned afterwards is consistent. Strings and vectors that
 * tables share are charged against the file's size, so parsing stays linear
 * in it however often a file refers to one of them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* schema.fbs enum TensorType (a byte); other values are kept as read. */
typedef enum {
  EAD_TFLITE_FLOAT32 = 0,
  EAD_TFLITE_FLOAT16 = 1,
  EAD_TFLITE_INT32 = 2,
  EAD_TFLITE_UINT8 = 3,
  EAD_TFLITE_INT64 = 4,
  EAD_TFLITE_INT8 = 9,
} EadTfliteType;

/* schema.fbs enum BuiltinOperator: the operators a classification network
 * uses; other codes are kept as read. */
typedef enum {
  EAD_TFLITE_OP_ADD = 0,
  EAD_TFLITE_OP_AVERAGE_POOL_2D = 1,
  EAD_TFLITE_OP_CONV_2D = 3,
  EAD_TFLITE_OP_DEPTHWISE_CONV_2D = 4,
  EAD_TFLITE_OP_DEQUANTIZE = 6,
  EAD_TFLITE_OP_RESHAPE = 22,
  EAD_TFLITE_OP_SOFTMAX = 25,
  EAD_TFLITE_OP_MEAN = 40,
  EAD_TFLITE_OP_QUANTIZE = 114,
} EadTfliteOpCode;

/* schema.fbs enum Padding. */
typedef enum {
  EAD_TFLITE_PADDING_SAME = 0,
  EAD_TFLITE_PADDING_VALID = 1,
} EadTflitePadding;

/* schema.fbs enum ActivationFunctionType, fused into an operator. */
typedef enum {
  EAD_TFLITE_ACTIVATION_NONE = 0,
  EAD_TFLITE_ACTIVATION_RELU = 1,
  EAD_TFLITE_ACTIVATION_RELU_N1_TO_1 = 2,
  EAD_TFLITE_ACTIVATION_RELU6 = 3,
  EAD_TFLITE_ACTIVATION_TANH = 4,
  EAD_TFLITE_ACTIVATION_SIGN_BIT = 5,
} EadTfliteActivation;

/* More dimensions than this make a file unsupported. */
#define EAD_TFLITE_MAX_DIMS 8

typedef struct {
  const char *name;
  int type;                            /* an EadTfliteType value */
  int n_dims;
  gint32 shape[EAD_TFLITE_MAX_DIMS];   /* TFLite order, e.g. NHWC; all >= 0 */
  /* The constant contents, little-endian, NULL for activations; for every
   * type of a fixed element size (all those above), exactly n_elements
   * times that size. Not necessarily aligned: read them with memcpy. */
  const guint8 *data;
  gsize n_bytes;
  /* real = scale * (q - zero_point), with one pair per index along
   * quantized_dimension when n_scales > 1; n_scales is 0 for a tensor without
   * quantisation. Scales are positive and finite. */
  guint n_scales;
  const float *scales;
  const gint64 *zero_points;
  int quantized_dimension;
} EadTfliteTensor;

typedef struct {
  int code;                   /* an EadTfliteOpCode value; 32 for custom operators */
  guint n_inputs;
  const gint32 *inputs;       /* tensor indices; -1 marks an omitted optional input */
  guint n_outputs;
  const gint32 *outputs;      /* tensor indices */
  /* Options of CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, ADD, MEAN and
   * SOFTMAX, the schema's defaults when the file has none; zero for the other
   * operators, whose options this reader ignores. */
  EadTflitePadding padding;
  int stride_h, stride_w;
  int dilation_h, dilation_w;
  int filter_h, filter_w;     /* pooling */
  int depth_multiplier;
  EadTfliteActivation activation;
  gboolean keep_dims;         /* MEAN */
  float beta;                 /* SOFTMAX */
} EadTfliteOperator;

typedef struct _EadTflite EadTflite;

/* Reads and parses a whole file; errors name it. */
EadTflite *ead_tflite_load (const char *path, GError **error);
/* Parses a file in memory, keeping a reference to @bytes; @name stands for it
 * in error messages. */
EadTflite *ead_tflite_new_from_bytes (GBytes *bytes, const char *name, GError **error);
void ead_tflite_free (EadTflite *model);

/* The file name given to the constructor. */
const char *ead_tflite_get_name (const EadTflite *model);

guint ead_tflite_get_n_tensors (const EadTflite *model);
const EadTfliteTensor *ead_tflite_get_tensor (const EadTflite *model, guint index);
guint ead_tflite_get_n_operators (const EadTflite *model);
const EadTfliteOperator *ead_tflite_get_operator (const EadTflite *model, guint index);
/* The main subgraph's input and output tensor indices. */
const gint32 *ead_tflite_get_inputs (const EadTflite *model, guint *n_inputs);
const gint32 *ead_tflite_get_outputs (const EadTflite *model, guint *n_outputs);

/* The product of the tensor's dimensions (1 for a scalar). */
gsize ead_tflite_tensor_get_n_elements (const EadTfliteTensor *tensor);

/* The tensor's constant values as floats in the file's layout: float32 copied,
 * int8, uint8 and int32 dequantised per channel. EAD_ERROR_BAD_FILE when the
 * tensor has no data or a quantised type lacks its parameters,
 * EAD_ERROR_INCOMPATIBLE for other types. Free with g_free(). */
float *ead_tflite_dequantize (const EadTflite *model, guint index, GError **error);

/* Reorders an n x h x w x c array into n x c x h x w. TFLite stores
 * convolution weights as OHWI, which becomes PyTorch's OIHW, and depthwise
 * weights as 1HWC, which becomes C x 1 x H x W (the same memory as 1CHW). */
void ead_tflite_nhwc_to_nchw (const float *in, int n, int h, int w, int c, float *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadTflite, ead_tflite_free)

G_END_DECLS

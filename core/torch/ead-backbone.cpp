// ead-backbone.cpp: MobileNetV2 from a TFLite file over libtorch, behind the
// plain C API of ead-backbone.h.

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "ead-backbone.h"
#include "ead-error.h"
#include "ead-tflite.h"
}

namespace {

// MobileNetV2 1.0 (Sandler et al., 2018, table 2): per stage the expansion
// factor t, output channels c, repeats n and the first block's stride s.
struct Stage
{
  int expansion, channels, repeats, stride;
};
constexpr Stage kStages[] = {
  { 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 }, { 6, 64, 4, 2 },
  { 6, 96, 3, 1 }, { 6, 160, 3, 2 }, { 6, 320, 1, 1 },
};
constexpr int kStemChannels = 32;
constexpr int kHeadChannels = 1280;
constexpr int kMinInputSide = 32;
// MobileNetV2 files take 96 to 224 pixels; a file is not trusted with the
// size of the buffers its input implies.
constexpr int kMaxInputSide = 2048;

struct BlockSpec
{
  int in_channels, expanded, out_channels;
  int stride;          // of the depthwise convolution
  int input_stride;    // of the block's input relative to the image
};

std::vector<BlockSpec>
block_specs ()
{
  std::vector<BlockSpec> specs;
  int channels = kStemChannels, input_stride = 2;
  for (const auto &stage : kStages)
    for (int r = 0; r < stage.repeats; r++)
      {
        int stride = r == 0 ? stage.stride : 1;
        specs.push_back ({ channels, channels * stage.expansion, stage.channels, stride,
                           input_stride });
        channels = stage.channels;
        input_stride *= stride;
      }
  return specs;
}

const std::vector<BlockSpec> &
blocks ()
{
  static const std::vector<BlockSpec> specs = block_specs ();
  return specs;
}

// A convolution with its dequantised weights in PyTorch's layout, kept in
// float32 on the CPU, and the copies the forward pass uses: on the backbone's
// device, in its precision, channels-last (on the CPU the depthwise
// convolutions run about a third faster that way).
struct Conv
{
  torch::Tensor weight;   // O x I x k x k, or C x 1 x k x k when depthwise
  torch::Tensor bias;
  torch::Tensor run_weight;
  torch::Tensor run_bias;
  int64_t stride = 1;
  int64_t groups = 1;
  bool relu6 = false;
  int tensor = -1;        // the file's tensor holding its output
};

struct Block
{
  bool has_expand = false;
  Conv expand, depthwise, project;
  bool residual = false;
  int output_tensor = -1;
};

// Raised while building when the file is not the expected network.
struct Mismatch : std::runtime_error
{
  using std::runtime_error::runtime_error;
};

std::string
shape_to_string (const gint32 *shape, int n_dims)
{
  std::string text = "[";
  for (int d = 0; d < n_dims; d++)
    text += (d ? ", " : "") + std::to_string (shape[d]);
  return text + "]";
}

const char *
op_name (int code)
{
  switch (code)
    {
    case EAD_TFLITE_OP_ADD:
      return "ADD";
    case EAD_TFLITE_OP_AVERAGE_POOL_2D:
      return "AVERAGE_POOL_2D";
    case EAD_TFLITE_OP_CONV_2D:
      return "CONV_2D";
    case EAD_TFLITE_OP_DEPTHWISE_CONV_2D:
      return "DEPTHWISE_CONV_2D";
    case EAD_TFLITE_OP_RESHAPE:
      return "RESHAPE";
    case EAD_TFLITE_OP_SOFTMAX:
      return "SOFTMAX";
    case EAD_TFLITE_OP_MEAN:
      return "MEAN";
    default:
      return "another operator";
    }
}

// Walks the operators in order, checking each against the layer it must be.
// QUANTIZE and DEQUANTIZE only change how values are stored, so in float
// their output is their input; `resolve` follows such aliases.
class GraphReader
{
public:
  explicit GraphReader (const EadTflite *model) : model_ (model) {}

  const EadTflite *model () const { return model_; }
  int current () const { return current_; }
  void set_current (int tensor) { current_ = tensor; }

  int
  resolve (int tensor) const
  {
    auto it = aliases_.find (tensor);
    return it == aliases_.end () ? tensor : it->second;
  }

  // The next operator after any pass-through ones, NULL at the end.
  const EadTfliteOperator *
  peek ()
  {
    skip_pass_through ();
    if (next_ >= ead_tflite_get_n_operators (model_))
      return NULL;
    return ead_tflite_get_operator (model_, next_);
  }

  // The next operator, which must have @code, after any pass-through ones.
  const EadTfliteOperator *
  take (int code, const std::string &what)
  {
    if (!peek ())
      throw Mismatch ("the operators end before the " + what);
    const EadTfliteOperator *op = ead_tflite_get_operator (model_, next_);
    context_ = "operator " + std::to_string (next_) + " (" + what + ")";
    next_++;
    if (op->code != code)
      fail (std::string ("expected ") + op_name (code) + ", found " + op_name (op->code)
            + " (code " + std::to_string (op->code) + ")");
    if (op->n_outputs != 1)
      fail ("expected one output");
    return op;
  }

  // After the classifier only reshapes, the softmax and pass-through
  // operators may follow, each on the logits.
  void
  expect_tail ()
  {
    for (; next_ < ead_tflite_get_n_operators (model_); next_++)
      {
        const EadTfliteOperator *op = ead_tflite_get_operator (model_, next_);
        context_ = "operator " + std::to_string (next_) + " (after the classifier)";
        bool allowed = op->code == EAD_TFLITE_OP_RESHAPE || op->code == EAD_TFLITE_OP_SOFTMAX
                       || is_pass_through (op->code);
        if (!allowed)
          fail (std::string ("unexpected ") + op_name (op->code));
        if (op->n_inputs < 1 || op->n_outputs != 1 || resolve (op->inputs[0]) != current_)
          fail ("it does not take the logits");
        aliases_[op->outputs[0]] = current_;
      }
  }

  [[noreturn]] void
  fail (const std::string &message) const
  {
    throw Mismatch (context_ + ": " + message);
  }

  const EadTfliteTensor *
  tensor (int index) const
  {
    if (index < 0)
      fail ("a required input is missing");
    return ead_tflite_get_tensor (model_, index);
  }

  // Checks that tensor @index has exactly @expected as its shape.
  void
  expect_shape (int index, std::initializer_list<int> expected, const char *what) const
  {
    const EadTfliteTensor *t = tensor (index);
    bool same = t->n_dims == (int) expected.size ()
                && std::equal (expected.begin (), expected.end (), t->shape);
    if (!same)
      {
        std::vector<gint32> want (expected.begin (), expected.end ());
        fail (std::string (what) + " " + shape_to_string (t->shape, t->n_dims) + ", expected "
              + shape_to_string (want.data (), (int) want.size ()));
      }
  }

private:
  static bool
  is_pass_through (int code)
  {
    return code == EAD_TFLITE_OP_QUANTIZE || code == EAD_TFLITE_OP_DEQUANTIZE;
  }

  void
  skip_pass_through ()
  {
    for (; next_ < ead_tflite_get_n_operators (model_); next_++)
      {
        const EadTfliteOperator *op = ead_tflite_get_operator (model_, next_);
        if (!is_pass_through (op->code))
          return;
        if (op->n_inputs == 1 && op->n_outputs == 1 && op->inputs[0] >= 0)
          aliases_[op->outputs[0]] = resolve (op->inputs[0]);
      }
  }

  const EadTflite *model_;
  guint next_ = 0;
  int current_ = -1;
  std::map<int, int> aliases_;
  std::string context_ = "the model";
};

// Dequantises constant tensor @index after checking its shape; with @nhwc a
// 4-d [a, h, w, b] becomes PyTorch's [a, b, h, w].
torch::Tensor
load_weights (GraphReader &reader, int index, std::initializer_list<int> shape, bool nhwc,
              const char *what)
{
  reader.expect_shape (index, shape, what);
  g_autoptr (GError) error = NULL;
  g_autofree float *values = ead_tflite_dequantize (reader.model (), index, &error);
  if (!values)
    reader.fail (error->message);
  std::vector<int64_t> sizes (shape.begin (), shape.end ());
  if (!nhwc)
    return torch::from_blob (values, sizes, torch::kFloat32).clone ();
  auto weight = torch::empty ({ sizes[0], sizes[3], sizes[1], sizes[2] });
  ead_tflite_nhwc_to_nchw (values, sizes[0], sizes[1], sizes[2], sizes[3],
                           weight.data_ptr<float> ());
  return weight;
}

int
same_side (int side, int stride)
{
  return (side + stride - 1) / stride;
}

struct ConvSpec
{
  std::string what;
  bool depthwise;
  int in_channels, out_channels, kernel, stride;
  bool relu6;
  int in_side;        // spatial side of the input at the file's input size
};

// Takes the next convolution, checks it against @spec and loads it.
Conv
read_conv (GraphReader &reader, const ConvSpec &spec)
{
  int code = spec.depthwise ? EAD_TFLITE_OP_DEPTHWISE_CONV_2D : EAD_TFLITE_OP_CONV_2D;
  const EadTfliteOperator *op = reader.take (code, spec.what);
  if (op->n_inputs != 3)
    reader.fail ("expected input, weights and bias");
  if (reader.resolve (op->inputs[0]) != reader.current ())
    reader.fail ("its input is not the previous layer's output");
  if (op->stride_h != spec.stride || op->stride_w != spec.stride)
    reader.fail ("stride " + std::to_string (op->stride_h) + "x" + std::to_string (op->stride_w)
                 + ", expected " + std::to_string (spec.stride));
  if (op->dilation_h != 1 || op->dilation_w != 1)
    reader.fail ("dilated convolutions are not part of MobileNetV2");
  // "SAME" is what the 3x3 layers need; for 1x1 at stride 1 both agree.
  if (op->padding != EAD_TFLITE_PADDING_SAME && spec.kernel != 1)
    reader.fail ("expected SAME padding");
  if (spec.depthwise && op->depth_multiplier != 1)
    reader.fail ("expected depth multiplier 1, found " + std::to_string (op->depth_multiplier));
  auto expected = spec.relu6 ? EAD_TFLITE_ACTIVATION_RELU6 : EAD_TFLITE_ACTIVATION_NONE;
  if (op->activation != expected)
    reader.fail ("fused activation " + std::to_string (op->activation) + ", expected "
                 + std::to_string (expected));

  Conv conv;
  conv.stride = spec.stride;
  conv.relu6 = spec.relu6;
  const int k = spec.kernel, out = spec.out_channels;
  if (spec.depthwise)
    {
      // 1HWC: one k x k filter per channel, which becomes C x 1 x k x k.
      conv.weight = load_weights (reader, op->inputs[1], { 1, k, k, out }, true, "weights")
                      .view ({ out, 1, k, k });
      conv.groups = out;
    }
  else
    conv.weight = load_weights (reader, op->inputs[1], { out, k, k, spec.in_channels }, true,
                                "weights");
  conv.bias = load_weights (reader, op->inputs[2], { out }, false, "bias");
  int out_side = same_side (spec.in_side, spec.stride);
  reader.expect_shape (op->outputs[0], { 1, out_side, out_side, out }, "output");
  conv.tensor = op->outputs[0];
  reader.set_current (op->outputs[0]);
  return conv;
}

// The input: [1, S, S, 3], and when quantised, mapping 0..255 (uint8) or
// -128..127 (int8) onto [-1, 1] within a step, so images must be scaled so.
int
read_input (GraphReader &reader)
{
  guint n_inputs;
  const gint32 *inputs = ead_tflite_get_inputs (reader.model (), &n_inputs);
  if (n_inputs != 1)
    reader.fail ("expected one input, found " + std::to_string (n_inputs));
  const EadTfliteTensor *input = reader.tensor (inputs[0]);
  int side = input->n_dims == 4 ? input->shape[1] : 0;
  reader.expect_shape (inputs[0], { 1, side, side, 3 }, "input");
  if (side < kMinInputSide)
    reader.fail ("input side " + std::to_string (side) + " is too small");
  if (side > kMaxInputSide)
    reader.fail ("input side " + std::to_string (side) + " is too large (at most "
                 + std::to_string (kMaxInputSide) + ")");
  if (input->n_scales == 1)
    {
      double q_min = input->type == EAD_TFLITE_INT8 ? -128 : 0;
      double low = input->scales[0] * (q_min - input->zero_points[0]);
      double high = input->scales[0] * (q_min + 255 - input->zero_points[0]);
      double step = input->scales[0];
      if (std::fabs (low + 1) > step + 1e-6 || std::fabs (high - 1) > step + 1e-6)
        reader.fail ("its quantisation maps the input to [" + std::to_string (low) + ", "
                     + std::to_string (high) + "], not [-1, 1]");
    }
  reader.set_current (inputs[0]);
  return side;
}

void
set_torch_error (GError **error, const std::exception &e)
{
  std::string what = e.what ();
  std::string first_line = what.substr (0, what.find ('\n'));
  g_set_error (error, EAD_ERROR, EAD_ERROR_TORCH, "libtorch: %s", first_line.c_str ());
}

Block
read_block (GraphReader &reader, int index, int &side)
{
  Block block;
  const BlockSpec &s = blocks ()[index];
  const std::string name = "block " + std::to_string (index);
  const int block_input = reader.current ();
  block.has_expand = s.expanded != s.in_channels;
  if (block.has_expand)
    block.expand = read_conv (reader, { name + " expand", false, s.in_channels,
                                        s.expanded, 1, 1, true, side });
  block.depthwise = read_conv (reader, { name + " depthwise", true, s.expanded,
                                         s.expanded, 3, s.stride, true, side });
  side = same_side (side, s.stride);
  block.project = read_conv (reader, { name + " project", false, s.expanded,
                                       s.out_channels, 1, 1, false, side });
  block.residual = s.stride == 1 && s.in_channels == s.out_channels;
  if (block.residual)
    {
      const EadTfliteOperator *add = reader.take (EAD_TFLITE_OP_ADD, name + " residual add");
      int a = add->n_inputs == 2 ? reader.resolve (add->inputs[0]) : -1;
      int b = add->n_inputs == 2 ? reader.resolve (add->inputs[1]) : -1;
      int project = reader.current ();
      if (!((a == block_input && b == project) || (a == project && b == block_input)))
        reader.fail ("it does not add the block's input to its projection");
      if (add->activation != EAD_TFLITE_ACTIVATION_NONE)
        reader.fail ("expected no fused activation");
      reader.expect_shape (add->outputs[0], { 1, side, side, s.out_channels }, "output");
      reader.set_current (add->outputs[0]);
    }
  block.output_tensor = reader.current ();
  return block;
}

// Global average pooling: MEAN over axes 1 and 2, or an AVERAGE_POOL_2D
// whose window covers the whole map.
void
read_pool (GraphReader &reader, int side)
{
  const int before = reader.current ();
  const EadTfliteOperator *op;
  const EadTfliteOperator *next = reader.peek ();
  if (next && next->code == EAD_TFLITE_OP_MEAN)
    {
      op = reader.take (EAD_TFLITE_OP_MEAN, "global pooling");
      if (op->n_inputs != 2)
        reader.fail ("expected input and axes");
      const EadTfliteTensor *axes = reader.tensor (op->inputs[1]);
      gint32 values[2] = { 0, 0 };
      if (axes->type != EAD_TFLITE_INT32 || ead_tflite_tensor_get_n_elements (axes) != 2
          || !axes->data)
        reader.fail ("expected the constant axes [1, 2]");
      std::memcpy (values, axes->data, sizeof values);
      if (values[0] != 1 || values[1] != 2)
        reader.fail ("expected the constant axes [1, 2]");
    }
  else
    {
      op = reader.take (EAD_TFLITE_OP_AVERAGE_POOL_2D, "global pooling");
      if (op->filter_h != side || op->filter_w != side || op->padding != EAD_TFLITE_PADDING_VALID)
        reader.fail ("its window does not cover the whole map");
    }
  if (op->n_inputs < 1 || reader.resolve (op->inputs[0]) != before)
    reader.fail ("its input is not the previous layer's output");
  if (op->activation != EAD_TFLITE_ACTIVATION_NONE)
    reader.fail ("expected no fused activation");
  const EadTfliteTensor *out = reader.tensor (op->outputs[0]);
  if (ead_tflite_tensor_get_n_elements (out) != (gsize) kHeadChannels)
    reader.fail ("expected " + std::to_string (kHeadChannels) + " outputs");
  reader.set_current (op->outputs[0]);
}

} // namespace

struct _EadBackbone
{
  int input_size = 0;
  int n_classes = 0;
  Conv stem;
  std::vector<Block> blocks;
  Conv head;
  Conv classifier;
  torch::Device device{ torch::kCPU };
  EadPrecision precision = EAD_PRECISION_FP32;

  torch::TensorOptions
  run_options () const
  {
    auto dtype = precision == EAD_PRECISION_BF16 ? torch::kBFloat16 : torch::kFloat32;
    return torch::TensorOptions ().device (device).dtype (dtype);
  }
};

namespace {

// Builds the whole network, checking every operator on the way.
void
read_network (GraphReader &reader, EadBackbone *backbone)
{
  int side = read_input (reader);
  backbone->input_size = side;
  backbone->stem = read_conv (reader, { "stem", false, 3, kStemChannels, 3, 2, true, side });
  side = same_side (side, 2);
  for (int i = 0; i < EAD_BACKBONE_N_BLOCKS; i++)
    backbone->blocks.push_back (read_block (reader, i, side));
  const int last_channels = blocks ().back ().out_channels;
  backbone->head = read_conv (reader, { "head", false, last_channels, kHeadChannels, 1, 1, true,
                                        side });
  read_pool (reader, side);
  // The classifier: a 1x1 convolution whose width the file decides.
  const EadTfliteOperator *next = reader.peek ();
  const EadTfliteTensor *weights = NULL;
  if (next && next->n_inputs == 3 && next->inputs[1] >= 0)
    weights = reader.tensor (next->inputs[1]);
  backbone->n_classes = weights && weights->n_dims == 4 ? weights->shape[0] : 0;
  backbone->classifier = read_conv (reader, { "classifier", false, kHeadChannels,
                                              backbone->n_classes, 1, 1, false, 1 });
  if (backbone->n_classes < 1)
    reader.fail ("the classifier has no classes");
  reader.expect_tail ();
}

// TensorFlow's "SAME": the output side is ceil(in / stride), and the padding
// this takes is split with the odd pixel after (bottom, right), where PyTorch
// pads symmetrically; so a stride-2 layer on an even side pads explicitly.
torch::Tensor
conv_forward (const Conv &conv, const torch::Tensor &x)
{
  const int64_t k = conv.weight.size (2), s = conv.stride;
  int64_t before[2], after[2];
  for (int d = 0; d < 2; d++)
    {
      const int64_t in = x.size (2 + d), out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t> ((out - 1) * s + k - in, 0);
      before[d] = total / 2;
      after[d] = total - before[d];
    }
  torch::Tensor input = x;
  std::vector<int64_t> padding = { before[0], before[1] };
  if (before[0] != after[0] || before[1] != after[1])
    {
      input = torch::constant_pad_nd (x, { before[1], after[1], before[0], after[0] })
                  .contiguous (at::MemoryFormat::ChannelsLast);
      padding = { 0, 0 };
    }
  auto y = torch::conv2d (input, conv.run_weight, conv.run_bias, at::IntArrayRef (s),
                          at::IntArrayRef (padding), at::IntArrayRef (1), conv.groups);
  return conv.relu6 ? y.clamp_ (0, 6) : y;
}

// Receives each block's expanded activation (undefined for block 0) and
// output; returns false to stop after that block.
using TapFunction
    = std::function<bool (int block, const torch::Tensor &expanded, const torch::Tensor &output)>;

torch::Tensor
blocks_forward (const EadBackbone *backbone, const torch::Tensor &image, const TapFunction &tap)
{
  auto x = conv_forward (backbone->stem, image);
  for (size_t i = 0; i < backbone->blocks.size (); i++)
    {
      const Block &block = backbone->blocks[i];
      torch::Tensor expanded = block.has_expand ? conv_forward (block.expand, x) : torch::Tensor ();
      auto y = conv_forward (block.project,
                             conv_forward (block.depthwise, block.has_expand ? expanded : x));
      x = block.residual ? y.add_ (x) : y;
      if (!tap ((int) i, expanded, x))
        break;
    }
  return x;
}

torch::Tensor
images_to_tensor (const EadBackbone *backbone, const float *images, int n, int height, int width)
{
  auto x = torch::from_blob (const_cast<float *> (images), { n, 3, height, width },
                             torch::kFloat32);
  // Nothing writes to the input in place, so the caller's buffer may back it.
  return x.to (backbone->run_options ()).contiguous (at::MemoryFormat::ChannelsLast);
}

void
tensor_to_host (const torch::Tensor &t, float *out)
{
  auto host = t.detach ().to (torch::kCPU, torch::kFloat32).contiguous ();
  std::memcpy (out, host.data_ptr<float> (), host.numel () * sizeof (float));
}

gboolean
check_images (int n, int height, int width, GError **error)
{
  if (n >= 1 && height >= kMinInputSide && width >= kMinInputSide)
    return TRUE;
  g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
               "the backbone needs at least one image of at least %dx%d pixels, not %d of %dx%d",
               kMinInputSide, kMinInputSide, n, width, height);
  return FALSE;
}

// Makes the forward pass's copies of the weights for the device and
// precision now set.
void
place_weights (EadBackbone *backbone)
{
  const auto options = backbone->run_options ();
  auto place = [&] (Conv &conv) {
    conv.run_weight = conv.weight.to (options).contiguous (at::MemoryFormat::ChannelsLast);
    conv.run_bias = conv.bias.to (options);
  };
  place (backbone->stem);
  for (auto &block : backbone->blocks)
    {
      if (block.has_expand)
        place (block.expand);
      place (block.depthwise);
      place (block.project);
    }
  place (backbone->head);
  place (backbone->classifier);
}

} // namespace

extern "C" {

EadBackbone *
ead_backbone_new (const EadTflite *model, GError **error)
{
  GraphReader reader (model);
  try
    {
      auto backbone = std::make_unique<_EadBackbone> ();
      read_network (reader, backbone.get ());
      place_weights (backbone.get ());
      return backbone.release ();
    }
  catch (const Mismatch &e)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE, "%s: not a MobileNetV2 1.0 model: %s",
                   ead_tflite_get_name (model), e.what ());
      return NULL;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return NULL;
    }
}

EadBackbone *
ead_backbone_load (const char *path, GError **error)
{
  g_autoptr (EadTflite) model = ead_tflite_load (path, error);
  return model ? ead_backbone_new (model, error) : NULL;
}

void
ead_backbone_free (EadBackbone *backbone)
{
  delete backbone;
}

int
ead_backbone_get_n_classes (const EadBackbone *backbone)
{
  return backbone->n_classes;
}

int
ead_backbone_get_input_size (const EadBackbone *backbone)
{
  return backbone->input_size;
}

gboolean
ead_backbone_set_device (EadBackbone *backbone, EadDevice device, GError **error)
{
  if (device == EAD_DEVICE_CUDA && !torch::cuda::is_available ())
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "CUDA is not available in this build or on this machine");
      return FALSE;
    }
  try
    {
      backbone->device = torch::Device (device == EAD_DEVICE_CUDA ? torch::kCUDA : torch::kCPU);
      place_weights (backbone);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_backbone_set_precision (EadBackbone *backbone, EadPrecision precision, GError **error)
{
  try
    {
      backbone->precision = precision;
      place_weights (backbone);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_backbone_classify (EadBackbone *backbone, const float *images, int n, int height, int width,
                       float *logits, GError **error)
{
  if (!check_images (n, height, width, error))
    return FALSE;
  try
    {
      torch::NoGradGuard no_grad;
      auto x = images_to_tensor (backbone, images, n, height, width);
      x = blocks_forward (backbone, x, [] (int, const torch::Tensor &, const torch::Tensor &) {
        return true;
      });
      x = conv_forward (backbone->head, x).mean ({ 2, 3 }, true);
      tensor_to_host (conv_forward (backbone->classifier, x).flatten (1), logits);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_backbone_tap_info (EadBackboneTap tap, int *channels, int *stride)
{
  if (tap.block < 0 || tap.block >= EAD_BACKBONE_N_BLOCKS)
    return FALSE;
  const BlockSpec &spec = blocks ()[tap.block];
  switch (tap.kind)
    {
    case EAD_BACKBONE_BLOCK_OUTPUT:
      *channels = spec.out_channels;
      *stride = spec.input_stride * spec.stride;
      return TRUE;
    case EAD_BACKBONE_BLOCK_EXPANDED:
      *channels = spec.expanded;
      *stride = spec.input_stride;
      return spec.expanded != spec.in_channels;
    default:
      return FALSE;
    }
}

int
ead_backbone_tap_side (int input_side, int stride)
{
  // Each stride-2 layer rounds up, and ceil(ceil(a / 2) / 2) = ceil(a / 4).
  return same_side (input_side, stride);
}

int
ead_backbone_get_tap_tensor (const EadBackbone *backbone, EadBackboneTap tap)
{
  int channels, stride;
  g_return_val_if_fail (ead_backbone_tap_info (tap, &channels, &stride), -1);
  const Block &block = backbone->blocks[tap.block];
  return tap.kind == EAD_BACKBONE_BLOCK_OUTPUT ? block.output_tensor : block.expand.tensor;
}

gboolean
ead_backbone_features (EadBackbone *backbone, const float *images, int n, int height, int width,
                       const EadBackboneTap *taps, int n_taps, float *const *out, GError **error)
{
  if (!check_images (n, height, width, error))
    return FALSE;
  int last = -1;
  for (int i = 0; i < n_taps; i++)
    {
      int channels, stride;
      if (!ead_backbone_tap_info (taps[i], &channels, &stride))
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                       "block %d has no %s", taps[i].block,
                       taps[i].kind == EAD_BACKBONE_BLOCK_EXPANDED ? "expansion" : "output");
          return FALSE;
        }
      last = std::max (last, taps[i].block);
    }
  try
    {
      torch::NoGradGuard no_grad;
      auto x = images_to_tensor (backbone, images, n, height, width);
      blocks_forward (backbone, x,
                      [&] (int block, const torch::Tensor &expanded, const torch::Tensor &output) {
                        for (int i = 0; i < n_taps; i++)
                          if (taps[i].block == block)
                            tensor_to_host (taps[i].kind == EAD_BACKBONE_BLOCK_OUTPUT ? output
                                                                                       : expanded,
                                            out[i]);
                        return block < last;
                      });
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

void
ead_backbone_foreach_weight (const EadBackbone *backbone, int last_block,
                             EadBackboneWeightFunc func, gpointer user_data)
{
  auto emit = [&] (const std::string &name, const Conv &conv) {
    for (const auto &[suffix, tensor] : { std::pair{ ".weight", conv.weight },
                                          std::pair{ ".bias", conv.bias } })
      {
        auto t = tensor.contiguous ();
        func ((name + suffix).c_str (), t.data_ptr<float> (), t.sizes ().data (),
              (int) t.dim (), user_data);
      }
  };
  emit ("stem", backbone->stem);
  for (int i = 0; i <= last_block && i < (int) backbone->blocks.size (); i++)
    {
      const Block &block = backbone->blocks[i];
      const std::string prefix = "blocks." + std::to_string (i);
      if (block.has_expand)
        emit (prefix + ".expand", block.expand);
      emit (prefix + ".depthwise", block.depthwise);
      emit (prefix + ".project", block.project);
    }
}

} // extern "C"

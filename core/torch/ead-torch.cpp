// ead-torch.cpp: EfficientAD's networks, forward passes and training step
// over libtorch, behind the plain C API of ead-torch.h.

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <cmath>
#include <climits>
#include <cpuid.h>
#include <malloc.h>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include "ead-error.h"
#include "ead-torch.h"
}

#include "ead-torch-private.hpp"

namespace nn = torch::nn;

namespace {

constexpr int64_t kTeacherChannels = EAD_TEACHER_CHANNELS;

} // namespace

namespace ead_shim {

// Turns a C++ exception into a GError; the caller returns failure.
void
set_torch_error (GError **error, const std::exception &e)
{
  std::string what = e.what ();
  // libtorch appends a multi-line backtrace; the first line says what failed
  // (TorchScript's compiler starts its messages with an empty one).
  what.erase (0, what.find_first_not_of ('\n'));
  std::string first_line = what.substr (0, what.find ('\n'));
  g_set_error (error, EAD_ERROR, EAD_ERROR_TORCH, "libtorch: %s", first_line.c_str ());
}

nn::Conv2d
conv (int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = 0)
{
  return nn::Conv2d (nn::Conv2dOptions (in, out, kernel).stride (stride).padding (padding));
}

nn::AvgPool2d
avg_pool (int64_t padding)
{
  return nn::AvgPool2d (nn::AvgPool2dOptions (2).stride (2).padding (padding));
}

nn::Upsample
upsample_to (int64_t side)
{
  return nn::Upsample (nn::UpsampleOptions ()
                         .size (std::vector<int64_t>{ side, side })
                         .mode (torch::kBilinear)
                         .align_corners (false));
}

// The patch description networks, numbered like the reference
// implementation's nn.Sequential so weight names match its files. The padded
// variant (the reference pretraining's) maps 256 pixels to 64 instead of 56,
// with the same weights.
nn::Sequential
make_pdn_small (int64_t out_channels, bool padded)
{
  const int64_t p = padded ? 1 : 0;
  return nn::Sequential (conv (3, 128, 4, 1, 3 * p), nn::ReLU (), avg_pool (p),
                         conv (128, 256, 4, 1, 3 * p), nn::ReLU (), avg_pool (p),
                         conv (256, 256, 3, 1, p), nn::ReLU (),
                         conv (256, out_channels, 4));
}

nn::Sequential
make_pdn_medium (int64_t out_channels, bool padded)
{
  const int64_t p = padded ? 1 : 0;
  return nn::Sequential (conv (3, 256, 4, 1, 3 * p), nn::ReLU (), avg_pool (p),
                         conv (256, 512, 4, 1, 3 * p), nn::ReLU (), avg_pool (p),
                         conv (512, 512, 1), nn::ReLU (),
                         conv (512, 512, 3, 1, p), nn::ReLU (),
                         conv (512, out_channels, 4), nn::ReLU (),
                         conv (out_channels, out_channels, 1));
}

// The autoencoder: a strided encoder down to a 64-dimensional code of
// (S/32 - 7)^2 positions, and a decoder that upsamples through fixed sizes
// (3, 8, 15, 32, 63, 127 at S = 256) to the PDN output size.
nn::Sequential
make_autoencoder (int64_t image_size, int64_t output_size)
{
  nn::Sequential ae (conv (3, 32, 4, 2, 1), nn::ReLU (),
                     conv (32, 32, 4, 2, 1), nn::ReLU (),
                     conv (32, 64, 4, 2, 1), nn::ReLU (),
                     conv (64, 64, 4, 2, 1), nn::ReLU (),
                     conv (64, 64, 4, 2, 1), nn::ReLU (),
                     conv (64, 64, 8));
  const int64_t s = image_size;
  const int64_t sides[] = { s / 64 - 1, s / 32, s / 16 - 1, s / 8, s / 4 - 1, s / 2 - 1 };
  for (int64_t side : sides)
    {
      ae->push_back (upsample_to (side));
      ae->push_back (conv (64, 64, 4, 1, 2));
      ae->push_back (nn::ReLU ());
      ae->push_back (nn::Dropout (0.2));
    }
  ae->push_back (upsample_to (output_size));
  ae->push_back (conv (64, 64, 3, 1, 1));
  ae->push_back (nn::ReLU ());
  ae->push_back (conv (64, kTeacherChannels, 3, 1, 1));
  return ae;
}

nn::Sequential
make_pdn (EadModelSize size, int64_t out_channels, bool padded)
{
  return size == EAD_MODEL_MEDIUM ? make_pdn_medium (out_channels, padded)
                                  : make_pdn_small (out_channels, padded);
}

torch::Tensor
host_to_tensor (const float *data, at::IntArrayRef sizes, const torch::Device &device)
{
  // from_blob does not copy; clone so the tensor owns its memory on the CPU.
  auto t = torch::from_blob (const_cast<float *> (data), sizes, torch::kFloat32);
  return device.is_cpu () ? t.clone () : t.to (device);
}

void
tensor_to_host (const torch::Tensor &t, float *out)
{
  auto host = t.detach ().to (torch::kCPU, torch::kFloat32).contiguous ();
  std::memcpy (out, host.data_ptr<float> (), host.numel () * sizeof (float));
}

// Quantile q of all elements with linear interpolation (torch.quantile's
// rule), through topk so that it works beyond torch.quantile's 2^24 limit.
torch::Tensor
quantile_of_all (const torch::Tensor &t, double q)
{
  auto flat = t.flatten ();
  const int64_t n = flat.numel ();
  const double position = q * (double) (n - 1);
  const int64_t lower = (int64_t) std::floor (position);
  const double fraction = position - (double) lower;
  // The n - lower largest values, descending: the last is order statistic
  // `lower` (ascending), the one before it `lower + 1`.
  auto top = std::get<0> (flat.topk (n - lower, 0, true, true));
  auto low_value = top[n - lower - 1];
  if (n - lower < 2)
    return low_value;
  auto high_value = top[n - lower - 2];
  return low_value + fraction * (high_value - low_value);
}

// A bf16 channels-last copy of @net, in eval mode.
nn::Sequential
bf16_copy (nn::Sequential net)
{
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl> (net->clone ());
  copy->to (torch::kBFloat16);
  for (auto &p : copy->parameters ())
    if (p.dim () == 4)
      p.set_data (p.contiguous (at::MemoryFormat::ChannelsLast));
  copy->eval ();
  return nn::Sequential (copy);
}

// A PDN ready for inference. On the CPU it runs in oneDNN's own blocked
// layout: the weights are reordered once into the format the convolution
// wants and the activations stay blocked from layer to layer, with the ReLUs
// in place. The eager module reorders weights and activations on every call
// and takes about twice as long for the same values (docs/benchmarks.md). On
// CUDA it is the eager module (a bf16 channels-last copy for bf16).
class InferencePdn
{
public:
  InferencePdn (nn::Sequential &pdn, const torch::Device &device, torch::ScalarType dtype)
    : dtype_ (dtype)
  {
    if (!device.is_cpu ())
      {
        eager_ = dtype == torch::kBFloat16 ? bf16_copy (pdn) : pdn;
        return;
      }
    for (auto &module : pdn->modules (false))
      {
        Layer layer;
        if (auto *c = module->as<nn::Conv2d> ())
          {
            const auto &o = c->options;
            layer.kind = Layer::CONV;
            layer.padding = at::IntArrayRef (c10::get<torch::ExpandingArray<2>> (o.padding ())).vec ();
            layer.stride = at::IntArrayRef (o.stride ()).vec ();
            layer.dilation = at::IntArrayRef (o.dilation ()).vec ();
            layer.weight = at::mkldnn_reorder_conv2d_weight (c->weight.detach ().to_mkldnn (dtype),
                                                             layer.padding, layer.stride,
                                                             layer.dilation, o.groups ());
            // fp32 bias also for bf16, as PyTorch's to_mkldnn does: it is added
            // to the fp32 accumulator.
            layer.bias = c->bias.detach ().to_mkldnn ();
            layer.groups = o.groups ();
          }
        else if (module->as<nn::ReLU> ())
          layer.kind = Layer::RELU;
        else if (auto *p = module->as<nn::AvgPool2d> ())
          {
            layer.kind = Layer::AVG_POOL;
            layer.kernel = at::IntArrayRef (p->options.kernel_size ()).vec ();
            layer.stride = at::IntArrayRef (p->options.stride ()).vec ();
            layer.padding = at::IntArrayRef (p->options.padding ()).vec ();
          }
        else
          throw std::invalid_argument ("a PDN holds only convolutions, ReLUs and average pools");
        layers_.push_back (std::move (layer));
      }
  }

  // @x: dense fp32; the output: dense fp32.
  torch::Tensor
  forward (const torch::Tensor &x)
  {
    if (eager_)
      {
        auto input = dtype_ == torch::kBFloat16
                         ? x.to (torch::kBFloat16).contiguous (at::MemoryFormat::ChannelsLast)
                         : x;
        return eager_->forward (input).to (torch::kFloat32);
      }
    auto h = x.to_mkldnn (dtype_);
    for (const auto &layer : layers_)
      switch (layer.kind)
        {
        case Layer::CONV:
          h = at::mkldnn_convolution (h, layer.weight, layer.bias, layer.padding, layer.stride,
                                      layer.dilation, layer.groups);
          break;
        case Layer::RELU:
          at::relu_ (h);
          break;
        case Layer::AVG_POOL:
          h = at::avg_pool2d (h, layer.kernel, layer.stride, layer.padding);
          break;
        }
    return h.to_dense ().to (torch::kFloat32);
  }

private:
  struct Layer
  {
    enum { CONV, RELU, AVG_POOL } kind;
    torch::Tensor weight, bias;
    std::vector<int64_t> kernel, padding, stride, dilation;
    int64_t groups = 1;
  };

  torch::ScalarType dtype_;
  nn::Sequential eager_{ nullptr };
  std::vector<Layer> layers_;
};

} // namespace ead_shim

using namespace ead_shim;

struct _EadNets
{
  EadModelSize size;
  int image_size;
  int output_size;
  torch::Device device{ torch::kCPU };
  nn::Sequential teacher{ nullptr };
  nn::Sequential student{ nullptr };
  nn::Sequential autoencoder{ nullptr };
  torch::Tensor teacher_mean;   // 1 x 384 x 1 x 1
  torch::Tensor teacher_std;
  std::vector<NamedTensor> tensors;
  // The networks prepared for inference in each precision (indexed by
  // EadPrecision), made on first use and dropped whenever a weight changes.
  // The lock guards them and the autoencoder's mode so that several threads
  // can predict with the same networks.
  std::mutex inference_lock;
  std::shared_ptr<InferencePdn> inference_teacher[2];
  std::shared_ptr<InferencePdn> inference_student[2];
  nn::Sequential bf16_autoencoder{ nullptr };
};

struct _EadTrainer
{
  EadNets *nets;
  EadPrecision precision;
  int total_steps;
  int step;
  double base_learning_rate;
  std::unique_ptr<torch::optim::Adam> optimizer;
  std::vector<NamedTensor> trainable;
  std::vector<std::string> state_names;
};

namespace {

void
collect_tensors (EadNets *nets)
{
  nets->tensors.clear ();
  const std::pair<const char *, nn::Sequential *> networks[] = {
    { "teacher", &nets->teacher },
    { "student", &nets->student },
    { "autoencoder", &nets->autoencoder },
  };
  for (auto &[prefix, net] : networks)
    for (auto &item : (*net)->named_parameters ())
      nets->tensors.push_back ({ std::string (prefix) + "." + item.key (), item.value () });
  nets->tensors.push_back ({ "teacher_mean", nets->teacher_mean });
  nets->tensors.push_back ({ "teacher_std", nets->teacher_std });
}

// On the CPU, oneDNN trains channels-last (NHWC) weights and images
// without converting them at every layer: about 15 % less time per step.
constexpr auto kTrainingFormat = at::MemoryFormat::ChannelsLast;

torch::Tensor
training_image (const float *image, int64_t side, const torch::Device &device)
{
  auto x = host_to_tensor (image, { 1, 3, side, side }, device);
  return device.is_cpu () ? x.contiguous (kTrainingFormat) : x;
}

// After a training step: the teacher is frozen, its copies stay.
void
drop_trained_copies (EadNets *nets)
{
  std::lock_guard<std::mutex> guard (nets->inference_lock);
  for (auto &student : nets->inference_student)
    student = nullptr;
  nets->bf16_autoencoder = nullptr;
}

void
drop_inference_copies (EadNets *nets)
{
  drop_trained_copies (nets);
  std::lock_guard<std::mutex> guard (nets->inference_lock);
  for (auto &teacher : nets->inference_teacher)
    teacher = nullptr;
}

// The teacher or student (@network is &nets->teacher or &nets->student)
// prepared for inference in @precision, made now if needed.
std::shared_ptr<InferencePdn>
prepared_pdn (EadNets *nets, nn::Sequential *network, EadPrecision precision)
{
  std::lock_guard<std::mutex> guard (nets->inference_lock);
  auto &prepared = network == &nets->teacher ? nets->inference_teacher[precision]
                                             : nets->inference_student[precision];
  if (!prepared)
    prepared = std::make_shared<InferencePdn> (
        *network, nets->device,
        precision == EAD_PRECISION_BF16 ? torch::kBFloat16 : torch::kFloat32);
  return prepared;
}

// The teacher's raw features in fp32: what training caches and learns.
torch::Tensor
teacher_features (EadNets *nets, const torch::Tensor &x)
{
  return prepared_pdn (nets, &nets->teacher, EAD_PRECISION_FP32)->forward (x);
}

torch::Tensor
normalized (EadNets *nets, const torch::Tensor &teacher_out)
{
  return (teacher_out - nets->teacher_mean) / nets->teacher_std;
}

// The student's output channels [first, first + 384) only. Both PDNs end in
// an unpadded stride-1 convolution whose output channels do not mix, so
// skipping the half no loss reads changes neither values nor gradients; in
// PDN-S that layer is half the student's work.
torch::Tensor
student_half (nn::Sequential &student, const torch::Tensor &x, int64_t first)
{
  torch::Tensor h = x;
  const size_t last = student->size () - 1;
  auto layer = student->begin ();
  for (size_t i = 0; i < last; i++, ++layer)
    h = layer->forward (h);
  auto &conv = student->at<nn::Conv2dImpl> (last);
  return torch::conv2d (h, conv.weight.narrow (0, first, kTeacherChannels),
                        conv.bias.narrow (0, first, kTeacherChannels));
}

// PyTorch's CPU (or CUDA) autocast to bf16 while it lives: convolutions run
// in bf16 on bf16 copies of the fp32 weights, made once per step; the
// caller casts outputs back to fp32 before any loss is reduced.
class Bf16Autocast
{
public:
  Bf16Autocast (bool enabled, const torch::Device &device)
      : enabled_ (enabled), cuda_ (device.is_cuda ())
  {
    if (!enabled_)
      return;
    if (cuda_)
      {
        at::autocast::set_autocast_gpu_dtype (at::kBFloat16);
        at::autocast::set_enabled (true);
      }
    else
      {
        at::autocast::set_autocast_cpu_dtype (at::kBFloat16);
        at::autocast::set_cpu_enabled (true);
      }
    at::autocast::increment_nesting ();
  }

  ~Bf16Autocast ()
  {
    if (!enabled_)
      return;
    if (at::autocast::decrement_nesting () == 0)
      at::autocast::clear_cache ();
    if (cuda_)
      at::autocast::set_enabled (false);
    else
      at::autocast::set_cpu_enabled (false);
  }

  Bf16Autocast (const Bf16Autocast &) = delete;
  Bf16Autocast &operator= (const Bf16Autocast &) = delete;

private:
  bool enabled_, cuda_;
};

double
learning_rate_at (const EadTrainer *trainer, int step)
{
  // StepLR(step_size = int(0.95 * steps), gamma = 0.1), stepped every step.
  int step_size = std::max (1, (int) (0.95 * trainer->total_steps));
  return trainer->base_learning_rate * std::pow (0.1, step / step_size);
}

void
apply_learning_rate (EadTrainer *trainer)
{
  double rate = learning_rate_at (trainer, trainer->step);
  for (auto &group : trainer->optimizer->param_groups ())
    static_cast<torch::optim::AdamOptions &> (group.options ()).lr (rate);
}

} // namespace

namespace ead_shim {

nn::Sequential
nets_network (EadNets *nets, const std::string &name)
{
  if (name == "teacher")
    return nets->teacher;
  if (name == "student")
    return nets->student;
  if (name == "autoencoder")
    return nets->autoencoder;
  return nullptr;
}

std::vector<std::string>
adam_state_names (const std::vector<NamedTensor> &params)
{
  std::vector<std::string> names;
  for (auto &named : params)
    {
      names.push_back ("adam.exp_avg." + named.name);
      names.push_back ("adam.exp_avg_sq." + named.name);
    }
  return names;
}

void
adam_read_moment (torch::optim::Adam &optimizer, const torch::Tensor &param, int moment,
                  float *out)
{
  auto &state = optimizer.state ();
  auto it = state.find (c10::guts::to_string (param.unsafeGetTensorImpl ()));
  // No state yet (before the first step): the moments are zero.
  if (it == state.end ())
    {
      std::memset (out, 0, param.numel () * sizeof (float));
      return;
    }
  auto *adam = static_cast<torch::optim::AdamParamState *> (it->second.get ());
  tensor_to_host (moment == 0 ? adam->exp_avg () : adam->exp_avg_sq (), out);
}

bool
adam_restore (torch::optim::Adam &optimizer, const std::vector<NamedTensor> &params,
              const std::vector<std::string> &state_names, int step, EadStateLookup lookup,
              gpointer user_data, GError **error)
{
  auto &state_map = optimizer.state ();
  for (size_t i = 0; i < params.size (); i++)
    {
      const auto &param = params[i].tensor;
      auto state = std::make_unique<torch::optim::AdamParamState> ();
      state->step (step);
      // Each buffer is copied before the next lookup, which may reuse it.
      for (int moment = 0; moment < 2; moment++)
        {
          const char *name = state_names[2 * i + moment].c_str ();
          const float *values = lookup (name, param.numel (), user_data);
          if (!values)
            {
              g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                           "checkpoint lacks the optimiser state %s", name);
              return false;
            }
          auto tensor = host_to_tensor (values, param.sizes (), param.device ());
          if (moment == 0)
            state->exp_avg (tensor);
          else
            state->exp_avg_sq (tensor);
        }
      state_map[c10::guts::to_string (param.unsafeGetTensorImpl ())] = std::move (state);
    }
  return true;
}

} // namespace ead_shim

extern "C" {

void
ead_torch_set_threads (int n)
{
  if (n <= 0)
    n = (int) g_get_num_processors ();
  at::set_num_threads (n);
}

void
ead_torch_setup_process (int threads)
{
  mallopt (M_ARENA_MAX, 1);
  mallopt (M_MMAP_MAX, 0);
  mallopt (M_TRIM_THRESHOLD, INT_MAX);
  ead_torch_set_threads (threads);
}

int
ead_torch_get_threads (void)
{
  return at::get_num_threads ();
}

gboolean
ead_torch_cuda_available (void)
{
  return torch::cuda::is_available ();
}

gboolean
ead_torch_cpu_has_bf16 (void)
{
  // CPUID leaf 7 subleaf 1, EAX bit 5: AVX512_BF16; leaf 7 subleaf 0, EDX
  // bit 22: AMX-BF16. Without either, bf16 is emulated and slower than fp32.
  unsigned int eax, ebx, ecx, edx;
  if (__get_cpuid_count (7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 5)))
    return TRUE;
  if (__get_cpuid_count (7, 0, &eax, &ebx, &ecx, &edx) && (edx & (1u << 22)))
    return TRUE;
  return FALSE;
}

void
ead_torch_manual_seed (guint64 seed)
{
  torch::manual_seed (seed);
}

int
ead_nets_output_size (int image_size)
{
  if (image_size < 256 || image_size % 64 != 0)
    return 0;
  return image_size / 4 - 8;
}

EadNets *
ead_nets_new (EadModelSize size, int image_size, GError **error)
{
  int output_size = ead_nets_output_size (image_size);
  if (output_size == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "image size %d is not supported: use a multiple of 64, at least 256",
                   image_size);
      return NULL;
    }
  try
    {
      auto nets = std::make_unique<_EadNets> ();
      nets->size = size;
      nets->image_size = image_size;
      nets->output_size = output_size;
      nets->teacher = make_pdn (size, kTeacherChannels, false);
      nets->student = make_pdn (size, 2 * kTeacherChannels, false);
      nets->autoencoder = make_autoencoder (image_size, output_size);
      nets->teacher->eval ();
      for (auto &p : nets->teacher->parameters ())
        p.requires_grad_ (false);
      nets->teacher_mean = torch::zeros ({ 1, kTeacherChannels, 1, 1 });
      nets->teacher_std = torch::ones ({ 1, kTeacherChannels, 1, 1 });
      collect_tensors (nets.get ());
      return nets.release ();
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return NULL;
    }
}

void
ead_nets_free (EadNets *nets)
{
  delete nets;
}

EadModelSize
ead_nets_get_size (const EadNets *nets)
{
  return nets->size;
}

int
ead_nets_get_image_size (const EadNets *nets)
{
  return nets->image_size;
}

int
ead_nets_get_output_size (const EadNets *nets)
{
  return nets->output_size;
}

gboolean
ead_nets_set_device (EadNets *nets, EadDevice device, GError **error)
{
  if (device == EAD_DEVICE_CUDA && !torch::cuda::is_available ())
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "CUDA is not available in this build or on this machine");
      return FALSE;
    }
  try
    {
      torch::Device target (device == EAD_DEVICE_CUDA ? torch::kCUDA : torch::kCPU);
      nets->teacher->to (target);
      nets->student->to (target);
      nets->autoencoder->to (target);
      nets->teacher_mean = nets->teacher_mean.to (target);
      nets->teacher_std = nets->teacher_std.to (target);
      nets->device = target;
      drop_inference_copies (nets);
      collect_tensors (nets);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

guint
ead_nets_get_n_tensors (const EadNets *nets)
{
  return nets->tensors.size ();
}

const char *
ead_nets_get_tensor_name (const EadNets *nets, guint index)
{
  g_return_val_if_fail (index < nets->tensors.size (), NULL);
  return nets->tensors[index].name.c_str ();
}

int
ead_nets_get_tensor_shape (const EadNets *nets, guint index, gint64 shape[4])
{
  g_return_val_if_fail (index < nets->tensors.size (), 0);
  const auto &t = nets->tensors[index].tensor;
  // The teacher statistics are stored as plain vectors of 384.
  if (nets->tensors[index].name.rfind ("teacher_", 0) == 0)
    {
      shape[0] = t.numel ();
      return 1;
    }
  for (int64_t d = 0; d < t.dim (); d++)
    shape[d] = t.size (d);
  return (int) t.dim ();
}

gsize
ead_nets_get_tensor_n_elements (const EadNets *nets, guint index)
{
  g_return_val_if_fail (index < nets->tensors.size (), 0);
  return nets->tensors[index].tensor.numel ();
}

int
ead_nets_find_tensor (const EadNets *nets, const char *name)
{
  for (size_t i = 0; i < nets->tensors.size (); i++)
    if (nets->tensors[i].name == name)
      return (int) i;
  return -1;
}

gboolean
ead_nets_read_tensor (EadNets *nets, guint index, float *out, GError **error)
{
  g_return_val_if_fail (index < nets->tensors.size (), FALSE);
  try
    {
      tensor_to_host (nets->tensors[index].tensor, out);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_nets_write_tensor (EadNets *nets, guint index, const float *values, GError **error)
{
  g_return_val_if_fail (index < nets->tensors.size (), FALSE);
  try
    {
      torch::NoGradGuard no_grad;
      auto &t = nets->tensors[index].tensor;
      auto source = torch::from_blob (const_cast<float *> (values), t.sizes (), torch::kFloat32);
      t.copy_ (source);
      drop_inference_copies (nets);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_nets_teacher_forward (EadNets *nets, const float *images, int n, float *out, GError **error)
{
  try
    {
      torch::NoGradGuard no_grad;
      const int64_t s = nets->image_size;
      auto x = host_to_tensor (images, { n, 3, s, s }, nets->device);
      tensor_to_host (teacher_features (nets, x), out);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_nets_student_loss (EadNets *nets, const float *images, int n, const float *teacher_raw,
                       double *loss, GError **error)
{
  try
    {
      torch::NoGradGuard no_grad;
      const int64_t s = nets->image_size, m = nets->output_size;
      auto x = host_to_tensor (images, { n, 3, s, s }, nets->device);
      auto raw = host_to_tensor (teacher_raw, { n, kTeacherChannels, m, m }, nets->device);
      auto t = normalized (nets, raw);
      auto st = nets->student->forward (x).narrow (1, 0, kTeacherChannels);
      *loss = (t - st).pow (2).mean ().item<double> ();
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_nets_predict (EadNets *nets, const float *images, int n, EadPrecision precision,
                  float *map_st, float *map_ae, GError **error)
{
  try
    {
      torch::NoGradGuard no_grad;
      const int64_t s = nets->image_size;
      auto x = host_to_tensor (images, { n, 3, s, s }, nets->device);
      const bool bf16 = precision == EAD_PRECISION_BF16;
      auto teacher = prepared_pdn (nets, &nets->teacher, precision);
      auto student = prepared_pdn (nets, &nets->student, precision);
      nn::Sequential ae = nets->autoencoder;
      {
        std::lock_guard<std::mutex> guard (nets->inference_lock);
        if (bf16)
          {
            if (!nets->bf16_autoencoder)
              nets->bf16_autoencoder = bf16_copy (nets->autoencoder);
            ae = nets->bf16_autoencoder;
          }
        if (ae->is_training ())
          ae->eval ();
      }
      auto t = normalized (nets, teacher->forward (x));
      auto st = student->forward (x);
      auto x_ae = bf16 ? x.to (torch::kBFloat16).contiguous (at::MemoryFormat::ChannelsLast) : x;
      auto a = ae->forward (x_ae).to (torch::kFloat32);
      auto local = (t - st.narrow (1, 0, kTeacherChannels)).pow (2).mean (1);
      auto global = (a - st.narrow (1, kTeacherChannels, kTeacherChannels)).pow (2).mean (1);
      tensor_to_host (local, map_st);
      tensor_to_host (global, map_ae);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

EadTrainer *
ead_trainer_new (EadNets *nets, int total_steps, double learning_rate, double weight_decay,
                 EadPrecision precision, GError **error)
{
  if (total_steps <= 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "the number of steps must be positive");
      return NULL;
    }
  try
    {
      auto trainer = std::make_unique<_EadTrainer> ();
      trainer->nets = nets;
      trainer->precision = precision;
      trainer->total_steps = total_steps;
      trainer->step = 0;
      trainer->base_learning_rate = learning_rate;
      std::vector<torch::Tensor> params;
      for (auto &named : nets->tensors)
        if (named.name.rfind ("student.", 0) == 0 || named.name.rfind ("autoencoder.", 0) == 0)
          {
            if (nets->device.is_cpu () && named.tensor.dim () == 4)
              named.tensor.set_data (named.tensor.contiguous (kTrainingFormat));
            trainer->trainable.push_back (named);
            params.push_back (named.tensor);
          }
      trainer->optimizer = std::make_unique<torch::optim::Adam> (
          params, torch::optim::AdamOptions (learning_rate).weight_decay (weight_decay));
      trainer->state_names = adam_state_names (trainer->trainable);
      return trainer.release ();
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return NULL;
    }
}

void
ead_trainer_free (EadTrainer *trainer)
{
  delete trainer;
  // Gives back what the steps kept (ead_torch_setup_process()).
  malloc_trim (0);
}

gboolean
ead_trainer_step (EadTrainer *trainer, const float *image_st, const float *teacher_st,
                  const float *image_ae, const float *penalty, EadLosses *losses,
                  GError **error)
{
  EadNets *nets = trainer->nets;
  try
    {
      const int64_t s = nets->image_size, m = nets->output_size;
      const auto &device = nets->device;
      auto x_st = training_image (image_st, s, device);
      auto x_ae = training_image (image_ae, s, device);
      nets->student->train ();
      nets->autoencoder->train ();
      drop_trained_copies (nets);
      auto teacher = prepared_pdn (nets, &nets->teacher, trainer->precision);

      // The student's targets are the teacher's fp32 features whether the
      // caller cached them (ead_nets_teacher_forward) or not, so that a
      // run's result does not depend on how many fit in its cache.
      torch::Tensor t_st, t_ae, s_st, s_ae, s_penalty, ae_out;
      {
        torch::NoGradGuard no_grad;
        t_st = teacher_st ? host_to_tensor (teacher_st, { 1, kTeacherChannels, m, m }, device)
                          : normalized (nets, teacher_features (nets, x_st));
      }
      // Separate passes, each computing only the student half its loss
      // reads: on oneDNN a batch of the three inputs costs more than three
      // passes of one. The losses themselves are reduced in fp32.
      {
        Bf16Autocast autocast (trainer->precision == EAD_PRECISION_BF16, device);
        {
          torch::NoGradGuard no_grad;
          t_ae = normalized (nets, teacher->forward (x_ae));
        }
        s_st = student_half (nets->student, x_st, 0).to (torch::kFloat32);
        s_ae = student_half (nets->student, x_ae, kTeacherChannels).to (torch::kFloat32);
        if (penalty)
          s_penalty = student_half (nets->student, training_image (penalty, s, device), 0)
                          .to (torch::kFloat32);
        ae_out = nets->autoencoder->forward (x_ae).to (torch::kFloat32);
      }

      // Hard feature loss: only the 0.1% worst-predicted features count.
      auto distance = (t_st - s_st).pow (2);
      auto hard_threshold = quantile_of_all (distance.detach (), 0.999);
      auto loss_hard = distance.masked_select (distance >= hard_threshold).mean ();
      auto loss_penalty = penalty ? s_penalty.pow (2).mean ()
                                  : torch::zeros ({}, loss_hard.options ());
      auto loss_ae = (t_ae - ae_out).pow (2).mean ();
      auto loss_stae = (ae_out - s_ae).pow (2).mean ();
      auto loss_total = loss_hard + loss_penalty + loss_ae + loss_stae;

      apply_learning_rate (trainer);
      trainer->optimizer->zero_grad ();
      loss_total.backward ();
      trainer->optimizer->step ();

      if (losses)
        {
          losses->total = loss_total.item<double> ();
          losses->hard = loss_hard.item<double> ();
          losses->penalty = loss_penalty.item<double> ();
          losses->ae = loss_ae.item<double> ();
          losses->stae = loss_stae.item<double> ();
          losses->learning_rate = learning_rate_at (trainer, trainer->step);
        }
      trainer->step++;
      nets->autoencoder->eval ();
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

void
ead_trainer_set_total_steps (EadTrainer *trainer, int total_steps)
{
  g_return_if_fail (total_steps >= trainer->step && total_steps > 0);
  trainer->total_steps = total_steps;
}

int
ead_trainer_get_step (const EadTrainer *trainer)
{
  return trainer->step;
}

guint
ead_trainer_get_n_state (const EadTrainer *trainer)
{
  return trainer->state_names.size ();
}

const char *
ead_trainer_get_state_name (const EadTrainer *trainer, guint index)
{
  g_return_val_if_fail (index < trainer->state_names.size (), NULL);
  return trainer->state_names[index].c_str ();
}

gboolean
ead_trainer_read_state (EadTrainer *trainer, guint index, float *out, GError **error)
{
  g_return_val_if_fail (index < trainer->state_names.size (), FALSE);
  try
    {
      adam_read_moment (*trainer->optimizer, trainer->trainable[index / 2].tensor, index % 2, out);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_trainer_restore (EadTrainer *trainer, int step, EadStateLookup lookup, gpointer user_data,
                     GError **error)
{
  if (step < 0 || step > trainer->total_steps)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "checkpoint step %d is outside the run's %d steps", step, trainer->total_steps);
      return FALSE;
    }
  try
    {
      if (!adam_restore (*trainer->optimizer, trainer->trainable, trainer->state_names, step,
                         lookup, user_data, error))
        return FALSE;
      trainer->step = step;
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

} // extern "C"

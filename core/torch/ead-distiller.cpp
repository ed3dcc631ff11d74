// ead-distill.cpp: distillation targets from MobileNetV2 and the padded PDN
// trained on them, behind the plain C API of ead-distill.h.

#include <torch/torch.h>

#include <ATen/autocast_mode.h>

#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "ead-distiller.h"
#include "ead-error.h"
}

#include "ead-torch-private.hpp"

using namespace ead_shim;
namespace nn = torch::nn;

namespace {

constexpr int64_t kChannels = EAD_TEACHER_CHANNELS;
constexpr int64_t kImageSize = EAD_DISTILL_IMAGE_SIZE;
constexpr int64_t kBackboneSize = EAD_DISTILL_BACKBONE_SIZE;
constexpr int64_t kTargetSize = EAD_DISTILL_TARGET_SIZE;

// The stride-8 tap first, then the stride-16 one.
void
taps_of (EadDistillTaps taps, EadBackboneTap out[2])
{
  if (taps == EAD_DISTILL_TAPS_EXPANDED)
    {
      out[0] = { 6, EAD_BACKBONE_BLOCK_EXPANDED };
      out[1] = { 10, EAD_BACKBONE_BLOCK_EXPANDED };
    }
  else
    {
      out[0] = { 5, EAD_BACKBONE_BLOCK_OUTPUT };
      out[1] = { 12, EAD_BACKBONE_BLOCK_OUTPUT };
    }
}

// A 384 x @in_channels matrix with orthonormal columns (fewer inputs than
// 384) or rows (more): it keeps distances between feature vectors (up to the
// dropped directions when reducing) and weighs every backbone channel alike.
torch::Tensor
orthogonal_projection (int64_t in_channels, guint64 seed)
{
  auto generator = at::detail::createCPUGenerator (seed);
  const int64_t rows = std::max (in_channels, kChannels), cols = std::min (in_channels, kChannels);
  auto gaussian = at::randn ({ rows, cols }, generator, torch::kFloat32);
  auto q = std::get<0> (torch::linalg_qr (gaussian));
  return in_channels < kChannels ? q : q.t ().contiguous ();
}

// bf16 autocast on the distiller's device for the guard's lifetime.
class Autocast
{
public:
  Autocast (EadPrecision precision, const torch::Device &device)
      : enabled_ (precision == EAD_PRECISION_BF16), cuda_ (device.is_cuda ())
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
  }

  ~Autocast ()
  {
    if (!enabled_)
      return;
    if (cuda_)
      at::autocast::set_enabled (false);
    else
      at::autocast::set_cpu_enabled (false);
    at::autocast::clear_cache ();
  }

private:
  bool enabled_, cuda_;
};

} // namespace

struct _EadDistillTargets
{
  EadBackbone *backbone;
  EadBackboneTap taps[2];
  int channels[2];
  int sides[2];
  torch::Device device{ torch::kCPU };
  torch::Tensor projection;   // 384 x C x 1 x 1, a 1 x 1 convolution
};

struct _EadDistiller
{
  torch::Device device{ torch::kCPU };
  EadPrecision precision = EAD_PRECISION_FP32;
  nn::Sequential pdn{ nullptr };
  std::vector<NamedTensor> tensors;
  std::vector<std::string> state_names;
  std::unique_ptr<torch::optim::Adam> optimizer;
  int step = 0;
};

namespace {

torch::Device
torch_device (EadDevice device)
{
  return device == EAD_DEVICE_CUDA ? torch::Device (torch::kCUDA) : torch::Device (torch::kCPU);
}

gboolean
check_device (EadDevice device, GError **error)
{
  if (device == EAD_DEVICE_CUDA && !ead_torch_cuda_available ())
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "CUDA is not available");
      return FALSE;
    }
  return TRUE;
}

// The padded PDN maps 4 x grid pixels to grid cells.
torch::Tensor
distill_loss (EadDistiller *distiller, const float *images, const float *targets, int n,
              int grid)
{
  const int64_t side = grid * (kImageSize / kTargetSize);
  auto x = host_to_tensor (images, { n, 3, side, side }, distiller->device);
  auto t = host_to_tensor (targets, { n, kChannels, grid, grid }, distiller->device);
  Autocast autocast (distiller->precision, distiller->device);
  auto y = distiller->pdn->forward (x).to (torch::kFloat32);
  return torch::mse_loss (y, t);
}

} // namespace

extern "C" {

const char *
ead_distill_taps_to_string (EadDistillTaps taps)
{
  return taps == EAD_DISTILL_TAPS_EXPANDED ? "expanded" : "blocks";
}

gboolean
ead_distill_taps_from_string (const char *text, EadDistillTaps *taps, GError **error)
{
  if (g_strcmp0 (text, "blocks") == 0)
    *taps = EAD_DISTILL_TAPS_BLOCKS;
  else if (g_strcmp0 (text, "expanded") == 0)
    *taps = EAD_DISTILL_TAPS_EXPANDED;
  else
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "unknown taps \"%s\" (blocks or expanded)", text);
      return FALSE;
    }
  return TRUE;
}

EadDistillTargets *
ead_distill_targets_new (EadBackbone *backbone, EadDistillTaps taps, EadDevice device,
                         guint64 seed, GError **error)
{
  if (!check_device (device, error))
    return NULL;
  try
    {
      auto targets = std::make_unique<_EadDistillTargets> ();
      targets->backbone = backbone;
      targets->device = torch_device (device);
      taps_of (taps, targets->taps);
      for (int i = 0; i < 2; i++)
        {
          int stride = 0;
          ead_backbone_tap_info (targets->taps[i], &targets->channels[i], &stride);
          targets->sides[i] = ead_backbone_tap_side (kBackboneSize, stride);
        }
      const int64_t in_channels = targets->channels[0] + targets->channels[1];
      targets->projection = orthogonal_projection (in_channels, seed)
                                .view ({ kChannels, in_channels, 1, 1 })
                                .to (targets->device);
      return targets.release ();
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return NULL;
    }
}

void
ead_distill_targets_free (EadDistillTargets *targets)
{
  delete targets;
}

int
ead_distill_targets_get_backbone_channels (const EadDistillTargets *targets)
{
  return targets->channels[0] + targets->channels[1];
}

void
ead_distill_targets_get_taps (const EadDistillTargets *targets, EadBackboneTap taps[2])
{
  taps[0] = targets->taps[0];
  taps[1] = targets->taps[1];
}

gboolean
ead_distill_targets_read_projection (const EadDistillTargets *targets, float *out,
                                     GError **error)
{
  try
    {
      tensor_to_host (targets->projection, out);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_distill_targets_compute (EadDistillTargets *targets, const float *images, int n, float *out,
                             GError **error)
{
  std::vector<float> maps[2];
  float *outs[2];
  for (int i = 0; i < 2; i++)
    {
      maps[i].resize ((size_t) n * targets->channels[i] * targets->sides[i] * targets->sides[i]);
      outs[i] = maps[i].data ();
    }
  if (!ead_backbone_features (targets->backbone, images, n, kBackboneSize, kBackboneSize,
                              targets->taps, 2, outs, error))
    return FALSE;
  try
    {
      torch::NoGradGuard no_grad;
      torch::Tensor x[2];
      for (int i = 0; i < 2; i++)
        x[i] = host_to_tensor (outs[i], { n, targets->channels[i], targets->sides[i],
                                          targets->sides[i] },
                               targets->device);
      namespace F = torch::nn::functional;
      x[1] = F::interpolate (x[1], F::InterpolateFuncOptions ()
                                       .size (std::vector<int64_t>{ kTargetSize, kTargetSize })
                                       .mode (torch::kBilinear)
                                       .align_corners (false));
      // Each location's 3 x 3 neighbourhood, as PatchCore aggregates; the
      // border averages only what exists rather than counting zeros.
      auto local = torch::avg_pool2d (torch::cat ({ x[0], x[1] }, 1), 3, 1, 1, false, false);
      tensor_to_host (torch::conv2d (local, targets->projection), out);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

EadDistiller *
ead_distiller_new (EadModelSize size, EadDevice device, double learning_rate,
                   double weight_decay, GError **error)
{
  if (!check_device (device, error))
    return NULL;
  try
    {
      auto distiller = std::make_unique<_EadDistiller> ();
      distiller->device = torch_device (device);
      distiller->pdn = make_pdn (size, kChannels, true);
      distiller->pdn->to (distiller->device);
      std::vector<torch::Tensor> params;
      for (auto &item : distiller->pdn->named_parameters ())
        {
          distiller->tensors.push_back ({ item.key (), item.value () });
          params.push_back (item.value ());
        }
      distiller->state_names = adam_state_names (distiller->tensors);
      distiller->optimizer = std::make_unique<torch::optim::Adam> (
          params, torch::optim::AdamOptions (learning_rate).weight_decay (weight_decay));
      return distiller.release ();
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return NULL;
    }
}

void
ead_distiller_free (EadDistiller *distiller)
{
  delete distiller;
}

void
ead_distiller_set_precision (EadDistiller *distiller, EadPrecision precision)
{
  distiller->precision = precision;
}

int
ead_distiller_measure_output_side (EadDistiller *distiller, int input_side, GError **error)
{
  try
    {
      torch::NoGradGuard no_grad;
      auto x = torch::zeros ({ 1, 3, input_side, input_side },
                             torch::TensorOptions ().device (distiller->device));
      return (int) distiller->pdn->forward (x).size (2);
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return -1;
    }
}

gboolean
ead_distiller_step (EadDistiller *distiller, const float *images, const float *targets, int n,
                    int grid, double *loss, GError **error)
{
  try
    {
      auto mse = distill_loss (distiller, images, targets, n, grid);
      distiller->optimizer->zero_grad ();
      mse.backward ();
      distiller->optimizer->step ();
      distiller->step++;
      *loss = mse.item<double> ();
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_distiller_evaluate (EadDistiller *distiller, const float *images, const float *targets,
                        int n, int grid, double *loss, GError **error)
{
  try
    {
      torch::NoGradGuard no_grad;
      *loss = distill_loss (distiller, images, targets, n, grid).item<double> ();
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

int
ead_distiller_get_step (const EadDistiller *distiller)
{
  return distiller->step;
}

guint
ead_distiller_get_n_tensors (const EadDistiller *distiller)
{
  return distiller->tensors.size ();
}

const char *
ead_distiller_get_tensor_name (const EadDistiller *distiller, guint index)
{
  g_return_val_if_fail (index < distiller->tensors.size (), NULL);
  return distiller->tensors[index].name.c_str ();
}

int
ead_distiller_get_tensor_shape (const EadDistiller *distiller, guint index, gint64 shape[4])
{
  g_return_val_if_fail (index < distiller->tensors.size (), 0);
  const auto &t = distiller->tensors[index].tensor;
  for (int64_t d = 0; d < t.dim (); d++)
    shape[d] = t.size (d);
  return (int) t.dim ();
}

gsize
ead_distiller_get_tensor_n_elements (const EadDistiller *distiller, guint index)
{
  g_return_val_if_fail (index < distiller->tensors.size (), 0);
  return distiller->tensors[index].tensor.numel ();
}

gboolean
ead_distiller_read_tensor (EadDistiller *distiller, guint index, float *out, GError **error)
{
  g_return_val_if_fail (index < distiller->tensors.size (), FALSE);
  try
    {
      tensor_to_host (distiller->tensors[index].tensor, out);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_distiller_write_tensor (EadDistiller *distiller, guint index, const float *values,
                            GError **error)
{
  g_return_val_if_fail (index < distiller->tensors.size (), FALSE);
  try
    {
      torch::NoGradGuard no_grad;
      auto &t = distiller->tensors[index].tensor;
      t.copy_ (host_to_tensor (values, t.sizes (), t.device ()));
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

guint
ead_distiller_get_n_state (const EadDistiller *distiller)
{
  return distiller->state_names.size ();
}

const char *
ead_distiller_get_state_name (const EadDistiller *distiller, guint index)
{
  g_return_val_if_fail (index < distiller->state_names.size (), NULL);
  return distiller->state_names[index].c_str ();
}

gboolean
ead_distiller_read_state (EadDistiller *distiller, guint index, float *out, GError **error)
{
  g_return_val_if_fail (index < distiller->state_names.size (), FALSE);
  try
    {
      adam_read_moment (*distiller->optimizer, distiller->tensors[index / 2].tensor, index % 2,
                        out);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

gboolean
ead_distiller_restore (EadDistiller *distiller, int step, EadStateLookup lookup,
                       gpointer user_data, GError **error)
{
  try
    {
      if (!adam_restore (*distiller->optimizer, distiller->tensors, distiller->state_names, step,
                         lookup, user_data, error))
        return FALSE;
      distiller->step = step;
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return FALSE;
    }
}

} // extern "C"

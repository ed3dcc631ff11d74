// ead-graph.cpp: the networks as layer lists, and a TorchScript module
// generated from those lists as TorchScript source, so that both exports
// follow one reading of the networks.

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <sstream>
#include <string>

extern "C" {
#include "ead-error.h"
#include "ead-graph.h"
}

#include "ead-torch-private.hpp"

namespace nn = torch::nn;

using namespace ead_shim;

namespace {

const char *const kNetworks[] = { "teacher", "student", "autoencoder" };

// The value of a square window parameter; -1 when its two sides differ.
int
square (const torch::ExpandingArray<2> &value)
{
  return value->at (0) == value->at (1) ? (int) value->at (0) : -1;
}

bool
describe_conv (const nn::Conv2dImpl &conv, EadLayer *layer)
{
  const auto &o = conv.options;
  const auto *padding = c10::get_if<torch::ExpandingArray<2>> (&o.padding ());
  if (!padding || !c10::get_if<torch::enumtype::kZeros> (&o.padding_mode ())
      || o.groups () != 1 || square (o.dilation ()) != 1 || !o.bias ())
    return false;
  layer->kind = EAD_LAYER_CONV;
  layer->kernel = square (o.kernel_size ());
  layer->stride = square (o.stride ());
  layer->padding = square (*padding);
  return layer->kernel > 0 && layer->stride > 0 && layer->padding >= 0;
}

bool
describe_pool (const nn::AvgPool2dImpl &pool, EadLayer *layer)
{
  const auto &o = pool.options;
  if (o.ceil_mode () || !o.count_include_pad () || o.divisor_override ())
    return false;
  layer->kind = EAD_LAYER_AVG_POOL;
  layer->kernel = square (o.kernel_size ());
  layer->stride = square (o.stride ());
  layer->padding = square (o.padding ());
  return layer->kernel > 0 && layer->stride > 0 && layer->padding >= 0;
}

bool
describe_resize (const nn::UpsampleImpl &upsample, EadLayer *layer)
{
  const auto &o = upsample.options;
  if (!c10::get_if<torch::enumtype::kBilinear> (&o.mode ()) || o.align_corners ().value_or (false)
      || !o.size () || o.size ()->size () != 2 || o.size ()->at (0) != o.size ()->at (1))
    return false;
  layer->kind = EAD_LAYER_RESIZE;
  layer->size = (int) o.size ()->at (0);
  return true;
}

// Fills @layer for a module of a kind the exports know.
bool
describe_layer (nn::Module &module, EadLayer *layer)
{
  if (module.as<nn::ReLU> ())
    {
      layer->kind = EAD_LAYER_RELU;
      return true;
    }
  if (auto *conv = module.as<nn::Conv2d> ())
    return describe_conv (*conv, layer);
  if (auto *pool = module.as<nn::AvgPool2d> ())
    return describe_pool (*pool, layer);
  if (auto *upsample = module.as<nn::Upsample> ())
    return describe_resize (*upsample, layer);
  return false;
}

// Fills @layers; false with @error set for a layer that has no description.
bool
describe (EadNets *nets, const std::string &network, std::vector<EadLayer> &layers, GError **error)
{
  auto net = nets_network (nets, network);
  if (!net)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "no network '%s'", network.c_str ());
      return false;
    }
  const auto children = net->children ();
  for (size_t i = 0; i < children.size (); i++)
    {
      if (children[i]->as<nn::Dropout> ())
        continue;
      EadLayer layer = {};
      layer.index = (int) i;
      if (!describe_layer (*children[i], &layer))
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                       "layer %zu of the %s (%s) cannot be exported", i, network.c_str (),
                       children[i]->name ().c_str ());
          return false;
        }
      layers.push_back (layer);
    }
  return true;
}

// "teacher.0.weight" as an attribute name: "teacher_0_weight".
std::string
attribute_name (const std::string &tensor_name)
{
  std::string name = tensor_name;
  std::replace (name.begin (), name.end (), '.', '_');
  return name;
}

// A method named after the network that runs its layers on x.
std::string
network_source (const std::string &network, const std::vector<EadLayer> &layers)
{
  std::ostringstream s;
  s << "def " << network << "(self, x: Tensor) -> Tensor:\n";
  for (const auto &l : layers)
    {
      const std::string prefix = "self." + network + "_" + std::to_string (l.index);
      s << "    x = ";
      switch (l.kind)
        {
        case EAD_LAYER_CONV:
          s << "torch.conv2d(x, " << prefix << "_weight, " << prefix << "_bias, ["
            << l.stride << ", " << l.stride << "], [" << l.padding << ", " << l.padding << "])\n";
          break;
        case EAD_LAYER_RELU:
          s << "torch.relu(x)\n";
          break;
        case EAD_LAYER_AVG_POOL:
          s << "torch.avg_pool2d(x, [" << l.kernel << ", " << l.kernel << "], [" << l.stride
            << ", " << l.stride << "], [" << l.padding << ", " << l.padding << "], False, True)\n";
          break;
        case EAD_LAYER_RESIZE:
          s << "torch.upsample_bilinear2d(x, [" << l.size << ", " << l.size << "], False)\n";
          break;
        }
    }
  s << "    return x\n";
  return s.str ();
}

// forward() and its map step, in the engine's order of operations
// (core/ead-score.c): quantile normalisation at the network's resolution,
// the fused map mixing the normalised ones by the local weight, then zero padding by 4 and a
// bilinear resize to the input size; the score is the fused map's maximum.
// With a region of interest (the buffer roi, 1 inside and 0 outside) the
// maps are multiplied by it, and the pixels outside are pushed far below
// any value before the maximum.
std::string
forward_source (int64_t image_size, bool has_roi)
{
  const std::string inside = has_roi ? " * self.roi" : "";
  const std::string scored = has_roi ? "fused + (self.roi - 1.0) * 1e30" : "fused";
  const std::string s = std::to_string (image_size);
  const std::string c = std::to_string (EAD_TEACHER_CHANNELS);
  return
    "def to_image(self, m: Tensor) -> Tensor:\n"
    "    return torch.upsample_bilinear2d(torch.constant_pad_nd(m, [4, 4, 4, 4], 0.0), [" + s + ", " + s + "], False)\n"
    "\n"
    "def forward(self, image: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor]:\n"
    "    assert image.dim() == 4 and image.size(1) == 3 and image.size(2) == " + s + " and image.size(3) == " + s + ", \"efficientad: the input must be N x 3 x " + s + " x " + s + " floats in [0, 1]\"\n"
    "    x = (image - self.imagenet_mean) / self.imagenet_std\n"
    "    t = (self.teacher(x) - self.teacher_mean.view([1, " + c + ", 1, 1])) / self.teacher_std.view([1, " + c + ", 1, 1])\n"
    "    st = self.student(x)\n"
    "    ae = self.autoencoder(x)\n"
    "    local = torch.mean(torch.pow(t - st[:, :" + c + "], 2), [1], True)\n"
    "    glob = torch.mean(torch.pow(ae - st[:, " + c + ":], 2), [1], True)\n"
    "    local = (local - self.quantile_st_start) * (0.1 / (self.quantile_st_end - self.quantile_st_start))\n"
    "    glob = (glob - self.quantile_ae_start) * (0.1 / (self.quantile_ae_end - self.quantile_ae_start))\n"
    "    fused = self.to_image(self.local_weight * local + (1.0 - self.local_weight) * glob)" + inside + "\n"
    "    score = torch.amax(" + scored + ", [1, 2, 3])\n"
    "    return score, fused, self.to_image(local)" + inside + ", self.to_image(glob)" + inside + "\n";
}

void
register_weights (torch::jit::Module &module, EadNets *nets)
{
  for (guint i = 0; i < ead_nets_get_n_tensors (nets); i++)
    {
      gint64 shape[4];
      int n_dims = ead_nets_get_tensor_shape (nets, i, shape);
      auto t = torch::empty (at::IntArrayRef (shape, n_dims), torch::kFloat32);
      GError *error = NULL;
      if (!ead_nets_read_tensor (nets, i, t.data_ptr<float> (), &error))
        {
          std::string message = error->message;
          g_error_free (error);
          throw std::runtime_error (message);
        }
      module.register_parameter (attribute_name (ead_nets_get_tensor_name (nets, i)), t, false);
    }
}

void
register_attributes (torch::jit::Module &module, EadNets *nets, const EadScriptInfo *info)
{
  auto mean = torch::tensor ({ info->imagenet_mean[0], info->imagenet_mean[1], info->imagenet_mean[2] });
  auto deviation = torch::tensor ({ info->imagenet_std[0], info->imagenet_std[1], info->imagenet_std[2] });
  module.register_buffer ("imagenet_mean", mean.view ({ 1, 3, 1, 1 }));
  module.register_buffer ("imagenet_std", deviation.view ({ 1, 3, 1, 1 }));

  // What nn.Module.eval() and train() set; the module is for inference.
  module.register_attribute ("training", c10::BoolType::get (), false);
  const auto float_type = c10::FloatType::get ();
  const auto string_type = c10::StringType::get ();
  module.register_attribute ("model_size", string_type, std::string (info->model_size));
  module.register_attribute ("image_size", c10::IntType::get (),
                             (int64_t) ead_nets_get_image_size (nets));
  module.register_attribute ("quantile_st_start", float_type, info->st_start);
  module.register_attribute ("quantile_st_end", float_type, info->st_end);
  module.register_attribute ("quantile_ae_start", float_type, info->ae_start);
  module.register_attribute ("quantile_ae_end", float_type, info->ae_end);
  module.register_attribute ("local_weight", float_type, info->local_weight);
  module.register_attribute ("threshold", c10::OptionalType::create (float_type),
                             info->has_threshold ? c10::IValue (info->threshold) : c10::IValue ());
  c10::Dict<std::string, std::string> provenance;
  for (const char *const *p = info->provenance; p && p[0]; p += 2)
    provenance.insert (p[0], p[1]);
  module.register_attribute ("provenance", c10::DictType::create (string_type, string_type),
                             provenance);
  module.register_attribute ("roi_source", c10::OptionalType::create (string_type),
                             info->roi ? c10::IValue (std::string (info->roi_source))
                                       : c10::IValue ());
  if (info->roi)
    {
      const int64_t side = ead_nets_get_image_size (nets);
      auto mask = torch::from_blob ((void *) info->roi, { 1, 1, side, side }, torch::kUInt8);
      module.register_buffer ("roi", mask.ne (0).to (torch::kFloat32));
    }
}

} // namespace

extern "C" {

GArray *
ead_nets_describe (EadNets *nets, const char *network, GError **error)
{
  std::vector<EadLayer> layers;
  if (!describe (nets, network, layers, error))
    return NULL;
  GArray *array = g_array_sized_new (FALSE, FALSE, sizeof (EadLayer), layers.size ());
  g_array_append_vals (array, layers.data (), layers.size ());
  return array;
}

GBytes *
ead_nets_to_torchscript (EadNets *nets, const EadScriptInfo *info, GError **error)
{
  try
    {
      torch::jit::Module module ("EfficientAD");
      register_weights (module, nets);
      register_attributes (module, nets, info);
      for (const char *network : kNetworks)
        {
          std::vector<EadLayer> layers;
          if (!describe (nets, network, layers, error))
            return NULL;
          module.define (network_source (network, layers));
        }
      module.define (forward_source (ead_nets_get_image_size (nets), info->roi != NULL));
      std::ostringstream out;
      module.save (out);
      const std::string bytes = out.str ();
      return g_bytes_new (bytes.data (), bytes.size ());
    }
  catch (const std::exception &e)
    {
      set_torch_error (error, e);
      return NULL;
    }
}

} // extern "C"

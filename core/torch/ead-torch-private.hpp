// ead-torch-private.hpp: what the shim's C++ files share (the PDN, tensor
// transfers, errors, Adam state for checkpoints). Not part of the C API.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

extern "C" {
#include "ead-torch.h"
}

namespace ead_shim {

struct NamedTensor
{
  std::string name;
  torch::Tensor tensor;
};

// Turns a C++ exception into a GError; the caller returns failure.
void set_torch_error (GError **error, const std::exception &e);

// A PDN with @out_channels outputs; @padded gives the reference pretraining's
// network (256 pixels in, 64 x 64 out) with the same weight names and shapes.
torch::nn::Sequential make_pdn (EadModelSize size, int64_t out_channels, bool padded);

// Network @name of @nets: "teacher", "student" or "autoencoder"; an empty
// holder for any other name.
torch::nn::Sequential nets_network (EadNets *nets, const std::string &name);

// A copy of a host float buffer on @device.
torch::Tensor host_to_tensor (const float *data, at::IntArrayRef sizes,
                              const torch::Device &device);
void tensor_to_host (const torch::Tensor &t, float *out);

// "adam.exp_avg.<name>" and "adam.exp_avg_sq.<name>" for each parameter.
std::vector<std::string> adam_state_names (const std::vector<NamedTensor> &params);
// Moment 0 (exp_avg) or 1 (exp_avg_sq) of @param; zeros before the first step.
void adam_read_moment (torch::optim::Adam &optimizer, const torch::Tensor &param, int moment,
                       float *out);
// Sets the moments of @params from @lookup (see EadStateLookup); false with
// @error set when one is missing. libtorch errors are thrown.
bool adam_restore (torch::optim::Adam &optimizer, const std::vector<NamedTensor> &params,
                   const std::vector<std::string> &state_names, int step,
                   EadStateLookup lookup, gpointer user_data, GError **error);

} // namespace ead_shim

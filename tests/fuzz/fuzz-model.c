/* fuzz-model.c: the model-file loader: its metadata checks, then every
 * tensor's shape and values against new networks. */
#include "fuzz.h"

#include "ead-model.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadSafetensors) st = ead_safetensors_new_from_data (data, size, &error);

  fuzz_check_outcome (st, error);
  if (!st)
    return 0;
  g_autoptr (EadModel) model = ead_model_new_from_safetensors (st, "fuzz.safetensors", &error);
  fuzz_check_outcome (model, error);
  return 0;
}

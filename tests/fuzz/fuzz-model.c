/* fuzz-model.c: the model-file loader: its metadata checks, then every
 * tensor's shape and values against new networks. */
#include "fuzz.h"

#include "ead-model.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (EadSafetensors) st = fuzz_read_safetensors (data, size);
  g_autoptr (GError) error = NULL;

  if (!st)
    return 0;
  g_autoptr (EadModel) model = ead_model_new_from_safetensors (st, "fuzz.safetensors", &error);
  fuzz_check_outcome (model, error);
  return 0;
}

/* fuzz-pickle.c: the state_dict pickle reader. */
#include "fuzz.h"

#include "ead-pickle.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tensors = ead_pickle_read_state_dict (data, size, &error);

  fuzz_check_outcome (tensors, error);
  for (guint i = 0; tensors && i < tensors->len; i++)
    {
      const EadPickleTensor *t = tensors->pdata[i];
      g_assert_true (t->name && t->storage_key);
      g_assert_true (t->n_dims >= 0 && t->n_dims <= EAD_TENSOR_MAX_DIMS);
      g_assert_true (t->offset >= 0 && t->offset <= t->storage_numel);
    }
  return 0;
}

/* fuzz-safetensors.c: the safetensors reader, and reading every float
 * tensor and metadata value it lists. */
#include "fuzz.h"

static void
read_tensor (const EadSafetensors *st, const EadTensorView *view)
{
  if (view->dtype != EAD_DTYPE_F32 && view->dtype != EAD_DTYPE_F16 && view->dtype != EAD_DTYPE_BF16)
    return;
  g_autofree float *values = g_new (float, view->n_bytes / ead_dtype_size (view->dtype) + 1);
  g_autoptr (GError) error = NULL;
  gboolean read = ead_safetensors_read_f32 (st, view->name, view->n_dims, view->shape, values, &error);
  g_assert_true (read);
  g_assert_no_error (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (EadSafetensors) st = fuzz_read_safetensors (data, size);

  if (!st)
    return 0;
  for (guint i = 0; i < ead_safetensors_get_n_tensors (st); i++)
    {
      const EadTensorView *view = ead_safetensors_get_tensor (st, i);
      g_assert_true (ead_safetensors_find (st, view->name) == view);
      read_tensor (st, view);
    }
  for (const char *const *key = ead_safetensors_get_metadata_keys (st); *key; key++)
    g_assert_nonnull (ead_safetensors_get_metadata (st, *key));
  return 0;
}

/* fuzz-tflite.c: the TFLite reader, and dequantising every constant tensor,
 * as loading a backbone does. */
#include "fuzz.h"

#include "ead-tflite.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadTflite) model = ead_tflite_new_from_bytes (bytes, "fuzz.tflite", &error);

  fuzz_check_outcome (model, error);
  for (guint i = 0; model && i < ead_tflite_get_n_tensors (model); i++)
    {
      const EadTfliteTensor *tensor = ead_tflite_get_tensor (model, i);
      g_autoptr (GError) dequantize_error = NULL;
      if (!tensor->data)
        continue;
      g_autofree float *values = ead_tflite_dequantize (model, i, &dequantize_error);
      fuzz_check_outcome (values, dequantize_error);
    }
  return 0;
}

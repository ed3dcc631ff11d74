/* fuzz-teacher-import.c: the whole teacher import, as `efficientad teacher
 * import` runs it: format detection, zip, pickle or safetensors, names,
 * shapes and values. */
#include "fuzz.h"

#include "ead-error.h"
#include "ead-teacher-import.h"

/* The first import for each model size builds a network of that size to
 * learn its layers (cached for the process), over a second under
 * AddressSanitizer: build both before inputs are timed, with a file that
 * names one layer. */
int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  const float zero = 0;

  ead_safetensors_writer_add (writer, "0.weight", EAD_DTYPE_F32, 1, (const gint64[]) { 1 }, &zero,
                              sizeof zero);
  g_autoptr (GBytes) bytes = ead_safetensors_writer_to_bytes (writer);
  for (EadModelSize size = EAD_MODEL_SMALL; size <= EAD_MODEL_MEDIUM; size++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (EadSafetensorsWriter) teacher = ead_teacher_import (bytes, "warm-up", &size, NULL, &error);
      g_assert_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE);
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  EadTeacherImportInfo info;
  g_autoptr (EadSafetensorsWriter) teacher = ead_teacher_import (bytes, "fuzz.pth", NULL, &info, &error);

  fuzz_check_outcome (teacher, error);
  if (teacher)
    g_assert_cmpuint (info.n_tensors, >, 0);
  return 0;
}

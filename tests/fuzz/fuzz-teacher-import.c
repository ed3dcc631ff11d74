/* fuzz-teacher-import.c: the whole teacher import, as `efficientad teacher
 * import` runs it: format detection, zip, pickle or safetensors, names,
 * shapes and values. */
#include "fuzz.h"

#include "ead-teacher-import.h"

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

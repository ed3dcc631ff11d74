/* fuzz-zip.c: the zip reader, and reading every entry it lists. */
#include "fuzz.h"

#include "ead-zip.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadZip) zip = ead_zip_new (bytes, &error);

  fuzz_check_outcome (zip, error);
  for (guint i = 0; zip && i < ead_zip_get_n_entries (zip); i++)
    {
      const char *name = ead_zip_get_name (zip, i);
      g_autoptr (GError) read_error = NULL;
      g_autoptr (GBytes) entry = ead_zip_read (zip, name, &read_error);
      fuzz_check_outcome (entry, read_error);
      g_assert_true (ead_zip_contains (zip, name));
    }
  return 0;
}

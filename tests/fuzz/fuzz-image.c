/* fuzz-image.c: decoding an image and a mask as the dataset scanner and the
 * project's import read them: end-marker checks, size limits, truncation. */
#include "fuzz.h"

#include "ead-image.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) image_error = NULL;
  g_autoptr (EadImage) image = ead_image_load_from_data (data, size, "fuzz.png", &image_error);
  fuzz_check_outcome (image, image_error);

  g_autoptr (GError) mask_error = NULL;
  g_autoptr (EadMask) mask = ead_mask_load_from_data (data, size, "fuzz_mask.png", &mask_error);
  fuzz_check_outcome (mask, mask_error);
  /* The two read the same pixels: both decode or neither does. */
  g_assert_true ((image == NULL) == (mask == NULL));
  return 0;
}

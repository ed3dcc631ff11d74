/* ead-image.h: decoded images as packed RGB8, and their conversion to
 * normalised network input. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An image in memory: 8-bit RGB, rows packed (stride == 3 * width). */
typedef struct _EadImage EadImage;

/* Decodes a file (PNG, JPEG, BMP, TIFF, ... whatever GdkPixbuf reads).
 * Grayscale, palette, RGBA and 16-bit inputs all come out as RGB8; alpha is
 * dropped. A truncated or corrupt file is an EAD_ERROR_BAD_IMAGE naming it. */
EadImage *ead_image_load (const char *path, GError **error);

/* Decodes encoded bytes; @name only appears in error messages. */
EadImage *ead_image_load_from_data (const guint8 *data, gsize size, const char *name, GError **error);

/* Copies an RGB8 buffer with the given row stride (bytes). */
EadImage *ead_image_new_from_rgb8 (const guint8 *pixels, int width, int height, gsize stride);

/* Copies an 8-bit grayscale buffer, expanding it to RGB. */
EadImage *ead_image_new_from_gray8 (const guint8 *pixels, int width, int height, gsize stride);

void ead_image_free (EadImage *image);

int ead_image_get_width (const EadImage *image);
int ead_image_get_height (const EadImage *image);
/* Packed RGB8, width * height * 3 bytes. */
const guint8 *ead_image_get_pixels (const EadImage *image);

/* Resamples to width x height with a bilinear (triangle) filter whose support
 * widens when shrinking, so downscaling averages like PIL's antialiased
 * bilinear resize rather than aliasing. */
EadImage *ead_image_resize (const EadImage *image, int width, int height);

/* Writes the image as planar float CHW in [0, 1], 3 * width * height floats. */
void ead_image_to_float (const EadImage *image, float *out);

/* Resizes to size x size and writes planar CHW floats normalised with the
 * ImageNet mean and std: (x / 255 - mean[c]) / std[c]. */
void ead_image_to_normalized_tensor (const EadImage *image, int size, float *out);

/* The ImageNet statistics used by ead_image_to_normalized_tensor(). */
extern const float ead_imagenet_mean[3];
extern const float ead_imagenet_std[3];

/* Encodes as PNG in memory. */
GBytes *ead_image_encode_png (const EadImage *image, GError **error);

/* Saves as PNG, atomically (temporary file and rename). */
gboolean ead_image_save_png (const EadImage *image, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadImage, ead_image_free)

/* A single-channel 8-bit mask (e.g. MVTec ground truth: 0 or 255). */
typedef struct _EadMask EadMask;

/* Loads a mask image; any non-zero pixel in the first channel is defect. */
EadMask *ead_mask_load (const char *path, GError **error);
/* The same from encoded bytes; @name only appears in error messages. */
EadMask *ead_mask_load_from_data (const guint8 *data, gsize size, const char *name, GError **error);
EadMask *ead_mask_new_empty (int width, int height);
void ead_mask_free (EadMask *mask);
int ead_mask_get_width (const EadMask *mask);
int ead_mask_get_height (const EadMask *mask);
/* width * height bytes, 1 for defect and 0 for good. */
const guint8 *ead_mask_get_data (const EadMask *mask);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadMask, ead_mask_free)

G_END_DECLS

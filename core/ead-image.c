/* ead-image.c: decoding with GdkPixbuf, RGB8 conversion, resampling and
 * normalisation. */
#include "ead-image.h"

#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "ead-error.h"

/* Larger images are refused before the decoder allocates them. */
#define MAX_SIDE 65535
#define MAX_PIXELS (G_GINT64_CONSTANT (1) << 28)

/* Resampling weights are fixed point with this many fractional bits:
 * 255 * 2^22 plus the rounding term still fits a signed 32-bit sum. */
#define WEIGHT_BITS 22
#define WEIGHT_ONE (1 << WEIGHT_BITS)

struct _EadImage {
  int width;
  int height;
  guint8 *pixels;
};

struct _EadMask {
  int width;
  int height;
  guint8 *data;
};

const float ead_imagenet_mean[3] = { 0.485f, 0.456f, 0.406f };
const float ead_imagenet_std[3] = { 0.229f, 0.224f, 0.225f };

static EadImage *
image_new (int width, int height)
{
  EadImage *image = g_new0 (EadImage, 1);

  image->width = width;
  image->height = height;
  image->pixels = g_malloc ((gsize) width * height * 3);
  return image;
}

void
ead_image_free (EadImage *image)
{
  if (image == NULL)
    return;
  g_free (image->pixels);
  g_free (image);
}

int
ead_image_get_width (const EadImage *image)
{
  g_return_val_if_fail (image != NULL, 0);
  return image->width;
}

int
ead_image_get_height (const EadImage *image)
{
  g_return_val_if_fail (image != NULL, 0);
  return image->height;
}

const guint8 *
ead_image_get_pixels (const EadImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);
  return image->pixels;
}

EadImage *
ead_image_new_from_rgb8 (const guint8 *pixels, int width, int height, gsize stride)
{
  g_return_val_if_fail (pixels != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (stride >= (gsize) width * 3, NULL);

  EadImage *image = image_new (width, height);
  gsize row_bytes = (gsize) width * 3;

  for (int y = 0; y < height; y++)
    memcpy (image->pixels + y * row_bytes, pixels + y * stride, row_bytes);
  return image;
}

EadImage *
ead_image_new_from_gray8 (const guint8 *pixels, int width, int height, gsize stride)
{
  g_return_val_if_fail (pixels != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (stride >= (gsize) width, NULL);

  EadImage *image = image_new (width, height);
  guint8 *out = image->pixels;

  for (int y = 0; y < height; y++)
    {
      const guint8 *row = pixels + y * stride;

      for (int x = 0; x < width; x++, out += 3)
        out[0] = out[1] = out[2] = row[x];
    }
  return image;
}

/* Decoding */

static gboolean
image_size_is_acceptable (int width, int height)
{
  return width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE &&
         (gint64) width * height <= MAX_PIXELS;
}

static void
set_size_error (GError **error, const char *name, int width, int height)
{
  g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE,
               "%s: image of %d x %d pixels is too large "
               "(at most %d per side and 2^28 pixels)",
               name, width, height, MAX_SIDE);
}

static guint32
read_be32 (const guint8 *bytes)
{
  return (guint32) bytes[0] << 24 | (guint32) bytes[1] << 16 | (guint32) bytes[2] << 8 | bytes[3];
}

static guint32
read_le32 (const guint8 *bytes)
{
  return (guint32) bytes[0] | (guint32) bytes[1] << 8 | (guint32) bytes[2] << 16 | (guint32) bytes[3] << 24;
}

static gboolean
is_png (const guint8 *data, gsize size)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  return size >= sizeof signature && memcmp (data, signature, sizeof signature) == 0;
}

static gboolean
is_jpeg (const guint8 *data, gsize size)
{
  return size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff;
}

static gboolean
is_bmp (const guint8 *data, gsize size)
{
  return size >= 2 && data[0] == 'B' && data[1] == 'M';
}

/* A BMP's 14-byte file header ends with the offset of the pixels, and the
 * info header after it starts with its own size. GdkPixbuf's loader
 * reserves room up to either before reading on: 4 GiB for a 54-byte file
 * that says so. Pointing past the end of the file is being truncated. */
static gboolean
bmp_header_fits (const guint8 *data, gsize size)
{
  const gsize file_header = 14;

  return size >= file_header + 4 && read_le32 (data + 10) <= size
         && read_le32 (data + file_header) <= size - file_header;
}

/* Walks the chunk list; a complete PNG ends with an IEND chunk. */
static gboolean
png_reaches_iend (const guint8 *data, gsize size)
{
  gsize pos = 8;

  while (size - pos >= 12)
    {
      guint32 length = read_be32 (data + pos);

      if (memcmp (data + pos + 4, "IEND", 4) == 0)
        return TRUE;
      if (length > size - pos - 12)
        return FALSE;
      pos += 12 + length;
    }
  return FALSE;
}

/* Walks the marker segments, skipping entropy-coded data, up to the
 * end-of-image marker. Segments are skipped by length, so an EXIF thumbnail's
 * own end marker does not count. */
static gboolean
jpeg_reaches_eoi (const guint8 *data, gsize size)
{
  gsize pos = 2;

  while (pos + 1 < size)
    {
      guint8 marker = data[pos + 1];

      if (data[pos] != 0xff || marker == 0xff)
        pos++;  /* scan data, or fill bytes before a marker */
      else if (marker == 0x00 || (marker >= 0xd0 && marker <= 0xd7))
        pos += 2;  /* stuffed 0xff or restart marker inside scan data */
      else if (marker == 0xd9)
        return TRUE;
      else if (pos + 4 > size)
        return FALSE;
      else
        pos += 2 + ((gsize) data[pos + 2] << 8 | data[pos + 3]);
    }
  return FALSE;
}

/* GdkPixbuf's PNG and JPEG loaders accept a file cut short without an error
 * and hand out a partly blank image, so those two formats are checked for
 * their end marker first; a BMP's header must fit in the file. */
static gboolean
check_complete (const guint8 *data, gsize size, const char *name, GError **error)
{
  if (is_png (data, size) && !png_reaches_iend (data, size))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE,
                   "%s: truncated PNG (no IEND chunk)", name);
      return FALSE;
    }
  if (is_jpeg (data, size) && !jpeg_reaches_eoi (data, size))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE,
                   "%s: truncated JPEG (no end-of-image marker)", name);
      return FALSE;
    }
  if (is_bmp (data, size) && !bmp_header_fits (data, size))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE,
                   "%s: truncated BMP (its header or pixels start past the end of the file)", name);
      return FALSE;
    }
  return TRUE;
}

/* What the loader's signals report while decoding. Loaders of other formats
 * (BMP, ICO, PNM) also stay silent about missing data, so every decoded row is
 * ticked off and an image with rows never decoded counts as truncated. */
typedef struct {
  const char *name;
  GError *error;
  guint8 *row_decoded;
  int height;
  int n_rows_decoded;
} DecodeProgress;

static void
decode_progress_clear (DecodeProgress *progress)
{
  g_clear_error (&progress->error);
  g_clear_pointer (&progress->row_decoded, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DecodeProgress, decode_progress_clear)

static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, DecodeProgress *progress)
{
  if (image_size_is_acceptable (width, height))
    return;

  set_size_error (&progress->error, progress->name, width, height);
  /* A zero size tells the module to stop before allocating the image. */
  gdk_pixbuf_loader_set_size (loader, 0, 0);
}

static void
on_area_prepared (GdkPixbufLoader *loader, DecodeProgress *progress)
{
  progress->height = gdk_pixbuf_get_height (gdk_pixbuf_loader_get_pixbuf (loader));
  progress->row_decoded = g_malloc0 (progress->height);
}

static void
on_area_updated (GdkPixbufLoader *loader, int x, int y, int width, int height,
                 DecodeProgress *progress)
{
  int end = MIN (y + height, progress->height);

  for (int row = MAX (y, 0); row < end; row++)
    {
      if (!progress->row_decoded[row])
        progress->n_rows_decoded++;
      progress->row_decoded[row] = TRUE;
    }
}

/* Animation loaders draw frames onto a canvas and only report the frames'
 * areas, which need not cover it; they do report truncation themselves. */
static gboolean
loader_fills_rows (GdkPixbufLoader *loader)
{
  static const char *const canvas_formats[] = { "gif", "ani", NULL };
  g_autofree char *format = gdk_pixbuf_format_get_name (gdk_pixbuf_loader_get_format (loader));

  return !g_strv_contains (canvas_formats, format);
}

static GdkPixbuf *
decode_pixbuf (const guint8 *data, gsize size, const char *name, GError **error)
{
  g_auto(DecodeProgress) progress = { .name = name };
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) local_error = NULL;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &progress);
  g_signal_connect (loader, "area-prepared", G_CALLBACK (on_area_prepared), &progress);
  g_signal_connect (loader, "area-updated", G_CALLBACK (on_area_updated), &progress);

  /* A failed write closes the loader itself. */
  gboolean decoded = gdk_pixbuf_loader_write (loader, data, size, &local_error) &&
                     gdk_pixbuf_loader_close (loader, &local_error);

  if (progress.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&progress.error));
      return NULL;
    }
  if (!decoded)
    {
      g_strdelimit (local_error->message, "\r\n", ' ');
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE, "%s: cannot decode image: %s",
                   name, local_error->message);
      return NULL;
    }

  GdkPixbuf *pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);

  if (pixbuf == NULL)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE, "%s: no image in file", name);
      return NULL;
    }
  if (loader_fills_rows (loader) && progress.n_rows_decoded < gdk_pixbuf_get_height (pixbuf))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE,
                   "%s: truncated image (%d of %d rows decoded)",
                   name, progress.n_rows_decoded, gdk_pixbuf_get_height (pixbuf));
      return NULL;
    }
  return g_object_ref (pixbuf);
}

/* GdkPixbuf hands out 8-bit RGB or RGBA whatever the file held (grayscale,
 * palette, 16-bit); only the alpha channel is left to drop. EXIF orientation
 * is not applied, as in PIL, so pixels match the reference pipeline. */
static EadImage *
image_new_from_pixbuf (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  EadImage *image = image_new (width, height);
  guint8 *out = image->pixels;

  for (int y = 0; y < height; y++)
    {
      const guint8 *in = pixels + (gsize) y * rowstride;

      for (int x = 0; x < width; x++, in += n_channels, out += 3)
        memcpy (out, in, 3);
    }
  return image;
}

EadImage *
ead_image_load_from_data (const guint8 *data, gsize size, const char *name, GError **error)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (size == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE, "%s: empty file", name);
      return NULL;
    }
  if (!check_complete (data, size, name, error))
    return NULL;

  g_autoptr(GdkPixbuf) pixbuf = decode_pixbuf (data, size, name, error);

  if (pixbuf == NULL)
    return NULL;
  /* For loaders that never announce the size before decoding. */
  if (!image_size_is_acceptable (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf)))
    {
      set_size_error (error, name, gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf));
      return NULL;
    }
  return image_new_from_pixbuf (pixbuf);
}

EadImage *
ead_image_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize size;

  /* Read rather than mapped: a file shrinking under a mapping raises SIGBUS. */
  if (!g_file_get_contents (path, &contents, &size, &local_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  return ead_image_load_from_data ((const guint8 *) contents, size, path, error);
}

/* Resampling */

/* For each output pixel, the run of input pixels it reads and their weights,
 * which sum to exactly WEIGHT_ONE so a constant image stays constant. */
typedef struct {
  int max_taps;
  int *first;
  int *n_taps;
  gint32 *weights;  /* max_taps per output pixel */
} ResampleWeights;

static void
resample_weights_free (ResampleWeights *weights)
{
  g_free (weights->first);
  g_free (weights->n_taps);
  g_free (weights->weights);
  g_free (weights);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ResampleWeights, resample_weights_free)

static double
triangle (double x)
{
  x = fabs (x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

/* Rounds the normalised weights to fixed point and gives the rounding
 * residue to the largest one, so they add up to WEIGHT_ONE exactly. */
static void
quantize_weights (const double *weights, int n_taps, gint32 *out)
{
  gint32 sum = 0;
  int largest = 0;

  for (int k = 0; k < n_taps; k++)
    {
      out[k] = (gint32) lround (weights[k] * WEIGHT_ONE);
      sum += out[k];
      if (out[k] > out[largest])
        largest = k;
    }
  out[largest] += WEIGHT_ONE - sum;
}

/* A triangle filter whose support grows with the downscale factor, so that
 * shrinking averages every input pixel; output pixel i is centred at input
 * coordinate (i + 0.5) * scale - 0.5. Taps past the border are dropped and the
 * rest renormalised. */
static ResampleWeights *
resample_weights_new (int in_size, int out_size)
{
  double scale = (double) in_size / out_size;
  double support = MAX (scale, 1.0);
  ResampleWeights *weights = g_new0 (ResampleWeights, 1);
  g_autofree double *taps = NULL;

  weights->max_taps = (int) ceil (2 * support) + 1;
  weights->first = g_new (int, out_size);
  weights->n_taps = g_new (int, out_size);
  weights->weights = g_new (gint32, (gsize) out_size * weights->max_taps);
  taps = g_new (double, weights->max_taps);

  for (int i = 0; i < out_size; i++)
    {
      double center = (i + 0.5) * scale - 0.5;
      int first = MAX ((int) floor (center - support) + 1, 0);
      int last = MIN ((int) ceil (center + support) - 1, in_size - 1);
      int n_taps = last - first + 1;
      double total = 0.0;

      for (int k = 0; k < n_taps; k++)
        {
          taps[k] = triangle ((first + k - center) / support);
          total += taps[k];
        }
      for (int k = 0; k < n_taps; k++)
        taps[k] /= total;

      weights->first[i] = first;
      weights->n_taps[i] = n_taps;
      quantize_weights (taps, n_taps, weights->weights + (gsize) i * weights->max_taps);
    }
  return weights;
}

static guint8
fixed_to_byte (gint32 sum)
{
  /* Weights are non-negative and sum to one, so this stays within 0..255. */
  return (guint8) ((sum + WEIGHT_ONE / 2) >> WEIGHT_BITS);
}

static EadImage *
resample_horizontally (const EadImage *image, int width)
{
  g_autoptr(ResampleWeights) weights = resample_weights_new (image->width, width);
  EadImage *out = image_new (width, image->height);

  for (int y = 0; y < image->height; y++)
    {
      const guint8 *in_row = image->pixels + (gsize) y * image->width * 3;
      guint8 *out_pixel = out->pixels + (gsize) y * width * 3;

      for (int x = 0; x < width; x++, out_pixel += 3)
        {
          const gint32 *w = weights->weights + (gsize) x * weights->max_taps;
          const guint8 *in = in_row + (gsize) weights->first[x] * 3;
          gint32 r = 0, g = 0, b = 0;

          for (int k = 0; k < weights->n_taps[x]; k++, in += 3)
            {
              r += w[k] * in[0];
              g += w[k] * in[1];
              b += w[k] * in[2];
            }
          out_pixel[0] = fixed_to_byte (r);
          out_pixel[1] = fixed_to_byte (g);
          out_pixel[2] = fixed_to_byte (b);
        }
    }
  return out;
}

/* Whole rows are accumulated at once, which keeps memory access sequential. */
static EadImage *
resample_vertically (const EadImage *image, int height)
{
  g_autoptr(ResampleWeights) weights = resample_weights_new (image->height, height);
  gsize row_bytes = (gsize) image->width * 3;
  g_autofree gint32 *sums = g_new (gint32, row_bytes);
  EadImage *out = image_new (image->width, height);

  for (int y = 0; y < height; y++)
    {
      const gint32 *w = weights->weights + (gsize) y * weights->max_taps;
      guint8 *out_row = out->pixels + y * row_bytes;

      memset (sums, 0, row_bytes * sizeof *sums);
      for (int k = 0; k < weights->n_taps[y]; k++)
        {
          const guint8 *in_row = image->pixels + (gsize) (weights->first[y] + k) * row_bytes;

          for (gsize j = 0; j < row_bytes; j++)
            sums[j] += w[k] * in_row[j];
        }
      for (gsize j = 0; j < row_bytes; j++)
        out_row[j] = fixed_to_byte (sums[j]);
    }
  return out;
}

EadImage *
ead_image_resize (const EadImage *image, int width, int height)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  g_autoptr(EadImage) resized = NULL;

  /* An unchanged axis needs no pass: its weights would be the identity. */
  if (width != image->width)
    resized = resample_horizontally (image, width);
  if (height != image->height)
    {
      g_autoptr(EadImage) horizontal_pass = g_steal_pointer (&resized);

      resized = resample_vertically (horizontal_pass != NULL ? horizontal_pass : image, height);
    }
  if (resized == NULL)
    resized = ead_image_new_from_rgb8 (image->pixels, image->width, image->height,
                                       (gsize) image->width * 3);
  return g_steal_pointer (&resized);
}

/* Tensors */

void
ead_image_to_float (const EadImage *image, float *out)
{
  g_return_if_fail (image != NULL);
  g_return_if_fail (out != NULL);

  gsize plane = (gsize) image->width * image->height;

  for (gsize i = 0; i < plane; i++)
    for (int c = 0; c < 3; c++)
      out[c * plane + i] = image->pixels[i * 3 + c] / 255.0f;
}

void
ead_image_to_normalized_tensor (const EadImage *image, int size, float *out)
{
  g_return_if_fail (image != NULL);
  g_return_if_fail (size > 0);
  g_return_if_fail (out != NULL);

  g_autoptr(EadImage) resized = NULL;
  float table[3][256];

  if (image->width != size || image->height != size)
    image = resized = ead_image_resize (image, size, size);

  /* The same float operations as ToTensor() then Normalize() in torchvision. */
  for (int c = 0; c < 3; c++)
    for (int v = 0; v < 256; v++)
      table[c][v] = (v / 255.0f - ead_imagenet_mean[c]) / ead_imagenet_std[c];

  gsize plane = (gsize) size * size;

  for (gsize i = 0; i < plane; i++)
    for (int c = 0; c < 3; c++)
      out[c * plane + i] = table[c][image->pixels[i * 3 + c]];
}

GBytes *
ead_image_encode_png (const EadImage *image, GError **error)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The pixbuf only reads the pixels; GdkPixbuf has no const constructor. */
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (image->pixels, GDK_COLORSPACE_RGB,
                                                          FALSE, 8, image->width, image->height,
                                                          image->width * 3, NULL, NULL);
  g_autoptr(GError) local_error = NULL;
  char *buffer = NULL;
  gsize size;

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &local_error, NULL))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_FAILED, "%s", local_error->message);
      return NULL;
    }
  return g_bytes_new_take (buffer, size);
}

gboolean
ead_image_save_png (const EadImage *image, const char *path, GError **error)
{
  g_return_val_if_fail (image != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) png = ead_image_encode_png (image, &local_error);

  if (png == NULL)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_FAILED, "Cannot encode %s: %s",
                   path, local_error->message);
      return FALSE;
    }
  /* CONSISTENT writes a temporary file beside @path and renames it over. */
  if (!g_file_set_contents_full (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Masks */

static EadMask *
mask_new (int width, int height)
{
  EadMask *mask = g_new0 (EadMask, 1);

  mask->width = width;
  mask->height = height;
  mask->data = g_malloc0 ((gsize) width * height);
  return mask;
}

EadMask *
ead_mask_new_empty (int width, int height)
{
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  return mask_new (width, height);
}

static EadMask *
mask_new_from_image (const EadImage *image)
{
  EadMask *mask = mask_new (image->width, image->height);
  gsize n_pixels = (gsize) image->width * image->height;

  for (gsize i = 0; i < n_pixels; i++)
    mask->data[i] = image->pixels[i * 3] != 0;
  return mask;
}

EadMask *
ead_mask_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr(EadImage) image = ead_image_load (path, error);

  return image != NULL ? mask_new_from_image (image) : NULL;
}

EadMask *
ead_mask_load_from_data (const guint8 *data, gsize size, const char *name, GError **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr(EadImage) image = ead_image_load_from_data (data, size, name, error);

  return image != NULL ? mask_new_from_image (image) : NULL;
}

void
ead_mask_free (EadMask *mask)
{
  if (mask == NULL)
    return;
  g_free (mask->data);
  g_free (mask);
}

int
ead_mask_get_width (const EadMask *mask)
{
  g_return_val_if_fail (mask != NULL, 0);
  return mask->width;
}

int
ead_mask_get_height (const EadMask *mask)
{
  g_return_val_if_fail (mask != NULL, 0);
  return mask->height;
}

const guint8 *
ead_mask_get_data (const EadMask *mask)
{
  g_return_val_if_fail (mask != NULL, NULL);
  return mask->data;
}

/* test-image.c: decoding, conversion to RGB8, resampling, tensors, masks. */
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ead-error.h"
#include "ead-image.h"
#include "test-util.h"

/* Fixtures */

static char *
temp_dir_write (TempDir *dir, const char *name, const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir->path, name, NULL);

  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  return path;
}

/* A minimal PNG encoder, for the variants GdkPixbuf cannot write itself
 * (grayscale, palette, 16-bit). Rows are given packed, without filter bytes. */

static guint32
crc32_of (const guint8 *data, gsize size)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < size; i++)
    {
      crc ^= data[i];
      for (int bit = 0; bit < 8; bit++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  return ~crc;
}

static void
append_be32 (GByteArray *bytes, guint32 value)
{
  guint8 be[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (bytes, be, 4);
}

static void
append_png_chunk (GByteArray *png, const char *type, const guint8 *data, gsize size)
{
  append_be32 (png, size);

  guint start = png->len;

  g_byte_array_append (png, (const guint8 *) type, 4);
  g_byte_array_append (png, data, size);
  append_be32 (png, crc32_of (png->data + start, size + 4));
}

static GBytes *
zlib_compress (const guint8 *data, gsize size)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr(GError) error = NULL;
  gsize capacity = size + size / 100 + 64;
  guint8 *out = g_malloc (capacity);
  gsize n_read, n_written;
  GConverterResult result = g_converter_convert (G_CONVERTER (compressor), data, size,
                                                 out, capacity, G_CONVERTER_INPUT_AT_END,
                                                 &n_read, &n_written, &error);

  g_assert_no_error (error);
  g_assert_cmpint (result, ==, G_CONVERTER_FINISHED);
  return g_bytes_new_take (out, n_written);
}

static GByteArray *
png_start (int width, int height, int bit_depth, int color_type)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  GByteArray *png = g_byte_array_new ();
  guint8 header[13] = {
    width >> 24, width >> 16, width >> 8, width,
    height >> 24, height >> 16, height >> 8, height,
    bit_depth, color_type, 0, 0, 0,
  };

  g_byte_array_append (png, signature, sizeof signature);
  append_png_chunk (png, "IHDR", header, sizeof header);
  return png;
}

static GBytes *
png_finish (GByteArray *png, const guint8 *raw, gsize raw_size)
{
  g_autoptr(GBytes) compressed = zlib_compress (raw, raw_size);

  append_png_chunk (png, "IDAT", g_bytes_get_data (compressed, NULL), g_bytes_get_size (compressed));
  append_png_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}

static GBytes *
encode_png (int width, int height, int bit_depth, int color_type,
            const guint8 *rows, gsize row_bytes, const guint8 *palette, gsize palette_size)
{
  GByteArray *png = png_start (width, height, bit_depth, color_type);
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  static const guint8 no_filter = 0;

  if (palette != NULL)
    append_png_chunk (png, "PLTE", palette, palette_size);
  for (int y = 0; y < height; y++)
    {
      g_byte_array_append (raw, &no_filter, 1);
      g_byte_array_append (raw, rows + y * row_bytes, row_bytes);
    }
  return png_finish (png, raw->data, raw->len);
}

/* A grayscale PNG whose header claims the size; the few pixel bytes after it
 * are never reached. */
static GBytes *
encode_png_claiming_size (int width, int height)
{
  static const guint8 raw[16] = { 0 };

  return png_finish (png_start (width, height, 8, 0), raw, sizeof raw);
}

/* Encodes packed pixels with GdkPixbuf's own savers (png, jpeg, bmp). */
static GBytes *
encode_with_pixbuf (const guint8 *pixels, int width, int height, gboolean has_alpha,
                    const char *format)
{
  int n_channels = has_alpha ? 4 : 3;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (pixels, GDK_COLORSPACE_RGB, has_alpha, 8,
                                                          width, height, width * n_channels,
                                                          NULL, NULL);
  g_autoptr(GError) error = NULL;
  char *buffer;
  gsize size;

  if (g_str_equal (format, "jpeg"))
    gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, format, &error, "quality", "100", NULL);
  else
    gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, format, &error, NULL);
  g_assert_no_error (error);
  return g_bytes_new_take (buffer, size);
}

/* Deterministic noise, so encoded files are large enough to cut in the middle
 * of their pixel data. */
static guint8 *
noise_pixels (int n_bytes)
{
  guint8 *pixels = g_malloc (n_bytes);
  guint32 state = 12345;

  for (int i = 0; i < n_bytes; i++)
    {
      state = state * 1103515245u + 12345u;
      pixels[i] = state >> 24;
    }
  return pixels;
}

static EadImage *
load_bytes (GBytes *bytes, const char *name, GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return ead_image_load_from_data (data, size, name, error);
}

static void
assert_image_equals (const EadImage *image, int width, int height, const guint8 *rgb)
{
  g_assert_nonnull (image);
  g_assert_cmpint (ead_image_get_width (image), ==, width);
  g_assert_cmpint (ead_image_get_height (image), ==, height);
  g_assert_cmpmem (ead_image_get_pixels (image), width * height * 3, rgb, width * height * 3);
}

static void
assert_bad_image (const GError *error, const char *name)
{
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_IMAGE);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_null (strchr (error->message, '\n'));
}

/* Decoding */

static void
test_decode_rgb_png (void)
{
  static const guint8 rgb[] = {
    255, 0, 0,   0, 255, 0,   0, 0, 255,   1, 2, 3,
    10, 20, 30,  40, 50, 60,  70, 80, 90,  100, 110, 120,
    0, 0, 0,     255, 255, 255, 128, 127, 126, 7, 8, 9,
  };
  g_autoptr(GBytes) png = encode_with_pixbuf (rgb, 4, 3, FALSE, "png");
  g_autoptr(GError) error = NULL;
  g_autoptr(EadImage) image = load_bytes (png, "rgb.png", &error);

  g_assert_no_error (error);
  assert_image_equals (image, 4, 3, rgb);
}

static void
test_decode_rgba_png (void)
{
  static const guint8 rgba[] = { 10, 20, 30, 0,  40, 50, 60, 128,  70, 80, 90, 255 };
  static const guint8 rgb[] = { 10, 20, 30,  40, 50, 60,  70, 80, 90 };
  g_autoptr(GBytes) png = encode_with_pixbuf (rgba, 3, 1, TRUE, "png");
  g_autoptr(GError) error = NULL;
  g_autoptr(EadImage) image = load_bytes (png, "rgba.png", &error);

  g_assert_no_error (error);
  assert_image_equals (image, 3, 1, rgb);
}

static void
test_decode_jpeg (void)
{
  guint8 rgb[16 * 16 * 3];
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < sizeof rgb; i += 3)
    memcpy (rgb + i, (guint8[]) { 200, 100, 50 }, 3);

  g_autoptr(GBytes) jpeg = encode_with_pixbuf (rgb, 16, 16, FALSE, "jpeg");
  g_autoptr(EadImage) image = load_bytes (jpeg, "flat.jpg", &error);

  g_assert_no_error (error);
  g_assert_cmpint (ead_image_get_width (image), ==, 16);
  g_assert_cmpint (ead_image_get_height (image), ==, 16);
  /* Lossy, but a flat colour survives within the YCbCr rounding. */
  for (gsize i = 0; i < sizeof rgb; i++)
    g_assert_cmpint (ABS (ead_image_get_pixels (image)[i] - rgb[i]), <=, 2);
}

static void
test_decode_bmp (void)
{
  static const guint8 rgb[] = { 1, 2, 3,  4, 5, 6,  7, 8, 9,  250, 251, 252,  0, 0, 0,  9, 99, 199 };
  g_autoptr(GBytes) bmp = encode_with_pixbuf (rgb, 3, 2, FALSE, "bmp");
  g_autoptr(GError) error = NULL;
  g_autoptr(EadImage) image = load_bytes (bmp, "small.bmp", &error);

  g_assert_no_error (error);
  assert_image_equals (image, 3, 2, rgb);
}

/* A BMP whose info header or pixels start 4 GiB on: GdkPixbuf's loader
 * would reserve that much before reading on (found by fuzz-image). */
static void
test_bmp_header_past_end (void)
{
  static const guint8 rgb[] = { 1, 2, 3,  4, 5, 6,  7, 8, 9,  250, 251, 252,  0, 0, 0,  9, 99, 199 };
  g_autoptr(GBytes) bmp = encode_with_pixbuf (rgb, 3, 2, FALSE, "bmp");
  gsize size;
  const guint8 *encoded = g_bytes_get_data (bmp, &size);

  /* The info header's size, then the pixels' offset. */
  for (gsize field = 14; field >= 10; field -= 4)
    {
      g_autofree guint8 *data = g_memdup2 (encoded, size);
      g_autoptr(GError) error = NULL;

      memcpy (data + field, "\xdb\xff\xff\xff", 4);
      g_assert_null (ead_image_load_from_data (data, size, "huge-header.bmp", &error));
      assert_bad_image (error, "huge-header.bmp");
      g_assert_nonnull (strstr (error->message, "truncated BMP"));
    }
}

static void
test_decode_gray_png (void)
{
  static const guint8 gray[] = { 0, 128, 255,  17, 34, 51 };
  static const guint8 rgb[] = { 0, 0, 0,  128, 128, 128,  255, 255, 255,
                                17, 17, 17,  34, 34, 34,  51, 51, 51 };
  g_autoptr(GBytes) png = encode_png (3, 2, 8, 0, gray, 3, NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadImage) image = load_bytes (png, "gray.png", &error);

  g_assert_no_error (error);
  assert_image_equals (image, 3, 2, rgb);
}

static void
test_decode_gray_alpha_png (void)
{
  static const guint8 gray_alpha[] = { 10, 0,  200, 255 };
  static const guint8 rgb[] = { 10, 10, 10,  200, 200, 200 };
  g_autoptr(GBytes) png = encode_png (2, 1, 8, 4, gray_alpha, 4, NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadImage) image = load_bytes (png, "gray-alpha.png", &error);

  g_assert_no_error (error);
  assert_image_equals (image, 2, 1, rgb);
}

static void
test_decode_palette_png (void)
{
  static const guint8 palette[] = { 255, 0, 0,  0, 255, 0,  0, 0, 255,  9, 8, 7 };
  /* 4-bit indices, two per byte: 0 1 2 3 0 and 3 2 1 0 1. */
  static const guint8 indices[] = { 0x01, 0x23, 0x00,  0x32, 0x10, 0x10 };
  static const guint8 rgb[] = {
    255, 0, 0,  0, 255, 0,  0, 0, 255,  9, 8, 7,  255, 0, 0,
    9, 8, 7,  0, 0, 255,  0, 255, 0,  255, 0, 0,  0, 255, 0,
  };
  g_autoptr(GBytes) png = encode_png (5, 2, 4, 3, indices, 3, palette, sizeof palette);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadImage) image = load_bytes (png, "palette.png", &error);

  g_assert_no_error (error);
  assert_image_equals (image, 5, 2, rgb);
}

/* 16-bit samples are v * 257, which both truncation and rounding to 8 bits
 * map back to v. */
static void
test_decode_16bit_png (void)
{
  static const guint8 rgb16[] = { 1, 1, 2, 2, 3, 3,  250, 250, 128, 128, 0, 0 };
  static const guint8 gray16[] = { 77, 77,  255, 255 };
  static const guint8 rgb[] = { 1, 2, 3,  250, 128, 0 };
  static const guint8 gray_rgb[] = { 77, 77, 77,  255, 255, 255 };
  g_autoptr(GBytes) rgb_png = encode_png (2, 1, 16, 2, rgb16, 12, NULL, 0);
  g_autoptr(GBytes) gray_png = encode_png (2, 1, 16, 0, gray16, 4, NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadImage) rgb_image = load_bytes (rgb_png, "rgb16.png", &error);

  g_assert_no_error (error);
  assert_image_equals (rgb_image, 2, 1, rgb);

  g_autoptr(EadImage) gray_image = load_bytes (gray_png, "gray16.png", &error);

  g_assert_no_error (error);
  assert_image_equals (gray_image, 2, 1, gray_rgb);
}

static void
test_load_file (TempDir *dir, gconstpointer data)
{
  static const guint8 rgb[] = { 1, 2, 3,  4, 5, 6 };
  g_autoptr(GBytes) png = encode_with_pixbuf (rgb, 2, 1, FALSE, "png");
  g_autofree char *path = temp_dir_write (dir, "file.png", g_bytes_get_data (png, NULL),
                                          g_bytes_get_size (png));
  g_autofree char *missing = g_build_filename (dir->path, "missing.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadImage) image = ead_image_load (path, &error);

  g_assert_no_error (error);
  assert_image_equals (image, 2, 1, rgb);

  g_assert_null (ead_image_load (missing, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
}

/* GdkPixbuf's PNG, JPEG and BMP loaders accept most of these cuts without an
 * error; each must still fail, naming the file. */
static void
check_truncations (TempDir *dir, GBytes *encoded, const char *extension)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (encoded, &size);
  gsize cuts[] = { 1, 8, 33, size / 3, size / 2, size - 13, size - 1 };

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("cut-%" G_GSIZE_FORMAT ".%s", cuts[i], extension);
      g_autofree char *path = temp_dir_write (dir, name, data, cuts[i]);
      g_autoptr(GError) error = NULL;

      g_assert_null (ead_image_load (path, &error));
      assert_bad_image (error, path);
      g_test_message ("%s", error->message);
    }
}

static void
test_load_truncated (TempDir *dir, gconstpointer data)
{
  g_autofree guint8 *pixels = noise_pixels (32 * 32 * 3);
  g_autoptr(GBytes) png = encode_with_pixbuf (pixels, 32, 32, FALSE, "png");
  g_autoptr(GBytes) jpeg = encode_with_pixbuf (pixels, 32, 32, FALSE, "jpeg");
  g_autoptr(GBytes) bmp = encode_with_pixbuf (pixels, 32, 32, FALSE, "bmp");

  check_truncations (dir, png, "png");
  check_truncations (dir, jpeg, "jpg");
  check_truncations (dir, bmp, "bmp");
}

static void
test_load_not_an_image (TempDir *dir, gconstpointer data)
{
  static const char text[] = "this is not an image\n";
  g_autofree char *text_path = temp_dir_write (dir, "text.png", (const guint8 *) text,
                                               strlen (text));
  g_autofree char *empty_path = temp_dir_write (dir, "empty.png", NULL, 0);
  g_autoptr(GError) error = NULL;

  g_assert_null (ead_image_load (text_path, &error));
  assert_bad_image (error, text_path);
  g_clear_error (&error);

  g_assert_null (ead_image_load (empty_path, &error));
  assert_bad_image (error, empty_path);
}

/* The refusal comes before the decoder allocates the image. */
static void
check_too_large (int width, int height)
{
  g_autoptr(GBytes) png = encode_png_claiming_size (width, height);
  g_autoptr(GError) error = NULL;

  g_assert_null (load_bytes (png, "huge.png", &error));
  assert_bad_image (error, "huge.png");
  g_assert_nonnull (strstr (error->message, "too large"));
}

static void
test_load_too_large (void)
{
  check_too_large (70000, 1);
  check_too_large (1, 65536);
  check_too_large (20000, 20000);
}

static void
test_new_from_buffers (void)
{
  /* Rows padded to a stride wider than the pixels. */
  static const guint8 rgb_rows[] = { 1, 2, 3, 4, 5, 6, 0xee,  7, 8, 9, 10, 11, 12, 0xee };
  static const guint8 gray_rows[] = { 5, 6, 0xee,  7, 8, 0xee };
  static const guint8 rgb[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  static const guint8 gray_rgb[] = { 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8 };
  g_autoptr(EadImage) from_rgb = ead_image_new_from_rgb8 (rgb_rows, 2, 2, 7);
  g_autoptr(EadImage) from_gray = ead_image_new_from_gray8 (gray_rows, 2, 2, 3);

  assert_image_equals (from_rgb, 2, 2, rgb);
  assert_image_equals (from_gray, 2, 2, gray_rgb);
}

/* Resampling */

static EadImage *
image_new_filled (int width, int height, guint8 r, guint8 g, guint8 b)
{
  g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);

  for (int i = 0; i < width * height; i++)
    memcpy (rgb + i * 3, (guint8[]) { r, g, b }, 3);
  return ead_image_new_from_rgb8 (rgb, width, height, width * 3);
}

static void
test_resize_constant (void)
{
  static const int sizes[][4] = { { 37, 23, 11, 7 }, { 5, 4, 13, 9 }, { 900, 900, 256, 256 },
                                  { 10, 3, 3, 10 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(EadImage) image = image_new_filled (sizes[i][0], sizes[i][1], 255, 7, 128);
      g_autoptr(EadImage) resized = ead_image_resize (image, sizes[i][2], sizes[i][3]);
      const guint8 *pixels = ead_image_get_pixels (resized);

      g_assert_cmpint (ead_image_get_width (resized), ==, sizes[i][2]);
      g_assert_cmpint (ead_image_get_height (resized), ==, sizes[i][3]);
      for (int p = 0; p < sizes[i][2] * sizes[i][3]; p++)
        {
          g_assert_cmpint (pixels[p * 3], ==, 255);
          g_assert_cmpint (pixels[p * 3 + 1], ==, 7);
          g_assert_cmpint (pixels[p * 3 + 2], ==, 128);
        }
    }
}

/* Alternating black and white pixels shrunk by two: away from the border
 * every output pixel sees as much black as white and becomes mid-gray. */
static void
test_resize_checkerboard (void)
{
  const int size = 16;
  g_autofree guint8 *gray = g_malloc (size * size);

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      gray[y * size + x] = (x + y) % 2 ? 255 : 0;

  g_autoptr(EadImage) board = ead_image_new_from_gray8 (gray, size, size, size);
  g_autoptr(EadImage) half = ead_image_resize (board, size / 2, size / 2);
  const guint8 *pixels = ead_image_get_pixels (half);
  double total = 0;

  for (int y = 0; y < size / 2; y++)
    for (int x = 0; x < size / 2; x++)
      {
        guint8 value = pixels[(y * size / 2 + x) * 3];
        gboolean inside = x > 0 && y > 0 && x < size / 2 - 1 && y < size / 2 - 1;

        if (inside)
          g_assert_cmpint (value, ==, 128);
        else
          g_assert_cmpint (ABS (value - 128), <, 24);
        total += value;
      }
  g_assert_cmpfloat_with_epsilon (total / (size * size / 4), 127.5, 1.0);
}

static void
test_resize_identity (void)
{
  g_autofree guint8 *pixels = noise_pixels (7 * 5 * 3);
  g_autoptr(EadImage) image = ead_image_new_from_rgb8 (pixels, 7, 5, 7 * 3);
  g_autoptr(EadImage) copy = ead_image_resize (image, 7, 5);

  g_assert_true (copy != image);
  assert_image_equals (copy, 7, 5, pixels);
}

/* Worked out by hand. Shrinking 4 -> 2: scale 2, support 2; output 0 is
 * centred at 0.5 and reads inputs 0, 1, 2 with triangle weights .75, .75, .25
 * (the tap at -1 falls off the edge), normalised to 3/7, 3/7, 1/7; output 1 is
 * centred at 2.5 and reads inputs 1, 2, 3 with 1/7, 3/7, 3/7. Growing 2 -> 4:
 * support 1; outputs are centred at -.25, .25, .75, 1.25, giving weights
 * (1), (.75, .25), (.25, .75), (1). */
static void
test_resize_by_hand (void)
{
  static const guint8 four[] = { 0, 100, 200, 40 };
  static const guint8 shrunk[] = { 71, 117 };  /* 500 / 7 and 820 / 7 */
  static const guint8 two[] = { 0, 100 };
  static const guint8 grown[] = { 0, 25, 75, 100 };
  g_autoptr(EadImage) row = ead_image_new_from_gray8 (four, 4, 1, 4);
  g_autoptr(EadImage) column = ead_image_new_from_gray8 (four, 1, 4, 1);
  g_autoptr(EadImage) pair = ead_image_new_from_gray8 (two, 2, 1, 2);
  g_autoptr(EadImage) row_shrunk = ead_image_resize (row, 2, 1);
  g_autoptr(EadImage) column_shrunk = ead_image_resize (column, 1, 2);
  g_autoptr(EadImage) pair_grown = ead_image_resize (pair, 4, 1);

  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpint (ead_image_get_pixels (row_shrunk)[i * 3], ==, shrunk[i]);
      g_assert_cmpint (ead_image_get_pixels (column_shrunk)[i * 3 + 2], ==, shrunk[i]);
    }
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (ead_image_get_pixels (pair_grown)[i * 3 + 1], ==, grown[i]);
}

/* Tensors */

static void
test_to_float (void)
{
  static const guint8 rgb[] = { 0, 51, 255,  255, 102, 0 };
  static const float expected[] = { 0, 1,  0.2f, 0.4f,  1, 0 };
  g_autoptr(EadImage) image = ead_image_new_from_rgb8 (rgb, 2, 1, 6);
  float out[6];

  ead_image_to_float (image, out);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (out[i], expected[i], 1e-6);
}

static double
normalized (guint8 value, int channel)
{
  return (value / 255.0 - ead_imagenet_mean[channel]) / ead_imagenet_std[channel];
}

static void
test_normalized_tensor (void)
{
  static const guint8 rgb[] = { 0, 0, 0,  255, 255, 255,  124, 116, 104,  10, 20, 30 };
  g_autoptr(EadImage) image = ead_image_new_from_rgb8 (rgb, 2, 2, 6);
  float out[3 * 4];

  g_assert_cmpfloat (ead_imagenet_mean[0], ==, 0.485f);
  g_assert_cmpfloat (ead_imagenet_mean[1], ==, 0.456f);
  g_assert_cmpfloat (ead_imagenet_mean[2], ==, 0.406f);
  g_assert_cmpfloat (ead_imagenet_std[0], ==, 0.229f);
  g_assert_cmpfloat (ead_imagenet_std[1], ==, 0.224f);
  g_assert_cmpfloat (ead_imagenet_std[2], ==, 0.225f);

  ead_image_to_normalized_tensor (image, 2, out);
  /* Black and white in the red plane: -0.485 / 0.229 and 0.515 / 0.229. */
  g_assert_cmpfloat_with_epsilon (out[0], -2.1179039, 1e-5);
  g_assert_cmpfloat_with_epsilon (out[1], 2.2489083, 1e-5);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < 4; i++)
      g_assert_cmpfloat_with_epsilon (out[c * 4 + i], normalized (rgb[i * 3 + c], c), 1e-5);
}

static void
test_normalized_tensor_resizes (void)
{
  g_autoptr(EadImage) image = image_new_filled (5, 3, 124, 116, 104);
  float out[3 * 4];

  ead_image_to_normalized_tensor (image, 2, out);
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpfloat_with_epsilon (out[i], normalized (124, 0), 1e-5);
      g_assert_cmpfloat_with_epsilon (out[4 + i], normalized (116, 1), 1e-5);
      g_assert_cmpfloat_with_epsilon (out[8 + i], normalized (104, 2), 1e-5);
    }
}

/* Saving */

static void
test_save_png (TempDir *dir, gconstpointer data)
{
  g_autofree guint8 *pixels = noise_pixels (6 * 4 * 3);
  g_autoptr(EadImage) image = ead_image_new_from_rgb8 (pixels, 6, 4, 6 * 3);
  g_autoptr(EadImage) other = image_new_filled (2, 2, 1, 2, 3);
  g_autofree char *path = g_build_filename (dir->path, "saved.png", NULL);
  g_autofree char *unreachable = g_build_filename (dir->path, "missing", "saved.png", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (ead_image_save_png (other, path, &error));
  g_assert_true (ead_image_save_png (image, path, &error));
  g_assert_no_error (error);
  /* Replaced in place, with no temporary file left beside it. */
  g_assert_cmpuint (test_count_entries (dir->path), ==, 1);

  g_autoptr(EadImage) loaded = ead_image_load (path, &error);

  g_assert_no_error (error);
  assert_image_equals (loaded, 6, 4, pixels);

  g_assert_false (ead_image_save_png (image, unreachable, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
}

/* Masks */

static void
test_mask_load (TempDir *dir, gconstpointer data)
{
  static const guint8 gray[] = { 0, 255, 7,  255, 0, 0 };
  static const guint8 expected[] = { 0, 1, 1,  1, 0, 0 };
  /* Only the first channel counts. */
  static const guint8 rgb[] = { 0, 255, 255,  1, 0, 0 };
  static const guint8 rgb_expected[] = { 0, 1 };
  g_autoptr(GBytes) gray_png = encode_png (3, 2, 8, 0, gray, 3, NULL, 0);
  g_autoptr(GBytes) rgb_png = encode_with_pixbuf (rgb, 2, 1, FALSE, "png");
  g_autofree char *gray_path = temp_dir_write (dir, "gray_mask.png", g_bytes_get_data (gray_png, NULL),
                                               g_bytes_get_size (gray_png));
  g_autofree char *rgb_path = temp_dir_write (dir, "rgb_mask.png", g_bytes_get_data (rgb_png, NULL),
                                              g_bytes_get_size (rgb_png));
  g_autofree char *missing = g_build_filename (dir->path, "missing_mask.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EadMask) mask = ead_mask_load (gray_path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (ead_mask_get_width (mask), ==, 3);
  g_assert_cmpint (ead_mask_get_height (mask), ==, 2);
  g_assert_cmpmem (ead_mask_get_data (mask), 6, expected, 6);

  g_autoptr(EadMask) rgb_mask = ead_mask_load (rgb_path, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (ead_mask_get_data (rgb_mask), 2, rgb_expected, 2);

  g_assert_null (ead_mask_load (missing, &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_IO);
}

static void
test_mask_empty (void)
{
  static const guint8 zeros[12] = { 0 };
  g_autoptr(EadMask) mask = ead_mask_new_empty (4, 3);

  g_assert_cmpint (ead_mask_get_width (mask), ==, 4);
  g_assert_cmpint (ead_mask_get_height (mask), ==, 3);
  g_assert_cmpmem (ead_mask_get_data (mask), 12, zeros, 12);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/image/decode/rgb-png", test_decode_rgb_png);
  g_test_add_func ("/image/decode/rgba-png", test_decode_rgba_png);
  g_test_add_func ("/image/decode/jpeg", test_decode_jpeg);
  g_test_add_func ("/image/decode/bmp", test_decode_bmp);
  g_test_add_func ("/image/decode/bmp-header-past-end", test_bmp_header_past_end);
  g_test_add_func ("/image/decode/gray-png", test_decode_gray_png);
  g_test_add_func ("/image/decode/gray-alpha-png", test_decode_gray_alpha_png);
  g_test_add_func ("/image/decode/palette-png", test_decode_palette_png);
  g_test_add_func ("/image/decode/16bit-png", test_decode_16bit_png);
  add_temp_dir_test ("/image/load/file", test_load_file);
  add_temp_dir_test ("/image/load/truncated", test_load_truncated);
  add_temp_dir_test ("/image/load/not-an-image", test_load_not_an_image);
  g_test_add_func ("/image/load/too-large", test_load_too_large);
  g_test_add_func ("/image/new-from-buffers", test_new_from_buffers);
  g_test_add_func ("/image/resize/constant", test_resize_constant);
  g_test_add_func ("/image/resize/checkerboard", test_resize_checkerboard);
  g_test_add_func ("/image/resize/identity", test_resize_identity);
  g_test_add_func ("/image/resize/by-hand", test_resize_by_hand);
  g_test_add_func ("/image/tensor/float", test_to_float);
  g_test_add_func ("/image/tensor/normalized", test_normalized_tensor);
  g_test_add_func ("/image/tensor/normalized-resizes", test_normalized_tensor_resizes);
  add_temp_dir_test ("/image/save-png", test_save_png);
  add_temp_dir_test ("/image/mask/load", test_mask_load);
  g_test_add_func ("/image/mask/empty", test_mask_empty);

  return g_test_run ();
}

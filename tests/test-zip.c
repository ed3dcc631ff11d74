/* test-zip.c: the stored-zip reader, on torch.save archives and broken ones. */
#include "ead-error.h"
#include "ead-zip.h"

#include <string.h>
#include "test-util.h"

/* Offsets inside the records (APPNOTE.TXT 4.3.12 and 4.3.16). */
#define CENTRAL_FLAGS 8
#define CENTRAL_COMPRESSED_SIZE 20
#define CENTRAL_NAME 46
#define END_N_ENTRIES 10
#define END_CENTRAL_OFFSET 16
#define END_COMMENT_LENGTH 20
#define END_SIZE 22

static GBytes *
read_teacher_fixture (const char *name)
{
  g_autofree char *relative = g_build_filename ("teachers", name, NULL);
  return test_read_data (relative);
}

/* A writable copy of tiny.pth, a genuine torch.save archive of 6 entries. */
static GByteArray *
tiny_copy (void)
{
  g_autoptr (GBytes) bytes = read_teacher_fixture ("tiny.pth");
  GByteArray *copy = g_byte_array_new ();

  g_byte_array_append (copy, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return copy;
}

static EadZip *
open_array (GByteArray *array, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (array->data, array->len);

  return ead_zip_new (bytes, error);
}

static gsize
find_signature (const GByteArray *array, const char *signature, guint nth)
{
  for (gsize p = 0; p + 4 <= array->len; p++)
    if (memcmp (array->data + p, signature, 4) == 0 && nth-- == 0)
      return p;
  g_assert_not_reached ();
}

static gsize
central_header (const GByteArray *array, guint index)
{
  return find_signature (array, "PK\x01\x02", index);
}

static gsize
end_record (const GByteArray *array)
{
  return find_signature (array, "PK\x05\x06", 0);
}

static void
put_u16 (GByteArray *array, gsize offset, guint16 value)
{
  array->data[offset] = value & 0xff;
  array->data[offset + 1] = value >> 8;
}

static void
put_u32 (GByteArray *array, gsize offset, guint32 value)
{
  for (int i = 0; i < 4; i++)
    array->data[offset + i] = (value >> (8 * i)) & 0xff;
}

static void
assert_refused (GByteArray *array, const char *reason)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadZip) zip = open_array (array, &error);

  g_assert_null (zip);
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  if (!strstr (error->message, reason))
    g_error ("expected '%s' in: %s", reason, error->message);
}

static void
append_record (GByteArray *array, const char *signature, gsize size)
{
  gsize at = array->len;

  g_byte_array_set_size (array, at + size);
  memset (array->data + at, 0, size);
  memcpy (array->data + at, signature, 4);
}

/* A stored archive of @n empty entries named by @name_of, laid out as zip
 * writers do: local headers, the central directory, the end record. Empty
 * entries leave sizes, CRC-32 and method all zero. */
static GByteArray *
archive_of_empty_entries (guint n, char *(*name_of) (guint index))
{
  GByteArray *array = g_byte_array_new ();
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < n; i++)
    {
      char *name = name_of (i);
      guint32 offset = array->len;
      g_ptr_array_add (names, name);
      g_array_append_val (offsets, offset);
      append_record (array, "PK\x03\x04", 30);
      put_u16 (array, offset + 26, strlen (name));
      g_byte_array_append (array, (const guint8 *) name, strlen (name));
    }
  gsize central = array->len;
  for (guint i = 0; i < n; i++)
    {
      const char *name = names->pdata[i];
      gsize at = array->len;
      append_record (array, "PK\x01\x02", CENTRAL_NAME);
      put_u16 (array, at + 28, strlen (name));
      put_u32 (array, at + 42, g_array_index (offsets, guint32, i));
      g_byte_array_append (array, (const guint8 *) name, strlen (name));
    }
  gsize end = array->len;
  append_record (array, "PK\x05\x06", END_SIZE);
  put_u16 (array, end + 8, n);
  put_u16 (array, end + END_N_ENTRIES, n);
  put_u32 (array, end + 12, end - central);
  put_u32 (array, end + END_CENTRAL_OFFSET, central);
  return array;
}

/* ---- Tests ---- */

static void
test_torch_archive (void)
{
  g_autoptr (GBytes) bytes = read_teacher_fixture ("tiny.pth");
  g_autoptr (GError) error = NULL;
  g_autoptr (EadZip) zip = ead_zip_new (bytes, &error);
  const char *names[] = { "tiny/data.pkl", "tiny/data/0", "tiny/data/1", "tiny/data/2", "tiny/data/3",
                          "tiny/version" };

  g_assert_no_error (error);
  g_assert_cmpuint (ead_zip_get_n_entries (zip), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpstr (ead_zip_get_name (zip, i), ==, names[i]);
      g_assert_true (ead_zip_contains (zip, names[i]));
    }
  g_assert_false (ead_zip_contains (zip, "tiny/data/4"));

  /* Conv2d (3, 4, 2): 48 float32 weights; torch aligns storages to 64 bytes. */
  g_autoptr (GBytes) weights = ead_zip_read (zip, "tiny/data/0", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (weights), ==, 48 * sizeof (float));
  const guint8 *base = g_bytes_get_data (bytes, NULL);
  g_assert_cmpuint ((const guint8 *) g_bytes_get_data (weights, NULL) - base, ==, 640);

  g_autoptr (GBytes) version = ead_zip_read (zip, "tiny/version", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (version, NULL), g_bytes_get_size (version), "3\n", 2);

  g_assert_null (ead_zip_read (zip, "tiny/data/9", &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
}

static void
test_committed_broken_files (void)
{
  const struct {
    const char *file, *reason;
  } cases[] = {
    { "truncated.pth", "no end of central directory" },
    { "bad_offset.pth", "local header outside the archive" },
    { "deflated.pth", "is compressed (method 8)" },
    { "legacy.pth", "not a zip archive" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) bytes = read_teacher_fixture (cases[i].file);
      g_autoptr (GError) error = NULL;
      g_autoptr (EadZip) zip = ead_zip_new (bytes, &error);

      g_assert_null (zip);
      g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
      if (!strstr (error->message, cases[i].reason))
        g_error ("%s: expected '%s' in: %s", cases[i].file, cases[i].reason, error->message);
    }
}

static void
test_crafted_headers (void)
{
  g_autoptr (GByteArray) a = NULL;

  a = tiny_copy ();
  a->data[central_header (a, 1) + CENTRAL_FLAGS] |= 1;
  assert_refused (a, "encrypted");
  g_clear_pointer (&a, g_byte_array_unref);

  a = tiny_copy ();
  put_u32 (a, central_header (a, 2) + CENTRAL_COMPRESSED_SIZE, 0xffffffff);
  assert_refused (a, "zip64");
  g_clear_pointer (&a, g_byte_array_unref);

  a = tiny_copy ();
  put_u32 (a, central_header (a, 2) + CENTRAL_COMPRESSED_SIZE, 12345);
  assert_refused (a, "sizes differ");
  g_clear_pointer (&a, g_byte_array_unref);

  /* "tiny/data/1" renamed "tiny/data/0" in the directory. */
  a = tiny_copy ();
  a->data[central_header (a, 2) + CENTRAL_NAME + strlen ("tiny/data/")] = '0';
  assert_refused (a, "appears twice");
  g_clear_pointer (&a, g_byte_array_unref);

  /* ... and a different name that the local header does not share. */
  a = tiny_copy ();
  a->data[central_header (a, 2) + CENTRAL_NAME + strlen ("tiny/data/")] = '7';
  assert_refused (a, "disagrees on the name");
  g_clear_pointer (&a, g_byte_array_unref);

  a = tiny_copy ();
  put_u32 (a, end_record (a) + END_CENTRAL_OFFSET, 0x7ffffff0);
  assert_refused (a, "central directory outside the file");
  g_clear_pointer (&a, g_byte_array_unref);

  a = tiny_copy ();
  put_u16 (a, end_record (a) + END_N_ENTRIES, 7);
  assert_refused (a, "split");
  put_u16 (a, end_record (a) + END_N_ENTRIES - 2, 7);
  assert_refused (a, "header 6 is missing");
  g_clear_pointer (&a, g_byte_array_unref);

  a = tiny_copy ();
  put_u16 (a, end_record (a) + END_N_ENTRIES - 2, 5);
  put_u16 (a, end_record (a) + END_N_ENTRIES, 5);
  assert_refused (a, "size disagrees");
  g_clear_pointer (&a, g_byte_array_unref);

  /* A comment that does not reach the end of the file. */
  a = tiny_copy ();
  put_u16 (a, end_record (a) + END_COMMENT_LENGTH, 3);
  assert_refused (a, "no end of central directory");
}

/* 30,000 entries whose names share a g_str_hash value took 4.5 10^8
 * comparisons to index; the reader hashes names with a secret of the
 * process instead. */
static void
test_colliding_names (void)
{
  g_autoptr (GByteArray) array = archive_of_empty_entries (30000, test_colliding_name);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadZip) zip = open_array (array, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ead_zip_get_n_entries (zip), ==, 30000);
  g_autofree char *last = test_colliding_name (29999);
  g_autoptr (GBytes) entry = ead_zip_read (zip, last, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (entry), ==, 0);
}

static void
test_comment_accepted (void)
{
  g_autoptr (GByteArray) a = tiny_copy ();
  g_autoptr (GError) error = NULL;

  put_u16 (a, end_record (a) + END_COMMENT_LENGTH, 4);
  g_byte_array_append (a, (const guint8 *) "PK\x05\x06", 4);
  g_autoptr (EadZip) zip = open_array (a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ead_zip_get_n_entries (zip), ==, 6);
}

static void
test_crc (void)
{
  g_autoptr (GByteArray) a = tiny_copy ();
  g_autoptr (GError) error = NULL;

  a->data[640 + 5] ^= 0x10;
  g_autoptr (EadZip) zip = open_array (a, &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) intact = ead_zip_read (zip, "tiny/data/1", &error);
  g_assert_no_error (error);
  g_assert_null (ead_zip_read (zip, "tiny/data/0", &error));
  g_assert_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE);
  g_assert_nonnull (strstr (error->message, "CRC-32"));
}

/* Opens @data and reads every entry; whatever happens must be an error or
 * bytes inside the buffer. Returns a bit mask of the entries read. */
static guint
open_and_read_all (const guint8 *data, gsize size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (EadZip) zip = ead_zip_new (bytes, NULL);
  guint read = 0;

  for (guint i = 0; zip && i < ead_zip_get_n_entries (zip); i++)
    {
      g_autoptr (GBytes) entry = ead_zip_read (zip, ead_zip_get_name (zip, i), NULL);
      if (!entry)
        continue;
      const guint8 *p = g_bytes_get_data (entry, NULL);
      g_assert_true (p >= data && p + g_bytes_get_size (entry) <= data + size);
      read |= 1u << i;
    }
  return read;
}

static void
test_every_truncation (void)
{
  g_autoptr (GByteArray) a = tiny_copy ();

  for (gsize length = 0; length < a->len; length++)
    g_assert_cmpuint (open_and_read_all (a->data, length), ==, 0);
  g_assert_cmpuint (open_and_read_all (a->data, a->len), ==, 0x3f);
}

/* Every single-bit flip: CRC-32 catches every single-bit error, so a flip
 * inside an entry's bytes must keep that entry from being read. */
static void
test_every_bit_flip (void)
{
  g_autoptr (GByteArray) a = tiny_copy ();
  g_autoptr (GBytes) intact = g_bytes_new (a->data, a->len);
  g_autoptr (EadZip) zip = ead_zip_new (intact, NULL);
  gsize start[6], end[6];
  guint n_opened = 0;

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr (GBytes) entry = ead_zip_read (zip, ead_zip_get_name (zip, i), NULL);
      start[i] = (const guint8 *) g_bytes_get_data (entry, NULL) - (const guint8 *) g_bytes_get_data (intact, NULL);
      end[i] = start[i] + g_bytes_get_size (entry);
    }
  for (gsize p = 0; p < a->len; p++)
    for (int bit = 0; bit < 8; bit++)
      {
        a->data[p] ^= 1 << bit;
        guint read = open_and_read_all (a->data, a->len);
        a->data[p] ^= 1 << bit;
        for (guint i = 0; i < 6; i++)
          if (p >= start[i] && p < end[i])
            g_assert_false (read & (1u << i));
        n_opened += read != 0;
      }
  g_test_message ("%u of %u flipped copies still had a readable entry", n_opened, a->len * 8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/zip/torch-archive", test_torch_archive);
  g_test_add_func ("/zip/committed-broken-files", test_committed_broken_files);
  g_test_add_func ("/zip/crafted-headers", test_crafted_headers);
  g_test_add_func ("/zip/comment-accepted", test_comment_accepted);
  g_test_add_func ("/zip/colliding-names", test_colliding_names);
  g_test_add_func ("/zip/crc", test_crc);
  g_test_add_func ("/zip/every-truncation", test_every_truncation);
  g_test_add_func ("/zip/every-bit-flip", test_every_bit_flip);
  return g_test_run ();
}

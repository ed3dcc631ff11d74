/* ead-zip.c: a defensive reader for stored zip archives.
 *
 * Record layouts from PKWARE's APPNOTE.TXT (version 6.3): all numbers are
 * little-endian; the end of central directory record (4.3.16) is 22 bytes
 * plus a comment of up to 65535 bytes, the central directory headers (4.3.12)
 * 46 bytes plus name, extra field and comment, the local file headers
 * (4.3.7) 30 bytes plus name and extra field. Only the central directory's
 * sizes are used: torch sets general-purpose bit 3 and leaves the local
 * header's sizes zero (they follow the data in a descriptor), and pads the
 * local extra field so that each storage starts on a 64-byte boundary. */

#include "ead-zip.h"

#include <string.h>

#include "ead-error.h"
#include "ead-hash.h"

#define END_SIGNATURE 0x06054b50u
#define CENTRAL_SIGNATURE 0x02014b50u
#define LOCAL_SIGNATURE 0x04034b50u
#define END_SIZE 22
#define CENTRAL_SIZE 46
#define LOCAL_SIZE 30
#define MAX_COMMENT 0xffff

/* General-purpose flag bits 0 (encrypted) and 6 (strong encryption). */
#define FLAGS_ENCRYPTED 0x0041u
#define METHOD_STORED 0

/* A field holding its maximum means the real value is in a zip64 record. */
#define ZIP64_U16 0xffffu
#define ZIP64_U32 0xffffffffu

typedef struct {
  char *name;
  guint32 crc;
  gsize offset;   /* of the entry's data */
  gsize size;
} Entry;

struct _EadZip {
  GBytes *bytes;
  const guint8 *data;
  gsize size;
  GArray *entries;         /* of Entry */
  GHashTable *by_name;     /* name -> index + 1 */
};

static guint16
read_u16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static guint32
read_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

/* CRC-32 as zip uses it (APPNOTE 4.4.7): the reflected polynomial
 * 0xEDB88320, register preset to all ones and inverted at the end. */
static const guint32 *
crc_table (void)
{
  static guint32 table[256];
  static gsize initialised;

  if (g_once_init_enter (&initialised))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;
          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
          table[n] = c;
        }
      g_once_init_leave (&initialised, 1);
    }
  return table;
}

static guint32
crc32 (const guint8 *data, gsize size)
{
  const guint32 *table = crc_table ();
  guint32 c = 0xffffffffu;

  for (gsize i = 0; i < size; i++)
    c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
}

static gboolean
fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "zip: %s", message);
  return FALSE;
}

static gboolean
fail_entry (GError **error, const char *name, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* fail() about entry @name, a name from the file, quoted: "entry 'name'"
 * followed by @format, which starts with its separator. */
static gboolean
fail_entry (GError **error, const char *name, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_autofree char *rest = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *shown = ead_quote_untrusted (name);
  return fail (error, "entry %s%s", shown, rest);
}

/* The end record is the last signature whose comment reaches exactly to the
 * end of the file; searching backwards over at most a maximal comment. */
static gboolean
find_end_record (const guint8 *data, gsize size, gsize *position)
{
  if (size < END_SIZE)
    return FALSE;
  gsize lowest = size - END_SIZE > MAX_COMMENT ? size - END_SIZE - MAX_COMMENT : 0;
  for (gsize p = size - END_SIZE + 1; p-- > lowest;)
    if (read_u32 (data + p) == END_SIGNATURE
        && p + END_SIZE + read_u16 (data + p + 20) == size)
      {
        *position = p;
        return TRUE;
      }
  return FALSE;
}

/* Locates the local header of the entry at @local_offset, checks that it
 * agrees with the central directory, and fills in where the data lies. */
static gboolean
read_local_header (EadZip *zip, Entry *entry, guint64 local_offset, guint64 central_start,
                   gsize name_length, GError **error)
{
  const guint8 *data = zip->data;

  if (local_offset + LOCAL_SIZE > central_start)
    return fail_entry (error, entry->name, ": local header outside the archive");
  const guint8 *local = data + local_offset;
  if (read_u32 (local) != LOCAL_SIGNATURE)
    return fail_entry (error, entry->name, ": no local header at its offset");
  if (read_u16 (local + 8) != METHOD_STORED)
    return fail_entry (error, entry->name, ": local header disagrees on the compression");
  gsize local_name_length = read_u16 (local + 26);
  gsize local_extra_length = read_u16 (local + 28);
  guint64 data_offset = local_offset + LOCAL_SIZE + local_name_length + local_extra_length;
  if (local_name_length != name_length
      || data_offset > central_start
      || memcmp (local + LOCAL_SIZE, entry->name, name_length) != 0)
    return fail_entry (error, entry->name, ": local header disagrees on the name");
  if (entry->size > central_start - data_offset)
    return fail_entry (error, entry->name, ": data runs past the central directory");
  entry->offset = data_offset;
  return TRUE;
}

static gboolean
check_name (const guint8 *name, gsize length, guint index, GError **error)
{
  if (length == 0 || memchr (name, '\0', length) || !g_utf8_validate_len ((const char *) name, length, NULL))
    return fail (error, "entry %u: empty or invalid name", index);
  return TRUE;
}

/* Reads central directory header @index at *@position and advances it. */
static gboolean
read_central_header (EadZip *zip, guint index, guint64 *position, guint64 central_start,
                     guint64 central_end, GError **error)
{
  const guint8 *p = zip->data + *position;

  if (*position + CENTRAL_SIZE > central_end || read_u32 (p) != CENTRAL_SIGNATURE)
    return fail (error, "central directory header %u is missing or damaged", index);
  guint flags = read_u16 (p + 8);
  guint method = read_u16 (p + 10);
  guint32 crc = read_u32 (p + 16);
  guint32 compressed = read_u32 (p + 20);
  guint32 uncompressed = read_u32 (p + 24);
  gsize name_length = read_u16 (p + 28);
  gsize extra_length = read_u16 (p + 30);
  gsize comment_length = read_u16 (p + 32);
  guint disk = read_u16 (p + 34);
  guint32 local_offset = read_u32 (p + 42);
  guint64 next = *position + CENTRAL_SIZE + name_length + extra_length + comment_length;

  if (next > central_end)
    return fail (error, "central directory header %u runs past the directory", index);
  if (!check_name (p + CENTRAL_SIZE, name_length, index, error))
    return FALSE;
  g_autofree char *name = g_strndup ((const char *) p + CENTRAL_SIZE, name_length);
  if (flags & FLAGS_ENCRYPTED)
    return fail_entry (error, name, " is encrypted");
  if (method != METHOD_STORED)
    return fail_entry (error, name, " is compressed (method %u); torch.save stores entries uncompressed",
                       method);
  if (compressed == ZIP64_U32 || uncompressed == ZIP64_U32 || local_offset == ZIP64_U32)
    return fail_entry (error, name, " has zip64 sizes (over 4 GiB), far beyond any teacher");
  if (compressed != uncompressed)
    return fail_entry (error, name, " is stored but its sizes differ");
  if (disk != 0)
    return fail_entry (error, name, " is on another disk of a split archive");
  if (g_hash_table_contains (zip->by_name, name))
    return fail_entry (error, name, " appears twice");

  Entry entry = { .name = g_steal_pointer (&name), .crc = crc, .size = uncompressed };
  g_array_append_val (zip->entries, entry);
  g_hash_table_insert (zip->by_name, entry.name, GUINT_TO_POINTER (zip->entries->len));
  *position = next;
  return read_local_header (zip, &g_array_index (zip->entries, Entry, zip->entries->len - 1),
                            local_offset, central_start, name_length, error);
}

static gboolean
read_directory (EadZip *zip, GError **error)
{
  gsize end;

  if (!find_end_record (zip->data, zip->size, &end))
    return fail (error, "not a zip archive, or truncated (no end of central directory record)");
  const guint8 *record = zip->data + end;
  guint disk = read_u16 (record + 4), central_disk = read_u16 (record + 6);
  guint n_on_disk = read_u16 (record + 8), n_entries = read_u16 (record + 10);
  guint32 central_size = read_u32 (record + 12), central_offset = read_u32 (record + 16);

  if (n_entries == ZIP64_U16 || central_size == ZIP64_U32 || central_offset == ZIP64_U32)
    return fail (error, "zip64 archive (over 4 GiB or 65535 entries), far beyond any teacher");
  if (disk != 0 || central_disk != 0 || n_on_disk != n_entries)
    return fail (error, "split (multi-disk) archives are not supported");
  /* torch writes zip64 end records between the directory and the end
   * record, so the directory ends at or before the end record. */
  guint64 central_end = (guint64) central_offset + central_size;
  if (central_end > end)
    return fail (error, "central directory outside the file");

  guint64 position = central_offset;
  for (guint i = 0; i < n_entries; i++)
    if (!read_central_header (zip, i, &position, central_offset, central_end, error))
      return FALSE;
  if (position != central_end)
    return fail (error, "central directory size disagrees with its %u entries", n_entries);
  return TRUE;
}

EadZip *
ead_zip_new (GBytes *bytes, GError **error)
{
  g_autoptr (EadZip) zip = g_new0 (EadZip, 1);

  zip->bytes = g_bytes_ref (bytes);
  zip->data = g_bytes_get_data (bytes, &zip->size);
  zip->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (zip->entries, entry_clear);
  zip->by_name = g_hash_table_new (ead_untrusted_str_hash, g_str_equal);
  if (!read_directory (zip, error))
    return NULL;
  return g_steal_pointer (&zip);
}

void
ead_zip_free (EadZip *zip)
{
  if (!zip)
    return;
  g_hash_table_unref (zip->by_name);
  g_array_unref (zip->entries);
  g_bytes_unref (zip->bytes);
  g_free (zip);
}

guint
ead_zip_get_n_entries (const EadZip *zip)
{
  return zip->entries->len;
}

const char *
ead_zip_get_name (const EadZip *zip, guint index)
{
  g_return_val_if_fail (index < zip->entries->len, NULL);
  return g_array_index (zip->entries, Entry, index).name;
}

gboolean
ead_zip_contains (const EadZip *zip, const char *name)
{
  return g_hash_table_contains (zip->by_name, name);
}

GBytes *
ead_zip_read (const EadZip *zip, const char *name, GError **error)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (zip->by_name, name));

  if (index == 0)
    {
      fail_entry (error, name, ": no such entry");
      return NULL;
    }
  const Entry *entry = &g_array_index (zip->entries, Entry, index - 1);
  if (crc32 (zip->data + entry->offset, entry->size) != entry->crc)
    {
      fail_entry (error, name, " is corrupt (CRC-32 mismatch)");
      return NULL;
    }
  return g_bytes_new_from_bytes (zip->bytes, entry->offset, entry->size);
}

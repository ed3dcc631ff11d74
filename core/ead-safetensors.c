/* ead-safetensors.c: reading and writing the safetensors format. */
#include "ead-safetensors.h"

#include "ead-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

/* Tensor views point straight into the file, whose data is little-endian. */
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "ead-safetensors reads tensors in place and needs a little-endian host"
#endif

#define HEADER_LENGTH_SIZE 8
#define MAX_HEADER_LENGTH (100 * 1024 * 1024)
/* Far more tensors than any file of the engine holds; with the cap on names
 * of one hash value, it bounds the work of the tables the names go into. */
#define MAX_HEADER_MEMBERS 4096
#define MAX_COLLIDING_MEMBERS 8
#define METADATA_KEY "__metadata__"
#define MEMORY_DISPLAY_NAME "safetensors data"

static const struct {
  const char *name;
  gsize size;
} dtype_info[] = {
  [EAD_DTYPE_F32] = { "F32", 4 },
  [EAD_DTYPE_F16] = { "F16", 2 },
  [EAD_DTYPE_BF16] = { "BF16", 2 },
  [EAD_DTYPE_F64] = { "F64", 8 },
  [EAD_DTYPE_I64] = { "I64", 8 },
  [EAD_DTYPE_I32] = { "I32", 4 },
  [EAD_DTYPE_U8] = { "U8", 1 },
};

static gboolean
dtype_is_valid (EadDtype dtype)
{
  return (guint) dtype < G_N_ELEMENTS (dtype_info);
}

gsize
ead_dtype_size (EadDtype dtype)
{
  g_return_val_if_fail (dtype_is_valid (dtype), 0);
  return dtype_info[dtype].size;
}

const char *
ead_dtype_to_string (EadDtype dtype)
{
  g_return_val_if_fail (dtype_is_valid (dtype), NULL);
  return dtype_info[dtype].name;
}

static gboolean
dtype_from_string (const char *name, EadDtype *dtype)
{
  for (guint i = 0; i < G_N_ELEMENTS (dtype_info); i++)
    {
      if (strcmp (dtype_info[i].name, name) == 0)
        {
          *dtype = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* Element size times the product of @shape; FALSE when it overflows. */
static gboolean
compute_n_bytes (EadDtype dtype, int n_dims, const gint64 *shape, guint64 *n_bytes)
{
  guint64 total = dtype_info[dtype].size;

  for (int i = 0; i < n_dims; i++)
    {
      if (shape[i] < 0 || !g_uint64_checked_mul (&total, total, (guint64) shape[i]))
        return FALSE;
    }
  *n_bytes = total;
  return TRUE;
}

/* Appends @values as a JSON array, @separator between them. */
static void
append_counts (GString *out, int n_values, const gint64 *values, const char *separator)
{
  g_string_append_c (out, '[');
  for (int i = 0; i < n_values; i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i > 0 ? separator : "", values[i]);
  g_string_append_c (out, ']');
}

static char *
format_shape (int n_dims, const gint64 *shape)
{
  GString *text = g_string_new (NULL);

  append_counts (text, n_dims, shape, ", ");
  return g_string_free (text, FALSE);
}

/* ---- Reading ---- */

struct _EadSafetensors {
  char *display_name;      /* for error messages */
  GBytes *bytes;           /* the whole file; views point into it */
  GStringChunk *strings;   /* tensor names, metadata keys and values */
  GArray *tensors;         /* EadTensorView, by data offset */
  GHashTable *by_name;     /* name → EadTensorView in tensors */
  GHashTable *metadata;    /* key → value */
  GPtrArray *metadata_keys; /* NULL-terminated, in header order */
};

void
ead_safetensors_free (EadSafetensors *st)
{
  if (st == NULL)
    return;
  g_free (st->display_name);
  g_clear_pointer (&st->bytes, g_bytes_unref);
  g_clear_pointer (&st->strings, g_string_chunk_free);
  g_clear_pointer (&st->tensors, g_array_unref);
  g_clear_pointer (&st->by_name, g_hash_table_unref);
  g_clear_pointer (&st->metadata, g_hash_table_unref);
  g_clear_pointer (&st->metadata_keys, g_ptr_array_unref);
  g_free (st);
}

static void set_bad_file_valist (GError **error, const char *file, const char *format, va_list args)
  G_GNUC_PRINTF (3, 0);
static void set_bad_file (GError **error, const char *file, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
set_bad_file_valist (GError **error, const char *file, const char *format, va_list args)
{
  g_autofree char *reason = g_strdup_vprintf (format, args);

  g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: %s", file, reason);
}

static void
set_bad_file (GError **error, const char *file, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  set_bad_file_valist (error, file, format, args);
  va_end (args);
}

/* Splits the file into header text and byte buffer. */
static gboolean
split_file (const guint8 *data, gsize size, const char *file,
            const char **header, gsize *header_length,
            const guint8 **buffer, gsize *buffer_size, GError **error)
{
  guint64 length;

  if (size < HEADER_LENGTH_SIZE)
    {
      set_bad_file (error, file, "file of %" G_GSIZE_FORMAT " bytes is too short for a safetensors header", size);
      return FALSE;
    }
  memcpy (&length, data, sizeof length);
  length = GUINT64_FROM_LE (length);
  if (length > size - HEADER_LENGTH_SIZE)
    {
      set_bad_file (error, file, "header length %" G_GUINT64_FORMAT " exceeds the file size of %" G_GSIZE_FORMAT " bytes",
                    length, size);
      return FALSE;
    }
  if (length > MAX_HEADER_LENGTH)
    {
      set_bad_file (error, file, "header length %" G_GUINT64_FORMAT " exceeds the limit of %d bytes",
                    length, MAX_HEADER_LENGTH);
      return FALSE;
    }
  *header = (const char *) data + HEADER_LENGTH_SIZE;
  *header_length = length;
  *buffer = data + HEADER_LENGTH_SIZE + length;
  *buffer_size = size - HEADER_LENGTH_SIZE - length;
  return TRUE;
}

/* ---- The header ----
 *
 * A strict reader of exactly what a safetensors header is: one object whose
 * members are "__metadata__", an object of string to string, or tensors,
 * objects of "dtype", "shape" and "data_offsets". It reads the header once,
 * in file order, decoding each string once, and reads each value as what
 * the format wants in its place: so the nesting is the format's three
 * levels and nothing recurses. A JSON value of another kind is refused with
 * the format's message for that place, anything that is no JSON value with
 * a syntax error; the first problem in the file is the one reported. */

typedef struct {
  const char *text;
  gsize length;
  gsize pos;
  const char *file;   /* for messages */
  GString *string;    /* the last string read, decoded */
} HeaderReader;

static void
header_reader_clear (HeaderReader *reader)
{
  g_string_free (reader->string, TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HeaderReader, header_reader_clear)

/* What reading a value the format wants gave. */
typedef enum {
  READ_OK,
  READ_UNFIT,    /* a JSON value of another kind: the caller says what it wanted */
  READ_FAILED,   /* a syntax error, set */
} ReadOutcome;

/* Where stepping through an object's members or an array's elements got. */
typedef enum {
  STEP_NEXT,
  STEP_END,      /* past the closing bracket */
  STEP_FAILED,   /* a syntax error, set */
} Step;

/* JSON's one-letter escapes, and the characters they stand for. */
static const char escape_letters[] = "\"\\/bfnrt";
static const char escaped_chars[] = "\"\\/\b\f\n\r\t";

static gboolean
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Outside strings JSON has only these: brackets, separators, numbers, true,
 * false and null. */
static gboolean
is_json_token_char (char c)
{
  return is_json_space (c) || (c != '\0' && strchr ("{}[]\",:-+.0123456789Eabcdefghijklmnopqrstuvwxyz", c) != NULL);
}

/* The next character, NUL at the end of the header. */
static char
peek (const HeaderReader *reader)
{
  return reader->pos < reader->length ? reader->text[reader->pos] : '\0';
}

static void
skip_space (HeaderReader *reader)
{
  while (reader->pos < reader->length && is_json_space (reader->text[reader->pos]))
    reader->pos++;
}

/* Sets the error for a header where @expected is missing at pos. */
static gboolean
fail_syntax (const HeaderReader *reader, const char *expected, GError **error)
{
  if (reader->pos == reader->length)
    set_bad_file (error, reader->file, "header is not valid JSON: it ends where %s is expected", expected);
  else if (!is_json_token_char (reader->text[reader->pos]))
    set_bad_file (error, reader->file, "header is not strict JSON (byte %" G_GSIZE_FORMAT " of the header)",
                  reader->pos);
  else
    set_bad_file (error, reader->file, "header is not valid JSON: %s expected at byte %" G_GSIZE_FORMAT " of the header",
                  expected, reader->pos);
  return FALSE;
}

/* Reads @c after optional whitespace; else a syntax error naming @expected. */
static gboolean
expect_char (HeaderReader *reader, char c, const char *expected, GError **error)
{
  skip_space (reader);
  if (peek (reader) != c)
    return fail_syntax (reader, expected, error);
  reader->pos++;
  return TRUE;
}

/* Looks at the next value, after optional whitespace: READ_OK when it
 * starts with one of @openings (not consumed). */
static ReadOutcome
look_at_value (HeaderReader *reader, const char *openings, GError **error)
{
  char c;

  skip_space (reader);
  c = peek (reader);
  if (c != '\0' && strchr (openings, c) != NULL)
    return READ_OK;
  if (c != '\0' && strchr ("\"{[-0123456789tfn", c) != NULL)
    return READ_UNFIT;
  fail_syntax (reader, "a value", error);
  return READ_FAILED;
}

/* Consumes the '{', '[' or '"' that opens the next value when it is @opening. */
static ReadOutcome
open_value (HeaderReader *reader, char opening, GError **error)
{
  char openings[] = { opening, '\0' };
  ReadOutcome outcome = look_at_value (reader, openings, error);

  if (outcome == READ_OK)
    reader->pos++;
  return outcome;
}

/* TRUE for READ_OK; for READ_UNFIT sets the format's message @format. */
static gboolean value_fits (ReadOutcome outcome, const HeaderReader *reader, GError **error, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
value_fits (ReadOutcome outcome, const HeaderReader *reader, GError **error, const char *format, ...)
{
  va_list args;

  if (outcome == READ_UNFIT)
    {
      va_start (args, format);
      set_bad_file_valist (error, reader->file, format, args);
      va_end (args);
    }
  return outcome == READ_OK;
}

static gboolean
read_hex4 (HeaderReader *reader, gunichar *value)
{
  if (reader->length - reader->pos < 4)
    return FALSE;
  *value = 0;
  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (reader->text[reader->pos++]);
      if (digit < 0)
        return FALSE;
      *value = *value << 4 | digit;
    }
  return TRUE;
}

/* A \u escape after its "\u": a character, or a surrogate pair as two
 * escapes. NUL and unpaired surrogates are refused: names must be C strings
 * of valid UTF-8. */
static gboolean
decode_unicode_escape (HeaderReader *reader)
{
  gunichar unit, low;

  if (!read_hex4 (reader, &unit) || unit == 0 || (unit >= 0xdc00 && unit < 0xe000))
    return FALSE;
  if (unit >= 0xd800 && unit < 0xdc00)
    {
      if (reader->length - reader->pos < 2 || reader->text[reader->pos] != '\\' || reader->text[reader->pos + 1] != 'u')
        return FALSE;
      reader->pos += 2;
      if (!read_hex4 (reader, &low) || low < 0xdc00 || low >= 0xe000)
        return FALSE;
      unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
    }
  g_string_append_unichar (reader->string, unit);
  return TRUE;
}

static gboolean
decode_escape (HeaderReader *reader)
{
  if (reader->pos >= reader->length)
    return FALSE;
  char c = reader->text[reader->pos++];
  const char *letter = c != '\0' ? strchr (escape_letters, c) : NULL;
  if (letter)
    {
      g_string_append_c (reader->string, escaped_chars[letter - escape_letters]);
      return TRUE;
    }
  return c == 'u' && decode_unicode_escape (reader);
}

/* Decodes the string whose opening quote was just read into
 * reader->string, leaving pos past its closing quote. */
static gboolean
read_string (HeaderReader *reader, GError **error)
{
  g_string_truncate (reader->string, 0);
  while (reader->pos < reader->length)
    {
      char c = reader->text[reader->pos++];
      if (c == '"')
        {
          /* Also refuses NUL bytes, which would cut names short. */
          if (g_utf8_validate_len (reader->string->str, reader->string->len, NULL))
            return TRUE;
          set_bad_file (error, reader->file, "header is not valid UTF-8 text");
          return FALSE;
        }
      if ((guchar) c < 0x20)
        {
          /* As JSON and the reference reader (serde_json) require. */
          set_bad_file (error, reader->file, "header has a raw control character in a string");
          return FALSE;
        }
      if (c != '\\')
        g_string_append_c (reader->string, c);
      else if (!decode_escape (reader))
        break;
    }
  set_bad_file (error, reader->file, "header has an unterminated string or an invalid escape");
  return FALSE;
}

static ReadOutcome
read_string_value (HeaderReader *reader, GError **error)
{
  ReadOutcome outcome = open_value (reader, '"', error);

  if (outcome == READ_OK && !read_string (reader, error))
    return READ_FAILED;
  return outcome;
}

/* Steps through an object or array whose opening was read, to its next
 * member or element (past a ',' unless @index is 0), or past @closing. */
static Step
next_item (HeaderReader *reader, guint index, char closing, GError **error)
{
  skip_space (reader);
  if (peek (reader) == closing)
    {
      reader->pos++;
      return STEP_END;
    }
  if (index > 0 && !expect_char (reader, ',', closing == '}' ? "',' or '}'" : "',' or ']'", error))
    return STEP_FAILED;
  return STEP_NEXT;
}

/* The same for an object, reading the next member's name into
 * reader->string and its ':'. */
static Step
next_member (HeaderReader *reader, guint index, GError **error)
{
  Step step = next_item (reader, index, '}', error);

  if (step == STEP_NEXT
      && !(expect_char (reader, '"', "a member name", error) && read_string (reader, error)
           && expect_char (reader, ':', "':'", error)))
    return STEP_FAILED;
  return step;
}

/* A JSON number that is an integer from 0 to G_MAXINT64; READ_UNFIT for
 * any other value, a sign, a fraction or an exponent included. */
static ReadOutcome
read_count (HeaderReader *reader, gint64 *value, GError **error)
{
  ReadOutcome outcome = look_at_value (reader, "0123456789", error);
  guint64 total = 0;

  if (outcome != READ_OK)
    return outcome;
  while (g_ascii_isdigit (peek (reader)))
    {
      int digit = reader->text[reader->pos++] - '0';

      if (total > (guint64) (G_MAXINT64 - digit) / 10)
        return READ_UNFIT;
      total = total * 10 + digit;
      /* JSON numbers have no leading zeros: "01" is a 0 without its ','. */
      if (total == 0)
        break;
    }
  if (peek (reader) == '.' || peek (reader) == 'e' || peek (reader) == 'E')
    return READ_UNFIT;
  *value = total;
  return READ_OK;
}

/* An array of @min_values to @max_values non-negative integers. */
static ReadOutcome
read_counts (HeaderReader *reader, int min_values, int max_values, gint64 *values, int *n_values, GError **error)
{
  ReadOutcome outcome = open_value (reader, '[', error);

  for (int i = 0; outcome == READ_OK; i++)
    {
      switch (next_item (reader, i, ']', error))
        {
        case STEP_END:
          *n_values = i;
          return i >= min_values ? READ_OK : READ_UNFIT;
        case STEP_FAILED:
          return READ_FAILED;
        case STEP_NEXT:
          outcome = i < max_values ? read_count (reader, &values[i], error) : READ_UNFIT;
        }
    }
  return outcome;
}

/* The names of the header object or of its metadata. They become keys of
 * GHashTables hashed with g_str_hash (here, st->by_name, st->metadata),
 * whose values a crafted header can make collide, turning each insertion
 * into a walk over the earlier ones: so the names of each hash value are
 * counted and capped, and so are all names. Duplicates are refused: JSON
 * would let the last one win, and two readers could disagree on a file. */
typedef struct {
  guint n_names;
  GHashTable *hash_counts;   /* g_str_hash value -> names with it */
  GHashTable *names;
} MemberNames;

static void
member_names_init (MemberNames *names)
{
  names->hash_counts = g_hash_table_new (g_direct_hash, g_direct_equal);
  names->names = g_hash_table_new (g_str_hash, g_str_equal);
}

static void
member_names_clear (MemberNames *names)
{
  g_clear_pointer (&names->hash_counts, g_hash_table_unref);
  g_clear_pointer (&names->names, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MemberNames, member_names_clear)

static gboolean
fail_duplicate (const HeaderReader *reader, const char *name, GError **error)
{
  g_autofree char *shown = ead_quote_untrusted (name);

  set_bad_file (error, reader->file, "header names %s twice", shown);
  return FALSE;
}

/* Adds @name, which lives as long as @names. */
static gboolean
member_names_add (MemberNames *names, const char *name, const HeaderReader *reader, GError **error)
{
  gpointer hash = GUINT_TO_POINTER (g_str_hash (name));
  guint n_same = GPOINTER_TO_UINT (g_hash_table_lookup (names->hash_counts, hash)) + 1;

  if (++names->n_names > MAX_HEADER_MEMBERS)
    {
      set_bad_file (error, reader->file, "header has an object of more than %d members", MAX_HEADER_MEMBERS);
      return FALSE;
    }
  if (n_same > MAX_COLLIDING_MEMBERS)
    {
      set_bad_file (error, reader->file, "header has over %d member names of one hash value (a crafted file?)",
                    MAX_COLLIDING_MEMBERS);
      return FALSE;
    }
  g_hash_table_insert (names->hash_counts, hash, GUINT_TO_POINTER (n_same));
  return g_hash_table_add (names->names, (char *) name) || fail_duplicate (reader, name, error);
}

/* The members of a tensor object, as bits; by index in tensor_members. */
typedef enum {
  TENSOR_DTYPE = 1 << 0,
  TENSOR_SHAPE = 1 << 1,
  TENSOR_OFFSETS = 1 << 2,
} TensorMember;

static const char *const tensor_members[] = { "dtype", "shape", "data_offsets" };

#define DTYPE_PROBLEM "tensor %s has no \"dtype\" string"
#define SHAPE_PROBLEM "tensor %s \"shape\" is not an array of at most %d non-negative integers"
#define OFFSETS_PROBLEM "tensor %s \"data_offsets\" is not two non-negative integers"

/* A tensor as its members are read. */
typedef struct {
  EadTensorView view;
  gint64 offsets[2];
  guint seen;   /* TensorMember bits */
} TensorEntry;

static gboolean
read_dtype (HeaderReader *reader, const char *shown, EadDtype *dtype, GError **error)
{
  if (!value_fits (read_string_value (reader, error), reader, error, DTYPE_PROBLEM, shown))
    return FALSE;
  if (!dtype_from_string (reader->string->str, dtype))
    {
      g_autofree char *shown_dtype = ead_quote_untrusted (reader->string->str);
      set_bad_file (error, reader->file, "tensor %s has unsupported dtype %s", shown, shown_dtype);
      return FALSE;
    }
  return TRUE;
}

/* Reads the value of the member named in reader->string. The format has no
 * members but the three, so others are refused rather than skipped: a file
 * with them is no safetensors file, and skipping would need a reader of any
 * JSON, however nested, which this one is not. */
static gboolean
read_tensor_member (HeaderReader *reader, const char *shown, TensorEntry *entry, GError **error)
{
  TensorMember member = 0;
  int n_offsets;

  for (guint i = 0; i < G_N_ELEMENTS (tensor_members); i++)
    {
      if (strcmp (reader->string->str, tensor_members[i]) == 0)
        member = 1 << i;
    }
  if (member == 0)
    {
      g_autofree char *shown_member = ead_quote_untrusted (reader->string->str);
      set_bad_file (error, reader->file, "tensor %s has member %s, which safetensors does not define",
                    shown, shown_member);
      return FALSE;
    }
  if (entry->seen & member)
    return fail_duplicate (reader, reader->string->str, error);
  entry->seen |= member;

  switch (member)
    {
    case TENSOR_DTYPE:
      return read_dtype (reader, shown, &entry->view.dtype, error);
    case TENSOR_SHAPE:
      return value_fits (read_counts (reader, 0, EAD_TENSOR_MAX_DIMS, entry->view.shape, &entry->view.n_dims, error),
                         reader, error, SHAPE_PROBLEM, shown, EAD_TENSOR_MAX_DIMS);
    case TENSOR_OFFSETS:
      return value_fits (read_counts (reader, 2, 2, entry->offsets, &n_offsets, error),
                         reader, error, OFFSETS_PROBLEM, shown);
    }
  g_assert_not_reached ();
}

/* Once its object is read: all three members there, offsets inside the
 * buffer, and as many bytes between them as the dtype and shape want. */
static gboolean
check_tensor (const HeaderReader *reader, const char *shown, TensorEntry *entry, gsize buffer_size, GError **error)
{
  const gint64 *offsets = entry->offsets;
  guint64 n_bytes;

  if (!(entry->seen & TENSOR_DTYPE))
    set_bad_file (error, reader->file, DTYPE_PROBLEM, shown);
  else if (!(entry->seen & TENSOR_SHAPE))
    set_bad_file (error, reader->file, SHAPE_PROBLEM, shown, EAD_TENSOR_MAX_DIMS);
  else if (!(entry->seen & TENSOR_OFFSETS))
    set_bad_file (error, reader->file, OFFSETS_PROBLEM, shown);
  if (entry->seen != (TENSOR_DTYPE | TENSOR_SHAPE | TENSOR_OFFSETS))
    return FALSE;
  if (offsets[0] > offsets[1] || (guint64) offsets[1] > buffer_size)
    {
      set_bad_file (error, reader->file,
                    "tensor %s data_offsets [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] out of range (buffer of %" G_GSIZE_FORMAT " bytes)",
                    shown, offsets[0], offsets[1], buffer_size);
      return FALSE;
    }
  if (!compute_n_bytes (entry->view.dtype, entry->view.n_dims, entry->view.shape, &n_bytes)
      || n_bytes != (guint64) (offsets[1] - offsets[0]))
    {
      g_autofree char *shape = format_shape (entry->view.n_dims, entry->view.shape);
      set_bad_file (error, reader->file, "tensor %s has %" G_GINT64_FORMAT " bytes, which does not fit shape %s of %s",
                    shown, offsets[1] - offsets[0], shape, dtype_info[entry->view.dtype].name);
      return FALSE;
    }
  entry->view.n_bytes = n_bytes;
  return TRUE;
}

/* Reads the value of tensor @name, which lives as long as @st. */
static gboolean
read_tensor (HeaderReader *reader, EadSafetensors *st, const char *name,
             const guint8 *buffer, gsize buffer_size, GError **error)
{
  g_autofree char *shown = ead_quote_untrusted (name);
  TensorEntry entry = { .view.name = name };
  Step step;

  if (!value_fits (open_value (reader, '{', error), reader, error, "tensor %s is not a JSON object", shown))
    return FALSE;
  for (guint i = 0; (step = next_member (reader, i, error)) == STEP_NEXT; i++)
    {
      if (!read_tensor_member (reader, shown, &entry, error))
        return FALSE;
    }
  if (step == STEP_FAILED || !check_tensor (reader, shown, &entry, buffer_size, error))
    return FALSE;
  entry.view.data = buffer + entry.offsets[0];
  g_array_append_val (st->tensors, entry.view);
  return TRUE;
}

static gboolean
read_metadata_value (HeaderReader *reader, EadSafetensors *st, char *key, GError **error)
{
  g_autofree char *shown = ead_quote_untrusted (key);

  if (!value_fits (read_string_value (reader, error), reader, error, "metadata %s is not a string", shown))
    return FALSE;
  g_hash_table_insert (st->metadata, key, g_string_chunk_insert (st->strings, reader->string->str));
  g_ptr_array_add (st->metadata_keys, key);
  return TRUE;
}

static gboolean
read_metadata (HeaderReader *reader, EadSafetensors *st, GError **error)
{
  g_auto (MemberNames) keys = { 0 };
  Step step;

  if (!value_fits (open_value (reader, '{', error), reader, error, "\"%s\" is not a JSON object", METADATA_KEY))
    return FALSE;
  member_names_init (&keys);
  for (guint i = 0; (step = next_member (reader, i, error)) == STEP_NEXT; i++)
    {
      char *key = g_string_chunk_insert (st->strings, reader->string->str);

      if (!member_names_add (&keys, key, reader, error) || !read_metadata_value (reader, st, key, error))
        return FALSE;
    }
  return step == STEP_END;
}

/* Reads the whole header into @st's tensors (in file order) and metadata. */
static gboolean
read_header (HeaderReader *reader, EadSafetensors *st, const guint8 *buffer, gsize buffer_size, GError **error)
{
  g_auto (MemberNames) names = { 0 };
  Step step;

  skip_space (reader);
  if (peek (reader) != '{')
    {
      set_bad_file (error, reader->file, "header is not a JSON object");
      return FALSE;
    }
  reader->pos++;
  member_names_init (&names);
  for (guint i = 0; (step = next_member (reader, i, error)) == STEP_NEXT; i++)
    {
      char *name = g_string_chunk_insert (st->strings, reader->string->str);
      gboolean is_metadata = strcmp (name, METADATA_KEY) == 0;

      if (!member_names_add (&names, name, reader, error)
          || !(is_metadata ? read_metadata (reader, st, error)
                           : read_tensor (reader, st, name, buffer, buffer_size, error)))
        return FALSE;
    }
  if (step == STEP_FAILED)
    return FALSE;
  skip_space (reader);
  if (reader->pos < reader->length)
    {
      set_bad_file (error, reader->file, "header has text after its JSON object");
      return FALSE;
    }
  return TRUE;
}

static int
compare_views_by_offset (gconstpointer a, gconstpointer b)
{
  const EadTensorView *view_a = a;
  const EadTensorView *view_b = b;
  const guint8 *data_a = view_a->data;
  const guint8 *data_b = view_b->data;

  if (data_a != data_b)
    return data_a < data_b ? -1 : 1;
  /* Empty tensors first, so that they do not look like overlaps. */
  return (view_a->n_bytes > view_b->n_bytes) - (view_a->n_bytes < view_b->n_bytes);
}

/* The format wants the byte buffer indexed entirely, without holes (so no
 * second file can hide in it); expects the tensors sorted by offset. */
static gboolean
check_buffer_coverage (EadSafetensors *st, const guint8 *buffer, gsize buffer_size, GError **error)
{
  const guint8 *expected = buffer;

  for (guint i = 0; i < st->tensors->len; i++)
    {
      const EadTensorView *view = &g_array_index (st->tensors, EadTensorView, i);
      const guint8 *data = view->data;
      g_autofree char *shown = ead_quote_untrusted (view->name);

      if (data < expected)
        {
          g_autofree char *previous = ead_quote_untrusted (g_array_index (st->tensors, EadTensorView, i - 1).name);
          set_bad_file (error, st->display_name, "tensors %s and %s overlap", previous, shown);
          return FALSE;
        }
      if (data > expected)
        {
          set_bad_file (error, st->display_name, "%" G_GSIZE_FORMAT " bytes before tensor %s belong to no tensor",
                        (gsize) (data - expected), shown);
          return FALSE;
        }
      expected = data + view->n_bytes;
    }
  if (expected != buffer + buffer_size)
    {
      set_bad_file (error, st->display_name, "the last %" G_GSIZE_FORMAT " bytes belong to no tensor",
                    (gsize) (buffer + buffer_size - expected));
      return FALSE;
    }
  return TRUE;
}

static void
index_tensors (EadSafetensors *st)
{
  for (guint i = 0; i < st->tensors->len; i++)
    {
      EadTensorView *view = &g_array_index (st->tensors, EadTensorView, i);
      g_hash_table_insert (st->by_name, (char *) view->name, view);
    }
}

/* Takes @bytes. */
static EadSafetensors *
parse_bytes (GBytes *bytes, const char *display_name, GError **error)
{
  g_autoptr(EadSafetensors) st = g_new0 (EadSafetensors, 1);
  g_auto(HeaderReader) reader = { .file = display_name, .string = g_string_new (NULL) };
  const guint8 *buffer;
  gsize buffer_size;
  gsize size;
  const guint8 *data;

  st->display_name = g_strdup (display_name);
  st->bytes = bytes;
  st->strings = g_string_chunk_new (256);
  st->tensors = g_array_new (FALSE, FALSE, sizeof (EadTensorView));
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata_keys = g_ptr_array_new ();

  data = g_bytes_get_data (bytes, &size);
  if (!split_file (data, size, display_name, &reader.text, &reader.length, &buffer, &buffer_size, error)
      || !read_header (&reader, st, buffer, buffer_size, error))
    return NULL;
  g_ptr_array_add (st->metadata_keys, NULL);

  g_array_sort (st->tensors, compare_views_by_offset);
  if (!check_buffer_coverage (st, buffer, buffer_size, error))
    return NULL;
  index_tensors (st);
  return g_steal_pointer (&st);
}

static GBytes *
read_whole (const char *path, const char *display_name, GError **error)
{
  g_autoptr(GError) read_error = NULL;
  char *contents = NULL;
  gsize size;

  if (!g_file_get_contents (path, &contents, &size, &read_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s: cannot read: %s", display_name, read_error->message);
      return NULL;
    }
  return g_bytes_new_take (contents, size);
}

static GBytes *
map_whole (const char *path, const char *display_name, GError **error)
{
  g_autoptr(GError) map_error = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &map_error);

  if (mapped == NULL)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s: cannot read: %s", display_name, map_error->message);
      return NULL;
    }
  return g_mapped_file_get_bytes (mapped);
}

typedef GBytes *(*LoadFunc) (const char *path, const char *display_name, GError **error);

static EadSafetensors *
load_and_parse (const char *path, LoadFunc load, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autofree char *display_name = g_filename_display_name (path);
  GBytes *bytes = load (path, display_name, error);
  return bytes ? parse_bytes (bytes, display_name, error) : NULL;
}

EadSafetensors *
ead_safetensors_open (const char *path, GError **error)
{
  return load_and_parse (path, read_whole, error);
}

EadSafetensors *
ead_safetensors_map (const char *path, GError **error)
{
  return load_and_parse (path, map_whole, error);
}

EadSafetensors *
ead_safetensors_new_from_data (const guint8 *data, gsize size, GError **error)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_bytes (g_bytes_new (data, size), MEMORY_DISPLAY_NAME, error);
}

guint
ead_safetensors_get_n_tensors (const EadSafetensors *st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->tensors->len;
}

const EadTensorView *
ead_safetensors_get_tensor (const EadSafetensors *st, guint index)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (index < st->tensors->len, NULL);
  return &g_array_index (st->tensors, EadTensorView, index);
}

const EadTensorView *
ead_safetensors_find (const EadSafetensors *st, const char *name)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (st->by_name, name);
}

const char *
ead_safetensors_get_metadata (const EadSafetensors *st, const char *key)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (st->metadata, key);
}

const char *const *
ead_safetensors_get_metadata_keys (const EadSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);
  return (const char *const *) st->metadata_keys->pdata;
}

/* IEEE 754 binary16: 1 sign, 5 exponent (bias 15) and 10 mantissa bits. */
static float
half_to_float (guint16 half)
{
  guint32 sign = (guint32) (half & 0x8000) << 16;
  guint32 exponent = (half >> 10) & 0x1f;
  guint32 mantissa = half & 0x3ff;
  guint32 bits;
  float value;

  if (exponent == 0)
    {
      /* Zero or subnormal: mantissa × 2^-24, exact in float32. */
      value = ldexpf ((float) mantissa, -24);
      return sign ? -value : value;
    }
  if (exponent == 0x1f)
    bits = sign | 0x7f800000 | (mantissa << 13);   /* inf, or nan keeping its payload */
  else
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  memcpy (&value, &bits, sizeof value);
  return value;
}

/* bfloat16 is the upper half of a float32. */
float
ead_bfloat16_to_float (guint16 bfloat)
{
  guint32 bits = (guint32) bfloat << 16;
  float value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

static guint16
read_le16 (const guint8 *bytes)
{
  return bytes[0] | (bytes[1] << 8);
}

static gboolean
shape_equals (const EadTensorView *view, int n_dims, const gint64 *shape)
{
  if (view->n_dims != n_dims)
    return FALSE;
  for (int i = 0; i < n_dims; i++)
    {
      if (view->shape[i] != shape[i])
        return FALSE;
    }
  return TRUE;
}

gboolean
ead_safetensors_read_f32 (const EadSafetensors *st, const char *name,
                          int n_dims, const gint64 *shape,
                          float *out, GError **error)
{
  const EadTensorView *view;
  const guint8 *data;
  gsize n_values;

  g_return_val_if_fail (st != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (n_dims >= 0 && n_dims <= EAD_TENSOR_MAX_DIMS, FALSE);
  g_return_val_if_fail (shape != NULL || n_dims == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autofree char *shown = ead_quote_untrusted (name);
  view = ead_safetensors_find (st, name);
  if (view == NULL)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE, "%s: no tensor %s", st->display_name, shown);
      return FALSE;
    }
  if (!shape_equals (view, n_dims, shape))
    {
      g_autofree char *actual = format_shape (view->n_dims, view->shape);
      g_autofree char *expected = format_shape (n_dims, shape);
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE, "%s: tensor %s has shape %s, expected %s",
                   st->display_name, shown, actual, expected);
      return FALSE;
    }

  data = view->data;
  n_values = view->n_bytes / dtype_info[view->dtype].size;
  switch (view->dtype)
    {
    case EAD_DTYPE_F32:
      memcpy (out, data, view->n_bytes);
      return TRUE;
    case EAD_DTYPE_F16:
      for (gsize i = 0; i < n_values; i++)
        out[i] = half_to_float (read_le16 (data + 2 * i));
      return TRUE;
    case EAD_DTYPE_BF16:
      for (gsize i = 0; i < n_values; i++)
        out[i] = ead_bfloat16_to_float (read_le16 (data + 2 * i));
      return TRUE;
    default:
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE, "%s: tensor %s has dtype %s, expected F32, F16 or BF16",
                   st->display_name, shown, dtype_info[view->dtype].name);
      return FALSE;
    }
}

/* ---- Writing ---- */

typedef struct {
  char *name;
  EadDtype dtype;
  int n_dims;
  gint64 shape[EAD_TENSOR_MAX_DIMS];
  GBytes *data;
} WriterEntry;

struct _EadSafetensorsWriter {
  GArray *entries;          /* WriterEntry, in the order added */
  GHashTable *names;        /* set of the entries' names */
  GPtrArray *metadata_keys; /* in the order first set */
  GHashTable *metadata;     /* key in metadata_keys → value */
};

static void
writer_entry_clear (gpointer data)
{
  WriterEntry *entry = data;

  g_free (entry->name);
  g_bytes_unref (entry->data);
}

EadSafetensorsWriter *
ead_safetensors_writer_new (void)
{
  EadSafetensorsWriter *writer = g_new0 (EadSafetensorsWriter, 1);

  writer->entries = g_array_new (FALSE, FALSE, sizeof (WriterEntry));
  g_array_set_clear_func (writer->entries, writer_entry_clear);
  writer->names = g_hash_table_new (g_str_hash, g_str_equal);
  writer->metadata_keys = g_ptr_array_new_with_free_func (g_free);
  writer->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  return writer;
}

void
ead_safetensors_writer_free (EadSafetensorsWriter *writer)
{
  if (writer == NULL)
    return;
  g_hash_table_unref (writer->names);
  g_array_unref (writer->entries);
  g_hash_table_unref (writer->metadata);
  g_ptr_array_unref (writer->metadata_keys);
  g_free (writer);
}

void
ead_safetensors_writer_add (EadSafetensorsWriter *writer, const char *name,
                            EadDtype dtype, int n_dims, const gint64 *shape,
                            const void *data, gsize n_bytes)
{
  WriterEntry entry = { 0 };
  guint64 expected_n_bytes;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (name != NULL && g_utf8_validate (name, -1, NULL));
  g_return_if_fail (strcmp (name, METADATA_KEY) != 0);
  g_return_if_fail (!g_hash_table_contains (writer->names, name));
  g_return_if_fail (dtype_is_valid (dtype));
  g_return_if_fail (n_dims >= 0 && n_dims <= EAD_TENSOR_MAX_DIMS);
  g_return_if_fail (shape != NULL || n_dims == 0);
  g_return_if_fail (compute_n_bytes (dtype, n_dims, shape, &expected_n_bytes) && expected_n_bytes == n_bytes);
  g_return_if_fail (data != NULL || n_bytes == 0);

  entry.name = g_strdup (name);
  entry.dtype = dtype;
  entry.n_dims = n_dims;
  if (n_dims > 0)
    memcpy (entry.shape, shape, n_dims * sizeof *shape);
  entry.data = g_bytes_new (data, n_bytes);
  g_array_append_val (writer->entries, entry);
  g_hash_table_add (writer->names, entry.name);
}

void
ead_safetensors_writer_set_metadata (EadSafetensorsWriter *writer,
                                     const char *key, const char *value)
{
  char *stored_key;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (key != NULL && g_utf8_validate (key, -1, NULL));
  g_return_if_fail (value != NULL && g_utf8_validate (value, -1, NULL));

  /* A key set again keeps its place. */
  if (!g_hash_table_lookup_extended (writer->metadata, key, (gpointer *) &stored_key, NULL))
    {
      stored_key = g_strdup (key);
      g_ptr_array_add (writer->metadata_keys, stored_key);
    }
  g_hash_table_insert (writer->metadata, stored_key, g_strdup (value));
}

/* @text as a JSON string: the quote, the backslash and control characters
 * (DEL too) escaped, everything else as it is. */
static void
append_json_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      const char *escaped = *p != '/' ? strchr (escaped_chars, *p) : NULL;
      guchar c = *p;

      if (escaped)
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, escape_letters[escaped - escaped_chars]);
        }
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* A member's name and its ':', after a ',' unless it opens the object. */
static void
append_member_name (GString *out, const char *name)
{
  if (out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  append_json_string (out, name);
  g_string_append_c (out, ':');
}

static void
append_tensor (GString *out, const WriterEntry *entry, guint64 begin, guint64 end)
{
  const gint64 offsets[] = { begin, end };

  append_member_name (out, entry->name);
  g_string_append_c (out, '{');
  append_member_name (out, tensor_members[0]);
  append_json_string (out, dtype_info[entry->dtype].name);
  append_member_name (out, tensor_members[1]);
  append_counts (out, entry->n_dims, entry->shape, ",");
  append_member_name (out, tensor_members[2]);
  append_counts (out, 2, offsets, ",");
  g_string_append_c (out, '}');
}

static char *
build_header (EadSafetensorsWriter *writer, gsize *length)
{
  GString *header = g_string_new ("{");
  guint64 offset = 0;

  if (writer->metadata_keys->len > 0)
    {
      append_member_name (header, METADATA_KEY);
      g_string_append_c (header, '{');
      for (guint i = 0; i < writer->metadata_keys->len; i++)
        {
          const char *key = writer->metadata_keys->pdata[i];

          append_member_name (header, key);
          append_json_string (header, g_hash_table_lookup (writer->metadata, key));
        }
      g_string_append_c (header, '}');
    }
  for (guint i = 0; i < writer->entries->len; i++)
    {
      const WriterEntry *entry = &g_array_index (writer->entries, WriterEntry, i);
      guint64 end = offset + g_bytes_get_size (entry->data);

      append_tensor (header, entry, offset, end);
      offset = end;
    }
  g_string_append_c (header, '}');
  *length = header->len;
  return g_string_free (header, FALSE);
}

GBytes *
ead_safetensors_writer_to_bytes (EadSafetensorsWriter *writer)
{
  g_autofree char *header = NULL;
  gsize header_length;
  gsize padded_length;
  guint64 length_le;
  GByteArray *out;

  g_return_val_if_fail (writer != NULL, NULL);

  header = build_header (writer, &header_length);
  /* Keeps the byte buffer 8-byte aligned in the file. */
  padded_length = (header_length + 7) & ~(gsize) 7;
  length_le = GUINT64_TO_LE ((guint64) padded_length);

  out = g_byte_array_new ();
  g_byte_array_append (out, (const guint8 *) &length_le, sizeof length_le);
  g_byte_array_append (out, (const guint8 *) header, header_length);
  for (gsize i = header_length; i < padded_length; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);
  for (guint i = 0; i < writer->entries->len; i++)
    {
      GBytes *data = g_array_index (writer->entries, WriterEntry, i).data;
      g_byte_array_append (out, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
    }
  return g_byte_array_free_to_bytes (out);
}

static gboolean
write_all (int fd, GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  while (size > 0)
    {
      gssize written = write (fd, data, size);

      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += written;
      size -= written;
    }
  return TRUE;
}

static gboolean
set_io_error (GError **error, const char *path, int saved_errno)
{
  g_autofree char *display_name = g_filename_display_name (path);

  g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s: cannot write: %s", display_name, g_strerror (saved_errno));
  return FALSE;
}

gboolean
ead_safetensors_writer_save (EadSafetensorsWriter *writer, const char *path, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *tmp_path = NULL;
  int saved_errno;
  int fd;

  g_return_val_if_fail (writer != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = ead_safetensors_writer_to_bytes (writer);
  /* Beside the target, so that the rename stays on one file system. */
  tmp_path = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    return set_io_error (error, path, errno);

  if (!write_all (fd, bytes) || fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (tmp_path);
      return set_io_error (error, path, saved_errno);
    }
  if (close (fd) != 0 || g_rename (tmp_path, path) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp_path);
      return set_io_error (error, path, saved_errno);
    }
  return TRUE;
}

/* ead-safetensors.c: reading and writing the safetensors format. */
#include "ead-safetensors.h"

#include "ead-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

/* Tensor views point straight into the file, whose data is little-endian. */
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "ead-safetensors reads tensors in place and needs a little-endian host"
#endif

#define HEADER_LENGTH_SIZE 8
#define MAX_HEADER_LENGTH (100 * 1024 * 1024)
/* A valid header nests three deep; the limit only guards json-glib's recursion. */
#define MAX_HEADER_DEPTH 32
/* Far more tensors than any file of the engine holds; with the cap on names
 * of one hash value, it bounds json-glib's hash tables' worst case. */
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

static char *
format_shape (int n_dims, const gint64 *shape)
{
  GString *text = g_string_new ("[");

  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? ", " : "", shape[i]);
  g_string_append_c (text, ']');
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

static void set_bad_file (GError **error, const char *file, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
set_bad_file (GError **error, const char *file, const char *format, ...)
{
  va_list args;
  g_autofree char *reason = NULL;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: %s", file, reason);
}

static gboolean
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Besides strings and brackets, JSON has only separators, numbers, true, false
 * and null. */
static gboolean
is_json_token_char (char c)
{
  return is_json_space (c) || (c != '\0' && strchr (",:-+.0123456789Eabcdefghijklmnopqrstuvwxyz", c) != NULL);
}

/* The members of one open object of the header. json-glib keeps them in a
 * GHashTable keyed by g_str_hash, whose values a crafted header can make
 * collide, turning each insertion into a walk over all the earlier ones; so
 * the scan counts the members sharing each value, and caps the members. */
typedef struct {
  guint n_members;
  GHashTable *hash_counts;   /* g_str_hash value -> members with it */
  GHashTable *names;         /* decoded names, to refuse duplicates */
} HeaderObject;

typedef struct {
  const char *text;
  gsize length;
  gsize pos;
  int depth;                                     /* open objects and arrays */
  HeaderObject objects[MAX_HEADER_DEPTH + 1];    /* by depth; no tables for arrays */
  gboolean expect_name;                          /* a string here names a member */
  GString *string;                               /* the last string, decoded */
} HeaderScan;

static void
header_scan_clear (HeaderScan *scan)
{
  for (int d = 0; d <= MAX_HEADER_DEPTH; d++)
    {
      g_clear_pointer (&scan->objects[d].hash_counts, g_hash_table_unref);
      g_clear_pointer (&scan->objects[d].names, g_hash_table_unref);
    }
  g_string_free (scan->string, TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HeaderScan, header_scan_clear)

static gboolean
read_hex4 (HeaderScan *scan, gunichar *value)
{
  if (scan->length - scan->pos < 4)
    return FALSE;
  *value = 0;
  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (scan->text[scan->pos++]);
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
decode_unicode_escape (HeaderScan *scan)
{
  gunichar unit, low;

  if (!read_hex4 (scan, &unit) || unit == 0 || (unit >= 0xdc00 && unit < 0xe000))
    return FALSE;
  if (unit >= 0xd800 && unit < 0xdc00)
    {
      if (scan->length - scan->pos < 2 || scan->text[scan->pos] != '\\' || scan->text[scan->pos + 1] != 'u')
        return FALSE;
      scan->pos += 2;
      if (!read_hex4 (scan, &low) || low < 0xdc00 || low >= 0xe000)
        return FALSE;
      unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
    }
  g_string_append_unichar (scan->string, unit);
  return TRUE;
}

static gboolean
decode_escape (HeaderScan *scan)
{
  static const char escaped[] = "\"\\/bfnrt";
  static const char meant[] = "\"\\/\b\f\n\r\t";

  if (scan->pos >= scan->length)
    return FALSE;
  char c = scan->text[scan->pos++];
  const char *simple = c != '\0' ? strchr (escaped, c) : NULL;
  if (simple)
    {
      g_string_append_c (scan->string, meant[simple - escaped]);
      return TRUE;
    }
  return c == 'u' && decode_unicode_escape (scan);
}

/* Decodes the string whose opening quote was just read into scan->string,
 * leaving pos past its closing quote. */
static gboolean
decode_string (HeaderScan *scan)
{
  g_string_truncate (scan->string, 0);
  while (scan->pos < scan->length)
    {
      char c = scan->text[scan->pos++];
      if (c == '"')
        return TRUE;
      if (c != '\\')
        g_string_append_c (scan->string, c);
      else if (!decode_escape (scan))
        return FALSE;
    }
  return FALSE;
}

static gboolean
add_member_name (HeaderScan *scan, const char *file, GError **error)
{
  HeaderObject *object = &scan->objects[scan->depth];
  const char *name = scan->string->str;
  gpointer hash = GUINT_TO_POINTER (g_str_hash (name));
  guint n_same = GPOINTER_TO_UINT (g_hash_table_lookup (object->hash_counts, hash)) + 1;

  if (++object->n_members > MAX_HEADER_MEMBERS)
    {
      set_bad_file (error, file, "header has an object of more than %d members", MAX_HEADER_MEMBERS);
      return FALSE;
    }
  if (n_same > MAX_COLLIDING_MEMBERS)
    {
      set_bad_file (error, file, "header has over %d member names of one hash value (a crafted file?)",
                    MAX_COLLIDING_MEMBERS);
      return FALSE;
    }
  g_hash_table_insert (object->hash_counts, hash, GUINT_TO_POINTER (n_same));
  if (!g_hash_table_add (object->names, g_strdup (name)))
    {
      g_autofree char *shown = ead_quote_untrusted (name);
      set_bad_file (error, file, "header names %s twice", shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_container (HeaderScan *scan, gboolean is_object)
{
  if (scan->depth == MAX_HEADER_DEPTH)
    return FALSE;
  HeaderObject *object = &scan->objects[++scan->depth];
  object->n_members = 0;
  if (is_object)
    {
      object->hash_counts = g_hash_table_new (g_direct_hash, g_direct_equal);
      object->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  scan->expect_name = is_object;
  return TRUE;
}

static void
close_container (HeaderScan *scan)
{
  HeaderObject *object = &scan->objects[scan->depth--];

  g_clear_pointer (&object->hash_counts, g_hash_table_unref);
  g_clear_pointer (&object->names, g_hash_table_unref);
  scan->expect_name = FALSE;
}

static gboolean
in_object (const HeaderScan *scan)
{
  return scan->objects[scan->depth].names != NULL;
}

/* json-glib parses recursively and also accepts comments, single quotes,
 * duplicate names and text after the top-level value. So before it sees the
 * header, check that outside strings there are only strict JSON tokens (else
 * this scan could misjudge what is a string), one object, bounded nesting,
 * and member names that are unique and will not collide in its tables. */
static gboolean
check_header_syntax (const char *text, gsize length, const char *file, GError **error)
{
  g_auto (HeaderScan) scan = { .text = text, .length = length, .string = g_string_new (NULL) };
  gboolean seen_object = FALSE;
  const char *problem = NULL;

  while (scan.pos < length && !problem)
    {
      char c = text[scan.pos++];

      if (scan.depth == 0)
        {
          if (is_json_space (c))
            continue;
          if (seen_object)
            problem = "header has text after its JSON object";
          else if (c != '{')
            problem = "header is not a JSON object";
          seen_object = TRUE;
        }
      if (problem)
        break;
      switch (c)
        {
        case '"':
          if (!decode_string (&scan))
            problem = "header has an unterminated string or an invalid escape";
          else if (scan.expect_name && !add_member_name (&scan, file, error))
            return FALSE;
          scan.expect_name = FALSE;
          break;
        case '{':
        case '[':
          if (!open_container (&scan, c == '{'))
            problem = "header JSON is nested too deeply";
          break;
        case '}':
        case ']':
          close_container (&scan);
          break;
        case ',':
          scan.expect_name = in_object (&scan);
          break;
        default:
          if (!is_json_token_char (c))
            problem = "header is not strict JSON";
        }
    }
  if (!problem && !seen_object)
    problem = "header is not a JSON object";
  if (problem)
    {
      set_bad_file (error, file, "%s", problem);
      return FALSE;
    }
  return TRUE;
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

static JsonObject *
parse_header (const char *header, gsize length, const char *file, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) json_error = NULL;

  /* Also rejects NUL bytes, which would cut names short. */
  if (!g_utf8_validate_len (header, length, NULL))
    {
      set_bad_file (error, file, "header is not valid UTF-8 text");
      return NULL;
    }
  if (!check_header_syntax (header, length, file, error))
    return NULL;
  if (!json_parser_load_from_data (parser, header, length, &json_error))
    {
      /* json-glib's message quotes the offending text, over two lines. */
      g_autofree char *reason = ead_quote_untrusted (json_error->message);
      set_bad_file (error, file, "header is not valid JSON: %s", reason);
      return NULL;
    }
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gboolean
node_holds_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* Reads a JSON array of at most @max_values non-negative integers. json-glib
 * turns integers beyond gint64 into negative ones, so those fail too. */
static gboolean
read_counts (JsonNode *node, int max_values, gint64 *values, int *n_values)
{
  JsonArray *array;
  guint length;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  length = json_array_get_length (array);
  if (length > (guint) max_values)
    return FALSE;
  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
        return FALSE;
      values[i] = json_node_get_int (element);
      if (values[i] < 0)
        return FALSE;
    }
  *n_values = length;
  return TRUE;
}

static gboolean
parse_tensor (EadSafetensors *st, const char *name, JsonNode *node,
              const guint8 *buffer, gsize buffer_size, GError **error)
{
  g_autofree char *shown = ead_quote_untrusted (name);
  EadTensorView view = { 0 };
  JsonObject *entry;
  JsonNode *dtype_node;
  gint64 offsets[2];
  int n_offsets;
  guint64 n_bytes;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_bad_file (error, st->display_name, "tensor %s is not a JSON object", shown);
      return FALSE;
    }
  entry = json_node_get_object (node);

  dtype_node = json_object_get_member (entry, "dtype");
  if (dtype_node == NULL || !node_holds_string (dtype_node))
    {
      set_bad_file (error, st->display_name, "tensor %s has no \"dtype\" string", shown);
      return FALSE;
    }
  if (!dtype_from_string (json_node_get_string (dtype_node), &view.dtype))
    {
      g_autofree char *dtype = ead_quote_untrusted (json_node_get_string (dtype_node));
      set_bad_file (error, st->display_name, "tensor %s has unsupported dtype %s", shown, dtype);
      return FALSE;
    }

  if (!read_counts (json_object_get_member (entry, "shape"), EAD_TENSOR_MAX_DIMS, view.shape, &view.n_dims))
    {
      set_bad_file (error, st->display_name,
                    "tensor %s \"shape\" is not an array of at most %d non-negative integers",
                    shown, EAD_TENSOR_MAX_DIMS);
      return FALSE;
    }

  if (!read_counts (json_object_get_member (entry, "data_offsets"), 2, offsets, &n_offsets) || n_offsets != 2)
    {
      set_bad_file (error, st->display_name, "tensor %s \"data_offsets\" is not two non-negative integers", shown);
      return FALSE;
    }
  if (offsets[0] > offsets[1] || (guint64) offsets[1] > buffer_size)
    {
      set_bad_file (error, st->display_name,
                    "tensor %s data_offsets [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] out of range (buffer of %" G_GSIZE_FORMAT " bytes)",
                    shown, offsets[0], offsets[1], buffer_size);
      return FALSE;
    }

  if (!compute_n_bytes (view.dtype, view.n_dims, view.shape, &n_bytes) || n_bytes != (guint64) (offsets[1] - offsets[0]))
    {
      g_autofree char *shape = format_shape (view.n_dims, view.shape);
      set_bad_file (error, st->display_name,
                    "tensor %s has %" G_GINT64_FORMAT " bytes, which does not fit shape %s of %s",
                    shown, offsets[1] - offsets[0], shape, dtype_info[view.dtype].name);
      return FALSE;
    }

  view.name = g_string_chunk_insert (st->strings, name);
  view.data = buffer + offsets[0];
  view.n_bytes = n_bytes;
  g_array_append_val (st->tensors, view);
  return TRUE;
}

static gboolean
parse_metadata (EadSafetensors *st, JsonNode *node, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_bad_file (error, st->display_name, "\"%s\" is not a JSON object", METADATA_KEY);
      return FALSE;
    }
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      char *stored_key;

      if (!node_holds_string (value))
        {
          g_autofree char *shown = ead_quote_untrusted (key);
          set_bad_file (error, st->display_name, "metadata %s is not a string", shown);
          return FALSE;
        }
      stored_key = g_string_chunk_insert (st->strings, key);
      g_hash_table_insert (st->metadata, stored_key,
                           g_string_chunk_insert (st->strings, json_node_get_string (value)));
      g_ptr_array_add (st->metadata_keys, stored_key);
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
  g_autoptr(JsonObject) header_object = NULL;
  const char *header;
  gsize header_length;
  const guint8 *buffer;
  gsize buffer_size;
  gsize size;
  const guint8 *data;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  st->display_name = g_strdup (display_name);
  st->bytes = bytes;
  st->strings = g_string_chunk_new (256);
  st->tensors = g_array_new (FALSE, FALSE, sizeof (EadTensorView));
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata_keys = g_ptr_array_new ();

  data = g_bytes_get_data (bytes, &size);
  if (!split_file (data, size, display_name, &header, &header_length, &buffer, &buffer_size, error))
    return NULL;
  header_object = parse_header (header, header_length, display_name, error);
  if (header_object == NULL)
    return NULL;

  json_object_iter_init_ordered (&iter, header_object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      gboolean ok = strcmp (name, METADATA_KEY) == 0
        ? parse_metadata (st, node, error)
        : parse_tensor (st, name, node, buffer, buffer_size, error);
      if (!ok)
        return NULL;
    }
  g_ptr_array_add (st->metadata_keys, NULL);

  g_array_sort (st->tensors, compare_views_by_offset);
  if (!check_buffer_coverage (st, buffer, buffer_size, error))
    return NULL;
  index_tensors (st);
  return g_steal_pointer (&st);
}

EadSafetensors *
ead_safetensors_open (const char *path, GError **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) map_error = NULL;
  g_autofree char *display_name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display_name = g_filename_display_name (path);
  mapped = g_mapped_file_new (path, FALSE, &map_error);
  if (mapped == NULL)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s: cannot read: %s", display_name, map_error->message);
      return NULL;
    }
  return parse_bytes (g_mapped_file_get_bytes (mapped), display_name, error);
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
  GArray *entries;      /* WriterEntry, in the order added */
  GHashTable *names;    /* set of the entries' names */
  JsonObject *metadata; /* NULL until a key is set */
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
  return writer;
}

void
ead_safetensors_writer_free (EadSafetensorsWriter *writer)
{
  if (writer == NULL)
    return;
  g_hash_table_unref (writer->names);
  g_array_unref (writer->entries);
  g_clear_pointer (&writer->metadata, json_object_unref);
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
  g_return_if_fail (writer != NULL);
  g_return_if_fail (key != NULL && g_utf8_validate (key, -1, NULL));
  g_return_if_fail (value != NULL && g_utf8_validate (value, -1, NULL));

  if (writer->metadata == NULL)
    writer->metadata = json_object_new ();
  json_object_set_string_member (writer->metadata, key, value);
}

static void
add_tensor_entry (JsonBuilder *builder, const WriterEntry *entry, guint64 begin, guint64 end)
{
  json_builder_set_member_name (builder, entry->name);
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "dtype");
  json_builder_add_string_value (builder, dtype_info[entry->dtype].name);

  json_builder_set_member_name (builder, "shape");
  json_builder_begin_array (builder);
  for (int i = 0; i < entry->n_dims; i++)
    json_builder_add_int_value (builder, entry->shape[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "data_offsets");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, begin);
  json_builder_add_int_value (builder, end);
  json_builder_end_array (builder);

  json_builder_end_object (builder);
}

static char *
build_header (EadSafetensorsWriter *writer, gsize *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  guint64 offset = 0;

  json_builder_begin_object (builder);
  if (writer->metadata != NULL)
    {
      JsonNode *metadata = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (metadata, writer->metadata);
      json_builder_set_member_name (builder, METADATA_KEY);
      json_builder_add_value (builder, metadata);
    }
  for (guint i = 0; i < writer->entries->len; i++)
    {
      const WriterEntry *entry = &g_array_index (writer->entries, WriterEntry, i);
      guint64 end = offset + g_bytes_get_size (entry->data);

      add_tensor_entry (builder, entry, offset, end);
      offset = end;
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, length);
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

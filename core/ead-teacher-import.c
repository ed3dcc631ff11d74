/* ead-teacher-import.c: format detection, name mapping and shape checks.
 *
 * Both containers end up as a safetensors reader: a safetensors file is one,
 * and the tensors of a torch archive that the checks select are copied
 * (contiguous, in their stored dtype) into one in memory. The float32
 * conversion and the finiteness check then read from it alike. */

#include "ead-teacher-import.h"

#include <math.h>
#include <string.h>

#include "ead-error.h"
#include "ead-model.h"
#include "ead-pickle.h"
#include "ead-torch.h"
#include "ead-zip.h"

/* torch.save's format before PyTorch 1.6: a pickle that starts with
 * PROTO 2 and the LONG1 magic number 0x1950a86a20f9469cfc6c
 * (MAGIC_NUMBER in torch/serialization.py). */
static const guint8 legacy_magic[] = {
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
};
/* A zip archive starts with a local file header (APPNOTE.TXT 4.3.7). */
static const guint8 zip_magic[] = { 'P', 'K', 0x03, 0x04 };

/* The image size only sizes the autoencoder; the PDN's weights do not
 * depend on it. */
#define LAYOUT_IMAGE_SIZE 256

typedef enum {
  NAMING_REFERENCE,   /* nn.Sequential indices: "0.weight", "3.bias" */
  NAMING_ANOMALIB,    /* module attributes: "conv1.weight", "conv2.bias" */
} Naming;

typedef enum {
  CONTAINER_TORCH,
  CONTAINER_SAFETENSORS,
} Container;

static const char *const source_formats[2][2] = {
  [CONTAINER_TORCH] = {
    [NAMING_REFERENCE] = "PyTorch state_dict (torch.save), reference names",
    [NAMING_ANOMALIB] = "PyTorch state_dict (torch.save), anomalib names",
  },
  [CONTAINER_SAFETENSORS] = {
    [NAMING_REFERENCE] = "safetensors, reference names",
    [NAMING_ANOMALIB] = "safetensors, anomalib names",
  },
};

/* A name of the file, parsed. */
typedef struct {
  Naming naming;
  guint number;         /* the Sequential index, or N of convN */
  const char *kind;     /* "weight" or "bias" */
} ParsedName;

/* One teacher tensor of our PDN, as the shim names and shapes it. */
typedef struct {
  char *name;           /* "0.weight", without "teacher." */
  guint index;          /* in the nn.Sequential */
  guint conv;           /* 1 for the first convolution, ... */
  const char *kind;     /* "weight" or "bias", pointing into name */
  int n_dims;
  gint64 shape[4];
  gsize n_elements;
} Layer;

/* A tensor of the file: what the checks need to know. */
typedef struct {
  const char *name;
  int n_dims;
  const gint64 *shape;
} Source;

static void
layer_free (gpointer data)
{
  Layer *layer = data;

  g_free (layer->name);
  g_free (layer);
}

static char *
format_shape (int n_dims, const gint64 *shape)
{
  GString *text = g_string_new ("[");

  for (int d = 0; d < n_dims; d++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

static gboolean
parse_number (const char *text, const char *end, guint *number)
{
  if (end == text || end - text > 3 || (end - text > 1 && text[0] == '0'))
    return FALSE;
  *number = 0;
  for (const char *p = text; p < end; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      *number = *number * 10 + (*p - '0');
    }
  return TRUE;
}

/* "<n>.weight", "<n>.bias", "conv<n>.weight" or "conv<n>.bias". */
static gboolean
parse_name (const char *name, ParsedName *parsed)
{
  const char *dot = strchr (name, '.');

  if (!dot || (!g_str_equal (dot + 1, "weight") && !g_str_equal (dot + 1, "bias")))
    return FALSE;
  parsed->kind = dot + 1;
  parsed->naming = g_str_has_prefix (name, "conv") ? NAMING_ANOMALIB : NAMING_REFERENCE;
  const char *digits = parsed->naming == NAMING_ANOMALIB ? name + strlen ("conv") : name;
  return parse_number (digits, dot, &parsed->number);
}

/* ---- Our PDN's teacher tensors ---- */

static GPtrArray *
read_layers (EadModelSize size, GError **error)
{
  EadNets *nets = ead_nets_new (size, LAYOUT_IMAGE_SIZE, error);
  if (!nets)
    return NULL;
  GPtrArray *layers = g_ptr_array_new_with_free_func (layer_free);
  for (guint i = 0; i < ead_nets_get_n_tensors (nets); i++)
    {
      const char *name = ead_nets_get_tensor_name (nets, i);
      if (!g_str_has_prefix (name, "teacher."))
        continue;
      Layer *layer = g_new0 (Layer, 1);
      ParsedName parsed;
      layer->name = g_strdup (name + strlen ("teacher."));
      gboolean is_layer_name = parse_name (layer->name, &parsed);
      g_assert (is_layer_name && parsed.naming == NAMING_REFERENCE);
      layer->index = parsed.number;
      layer->kind = parsed.kind;
      const Layer *previous = layers->len ? layers->pdata[layers->len - 1] : NULL;
      layer->conv = !previous ? 1 : previous->index == layer->index ? previous->conv : previous->conv + 1;
      layer->n_dims = ead_nets_get_tensor_shape (nets, i, layer->shape);
      layer->n_elements = ead_nets_get_tensor_n_elements (nets, i);
      g_ptr_array_add (layers, layer);
    }
  ead_nets_free (nets);
  return layers;
}

/* The teacher tensors of a PDN of @size, in order; made once per size. */
static const GPtrArray *
teacher_layers (EadModelSize size, GError **error)
{
  static GMutex lock;
  static GPtrArray *cache[2];
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&lock);

  if (!cache[size])
    cache[size] = read_layers (size, error);
  return cache[size];
}

/* The index in @layers of the layer @parsed names, or -1. */
static int
find_layer (const GPtrArray *layers, const ParsedName *parsed)
{
  for (guint i = 0; i < layers->len; i++)
    {
      const Layer *layer = layers->pdata[i];
      guint number = parsed->naming == NAMING_ANOMALIB ? layer->conv : layer->index;
      if (number == parsed->number && g_str_equal (layer->kind, parsed->kind))
        return i;
    }
  return -1;
}

/* ---- Selecting and checking the file's tensors ---- */

/* A whole model's state_dict keeps the teacher under a prefix. */
static const char *
choose_prefix (const Source *sources, guint n)
{
  const char *prefixes[] = { "model.teacher.", "teacher." };

  for (gsize p = 0; p < G_N_ELEMENTS (prefixes); p++)
    for (guint i = 0; i < n; i++)
      if (g_str_has_prefix (sources[i].name, prefixes[p]))
        return prefixes[p];
  return "";
}

/* The result of matching the file's names to a PDN: for each layer, the
 * file's tensor. */
typedef struct {
  EadModelSize size;
  Naming naming;
  const GPtrArray *layers;
  guint *source_of_layer;
} Match;

static void
match_clear (Match *match)
{
  g_free (match->source_of_layer);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Match, match_clear)

/* Parses the selected names, requiring one naming throughout, and guesses
 * the size from the highest layer: only PDN-M has Sequential index 10 and 12
 * or conv5 and conv6. */
static gboolean
parse_names (const Source *sources, guint n, const char *prefix, const char *display_name,
             ParsedName *parsed, Naming *naming, EadModelSize *guessed, GError **error)
{
  guint n_selected = 0, highest = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_str_has_prefix (sources[i].name, prefix))
        continue;
      const char *name = sources[i].name + strlen (prefix);
      if (!parse_name (name, &parsed[i]))
        {
          g_autofree char *shown = ead_quote_untrusted (sources[i].name);
          g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                       "%s: tensor %s is not a layer of a PDN teacher", display_name, shown);
          return FALSE;
        }
      if (n_selected++ == 0)
        *naming = parsed[i].naming;
      else if (parsed[i].naming != *naming)
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                       "%s: tensor names mix the reference's (0.weight) and anomalib's (conv1.weight)",
                       display_name);
          return FALSE;
        }
      highest = MAX (highest, parsed[i].number);
    }
  if (n_selected == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE, "%s: holds no tensors", display_name);
      return FALSE;
    }
  *guessed = highest > (*naming == NAMING_ANOMALIB ? 4 : 8) ? EAD_MODEL_MEDIUM : EAD_MODEL_SMALL;
  return TRUE;
}

static char *
file_name_of_layer (const Layer *layer, Naming naming, const char *prefix)
{
  if (naming == NAMING_ANOMALIB)
    return g_strdup_printf ("%sconv%u.%s", prefix, layer->conv, layer->kind);
  return g_strconcat (prefix, layer->name, NULL);
}

static gboolean
check_shape (const Source *source, const Layer *layer, EadModelSize size,
             const char *display_name, GError **error)
{
  if (source->n_dims == layer->n_dims
      && memcmp (source->shape, layer->shape, layer->n_dims * sizeof (gint64)) == 0)
    return TRUE;
  g_autofree char *found = format_shape (source->n_dims, source->shape);
  g_autofree char *needed = format_shape (layer->n_dims, layer->shape);
  g_autofree char *shown = ead_quote_untrusted (source->name);
  g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE, "%s: tensor %s has shape %s; a %s teacher needs %s",
               display_name, shown, found, ead_model_size_to_string (size), needed);
  return FALSE;
}

/* Maps every selected tensor to a layer of a PDN of @size and every layer
 * to one tensor, with the layer's shape. */
static gboolean
match_layers (const Source *sources, guint n, const ParsedName *parsed, const char *prefix,
              const char *display_name, Match *match, GError **error)
{
  const char *size_name = ead_model_size_to_string (match->size);

  match->source_of_layer = g_new (guint, match->layers->len);
  for (guint l = 0; l < match->layers->len; l++)
    match->source_of_layer[l] = G_MAXUINT;
  for (guint i = 0; i < n; i++)
    {
      if (!g_str_has_prefix (sources[i].name, prefix))
        continue;
      int l = find_layer (match->layers, &parsed[i]);
      if (l < 0)
        {
          g_autofree char *shown = ead_quote_untrusted (sources[i].name);
          g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                       "%s: tensor %s is not a layer of a %s teacher", display_name, shown, size_name);
          return FALSE;
        }
      match->source_of_layer[l] = i;
    }
  /* Missing layers first: they say more than shapes when the size is wrong. */
  for (guint l = 0; l < match->layers->len; l++)
    if (match->source_of_layer[l] == G_MAXUINT)
      {
        g_autofree char *wanted = file_name_of_layer (match->layers->pdata[l], match->naming, prefix);
        g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                     "%s: no tensor '%s' for a %s teacher (is it a teacher of another size?)",
                     display_name, wanted, size_name);
        return FALSE;
      }
  for (guint l = 0; l < match->layers->len; l++)
    if (!check_shape (&sources[match->source_of_layer[l]], match->layers->pdata[l], match->size,
                      display_name, error))
      return FALSE;
  return TRUE;
}

static gboolean
match_sources (const Source *sources, guint n, const EadModelSize *size, const char *display_name,
               Match *match, GError **error)
{
  const char *prefix = choose_prefix (sources, n);
  g_autofree ParsedName *parsed = g_new0 (ParsedName, n);
  EadModelSize guessed;

  if (!parse_names (sources, n, prefix, display_name, parsed, &match->naming, &guessed, error))
    return FALSE;
  match->size = size ? *size : guessed;
  match->layers = teacher_layers (match->size, error);
  return match->layers && match_layers (sources, n, parsed, prefix, display_name, match, error);
}

/* ---- Writing the teacher ---- */

/* Reads layer @l from @st (tensor @name there), checks its values and adds
 * it to @out as float32. */
static gboolean
add_layer (EadSafetensorsWriter *out, const EadSafetensors *st, const char *name,
           const Layer *layer, const char *display_name, GError **error)
{
  g_autofree float *values = g_new (float, layer->n_elements);
  g_autoptr (GError) local_error = NULL;

  if (!ead_safetensors_read_f32 (st, name, layer->n_dims, layer->shape, values, &local_error))
    {
      g_set_error (error, EAD_ERROR, local_error->code, "%s: %s", display_name, local_error->message);
      return FALSE;
    }
  for (gsize i = 0; i < layer->n_elements; i++)
    if (!isfinite (values[i]))
      {
        g_autofree char *shown = ead_quote_untrusted (name);
        g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: tensor %s holds a non-finite value",
                     display_name, shown);
        return FALSE;
      }
  g_autofree char *out_name = g_strconcat ("teacher.", layer->name, NULL);
  ead_safetensors_writer_add (out, out_name, EAD_DTYPE_F32, layer->n_dims, layer->shape,
                              values, layer->n_elements * sizeof (float));
  return TRUE;
}

/* @names[l]: the name of layer l's tensor in @st. */
static EadSafetensorsWriter *
write_teacher (const EadSafetensors *st, const char *const *names, const Match *match,
               Container container, GBytes *bytes, const char *display_name,
               EadTeacherImportInfo *info, GError **error)
{
  g_autoptr (EadSafetensorsWriter) out = ead_safetensors_writer_new ();
  gsize n_parameters = 0;

  for (guint l = 0; l < match->layers->len; l++)
    {
      const Layer *layer = match->layers->pdata[l];
      if (!add_layer (out, st, names[l], layer, display_name, error))
        return NULL;
      n_parameters += layer->n_elements;
    }

  const char *source_format = source_formats[container][match->naming];
  g_autofree char *base_name = g_path_get_basename (display_name);
  g_autofree char *checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  ead_safetensors_writer_set_metadata (out, "format", EAD_TEACHER_FORMAT);
  ead_safetensors_writer_set_metadata (out, "model_size", ead_model_size_to_string (match->size));
  ead_safetensors_writer_set_metadata (out, "source", base_name);
  ead_safetensors_writer_set_metadata (out, "source_format", source_format);
  ead_safetensors_writer_set_metadata (out, "source_sha256", checksum);
  if (info)
    *info = (EadTeacherImportInfo) {
      .size = match->size,
      .source_format = source_format,
      .n_tensors = match->layers->len,
      .n_parameters = n_parameters,
    };
  return g_steal_pointer (&out);
}

/* ---- safetensors files ---- */

static EadSafetensorsWriter *
import_safetensors (GBytes *bytes, const char *display_name, const EadModelSize *size,
                    EadTeacherImportInfo *info, GError **error)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (EadSafetensors) st = ead_safetensors_new_from_data (data, length, &local_error);

  if (!st)
    {
      g_set_error (error, EAD_ERROR, local_error->code, "%s: %s", display_name, local_error->message);
      return NULL;
    }
  guint n = ead_safetensors_get_n_tensors (st);
  g_autofree Source *sources = g_new0 (Source, n);
  for (guint i = 0; i < n; i++)
    {
      const EadTensorView *view = ead_safetensors_get_tensor (st, i);
      sources[i] = (Source) { view->name, view->n_dims, view->shape };
    }
  g_auto (Match) match = { 0 };
  if (!match_sources (sources, n, size, display_name, &match, error))
    return NULL;
  g_autofree const char **names = g_new0 (const char *, match.layers->len + 1);
  for (guint l = 0; l < match.layers->len; l++)
    names[l] = sources[match.source_of_layer[l]].name;
  return write_teacher (st, names, &match, CONTAINER_SAFETENSORS, bytes, display_name, info, error);
}

/* ---- torch.save archives ---- */

/* The archive's folder ("teacher_small/"): the one entry "<folder>/data.pkl". */
static char *
find_archive_folder (const EadZip *zip, const char *display_name, GError **error)
{
  g_autofree char *folder = NULL;

  for (guint i = 0; i < ead_zip_get_n_entries (zip); i++)
    {
      const char *name = ead_zip_get_name (zip, i);
      const char *slash = strchr (name, '/');
      if (!slash || !g_str_equal (slash + 1, "data.pkl"))
        continue;
      if (folder)
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: more than one data.pkl", display_name);
          return NULL;
        }
      folder = g_strndup (name, slash - name + 1);
    }
  if (!folder)
    g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                 "%s: a zip archive without <name>/data.pkl is not a torch.save file", display_name);
  return g_steal_pointer (&folder);
}

/* Newer torch versions record the byte order; storages are read as
 * little-endian. */
static gboolean
check_byte_order (const EadZip *zip, const char *folder, const char *display_name, GError **error)
{
  g_autofree char *name = g_strconcat (folder, "byteorder", NULL);

  if (!ead_zip_contains (zip, name))
    return TRUE;
  g_autoptr (GBytes) order = ead_zip_read (zip, name, error);
  if (!order)
    return FALSE;
  gsize length;
  const char *text = g_bytes_get_data (order, &length);
  if (length == strlen ("little") && memcmp (text, "little", length) == 0)
    return TRUE;
  g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE, "%s: storages are not little-endian", display_name);
  return FALSE;
}

static GBytes *
read_storage (const EadZip *zip, const char *folder, const EadPickleTensor *t,
              GHashTable *storages, const char *display_name, GError **error)
{
  GBytes *storage = g_hash_table_lookup (storages, t->storage_key);
  if (storage)
    return storage;

  g_autofree char *name = g_strconcat (folder, "data/", t->storage_key, NULL);
  storage = ead_zip_read (zip, name, error);
  if (!storage)
    return NULL;
  gsize element_size = ead_dtype_size (t->dtype);
  if ((guint64) t->storage_numel > G_MAXSIZE / element_size
      || g_bytes_get_size (storage) != (gsize) t->storage_numel * element_size)
    {
      g_autofree char *shown = ead_quote_untrusted (t->storage_key);
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: storage %s holds %" G_GSIZE_FORMAT " bytes, not %" G_GINT64_FORMAT " %s elements",
                   display_name, shown, g_bytes_get_size (storage), t->storage_numel,
                   ead_dtype_to_string (t->dtype));
      g_bytes_unref (storage);
      return NULL;
    }
  g_hash_table_insert (storages, t->storage_key, storage);
  return storage;
}

/* Copies the strided view @t of @storage into a contiguous buffer. The
 * pickle reader has checked that the view lies inside the storage's
 * elements, and read_storage that the storage holds them all. */
static guint8 *
gather (const EadPickleTensor *t, GBytes *storage, gsize n_elements)
{
  const guint8 *source = g_bytes_get_data (storage, NULL);
  gsize element_size = ead_dtype_size (t->dtype);
  guint8 *out = g_malloc (MAX (n_elements * element_size, 1));
  gint64 index[EAD_TENSOR_MAX_DIMS] = { 0 };
  gint64 position = t->offset;

  for (gsize i = 0; i < n_elements; i++)
    {
      memcpy (out + i * element_size, source + position * element_size, element_size);
      for (int d = t->n_dims - 1; d >= 0; d--)
        {
          if (++index[d] < t->shape[d])
            {
              position += t->stride[d];
              break;
            }
          position -= (t->shape[d] - 1) * t->stride[d];
          index[d] = 0;
        }
    }
  return out;
}

/* The selected tensors, contiguous and named as the layers, in memory. */
static EadSafetensors *
selected_to_safetensors (const EadZip *zip, const char *folder, GPtrArray *tensors,
                         const Match *match, const char *display_name, GError **error)
{
  g_autoptr (GHashTable) storages = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) g_bytes_unref);
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();

  for (guint l = 0; l < match->layers->len; l++)
    {
      const Layer *layer = match->layers->pdata[l];
      const EadPickleTensor *t = tensors->pdata[match->source_of_layer[l]];
      GBytes *storage = read_storage (zip, folder, t, storages, display_name, error);
      if (!storage)
        return NULL;
      g_autofree guint8 *data = gather (t, storage, layer->n_elements);
      ead_safetensors_writer_add (writer, layer->name, t->dtype, t->n_dims, t->shape, data,
                                  layer->n_elements * ead_dtype_size (t->dtype));
    }
  g_autoptr (GBytes) bytes = ead_safetensors_writer_to_bytes (writer);
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  return ead_safetensors_new_from_data (data, size, error);
}

static EadSafetensorsWriter *
import_torch (GBytes *bytes, const char *display_name, const EadModelSize *size,
              EadTeacherImportInfo *info, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (EadZip) zip = ead_zip_new (bytes, &local_error);
  if (!zip)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: %s", display_name, local_error->message);
      return NULL;
    }
  g_autofree char *folder = find_archive_folder (zip, display_name, error);
  if (!folder || !check_byte_order (zip, folder, display_name, error))
    return NULL;
  g_autofree char *pickle_name = g_strconcat (folder, "data.pkl", NULL);
  g_autoptr (GBytes) pickle = ead_zip_read (zip, pickle_name, &local_error);
  g_autoptr (GPtrArray) tensors = NULL;
  if (pickle)
    tensors = ead_pickle_read_state_dict (g_bytes_get_data (pickle, NULL), g_bytes_get_size (pickle),
                                          &local_error);
  if (!tensors)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: %s", display_name, local_error->message);
      return NULL;
    }

  g_autofree Source *sources = g_new0 (Source, MAX (tensors->len, 1));
  for (guint i = 0; i < tensors->len; i++)
    {
      const EadPickleTensor *t = tensors->pdata[i];
      sources[i] = (Source) { t->name, t->n_dims, t->shape };
    }
  g_auto (Match) match = { 0 };
  if (!match_sources (sources, tensors->len, size, display_name, &match, error))
    return NULL;
  g_autoptr (EadSafetensors) st = selected_to_safetensors (zip, folder, tensors, &match, display_name, error);
  if (!st)
    return NULL;
  g_autofree const char **names = g_new0 (const char *, match.layers->len + 1);
  for (guint l = 0; l < match.layers->len; l++)
    names[l] = ((const Layer *) match.layers->pdata[l])->name;
  return write_teacher (st, names, &match, CONTAINER_TORCH, bytes, display_name, info, error);
}

/* ---- Entry points ---- */

static gboolean
starts_with (const guint8 *data, gsize size, const guint8 *prefix, gsize length)
{
  return size >= length && memcmp (data, prefix, length) == 0;
}

EadSafetensorsWriter *
ead_teacher_import (GBytes *bytes, const char *display_name, const EadModelSize *size,
                    EadTeacherImportInfo *info, GError **error)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  if (starts_with (data, length, zip_magic, sizeof zip_magic))
    return import_torch (bytes, display_name, size, info, error);
  if (starts_with (data, length, legacy_magic, sizeof legacy_magic))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "%s: written by torch.save before PyTorch 1.6 (legacy format); load it in Python "
                   "and save it again with a current torch.save", display_name);
      return NULL;
    }
  /* safetensors: an 8-byte header length, then a JSON object. */
  if (length > 8 && data[8] == '{')
    return import_safetensors (bytes, display_name, size, info, error);
  g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
               "%s: neither a PyTorch .pth (zip) nor a safetensors file", display_name);
  return NULL;
}

gboolean
ead_teacher_import_file (const char *path, const char *output, const EadModelSize *size,
                         EadTeacherImportInfo *info, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *display_name = g_filename_display_name (path);
  char *contents = NULL;
  gsize length;

  /* Read rather than mapped: a file shrinking under a mapping raises SIGBUS. */
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s: cannot read: %s", display_name, local_error->message);
      return FALSE;
    }
  g_autoptr (GBytes) bytes = g_bytes_new_take (contents, length);
  g_autoptr (EadSafetensorsWriter) writer = ead_teacher_import (bytes, display_name, size, info, error);
  return writer && ead_safetensors_writer_save (writer, output, error);
}

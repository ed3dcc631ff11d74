/* ead-model.c: the model, its safetensors file, and teacher import. */

#include "ead-model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ead-error.h"
#include "ead-tiles.h"
#include "ead-torch.h"

struct _EadModel {
  EadNets *nets;
  gboolean calibrated;
  EadQuantiles quantiles;
  double local_weight;
  gboolean has_threshold;
  double threshold;
  EadRoi *roi;              /* NULL: the whole image */
  int tiles;                /* per side; 1: the whole image at once */
  GHashTable *provenance;   /* char * -> char * */
};

/* Metadata keys with a meaning of their own, and those of a training
 * checkpoint's state (CHECKPOINT_PREFIX...); every other key is provenance. */
static const char *const reserved_keys[] = {
  "format", "format_version", "model_size", "image_size",
  "quantile_st_start", "quantile_st_end", "quantile_ae_start", "quantile_ae_end",
  "threshold", "local_weight", "roi", "tiles",
};

/* The file's tensor of the region of interest, its metadata "roi" the
 * source. */
#define ROI_TENSOR "roi"
#define ROI_KEY "roi"
/* The version of a file with neither a region nor a fusion weight, and of
 * one with either of them but untiled. */
#define FORMAT_VERSION_PLAIN 1
#define FORMAT_VERSION_UNTILED 2

#define CHECKPOINT_PREFIX "checkpoint_"

static gboolean
is_reserved_key (const char *key)
{
  if (g_str_has_prefix (key, CHECKPOINT_PREFIX))
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (reserved_keys); i++)
    if (g_str_equal (key, reserved_keys[i]))
      return TRUE;
  return FALSE;
}

const char *
ead_model_size_to_string (EadModelSize size)
{
  return size == EAD_MODEL_MEDIUM ? "medium" : "small";
}

gboolean
ead_model_size_from_string (const char *text, EadModelSize *size)
{
  if (g_str_equal (text, "small") || g_str_equal (text, "s"))
    *size = EAD_MODEL_SMALL;
  else if (g_str_equal (text, "medium") || g_str_equal (text, "m"))
    *size = EAD_MODEL_MEDIUM;
  else
    return FALSE;
  return TRUE;
}

static EadModel *
model_wrap (EadNets *nets)
{
  EadModel *model = g_new0 (EadModel, 1);
  model->nets = nets;
  model->local_weight = EAD_DEFAULT_LOCAL_WEIGHT;
  model->tiles = 1;
  model->provenance = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return model;
}

EadModel *
ead_model_new (EadModelSize size, int image_size, GError **error)
{
  EadNets *nets = ead_nets_new (size, image_size, error);
  return nets ? model_wrap (nets) : NULL;
}

void
ead_model_free (EadModel *model)
{
  if (!model)
    return;
  ead_nets_free (model->nets);
  ead_roi_free (model->roi);
  g_hash_table_unref (model->provenance);
  g_free (model);
}

EadNets *
ead_model_get_nets (EadModel *model)
{
  return model->nets;
}

EadModelSize
ead_model_get_size (const EadModel *model)
{
  return ead_nets_get_size (model->nets);
}

int
ead_model_get_image_size (const EadModel *model)
{
  return ead_nets_get_image_size (model->nets);
}

int
ead_model_get_tiles (const EadModel *model)
{
  return model->tiles;
}

void
ead_model_set_tiles (EadModel *model, int tiles)
{
  g_return_if_fail (tiles >= 1 && tiles <= EAD_TILES_MAX);

  /* Quantiles and threshold were measured on the other maps. */
  if (tiles != model->tiles)
    model->calibrated = model->has_threshold = FALSE;
  model->tiles = tiles;
}

int
ead_model_get_resolution (const EadModel *model)
{
  return ead_tiles_resolution (ead_model_get_image_size (model), model->tiles);
}

gboolean
ead_model_is_calibrated (const EadModel *model)
{
  return model->calibrated;
}

const EadQuantiles *
ead_model_get_quantiles (const EadModel *model)
{
  return &model->quantiles;
}

static gboolean
quantile_gap_is_usable (double start, double end)
{
  return end - start > 1e-6 * MAX (1.0, MAX (fabs (start), fabs (end)));
}

gboolean
ead_quantiles_are_usable (const EadQuantiles *q)
{
  return quantile_gap_is_usable (q->st_start, q->st_end)
         && quantile_gap_is_usable (q->ae_start, q->ae_end);
}

void
ead_model_set_quantiles (EadModel *model, const EadQuantiles *quantiles)
{
  model->quantiles = *quantiles;
  model->calibrated = TRUE;
}

double
ead_model_get_local_weight (const EadModel *model)
{
  return model->local_weight;
}

void
ead_model_set_local_weight (EadModel *model, double weight)
{
  g_return_if_fail (weight >= 0.0 && weight <= 1.0);
  if (weight != model->local_weight)
    model->has_threshold = FALSE;
  model->local_weight = weight;
}

gboolean
ead_model_has_threshold (const EadModel *model)
{
  return model->has_threshold;
}

double
ead_model_get_threshold (const EadModel *model)
{
  return model->threshold;
}

void
ead_model_set_threshold (EadModel *model, double threshold)
{
  model->threshold = threshold;
  model->has_threshold = TRUE;
}

void
ead_model_clear_threshold (EadModel *model)
{
  model->has_threshold = FALSE;
}

void
ead_model_set_roi (EadModel *model, const EadRoi *roi)
{
  g_clear_pointer (&model->roi, ead_roi_free);
  model->roi = roi ? ead_roi_copy (roi) : NULL;
}

const EadRoi *
ead_model_get_roi (const EadModel *model)
{
  return model->roi;
}

void
ead_model_set_provenance (EadModel *model, const char *key, const char *value)
{
  g_return_if_fail (!is_reserved_key (key));
  g_hash_table_replace (model->provenance, g_strdup (key), g_strdup (value));
}

const char *
ead_model_get_provenance (const EadModel *model, const char *key)
{
  return g_hash_table_lookup (model->provenance, key);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

const char **
ead_model_get_provenance_keys (const EadModel *model)
{
  guint n;
  const char **keys = (const char **) g_hash_table_get_keys_as_array (model->provenance, &n);
  qsort (keys, n, sizeof *keys, compare_strings);
  return keys;
}

/* ---- Writing ---- */

static void
set_double_metadata (EadSafetensorsWriter *writer, const char *key, double value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  /* g_ascii_dtostr writes the shortest text that reads back exactly. */
  ead_safetensors_writer_set_metadata (writer, key, g_ascii_dtostr (text, sizeof text, value));
}

gboolean
ead_model_write_to (EadModel *model, EadSafetensorsWriter *writer, GError **error)
{
  EadNets *nets = model->nets;
  for (guint i = 0; i < ead_nets_get_n_tensors (nets); i++)
    {
      gint64 shape[4];
      int n_dims = ead_nets_get_tensor_shape (nets, i, shape);
      gsize n = ead_nets_get_tensor_n_elements (nets, i);
      g_autofree float *values = g_new (float, n);
      if (!ead_nets_read_tensor (nets, i, values, error))
        return FALSE;
      ead_safetensors_writer_add (writer, ead_nets_get_tensor_name (nets, i), EAD_DTYPE_F32,
                                  n_dims, shape, values, n * sizeof (float));
    }

  if (model->roi)
    {
      const gint64 shape[2] = { model->roi->height, model->roi->width };
      ead_safetensors_writer_add (writer, ROI_TENSOR, EAD_DTYPE_U8, 2, shape, model->roi->mask,
                                  (gsize) model->roi->width * model->roi->height);
      ead_safetensors_writer_set_metadata (writer, ROI_KEY, model->roi->source);
    }

  const gboolean default_fusion = model->local_weight == EAD_DEFAULT_LOCAL_WEIGHT;
  const int version_number = model->tiles > 1 ? EAD_MODEL_FORMAT_VERSION
                             : model->roi || !default_fusion ? FORMAT_VERSION_UNTILED
                                                             : FORMAT_VERSION_PLAIN;
  g_autofree char *version = g_strdup_printf ("%d", version_number);
  g_autofree char *image_size = g_strdup_printf ("%d", ead_model_get_image_size (model));
  ead_safetensors_writer_set_metadata (writer, "format", EAD_MODEL_FORMAT);
  ead_safetensors_writer_set_metadata (writer, "format_version", version);
  ead_safetensors_writer_set_metadata (writer, "model_size",
                                       ead_model_size_to_string (ead_model_get_size (model)));
  ead_safetensors_writer_set_metadata (writer, "image_size", image_size);
  if (model->calibrated)
    {
      set_double_metadata (writer, "quantile_st_start", model->quantiles.st_start);
      set_double_metadata (writer, "quantile_st_end", model->quantiles.st_end);
      set_double_metadata (writer, "quantile_ae_start", model->quantiles.ae_start);
      set_double_metadata (writer, "quantile_ae_end", model->quantiles.ae_end);
    }
  if (!default_fusion)
    set_double_metadata (writer, "local_weight", model->local_weight);
  if (model->tiles > 1)
    {
      g_autofree char *tiles = g_strdup_printf ("%d", model->tiles);
      ead_safetensors_writer_set_metadata (writer, "tiles", tiles);
    }
  if (model->has_threshold)
    set_double_metadata (writer, "threshold", model->threshold);

  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, model->provenance);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ead_safetensors_writer_set_metadata (writer, key, value);
  return TRUE;
}

gboolean
ead_model_save (EadModel *model, const char *path, GError **error)
{
  g_autoptr (EadSafetensorsWriter) writer = ead_safetensors_writer_new ();
  if (!ead_model_write_to (model, writer, error))
    return FALSE;
  return ead_safetensors_writer_save (writer, path, error);
}

/* ---- Reading ---- */

static gboolean
parse_finite_double (const char *text, double *value)
{
  char *end = NULL;
  if (!text || !*text)
    return FALSE;
  *value = g_ascii_strtod (text, &end);
  return *end == '\0' && isfinite (*value);
}

/* A metadata value from the file, for a message. */
static char *
quote_metadata (const char *value)
{
  return value ? ead_quote_untrusted (value) : g_strdup ("(missing)");
}

static gboolean
read_optional_double (const EadSafetensors *st, const char *name, const char *key,
                      gboolean *present, double *value, GError **error)
{
  const char *text = ead_safetensors_get_metadata (st, key);
  *present = text != NULL;
  if (text && !parse_finite_double (text, value))
    {
      g_autofree char *shown = quote_metadata (text);
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: metadata '%s' is not a finite number: %s", name, key, shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_header (const EadSafetensors *st, const char *name, EadModelSize *size, int *image_size,
             GError **error)
{
  const char *format = ead_safetensors_get_metadata (st, "format");
  if (g_strcmp0 (format, EAD_MODEL_FORMAT) != 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: not an EfficientAD model (safetensors without format '%s')",
                   name, EAD_MODEL_FORMAT);
      return FALSE;
    }
  const char *version = ead_safetensors_get_metadata (st, "format_version");
  gint64 version_number = 0;
  if (!version || !g_ascii_string_to_signed (version, 10, 1, G_MAXINT, &version_number, NULL))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: missing or invalid format_version", name);
      return FALSE;
    }
  if (version_number > EAD_MODEL_FORMAT_VERSION)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                   "%s: model format version %" G_GINT64_FORMAT " is newer than this program "
                   "understands (%d); update efficientad", name, version_number,
                   EAD_MODEL_FORMAT_VERSION);
      return FALSE;
    }
  const char *size_text = ead_safetensors_get_metadata (st, "model_size");
  if (!size_text || !ead_model_size_from_string (size_text, size))
    {
      g_autofree char *shown = quote_metadata (size_text);
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: unknown model_size %s", name, shown);
      return FALSE;
    }
  const char *size_value = ead_safetensors_get_metadata (st, "image_size");
  gint64 side = 0;
  if (!size_value || !g_ascii_string_to_signed (size_value, 10, 0, 65536, &side, NULL)
      || ead_nets_output_size ((int) side) == 0)
    {
      g_autofree char *shown = quote_metadata (size_value);
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: unsupported image_size %s", name, shown);
      return FALSE;
    }
  *image_size = (int) side;
  return TRUE;
}

/* Fills tensor @index of @nets from the file's @file_tensor_name, which must
 * have the same shape and hold only finite values. */
static gboolean
fill_tensor (EadNets *nets, guint index, const EadSafetensors *st, const char *file_name,
             const char *file_tensor_name, GError **error)
{
  gint64 shape[4];
  int n_dims = ead_nets_get_tensor_shape (nets, index, shape);
  gsize n = ead_nets_get_tensor_n_elements (nets, index);
  g_autofree float *values = g_new (float, n);
  g_autoptr (GError) local_error = NULL;
  if (!ead_safetensors_read_f32 (st, file_tensor_name, n_dims, shape, values, &local_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: %s", file_name, local_error->message);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    if (!isfinite (values[i]))
      {
        g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: tensor '%s' holds a non-finite value",
                     file_name, file_tensor_name);
        return FALSE;
      }
  return ead_nets_write_tensor (nets, index, values, error);
}

static gboolean
read_calibration (EadModel *model, const EadSafetensors *st, const char *name, GError **error)
{
  const char *keys[] = { "quantile_st_start", "quantile_st_end", "quantile_ae_start", "quantile_ae_end" };
  double *targets[] = { &model->quantiles.st_start, &model->quantiles.st_end,
                        &model->quantiles.ae_start, &model->quantiles.ae_end };
  guint n_present = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gboolean present;
      if (!read_optional_double (st, name, keys[i], &present, targets[i], error))
        return FALSE;
      n_present += present;
    }
  if (n_present != 0 && n_present != G_N_ELEMENTS (keys))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: incomplete map quantiles", name);
      return FALSE;
    }
  model->calibrated = n_present != 0;
  if (model->calibrated && !ead_quantiles_are_usable (&model->quantiles))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: map quantiles are not increasing (the 0.995 quantile is not above "
                   "the 0.9 quantile)", name);
      return FALSE;
    }
  return read_optional_double (st, name, "threshold", &model->has_threshold, &model->threshold, error);
}

static gboolean
read_local_weight (EadModel *model, const EadSafetensors *st, const char *name, GError **error)
{
  gboolean present;
  if (!read_optional_double (st, name, "local_weight", &present, &model->local_weight, error))
    return FALSE;
  if (!present)
    model->local_weight = EAD_DEFAULT_LOCAL_WEIGHT;
  else if (!(model->local_weight >= 0.0 && model->local_weight <= 1.0))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: local_weight %g is outside [0, 1]", name, model->local_weight);
      return FALSE;
    }
  return TRUE;
}

/* The tiling, which only a version 3 file may have, and which must not
 * ask for images larger than EAD_TILES_MAX_RESOLUTION. Read before the
 * calibration, which it would otherwise clear. */
static gboolean
read_tiles (EadModel *model, const EadSafetensors *st, const char *name, GError **error)
{
  const char *text = ead_safetensors_get_metadata (st, "tiles");
  gint64 tiles = 1, version = 0;
  g_ascii_string_to_signed (ead_safetensors_get_metadata (st, "format_version"), 10, 1,
                            G_MAXINT, &version, NULL);
  if (text && (!g_ascii_string_to_signed (text, 10, 1, EAD_TILES_MAX, &tiles, NULL)
               || (tiles > 1 && version < EAD_MODEL_FORMAT_VERSION)))
    {
      g_autofree char *shown = quote_metadata (text);
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: metadata 'tiles' is not a whole number from 1 to %d in a version %d "
                   "file: %s", name, EAD_TILES_MAX, EAD_MODEL_FORMAT_VERSION, shown);
      return FALSE;
    }
  const int resolution = ead_tiles_resolution (ead_model_get_image_size (model), (int) tiles);
  if (resolution > EAD_TILES_MAX_RESOLUTION)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " tiles of %d pixels cover "
                   "%d pixels, more than %d", name, tiles, tiles,
                   ead_model_get_image_size (model), resolution, EAD_TILES_MAX_RESOLUTION);
      return FALSE;
    }
  ead_model_set_tiles (model, (int) tiles);
  return TRUE;
}

/* The optional region of interest: a U8 tensor [height, width] of 0 and 255
 * and its source, both or neither. */
static gboolean
read_roi (EadModel *model, const EadSafetensors *st, const char *name, GError **error)
{
  const EadTensorView *tensor = ead_safetensors_find (st, ROI_TENSOR);
  const char *source = ead_safetensors_get_metadata (st, ROI_KEY);
  if (!tensor && !source)
    return TRUE;
  if (!tensor || !source)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: a region of interest needs both the tensor '%s' and the metadata '%s'",
                   name, ROI_TENSOR, ROI_KEY);
      return FALSE;
    }
  if (tensor->dtype != EAD_DTYPE_U8 || tensor->n_dims != 2
      || tensor->shape[0] > EAD_ROI_MAX_SIDE || tensor->shape[1] > EAD_ROI_MAX_SIDE)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "%s: tensor '%s' is not a U8 mask of height x width", name, ROI_TENSOR);
      return FALSE;
    }
  g_autoptr (GError) local_error = NULL;
  model->roi = ead_roi_new (tensor->data, (int) tensor->shape[1], (int) tensor->shape[0], source,
                            &local_error);
  if (!model->roi)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE, "%s: %s", name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

EadModel *
ead_model_new_from_safetensors (const EadSafetensors *st, const char *name, GError **error)
{
  EadModelSize size;
  int image_size;
  if (!read_header (st, name, &size, &image_size, error))
    return NULL;

  g_autoptr (EadModel) model = ead_model_new (size, image_size, error);
  if (!model)
    return NULL;
  for (guint i = 0; i < ead_nets_get_n_tensors (model->nets); i++)
    if (!fill_tensor (model->nets, i, st, name, ead_nets_get_tensor_name (model->nets, i), error))
      return NULL;
  if (!read_tiles (model, st, name, error) || !read_calibration (model, st, name, error)
      || !read_local_weight (model, st, name, error) || !read_roi (model, st, name, error))
    return NULL;

  for (const char *const *key = ead_safetensors_get_metadata_keys (st); *key; key++)
    if (!is_reserved_key (*key))
      ead_model_set_provenance (model, *key, ead_safetensors_get_metadata (st, *key));
  return g_steal_pointer (&model);
}

EadModel *
ead_model_load (const char *path, GError **error)
{
  g_autoptr (EadSafetensors) st = ead_safetensors_open (path, error);
  if (!st)
    return NULL;
  return ead_model_new_from_safetensors (st, path, error);
}

/* The name under which @st holds the model's teacher tensor @index: our own
 * files say "teacher.0.weight", the reference's "0.weight". */
static const char *
teacher_tensor_in_file (const EadModel *model, guint index, const EadSafetensors *st,
                        const char *path, GError **error)
{
  const char *name = ead_nets_get_tensor_name (model->nets, index);
  const char *bare = name + strlen ("teacher.");
  if (ead_safetensors_find (st, name))
    return name;
  if (ead_safetensors_find (st, bare))
    return bare;
  g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
               "%s: no tensor '%s' for the %s teacher (is it a teacher of another size?)",
               path, bare, ead_model_size_to_string (ead_model_get_size (model)));
  return NULL;
}

static gboolean
is_teacher_tensor (const EadModel *model, guint index)
{
  return g_str_has_prefix (ead_nets_get_tensor_name (model->nets, index), "teacher.");
}

gboolean
ead_model_load_teacher (EadModel *model, const char *path, GError **error)
{
  g_autoptr (EadSafetensors) st = ead_safetensors_open (path, error);
  if (!st)
    return FALSE;
  EadNets *nets = model->nets;
  guint n_filled = 0;
  for (guint i = 0; i < ead_nets_get_n_tensors (nets); i++)
    {
      if (!is_teacher_tensor (model, i))
        continue;
      const char *in_file = teacher_tensor_in_file (model, i, st, path, error);
      if (!in_file || !fill_tensor (nets, i, st, path, in_file, error))
        return FALSE;
      n_filled++;
    }
  g_return_val_if_fail (n_filled > 0, FALSE);
  return TRUE;
}

gboolean
ead_model_check_teacher (EadModelSize size, const char *path, GError **error)
{
  g_autoptr (EadSafetensors) st = ead_safetensors_open (path, error);
  g_autoptr (EadModel) model = st ? ead_model_new (size, 256, error) : NULL;
  if (!model)
    return FALSE;
  for (guint i = 0; i < ead_nets_get_n_tensors (model->nets); i++)
    {
      if (!is_teacher_tensor (model, i))
        continue;
      const char *in_file = teacher_tensor_in_file (model, i, st, path, error);
      if (!in_file)
        return FALSE;
      const EadTensorView *tensor = ead_safetensors_find (st, in_file);
      gint64 shape[4];
      int n_dims = ead_nets_get_tensor_shape (model->nets, i, shape);
      if (tensor->n_dims != n_dims || memcmp (tensor->shape, shape, n_dims * sizeof *shape) != 0)
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_INCOMPATIBLE,
                       "%s: tensor '%s' is not shaped for the %s teacher (is it a teacher of "
                       "another size?)", path, in_file, ead_model_size_to_string (size));
          return FALSE;
        }
    }
  return TRUE;
}

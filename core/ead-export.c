/* ead-export.c: TorchScript and ONNX files of a model's scoring. */

#include "ead-export.h"

#include <string.h>

#include "ead-error.h"
#include "ead-graph.h"
#include "ead-image.h"
#include "ead-onnx.h"

gboolean
ead_export_format_from_string (const char *text, EadExportFormat *format)
{
  if (g_str_equal (text, "model"))
    *format = EAD_EXPORT_MODEL_FILE;
  else if (g_str_equal (text, "torchscript"))
    *format = EAD_EXPORT_TORCHSCRIPT;
  else if (g_str_equal (text, "onnx"))
    *format = EAD_EXPORT_ONNX;
  else
    return FALSE;
  return TRUE;
}

const char *
ead_export_format_to_string (EadExportFormat format)
{
  switch (format)
    {
    case EAD_EXPORT_MODEL_FILE:
      return "model";
    case EAD_EXPORT_TORCHSCRIPT:
      return "torchscript";
    case EAD_EXPORT_ONNX:
      return "onnx";
    default:
      g_return_val_if_reached (NULL);
    }
}

const char *
ead_export_format_get_suffix (EadExportFormat format)
{
  switch (format)
    {
    case EAD_EXPORT_MODEL_FILE:
      return ".safetensors";
    case EAD_EXPORT_TORCHSCRIPT:
      return ".pt";
    case EAD_EXPORT_ONNX:
      return ".onnx";
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The provenance as key, value, key, value, ..., NULL; the strings are the
 * model's. */
static GPtrArray *
provenance_pairs (EadModel *model)
{
  g_autofree const char **keys = ead_model_get_provenance_keys (model);
  GPtrArray *pairs = g_ptr_array_new ();
  for (const char **key = keys; *key; key++)
    {
      g_ptr_array_add (pairs, (gpointer) *key);
      g_ptr_array_add (pairs, (gpointer) ead_model_get_provenance (model, *key));
    }
  g_ptr_array_add (pairs, NULL);
  return pairs;
}

/* The model's region of interest at the exported input size (NULL
 * without one), which must cover a pixel there. */
static gboolean
roi_at_input (EadModel *model, guint8 **roi, GError **error)
{
  const EadRoi *model_roi = ead_model_get_roi (model);
  const int side = ead_model_get_image_size (model);
  *roi = model_roi ? ead_roi_resize (model_roi, side, side) : NULL;
  if (*roi && !memchr (*roi, EAD_ROI_INSPECTED, (gsize) side * side))
    {
      g_clear_pointer (roi, g_free);
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "the region of interest covers no pixel of the %d x %d input", side, side);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
torchscript_bytes (EadModel *model, const guint8 *roi, GError **error)
{
  const EadQuantiles *q = ead_model_get_quantiles (model);
  g_autoptr (GPtrArray) provenance = provenance_pairs (model);
  const EadScriptInfo info = {
    .imagenet_mean = ead_imagenet_mean,
    .imagenet_std = ead_imagenet_std,
    .model_size = ead_model_size_to_string (ead_model_get_size (model)),
    .st_start = q->st_start,
    .st_end = q->st_end,
    .ae_start = q->ae_start,
    .ae_end = q->ae_end,
    .local_weight = ead_model_get_local_weight (model),
    .has_threshold = ead_model_has_threshold (model),
    .threshold = ead_model_get_threshold (model),
    .provenance = (const char *const *) provenance->pdata,
    .roi = roi,
    .roi_source = roi ? ead_model_get_roi (model)->source : NULL,
  };
  return ead_nets_to_torchscript (ead_model_get_nets (model), &info, error);
}

/* Adds @key with @value, which it takes. */
static void
add_entry (GPtrArray *entries, const char *key, char *value)
{
  g_ptr_array_add (entries, g_strdup (key));
  g_ptr_array_add (entries, value);
}

static void
add_number_entry (GPtrArray *entries, const char *key, double value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  /* The shortest text that reads back to the same double. */
  add_entry (entries, key, g_strdup (g_ascii_dtostr (text, sizeof text, value)));
}

/* Model tensor @name as a JSON array of numbers, each exact as a float. */
static gboolean
add_tensor_entry (GPtrArray *entries, EadNets *nets, const char *name, GError **error)
{
  const int index = ead_nets_find_tensor (nets, name);
  g_return_val_if_fail (index >= 0, FALSE);
  const gsize n = ead_nets_get_tensor_n_elements (nets, index);
  g_autofree float *values = g_new (float, n);
  if (!ead_nets_read_tensor (nets, index, values, error))
    return FALSE;
  GString *text = g_string_new ("[");
  for (gsize i = 0; i < n; i++)
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (text, i ? ", " : "");
      g_string_append (text, g_ascii_formatd (number, sizeof number, "%.9g", values[i]));
    }
  g_string_append_c (text, ']');
  add_entry (entries, name, g_string_free (text, FALSE));
  return TRUE;
}

static GBytes *
onnx_bytes (EadModel *model, const guint8 *roi, GError **error)
{
  EadNets *nets = ead_model_get_nets (model);
  const EadQuantiles *q = ead_model_get_quantiles (model);
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func (g_free);
  add_entry (entries, "model_size", g_strdup (ead_model_size_to_string (ead_model_get_size (model))));
  add_entry (entries, "image_size", g_strdup_printf ("%d", ead_model_get_image_size (model)));
  add_number_entry (entries, "quantile_st_start", q->st_start);
  add_number_entry (entries, "quantile_st_end", q->st_end);
  add_number_entry (entries, "quantile_ae_start", q->ae_start);
  add_number_entry (entries, "quantile_ae_end", q->ae_end);
  add_number_entry (entries, "local_weight", ead_model_get_local_weight (model));
  if (ead_model_has_threshold (model))
    add_number_entry (entries, "threshold", ead_model_get_threshold (model));
  if (roi)
    add_entry (entries, "roi", g_strdup (ead_model_get_roi (model)->source));
  if (!add_tensor_entry (entries, nets, "teacher_mean", error)
      || !add_tensor_entry (entries, nets, "teacher_std", error))
    return NULL;
  g_autoptr (GPtrArray) provenance = provenance_pairs (model);
  for (guint i = 0; i + 1 < provenance->len; i += 2)
    {
      g_autofree char *key = g_strconcat ("provenance.", provenance->pdata[i], NULL);
      add_entry (entries, key, g_strdup (provenance->pdata[i + 1]));
    }
  g_ptr_array_add (entries, NULL);
  return ead_onnx_build (model, roi, (const char *const *) entries->pdata, error);
}

/* Refuses a destination that surely cannot be written before the work of
 * building the file, with a clearer message than the write's. */
static gboolean
check_destination (const char *path, GError **error)
{
  g_autofree char *folder = g_path_get_dirname (path);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "cannot write %s: it is a folder", path);
  else if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "cannot write %s: there is no folder %s", path, folder);
  else
    return TRUE;
  return FALSE;
}

gboolean
ead_model_export (EadModel *model, EadExportFormat format, const char *path, GError **error)
{
  if (!check_destination (path, error))
    return FALSE;
  if (!ead_model_is_calibrated (model))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "the model is not calibrated: it has no map quantiles to export");
      return FALSE;
    }
  if (format == EAD_EXPORT_MODEL_FILE)
    return ead_model_save (model, path, error);
  if (ead_model_get_tiles (model) > 1)
    {
      /* The graphs take one input of the model's size; cutting and
       * stitching would have to live outside them. */
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "a tiled model (%d x %d tiles) exports only as a model file, which "
                   "libefficientad scores: TorchScript and ONNX take one whole input",
                   ead_model_get_tiles (model), ead_model_get_tiles (model));
      return FALSE;
    }
  g_autofree guint8 *roi = NULL;
  if (!roi_at_input (model, &roi, error))
    return FALSE;
  g_autoptr (GBytes) bytes = format == EAD_EXPORT_ONNX ? onnx_bytes (model, roi, error)
                                                       : torchscript_bytes (model, roi, error);
  if (!bytes)
    return FALSE;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autoptr (GError) local_error = NULL;
  /* CONSISTENT writes a temporary file beside @path and renames it over. */
  if (!g_file_set_contents_full (path, data, size, G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "cannot write %s: %s", path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

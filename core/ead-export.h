/* ead-export.h: a model's scoring as a TorchScript or ONNX file for programs
 * that do not link the engine (see docs/export.md). */
#pragma once

#include <glib.h>

#include "ead-model.h"

G_BEGIN_DECLS

typedef enum {
  EAD_EXPORT_MODEL_FILE,    /* .safetensors, the engine's own (docs/model-format.md) */
  EAD_EXPORT_TORCHSCRIPT,   /* .pt, torch.jit.load */
  EAD_EXPORT_ONNX,          /* .onnx, opset EAD_ONNX_OPSET */
} EadExportFormat;

/* "model", "torchscript" or "onnx". */
gboolean ead_export_format_from_string (const char *text, EadExportFormat *format);
/* The name ead_export_format_from_string() reads: "model", "torchscript" or
 * "onnx". */
const char *ead_export_format_to_string (EadExportFormat format);
/* The file name suffix of a format: ".safetensors", ".pt" or ".onnx". */
const char *ead_export_format_get_suffix (EadExportFormat format);

/* Writes a calibrated @model to @path atomically: as the model file, or as
 * its scoring (the networks with the input, teacher and quantile
 * normalisation, the map padding and resizing, the score, and the
 * threshold, quantiles and provenance as attributes or metadata); a tiled
 * model only as its file. */
gboolean ead_model_export (EadModel *model, EadExportFormat format, const char *path,
                           GError **error);

G_END_DECLS

/* ead-export.h: a model's scoring as a TorchScript or ONNX file for programs
 * that do not link the engine (see docs/export.md). */
#pragma once

#include <glib.h>

#include "ead-model.h"

G_BEGIN_DECLS

typedef enum {
  EAD_EXPORT_TORCHSCRIPT,   /* .pt, torch.jit.load */
  EAD_EXPORT_ONNX,          /* .onnx, opset EAD_ONNX_OPSET */
} EadExportFormat;

/* "torchscript" or "onnx". */
gboolean ead_export_format_from_string (const char *text, EadExportFormat *format);

/* Writes the scoring of a calibrated @model to @path atomically: the
 * networks with the input, teacher and quantile normalisation, the map
 * padding and resizing, the score, and the threshold, quantiles and
 * provenance as attributes or metadata. */
gboolean ead_model_export (EadModel *model, EadExportFormat format, const char *path,
                           GError **error);

G_END_DECLS

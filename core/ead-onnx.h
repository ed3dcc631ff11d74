/* ead-onnx.h: a model's scoring as an ONNX file, written without the ONNX
 * library (the exporter's half, see ead-export.h). */
#pragma once

#include <glib.h>

#include "ead-model.h"

G_BEGIN_DECLS

/* The ONNX opset the graph is written for. */
#define EAD_ONNX_OPSET 13

/* The serialised ModelProto of a calibrated @model's scoring: input "image"
 * (N x 3 x S x S floats in [0, 1]), outputs "score" [N] and "fused_map",
 * "local_map", "global_map" (N x 1 x S x S); @roi (S x S, non-zero where
 * inspected, or NULL) zeroes the maps outside it and limits the score to
 * its pixels; @metadata (key, value, ..., NULL) becomes its
 * metadata_props. */
GBytes *ead_onnx_build (EadModel *model, const guint8 *roi, const char *const *metadata,
                        GError **error);

G_END_DECLS

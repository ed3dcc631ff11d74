/* ead-graph.h: the networks as plain layer lists, and the TorchScript
 * module built from them, for the exporters (core/ead-export.c). */
#pragma once

#include <glib.h>

#include "ead-torch.h"

G_BEGIN_DECLS

typedef enum {
  EAD_LAYER_CONV,       /* weights "<network>.<index>.weight" and ".bias" */
  EAD_LAYER_RELU,
  EAD_LAYER_AVG_POOL,   /* zero padding counted in the average, floor rounding */
  EAD_LAYER_RESIZE,     /* bilinear, align_corners = false, to size x size */
} EadLayerKind;

typedef struct {
  EadLayerKind kind;
  int index;                     /* position in the network's sequence */
  int kernel, stride, padding;   /* conv and pool: square, the same on every side */
  int size;                      /* resize */
} EadLayer;

/* The inference layers of @network ("teacher", "student" or "autoencoder"),
 * in order, as an array of EadLayer. Dropout, the identity at inference, is
 * left out. */
GArray *ead_nets_describe (EadNets *nets, const char *network, GError **error);

/* What the TorchScript module carries besides the weights. */
typedef struct {
  const float *imagenet_mean;    /* 3 each: the input normalisation */
  const float *imagenet_std;
  const char *model_size;        /* "small" or "medium" */
  double st_start, st_end;       /* local map quantiles */
  double ae_start, ae_end;       /* global map quantiles */
  double local_weight;           /* the fused map's share of the local map */
  gboolean has_threshold;
  double threshold;
  const char *const *provenance; /* key, value, key, value, ..., NULL */
  const guint8 *roi;             /* S x S, non-zero where inspected, or NULL */
  const char *roi_source;        /* its provenance, NULL without one */
} EadScriptInfo;

/* A scripted module whose forward(image) takes N x 3 x S x S floats in
 * [0, 1] and returns (score [N], fused, local, global maps N x 1 x S x S),
 * the engine's scoring step by step (with a region of interest, the maps
 * are 0 outside it and the score is the maximum inside); serialised as
 * torch.jit.save writes it. */
GBytes *ead_nets_to_torchscript (EadNets *nets, const EadScriptInfo *info, GError **error);

G_END_DECLS

/* ead-types.h: the engine's plain domain types, free of libtorch.
 *
 * Model size, device and precision are what front ends choose and what the
 * project file records; the losses are what training reports. They live here
 * rather than in the shim (torch/ead-torch.h), so that everything above core
 * sees them without seeing the shim. The networks stay an opaque handle. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EAD_TEACHER_CHANNELS 384

typedef enum {
  EAD_MODEL_SMALL,    /* PDN-S, EfficientAD-S */
  EAD_MODEL_MEDIUM,   /* PDN-M, EfficientAD-M */
} EadModelSize;

typedef enum {
  EAD_DEVICE_CPU,
  EAD_DEVICE_CUDA,
} EadDevice;

typedef enum {
  EAD_PRECISION_FP32,
  EAD_PRECISION_BF16,
} EadPrecision;

/* One training step's losses. */
typedef struct {
  double total, hard, penalty, ae, stae;
  double learning_rate;   /* the rate this step used */
} EadLosses;

/* Teacher, student and autoencoder, behind the shim. */
typedef struct _EadNets EadNets;

G_END_DECLS

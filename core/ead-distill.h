/* ead-distill.h: distilling a teacher PDN from MobileNetV2.
 *
 * The loop around the shim's EadDistiller and EadDistillTargets (see
 * torch/ead-distiller.h): images from folders or a packed tensor file, 5% held
 * out, targets computed once per image and cached, Adam steps on random
 * batches, checkpoints to resume from, and a teacher file whose metadata says
 * how it was made. Everything here needs libtorch and GLib only, except
 * reading image folders (GdkPixbuf): a packed file avoids that. */
#pragma once

#include <gio/gio.h>

#include "ead-types.h"

G_BEGIN_DECLS

/* Which MobileNetV2 activations make the targets; both pair a stride-8 map
 * with a stride-16 map. */
typedef enum {
  EAD_DISTILL_TAPS_BLOCKS,     /* outputs of blocks 5 and 12: 32 + 96 channels */
  EAD_DISTILL_TAPS_EXPANDED,   /* expansions of blocks 6 and 10: 192 + 384 channels */
} EadDistillTaps;

/* "blocks" or "expanded". */
const char *ead_distill_taps_to_string (EadDistillTaps taps);
gboolean ead_distill_taps_from_string (const char *text, EadDistillTaps *taps, GError **error);

typedef struct {
  const char *backbone_path;  /* the MobileNetV2 TFLite file */
  EadModelSize size;
  EadDistillTaps taps;
  int steps;                  /* > 0 */
  int batch;                  /* > 0 */
  guint64 seed;
  EadDevice device;
  EadPrecision precision;
  int checkpoint_every;       /* steps between checkpoints; 0: only on cancel */
  gboolean resume;            /* continue from the output's checkpoint */
  double learning_rate;
  double weight_decay;
  double grayscale_probability;
  int min_crop;               /* smallest crop side in target cells, 1 to 64 (64: none) */
} EadDistillParams;

/* The reference pretraining's values: small PDN, block taps, 60,000 steps of
 * batch 16, seed 42, Adam 1e-4 with weight decay 1e-5, fp32, a checkpoint
 * every 1,000 steps, random grayscale 0.1; and crops of 32 to 64 cells of
 * the 64 x 64 target grid (25 to 100% of the image). */
void ead_distill_params_init (EadDistillParams *params);

typedef enum {
  EAD_DISTILL_LOADING,    /* reading images */
  EAD_DISTILL_TARGETS,    /* backbone targets of every image */
  EAD_DISTILL_STEPS,      /* optimisation */
} EadDistillPhase;

typedef struct {
  EadDistillPhase phase;
  int done, total;        /* images or steps of this phase */
  double loss;            /* the last step's training loss */
  double held_out_loss;   /* the latest held-out loss; NaN before the first */
} EadDistillProgress;

typedef void (*EadDistillCallback) (const EadDistillProgress *progress, gpointer user_data);

/* The checkpoint beside @output: "OUTPUT.checkpoint". */
char *ead_distill_checkpoint_path (const char *output);

/* Distils a teacher from the images of @sources (folders, or files made by
 * ead_distill_pack()) into the safetensors file @output, atomically.
 * Cancelling saves a checkpoint and returns EAD_ERROR_CANCELLED. */
gboolean ead_distill_run (const EadDistillParams *params, const char *const *sources,
                          const char *output, EadDistillCallback callback,
                          gpointer user_data, GCancellable *cancellable, GError **error);

/* Writes the images of @folders, resized to 512 x 512 RGB, as one uint8
 * tensor "images" (n x 512 x 512 x 3) with their file names in the metadata:
 * what a machine without image decoders needs to distil. */
gboolean ead_distill_pack (const char *const *folders, const char *output, GError **error);

/* Writes what computes the targets elsewhere (a GPU machine with PyTorch
 * alone, say) to the safetensors file @output: the backbone's weights up to
 * the deepest tap ("backbone.<name>", see ead_backbone_foreach_weight()), the
 * projection (384 x backbone channels), and a check: the first image of
 * @source ("check.image", 512 x 512 x 3 uint8) with its raw targets
 * ("check.targets", 384 x 64 x 64), which a port must reproduce. The taps are
 * in the metadata ("tap.stride8", "tap.stride16": "<block> output|expanded").
 * Uses @params' backbone_path, taps and seed. */
gboolean ead_distill_export_targets (const EadDistillParams *params, const char *source,
                                     const char *output, GError **error);

G_END_DECLS

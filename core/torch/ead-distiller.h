/* ead-distiller.h: teacher distillation in the shim.
 *
 * A teacher PDN is distilled from MobileNetV2 (ead-backbone.h) the way the
 * reference implementation pretrains it from WideResNet-101: the backbone sees
 * the image at 512 x 512, the padded PDN at 256 x 256, and both describe the
 * same 64 x 64 grid (the backbone's stride 8, the PDN's stride 4). The
 * targets (EadDistillTargets) are the backbone's features at that grid,
 * reduced to 384 channels; the distiller (EadDistiller) trains the PDN on
 * them with a mean squared error. Its weights have the teacher's names and
 * shapes ("<i>.weight", "<i>.bias"), so they load as an unpadded teacher. */
#pragma once

#include <glib.h>

#include "ead-backbone.h"
#include "ead-distill.h"   /* core's: the taps */
#include "ead-torch.h"

G_BEGIN_DECLS

#define EAD_DISTILL_IMAGE_SIZE 256      /* the PDN's input side */
#define EAD_DISTILL_BACKBONE_SIZE 512   /* the backbone's: twice the PDN's */
#define EAD_DISTILL_TARGET_SIZE 64      /* the backbone's stride-8 grid */

/* ---- Targets ---- */

typedef struct _EadDistillTargets EadDistillTargets;

/* Targets from @backbone (which must outlive them) on @device. The channel
 * reduction is a random orthogonal projection drawn from @seed, so the same
 * seed always gives the same targets. */
EadDistillTargets *ead_distill_targets_new (EadBackbone *backbone, EadDistillTaps taps,
                                            EadDevice device, guint64 seed, GError **error);
void ead_distill_targets_free (EadDistillTargets *targets);

/* The backbone channels before the projection (128 or 576). */
int ead_distill_targets_get_backbone_channels (const EadDistillTargets *targets);

/* The stride-8 tap, then the stride-16 one. */
void ead_distill_targets_get_taps (const EadDistillTargets *targets, EadBackboneTap taps[2]);

/* The projection, 384 x backbone channels floats (the stride-8 tap's channels
 * first). */
gboolean ead_distill_targets_read_projection (const EadDistillTargets *targets, float *out,
                                              GError **error);

/* Raw targets, before the per-channel normalisation, of @n images given as
 * n x 3 x 512 x 512 RGB floats in [-1, 1]; @out receives n x 384 x 64 x 64
 * floats. */
gboolean ead_distill_targets_compute (EadDistillTargets *targets, const float *images, int n,
                                      float *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadDistillTargets, ead_distill_targets_free)

/* ---- The distiller ---- */

typedef struct _EadDistiller EadDistiller;

/* A randomly initialised padded PDN (seed libtorch's generator first) with
 * Adam (@learning_rate, L2 @weight_decay as torch.optim.Adam) on @device. */
EadDistiller *ead_distiller_new (EadModelSize size, EadDevice device, double learning_rate,
                                 double weight_decay, GError **error);
void ead_distiller_free (EadDistiller *distiller);

/* bf16 runs the forward and backward passes under autocast; the weights and
 * the optimiser stay in float32. */
void ead_distiller_set_precision (EadDistiller *distiller, EadPrecision precision);

/* The output side for an input side, by running the network on zeros; -1
 * with @error set when libtorch refuses the size. */
int ead_distiller_measure_output_side (EadDistiller *distiller, int input_side, GError **error);

/* One Adam step on the mean squared error between the PDN's output for @n
 * normalised images (n x 3 x 4grid x 4grid; 256 x 256 for whole images) and
 * @targets (n x 384 x grid x grid; 64 x 64); @loss receives the error before
 * the step. */
gboolean ead_distiller_step (EadDistiller *distiller, const float *images, const float *targets,
                             int n, int grid, double *loss, GError **error);
/* The same error without gradients or a step (held-out images). */
gboolean ead_distiller_evaluate (EadDistiller *distiller, const float *images,
                                 const float *targets, int n, int grid, double *loss,
                                 GError **error);

/* Steps taken, including those of a restored checkpoint. */
int ead_distiller_get_step (const EadDistiller *distiller);

/* The PDN's weights, named "<i>.weight" and "<i>.bias". */
guint ead_distiller_get_n_tensors (const EadDistiller *distiller);
const char *ead_distiller_get_tensor_name (const EadDistiller *distiller, guint index);
/* Returns the number of dimensions and fills @shape (up to 4). */
int ead_distiller_get_tensor_shape (const EadDistiller *distiller, guint index, gint64 shape[4]);
gsize ead_distiller_get_tensor_n_elements (const EadDistiller *distiller, guint index);
gboolean ead_distiller_read_tensor (EadDistiller *distiller, guint index, float *out,
                                    GError **error);
gboolean ead_distiller_write_tensor (EadDistiller *distiller, guint index, const float *values,
                                     GError **error);

/* The optimiser's moments, "adam.exp_avg.<i>.weight" and so on, as for
 * EadTrainer; zeros before the first step. */
guint ead_distiller_get_n_state (const EadDistiller *distiller);
const char *ead_distiller_get_state_name (const EadDistiller *distiller, guint index);
gboolean ead_distiller_read_state (EadDistiller *distiller, guint index, float *out,
                                   GError **error);
/* Restores the moments from @lookup and sets the step count to @step. */
gboolean ead_distiller_restore (EadDistiller *distiller, int step, EadStateLookup lookup,
                                gpointer user_data, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadDistiller, ead_distiller_free)

G_END_DECLS

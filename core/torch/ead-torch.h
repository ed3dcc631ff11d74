/* ead-torch.h: the C face of the libtorch shim.
 *
 * Everything that touches libtorch lives behind this header: the three
 * EfficientAD networks (teacher and student PDN, autoencoder), their forward
 * passes, the training step with its losses and optimiser, device and
 * precision. It speaks in flat row-major float buffers on the host and opaque
 * handles, so nothing above it includes a C++ header. Only core includes it:
 * the types front ends need are in ead-types.h, the process-wide settings in
 * ead-compute.h. */
#pragma once

#include <glib.h>

#include "ead-compute.h"
#include "ead-types.h"

G_BEGIN_DECLS

/* ---- The networks ---- */

/* Side of the PDN output map for an input of @image_size (a multiple of 64,
 * at least 256): image_size / 4 - 8, i.e. 56 for 256. 0 when the size is
 * not supported. */
int ead_nets_output_size (int image_size);

/* Creates randomly initialised networks (libtorch's default initialisation,
 * from the global generator: seed it first) on the CPU. */
EadNets *ead_nets_new (EadModelSize size, int image_size, GError **error);
void ead_nets_free (EadNets *nets);

EadModelSize ead_nets_get_size (const EadNets *nets);
int ead_nets_get_image_size (const EadNets *nets);
int ead_nets_get_output_size (const EadNets *nets);

/* Moves all weights to @device. */
gboolean ead_nets_set_device (EadNets *nets, EadDevice device, GError **error);

/* The weights, named "teacher.<i>.weight", "student.<i>.bias",
 * "autoencoder.<i>.weight" (<i> the layer's index in its sequence, as the
 * reference implementation's nn.Sequential numbers them), followed by the
 * teacher normalisation "teacher_mean" and "teacher_std" (384 each). */
guint ead_nets_get_n_tensors (const EadNets *nets);
const char *ead_nets_get_tensor_name (const EadNets *nets, guint index);
/* Returns the number of dimensions and fills @shape (up to 4). */
int ead_nets_get_tensor_shape (const EadNets *nets, guint index, gint64 shape[4]);
gsize ead_nets_get_tensor_n_elements (const EadNets *nets, guint index);
/* Copies between the tensor and a host float32 buffer of
 * ead_nets_get_tensor_n_elements() values. */
gboolean ead_nets_read_tensor (EadNets *nets, guint index, float *out, GError **error);
gboolean ead_nets_write_tensor (EadNets *nets, guint index, const float *values, GError **error);
/* Index of tensor @name, or -1. */
int ead_nets_find_tensor (const EadNets *nets, const char *name);

/* Raw teacher features (not normalised) of @n images given as normalised
 * n x 3 x S x S floats; @out receives n x 384 x M x M floats (M the output
 * size). Runs in fp32. */
gboolean ead_nets_teacher_forward (EadNets *nets, const float *images, int n,
                                   float *out, GError **error);

/* The mean squared distance between the student's first 384 channels and
 * the normalised teacher features of @n normalised images, without
 * gradients: training's mean st-loss, on images it does not train on.
 * @teacher_raw: their raw teacher features, as ead_nets_teacher_forward()
 * gives them, so that callers compute them once. */
gboolean ead_nets_student_loss (EadNets *nets, const float *images, int n,
                                const float *teacher_raw, double *loss, GError **error);

/* The two raw anomaly maps of @n normalised images, before quantile
 * normalisation: map_st = mean_c (T^ - S[:384])^2 and
 * map_ae = mean_c (A - S[384:])^2, each n x M x M. */
gboolean ead_nets_predict (EadNets *nets, const float *images, int n,
                           EadPrecision precision,
                           float *map_st, float *map_ae, GError **error);

/* ---- Training ---- */

typedef struct _EadTrainer EadTrainer;

/* Adam (lr, weight decay as L2 like torch.optim.Adam) over student and
 * autoencoder; the rate drops tenfold after 95% of @total_steps (StepLR).
 * With EAD_PRECISION_BF16 the networks' passes run in bf16 (PyTorch's
 * autocast: fp32 weights and Adam state, losses and the hard-loss quantile
 * in fp32); worth it where ead_torch_cpu_has_bf16() or on CUDA. */
EadTrainer *ead_trainer_new (EadNets *nets, int total_steps, double learning_rate,
                             double weight_decay, EadPrecision precision, GError **error);
void ead_trainer_free (EadTrainer *trainer);

/* One optimisation step on one image.
 * @image_st: the normalised training image (3 x S x S);
 * @teacher_st: its normalised teacher features (384 x M x M), or NULL to have
 *   them computed; they never change for an image, so callers cache them;
 * @image_ae: the colour-jittered, normalised image for the autoencoder;
 * @penalty: a normalised natural image for the penalty term, or NULL. */
gboolean ead_trainer_step (EadTrainer *trainer, const float *image_st,
                           const float *teacher_st, const float *image_ae,
                           const float *penalty, EadLosses *losses, GError **error);

/* Changes the run's length (at least the steps taken) before the rate
 * drops: a time budget fixes it once the speed is known. */
void ead_trainer_set_total_steps (EadTrainer *trainer, int total_steps);

/* Steps taken so far; setting it (when resuming) also sets the rate. */
int ead_trainer_get_step (const EadTrainer *trainer);

/* The optimiser's state for checkpoints: for each trainable tensor, its
 * "adam.exp_avg.<name>" and "adam.exp_avg_sq.<name>" moments, same shapes.
 * Empty before the first step. */
guint ead_trainer_get_n_state (const EadTrainer *trainer);
const char *ead_trainer_get_state_name (const EadTrainer *trainer, guint index);
gboolean ead_trainer_read_state (EadTrainer *trainer, guint index, float *out, GError **error);
/* Restores a checkpoint: @lookup returns the float buffer of a state tensor by
 * name (NULL when missing, which is an error), valid until the next lookup;
 * @step is the step count. */
typedef const float *(*EadStateLookup) (const char *name, gsize n_elements, gpointer user_data);
gboolean ead_trainer_restore (EadTrainer *trainer, int step, EadStateLookup lookup,
                              gpointer user_data, GError **error);

G_END_DECLS

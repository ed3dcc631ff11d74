/* ead-backbone.h: MobileNetV2, the ImageNet-pretrained backbone that teachers
 * are distilled from, built in the shim from a TFLite file.
 *
 * The network is MobileNetV2 1.0 (Sandler et al., 2018): a 3x3 stride-2
 * convolution to 32 channels, 17 inverted residual blocks, a 1x1 convolution
 * to 1280 channels, global average pooling and a 1x1 convolution to the class
 * logits. Every operator of the file is checked against that architecture
 * (kinds, strides, activations, padding, weight and activation shapes) before
 * anything is built; weights are dequantised to float32 and the network runs
 * in float32 or bf16 (activations are not re-quantised), with TensorFlow's
 * "SAME" padding. Inputs are planar RGB scaled to [-1, 1], which the file's
 * input quantisation must confirm.
 *
 * The blocks (index: input -> expanded -> output channels, depthwise stride,
 * stride of the block's output relative to the image):
 *    0:  32 ->   32 ->  16, 1,  2     (no expansion)
 *    1:  16 ->   96 ->  24, 2,  4      2:  24 -> 144 ->  24, 1,  4
 *    3:  24 ->  144 ->  32, 2,  8      4,  5:  32 -> 192 ->  32, 1,  8
 *    6:  32 ->  192 ->  64, 2, 16      7,  8,  9:  64 -> 384 ->  64, 1, 16
 *   10:  64 ->  384 ->  96, 1, 16     11, 12:  96 -> 576 ->  96, 1, 16
 *   13:  96 ->  576 -> 160, 2, 32     14, 15: 160 -> 960 -> 160, 1, 32
 *   16: 160 ->  960 -> 320, 1, 32
 * The expansion runs at the stride of the block's input: block 6's 192
 * expanded channels are at stride 8, blocks 7 to 10's 384 at stride 16. */
#pragma once

#include <glib.h>

#include "ead-tflite.h"
#include "ead-torch.h"

G_BEGIN_DECLS

#define EAD_BACKBONE_N_BLOCKS 17

typedef struct _EadBackbone EadBackbone;

/* Builds the network from a parsed file. A file that is not MobileNetV2 1.0
 * is an EAD_ERROR_INCOMPATIBLE naming it and the first operator that
 * differs. */
EadBackbone *ead_backbone_new (const EadTflite *model, GError **error);
/* Reads, parses and builds. */
EadBackbone *ead_backbone_load (const char *path, GError **error);
void ead_backbone_free (EadBackbone *backbone);

/* The number of classes the classifier scores (1001 for the ImageNet files,
 * index 0 being "background"). */
int ead_backbone_get_n_classes (const EadBackbone *backbone);
/* The input side the file was made for (224): the size it classifies best. */
int ead_backbone_get_input_size (const EadBackbone *backbone);

gboolean ead_backbone_set_device (EadBackbone *backbone, EadDevice device, GError **error);
/* bf16 halves the memory traffic; results still come back as float32. The
 * weights stay in float32, so switching back loses nothing. */
gboolean ead_backbone_set_precision (EadBackbone *backbone, EadPrecision precision,
                                     GError **error);

/* Class logits (before the softmax) of @n images given as n x 3 x height x
 * width floats, RGB in [-1, 1]; @logits receives n x n_classes floats. Sides
 * of at least 32 pixels. */
gboolean ead_backbone_classify (EadBackbone *backbone, const float *images, int n, int height,
                                int width, float *logits, GError **error);

/* ---- Intermediate features ---- */

typedef enum {
  EAD_BACKBONE_BLOCK_OUTPUT,     /* the block's output, after the residual add */
  EAD_BACKBONE_BLOCK_EXPANDED,   /* the 1x1 expansion after its ReLU6 (blocks 1 to 16) */
} EadBackboneTapKind;

typedef struct {
  int block;                     /* 0 to EAD_BACKBONE_N_BLOCKS - 1 */
  EadBackboneTapKind kind;
} EadBackboneTap;

/* Channels of a tap and its stride relative to the image; FALSE for a tap
 * that does not exist (out of range, or block 0's expansion). */
gboolean ead_backbone_tap_info (EadBackboneTap tap, int *channels, int *stride);
/* The side of a map at @stride for an input side: TensorFlow's "SAME"
 * convolutions round up, so ceil(input_side / stride). */
int ead_backbone_tap_side (int input_side, int stride);
/* The index of the file's tensor that the tap reproduces (at the file's input
 * size), for checks against the file. */
int ead_backbone_get_tap_tensor (const EadBackbone *backbone, EadBackboneTap tap);

/* Runs the network as far as the deepest of @n_taps taps for @n images (as
 * for ead_backbone_classify()); @out[i] receives n x channels x side x side
 * floats of @taps[i] (side from ead_backbone_tap_side(), per dimension for
 * non-square inputs). */
gboolean ead_backbone_features (EadBackbone *backbone, const float *images, int n, int height,
                                int width, const EadBackboneTap *taps, int n_taps,
                                float *const *out, GError **error);

/* ---- Weights, for other runtimes ---- */

/* Receives one dequantised float32 tensor in PyTorch's layout (O x I x k x k;
 * C x 1 x 3 x 3 for a depthwise convolution, whose groups are its channels;
 * biases of O). */
typedef void (*EadBackboneWeightFunc) (const char *name, const float *data, const gint64 *shape,
                                       int n_dims, gpointer user_data);

/* Calls @func for the weights the network uses up to and including block
 * @last_block, in order: "stem.weight", "stem.bias", then for each block
 * "blocks.<i>.expand.*" (blocks 1 to 16), "blocks.<i>.depthwise.*" and
 * "blocks.<i>.project.*". Strides are the architecture's (the table above:
 * the stem and the depthwise convolutions of blocks 1, 3, 6 and 13 are
 * stride 2), padding is "SAME", every convolution but the projections is
 * followed by ReLU6, and a block adds its input when its stride is 1 and its
 * input and output channels agree. */
void ead_backbone_foreach_weight (const EadBackbone *backbone, int last_block,
                                  EadBackboneWeightFunc func, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadBackbone, ead_backbone_free)

G_END_DECLS

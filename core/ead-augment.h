/* ead-augment.h: the training augmentations, on planar float RGB images
 * (3 x side x side, values in [0, 1]), as torchvision applies them. */
#pragma once

#include <glib.h>

#include "ead-random.h"

G_BEGIN_DECLS

/* One of brightness, contrast or saturation, chosen uniformly, by a factor
 * uniform in [0.8, 1.2]: the reference's autoencoder augmentation,
 * RandomChoice of three ColorJitter(0.2). */
void ead_augment_color_jitter (float *image, int side, EadRandom *random);

/* Replaces every channel with the luminance 0.299 R + 0.587 G + 0.114 B. */
void ead_augment_grayscale (float *image, int side);

/* (x - mean[c]) / std[c] with the ImageNet statistics, in place. */
void ead_augment_normalize (float *image, int side);

G_END_DECLS

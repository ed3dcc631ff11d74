/* ead-calibrate.h: the two statistics EfficientAD takes from good images:
 * the teacher's per-channel mean and std (over the training images, before
 * training) and the quantiles of the anomaly maps (over the held-out
 * validation images, after training; never over test images). */
#pragma once

#include <gio/gio.h>

#include "ead-image.h"
#include "ead-model.h"

G_BEGIN_DECLS

/* Computes and stores the teacher normalisation over @images. Returns the
 * normalised teacher features (384 x M x M floats each) of the first
 * @n_cached images, which training reuses, as a GPtrArray of buffers.
 * Both functions stop at the next image once @cancellable (may be NULL) is
 * cancelled. */
GPtrArray *ead_calibrate_teacher (EadModel *model, EadImage *const *images, guint n,
                                  guint n_cached, GCancellable *cancellable, GError **error);

/* Computes and stores the 0.9 and 0.995 quantiles of the local and global
 * maps of @images (n >= 1); with a region of interest, of the map cells
 * inside it only (the mask resized to the map's grid). */
gboolean ead_calibrate_quantiles (EadModel *model, EadImage *const *images, guint n,
                                  EadPrecision precision, GCancellable *cancellable,
                                  GError **error);

G_END_DECLS

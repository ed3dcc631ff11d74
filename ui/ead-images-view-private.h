/* ead-images-view-private.h: what the GUI tests read of
 * the Images view. */
#pragma once

#include "ead-images-view.h"

G_BEGIN_DECLS

/* Whether an import is under way. */
gboolean ead_images_view_is_importing (EadImagesView *self);

/* Whether an image is shown large rather than the grid. */
gboolean ead_images_view_is_previewing (EadImagesView *self);

G_END_DECLS

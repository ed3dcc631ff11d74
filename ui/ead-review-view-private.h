/* ead-review-view-private.h: what the GUI tests read of
 * the Review view. */
#pragma once

#include "ead-review-view.h"

G_BEGIN_DECLS

/* The model whose results are shown, 0 for none. */
gint64 ead_review_view_get_model (EadReviewView *self);

/* The image selected, 0 for none. */
gint64 ead_review_view_get_image (EadReviewView *self);

G_END_DECLS

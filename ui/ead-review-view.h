/* ead-review-view.h: the Review view: a model's test results, highest
 * score first, with filters; the selected image beside its local, global
 * and fused maps; verdicts with notes, and moving the images reviewed as
 * false positives to the training set.
 *
 * Its actions: review.verdict('false-positive' or another verdict's name)
 * records the verdict with the note typed for the selected image and
 * selects the next one (keys 1 to 4); review.next-image and
 * .previous-image move the selection (j and k); review.move-false-positives
 * asks, then moves them. The keys act while the view is shown and the
 * focused widget leaves them alone, so a note can still hold digits. */
#pragma once

#include <gtk/gtk.h>

#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_REVIEW_VIEW (ead_review_view_get_type ())
G_DECLARE_FINAL_TYPE (EadReviewView, ead_review_view, EAD, REVIEW_VIEW, GtkWidget)

GtkWidget *ead_review_view_new (void);

/* The session whose project the view shows. */
void ead_review_view_set_session (EadReviewView *self, EadSession *session);

/* Shows the good test images of the model @model_id, highest score first,
 * the hottest selected with its maps: what the model mistakes for defects.
 * Returns FALSE, showing the model chosen before, when @model_id has no
 * test results. */
gboolean ead_review_view_show_good_images (EadReviewView *self, gint64 model_id);

/* Reads the project's models and results again, keeping the model and the
 * image shown when they are still there. */
void ead_review_view_reload (EadReviewView *self);

G_END_DECLS

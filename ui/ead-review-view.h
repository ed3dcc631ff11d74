/* ead-review-view.h: the Review view: a model's test results, highest
 * score first, with filters; the selected image beside its local, global
 * and fused maps; verdicts with notes, and moving the images reviewed as
 * false positives to the training set.
 *
 * Its action: review.move-false-positives asks, then moves them. The
 * window's verdict and navigation actions call the functions below. */
#pragma once

#include <gtk/gtk.h>

#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_REVIEW_VIEW (ead_review_view_get_type ())
G_DECLARE_FINAL_TYPE (EadReviewView, ead_review_view, EAD, REVIEW_VIEW, GtkWidget)

GtkWidget *ead_review_view_new (void);

/* The session whose project the view shows. */
void ead_review_view_set_session (EadReviewView *self, EadSession *session);

/* Reads the project's models and results again, keeping the model and the
 * image shown when they are still there. */
void ead_review_view_reload (EadReviewView *self);

/* The model whose results are shown, 0 for none. */
gint64 ead_review_view_get_model (EadReviewView *self);

/* The image selected, 0 for none. */
gint64 ead_review_view_get_image (EadReviewView *self);

/* Records @verdict with the note typed for the selected image, then
 * selects the next one. Errors go to the window's banner. */
void ead_review_view_set_verdict (EadReviewView *self, EadVerdict verdict);

/* Selects the image @offset rows below (above, when negative) the
 * selected one, within the list as filtered. */
void ead_review_view_move (EadReviewView *self, int offset);

G_END_DECLS

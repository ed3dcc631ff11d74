/* ead-calibration-view.h: the Calibration view: for a model of the open
 * project (the newest unless another is chosen), the distributions of its
 * validation maps with the quantiles q_a and q_b, the image scores of the
 * good and anomalous test images, and the decision threshold with the
 * false-positive rate, recall, precision and F1 it gives on the labelled
 * test images.
 *
 * Its window actions (ead_calibration_view_add_actions): win.calibrate
 * calibrates the model when it has no calibration and scores the test
 * images when they have no scores (recalibrating when it has both), in a
 * worker thread; win.calibrate-cancel stops that; win.threshold-f1-max and
 * win.threshold-max-fpr move the threshold to the engine's choice;
 * win.threshold-save stores the threshold in the project. */
#pragma once

#include <gtk/gtk.h>

#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_CALIBRATION_VIEW (ead_calibration_view_get_type ())
G_DECLARE_FINAL_TYPE (EadCalibrationView, ead_calibration_view, EAD, CALIBRATION_VIEW, GtkWidget)

GtkWidget *ead_calibration_view_new (void);

/* The session whose project's models the view shows. */
void ead_calibration_view_set_session (EadCalibrationView *self, EadSession *session);

/* Adds the view's actions to @map (its window), which must outlive it. */
void ead_calibration_view_add_actions (EadCalibrationView *self, GActionMap *map);

/* The model shown, 0 for none. */
gint64 ead_calibration_view_get_model (EadCalibrationView *self);

/* Whether calibration or scoring is under way. */
gboolean ead_calibration_view_is_busy (EadCalibrationView *self);

/* The threshold the control shows (not necessarily saved). */
double ead_calibration_view_get_threshold (EadCalibrationView *self);
void ead_calibration_view_set_threshold (EadCalibrationView *self, double threshold);

G_END_DECLS

/* ead-calibration-view.h: the Calibration view: for a model of the open
 * project (the newest unless another is chosen), the distributions of its
 * validation maps with the quantiles q_a and q_b, the image scores of the
 * good and anomalous test images, and the decision threshold with the
 * false-positive rate, recall, precision and F1 it gives on the labelled
 * test images.
 *
 * Its actions: calibration.calibrate calibrates the model when it has no
 * calibration and scores the test images when they have no scores
 * (recalibrating when it has both), in a worker thread; calibration.cancel
 * stops that; calibration.threshold-f1-max and .threshold-max-fpr move the
 * threshold to the engine's choice; calibration.save-threshold stores the
 * threshold in the project. */
#pragma once

#include <gtk/gtk.h>

#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_CALIBRATION_VIEW (ead_calibration_view_get_type ())
G_DECLARE_FINAL_TYPE (EadCalibrationView, ead_calibration_view, EAD, CALIBRATION_VIEW, GtkWidget)

GtkWidget *ead_calibration_view_new (void);

/* The session whose project's models the view shows. */
void ead_calibration_view_set_session (EadCalibrationView *self, EadSession *session);

G_END_DECLS

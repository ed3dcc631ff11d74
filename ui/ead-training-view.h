/* ead-training-view.h: the Training view: a new run's parameters, the run
 * under way with its progress and live loss curves, and the past runs,
 * whose curves are read back from the project when one is selected.
 *
 * Its actions: training.start starts a new run; training.pause stops it
 * and keeps it selected for training.resume, which continues the selected
 * run from its checkpoint; training.stop stops it too, keeping its
 * checkpoint, and leaves the view ready for a new run (Ctrl+T, P, R and .
 * while the view is shown). Training runs in a worker thread; a finished run's
 * model is announced through the session's "models-changed". */
#pragma once

#include <gtk/gtk.h>

#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_TRAINING_VIEW (ead_training_view_get_type ())
G_DECLARE_FINAL_TYPE (EadTrainingView, ead_training_view, EAD, TRAINING_VIEW, GtkWidget)

GtkWidget *ead_training_view_new (void);

/* The session whose project the view trains in. */
void ead_training_view_set_session (EadTrainingView *self, EadSession *session);

G_END_DECLS

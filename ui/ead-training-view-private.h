/* ead-training-view-private.h: what the Training view's widget
 * (ead-training-view.c) and its actions (ead-training-view-actions.c)
 * share, and what the GUI tests read. */
#pragma once

#include "ead-loss-plot.h"
#include "ead-training-view.h"

G_BEGIN_DECLS

typedef struct _TrainJob TrainJob;

struct _EadTrainingView {
  GtkWidget parent_instance;

  EadSession *session;
  GArray *runs;            /* EadRunInfo of the list's rows, in their order */
  TrainJob *job;
  char *teacher_path;      /* NULL for a random teacher */
  char *penalty_dir;
  GtkFileChooserNative *chooser;

  GtkStack *stack;
  GtkGrid *parameters;
  GtkDropDown *size_choice;
  GtkSpinButton *length_spin;
  GtkDropDown *length_unit_choice;
  GtkSpinButton *image_size_spin;
  GtkLabel *image_size_cost_label;
  GtkSpinButton *tiles_spin;
  GtkDropDown *precision_choice;
  GtkDropDown *device_choice;
  GtkLabel *teacher_label;
  GtkLabel *penalty_label;
  GtkSpinButton *patience_spin;
  GtkListBox *runs_list;
  GtkLabel *status_label;
  GtkProgressBar *progress_bar;
  EadLossPlot *loss_plot;
};

/* The widget's side. */
EadProject *_ead_training_view_get_project (EadTrainingView *self);
const EadRunInfo *_ead_training_view_selected_run (EadTrainingView *self);
gboolean _ead_training_view_is_resumable (EadRunState state);
gboolean _ead_training_view_trains_for_minutes (EadTrainingView *self);
int _ead_training_view_default_steps (EadTrainingView *self);
EadDevice _ead_training_view_chosen_device (EadTrainingView *self);
void _ead_training_view_show_choices (EadTrainingView *self);
void _ead_training_view_train (EadTrainingView *self, gint64 run_id, int checkpoint_step);
/* Asks the run under way to pause (@stop FALSE) or stop at its next step. */
void _ead_training_view_stop_job (EadTrainingView *self, gboolean stop);

/* The actions' side: training.start, .pause, .resume, .stop (with their
 * shortcuts while the view is shown) and the teacher and penalty choices. */
void _ead_training_view_class_actions_init (GtkWidgetClass *widget_class);
void _ead_training_view_update_actions (EadTrainingView *self);

/* For the tests: whether a run is under way. */
gboolean ead_training_view_is_training (EadTrainingView *self);

G_END_DECLS

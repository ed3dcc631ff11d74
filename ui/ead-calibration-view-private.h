/* ead-calibration-view-private.h: what the Calibration view's widget
 * (ead-calibration-view.c) and its actions (ead-calibration-view-actions.c)
 * share, and what the GUI tests read. */
#pragma once

#include "ead-calibration-view.h"
#include "ead-curve-plot.h"
#include "ead-histogram.h"
#include "ead-model-chooser.h"

G_BEGIN_DECLS

struct _EadCalibrationView {
  GtkWidget parent_instance;

  EadSession *session;
  GArray *models;             /* EadModelInfo, as the chooser lists them */
  GArray *scores;             /* the labelled test images' scores (float) */
  GByteArray *labels;         /* and their labels, 1 for anomalous */
  GPtrArray *defect_types;    /* of those images, sorted: the curves' choices */
  double lowest, highest;     /* every stored score of the model */
  gboolean needs_calibration;
  gboolean needs_scores;
  GCancellable *cancellable;  /* of the job under way, NULL when none */
  /* How the threshold shown was chosen, and the value it gave. */
  EadThresholdMethod method;
  double method_parameter;
  double method_value;

  GtkStack *stack;
  EadModelChooser *model_choice;
  GtkLabel *summary_label;
  GtkButton *calibrate_button;
  GtkRevealer *progress_revealer;
  GtkProgressBar *progress_bar;
  GtkLabel *local_label;
  GtkLabel *global_label;
  EadHistogram *local_histogram;
  EadHistogram *global_histogram;
  GtkWidget *assessment_box;
  GtkLabel *assessment_label;
  GtkStack *scores_stack;
  GtkLabel *scores_missing_label;
  EadHistogram *score_histogram;
  GtkDropDown *curve_type_choice;
  GtkStringList *curve_types;
  EadCurvePlot *roc_plot;
  EadCurvePlot *pr_plot;
  GtkLabel *operator_label;
  GtkGrid *maps_grid;
  GtkDropDown *fusion_choice;
  GtkSpinButton *fusion_spin;
  GtkWidget *threshold_box;
  GtkAdjustment *threshold_adjustment;
  GtkSpinButton *threshold_spin;
  GtkLabel *fpr_label;
  GtkLabel *recall_label;
  GtkLabel *precision_label;
  GtkLabel *f1_label;
  GtkLabel *recheck_label;
  GtkSpinButton *fpr_spin;
  GtkLabel *saved_label;
};

/* The widget's side. */
EadProject *_ead_calibration_view_get_project (EadCalibrationView *self);
const EadModelInfo *_ead_calibration_view_shown_model (EadCalibrationView *self);
/* The local weight the fusion controls choose (ead_model_set_local_weight()). */
double _ead_calibration_view_chosen_local_weight (EadCalibrationView *self);
/* Whether any labelled test image has @label (good or anomalous). */
gboolean _ead_calibration_view_has_label (EadCalibrationView *self, EadLabel label);
void _ead_calibration_view_show_threshold (EadCalibrationView *self, double threshold,
                                           EadThresholdMethod method, double parameter);

/* The actions' side: calibration.calibrate (which also scores the test
 * images), .apply-fusion (the chosen weight; scores the validation and
 * test images again), .cancel, .threshold-f1-max, .threshold-max-fpr,
 * .save-threshold (Ctrl+K and Ctrl+S while the view is shown) and
 * .review-good-images (the good test images in the Review view, hottest
 * first). */
void _ead_calibration_view_class_actions_init (GtkWidgetClass *widget_class);
void _ead_calibration_view_update_actions (EadCalibrationView *self);

/* For the tests: the model shown, whether a job is under way, and the
 * threshold shown. */
gint64 ead_calibration_view_get_model (EadCalibrationView *self);
gboolean ead_calibration_view_is_busy (EadCalibrationView *self);
double ead_calibration_view_get_threshold (EadCalibrationView *self);
void ead_calibration_view_set_threshold (EadCalibrationView *self, double threshold);

G_END_DECLS

/* ead-calibration-view-actions.c: the Calibration view's actions:
 * calibrate a model, or change how it fuses its maps, and score its test
 * images in a worker, and choose and save its threshold. */

#include "ead-calibration-view-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-error.h"
#include "ead-progress-relay.h"
#include "ead-window.h"

/* Calibration and testing in a worker thread, on a connection of its own. */
typedef enum {
  PHASE_CALIBRATING,
  PHASE_REWEIGHING,
  PHASE_SCORING,
} JobPhase;

/* The task's source is the session, never the view: a task may outlive
 * the window, and its last reference may drop in the worker thread. */
typedef struct {
  GWeakRef view;
  GCancellable *cancellable;  /* the view's while the job is its own */
  char *path;
  gint64 model_id;
  JobPhase phase;             /* the worker's: where it starts, then where it is */
  double local_weight;        /* the new one, for PHASE_REWEIGHING */
  EadProgressRelay *progress;
} CalibrationJob;

void
_ead_calibration_view_update_actions (EadCalibrationView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean idle = self->cancellable == NULL && _ead_calibration_view_shown_model (self) != NULL;
  gboolean scored = self->scores->len > 0;
  gboolean anomalous = _ead_calibration_view_has_label (self, EAD_LABEL_ANOMALOUS);
  gboolean good = _ead_calibration_view_has_label (self, EAD_LABEL_GOOD);
  const EadModelInfo *model = _ead_calibration_view_shown_model (self);
  gboolean reweighed = model != NULL
                       && _ead_calibration_view_chosen_local_weight (self) != model->local_weight;

  gtk_widget_action_set_enabled (widget, "calibration.calibrate", idle);
  gtk_widget_action_set_enabled (widget, "calibration.apply-fusion", idle && reweighed);
  gtk_widget_action_set_enabled (widget, "calibration.cancel", self->cancellable != NULL);
  gtk_widget_action_set_enabled (widget, "calibration.threshold-f1-max", idle && anomalous);
  gtk_widget_action_set_enabled (widget, "calibration.threshold-max-fpr", idle && scored);
  gtk_widget_action_set_enabled (widget, "calibration.save-threshold", idle && scored);
  gtk_widget_action_set_enabled (widget, "calibration.review-good-images", idle && good);
  gtk_widget_set_sensitive (GTK_WIDGET (self->model_choice), self->cancellable == NULL);
  gtk_widget_set_sensitive (self->threshold_box, scored);
}


static void
calibration_job_free (CalibrationJob *job)
{
  g_weak_ref_clear (&job->view);
  g_clear_object (&job->cancellable);
  g_free (job->path);
  g_clear_pointer (&job->progress, ead_progress_relay_unref);
  g_free (job);
}

static void
show_progress (guint phase, guint done, guint total, gpointer user_data)
{
  CalibrationJob *job = user_data;
  g_autoptr (EadCalibrationView) self = g_weak_ref_get (&job->view);
  g_autofree char *text = NULL;

  if (self == NULL || self->cancellable != job->cancellable)
    return;
  if (phase == PHASE_CALIBRATING)
    text = g_strdup_printf (_("Calibrating… %d of %d validation images"), done, total);
  else if (phase == PHASE_REWEIGHING)
    text = g_strdup_printf (_("Scoring… %d of %d validation images"), done, total);
  else
    text = g_strdup_printf (_("Scoring… %d of %d test images"), done, total);
  gtk_progress_bar_set_text (self->progress_bar, text);
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) done / total : 0);
}

/* Runs in the worker thread for every image done. */
static void
job_progress (guint done, guint total, gpointer user_data)
{
  CalibrationJob *job = user_data;

  ead_progress_relay_post (job->progress, job->phase, done, total);
}

static gboolean
has_test_images (EadProject *project, GError **error)
{
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];

  if (!ead_project_count_images (project, counts, error))
    return FALSE;
  for (EadLabel label = 0; label < EAD_N_LABELS; label++)
    if (counts[EAD_SPLIT_TEST][label] > 0)
      return TRUE;
  return FALSE;
}

static void
calibration_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CalibrationJob *job = task_data;
  g_autoptr (EadProject) project = NULL;
  g_autoptr (EadEvaluation) evaluation = NULL;
  GError *error = NULL;

  project = ead_project_reopen (job->path, &error);
  if (project != NULL && job->phase == PHASE_CALIBRATING)
    ead_project_calibrate (project, job->model_id, EAD_PRECISION_FP32, job_progress, job,
                           cancellable, &error);
  else if (project != NULL && job->phase == PHASE_REWEIGHING)
    ead_project_set_local_weight (project, job->model_id, job->local_weight, EAD_PRECISION_FP32,
                                  job_progress, job, cancellable, &error);
  /* Without test images calibrating is all there is to do. */
  if (project != NULL && error == NULL && has_test_images (project, &error))
    {
      job->phase = PHASE_SCORING;
      evaluation = ead_project_test (project, job->model_id, EAD_PRECISION_FP32, job_progress,
                                     job, cancellable, &error);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
calibration_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CalibrationJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (EadCalibrationView) self = g_weak_ref_get (&job->view);
  g_autoptr (GError) error = NULL;

  ead_progress_relay_stop (job->progress);
  /* A view that moved on (another project, disposed) has nothing to show. */
  if (self == NULL || self->cancellable != g_task_get_cancellable (G_TASK (result)))
    return;
  g_clear_object (&self->cancellable);
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && !g_error_matches (error, EAD_ERROR, EAD_ERROR_CANCELLED))
    ead_widget_show_error (GTK_WIDGET (self), error->message);
  /* Even a cancelled job may have replaced results. */
  ead_session_models_changed (self->session);
}

/* Starts the job that begins with @phase and ends scoring the test images,
 * where the project has some. */
static void
start_job (EadCalibrationView *self, JobPhase phase, double local_weight)
{
  EadProject *project = _ead_calibration_view_get_project (self);
  g_autoptr (GTask) task = NULL;
  CalibrationJob *job;

  if (project == NULL || _ead_calibration_view_shown_model (self) == NULL || self->cancellable != NULL)
    return;
  job = g_new0 (CalibrationJob, 1);
  g_weak_ref_init (&job->view, self);
  job->path = g_strdup (ead_project_get_path (project));
  job->model_id = ead_calibration_view_get_model (self);
  job->phase = phase;
  job->local_weight = local_weight;

  self->cancellable = g_cancellable_new ();
  job->cancellable = g_object_ref (self->cancellable);
  job->progress = ead_progress_relay_new (show_progress, job);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar,
                             phase == PHASE_CALIBRATING ? _("Calibrating…") : _("Scoring…"));
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  _ead_calibration_view_update_actions (self);
  task = g_task_new (self->session, self->cancellable, calibration_finished, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, (GDestroyNotify) calibration_job_free);
  g_task_run_in_thread (task, calibration_thread);
}

static void
calibrate_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadCalibrationView *self = EAD_CALIBRATION_VIEW (widget);

  /* With both in place, the button recalibrates, which drops the scores. */
  start_job (self, self->needs_calibration || !self->needs_scores ? PHASE_CALIBRATING
                                                                  : PHASE_SCORING, NAN);
}

static void
apply_fusion_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadCalibrationView *self = EAD_CALIBRATION_VIEW (widget);

  start_job (self, PHASE_REWEIGHING, _ead_calibration_view_chosen_local_weight (self));
}

static void
cancel_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadCalibrationView *self = EAD_CALIBRATION_VIEW (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* Moves the threshold to what @method with @parameter chooses. */
static void
choose_threshold (EadCalibrationView *self, EadThresholdMethod method, double parameter)
{
  EadProject *project = _ead_calibration_view_get_project (self);
  g_autoptr (GError) error = NULL;
  double threshold;

  if (project == NULL || _ead_calibration_view_shown_model (self) == NULL)
    return;
  if (ead_project_choose_threshold (project, ead_calibration_view_get_model (self), method,
                                    parameter, &threshold, &error))
    _ead_calibration_view_show_threshold (self, threshold, method, parameter);
  else
    ead_widget_show_error (GTK_WIDGET (self), error->message);
}

static void
threshold_f1_max_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  choose_threshold (EAD_CALIBRATION_VIEW (widget), EAD_THRESHOLD_F1_MAX, 0);
}

static void
threshold_max_fpr_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadCalibrationView *self = EAD_CALIBRATION_VIEW (widget);

  choose_threshold (self, EAD_THRESHOLD_MAX_FPR, gtk_spin_button_get_value (self->fpr_spin) / 100);
}

static void
save_threshold_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadCalibrationView *self = EAD_CALIBRATION_VIEW (widget);
  EadProject *project = _ead_calibration_view_get_project (self);
  double value = gtk_adjustment_get_value (self->threshold_adjustment);
  double threshold;
  g_autoptr (GError) error = NULL;

  if (project == NULL || _ead_calibration_view_shown_model (self) == NULL)
    return;
  if (!ead_project_set_threshold (project, ead_calibration_view_get_model (self), self->method,
                                  self->method == EAD_THRESHOLD_VALUE ? value
                                                                      : self->method_parameter,
                                  &threshold, &error))
    ead_widget_show_error (GTK_WIDGET (self), error->message);
  else
    ead_session_models_changed (self->session);
}

static void
review_good_images_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_widget_activate_action (widget, "win.review-good-images", "x",
                              ead_calibration_view_get_model (EAD_CALIBRATION_VIEW (widget)));
}

void
_ead_calibration_view_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "calibration.calibrate", NULL,
                                   calibrate_activated);
  gtk_widget_class_install_action (widget_class, "calibration.apply-fusion", NULL,
                                   apply_fusion_activated);
  gtk_widget_class_install_action (widget_class, "calibration.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "calibration.threshold-f1-max", NULL,
                                   threshold_f1_max_activated);
  gtk_widget_class_install_action (widget_class, "calibration.threshold-max-fpr", NULL,
                                   threshold_max_fpr_activated);
  gtk_widget_class_install_action (widget_class, "calibration.save-threshold", NULL,
                                   save_threshold_activated);
  gtk_widget_class_install_action (widget_class, "calibration.review-good-images", NULL,
                                   review_good_images_activated);
}

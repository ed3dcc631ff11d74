/* ead-training-view.c: the Training view: parameters, the run under way
 * and the past runs of the open project. */

#include "ead-training-view-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-data-dir.h"
#include "ead-error.h"
#include "ead-status-page.h"
#include "ead-compute.h"
#include "ead-window.h"

/* The loss curves, in the order of their colours. */
static const struct {
  const char *name;
  const char *label;
} loss_series[] = {
  { "total", N_("Total") },
  { "hard", N_("Hard feature loss") },
  { "penalty", N_("Penalty") },
  { "ae", N_("Autoencoder") },
  { "stae", N_("Student–autoencoder") },
};

/* The validation loss, plotted beside them when a run measured it. */
#define VALIDATION_SERIES "validation"

/* The length a run in minutes is offered. */
#define DEFAULT_MINUTES 15

/* @losses in the order of loss_series. */
static void
loss_values (const EadLosses *losses, double values[G_N_ELEMENTS (loss_series)])
{
  values[0] = losses->total;
  values[1] = losses->hard;
  values[2] = losses->penalty;
  values[3] = losses->ae;
  values[4] = losses->stae;
}

/* A run being trained. It outlives the view's interest in it: progress
 * reports queued for the main thread and the worker's end hold a
 * reference, and do nothing once the view has moved on (job no longer the
 * view's). */
struct _TrainJob {
  EadTrainingView *view;
  GCancellable *cancellable;
  GMainContext *context;
  gint64 run_id;
  gboolean stop;           /* stopped rather than paused: the view leaves the run */
  int steps_before;        /* steps done before this session, -1 until known */
  /* The worker's reports not yet shown, delivered in batches: a GPU's
   * fifty steps a second would otherwise flood the main loop. */
  GMutex lock;
  GArray *pending;         /* of EadTrainProgress */
  gboolean delivery_queued;
  gint64 last_delivery;    /* monotonic, microseconds */
};

/* At most about thirty deliveries a second. */
#define DELIVERY_INTERVAL_US (G_USEC_PER_SEC / 30)

G_DEFINE_FINAL_TYPE (EadTrainingView, ead_training_view, GTK_TYPE_WIDGET)

static void
train_job_clear (gpointer data)
{
  TrainJob *job = data;

  g_object_unref (job->view);
  g_object_unref (job->cancellable);
  g_main_context_unref (job->context);
  g_mutex_clear (&job->lock);
  g_array_unref (job->pending);
}

static void
train_job_release (TrainJob *job)
{
  g_atomic_rc_box_release_full (job, train_job_clear);
}

EadProject *
_ead_training_view_get_project (EadTrainingView *self)
{
  return self->session != NULL ? ead_session_get_project (self->session) : NULL;
}

static const char *
state_name (EadRunState state)
{
  switch (state)
    {
    case EAD_RUN_QUEUED:
      return _("Queued");
    case EAD_RUN_RUNNING:
      return _("Running");
    case EAD_RUN_PAUSED:
      return _("Paused");
    case EAD_RUN_INTERRUPTED:
      return _("Interrupted");
    case EAD_RUN_FINISHED:
      return _("Finished");
    case EAD_RUN_FAILED:
      return _("Failed");
    default:
      return _("Cancelled");
    }
}

/* The project's runs resume from their checkpoint, or from the start
 * without one, unless they are finished or under way. */
gboolean
_ead_training_view_is_resumable (EadRunState state)
{
  return state != EAD_RUN_FINISHED && state != EAD_RUN_RUNNING && state != EAD_RUN_QUEUED;
}

const EadRunInfo *
_ead_training_view_selected_run (EadTrainingView *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->runs_list);
  int index = row != NULL ? gtk_list_box_row_get_index (row) : -1;

  if (self->runs == NULL || index < 0 || (guint) index >= self->runs->len)
    return NULL;
  return &g_array_index (self->runs, EadRunInfo, index);
}

/* "2026-11-27 09:30" in local time, from an ISO 8601 time. */
static char *
format_date (const char *iso8601)
{
  g_autoptr (GDateTime) utc = iso8601 != NULL ? g_date_time_new_from_iso8601 (iso8601, NULL)
                                              : NULL;
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M") : g_strdup (iso8601);
}

static char *
describe_run (const EadRunInfo *run)
{
  g_autofree char *date = format_date (run->created_at);

  /* Translators: a run's state, the steps it has done and planned, and
   * when it was created. */
  return g_strdup_printf (_("%s · %d of %d steps · %s"), state_name (run->state), run->steps_done,
                          run->steps, date);
}

static GtkWidget *
run_row_new (const EadRunInfo *run)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  /* Translators: a training run in the list of past runs. */
  g_autofree char *title = g_strdup_printf (_("Run %lld"), (long long) run->id);
  g_autofree char *caption = describe_run (run);
  GtkWidget *title_label = gtk_label_new (title);
  GtkWidget *caption_label = gtk_label_new (caption);

  gtk_label_set_xalign (GTK_LABEL (title_label), 0);
  gtk_label_set_xalign (GTK_LABEL (caption_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (caption_label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (caption_label, "dim-label");
  gtk_widget_add_css_class (caption_label, "caption");
  gtk_widget_set_tooltip_text (caption_label, run->error != NULL ? run->error : caption);
  gtk_box_append (GTK_BOX (box), title_label);
  gtk_box_append (GTK_BOX (box), caption_label);
  return box;
}

/* Shows the loss curve of @run_id up to @last_step. */
static void
add_series (EadTrainingView *self)
{
  for (guint s = 0; s < G_N_ELEMENTS (loss_series); s++)
    ead_loss_plot_add_series (self->loss_plot, loss_series[s].name, _(loss_series[s].label));
  ead_loss_plot_add_series (self->loss_plot, VALIDATION_SERIES, _("Validation"));
}

static void
show_curve (EadTrainingView *self, gint64 run_id, int last_step)
{
  EadProject *project = _ead_training_view_get_project (self);
  g_autoptr (GArray) points = NULL;
  g_autoptr (GError) error = NULL;

  ead_loss_plot_clear (self->loss_plot);
  if (project == NULL)
    return;
  add_series (self);
  points = ead_project_get_losses (project, run_id, &error);
  if (points == NULL)
    {
      ead_widget_show_error (GTK_WIDGET (self), error->message);
      return;
    }

  g_autofree double *steps = g_new (double, points->len);
  g_autofree double *values = g_new (double, (gsize) points->len * G_N_ELEMENTS (loss_series));
  guint n = 0;
  for (guint i = 0; i < points->len; i++)
    {
      const EadLossPoint *point = &g_array_index (points, EadLossPoint, i);
      if (point->step > last_step)
        break;
      steps[n] = point->step;
      loss_values (&point->losses, values + (gsize) n * G_N_ELEMENTS (loss_series));
      if (isfinite (point->validation))
        ead_loss_plot_append (self->loss_plot, VALIDATION_SERIES, point->step, point->validation);
      n++;
    }
  for (guint s = 0; s < G_N_ELEMENTS (loss_series); s++)
    {
      g_autofree double *series = g_new (double, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        series[i] = values[(gsize) i * G_N_ELEMENTS (loss_series) + s];
      ead_loss_plot_set_points (self->loss_plot, loss_series[s].name, steps, series, n);
    }
}

static void
run_selected (EadTrainingView *self, GtkListBoxRow *row)
{
  const EadRunInfo *run = _ead_training_view_selected_run (self);

  /* The run under way shows its own curve as it grows. */
  if (self->job == NULL && run == NULL)
    {
      ead_loss_plot_clear (self->loss_plot);
      gtk_label_set_text (self->status_label, _("Set the parameters and start a new run."));
    }
  else if (self->job == NULL)
    {
      g_autofree char *description = describe_run (run);
      /* Translators: a run's number, then its description. */
      g_autofree char *text = g_strdup_printf (_("Run %lld: %s"), (long long) run->id,
                                               description);
      gtk_label_set_text (self->status_label, text);
      show_curve (self, run->id, G_MAXINT);
    }
  _ead_training_view_update_actions (self);
}

/* Lists the project's runs again, newest first, selecting @select_id. */
static void
reload_runs (EadTrainingView *self, gint64 select_id)
{
  EadProject *project = _ead_training_view_get_project (self);
  g_autoptr (GError) error = NULL;
  GtkWidget *child;

  /* The selection is shown once, when the list is complete. */
  g_signal_handlers_block_by_func (self->runs_list, run_selected, self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->runs_list))) != NULL)
    gtk_list_box_remove (self->runs_list, child);
  g_clear_pointer (&self->runs, g_array_unref);
  if (project != NULL)
    {
      g_autoptr (GArray) runs = ead_project_list_runs (project, &error);
      if (runs == NULL)
        ead_widget_show_error (GTK_WIDGET (self), error->message);
      else
        {
          self->runs = g_array_new (FALSE, FALSE, sizeof (EadRunInfo));
          g_array_set_clear_func (self->runs, (GDestroyNotify) ead_run_info_clear);
          /* Moved over, newest first; the old array only frees itself. */
          g_array_set_clear_func (runs, NULL);
          for (guint i = runs->len; i > 0; i--)
            g_array_append_val (self->runs, g_array_index (runs, EadRunInfo, i - 1));
        }
    }
  for (guint i = 0; self->runs != NULL && i < self->runs->len; i++)
    {
      const EadRunInfo *run = &g_array_index (self->runs, EadRunInfo, i);
      gtk_list_box_append (self->runs_list, run_row_new (run));
      if (run->id == select_id)
        gtk_list_box_select_row (self->runs_list,
                                 gtk_list_box_get_row_at_index (self->runs_list, i));
    }
  g_signal_handlers_unblock_by_func (self->runs_list, run_selected, self);
  run_selected (self, NULL);
}

static void
reload (EadTrainingView *self)
{
  EadProject *project = _ead_training_view_get_project (self);

  gtk_stack_set_visible_child_name (self->stack, project != NULL ? "training" : "none");
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, "");
  reload_runs (self, 0);
}

/* "1:05" or "2:01:05". */
static char *
format_duration (double seconds)
{
  guint s = (guint) ceil (MAX (seconds, 0));

  if (s >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%u:%02u", s / 60, s % 60);
}

/* Plots the losses of the step @p reports. */
static void
add_loss_points (EadTrainingView *self, TrainJob *job, const EadTrainProgress *p)
{
  double values[G_N_ELEMENTS (loss_series)];

  if (job->steps_before < 0)
    job->steps_before = p->done - 1;
  loss_values (&p->losses, values);
  for (guint s = 0; s < G_N_ELEMENTS (loss_series); s++)
    if (isfinite (values[s]))
      ead_loss_plot_append (self->loss_plot, loss_series[s].name, p->done, values[s]);
  if (isfinite (p->validation))
    ead_loss_plot_append (self->loss_plot, VALIDATION_SERIES, p->done, p->validation);
}

static void
show_steps (EadTrainingView *self, TrainJob *job, const EadTrainProgress *p)
{
  g_autofree char *text = NULL;
  double rate = p->seconds > 0 ? (p->done - job->steps_before) / p->seconds : 0;
  if (p->stopped_early)
    /* Translators: the last step of a run the validation loss stopped. */
    text = g_strdup_printf (_("Stopped early at step %d: the validation loss no longer improves"),
                            p->done);
  else if (p->total == 0)
    /* Translators: a run in minutes does not know its number of steps yet. */
    text = g_strdup_printf (_("Step %d · measuring the speed…"), p->done);
  else if (rate > 0)
    {
      g_autofree char *left = format_duration ((p->total - p->done) / rate);
      /* Translators: the step, the planned steps, steps per second and the
       * time left (minutes:seconds). */
      text = g_strdup_printf (_("Step %d of %d · %.1f steps/s · %s left"), p->done, p->total,
                              rate, left);
    }
  else
    text = g_strdup_printf (_("Step %d of %d"), p->done, p->total);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
show_progress (EadTrainingView *self, TrainJob *job, const EadTrainProgress *p)
{
  g_autofree char *text = NULL;

  if (p->total > 0)
    gtk_progress_bar_set_fraction (self->progress_bar, (double) p->done / p->total);
  switch (p->phase)
    {
    case EAD_TRAIN_STEPS:
      show_steps (self, job, p);
      return;
    case EAD_TRAIN_LOADING:
      text = g_strdup_printf (_("Reading images… %d of %d"), p->done, p->total);
      break;
    case EAD_TRAIN_TEACHER:
      text = g_strdup_printf (_("Teacher statistics… %d of %d"), p->done, p->total);
      break;
    case EAD_TRAIN_CALIBRATING:
    default:
      text = g_strdup_printf (_("Calibrating… %d of %d"), p->done, p->total);
      break;
    }
  gtk_progress_bar_set_text (self->progress_bar, text);
}

/* Shows a batch of reports: every step's losses, the last one's progress. */
static gboolean
deliver_progress (gpointer data)
{
  TrainJob *job = data;
  EadTrainingView *self = job->view;
  g_autoptr (GArray) batch = NULL;

  g_mutex_lock (&job->lock);
  batch = g_steal_pointer (&job->pending);
  job->pending = g_array_new (FALSE, FALSE, sizeof (EadTrainProgress));
  job->delivery_queued = FALSE;
  job->last_delivery = g_get_monotonic_time ();
  g_mutex_unlock (&job->lock);

  if (self->job != job || batch->len == 0)
    return G_SOURCE_REMOVE;
  for (guint i = 0; i < batch->len; i++)
    if (g_array_index (batch, EadTrainProgress, i).phase == EAD_TRAIN_STEPS)
      add_loss_points (self, job, &g_array_index (batch, EadTrainProgress, i));
  show_progress (self, job, &g_array_index (batch, EadTrainProgress, batch->len - 1));
  return G_SOURCE_REMOVE;
}

/* Runs in the training thread: the report joins the batch that the main
 * thread shows next, no sooner than DELIVERY_INTERVAL_US after the last. */
static void
train_progress (const EadTrainProgress *progress, gpointer user_data)
{
  TrainJob *job = user_data;

  g_mutex_lock (&job->lock);
  g_array_append_val (job->pending, *progress);
  if (!job->delivery_queued)
    {
      gint64 wait_us = job->last_delivery + DELIVERY_INTERVAL_US - g_get_monotonic_time ();
      GSource *source = g_timeout_source_new (MAX (wait_us, 0) / 1000);

      job->delivery_queued = TRUE;
      g_source_set_callback (source, deliver_progress, g_atomic_rc_box_acquire (job),
                             (GDestroyNotify) train_job_release);
      g_source_attach (source, job->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&job->lock);
}

static void
train_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TrainJob *job = user_data;
  EadTrainingView *self = job->view;
  g_autoptr (GError) error = NULL;
  gint64 model_id = ead_project_train_finish (result, &error);

  if (self->job == job)
    {
      self->job = NULL;
      gtk_progress_bar_set_fraction (self->progress_bar, model_id > 0 ? 1.0 : 0.0);
      if (model_id > 0)
        gtk_progress_bar_set_text (self->progress_bar, _("Finished"));
      else if (g_error_matches (error, EAD_ERROR, EAD_ERROR_CANCELLED))
        gtk_progress_bar_set_text (self->progress_bar,
                                   job->stop ? _("Stopped: the checkpoint is kept")
                                             : _("Paused: resume to continue"));
      else
        {
          gtk_progress_bar_set_text (self->progress_bar, _("Failed"));
          ead_widget_show_error (GTK_WIDGET (self), error->message);
        }
      reload_runs (self, job->stop ? 0 : job->run_id);
      if (model_id > 0)
        ead_session_models_changed (self->session);
    }
  train_job_release (job);
}

EadDevice
_ead_training_view_chosen_device (EadTrainingView *self)
{
  return gtk_drop_down_get_selected (self->device_choice) == 1 ? EAD_DEVICE_CUDA : EAD_DEVICE_CPU;
}

/* Trains @run_id in a worker thread: a new run, or one resumed from its
 * checkpoint (@checkpoint_step, whose curve is kept up to there). */
void
_ead_training_view_train (EadTrainingView *self, gint64 run_id, int checkpoint_step)
{
  TrainJob *job = g_atomic_rc_box_new0 (TrainJob);

  job->view = g_object_ref (self);
  job->cancellable = g_cancellable_new ();
  job->context = g_main_context_ref_thread_default ();
  job->run_id = run_id;
  job->steps_before = -1;
  g_mutex_init (&job->lock);
  job->pending = g_array_new (FALSE, FALSE, sizeof (EadTrainProgress));

  /* The run is selected in the list, but shows the curve it resumes. */
  self->job = job;
  reload_runs (self, run_id);
  show_curve (self, run_id, checkpoint_step);
  /* Translators: the run being trained. */
  g_autofree char *status = g_strdup_printf (_("Training run %lld"), (long long) run_id);
  gtk_label_set_text (self->status_label, status);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting…"));

  /* The job's first reference is the worker's, given back when it ends. */
  ead_project_train_async (_ead_training_view_get_project (self), run_id,
                           _ead_training_view_chosen_device (self), train_progress, job,
                           job->cancellable, train_finished, job);
}

gboolean
_ead_training_view_trains_for_minutes (EadTrainingView *self)
{
  return gtk_drop_down_get_selected (self->length_unit_choice) == 1;
}

int
_ead_training_view_default_steps (EadTrainingView *self)
{
  return gtk_drop_down_get_selected (self->device_choice) == 1 ? EAD_TRAIN_DEFAULT_STEPS_CUDA
                                                               : EAD_TRAIN_DEFAULT_STEPS_CPU;
}

/* The length offered for the unit and device chosen. */
static void
show_default_length (EadTrainingView *self)
{
  gtk_spin_button_set_value (self->length_spin, _ead_training_view_trains_for_minutes (self)
                                                ? DEFAULT_MINUTES
                                                : _ead_training_view_default_steps (self));
}

/* The device's default length and precision. */
static void
device_changed (EadTrainingView *self)
{
  EadPrecision precision = ead_train_default_precision (_ead_training_view_chosen_device (self));

  show_default_length (self);
  gtk_drop_down_set_selected (self->precision_choice, precision == EAD_PRECISION_BF16 ? 1 : 0);
}

static void
length_unit_changed (EadTrainingView *self)
{
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (self->length_spin);
  double increment = _ead_training_view_trains_for_minutes (self) ? 1 : 100;

  gtk_adjustment_set_step_increment (adjustment, increment);
  gtk_adjustment_set_page_increment (adjustment, 10 * increment);
  show_default_length (self);
}

/* What a size and a tiling cost beside the default: the networks' work
 * grows with the input's area, each training step and each tile alike; a
 * step trains on one tile, an image inspected passes all of them. */
static void
size_or_tiles_changed (EadTrainingView *self)
{
  const double side = gtk_spin_button_get_value (self->image_size_spin) / EAD_DEFAULT_IMAGE_SIZE;
  const int tiles = gtk_spin_button_get_value_as_int (self->tiles_spin);
  const double per_step = side * side, per_image = per_step * tiles * tiles;
  g_autofree char *cost = NULL;

  if (tiles > 1)
    /* Translators: how many times longer each training step and each
     * inspection take than at the default size, untiled. */
    cost = g_strdup_printf (_("about %.1f× the time per step, %.1f× per image"), per_step,
                            per_image);
  else if (side > 1.0)
    /* Translators: how many times longer each training step and each
     * inspection takes than at the default size. */
    cost = g_strdup_printf (_("about %.1f× the time per step and per image"), per_step);
  gtk_label_set_text (self->image_size_cost_label, cost != NULL ? cost : "");
}

void
_ead_training_view_show_choices (EadTrainingView *self)
{
  g_autofree char *teacher = self->teacher_path != NULL ? g_path_get_basename (self->teacher_path)
                                                        : NULL;
  g_autofree char *shipped_penalty = ead_data_find_penalty_images (NULL);
  g_autofree char *penalty = NULL;

  if (self->penalty_dir != NULL && g_strcmp0 (self->penalty_dir, shipped_penalty) == 0)
    penalty = g_strdup (_("Shipped photos"));
  else if (self->penalty_dir != NULL)
    penalty = g_path_get_basename (self->penalty_dir);

  gtk_label_set_text (self->teacher_label,
                      teacher != NULL ? teacher : _("Random (for testing only)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->teacher_label), self->teacher_path);
  gtk_label_set_text (self->penalty_label, penalty != NULL ? penalty : _("None"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->penalty_label), self->penalty_dir);
}

/* A run under way belongs to the project it was started in: another
 * project (or none) pauses it, keeping its checkpoint there. */
static void
session_changed (EadTrainingView *self)
{
  if (self->job != NULL)
    {
      g_cancellable_cancel (self->job->cancellable);
      self->job = NULL;
    }
  reload (self);
}

void
ead_training_view_set_session (EadTrainingView *self, EadSession *session)
{
  g_return_if_fail (EAD_IS_TRAINING_VIEW (self));
  g_return_if_fail (session == NULL || EAD_IS_SESSION (session));

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    g_signal_connect_swapped (session, "notify::file", G_CALLBACK (session_changed), self);
  session_changed (self);
}

void
_ead_training_view_stop_job (EadTrainingView *self, gboolean stop)
{
  if (self->job == NULL)
    return;
  self->job->stop = stop;
  g_cancellable_cancel (self->job->cancellable);
  gtk_progress_bar_set_text (self->progress_bar, _("Stopping at the next step…"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.pause", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.stop", FALSE);
}

gboolean
ead_training_view_is_training (EadTrainingView *self)
{
  g_return_val_if_fail (EAD_IS_TRAINING_VIEW (self), FALSE);

  return self->job != NULL;
}

static void
ead_training_view_dispose (GObject *object)
{
  EadTrainingView *self = EAD_TRAINING_VIEW (object);

  if (self->job != NULL)
    g_cancellable_cancel (self->job->cancellable);
  self->job = NULL;
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  /* The list empties as it goes: no selection is left to show. */
  if (self->runs_list != NULL)
    g_signal_handlers_disconnect_by_func (self->runs_list, run_selected, self);
  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_TRAINING_VIEW);

  G_OBJECT_CLASS (ead_training_view_parent_class)->dispose (object);
}

static void
ead_training_view_finalize (GObject *object)
{
  EadTrainingView *self = EAD_TRAINING_VIEW (object);

  g_clear_pointer (&self->runs, g_array_unref);
  g_free (self->teacher_path);
  g_free (self->penalty_dir);

  G_OBJECT_CLASS (ead_training_view_parent_class)->finalize (object);
}

static void
ead_training_view_class_init (EadTrainingViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_training_view_dispose;
  object_class->finalize = ead_training_view_finalize;

  g_type_ensure (EAD_TYPE_LOSS_PLOT);
  g_type_ensure (EAD_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/efficientad/Workbench/ui/ead-training-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, stack);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, parameters);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, size_choice);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, length_spin);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, length_unit_choice);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, patience_spin);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, image_size_spin);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, image_size_cost_label);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, tiles_spin);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, precision_choice);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, device_choice);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, teacher_label);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, penalty_label);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, runs_list);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, status_label);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EadTrainingView, loss_plot);
  gtk_widget_class_bind_template_callback (widget_class, device_changed);
  gtk_widget_class_bind_template_callback (widget_class, length_unit_changed);
  gtk_widget_class_bind_template_callback (widget_class, size_or_tiles_changed);
  gtk_widget_class_bind_template_callback (widget_class, run_selected);
  _ead_training_view_class_actions_init (widget_class);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ead_training_view_init (EadTrainingView *self)
{
  g_autoptr (GtkStringList) devices = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_string_list_append (devices, _("CPU"));
  /* Only a libtorch built for CUDA with a GPU present offers it. */
  if (ead_torch_cuda_available ())
    gtk_string_list_append (devices, _("CUDA (GPU)"));
  gtk_drop_down_set_model (self->device_choice, G_LIST_MODEL (devices));
  device_changed (self);
  /* The shipped teacher, when there is one; random otherwise. */
  self->teacher_path = ead_data_find_teacher (EAD_MODEL_SMALL, NULL);
  _ead_training_view_show_choices (self);
  reload (self);
}

GtkWidget *
ead_training_view_new (void)
{
  return g_object_new (EAD_TYPE_TRAINING_VIEW, NULL);
}

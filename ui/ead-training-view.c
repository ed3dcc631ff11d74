/* ead-training-view.c: the Training view: parameters, the run under way
 * and the past runs of the open project. */

#include "ead-training-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-data-dir.h"
#include "ead-error.h"
#include "ead-loss-plot.h"
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
typedef struct {
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
} TrainJob;

/* At most about thirty deliveries a second. */
#define DELIVERY_INTERVAL_US (G_USEC_PER_SEC / 30)

struct _EadTrainingView {
  GtkWidget parent_instance;

  EadSession *session;
  GActionMap *actions;
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

static EadProject *
get_project (EadTrainingView *self)
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
static gboolean
is_resumable (EadRunState state)
{
  return state != EAD_RUN_FINISHED && state != EAD_RUN_RUNNING && state != EAD_RUN_QUEUED;
}

static const EadRunInfo *
selected_run (EadTrainingView *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->runs_list);
  int index = row != NULL ? gtk_list_box_row_get_index (row) : -1;

  if (self->runs == NULL || index < 0 || (guint) index >= self->runs->len)
    return NULL;
  return &g_array_index (self->runs, EadRunInfo, index);
}

static void
set_action_enabled (EadTrainingView *self, const char *name, gboolean enabled)
{
  GAction *action = self->actions != NULL ? g_action_map_lookup_action (self->actions, name)
                                          : NULL;

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_actions (EadTrainingView *self)
{
  gboolean open = get_project (self) != NULL;
  gboolean training = self->job != NULL;
  const EadRunInfo *run = selected_run (self);

  set_action_enabled (self, "train-start", open && !training);
  set_action_enabled (self, "train-pause", training);
  set_action_enabled (self, "train-stop", training);
  set_action_enabled (self, "train-resume",
                      open && !training && run != NULL && is_resumable (run->state));
  gtk_widget_set_sensitive (GTK_WIDGET (self->parameters), !training);
  gtk_widget_set_sensitive (GTK_WIDGET (self->runs_list), !training);
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
  EadProject *project = get_project (self);
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
  const EadRunInfo *run = selected_run (self);

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
  update_actions (self);
}

/* Lists the project's runs again, newest first, selecting @select_id. */
static void
reload_runs (EadTrainingView *self, gint64 select_id)
{
  EadProject *project = get_project (self);
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
  EadProject *project = get_project (self);

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

static EadDevice
chosen_device (EadTrainingView *self)
{
  return gtk_drop_down_get_selected (self->device_choice) == 1 ? EAD_DEVICE_CUDA : EAD_DEVICE_CPU;
}

/* Trains @run_id in a worker thread: a new run, or one resumed from its
 * checkpoint (@checkpoint_step, whose curve is kept up to there). */
static void
train (EadTrainingView *self, gint64 run_id, int checkpoint_step)
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
  ead_project_train_async (get_project (self), run_id, chosen_device (self), train_progress, job,
                           job->cancellable, train_finished, job);
}

/* Why core refused a run of @params, in the UI's language where it can say
 * so from the error's code; other errors as they are. */
static char *
describe_refusal (const EadTrainParams *params, const GError *error)
{
  if (error->domain != EAD_TRAIN_PARAMS_ERROR)
    return g_strdup (error->message);
  switch ((EadTrainParamsError) error->code)
    {
    case EAD_TRAIN_PARAMS_ERROR_STEPS:
      return g_strdup_printf (_("A run needs at least one step, not %d"), params->steps);
    case EAD_TRAIN_PARAMS_ERROR_IMAGE_SIZE:
      return g_strdup_printf (_("An image size of %d pixels is not supported: use a multiple of "
                                "64, at least 256"), params->image_size);
    case EAD_TRAIN_PARAMS_ERROR_DEVICE:
      return g_strdup (_("No CUDA device is available: train on the CPU"));
    case EAD_TRAIN_PARAMS_ERROR_TEACHER:
      {
        g_autofree char *teacher = g_path_get_basename (params->teacher_path);
        if (params->size == EAD_MODEL_MEDIUM)
          /* Translators: the teacher file. */
          return g_strdup_printf (_("The teacher “%s” does not fit a medium model: choose a "
                                    "medium model's teacher"), teacher);
        /* Translators: the teacher file. */
        return g_strdup_printf (_("The teacher “%s” does not fit a small model: choose a small "
                                  "model's teacher"), teacher);
      }
    default:
      return g_strdup (error->message);
    }
}

static gboolean
trains_for_minutes (EadTrainingView *self)
{
  return gtk_drop_down_get_selected (self->length_unit_choice) == 1;
}

static int
default_steps (EadTrainingView *self)
{
  return gtk_drop_down_get_selected (self->device_choice) == 1 ? EAD_TRAIN_DEFAULT_STEPS_CUDA
                                                               : EAD_TRAIN_DEFAULT_STEPS_CPU;
}

static void
train_start_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EadTrainingView *self = user_data;
  EadProject *project = get_project (self);
  EadTrainParams params;
  g_autoptr (GError) error = NULL;

  if (project == NULL || self->job != NULL)
    return;
  ead_train_params_init (&params);
  params.size = gtk_drop_down_get_selected (self->size_choice) == 1 ? EAD_MODEL_MEDIUM
                                                                    : EAD_MODEL_SMALL;
  /* In minutes, the steps are only the trainer's until the speed fixes them. */
  params.steps = trains_for_minutes (self) ? default_steps (self)
                                           : gtk_spin_button_get_value_as_int (self->length_spin);
  params.minutes = trains_for_minutes (self) ? gtk_spin_button_get_value (self->length_spin) : 0;
  params.validate_every = EAD_TRAIN_DEFAULT_VALIDATE_EVERY;
  params.patience = gtk_spin_button_get_value_as_int (self->patience_spin);
  params.image_size = gtk_spin_button_get_value_as_int (self->image_size_spin);
  params.precision = gtk_drop_down_get_selected (self->precision_choice) == 1
                     ? EAD_PRECISION_BF16 : EAD_PRECISION_FP32;
  params.teacher_path = self->teacher_path;
  params.penalty_dir = self->penalty_dir;
  params.checkpoint_every = EAD_TRAIN_DEFAULT_CHECKPOINT_EVERY;
  params.device = chosen_device (self);
  gint64 run_id = ead_project_add_run (project, &params, &error);
  if (run_id == 0)
    {
      g_autofree char *message = describe_refusal (&params, error);
      ead_widget_show_error (GTK_WIDGET (self), message);
    }
  else
    train (self, run_id, 0);
}

static void
stop_job (EadTrainingView *self, gboolean stop)
{
  if (self->job == NULL)
    return;
  self->job->stop = stop;
  g_cancellable_cancel (self->job->cancellable);
  gtk_progress_bar_set_text (self->progress_bar, _("Stopping at the next step…"));
  set_action_enabled (self, "train-pause", FALSE);
  set_action_enabled (self, "train-stop", FALSE);
}

static void
train_pause_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  stop_job (user_data, FALSE);
}

static void
train_stop_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  stop_job (user_data, TRUE);
}

static void
train_resume_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EadTrainingView *self = user_data;
  const EadRunInfo *run = selected_run (self);

  if (self->job == NULL && run != NULL && is_resumable (run->state))
    train (self, run->id, run->checkpoint_step);
}

static const GActionEntry train_actions[] = {
  { "train-start", train_start_activated },
  { "train-pause", train_pause_activated },
  { "train-resume", train_resume_activated },
  { "train-stop", train_stop_activated },
};

void
ead_training_view_add_actions (EadTrainingView *self, GActionMap *map)
{
  g_return_if_fail (EAD_IS_TRAINING_VIEW (self));
  g_return_if_fail (G_IS_ACTION_MAP (map));

  g_action_map_add_action_entries (map, train_actions, G_N_ELEMENTS (train_actions), self);
  self->actions = map;
  update_actions (self);
}

/* The length offered for the unit and device chosen. */
static void
device_changed (EadTrainingView *self)
{
  gtk_spin_button_set_value (self->length_spin, trains_for_minutes (self) ? DEFAULT_MINUTES
                                                                          : default_steps (self));
}

static void
length_unit_changed (EadTrainingView *self)
{
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (self->length_spin);
  double increment = trains_for_minutes (self) ? 1 : 100;

  gtk_adjustment_set_step_increment (adjustment, increment);
  gtk_adjustment_set_page_increment (adjustment, 10 * increment);
  device_changed (self);
}

static void
show_choices (EadTrainingView *self)
{
  g_autofree char *teacher = self->teacher_path != NULL ? g_path_get_basename (self->teacher_path)
                                                        : NULL;
  g_autofree char *penalty = self->penalty_dir != NULL ? g_path_get_basename (self->penalty_dir)
                                                       : NULL;

  gtk_label_set_text (self->teacher_label,
                      teacher != NULL ? teacher : _("Random (for testing only)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->teacher_label), self->teacher_path);
  gtk_label_set_text (self->penalty_label, penalty != NULL ? penalty : _("None"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->penalty_label), self->penalty_dir);
}

static void
file_chosen (GtkNativeDialog *chooser, int response, EadTrainingView *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gboolean teacher = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser))
                     == GTK_FILE_CHOOSER_ACTION_OPEN;

  g_clear_object (&self->chooser);
  if (response != GTK_RESPONSE_ACCEPT || file == NULL)
    return;
  g_free (teacher ? self->teacher_path : self->penalty_dir);
  if (teacher)
    self->teacher_path = g_file_get_path (file);
  else
    self->penalty_dir = g_file_get_path (file);
  show_choices (self);
}

static void
choose_file (EadTrainingView *self, const char *title, GtkFileChooserAction action)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                           : NULL,
                                               action, _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
choose_teacher_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  choose_file (EAD_TRAINING_VIEW (widget), _("Choose a Teacher"), GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
choose_penalty_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  choose_file (EAD_TRAINING_VIEW (widget), _("Choose a Folder of Penalty Images"),
               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

static void
random_teacher_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadTrainingView *self = EAD_TRAINING_VIEW (widget);

  g_clear_pointer (&self->teacher_path, g_free);
  show_choices (self);
}

static void
clear_penalty_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadTrainingView *self = EAD_TRAINING_VIEW (widget);

  g_clear_pointer (&self->penalty_dir, g_free);
  show_choices (self);
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
  self->actions = NULL;
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
  gtk_widget_class_bind_template_callback (widget_class, run_selected);
  gtk_widget_class_install_action (widget_class, "training.choose-teacher", NULL,
                                   choose_teacher_activated);
  gtk_widget_class_install_action (widget_class, "training.random-teacher", NULL,
                                   random_teacher_activated);
  gtk_widget_class_install_action (widget_class, "training.choose-penalty", NULL,
                                   choose_penalty_activated);
  gtk_widget_class_install_action (widget_class, "training.clear-penalty", NULL,
                                   clear_penalty_activated);
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
  show_choices (self);
  reload (self);
}

GtkWidget *
ead_training_view_new (void)
{
  return g_object_new (EAD_TYPE_TRAINING_VIEW, NULL);
}

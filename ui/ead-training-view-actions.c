/* ead-training-view-actions.c: the Training view's actions: start, pause,
 * resume and stop a run, and choose its teacher and penalty images. */

#include "ead-training-view-private.h"

#include <glib/gi18n.h>

#include "ead-data-dir.h"
#include "ead-window.h"

void
_ead_training_view_update_actions (EadTrainingView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean open = _ead_training_view_get_project (self) != NULL;
  gboolean training = self->job != NULL;
  const EadRunInfo *run = _ead_training_view_selected_run (self);

  gtk_widget_action_set_enabled (widget, "training.start", open && !training);
  gtk_widget_action_set_enabled (widget, "training.pause", training);
  gtk_widget_action_set_enabled (widget, "training.stop", training);
  gtk_widget_action_set_enabled (widget, "training.resume",
                                 open && !training && run != NULL
                                 && _ead_training_view_is_resumable (run->state));
  gtk_widget_set_sensitive (GTK_WIDGET (self->parameters), !training);
  gtk_widget_set_sensitive (GTK_WIDGET (self->runs_list), !training);
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

static void
start_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadTrainingView *self = EAD_TRAINING_VIEW (widget);
  EadProject *project = _ead_training_view_get_project (self);
  gboolean in_minutes = _ead_training_view_trains_for_minutes (self);
  EadTrainParams params;
  g_autoptr (GError) error = NULL;

  if (project == NULL || self->job != NULL)
    return;
  ead_train_params_init (&params);
  params.size = gtk_drop_down_get_selected (self->size_choice) == 1 ? EAD_MODEL_MEDIUM
                                                                    : EAD_MODEL_SMALL;
  /* In minutes, the steps are only the trainer's until the speed fixes them. */
  params.steps = in_minutes ? _ead_training_view_default_steps (self)
                            : gtk_spin_button_get_value_as_int (self->length_spin);
  params.minutes = in_minutes ? gtk_spin_button_get_value (self->length_spin) : 0;
  params.validate_every = EAD_TRAIN_DEFAULT_VALIDATE_EVERY;
  params.patience = gtk_spin_button_get_value_as_int (self->patience_spin);
  params.image_size = gtk_spin_button_get_value_as_int (self->image_size_spin);
  params.tiles = gtk_spin_button_get_value_as_int (self->tiles_spin);
  params.precision = gtk_drop_down_get_selected (self->precision_choice) == 1
                     ? EAD_PRECISION_BF16 : EAD_PRECISION_FP32;
  params.teacher_path = self->teacher_path;
  params.penalty_dir = self->penalty_dir;
  params.checkpoint_every = EAD_TRAIN_DEFAULT_CHECKPOINT_EVERY;
  params.device = _ead_training_view_chosen_device (self);
  gint64 run_id = ead_project_add_run (project, &params, &error);
  if (run_id == 0)
    {
      g_autofree char *message = describe_refusal (&params, error);
      ead_widget_show_error (GTK_WIDGET (self), message);
    }
  else
    _ead_training_view_train (self, run_id, 0);
}

static void
pause_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  _ead_training_view_stop_job (EAD_TRAINING_VIEW (widget), FALSE);
}

static void
stop_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  _ead_training_view_stop_job (EAD_TRAINING_VIEW (widget), TRUE);
}

static void
resume_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadTrainingView *self = EAD_TRAINING_VIEW (widget);
  const EadRunInfo *run = _ead_training_view_selected_run (self);

  if (self->job == NULL && run != NULL && _ead_training_view_is_resumable (run->state))
    _ead_training_view_train (self, run->id, run->checkpoint_step);
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
  _ead_training_view_show_choices (self);
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
  _ead_training_view_show_choices (self);
}

static void
shipped_penalty_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadTrainingView *self = EAD_TRAINING_VIEW (widget);
  g_autoptr (GError) error = NULL;
  g_autofree char *shipped = ead_data_find_penalty_images (&error);

  if (shipped == NULL)
    {
      ead_widget_show_error (widget, error->message);
      return;
    }
  g_free (self->penalty_dir);
  self->penalty_dir = g_steal_pointer (&shipped);
  _ead_training_view_show_choices (self);
}

static void
clear_penalty_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadTrainingView *self = EAD_TRAINING_VIEW (widget);

  g_clear_pointer (&self->penalty_dir, g_free);
  _ead_training_view_show_choices (self);
}

void
_ead_training_view_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "training.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "training.pause", NULL, pause_activated);
  gtk_widget_class_install_action (widget_class, "training.resume", NULL, resume_activated);
  gtk_widget_class_install_action (widget_class, "training.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "training.choose-teacher", NULL,
                                   choose_teacher_activated);
  gtk_widget_class_install_action (widget_class, "training.random-teacher", NULL,
                                   random_teacher_activated);
  gtk_widget_class_install_action (widget_class, "training.choose-penalty", NULL,
                                   choose_penalty_activated);
  gtk_widget_class_install_action (widget_class, "training.shipped-penalty", NULL,
                                   shipped_penalty_activated);
  gtk_widget_class_install_action (widget_class, "training.clear-penalty", NULL,
                                   clear_penalty_activated);
}

/* ead-window.c: a workbench window. */

#include "ead-window.h"

#include <glib/gi18n.h>

#include "ead-calibration-view.h"
#include "ead-export-view.h"
#include "ead-images-view.h"
#include "ead-line-view.h"
#include "ead-review-view.h"
#include "ead-start-view.h"
#include "ead-training-view.h"

struct _EadWindow {
  GtkApplicationWindow parent_instance;

  EadSession *session;
  GSettings *settings;
  /* A dropped folder waiting for the new project it goes into. */
  GFile *pending_import;
  GtkFileChooserNative *chooser;
  /* The open in progress, NULL when none is. */
  GCancellable *opening;

  GtkLabel *project_label;
  GtkSpinner *open_spinner;
  GtkStack *stack;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  EadImagesView *images_view;
  EadTrainingView *training_view;
  EadCalibrationView *calibration_view;
  EadReviewView *review_view;
  EadExportView *export_view;
  EadLineView *line_view;
};

G_DEFINE_FINAL_TYPE (EadWindow, ead_window, GTK_TYPE_APPLICATION_WINDOW)

void
ead_window_show_error (EadWindow *self, const char *message)
{
  g_return_if_fail (EAD_IS_WINDOW (self));

  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

void
ead_widget_show_error (GtkWidget *widget, const char *message)
{
  if (!gtk_widget_activate_action (widget, "win.show-error", "s", message))
    g_warning ("%s", message);
}

static void
show_view (EadWindow *self, const char *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
}

static void
project_opened (EadWindow *self, GFile *file)
{
  EadApplication *app = EAD_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  ead_application_add_recent (app, file);
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  show_view (self, "images");
}

static void
import_files (EadWindow *self, GFile *const *files, guint n_files)
{
  show_view (self, "images");
  ead_images_view_import (self->images_view, files, n_files);
}

static void
project_open_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (EadWindow) self = user_data;
  GCancellable *opening = g_task_get_cancellable (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gboolean opened = ead_session_open_finish (EAD_SESSION (source), result, &error);

  /* A later open, or the window closing, overtook this one. */
  if (opening != self->opening)
    return;
  g_clear_object (&self->opening);
  gtk_spinner_stop (self->open_spinner);
  if (opened)
    project_opened (self, ead_session_get_file (self->session));
  else
    ead_window_show_error (self, error->message);
}

static void
cancel_open (EadWindow *self)
{
  if (self->opening != NULL)
    g_cancellable_cancel (self->opening);
  g_clear_object (&self->opening);
}

/* Opens @file in the background, the spinner turning meanwhile. */
static void
open_project (EadWindow *self, GFile *file)
{
  cancel_open (self);
  self->opening = g_cancellable_new ();
  gtk_spinner_start (self->open_spinner);
  ead_session_open_async (self->session, file, self->opening, project_open_finished,
                          g_object_ref (self));
}

static void
close_chooser (EadWindow *self)
{
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}

static GtkFileFilter *
project_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("EfficientAD Projects"));
  /* The suffix goes without its dot. */
  gtk_file_filter_add_suffix (filter, EAD_PROJECT_EXTENSION + 1);
  return filter;
}

static void
new_project_response (GtkNativeDialog *chooser, int response, EadWindow *self)
{
  g_autoptr (GFile) chosen = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autoptr (GFile) folder = g_steal_pointer (&self->pending_import);
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;

  g_clear_object (&self->chooser);
  if (response != GTK_RESPONSE_ACCEPT || chosen == NULL)
    return;

  g_autofree char *basename = g_file_get_basename (chosen);
  if (g_str_has_suffix (basename, EAD_PROJECT_EXTENSION))
    file = g_steal_pointer (&chosen);
  else
    {
      g_autofree char *name = g_strconcat (basename, EAD_PROJECT_EXTENSION, NULL);
      g_autoptr (GFile) parent = g_file_get_parent (chosen);
      file = g_file_get_child (parent, name);
    }

  if (!ead_session_create (self->session, file, &error))
    {
      ead_window_show_error (self, error->message);
      return;
    }
  project_opened (self, file);
  if (folder != NULL)
    import_files (self, &folder, 1);
}

/* Asks where the new project goes; a project for a dropped @folder is
 * suggested beside it, under its name. */
static void
choose_new_project (EadWindow *self, GFile *folder)
{
  g_autoptr (GtkFileFilter) filter = project_filter ();

  close_chooser (self);
  g_set_object (&self->pending_import, folder);

  self->chooser = gtk_file_chooser_native_new (_("New Project"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Create"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  if (folder != NULL)
    {
      g_autofree char *basename = g_file_get_basename (folder);
      g_autofree char *name = g_strconcat (basename, EAD_PROJECT_EXTENSION, NULL);
      g_autoptr (GFile) parent = g_file_get_parent (folder);

      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), parent, NULL);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
    }
  else
    {
      /* Translators: the name a new project file is first given. */
      g_autofree char *name = g_strconcat (_("Untitled"), EAD_PROJECT_EXTENSION, NULL);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
    }
  g_signal_connect (self->chooser, "response", G_CALLBACK (new_project_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_project_response (GtkNativeDialog *chooser, int response, EadWindow *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  g_clear_object (&self->chooser);
  if (response == GTK_RESPONSE_ACCEPT && file != NULL)
    open_project (self, file);
}

static void
new_project_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  choose_new_project (EAD_WINDOW (user_data), NULL);
}

static void
open_project_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EadWindow *self = EAD_WINDOW (user_data);
  g_autoptr (GtkFileFilter) filter = project_filter ();

  close_chooser (self);
  self->chooser = gtk_file_chooser_native_new (_("Open Project"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (open_project_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_file_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_autoptr (GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  ead_window_open_files (EAD_WINDOW (user_data), &file, 1);
}

static void
close_project_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EadWindow *self = EAD_WINDOW (user_data);

  ead_session_close (self->session);
  show_view (self, "start");
}

static void
dismiss_error_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  gtk_revealer_set_reveal_child (EAD_WINDOW (user_data)->error_revealer, FALSE);
}

static void
view_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  EadWindow *self = EAD_WINDOW (user_data);
  const char *name = g_variant_get_string (value, NULL);

  if (gtk_stack_get_child_by_name (self->stack, name) != NULL)
    show_view (self, name);
}

static void
export_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EadWindow *self = EAD_WINDOW (user_data);

  show_view (self, "export");
  ead_export_view_choose_and_export (self->export_view);
}

/* The Review view's empty state: the Calibration view scores the test
 * images of its model, and shows why where it cannot. */
static void
score_test_images_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EadWindow *self = EAD_WINDOW (user_data);

  show_view (self, "calibration");
  gtk_widget_activate_action (GTK_WIDGET (self->calibration_view), "calibration.calibrate", NULL);
}

/* The Calibration view's way to the good images a model scores highest. */
static void
review_good_images_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EadWindow *self = EAD_WINDOW (user_data);

  if (ead_review_view_show_good_images (self->review_view, g_variant_get_int64 (parameter)))
    show_view (self, "review");
}

static void
show_error_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  ead_window_show_error (EAD_WINDOW (user_data), g_variant_get_string (parameter, NULL));
}

static const GActionEntry win_actions[] = {
  { "show-error", show_error_activated, "s" },
  { "new-project", new_project_activated },
  { "open-project", open_project_activated },
  { "open-file", open_file_activated, "s" },
  { "close-project", close_project_activated },
  { "dismiss-error", dismiss_error_activated },
  { "view", NULL, "s", "'start'", view_change_state },
  { "export-model", export_model_activated },
  { "score-test-images", score_test_images_activated },
  { "review-good-images", review_good_images_activated, "x" },
};

/* Keeps the view action's state on the visible view, however it was chosen. */
static void
visible_view_changed (EadWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "view");
  const char *name = gtk_stack_get_visible_child_name (self->stack);

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (name));
  /* Training or testing in another view may have brought results. */
  if (g_strcmp0 (name, "review") == 0)
    ead_review_view_reload (self->review_view);
  else if (g_strcmp0 (name, "export") == 0)
    ead_export_view_reload (self->export_view);
}

void
ead_window_open_files (EadWindow *self, GFile **files, gsize n_files)
{
  g_return_if_fail (EAD_IS_WINDOW (self));

  g_autoptr (GPtrArray) to_import = g_ptr_array_new ();

  for (gsize i = 0; i < n_files; i++)
    {
      GFileType type = g_file_query_file_type (files[i], G_FILE_QUERY_INFO_NONE, NULL);
      g_autofree char *basename = g_file_get_basename (files[i]);
      gboolean project_open = ead_session_get_file (self->session) != NULL;

      if (type == G_FILE_TYPE_UNKNOWN || g_str_has_suffix (basename, EAD_PROJECT_EXTENSION))
        open_project (self, files[i]);
      else if (project_open && (type == G_FILE_TYPE_DIRECTORY || type == G_FILE_TYPE_REGULAR))
        g_ptr_array_add (to_import, files[i]);
      else if (type == G_FILE_TYPE_DIRECTORY)
        choose_new_project (self, files[i]);
      else
        {
          g_autofree char *name = g_file_get_parse_name (files[i]);
          g_autofree char *message =
            g_strdup_printf (_("“%s” is neither a project file nor a folder"), name);
          ead_window_show_error (self, message);
        }
    }
  /* Image files and folders dropped on an open project go in together. */
  if (to_import->len > 0)
    import_files (self, (GFile **) to_import->pdata, to_import->len);
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, EadWindow *self)
{
  GSList *list = gdk_file_list_get_files (g_value_get_boxed (value));
  g_autoptr (GPtrArray) files = g_ptr_array_new ();

  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  g_slist_free (list);
  ead_window_open_files (self, (GFile **) files->pdata, files->len);
  return files->len > 0;
}

static void
session_changed (EadWindow *self)
{
  const char *title = ead_session_get_title (self->session);
  gboolean open = title != NULL;

  g_simple_action_set_enabled (
    G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "close-project")), open);
  g_simple_action_set_enabled (
    G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "export-model")), open);
  gtk_label_set_text (self->project_label, open ? title : "");
  if (open)
    {
      /* Translators: the window title: the open project's name, then the program's. */
      g_autofree char *window_title = g_strdup_printf (_("%s — EfficientAD Workbench"), title);
      gtk_window_set_title (GTK_WINDOW (self), window_title);
    }
  else
    gtk_window_set_title (GTK_WINDOW (self), _("EfficientAD Workbench"));

}

static gboolean
ead_window_close_request (GtkWindow *window)
{
  EadWindow *self = EAD_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set (self->settings, "window-size", "(ii)", width, height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (ead_window_parent_class)->close_request (window);
}

static void
ead_window_dispose (GObject *object)
{
  EadWindow *self = EAD_WINDOW (object);

  close_chooser (self);
  cancel_open (self);
  g_clear_object (&self->pending_import);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_WINDOW);

  G_OBJECT_CLASS (ead_window_parent_class)->dispose (object);
}

static void
ead_window_class_init (EadWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ead_window_dispose;
  window_class->close_request = ead_window_close_request;

  g_type_ensure (EAD_TYPE_CALIBRATION_VIEW);
  g_type_ensure (EAD_TYPE_EXPORT_VIEW);
  g_type_ensure (EAD_TYPE_IMAGES_VIEW);
  g_type_ensure (EAD_TYPE_LINE_VIEW);
  g_type_ensure (EAD_TYPE_REVIEW_VIEW);
  g_type_ensure (EAD_TYPE_START_VIEW);
  g_type_ensure (EAD_TYPE_TRAINING_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/efficientad/Workbench/ui/ead-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EadWindow, project_label);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, open_spinner);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, images_view);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, training_view);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, calibration_view);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, review_view);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, export_view);
  gtk_widget_class_bind_template_child (widget_class, EadWindow, line_view);
  gtk_widget_class_bind_template_callback (widget_class, visible_view_changed);
}

static void
ead_window_init (EadWindow *self)
{
  GtkDropTarget *drop;
  int width, height;

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions),
                                   self);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (EAD_APPLICATION_ID);
  g_settings_get (self->settings, "window-size", "(ii)", &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  self->session = ead_session_new ();
  g_signal_connect_object (self->session, "notify::file", G_CALLBACK (session_changed), self,
                           G_CONNECT_SWAPPED);
  session_changed (self);
  ead_images_view_set_session (self->images_view, self->session);
  ead_training_view_set_session (self->training_view, self->session);
  ead_calibration_view_set_session (self->calibration_view, self->session);
  ead_review_view_set_session (self->review_view, self->session);
  ead_export_view_set_session (self->export_view, self->session);
  ead_line_view_set_session (self->line_view, self->session);
  visible_view_changed (self);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

EadWindow *
ead_window_new (EadApplication *application)
{
  return g_object_new (EAD_TYPE_WINDOW, "application", application, NULL);
}

EadSession *
ead_window_get_session (EadWindow *self)
{
  g_return_val_if_fail (EAD_IS_WINDOW (self), NULL);

  return self->session;
}

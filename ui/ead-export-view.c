/* ead-export-view.c: the Export view: a model, its threshold and metrics,
 * written as a model file. */

#include "ead-export-view-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "ead-confirm.h"
#include "ead-model-chooser.h"
#include "ead-names.h"
#include "ead-report.h"
#include "ead-status-page.h"

struct _EadExportView {
  GtkWidget parent_instance;

  EadSession *session;
  GFile *destination;
  GtkFileChooserNative *chooser;
  GtkFileChooserNative *report_chooser;
  /* Whether the file is written as soon as the chooser answers. */
  gboolean export_when_chosen;
  /* The file being written in a worker (its job's identity), NULL when none is. */
  GCancellable *job;
  /* The chosen model's test results show it unfit for the line: exporting
   * it asks first, once per model. */
  gboolean unfit;
  gint64 unfit_accepted;

  GtkStack *stack;
  EadModelChooser *model_chooser;
  GtkDropDown *format_drop;
  GtkWidget *assessment_box;
  GtkLabel *assessment_label;
  GtkLabel *threshold_label;
  GtkLabel *validated_label;
  GtkLabel *auroc_label;
  GtkLabel *f1_label;
  GtkLabel *pixel_label;
  GtkLabel *calibration_label;
  GtkLabel *destination_label;
  GtkLabel *result_label;
};

G_DEFINE_FINAL_TYPE (EadExportView, ead_export_view, GTK_TYPE_WIDGET)

static EadProject *
get_project (EadExportView *self)
{
  return self->session != NULL ? ead_session_get_project (self->session) : NULL;
}

/* The model chosen, 0 for none. */
static gint64
get_model (EadExportView *self)
{
  return ead_model_chooser_get_model (self->model_chooser);
}

/* Shows the outcome of an export: @error's one line, or success. */
static void
show_result (EadExportView *self, const char *text, gboolean failed)
{
  gtk_label_set_text (self->result_label, text);
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->result_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), "error");
}

/* A fraction as a percentage, or a dash where it is not defined. */
static char *
format_fraction (double value)
{
  return isnan (value) ? g_strdup ("—") : g_strdup_printf ("%.1f%%", 100.0 * value);
}

static char *
describe_threshold (const EadModelInfo *info)
{
  switch (info->threshold_method)
    {
    case EAD_THRESHOLD_F1_MAX:
      /* Translators: the threshold, then how it was chosen. */
      return g_strdup_printf (_("%.4f (the best F1 on the test images)"), info->threshold);
    case EAD_THRESHOLD_MAX_FPR:
      /* Translators: the threshold, then the largest share of good images it may flag. */
      return g_strdup_printf (_("%.4f (at most %.1f%% of good images flagged)"), info->threshold,
                              100.0 * info->threshold_parameter);
    default:
      /* Translators: the threshold, given as a number. */
      return g_strdup_printf (_("%.4f (given)"), info->threshold);
    }
}

/* The pixel metrics of the model's latest test, which the project keeps. */
static char *
describe_pixel_metrics (EadProject *project, gint64 model_id)
{
  g_autoptr (GArray) tested = ead_project_get_test_metrics (project, model_id, EAD_MAP_FUSED, NULL,
                                                            NULL);

  if (tested == NULL || tested->len == 0)
    return g_strdup (_("Not measured yet: score the test images in the Calibration view"));
  const EadMetrics *overall = &g_array_index (tested, EadMetrics, 0);
  if (isnan (overall->pixel_auroc))
    return g_strdup (_("Not measured: the test images have no defect masks"));
  g_autofree char *pixel_auroc = format_fraction (overall->pixel_auroc);
  g_autofree char *aupro = format_fraction (overall->aupro);
  /* Translators: pixel AUROC, then AU-PRO, of the latest test. */
  return g_strdup_printf (_("%s · %s"), pixel_auroc, aupro);
}

/* Fills the labels with what the chosen model was validated with. */
static void
show_model (EadExportView *self)
{
  EadProject *project = get_project (self);
  gint64 model_id = get_model (self);
  EadModelInfo info;
  EadModelAssessment assessment;
  const EadImageMetrics *metrics = &assessment.metrics;
  EadConfusion confusion;
  g_autoptr (GError) error = NULL;
  g_autofree char *threshold = NULL, *validated = NULL, *auroc = NULL, *f1 = NULL;
  g_autofree char *calibration = NULL, *pixel = NULL, *warning = NULL;

  if (project == NULL || model_id == 0)
    return;
  if (!ead_project_get_model (project, model_id, &info, &error)
      || !ead_project_assess_model (project, model_id, &assessment, &error))
    {
      show_result (self, error->message, TRUE);
      return;
    }
  warning = ead_model_assessment_describe (&assessment);
  self->unfit = assessment.fitness == EAD_FITNESS_WEAK;
  gtk_label_set_text (self->assessment_label, warning != NULL ? warning : "");
  gtk_widget_set_visible (self->assessment_box, warning != NULL);
  threshold = info.has_threshold
                ? describe_threshold (&info)
                : g_strdup (_("None yet: choose one in the Calibration view"));
  /* Translators: how many labelled test images the model's metrics are over. */
  validated = g_strdup_printf (_("%u good and %u anomalous test images"), metrics->n_good,
                               metrics->n_anomalous);
  auroc = format_fraction (metrics->image_auroc);
  if (info.has_threshold && ead_project_count_decisions (project, model_id, &confusion, NULL)
      && !isnan (ead_confusion_f1 (&confusion)))
    {
      g_autofree char *at = format_fraction (ead_confusion_f1 (&confusion));
      g_autofree char *best = format_fraction (metrics->f1_max);
      /* Translators: F1 at the model's threshold, then the best F1 of any threshold. */
      f1 = g_strdup_printf (_("%s at the threshold (best %s)"), at, best);
    }
  else
    f1 = format_fraction (metrics->f1_max);
  pixel = describe_pixel_metrics (project, model_id);
  calibration = g_strdup_printf (ngettext ("On %u good validation image",
                                           "On %u good validation images", info.n_validation),
                                 info.n_validation);
  gtk_label_set_text (self->threshold_label, threshold);
  gtk_label_set_text (self->validated_label, validated);
  gtk_label_set_text (self->auroc_label, auroc);
  gtk_label_set_text (self->f1_label, f1);
  gtk_label_set_text (self->pixel_label, pixel);
  gtk_label_set_text (self->calibration_label, calibration);
  ead_model_info_clear (&info);
}

static void
update_actions (EadExportView *self)
{
  gboolean can_write = get_model (self) != 0 && self->job == NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.export",
                                 can_write && self->destination != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.choose-destination", can_write);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.save-report", can_write);
}

void
ead_export_view_reload (EadExportView *self)
{
  EadProject *project;
  g_autoptr (GArray) models = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;

  g_return_if_fail (EAD_IS_EXPORT_VIEW (self));

  project = get_project (self);
  if (project != NULL && (models = ead_project_list_models (project, &error)) == NULL)
    show_result (self, error->message, TRUE);
  for (guint i = 0; models != NULL && i < models->len; i++)
    g_array_append_val (ids, g_array_index (models, EadModelInfo, i).id);
  /* The model chosen before, or the newest. */
  ead_model_chooser_set_models (self->model_chooser, (const gint64 *) ids->data, NULL, ids->len);

  gtk_stack_set_visible_child_name (self->stack, project == NULL  ? "none"
                                                 : ids->len == 0 ? "empty"
                                                                 : "export");
  show_model (self);
  update_actions (self);
}

static void
model_chosen (EadExportView *self)
{
  show_result (self, "", FALSE);
  show_model (self);
}

void
ead_export_view_set_destination (EadExportView *self, GFile *destination)
{
  g_return_if_fail (EAD_IS_EXPORT_VIEW (self));
  g_return_if_fail (destination == NULL || G_IS_FILE (destination));

  g_set_object (&self->destination, destination);
  if (destination != NULL)
    {
      g_autofree char *name = g_file_get_parse_name (destination);
      gtk_label_set_text (self->destination_label, name);
    }
  else
    gtk_label_set_text (self->destination_label, _("Not chosen yet"));
  show_result (self, "", FALSE);
  update_actions (self);
}

static EadExportFormat
chosen_format (EadExportView *self)
{
  /* The drop-down lists the formats in the enumeration's order. */
  return (EadExportFormat) gtk_drop_down_get_selected (self->format_drop);
}

/* A destination already chosen follows the format: only its suffix changes. */
static void
format_changed (EadExportView *self)
{
  if (self->destination == NULL)
    return;
  g_autofree char *path = g_file_get_path (self->destination);
  char *dot = strrchr (path, '.');
  if (dot != NULL && strchr (dot, G_DIR_SEPARATOR) == NULL)
    *dot = '\0';
  g_autofree char *renamed = g_strconcat (path, ead_export_format_get_suffix (chosen_format (self)),
                                          NULL);
  g_autoptr (GFile) file = g_file_new_for_path (renamed);
  ead_export_view_set_destination (self, file);
}

GFile *
ead_export_view_get_destination (EadExportView *self)
{
  g_return_val_if_fail (EAD_IS_EXPORT_VIEW (self), NULL);

  return self->destination;
}

/* A model file or report written in a worker thread. Its task's source is
 * the session, never the view, which it reaches through a weak reference. */
typedef struct {
  GWeakRef view;
  char *project_path;
  gint64 model_id;
  gboolean report;          /* the inspection report rather than the model file */
  EadExportFormat format;   /* of the model file */
  char *path;
  char *sha256;             /* of the model file written */
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_weak_ref_clear (&job->view);
  g_free (job->project_path);
  g_free (job->path);
  g_free (job->sha256);
  g_free (job);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;
  g_autoptr (EadProject) project = ead_project_reopen (job->project_path, &error);
  gboolean written = project != NULL
                     && (job->report ? ead_report_write (project, job->model_id, job->path, &error)
                                     : ead_project_export_model (project, job->model_id, job->format,
                                                                 job->path, &job->sha256, &error));

  if (written)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
export_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (EadExportView) self = g_weak_ref_get (&job->view);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean written = g_task_propagate_boolean (G_TASK (result), &error);

  /* A view gone, or on another project since, has nothing to show. */
  if (self == NULL || self->job != g_task_get_cancellable (G_TASK (result)))
    return;
  g_clear_object (&self->job);
  update_actions (self);
  if (!written)
    text = g_strdelimit (g_strdup (error->message), "\n", ' ');
  else if (job->report)
    text = g_strdup_printf (_("Report saved to %s"), job->path);
  else
    /* Translators: the file written, then its SHA-256 checksum. */
    text = g_strdup_printf (_("Exported to %s (SHA-256 %s)"), job->path, job->sha256);
  show_result (self, text, !written);
}

/* Writes @file (the model file, or the report) in a worker thread, saying
 * @busy meanwhile; there is one job at a time. */
static void
start_job (EadExportView *self, GFile *file, gboolean report, const char *busy)
{
  EadProject *project = get_project (self);
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
  g_autoptr (GTask) task = NULL;
  ExportJob *job;

  if (self->job != NULL)
    return;
  if (project == NULL || get_model (self) == 0 || path == NULL)
    {
      show_result (self, _("Choose a model and a destination on this computer first"), TRUE);
      return;
    }
  job = g_new0 (ExportJob, 1);
  g_weak_ref_init (&job->view, self);
  job->project_path = g_strdup (ead_project_get_path (project));
  job->model_id = get_model (self);
  job->report = report;
  job->format = chosen_format (self);
  job->path = g_steal_pointer (&path);
  self->job = g_cancellable_new ();
  show_result (self, busy, FALSE);
  update_actions (self);
  task = g_task_new (self->session, self->job, export_finished, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
ead_export_view_is_busy (EadExportView *self)
{
  g_return_val_if_fail (EAD_IS_EXPORT_VIEW (self), FALSE);

  return self->job != NULL;
}

static void
export_now (gpointer user_data)
{
  EadExportView *self = user_data;

  self->unfit_accepted = get_model (self);
  start_job (self, self->destination, FALSE, _("Exporting…"));
}

static void
export_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadExportView *self = EAD_EXPORT_VIEW (widget);

  if (self->unfit && self->unfit_accepted != get_model (self))
    ead_confirm (widget, _("Export a model that is not fit for the line?"),
                 gtk_label_get_text (self->assessment_label), _("_Export Anyway"),
                 "destructive-action", export_now, self);
  else
    export_now (self);
}

static void
destination_chosen (GtkNativeDialog *chooser, int response, EadExportView *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  g_clear_object (&self->chooser);
  if (response != GTK_RESPONSE_ACCEPT || file == NULL)
    return;
  ead_export_view_set_destination (self, file);
  if (self->export_when_chosen)
    gtk_widget_activate_action (GTK_WIDGET (self), "export.export", NULL);
}

/* A modal chooser of a file to write, over the view's window. */
static GtkFileChooserNative *
new_save_chooser (EadExportView *self, const char *title, const char *accept)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, accept, _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  return chooser;
}

static void
choose_destination (EadExportView *self, gboolean then_export)
{
  const char *title = ead_session_get_title (self->session);
  g_autofree char *name = NULL;

  self->export_when_chosen = then_export;
  /* The chooser asked for already is still open. */
  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }
  self->chooser = new_save_chooser (self, _("Export Model"), _("_Export"));
  if (self->destination != NULL)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (self->chooser), self->destination, NULL);
  else
    {
      /* The project's name and the model's number. */
      name = g_strdup_printf ("%s-model-%" G_GINT64_FORMAT "%s",
                              title != NULL ? title : "efficientad", get_model (self),
                              ead_export_format_get_suffix (chosen_format (self)));
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
    }
  g_signal_connect (self->chooser, "response", G_CALLBACK (destination_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
choose_destination_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  choose_destination (EAD_EXPORT_VIEW (widget), FALSE);
}

void
ead_export_view_choose_and_export (EadExportView *self)
{
  g_return_if_fail (EAD_IS_EXPORT_VIEW (self));

  if (get_model (self) != 0)
    choose_destination (self, TRUE);
}

/* Writes the chosen model's inspection report (ead-report.h) to @file in a
 * worker thread and shows the outcome below the Export button. */
static void
save_report (EadExportView *self, GFile *file)
{
  start_job (self, file, TRUE, _("Saving the report…"));
}

static void
report_destination_chosen (GtkNativeDialog *chooser, int response, EadExportView *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  g_clear_object (&self->report_chooser);
  if (response == GTK_RESPONSE_ACCEPT && file != NULL)
    save_report (self, file);
}

static void
save_report_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadExportView *self = EAD_EXPORT_VIEW (widget);
  const char *title = ead_session_get_title (self->session);

  if (self->report_chooser == NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s-model-%" G_GINT64_FORMAT "-report.pdf",
                                               title != NULL ? title : "efficientad",
                                               get_model (self));
      self->report_chooser = new_save_chooser (self, _("Save Report"), _("_Save"));
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->report_chooser), name);
      g_signal_connect (self->report_chooser, "response", G_CALLBACK (report_destination_chosen),
                        self);
    }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->report_chooser));
}

static void
session_changed (EadExportView *self)
{
  /* A file of the project before is still written, but not reported here. */
  g_clear_object (&self->job);
  ead_model_chooser_forget (self->model_chooser);
  ead_export_view_set_destination (self, NULL);
  ead_export_view_reload (self);
}

void
ead_export_view_set_session (EadExportView *self, EadSession *session)
{
  g_return_if_fail (EAD_IS_EXPORT_VIEW (self));

  ead_session_follow (&self->session, session, self, G_CALLBACK (session_changed),
                      G_CALLBACK (ead_export_view_reload));
  session_changed (self);
}

static void
ead_export_view_dispose (GObject *object)
{
  EadExportView *self = EAD_EXPORT_VIEW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->report_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->report_chooser));
  g_clear_object (&self->report_chooser);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_object (&self->destination);
  g_clear_object (&self->job);
  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_EXPORT_VIEW);

  G_OBJECT_CLASS (ead_export_view_parent_class)->dispose (object);
}

static void
ead_export_view_class_init (EadExportViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_export_view_dispose;

  g_type_ensure (EAD_TYPE_MODEL_CHOOSER);
  g_type_ensure (EAD_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/efficientad/Workbench/ui/ead-export-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EadExportView, stack);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, model_chooser);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, format_drop);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, assessment_box);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, assessment_label);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, threshold_label);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, validated_label);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, auroc_label);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, f1_label);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, pixel_label);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, calibration_label);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, destination_label);
  gtk_widget_class_bind_template_child (widget_class, EadExportView, result_label);
  gtk_widget_class_bind_template_callback (widget_class, format_changed);
  gtk_widget_class_bind_template_callback (widget_class, model_chosen);
  gtk_widget_class_install_action (widget_class, "export.choose-destination", NULL,
                                   choose_destination_activated);
  gtk_widget_class_install_action (widget_class, "export.export", NULL, export_activated);
  gtk_widget_class_install_action (widget_class, "export.save-report", NULL,
                                   save_report_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ead_export_view_init (EadExportView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  ead_export_view_set_destination (self, NULL);
  ead_export_view_reload (self);
}

GtkWidget *
ead_export_view_new (void)
{
  return g_object_new (EAD_TYPE_EXPORT_VIEW, NULL);
}

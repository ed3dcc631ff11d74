/* ead-line-view.c: the Line view: live inspection of a watched folder. */

#include "ead-line-view-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-heatmap-view.h"
#include "ead-model-chooser.h"
#include "ead-status-page.h"
#include "ead-watch.h"

/* The rejects kept in the strip, with their maps. */
#define N_REJECTS 8
#define THUMBNAIL_SIZE 96

struct _EadLineView {
  GtkWidget parent_instance;

  EadSession *session;
  char *folder;
  GtkFileChooserNative *chooser;
  /* While watching: */
  EadLineJob *job;
  GFileMonitor *monitor;
  guint tick;                 /* refreshes the last minute's statistics */
  gboolean paused;
  /* Since the last start: */
  EadLineStats *stats;
  GQueue rejects;             /* EadLineResult, newest first */
  EadLineResult *reject_shown;

  GtkStack *stack;
  GtkWidget *settings_grid;
  EadModelChooser *model_chooser;
  GtkLabel *threshold_label;
  GtkLabel *folder_label;
  GtkCheckButton *recheck_check;
  GtkSpinButton *recheck_spin;
  GtkDropDown *filing_drop;
  GtkCheckButton *maps_check;
  GtkCheckButton *keep_check;
  GtkDropDown *precision_drop;
  GtkLabel *status_label;
  GtkLabel *inspected_label;
  GtkLabel *passed_label;
  GtkLabel *failed_label;
  GtkLabel *recheck_label;
  GtkLabel *errors_label;
  GtkLabel *waiting_label;
  GtkLabel *latency_label;
  GtkLabel *throughput_label;
  GtkLabel *decision_label;
  GtkLabel *part_label;
  GtkLabel *score_label;
  GtkPicture *latest_picture;
  GtkBox *rejects_box;
  GtkWidget *no_rejects_label;
  GtkRevealer *reject_revealer;
  GtkLabel *reject_label;
  EadHeatmapView *reject_maps;
};

G_DEFINE_FINAL_TYPE (EadLineView, ead_line_view, GTK_TYPE_WIDGET)

static const char *const decision_classes[] = { "line-pass", "line-fail", "line-recheck",
                                                "line-error" };

static EadProject *
get_project (EadLineView *self)
{
  return self->session != NULL ? ead_session_get_project (self->session) : NULL;
}

static void
update_actions (EadLineView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean watching = self->job != NULL;
  gboolean ready = ead_model_chooser_get_model (self->model_chooser) != 0
                   && self->folder != NULL;

  gtk_widget_action_set_enabled (widget, "line.start", ready && !watching);
  gtk_widget_action_set_enabled (widget, "line.pause", watching && !self->paused);
  gtk_widget_action_set_enabled (widget, "line.resume", watching && self->paused);
  gtk_widget_action_set_enabled (widget, "line.stop", watching);
  gtk_widget_action_set_enabled (widget, "line.choose-folder", !watching);
  gtk_widget_set_sensitive (self->settings_grid, !watching);
}

static void
set_status (EadLineView *self, const char *text, gboolean failed)
{
  gtk_label_set_text (self->status_label, text);
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

/* A number of milliseconds, or a dash before there is one. */
static char *
format_ms (double ms)
{
  /* Translators: a latency in milliseconds. */
  return isnan (ms) ? g_strdup ("—") : g_strdup_printf (_("%.0f ms"), ms);
}

static void
set_count (GtkLabel *label, guint count)
{
  g_autofree char *text = g_strdup_printf ("%u", count);

  gtk_label_set_text (label, text);
}

static guint
count_of (EadLineView *self, EadLineOutcome outcome)
{
  return self->stats != NULL ? ead_line_stats_count (self->stats, outcome) : 0;
}

static void
show_counters (EadLineView *self)
{
  EadLineWindow window = { 0, NAN, NAN, 0 };

  if (self->stats != NULL)
    ead_line_stats_window (self->stats, g_get_monotonic_time (), &window);
  set_count (self->inspected_label, ead_line_view_get_inspected (self));
  set_count (self->passed_label, count_of (self, EAD_LINE_PASS));
  set_count (self->failed_label, count_of (self, EAD_LINE_FAIL));
  set_count (self->recheck_label, count_of (self, EAD_LINE_RECHECK));
  set_count (self->errors_label, count_of (self, EAD_LINE_ERROR));
  set_count (self->waiting_label, ead_line_view_get_waiting (self));
  g_autofree char *p50 = format_ms (window.latency_p50_ms);
  g_autofree char *p95 = format_ms (window.latency_p95_ms);
  /* Translators: the median latency, then the 95th percentile. */
  g_autofree char *latency = g_strdup_printf (_("%s · %s"), p50, p95);
  gtk_label_set_text (self->latency_label, latency);
  /* Translators: images inspected per minute, over the last minute. */
  g_autofree char *throughput = g_strdup_printf (_("%.1f per minute"), window.per_minute);
  gtk_label_set_text (self->throughput_label, throughput);
}

static gboolean
tick (gpointer user_data)
{
  show_counters (user_data);
  return G_SOURCE_CONTINUE;
}

static GdkTexture *
texture_of (const EadImage *image)
{
  int width = ead_image_get_width (image), height = ead_image_get_height (image);
  g_autoptr (GBytes) pixels = g_bytes_new (ead_image_get_pixels (image), (gsize) width * height * 3);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, pixels, (gsize) width * 3);
}

static const char *
decision_name (EadLineOutcome outcome)
{
  switch (outcome)
    {
    case EAD_LINE_PASS:
      return C_("line decision", "PASS");
    case EAD_LINE_FAIL:
      return C_("line decision", "FAIL");
    case EAD_LINE_RECHECK:
      return C_("line decision", "RE-CHECK");
    default:
      return C_("line decision", "ERROR");
    }
}

/* "Score 0.4312 · threshold 0.3000", or why the file could not be scored. */
static char *
describe_score (const EadLineResult *result)
{
  if (result->outcome == EAD_LINE_ERROR)
    /* Translators: why an image could not be inspected. */
    return g_strdup_printf (_("Not inspected: %s"), result->error->message);
  /* Translators: the part's score against the model's threshold. */
  g_autofree char *score = g_strdup_printf (_("Score %.4f · threshold %.4f"), result->score,
                                            result->threshold);
  if (result->error == NULL)
    return g_steal_pointer (&score);
  /* Translators: the score, then why the image could not be filed away. */
  return g_strdup_printf (_("%s (not filed: %s)"), score, result->error->message);
}

/* "part-0042.png — score 0.4312": a reject's title. */
static char *
describe_reject (const EadLineResult *reject)
{
  g_autofree char *name = g_path_get_basename (reject->path);

  /* Translators: a rejected part's file name, then its score. */
  return g_strdup_printf (_("%s — score %.4f"), name, reject->score);
}

/* Colours the decision label for @outcome, or for none when negative. */
static void
set_decision_class (EadLineView *self, EadLineOutcome outcome)
{
  GtkWidget *decision = GTK_WIDGET (self->decision_label);

  for (guint i = 0; i < G_N_ELEMENTS (decision_classes); i++)
    gtk_widget_remove_css_class (decision, decision_classes[i]);
  if (outcome >= 0)
    gtk_widget_add_css_class (decision, decision_classes[outcome]);
}

/* The newest part: its decision, large, its score and its fused map. */
static void
show_result (EadLineView *self, const EadLineResult *result)
{
  g_autofree char *name = g_path_get_basename (result->path);
  g_autofree char *score = describe_score (result);
  g_autoptr (GdkTexture) texture = result->overlay != NULL ? texture_of (result->overlay) : NULL;

  set_decision_class (self, result->outcome);
  gtk_label_set_text (self->decision_label, decision_name (result->outcome));
  gtk_label_set_text (self->part_label, name);
  gtk_label_set_text (self->score_label, score);
  gtk_picture_set_paintable (self->latest_picture, GDK_PAINTABLE (texture));
}

static void
clear_result (EadLineView *self)
{
  set_decision_class (self, -1);
  gtk_label_set_text (self->decision_label, "—");
  gtk_label_set_text (self->part_label, "");
  gtk_label_set_text (self->score_label, _("Waiting for the first part"));
  gtk_picture_set_paintable (self->latest_picture, NULL);
}

static void
show_reject_maps (EadLineView *self, EadLineResult *reject)
{
  const EadScoreResult *maps = &reject->maps;
  g_autofree char *title = describe_reject (reject);

  self->reject_shown = reject;
  ead_heatmap_view_set_image (self->reject_maps, ead_image_get_pixels (reject->image),
                              maps->width, maps->height, (gsize) maps->width * 3);
  ead_heatmap_view_set_maps (self->reject_maps, maps->local, maps->global, maps->fused,
                             maps->width, maps->height);
  ead_heatmap_view_set_scores (self->reject_maps, maps->local_score, maps->global_score,
                               maps->score);
  ead_heatmap_view_set_range (self->reject_maps, 0.0, reject->map_high);
  gtk_label_set_text (self->reject_label, title);
  gtk_revealer_set_reveal_child (self->reject_revealer, TRUE);
}

static void
close_reject_maps (EadLineView *self)
{
  self->reject_shown = NULL;
  gtk_revealer_set_reveal_child (self->reject_revealer, FALSE);
  ead_heatmap_view_set_image (self->reject_maps, NULL, 0, 0, 0);
}

static void
reject_clicked (GtkButton *button, EadLineView *self)
{
  show_reject_maps (self, g_object_get_data (G_OBJECT (button), "reject"));
}

/* Drops the oldest reject of the strip, and its maps if they are shown. */
static void
drop_oldest_reject (EadLineView *self)
{
  EadLineResult *oldest = g_queue_pop_tail (&self->rejects);

  if (oldest == self->reject_shown)
    close_reject_maps (self);
  gtk_box_remove (self->rejects_box, gtk_widget_get_last_child (GTK_WIDGET (self->rejects_box)));
  ead_line_result_free (oldest);
}

/* Puts @reject (taken) first in the strip, as a thumbnail of its fused map. */
static void
add_reject (EadLineView *self, EadLineResult *reject)
{
  g_autoptr (GdkTexture) texture = texture_of (reject->overlay);
  GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  GtkWidget *button = gtk_button_new ();
  g_autofree char *tooltip = describe_reject (reject);

  gtk_widget_set_size_request (picture, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
  gtk_button_set_child (GTK_BUTTON (button), picture);
  gtk_widget_set_tooltip_text (button, tooltip);
  g_object_set_data (G_OBJECT (button), "reject", reject);
  g_signal_connect (button, "clicked", G_CALLBACK (reject_clicked), self);
  gtk_widget_set_visible (self->no_rejects_label, FALSE);
  gtk_box_prepend (self->rejects_box, button);
  g_queue_push_head (&self->rejects, reject);
  if (self->rejects.length > N_REJECTS)
    drop_oldest_reject (self);
}

static void
clear_rejects (EadLineView *self)
{
  close_reject_maps (self);
  while (self->rejects.length > 0)
    drop_oldest_reject (self);
  gtk_widget_set_visible (self->no_rejects_label, TRUE);
}

/* The worker's results, all counted; the newest shown. */
static void
results_ready (gpointer user_data)
{
  EadLineView *self = user_data;
  /* The newest result that the strip does not keep, freed once shown. */
  g_autoptr (EadLineResult) unkept = NULL;
  const EadLineResult *newest = NULL;
  EadLineResult *result;
  gboolean kept = FALSE;

  while ((result = ead_line_job_pop (self->job)) != NULL)
    {
      ead_line_stats_add (self->stats, result->outcome, result->done_us, result->latency_ms);
      kept |= result->kept_image != 0;
      g_clear_pointer (&unkept, ead_line_result_free);
      newest = result;
      if (result->outcome == EAD_LINE_FAIL)
        add_reject (self, result);
      else
        unkept = result;
    }
  if (newest != NULL)
    show_result (self, newest);
  show_counters (self);
  /* The Images and Review views list what the line kept. */
  if (kept)
    ead_session_images_changed (self->session);
}

static void
stop_watching (EadLineView *self)
{
  if (self->job == NULL)
    return;
  /* Whatever the worker finished is counted before it goes. */
  results_ready (self);
  g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_file_monitor_cancel (self->monitor);
  g_clear_object (&self->monitor);
  g_clear_pointer (&self->job, ead_line_job_stop);
  g_clear_handle_id (&self->tick, g_source_remove);
  self->paused = FALSE;
  show_counters (self);
  update_actions (self);
}

static void
job_failed (const GError *error, gpointer user_data)
{
  EadLineView *self = user_data;

  stop_watching (self);
  set_status (self, error->message, TRUE);
}

static void
folder_changed (GFileMonitor *monitor, GFile *file, GFile *other_file, GFileMonitorEvent event,
                EadLineView *self)
{
  g_autofree char *path = ead_watch_arrived (event, file, other_file);

  if (path == NULL)
    return;
  ead_line_job_push (self->job, path);
  set_count (self->waiting_label, ead_line_view_get_waiting (self));
}

static void
show_watching (EadLineView *self)
{
  g_autofree char *text = NULL;

  if (self->paused)
    /* Translators: the folder watched. */
    text = g_strdup_printf (_("Paused: new images in %s wait"), self->folder);
  else
    /* Translators: the folder watched. */
    text = g_strdup_printf (_("Watching %s"), self->folder);
  set_status (self, text, FALSE);
}

static void
queue_waiting_files (EadLineView *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) waiting = ead_watch_list_waiting (self->folder, &error);

  if (waiting == NULL)
    {
      set_status (self, error->message, TRUE);
      return;
    }
  for (guint i = 0; i < waiting->len; i++)
    ead_line_job_push (self->job, waiting->pdata[i]);
}

static void
start (EadLineView *self)
{
  g_autoptr (GError) error = NULL;
  EadLineSettings settings;

  /* A second threshold typed but not entered yet counts. */
  gtk_spin_button_update (self->recheck_spin);
  settings = (EadLineSettings) {
    .model_id = ead_model_chooser_get_model (self->model_chooser),
    .precision = gtk_drop_down_get_selected (self->precision_drop) == 1 ? EAD_PRECISION_BF16
                                                                        : EAD_PRECISION_FP32,
    .recheck = gtk_check_button_get_active (self->recheck_check)
                 ? gtk_spin_button_get_value (self->recheck_spin)
                 : NAN,
    .filing = (EadLineFiling) gtk_drop_down_get_selected (self->filing_drop),
    .save_reject_maps = gtk_check_button_get_active (self->maps_check),
    .keep_in_project = gtk_check_button_get_active (self->keep_check),
    .folder = self->folder,
  };

  if (self->job != NULL || get_project (self) == NULL || settings.model_id == 0
      || self->folder == NULL)
    return;
  self->monitor = ead_watch_monitor_folder (self->folder, &error);
  if (self->monitor == NULL)
    {
      set_status (self, error->message, TRUE);
      return;
    }
  g_signal_connect (self->monitor, "changed", G_CALLBACK (folder_changed), self);
  g_clear_pointer (&self->stats, ead_line_stats_free);
  self->stats = ead_line_stats_new (g_get_monotonic_time ());
  clear_rejects (self);
  clear_result (self);
  self->job = ead_line_job_start (self->session, &settings, results_ready, job_failed, self);
  /* What moves out once inspected and is still here arrived while the
   * line was stopped: it goes first. */
  if (settings.filing == EAD_LINE_MOVE)
    queue_waiting_files (self);
  self->tick = g_timeout_add_seconds (1, tick, self);
  show_watching (self);
  show_counters (self);
  update_actions (self);
}

static void
start_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  start (EAD_LINE_VIEW (widget));
}

static void
set_paused (EadLineView *self, gboolean paused)
{
  if (self->job == NULL)
    return;
  self->paused = paused;
  ead_line_job_set_paused (self->job, paused);
  show_watching (self);
  update_actions (self);
}

static void
pause_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  set_paused (EAD_LINE_VIEW (widget), TRUE);
}

static void
resume_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  set_paused (EAD_LINE_VIEW (widget), FALSE);
}

static void
stop_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadLineView *self = EAD_LINE_VIEW (widget);
  const guint waiting = ead_line_view_get_waiting (self);
  const gboolean moving = gtk_drop_down_get_selected (self->filing_drop) == EAD_LINE_MOVE;
  g_autofree char *text = NULL;

  stop_watching (self);
  if (waiting == 0)
    text = g_strdup (_("Stopped"));
  else if (moving)
    text = g_strdup_printf (ngettext ("Stopped: %u image was waiting; it stays in the folder "
                                      "and goes first when the line starts again",
                                      "Stopped: %u images were waiting; they stay in the folder "
                                      "and go first when the line starts again",
                                      waiting),
                            waiting);
  else
    text = g_strdup_printf (ngettext ("Stopped: %u image was waiting and was not inspected",
                                      "Stopped: %u images were waiting and were not inspected",
                                      waiting),
                            waiting);
  set_status (self, text, FALSE);
}

static void
close_reject_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  close_reject_maps (EAD_LINE_VIEW (widget));
}

void
ead_line_view_set_folder (EadLineView *self, const char *folder)
{
  g_return_if_fail (EAD_IS_LINE_VIEW (self));

  g_free (self->folder);
  self->folder = g_strdup (folder);
  gtk_label_set_text (self->folder_label, folder != NULL ? folder : _("Not chosen yet"));
  update_actions (self);
}

static void
folder_chosen (GtkNativeDialog *chooser, int response, EadLineView *self)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  g_clear_object (&self->chooser);
  if (response == GTK_RESPONSE_ACCEPT && path != NULL)
    ead_line_view_set_folder (self, path);
}

static void
choose_folder_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadLineView *self = EAD_LINE_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->chooser == NULL)
    {
      self->chooser = gtk_file_chooser_native_new (_("Folder to Watch"),
                                                   GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                   GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                   _("_Watch"), _("_Cancel"));
      gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
      g_signal_connect (self->chooser, "response", G_CALLBACK (folder_chosen), self);
    }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

void
ead_line_view_set_recheck (EadLineView *self, double recheck)
{
  g_return_if_fail (EAD_IS_LINE_VIEW (self));

  gtk_check_button_set_active (self->recheck_check, !isnan (recheck));
  if (!isnan (recheck))
    gtk_spin_button_set_value (self->recheck_spin, recheck);
}

void
ead_line_view_set_filing (EadLineView *self, EadLineFiling filing)
{
  g_return_if_fail (EAD_IS_LINE_VIEW (self));

  gtk_drop_down_set_selected (self->filing_drop, filing);
}

void
ead_line_view_set_save_reject_maps (EadLineView *self, gboolean save)
{
  g_return_if_fail (EAD_IS_LINE_VIEW (self));

  gtk_check_button_set_active (self->maps_check, save);
}

static void
recheck_toggled (EadLineView *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->recheck_spin),
                            gtk_check_button_get_active (self->recheck_check));
}

gboolean
ead_line_view_is_watching (EadLineView *self)
{
  g_return_val_if_fail (EAD_IS_LINE_VIEW (self), FALSE);

  return self->job != NULL;
}

guint
ead_line_view_get_count (EadLineView *self, EadLineOutcome outcome)
{
  g_return_val_if_fail (EAD_IS_LINE_VIEW (self), 0);

  return count_of (self, outcome);
}

guint
ead_line_view_get_inspected (EadLineView *self)
{
  g_return_val_if_fail (EAD_IS_LINE_VIEW (self), 0);

  return self->stats != NULL ? ead_line_stats_inspected (self->stats) : 0;
}

guint
ead_line_view_get_waiting (EadLineView *self)
{
  g_return_val_if_fail (EAD_IS_LINE_VIEW (self), 0);

  return self->job != NULL ? ead_line_job_get_waiting (self->job) : 0;
}

guint
ead_line_view_get_n_rejects (EadLineView *self)
{
  g_return_val_if_fail (EAD_IS_LINE_VIEW (self), 0);

  return self->rejects.length;
}

void
ead_line_view_show_reject (EadLineView *self, guint index)
{
  g_return_if_fail (EAD_IS_LINE_VIEW (self));
  g_return_if_fail (index < self->rejects.length);

  show_reject_maps (self, g_queue_peek_nth (&self->rejects, index));
}

/* The chosen model's threshold, which the line decides by. */
static void
show_model (EadLineView *self)
{
  EadProject *project = get_project (self);
  gint64 model_id = ead_model_chooser_get_model (self->model_chooser);
  EadModelInfo info;
  g_autoptr (GError) error = NULL;

  gtk_label_set_text (self->threshold_label, "");
  if (project == NULL || model_id == 0)
    return;
  if (!ead_project_get_model (project, model_id, &info, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  g_autofree char *threshold = info.has_threshold ? g_strdup_printf ("%.4f", info.threshold)
                                                  : g_strdup ("—");
  gtk_label_set_text (self->threshold_label, threshold);
  /* A second threshold not chosen yet starts above the model's. */
  if (!gtk_check_button_get_active (self->recheck_check))
    gtk_spin_button_set_value (self->recheck_spin, 1.5 * info.threshold);
  ead_model_info_clear (&info);
}

void
ead_line_view_reload (EadLineView *self)
{
  EadProject *project;
  g_autoptr (GArray) models = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;

  g_return_if_fail (EAD_IS_LINE_VIEW (self));

  /* The model inspecting the line stays while it does; the job follows
   * its calibration, and so does the threshold shown. */
  if (self->job != NULL)
    {
      show_model (self);
      return;
    }
  project = get_project (self);
  if (project != NULL && (models = ead_project_list_models (project, &error)) == NULL)
    set_status (self, error->message, TRUE);
  /* Only a model with a threshold can decide. */
  for (guint i = 0; models != NULL && i < models->len; i++)
    if (g_array_index (models, EadModelInfo, i).has_threshold)
      g_array_append_val (ids, g_array_index (models, EadModelInfo, i).id);
  ead_model_chooser_set_models (self->model_chooser, (const gint64 *) ids->data, NULL, ids->len);
  gtk_stack_set_visible_child_name (self->stack, project == NULL  ? "none"
                                                 : ids->len == 0 ? "empty"
                                                                 : "line");
  show_model (self);
  update_actions (self);
}

static void
model_chosen (EadLineView *self)
{
  show_model (self);
  update_actions (self);
}

static void
session_changed (EadLineView *self)
{
  stop_watching (self);
  g_clear_pointer (&self->stats, ead_line_stats_free);
  clear_rejects (self);
  clear_result (self);
  set_status (self, "", FALSE);
  show_counters (self);
  ead_model_chooser_forget (self->model_chooser);
  ead_line_view_reload (self);
}

void
ead_line_view_set_session (EadLineView *self, EadSession *session)
{
  g_return_if_fail (EAD_IS_LINE_VIEW (self));

  ead_session_follow (&self->session, session, self, G_CALLBACK (session_changed),
                      G_CALLBACK (ead_line_view_reload));
  if (session != NULL)
    g_signal_connect_swapped (session, "models-changed", G_CALLBACK (ead_line_view_reload), self);
  session_changed (self);
}

static void
ead_line_view_dispose (GObject *object)
{
  EadLineView *self = EAD_LINE_VIEW (object);

  stop_watching (self);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_queue_clear_full (&self->rejects, (GDestroyNotify) ead_line_result_free);
  g_clear_pointer (&self->stats, ead_line_stats_free);
  g_clear_pointer (&self->folder, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_LINE_VIEW);

  G_OBJECT_CLASS (ead_line_view_parent_class)->dispose (object);
}

static void
ead_line_view_class_init (EadLineViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_line_view_dispose;

  g_type_ensure (EAD_TYPE_MODEL_CHOOSER);
  g_type_ensure (EAD_TYPE_STATUS_PAGE);
  g_type_ensure (EAD_TYPE_HEATMAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/efficientad/Workbench/ui/ead-line-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EadLineView, stack);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, settings_grid);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, model_chooser);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, threshold_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, folder_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, recheck_check);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, recheck_spin);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, filing_drop);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, maps_check);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, keep_check);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, precision_drop);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, status_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, inspected_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, passed_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, failed_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, recheck_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, errors_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, latency_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, throughput_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, decision_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, part_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, score_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, latest_picture);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, rejects_box);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, no_rejects_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, reject_revealer);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, reject_label);
  gtk_widget_class_bind_template_child (widget_class, EadLineView, reject_maps);
  gtk_widget_class_bind_template_callback (widget_class, model_chosen);
  gtk_widget_class_bind_template_callback (widget_class, recheck_toggled);
  gtk_widget_class_install_action (widget_class, "line.choose-folder", NULL,
                                   choose_folder_activated);
  gtk_widget_class_install_action (widget_class, "line.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "line.pause", NULL, pause_activated);
  gtk_widget_class_install_action (widget_class, "line.resume", NULL, resume_activated);
  gtk_widget_class_install_action (widget_class, "line.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "line.close-reject", NULL,
                                   close_reject_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ead_line_view_init (EadLineView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_queue_init (&self->rejects);
  ead_line_view_set_folder (self, NULL);
  clear_result (self);
  show_counters (self);
  ead_line_view_reload (self);
}

GtkWidget *
ead_line_view_new (void)
{
  return g_object_new (EAD_TYPE_LINE_VIEW, NULL);
}

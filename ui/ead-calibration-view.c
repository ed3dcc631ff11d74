/* ead-calibration-view.c: the Calibration view: a model's calibration and
 * its decision threshold. */

#include "ead-calibration-view-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-dataset.h"
#include "ead-names.h"
#include "ead-status-page.h"
#include "ead-window.h"

G_DEFINE_FINAL_TYPE (EadCalibrationView, ead_calibration_view, GTK_TYPE_WIDGET)

EadProject *
_ead_calibration_view_get_project (EadCalibrationView *self)
{
  return self->session != NULL ? ead_session_get_project (self->session) : NULL;
}

const EadModelInfo *
_ead_calibration_view_shown_model (EadCalibrationView *self)
{
  gint64 model_id = ead_calibration_view_get_model (self);

  for (guint i = 0; self->models != NULL && i < self->models->len; i++)
    if (g_array_index (self->models, EadModelInfo, i).id == model_id)
      return &g_array_index (self->models, EadModelInfo, i);
  return NULL;
}

gboolean
_ead_calibration_view_has_label (EadCalibrationView *self, EadLabel label)
{
  for (guint i = 0; i < self->labels->len; i++)
    if ((self->labels->data[i] != 0) == (label == EAD_LABEL_ANOMALOUS))
      return TRUE;
  return FALSE;
}

/* "12.5 %", or a dash for a rate of nothing (NaN). */
static char *
format_rate (double rate)
{
  return isnan (rate) ? g_strdup ("—") : g_strdup_printf ("%.1f %%", 100.0 * rate);
}

/* The measures of the threshold shown on the labelled test images. */
static void
show_measures (EadCalibrationView *self)
{
  double threshold = gtk_adjustment_get_value (self->threshold_adjustment);
  EadConfusion c = ead_confusion_at ((const float *) self->scores->data, self->labels->data,
                                     self->scores->len, threshold);
  gsize good = c.false_positives + c.true_negatives;
  gsize anomalous = c.true_positives + c.false_negatives;
  g_autofree char *fpr = format_rate (ead_confusion_fpr (&c));
  g_autofree char *recall = format_rate (ead_confusion_recall (&c));
  g_autofree char *precision = format_rate (ead_confusion_precision (&c));
  double f1_value = ead_confusion_f1 (&c);
  g_autofree char *f1 = isnan (f1_value) ? g_strdup ("—") : g_strdup_printf ("%.3f", f1_value);

  /* Translators: the rate, then how many good images are flagged of all. */
  g_autofree char *fpr_text = g_strdup_printf (_("False-positive rate %s (%u of %u good)"), fpr,
                                               (guint) c.false_positives, (guint) good);
  /* Translators: the rate, then how many anomalous images are found of all. */
  g_autofree char *recall_text = g_strdup_printf (_("Recall %s (%u of %u anomalous)"), recall,
                                                  (guint) c.true_positives, (guint) anomalous);
  g_autofree char *precision_text = g_strdup_printf (_("Precision %s"), precision);
  g_autofree char *f1_text = g_strdup_printf (_("F1 %s"), f1);

  gtk_label_set_text (self->fpr_label, fpr_text);
  gtk_label_set_text (self->recall_label, recall_text);
  gtk_label_set_text (self->precision_label, precision_text);
  /* Translators: what the threshold leaves an operator to look at. */
  g_autofree char *recheck_text = g_strdup_printf (_("To re-check: %u of %u images"),
                                                   (guint) ead_confusion_flagged (&c),
                                                   self->scores->len);
  gtk_label_set_text (self->f1_label, f1_text);
  gtk_label_set_text (self->recheck_label, recheck_text);
  ead_histogram_set_marker (self->score_histogram, _("Threshold"), threshold);
  ead_curve_plot_set_threshold (self->roc_plot, threshold);
  ead_curve_plot_set_threshold (self->pr_plot, threshold);
}

static void
threshold_changed (EadCalibrationView *self)
{
  /* Moved by hand, the threshold is a plain value. */
  if (gtk_adjustment_get_value (self->threshold_adjustment) != self->method_value)
    self->method = EAD_THRESHOLD_VALUE;
  show_measures (self);
}

/* Shows @threshold, which @method with @parameter chose. */
void
_ead_calibration_view_show_threshold (EadCalibrationView *self, double threshold, EadThresholdMethod method,
                double parameter)
{
  /* Keeps the engine's value exactly, even beyond the range shown. */
  if (threshold < gtk_adjustment_get_lower (self->threshold_adjustment))
    gtk_adjustment_set_lower (self->threshold_adjustment, threshold);
  if (threshold > gtk_adjustment_get_upper (self->threshold_adjustment))
    gtk_adjustment_set_upper (self->threshold_adjustment, threshold);
  self->method = method;
  self->method_parameter = parameter;
  self->method_value = threshold;
  gtk_adjustment_set_value (self->threshold_adjustment, threshold);
  show_measures (self);
}

static void
show_map_histogram (EadHistogram *histogram, GtkLabel *label, const EadMapHistogram *map,
                    double q_a, double q_b)
{
  ead_histogram_clear (histogram);
  if (map->n_bins == 0)
    {
      gtk_label_set_text (label, _("Not calibrated yet"));
      return;
    }
  /* The stored maps are in score units, where q_a is 0 and q_b is 0.1. */
  ead_histogram_set_counts (histogram, 0, _("Validation pixels"), map->low, map->high,
                            map->counts, map->n_bins);
  ead_histogram_set_marker (histogram, "q_a", 0.0);
  ead_histogram_set_marker (histogram, "q_b", 0.1);
  /* Translators: the quantiles in the map's own units. */
  g_autofree char *text = g_strdup_printf (_("q_a = %.4g and q_b = %.4g, marked at 0 and 0.1 "
                                             "in score units"), q_a, q_b);
  gtk_label_set_text (label, text);
}

/* Reads the model's results: the labelled test images' scores, the range
 * of every score, and whether the test images still need scores. */
static gboolean
read_results (EadCalibrationView *self, EadProject *project, guint n_test, GError **error)
{
  g_autoptr (GArray) results = ead_project_list_results (project,
                                                         ead_calibration_view_get_model (self),
                                                         error);
  guint tested = 0;

  g_array_set_size (self->scores, 0);
  g_byte_array_set_size (self->labels, 0);
  g_ptr_array_set_size (self->defect_types, 0);
  self->lowest = INFINITY;
  self->highest = -INFINITY;
  if (results == NULL)
    return FALSE;
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      float score = r->score;
      guint8 label = r->label == EAD_LABEL_ANOMALOUS;

      self->lowest = MIN (self->lowest, r->score);
      self->highest = MAX (self->highest, r->score);
      if (r->split != EAD_SPLIT_TEST)
        continue;
      tested++;
      if (r->label == EAD_LABEL_UNLABELLED)
        continue;
      g_array_append_val (self->scores, score);
      g_byte_array_append (self->labels, &label, 1);
      if (r->defect_type != NULL
          && !g_ptr_array_find_with_equal_func (self->defect_types, r->defect_type, g_str_equal,
                                                NULL))
        g_ptr_array_add (self->defect_types, g_strdup (r->defect_type));
    }
  ead_dataset_sort_names (self->defect_types);
  self->needs_scores = tested < n_test;
  return TRUE;
}

/* The defect type the curves and the maps' metrics show, or NULL for all. */
static const char *
chosen_defect_type (EadCalibrationView *self)
{
  guint chosen = gtk_drop_down_get_selected (self->curve_type_choice);

  return chosen > 0 && chosen <= self->defect_types->len
           ? g_ptr_array_index (self->defect_types, chosen - 1) : NULL;
}

static void
attach_cell (GtkGrid *grid, const char *text, int column, int row, gboolean heading)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0 : 1);
  if (heading)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (grid, label, column, row, 1, 1);
}

/* The row of @metrics (overall first, then by defect type) for @type, or
 * the overall one for NULL; NULL where the test did not measure @type. */
static const EadMetrics *
find_metrics (GArray *metrics, const char *type)
{
  for (guint i = 0; i < metrics->len; i++)
    {
      const EadMetrics *m = &g_array_index (metrics, EadMetrics, i);
      if (type == NULL ? i == 0 : i > 0 && g_strcmp0 (m->type, type) == 0)
        return m;
    }
  return NULL;
}

/* Each map's metrics alone in the latest test, over all labelled test
 * images or the defect type chosen for the curves, as a small table;
 * hidden where the test did not keep them (before schema version 4, or
 * for a type relabelled since). */
static void
show_map_metrics (EadCalibrationView *self)
{
  EadProject *project = _ead_calibration_view_get_project (self);
  const char *type = chosen_defect_type (self);
  /* Translators: the first heading of the maps' table with a defect type
   * chosen: the images it measures are the good ones and that type's. */
  g_autofree char *map_head = type != NULL ? g_strdup_printf (_("Map, for %s"), type)
                                           : g_strdup (_("Map"));
  const char *head[] = { map_head, _("Image AUROC"), _("Pixel AUROC"), _("AU-PRO") };
  gint64 model_id = ead_calibration_view_get_model (self);
  GtkWidget *child;
  gboolean shown = project != NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->maps_grid))) != NULL)
    gtk_grid_remove (self->maps_grid, child);
  for (gsize column = 0; column < G_N_ELEMENTS (head); column++)
    attach_cell (self->maps_grid, head[column], column, 0, TRUE);
  for (EadMapKind map = EAD_MAP_LOCAL; shown && map <= EAD_MAP_FUSED; map++)
    {
      g_autoptr (GArray) metrics = ead_project_get_test_metrics (project, model_id, map, NULL,
                                                                 NULL);
      const EadMetrics *m = metrics != NULL ? find_metrics (metrics, type) : NULL;
      shown = m != NULL;
      if (!shown)
        break;
      g_autofree char *auroc = format_rate (m->image_auroc);
      g_autofree char *pixel = format_rate (m->pixel_auroc);
      g_autofree char *aupro = format_rate (m->aupro);
      attach_cell (self->maps_grid, ead_map_kind_get_name (map), 0, map + 1, FALSE);
      attach_cell (self->maps_grid, auroc, 1, map + 1, FALSE);
      attach_cell (self->maps_grid, pixel, 2, map + 1, FALSE);
      attach_cell (self->maps_grid, aupro, 3, map + 1, FALSE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->maps_grid), shown);
}

/* The curves of the labelled test images, or of the good ones and the
 * defect type chosen, with the operator's numbers they give. */
static void
show_curves (EadCalibrationView *self)
{
  EadProject *project = _ead_calibration_view_get_project (self);
  const char *type = chosen_defect_type (self);
  gint64 model_id = ead_calibration_view_get_model (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadCurve) curve = NULL;

  if (project != NULL && model_id != 0 && self->scores->len > 0)
    {
      curve = ead_project_get_curve (project, model_id, type, &error);
      if (curve == NULL)
        ead_widget_show_error (GTK_WIDGET (self), error->message);
    }
  if (curve == NULL)
    {
      ead_curve_plot_set_curve (self->roc_plot, NULL, NULL);
      ead_curve_plot_set_curve (self->pr_plot, NULL, NULL);
      gtk_label_set_text (self->operator_label, "");
      return;
    }
  g_autofree char *auroc = format_rate (ead_curve_auroc (curve));
  g_autofree char *ap = format_rate (ead_curve_average_precision (curve));
  g_autofree char *roc_label = g_strdup_printf (_("AUROC %s"), auroc);
  /* Translators: AP is the average precision, the area under the curve. */
  g_autofree char *pr_label = g_strdup_printf (_("AP %s"), ap);
  ead_curve_plot_set_curve (self->roc_plot, curve, roc_label);
  ead_curve_plot_set_curve (self->pr_plot, curve, pr_label);

  g_autofree char *missed = format_rate (ead_curve_miss_rate_at_fpr (curve, 0.01));
  g_autofree char *false_alarms = format_rate (ead_curve_fpr_at_miss_rate (curve, 0));
  /* Translators: the operator's numbers: defects missed when 1 % of good
   * parts may be rejected, then good parts rejected when no defect may be
   * missed. */
  g_autofree char *text = g_strdup_printf (_("With at most 1 %% false alarms, %s of the defects are "
                                             "missed; missing none rejects %s of the good parts."),
                                           missed, false_alarms);
  gtk_label_set_text (self->operator_label, text);
}

static void
curve_type_chosen (EadCalibrationView *self)
{
  show_curves (self);
  show_map_metrics (self);
}

/* Offers "all" and each defect type of the scored images for the curves. */
static void
fill_curve_types (EadCalibrationView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->curve_types));
  g_autoptr (GPtrArray) names = g_ptr_array_new ();

  g_ptr_array_add (names, (gpointer) _("All Defect Types"));
  g_ptr_array_extend (names, self->defect_types, NULL, NULL);
  g_ptr_array_add (names, NULL);
  g_signal_handlers_block_by_func (self->curve_type_choice, curve_type_chosen, self);
  gtk_string_list_splice (self->curve_types, 0, n, (const char *const *) names->pdata);
  gtk_drop_down_set_selected (self->curve_type_choice, 0);
  g_signal_handlers_unblock_by_func (self->curve_type_choice, curve_type_chosen, self);
}

static void
show_scores (EadCalibrationView *self, guint n_labelled)
{
  g_autoptr (GArray) good = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GArray) anomalous = g_array_new (FALSE, FALSE, sizeof (float));

  for (guint i = 0; i < self->scores->len; i++)
    g_array_append_val (self->labels->data[i] ? anomalous : good,
                        g_array_index (self->scores, float, i));
  ead_histogram_clear (self->score_histogram);
  ead_histogram_set_values (self->score_histogram, 0, _("Good"), (const float *) good->data,
                            good->len);
  ead_histogram_set_values (self->score_histogram, 1, _("Anomalous"),
                            (const float *) anomalous->data, anomalous->len);
  gtk_stack_set_visible_child_name (self->scores_stack, self->scores->len > 0 ? "scores" : "none");
  gtk_label_set_text (self->scores_missing_label,
                      n_labelled == 0 ? _("The project has no labelled test images: import some "
                                          "to measure the threshold.")
                                      : _("The test images have no scores yet: score them with "
                                          "the button above."));
}

/* The fusion choices, in the drop-down's order; the last one is the spin
 * button's weight. */
static const EadMapKind fusion_maps[] = { EAD_MAP_FUSED, EAD_MAP_LOCAL, EAD_MAP_GLOBAL };
#define FUSION_WEIGHTED G_N_ELEMENTS (fusion_maps)

double
_ead_calibration_view_chosen_local_weight (EadCalibrationView *self)
{
  guint chosen = gtk_drop_down_get_selected (self->fusion_choice);

  return chosen < FUSION_WEIGHTED ? ead_map_kind_local_weight (fusion_maps[chosen])
                                  : gtk_spin_button_get_value (self->fusion_spin);
}

static void
fusion_choice_changed (EadCalibrationView *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->fusion_spin),
                          gtk_drop_down_get_selected (self->fusion_choice) == FUSION_WEIGHTED);
  _ead_calibration_view_update_actions (self);
}

/* Sets the fusion controls to the model's weight (their handler shows the
 * spin button for a weight without a name). */
static void
show_fusion (EadCalibrationView *self, const EadModelInfo *model)
{
  guint chosen = 0;

  while (chosen < FUSION_WEIGHTED
         && ead_map_kind_local_weight (fusion_maps[chosen]) != model->local_weight)
    chosen++;
  gtk_spin_button_set_value (self->fusion_spin, model->local_weight);
  gtk_drop_down_set_selected (self->fusion_choice, chosen);
}

/* Says so above the scores when they show the model unfit for the line,
 * or cannot show whether it is fit. */
static void
show_assessment (EadCalibrationView *self, EadProject *project)
{
  EadModelAssessment assessment;
  g_autoptr (GError) error = NULL;
  g_autofree char *warning = NULL;

  if (self->scores->len > 0
      && !ead_project_assess_model (project, ead_calibration_view_get_model (self), &assessment,
                                    &error))
    ead_widget_show_error (GTK_WIDGET (self), error->message);
  else if (self->scores->len > 0)
    warning = ead_model_assessment_describe (&assessment);
  gtk_label_set_text (self->assessment_label, warning != NULL ? warning : "");
  gtk_widget_set_visible (self->assessment_box, warning != NULL);
}

static void
show_saved (EadCalibrationView *self, const EadModelInfo *model)
{
  const char *methods[] = { N_("chosen by hand"), N_("F1-max"), N_("max FPR") };
  g_autofree char *text = NULL;

  if (model->has_threshold)
    /* Translators: the saved threshold, then how it was chosen. */
    text = g_strdup_printf (_("Saved threshold %.4f (%s)"), model->threshold,
                            _(methods[model->threshold_method]));
  gtk_label_set_text (self->saved_label, text != NULL ? text : _("No threshold saved"));
}

/* The threshold to start from: the saved one, else the engine's F1-max,
 * else the middle of the scores. */
static void
show_start_threshold (EadCalibrationView *self, EadProject *project, const EadModelInfo *model)
{
  gboolean scored = self->lowest <= self->highest;
  double lowest = scored ? self->lowest : 0, highest = scored ? self->highest : 1;
  double span = highest - lowest;
  double margin = span > 0 ? 0.05 * span : 0.01;
  double threshold;

  gtk_adjustment_configure (self->threshold_adjustment, lowest, lowest - margin,
                            highest + margin, (span + 2 * margin) / 1000,
                            (span + 2 * margin) / 20, 0);
  /* Enough decimals to tell a thousandth of the range apart. */
  gtk_spin_button_set_digits (self->threshold_spin,
                              (guint) CLAMP (ceil (-log10 ((span + 2 * margin) / 1000)), 2, 8));
  if (model->has_threshold)
    _ead_calibration_view_show_threshold (self, model->threshold, model->threshold_method,
                    model->threshold_parameter);
  else if (_ead_calibration_view_has_label (self, EAD_LABEL_ANOMALOUS)
           && ead_project_choose_threshold (project, model->id, EAD_THRESHOLD_F1_MAX, 0,
                                            &threshold, NULL))
    _ead_calibration_view_show_threshold (self, threshold, EAD_THRESHOLD_F1_MAX, 0);
  else
    _ead_calibration_view_show_threshold (self, (lowest + highest) / 2, EAD_THRESHOLD_VALUE, 0);
}

static void
show_model (EadCalibrationView *self)
{
  EadProject *project = _ead_calibration_view_get_project (self);
  const EadModelInfo *model = _ead_calibration_view_shown_model (self);
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  g_autoptr (GError) error = NULL;

  if (model == NULL || project == NULL)
    return;
  if (!ead_project_count_images (project, counts, &error)
      || !read_results (self, project,
                        counts[EAD_SPLIT_TEST][EAD_LABEL_GOOD]
                        + counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS]
                        + counts[EAD_SPLIT_TEST][EAD_LABEL_UNLABELLED], &error))
    ead_widget_show_error (GTK_WIDGET (self), error->message);

  /* Translators: the run it came from, its size in pixels and how many
   * validation images calibrated it. */
  g_autofree char *summary =
    g_strdup_printf (ngettext ("From run %lld, %d pixels, calibrated on %u validation image",
                               "From run %lld, %d pixels, calibrated on %u validation images",
                               model->n_validation),
                     (long long) model->run_id, model->image_size, model->n_validation);
  if (model->tiles > 1)
    {
      /* Translators: the summary, then how many tiles each image is cut into. */
      g_autofree char *untiled = g_steal_pointer (&summary);
      summary = g_strdup_printf (_("%s, in %d × %d tiles"), untiled, model->tiles, model->tiles);
    }
  g_autofree char *fusion = ead_fusion_describe (model->local_weight);
  /* Translators: the summary, then how the model's image score is made. */
  g_autofree char *text = g_strdup_printf (_("%s; %s"), summary, fusion);
  gtk_label_set_text (self->summary_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->summary_label), model->created_at);
  self->needs_calibration = model->local.n_bins == 0 || model->global.n_bins == 0;
  show_map_histogram (self->local_histogram, self->local_label, &model->local,
                      model->quantiles.st_start, model->quantiles.st_end);
  show_map_histogram (self->global_histogram, self->global_label, &model->global,
                      model->quantiles.ae_start, model->quantiles.ae_end);
  gtk_button_set_label (self->calibrate_button,
                        self->needs_calibration ? _("_Calibrate")
                        : self->needs_scores ? _("_Score Test Images") : _("Re_calibrate"));
  show_scores (self, counts[EAD_SPLIT_TEST][EAD_LABEL_GOOD]
                     + counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS]);
  show_assessment (self, project);
  show_fusion (self, model);
  fill_curve_types (self);
  show_curves (self);
  show_map_metrics (self);
  show_start_threshold (self, project, model);
  show_saved (self, model);
  _ead_calibration_view_update_actions (self);
}

/* Lists the project's models again, keeping the one shown unless a newer
 * one has come (a run just finished): the chooser follows the newest. */
static void
reload (EadCalibrationView *self)
{
  EadProject *project = _ead_calibration_view_get_project (self);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) run_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&self->models, g_array_unref);
  if (project != NULL)
    {
      self->models = ead_project_list_models (project, &error);
      if (self->models == NULL)
        ead_widget_show_error (GTK_WIDGET (self), error->message);
    }
  for (guint i = 0; self->models != NULL && i < self->models->len; i++)
    {
      const EadModelInfo *model = &g_array_index (self->models, EadModelInfo, i);
      g_array_append_val (ids, model->id);
      g_array_append_val (run_ids, model->run_id);
    }
  ead_model_chooser_set_models (self->model_choice, (const gint64 *) ids->data,
                                (const gint64 *) run_ids->data, ids->len);
  if (ids->len == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, project != NULL ? "empty" : "none");
      _ead_calibration_view_update_actions (self);
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "model");
  show_model (self);
}

/* Work under way belongs to the project it started in. */
static void
session_changed (EadCalibrationView *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  ead_model_chooser_forget (self->model_choice);
  reload (self);
}

void
ead_calibration_view_set_session (EadCalibrationView *self, EadSession *session)
{
  g_return_if_fail (EAD_IS_CALIBRATION_VIEW (self));
  g_return_if_fail (session == NULL || EAD_IS_SESSION (session));

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      g_signal_connect_swapped (session, "notify::file", G_CALLBACK (session_changed), self);
      g_signal_connect_swapped (session, "models-changed", G_CALLBACK (reload), self);
      g_signal_connect_swapped (session, "images-changed", G_CALLBACK (reload), self);
    }
  session_changed (self);
}

gint64
ead_calibration_view_get_model (EadCalibrationView *self)
{
  g_return_val_if_fail (EAD_IS_CALIBRATION_VIEW (self), 0);

  return ead_model_chooser_get_model (self->model_choice);
}

gboolean
ead_calibration_view_is_busy (EadCalibrationView *self)
{
  g_return_val_if_fail (EAD_IS_CALIBRATION_VIEW (self), FALSE);

  return self->cancellable != NULL;
}

double
ead_calibration_view_get_threshold (EadCalibrationView *self)
{
  g_return_val_if_fail (EAD_IS_CALIBRATION_VIEW (self), NAN);

  return gtk_adjustment_get_value (self->threshold_adjustment);
}

void
ead_calibration_view_set_threshold (EadCalibrationView *self, double threshold)
{
  g_return_if_fail (EAD_IS_CALIBRATION_VIEW (self));

  gtk_adjustment_set_value (self->threshold_adjustment, threshold);
}

static void
ead_calibration_view_dispose (GObject *object)
{
  EadCalibrationView *self = EAD_CALIBRATION_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_CALIBRATION_VIEW);

  G_OBJECT_CLASS (ead_calibration_view_parent_class)->dispose (object);
}

static void
ead_calibration_view_finalize (GObject *object)
{
  EadCalibrationView *self = EAD_CALIBRATION_VIEW (object);

  g_clear_pointer (&self->models, g_array_unref);
  g_array_unref (self->scores);
  g_byte_array_unref (self->labels);
  g_ptr_array_unref (self->defect_types);

  G_OBJECT_CLASS (ead_calibration_view_parent_class)->finalize (object);
}

static void
ead_calibration_view_class_init (EadCalibrationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_calibration_view_dispose;
  object_class->finalize = ead_calibration_view_finalize;

  g_type_ensure (EAD_TYPE_CURVE_PLOT);
  g_type_ensure (EAD_TYPE_HISTOGRAM);
  g_type_ensure (EAD_TYPE_MODEL_CHOOSER);
  g_type_ensure (EAD_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/efficientad/Workbench/ui/ead-calibration-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, stack);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, model_choice);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, calibrate_button);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, local_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, global_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, local_histogram);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, global_histogram);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, scores_stack);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, assessment_box);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, assessment_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, scores_missing_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, score_histogram);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, curve_type_choice);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, curve_types);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, roc_plot);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, pr_plot);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, operator_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, maps_grid);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, fusion_choice);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, fusion_spin);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, threshold_box);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, threshold_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, threshold_spin);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, fpr_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, recall_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, precision_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, f1_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, recheck_label);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, fpr_spin);
  gtk_widget_class_bind_template_child (widget_class, EadCalibrationView, saved_label);
  gtk_widget_class_bind_template_callback (widget_class, show_model);
  gtk_widget_class_bind_template_callback (widget_class, threshold_changed);
  gtk_widget_class_bind_template_callback (widget_class, curve_type_chosen);
  gtk_widget_class_bind_template_callback (widget_class, fusion_choice_changed);
  _ead_calibration_view_class_actions_init (widget_class);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ead_calibration_view_init (EadCalibrationView *self)
{
  self->scores = g_array_new (FALSE, FALSE, sizeof (float));
  self->labels = g_byte_array_new ();
  self->defect_types = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  ead_curve_plot_set_kind (self->pr_plot, EAD_CURVE_PLOT_PRECISION_RECALL);
  reload (self);
}

GtkWidget *
ead_calibration_view_new (void)
{
  return g_object_new (EAD_TYPE_CALIBRATION_VIEW, NULL);
}

/* ead-review-view.c: the Review view: a model's test results and their
 * review. */

#include "ead-review-view-private.h"

#include <glib/gi18n.h>

#include "ead-confirm.h"
#include "ead-dataset.h"
#include "ead-heatmap-view.h"
#include "ead-model-chooser.h"
#include "ead-names.h"
#include "ead-status-page.h"
#include "ead-window.h"

/* One test result of the list. */
#define EAD_TYPE_RESULT_ITEM (ead_result_item_get_type ())
G_DECLARE_FINAL_TYPE (EadResultItem, ead_result_item, EAD, RESULT_ITEM, GObject)

struct _EadResultItem {
  GObject parent_instance;

  EadResultInfo info;
};

G_DEFINE_FINAL_TYPE (EadResultItem, ead_result_item, G_TYPE_OBJECT)

static void
ead_result_item_finalize (GObject *object)
{
  ead_result_info_clear (&EAD_RESULT_ITEM (object)->info);

  G_OBJECT_CLASS (ead_result_item_parent_class)->finalize (object);
}

static void
ead_result_item_class_init (EadResultItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ead_result_item_finalize;
}

static void
ead_result_item_init (EadResultItem *self)
{
}

/* Takes what @info holds. */
static EadResultItem *
ead_result_item_new (EadResultInfo *info)
{
  EadResultItem *self = g_object_new (EAD_TYPE_RESULT_ITEM, NULL);

  self->info = *info;
  *info = (EadResultInfo) { 0 };
  return self;
}

typedef enum {
  COLUMN_IMAGE,
  COLUMN_SCORE,
  COLUMN_DECISION,
  COLUMN_LABEL,
  COLUMN_DEFECT_TYPE,
  COLUMN_VERDICT,
  N_COLUMNS,
} Column;

/* The filter's fixed entries; the defect types follow them. */
typedef enum {
  FILTER_ALL,
  FILTER_PREDICTED_ANOMALOUS,
  FILTER_FALSE_POSITIVES,
  FILTER_MISSED_DEFECTS,
  FILTER_FROM_LINE,
  FILTER_GOOD,
  N_FILTERS,
} Filter;

struct _EadReviewView {
  GtkWidget parent_instance;

  EadSession *session;
  GListStore *results;
  GPtrArray *defect_types;
  /* While the filters are refilled, their changes are not the user's. */
  gboolean refilling;

  GtkStack *stack;
  EadModelChooser *model_chooser;
  GtkDropDown *filter_drop;
  GtkStringList *filter_names;
  GtkLabel *count_label;
  GtkLabel *threshold_label;
  GtkColumnView *list;
  GtkSingleSelection *selection;
  GtkFilterListModel *filtered;
  GtkCustomFilter *filter;
  GtkLabel *moved_label;
  GtkLabel *title_label;
  EadHeatmapView *heatmap;
  GtkScale *opacity_scale;
  GtkCheckButton *mask_check;
  GtkEntry *note_entry;
};

G_DEFINE_FINAL_TYPE (EadReviewView, ead_review_view, GTK_TYPE_WIDGET)

static EadProject *
get_project (EadReviewView *self)
{
  return self->session != NULL ? ead_session_get_project (self->session) : NULL;
}

static gboolean
result_matches (gpointer item, gpointer user_data)
{
  EadReviewView *self = user_data;
  const EadResultInfo *r = &EAD_RESULT_ITEM (item)->info;
  guint filter = gtk_drop_down_get_selected (self->filter_drop);

  switch (filter)
    {
    case FILTER_PREDICTED_ANOMALOUS:
      return r->decision == EAD_DECISION_ANOMALOUS;
    case FILTER_FALSE_POSITIVES:
      return r->decision == EAD_DECISION_ANOMALOUS && r->label == EAD_LABEL_GOOD;
    case FILTER_MISSED_DEFECTS:
      return r->decision == EAD_DECISION_GOOD && r->label == EAD_LABEL_ANOMALOUS;
    case FILTER_FROM_LINE:
      return r->split == EAD_SPLIT_LINE;
    case FILTER_GOOD:
      return r->split == EAD_SPLIT_TEST && r->label == EAD_LABEL_GOOD;
    default:
      if (filter >= N_FILTERS && filter - N_FILTERS < self->defect_types->len)
        return g_strcmp0 (r->defect_type, self->defect_types->pdata[filter - N_FILTERS]) == 0;
      return TRUE;
    }
}

static void
show_count (EadReviewView *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  /* Translators: how many results (of test images and images kept from
   * the line) the filter shows, of how many. */
  g_autofree char *text = g_strdup_printf (ngettext ("%u of %u image", "%u of %u images", total),
                                           shown, total);

  gtk_label_set_text (self->count_label, text);
}

static void
filter_changed (EadReviewView *self)
{
  if (self->refilling)
    return;
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  show_count (self);
}

static EadResultItem *
selected_item (EadReviewView *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

/* Shows the selected image and its maps, or nothing. */
static void
show_selected (EadReviewView *self)
{
  EadResultItem *item = selected_item (self);
  EadProject *project = get_project (self);
  gint64 model_id = ead_review_view_get_model (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadImage) image = NULL;
  g_autoptr (EadMask) mask = NULL;
  g_autofree float *local = NULL, *global = NULL, *fused = NULL;
  int width = 0, height = 0;

  if (item == NULL || project == NULL)
    {
      ead_heatmap_view_set_image (self->heatmap, NULL, 0, 0, 0);
      gtk_label_set_text (self->title_label, "");
      gtk_editable_set_text (GTK_EDITABLE (self->note_entry), "");
      return;
    }

  /* Translators: the image shown, its defect type or label (file names
   * repeat across defect types), then its score. */
  g_autofree char *title = g_strdup_printf (_("%s (%s) — score %.5f"), item->info.file_name,
                                            item->info.defect_type != NULL
                                              ? item->info.defect_type
                                              : ead_label_get_name (item->info.label),
                                            item->info.score);
  gtk_label_set_text (self->title_label, title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), title);
  gtk_editable_set_text (GTK_EDITABLE (self->note_entry),
                         item->info.note != NULL ? item->info.note : "");

  image = ead_project_load_image (project, item->info.image_id, &error);
  if (image != NULL)
    local = ead_project_load_map (project, model_id, item->info.image_id, EAD_MAP_LOCAL,
                                  &width, &height, &error);
  if (local != NULL)
    global = ead_project_load_map (project, model_id, item->info.image_id, EAD_MAP_GLOBAL,
                                   &width, &height, &error);
  if (global != NULL)
    fused = ead_project_load_map (project, model_id, item->info.image_id, EAD_MAP_FUSED,
                                  &width, &height, &error);
  if (fused != NULL)
    mask = ead_project_load_mask (project, item->info.image_id, &error);
  if (error != NULL)
    {
      ead_widget_show_error (GTK_WIDGET (self), error->message);
      ead_heatmap_view_set_image (self->heatmap, NULL, 0, 0, 0);
      return;
    }
  ead_heatmap_view_set_image (self->heatmap, ead_image_get_pixels (image),
                              ead_image_get_width (image), ead_image_get_height (image),
                              3 * (gsize) ead_image_get_width (image));
  ead_heatmap_view_set_maps (self->heatmap, local, global, fused, width, height);
  ead_heatmap_view_set_scores (self->heatmap, item->info.local_score, item->info.global_score,
                               item->info.score);
  /* A good image has no mask: the one before must not stay outlined. */
  ead_heatmap_view_set_mask (self->heatmap, mask != NULL ? ead_mask_get_data (mask) : NULL,
                             mask != NULL ? ead_mask_get_width (mask) : 0,
                             mask != NULL ? ead_mask_get_height (mask) : 0);
}

/* The inner list view of the column view, which scrolls to a row. */
static GtkWidget *
list_view (EadReviewView *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      return child;
  return NULL;
}

static void
select_position (EadReviewView *self, guint position)
{
  GtkWidget *rows = list_view (self);

  gtk_single_selection_set_selected (self->selection, position);
  if (rows != NULL && position != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (rows, "list.scroll-to-item", "u", position);
}

static gint
compare_scores (gconstpointer a, gconstpointer b)
{
  const EadResultItem *x = *(EadResultItem *const *) a, *y = *(EadResultItem *const *) b;

  return (x->info.score < y->info.score) - (x->info.score > y->info.score);
}

/* The results of @model_id on test images and on images kept from the
 * line, highest score first, as EadResultItems. */
static GPtrArray *
list_reviewable_results (EadProject *project, gint64 model_id, GError **error)
{
  g_autoptr (GArray) results = ead_project_list_results (project, model_id, error);
  g_autoptr (GPtrArray) items = NULL;

  if (results == NULL)
    return NULL;
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < results->len; i++)
    {
      EadResultInfo *info = &g_array_index (results, EadResultInfo, i);
      if (info->split == EAD_SPLIT_TEST || info->split == EAD_SPLIT_LINE)
        g_ptr_array_add (items, ead_result_item_new (info));
    }
  g_ptr_array_sort (items, compare_scores);
  return g_steal_pointer (&items);
}

/* Replaces every string of @list by @strings. */
static void
set_strings (GtkStringList *list, const char *const *strings)
{
  gtk_string_list_splice (list, 0, g_list_model_get_n_items (G_LIST_MODEL (list)), strings);
}

/* Offers the defect types of the results as filters after the fixed ones,
 * keeping the filter chosen when it is still offered. */
static void
refill_filters (EadReviewView *self, GPtrArray *items)
{
  guint chosen = gtk_drop_down_get_selected (self->filter_drop);
  g_autofree char *chosen_type = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint position;

  if (chosen >= N_FILTERS && chosen - N_FILTERS < self->defect_types->len)
    chosen_type = g_strdup (self->defect_types->pdata[chosen - N_FILTERS]);
  g_ptr_array_set_size (self->defect_types, 0);
  for (guint i = 0; i < items->len; i++)
    {
      const char *type = ((EadResultItem *) items->pdata[i])->info.defect_type;
      if (type != NULL && !g_ptr_array_find_with_equal_func (self->defect_types, type, g_str_equal,
                                                             NULL))
        g_ptr_array_add (self->defect_types, g_strdup (type));
    }
  ead_dataset_sort_names (self->defect_types);

  g_ptr_array_add (names, g_strdup (_("All Images")));
  g_ptr_array_add (names, g_strdup (_("Predicted Anomalous")));
  g_ptr_array_add (names, g_strdup (_("False Positives")));
  g_ptr_array_add (names, g_strdup (_("Missed Defects")));
  g_ptr_array_add (names, g_strdup (_("From the Line")));
  /* Translators: a filter of the Review view: the good test images, whose
   * highest responses show what the model mistakes for defects. */
  g_ptr_array_add (names, g_strdup (_("Good Images, Hottest First")));
  for (guint i = 0; i < self->defect_types->len; i++)
    /* Translators: a filter of the Review view: the images of one defect type. */
    g_ptr_array_add (names, g_strdup_printf (_("Defect: %s"), (char *) self->defect_types->pdata[i]));
  g_ptr_array_add (names, NULL);
  set_strings (self->filter_names, (const char *const *) names->pdata);

  if (chosen_type != NULL)
    chosen = g_ptr_array_find_with_equal_func (self->defect_types, chosen_type, g_str_equal,
                                               &position)
               ? N_FILTERS + position
               : FILTER_ALL;
  else if (chosen >= N_FILTERS)
    chosen = FILTER_ALL;
  gtk_drop_down_set_selected (self->filter_drop, chosen);
}

static void
show_threshold (EadReviewView *self, EadProject *project)
{
  EadModelInfo info;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (!ead_project_get_model (project, ead_review_view_get_model (self), &info, &error))
    {
      ead_widget_show_error (GTK_WIDGET (self), error->message);
      return;
    }
  if (info.has_threshold)
    /* Translators: the model's threshold on image scores. */
    text = g_strdup_printf (_("Threshold %.4f: images scoring at least this are anomalous"),
                            info.threshold);
  else
    text = g_strdup (_("No threshold yet: choose one in the Calibration view"));
  gtk_label_set_text (self->threshold_label, text);
  ead_model_info_clear (&info);
}

/* Shows the results of the chosen model, keeping the image selected. */
static void
load_results (EadReviewView *self)
{
  EadProject *project = get_project (self);
  gint64 image_id = ead_review_view_get_image (self);
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GError) error = NULL;
  double highest = 0.0;

  items = list_reviewable_results (project, ead_review_view_get_model (self), &error);
  if (items == NULL)
    {
      ead_widget_show_error (GTK_WIDGET (self), error->message);
      items = g_ptr_array_new_with_free_func (g_object_unref);
    }
  show_threshold (self, project);
  for (guint i = 0; i < items->len; i++)
    highest = MAX (highest, ((EadResultItem *) items->pdata[i])->info.score);
  /* One colour scale for all the model's images, so that they compare. */
  ead_heatmap_view_set_range (self->heatmap, 0.0, highest);

  self->refilling = TRUE;
  refill_filters (self, items);
  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       items->pdata, items->len);
  self->refilling = FALSE;
  filter_changed (self);

  guint position = 0;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->filtered)); i++)
    {
      g_autoptr (EadResultItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);
      if (item->info.image_id == image_id)
        position = i;
    }
  select_position (self, g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0
                           ? position
                           : GTK_INVALID_LIST_POSITION);
  show_selected (self);
}

void
ead_review_view_reload (EadReviewView *self)
{
  EadProject *project;
  g_autoptr (GArray) tested = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (EAD_IS_REVIEW_VIEW (self));

  project = get_project (self);
  if (project != NULL && (tested = ead_project_list_tested_models (project, &error)) == NULL)
    ead_widget_show_error (GTK_WIDGET (self), error->message);
  /* The model shown before, or the newest. */
  ead_model_chooser_set_models (self->model_chooser,
                                tested != NULL ? (const gint64 *) tested->data : NULL, NULL,
                                tested != NULL ? tested->len : 0);

  gtk_stack_set_visible_child_name (self->stack,
                                    project == NULL ? "none"
                                    : ead_review_view_get_model (self) == 0 ? "empty"
                                                                             : "results");
  if (ead_review_view_get_model (self) == 0)
    {
      g_list_store_remove_all (self->results);
      show_selected (self);
      return;
    }
  load_results (self);
}

gboolean
ead_review_view_show_good_images (EadReviewView *self, gint64 model_id)
{
  g_return_val_if_fail (EAD_IS_REVIEW_VIEW (self), FALSE);

  /* Reads the models tested again only when a test just finished may
   * have brought this one: the window reloads the view as it shows it. */
  if (!ead_model_chooser_choose (self->model_chooser, model_id))
    {
      ead_review_view_reload (self);
      if (!ead_model_chooser_choose (self->model_chooser, model_id))
        return FALSE;
    }
  gtk_stack_set_visible_child_name (self->stack, "results");
  self->refilling = TRUE;
  gtk_drop_down_set_selected (self->filter_drop, FILTER_GOOD);
  self->refilling = FALSE;
  load_results (self);
  select_position (self, g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0
                           ? 0
                           : GTK_INVALID_LIST_POSITION);
  return TRUE;
}

gint64
ead_review_view_get_model (EadReviewView *self)
{
  g_return_val_if_fail (EAD_IS_REVIEW_VIEW (self), 0);

  return ead_model_chooser_get_model (self->model_chooser);
}

gint64
ead_review_view_get_image (EadReviewView *self)
{
  EadResultItem *item;

  g_return_val_if_fail (EAD_IS_REVIEW_VIEW (self), 0);

  item = selected_item (self);
  return item != NULL ? item->info.image_id : 0;
}

/* Selects the image @offset rows below (above, when negative) the
 * selected one, within the list as filtered. */
static void
move_selection (EadReviewView *self, int offset)
{
  guint n, position;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  position = gtk_single_selection_get_selected (self->selection);
  if (n == 0)
    return;
  if (position == GTK_INVALID_LIST_POSITION)
    position = 0;
  else
    position = CLAMP ((int) position + offset, 0, (int) n - 1);
  select_position (self, position);
}

/* Stores @verdict with the note typed for the selected image; FALSE when
 * nothing is selected or it could not be stored. */
static gboolean
store_verdict (EadReviewView *self, EadVerdict verdict)
{
  EadResultItem *item = selected_item (self);
  g_autofree char *note = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->note_entry))));
  g_autoptr (GError) error = NULL;
  guint position;

  if (item == NULL)
    return FALSE;
  if (!ead_project_review (get_project (self), ead_review_view_get_model (self),
                           item->info.image_id, verdict, *note != '\0' ? note : NULL, &error))
    {
      ead_widget_show_error (GTK_WIDGET (self), error->message);
      return FALSE;
    }
  item->info.verdict = verdict;
  g_free (item->info.note);
  item->info.note = *note != '\0' ? g_steal_pointer (&note) : NULL;
  /* The row shows the verdict; the selection stays on the same item. */
  if (g_list_store_find (self->results, item, &position))
    g_list_model_items_changed (G_LIST_MODEL (self->results), position, 1, 1);
  return TRUE;
}

/* review.verdict: records the verdict named with the note typed for the
 * selected image, then selects the next one. */
static void
verdict_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadReviewView *self = EAD_REVIEW_VIEW (widget);
  EadVerdict verdict;

  if (ead_verdict_from_string (g_variant_get_string (parameter, NULL), &verdict)
      && verdict != EAD_VERDICT_NONE && store_verdict (self, verdict))
    move_selection (self, 1);
}

static void
next_image_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  move_selection (EAD_REVIEW_VIEW (widget), 1);
}

static void
previous_image_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  move_selection (EAD_REVIEW_VIEW (widget), -1);
}

/* Enter in the note field saves it with the verdict already given. */
static void
note_activated (EadReviewView *self)
{
  EadResultItem *item = selected_item (self);

  if (item != NULL && item->info.verdict != EAD_VERDICT_NONE)
    store_verdict (self, item->info.verdict);
}

static void
move_accepted (gpointer user_data)
{
  EadReviewView *self = user_data;
  EadProject *project = get_project (self);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  guint n_moved = 0;

  if (project == NULL)
    return;
  if (!ead_project_move_false_positives (project, ead_review_view_get_model (self), &n_moved,
                                         &error))
    {
      ead_widget_show_error (GTK_WIDGET (self), error->message);
      return;
    }
  text = g_strdup_printf (ngettext ("%u image moved to the training set",
                                    "%u images moved to the training set", n_moved),
                          n_moved);
  gtk_label_set_text (self->moved_label, text);
  /* The views reload, this one included. */
  ead_session_images_changed (self->session);
}

static void
move_false_positives_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadReviewView *self = EAD_REVIEW_VIEW (widget);
  g_autofree char *question = NULL;
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->results)); i++)
    {
      g_autoptr (EadResultItem) item = g_list_model_get_item (G_LIST_MODEL (self->results), i);
      n += item->info.verdict == EAD_VERDICT_FALSE_POSITIVE;
    }
  if (n == 0)
    {
      ead_widget_show_error (GTK_WIDGET (self), _("No image is reviewed as a false positive yet"));
      return;
    }
  question = g_strdup_printf (ngettext ("Move %u false positive to the training set?",
                                        "Move %u false positives to the training set?", n),
                              n);
  ead_confirm (widget, question,
               _("They become good training images and lose their defect type and mask. "
                 "A model trained afterwards learns from them."),
               _("_Move"), "suggested-action", move_accepted, self);
}

/* Names are cut short where they do not fit; the short columns are not. */
static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);
  Column column = GPOINTER_TO_INT (user_data);

  gtk_label_set_xalign (GTK_LABEL (label), column == COLUMN_SCORE ? 1.0 : 0.0);
  if (column == COLUMN_IMAGE || column == COLUMN_DEFECT_TYPE)
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_width_chars (GTK_LABEL (label), 8);
    }
  if (column == COLUMN_SCORE)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (list_item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  const EadResultInfo *r = &EAD_RESULT_ITEM (gtk_list_item_get_item (list_item))->info;
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  g_autofree char *score = NULL;
  const char *text = "";

  switch (GPOINTER_TO_INT (user_data))
    {
    case COLUMN_IMAGE:
      text = r->file_name;
      break;
    case COLUMN_SCORE:
      /* Close scores still tell apart, for the ranking. */
      text = score = g_strdup_printf ("%.5f", r->score);
      break;
    case COLUMN_DECISION:
      text = ead_decision_get_name (r->decision);
      break;
    case COLUMN_LABEL:
      text = ead_label_get_name (r->label);
      break;
    case COLUMN_DEFECT_TYPE:
      text = r->defect_type != NULL ? r->defect_type : "";
      break;
    default:
      text = ead_verdict_get_name (r->verdict);
      break;
    }
  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), r->note);
}

static void
add_columns (EadReviewView *self)
{
  const char *titles[N_COLUMNS] = {
    [COLUMN_IMAGE] = _("Image"),
    [COLUMN_SCORE] = _("Score"),
    [COLUMN_DECISION] = _("Decision"),
    [COLUMN_LABEL] = _("Label"),
    [COLUMN_DEFECT_TYPE] = _("Defect Type"),
    [COLUMN_VERDICT] = _("Verdict"),
  };

  for (int i = 0; i < N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr (GtkColumnViewColumn) column = NULL;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (i));
      column = gtk_column_view_column_new (titles[i], factory);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i == COLUMN_IMAGE);
      gtk_column_view_append_column (self->list, column);
    }
}

static void
opacity_changed (EadReviewView *self)
{
  ead_heatmap_view_set_opacity (self->heatmap, gtk_range_get_value (GTK_RANGE (self->opacity_scale)));
}

static void
session_changed (EadReviewView *self)
{
  ead_model_chooser_forget (self->model_chooser);
  gtk_label_set_text (self->moved_label, "");
  ead_review_view_reload (self);
}

void
ead_review_view_set_session (EadReviewView *self, EadSession *session)
{
  g_return_if_fail (EAD_IS_REVIEW_VIEW (self));

  ead_session_follow (&self->session, session, self, G_CALLBACK (session_changed),
                      G_CALLBACK (ead_review_view_reload));
  session_changed (self);
}

static void
ead_review_view_dispose (GObject *object)
{
  EadReviewView *self = EAD_REVIEW_VIEW (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_REVIEW_VIEW);

  G_OBJECT_CLASS (ead_review_view_parent_class)->dispose (object);
}

static void
ead_review_view_finalize (GObject *object)
{
  EadReviewView *self = EAD_REVIEW_VIEW (object);

  g_clear_object (&self->results);
  g_clear_pointer (&self->defect_types, g_ptr_array_unref);

  G_OBJECT_CLASS (ead_review_view_parent_class)->finalize (object);
}

static void
ead_review_view_class_init (EadReviewViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_review_view_dispose;
  object_class->finalize = ead_review_view_finalize;

  g_type_ensure (EAD_TYPE_HEATMAP_VIEW);
  g_type_ensure (EAD_TYPE_MODEL_CHOOSER);
  g_type_ensure (EAD_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/efficientad/Workbench/ui/ead-review-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, stack);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, model_chooser);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, filter_drop);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, filter_names);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, count_label);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, threshold_label);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, list);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, selection);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, filtered);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, filter);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, moved_label);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, title_label);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, heatmap);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, mask_check);
  gtk_widget_class_bind_template_child (widget_class, EadReviewView, note_entry);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, load_results);
  gtk_widget_class_bind_template_callback (widget_class, show_selected);
  gtk_widget_class_bind_template_callback (widget_class, note_activated);
  gtk_widget_class_bind_template_callback (widget_class, opacity_changed);
  gtk_widget_class_install_action (widget_class, "review.move-false-positives", NULL,
                                   move_false_positives_activated);
  gtk_widget_class_install_action (widget_class, "review.verdict", "s", verdict_activated);
  gtk_widget_class_install_action (widget_class, "review.next-image", NULL, next_image_activated);
  gtk_widget_class_install_action (widget_class, "review.previous-image", NULL,
                                   previous_image_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ead_review_view_init (EadReviewView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->results = g_list_store_new (EAD_TYPE_RESULT_ITEM);
  self->defect_types = g_ptr_array_new_with_free_func (g_free);
  gtk_filter_list_model_set_model (self->filtered, G_LIST_MODEL (self->results));
  gtk_custom_filter_set_filter_func (self->filter, result_matches, self, NULL);
  add_columns (self);
  gtk_range_set_value (GTK_RANGE (self->opacity_scale), ead_heatmap_view_get_opacity (self->heatmap));
  g_object_bind_property (self->mask_check, "active", self->heatmap, "show-mask",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  ead_review_view_reload (self);
}

GtkWidget *
ead_review_view_new (void)
{
  return g_object_new (EAD_TYPE_REVIEW_VIEW, NULL);
}

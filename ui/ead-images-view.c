/* ead-images-view.c: the Images view: a grid of the open project's images,
 * and their editing. */

#include "ead-images-view-private.h"

#include <glib/gi18n.h>

#include "ead-confirm.h"
#include "ead-dataset.h"
#include "ead-names.h"
#include "ead-roi-editor.h"
#include "ead-status-page.h"
#include "ead-window.h"

/* One image of the grid: what the filters and the cell need, without its
 * pixels, so that a project of ten thousand images lists quickly. */
#define EAD_TYPE_IMAGE_ITEM (ead_image_item_get_type ())
G_DECLARE_FINAL_TYPE (EadImageItem, ead_image_item, EAD, IMAGE_ITEM, GObject)

struct _EadImageItem {
  GObject parent_instance;

  gint64 id;
  char *file_name;
  EadSplit split;
  EadLabel label;
  char *defect_type;
};

G_DEFINE_FINAL_TYPE (EadImageItem, ead_image_item, G_TYPE_OBJECT)

static void
ead_image_item_finalize (GObject *object)
{
  EadImageItem *self = EAD_IMAGE_ITEM (object);

  g_free (self->file_name);
  g_free (self->defect_type);

  G_OBJECT_CLASS (ead_image_item_parent_class)->finalize (object);
}

static void
ead_image_item_class_init (EadImageItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ead_image_item_finalize;
}

static void
ead_image_item_init (EadImageItem *self)
{
}

static EadImageItem *
ead_image_item_new (const EadImageInfo *info)
{
  EadImageItem *self = g_object_new (EAD_TYPE_IMAGE_ITEM, NULL);

  self->id = info->id;
  self->file_name = g_strdup (info->file_name);
  self->split = info->split;
  self->label = info->label;
  self->defect_type = g_strdup (info->defect_type);
  return self;
}

struct _EadImagesView {
  GtkWidget parent_instance;

  EadSession *session;
  GListStore *images;
  GCancellable *import_cancellable;
  GtkFileChooserNative *chooser;

  GtkStack *stack;
  GtkLabel *total_label;
  GtkLabel *train_label;
  GtkLabel *validation_label;
  GtkLabel *test_label;
  GtkLabel *line_label;
  GtkLabel *roi_label;
  GtkDropDown *split_filter;
  GtkDropDown *label_filter;
  GtkDropDown *type_filter;
  GtkStringList *type_names;   /* "All Defect Types", then the project's types */
  GtkRevealer *progress_revealer;
  GtkProgressBar *progress_bar;
  GtkGridView *grid;
  GtkMultiSelection *selection;
  GtkFilterListModel *filtered;
  GtkCustomFilter *filter;
  GtkRevealer *selection_revealer;
  GtkLabel *selection_label;
  GtkEntry *defect_entry;
  GtkPicture *preview_picture;
  GtkLabel *preview_title;
  GtkLabel *preview_caption;
};

G_DEFINE_FINAL_TYPE (EadImagesView, ead_images_view, GTK_TYPE_WIDGET)

/* The label filter's entries after "All Labels", in order. */
static const EadLabel filter_labels[] = {
  EAD_LABEL_GOOD,
  EAD_LABEL_ANOMALOUS,
  EAD_LABEL_UNLABELLED,
};

static gboolean
image_matches (gpointer item, gpointer user_data)
{
  EadImagesView *self = user_data;
  EadImageItem *image = item;
  guint split = gtk_drop_down_get_selected (self->split_filter);
  guint label = gtk_drop_down_get_selected (self->label_filter);
  guint type = gtk_drop_down_get_selected (self->type_filter);

  return (split == 0 || split == GTK_INVALID_LIST_POSITION || image->split == (EadSplit) (split - 1))
         && (label == 0 || label == GTK_INVALID_LIST_POSITION
             || image->label == filter_labels[label - 1])
         && (type == 0 || type == GTK_INVALID_LIST_POSITION
             || g_strcmp0 (image->defect_type,
                           gtk_string_list_get_string (self->type_names, type)) == 0);
}

/* Lists the defect types of @infos after "All Defect Types", keeping the one
 * chosen while it still exists. */
static void
refill_types (EadImagesView *self, GArray *infos)
{
  guint chosen = gtk_drop_down_get_selected (self->type_filter);
  g_autofree char *chosen_type = chosen > 0 && chosen != GTK_INVALID_LIST_POSITION
                                   ? g_strdup (gtk_string_list_get_string (self->type_names, chosen))
                                   : NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) types = g_ptr_array_new ();
  guint position = 0;

  for (guint i = 0; infos != NULL && i < infos->len; i++)
    {
      const char *type = g_array_index (infos, EadImageInfo, i).defect_type;
      if (type != NULL && g_hash_table_add (seen, (gpointer) type))
        g_ptr_array_add (types, (gpointer) type);
    }
  ead_dataset_sort_names (types);
  for (guint i = 0; i < types->len; i++)
    if (g_strcmp0 (chosen_type, g_ptr_array_index (types, i)) == 0)
      position = i + 1;
  g_ptr_array_add (types, NULL);
  gtk_string_list_splice (self->type_names, 1,
                          g_list_model_get_n_items (G_LIST_MODEL (self->type_names)) - 1,
                          (const char *const *) types->pdata);
  gtk_drop_down_set_selected (self->type_filter, position);
}

static void
filter_changed (EadImagesView *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
show_counts (EadImagesView *self, guint counts[EAD_N_SPLITS][EAD_N_LABELS])
{
  GtkLabel *labels[EAD_N_SPLITS] = { self->train_label, self->validation_label, self->test_label,
                                     self->line_label };
  guint total = 0;

  for (guint split = 0; split < EAD_N_SPLITS; split++)
    {
      guint in_split = 0;
      for (guint label = 0; label < EAD_N_LABELS; label++)
        in_split += counts[split][label];
      total += in_split;
      /* Translators: a split (Training, Validation, Test, Line), then how many
       * of its images are good, anomalous and not labelled. */
      g_autofree char *text = g_strdup_printf (_("%s: %u good, %u anomalous, %u unlabelled"),
                                               ead_split_get_name (split),
                                               counts[split][EAD_LABEL_GOOD],
                                               counts[split][EAD_LABEL_ANOMALOUS],
                                               counts[split][EAD_LABEL_UNLABELLED]);
      gtk_label_set_text (labels[split], text);
      /* The line's split shows once the line has kept an image. */
      if (split == EAD_SPLIT_LINE)
        gtk_widget_set_visible (GTK_WIDGET (labels[split]), in_split > 0);
    }
  g_autofree char *text = g_strdup_printf (ngettext ("%u image", "%u images", total), total);
  gtk_label_set_text (self->total_label, text);
}

/* The ids of the images selected, in grid order. */
static GArray *
selected_ids (EadImagesView *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GtkBitsetIter iter;
  guint position;

  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr (EadImageItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
      g_array_append_val (ids, item->id);
    }
  return ids;
}

/* Selects the images of @ids that the grid shows, and no other. */
static void
reselect (EadImagesView *self, GArray *ids)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  g_autoptr (GtkBitset) wanted = gtk_bitset_new_empty ();
  g_autoptr (GtkBitset) all = gtk_bitset_new_range (0, n);

  for (guint position = 0; position < n && ids->len > 0; position++)
    {
      g_autoptr (EadImageItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
      for (guint i = 0; i < ids->len; i++)
        if (g_array_index (ids, gint64, i) == item->id)
          gtk_bitset_add (wanted, position);
    }
  gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->selection), wanted, all);
}

static void
selection_changed (EadImagesView *self)
{
  g_autoptr (GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  guint n = gtk_bitset_get_size (selected);
  const char *actions[] = { "images.set-label", "images.set-split", "images.set-defect-type",
                            "images.delete", "images.view" };
  g_autofree char *text = g_strdup_printf (ngettext ("%u image selected", "%u images selected", n),
                                           n);

  gtk_label_set_text (self->selection_label, text);
  gtk_revealer_set_reveal_child (self->selection_revealer, n > 0);
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), actions[i], n > 0);
}

/* Says what the project inspects, and offers to draw it once there is an
 * image to draw on. */
static void
show_roi (EadImagesView *self, EadProject *project, gboolean has_images)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadRoi) roi = project != NULL ? ead_project_get_roi (project, NULL, NULL, &error)
                                           : NULL;
  g_autofree char *text = ead_roi_describe (roi);

  if (error != NULL)
    ead_widget_show_error (GTK_WIDGET (self), error->message);
  gtk_label_set_text (self->roi_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->roi_label), text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "images.roi", has_images && error == NULL);
}

/* Lists the project's images again, or none without a project. */
static void
reload (EadImagesView *self)
{
  EadProject *project = self->session != NULL ? ead_session_get_project (self->session) : NULL;
  guint counts[EAD_N_SPLITS][EAD_N_LABELS] = { { 0 } };
  g_autoptr (GArray) infos = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GArray) selected = selected_ids (self);
  g_autoptr (GError) error = NULL;

  gtk_stack_set_visible_child_name (self->stack, project != NULL ? "images" : "none");
  if (project != NULL)
    {
      infos = ead_project_list_images (project, &error);
      if (infos == NULL || !ead_project_count_images (project, counts, &error))
        ead_widget_show_error (GTK_WIDGET (self), error->message);
    }
  refill_types (self, infos);
  for (guint i = 0; infos != NULL && i < infos->len; i++)
    g_ptr_array_add (items, ead_image_item_new (&g_array_index (infos, EadImageInfo, i)));
  g_list_store_splice (self->images, 0, g_list_model_get_n_items (G_LIST_MODEL (self->images)),
                       items->pdata, items->len);
  reselect (self, selected);
  show_counts (self, counts);
  show_roi (self, project, items->len > 0);
}

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *caption = gtk_label_new (NULL);

  gtk_widget_set_size_request (picture, EAD_PROJECT_THUMBNAIL_SIDE, EAD_PROJECT_THUMBNAIL_SIDE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 16);
  gtk_label_set_ellipsize (GTK_LABEL (caption), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (caption), 16);
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_widget_add_css_class (caption, "caption");
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_list_item_set_child (list_item, box);
}

/* Fills a cell, loading its thumbnail only now that it is on screen. */
static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  EadImagesView *self = user_data;
  EadImageItem *image = gtk_list_item_get_item (list_item);
  GtkWidget *picture = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));
  GtkWidget *name = gtk_widget_get_next_sibling (picture);
  GtkWidget *caption = gtk_widget_get_next_sibling (name);
  EadProject *project = ead_session_get_project (self->session);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *description = NULL;
  g_autoptr (GError) error = NULL;

  if (project != NULL)
    bytes = ead_project_get_thumbnail (project, image->id, &error);
  if (bytes != NULL)
    texture = gdk_texture_new_from_bytes (bytes, &error);
  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (texture));
  gtk_widget_set_tooltip_text (picture, error != NULL ? error->message : NULL);

  gtk_label_set_text (GTK_LABEL (name), image->file_name);
  gtk_widget_set_tooltip_text (name, image->file_name);
  if (image->defect_type != NULL)
    /* Translators: a cell's caption: the split, the label, the defect type. */
    description = g_strdup_printf (_("%s · %s · %s"), ead_split_get_name (image->split),
                                   ead_label_get_name (image->label), image->defect_type);
  else
    /* Translators: a cell's caption: the split, then the label. */
    description = g_strdup_printf (_("%s · %s"), ead_split_get_name (image->split),
                                   ead_label_get_name (image->label));
  gtk_label_set_text (GTK_LABEL (caption), description);
  gtk_widget_set_tooltip_text (caption, description);
}

static void
unbind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *picture = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));

  gtk_picture_set_paintable (GTK_PICTURE (picture), NULL);
}

static void
set_importing (EadImagesView *self, gboolean importing)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "images.import-folder", !importing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "images.import-files", !importing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "images.cancel-import", importing);
  gtk_revealer_set_reveal_child (self->progress_revealer, importing);
}

static void
import_progress (guint n_seen, gpointer user_data)
{
  EadImagesView *self = user_data;
  g_autofree char *text = g_strdup_printf (ngettext ("Importing… %u file read",
                                                     "Importing… %u files read", n_seen),
                                           n_seen);

  gtk_progress_bar_set_text (self->progress_bar, text);
  gtk_progress_bar_pulse (self->progress_bar);
}

static void
import_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (EadImagesView) self = user_data;
  EadImportSummary summary = { 0 };
  g_autoptr (GError) error = NULL;
  gboolean imported = ead_session_import_finish (EAD_SESSION (source), result, &summary, &error);

  g_clear_object (&self->import_cancellable);
  /* A view disposed while it imported has nothing left to show. */
  if (self->stack == NULL)
    return;
  set_importing (self, FALSE);
  if (!imported)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ead_widget_show_error (GTK_WIDGET (self), error->message);
    }
  else if (summary.failed > 0)
    {
      g_autofree char *message =
        g_strdup_printf (ngettext ("%u file could not be imported: it is not a readable image",
                                   "%u files could not be imported: they are not readable images",
                                   summary.failed),
                         summary.failed);
      ead_widget_show_error (GTK_WIDGET (self), message);
    }
}

void
ead_images_view_import (EadImagesView *self, GFile *const *files, guint n_files)
{
  g_return_if_fail (EAD_IS_IMAGES_VIEW (self));
  g_return_if_fail (files != NULL && n_files > 0);
  g_return_if_fail (self->session != NULL);

  if (self->import_cancellable != NULL)
    {
      ead_widget_show_error (GTK_WIDGET (self), _("Wait for the import under way to finish, or cancel it"));
      return;
    }
  self->import_cancellable = g_cancellable_new ();
  gtk_progress_bar_set_text (self->progress_bar, _("Importing…"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  set_importing (self, TRUE);
  ead_session_import_async (self->session, files, n_files, import_progress, self,
                            self->import_cancellable, import_finished, g_object_ref (self));
}

gboolean
ead_images_view_is_importing (EadImagesView *self)
{
  g_return_val_if_fail (EAD_IS_IMAGES_VIEW (self), FALSE);

  return self->import_cancellable != NULL;
}

static void
files_chosen (GtkNativeDialog *chooser, int response, EadImagesView *self)
{
  g_autoptr (GListModel) chosen = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  g_clear_object (&self->chooser);
  for (guint i = 0; response == GTK_RESPONSE_ACCEPT && i < g_list_model_get_n_items (chosen); i++)
    g_ptr_array_add (files, g_list_model_get_item (chosen, i));
  if (files->len > 0)
    ead_images_view_import (self, (GFile **) files->pdata, files->len);
}

/* Asks for a folder (@action SELECT_FOLDER) or image files (OPEN) to import. */
static void
choose_import (EadImagesView *self, GtkFileChooserAction action)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean folder = action == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;

  /* The chooser asked for already is still open. */
  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }
  self->chooser = gtk_file_chooser_native_new (folder ? _("Import Folder") : _("Import Images"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               action, _("_Import"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (!folder)
    {
      g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _("Images"));
      gtk_file_filter_add_pixbuf_formats (filter);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
      gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
    }
  g_signal_connect (self->chooser, "response", G_CALLBACK (files_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
import_folder_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  choose_import (EAD_IMAGES_VIEW (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

static void
import_files_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  choose_import (EAD_IMAGES_VIEW (widget), GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
cancel_import_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadImagesView *self = EAD_IMAGES_VIEW (widget);

  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
}

/* After an edit of the selected images: its error, or every view reloads.
 * @error is read here, after the edit given as an argument has set it. */
static void
edited (EadImagesView *self, gboolean done, GError *const *error)
{
  if (done)
    ead_session_images_changed (self->session);
  else
    ead_widget_show_error (GTK_WIDGET (self), (*error)->message);
}

static void
set_label_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadImagesView *self = EAD_IMAGES_VIEW (widget);
  g_autoptr (GArray) ids = selected_ids (self);
  g_autoptr (GError) error = NULL;
  EadLabel label;

  if (ead_label_from_string (g_variant_get_string (parameter, NULL), &label))
    edited (self,
            ead_project_set_label (ead_session_get_project (self->session),
                                   (const gint64 *) ids->data, ids->len, label, &error),
            &error);
}

static void
set_split_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadImagesView *self = EAD_IMAGES_VIEW (widget);
  g_autoptr (GArray) ids = selected_ids (self);
  g_autoptr (GError) error = NULL;
  EadSplit split;

  if (ead_split_from_string (g_variant_get_string (parameter, NULL), &split))
    edited (self,
            ead_project_set_split (ead_session_get_project (self->session),
                                   (const gint64 *) ids->data, ids->len, split, &error),
            &error);
}

/* Makes the selected images anomalous of the type typed, or of no known
 * type when none is. */
static void
set_defect_type_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadImagesView *self = EAD_IMAGES_VIEW (widget);
  g_autoptr (GArray) ids = selected_ids (self);
  g_autofree char *type = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->defect_entry))));
  g_autoptr (GError) error = NULL;

  edited (self,
          ead_project_set_defect_type (ead_session_get_project (self->session),
                                       (const gint64 *) ids->data, ids->len,
                                       *type != '\0' ? type : NULL, &error),
          &error);
}

static void
defect_entry_activated (EadImagesView *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "images.set-defect-type", NULL);
}

static void
delete_accepted (gpointer user_data)
{
  EadImagesView *self = user_data;
  g_autoptr (GArray) ids = selected_ids (self);
  g_autoptr (GError) error = NULL;

  if (ead_session_get_project (self->session) != NULL)
    edited (self,
            ead_project_delete_images (ead_session_get_project (self->session),
                                       (const gint64 *) ids->data, ids->len, &error),
            &error);
}

static void
delete_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadImagesView *self = EAD_IMAGES_VIEW (widget);
  g_autoptr (GArray) ids = selected_ids (self);
  g_autofree char *question = NULL;

  if (ids->len == 0)
    return;
  question = g_strdup_printf (ngettext ("Delete %u image from the project?",
                                        "Delete %u images from the project?", ids->len),
                              ids->len);
  ead_confirm (widget, question,
               _("Their masks, results and reviews go with them. The files they were "
                 "imported from are not touched."),
               _("_Delete"), "destructive-action", delete_accepted, self);
}

/* The image with its mask tinted red, for the preview. */
static GdkTexture *
masked_texture (const EadImage *image, const EadMask *mask)
{
  int width = ead_image_get_width (image), height = ead_image_get_height (image);
  gsize n = (gsize) width * height;
  guint8 *rgb = g_memdup2 (ead_image_get_pixels (image), 3 * n);
  g_autoptr (GBytes) bytes = NULL;

  if (mask != NULL && ead_mask_get_width (mask) == width && ead_mask_get_height (mask) == height)
    {
      const guint8 *defect = ead_mask_get_data (mask);
      for (gsize i = 0; i < n; i++)
        if (defect[i] != 0)
          {
            rgb[3 * i] = (guint8) ((rgb[3 * i] + 255) / 2);
            rgb[3 * i + 1] /= 2;
            rgb[3 * i + 2] /= 2;
          }
    }
  bytes = g_bytes_new_take (rgb, 3 * n);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, 3 * (gsize) width);
}

/* Shows the image at @position of the grid large, with its mask. */
static void
show_preview (EadImagesView *self, guint position)
{
  EadProject *project = ead_session_get_project (self->session);
  g_autoptr (EadImageItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
  g_autoptr (EadImage) image = NULL;
  g_autoptr (EadMask) mask = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *caption = NULL;

  if (item == NULL || project == NULL)
    return;
  image = ead_project_load_image (project, item->id, &error);
  if (image != NULL)
    mask = ead_project_load_mask (project, item->id, &error);
  if (error != NULL)
    {
      ead_widget_show_error (GTK_WIDGET (self), error->message);
      return;
    }
  texture = masked_texture (image, mask);
  gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (texture));
  gtk_label_set_text (self->preview_title, item->file_name);
  /* Translators: under the enlarged image: its split, label, size, and
   * whether its defect mask is shown in red. */
  caption = g_strdup_printf (_("%s · %s · %d × %d pixels%s"), ead_split_get_name (item->split),
                             item->defect_type != NULL ? item->defect_type
                                                       : ead_label_get_name (item->label),
                             ead_image_get_width (image), ead_image_get_height (image),
                             mask != NULL ? _(" · defect mask in red") : "");
  gtk_label_set_text (self->preview_caption, caption);
  gtk_stack_set_visible_child_name (self->stack, "preview");
}

static void
image_activated (EadImagesView *self, guint position)
{
  show_preview (self, position);
}

static void
view_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadImagesView *self = EAD_IMAGES_VIEW (widget);
  g_autoptr (GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

  if (!gtk_bitset_is_empty (selected))
    show_preview (self, gtk_bitset_get_minimum (selected));
}

static void
close_preview_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadImagesView *self = EAD_IMAGES_VIEW (widget);

  gtk_picture_set_paintable (self->preview_picture, NULL);
  gtk_stack_set_visible_child_name (self->stack, "images");
}

/* The image selected first, else the project's first: the one the region
 * is drawn on. */
static gint64
reference_image (EadImagesView *self)
{
  g_autoptr (GArray) ids = selected_ids (self);
  g_autoptr (EadImageItem) first = g_list_model_get_item (G_LIST_MODEL (self->images), 0);

  if (ids->len > 0)
    return g_array_index (ids, gint64, 0);
  return first != NULL ? first->id : 0;
}

static void
roi_answered (GtkDialog *dialog, int response, EadImagesView *self)
{
  EadRoiEditor *editor = g_object_get_data (G_OBJECT (dialog), "editor");
  EadProject *project = ead_session_get_project (self->session);
  g_autoptr (EadRoi) roi = NULL;
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && project != NULL)
    {
      roi = ead_roi_editor_get_roi (editor, &error);
      edited (self, error == NULL && ead_project_set_roi (project, roi, &error), &error);
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The editor on @image, starting from @roi, in a dialog with Cancel and
 * Save; Save stores what it shows, at @image's size. */
static GtkWidget *
roi_dialog_new (EadImagesView *self, const EadImage *image, const EadRoi *roi)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = gtk_dialog_new_with_buttons (_("Region of Interest"),
                                                   GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                                   _("_Cancel"), GTK_RESPONSE_CANCEL, _("_Save"),
                                                   GTK_RESPONSE_ACCEPT, NULL);
  GtkWidget *content = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  GtkWidget *editor = ead_roi_editor_new ();
  GtkWidget *note = gtk_label_new (_("Models trained from now on inspect only this region; "
                                     "those trained before keep theirs."));

  gtk_widget_add_css_class (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                                GTK_RESPONSE_ACCEPT),
                            "suggested-action");
  gtk_box_set_spacing (GTK_BOX (content), 6);
  g_object_set (editor, "margin-start", 12, "margin-end", 12, "margin-top", 12, NULL);
  ead_roi_editor_set_image (EAD_ROI_EDITOR (editor), image, roi);
  g_object_set (note, "xalign", 0.0f, "wrap", TRUE, "wrap-mode", PANGO_WRAP_WORD_CHAR,
                "margin-start", 12, "margin-end", 12, "margin-bottom", 6, NULL);
  gtk_widget_add_css_class (note, "dim-label");
  gtk_box_append (GTK_BOX (content), editor);
  gtk_box_append (GTK_BOX (content), note);
  g_object_set_data (G_OBJECT (dialog), "editor", editor);
  g_signal_connect_object (dialog, "response", G_CALLBACK (roi_answered), self, 0);
  return dialog;
}

static void
roi_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadImagesView *self = EAD_IMAGES_VIEW (widget);
  EadProject *project = ead_session_get_project (self->session);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadImage) image = ead_project_load_image (project, reference_image (self), &error);
  g_autoptr (EadRoi) roi = image != NULL ? ead_project_get_roi (project, NULL, NULL, &error) : NULL;

  if (error != NULL)
    ead_widget_show_error (widget, error->message);
  else
    gtk_window_present (GTK_WINDOW (roi_dialog_new (self, image, roi)));
}

gboolean
ead_images_view_is_previewing (EadImagesView *self)
{
  g_return_val_if_fail (EAD_IS_IMAGES_VIEW (self), FALSE);

  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "preview") == 0;
}

void
ead_images_view_set_session (EadImagesView *self, EadSession *session)
{
  g_return_if_fail (EAD_IS_IMAGES_VIEW (self));

  ead_session_follow (&self->session, session, self, G_CALLBACK (reload), G_CALLBACK (reload));
  reload (self);
}

static void
ead_images_view_dispose (GObject *object)
{
  EadImagesView *self = EAD_IMAGES_VIEW (object);

  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_IMAGES_VIEW);

  G_OBJECT_CLASS (ead_images_view_parent_class)->dispose (object);
}

static void
ead_images_view_finalize (GObject *object)
{
  EadImagesView *self = EAD_IMAGES_VIEW (object);

  g_clear_object (&self->images);
  g_clear_object (&self->import_cancellable);

  G_OBJECT_CLASS (ead_images_view_parent_class)->finalize (object);
}

static void
ead_images_view_class_init (EadImagesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_images_view_dispose;
  object_class->finalize = ead_images_view_finalize;

  g_type_ensure (EAD_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/efficientad/Workbench/ui/ead-images-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, stack);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, total_label);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, train_label);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, validation_label);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, test_label);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, line_label);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, roi_label);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, split_filter);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, label_filter);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, type_filter);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, type_names);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, grid);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, filtered);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, filter);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, selection);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, selection_revealer);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, selection_label);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, defect_entry);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, preview_title);
  gtk_widget_class_bind_template_child (widget_class, EadImagesView, preview_caption);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, image_activated);
  gtk_widget_class_bind_template_callback (widget_class, defect_entry_activated);
  gtk_widget_class_install_action (widget_class, "images.import-folder", NULL,
                                   import_folder_activated);
  gtk_widget_class_install_action (widget_class, "images.import-files", NULL,
                                   import_files_activated);
  gtk_widget_class_install_action (widget_class, "images.cancel-import", NULL,
                                   cancel_import_activated);
  gtk_widget_class_install_action (widget_class, "images.set-label", "s", set_label_activated);
  gtk_widget_class_install_action (widget_class, "images.set-split", "s", set_split_activated);
  gtk_widget_class_install_action (widget_class, "images.set-defect-type", NULL,
                                   set_defect_type_activated);
  gtk_widget_class_install_action (widget_class, "images.delete", NULL, delete_activated);
  gtk_widget_class_install_action (widget_class, "images.view", NULL, view_activated);
  gtk_widget_class_install_action (widget_class, "images.close-preview", NULL,
                                   close_preview_activated);
  gtk_widget_class_install_action (widget_class, "images.roi", NULL, roi_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ead_images_view_init (EadImagesView *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->images = g_list_store_new (EAD_TYPE_IMAGE_ITEM);
  gtk_filter_list_model_set_model (self->filtered, G_LIST_MODEL (self->images));
  gtk_custom_filter_set_filter_func (self->filter, image_matches, self, NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), self);
  gtk_grid_view_set_factory (self->grid, factory);
  set_importing (self, FALSE);
  selection_changed (self);
  reload (self);
}

GtkWidget *
ead_images_view_new (void)
{
  return g_object_new (EAD_TYPE_IMAGES_VIEW, NULL);
}

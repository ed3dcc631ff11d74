/* ead-start-view.c: the first view: create or open a project, reopen a recent one. */

#include "ead-start-view.h"

#include <glib/gi18n.h>

#include "ead-application.h"

struct _EadStartView {
  GtkWidget parent_instance;

  GSettings *settings;
  GtkListBox *recent_list;
};

G_DEFINE_FINAL_TYPE (EadStartView, ead_start_view, GTK_TYPE_WIDGET)

static GtkWidget *
create_recent_row (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr (GFile) parent = g_file_get_parent (file);
  g_autofree char *folder = parent != NULL ? g_file_get_parse_name (parent) : g_strdup (path);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (name);
  GtkWidget *subtitle = gtk_label_new (folder);
  GtkWidget *forget = gtk_button_new_from_icon_name ("list-remove-symbolic");

  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_START);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), subtitle);

  gtk_widget_set_valign (forget, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (forget, "flat");
  gtk_widget_set_tooltip_text (forget, _("Remove From Recent Projects"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (forget), "app.forget-recent");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (forget), "s", path);

  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), forget);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, path);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-file");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", path);
  return row;
}

static void
update_recent (EadStartView *self)
{
  g_auto (GStrv) paths = g_settings_get_strv (self->settings, "recent-projects");
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (self->recent_list, 0)) != NULL)
    gtk_list_box_remove (self->recent_list, GTK_WIDGET (row));
  for (guint i = 0; paths[i] != NULL; i++)
    gtk_list_box_append (self->recent_list, create_recent_row (paths[i]));
}

static void
ead_start_view_dispose (GObject *object)
{
  EadStartView *self = EAD_START_VIEW (object);
  GtkWidget *child;

  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_START_VIEW);
  /* The template's top widget has no name, so disposing it is left to us. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ead_start_view_parent_class)->dispose (object);
}

static void
ead_start_view_class_init (EadStartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_start_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/efficientad/Workbench/ui/ead-start-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EadStartView, recent_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ead_start_view_init (EadStartView *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  placeholder = gtk_label_new (_("No recent projects"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->recent_list, placeholder);

  self->settings = g_settings_new (EAD_APPLICATION_ID);
  g_signal_connect_object (self->settings, "changed::recent-projects", G_CALLBACK (update_recent),
                           self, G_CONNECT_SWAPPED);
  update_recent (self);
}

GtkWidget *
ead_start_view_new (void)
{
  return g_object_new (EAD_TYPE_START_VIEW, NULL);
}

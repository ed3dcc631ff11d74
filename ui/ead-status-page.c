/* ead-status-page.c: an icon, a title and a description in the middle of a view. */

#include "ead-status-page.h"

struct _EadStatusPage {
  GtkWidget parent_instance;

  GtkImage *icon;
  GtkLabel *title;
  GtkLabel *description;
};

G_DEFINE_FINAL_TYPE (EadStatusPage, ead_status_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ICON_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ead_status_page_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), EAD_TYPE_STATUS_PAGE);
  /* The template's top widget has no name, so disposing it is left to us. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ead_status_page_parent_class)->dispose (object);
}

static void
ead_status_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EadStatusPage *self = EAD_STATUS_PAGE (object);

  switch (prop_id)
    {
    case PROP_ICON_NAME:
      g_value_set_string (value, ead_status_page_get_icon_name (self));
      break;
    case PROP_TITLE:
      g_value_set_string (value, ead_status_page_get_title (self));
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, ead_status_page_get_description (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ead_status_page_set_property (GObject *object, guint prop_id, const GValue *value,
                              GParamSpec *pspec)
{
  EadStatusPage *self = EAD_STATUS_PAGE (object);

  switch (prop_id)
    {
    case PROP_ICON_NAME:
      ead_status_page_set_icon_name (self, g_value_get_string (value));
      break;
    case PROP_TITLE:
      ead_status_page_set_title (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      ead_status_page_set_description (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ead_status_page_class_init (EadStatusPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_status_page_dispose;
  object_class->get_property = ead_status_page_get_property;
  object_class->set_property = ead_status_page_set_property;

  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/efficientad/Workbench/ui/ead-status-page.ui");
  gtk_widget_class_bind_template_child (widget_class, EadStatusPage, icon);
  gtk_widget_class_bind_template_child (widget_class, EadStatusPage, title);
  gtk_widget_class_bind_template_child (widget_class, EadStatusPage, description);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "statuspage");
}

static void
ead_status_page_init (EadStatusPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ead_status_page_new (void)
{
  return g_object_new (EAD_TYPE_STATUS_PAGE, NULL);
}

void
ead_status_page_set_icon_name (EadStatusPage *self, const char *icon_name)
{
  g_return_if_fail (EAD_IS_STATUS_PAGE (self));

  if (g_strcmp0 (icon_name, ead_status_page_get_icon_name (self)) == 0)
    return;
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_widget_set_visible (GTK_WIDGET (self->icon), icon_name != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_NAME]);
}

const char *
ead_status_page_get_icon_name (EadStatusPage *self)
{
  g_return_val_if_fail (EAD_IS_STATUS_PAGE (self), NULL);

  return gtk_image_get_icon_name (self->icon);
}

void
ead_status_page_set_title (EadStatusPage *self, const char *title)
{
  g_return_if_fail (EAD_IS_STATUS_PAGE (self));

  if (g_strcmp0 (title, ead_status_page_get_title (self)) == 0)
    return;
  gtk_label_set_text (self->title, title);
  gtk_widget_set_visible (GTK_WIDGET (self->title), title != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
ead_status_page_get_title (EadStatusPage *self)
{
  g_return_val_if_fail (EAD_IS_STATUS_PAGE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->title)) ? gtk_label_get_text (self->title)
                                                          : NULL;
}

void
ead_status_page_set_description (EadStatusPage *self, const char *description)
{
  g_return_if_fail (EAD_IS_STATUS_PAGE (self));

  if (g_strcmp0 (description, ead_status_page_get_description (self)) == 0)
    return;
  gtk_label_set_text (self->description, description);
  gtk_widget_set_visible (GTK_WIDGET (self->description), description != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

const char *
ead_status_page_get_description (EadStatusPage *self)
{
  g_return_val_if_fail (EAD_IS_STATUS_PAGE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->description))
           ? gtk_label_get_text (self->description)
           : NULL;
}

/* ead-session.c: the project open in a window, as the views see it. */

#include "ead-session.h"

#include <glib/gi18n.h>
#include <string.h>

struct _EadSession {
  GObject parent_instance;

  GFile *file;
  char *title;
};

G_DEFINE_FINAL_TYPE (EadSession, ead_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_file (EadSession *self, GFile *file)
{
  if (self->file == file || (self->file != NULL && file != NULL && g_file_equal (self->file, file)))
    return;

  g_set_object (&self->file, file);
  g_clear_pointer (&self->title, g_free);
  if (file != NULL)
    {
      g_autofree char *basename = g_file_get_basename (file);
      if (g_str_has_suffix (basename, EAD_PROJECT_EXTENSION)
          && strlen (basename) > strlen (EAD_PROJECT_EXTENSION))
        basename[strlen (basename) - strlen (EAD_PROJECT_EXTENSION)] = '\0';
      self->title = g_steal_pointer (&basename);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
ead_session_finalize (GObject *object)
{
  EadSession *self = EAD_SESSION (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->title, g_free);

  G_OBJECT_CLASS (ead_session_parent_class)->finalize (object);
}

static void
ead_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EadSession *self = EAD_SESSION (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ead_session_class_init (EadSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ead_session_finalize;
  object_class->get_property = ead_session_get_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ead_session_init (EadSession *self)
{
}

EadSession *
ead_session_new (void)
{
  return g_object_new (EAD_TYPE_SESSION, NULL);
}

GFile *
ead_session_get_file (EadSession *self)
{
  g_return_val_if_fail (EAD_IS_SESSION (self), NULL);

  return self->file;
}

const char *
ead_session_get_title (EadSession *self)
{
  g_return_val_if_fail (EAD_IS_SESSION (self), NULL);

  return self->title;
}

gboolean
ead_session_create (EadSession *self, GFile *file, GError **error)
{
  g_return_val_if_fail (EAD_IS_SESSION (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  set_file (self, file);
  return TRUE;
}

gboolean
ead_session_open (EadSession *self, GFile *file, GError **error)
{
  g_return_val_if_fail (EAD_IS_SESSION (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_REGULAR)
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no project file at “%s”"),
                   name);
      return FALSE;
    }
  set_file (self, file);
  return TRUE;
}

void
ead_session_close (EadSession *self)
{
  g_return_if_fail (EAD_IS_SESSION (self));

  set_file (self, NULL);
}

void
ead_session_import_async (EadSession *self, GFile *folder, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (EAD_IS_SESSION (self));
  g_return_if_fail (G_IS_FILE (folder));

  if (self->file == NULL)
    g_task_report_new_error (self, callback, user_data, ead_session_import_async, G_IO_ERROR,
                             G_IO_ERROR_FAILED, "%s",
                             _("Create or open a project before importing images"));
  else
    g_task_report_new_error (self, callback, user_data, ead_session_import_async, G_IO_ERROR,
                             G_IO_ERROR_NOT_SUPPORTED, "%s",
                             _("Importing images is not available yet: this build has no "
                               "project file support"));
}

gboolean
ead_session_import_finish (EadSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (EAD_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

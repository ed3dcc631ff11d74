/* ead-session.c: the project open in a window, as the views see it. */

#include "ead-session.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ead-progress-relay.h"

struct _EadSession {
  GObject parent_instance;

  GFile *file;
  EadProject *project;
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

enum {
  IMAGES_CHANGED,
  MODELS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Makes @project (taken) at @file the open one, closing the one before. */
static void
set_project (EadSession *self, GFile *file, EadProject *project)
{
  g_clear_pointer (&self->project, ead_project_close);
  self->project = project;
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

/* Why the project layer could not open @file, or with @creating create it,
 * in the user's language: a sentence of our own for each of the project
 * file's problems, and the layer's reason after our words for the rest
 * (without the file's path in front, which the sentence already names). */
static char *
describe_project_error (const GError *error, GFile *file, gboolean creating)
{
  g_autofree char *name = g_file_get_parse_name (file);
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *reason = g_strdelimit (g_strdup (error->message), "\n", ' ');
  const char *why = reason;

  if (error->domain == EAD_PROJECT_ERROR)
    switch ((EadProjectError) error->code)
      {
      case EAD_PROJECT_ERROR_MISSING:
        return g_strdup_printf (_("There is no project file at “%s”"), name);
      case EAD_PROJECT_ERROR_EXISTS:
        return g_strdup_printf (_("“%s” already exists: choose another name for the new project"), name);
      case EAD_PROJECT_ERROR_NOT_A_DATABASE:
      case EAD_PROJECT_ERROR_NOT_A_PROJECT:
        return g_strdup_printf (_("“%s” is not a project file"), name);
      case EAD_PROJECT_ERROR_NEWER:
        return g_strdup_printf (_("The project “%s” was saved by a newer version of EfficientAD: "
                                  "open it with that version"), name);
      case EAD_PROJECT_ERROR_DAMAGED:
        return g_strdup_printf (_("The project “%s” is damaged and cannot be opened"), name);
      case EAD_PROJECT_ERROR_ACCESS:
        return g_strdup_printf (creating ? _("The project “%s” cannot be created: you may not write "
                                             "in that folder")
                                         : _("The project “%s” cannot be opened: you may not read "
                                             "or change it"), name);
      case EAD_PROJECT_ERROR_FULL:
        return g_strdup_printf (creating ? _("The project “%s” cannot be created: the disk is full")
                                         : _("The project “%s” cannot be opened: the disk is full"),
                                name);
      case EAD_PROJECT_ERROR_FAILED:
        break;
      }
  if (path != NULL && g_str_has_prefix (why, path) && why[strlen (path)] == ':')
    why = g_strchug (reason + strlen (path) + 1);
  /* Translators: the project file, then why it could not be created or opened. */
  return g_strdup_printf (creating ? _("Could not create the project “%s”: %s")
                                   : _("Could not open the project “%s”: %s"), name, why);
}

/* Replaces *@error's message by describe_project_error()'s. */
static void
restate_error (GError **error, GFile *file, gboolean creating)
{
  g_autofree char *message = describe_project_error (*error, file, creating);

  g_free ((*error)->message);
  (*error)->message = g_steal_pointer (&message);
}

/* @file's path, or NULL and an error saying projects must be local files. */
static char *
local_path (GFile *file, GError **error)
{
  char *path = g_file_get_path (file);

  if (path == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("“%s” is not on this computer: projects must be local files"), name);
    }
  return path;
}

static void
ead_session_finalize (GObject *object)
{
  EadSession *self = EAD_SESSION (object);

  g_clear_pointer (&self->project, ead_project_close);
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

  /* The open project's images were added to or changed. */
  signals[IMAGES_CHANGED] = g_signal_new ("images-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The open project's models were added to, calibrated or tested. */
  signals[MODELS_CHANGED] = g_signal_new ("models-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
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

EadProject *
ead_session_get_project (EadSession *self)
{
  g_return_val_if_fail (EAD_IS_SESSION (self), NULL);

  return self->project;
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

  g_autofree char *path = local_path (file, error);
  EadProject *project;

  if (path == NULL)
    return FALSE;
  project = ead_project_create (path, error);
  if (project == NULL)
    {
      restate_error (error, file, TRUE);
      return FALSE;
    }
  set_project (self, file, project);
  return TRUE;
}

/* Runs in a worker thread: ead_project_open() reads the whole file for its
 * integrity check, seconds for a big project. */
static void
open_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  GError *error = NULL;
  EadProject *project = ead_project_open (path, &error);

  if (project == NULL)
    {
      restate_error (&error, file, FALSE);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, project, (GDestroyNotify) ead_project_close);
}

void
ead_session_open_async (EadSession *self, GFile *file, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (EAD_IS_SESSION (self));
  g_return_if_fail (G_IS_FILE (file));

  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  g_task_set_source_tag (task, ead_session_open_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_REGULAR)
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("There is no project file at “%s”"), name);
      return;
    }
  path = local_path (file, &error);
  if (path == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_run_in_thread (task, open_thread);
}

gboolean
ead_session_open_finish (EadSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (EAD_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  EadProject *project = g_task_propagate_pointer (G_TASK (result), error);

  if (project == NULL)
    return FALSE;
  set_project (self, g_task_get_task_data (G_TASK (result)), project);
  return TRUE;
}

void
ead_session_close (EadSession *self)
{
  g_return_if_fail (EAD_IS_SESSION (self));

  set_project (self, NULL, NULL);
}

void
ead_session_models_changed (EadSession *self)
{
  g_return_if_fail (EAD_IS_SESSION (self));

  g_signal_emit (self, signals[MODELS_CHANGED], 0);
}

void
ead_session_follow (EadSession **slot, EadSession *session, gpointer view, GCallback opened,
                    GCallback changed)
{
  g_return_if_fail (session == NULL || EAD_IS_SESSION (session));

  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, view);
  g_set_object (slot, session);
  if (session != NULL)
    {
      g_signal_connect_swapped (session, "notify::file", opened, view);
      g_signal_connect_swapped (session, "images-changed", changed, view);
    }
}

void
ead_session_images_changed (EadSession *self)
{
  g_return_if_fail (EAD_IS_SESSION (self));

  g_signal_emit (self, signals[IMAGES_CHANGED], 0);
}

typedef struct {
  char *project_path;
  GStrv paths;
  EadSessionImportProgress progress;
  gpointer progress_data;
  EadProgressRelay *relay;
  guint n_seen;               /* the worker's */
  EadImportSummary summary;
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_free (data->project_path);
  g_strfreev (data->paths);
  g_clear_pointer (&data->relay, ead_progress_relay_unref);
  g_free (data);
}

static void
report_progress (guint phase, guint n_seen, guint total, gpointer user_data)
{
  ImportData *data = user_data;

  data->progress (n_seen, data->progress_data);
}

/* Runs in the worker thread for every image file. */
static void
import_file_seen (const char *path, const GError *problem, gpointer user_data)
{
  ImportData *data = user_data;

  if (data->relay != NULL)
    ead_progress_relay_post (data->relay, 0, ++data->n_seen, 0);
}

static void
import_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ImportData *data = task_data;
  EadImportOptions options;
  g_autoptr (EadProject) project = NULL;
  GError *error = NULL;

  ead_import_options_init (&options);
  project = ead_project_reopen (data->project_path, &error);
  if (project == NULL
      || !ead_project_import (project, (const char *const *) data->paths, &options,
                              import_file_seen, data, cancellable,
                              &data->summary, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
ead_session_import_async (EadSession *self, GFile *const *files, guint n_files,
                          EadSessionImportProgress progress, gpointer progress_data,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  ImportData *data;

  g_return_if_fail (EAD_IS_SESSION (self));
  g_return_if_fail (files != NULL && n_files > 0);

  if (self->project == NULL)
    {
      g_task_report_new_error (self, callback, user_data, ead_session_import_async, G_IO_ERROR,
                               G_IO_ERROR_FAILED, "%s",
                               _("Create or open a project before importing images"));
      return;
    }

  data = g_new0 (ImportData, 1);
  data->project_path = g_strdup (ead_project_get_path (self->project));
  data->paths = g_new0 (char *, n_files + 1);
  for (guint i = 0; i < n_files; i++)
    data->paths[i] = g_file_get_path (files[i]);
  data->progress = progress;
  data->progress_data = progress_data;
  if (progress != NULL)
    data->relay = ead_progress_relay_new (report_progress, data);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ead_session_import_async);
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);
  g_task_run_in_thread (task, import_thread);
}

gboolean
ead_session_import_finish (EadSession *self, GAsyncResult *result, EadImportSummary *summary,
                           GError **error)
{
  GTask *task = G_TASK (result);
  ImportData *data;

  g_return_val_if_fail (EAD_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  data = g_task_get_task_data (task);
  /* A task refused before it started has no data. */
  if (data != NULL && data->relay != NULL)
    ead_progress_relay_stop (data->relay);
  if (!g_task_propagate_boolean (task, error))
    return FALSE;
  if (summary != NULL)
    *summary = data->summary;
  if (data->summary.imported > 0 && self->project != NULL
      && g_str_equal (ead_project_get_path (self->project), data->project_path))
    g_signal_emit (self, signals[IMAGES_CHANGED], 0);
  return TRUE;
}

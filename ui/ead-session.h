/* ead-session.h: the project open in a window, as the views see it.
 *
 * Views observe a session (its "file" property and its "images-changed"
 * and "models-changed" signals) rather than the project file itself; the window creates, opens
 * and closes projects through it. The session's connection to the project
 * (core/ead-project.h) is for the main thread; long operations run in
 * worker threads on connections of their own (ead_project_reopen()).
 *
 * Background work follows one convention. A job is a GTask whose source
 * object is the session, never a widget (its last reference may drop in
 * the worker), run on a connection of its own (ead_project_reopen(): no
 * second integrity check), cancelled through its GCancellable, and
 * reporting through an EadProgressRelay (ead-progress-relay.h; training
 * batches every step's losses instead). The session runs the jobs that
 * belong to no view (opening, importing); a view runs its own
 * (calibrating and testing, exporting, training), starting it and showing
 * its progress. */
#pragma once

#include <gio/gio.h>

#include "ead-project.h"

G_BEGIN_DECLS

#define EAD_TYPE_SESSION (ead_session_get_type ())
G_DECLARE_FINAL_TYPE (EadSession, ead_session, EAD, SESSION, GObject)

EadSession *ead_session_new (void);

/* The open project's file, NULL while none is open. */
GFile *ead_session_get_file (EadSession *self);

/* The open project, NULL while none is open. */
EadProject *ead_session_get_project (EadSession *self);

/* The open project's name for titles (its file name without the
 * extension), NULL while none is open. */
const char *ead_session_get_title (EadSession *self);

/* Creates the new project @file (an existing file is an error) and makes
 * it the open one. Errors are one readable line; the session then stays as
 * it was. */
gboolean ead_session_create (EadSession *self, GFile *file, GError **error);

/* Opens the existing project @file in a worker thread (its integrity check
 * reads the whole file) and, when done, makes it the open one. A file that
 * is not there is a G_IO_ERROR_NOT_FOUND naming it, one that is not a
 * project an error naming it and saying why; the session then stays as it
 * was, as it does when @cancellable is cancelled first. */
void ead_session_open_async (EadSession *self, GFile *file, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
gboolean ead_session_open_finish (EadSession *self, GAsyncResult *result, GError **error);

void ead_session_close (EadSession *self);

/* Tells the views that the open project's models changed: a run produced
 * one, or one was calibrated or tested (emits "models-changed"). */
void ead_session_models_changed (EadSession *self);

/* Makes *@slot, a view's session, @session: the view (@view) stops
 * following the one before and follows this one, @opened being called
 * (swapped) when it opens or closes a project and @changed when its images
 * change. */
void ead_session_follow (EadSession **slot, EadSession *session, gpointer view,
                         GCallback opened, GCallback changed);

/* Tells the views that the open project's images were changed (relabelled,
 * moved, deleted) by one of them: emits "images-changed". */
void ead_session_images_changed (EadSession *self);

/* Called in the main thread while an import runs, with the number of image
 * files seen so far. */
typedef void (*EadSessionImportProgress) (guint n_seen, gpointer user_data);

/* Imports @files (image files, and folders: the images directly in them, or
 * the MVTec AD layout, detected) into the open project in a worker thread
 * on a connection of its own. Finishing an import that added images emits
 * "images-changed" while that project is still open. @progress_data must
 * live until @callback is called. */
void ead_session_import_async (EadSession *self, GFile *const *files, guint n_files,
                               EadSessionImportProgress progress, gpointer progress_data,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean ead_session_import_finish (EadSession *self, GAsyncResult *result,
                                    EadImportSummary *summary, GError **error);

G_END_DECLS

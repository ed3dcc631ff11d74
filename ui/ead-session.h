/* ead-session.h: the project open in a window, as the views see it.
 *
 * Views observe a session (its "file" property) rather than the project file
 * itself; the window creates, opens and closes projects through it. The
 * project file layer (core/ead-project.h) is not part of the build yet, so a
 * session only records which project file was chosen: it reads and writes
 * nothing in it, and importing images reports that it is not available. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The extension of project files, with its dot. */
#define EAD_PROJECT_EXTENSION ".eadproj"

#define EAD_TYPE_SESSION (ead_session_get_type ())
G_DECLARE_FINAL_TYPE (EadSession, ead_session, EAD, SESSION, GObject)

EadSession *ead_session_new (void);

/* The open project's file, NULL while none is open. */
GFile *ead_session_get_file (EadSession *self);

/* The open project's name for titles (its file name without the
 * extension), NULL while none is open. */
const char *ead_session_get_title (EadSession *self);

/* Makes @file the open project, a new one. */
gboolean ead_session_create (EadSession *self, GFile *file, GError **error);

/* Makes the existing project @file the open one; a file that is not there
 * is a G_IO_ERROR_NOT_FOUND naming it, and the session stays as it was. */
gboolean ead_session_open (EadSession *self, GFile *file, GError **error);

void ead_session_close (EadSession *self);

/* Imports the images under @folder into the open project. */
void ead_session_import_async (EadSession *self, GFile *folder, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean ead_session_import_finish (EadSession *self, GAsyncResult *result, GError **error);

G_END_DECLS

/* ead-images-view.h: the Images view: a grid of the open project's images
 * with their counts per split and label, filters, and import of folders.
 *
 * Its actions: images.import-folder asks for a folder and imports it,
 * images.cancel-import stops the import under way; on the images selected
 * in the grid, images.set-label('good'|'anomalous'|'unlabelled'),
 * images.set-split('train'|'validation'|'test'), images.set-defect-type
 * (the type typed beside it), images.delete (after asking) and
 * images.view, which shows the first of them large with its mask, as
 * activating an image does; images.close-preview goes back to the grid. */
#pragma once

#include <gtk/gtk.h>

#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_IMAGES_VIEW (ead_images_view_get_type ())
G_DECLARE_FINAL_TYPE (EadImagesView, ead_images_view, EAD, IMAGES_VIEW, GtkWidget)

GtkWidget *ead_images_view_new (void);

/* The session whose project the view shows. */
void ead_images_view_set_session (EadImagesView *self, EadSession *session);

/* Imports @files (image files and folders, see ead_session_import_async())
 * into the session's project in a worker thread, showing its progress with
 * a Cancel button; the grid is refreshed when it is done and problems go to
 * the window's error banner. */
void ead_images_view_import (EadImagesView *self, GFile *const *files, guint n_files);

G_END_DECLS

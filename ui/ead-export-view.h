/* ead-export-view.h: the Export view: a model with the threshold and the
 * metrics it was validated with, written as a model file for the
 * production line (docs/model-format.md).
 *
 * Its actions: export.choose-destination asks where the file goes,
 * export.export writes it there. */
#pragma once

#include <gtk/gtk.h>

#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_EXPORT_VIEW (ead_export_view_get_type ())
G_DECLARE_FINAL_TYPE (EadExportView, ead_export_view, EAD, EXPORT_VIEW, GtkWidget)

GtkWidget *ead_export_view_new (void);

/* The session whose project the view shows. */
void ead_export_view_set_session (EadExportView *self, EadSession *session);

/* Reads the project's models again, keeping the one chosen. */
void ead_export_view_reload (EadExportView *self);

/* Asks for a destination, then writes the file there. */
void ead_export_view_choose_and_export (EadExportView *self);

G_END_DECLS

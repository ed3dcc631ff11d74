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

/* The model chosen, 0 for none. */
gint64 ead_export_view_get_model (EadExportView *self);

/* Where the model file goes; NULL for not chosen yet. */
void ead_export_view_set_destination (EadExportView *self, GFile *destination);
GFile *ead_export_view_get_destination (EadExportView *self);

/* Asks for a destination, then writes the file there. */
void ead_export_view_choose_and_export (EadExportView *self);

/* Writes the chosen model's inspection report (ead-report.h) to @file in a
 * worker thread and shows the outcome below the Export button. */
void ead_export_view_save_report (EadExportView *self, GFile *file);

/* Whether a model file or report is being written (in a worker thread);
 * export.export writes the model file that way. */
gboolean ead_export_view_is_busy (EadExportView *self);

G_END_DECLS

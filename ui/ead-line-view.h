/* ead-line-view.h: the Line view: a calibrated model with a threshold
 * inspects each new image in a folder (a camera's drop folder) as it
 * arrives, and shows the newest part's decision, the running counts and
 * timings, and the latest rejects with their maps.
 *
 * Its actions: line.choose-folder, line.start, line.pause, line.resume,
 * line.stop and line.close-reject (the maps of the reject clicked). */
#pragma once

#include <gtk/gtk.h>

#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_LINE_VIEW (ead_line_view_get_type ())
G_DECLARE_FINAL_TYPE (EadLineView, ead_line_view, EAD, LINE_VIEW, GtkWidget)

GtkWidget *ead_line_view_new (void);

/* The session whose project's models the view offers. */
void ead_line_view_set_session (EadLineView *self, EadSession *session);

/* Reads the project's models again, keeping the one chosen. */
void ead_line_view_reload (EadLineView *self);

G_END_DECLS

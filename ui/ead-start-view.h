/* ead-start-view.h: the first view: create or open a project, reopen a recent one.
 *
 * Its buttons and rows activate the window's actions (win.new-project,
 * win.open-project, win.open-file) and the application's app.forget-recent;
 * the list follows the "recent-projects" setting. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EAD_TYPE_START_VIEW (ead_start_view_get_type ())
G_DECLARE_FINAL_TYPE (EadStartView, ead_start_view, EAD, START_VIEW, GtkWidget)

GtkWidget *ead_start_view_new (void);

G_END_DECLS

/* ead-window.h: a workbench window: a header bar switching between the six
 * views (Start, Images, Training, Calibration, Review, Export), a banner for
 * errors, and the project open in it (an EadSession). */
#pragma once

#include <gtk/gtk.h>

#include "ead-application.h"
#include "ead-session.h"

G_BEGIN_DECLS

#define EAD_TYPE_WINDOW (ead_window_get_type ())
G_DECLARE_FINAL_TYPE (EadWindow, ead_window, EAD, WINDOW, GtkApplicationWindow)

EadWindow *ead_window_new (EadApplication *application);

EadSession *ead_window_get_session (EadWindow *self);

/* Handles files given on the command line or dropped onto the window: a
 * project file is opened; folders and image files are imported into the
 * open project, all in one import (without one, a folder goes into a new
 * project created first). */
void ead_window_open_files (EadWindow *self, GFile **files, gsize n_files);

/* Shows @message in the window's error banner until it is dismissed. */
void ead_window_show_error (EadWindow *self, const char *message);
/* Shows @message in the error bar of the window holding @widget (its
 * win.show-error action); logs it when @widget is in no window. */
void ead_widget_show_error (GtkWidget *widget, const char *message);

G_END_DECLS

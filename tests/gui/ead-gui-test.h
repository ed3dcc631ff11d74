/* ead-gui-test.h: helpers for the GUI tests, which run under Xvfb: waiting
 * for GTK to draw, finding what the widgets show, and PNG snapshots. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Call in the thread that runs GTK, after g_test_init(): one GTK warning
 * about a widget of GTK's own file chooser (see ead-gui-test.c) is printed
 * without ending the test; every other warning still ends it. */
void ead_gui_test_init (void);

/* Runs the main loop until @condition holds or @timeout_ms pass; returns
 * whether it holds. */
gboolean ead_gui_test_wait_until (gboolean (*condition) (gpointer data), gpointer data,
                                  guint timeout_ms);

/* Runs the main loop until @widget's window has painted a frame after
 * everything queued so far (layout included). */
void ead_gui_test_wait_drawn (GtkWidget *widget);

/* Shows @child alone in a new window of @width x @height and waits until
 * it is drawn. Destroy the returned window when done. */
GtkWindow *ead_gui_test_show (GtkWidget *child, int width, int height);

/* Renders @widget as it is on screen and, when @name is not NULL, saves it
 * as NAME.png under $EAD_SNAPSHOT_DIR (or the current folder) and checks
 * that the file reads back at the widget's size. */
GdkTexture *ead_gui_test_snapshot (GtkWidget *widget, const char *name);

/* The texture's pixels as packed RGB, width * height * 3 bytes. */
guint8 *ead_gui_test_rgb (GdkTexture *texture);

/* Counts the pixels within @tolerance (per channel) of @rgb. */
guint ead_gui_test_count_color (GdkTexture *texture, const guint8 rgb[3], int tolerance);

/* Counts the pixels whose red exceeds their green and blue by @margin or
 * more: a red tint, whatever colour it lies over. */
guint ead_gui_test_count_reddish (GdkTexture *texture, int margin);

/* Counts distinct colours, up to @limit: a blank picture has one or two. */
guint ead_gui_test_count_colors (GdkTexture *texture, guint limit);

/* Finds a label under @root that is on screen (mapped) and shows exactly
 * @text, or NULL. Buttons, stack switchers and menus hold GtkLabels too. */
GtkWidget *ead_gui_test_find_label (GtkWidget *root, const char *text);

/* Finds a toplevel window of type @type other than @except, or NULL. */
GtkWindow *ead_gui_test_find_window (GType type, GtkWindow *except);

G_END_DECLS

/* ead-confirm.h: asking before something that cannot be undone. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Asks @question, explained by @detail, in a modal dialog over @widget's
 * window; calls @accepted with @user_data when the answer is
 * @accept_label, a button styled as @style_class ("suggested-action" or
 * "destructive-action"). */
void ead_confirm (GtkWidget *widget, const char *question, const char *detail,
                  const char *accept_label, const char *style_class,
                  void (*accepted) (gpointer user_data), gpointer user_data);

G_END_DECLS

/* ead-status-page.h: an icon, a title and a description in the middle of a
 * view, for a view with nothing to show yet. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EAD_TYPE_STATUS_PAGE (ead_status_page_get_type ())
G_DECLARE_FINAL_TYPE (EadStatusPage, ead_status_page, EAD, STATUS_PAGE, GtkWidget)

GtkWidget *ead_status_page_new (void);

void ead_status_page_set_icon_name (EadStatusPage *self, const char *icon_name);
const char *ead_status_page_get_icon_name (EadStatusPage *self);
void ead_status_page_set_title (EadStatusPage *self, const char *title);
const char *ead_status_page_get_title (EadStatusPage *self);
void ead_status_page_set_description (EadStatusPage *self, const char *description);
const char *ead_status_page_get_description (EadStatusPage *self);

G_END_DECLS

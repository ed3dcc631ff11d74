/* ead-application.h: the workbench application. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EAD_APPLICATION_ID "org.efficientad.Workbench"

/* How many projects the Start view lists. */
#define EAD_RECENT_PROJECTS_MAX 10

#define EAD_TYPE_APPLICATION (ead_application_get_type ())
G_DECLARE_FINAL_TYPE (EadApplication, ead_application, EAD, APPLICATION, GtkApplication)

/* Sets the locale and binds the translations, from EAD_LOCALEDIR when set
 * (an uninstalled build's po/ folder), from the installed ones otherwise.
 * Call it first, before any string is translated. */
void ead_application_init_i18n (void);

EadApplication *ead_application_new (void);

GSettings *ead_application_get_settings (EadApplication *self);

/* Puts @file first in the recent projects, keeping at most
 * EAD_RECENT_PROJECTS_MAX of them. */
void ead_application_add_recent (EadApplication *self, GFile *file);

G_END_DECLS

/* ead-application.c: the workbench application. */

#include "ead-application.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "ead-compute.h"
#include "ead-config.h"
#include "ead-session.h"
#include "ead-window.h"

struct _EadApplication {
  GtkApplication parent_instance;

  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (EadApplication, ead_application, GTK_TYPE_APPLICATION)

void
ead_application_init_i18n (void)
{
  const char *localedir = g_getenv ("EAD_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Closing, rather than quitting at once, lets each window save its state;
   * the application ends with its last window. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;
      l = l->next;
      gtk_window_close (window);
    }
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *authors[] = { "The EfficientAD Workbench authors", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", _("EfficientAD Workbench"),
                         "logo-icon-name", EAD_APPLICATION_ID,
                         "version", EAD_VERSION,
                         "comments", _("Visual anomaly detection for industrial inspection, "
                                       "after EfficientAD (Batzner et al., WACV 2024)."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         /* Translators: put your names here, one per line. */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
forget_recent_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  EadApplication *self = EAD_APPLICATION (user_data);
  const char *path = g_variant_get_string (parameter, NULL);
  g_auto (GStrv) recent = g_settings_get_strv (self->settings, "recent-projects");
  g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();

  for (guint i = 0; recent[i] != NULL; i++)
    if (g_strcmp0 (recent[i], path) != 0)
      g_strv_builder_add (kept, recent[i]);
  g_auto (GStrv) paths = g_strv_builder_end (kept);
  g_settings_set_strv (self->settings, "recent-projects", (const char *const *) paths);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "forget-recent", forget_recent_activated, "s" },
};

static void
ead_application_startup (GApplication *application)
{
  EadApplication *self = EAD_APPLICATION (application);
  GtkApplication *app = GTK_APPLICATION (application);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.new-project", { "<Control>n", NULL } },
    { "win.open-project", { "<Control>o", NULL } },
    { "win.close-project", { "<Control>w", NULL } },
    { "win.export-model", { "<Control>e", NULL } },
    { "win.view('start')", { "<Alt>1", NULL } },
    { "win.view('images')", { "<Alt>2", NULL } },
    { "win.view('training')", { "<Alt>3", NULL } },
    { "win.view('calibration')", { "<Alt>4", NULL } },
    { "win.view('review')", { "<Alt>5", NULL } },
    { "win.view('export')", { "<Alt>6", NULL } },
    { "win.view('line')", { "<Alt>7", NULL } },
  };

  G_APPLICATION_CLASS (ead_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (app, accels[i].action, accels[i].accels);

  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/efficientad/Workbench/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_window_set_default_icon_name (EAD_APPLICATION_ID);
}

static void
ead_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    window = GTK_WINDOW (ead_window_new (EAD_APPLICATION (application)));
  gtk_window_present (window);
}

static void
ead_application_open (GApplication *application, GFile **files, int n_files, const char *hint)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (application));
  EadWindow *window;

  /* A window that already shows a project keeps it; the files get a new one. */
  if (EAD_IS_WINDOW (active)
      && ead_session_get_file (ead_window_get_session (EAD_WINDOW (active))) == NULL)
    window = EAD_WINDOW (active);
  else
    window = ead_window_new (EAD_APPLICATION (application));

  ead_window_open_files (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static void
ead_application_dispose (GObject *object)
{
  EadApplication *self = EAD_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ead_application_parent_class)->dispose (object);
}

static void
ead_application_class_init (EadApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ead_application_dispose;
  application_class->startup = ead_application_startup;
  application_class->activate = ead_application_activate;
  application_class->open = ead_application_open;
}

static void
ead_application_init (EadApplication *self)
{
  self->settings = g_settings_new (EAD_APPLICATION_ID);
}

EadApplication *
ead_application_new (void)
{
  /* Before GApplication starts threads (the allocator's setting must come
   * before a second thread allocates); Debian's libtorch starts with one
   * thread: train and score on them all. */
  ead_torch_setup_process (0);
  return g_object_new (EAD_TYPE_APPLICATION,
                       "application-id", EAD_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

GSettings *
ead_application_get_settings (EadApplication *self)
{
  g_return_val_if_fail (EAD_IS_APPLICATION (self), NULL);

  return self->settings;
}

void
ead_application_add_recent (EadApplication *self, GFile *file)
{
  g_return_if_fail (EAD_IS_APPLICATION (self));
  g_return_if_fail (G_IS_FILE (file));

  g_autofree char *path = g_file_get_path (file);
  g_auto (GStrv) recent = g_settings_get_strv (self->settings, "recent-projects");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint n = 1;

  if (path == NULL)
    return;
  g_strv_builder_add (builder, path);
  for (guint i = 0; recent[i] != NULL && n < EAD_RECENT_PROJECTS_MAX; i++)
    if (g_strcmp0 (recent[i], path) != 0)
      {
        g_strv_builder_add (builder, recent[i]);
        n++;
      }
  g_auto (GStrv) paths = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-projects", (const char *const *) paths);
}

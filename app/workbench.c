/* workbench.c: main() of the workbench, the GTK 4 desktop application. */

#include <glib-unix.h>
#include <signal.h>

#include "ead-application.h"

/* SIGINT and SIGTERM close the windows as the Quit action does, so that
 * window state is saved. */
static gboolean
on_signal (gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char *argv[])
{
  ead_application_init_i18n ();

  g_autoptr (EadApplication) app = ead_application_new ();
  g_unix_signal_add (SIGINT, on_signal, app);
  g_unix_signal_add (SIGTERM, on_signal, app);
  return g_application_run (G_APPLICATION (app), argc, argv);
}

/* ead-confirm.c: asking before something that cannot be undone. */

#include "ead-confirm.h"

#include <glib/gi18n.h>

typedef struct {
  void (*accepted) (gpointer user_data);
  gpointer user_data;
} Answer;

static void
answered (GtkDialog *dialog, int response, Answer *answer)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    answer->accepted (answer->user_data);
}

/* Lets the labels wrap between any two characters, as Chinese text needs:
 * wrapping at words only measures such a line inconsistently. */
static void
wrap_anywhere (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child))
        gtk_label_set_wrap_mode (GTK_LABEL (child), PANGO_WRAP_WORD_CHAR);
      wrap_anywhere (child);
    }
}

void
ead_confirm (GtkWidget *widget, const char *question, const char *detail,
             const char *accept_label, const char *style_class,
             void (*accepted) (gpointer user_data), gpointer user_data)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog, *button;
  Answer *answer = g_new (Answer, 1);

  *answer = (Answer) { accepted, user_data };
  dialog = gtk_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", question);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
  wrap_anywhere (gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (dialog)));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (dialog), accept_label, GTK_RESPONSE_ACCEPT);
  gtk_widget_add_css_class (button, style_class);
  g_signal_connect_data (dialog, "response", G_CALLBACK (answered), answer,
                         (GClosureNotify) G_CALLBACK (g_free), 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* test-gui-model-chooser.c: the views' model chooser, refilled and chosen
 * from as the user would, under Xvfb. */

#include "ead-gui-test.h"
#include "ead-model-chooser.h"

typedef struct {
  EadModelChooser *chooser;
  GtkDropDown *drop_down;
  GtkWindow *window;
  guint n_chosen;  /* "model-chosen" emissions */
} Fixture;

static void
count_chosen (EadModelChooser *chooser, Fixture *fixture)
{
  fixture->n_chosen++;
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  fixture->chooser = EAD_MODEL_CHOOSER (ead_model_chooser_new ());
  fixture->drop_down = GTK_DROP_DOWN (gtk_widget_get_first_child (GTK_WIDGET (fixture->chooser)));
  fixture->n_chosen = 0;
  g_signal_connect (fixture->chooser, "model-chosen", G_CALLBACK (count_chosen), fixture);
  fixture->window = ead_gui_test_show (GTK_WIDGET (fixture->chooser), 240, 40);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  gtk_window_destroy (fixture->window);
}

/* Checks that the drop-down shows @name at @position. */
static void
assert_name (Fixture *fixture, guint position, const char *name)
{
  GListModel *names = gtk_drop_down_get_model (fixture->drop_down);
  g_autoptr (GtkStringObject) item = g_list_model_get_item (names, position);

  g_assert_nonnull (item);
  g_assert_cmpstr (gtk_string_object_get_string (item), ==, name);
}

static void
test_newest_first (Fixture *fixture, gconstpointer data)
{
  const gint64 ids[] = { 3, 5, 8 };
  const gint64 runs[] = { 1, 2, 4 };

  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 0);
  ead_model_chooser_set_models (fixture->chooser, ids, NULL, G_N_ELEMENTS (ids));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 8);
  g_assert_cmpuint (gtk_drop_down_get_selected (fixture->drop_down), ==, 2);
  assert_name (fixture, 0, "Model 3");

  /* With the runs, each name says its run too. */
  ead_model_chooser_set_models (fixture->chooser, ids, runs, G_N_ELEMENTS (ids));
  assert_name (fixture, 1, "Model 5 (run 2)");
  g_assert_cmpuint (fixture->n_chosen, ==, 0);
}

static void
test_keeps_choice (Fixture *fixture, gconstpointer data)
{
  const gint64 ids[] = { 3, 5, 8 };
  const gint64 more[] = { 1, 3, 5, 8, 9 };
  const gint64 fewer[] = { 3, 8 };

  ead_model_chooser_set_models (fixture->chooser, ids, NULL, G_N_ELEMENTS (ids));

  /* The user's choice is reported once. */
  gtk_drop_down_set_selected (fixture->drop_down, 1);
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 5);
  g_assert_cmpuint (fixture->n_chosen, ==, 1);

  /* A refill keeps it though its position moves and newer models come,
   * and is no choice of the user's. */
  ead_model_chooser_set_models (fixture->chooser, more, NULL, G_N_ELEMENTS (more));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 5);
  g_assert_cmpuint (gtk_drop_down_get_selected (fixture->drop_down), ==, 2);
  g_assert_cmpuint (fixture->n_chosen, ==, 1);

  /* Once it is gone, the newest is chosen, silently too. */
  ead_model_chooser_set_models (fixture->chooser, fewer, NULL, G_N_ELEMENTS (fewer));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 8);
  g_assert_cmpuint (gtk_drop_down_get_selected (fixture->drop_down), ==, 1);
  g_assert_cmpuint (fixture->n_chosen, ==, 1);
  ead_gui_test_snapshot (GTK_WIDGET (fixture->chooser), "model-chooser");
}

static void
test_follows_newest (Fixture *fixture, gconstpointer data)
{
  const gint64 ids[] = { 3, 5 };
  const gint64 same[] = { 3, 5 };
  const gint64 newer[] = { 3, 5, 6 };

  ead_model_chooser_set_follows_newest (fixture->chooser, TRUE);
  ead_model_chooser_set_models (fixture->chooser, ids, NULL, G_N_ELEMENTS (ids));
  gtk_drop_down_set_selected (fixture->drop_down, 0);
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 3);

  /* The same models again keep the choice; a newer one takes it. */
  ead_model_chooser_set_models (fixture->chooser, same, NULL, G_N_ELEMENTS (same));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 3);
  ead_model_chooser_set_models (fixture->chooser, newer, NULL, G_N_ELEMENTS (newer));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 6);
  g_assert_cmpuint (fixture->n_chosen, ==, 1);

  /* Without following, a newer model leaves the choice alone. */
  ead_model_chooser_set_follows_newest (fixture->chooser, FALSE);
  gtk_drop_down_set_selected (fixture->drop_down, 0);
  const gint64 newest[] = { 3, 5, 6, 7 };
  ead_model_chooser_set_models (fixture->chooser, newest, NULL, G_N_ELEMENTS (newest));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 3);
}

static void
test_emptied (Fixture *fixture, gconstpointer data)
{
  const gint64 ids[] = { 3, 5 };

  ead_model_chooser_set_models (fixture->chooser, ids, NULL, G_N_ELEMENTS (ids));
  gtk_drop_down_set_selected (fixture->drop_down, 0);
  g_assert_cmpuint (fixture->n_chosen, ==, 1);

  /* An emptied project shows nothing chosen, and says nothing of it. */
  ead_model_chooser_set_models (fixture->chooser, NULL, NULL, 0);
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 0);
  g_assert_cmpuint (gtk_drop_down_get_selected (fixture->drop_down), ==,
                    GTK_INVALID_LIST_POSITION);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (fixture->drop_down)), ==, 0);
  g_assert_cmpuint (fixture->n_chosen, ==, 1);

  /* Another project's model 3 is another model: forgotten, the newest is
   * chosen even where model 3 exists. */
  ead_model_chooser_set_models (fixture->chooser, ids, NULL, G_N_ELEMENTS (ids));
  gtk_drop_down_set_selected (fixture->drop_down, 0);
  ead_model_chooser_forget (fixture->chooser);
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 0);
  ead_model_chooser_set_models (fixture->chooser, ids, NULL, G_N_ELEMENTS (ids));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 5);
  g_assert_cmpuint (fixture->n_chosen, ==, 2);
}

static void
test_chosen_by_view (Fixture *fixture, gconstpointer data)
{
  const gint64 ids[] = { 3, 5, 8 };
  const gint64 without[] = { 5, 8 };

  ead_model_chooser_set_models (fixture->chooser, ids, NULL, G_N_ELEMENTS (ids));

  /* Another view's model is chosen and shown, and is no choice of the user's. */
  g_assert_true (ead_model_chooser_choose (fixture->chooser, 3));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 3);
  g_assert_cmpuint (gtk_drop_down_get_selected (fixture->drop_down), ==, 0);
  g_assert_cmpuint (fixture->n_chosen, ==, 0);

  /* A model not offered leaves the choice alone. */
  g_assert_false (ead_model_chooser_choose (fixture->chooser, 4));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 3);
  g_assert_cmpuint (gtk_drop_down_get_selected (fixture->drop_down), ==, 0);

  /* The user's next pick is the user's again. */
  gtk_drop_down_set_selected (fixture->drop_down, 1);
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 5);
  g_assert_cmpuint (fixture->n_chosen, ==, 1);
  g_assert_true (ead_model_chooser_choose (fixture->chooser, 3));

  /* It stays chosen like the user's while offered, and goes when not. */
  ead_model_chooser_set_models (fixture->chooser, ids, NULL, G_N_ELEMENTS (ids));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 3);
  ead_model_chooser_set_models (fixture->chooser, without, NULL, G_N_ELEMENTS (without));
  g_assert_cmpint (ead_model_chooser_get_model (fixture->chooser), ==, 8);
  g_assert_cmpuint (fixture->n_chosen, ==, 1);
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add ("/model-chooser/newest-first", Fixture, NULL, fixture_set_up, test_newest_first,
              fixture_tear_down);
  g_test_add ("/model-chooser/keeps-choice", Fixture, NULL, fixture_set_up, test_keeps_choice,
              fixture_tear_down);
  g_test_add ("/model-chooser/follows-newest", Fixture, NULL, fixture_set_up,
              test_follows_newest, fixture_tear_down);
  g_test_add ("/model-chooser/chosen-by-view", Fixture, NULL, fixture_set_up,
              test_chosen_by_view, fixture_tear_down);
  g_test_add ("/model-chooser/emptied", Fixture, NULL, fixture_set_up, test_emptied,
              fixture_tear_down);
  return g_test_run ();
}

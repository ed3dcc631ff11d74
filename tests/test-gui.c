/* test-gui.c: the workbench application under Xvfb, driven through its
 * actions as a person would drive it through menus, buttons and shortcuts;
 * every view is saved as a PNG snapshot. A project with a model trained a
 * few steps on a random teacher, tested and given a threshold, drives the
 * Review and Export views. With EAD_TEST_LANGUAGE=zh_CN (and
 * LANGUAGE=zh_CN) it checks that the window speaks Simplified Chinese.
 *
 * Each test runs in a child process of its own with a new application,
 * window and folder, so that a failure shows as that test's and hides none
 * after it. The dataset and the tested project, slow to make, are made once
 * in a cache folder that the children share. */

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ead-application.h"
#include "ead-calibration-view-private.h"
#include "ead-compute.h"
#include "ead-curve-plot.h"
#include "ead-export-view-private.h"
#include "ead-gui-test.h"
#include "ead-heatmap-view.h"
#include "ead-histogram.h"
#include "ead-image.h"
#include "ead-images-view-private.h"
#include "ead-line-view-private.h"
#include "ead-loss-plot.h"
#include "ead-names.h"
#include "ead-review-view-private.h"
#include "ead-roi-editor-private.h"
#include "ead-training-view-private.h"
#include "ead-window.h"
#include "test-util.h"

static EadApplication *app;
static EadWindow *window;
static const char *language;
static char *cache;    /* shared by the children: $EAD_GUI_TEST_CACHE */
static char *folder;   /* the running test's own, inside the cache */

typedef struct {
  const char *name;
  const char *english;
  const char *chinese;
} View;

static const View views[] = {
  { "start", "Start", "开始" },
  { "images", "Images", "图像" },
  { "training", "Training", "训练" },
  { "calibration", "Calibration", "校准" },
  { "review", "Review", "复核" },
  { "export", "Export", "导出" },
  { "line", "Line", "产线" },
};

/* The text the window should show in the language under test. */
static const char *
expect (const char *english, const char *chinese)
{
  return g_str_equal (language, "zh_CN") ? chinese : english;
}

static void
activate (const char *action, GVariant *parameter)
{
  GActionGroup *group = g_str_has_prefix (action, "app.") ? G_ACTION_GROUP (app)
                                                          : G_ACTION_GROUP (window);

  g_assert_true (g_action_group_get_action_enabled (group, action + 4));
  g_action_group_activate_action (group, action + 4, parameter);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

static char *
current_view (void)
{
  g_autoptr (GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (window), "view");

  return g_variant_dup_string (state, NULL);
}

static gboolean
shows (gpointer text)
{
  return ead_gui_test_find_label (GTK_WIDGET (window), text) != NULL;
}

/* Waits for @text to appear, as some of it slides in. */
static void
assert_shows (const char *text)
{
  if (!ead_gui_test_wait_until (shows, (gpointer) text, 5000))
    g_error ("the window does not show “%s”", text);
}

static void
snapshot (GtkWidget *widget, const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s-%s", language, name);
  g_autoptr (GdkTexture) texture = ead_gui_test_snapshot (widget, file);

  /* A blank window has a handful of colours; text and icons bring many. */
  g_assert_cmpuint (ead_gui_test_count_colors (texture, 1000), >, 50);
}

static char *
make_file (const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  return g_steal_pointer (&path);
}

/* A new, empty project in the test folder. */
static char *
make_project (const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_create (path, &error);

  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static void
collect_widgets (GtkWidget *root, GType type, GPtrArray *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        g_ptr_array_add (found, child);
      collect_widgets (child, type, found);
    }
}

/* The widget of @type under @root that comes after @skip others, in the
 * order of the widget tree, or NULL. */
static GtkWidget *
find_widget (GtkWidget *root, GType type, guint skip)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new ();

  collect_widgets (root, type, found);
  return skip < found->len ? g_ptr_array_index (found, skip) : NULL;
}

static gboolean
hidden (gpointer text)
{
  return !shows (text);
}

static gboolean
is_gone (gpointer weak_ref)
{
  g_autoptr (GObject) object = g_weak_ref_get (weak_ref);

  return object == NULL;
}

static gboolean
is_open (gpointer path)
{
  GFile *file = ead_session_get_file (ead_window_get_session (window));
  g_autofree char *open = file != NULL ? g_file_get_path (file) : NULL;

  return g_strcmp0 (open, path) == 0;
}

/* Opens the project @path as its recent row or File ▸ Open would, and waits
 * for the worker that checks it. */
static void
open_project (const char *path)
{
  activate ("win.open-file", g_variant_new_string (path));
  if (!ead_gui_test_wait_until (is_open, (gpointer) path, 10000))
    g_error ("the project “%s” did not open", path);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

static void
test_views (void)
{
  /* Training and scoring use every core, not libtorch's one thread. */
  g_assert_cmpint (ead_torch_get_threads (), ==, g_get_num_processors ());
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *detailed = g_strdup_printf ("win.view('%s')", views[i].name);
      g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                     detailed);
      g_autofree char *accel = g_strdup_printf ("<Alt>%u", i + 1);
      g_autofree char *name = g_strdup_printf ("view-%s", views[i].name);

      g_assert_cmpstrv (accels, ((const char *[]) { accel, NULL }));
      activate ("win.view", g_variant_new_string (views[i].name));
      g_autofree char *shown = current_view ();
      g_assert_cmpstr (shown, ==, views[i].name);
      /* The view switcher's button. */
      assert_shows (expect (views[i].english, views[i].chinese));
      if (i == 0)
        {
          assert_shows (expect ("EfficientAD Workbench", "EfficientAD 工作台"));
          assert_shows (expect ("No recent projects", "没有最近的项目"));
        }
      else
        assert_shows (expect ("No Project Open", "未打开项目"));
      snapshot (GTK_WIDGET (window), name);
    }
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "close-project"));
}

static void
test_open_project (void)
{
  g_autofree char *path = make_project ("bottle.eadproj");
  GSettings *settings = ead_application_get_settings (app);
  GtkSpinner *spinner = GTK_SPINNER (find_widget (GTK_WIDGET (window), GTK_TYPE_SPINNER, 0));

  /* A worker checks the file: the window answers at once, its spinner turning. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "open-file",
                                  g_variant_new_string (path));
  g_assert_true (gtk_spinner_get_spinning (spinner));
  g_assert_null (ead_session_get_file (ead_window_get_session (window)));
  g_assert_true (ead_gui_test_wait_until (is_open, path, 10000));
  g_assert_false (gtk_spinner_get_spinning (spinner));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));

  g_autofree char *view = current_view ();
  g_assert_cmpstr (view, ==, "images");
  g_autofree char *opened = g_file_get_path (ead_session_get_file (ead_window_get_session (window)));
  g_assert_cmpstr (opened, ==, path);
  assert_shows ("bottle");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==,
                   expect ("bottle — EfficientAD Workbench", "bottle — EfficientAD 工作台"));
  g_auto (GStrv) recent = g_settings_get_strv (settings, "recent-projects");
  g_assert_cmpstr (recent[0], ==, path);
  snapshot (GTK_WIDGET (window), "project-open");

  /* The Start view lists it; its row reopens it. */
  activate ("win.view", g_variant_new_string ("start"));
  assert_shows ("bottle.eadproj");
  snapshot (GTK_WIDGET (window), "start-recent");

  activate ("win.close-project", NULL);
  g_autofree char *after = current_view ();
  g_assert_cmpstr (after, ==, "start");
  g_assert_null (ead_session_get_file (ead_window_get_session (window)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==,
                   expect ("EfficientAD Workbench", "EfficientAD 工作台"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "close-project"));

  activate ("app.forget-recent", g_variant_new_string (path));
  g_auto (GStrv) forgotten = g_settings_get_strv (settings, "recent-projects");
  g_assert_false (g_strv_contains ((const char *const *) forgotten, path));
  g_assert_null (ead_gui_test_find_label (GTK_WIDGET (window), "bottle.eadproj"));
}

static void
test_open_missing (void)
{
  const char *path = "/nonexistent/gone.eadproj";
  g_autofree char *message = g_strdup_printf (expect ("There is no project file at “%s”",
                                                      "找不到项目文件“%s”"),
                                              path);

  activate ("win.open-file", g_variant_new_string (path));
  assert_shows (message);
  g_assert_null (ead_session_get_file (ead_window_get_session (window)));
  snapshot (GTK_WIDGET (window), "error");

  activate ("win.dismiss-error", NULL);
  g_assert_true (ead_gui_test_wait_until (hidden, message, 5000));
}

static void
test_not_a_project (void)
{
  g_autofree char *path = make_file ("notes.txt");
  g_autofree char *message = g_strdup_printf (expect ("“%s” is neither a project file nor a folder",
                                                      "“%s”既不是项目文件，也不是文件夹"),
                                              path);
  g_autoptr (GFile) file = g_file_new_for_path (path);

  ead_window_open_files (window, &file, 1);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  assert_shows (message);
}

static gboolean
has_chooser (gpointer data)
{
  GtkWindow *dialog = ead_gui_test_find_window (GTK_TYPE_FILE_CHOOSER_DIALOG, NULL);

  return dialog != NULL && gtk_widget_get_visible (GTK_WIDGET (dialog));
}

static gboolean
no_chooser (gpointer data)
{
  return !has_chooser (data);
}

/* GTK's chooser loads its folder and checks the name in GIO's threads
 * before it answers; with two GUI tests on two loaded cores that once took
 * over 10 s. */
#define CHOOSER_WAIT_MS 30000

/* Waits for the file chooser that a GtkFileChooserNative opens when there
 * is no portal, and answers it with @name in the test folder. */
static void
answer_chooser (const char *expected_name, const char *name)
{
  g_assert_true (ead_gui_test_wait_until (has_chooser, NULL, CHOOSER_WAIT_MS));
  GtkWindow *dialog = ead_gui_test_find_window (GTK_TYPE_FILE_CHOOSER_DIALOG, NULL);
  g_autoptr (GFile) target = g_file_new_for_path (folder);

  ead_gui_test_wait_drawn (GTK_WIDGET (dialog));
  if (expected_name != NULL)
    {
      g_autofree char *suggested = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (dialog));
      g_assert_cmpstr (suggested, ==, expected_name);
    }
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), target, NULL));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  /* The dialog checks the name before it answers, which takes a while. */
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  g_assert_true (ead_gui_test_wait_until (no_chooser, NULL, CHOOSER_WAIT_MS));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

static void
test_new_project (void)
{
  g_autofree char *expected = g_build_filename (folder, "line-3.eadproj", NULL);

  activate ("win.new-project", NULL);
  answer_chooser (expect ("Untitled.eadproj", "未命名.eadproj"), "line-3");

  GFile *file = ead_session_get_file (ead_window_get_session (window));
  g_assert_nonnull (file);
  g_autofree char *path = g_file_get_path (file);
  g_assert_cmpstr (path, ==, expected);
  g_autofree char *view = current_view ();
  g_assert_cmpstr (view, ==, "images");
  assert_shows ("line-3");
}

static gboolean
selects_file (gpointer dialog)
{
  g_autoptr (GFile) file = gtk_file_chooser_get_file (dialog);

  return file != NULL;
}

/* Answers the file chooser being opened with the file @path. */
static void
answer_open_chooser (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  g_assert_true (ead_gui_test_wait_until (has_chooser, NULL, CHOOSER_WAIT_MS));
  GtkWindow *dialog = ead_gui_test_find_window (GTK_TYPE_FILE_CHOOSER_DIALOG, NULL);
  ead_gui_test_wait_drawn (GTK_WIDGET (dialog));
  /* The file is selected once its folder has loaded. */
  g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (dialog), file, NULL));
  g_assert_true (ead_gui_test_wait_until (selects_file, dialog, CHOOSER_WAIT_MS));
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  g_assert_true (ead_gui_test_wait_until (no_chooser, NULL, CHOOSER_WAIT_MS));
}

static void
test_open_dialog (void)
{
  g_autofree char *path = make_project ("line-7.eadproj");
  g_autoptr (GFile) file = g_file_new_for_path (path);

  activate ("win.open-project", NULL);
  answer_open_chooser (path);
  /* A worker checks the file before it opens. */
  g_assert_true (ead_gui_test_wait_until (is_open, path, 10000));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));

  GFile *opened = ead_session_get_file (ead_window_get_session (window));
  g_assert_nonnull (opened);
  g_assert_true (g_file_equal (opened, file));
  assert_shows ("line-7");
}

static void
test_open_bad_project (void)
{
  g_autofree char *path = g_build_filename (folder, "notes.eadproj", NULL);
  /* Said in the user's language throughout, not with SQLite's English reason. */
  g_autofree char *message = g_strdup_printf (expect ("“%s” is not a project file",
                                                      "“%s”不是项目文件"), path);

  g_assert_true (g_file_set_contents (path, "not a project", -1, NULL));

  activate ("win.open-file", g_variant_new_string (path));
  assert_shows (message);
  g_assert_null (ead_session_get_file (ead_window_get_session (window)));
  g_autofree char *view = current_view ();
  g_assert_cmpstr (view, ==, "start");
  snapshot (GTK_WIDGET (window), "bad-project");
  activate ("win.dismiss-error", NULL);

  /* SQLite takes an empty file for an empty database: still not a project. */
  g_autofree char *empty = make_file ("empty.eadproj");
  g_autofree char *empty_message = g_strdup_printf (expect ("“%s” is not a project file",
                                                            "“%s”不是项目文件"), empty);
  activate ("win.open-file", g_variant_new_string (empty));
  assert_shows (empty_message);
  g_assert_null (ead_session_get_file (ead_window_get_session (window)));
  activate ("win.dismiss-error", NULL);
}

/* The window's view of @type. */
static gpointer
find_view (GType type)
{
  GtkWidget *view = find_widget (GTK_WIDGET (window), type, 0);

  g_assert_nonnull (view);
  return view;
}

static EadImagesView *
images_view (void)
{
  return find_view (EAD_TYPE_IMAGES_VIEW);
}

static gboolean
import_done (gpointer view)
{
  return !ead_images_view_is_importing (view);
}

static void
wait_import (void)
{
  g_assert_true (ead_gui_test_wait_until (import_done, images_view (), 60000));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

/* Builds a file or folder at @path, once for all the tests: @make writes
 * it under the path it is given, which is then renamed into place. */
static const char *
made_once (char **path, const char *name, void (*make) (const char *partial))
{
  if (*path != NULL)
    return *path;
  *path = g_build_filename (cache, name, NULL);
  if (!g_file_test (*path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *partial_name = g_strconcat ("partial-", name, NULL);
      g_autofree char *partial = g_build_filename (cache, partial_name, NULL);
      test_remove_tree (partial);
      make (partial);
      g_assert_cmpint (g_rename (partial, *path), ==, 0);
    }
  return *path;
}

static void
make_dataset (const char *partial)
{
  g_assert_cmpint (g_mkdir (partial, 0755), ==, 0);
  g_autofree char *root = test_make_small_dataset (partial);
  g_autofree char *inside = g_build_filename (partial, "tiny", NULL);
  g_assert_cmpstr (root, ==, inside);
}

/* The small MVTec AD-like dataset: its folder, named tiny. */
static const char *
dataset (void)
{
  static char *path;
  static char *root;

  if (root == NULL)
    root = g_build_filename (made_once (&path, "dataset", make_dataset), "tiny", NULL);
  return root;
}

static const char *
split_name (EadSplit split)
{
  const char *english[] = { "Training", "Validation", "Test", "Line" };
  const char *chinese[] = { "训练", "验证", "测试", "产线" };

  return expect (english[split], chinese[split]);
}

/* Checks that the Images view shows the counts of the project at @path,
 * which has both good and anomalous images; returns them and their sum. */
static guint
assert_counts (const char *path, guint counts[EAD_N_SPLITS][EAD_N_LABELS])
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  guint total = 0;

  g_assert_no_error (error);
  g_assert_true (ead_project_count_images (project, counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts[EAD_SPLIT_TRAIN][EAD_LABEL_GOOD], >, 0);
  g_assert_cmpuint (counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS], >, 0);
  for (guint split = 0; split < EAD_N_SPLITS; split++)
    {
      /* The line's count shows once the line has kept an image. */
      if (split == EAD_SPLIT_LINE)
        {
          g_assert_cmpuint (counts[split][EAD_LABEL_GOOD] + counts[split][EAD_LABEL_ANOMALOUS]
                            + counts[split][EAD_LABEL_UNLABELLED], ==, 0);
          continue;
        }
      g_autofree char *line = g_strdup_printf (expect ("%s: %u good, %u anomalous, %u unlabelled",
                                                       "%s：良品 %u，异常 %u，未标注 %u"),
                                               split_name (split),
                                               counts[split][EAD_LABEL_GOOD],
                                               counts[split][EAD_LABEL_ANOMALOUS],
                                               counts[split][EAD_LABEL_UNLABELLED]);
      assert_shows (line);
      for (guint label = 0; label < EAD_N_LABELS; label++)
        total += counts[split][label];
    }
  g_autofree char *text = g_strdup_printf (expect ("%u images", "%u 张图像"), total);
  assert_shows (text);
  return total;
}

static guint
n_shown (void)
{
  GtkWidget *grid = find_widget (GTK_WIDGET (images_view ()), GTK_TYPE_GRID_VIEW, 0);

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (grid))));
}

static void
test_drop_folder (void)
{
  g_autoptr (GFile) dropped = g_file_new_for_path (dataset ());
  g_autofree char *path = g_build_filename (folder, "tiny.eadproj", NULL);
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  guint again[EAD_N_SPLITS][EAD_N_LABELS];

  /* Without a project, the folder goes into a new one named after it. */
  ead_window_open_files (window, &dropped, 1);
  answer_chooser ("tiny.eadproj", "tiny.eadproj");
  g_assert_nonnull (ead_session_get_file (ead_window_get_session (window)));
  g_autofree char *view = current_view ();
  g_assert_cmpstr (view, ==, "images");
  wait_import ();
  assert_counts (path, counts);

  /* With a project open, a dropped folder is imported into it: the same
   * images again are duplicates, left out. */
  ead_window_open_files (window, &dropped, 1);
  wait_import ();
  assert_counts (path, again);
  g_assert_cmpmem (counts, sizeof counts, again, sizeof again);

  /* Image files dropped with a folder go in together, unlabelled. */
  GFile *both[3] = { dropped, NULL, NULL };
  for (guint i = 1; i < G_N_ELEMENTS (both); i++)
    {
      guint8 pixels[16 * 16 * 3];
      g_autofree char *name = g_strdup_printf ("dropped-%u.png", i);
      g_autofree char *image_path = g_build_filename (folder, name, NULL);
      memset (pixels, 40 * i, sizeof pixels);
      g_autoptr (EadImage) image = ead_image_new_from_rgb8 (pixels, 16, 16, 16 * 3);
      g_assert_true (ead_image_save_png (image, image_path, NULL));
      both[i] = g_file_new_for_path (image_path);
    }
  ead_window_open_files (window, both, G_N_ELEMENTS (both));
  wait_import ();
  assert_counts (path, again);
  g_assert_cmpuint (again[EAD_SPLIT_TEST][EAD_LABEL_UNLABELLED], ==,
                    counts[EAD_SPLIT_TEST][EAD_LABEL_UNLABELLED] + 2);
  g_object_unref (both[1]);
  g_object_unref (both[2]);
}

static void
test_images (void)
{
  g_autofree char *path = make_project ("bottle-images.eadproj");
  g_autoptr (GFile) images = g_file_new_for_path (dataset ());
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  guint total;

  open_project (path);

  /* An import cancelled at once imports nothing and says nothing. */
  ead_images_view_import (images_view (), &images, 1);
  g_assert_true (ead_images_view_is_importing (images_view ()));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (images_view ()), "images.cancel-import",
                                             NULL));
  wait_import ();
  assert_shows (expect ("0 images", "0 张图像"));
  /* Neither the progress bar nor the error banner is shown. */
  g_autoptr (GPtrArray) revealers = g_ptr_array_new ();
  collect_widgets (GTK_WIDGET (window), GTK_TYPE_REVEALER, revealers);
  g_assert_cmpuint (revealers->len, >=, 2);
  for (guint i = 0; i < revealers->len; i++)
    g_assert_false (gtk_revealer_get_reveal_child (g_ptr_array_index (revealers, i)));
  /* A view's error reaches the window's banner through win.show-error. */
  ead_widget_show_error (GTK_WIDGET (images_view ()), "a view's error");
  assert_shows ("a view's error");
  activate ("win.dismiss-error", NULL);

  activate ("win.view", g_variant_new_string ("start"));
  ead_images_view_import (images_view (), &images, 1);
  activate ("win.view", g_variant_new_string ("images"));
  wait_import ();
  total = assert_counts (path, counts);
  g_assert_cmpuint (n_shown (), ==, total);
  snapshot (GTK_WIDGET (window), "images");

  /* The filters: the anomalous test images alone. */
  GtkDropDown *split = GTK_DROP_DOWN (find_widget (GTK_WIDGET (images_view ()), GTK_TYPE_DROP_DOWN, 0));
  GtkDropDown *label = GTK_DROP_DOWN (find_widget (GTK_WIDGET (images_view ()), GTK_TYPE_DROP_DOWN, 1));
  gtk_drop_down_set_selected (split, 1 + EAD_SPLIT_TEST);
  gtk_drop_down_set_selected (label, 2);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  g_assert_cmpuint (n_shown (), ==, counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS]);
  snapshot (GTK_WIDGET (window), "images-filtered");
  gtk_drop_down_set_selected (split, 0);
  gtk_drop_down_set_selected (label, 0);
  g_assert_cmpuint (n_shown (), ==, total);

  /* The defect types are the project's, sorted; one type shows its images. */
  GtkDropDown *type = GTK_DROP_DOWN (find_widget (GTK_WIDGET (images_view ()), GTK_TYPE_DROP_DOWN, 2));
  GListModel *types = gtk_drop_down_get_model (type);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_autoptr (GArray) infos = ead_project_list_images (project, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (types), >, 1);
  const char *first = gtk_string_list_get_string (GTK_STRING_LIST (types), 1);
  guint n_first = 0;
  for (guint i = 0; i < infos->len; i++)
    n_first += g_strcmp0 (g_array_index (infos, EadImageInfo, i).defect_type, first) == 0;
  for (guint i = 2; i < g_list_model_get_n_items (types); i++)
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (types), i - 1), <,
                     gtk_string_list_get_string (GTK_STRING_LIST (types), i));
  gtk_drop_down_set_selected (type, 1);
  g_assert_cmpuint (n_first, >, 0);
  g_assert_cmpuint (n_shown (), ==, n_first);
  gtk_drop_down_set_selected (type, 0);
  g_assert_cmpuint (n_shown (), ==, total);
}

/* The text of the label under @root that begins with @prefix. */
static const char *
label_with_prefix (GtkWidget *root, const char *prefix)
{
  g_autoptr (GPtrArray) labels = g_ptr_array_new ();

  collect_widgets (root, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    {
      const char *text = gtk_label_get_text (g_ptr_array_index (labels, i));
      if (g_str_has_prefix (text, prefix))
        return text;
    }
  g_error ("no label begins with “%s”", prefix);
}

/* The button of @view that does @action. */
static GtkWidget *
find_button (gpointer view, const char *action)
{
  g_autoptr (GPtrArray) buttons = g_ptr_array_new ();

  collect_widgets (view, GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (g_ptr_array_index (buttons, i)), action) == 0)
      return g_ptr_array_index (buttons, i);
  g_error ("no button does “%s”", action);
}

/* Whether the button of @view's @action can be pressed, as a person sees it. */
static gboolean
action_enabled (gpointer view, const char *action)
{
  return gtk_widget_get_sensitive (find_button (view, action));
}

/* Presses @key as @widget's shortcuts see it. */
static void
press_shortcut (gpointer widget, const char *key)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
          if (g_str_equal (trigger, key))
            {
              g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                                           GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                                           widget,
                                                           gtk_shortcut_get_arguments (shortcut)));
              ead_gui_test_wait_drawn (GTK_WIDGET (window));
              return;
            }
        }
    }
  g_error ("no shortcut is “%s”", key);
}

/* Presses the button of @view's @action. */
static void
activate_in (gpointer view, const char *action)
{
  g_assert_true (action_enabled (view, action));
  g_assert_true (gtk_widget_activate_action (view, action, NULL));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

static gboolean
training_done (gpointer view)
{
  return !ead_training_view_is_training (view);
}

static void
wait_training (EadTrainingView *view)
{
  g_assert_true (ead_gui_test_wait_until (training_done, view, 240000));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

static gboolean
has_loss_point (gpointer plot)
{
  return ead_loss_plot_get_n_points (plot, "total") > 0;
}

static void
get_run (const char *path, gint64 run_id, EadRunInfo *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (ead_project_get_run (project, run_id, run, &error));
  g_assert_no_error (error);
}

static guint
n_runs (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_autoptr (GArray) runs = project != NULL ? ead_project_list_runs (project, &error) : NULL;

  g_assert_no_error (error);
  return runs->len;
}

/* A project of the small dataset, open, on the Training view. */
static EadTrainingView *
open_training_project (const char *path)
{
  g_autoptr (GFile) images = g_file_new_for_path (dataset ());

  open_project (path);
  ead_images_view_import (images_view (), &images, 1);
  wait_import ();
  activate ("win.view", g_variant_new_string ("training"));
  return EAD_TRAINING_VIEW (find_widget (GTK_WIDGET (window), EAD_TYPE_TRAINING_VIEW, 0));
}

/* Trains a few steps with the shipped teacher, pausing once and resuming. */
static void
test_training (void)
{
  const int steps = 4;
  g_autofree char *path = make_project ("training.eadproj");
  EadTrainingView *view = open_training_project (path);
  EadLossPlot *plot = EAD_LOSS_PLOT (find_widget (GTK_WIDGET (view), EAD_TYPE_LOSS_PLOT, 0));
  GtkSpinButton *steps_spin =
    GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (view), GTK_TYPE_SPIN_BUTTON, 0));
  EadRunInfo run;

  /* The CPU schedule is the engine's default; in minutes, a quarter of an
   * hour is offered. */
  g_assert_cmpint (gtk_spin_button_get_value_as_int (steps_spin), ==, EAD_TRAIN_DEFAULT_STEPS_CPU);
  GtkDropDown *unit = GTK_DROP_DOWN (find_widget (GTK_WIDGET (view), GTK_TYPE_DROP_DOWN, 1));
  gtk_drop_down_set_selected (unit, 1);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (steps_spin), ==, 15);
  gtk_drop_down_set_selected (unit, 0);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (steps_spin), ==, EAD_TRAIN_DEFAULT_STEPS_CPU);
  /* A larger image size says what it costs. */
  GtkSpinButton *image_size =
    GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (view), GTK_TYPE_SPIN_BUTTON, 1));
  gtk_spin_button_set_value (image_size, 512);
  assert_shows (expect ("about 4.0× the time per step and per image", "每步和每幅图像约需 4.0 倍时间"));
  /* Tiles leave a step's cost and multiply an image's. */
  GtkSpinButton *tiles = GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (view), GTK_TYPE_SPIN_BUTTON, 2));
  gtk_spin_button_set_value (tiles, 3);
  assert_shows (expect ("about 4.0× the time per step, 36.0× per image",
                        "每步约需 4.0 倍时间，每幅图像约需 36.0 倍时间"));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  snapshot (GTK_WIDGET (window), "training-image-size");
  gtk_spin_button_set_value (tiles, 1);
  gtk_spin_button_set_value (image_size, EAD_DEFAULT_IMAGE_SIZE);
  /* The shipped teacher by default; the shipped penalty photos on asking. */
  assert_shows ("pdn_small.safetensors");
  activate_in (view, "training.shipped-penalty");
  assert_shows (expect ("Shipped photos", "随附的照片"));
  activate_in (view, "training.clear-penalty");
  g_assert_false (action_enabled (view, "training.resume"));
  gtk_spin_button_set_value (steps_spin, steps);

  /* Medium with the small teacher is refused up front: no run is recorded. */
  GtkDropDown *size_choice = GTK_DROP_DOWN (find_widget (GTK_WIDGET (view), GTK_TYPE_DROP_DOWN, 0));
  gtk_drop_down_set_selected (size_choice, 1);
  activate_in (view, "training.start");
  assert_shows (expect ("The teacher “pdn_small.safetensors” does not fit a medium model: choose a "
                        "medium model's teacher",
                        "教师“pdn_small.safetensors”不适用于中型模型：请选择中型模型的教师"));
  g_assert_false (ead_training_view_is_training (view));
  g_assert_cmpuint (n_runs (path), ==, 0);
  gtk_drop_down_set_selected (size_choice, 0);
  activate ("win.dismiss-error", NULL);

  /* Ctrl+T, as the view's shortcut. */
  press_shortcut (view, "<Control>t");
  g_assert_true (ead_training_view_is_training (view));
  g_assert_false (action_enabled (view, "training.start"));
  g_assert_true (action_enabled (view, "training.pause"));
  g_assert_true (action_enabled (view, "training.stop"));
  /* Paused while the run waits after its first step (EAD_TRAIN_HOLD_AFTER):
   * the checkpoint keeps the run. */
  g_assert_true (ead_gui_test_wait_until (has_loss_point, plot, 240000));
  GtkProgressBar *bar = GTK_PROGRESS_BAR (find_widget (GTK_WIDGET (view), GTK_TYPE_PROGRESS_BAR, 0));
  const char *progress = gtk_progress_bar_get_text (bar);
  g_assert_true (g_str_has_prefix (progress, expect ("Step ", "第 ")));
  g_assert_nonnull (strstr (progress, expect (" steps/s · ", " 步 · 每秒 ")));
  g_assert_nonnull (strstr (progress, expect (" left", " · 剩余 ")));
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (bar), >, 0);
  activate_in (view, "training.pause");
  wait_training (view);
  get_run (path, 1, &run);
  g_assert_cmpint (run.state, ==, EAD_RUN_PAUSED);
  g_assert_cmpint (run.checkpoint_step, ==, 1);
  ead_run_info_clear (&run);
  g_assert_true (action_enabled (view, "training.resume"));
  label_with_prefix (GTK_WIDGET (view), expect ("Paused · ", "已暂停 · "));

  activate_in (view, "training.resume");
  g_assert_true (ead_training_view_is_training (view));
  wait_training (view);
  get_run (path, 1, &run);
  g_assert_cmpint (run.state, ==, EAD_RUN_FINISHED);
  g_assert_cmpint (run.steps_done, ==, steps);
  g_assert_cmpint (run.model_id, >, 0);
  ead_run_info_clear (&run);
  /* The curve goes on from the checkpoint without repeating a step; the
   * validation loss, every 100 steps, has no point yet. */
  g_assert_cmpuint (ead_loss_plot_get_n_points (plot, "total"), ==, steps);
  g_assert_cmpuint (ead_loss_plot_get_n_points (plot, "hard"), ==, steps);
  g_assert_cmpuint (ead_loss_plot_get_n_series (plot), ==, 6);
  g_assert_cmpuint (ead_loss_plot_get_n_points (plot, "validation"), ==, 0);
  assert_shows (expect ("Run 1", "运行 1"));
  g_autofree char *caption = g_strdup_printf (expect ("Finished · %d of %d steps · ",
                                                      "已完成 · 第 %d / %d 步 · "),
                                              steps, steps);
  label_with_prefix (GTK_WIDGET (view), caption);
  g_assert_false (action_enabled (view, "training.resume"));
  g_assert_true (action_enabled (view, "training.start"));
  snapshot (GTK_WIDGET (window), "training");

  /* Reopened, the project shows the run's curve from the file. */
  activate ("win.close-project", NULL);
  open_project (path);
  activate ("win.view", g_variant_new_string ("training"));
  view = EAD_TRAINING_VIEW (find_widget (GTK_WIDGET (window), EAD_TYPE_TRAINING_VIEW, 0));
  GtkListBox *runs = GTK_LIST_BOX (find_widget (GTK_WIDGET (view), GTK_TYPE_LIST_BOX, 0));
  g_assert_nonnull (gtk_list_box_get_row_at_index (runs, 0));
  g_assert_null (gtk_list_box_get_row_at_index (runs, 1));
  gtk_list_box_select_row (runs, gtk_list_box_get_row_at_index (runs, 0));
  g_assert_cmpuint (ead_loss_plot_get_n_points (plot, "total"), ==, steps);

  /* Stopped at once, a run (of 15 minutes, stopping after 3 validations
   * without improvement) keeps what it has and the view is ready for the
   * next one. */
  unit = GTK_DROP_DOWN (find_widget (GTK_WIDGET (view), GTK_TYPE_DROP_DOWN, 1));
  gtk_drop_down_set_selected (unit, 1);
  GtkSpinButton *patience = GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (view), GTK_TYPE_SPIN_BUTTON, 3));
  gtk_spin_button_set_value (patience, 3);
  activate_in (view, "training.start");
  activate_in (view, "training.stop");
  wait_training (view);
  get_run (path, 2, &run);
  g_assert_true (run.state == EAD_RUN_CANCELLED || run.state == EAD_RUN_PAUSED);
  g_assert_cmpfloat (run.minutes, ==, 15);
  g_assert_cmpint (run.patience, ==, 3);
  ead_run_info_clear (&run);
  g_assert_null (gtk_list_box_get_selected_row (runs));
  g_assert_nonnull (gtk_list_box_get_row_at_index (runs, 1));
  g_assert_true (action_enabled (view, "training.start"));
  g_assert_false (action_enabled (view, "training.resume"));
  assert_shows (expect ("Set the parameters and start a new run.", "设置参数后开始新的运行。"));
}

static gboolean
calibration_done (gpointer view)
{
  return !ead_calibration_view_is_busy (view);
}

/* Runs the job of @action to its end. */
static void
run_calibration_job (EadCalibrationView *view, const char *action)
{
  activate_in (view, action);
  g_assert_true (ead_calibration_view_is_busy (view));
  g_assert_true (ead_gui_test_wait_until (calibration_done, view, 240000));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

static void
calibrate (EadCalibrationView *view)
{
  run_calibration_job (view, "calibration.calibrate");
}

/* Shows the quantiles of @path's model @model_id as the view should. */
static void
assert_quantiles (EadCalibrationView *view, const char *path, gint64 model_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  EadModelInfo info;
  double low, high;

  g_assert_no_error (error);
  g_assert_true (ead_project_get_model (project, model_id, &info, &error));
  g_autofree char *local = g_strdup_printf (expect ("q_a = %.4g and q_b = %.4g",
                                                    "q_a = %.4g，q_b = %.4g"),
                                            info.quantiles.st_start, info.quantiles.st_end);
  g_autofree char *global = g_strdup_printf (expect ("q_a = %.4g and q_b = %.4g",
                                                     "q_a = %.4g，q_b = %.4g"),
                                             info.quantiles.ae_start, info.quantiles.ae_end);
  label_with_prefix (GTK_WIDGET (view), local);
  label_with_prefix (GTK_WIDGET (view), global);
  g_assert_cmpuint (info.local.n_bins, >, 0);
  ead_model_info_clear (&info);
  for (guint i = 0; i < 3; i++)
    {
      GtkWidget *histogram = find_widget (GTK_WIDGET (view), EAD_TYPE_HISTOGRAM, i);
      g_assert_true (ead_histogram_get_extent (EAD_HISTOGRAM (histogram), &low, &high));
      g_assert_cmpfloat (low, <, high);
    }
}

/* The counts shown for a threshold, against the project's labels. */
static void
assert_measures (EadCalibrationView *view, guint fp, guint n_good, guint tp, guint n_anomalous)
{
  g_autofree char *fpr = g_strdup_printf (expect ("False-positive rate %.1f %% (%u of %u good)",
                                                  "误报率 %.1f %%（%u / %u 张良品）"),
                                          100.0 * fp / n_good, fp, n_good);
  g_autofree char *recall = g_strdup_printf (expect ("Recall %.1f %% (%u of %u anomalous)",
                                                     "召回率 %.1f %%（%u / %u 张异常）"),
                                             100.0 * tp / n_anomalous, tp, n_anomalous);

  g_autofree char *recheck = g_strdup_printf (expect ("To re-check: %u of %u images",
                                                     "需复检：%u / %u 张图像"),
                                             fp + tp, n_good + n_anomalous);

  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  assert_shows (fpr);
  assert_shows (recall);
  assert_shows (recheck);
}

static void
assert_roc_point (EadCalibrationView *view, double fpr, double recall)
{
  EadCurvePlot *roc = EAD_CURVE_PLOT (find_widget (GTK_WIDGET (view), EAD_TYPE_CURVE_PLOT, 0));
  double x, y;

  g_assert_true (ead_curve_plot_get_marked_point (roc, &x, &y));
  g_assert_cmpfloat (x, ==, fpr);
  g_assert_cmpfloat (y, ==, recall);
}

/* The curves and the operator's numbers, overall and for the first defect
 * type, as core computes them, their points where the threshold is. */
static void
assert_curves (EadCalibrationView *view, EadProject *project, gint64 model_id)
{
  GtkDropDown *types = GTK_DROP_DOWN (find_widget (GTK_WIDGET (view), GTK_TYPE_DROP_DOWN, 1));
  EadCurvePlot *pr = EAD_CURVE_PLOT (find_widget (GTK_WIDGET (view), EAD_TYPE_CURVE_PLOT, 1));
  g_autoptr (GError) error = NULL;
  double x, y;

  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (types)), >=, 2);
  for (guint chosen = 0; chosen < 2; chosen++)
    {
      g_autoptr (GtkStringObject) item = g_list_model_get_item (gtk_drop_down_get_model (types),
                                                                chosen);
      const char *type = chosen > 0 ? gtk_string_object_get_string (item) : NULL;
      gtk_drop_down_set_selected (types, chosen);
      ead_calibration_view_set_threshold (view, ead_calibration_view_get_threshold (view));
      ead_gui_test_wait_drawn (GTK_WIDGET (window));
      g_autoptr (EadCurve) curve = ead_project_get_curve (project, model_id, type, &error);
      g_assert_no_error (error);
      g_autofree char *missed = g_strdup_printf ("%.1f %%",
                                                 100 * ead_curve_miss_rate_at_fpr (curve, 0.01));
      g_autofree char *rejected = g_strdup_printf ("%.1f %%",
                                                   100 * ead_curve_fpr_at_miss_rate (curve, 0));
      g_autofree char *operator = g_strdup_printf (
          expect ("With at most 1 %% false alarms, %s of the defects are missed; missing none "
                  "rejects %s of the good parts.",
                  "误报不超过 1 %% 时，漏检 %s 的缺陷；若一个缺陷都不漏，则会拒收 %s 的良品。"),
          missed, rejected);
      assert_shows (operator);
      /* The threshold's point: the counts of every score at or above it. */
      EadConfusion at = { 0 };
      for (guint i = 0; i < curve->points->len; i++)
        if (g_array_index (curve->points, EadCurvePoint, i).threshold
            >= ead_calibration_view_get_threshold (view))
          at = ead_curve_confusion (curve, &g_array_index (curve->points, EadCurvePoint, i));
      if (ead_curve_plot_get_marked_point (pr, &x, &y))
        {
          g_assert_cmpfloat (x, ==, ead_confusion_recall (&at));
          g_assert_cmpfloat (y, ==, ead_confusion_precision (&at));
        }
      else
        g_assert_cmpuint (ead_confusion_flagged (&at), ==, 0);
      /* The curves' row, which the view scrolls to below the window's edge. */
      snapshot (gtk_widget_get_parent (GTK_WIDGET (pr)),
                chosen == 0 ? "calibration-curves" : "calibration-curves-type");
    }
  gtk_drop_down_set_selected (types, 0);
}

/* Trains briefly, then calibrates, scores the test images and chooses and
 * saves the threshold in the Calibration view. */
/* The model's fitness, as core assesses it; a warning, in the user's
 * language, where it is unfit for the line, and shown (the GUI model,
 * trained for a few steps, is). */
static EadFitness
assert_assessment_shown (EadProject *project, gint64 model_id)
{
  EadModelAssessment assessment;
  g_autoptr (GError) error = NULL;

  g_assert_true (ead_project_assess_model (project, model_id, &assessment, &error));
  g_assert_no_error (error);
  g_autofree char *warning = ead_model_assessment_describe (&assessment);
  g_test_message ("fitness %d, image AUROC %.3f: %s", assessment.fitness,
                  assessment.metrics.image_auroc, warning != NULL ? warning : "no warning");
  g_assert_true ((warning != NULL) == (assessment.fitness != EAD_FITNESS_SEPARATES));
  if (assessment.fitness == EAD_FITNESS_WEAK)
    g_assert_nonnull (strstr (warning, expect ("Not fit for the line", "不适合用于产线")));
  if (warning != NULL)
    assert_shows (warning);
  return assessment.fitness;
}

static const char *
grid_text (GtkGrid *grid, int column, int row)
{
  GtkWidget *cell = gtk_grid_get_child_at (grid, column, row);

  g_assert_true (GTK_IS_LABEL (cell));
  return gtk_label_get_text (GTK_LABEL (cell));
}

/* A rate as the views write it: "12.5 %", or a dash for NaN. */
static char *
rate_text (double rate)
{
  return isnan (rate) ? g_strdup ("—") : g_strdup_printf ("%.1f %%", 100.0 * rate);
}

/* The maps' table shows each map's image AUROC, pixel AUROC and AU-PRO
 * over all test images (the first row of core's metrics), and a defect
 * type's when the curves show that type. */
static void
assert_map_metrics_shown (EadCalibrationView *view, EadProject *project, gint64 model_id)
{
  g_autoptr (GError) error = NULL;
  GArray *metrics[EAD_MAP_FUSED + 1];

  assert_shows (expect ("Local (student–teacher)", "局部（学生–教师）"));
  assert_shows (expect ("Global (student–autoencoder)", "全局（学生–自编码器）"));
  for (EadMapKind map = EAD_MAP_LOCAL; map <= EAD_MAP_FUSED; map++)
    {
      metrics[map] = ead_project_get_test_metrics (project, model_id, map, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (metrics[map]->len, >, 1);
    }
  /* The curves' choices are "all", then the types in core's order. */
  for (guint row = 0; row < metrics[EAD_MAP_FUSED]->len; row++)
    {
      gtk_drop_down_set_selected (view->curve_type_choice, row);
      const char *type = g_array_index (metrics[EAD_MAP_FUSED], EadMetrics, row).type;
      g_autofree char *head = row == 0 ? g_strdup (expect ("Map", "异常图"))
                                       : g_strdup_printf (expect ("Map, for %s", "异常图（%s）"), type);
      g_assert_cmpstr (grid_text (view->maps_grid, 0, 0), ==, head);
      for (EadMapKind map = EAD_MAP_LOCAL; map <= EAD_MAP_FUSED; map++)
        {
          const EadMetrics *m = &g_array_index (metrics[map], EadMetrics, row);
          g_autofree char *auroc = rate_text (m->image_auroc);
          g_autofree char *aupro = rate_text (m->aupro);
          g_assert_cmpstr (m->type, ==, type);
          g_assert_cmpstr (grid_text (view->maps_grid, 1, map + 1), ==, auroc);
          g_assert_cmpstr (grid_text (view->maps_grid, 3, map + 1), ==, aupro);
        }
      if (row == 1)
        snapshot (GTK_WIDGET (view->maps_grid), "calibration-maps-type");
    }
  gtk_drop_down_set_selected (view->curve_type_choice, 0);
  for (EadMapKind map = EAD_MAP_LOCAL; map <= EAD_MAP_FUSED; map++)
    g_array_unref (metrics[map]);
  /* The table sits below the window's edge. */
  snapshot (GTK_WIDGET (view->maps_grid), "calibration-maps");
}

/* Scoring with the local map alone: the project's model takes the weight,
 * loses its threshold, and its new fused metrics are the local map's of
 * the test before. */
static void
assert_fusion_applied (EadCalibrationView *view, EadProject *project, gint64 model_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) local = ead_project_get_test_metrics (project, model_id, EAD_MAP_LOCAL, NULL,
                                                           &error);
  g_assert_no_error (error);

  /* The summary says how the model scores. */
  g_assert_nonnull (strstr (gtk_label_get_text (view->summary_label),
                            expect ("; scored with both maps, averaged", "；以两张图的平均值评分")));
  g_assert_false (action_enabled (view, "calibration.apply-fusion"));
  gtk_drop_down_set_selected (view->fusion_choice, 3);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view->fusion_spin)));
  g_assert_false (action_enabled (view, "calibration.apply-fusion"));
  gtk_drop_down_set_selected (view->fusion_choice, 1);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view->fusion_spin)));
  g_assert_true (action_enabled (view, "calibration.apply-fusion"));
  run_calibration_job (view, "calibration.apply-fusion");

  EadModelInfo info;
  g_assert_true (ead_project_get_model (project, model_id, &info, &error));
  g_assert_cmpfloat (info.local_weight, ==, 1.0);
  g_assert_false (info.has_threshold);
  ead_model_info_clear (&info);
  g_autoptr (GArray) fused = ead_project_get_test_metrics (project, model_id, EAD_MAP_FUSED, NULL,
                                                           &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fused->len, ==, local->len);
  g_assert_cmpfloat (g_array_index (fused, EadMetrics, 0).image_auroc, ==,
                     g_array_index (local, EadMetrics, 0).image_auroc);
  g_assert_cmpfloat (g_array_index (fused, EadMetrics, 0).aupro, ==,
                     g_array_index (local, EadMetrics, 0).aupro);
  g_assert_nonnull (strstr (gtk_label_get_text (view->summary_label),
                            expect ("; scored with the local map alone", "；仅以局部图评分")));
  assert_shows (expect ("No threshold saved", "尚未保存阈值"));
  g_assert_cmpuint (gtk_drop_down_get_selected (view->fusion_choice), ==, 1);
  g_assert_false (action_enabled (view, "calibration.apply-fusion"));
  snapshot (gtk_widget_get_parent (GTK_WIDGET (view->fusion_choice)), "calibration-fusion");
}

/* With its test images deleted, the project's model calibrates without a
 * word of error, and the view says what it lacks. */
static void
assert_calibrates_without_test_images (EadCalibrationView *view, const char *path)
{
  g_autoptr (GError) error = NULL;
  {
    g_autoptr (EadProject) project = ead_project_open (path, &error);
    g_autoptr (GArray) images = ead_project_list_images (project, &error);
    g_autoptr (GArray) test = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_assert_no_error (error);
    for (guint i = 0; i < images->len; i++)
      if (g_array_index (images, EadImageInfo, i).split == EAD_SPLIT_TEST)
        g_array_append_val (test, g_array_index (images, EadImageInfo, i).id);
    g_assert_cmpuint (test->len, >, 0);
    g_assert_true (ead_project_delete_images (project, (const gint64 *) test->data, test->len,
                                              &error));
    g_assert_no_error (error);
  }
  ead_session_images_changed (ead_window_get_session (window));
  calibrate (view);
  assert_shows (expect ("The project has no labelled test images: import some to measure the "
                        "threshold.",
                        "项目中没有已标注的测试图像：请导入一些以评估阈值。"));
  /* Neither the progress bar nor the error banner is shown. */
  g_autoptr (GPtrArray) revealers = g_ptr_array_new ();
  collect_widgets (GTK_WIDGET (window), GTK_TYPE_REVEALER, revealers);
  for (guint i = 0; i < revealers->len; i++)
    g_assert_false (gtk_revealer_get_reveal_child (g_ptr_array_index (revealers, i)));
  /* No good test image: none to review. */
  g_assert_false (action_enabled (view, "calibration.review-good-images"));
  snapshot (GTK_WIDGET (window), "calibration-no-test-images");
  /* The Export view says the model's fitness is not measured. */
  activate ("win.view", g_variant_new_string ("export"));
  assert_shows (expect ("Not measured: without labelled test images, how well the model tells "
                        "good parts from defective ones is unknown.",
                        "尚未测量：没有已标注的测试图像，无法知道模型区分良品与缺陷品的能力。"));
  snapshot (GTK_WIDGET (window), "export-not-measured");
  activate ("win.view", g_variant_new_string ("calibration"));
}

static void
test_calibration (void)
{
  g_autofree char *path = make_project ("calibration.eadproj");
  EadTrainingView *training = open_training_project (path);
  GtkSpinButton *steps_spin =
    GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (training), GTK_TYPE_SPIN_BUTTON, 0));
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  g_autoptr (GError) error = NULL;

  gtk_spin_button_set_value (steps_spin, 2);
  activate_in (training, "training.start");
  wait_training (training);

  /* The finished run's model, calibrated as it was trained. */
  activate ("win.view", g_variant_new_string ("calibration"));
  EadCalibrationView *view =
    EAD_CALIBRATION_VIEW (find_widget (GTK_WIDGET (window), EAD_TYPE_CALIBRATION_VIEW, 0));
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  gint64 model_id = ead_project_get_latest_model (project, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ead_calibration_view_get_model (view), ==, model_id);
  g_assert_true (ead_project_count_images (project, counts, &error));
  const guint n_good = counts[EAD_SPLIT_TEST][EAD_LABEL_GOOD];
  const guint n_anomalous = counts[EAD_SPLIT_TEST][EAD_LABEL_ANOMALOUS];
  assert_shows (expect ("The test images have no scores yet: score them with the button above.",
                        "测试图像还没有得分：请用上方的按钮为其打分。"));
  g_assert_false (action_enabled (view, "calibration.save-threshold"));

  /* The first press scores the test images, the second recalibrates. */
  assert_shows (expect ("Score Test Images", "为测试图像打分(S)"));
  calibrate (view);
  assert_quantiles (view, path, model_id);
  assert_shows (expect ("Recalibrate", "重新校准(C)"));
  calibrate (view);
  assert_quantiles (view, path, model_id);

  /* The lowest threshold flags every image, the highest none. */
  GtkAdjustment *adjustment = gtk_range_get_adjustment (
    GTK_RANGE (find_widget (GTK_WIDGET (view), GTK_TYPE_SCALE, 0)));
  ead_calibration_view_set_threshold (view, gtk_adjustment_get_lower (adjustment));
  assert_measures (view, n_good, n_good, n_anomalous, n_anomalous);
  assert_roc_point (view, 1.0, 1.0);
  ead_calibration_view_set_threshold (view, gtk_adjustment_get_upper (adjustment));
  assert_measures (view, 0, n_good, 0, n_anomalous);
  assert_roc_point (view, 0.0, 0.0);
  assert_curves (view, project, model_id);
  assert_assessment_shown (project, model_id);
  assert_map_metrics_shown (view, project, model_id);

  /* F1-max is the engine's; saving stores it. */
  double f1_max;
  g_assert_true (ead_project_choose_threshold (project, model_id, EAD_THRESHOLD_F1_MAX, 0, &f1_max,
                                               &error));
  g_assert_no_error (error);
  activate_in (view, "calibration.threshold-f1-max");
  g_assert_cmpfloat (ead_calibration_view_get_threshold (view), ==, f1_max);
  press_shortcut (view, "<Control>s");
  EadModelInfo info;
  g_assert_true (ead_project_get_model (project, model_id, &info, &error));
  g_assert_true (info.has_threshold);
  g_assert_cmpfloat (info.threshold, ==, f1_max);
  g_assert_cmpint (info.threshold_method, ==, EAD_THRESHOLD_F1_MAX);
  ead_model_info_clear (&info);
  g_autofree char *saved = g_strdup_printf (expect ("Saved threshold %.4f (F1-max)",
                                                    "已保存的阈值 %.4f（F1 最大）"),
                                            f1_max);
  assert_shows (saved);
  g_assert_cmpfloat (ead_calibration_view_get_threshold (view), ==, f1_max);
  snapshot (GTK_WIDGET (window), "calibration");

  assert_fusion_applied (view, project, model_id);
  assert_calibrates_without_test_images (view, path);

  /* A job holds the session, never the view: closing the window mid-job
   * finalises the view here, in the main thread, and the job, cancelled,
   * lets the session go when it ends. */
  GWeakRef view_ref, session_ref;
  g_weak_ref_init (&view_ref, view);
  g_weak_ref_init (&session_ref, ead_window_get_session (window));
  activate_in (view, "calibration.calibrate");
  g_assert_true (ead_calibration_view_is_busy (view));
  g_assert_false (action_enabled (view, "calibration.review-good-images"));
  gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&window)));
  g_assert_null (g_weak_ref_get (&view_ref));
  g_assert_true (ead_gui_test_wait_until (is_gone, &session_ref, 60000));
  g_weak_ref_clear (&view_ref);
  g_weak_ref_clear (&session_ref);
}

/* ---- Editing images, review and export ---- */

/* A new project at @path holding the small dataset, imported through core. */
static void
create_imported (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_create (path, &error);
  const char *paths[] = { dataset (), NULL };
  EadImportOptions options;
  EadImportSummary summary;

  g_assert_no_error (error);
  ead_import_options_init (&options);
  g_assert_true (ead_project_import (project, paths, &options, NULL, NULL, NULL, &summary, &error));
  g_assert_no_error (error);
}

/* A new project of the small dataset named @name in the test's folder. */
static char *
make_imported_project (const char *name)
{
  char *path = g_build_filename (folder, name, NULL);

  create_imported (path);
  return path;
}

static void
trained (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  *(gint64 *) user_data = ead_project_train_finish (result, &error);
  g_assert_no_error (error);
}

static gboolean
model_ready (gpointer data)
{
  return *(gint64 *) data != 0;
}

static int
compare_floats (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* Two training steps on a random teacher, then tested, with the median
 * test score as its threshold so that there are false positives and missed
 * defects. */
static void
make_tested_project (const char *path)
{
  g_autoptr (GError) error = NULL;
  EadTrainParams params;
  gint64 model_id = 0;

  create_imported (path);
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  ead_train_params_init (&params);
  params.steps = 2;
  gint64 run = ead_project_add_run (project, &params, &error);
  g_assert_no_error (error);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  ead_project_train_async (project, run, EAD_DEVICE_CPU, NULL, NULL, cancellable, trained,
                           &model_id);
  g_assert_true (ead_gui_test_wait_until (model_ready, &model_id, 240000));
  g_autoptr (EadEvaluation) evaluation = ead_project_test (project, model_id, EAD_PRECISION_FP32,
                                                           NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GArray) results = ead_project_list_results (project, model_id, &error);
  g_autoptr (GArray) scores = g_array_new (FALSE, FALSE, sizeof (float));
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      float score = (float) r->score;
      if (r->split == EAD_SPLIT_TEST)
        g_array_append_val (scores, score);
    }
  g_array_sort (scores, compare_floats);
  double threshold;
  g_assert_true (ead_project_set_threshold (project, model_id, EAD_THRESHOLD_VALUE,
                                            g_array_index (scores, float, scores->len / 2),
                                            &threshold, &error));
  g_assert_no_error (error);
}

/* A copy, in the test's folder, of the project with a tested model (made
 * once for all the tests); its model in @model. */
static char *
tested_project (gint64 *model)
{
  static char *original_path;
  g_autoptr (GFile) original = g_file_new_for_path (made_once (&original_path, "tested.eadproj",
                                                               make_tested_project));
  char *path = g_build_filename (folder, "tested.eadproj", NULL);
  g_autoptr (GFile) copy = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_copy (original, copy, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  *model = ead_project_get_latest_model (project, &error);
  g_assert_no_error (error);
  return path;
}

/* The test results of @model in the project at @path, by score, highest
 * first. */
static GArray *
test_results_by_score (const char *path, gint64 model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_autoptr (GArray) results = ead_project_list_results (project, model, &error);
  GArray *scores = g_array_new (FALSE, FALSE, sizeof (EadResultInfo));

  g_assert_no_error (error);
  for (guint i = 0; i < results->len; i++)
    {
      EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split == EAD_SPLIT_TEST)
        {
          g_array_append_val (scores, *r);
          *r = (EadResultInfo) { 0 };
        }
    }
  g_array_set_clear_func (scores, (GDestroyNotify) ead_result_info_clear);
  return scores;
}

static const EadResultInfo *
find_result (GArray *results, gint64 image_id)
{
  for (guint i = 0; i < results->len; i++)
    if (g_array_index (results, EadResultInfo, i).image_id == image_id)
      return &g_array_index (results, EadResultInfo, i);
  g_assert_not_reached ();
}

static EadReviewView *
review_view (void)
{
  return find_view (EAD_TYPE_REVIEW_VIEW);
}

/* The good test image of @results that scored highest; counts the good
 * ones into @n_good. */
static const EadResultInfo *
hottest_good (GArray *results, guint *n_good)
{
  const EadResultInfo *hottest = NULL;

  *n_good = 0;
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split != EAD_SPLIT_TEST || r->label != EAD_LABEL_GOOD)
        continue;
      (*n_good)++;
      if (hottest == NULL || r->score > hottest->score)
        hottest = r;
    }
  g_assert_nonnull (hottest);
  return hottest;
}

static guint
n_reviewed_rows (void)
{
  GtkWidget *list = find_widget (GTK_WIDGET (review_view ()), GTK_TYPE_COLUMN_VIEW, 0);

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (list))));
}

static GtkEventController *
find_controller (GtkWidget *widget, GType type)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        return GTK_EVENT_CONTROLLER (controller);
    }
  g_assert_not_reached ();
}

/* The left edge of each panel of @view along its middle row. */
static void
panel_edges (EadHeatmapView *view, double edges[EAD_HEATMAP_N_PANELS])
{
  double y = gtk_widget_get_height (GTK_WIDGET (view)) / 2.0;
  EadHeatmapPanel panel;
  int ix, iy;

  for (int p = 0; p < EAD_HEATMAP_N_PANELS; p++)
    edges[p] = -1;
  for (int x = 0; x < gtk_widget_get_width (GTK_WIDGET (view)); x++)
    if (ead_heatmap_view_pick (view, x, y, &panel, &ix, &iy) && edges[panel] < 0)
      edges[panel] = x;
  for (int p = 0; p < EAD_HEATMAP_N_PANELS; p++)
    g_assert_cmpfloat (edges[p], >=, 0);
}

/* Scrolls over the global map's panel, then checks that all four panels
 * show the same image pixel at the same place. */
static void
assert_zoom_together (void)
{
  EadHeatmapView *view = EAD_HEATMAP_VIEW (find_widget (GTK_WIDGET (review_view ()),
                                                        EAD_TYPE_HEATMAP_VIEW, 0));
  double edges[EAD_HEATMAP_N_PANELS];
  double y = gtk_widget_get_height (GTK_WIDGET (view)) / 2.0;
  gboolean handled;
  EadHeatmapPanel panel;
  int x0, y0, ix, iy;

  g_assert_cmpfloat (ead_heatmap_view_get_zoom (view), ==, 1.0);
  panel_edges (view, edges);
  g_signal_emit_by_name (find_controller (GTK_WIDGET (view), GTK_TYPE_EVENT_CONTROLLER_MOTION),
                         "motion", edges[EAD_HEATMAP_PANEL_GLOBAL] + 10, y + 10);
  g_signal_emit_by_name (find_controller (GTK_WIDGET (view), GTK_TYPE_EVENT_CONTROLLER_SCROLL),
                         "scroll", 0.0, -3.0, &handled);
  ead_gui_test_wait_drawn (GTK_WIDGET (view));
  g_assert_cmpfloat (ead_heatmap_view_get_zoom (view), >, 1.5);

  /* The panels' edges are found to the widget pixel, which spans a few
   * image pixels now. */
  panel_edges (view, edges);
  g_assert_true (ead_heatmap_view_pick (view, edges[0] + 21, y, &panel, &ix, &iy));
  g_assert_true (ead_heatmap_view_pick (view, edges[0] + 20, y, &panel, &x0, &y0));
  int slack = ix - x0 + 1;
  for (int p = 1; p < EAD_HEATMAP_N_PANELS; p++)
    {
      g_assert_true (ead_heatmap_view_pick (view, edges[p] + 20, y, &panel, &ix, &iy));
      g_assert_cmpint (panel, ==, p);
      g_assert_cmpint (ABS (ix - x0), <=, slack);
      g_assert_cmpint (iy, ==, y0);
    }
}

/* How many pixels of the review's heatmaps have the mask outline's colour. */
static guint
outline_pixels (void)
{
  static const guint8 outline[3] = { 51, 255, 102 };
  GtkWidget *heatmap = find_widget (GTK_WIDGET (review_view ()), EAD_TYPE_HEATMAP_VIEW, 0);
  g_autoptr (GdkTexture) texture = ead_gui_test_snapshot (heatmap, NULL);

  return ead_gui_test_count_color (texture, outline, 30);
}

static gboolean
has_question (gpointer data)
{
  GtkWindow *dialog = ead_gui_test_find_window (GTK_TYPE_MESSAGE_DIALOG, NULL);

  return dialog != NULL && gtk_widget_get_visible (GTK_WIDGET (dialog));
}

/* Accepts the question on screen, saved as @name.png unless @name is NULL. */
static void
answer_question (const char *name)
{
  g_assert_true (ead_gui_test_wait_until (has_question, NULL, 10000));
  GtkWindow *dialog = ead_gui_test_find_window (GTK_TYPE_MESSAGE_DIALOG, NULL);
  ead_gui_test_wait_drawn (GTK_WIDGET (dialog));
  if (name != NULL)
    snapshot (GTK_WIDGET (dialog), name);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

/* Activates @action of @view, which asks first, and accepts; the question
 * is saved as @name.png unless @name is NULL. */
static void
accept_confirmation (GtkWidget *view, const char *action, const char *name)
{
  g_assert_true (gtk_widget_activate_action (view, action, NULL));
  answer_question (name);
}

static void
choose (GtkDropDown *drop_down, guint position)
{
  gtk_drop_down_set_selected (drop_down, position);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

static void
test_review_empty (void)
{
  g_autofree char *path = make_imported_project ("untested.eadproj");

  open_project (path);
  activate ("win.view", g_variant_new_string ("review"));
  assert_shows (expect ("No Test Results Yet", "尚无测试结果"));
  g_assert_cmpint (ead_review_view_get_model (review_view ()), ==, 0);
  /* Its button scores the test images in the Calibration view, which says
   * why it cannot where there is no model yet. */
  assert_shows (expect ("Score Test Images", "为测试图像打分(S)"));
  snapshot (GTK_WIDGET (window), "review-empty");
  activate ("win.score-test-images", NULL);
  g_autofree char *shown = current_view ();
  g_assert_cmpstr (shown, ==, "calibration");
  assert_shows (expect ("No Model Yet", "还没有模型"));
  activate ("win.view", g_variant_new_string ("export"));
  assert_shows (expect ("No Models Yet", "尚无模型"));
}

/* Keeps in @path an image the line rejected, as the Line view does: a
 * test image with a spot painted in, scored by @model. */
static gint64
keep_line_reject (const char *path, gint64 model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_autoptr (GArray) results = test_results_by_score (path, model);
  g_autoptr (EadImage) original = ead_project_load_image (project,
                                                          g_array_index (results, EadResultInfo, 0)
                                                            .image_id, &error);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *file = g_build_filename (dir, "line-reject.png", NULL);
  g_autoptr (EadModel) loaded = ead_project_load_model (project, model, &error);
  g_assert_no_error (error);
  test_write_spotted_copy (original, file);
  g_autofree char *data = NULL;
  gsize size;
  g_assert_true (g_file_get_contents (file, &data, &size, NULL));
  g_autoptr (GBytes) contents = g_bytes_new_static (data, size);
  g_autoptr (EadImage) image = ead_image_load_from_data ((const guint8 *) data, size, file,
                                                         &error);
  g_auto (EadScoreResult) result = { 0 };
  g_assert_true (ead_model_score (loaded, image, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &result,
                                  &error));
  gint64 kept = ead_project_keep_line_image (project, file, contents, model, &result,
                                             EAD_LINE_FAIL, &error);
  g_assert_no_error (error);
  return kept;
}

/* The line's reject shows under "From the Line"; called a false positive,
 * it moves to training as core says. */
static void
assert_line_reject_reviewed (const char *path, gint64 model, GtkDropDown *filter)
{
  gint64 kept = keep_line_reject (path, model);
  g_autoptr (GError) error = NULL;

  ead_session_images_changed (ead_window_get_session (window));
  choose (filter, 4);
  g_assert_cmpuint (n_reviewed_rows (), ==, 1);
  g_assert_cmpint (ead_review_view_get_image (review_view ()), ==, kept);
  snapshot (GTK_WIDGET (window), "review-from-line");
  press_shortcut (review_view (), "2");
  accept_confirmation (GTK_WIDGET (review_view ()), "review.move-false-positives",
                       "review-move-line-dialog");
  assert_shows (expect ("1 image moved to the training set", "已将 1 张图像移入训练集"));
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_autoptr (GArray) images = ead_project_list_images (project, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < images->len; i++)
    if (g_array_index (images, EadImageInfo, i).id == kept)
      {
        g_assert_cmpint (g_array_index (images, EadImageInfo, i).label, ==, EAD_LABEL_GOOD);
        g_assert_cmpint (g_array_index (images, EadImageInfo, i).split, ==, EAD_SPLIT_TRAIN);
      }
}

/* The Calibration view's button shows its model's good test images in the
 * Review view, hottest first and selected, whatever the Review view showed. */
static void
assert_good_images_from_calibration (gint64 model, GArray *results, GtkDropDown *filter)
{
  guint n_good;
  const EadResultInfo *hottest = hottest_good (results, &n_good);

  /* Another image is selected, of all the images. */
  if (ead_review_view_get_image (review_view ()) == hottest->image_id)
    press_shortcut (review_view (), "j");
  if (ead_review_view_get_image (review_view ()) == hottest->image_id)
    press_shortcut (review_view (), "k");
  g_assert_cmpint (ead_review_view_get_image (review_view ()), !=, hottest->image_id);
  activate ("win.view", g_variant_new_string ("calibration"));
  EadCalibrationView *view = find_view (EAD_TYPE_CALIBRATION_VIEW);
  g_assert_cmpint (ead_calibration_view_get_model (view), ==, model);
  GtkWidget *button = find_button (view, "calibration.review-good-images");
  g_assert_true (gtk_widget_get_sensitive (button));
  assert_shows (expect ("Hottest Good Images", "最高分良品图像(H)"));
  snapshot (gtk_widget_get_parent (button), "calibration-good-images");
  g_signal_emit_by_name (button, "clicked");
  ead_gui_test_wait_drawn (GTK_WIDGET (window));

  g_autofree char *shown = current_view ();
  g_assert_cmpstr (shown, ==, "review");
  g_assert_cmpint (ead_review_view_get_model (review_view ()), ==, model);
  g_assert_cmpuint (gtk_drop_down_get_selected (filter), ==, 5);
  g_assert_cmpuint (n_reviewed_rows (), ==, n_good);
  g_assert_cmpfloat (find_result (results, ead_review_view_get_image (review_view ()))->score, ==,
                     hottest->score);
}

static void
test_review (void)
{
  gint64 model;
  g_autofree char *path = tested_project (&model);
  g_autoptr (GArray) results = test_results_by_score (path, model);
  g_autoptr (GError) error = NULL;
  EadConfusion confusion;

  open_project (path);
  activate ("win.view", g_variant_new_string ("review"));
  g_assert_cmpint (ead_review_view_get_model (review_view ()), ==, model);
  g_assert_cmpuint (n_reviewed_rows (), ==, results->len);
  g_autofree char *count = g_strdup_printf (expect ("%u of %u images", "显示 %u 张，共 %u 张图像"),
                                            results->len, results->len);
  assert_shows (count);
  snapshot (GTK_WIDGET (window), "review");

  /* Walking down the list with j meets every test image, highest score first. */
  gint64 first = ead_review_view_get_image (review_view ());
  double previous = G_MAXDOUBLE;
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = find_result (results, ead_review_view_get_image (review_view ()));
      g_assert_cmpfloat (r->score, <=, previous);
      previous = r->score;
      press_shortcut (review_view (), "j");
    }
  /* The walk ended on the lowest score, where j stays. */
  for (guint i = 0; i < results->len; i++)
    g_assert_cmpfloat (g_array_index (results, EadResultInfo, i).score, >=, previous);
  press_shortcut (review_view (), "k");
  g_assert_cmpint (ead_review_view_get_image (review_view ()), !=, first);

  /* The filters show as many images as core counts. */
  {
    g_autoptr (EadProject) project = ead_project_open (path, &error);
    g_assert_true (ead_project_count_decisions (project, model, &confusion, &error));
    g_assert_no_error (error);
  }
  GtkDropDown *filter = GTK_DROP_DOWN (find_widget (GTK_WIDGET (review_view ()), GTK_TYPE_DROP_DOWN, 1));
  g_assert_cmpuint (confusion.false_positives, <, results->len);
  choose (filter, 1);
  g_assert_cmpuint (n_reviewed_rows (), ==, confusion.true_positives + confusion.false_positives);
  choose (filter, 3);
  g_assert_cmpuint (n_reviewed_rows (), ==, confusion.false_negatives);
  /* The good test images, hottest first: the first is the good image that
   * scored highest. */
  choose (filter, 5);
  {
    guint n_good;
    const EadResultInfo *hottest = hottest_good (results, &n_good);
    g_assert_cmpuint (n_reviewed_rows (), ==, n_good);
    g_assert_cmpfloat (find_result (results, ead_review_view_get_image (review_view ()))->score,
                       ==, hottest->score);
    assert_shows (expect ("Good Images, Hottest First", "良品图像，最高分在前"));
    /* Each map's own maximum over its panel: which map flagged it. */
    EadHeatmapView *maps = EAD_HEATMAP_VIEW (
        find_widget (GTK_WIDGET (review_view ()), EAD_TYPE_HEATMAP_VIEW, 0));
    g_autofree char *local = g_strdup_printf ("%s %.4f", expect ("Local", "局部"),
                                              hottest->local_score);
    g_autofree char *local_title = ead_heatmap_view_dup_title (maps, EAD_HEATMAP_PANEL_LOCAL);
    g_assert_cmpstr (local_title, ==, local);
    g_autofree char *global = g_strdup_printf ("%s %.4f", expect ("Global", "全局"),
                                               hottest->global_score);
    g_autofree char *global_title = ead_heatmap_view_dup_title (maps, EAD_HEATMAP_PANEL_GLOBAL);
    g_assert_cmpstr (global_title, ==, global);
    snapshot (GTK_WIDGET (window), "review-hottest-good");
  }
  /* A defect type's images have their masks outlined; a good image that
   * comes after one has none. */
  choose (filter, 6);
  g_assert_cmpuint (n_reviewed_rows (), >, 0);
  g_assert_cmpuint (outline_pixels (), >, 100);
  choose (filter, 2);
  g_assert_cmpuint (n_reviewed_rows (), ==, confusion.false_positives);
  if (confusion.false_positives > 0)
    g_assert_cmpuint (outline_pixels (), ==, 0);
  g_autofree char *fp_count = g_strdup_printf (expect ("%u of %u images", "显示 %u 张，共 %u 张图像"),
                                               (guint) confusion.false_positives, results->len);
  assert_shows (fp_count);
  snapshot (GTK_WIDGET (window), "review-false-positives");
  choose (filter, 0);
  g_assert_cmpuint (n_reviewed_rows (), ==, results->len);
  assert_good_images_from_calibration (model, results, filter);
  choose (filter, 0);

  /* Zooming in one panel zooms all four. */
  assert_zoom_together ();
  snapshot (GTK_WIDGET (window), "review-zoomed");

  /* Key 2 stores "false positive" with the note typed, then moves on. */
  gint64 image = ead_review_view_get_image (review_view ());
  GtkEditable *note = GTK_EDITABLE (find_widget (GTK_WIDGET (review_view ()), GTK_TYPE_ENTRY, 0));
  gtk_editable_set_text (note, "glare on the neck");
  press_shortcut (review_view (), "2");
  g_assert_cmpint (ead_review_view_get_image (review_view ()), !=, image);
  {
    g_autoptr (GArray) after = test_results_by_score (path, model);
    const EadResultInfo *r = find_result (after, image);
    g_assert_cmpint (r->verdict, ==, EAD_VERDICT_FALSE_POSITIVE);
    g_assert_cmpstr (r->note, ==, "glare on the neck");
  }
  assert_shows (expect ("False positive", "误报"));

  /* Back on it, its note shows; Enter saves an edited one with the verdict. */
  press_shortcut (review_view (), "k");
  g_assert_cmpint (ead_review_view_get_image (review_view ()), ==, image);
  g_assert_cmpstr (gtk_editable_get_text (note), ==, "glare on the neck");
  gtk_editable_set_text (note, "glare, not a crack");
  g_signal_emit_by_name (note, "activate");
  {
    g_autoptr (GArray) after = test_results_by_score (path, model);
    const EadResultInfo *r = find_result (after, image);
    g_assert_cmpint (r->verdict, ==, EAD_VERDICT_FALSE_POSITIVE);
    g_assert_cmpstr (r->note, ==, "glare, not a crack");
  }

  /* Moving the false positives asks first, then makes the image a good
   * training image: it leaves the test results. */
  accept_confirmation (GTK_WIDGET (review_view ()), "review.move-false-positives",
                       "review-move-dialog");
  g_assert_cmpuint (n_reviewed_rows (), ==, results->len - 1);
  assert_shows (expect ("1 image moved to the training set", "已将 1 张图像移入训练集"));
  {
    g_autoptr (EadProject) project = ead_project_open (path, &error);
    g_autoptr (GArray) images = ead_project_list_images (project, &error);
    for (guint i = 0; i < images->len; i++)
      if (g_array_index (images, EadImageInfo, i).id == image)
        {
          g_assert_cmpint (g_array_index (images, EadImageInfo, i).label, ==, EAD_LABEL_GOOD);
          g_assert_cmpint (g_array_index (images, EadImageInfo, i).split, ==, EAD_SPLIT_TRAIN);
        }
  }

  assert_line_reject_reviewed (path, model, filter);
}

static EadExportView *
export_view (void)
{
  return find_view (EAD_TYPE_EXPORT_VIEW);
}

static gboolean
export_idle (gpointer data)
{
  return !ead_export_view_is_busy (export_view ());
}

/* The last label of the view: what became of the file written last. */
static GtkLabel *
export_result_label (void)
{
  g_autoptr (GPtrArray) labels = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (export_view ()), GTK_TYPE_LABEL, labels);
  return g_ptr_array_index (labels, labels->len - 1);
}

/* The outcome of the file written last, once it is written: styled as an
 * error when it failed. */
static GtkLabel *
export_result (gboolean *failed)
{
  g_assert_true (ead_gui_test_wait_until (export_idle, NULL, 120000));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  GtkLabel *label = export_result_label ();
  *failed = gtk_widget_has_css_class (GTK_WIDGET (label), "error");
  return label;
}

static void
test_export (void)
{
  gint64 model;
  g_autofree char *path = tested_project (&model);
  g_autofree char *exported = g_build_filename (folder, "line-3.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  EadImageMetrics metrics;
  EadModelInfo info;
  g_autoptr (GArray) tested = NULL;
  gboolean failed;

  {
    g_autoptr (EadProject) project = ead_project_open (path, &error);
    g_assert_true (ead_project_get_image_metrics (project, model, &metrics, &error));
    g_assert_true (ead_project_get_model (project, model, &info, &error));
    tested = ead_project_get_test_metrics (project, model, EAD_MAP_FUSED, NULL, &error);
    g_assert_no_error (error);
  }

  open_project (path);
  g_autofree char *name = g_strdup_printf ("tested-model-%" G_GINT64_FORMAT ".safetensors", model);
  activate ("win.export-model", NULL);
  g_autofree char *view = current_view ();
  g_assert_cmpstr (view, ==, "export");
  answer_chooser (name, "line-3.safetensors");
  /* A model unfit for the line is exported only when the user insists,
   * once. */
  EadFitness fitness;
  {
    g_autoptr (EadProject) project = ead_project_open (path, &error);
    fitness = assert_assessment_shown (project, model);
  }
  if (fitness == EAD_FITNESS_WEAK)
    answer_question ("export-unfit");

  /* What it was validated with, as core computes it. */
  g_autofree char *auroc = g_strdup_printf ("%.1f%%", 100.0 * metrics.image_auroc);
  g_autofree char *validated = g_strdup_printf (expect ("%u good and %u anomalous test images",
                                                        "%u 张良品、%u 张异常测试图像"),
                                                metrics.n_good, metrics.n_anomalous);
  g_autofree char *threshold = g_strdup_printf (expect ("%.4f (given)", "%.4f（手动指定）"),
                                                info.threshold);
  const EadMetrics *overall = &g_array_index (tested, EadMetrics, 0);
  g_autofree char *pixel = g_strdup_printf ("%.1f%% · %.1f%%", 100.0 * overall->pixel_auroc,
                                            100.0 * overall->aupro);
  assert_shows (auroc);
  assert_shows (validated);
  assert_shows (threshold);
  assert_shows (pixel);

  /* The file written loads, with the model's threshold. */
  GtkLabel *result = export_result (&failed);
  g_autoptr (EadModel) loaded = ead_model_load (exported, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ead_model_get_threshold (loaded), ==, info.threshold);
  g_assert_false (failed);
  g_assert_nonnull (strstr (gtk_label_get_text (result), exported));
  snapshot (GTK_WIDGET (window), "export");

  /* ONNX: the destination's suffix follows the format. */
  GtkDropDown *format = GTK_DROP_DOWN (find_widget (GTK_WIDGET (export_view ()),
                                                    GTK_TYPE_DROP_DOWN, 1));
  gtk_drop_down_set_selected (format, EAD_EXPORT_ONNX);
  g_autofree char *onnx = g_build_filename (folder, "line-3.onnx", NULL);
  g_autofree char *onnx_shown =
    g_file_get_parse_name (ead_export_view_get_destination (export_view ()));
  g_assert_cmpstr (onnx_shown, ==, onnx);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (export_view ()), "export.export", NULL));
  /* A worker writes it, and the view says so meanwhile. */
  g_assert_true (ead_export_view_is_busy (export_view ()));
  g_assert_cmpstr (gtk_label_get_text (export_result_label ()), ==,
                   expect ("Exporting…", "正在导出…"));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  result = export_result (&failed);
  g_assert_false (failed);
  g_assert_nonnull (strstr (gtk_label_get_text (result), onnx));
  g_assert_true (g_file_test (onnx, G_FILE_TEST_IS_REGULAR));
  g_assert_null (ead_model_load (onnx, NULL));
  snapshot (GTK_WIDGET (window), "export-onnx");

  /* A destination that cannot be written gives one line, and no file. */
  g_autofree char *blocker = make_file ("not-a-folder");
  g_autofree char *unwritable = g_build_filename (blocker, "model.safetensors", NULL);
  g_autoptr (GFile) destination = g_file_new_for_path (unwritable);
  ead_export_view_set_destination (export_view (), destination);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (export_view ()), "export.export", NULL));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  result = export_result (&failed);
  g_assert_true (failed);
  g_assert_nonnull (strstr (gtk_label_get_text (result), unwritable));
  g_assert_null (strchr (gtk_label_get_text (result), '\n'));
  g_assert_false (g_file_test (unwritable, G_FILE_TEST_EXISTS));
  snapshot (GTK_WIDGET (window), "export-error");

  /* The inspection report: a PDF whose text names the project and model. */
  g_autofree char *report_name = g_strdup_printf ("tested-model-%" G_GINT64_FORMAT "-report.pdf",
                                                  model);
  g_autofree char *report = g_build_filename (folder, "line-3-report.pdf", NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (export_view ()), "export.save-report",
                                             NULL));
  answer_chooser (report_name, "line-3-report.pdf");
  result = export_result (&failed);
  g_assert_false (failed);
  g_assert_nonnull (strstr (gtk_label_get_text (result), report));
  const char *pdftotext[] = { "pdftotext", report, "-", NULL };
  g_auto (TestRun) text = test_run_program (pdftotext);
  g_assert_cmpint (text.status, ==, 0);
  g_autofree char *model_line = g_strdup_printf ("\n%" G_GINT64_FORMAT "\n", model);
  g_assert_nonnull (strstr (text.out, model_line));
  g_assert_nonnull (strstr (text.out, expect ("Inspection report: tested", "检测报告：tested")));
  snapshot (GTK_WIDGET (window), "export-report");
  ead_model_info_clear (&info);
}

static GtkSelectionModel *
image_selection (void)
{
  GtkWidget *grid = find_widget (GTK_WIDGET (images_view ()), GTK_TYPE_GRID_VIEW, 0);

  return gtk_grid_view_get_model (GTK_GRID_VIEW (grid));
}

static EadImageInfo
image_info (const char *path, gint64 id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_autoptr (GArray) images = ead_project_list_images (project, &error);

  for (guint i = 0; i < images->len; i++)
    {
      EadImageInfo *info = &g_array_index (images, EadImageInfo, i);
      if (info->id == id)
        {
          EadImageInfo found = *info;
          *info = (EadImageInfo) { 0 };
          return found;
        }
    }
  return (EadImageInfo) { 0 };
}

static void
test_edit_images (void)
{
  g_autofree char *path = make_imported_project ("edited.eadproj");
  g_autoptr (GError) error = NULL;
  guint total;
  gint64 ids[2], masked = 0;

  {
    g_autoptr (EadProject) project = ead_project_open (path, &error);
    g_autoptr (GArray) images = ead_project_list_images (project, &error);
    g_assert_no_error (error);
    total = images->len;
    ids[0] = g_array_index (images, EadImageInfo, 0).id;
    ids[1] = g_array_index (images, EadImageInfo, 1).id;
    for (guint i = 0; i < images->len; i++)
      if (g_array_index (images, EadImageInfo, i).has_mask)
        masked = i;
    g_assert_cmpint (masked, >=, 2);
  }

  open_project (path);
  GtkSelectionModel *selection = image_selection ();
  gtk_selection_model_select_item (selection, 0, TRUE);
  gtk_selection_model_select_item (selection, 1, FALSE);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  assert_shows (expect ("2 images selected", "已选择 2 张图像"));

  /* Relabelled, moved and typed together; the selection stays. */
  GtkWidget *view = GTK_WIDGET (images_view ());
  g_assert_true (gtk_widget_activate_action (view, "images.set-label", "s", "anomalous"));
  g_assert_true (gtk_widget_activate_action (view, "images.set-split", "s", "test"));
  GtkEditable *type = GTK_EDITABLE (find_widget (view, GTK_TYPE_ENTRY, 0));
  gtk_editable_set_text (type, "scratch");
  g_assert_true (gtk_widget_activate_action (view, "images.set-defect-type", NULL));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  for (guint i = 0; i < 2; i++)
    {
      g_auto (EadImageInfo) info = image_info (path, ids[i]);
      g_assert_cmpint (info.label, ==, EAD_LABEL_ANOMALOUS);
      g_assert_cmpint (info.split, ==, EAD_SPLIT_TEST);
      g_assert_cmpstr (info.defect_type, ==, "scratch");
    }
  g_autoptr (GtkBitset) kept = gtk_selection_model_get_selection (selection);
  g_assert_cmpuint (gtk_bitset_get_size (kept), ==, 2);
  snapshot (GTK_WIDGET (window), "images-selected");

  /* Deleting asks first. */
  accept_confirmation (view, "images.delete", "images-delete-dialog");
  g_assert_cmpuint (n_shown (), ==, total - 2);
  g_auto (EadImageInfo) gone = image_info (path, ids[0]);
  g_assert_cmpint (gone.id, ==, 0);

  /* An image with a mask, large, with the mask in red. */
  gtk_selection_model_select_item (selection, masked - 2, TRUE);
  g_assert_true (gtk_widget_activate_action (view, "images.view", NULL));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  g_assert_true (ead_images_view_is_previewing (images_view ()));
  g_autoptr (GdkTexture) shot = ead_gui_test_snapshot (GTK_WIDGET (window), NULL);
  snapshot (GTK_WIDGET (window), "image-preview");
  /* Tinted red over a dark defect (bottle's) or a bright one (generated). */
  g_assert_cmpuint (ead_gui_test_count_reddish (shot, 100), >, 100);
  g_assert_true (gtk_widget_activate_action (view, "images.close-preview", NULL));
  g_assert_false (ead_images_view_is_previewing (images_view ()));
}

/* An image a training run used stays, with a one-line reason. */
static void
test_delete_refused (void)
{
  gint64 model;
  g_autofree char *path = tested_project (&model);
  g_auto (EadImageInfo) first = { 0 };

  open_project (path);
  guint total = n_shown ();
  first = image_info (path, 1);
  g_assert_cmpint (first.split, !=, EAD_SPLIT_TEST);
  gtk_selection_model_select_item (image_selection (), 0, TRUE);
  accept_confirmation (GTK_WIDGET (images_view ()), "images.delete", NULL);
  g_autofree char *message = g_strdup_printf ("%s: %s (image 1) cannot be deleted: "
                                              "training run 1 used it", path, first.file_name);
  assert_shows (message);
  g_assert_cmpuint (n_shown (), ==, total);
  snapshot (GTK_WIDGET (window), "images-delete-refused");
}

static void
test_shortcuts (void)
{
  activate ("win.show-help-overlay", NULL);
  GtkWindow *shortcuts = ead_gui_test_find_window (GTK_TYPE_SHORTCUTS_WINDOW, NULL);
  g_assert_nonnull (shortcuts);
  ead_gui_test_wait_drawn (GTK_WIDGET (shortcuts));
  g_assert_nonnull (ead_gui_test_find_label (GTK_WIDGET (shortcuts),
                                             expect ("Open a project", "打开项目")));
  snapshot (GTK_WIDGET (shortcuts), "shortcuts");
  gtk_window_close (shortcuts);
}

static void
test_about (void)
{
  activate ("app.about", NULL);
  GtkWindow *about = ead_gui_test_find_window (GTK_TYPE_ABOUT_DIALOG, NULL);
  g_assert_nonnull (about);
  ead_gui_test_wait_drawn (GTK_WIDGET (about));
  g_assert_cmpstr (gtk_about_dialog_get_program_name (GTK_ABOUT_DIALOG (about)), ==,
                   expect ("EfficientAD Workbench", "EfficientAD 工作台"));
  snapshot (GTK_WIDGET (about), "about");
  gtk_window_destroy (about);
}

/* ---- Each test in a child process of its own ---- */

static EadLineView *
line_view (void)
{
  return find_view (EAD_TYPE_LINE_VIEW);
}

/* The score core's ead_model_score() gives the image at @path, NaN when
 * it cannot score it. */
static double
core_score (EadModel *model, const char *path)
{
  g_autoptr (EadImage) image = ead_image_load (path, NULL);
  g_auto (EadScoreResult) result = { 0 };

  if (image == NULL
      || !ead_model_score (model, image, EAD_PRECISION_FP32, EAD_SCORE_MAPS, &result, NULL))
    return NAN;
  return result.score;
}

/* The @index-th image, by name, of the dataset's test/@type folder; with
 * @type NULL, of a defect type, whichever the folder lists first. */
static char *
test_image (const char *type, guint index)
{
  g_autofree char *test = g_build_filename (dataset (), "test", NULL);
  g_autoptr (GDir) types = g_dir_open (test, 0, NULL);
  const char *name;

  while (type == NULL && (name = g_dir_read_name (types)) != NULL)
    if (!g_str_equal (name, "good"))
      type = name;
  g_autofree char *folder = g_build_filename (test, type, NULL);
  g_autoptr (GPtrArray) paths = ead_dataset_list_images (folder, NULL);
  g_assert_nonnull (paths);
  g_assert_cmpuint (index, <, paths->len);
  return g_strdup (g_ptr_array_index (paths, index));
}

/* Drops @contents into @line_folder as @name the way a camera does: written
 * under a hidden name, then renamed into place. */
static void
drop_file (const char *line_folder, const char *name, const char *contents, gsize length)
{
  g_autofree char *hidden_name = g_strconcat (".", name, NULL);
  g_autofree char *hidden = g_build_filename (line_folder, hidden_name, NULL);
  g_autofree char *path = g_build_filename (line_folder, name, NULL);

  g_assert_true (g_file_set_contents (hidden, contents, length, NULL));
  g_assert_cmpint (g_rename (hidden, path), ==, 0);
}

/* The image at @path as a PNG with an alpha channel. */
static char *
with_alpha (const char *path, gsize *length)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  g_autoptr (GdkPixbuf) rgba = gdk_pixbuf_add_alpha (pixbuf, FALSE, 0, 0, 0);
  char *contents;

  g_assert_true (gdk_pixbuf_save_to_buffer (rgba, &contents, length, "png", &error, NULL));
  g_assert_no_error (error);
  return contents;
}

#define N_BURST 100

static gboolean
all_waiting (gpointer data)
{
  return ead_line_view_get_waiting (line_view ()) == GPOINTER_TO_UINT (data);
}

static gboolean
all_inspected (gpointer data)
{
  EadLineView *view = line_view ();

  return ead_line_view_get_inspected (view) + ead_line_view_get_count (view, EAD_LINE_ERROR)
         == GPOINTER_TO_UINT (data);
}

static guint
count_files (const char *line_folder, const char *subfolder)
{
  g_autofree char *path = g_build_filename (line_folder, subfolder, NULL);

  return test_count_entries (path);
}

static void
test_line (void)
{
  gint64 model_id;
  g_autofree char *path = tested_project (&model_id);
  g_autofree char *line_folder = g_build_filename (folder, "camera", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir (line_folder, 0755), ==, 0);
  open_project (path);
  activate ("win.view", g_variant_new_string ("line"));
  EadLineView *view = line_view ();
  g_assert_false (action_enabled (view, "line.start"));
  ead_line_view_set_folder (view, line_folder);
  ead_line_view_set_filing (view, EAD_LINE_MOVE);
  ead_line_view_set_save_reject_maps (view, TRUE);

  /* Good parts, a defective one, one with an alpha channel (which core
   * drops), a truncated and a text file, and a good part last, written in
   * place rather than renamed in. */
  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (EadModel) model = ead_project_load_model (project, model_id, &error);
  g_assert_no_error (error);
  const struct {
    const char *name;
    const char *type;
    guint index;
    gsize keep;   /* bytes kept, 0 for all */
  } files[] = {
    { "part-1.png", "good", 0, 0 },
    { "part-2.png", NULL, 0, 0 },
    { "part-3.png", "good", 1, 0 },
    { "rgba.png", "good", 0, 0 },
    { "truncated.png", "good", 2, 200 },
    { "notes.png", NULL, 0, 0 },
    { "part-4.png", "good", 2, 0 },
  };
  const guint n_files = G_N_ELEMENTS (files);
  g_autofree char *staging = g_build_filename (folder, "staging", NULL);
  double scores[G_N_ELEMENTS (files)];
  double max_pass = -G_MAXDOUBLE;
  double lowest = G_MAXDOUBLE, highest = -G_MAXDOUBLE;

  /* Each file made beside the line first, and scored there by core. */
  g_assert_cmpint (g_mkdir (staging, 0755), ==, 0);
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *source = test_image (files[i].type, files[i].index);
      g_autofree char *staged = g_build_filename (staging, files[i].name, NULL);
      g_autofree char *contents = NULL;
      gsize length;
      if (g_str_equal (files[i].name, "notes.png"))
        {
          contents = g_strdup ("not an image");
          length = strlen (contents);
        }
      else if (g_str_equal (files[i].name, "rgba.png"))
        contents = with_alpha (source, &length);
      else
        g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
      length = files[i].keep > 0 ? files[i].keep : length;
      g_assert_true (g_file_set_contents (staged, contents, length, NULL));
      scores[i] = core_score (model, staged);
      if (!isnan (scores[i]))
        {
          lowest = MIN (lowest, scores[i]);
          highest = MAX (highest, scores[i]);
        }
    }
  /* A model of a few steps may score every part above the threshold its
   * calibration chose: the engineer sets one between the lowest and the
   * highest score, so that some parts pass and some fail. */
  double threshold;
  g_assert_true (ead_project_set_threshold (project, model_id, EAD_THRESHOLD_VALUE,
                                            (lowest + highest) / 2, &threshold, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n_files; i++)
    if (scores[i] < threshold)
      max_pass = MAX (max_pass, scores[i]);
  /* A second threshold below the model's, at most the best-scoring good
   * part's score, in the four decimals the view shows: that part, at
   * least, is to be re-checked. */
  g_assert_cmpfloat (max_pass, >, -G_MAXDOUBLE);
  const double recheck = floor (max_pass * 1e4) / 1e4;
  guint expected[EAD_LINE_N_OUTCOMES] = { 0 };
  EadLineOutcome outcomes[G_N_ELEMENTS (files)];
  for (guint i = 0; i < n_files; i++)
    {
      outcomes[i] = isnan (scores[i])           ? EAD_LINE_ERROR
                    : scores[i] >= threshold ? EAD_LINE_FAIL
                    : scores[i] >= recheck   ? EAD_LINE_RECHECK
                                             : EAD_LINE_PASS;
      expected[outcomes[i]]++;
    }
  const EadLineOutcome last = outcomes[n_files - 1];
  g_assert_cmpuint (expected[EAD_LINE_RECHECK], >, 0);
  ead_line_view_set_recheck (view, recheck);

  activate_in (view, "line.start");
  g_assert_true (ead_line_view_is_watching (view));
  /* Paused, the files queue and none is scored. They come as a camera
   * brings them: moved in, written under a hidden name and renamed, and
   * the last written in place. */
  activate_in (view, "line.pause");
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *staged = g_build_filename (staging, files[i].name, NULL);
      g_autofree char *dropped = g_build_filename (line_folder, files[i].name, NULL);
      g_autofree char *contents = NULL;
      gsize length;
      g_assert_true (g_file_get_contents (staged, &contents, &length, NULL));
      if (i + 1 == n_files)
        {
          FILE *out = fopen (dropped, "wb");
          g_assert_nonnull (out);
          g_assert_cmpuint (fwrite (contents, 1, length, out), ==, length);
          fclose (out);
        }
      else if (i % 2 == 0)
        g_assert_cmpint (g_rename (staged, dropped), ==, 0);
      else
        drop_file (line_folder, files[i].name, contents, length);
    }
  g_assert_cmpuint (expected[EAD_LINE_ERROR], ==, 2);
  g_assert_true (ead_gui_test_wait_until (all_waiting, GUINT_TO_POINTER (n_files), 10000));
  g_assert_cmpuint (ead_line_view_get_inspected (view), ==, 0);

  activate_in (view, "line.resume");
  g_assert_true (ead_gui_test_wait_until (all_inspected, GUINT_TO_POINTER (n_files), 240000));
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  /* The counts are core's scores' decisions, the errors the two bad files. */
  for (EadLineOutcome outcome = 0; outcome < EAD_LINE_N_OUTCOMES; outcome++)
    g_assert_cmpuint (ead_line_view_get_count (view, outcome), ==, expected[outcome]);
  g_assert_cmpuint (ead_line_view_get_inspected (view), ==, n_files - 2);
  g_assert_cmpuint (ead_line_view_get_waiting (view), ==, 0);
  g_assert_cmpuint (ead_line_view_get_n_rejects (view), ==, expected[EAD_LINE_FAIL]);
  /* The newest part's decision, large. */
  assert_shows (last == EAD_LINE_FAIL      ? expect ("FAIL", "不合格")
                : last == EAD_LINE_RECHECK ? expect ("RE-CHECK", "复检")
                                           : expect ("PASS", "合格"));

  /* Each scored image filed by its decision, each reject's map saved; the
   * bad files stay where they are. */
  g_assert_cmpuint (count_files (line_folder, "pass"), ==, expected[EAD_LINE_PASS]);
  g_assert_cmpuint (count_files (line_folder, "fail"), ==, expected[EAD_LINE_FAIL]);
  g_assert_cmpuint (count_files (line_folder, "recheck"), ==, expected[EAD_LINE_RECHECK]);
  g_assert_cmpuint (count_files (line_folder, "maps"), ==, expected[EAD_LINE_FAIL]);
  g_autofree char *truncated = g_build_filename (line_folder, "truncated.png", NULL);
  g_autofree char *notes = g_build_filename (line_folder, "notes.png", NULL);
  g_assert_true (g_file_test (truncated, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (notes, G_FILE_TEST_IS_REGULAR));

  /* The project kept what it did not hold already: the part with an alpha
   * channel (the others are copies of its own images), with core's score
   * and decision. */
  {
    g_autoptr (GArray) kept = ead_project_list_line_inspections (project, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (kept->len, ==, 1);
    const EadLineInspection *rgba = &g_array_index (kept, EadLineInspection, 0);
    g_assert_cmpfloat_with_epsilon (rgba->score, scores[3], 1e-6);
    g_assert_cmpint (rgba->decision, ==, outcomes[3]);
    g_assert_cmpint (rgba->model_id, ==, model_id);
  }

  /* A reject clicked shows its maps. */
  if (ead_line_view_get_n_rejects (view) > 0)
    {
      ead_line_view_show_reject (view, 0);
      EadHeatmapView *maps =
        EAD_HEATMAP_VIEW (find_widget (GTK_WIDGET (view), EAD_TYPE_HEATMAP_VIEW, 0));
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (maps)));
      /* With each map's own maximum over it. */
      g_autofree char *fused = ead_heatmap_view_dup_title (maps, EAD_HEATMAP_PANEL_FUSED);
      const char *prefix = expect ("Fused ", "融合 ");
      char *end = NULL;
      g_assert_true (g_str_has_prefix (fused, prefix));
      g_assert_false (isnan (g_ascii_strtod (fused + strlen (prefix), &end)));
      g_assert_cmpstr (end, ==, "");
      ead_gui_test_wait_drawn (GTK_WIDGET (window));
    }
  snapshot (GTK_WIDGET (window), "line");

  /* A burst of a hundred unreadable files queues without blocking the
   * window: each is an error, and the watch goes on. */
  for (guint i = 0; i < N_BURST; i++)
    {
      g_autofree char *name = g_strdup_printf ("burst-%03u.png", i);
      drop_file (line_folder, name, "x", 1);
    }
  g_assert_true (ead_gui_test_wait_until (all_inspected,
                                          GUINT_TO_POINTER (n_files + N_BURST),
                                          60000));
  g_assert_cmpuint (ead_line_view_get_count (view, EAD_LINE_ERROR), ==, 2 + N_BURST);
  g_assert_true (ead_line_view_is_watching (view));

  /* Stopped, the folder is watched no more. */
  activate_in (view, "line.stop");
  g_assert_false (ead_line_view_is_watching (view));
  g_assert_false (action_enabled (view, "line.pause"));
  drop_file (line_folder, "late.png", "late", 4);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (ead_line_view_get_count (view, EAD_LINE_ERROR), ==, 2 + N_BURST);

  /* Started again, a line that moves what it inspects takes first what
   * is still in the folder: the file that came meanwhile, and the
   * unreadable ones, which stay. */
  activate_in (view, "line.start");
  g_assert_true (ead_gui_test_wait_until (all_inspected, GUINT_TO_POINTER (3 + N_BURST), 60000));
  g_assert_cmpuint (ead_line_view_get_count (view, EAD_LINE_ERROR), ==, 3 + N_BURST);

  /* Stopped with files waiting, it says what becomes of them. */
  activate_in (view, "line.pause");
  drop_file (line_folder, "waiting-1.png", "x", 1);
  drop_file (line_folder, "waiting-2.png", "x", 1);
  g_assert_true (ead_gui_test_wait_until (all_waiting, GUINT_TO_POINTER (2), 10000));
  activate_in (view, "line.stop");
  assert_shows (expect ("Stopped: 2 images were waiting; they stay in the folder and go first "
                        "when the line starts again",
                        "已停止：2 幅图像在等待；它们留在文件夹中，产线再次启动时最先检测"));
  g_autofree char *waiting = g_build_filename (line_folder, "waiting-1.png", NULL);
  g_assert_true (g_file_test (waiting, G_FILE_TEST_IS_REGULAR));

  /* The worker holds the session, never the view: closing the window while
   * watching stops it, and it lets the session go. */
  GWeakRef view_ref, session_ref;
  g_weak_ref_init (&view_ref, view);
  g_weak_ref_init (&session_ref, ead_window_get_session (window));
  activate_in (view, "line.start");
  g_assert_true (ead_line_view_is_watching (view));
  gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&window)));
  g_assert_null (g_weak_ref_get (&view_ref));
  g_assert_true (ead_gui_test_wait_until (is_gone, &session_ref, 60000));
  g_weak_ref_clear (&view_ref);
  g_weak_ref_clear (&session_ref);
}

static gboolean
has_roi_dialog (gpointer data)
{
  GtkWindow *dialog = ead_gui_test_find_window (GTK_TYPE_DIALOG, NULL);

  return dialog != NULL && gtk_widget_get_visible (GTK_WIDGET (dialog));
}

/* Answers the region editor's Import Mask… with the file @path. */
static void
choose_mask (EadRoiEditor *editor, const char *path)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "roi.import-mask", NULL));
  answer_open_chooser (path);
}

/* One rectangle dragged on the first image and saved is stored exactly,
 * at the image's size, for the models trained after. */
static void
test_roi (void)
{
  g_autofree char *path = make_imported_project ("roi.eadproj");
  g_autoptr (GError) error = NULL;
  int width, height;

  {
    g_autoptr (EadProject) project = ead_project_open (path, &error);
    g_assert_true (ead_project_get_image_size (project, &width, &height, &error));
    g_assert_no_error (error);
  }
  open_project (path);
  assert_shows (expect ("Region of interest: the whole image", "检测区域：整幅图像"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (images_view ()), "images.roi", NULL));
  g_assert_true (ead_gui_test_wait_until (has_roi_dialog, NULL, 10000));
  GtkWindow *dialog = ead_gui_test_find_window (GTK_TYPE_DIALOG, NULL);
  ead_gui_test_wait_drawn (GTK_WIDGET (dialog));
  EadRoiEditor *editor = EAD_ROI_EDITOR (find_widget (GTK_WIDGET (dialog), EAD_TYPE_ROI_EDITOR, 0));
  const int x = width / 4, y = height / 5, w = width / 2, h = height / 2;
  ead_roi_editor_drag (editor, x + w, y + h, x, y);
  ead_gui_test_wait_drawn (GTK_WIDGET (dialog));
  g_autofree char *source = g_strdup_printf ("rect %d,%d,%d,%d", x, y, w, h);
  const double fraction = (double) w * h / ((double) width * height);
  g_autofree char *summary = g_strdup_printf (expect ("Region of interest: %.0f %% of the image (%s)",
                                                      "检测区域：图像的 %.0f %%（%s）"),
                                              100 * fraction, source);
  g_assert_nonnull (ead_gui_test_find_label (GTK_WIDGET (dialog), summary));
  snapshot (GTK_WIDGET (dialog), "roi-editor");
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  assert_shows (summary);
  snapshot (GTK_WIDGET (window), "images-roi");

  g_autoptr (EadProject) project = ead_project_open (path, &error);
  g_autoptr (EadRoi) roi = ead_project_get_roi (project, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (roi);
  g_assert_cmpint (roi->width, ==, width);
  g_assert_cmpint (roi->height, ==, height);
  g_assert_cmpstr (roi->source, ==, source);
  g_assert_cmpfloat (ead_roi_inspected_fraction (roi), ==, fraction);
  /* The corners inside, their neighbours outside. */
  const int inside[][2] = { { x, y }, { x + w - 1, y }, { x, y + h - 1 }, { x + w - 1, y + h - 1 } };
  const int outside[][2] = { { x - 1, y }, { x, y - 1 }, { x + w, y + h - 1 }, { x + w - 1, y + h } };
  for (guint i = 0; i < G_N_ELEMENTS (inside); i++)
    {
      g_assert_cmpint (roi->mask[(gsize) inside[i][1] * width + inside[i][0]], ==, EAD_ROI_INSPECTED);
      g_assert_cmpint (roi->mask[(gsize) outside[i][1] * width + outside[i][0]], ==, 0);
    }

  /* Opened again, it starts from the region saved; a triangle clicked
   * corner by corner and closed on its first adds to it, Remove Last Shape
   * takes it away, and Clear and Save leave the whole image inspected. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (images_view ()), "images.roi", NULL));
  g_assert_true (ead_gui_test_wait_until (has_roi_dialog, NULL, 10000));
  dialog = ead_gui_test_find_window (GTK_TYPE_DIALOG, NULL);
  ead_gui_test_wait_drawn (GTK_WIDGET (dialog));
  g_assert_nonnull (ead_gui_test_find_label (GTK_WIDGET (dialog), summary));
  editor = EAD_ROI_EDITOR (find_widget (GTK_WIDGET (dialog), EAD_TYPE_ROI_EDITOR, 0));
  const int corners[][2] = { { 0, 0 }, { width / 8, 0 }, { 0, height / 8 }, { 0, 0 } };
  for (guint i = 0; i < G_N_ELEMENTS (corners); i++)
    ead_roi_editor_click (editor, corners[i][0], corners[i][1]);
  g_autoptr (EadRoi) drawn = ead_roi_editor_get_roi (editor, &error);
  g_assert_no_error (error);
  g_autofree char *both = g_strdup_printf ("%s; polygon 0,0 %d,0 0,%d", source, width / 8,
                                           height / 8);
  g_assert_cmpstr (drawn->source, ==, both);
  g_assert_cmpint (drawn->mask[0], ==, EAD_ROI_INSPECTED);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "roi.remove-last-shape", NULL));
  g_autoptr (EadRoi) undone = ead_roi_editor_get_roi (editor, &error);
  g_assert_cmpstr (undone->source, ==, source);
  g_assert_cmpint (undone->mask[0], ==, 0);
  g_assert_false (action_enabled (editor, "roi.remove-last-shape"));
  /* Escape drops a polygon begun. */
  ead_roi_editor_click (editor, width / 2, height - 1);
  ead_roi_editor_click (editor, width - 1, height - 1);
  g_assert_true (action_enabled (editor, "roi.remove-last-shape"));
  press_shortcut (find_widget (GTK_WIDGET (editor), GTK_TYPE_DRAWING_AREA, 0), "Escape");
  g_assert_false (action_enabled (editor, "roi.remove-last-shape"));
  /* Import Mask…: a file that is no image is said in the dialog; a mask
   * of another size, white on its right half, replaces the region saved. */
  g_autofree char *notes = make_file ("notes.png");
  g_assert_true (g_file_set_contents (notes, "not an image", -1, NULL));
  g_autoptr (GError) refusal = NULL;
  g_assert_null (ead_roi_new_from_image_file (notes, &refusal));
  choose_mask (editor, notes);
  g_assert_nonnull (ead_gui_test_find_label (GTK_WIDGET (dialog), refusal->message));
  g_autofree char *half_path = make_file ("right-half.png");
  guint8 half[20 * 10];
  for (int i = 0; i < 20 * 10; i++)
    half[i] = i % 20 >= 10 ? 255 : 0;
  g_autoptr (EadImage) half_image = ead_image_new_from_gray8 (half, 20, 10, 20);
  g_assert_true (ead_image_save_png (half_image, half_path, NULL));
  choose_mask (editor, half_path);
  g_autoptr (EadRoi) imported = ead_roi_editor_get_roi (editor, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (imported->source, ==, "mask right-half.png");
  g_assert_cmpint (imported->mask[0], ==, 0);
  g_assert_cmpint (imported->mask[width - 1], ==, EAD_ROI_INSPECTED);
  g_assert_cmpfloat_with_epsilon (ead_roi_inspected_fraction (imported), 0.5, 0.01);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "roi.clear", NULL));
  g_assert_nonnull (ead_gui_test_find_label (GTK_WIDGET (dialog),
                                             expect ("Region of interest: the whole image",
                                                     "检测区域：整幅图像")));
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  assert_shows (expect ("Region of interest: the whole image", "检测区域：整幅图像"));
  g_autoptr (EadRoi) cleared = ead_project_get_roi (project, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (cleared);
}

typedef struct {
  const char *path;
  GTestFunc run;
  /* When not 0, training waits after this step until paused or stopped
   * (EAD_TRAIN_HOLD_AFTER), so that the test acts on a run in progress. */
  int hold_after;
} GuiTest;

static const GuiTest gui_tests[] = {
  { "/workbench/views", test_views },
  { "/workbench/open-project", test_open_project },
  { "/workbench/open-missing", test_open_missing },
  { "/workbench/not-a-project", test_not_a_project },
  { "/workbench/open-bad-project", test_open_bad_project },
  { "/workbench/new-project", test_new_project },
  { "/workbench/open-dialog", test_open_dialog },
  { "/workbench/drop-folder", test_drop_folder },
  { "/workbench/images", test_images },
  { "/workbench/roi", test_roi },
  { "/workbench/training", test_training, 1 },
  { "/workbench/calibration", test_calibration },
  { "/workbench/edit-images", test_edit_images },
  { "/workbench/review-empty", test_review_empty },
  { "/workbench/review", test_review },
  { "/workbench/export", test_export },
  { "/workbench/line", test_line },
  { "/workbench/delete-refused", test_delete_refused },
  { "/workbench/shortcuts", test_shortcuts },
  { "/workbench/about", test_about },
};

/* The real application object, started as g_application_run() would start
 * it, but with the main loop in the test's hands; and the test's folder. */
static void
start_application (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *template = g_build_filename (cache, "test-XXXXXX", NULL);

  folder = g_mkdtemp (g_steal_pointer (&template));
  g_assert_nonnull (folder);
  app = ead_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  /* Transitions finished at once make each snapshot show its view. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_application_activate (G_APPLICATION (app));
  window = EAD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
}

static void
quit_application (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&app);
  test_remove_tree (folder);
  g_clear_pointer (&folder, g_free);
}

static void
run_gui_test (gconstpointer data)
{
  const GuiTest *test = data;

  if (g_test_subprocess ())
    {
      start_application ();
      test->run ();
      quit_application ();
      return;
    }
  if (test->hold_after > 0)
    {
      g_autofree char *step = g_strdup_printf ("%d", test->hold_after);
      g_setenv ("EAD_TRAIN_HOLD_AFTER", step, TRUE);
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("EAD_TRAIN_HOLD_AFTER");
  /* Not an assertion, which would end this process and the tests after. */
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("%s failed in its process (its messages are above)", test->path);
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int status;

  ead_application_init_i18n ();
  g_test_init (&argc, &argv, NULL);
  ead_gui_test_init ();
  language = g_getenv ("EAD_TEST_LANGUAGE") != NULL ? g_getenv ("EAD_TEST_LANGUAGE") : "en";
  if (g_test_subprocess ())
    {
      test_child_dies_with_parent (NULL);
      cache = g_strdup (g_getenv ("EAD_GUI_TEST_CACHE"));
    }
  else
    {
      cache = g_dir_make_tmp ("ead-gui-XXXXXX", &error);
      g_assert_no_error (error);
      g_setenv ("EAD_GUI_TEST_CACHE", cache, TRUE);
      g_unsetenv ("EAD_TRAIN_HOLD_AFTER");
    }
  for (guint i = 0; i < G_N_ELEMENTS (gui_tests); i++)
    g_test_add_data_func (gui_tests[i].path, &gui_tests[i], run_gui_test);
  status = g_test_run ();
  if (!g_test_subprocess ())
    test_remove_tree (cache);
  g_free (cache);
  return status;
}

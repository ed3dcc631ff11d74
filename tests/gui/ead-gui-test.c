/* ead-gui-test.c: helpers for the GUI tests. */

#include "ead-gui-test.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  gboolean (*condition) (gpointer data);
  gpointer data;
} Wait;

static gboolean
timed_out (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
ead_gui_test_wait_until (gboolean (*condition) (gpointer data), gpointer data, guint timeout_ms)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add (timeout_ms, timed_out, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout);
  return condition (data);
}

static void
after_paint (GdkFrameClock *clock, gpointer user_data)
{
  gboolean *painted = user_data;

  *painted = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

void
ead_gui_test_wait_drawn (GtkWidget *widget)
{
  gboolean painted = FALSE;

  /* A mapped window has a frame clock; wait for that first. */
  g_assert_true (ead_gui_test_wait_until ((gboolean (*) (gpointer)) gtk_widget_get_mapped, widget,
                                          10000));
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);

  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), &painted);
  gtk_widget_queue_draw (widget);
  g_assert_true (ead_gui_test_wait_until (flag_set, &painted, 10000));
  g_signal_handler_disconnect (clock, handler);

  /* Let idle work that the frame started (e.g. a stack's transition) run. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

GtkWindow *
ead_gui_test_show (GtkWidget *child, int width, int height)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, width, height);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  ead_gui_test_wait_drawn (GTK_WIDGET (window));
  return window;
}

/* What @widget drew in its last frame. A widget drops its render node when
 * it is queued for drawing, so a snapshot taken between a change and the
 * next frame is empty: wait for a frame, and again while idle work queues
 * another draw before the node is read. */
static GskRenderNode *
last_frame (GtkWidget *widget, int width, int height)
{
  for (int frame = 0; frame < 20; frame++)
    {
      g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, width, height);
      GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL)
        return node;
      ead_gui_test_wait_drawn (widget);
    }
  return NULL;
}

GdkTexture *
ead_gui_test_snapshot (GtkWidget *widget, const char *name)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  g_autoptr (GskRenderNode) node = last_frame (widget, width, height);
  g_assert_nonnull (node);
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node,
                                                     &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (name != NULL)
    {
      const char *folder = g_getenv ("EAD_SNAPSHOT_DIR");
      g_autofree char *file = g_strconcat (name, ".png", NULL);
      g_autofree char *path = g_build_filename (folder != NULL ? folder : ".", file, NULL);

      if (folder != NULL)
        g_mkdir_with_parents (folder, 0755);
      g_autoptr (GError) error = NULL;

      g_assert_true (gdk_texture_save_to_png (texture, path));
      g_autoptr (GdkTexture) saved = gdk_texture_new_from_filename (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (gdk_texture_get_width (saved), ==, width);
      g_assert_cmpint (gdk_texture_get_height (saved), ==, height);
      g_test_message ("snapshot: %s", path);
    }
  return texture;
}

/* Downloads the texture as GDK_MEMORY_DEFAULT: B, G, R, A bytes (premultiplied). */
static guint8 *
download (GdkTexture *texture, gsize *stride)
{
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  guint8 *data = g_malloc ((gsize) width * height * 4);

  *stride = (gsize) width * 4;
  gdk_texture_download (texture, data, *stride);
  return data;
}

guint8 *
ead_gui_test_rgb (GdkTexture *texture)
{
  gsize stride;
  g_autofree guint8 *data = download (texture, &stride);
  gsize n = (gsize) gdk_texture_get_width (texture) * gdk_texture_get_height (texture);
  guint8 *rgb = g_malloc (3 * n);

  for (gsize i = 0; i < n; i++)
    {
      rgb[3 * i] = data[4 * i + 2];
      rgb[3 * i + 1] = data[4 * i + 1];
      rgb[3 * i + 2] = data[4 * i];
    }
  return rgb;
}

/* Counts the pixels for which @matches (r, g, b, data) holds. */
static guint
count_pixels (GdkTexture *texture, gboolean (*matches) (int r, int g, int b, const void *data),
              const void *data)
{
  gsize stride;
  g_autofree guint8 *pixels = download (texture, &stride);
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  guint count = 0;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = pixels + (gsize) y * stride + 4 * (gsize) x;
        count += matches (p[2], p[1], p[0], data);
      }
  return count;
}

typedef struct {
  const guint8 *rgb;
  int tolerance;
} Near;

static gboolean
is_near (int r, int g, int b, const void *data)
{
  const Near *near = data;

  return ABS (r - near->rgb[0]) <= near->tolerance && ABS (g - near->rgb[1]) <= near->tolerance
         && ABS (b - near->rgb[2]) <= near->tolerance;
}

guint
ead_gui_test_count_color (GdkTexture *texture, const guint8 rgb[3], int tolerance)
{
  const Near near = { rgb, tolerance };

  return count_pixels (texture, is_near, &near);
}

static gboolean
is_reddish (int r, int g, int b, const void *data)
{
  const int *margin = data;

  return r - MAX (g, b) >= *margin;
}

guint
ead_gui_test_count_reddish (GdkTexture *texture, int margin)
{
  return count_pixels (texture, is_reddish, &margin);
}

guint
ead_gui_test_count_colors (GdkTexture *texture, guint limit)
{
  gsize stride;
  g_autofree guint8 *data = download (texture, &stride);
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  g_autoptr (GHashTable) colors = g_hash_table_new (NULL, NULL);

  for (int y = 0; y < height && g_hash_table_size (colors) < limit; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = data + (gsize) y * stride + 4 * (gsize) x;
        guint32 color = (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16
                        | (guint32) p[3] << 24;
        g_hash_table_add (colors, GUINT_TO_POINTER (color));
      }
  return g_hash_table_size (colors);
}

GtkWidget *
ead_gui_test_find_label (GtkWidget *root, const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ead_gui_test_find_label (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWindow *
ead_gui_test_find_window (GType type, GtkWindow *except)
{
  g_autoptr (GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);
      if (window != except && g_type_is_a (G_OBJECT_TYPE (window), type))
        return window;
    }
  return NULL;
}

static gboolean
contains_widget (GtkWidget *root, gconstpointer widget)
{
  if ((gconstpointer) root == widget)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (contains_widget (child, widget))
      return TRUE;
  return FALSE;
}

/* GTK 4.8's file chooser path bar changes its scroll buttons' sensitivity
 * after allocating them (gtkpathbar.c, gtk_path_bar_update_slider_buttons),
 * so the frame may snapshot one before its new allocation and GTK warns;
 * the next frame draws it. That warning, for a widget of the chooser's, is
 * GTK's and not the test's: it is printed but not fatal. The widget is
 * looked for by address among the chooser's, never dereferenced, and only
 * in the thread that runs GTK. */
static GThread *gtk_thread;

static gboolean
is_chooser_glitch (GLogLevelFlags level, const GLogField *fields, gsize n_fields)
{
  const char *domain = NULL, *message = NULL;
  gpointer widget = NULL;
  int consumed = -1;

  if (!(level & G_LOG_LEVEL_WARNING) || g_thread_self () != gtk_thread)
    return FALSE;
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
      domain = fields[i].value;
    else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      message = fields[i].value;
  if (g_strcmp0 (domain, "Gtk") != 0 || message == NULL
      || sscanf (message, "Trying to snapshot %*s %p without a current allocation%n", &widget,
                 &consumed) != 1
      || consumed != (int) strlen (message))
    return FALSE;
  GtkWindow *chooser = ead_gui_test_find_window (GTK_TYPE_FILE_CHOOSER_DIALOG, NULL);
  return chooser != NULL && contains_widget (GTK_WIDGET (chooser), widget);
}

/* GTK logs through the structured API, whose default writer aborts on a
 * warning in a test without asking g_test_log_set_fatal_handler(). */
static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (is_chooser_glitch (level, fields, n_fields))
    return g_log_writer_standard_streams (level, fields, n_fields, user_data);
  return g_log_writer_default (level, fields, n_fields, user_data);
}

void
ead_gui_test_init (void)
{
  gtk_thread = g_thread_self ();
  g_log_set_writer_func (write_log, NULL, NULL);
}

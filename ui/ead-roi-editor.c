/* ead-roi-editor.c: drawing a region of interest on a reference image:
 * rectangles dragged, polygons clicked, a mask imported. */

#include "ead-roi-editor-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-rgb-surface.h"

/* A drag shorter than this, in screen pixels, is a click. */
#define CLICK_SLOP 4.0
/* A click this close to a polygon's first or last corner closes it. */
#define CLOSE_DISTANCE 8.0
/* The darkness over what is not inspected. */
#define OUTSIDE_SHADE 0.6

struct _EadRoiEditor {
  GtkWidget parent_instance;

  GtkDrawingArea *canvas;
  GtkLabel *summary;
  GtkFileChooserNative *chooser;

  int width, height;           /* the image's */
  cairo_surface_t *picture;    /* the image */
  cairo_surface_t *shade;      /* dark outside the region, or NULL */
  EadRoi *base;                /* the mask the shapes add to, or NULL */
  GPtrArray *shapes;           /* GArray of int[2] corners, closed */
  GArray *unfinished;          /* the corners of a polygon being clicked */
  gboolean dragging;
  double drag_x, drag_y, drag_dx, drag_dy;
};

G_DEFINE_FINAL_TYPE (EadRoiEditor, ead_roi_editor, GTK_TYPE_WIDGET)

typedef int Corner[2];

char *
ead_roi_describe (const EadRoi *roi)
{
  if (roi == NULL)
    return g_strdup (_("Region of interest: the whole image"));
  /* Translators: the share of the image inspected, then where the region
   * came from ("rect 10,10,200,300", "mask roi.png"). */
  return g_strdup_printf (_("Region of interest: %.0f %% of the image (%s)"),
                          100.0 * ead_roi_inspected_fraction (roi), roi->source);
}

EadRoi *
ead_roi_editor_get_roi (EadRoiEditor *self, GError **error)
{
  g_autoptr (GArray) polygons = g_array_new (FALSE, FALSE, sizeof (EadRoiPolygon));

  g_return_val_if_fail (EAD_IS_ROI_EDITOR (self), NULL);

  if (self->base == NULL && self->shapes->len == 0)
    return NULL;
  for (guint i = 0; i < self->shapes->len; i++)
    {
      GArray *corners = g_ptr_array_index (self->shapes, i);
      EadRoiPolygon polygon = { (const int (*)[2]) corners->data, corners->len };
      g_array_append_val (polygons, polygon);
    }
  return ead_roi_new_from_polygons (self->base, (EadRoiPolygon *) polygons->data, polygons->len,
                                    self->width, self->height, error);
}

/* Premultiplied black over the pixels @roi leaves out. */
static cairo_surface_t *
shade_outside (const EadRoi *roi)
{
  cairo_surface_t *shade = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, roi->width,
                                                       roi->height);
  const int stride = cairo_image_surface_get_stride (shade);
  guint8 *data = cairo_image_surface_get_data (shade);
  const guint32 dark = (guint32) (OUTSIDE_SHADE * 255) << 24;

  for (int y = 0; y < roi->height; y++)
    for (int x = 0; x < roi->width; x++)
      ((guint32 *) (data + (gsize) y * stride))[x] = roi->mask[(gsize) y * roi->width + x] ? 0
                                                                                           : dark;
  cairo_surface_mark_dirty (shade);
  return shade;
}

/* After any change: the shade, the summary, what can be undone. */
static void
region_changed (EadRoiEditor *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadRoi) roi = ead_roi_editor_get_roi (self, &error);
  g_autofree char *text = NULL;

  g_clear_pointer (&self->shade, cairo_surface_destroy);
  if (roi != NULL)
    self->shade = shade_outside (roi);
  text = error != NULL ? g_strdup (_("Nothing would be inspected: draw a larger shape"))
                       : ead_roi_describe (roi);
  gtk_label_set_text (self->summary, text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->summary), "error");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "roi.remove-last-shape",
                                 self->shapes->len > 0 || self->unfinished->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "roi.clear",
                                 self->base != NULL || self->shapes->len > 0
                                 || self->unfinished->len > 0);
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

/* The scale and offset that fit the image in the canvas, centred. */
static double
fit (EadRoiEditor *self, double *x0, double *y0)
{
  const int w = gtk_widget_get_width (GTK_WIDGET (self->canvas));
  const int h = gtk_widget_get_height (GTK_WIDGET (self->canvas));
  const double scale = self->width > 0 ? MIN ((double) w / self->width, (double) h / self->height)
                                       : 1.0;

  *x0 = (w - self->width * scale) / 2;
  *y0 = (h - self->height * scale) / 2;
  return scale;
}

/* The image pixel edge nearest to canvas point (@x, @y), kept inside. */
static void
to_image (EadRoiEditor *self, double x, double y, Corner corner)
{
  double x0, y0;
  const double scale = fit (self, &x0, &y0);

  corner[0] = CLAMP ((int) round ((x - x0) / scale), 0, self->width);
  corner[1] = CLAMP ((int) round ((y - y0) / scale), 0, self->height);
}

static void
to_canvas (EadRoiEditor *self, const int corner[2], double *x, double *y)
{
  double x0, y0;
  const double scale = fit (self, &x0, &y0);

  *x = x0 + corner[0] * scale;
  *y = y0 + corner[1] * scale;
}

static void
add_shape (EadRoiEditor *self, GArray *corners)
{
  g_ptr_array_add (self->shapes, corners);
  region_changed (self);
}

/* Adds the rectangle between two corners, clockwise from its top left. */
static void
add_rect (EadRoiEditor *self, const int a[2], const int b[2])
{
  const int left = MIN (a[0], b[0]), right = MAX (a[0], b[0]);
  const int top = MIN (a[1], b[1]), bottom = MAX (a[1], b[1]);
  const Corner corners[] = { { left, top }, { right, top }, { right, bottom }, { left, bottom } };
  GArray *rect = g_array_sized_new (FALSE, FALSE, sizeof (Corner), 4);

  if (left == right || top == bottom)
    {
      g_array_unref (rect);
      return;
    }
  g_array_append_vals (rect, corners, 4);
  add_shape (self, rect);
}

static gboolean
near (EadRoiEditor *self, const int corner[2], double x, double y)
{
  double cx, cy;

  to_canvas (self, corner, &cx, &cy);
  return hypot (cx - x, cy - y) <= CLOSE_DISTANCE;
}

/* A corner of the polygon being clicked, or its end on its first corner or
 * again on its last (the second click of a double-click). */
static void
click_at (EadRoiEditor *self, double x, double y)
{
  GArray *corners = self->unfinished;
  Corner corner;

  if (corners->len >= 3
      && (near (self, g_array_index (corners, Corner, 0), x, y)
          || near (self, g_array_index (corners, Corner, corners->len - 1), x, y)))
    {
      self->unfinished = g_array_new (FALSE, FALSE, sizeof (Corner));
      add_shape (self, corners);
      return;
    }
  to_image (self, x, y, corner);
  g_array_append_val (corners, corner);
  region_changed (self);
}

static void
drag_begun (EadRoiEditor *self, double x, double y)
{
  self->dragging = TRUE;
  self->drag_x = x;
  self->drag_y = y;
  self->drag_dx = self->drag_dy = 0;
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

static void
drag_updated (EadRoiEditor *self, double dx, double dy)
{
  self->drag_dx = dx;
  self->drag_dy = dy;
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

/* A short drag is a polygon's corner; a longer one, with no polygon being
 * clicked, a rectangle. */
static void
drag_ended (EadRoiEditor *self, double dx, double dy)
{
  Corner a, b;

  self->dragging = FALSE;
  if (hypot (dx, dy) < CLICK_SLOP || self->unfinished->len > 0)
    {
      click_at (self, self->drag_x + dx, self->drag_y + dy);
      return;
    }
  to_image (self, self->drag_x, self->drag_y, a);
  to_image (self, self->drag_x + dx, self->drag_y + dy, b);
  add_rect (self, a, b);
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, EadRoiEditor *self)
{
  drag_begun (self, x, y);
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, EadRoiEditor *self)
{
  drag_updated (self, dx, dy);
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, EadRoiEditor *self)
{
  drag_ended (self, dx, dy);
}

void
ead_roi_editor_drag (EadRoiEditor *self, int x0, int y0, int x1, int y1)
{
  const Corner from = { x0, y0 }, to = { x1, y1 };
  double fx, fy, tx, ty;

  g_return_if_fail (EAD_IS_ROI_EDITOR (self));
  to_canvas (self, from, &fx, &fy);
  to_canvas (self, to, &tx, &ty);
  drag_begun (self, fx, fy);
  drag_updated (self, tx - fx, ty - fy);
  drag_ended (self, tx - fx, ty - fy);
}

void
ead_roi_editor_click (EadRoiEditor *self, int x, int y)
{
  ead_roi_editor_drag (self, x, y, x, y);
}

/* Escape drops the polygon being clicked; otherwise it is the dialog's. */
static gboolean
escape_pressed (GtkWidget *widget, GVariant *arguments, gpointer user_data)
{
  EadRoiEditor *self = user_data;

  if (self->unfinished->len == 0)
    return FALSE;
  g_array_set_size (self->unfinished, 0);
  region_changed (self);
  return TRUE;
}

static void
trace (EadRoiEditor *self, cairo_t *cr, GArray *corners, gboolean closed)
{
  cairo_new_sub_path (cr);
  for (guint i = 0; i < corners->len; i++)
    {
      double x, y;
      to_canvas (self, g_array_index (corners, Corner, i), &x, &y);
      cairo_line_to (cr, x, y);
    }
  if (closed)
    cairo_close_path (cr);
}

/* Each line twice, dark under light, to show on any image. */
static void
stroke_visibly (cairo_t *cr)
{
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_set_line_width (cr, 3.5);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 0.96, 0.83, 0.18);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

static void
draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  EadRoiEditor *self = user_data;
  double x0, y0, scale;

  if (self->picture == NULL)
    return;
  scale = fit (self, &x0, &y0);
  cairo_save (cr);
  cairo_translate (cr, x0, y0);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, self->picture, 0, 0);
  cairo_paint (cr);
  if (self->shade != NULL)
    {
      cairo_set_source_surface (cr, self->shade, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
    }
  cairo_restore (cr);

  for (guint i = 0; i < self->shapes->len; i++)
    trace (self, cr, g_ptr_array_index (self->shapes, i), TRUE);
  trace (self, cr, self->unfinished, FALSE);
  if (self->dragging && self->unfinished->len == 0)
    cairo_rectangle (cr, self->drag_x, self->drag_y, self->drag_dx, self->drag_dy);
  stroke_visibly (cr);
  for (guint i = 0; i < self->unfinished->len; i++)
    {
      double x, y;
      to_canvas (self, g_array_index (self->unfinished, Corner, i), &x, &y);
      cairo_rectangle (cr, x - 3, y - 3, 6, 6);
    }
  stroke_visibly (cr);
}
static void
forget_shapes (EadRoiEditor *self)
{
  g_ptr_array_set_size (self->shapes, 0);
  g_array_set_size (self->unfinished, 0);
}

void
ead_roi_editor_set_image (EadRoiEditor *self, const EadImage *image, const EadRoi *region)
{
  g_return_if_fail (EAD_IS_ROI_EDITOR (self));
  g_return_if_fail (image != NULL);

  g_clear_pointer (&self->picture, cairo_surface_destroy);
  self->picture = ead_rgb_surface_new (ead_image_get_pixels (image), ead_image_get_width (image),
                                       ead_image_get_height (image),
                                       3 * (gsize) ead_image_get_width (image));
  self->width = ead_image_get_width (image);
  self->height = ead_image_get_height (image);
  g_clear_pointer (&self->base, ead_roi_free);
  self->base = region != NULL ? ead_roi_copy (region) : NULL;
  forget_shapes (self);
  region_changed (self);
}

static void
remove_last_shape_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadRoiEditor *self = EAD_ROI_EDITOR (widget);

  if (self->unfinished->len > 0)
    g_array_set_size (self->unfinished, 0);
  else if (self->shapes->len > 0)
    g_ptr_array_set_size (self->shapes, self->shapes->len - 1);
  region_changed (self);
}

static void
clear_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadRoiEditor *self = EAD_ROI_EDITOR (widget);

  g_clear_pointer (&self->base, ead_roi_free);
  forget_shapes (self);
  region_changed (self);
}

/* The mask chosen replaces the one imported before (or the region the
 * editor started from); the shapes drawn stay and add to it. */
static void
mask_chosen (GtkNativeDialog *chooser, int response, EadRoiEditor *self)
{
  g_autoptr (GFile) file = response == GTK_RESPONSE_ACCEPT
                             ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))
                             : NULL;
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
  g_autoptr (GError) error = NULL;
  EadRoi *mask = NULL;

  g_clear_object (&self->chooser);
  if (path == NULL)
    return;
  mask = ead_roi_new_from_image_file (path, &error);
  /* Said here, the window's banner being behind the dialog. */
  if (mask == NULL)
    {
      gtk_label_set_text (self->summary, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->summary), "error");
      return;
    }
  g_clear_pointer (&self->base, ead_roi_free);
  self->base = mask;
  region_changed (self);
}

static void
import_mask_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  EadRoiEditor *self = EAD_ROI_EDITOR (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Import Mask"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_set_name (filter, _("Images"));
  gtk_file_filter_add_pixbuf_formats (filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (mask_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static GtkWidget *
action_button (const char *label, const char *action, const char *tooltip)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_set_tooltip_text (button, tooltip);
  return button;
}

static GtkWidget *
make_toolbar (void)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *hint = gtk_label_new (_("Drag for a rectangle; click corners for a polygon and "
                                     "double-click to close it"));

  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (hint), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_set_hexpand (hint, TRUE);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (GTK_BOX (toolbar), hint);
  gtk_box_append (GTK_BOX (toolbar),
                  action_button (_("_Remove Last Shape"), "roi.remove-last-shape",
                                 _("Remove the shape drawn last")));
  gtk_box_append (GTK_BOX (toolbar),
                  action_button (_("C_lear"), "roi.clear",
                                 _("Remove every shape and mask: the whole image is inspected")));
  gtk_box_append (GTK_BOX (toolbar),
                  action_button (_("Import _Mask…"), "roi.import-mask",
                                 _("An image whose light pixels are inspected")));
  return toolbar;
}

static void
ead_roi_editor_dispose (GObject *object)
{
  EadRoiEditor *self = EAD_ROI_EDITOR (object);
  GtkWidget *child;

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ead_roi_editor_parent_class)->dispose (object);
}

static void
ead_roi_editor_finalize (GObject *object)
{
  EadRoiEditor *self = EAD_ROI_EDITOR (object);

  g_clear_pointer (&self->picture, cairo_surface_destroy);
  g_clear_pointer (&self->shade, cairo_surface_destroy);
  g_clear_pointer (&self->base, ead_roi_free);
  g_ptr_array_unref (self->shapes);
  g_array_unref (self->unfinished);

  G_OBJECT_CLASS (ead_roi_editor_parent_class)->finalize (object);
}

static void
ead_roi_editor_class_init (EadRoiEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ead_roi_editor_dispose;
  object_class->finalize = ead_roi_editor_finalize;
  gtk_widget_class_install_action (widget_class, "roi.remove-last-shape", NULL,
                                   remove_last_shape_activated);
  gtk_widget_class_install_action (widget_class, "roi.clear", NULL, clear_activated);
  gtk_widget_class_install_action (widget_class, "roi.import-mask", NULL, import_mask_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

/* The image to draw on: a drag, clicks and Escape. */
static GtkWidget *
make_canvas (EadRoiEditor *self)
{
  GtkWidget *canvas = gtk_drawing_area_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *keys = gtk_shortcut_controller_new ();

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (canvas), 560);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (canvas), 400);
  gtk_widget_set_hexpand (canvas, TRUE);
  gtk_widget_set_vexpand (canvas, TRUE);
  gtk_widget_set_focusable (canvas, TRUE);
  gtk_widget_set_cursor_from_name (canvas, "crosshair");
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (canvas), draw, self, NULL);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (canvas, GTK_EVENT_CONTROLLER (drag));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                       gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                         gtk_callback_action_new (escape_pressed,
                                                                                  self, NULL)));
  gtk_widget_add_controller (canvas, keys);
  return canvas;
}

static void
ead_roi_editor_init (EadRoiEditor *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);
  self->shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  self->unfinished = g_array_new (FALSE, FALSE, sizeof (Corner));

  gtk_widget_set_parent (make_toolbar (), GTK_WIDGET (self));
  self->canvas = GTK_DRAWING_AREA (make_canvas (self));
  gtk_widget_set_parent (GTK_WIDGET (self->canvas), GTK_WIDGET (self));
  self->summary = GTK_LABEL (gtk_label_new (NULL));
  g_object_set (self->summary, "xalign", 0.0f, "wrap", TRUE, "wrap-mode", PANGO_WRAP_WORD_CHAR,
                NULL);
  gtk_widget_set_parent (GTK_WIDGET (self->summary), GTK_WIDGET (self));
  region_changed (self);
}

GtkWidget *
ead_roi_editor_new (void)
{
  return g_object_new (EAD_TYPE_ROI_EDITOR, NULL);
}

/* ead-heatmap-view.c: an image and its anomaly maps side by side. */

#include "ead-heatmap-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ead-heatmap.h"
#include "ead-plot.h"
#include "ead-rgb-surface.h"

#define PADDING 6.0
#define GAP 6.0
#define LEGEND_BAR_HEIGHT 12.0
#define MAX_ZOOM 64.0
#define N_MAPS 3
/* The mask outline's colour: green, apart from every colour of the ramp. */
#define OUTLINE_RGB 0.2, 1.0, 0.4

typedef struct {
  double x, y, width, height;
} Rect;

typedef struct {
  Rect panels[EAD_HEATMAP_N_PANELS];
  double title_y;
  Rect legend_bar;
  double scale; /* widget pixels per image pixel */
} Layout;

struct _EadHeatmapView {
  GtkWidget parent_instance;

  cairo_surface_t *image;
  int width, height;

  float *maps[N_MAPS];
  double scores[N_MAPS];   /* each map's own maximum, NaN where not known */
  cairo_surface_t *overlays[N_MAPS];
  int map_width, map_height;
  double data_low, data_high;

  cairo_path_t *outline;
  int mask_width, mask_height;
  gboolean show_mask;

  gboolean has_range;
  double low, high;
  double opacity;
  double zoom;
  double center_x, center_y;

  double pointer_x, pointer_y;
  double drag_center_x, drag_center_y;
};

G_DEFINE_FINAL_TYPE (EadHeatmapView, ead_heatmap_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_OPACITY,
  PROP_ZOOM,
  PROP_SHOW_MASK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
panel_title (EadHeatmapPanel panel)
{
  switch (panel)
    {
    case EAD_HEATMAP_PANEL_ORIGINAL:
      return _("Original");
    case EAD_HEATMAP_PANEL_LOCAL:
      return _("Local");
    case EAD_HEATMAP_PANEL_GLOBAL:
      return _("Global");
    case EAD_HEATMAP_PANEL_FUSED:
      return _("Fused");
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
current_range (EadHeatmapView *self, double *low, double *high)
{
  if (self->has_range)
    {
      *low = self->low;
      *high = self->high;
    }
  else
    {
      *low = self->data_low;
      *high = self->data_high > self->data_low ? self->data_high : self->data_low + 1.0;
    }
}

static void
compute_layout (EadHeatmapView *self, Layout *layout)
{
  GtkWidget *widget = GTK_WIDGET (self);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double text = ead_plot_text_height (widget);
  double title_height = text + 4.0;
  double legend_height = 8.0 + LEGEND_BAR_HEIGHT + 2.0 + text;
  double panel_width = MAX (1.0, (width - 2 * PADDING - (EAD_HEATMAP_N_PANELS - 1) * GAP)
                                  / EAD_HEATMAP_N_PANELS);
  double panel_height = MAX (1.0, height - 2 * PADDING - title_height - legend_height);

  layout->title_y = PADDING;
  for (int i = 0; i < EAD_HEATMAP_N_PANELS; i++)
    {
      layout->panels[i].x = PADDING + i * (panel_width + GAP);
      layout->panels[i].y = PADDING + title_height;
      layout->panels[i].width = panel_width;
      layout->panels[i].height = panel_height;
    }

  double bar_width = MIN (360.0, width / 2);
  layout->legend_bar.x = (width - bar_width) / 2;
  layout->legend_bar.y = PADDING + title_height + panel_height + 8.0;
  layout->legend_bar.width = bar_width;
  layout->legend_bar.height = LEGEND_BAR_HEIGHT;

  if (self->image != NULL)
    layout->scale = self->zoom * MIN (panel_width / self->width, panel_height / self->height);
  else
    layout->scale = 1.0;
}

/* Keeps the image covering the panels: a centre closer to an edge than half
 * a panel would show empty space beside a zoomed image. */
static void
clamp_center (EadHeatmapView *self, const Layout *layout)
{
  double half_width = layout->panels[0].width / 2 / layout->scale;
  double half_height = layout->panels[0].height / 2 / layout->scale;

  if (self->image == NULL)
    return;
  if (2 * half_width >= self->width)
    self->center_x = self->width / 2.0;
  else
    self->center_x = CLAMP (self->center_x, half_width, self->width - half_width);
  if (2 * half_height >= self->height)
    self->center_y = self->height / 2.0;
  else
    self->center_y = CLAMP (self->center_y, half_height, self->height - half_height);
}

static cairo_surface_t *
build_overlay (const float *map, int width, int height, double low, double high)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  int stride = cairo_image_surface_get_stride (surface);
  double range = high > low ? high - low : 1.0;

  cairo_surface_flush (surface);
  guint8 *data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < height; y++)
    {
      guint32 *row = (guint32 *) (data + (gsize) y * stride);
      for (int x = 0; x < width; x++)
        {
          double value = map[(gsize) y * width + x];
          double t = isnan (value) ? 0.0 : CLAMP ((value - low) / range, 0.0, 1.0);
          guint8 rgb[3];
          ead_heatmap_color (t, rgb);
          /* Coverage grows with the score, as in ead_heatmap_overlay(), so
           * that painting this with the view's opacity gives its blend. */
          guint32 alpha = (guint32) lround (t * 255);
          guint32 r = (rgb[0] * alpha + 127) / 255;
          guint32 g = (rgb[1] * alpha + 127) / 255;
          guint32 b = (rgb[2] * alpha + 127) / 255;
          row[x] = alpha << 24 | r << 16 | g << 8 | b;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static void
clear_overlays (EadHeatmapView *self)
{
  for (int i = 0; i < N_MAPS; i++)
    g_clear_pointer (&self->overlays[i], cairo_surface_destroy);
}

static void
ensure_overlays (EadHeatmapView *self)
{
  double low, high;

  current_range (self, &low, &high);
  for (int i = 0; i < N_MAPS; i++)
    if (self->maps[i] != NULL && self->overlays[i] == NULL)
      self->overlays[i] = build_overlay (self->maps[i], self->map_width, self->map_height, low,
                                         high);
}

/* The boundary between mask and background pixels as line segments in mask
 * pixel coordinates, runs along a row or column merged into one segment. */
static cairo_path_t *
build_outline (const guint8 *mask, int width, int height)
{
  cairo_surface_t *scratch = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  cairo_t *cr = cairo_create (scratch);

#define INSIDE(x, y) ((x) >= 0 && (y) >= 0 && (x) < width && (y) < height \
                      && mask[(gsize) (y) * width + (x)] != 0)
  for (int y = 0; y <= height; y++)
    for (int x = 0; x < width; x++)
      if (INSIDE (x, y - 1) != INSIDE (x, y))
        {
          int start = x;
          while (x + 1 < width && INSIDE (x + 1, y - 1) != INSIDE (x + 1, y))
            x++;
          cairo_move_to (cr, start, y);
          cairo_line_to (cr, x + 1, y);
        }
  for (int x = 0; x <= width; x++)
    for (int y = 0; y < height; y++)
      if (INSIDE (x - 1, y) != INSIDE (x, y))
        {
          int start = y;
          while (y + 1 < height && INSIDE (x - 1, y + 1) != INSIDE (x, y + 1))
            y++;
          cairo_move_to (cr, x, start);
          cairo_line_to (cr, x, y + 1);
        }
#undef INSIDE

  cairo_path_t *path = cairo_copy_path (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (scratch);
  return path;
}

static void
draw_panel (EadHeatmapView *self, cairo_t *cr, const Layout *layout, EadHeatmapPanel panel)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const Rect *r = &layout->panels[panel];
  cairo_surface_t *overlay = panel == EAD_HEATMAP_PANEL_ORIGINAL ? NULL : self->overlays[panel - 1];
  GdkRGBA foreground;

  ead_plot_get_foreground (widget, &foreground);
  gdk_cairo_set_source_rgba (cr, &foreground);
  g_autofree char *title = ead_heatmap_view_dup_title (self, panel);
  ead_plot_draw_text (widget, cr, title, r->x + r->width / 2, layout->title_y, 0.5, 0.0);

  cairo_save (cr);
  cairo_rectangle (cr, r->x, r->y, r->width, r->height);
  cairo_clip (cr);
  cairo_set_source_rgb (cr, 0.14, 0.14, 0.14);
  cairo_paint (cr);

  if (self->image != NULL)
    {
      cairo_filter_t filter = layout->scale >= 2.0 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD;

      cairo_save (cr);
      cairo_translate (cr, r->x + r->width / 2, r->y + r->height / 2);
      cairo_scale (cr, layout->scale, layout->scale);
      cairo_translate (cr, -self->center_x, -self->center_y);

      cairo_set_source_surface (cr, self->image, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), filter);
      cairo_rectangle (cr, 0, 0, self->width, self->height);
      cairo_fill (cr);

      if (overlay != NULL)
        {
          cairo_save (cr);
          cairo_scale (cr, (double) self->width / self->map_width,
                       (double) self->height / self->map_height);
          cairo_set_source_surface (cr, overlay, 0, 0);
          cairo_pattern_set_filter (cairo_get_source (cr), filter);
          cairo_rectangle (cr, 0, 0, self->map_width, self->map_height);
          cairo_clip (cr);
          cairo_paint_with_alpha (cr, self->opacity);
          cairo_restore (cr);
        }

      if (self->outline != NULL && self->show_mask)
        {
          cairo_save (cr);
          cairo_scale (cr, (double) self->width / self->mask_width,
                       (double) self->height / self->mask_height);
          cairo_append_path (cr, self->outline);
          cairo_identity_matrix (cr);
          cairo_set_line_width (cr, 1.5);
          cairo_set_source_rgb (cr, OUTLINE_RGB);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
      cairo_restore (cr);
    }

  if (panel != EAD_HEATMAP_PANEL_ORIGINAL && overlay == NULL)
    {
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.55);
      cairo_paint (cr);
      cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
      ead_plot_draw_text (widget, cr, _("No map"), r->x + r->width / 2, r->y + r->height / 2,
                          0.5, 0.5);
    }
  cairo_restore (cr);
}

static void
draw_legend (EadHeatmapView *self, cairo_t *cr, const Layout *layout)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const Rect *bar = &layout->legend_bar;
  double low, high, step, ticks[16];
  GdkRGBA foreground;

  current_range (self, &low, &high);
  ead_plot_get_foreground (widget, &foreground);

  /* Stops at every sixteenth follow the ramp closely. */
  cairo_pattern_t *gradient = cairo_pattern_create_linear (bar->x, 0, bar->x + bar->width, 0);
  for (int i = 0; i <= 16; i++)
    {
      guint8 rgb[3];
      ead_heatmap_color (i / 16.0, rgb);
      cairo_pattern_add_color_stop_rgb (gradient, i / 16.0, rgb[0] / 255.0, rgb[1] / 255.0,
                                        rgb[2] / 255.0);
    }
  cairo_rectangle (cr, bar->x, bar->y, bar->width, bar->height);
  cairo_set_source (cr, gradient);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);

  gdk_cairo_set_source_rgba (cr, &foreground);
  ead_plot_draw_text (widget, cr, _("Anomaly score"), bar->x - 8.0, bar->y + bar->height / 2,
                      1.0, 0.5);

  guint n = ead_plot_linear_ticks (low, high, 5, ticks, G_N_ELEMENTS (ticks), &step);
  cairo_set_line_width (cr, 1.0);
  for (guint i = 0; i < n; i++)
    {
      double x = round (bar->x + (ticks[i] - low) / (high - low) * bar->width) + 0.5;
      g_autofree char *label = ead_plot_format_tick (ticks[i], step);

      cairo_move_to (cr, x, bar->y + bar->height - 3.0);
      cairo_line_to (cr, x, bar->y + bar->height + 2.0);
      cairo_stroke (cr);
      ead_plot_draw_text (widget, cr, label, x, bar->y + bar->height + 2.0, 0.5, 0.0);
    }

  if (self->outline != NULL && self->show_mask)
    {
      double x = bar->x + bar->width + 16.0, y = bar->y + bar->height / 2;

      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x + 16.0, y);
      cairo_set_line_width (cr, 2.0);
      cairo_set_source_rgb (cr, OUTLINE_RGB);
      cairo_stroke (cr);
      gdk_cairo_set_source_rgba (cr, &foreground);
      ead_plot_draw_text (widget, cr, _("Defect mask"), x + 22.0, y, 0.0, 0.5);
    }
}

static void
ead_heatmap_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  EadHeatmapView *self = EAD_HEATMAP_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  Layout layout;

  if (width <= 0 || height <= 0)
    return;

  compute_layout (self, &layout);
  clamp_center (self, &layout);
  ensure_overlays (self);

  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  for (int panel = 0; panel < EAD_HEATMAP_N_PANELS; panel++)
    draw_panel (self, cr, &layout, panel);
  if (self->maps[0] != NULL || self->maps[1] != NULL || self->maps[2] != NULL)
    draw_legend (self, cr, &layout);
  cairo_destroy (cr);
}

static void
ead_heatmap_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *minimum_baseline,
                          int *natural_baseline)
{
  double text = ead_plot_text_height (widget);
  double chrome = 2 * PADDING + text + 4.0 + 8.0 + LEGEND_BAR_HEIGHT + 2.0 + text;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) (2 * PADDING + 3 * GAP + EAD_HEATMAP_N_PANELS * 48);
      *natural = (int) (2 * PADDING + 3 * GAP + EAD_HEATMAP_N_PANELS * 256);
    }
  else
    {
      *minimum = (int) ceil (chrome + 48);
      *natural = (int) ceil (chrome + 256);
    }
}

gboolean
ead_heatmap_view_pick (EadHeatmapView *self, double x, double y, EadHeatmapPanel *panel,
                       int *image_x, int *image_y)
{
  Layout layout;

  g_return_val_if_fail (EAD_IS_HEATMAP_VIEW (self), FALSE);

  if (self->image == NULL)
    return FALSE;
  compute_layout (self, &layout);
  clamp_center (self, &layout);
  for (int i = 0; i < EAD_HEATMAP_N_PANELS; i++)
    {
      const Rect *r = &layout.panels[i];
      if (x < r->x || y < r->y || x >= r->x + r->width || y >= r->y + r->height)
        continue;

      double ix = self->center_x + (x - (r->x + r->width / 2)) / layout.scale;
      double iy = self->center_y + (y - (r->y + r->height / 2)) / layout.scale;
      if (ix < 0 || iy < 0 || ix >= self->width || iy >= self->height)
        return FALSE;
      if (panel != NULL)
        *panel = i;
      if (image_x != NULL)
        *image_x = (int) ix;
      if (image_y != NULL)
        *image_y = (int) iy;
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard_mode, GtkTooltip *tooltip)
{
  EadHeatmapView *self = EAD_HEATMAP_VIEW (widget);
  EadHeatmapPanel panel;
  int ix, iy;
  g_autofree char *text = NULL;

  if (!ead_heatmap_view_pick (self, x, y, &panel, &ix, &iy))
    return FALSE;

  const float *map = panel == EAD_HEATMAP_PANEL_ORIGINAL ? NULL : self->maps[panel - 1];
  if (map != NULL)
    {
      int mx = ix * self->map_width / self->width, my = iy * self->map_height / self->height;
      /* Translators: a heatmap panel's name, the score under the pointer and
       * the image pixel it is at. */
      text = g_strdup_printf (_("%s: %.4g at (%d, %d)"), panel_title (panel),
                              map[(gsize) my * self->map_width + mx], ix, iy);
    }
  else
    {
      /* Translators: a heatmap panel's name and the image pixel under the pointer. */
      text = g_strdup_printf (_("%s at (%d, %d)"), panel_title (panel), ix, iy);
    }
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* Zooms by @factor keeping the image point under the widget point (x, y)
 * where it is. */
static void
zoom_at (EadHeatmapView *self, double x, double y, double factor)
{
  Layout layout;
  double zoom = CLAMP (self->zoom * factor, 1.0, MAX_ZOOM);

  if (self->image == NULL || zoom == self->zoom)
    return;

  compute_layout (self, &layout);
  clamp_center (self, &layout);
  const Rect *r = &layout.panels[0];
  for (int i = 0; i < EAD_HEATMAP_N_PANELS; i++)
    if (x >= layout.panels[i].x && x < layout.panels[i].x + layout.panels[i].width)
      r = &layout.panels[i];

  double dx = x - (r->x + r->width / 2), dy = y - (r->y + r->height / 2);
  double ix = self->center_x + dx / layout.scale, iy = self->center_y + dy / layout.scale;
  double scale = layout.scale * zoom / self->zoom;

  self->center_x = ix - dx / scale;
  self->center_y = iy - dy / scale;
  self->zoom = zoom;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, EadHeatmapView *self)
{
  zoom_at (self, self->pointer_x, self->pointer_y, pow (1.25, -dy));
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, EadHeatmapView *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, EadHeatmapView *self)
{
  self->drag_center_x = self->center_x;
  self->drag_center_y = self->center_y;
}

static void
on_drag_update (GtkGestureDrag *gesture, double offset_x, double offset_y, EadHeatmapView *self)
{
  Layout layout;

  compute_layout (self, &layout);
  ead_heatmap_view_set_center (self, self->drag_center_x - offset_x / layout.scale,
                               self->drag_center_y - offset_y / layout.scale);
}

static void
on_pressed (GtkGestureClick *gesture, int n_press, double x, double y, EadHeatmapView *self)
{
  if (n_press == 2)
    {
      ead_heatmap_view_set_zoom (self, 1.0);
      ead_heatmap_view_set_center (self, self->width / 2.0, self->height / 2.0);
    }
}

static void
clear_maps (EadHeatmapView *self)
{
  clear_overlays (self);
  for (int i = 0; i < N_MAPS; i++)
    {
      g_clear_pointer (&self->maps[i], g_free);
      self->scores[i] = NAN;
    }
}

static void
ead_heatmap_view_finalize (GObject *object)
{
  EadHeatmapView *self = EAD_HEATMAP_VIEW (object);

  clear_maps (self);
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_clear_pointer (&self->outline, cairo_path_destroy);

  G_OBJECT_CLASS (ead_heatmap_view_parent_class)->finalize (object);
}

static void
ead_heatmap_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EadHeatmapView *self = EAD_HEATMAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_OPACITY:
      g_value_set_double (value, self->opacity);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_SHOW_MASK:
      g_value_set_boolean (value, self->show_mask);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ead_heatmap_view_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  EadHeatmapView *self = EAD_HEATMAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_OPACITY:
      ead_heatmap_view_set_opacity (self, g_value_get_double (value));
      break;
    case PROP_ZOOM:
      ead_heatmap_view_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_SHOW_MASK:
      ead_heatmap_view_set_show_mask (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ead_heatmap_view_class_init (EadHeatmapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ead_heatmap_view_finalize;
  object_class->get_property = ead_heatmap_view_get_property;
  object_class->set_property = ead_heatmap_view_set_property;
  widget_class->snapshot = ead_heatmap_view_snapshot;
  widget_class->measure = ead_heatmap_view_measure;
  widget_class->query_tooltip = on_query_tooltip;

  properties[PROP_OPACITY] =
    g_param_spec_double ("opacity", NULL, NULL, 0.0, 1.0, 0.6,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, 1.0, MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_MASK] =
    g_param_spec_boolean ("show-mask", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "heatmapview");
}

static void
ead_heatmap_view_init (EadHeatmapView *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  self->opacity = 0.6;
  self->zoom = 1.0;
  for (int i = 0; i < N_MAPS; i++)
    self->scores[i] = NAN;
  self->show_mask = TRUE;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_drag_new ();
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

GtkWidget *
ead_heatmap_view_new (void)
{
  return g_object_new (EAD_TYPE_HEATMAP_VIEW, NULL);
}

void
ead_heatmap_view_set_image (EadHeatmapView *self, const guint8 *rgb, int width, int height,
                            gsize stride)
{
  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));
  g_return_if_fail (rgb == NULL || (width > 0 && height > 0 && stride >= 3 * (gsize) width));

  g_clear_pointer (&self->image, cairo_surface_destroy);
  if (rgb == NULL)
    {
      clear_maps (self);
      g_clear_pointer (&self->outline, cairo_path_destroy);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  self->image = ead_rgb_surface_new (rgb, width, height, stride);

  self->width = width;
  self->height = height;
  self->center_x = width / 2.0;
  self->center_y = height / 2.0;
  if (self->zoom != 1.0)
    {
      self->zoom = 1.0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_heatmap_view_set_maps (EadHeatmapView *self, const float *local, const float *global,
                           const float *fused, int width, int height)
{
  const float *maps[N_MAPS] = { local, global, fused };
  gsize n = (gsize) width * height;

  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));
  g_return_if_fail ((local == NULL && global == NULL && fused == NULL) || (width > 0 && height > 0));

  clear_maps (self);
  self->map_width = width;
  self->map_height = height;
  self->data_low = INFINITY;
  self->data_high = -INFINITY;
  for (int i = 0; i < N_MAPS; i++)
    {
      if (maps[i] == NULL)
        continue;
      self->maps[i] = g_memdup2 (maps[i], n * sizeof (float));
      for (gsize j = 0; j < n; j++)
        if (!isnan (maps[i][j]))
          {
            self->data_low = MIN (self->data_low, maps[i][j]);
            self->data_high = MAX (self->data_high, maps[i][j]);
          }
    }
  if (!isfinite (self->data_low) || !isfinite (self->data_high))
    self->data_low = self->data_high = 0.0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_heatmap_view_set_mask (EadHeatmapView *self, const guint8 *mask, int width, int height)
{
  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));
  g_return_if_fail (mask == NULL || (width > 0 && height > 0));

  g_clear_pointer (&self->outline, cairo_path_destroy);
  if (mask != NULL)
    {
      self->outline = build_outline (mask, width, height);
      self->mask_width = width;
      self->mask_height = height;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_heatmap_view_set_range (EadHeatmapView *self, double low, double high)
{
  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));

  self->has_range = high > low;
  self->low = low;
  self->high = high;
  clear_overlays (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_heatmap_view_get_range (EadHeatmapView *self, double *low, double *high)
{
  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));

  current_range (self, low, high);
}

void
ead_heatmap_view_set_opacity (EadHeatmapView *self, double opacity)
{
  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));

  opacity = CLAMP (opacity, 0.0, 1.0);
  if (opacity == self->opacity)
    return;
  self->opacity = opacity;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
}

double
ead_heatmap_view_get_opacity (EadHeatmapView *self)
{
  g_return_val_if_fail (EAD_IS_HEATMAP_VIEW (self), 0.0);

  return self->opacity;
}

void
ead_heatmap_view_set_zoom (EadHeatmapView *self, double zoom)
{
  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));

  zoom = CLAMP (zoom, 1.0, MAX_ZOOM);
  if (zoom == self->zoom)
    return;
  self->zoom = zoom;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

double
ead_heatmap_view_get_zoom (EadHeatmapView *self)
{
  g_return_val_if_fail (EAD_IS_HEATMAP_VIEW (self), 1.0);

  return self->zoom;
}

void
ead_heatmap_view_set_center (EadHeatmapView *self, double x, double y)
{
  Layout layout;

  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));

  self->center_x = x;
  self->center_y = y;
  compute_layout (self, &layout);
  clamp_center (self, &layout);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ead_heatmap_view_get_center (EadHeatmapView *self, double *x, double *y)
{
  Layout layout;

  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));

  compute_layout (self, &layout);
  clamp_center (self, &layout);
  *x = self->center_x;
  *y = self->center_y;
}

void
ead_heatmap_view_set_show_mask (EadHeatmapView *self, gboolean show_mask)
{
  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));

  show_mask = !!show_mask;
  if (show_mask == self->show_mask)
    return;
  self->show_mask = show_mask;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_MASK]);
}

gboolean
ead_heatmap_view_get_show_mask (EadHeatmapView *self)
{
  g_return_val_if_fail (EAD_IS_HEATMAP_VIEW (self), FALSE);

  return self->show_mask;
}

void
ead_heatmap_view_set_scores (EadHeatmapView *self, double local, double global, double fused)
{
  g_return_if_fail (EAD_IS_HEATMAP_VIEW (self));

  self->scores[0] = local;
  self->scores[1] = global;
  self->scores[2] = fused;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

char *
ead_heatmap_view_dup_title (EadHeatmapView *self, EadHeatmapPanel panel)
{
  g_return_val_if_fail (EAD_IS_HEATMAP_VIEW (self), NULL);
  g_return_val_if_fail (panel <= EAD_HEATMAP_PANEL_FUSED, NULL);

  if (panel == EAD_HEATMAP_PANEL_ORIGINAL || isnan (self->scores[panel - 1]))
    return g_strdup (panel_title (panel));
  /* Translators: a heatmap panel's name and its map's own maximum. */
  return g_strdup_printf (_("%s %.4f"), panel_title (panel), self->scores[panel - 1]);
}

/* test-gui-heatmap-view.c: the four-panel heatmap view, drawn under Xvfb. */

#include <math.h>
#include <string.h>

#include "ead-gui-test.h"
#include "ead-heatmap-view.h"
#include "ead-heatmap.h"

#define SIZE 64
#define BLOCK 16

typedef struct {
  guint8 image[SIZE * SIZE * 3];
  float local[SIZE * SIZE];
  float global[SIZE * SIZE];
  float fused[SIZE * SIZE];
  guint8 mask[SIZE * SIZE];
} Data;

/* A grey gradient under maps that are constant over 16 x 16 blocks, and a
 * square mask, so that colours can be checked away from block edges. */
static void
make_data (Data *data)
{
  for (int y = 0; y < SIZE; y++)
    for (int x = 0; x < SIZE; x++)
      {
        int i = y * SIZE + x;
        int bx = x / BLOCK, by = y / BLOCK;
        guint8 grey = (guint8) (40 + 2 * x + y);

        data->image[3 * i] = grey;
        data->image[3 * i + 1] = grey;
        data->image[3 * i + 2] = (guint8) (grey / 2);
        data->local[i] = bx / 3.0f;
        data->global[i] = by / 3.0f;
        data->fused[i] = (bx + by) / 6.0f;
        data->mask[i] = x >= 20 && x < 44 && y >= 20 && y < 44;
      }
}

static EadHeatmapView *
new_view (Data *data)
{
  EadHeatmapView *view = EAD_HEATMAP_VIEW (ead_heatmap_view_new ());

  make_data (data);
  ead_heatmap_view_set_image (view, data->image, SIZE, SIZE, 3 * SIZE);
  ead_heatmap_view_set_maps (view, data->local, data->global, data->fused, SIZE, SIZE);
  ead_heatmap_view_set_range (view, 0.0, 1.0);
  return view;
}

static gboolean
near (const guint8 *a, const guint8 *b, int tolerance)
{
  for (int c = 0; c < 3; c++)
    if (ABS (a[c] - b[c]) > tolerance)
      return FALSE;
  return TRUE;
}

/* Every panel pixel well inside a map block has the colour of the command
 * line's overlay (ead_heatmap_overlay()) at that image pixel. */
static void
test_colors_match_cli (void)
{
  g_autofree Data *data = g_new0 (Data, 1);
  EadHeatmapView *view = new_view (data);
  double opacity = 0.6;

  ead_heatmap_view_set_show_mask (view, FALSE);
  ead_heatmap_view_set_opacity (view, opacity);
  GtkWindow *window = ead_gui_test_show (GTK_WIDGET (view), 4 * 150, 220);
  g_autoptr (GdkTexture) texture = ead_gui_test_snapshot (GTK_WIDGET (view), "heatmap-view-plain");
  g_autofree guint8 *shown = ead_gui_test_rgb (texture);
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);

  g_autoptr (EadImage) image = ead_image_new_from_rgb8 (data->image, SIZE, SIZE, 3 * SIZE);
  const float *maps[] = { NULL, data->local, data->global, data->fused };
  EadImage *expected[EAD_HEATMAP_N_PANELS] = { NULL };
  for (int p = 1; p < EAD_HEATMAP_N_PANELS; p++)
    expected[p] = ead_heatmap_overlay (image, maps[p], 0.0, 1.0, opacity);

  guint checked[EAD_HEATMAP_N_PANELS] = { 0 };
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        EadHeatmapPanel panel;
        int ix, iy;

        if (!ead_heatmap_view_pick (view, x + 0.5, y + 0.5, &panel, &ix, &iy))
          continue;
        if (ix % BLOCK < 2 || ix % BLOCK > BLOCK - 3 || iy % BLOCK < 2 || iy % BLOCK > BLOCK - 3)
          continue;
        const guint8 *want = panel == EAD_HEATMAP_PANEL_ORIGINAL
                               ? data->image + 3 * (iy * SIZE + ix)
                               : ead_image_get_pixels (expected[panel]) + 3 * (iy * SIZE + ix);
        const guint8 *got = shown + 3 * ((gsize) y * width + x);
        /* The gradient changes by 3 levels per image pixel, which a
         * resampled pixel may blend. */
        if (!near (got, want, 8))
          g_error ("panel %d, image pixel (%d, %d): shown %u,%u,%u, expected %u,%u,%u", panel, ix,
                   iy, got[0], got[1], got[2], want[0], want[1], want[2]);
        checked[panel]++;
      }
  for (int p = 0; p < EAD_HEATMAP_N_PANELS; p++)
    {
      g_assert_cmpuint (checked[p], >, 1000);
      g_clear_pointer (&expected[p], ead_image_free);
    }
  gtk_window_destroy (window);
}

static void
test_legend_and_mask (void)
{
  g_autofree Data *data = g_new0 (Data, 1);
  EadHeatmapView *view = new_view (data);
  static const guint8 outline[3] = { 51, 255, 102 };
  guint8 ramp_start[3];

  ead_heatmap_color (0.0, ramp_start);
  ead_heatmap_view_set_mask (view, data->mask, SIZE, SIZE);
  GtkWindow *window = ead_gui_test_show (GTK_WIDGET (view), 4 * 220, 300);
  g_autoptr (GdkTexture) texture = ead_gui_test_snapshot (GTK_WIDGET (view), "heatmap-view");

  /* The outline is drawn in every panel; the legend starts with the ramp's
   * first colour, which the see-through overlays never show. */
  g_assert_cmpuint (ead_gui_test_count_color (texture, outline, 30), >, 4 * 4 * 60);
  g_assert_cmpuint (ead_gui_test_count_color (texture, ramp_start, 4), >, 10);

  /* Without maps there is no legend, and the map panels say so. */
  ead_heatmap_view_set_maps (view, NULL, NULL, NULL, 0, 0);
  ead_heatmap_view_set_show_mask (view, FALSE);
  ead_gui_test_wait_drawn (GTK_WIDGET (view));
  g_autoptr (GdkTexture) bare = ead_gui_test_snapshot (GTK_WIDGET (view), "heatmap-view-no-maps");
  g_assert_cmpuint (ead_gui_test_count_color (bare, ramp_start, 4), ==, 0);
  g_assert_cmpuint (ead_gui_test_count_color (bare, outline, 30), ==, 0);
  gtk_window_destroy (window);
}

static void
test_zoom_and_pan (void)
{
  g_autofree Data *data = g_new0 (Data, 1);
  EadHeatmapView *view = new_view (data);
  GtkWindow *window = ead_gui_test_show (GTK_WIDGET (view), 4 * 150, 220);
  EadHeatmapPanel panel;
  double cx, cy;
  int ix, iy, x0, y0;

  /* Fitted, the whole image shows: the centre is the image's. */
  ead_heatmap_view_get_center (view, &cx, &cy);
  g_assert_cmpfloat (cx, ==, SIZE / 2.0);
  g_assert_cmpfloat (cy, ==, SIZE / 2.0);

  /* Zoomed in, a centre near a corner is held where the image still covers
   * the panels, and all four panels show the same image pixel at the same
   * place in them. */
  ead_heatmap_view_set_zoom (view, 4.0);
  g_assert_cmpfloat (ead_heatmap_view_get_zoom (view), ==, 4.0);
  ead_heatmap_view_set_center (view, 0.0, 0.0);
  ead_heatmap_view_get_center (view, &cx, &cy);
  g_assert_cmpfloat (cx, >, 0.0);
  g_assert_cmpfloat (cx, <, SIZE / 2.0);
  g_assert_cmpfloat (cy, >, 0.0);
  g_assert_cmpfloat (cy, <, SIZE / 2.0);

  int width = gtk_widget_get_width (GTK_WIDGET (view));
  int panel_width = (width - 12 - 18) / 4;
  g_assert_true (ead_heatmap_view_pick (view, 6 + panel_width / 2.0, 110, &panel, &x0, &y0));
  g_assert_cmpint (panel, ==, EAD_HEATMAP_PANEL_ORIGINAL);
  for (int p = 1; p < EAD_HEATMAP_N_PANELS; p++)
    {
      g_assert_true (ead_heatmap_view_pick (view, 6 + p * (panel_width + 6) + panel_width / 2.0,
                                            110, &panel, &ix, &iy));
      g_assert_cmpint (panel, ==, p);
      g_assert_cmpint (ABS (ix - x0), <=, 1);
      g_assert_cmpint (iy, ==, y0);
    }

  /* Zoom stays between fitting and 64 times that. */
  ead_heatmap_view_set_zoom (view, 0.1);
  g_assert_cmpfloat (ead_heatmap_view_get_zoom (view), ==, 1.0);
  ead_heatmap_view_set_zoom (view, 1000.0);
  g_assert_cmpfloat (ead_heatmap_view_get_zoom (view), ==, 64.0);

  /* A new image resets the view. */
  ead_heatmap_view_set_image (view, data->image, SIZE, SIZE, 3 * SIZE);
  g_assert_cmpfloat (ead_heatmap_view_get_zoom (view), ==, 1.0);
  gtk_window_destroy (window);
}

static void
test_range (void)
{
  g_autofree Data *data = g_new0 (Data, 1);
  g_autoptr (EadHeatmapView) view = g_object_ref_sink (new_view (data));
  double low, high;

  ead_heatmap_view_get_range (view, &low, &high);
  g_assert_cmpfloat (low, ==, 0.0);
  g_assert_cmpfloat (high, ==, 1.0);

  /* Without a range of its own, the view spans the maps' values. */
  for (int i = 0; i < SIZE * SIZE; i++)
    data->fused[i] = 2.5f * data->fused[i] - 0.5f;
  ead_heatmap_view_set_maps (view, data->local, data->global, data->fused, SIZE, SIZE);
  ead_heatmap_view_set_range (view, 1.0, 1.0);
  ead_heatmap_view_get_range (view, &low, &high);
  g_assert_cmpfloat_with_epsilon (low, -0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (high, 2.0, 1e-6);

  ead_heatmap_view_set_opacity (view, 2.0);
  g_assert_cmpfloat (ead_heatmap_view_get_opacity (view), ==, 1.0);
}

/* Each map's score goes after its panel's title, and only there; new maps
 * take it away. */
static void
test_scores (void)
{
  g_autofree Data *data = g_new0 (Data, 1);
  EadHeatmapView *view = new_view (data);
  GtkWindow *window = ead_gui_test_show (GTK_WIDGET (view), 4 * 150, 220);
  g_autoptr (GdkTexture) before = ead_gui_test_snapshot (GTK_WIDGET (view), "heatmap-view-titles");
  g_autofree char *bare = ead_heatmap_view_dup_title (view, EAD_HEATMAP_PANEL_LOCAL);
  g_assert_cmpstr (bare, ==, "Local");

  ead_heatmap_view_set_scores (view, 0.1740, NAN, 0.05294);
  g_autofree char *local = ead_heatmap_view_dup_title (view, EAD_HEATMAP_PANEL_LOCAL);
  g_autofree char *global = ead_heatmap_view_dup_title (view, EAD_HEATMAP_PANEL_GLOBAL);
  g_autofree char *fused = ead_heatmap_view_dup_title (view, EAD_HEATMAP_PANEL_FUSED);
  g_autofree char *original = ead_heatmap_view_dup_title (view, EAD_HEATMAP_PANEL_ORIGINAL);
  g_assert_cmpstr (local, ==, "Local 0.1740");
  g_assert_cmpstr (global, ==, "Global");
  g_assert_cmpstr (fused, ==, "Fused 0.0529");
  g_assert_cmpstr (original, ==, "Original");
  ead_gui_test_wait_drawn (GTK_WIDGET (view));
  g_autoptr (GdkTexture) after = ead_gui_test_snapshot (GTK_WIDGET (view),
                                                        "heatmap-view-titles-scored");
  g_autofree guint8 *a = ead_gui_test_rgb (before), *b = ead_gui_test_rgb (after);
  const int width = gdk_texture_get_width (after), height = gdk_texture_get_height (after);
  guint changed = 0;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const gsize i = 3 * ((gsize) y * width + x);
        if (memcmp (a + i, b + i, 3) == 0)
          continue;
        changed++;
        if (ead_heatmap_view_pick (view, x + 0.5, y + 0.5, NULL, NULL, NULL))
          g_error ("the scores changed pixel (%d, %d) inside a panel", x, y);
      }
  g_assert_cmpuint (changed, >, 20);

  ead_heatmap_view_set_maps (view, data->local, data->global, data->fused, SIZE, SIZE);
  g_autofree char *cleared = ead_heatmap_view_dup_title (view, EAD_HEATMAP_PANEL_FUSED);
  g_assert_cmpstr (cleared, ==, "Fused");
  /* And so does no image. */
  ead_heatmap_view_set_scores (view, 0.1, 0.2, 0.3);
  ead_heatmap_view_set_image (view, NULL, 0, 0, 0);
  g_autofree char *gone = ead_heatmap_view_dup_title (view, EAD_HEATMAP_PANEL_GLOBAL);
  g_assert_cmpstr (gone, ==, "Global");
  gtk_window_destroy (window);
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/heatmap-view/colors-match-cli", test_colors_match_cli);
  g_test_add_func ("/heatmap-view/legend-and-mask", test_legend_and_mask);
  g_test_add_func ("/heatmap-view/zoom-and-pan", test_zoom_and_pan);
  g_test_add_func ("/heatmap-view/range", test_range);
  g_test_add_func ("/heatmap-view/scores", test_scores);
  return g_test_run ();
}

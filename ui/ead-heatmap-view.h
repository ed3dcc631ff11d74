/* ead-heatmap-view.h: an image and its anomaly maps side by side.
 *
 * Four panels, original | local | global | fused, show the same part of the
 * image: zooming (scroll) and panning (drag) move all four together. The
 * maps are drawn over the image with core's colour ramp, so the workbench and
 * the command line's heatmaps agree, under a legend in score units; an
 * optional ground-truth mask is outlined in every panel. The widget copies
 * the plain arrays it is given. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  EAD_HEATMAP_PANEL_ORIGINAL,
  EAD_HEATMAP_PANEL_LOCAL,
  EAD_HEATMAP_PANEL_GLOBAL,
  EAD_HEATMAP_PANEL_FUSED,
} EadHeatmapPanel;

#define EAD_HEATMAP_N_PANELS 4

#define EAD_TYPE_HEATMAP_VIEW (ead_heatmap_view_get_type ())
G_DECLARE_FINAL_TYPE (EadHeatmapView, ead_heatmap_view, EAD, HEATMAP_VIEW, GtkWidget)

GtkWidget *ead_heatmap_view_new (void);

/* Shows packed-or-strided RGB8 pixels; NULL clears the image, the maps and
 * the mask. A new image resets zoom and pan. */
void ead_heatmap_view_set_image (EadHeatmapView *self, const guint8 *rgb, int width, int height,
                                 gsize stride);

/* Sets the three maps (row-major floats, width x height each, stretched over
 * the image when their size differs); any of them may be NULL. */
void ead_heatmap_view_set_maps (EadHeatmapView *self, const float *local, const float *global,
                                const float *fused, int width, int height);

/* Each map's score, its own maximum (as core scored the image: the maps
 * shown may be smaller), written after its panel's title; NaN writes
 * none. New maps, or no image, clear them. */
void ead_heatmap_view_set_scores (EadHeatmapView *self, double local, double global,
                                  double fused);

/* The title over @panel, as drawn. */
char *ead_heatmap_view_dup_title (EadHeatmapView *self, EadHeatmapPanel panel);

/* Outlines the pixels where @mask (width x height bytes) is non-zero; NULL
 * removes the outline. */
void ead_heatmap_view_set_mask (EadHeatmapView *self, const guint8 *mask, int width, int height);

/* Scores at or below @low are not coloured, @high and above get the ramp's
 * last colour. Without a range, or after a @low >= @high, the range follows
 * the maps' smallest and largest values. */
void ead_heatmap_view_set_range (EadHeatmapView *self, double low, double high);
void ead_heatmap_view_get_range (EadHeatmapView *self, double *low, double *high);

/* How much of a map's colour covers the image, 0 to 1. */
void ead_heatmap_view_set_opacity (EadHeatmapView *self, double opacity);
double ead_heatmap_view_get_opacity (EadHeatmapView *self);

/* Magnification relative to the whole image fitting a panel (1). */
void ead_heatmap_view_set_zoom (EadHeatmapView *self, double zoom);
double ead_heatmap_view_get_zoom (EadHeatmapView *self);

/* The image point shown at the centre of every panel, in image pixels. */
void ead_heatmap_view_set_center (EadHeatmapView *self, double x, double y);
void ead_heatmap_view_get_center (EadHeatmapView *self, double *x, double *y);

void ead_heatmap_view_set_show_mask (EadHeatmapView *self, gboolean show_mask);
gboolean ead_heatmap_view_get_show_mask (EadHeatmapView *self);

/* Finds what lies under the widget point (x, y): the panel and the image
 * pixel. FALSE when the point is outside every panel or beside the image. */
gboolean ead_heatmap_view_pick (EadHeatmapView *self, double x, double y, EadHeatmapPanel *panel,
                                int *image_x, int *image_y);

G_END_DECLS

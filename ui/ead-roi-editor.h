/* ead-roi-editor.h: drawing a region of interest on a reference image. */
#pragma once

#include <gtk/gtk.h>

#include "ead-image.h"
#include "ead-roi.h"

G_BEGIN_DECLS

#define EAD_TYPE_ROI_EDITOR (ead_roi_editor_get_type ())
G_DECLARE_FINAL_TYPE (EadRoiEditor, ead_roi_editor, EAD, ROI_EDITOR, GtkWidget)

GtkWidget *ead_roi_editor_new (void);

/* Shows @image scaled to fit, with @region (NULL: the whole image) as the
 * starting point that the shapes drawn add to. Rectangles are dragged;
 * polygons are clicked corner by corner and closed by clicking the first
 * or the last corner again (a double-click), Escape dropping one
 * unfinished. Shapes are kept in the image's pixels. */
void ead_roi_editor_set_image (EadRoiEditor *self, const EadImage *image, const EadRoi *region);

/* The region drawn, at the image's size, or NULL: with no error, the whole
 * image (nothing drawn). */
EadRoi *ead_roi_editor_get_roi (EadRoiEditor *self, GError **error);

/* "Region of interest: 62 % of the image (rect 10,10,200,300)", or that
 * the whole image is inspected when @roi is NULL. */
char *ead_roi_describe (const EadRoi *roi);

G_END_DECLS

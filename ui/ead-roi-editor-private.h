/* ead-roi-editor-private.h: what the GUI tests drive of the region of
 * interest editor. */
#pragma once

#include "ead-roi-editor.h"

G_BEGIN_DECLS

/* Drags from image pixel (@x0, @y0) to (@x1, @y1) as the pointer would,
 * through the same handlers, at the widget's current size and scale. */
void ead_roi_editor_drag (EadRoiEditor *self, int x0, int y0, int x1, int y1);

/* Clicks image pixel (@x, @y), as ead_roi_editor_drag() drags. */
void ead_roi_editor_click (EadRoiEditor *self, int x, int y);

G_END_DECLS

/* ead-export-view-private.h: what the GUI tests read of
 * the Export view and set on it. */
#pragma once

#include "ead-export-view.h"

G_BEGIN_DECLS

/* Where the model file goes; NULL for not chosen yet. */
void ead_export_view_set_destination (EadExportView *self, GFile *destination);
GFile *ead_export_view_get_destination (EadExportView *self);

/* Whether a model file or report is being written (in a worker thread);
 * export.export writes the model file that way. */
gboolean ead_export_view_is_busy (EadExportView *self);

G_END_DECLS

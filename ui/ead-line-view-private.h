/* ead-line-view-private.h: what the GUI tests read of the Line view and set
 * on it. */
#pragma once

#include "ead-line-job.h"
#include "ead-line-view.h"

G_BEGIN_DECLS

/* The folder watched; NULL for none chosen yet. */
void ead_line_view_set_folder (EadLineView *self, const char *folder);

/* The second threshold, NaN for none. */
void ead_line_view_set_recheck (EadLineView *self, double recheck);
void ead_line_view_set_filing (EadLineView *self, EadLineFiling filing);
void ead_line_view_set_save_reject_maps (EadLineView *self, gboolean save);

/* Whether the folder is watched (paused or not). */
gboolean ead_line_view_is_watching (EadLineView *self);

/* The counts since the last start, as the view shows them. */
guint ead_line_view_get_count (EadLineView *self, EadLineOutcome outcome);
guint ead_line_view_get_inspected (EadLineView *self);

/* Files arrived and not scored yet. */
guint ead_line_view_get_waiting (EadLineView *self);

/* The rejects in the strip, newest first; clicking the @index-th shows its
 * maps. */
guint ead_line_view_get_n_rejects (EadLineView *self);
void ead_line_view_show_reject (EadLineView *self, guint index);

G_END_DECLS

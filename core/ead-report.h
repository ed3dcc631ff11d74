/* ead-report.h: the inspection report of a model, a PDF for the part's file:
 * the model and where it came from, the data, the calibration, the decision
 * and how good it is, each map alone by defect type, and with their anomaly
 * maps the good images that score highest and the worst mistakes. */
#pragma once

#include "ead-project.h"

G_BEGIN_DECLS

/* How many evidence rows (hottest good images, false positives, missed
 * defects) a page holds; each kind starts a page of its own. */
#define EAD_REPORT_EVIDENCE_PER_PAGE 4
/* The most of each kind of mistake the report shows, the worst first. */
#define EAD_REPORT_MAX_EVIDENCE 8
/* How many of the highest-scoring good test images it shows: one page. */
#define EAD_REPORT_HOTTEST_GOOD EAD_REPORT_EVIDENCE_PER_PAGE

/* Writes the report of @model_id as an A4 PDF at @path, atomically (a
 * temporary file beside it renamed over), in the language the
 * project's gettext domain chooses. Nothing is left behind on error. */
gboolean ead_report_write (EadProject *project, gint64 model_id, const char *path,
                           GError **error);

G_END_DECLS

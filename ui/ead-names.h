/* ead-names.h: what the views call core's labels, splits, decisions and
 * verdicts, and what they say of a model's fitness, translated. */
#pragma once

#include "ead-project.h"

G_BEGIN_DECLS

const char *ead_split_get_name (EadSplit split);
const char *ead_label_get_name (EadLabel label);
/* "" for EAD_DECISION_NONE and EAD_VERDICT_NONE. */
const char *ead_decision_get_name (EadDecision decision);
const char *ead_verdict_get_name (EadVerdict verdict);

/* How a model with @local_weight makes its image score ("scored with the
 * local map alone", ...). Free with g_free(). */
char *ead_fusion_describe (double local_weight);

/* What the views say of a model whose test results show it unfit for the
 * line (EAD_FITNESS_WEAK or _OVERLAPS), naming a map alone that does
 * better, or cannot show whether it is fit (_UNKNOWN); NULL when every
 * defect scores above every good part. Free with g_free(). */
char *ead_model_assessment_describe (const EadModelAssessment *assessment);

G_END_DECLS

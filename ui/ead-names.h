/* ead-names.h: what the views call core's labels, splits, decisions and
 * verdicts, translated. */
#pragma once

#include "ead-project.h"

G_BEGIN_DECLS

const char *ead_split_get_name (EadSplit split);
const char *ead_label_get_name (EadLabel label);
/* "" for EAD_DECISION_NONE and EAD_VERDICT_NONE. */
const char *ead_decision_get_name (EadDecision decision);
const char *ead_verdict_get_name (EadVerdict verdict);

G_END_DECLS

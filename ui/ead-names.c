/* ead-names.c: what the views call core's labels, splits, decisions and
 * verdicts, translated. */

#include "ead-names.h"

#include <glib/gi18n.h>

const char *
ead_split_get_name (EadSplit split)
{
  switch (split)
    {
    case EAD_SPLIT_TRAIN:
      return _("Training");
    case EAD_SPLIT_VALIDATION:
      return _("Validation");
    default:
      return _("Test");
    }
}

const char *
ead_label_get_name (EadLabel label)
{
  switch (label)
    {
    case EAD_LABEL_GOOD:
      return _("Good");
    case EAD_LABEL_ANOMALOUS:
      return _("Anomalous");
    default:
      return _("Unlabelled");
    }
}

const char *
ead_decision_get_name (EadDecision decision)
{
  switch (decision)
    {
    case EAD_DECISION_GOOD:
      return _("Good");
    case EAD_DECISION_ANOMALOUS:
      return _("Anomalous");
    default:
      return "";
    }
}

const char *
ead_verdict_get_name (EadVerdict verdict)
{
  switch (verdict)
    {
    case EAD_VERDICT_TRUE_DEFECT:
      return _("True defect");
    case EAD_VERDICT_FALSE_POSITIVE:
      return _("False positive");
    case EAD_VERDICT_MISSED_DEFECT:
      return _("Missed defect");
    case EAD_VERDICT_UNSURE:
      return _("Unsure");
    default:
      return "";
    }
}

/* ead-names.c: what the views call core's labels, splits, decisions and
 * verdicts, and what they say of a model's fitness, translated. */

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
    case EAD_SPLIT_LINE:
      return _("Line");
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

char *
ead_fusion_describe (double local_weight)
{
  if (local_weight == ead_map_kind_local_weight (EAD_MAP_FUSED))
    return g_strdup (_("scored with both maps, averaged"));
  if (local_weight == ead_map_kind_local_weight (EAD_MAP_LOCAL))
    return g_strdup (_("scored with the local map alone"));
  if (local_weight == ead_map_kind_local_weight (EAD_MAP_GLOBAL))
    return g_strdup (_("scored with the global map alone"));
  /* Translators: the local and the global map's shares, in percent. */
  return g_strdup_printf (_("scored with %.0f %% of the local map and %.0f %% of the global map"),
                          100.0 * local_weight, 100.0 * (1.0 - local_weight));
}

/* A sentence naming the map alone that beats the fused one, or "". */
static char *
describe_better_map (const EadModelAssessment *assessment)
{
  double percent = 100.0 * assessment->better_map_auroc;

  switch (assessment->better_map)
    {
    case EAD_MAP_LOCAL:
      return g_strdup_printf (_(" The local (student–teacher) map alone reaches %.1f %%."), percent);
    case EAD_MAP_GLOBAL:
      return g_strdup_printf (_(" The global (student–autoencoder) map alone reaches %.1f %%."),
                              percent);
    default:
      return g_strdup ("");
    }
}

char *
ead_model_assessment_describe (const EadModelAssessment *assessment)
{
  const EadImageMetrics *m = &assessment->metrics;
  g_autofree char *better = describe_better_map (assessment);

  switch (assessment->fitness)
    {
    case EAD_FITNESS_WEAK:
      /* Translators: the image AUROC in percent, then perhaps a sentence
       * naming a map that does better (it starts with a space). */
      return g_strdup_printf (_("Not fit for the line: with an image AUROC of %.1f %% on the "
                                "labelled test images, the model flags good parts about as often "
                                "as defective ones.%s"), 100.0 * m->image_auroc, better);
    case EAD_FITNESS_OVERLAPS:
      /* Translators: the defective test images scoring among the good
       * ones, of all the defective ones; then perhaps a sentence naming a
       * map that does better (it starts with a space). */
      return g_strdup_printf (ngettext ("%u of %u defective test images scores no higher than the "
                                        "highest good one: a threshold that passes every good part "
                                        "misses it.%s",
                                        "%u of %u defective test images score no higher than the "
                                        "highest good one: a threshold that passes every good part "
                                        "misses them.%s", m->n_hidden),
                              m->n_hidden, m->n_anomalous, better);
    case EAD_FITNESS_UNKNOWN:
      if (m->n_anomalous == 0 && m->n_good == 0)
        return g_strdup (_("Not measured: without labelled test images, how well the model tells "
                           "good parts from defective ones is unknown."));
      if (m->n_anomalous == 0)
        return g_strdup (_("Not measured: without labelled defective test images, how many "
                           "defects the model finds is unknown."));
      return g_strdup (_("Not measured: without labelled good test images, how often the model "
                         "rejects good parts is unknown."));
    case EAD_FITNESS_SEPARATES:
    default:
      return NULL;
    }
}

/* ead-project-enums.c: the names of the project's enumerations, as the
 * schema spells them, and the maps' as people read them. */

#include "ead-project-private.h"

#include <glib/gi18n-lib.h>

static const char *const label_names[] = { "unlabelled", "good", "anomalous" };
static const char *const split_names[] = { "train", "validation", "test", "line" };
static const char *const run_state_names[] = {
  "queued", "running", "paused", "interrupted", "finished", "failed", "cancelled",
};
static const char *const threshold_method_names[] = { "value", "f1-max", "max-fpr" };
static const char *const map_kind_names[] = { "local", "global", "fused" };
static const char *const line_decision_names[] = { "pass", "fail", "recheck" };
static const char *const verdict_names[] = {
  "none", "true-defect", "false-positive", "missed-defect", "unsure",
};

static gboolean
index_of (const char *const *names, gsize n, const char *text, int *index)
{
  for (gsize i = 0; text && i < n; i++)
    if (g_str_equal (names[i], text))
      {
        *index = (int) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ead_project_precision_to_string (EadPrecision precision)
{
  return precision == EAD_PRECISION_BF16 ? "bf16" : "fp32";
}

EadPrecision
ead_project_precision_from_string (const char *text)
{
  return g_strcmp0 (text, "bf16") == 0 ? EAD_PRECISION_BF16 : EAD_PRECISION_FP32;
}

const char *
ead_label_to_string (EadLabel label)
{
  g_return_val_if_fail (label < EAD_N_LABELS, NULL);
  return label_names[label];
}

gboolean
ead_label_from_string (const char *text, EadLabel *label)
{
  int index;
  if (!index_of (label_names, G_N_ELEMENTS (label_names), text, &index))
    return FALSE;
  *label = index;
  return TRUE;
}

const char *
ead_split_to_string (EadSplit split)
{
  g_return_val_if_fail (split < EAD_N_SPLITS, NULL);
  return split_names[split];
}

gboolean
ead_split_from_string (const char *text, EadSplit *split)
{
  int index;
  if (!index_of (split_names, G_N_ELEMENTS (split_names), text, &index))
    return FALSE;
  *split = index;
  return TRUE;
}

const char *
ead_map_kind_to_string (EadMapKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (map_kind_names), NULL);
  return map_kind_names[kind];
}

const char *
ead_map_kind_get_name (EadMapKind kind)
{
  switch (kind)
    {
    case EAD_MAP_LOCAL:
      return _("Local (student–teacher)");
    case EAD_MAP_GLOBAL:
      return _("Global (student–autoencoder)");
    case EAD_MAP_FUSED:
      return _("Fused (the image score)");
    }
  g_return_val_if_reached (NULL);
}

gboolean
ead_map_kind_from_string (const char *text, EadMapKind *kind)
{
  int index;
  if (!index_of (map_kind_names, G_N_ELEMENTS (map_kind_names), text, &index))
    return FALSE;
  *kind = index;
  return TRUE;
}

double
ead_map_kind_local_weight (EadMapKind kind)
{
  switch (kind)
    {
    case EAD_MAP_LOCAL:
      return 1.0;
    case EAD_MAP_GLOBAL:
      return 0.0;
    case EAD_MAP_FUSED:
    default:
      return EAD_DEFAULT_LOCAL_WEIGHT;
    }
}

const char *
ead_run_state_to_string (EadRunState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (run_state_names), NULL);
  return run_state_names[state];
}

gboolean
ead_run_state_from_string (const char *text, EadRunState *state)
{
  int index;
  if (!index_of (run_state_names, G_N_ELEMENTS (run_state_names), text, &index))
    return FALSE;
  *state = index;
  return TRUE;
}

const char *
ead_threshold_method_to_string (EadThresholdMethod method)
{
  g_return_val_if_fail (method < G_N_ELEMENTS (threshold_method_names), NULL);
  return threshold_method_names[method];
}

gboolean
ead_threshold_method_from_string (const char *text, EadThresholdMethod *method)
{
  int index;
  if (!index_of (threshold_method_names, G_N_ELEMENTS (threshold_method_names), text, &index))
    return FALSE;
  *method = index;
  return TRUE;
}

const char *
ead_line_decision_to_string (EadLineDecision decision)
{
  g_return_val_if_fail (decision < G_N_ELEMENTS (line_decision_names), NULL);
  return line_decision_names[decision];
}

gboolean
ead_line_decision_from_string (const char *text, EadLineDecision *decision)
{
  int index;
  if (!index_of (line_decision_names, G_N_ELEMENTS (line_decision_names), text, &index))
    return FALSE;
  *decision = index;
  return TRUE;
}

const char *
ead_verdict_to_string (EadVerdict verdict)
{
  g_return_val_if_fail (verdict < G_N_ELEMENTS (verdict_names), NULL);
  return verdict_names[verdict];
}

gboolean
ead_verdict_from_string (const char *text, EadVerdict *verdict)
{
  int index;
  /* "none" is no verdict, not one that can be given. */
  if (!index_of (verdict_names, G_N_ELEMENTS (verdict_names), text, &index) || index == 0)
    return FALSE;
  *verdict = index;
  return TRUE;
}

/* cmd-project-info.c: efficientad project info. */

#include <math.h>

#include "cmd-project.h"

static void
print_counts_text (guint counts[EAD_N_SPLITS][EAD_N_LABELS])
{
  g_print ("%-12s", "images");
  for (int label = 0; label < EAD_N_LABELS; label++)
    g_print (" %10s", ead_label_to_string (label));
  g_print ("\n");
  for (int split = 0; split < EAD_N_SPLITS; split++)
    {
      g_print ("%-12s", ead_split_to_string (split));
      for (int label = 0; label < EAD_N_LABELS; label++)
        g_print (" %10u", counts[split][label]);
      g_print ("\n");
    }
}

/* The stored metrics of each model's latest test, parallel to @models. */
static GPtrArray *
list_test_metrics (EadProject *project, GArray *models, GError **error)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint i = 0; i < models->len; i++)
    {
      gint64 id = g_array_index (models, EadModelInfo, i).id;
      GArray *metrics = ead_project_get_test_metrics (project, id, EAD_MAP_FUSED, NULL, error);
      if (!metrics)
        return NULL;
      g_ptr_array_add (all, metrics);
    }
  return g_steal_pointer (&all);
}

static void
print_info_text (guint counts[EAD_N_SPLITS][EAD_N_LABELS], GArray *runs, GArray *models,
                 GPtrArray *test_metrics)
{
  print_counts_text (counts);
  for (guint i = 0; i < runs->len; i++)
    {
      const EadRunInfo *r = &g_array_index (runs, EadRunInfo, i);
      g_print ("run %" G_GINT64_FORMAT ": %s, %s model, %d px, step %d of %d", r->id,
               ead_run_state_to_string (r->state), ead_model_size_to_string (r->size),
               r->image_size, r->steps_done, r->steps);
      if (r->tiles > 1)
        g_print (", %d x %d tiles", r->tiles, r->tiles);
      if (r->minutes > 0)
        g_print (" (a budget of %g min)", r->minutes);
      if (r->patience > 0)
        g_print (", patience %d", r->patience);
      if (r->checkpoint_step > 0)
        g_print (", checkpoint at step %d", r->checkpoint_step);
      if (r->error)
        g_print (" (%s)", r->error);
      g_print ("\n");
    }
  for (guint i = 0; i < models->len; i++)
    {
      const EadModelInfo *m = &g_array_index (models, EadModelInfo, i);
      g_print ("model %" G_GINT64_FORMAT ": from run %" G_GINT64_FORMAT ", calibrated on %u "
               "images, %u results, ", m->id, m->run_id, m->n_validation, m->n_results);
      if (m->local_weight != EAD_DEFAULT_LOCAL_WEIGHT)
        g_print ("fused map %g x local + %g x global, ", m->local_weight, 1.0 - m->local_weight);
      if (m->has_threshold)
        g_print ("threshold %.5g (%s)\n", m->threshold,
                 ead_threshold_method_to_string (m->threshold_method));
      else
        g_print ("no threshold\n");
      GArray *tested = test_metrics->pdata[i];
      if (tested->len > 0)
        cli_print_metrics_header ();
      for (guint k = 0; k < tested->len; k++)
        cli_print_metrics_row (&g_array_index (tested, EadMetrics, k));
    }
}

static void
add_counts_json (JsonBuilder *b, guint counts[EAD_N_SPLITS][EAD_N_LABELS])
{
  json_builder_set_member_name (b, "images");
  json_builder_begin_object (b);
  for (int split = 0; split < EAD_N_SPLITS; split++)
    {
      json_builder_set_member_name (b, ead_split_to_string (split));
      json_builder_begin_object (b);
      for (int label = 0; label < EAD_N_LABELS; label++)
        project_add_int (b, ead_label_to_string (label), counts[split][label]);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

static void
add_runs_json (JsonBuilder *b, GArray *runs)
{
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < runs->len; i++)
    {
      const EadRunInfo *r = &g_array_index (runs, EadRunInfo, i);
      json_builder_begin_object (b);
      project_add_int (b, "id", r->id);
      project_add_string (b, "state", ead_run_state_to_string (r->state));
      project_add_string (b, "size", ead_model_size_to_string (r->size));
      project_add_int (b, "image_size", r->image_size);
      project_add_int (b, "tiles", r->tiles);
      project_add_int (b, "steps", r->steps);
      project_add_int (b, "steps_done", r->steps_done);
      cli_json_add_number (b, "minutes", r->minutes);
      project_add_int (b, "patience", r->patience);
      project_add_int (b, "checkpoint_step", r->checkpoint_step);
      project_add_int (b, "model", r->model_id);
      project_add_string (b, "created_at", r->created_at);
      project_add_string (b, "error", r->error);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* "test_metrics": {"all": {...}, TYPE: {...}}, or null when never tested. */
static void
add_test_metrics_json (JsonBuilder *b, GArray *tested)
{
  json_builder_set_member_name (b, "test_metrics");
  if (tested->len == 0)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  for (guint k = 0; k < tested->len; k++)
    {
      const EadMetrics *m = &g_array_index (tested, EadMetrics, k);
      json_builder_set_member_name (b, m->type);
      json_builder_begin_object (b);
      cli_json_add_metrics (b, m);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

static void
add_models_json (JsonBuilder *b, GArray *models, GPtrArray *test_metrics)
{
  json_builder_set_member_name (b, "models");
  json_builder_begin_array (b);
  for (guint i = 0; i < models->len; i++)
    {
      const EadModelInfo *m = &g_array_index (models, EadModelInfo, i);
      json_builder_begin_object (b);
      project_add_int (b, "id", m->id);
      project_add_int (b, "run", m->run_id);
      project_add_string (b, "created_at", m->created_at);
      project_add_int (b, "n_validation", m->n_validation);
      project_add_int (b, "n_results", m->n_results);
      cli_json_add_number (b, "local_weight", m->local_weight);
      cli_json_add_number (b, "threshold", m->has_threshold ? m->threshold : NAN);
      project_add_string (b, "threshold_method", m->has_threshold
                          ? ead_threshold_method_to_string (m->threshold_method) : NULL);
      add_test_metrics_json (b, test_metrics->pdata[i]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

int
project_info (int argc, char **argv)
{
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  if (!project_parse_json_command ("info", "FILE - describe a project", &argc, &argv, &json,
                                   &error))
    return cli_fail (error);
  g_autoptr (EadProject) project = ead_project_open (argv[1], &error);
  if (!project)
    return cli_fail (error);
  guint counts[EAD_N_SPLITS][EAD_N_LABELS];
  if (!ead_project_count_images (project, counts, &error))
    return cli_fail (error);
  g_autoptr (GArray) runs = ead_project_list_runs (project, &error);
  g_autoptr (GArray) models = runs ? ead_project_list_models (project, &error) : NULL;
  g_autoptr (GPtrArray) test_metrics = models ? list_test_metrics (project, models, &error) : NULL;
  if (!test_metrics)
    return cli_fail (error);
  if (!json)
    {
      print_info_text (counts, runs, models, test_metrics);
      return 0;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  project_add_string (b, "project", argv[1]);
  project_add_int (b, "schema_version", ead_project_get_schema_version ());
  add_counts_json (b, counts);
  add_runs_json (b, runs);
  add_models_json (b, models, test_metrics);
  json_builder_end_object (b);
  project_print_json (b);
  return 0;
}

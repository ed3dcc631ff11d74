/* cmd-project-create.c: efficientad project create. */

#include "cmd-project.h"

int
project_create (int argc, char **argv)
{
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  if (!project_parse_json_command ("create", "FILE - create an empty project", &argc, &argv, &json,
                                   &error))
    return cli_fail (error);
  g_autoptr (EadProject) project = ead_project_create (argv[1], &error);
  if (!project)
    return cli_fail (error);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      project_add_string (b, "project", argv[1]);
      project_add_int (b, "schema_version", ead_project_get_schema_version ());
      json_builder_end_object (b);
      project_print_json (b);
    }
  else
    g_print ("created %s (schema version %d)\n", argv[1], ead_project_get_schema_version ());
  return 0;
}

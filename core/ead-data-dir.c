/* ead-data-dir.c: finding the data files that come with the program. */
#include "ead-data-dir.h"

#include "ead-config.h"
#include "ead-error.h"
#include "ead-model.h"

/* BUILD/data beside BUILD/app and BUILD/tests; PREFIX/share/efficientad
 * beside PREFIX/bin. */
static const char *const beside_executable[] = { "../data", "../share/efficientad" };

static char *
executable_dir (void)
{
  g_autofree char *executable = g_file_read_link ("/proc/self/exe", NULL);
  return executable ? g_path_get_dirname (executable) : NULL;
}

static GPtrArray *
candidates (const char *relative)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *override = g_getenv ("EAD_DATA_DIR");
  if (override && *override)
    g_ptr_array_add (paths, g_build_filename (override, relative, NULL));
  g_autofree char *dir = executable_dir ();
  if (dir)
    for (gsize i = 0; i < G_N_ELEMENTS (beside_executable); i++)
      {
        g_autofree char *path = g_build_filename (dir, beside_executable[i], relative, NULL);
        g_ptr_array_add (paths, g_canonicalize_filename (path, NULL));
      }
  g_ptr_array_add (paths, g_build_filename (EAD_DATADIR, relative, NULL));
  return paths;
}

/* The first of the places that holds @relative as a @kind of file. */
static char *
find (const char *relative, GFileTest kind)
{
  g_autoptr (GPtrArray) paths = candidates (relative);
  for (guint i = 0; i < paths->len; i++)
    if (g_file_test (g_ptr_array_index (paths, i), kind))
      return g_strdup (g_ptr_array_index (paths, i));
  return NULL;
}

/* An EAD_ERROR_INVALID_ARG saying that @what is missing, where it was looked
 * for and, in @advice, what to do instead. */
static void
set_not_shipped_error (GError **error, const char *relative, const char *what,
                       const char *advice)
{
  g_autoptr (GPtrArray) paths = candidates (relative);
  g_ptr_array_add (paths, NULL);
  g_autofree char *places = g_strjoinv (", ", (char **) paths->pdata);
  g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "no shipped %s (looked at %s): %s", what,
               places, advice);
}

char *
ead_data_find (const char *relative)
{
  g_return_val_if_fail (relative != NULL, NULL);

  return find (relative, G_FILE_TEST_IS_REGULAR);
}

char *
ead_data_find_teacher (EadModelSize size, GError **error)
{
  const char *relative = size == EAD_MODEL_MEDIUM ? "teachers/pdn_medium.safetensors"
                                                  : "teachers/pdn_small.safetensors";
  char *path = ead_data_find (relative);
  if (path)
    return path;

  g_autofree char *what = g_strdup_printf ("%s teacher", ead_model_size_to_string (size));
  set_not_shipped_error (error, relative, what,
                         "choose one with --teacher FILE, or '--teacher random' for tests");
  return NULL;
}

char *
ead_data_find_penalty_images (GError **error)
{
  char *path = find ("penalty", G_FILE_TEST_IS_DIR);
  if (!path)
    set_not_shipped_error (error, "penalty", "penalty images",
                           "choose a folder with --penalty-images DIR");
  return path;
}

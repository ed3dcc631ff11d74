/* ead-project-images.c: a project's images: reading them, their labels,
 * masks and thumbnails back, relabelling and deleting them
 * (ead-project-import.c brings them in). */

#include "ead-project-private.h"

#include "ead-error.h"

/* ---- Reading ---- */

void
ead_image_info_clear (EadImageInfo *info)
{
  g_clear_pointer (&info->file_name, g_free);
  g_clear_pointer (&info->folder, g_free);
  g_clear_pointer (&info->defect_type, g_free);
}

static void
image_info_clear (gpointer data)
{
  ead_image_info_clear (data);
}

GArray *
ead_project_list_images (EadProject *project, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT i.id, i.file_name, i.folder, i.width, i.height, i.channels, l.label, l.split,"
    "       d.name, m.image_id IS NOT NULL"
    " FROM images i JOIN labels l ON l.image_id = i.id"
    " LEFT JOIN defect_types d ON d.id = l.defect_type_id"
    " LEFT JOIN masks m ON m.image_id = i.id"
    " ORDER BY i.id", error);
  if (!s)
    return NULL;
  g_autoptr (GArray) images = g_array_new (FALSE, TRUE, sizeof (EadImageInfo));
  g_array_set_clear_func (images, image_info_clear);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      EadImageInfo info = {
        .id = sqlite3_column_int64 (s, 0),
        .file_name = ead_project_column_text (s, 1),
        .folder = ead_project_column_text (s, 2),
        .width = sqlite3_column_int (s, 3),
        .height = sqlite3_column_int (s, 4),
        .channels = sqlite3_column_int (s, 5),
        .defect_type = ead_project_column_text (s, 8),
        .has_mask = sqlite3_column_int (s, 9),
      };
      ead_label_from_string ((const char *) sqlite3_column_text (s, 6), &info.label);
      ead_split_from_string ((const char *) sqlite3_column_text (s, 7), &info.split);
      g_array_append_val (images, info);
    }
  if (!ead_project_done (project, status, error))
    return NULL;
  return g_steal_pointer (&images);
}

gboolean
ead_project_count_images (EadProject *project, guint counts[EAD_N_SPLITS][EAD_N_LABELS],
                          GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT split, label, count(*) FROM labels GROUP BY split, label", error);
  if (!s)
    return FALSE;
  memset (counts, 0, sizeof (guint) * EAD_N_SPLITS * EAD_N_LABELS);
  int status;
  while ((status = sqlite3_step (s)) == SQLITE_ROW)
    {
      EadSplit split;
      EadLabel label;
      if (ead_split_from_string ((const char *) sqlite3_column_text (s, 0), &split)
          && ead_label_from_string ((const char *) sqlite3_column_text (s, 1), &label))
        counts[split][label] = sqlite3_column_int (s, 2);
    }
  return ead_project_done (project, status, error);
}

/* Column 0 of the one row of @sql for @image_id, as bytes. */
static GBytes *
image_blob (EadProject *project, const char *sql, gint64 image_id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project, sql, error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, image_id);
  if (!ead_project_one_row (project, s, error, "image %" G_GINT64_FORMAT, image_id))
    return NULL;
  return g_bytes_new (sqlite3_column_blob (s, 0), sqlite3_column_bytes (s, 0));
}

EadImage *
ead_project_load_image (EadProject *project, gint64 image_id, GError **error)
{
  g_autoptr (GBytes) bytes = image_blob (project,
    "SELECT data FROM image_files WHERE image_id = ?", image_id, error);
  if (!bytes)
    return NULL;
  g_autofree char *name = g_strdup_printf ("%s: image %" G_GINT64_FORMAT, project->path,
                                           image_id);
  return ead_image_load_from_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   name, error);
}

GPtrArray *
ead_project_load_images_at_size (EadProject *project, GArray *ids, int size,
                                 GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) ead_image_free);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (EadImage) image = ead_project_load_image (project, g_array_index (ids, gint64, i),
                                                           error);
      if (!image || g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      g_ptr_array_add (images, ead_image_resize (image, size, size));
    }
  return g_steal_pointer (&images);
}

GBytes *
ead_project_get_thumbnail (EadProject *project, gint64 image_id, GError **error)
{
  return image_blob (project, "SELECT png FROM thumbnails WHERE image_id = ?", image_id, error);
}

EadMask *
ead_project_load_mask (EadProject *project, gint64 image_id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT png FROM masks WHERE image_id = ?", error);
  if (!s)
    return NULL;
  sqlite3_bind_int64 (s, 1, image_id);
  gboolean found;
  if (!ead_project_maybe_row (project, s, &found, error) || !found)
    return NULL;
  g_autofree char *name = g_strdup_printf ("%s: mask of image %" G_GINT64_FORMAT, project->path,
                                           image_id);
  return ead_mask_load_from_data (sqlite3_column_blob (s, 0), sqlite3_column_bytes (s, 0), name,
                                  error);
}

/* ---- Editing ---- */

/* Runs @statements, whose parameter ?1 is an image id and whose others are
 * bound, for each of @image_ids in one transaction: an id that is not an
 * image's changes nothing and fails. */
static gboolean
change_images (EadProject *project, const gint64 *image_ids, guint n_images,
               sqlite3_stmt *const *statements, guint n_statements, GError **error)
{
  g_autoptr (sqlite3_stmt) find = ead_project_prepare (project,
    "SELECT 1 FROM images WHERE id = ?", error);
  if (!find || !ead_project_begin (project, error))
    return FALSE;
  for (guint i = 0; i < n_images; i++)
    {
      sqlite3_bind_int64 (find, 1, image_ids[i]);
      gboolean ok = ead_project_one_row (project, find, error, "image %" G_GINT64_FORMAT,
                                         image_ids[i]);
      sqlite3_reset (find);
      for (guint j = 0; ok && j < n_statements; j++)
        {
          sqlite3_bind_int64 (statements[j], 1, image_ids[i]);
          ok = ead_project_step_statement (project, statements[j], error);
        }
      if (!ok)
        {
          ead_project_rollback (project);
          return FALSE;
        }
    }
  return ead_project_commit (project, error);
}

/* Binds what an edit sets (?2), who makes it and when (?3, ?4). */
static void
bind_change (sqlite3_stmt *s, const char *value, const char *now)
{
  sqlite3_bind_text (s, 2, value, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, ead_project_user (), -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, now, -1, SQLITE_STATIC);
}

gboolean
ead_project_set_label (EadProject *project, const gint64 *image_ids, guint n_images,
                       EadLabel label, GError **error)
{
  g_return_val_if_fail (label < EAD_N_LABELS, FALSE);

  /* Only an anomalous image has a defect, and so a type and a mask. */
  g_autoptr (sqlite3_stmt) relabel = ead_project_prepare (project,
    "UPDATE labels SET label = ?2,"
    "                  defect_type_id = CASE WHEN ?2 = 'anomalous' THEN defect_type_id END,"
    "                  changed_by = ?3, changed_at = ?4"
    " WHERE image_id = ?1", error);
  g_autoptr (sqlite3_stmt) unmask = relabel ? ead_project_prepare (project,
    "DELETE FROM masks WHERE image_id = ?1 AND ?2 != 'anomalous'", error) : NULL;
  if (!unmask)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  const char *text = ead_label_to_string (label);
  bind_change (relabel, text, now);
  sqlite3_bind_text (unmask, 2, text, -1, SQLITE_STATIC);
  sqlite3_stmt *statements[] = { relabel, unmask };
  return change_images (project, image_ids, n_images, statements, G_N_ELEMENTS (statements),
                        error);
}

gboolean
ead_project_set_defect_type (EadProject *project, const gint64 *image_ids, guint n_images,
                             const char *defect_type, GError **error)
{
  if (defect_type && !*defect_type)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "a defect type needs a name");
      return FALSE;
    }
  g_autoptr (sqlite3_stmt) add = ead_project_prepare (project,
    "INSERT INTO defect_types (name) SELECT ?2 WHERE ?2 IS NOT NULL"
    " ON CONFLICT (name) DO NOTHING", error);
  g_autoptr (sqlite3_stmt) retype = add ? ead_project_prepare (project,
    "UPDATE labels SET label = 'anomalous',"
    "                  defect_type_id = (SELECT id FROM defect_types WHERE name = ?2),"
    "                  changed_by = ?3, changed_at = ?4"
    " WHERE image_id = ?1", error) : NULL;
  if (!retype)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  sqlite3_bind_text (add, 2, defect_type, -1, SQLITE_STATIC);
  bind_change (retype, defect_type, now);
  sqlite3_stmt *statements[] = { add, retype };
  return change_images (project, image_ids, n_images, statements, G_N_ELEMENTS (statements),
                        error);
}

gboolean
ead_project_set_split (EadProject *project, const gint64 *image_ids, guint n_images,
                       EadSplit split, GError **error)
{
  g_return_val_if_fail (split < EAD_N_SPLITS, FALSE);

  if (!ead_project_check_chosen_split (split, error))
    return FALSE;
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "UPDATE labels SET split = ?2, changed_by = ?3, changed_at = ?4 WHERE image_id = ?1", error);
  if (!s)
    return FALSE;
  g_autofree char *now = ead_project_now ();
  bind_change (s, ead_split_to_string (split), now);
  return change_images (project, image_ids, n_images, &s, 1, error);
}

gboolean
ead_project_delete_images (EadProject *project, const gint64 *image_ids, guint n_images,
                           GError **error)
{
  /* A run keeps the images it trained and calibrated on, so that it can be
   * resumed and its model explained. */
  g_autoptr (sqlite3_stmt) used = ead_project_prepare (project,
    "SELECT r.run_id, i.file_name FROM run_images r JOIN images i ON i.id = r.image_id"
    " WHERE r.image_id = ? LIMIT 1", error);
  g_autoptr (sqlite3_stmt) s = used ? ead_project_prepare (project,
    "DELETE FROM images WHERE id = ?1", error) : NULL;
  if (!s)
    return FALSE;
  for (guint i = 0; i < n_images; i++)
    {
      gboolean found;
      sqlite3_bind_int64 (used, 1, image_ids[i]);
      if (!ead_project_maybe_row (project, used, &found, error))
        return FALSE;
      if (found)
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                       "%s: %s (image %" G_GINT64_FORMAT ") cannot be deleted: training run %"
                       G_GINT64_FORMAT " used it", project->path,
                       (const char *) sqlite3_column_text (used, 1), image_ids[i],
                       (gint64) sqlite3_column_int64 (used, 0));
          return FALSE;
        }
      sqlite3_reset (used);
    }
  return change_images (project, image_ids, n_images, &s, 1, error);
}

gboolean
ead_project_get_image_size (EadProject *project, int *width, int *height, GError **error)
{
  g_autoptr (sqlite3_stmt) s = ead_project_prepare (project,
    "SELECT min (width), min (height), max (width), max (height), count (*) FROM images", error);
  if (!s || !ead_project_one_row (project, s, error, "image"))
    return FALSE;
  if (sqlite3_column_int64 (s, 4) == 0)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG, "%s: there are no images yet",
                   project->path);
      return FALSE;
    }
  *width = sqlite3_column_int (s, 0);
  *height = sqlite3_column_int (s, 1);
  if (*width != sqlite3_column_int (s, 2) || *height != sqlite3_column_int (s, 3))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_INVALID_ARG,
                   "%s: the images differ in size (from %d x %d to %d x %d)", project->path,
                   *width, *height, sqlite3_column_int (s, 2), sqlite3_column_int (s, 3));
      return FALSE;
    }
  return TRUE;
}

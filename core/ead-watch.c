/* ead-watch.c: which folder changes bring a file, and filing files away. */

#define _GNU_SOURCE   /* renameat2 (glibc 2.28) */

#include "ead-watch.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

GFileMonitor *
ead_watch_monitor_folder (const char *folder, GError **error)
{
  g_autoptr (GFile) dir = g_file_new_for_path (folder);

  return g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
}

char *
ead_watch_arrived (GFileMonitorEvent event, GFile *file, GFile *other_file)
{
  GFile *arrived = NULL;

  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_MOVED_IN)
    arrived = file;
  else if (event == G_FILE_MONITOR_EVENT_RENAMED)
    arrived = other_file;
  if (arrived == NULL)
    return NULL;
  g_autofree char *name = g_file_get_basename (arrived);
  g_autofree char *path = g_file_get_path (arrived);
  if (name == NULL || name[0] == '.' || path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_steal_pointer (&path);
}

typedef struct {
  char *path;
  gint64 modified_ns;
} Waiting;

static void
waiting_clear (Waiting *waiting)
{
  g_free (waiting->path);
}

static int
compare_arrival (gconstpointer a, gconstpointer b)
{
  const Waiting *x = a, *y = b;
  if (x->modified_ns != y->modified_ns)
    return x->modified_ns < y->modified_ns ? -1 : 1;
  return strcmp (x->path, y->path);
}

GPtrArray *
ead_watch_list_waiting (const char *folder, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, error);
  if (dir == NULL)
    return NULL;
  g_autoptr (GArray) found = g_array_new (FALSE, FALSE, sizeof (Waiting));
  g_array_set_clear_func (found, (GDestroyNotify) waiting_clear);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      struct stat st;
      if (name[0] == '.' || lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      Waiting waiting = { g_steal_pointer (&path),
                          st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec };
      g_array_append_val (found, waiting);
    }
  g_array_sort (found, compare_arrival);
  GPtrArray *paths = g_ptr_array_new_full (found->len, g_free);
  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (paths, g_steal_pointer (&g_array_index (found, Waiting, i).path));
  return paths;
}

/* @folder/NAME for the @attempt-th try: NAME itself first, then with "-2",
 * "-3"... before its extension. */
static char *
candidate_path (const char *folder, const char *name, guint attempt)
{
  if (attempt == 1)
    return g_build_filename (folder, name, NULL);
  const char *dot = strrchr (name, '.');
  gsize stem_length = dot != NULL && dot != name ? (gsize) (dot - name) : strlen (name);
  g_autofree char *stem = g_strndup (name, stem_length);
  g_autofree char *numbered = g_strdup_printf ("%s-%u%s", stem, attempt, name + stem_length);
  return g_build_filename (folder, numbered, NULL);
}

static gboolean
set_errno_error (GError **error, int saved_errno, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s %s: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

/* Two ways to give @source the name @target that never replace a file:
 * link() keeps @source (a move then drops it); a rename without replacing
 * works on file systems without hard links too (FAT, exFAT, many network
 * shares), where a finished copy takes its name that way. */
typedef int (*PlaceFunc) (const char *source, const char *target);

static int
place_by_link (const char *source, const char *target)
{
  return link (source, target);
}

static int
place_by_rename (const char *source, const char *target)
{
  return renameat2 (AT_FDCWD, source, AT_FDCWD, target, RENAME_NOREPLACE);
}

/* Places @source under the first free one of @name's candidates in
 * @folder: a name taken meanwhile is skipped rather than overwritten. NULL
 * and errno set when placing fails for another reason than a name taken. */
static char *
place_under_free_name (PlaceFunc place, const char *source, const char *folder, const char *name)
{
  for (guint attempt = 1; attempt < 100000; attempt++)
    {
      g_autofree char *target = candidate_path (folder, name, attempt);
      if (place (source, target) == 0)
        return g_steal_pointer (&target);
      if (errno != EEXIST)
        return NULL;
    }
  errno = EEXIST;
  return NULL;
}

/* link() failed for want of hard links here, or across file systems. */
static gboolean
cannot_link (int link_errno)
{
  return link_errno == EXDEV || link_errno == EPERM || link_errno == EMLINK
         || link_errno == EOPNOTSUPP || link_errno == ENOSYS;
}

/* Reserves @folder/.NAME.XXXXXX.partial, where a file is written before it
 * takes NAME: a name of its own, so that two writers never share one. */
static char *
reserve_hidden_path (const char *folder, const char *name, GError **error)
{
  g_autofree char *pattern = g_strconcat (".", name, ".XXXXXX.partial", NULL);
  g_autofree char *hidden = g_build_filename (folder, pattern, NULL);
  /* Readable as any new file is, not only by its owner (g_mkstemp's 0600). */
  int fd = g_mkstemp_full (hidden, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      set_errno_error (error, errno, "Cannot write in", folder);
      return NULL;
    }
  close (fd);
  return g_steal_pointer (&hidden);
}

/* Gives the finished file @hidden the first free one of @name's candidates
 * in @folder, by a link or, where there are no hard links, by a rename, and
 * drops the hidden name. @what names the file in an error. */
static char *
name_hidden_file (const char *hidden, const char *folder, const char *name, const char *what,
                  GError **error)
{
  char *target = place_under_free_name (place_by_link, hidden, folder, name);
  if (target == NULL && cannot_link (errno))
    target = place_under_free_name (place_by_rename, hidden, folder, name);
  int saved_errno = errno;
  g_unlink (hidden);
  if (target == NULL)
    set_errno_error (error, saved_errno, "Cannot file away", what);
  return target;
}

static gboolean
make_folder (const char *folder, GError **error)
{
  return g_mkdir_with_parents (folder, 0755) == 0
         || set_errno_error (error, errno, "Cannot create the folder", folder);
}

/* Writes @contents into @folder under a hidden name, to the disk, then
 * gives it its name; @what names the file in an error. */
static char *
write_into (GBytes *contents, const char *folder, const char *name, const char *what,
            GError **error)
{
  g_autofree char *hidden = reserve_hidden_path (folder, name, error);
  if (hidden == NULL)
    return NULL;
  gsize size;
  const char *data = g_bytes_get_data (contents, &size);

  if (!g_file_set_contents_full (hidden, data, size, G_FILE_SET_CONTENTS_DURABLE, 0666, error))
    {
      g_unlink (hidden);
      return NULL;
    }
  return name_hidden_file (hidden, folder, name, what, error);
}

GBytes *
ead_watch_read (const char *path, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  return g_file_load_bytes (file, NULL, NULL, error);
}

/* Sets @same to whether the file at @path holds exactly @contents (FALSE
 * when it is gone); FALSE with an error when it cannot be read. */
static gboolean
holds (const char *path, GBytes *contents, gboolean *same, GError **error)
{
  g_autoptr (GError) read_error = NULL;
  g_autoptr (GBytes) now = ead_watch_read (path, &read_error);

  if (now == NULL && !g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }
  *same = now != NULL && g_bytes_equal (now, contents);
  return TRUE;
}

/* Removes @path, once filed as @target; when it cannot, takes @target back
 * so that a failed move leaves the file where it was, and only there. */
static gboolean
remove_filed (const char *path, const char *target, GError **error)
{
  if (g_unlink (path) == 0 || errno == ENOENT)
    return TRUE;
  int saved_errno = errno;
  g_unlink (target);
  return set_errno_error (error, saved_errno, "Cannot remove", path);
}

/* Moves the regular file @path into @folder by giving it a second name
 * there, when it still holds @contents: @moved is then that name, and NULL
 * when the file cannot be linked or holds other bytes now. */
static gboolean
move_by_link (const char *path, GBytes *contents, const char *folder, const char *name,
              char **moved, GError **error)
{
  struct stat st;
  gboolean same = FALSE;

  *moved = NULL;
  if (lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return TRUE;
  g_autofree char *target = place_under_free_name (place_by_link, path, folder, name);
  if (target == NULL)
    return TRUE;
  gboolean checked = holds (target, contents, &same, error);
  if (!checked || !same)
    {
      g_unlink (target);
      return checked;
    }
  if (!remove_filed (path, target, error))
    return FALSE;
  *moved = g_steal_pointer (&target);
  return TRUE;
}

char *
ead_watch_file_away (const char *path, GBytes *contents, const char *folder, gboolean copy,
                     GError **error)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *target = NULL;
  gboolean unchanged;

  if (!make_folder (folder, error)
      || (!copy && !move_by_link (path, contents, folder, name, &target, error)))
    return NULL;
  if (target != NULL)
    return g_steal_pointer (&target);
  /* Otherwise what was read is written there, and a move removes the file
   * unless it was rewritten since: that is a new arrival. */
  target = write_into (contents, folder, name, path, error);
  if (target == NULL || copy)
    return g_steal_pointer (&target);
  if (!holds (path, contents, &unchanged, error))
    {
      g_unlink (target);
      return NULL;
    }
  if (unchanged && !remove_filed (path, target, error))
    return NULL;
  return g_steal_pointer (&target);
}

char *
ead_watch_save_map (const EadImage *map, const char *folder, const char *image_path,
                    GError **error)
{
  g_autofree char *stem = g_path_get_basename (image_path);
  char *dot = strrchr (stem, '.');
  if (dot != NULL && dot != stem)
    *dot = '\0';
  g_autofree char *name = g_strconcat (stem, ".png", NULL);
  g_autofree char *wanted = g_build_filename (folder, name, NULL);
  g_autofree char *hidden = NULL;

  if (!make_folder (folder, error)
      || (hidden = reserve_hidden_path (folder, name, error)) == NULL)
    return NULL;
  if (!ead_image_save_png (map, hidden, error))
    {
      g_unlink (hidden);
      return NULL;
    }
  return name_hidden_file (hidden, folder, name, wanted, error);
}

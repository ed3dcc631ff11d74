/* test-watch.c: which monitor events bring a file, and filing files away
 * without overwriting or losing one. */

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "ead-watch.h"
#include "test-util.h"

static char *
write_file (const char *folder, const char *name, const char *contents)
{
  char *path = g_build_filename (folder, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

/* Files @path away as the line does: with the bytes it held when read. */
static char *
file_away (const char *path, const char *folder, gboolean copy, GError **error)
{
  g_autoptr (GBytes) contents = ead_watch_read (path, NULL);

  g_assert_nonnull (contents);
  return ead_watch_file_away (path, contents, folder, copy, error);
}

/* Rewrites the file @path in place, the same file under the same name, as
 * a camera that reuses a name may. */
static void
rewrite_in_place (const char *path, const char *contents)
{
  int fd = open (path, O_WRONLY | O_TRUNC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, contents, strlen (contents)), ==, strlen (contents));
  g_assert_cmpint (close (fd), ==, 0);
}

static void
assert_contents (const char *path, const char *expected)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, expected);
}

static void
test_arrived (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = write_file (dir->path, "part.png", "x");
  g_autofree char *hidden_path = write_file (dir->path, ".part.png", "x");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) hidden = g_file_new_for_path (hidden_path);
  g_autoptr (GFile) folder = g_file_new_for_path (dir->path);
  g_autoptr (GFile) missing = g_file_new_build_filename (dir->path, "gone.png", NULL);

  /* Written in place, moved in, renamed in: the file, once complete. */
  const GFileMonitorEvent complete[] = { G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT,
                                         G_FILE_MONITOR_EVENT_MOVED_IN };
  for (guint i = 0; i < G_N_ELEMENTS (complete); i++)
    {
      g_autofree char *arrived = ead_watch_arrived (complete[i], file, NULL);
      g_assert_cmpstr (arrived, ==, path);
    }
  g_autofree char *renamed = ead_watch_arrived (G_FILE_MONITOR_EVENT_RENAMED, hidden, file);
  g_assert_cmpstr (renamed, ==, path);
  /* Still being written, created, or leaving: nothing yet. */
  g_assert_null (ead_watch_arrived (G_FILE_MONITOR_EVENT_CREATED, file, NULL));
  g_assert_null (ead_watch_arrived (G_FILE_MONITOR_EVENT_CHANGED, file, NULL));
  g_assert_null (ead_watch_arrived (G_FILE_MONITOR_EVENT_RENAMED, file, hidden));
  g_assert_null (ead_watch_arrived (G_FILE_MONITOR_EVENT_DELETED, file, NULL));
  /* Hidden files, folders and files gone already. */
  g_assert_null (ead_watch_arrived (G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT, hidden, NULL));
  g_assert_null (ead_watch_arrived (G_FILE_MONITOR_EVENT_MOVED_IN, folder, NULL));
  g_assert_null (ead_watch_arrived (G_FILE_MONITOR_EVENT_MOVED_IN, missing, NULL));
}

static void
test_move_away (TempDir *dir, gconstpointer data)
{
  g_autofree char *fail = g_build_filename (dir->path, "fail", NULL);
  g_autoptr (GError) error = NULL;

  /* The first takes the name; the same name again gets -2, then -3. */
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *contents = g_strdup_printf ("part %u", i);
      g_autofree char *path = write_file (dir->path, "part.png", contents);
      g_autofree char *moved = file_away (path, fail, FALSE, &error);
      g_autofree char *expected_name = i == 1 ? g_strdup ("part.png")
                                              : g_strdup_printf ("part-%u.png", i);
      g_autofree char *expected = g_build_filename (fail, expected_name, NULL);

      g_assert_no_error (error);
      g_assert_cmpstr (moved, ==, expected);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      assert_contents (moved, contents);
    }
  /* Earlier files are untouched; a name without an extension is numbered too. */
  g_autofree char *first = g_build_filename (fail, "part.png", NULL);
  assert_contents (first, "part 1");
  g_autofree char *bare = write_file (dir->path, "part", "bare");
  g_autofree char *bare_target = g_build_filename (fail, "part", NULL);
  g_assert_true (g_file_set_contents (bare_target, "there", -1, NULL));
  g_autofree char *moved = file_away (bare, fail, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (moved, "/part-2"));
  assert_contents (moved, "bare");
  assert_contents (bare_target, "there");
}

static void
test_copy_away (TempDir *dir, gconstpointer data)
{
  g_autofree char *pass = g_build_filename (dir->path, "sorted", "pass", NULL);
  g_autofree char *path = write_file (dir->path, "part.png", "good part");
  g_autoptr (GError) error = NULL;

  g_autofree char *first = file_away (path, pass, TRUE, &error);
  g_assert_no_error (error);
  g_autofree char *second = file_away (path, pass, TRUE, &error);
  g_assert_no_error (error);
  assert_contents (path, "good part");
  assert_contents (first, "good part");
  g_assert_true (g_str_has_suffix (second, "/part-2.png"));
  assert_contents (second, "good part");
  /* No partial copy is left behind. */
  g_assert_cmpuint (test_count_entries (pass), ==, 2);
}

static EadImage *
grey_image (guint8 level)
{
  guint8 pixels[4 * 4];
  memset (pixels, level, sizeof pixels);
  return ead_image_new_from_gray8 (pixels, 4, 4, 4);
}

static void
assert_level (const char *path, guint8 level)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EadImage) image = ead_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ead_image_get_pixels (image)[0], ==, level);
}

/* A reject's map is named after its image, and never replaces another:
 * the same name twice, a name without an extension, a hidden-looking one. */
static void
test_save_map (TempDir *dir, gconstpointer data)
{
  g_autofree char *maps = g_build_filename (dir->path, "line", "maps", NULL);
  g_autoptr (EadImage) dark = grey_image (10);
  g_autoptr (EadImage) light = grey_image (200);
  g_autoptr (GError) error = NULL;

  g_autofree char *first = ead_watch_save_map (dark, maps, "/camera/part.jpg", &error);
  g_assert_no_error (error);
  g_autofree char *expected = g_build_filename (maps, "part.png", NULL);
  g_assert_cmpstr (first, ==, expected);
  g_autofree char *second = ead_watch_save_map (light, maps, "/other/part.png", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (second, "/part-2.png"));
  assert_level (first, 10);
  assert_level (second, 200);
  g_autofree char *bare = ead_watch_save_map (dark, maps, "/camera/part", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (bare, "/part-3.png"));
  g_autofree char *dotted = ead_watch_save_map (dark, maps, "/camera/.hidden", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (dotted, "/.hidden.png"));
  /* Nothing half written is left behind. */
  g_assert_cmpuint (test_count_entries (maps), ==, 4);
}

/* What is filed is what was scored: a file rewritten in place or replaced
 * after it was read stays for its own arrival, and one that has gone is
 * filed from what was read. */
static void
test_changed_since_read (TempDir *dir, gconstpointer data)
{
  g_autofree char *fail = g_build_filename (dir->path, "fail", NULL);
  g_autoptr (GBytes) scored = g_bytes_new_static ("scored part", strlen ("scored part"));
  g_autoptr (GError) error = NULL;

  for (guint copy = 0; copy <= 1; copy++)
    {
      /* In place, as a camera that reuses a name writes. */
      g_autofree char *path = write_file (dir->path, "part.png", "scored part");
      rewrite_in_place (path, "next part");
      g_autofree char *filed = ead_watch_file_away (path, scored, fail, copy, &error);
      g_assert_no_error (error);
      assert_contents (filed, "scored part");
      assert_contents (path, "next part");

      /* Replaced by a rename. */
      g_autofree char *hidden = write_file (dir->path, ".part.png.partial", "third part");
      g_assert_cmpint (g_rename (hidden, path), ==, 0);
      g_autofree char *again = ead_watch_file_away (path, scored, fail, copy, &error);
      g_assert_no_error (error);
      assert_contents (again, "scored part");
      assert_contents (path, "third part");
      g_assert_cmpint (g_unlink (path), ==, 0);

      /* Gone. */
      g_autofree char *gone = ead_watch_file_away (path, scored, fail, copy, &error);
      g_assert_no_error (error);
      assert_contents (gone, "scored part");
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  /* Nothing half written or doubly named is left behind. */
  g_assert_cmpuint (test_count_entries (fail), ==, 6);
}

/* A file filed by writing it is readable as any new file is; a symbolic
 * link is filed as the image it points to, which stays where it is. */
static void
test_written_files (TempDir *dir, gconstpointer data)
{
  g_autofree char *elsewhere = g_build_filename (dir->path, "elsewhere", NULL);
  g_autofree char *camera = g_build_filename (dir->path, "camera", NULL);
  g_autofree char *fail = g_build_filename (dir->path, "fail", NULL);
  g_assert_cmpint (g_mkdir (elsewhere, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (camera, 0755), ==, 0);
  g_autofree char *image = write_file (elsewhere, "part.png", "scored part");
  g_autofree char *link = g_build_filename (camera, "part.png", NULL);
  g_assert_cmpint (symlink (image, link), ==, 0);
  g_autoptr (GError) error = NULL;
  struct stat st;

  g_autofree char *filed = file_away (link, fail, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lstat (filed, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  mode_t mask = umask (0);
  umask (mask);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0666 & ~mask);
  assert_contents (filed, "scored part");
  g_assert_false (g_file_test (link, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK));
  assert_contents (image, "scored part");
}

static void
test_folder_is_a_file (TempDir *dir, gconstpointer data)
{
  g_autofree char *path = write_file (dir->path, "part.png", "scored part");
  g_autofree char *blocker = write_file (dir->path, "fail", "a file, not a folder");
  g_autoptr (GError) error = NULL;

  g_assert_null (file_away (path, blocker, FALSE, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, blocker));
  assert_contents (path, "scored part");
}

/* What waits in a folder: its complete files, oldest first; not hidden
 * files, folders or links. */
static void
test_list_waiting (TempDir *dir, gconstpointer data)
{
  g_autofree char *newer = write_file (dir->path, "a.png", "newer");
  g_autofree char *older = write_file (dir->path, "b.png", "older");
  g_autofree char *same_time = write_file (dir->path, "c.png", "as old");
  g_autofree char *hidden = write_file (dir->path, ".d.png.partial", "half");
  g_autofree char *folder = g_build_filename (dir->path, "pass", NULL);
  g_autofree char *link = g_build_filename (dir->path, "e.png", NULL);
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_cmpint (symlink (newer, link), ==, 0);
  struct utimbuf times = { 1000000000, 1000000000 };
  g_assert_cmpint (g_utime (older, &times), ==, 0);
  g_assert_cmpint (g_utime (same_time, &times), ==, 0);
  times.modtime += 60;
  g_assert_cmpint (g_utime (newer, &times), ==, 0);
  g_autoptr (GError) error = NULL;

  g_autoptr (GPtrArray) waiting = ead_watch_list_waiting (dir->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (waiting->len, ==, 3);
  g_assert_cmpstr (waiting->pdata[0], ==, older);
  g_assert_cmpstr (waiting->pdata[1], ==, same_time);
  g_assert_cmpstr (waiting->pdata[2], ==, newer);

  g_autofree char *gone = g_build_filename (dir->path, "gone", NULL);
  g_assert_null (ead_watch_list_waiting (gone, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  add_temp_dir_test ("/watch/arrived", test_arrived);
  add_temp_dir_test ("/watch/move-away", test_move_away);
  add_temp_dir_test ("/watch/copy-away", test_copy_away);
  add_temp_dir_test ("/watch/save-map", test_save_map);
  add_temp_dir_test ("/watch/changed-since-read", test_changed_since_read);
  add_temp_dir_test ("/watch/written-files", test_written_files);
  add_temp_dir_test ("/watch/folder-is-a-file", test_folder_is_a_file);
  add_temp_dir_test ("/watch/list-waiting", test_list_waiting);
  return g_test_run ();
}

/* test-util.h: data for the tests that need a dataset. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* @first and the further NULL-terminated parts as a path in the shared data
 * folder: $EAD_SHARED when set (CI points it at an empty folder to prove the
 * generated-data paths), otherwise ../shared beside the source tree, which
 * meson passes as EAD_SHARED_DEFAULT. The path may not exist. */
char *test_shared_path (const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Makes a small MVTec-layout dataset under @scratch and returns its root:
 * a subset of ../shared/datasets/mvtec_ad/bottle, linked, when it exists
 * (EAD_SHARED names the shared folder), generated images otherwise. Says
 * which through g_test_message and on stderr. */
char *test_make_small_dataset (const char *scratch);

/* Writes @image (an EadImage) with a dark spot in its middle as the PNG
 * @path: a new file with a defect. */
void test_write_spotted_copy (gconstpointer image, const char *path);

/* The contents of tests/data/@relative (EAD_TEST_DATA names tests/data). */
GBytes *test_read_data (const char *relative);

/* Name @index (below 32768) of a family whose g_str_hash values are all
 * equal: g_str_hash is h * 33 + c, and "aa" and "b@" add the same to any
 * h, so each name is 15 such pairs. */
char *test_colliding_name (guint index);

/* Removes @path and everything under it. */
void test_remove_tree (const char *path);
/* How many entries the folder @path holds, hidden ones included; 0 when it
 * does not exist. */
guint test_count_entries (const char *path);

/* Every child a test starts dies with the test process, however that ends:
 * a failed assertion aborts it without running any teardown. A child setup
 * function for g_spawn_*() (Linux's parent-death signal). */
void test_child_dies_with_parent (gpointer unused);
/* A launcher whose children die with the test process. */
GSubprocessLauncher *test_launcher_new (GSubprocessFlags flags);

/* A program run to its end: exit status and what it printed. */
typedef struct {
  int status;
  char *out;
  char *err;
} TestRun;

/* Runs the NULL-terminated @argv (the program found in PATH). */
TestRun test_run_program (const char *const *argv);
/* Runs efficientad ($EAD_CLI) with the NULL-terminated arguments. */
TestRun test_run_cli (const char *first, ...) G_GNUC_NULL_TERMINATED;
void test_run_clear (TestRun *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestRun, test_run_clear)

/* A fresh temporary folder per test, removed with all it holds. */
typedef struct {
  char *path;
} TempDir;

void temp_dir_setup (TempDir *dir, gconstpointer data);
void temp_dir_teardown (TempDir *dir, gconstpointer data);
void add_temp_dir_test (const char *path, void (*test) (TempDir *, gconstpointer));

/* Tests that run only where something is at hand (PART "shared": the
 * shared data; "unprivileged": a user whom file permissions bind) form a
 * meson test of their own, PROGRAM-PART, which sets EAD_TEST_PART=PART and
 * runs the paths under /PART/PROGRAM (@path begins with /PROGRAM). So where they cannot run, meson's summary
 * counts a skipped test instead of hiding the skips inside a passing one.
 * Outside that run they are not added at all. */
void test_add_part (const char *part, const char *path, GTestFunc test);
void test_add_temp_dir_part (const char *part, const char *path,
                             void (*test) (TempDir *, gconstpointer));

G_END_DECLS

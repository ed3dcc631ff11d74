/* test-util.h: data for the tests that need a dataset. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes a small MVTec-layout dataset under @scratch and returns its root:
 * a subset of ../shared/datasets/mvtec_ad/bottle, linked, when it exists
 * (EAD_SHARED names the shared folder), generated images otherwise. Says
 * which through g_test_message and on stderr. */
char *test_make_small_dataset (const char *scratch);

/* The contents of tests/data/@relative (EAD_TEST_DATA names tests/data). */
GBytes *test_read_data (const char *relative);

/* Removes @path and everything under it. */
void test_remove_tree (const char *path);

/* A fresh temporary folder per test, removed with all it holds. */
typedef struct {
  char *path;
} TempDir;

void temp_dir_setup (TempDir *dir, gconstpointer data);
void temp_dir_teardown (TempDir *dir, gconstpointer data);
void add_temp_dir_test (const char *path, void (*test) (TempDir *, gconstpointer));

G_END_DECLS

/* test-fixture.h: the metrics fixtures, the .txt files in tests/data/metrics
 * written by make-fixtures.py: "case NAME" lines, each followed by
 * "KEY v1 v2 ..." lines. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name;
  GHashTable *fields;  /* key -> GArray of double */
} FixtureCase;

/* All cases of tests/data/metrics/@basename (EAD_TEST_DATA names tests/data). */
GPtrArray *load_fixture (const char *basename);
GArray *fixture_field (FixtureCase *fixture, const char *key);
float *fixture_floats (FixtureCase *fixture, const char *key, gsize *n);
guint8 *fixture_bytes (FixtureCase *fixture, const char *key, gsize *n);
double fixture_number (FixtureCase *fixture, const char *key);

G_END_DECLS

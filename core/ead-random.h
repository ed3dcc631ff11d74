/* ead-random.h: a small seeded random generator (SplitMix64) whose sequence
 * is the same on every platform and library version, so seeds reproduce
 * splits and training runs exactly. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 state;
} EadRandom;

/* A generator for the stream named by @seed and @stream (e.g. a step
 * index): independent streams without keeping state between them. */
void ead_random_init (EadRandom *random, guint64 seed, guint64 stream);
guint64 ead_random_next (EadRandom *random);
/* Uniform in [0, 1). */
double ead_random_double (EadRandom *random);
/* Uniform in [0, n), n > 0, without modulo bias. */
guint32 ead_random_below (EadRandom *random, guint32 n);
/* Fisher-Yates shuffle of @n indices. */
void ead_random_shuffle (EadRandom *random, guint *indices, guint n);

G_END_DECLS

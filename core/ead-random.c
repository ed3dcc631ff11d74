/* ead-random.c: SplitMix64 (Steele, Lea and Flood, OOPSLA 2014). */

#include "ead-random.h"

static guint64
mix (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
ead_random_init (EadRandom *random, guint64 seed, guint64 stream)
{
  /* Mixing the stream in keeps neighbouring streams unrelated. */
  random->state = mix (seed) ^ mix (stream + G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
}

guint64
ead_random_next (EadRandom *random)
{
  random->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return mix (random->state);
}

double
ead_random_double (EadRandom *random)
{
  /* The top 53 bits fill a double's mantissa exactly. */
  return (ead_random_next (random) >> 11) * (1.0 / 9007199254740992.0);
}

guint32
ead_random_below (EadRandom *random, guint32 n)
{
  g_return_val_if_fail (n > 0, 0);
  /* Rejects the incomplete last block of the 64-bit range. */
  guint64 limit = G_MAXUINT64 - G_MAXUINT64 % n;
  guint64 value;
  do
    value = ead_random_next (random);
  while (value >= limit);
  return (guint32) (value % n);
}

void
ead_random_shuffle (EadRandom *random, guint *indices, guint n)
{
  for (guint i = n; i > 1; i--)
    {
      guint j = ead_random_below (random, i);
      guint t = indices[i - 1];
      indices[i - 1] = indices[j];
      indices[j] = t;
    }
}

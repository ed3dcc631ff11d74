/* ead-hash.c: a string hash seeded per process. */
#include "ead-hash.h"

static guint64
process_multiplier (void)
{
  static guint64 multiplier;
  static gsize drawn;

  if (g_once_init_enter (&drawn))
    {
      /* Odd, so that multiplying loses no bits. */
      multiplier = (guint64) g_random_int () << 32 | g_random_int () | 1;
      g_once_init_leave (&drawn, 1);
    }
  return multiplier;
}

guint
ead_untrusted_str_hash (gconstpointer key)
{
  guint64 multiplier = process_multiplier ();
  guint64 h = multiplier;

  for (const guchar *p = key; *p != '\0'; p++)
    h = (h ^ *p) * multiplier;
  return (guint) (h ^ h >> 32);
}

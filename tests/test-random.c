/* test-random.c: the seeded generator. */

#include "ead-random.h"

/* The first outputs of SplitMix64 from state 0, as published with the
 * algorithm's reference code (e.g. 0xe220a8397b1dcdaf). */
static void
test_splitmix_reference (void)
{
  EadRandom random = { 0 };
  g_assert_cmphex (ead_random_next (&random), ==, G_GUINT64_CONSTANT (0xe220a8397b1dcdaf));
  g_assert_cmphex (ead_random_next (&random), ==, G_GUINT64_CONSTANT (0x6e789e6aa1b965f4));
  g_assert_cmphex (ead_random_next (&random), ==, G_GUINT64_CONSTANT (0x06c45d188009454f));
}

static void
test_streams_repeat_and_differ (void)
{
  EadRandom a, b, c;
  ead_random_init (&a, 42, 7);
  ead_random_init (&b, 42, 7);
  ead_random_init (&c, 42, 8);
  guint64 x = ead_random_next (&a);
  g_assert_cmphex (x, ==, ead_random_next (&b));
  g_assert_cmphex (x, !=, ead_random_next (&c));
}

static void
test_below_and_double (void)
{
  EadRandom random;
  ead_random_init (&random, 3, 0);
  guint counts[5] = { 0 };
  for (int i = 0; i < 50000; i++)
    {
      guint32 v = ead_random_below (&random, 5);
      g_assert_cmpuint (v, <, 5);
      counts[v]++;
      double d = ead_random_double (&random);
      g_assert_true (d >= 0.0 && d < 1.0);
    }
  /* Each value near 10,000: far outside 5 sigma (~450) means bias. */
  for (int i = 0; i < 5; i++)
    g_assert_cmpuint (ABS ((int) counts[i] - 10000), <, 450);
}

static void
test_shuffle_is_permutation (void)
{
  EadRandom random;
  ead_random_init (&random, 9, 1);
  guint order[100];
  for (guint i = 0; i < 100; i++)
    order[i] = i;
  ead_random_shuffle (&random, order, 100);
  gboolean seen[100] = { FALSE };
  guint moved = 0;
  for (guint i = 0; i < 100; i++)
    {
      g_assert_false (seen[order[i]]);
      seen[order[i]] = TRUE;
      moved += order[i] != i;
    }
  g_assert_cmpuint (moved, >, 50);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/random/splitmix-reference", test_splitmix_reference);
  g_test_add_func ("/random/streams-repeat-and-differ", test_streams_repeat_and_differ);
  g_test_add_func ("/random/below-and-double", test_below_and_double);
  g_test_add_func ("/random/shuffle-is-permutation", test_shuffle_is_permutation);
  return g_test_run ();
}

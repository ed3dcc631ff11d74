/* test-quantile.c: exact quantiles against hand-worked values, a sort-based
 * reference and numpy.quantile. */

#include "ead-quantile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "test-fixture.h"

static const double some_qs[] = { 0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.995, 1.0 };

/* Fixtures: "case NAME" starts a record of lines "key number number ...". */

/* The reference: sort everything, interpolate between neighbours. */

static int
compare_floats (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

static double
quantile_by_sorting (const float *values, gsize n, double q)
{
  g_autofree float *sorted = g_memdup2 (values, n * sizeof *values);
  double position = q * (n - 1);
  gsize below = floor (position);
  gsize above = MIN (below + 1, n - 1);

  qsort (sorted, n, sizeof *sorted, compare_floats);
  return sorted[below] + (sorted[above] - (double) sorted[below]) * (position - below);
}

static void
assert_close (double actual, double expected)
{
  g_assert_cmpfloat_with_epsilon (actual, expected, 1e-12 * MAX (1.0, fabs (expected)));
}

static void
test_empty_is_nan (void)
{
  g_assert_true (isnan (ead_quantile (NULL, 0, 0.5)));
  g_assert_true (isnan (ead_quantile_inplace (NULL, 0, 0.5)));
}

static void
test_single_value (void)
{
  const float values[] = { 4.25f };

  for (gsize i = 0; i < G_N_ELEMENTS (some_qs); i++)
    g_assert_cmpfloat (ead_quantile (values, 1, some_qs[i]), ==, 4.25);
}

static void
test_hand_worked (void)
{
  /* Sorted: 1 1 2 3 5 5 5; position q * 6. */
  const float values[] = { 5, 1, 5, 3, 1, 5, 2 };
  const float pair[] = { 2, -1 };

  g_assert_cmpfloat (ead_quantile (values, 7, 0.0), ==, 1.0);
  g_assert_cmpfloat (ead_quantile (values, 7, 0.1), ==, 1.0);   /* 0.6: between 1 and 1 */
  g_assert_cmpfloat (ead_quantile (values, 7, 0.25), ==, 1.5);  /* 1.5: halfway 1 .. 2 */
  g_assert_cmpfloat (ead_quantile (values, 7, 0.5), ==, 3.0);   /* 3: exactly the 4th */
  assert_close (ead_quantile (values, 7, 0.6), 4.2);            /* 3.6: 3 + 0.6 * (5 - 3) */
  g_assert_cmpfloat (ead_quantile (values, 7, 0.75), ==, 5.0);  /* 4.5: between 5 and 5 */
  g_assert_cmpfloat (ead_quantile (values, 7, 1.0), ==, 5.0);

  /* Sorted: -1 2; position 0.3: -1 + 0.3 * 3. */
  assert_close (ead_quantile (pair, 2, 0.3), -0.1);
}

static void
test_nan_propagates (void)
{
  const float values[] = { 1, NAN, 3 };

  g_assert_true (isnan (ead_quantile (values, 3, 0.5)));
}

static void
test_input_untouched (void)
{
  const float values[] = { 9, 3, 7, 1, 8 };
  float copy[G_N_ELEMENTS (values)];

  memcpy (copy, values, sizeof values);
  g_assert_cmpfloat (ead_quantile (copy, G_N_ELEMENTS (copy), 0.5), ==, 7.0);
  g_assert_cmpmem (copy, sizeof copy, values, sizeof values);
}

typedef enum {
  ORDER_RANDOM,
  ORDER_FEW_VALUES,
  ORDER_SORTED,
  ORDER_REVERSED,
  ORDER_CONSTANT,
  ORDER_ORGAN_PIPE,
  ORDER_SAWTOOTH,
  N_ORDERS
} Order;

static void
fill_values (float *values, gsize n, Order order, GRand *rand)
{
  for (gsize i = 0; i < n; i++)
    {
      switch (order)
        {
        case ORDER_RANDOM:
          values[i] = g_rand_double_range (rand, -1.0, 1.0);
          break;
        case ORDER_FEW_VALUES:
          values[i] = g_rand_int_range (rand, 0, 5);
          break;
        case ORDER_SORTED:
          values[i] = i;
          break;
        case ORDER_REVERSED:
          values[i] = n - i;
          break;
        case ORDER_CONSTANT:
          values[i] = 0.5f;
          break;
        case ORDER_ORGAN_PIPE:
          values[i] = MIN (i, n - 1 - i);
          break;
        case ORDER_SAWTOOTH:
          values[i] = i % 16;
          break;
        case N_ORDERS:
          g_assert_not_reached ();
        }
    }
}

static void
test_against_sorting (void)
{
  const gsize sizes[] = { 1, 2, 3, 5, 10, 63, 64, 65, 100, 1000, 4097, 100000 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (Order order = 0; order < N_ORDERS; order++)
      {
        gsize n = sizes[s];
        g_autofree float *values = g_new (float, n);

        fill_values (values, n, order, rand);
        for (gsize i = 0; i < G_N_ELEMENTS (some_qs); i++)
          assert_close (ead_quantile (values, n, some_qs[i]),
                        quantile_by_sorting (values, n, some_qs[i]));
      }
}

static void
test_numpy_fixtures (void)
{
  g_autoptr(GPtrArray) cases = load_fixture ("quantile.txt");

  for (guint c = 0; c < cases->len; c++)
    {
      FixtureCase *fixture = cases->pdata[c];
      gsize n;
      g_autofree float *values = fixture_floats (fixture, "values", &n);
      GArray *qs = fixture_field (fixture, "q");
      GArray *expected = fixture_field (fixture, "expected");

      g_test_message ("case %s", fixture->name);
      g_assert_cmpuint (qs->len, ==, expected->len);
      for (guint i = 0; i < qs->len; i++)
        assert_close (ead_quantile (values, n, g_array_index (qs, double, i)),
                      g_array_index (expected, double, i));
    }
}

/* torch.quantile stops at 2^24 values; a validation set's pixels exceed it. */
static void
test_beyond_two_to_the_24 (void)
{
  /* Each of 0 .. 1023 occurs 16385 times, scattered by a stride coprime to
   * n: the k-th smallest value is k / 16385. */
  const gsize repeats = 16385, n = 1024 * repeats;
  g_autofree float *values = g_new (float, n);
  double position = 0.9 * (n - 1);
  gsize below = floor (position);

  g_assert_cmpuint (n, >, 1 << 24);
  for (gsize i = 0; i < n; i++)
    values[(i * 7919) % n] = i % 1024;
  assert_close (ead_quantile_inplace (values, n, 0.9),
                below / repeats + (double) ((below + 1) / repeats - below / repeats) *
                (position - below));

  /* Constant and sorted inputs of that size stay linear. */
  fill_values (values, n, ORDER_CONSTANT, NULL);
  g_assert_cmpfloat (ead_quantile_inplace (values, n, 0.5), ==, 0.5);
  for (gsize i = 0; i < n; i++)
    values[i] = i / 64;
  g_assert_cmpfloat (ead_quantile_inplace (values, n, 1.0), ==, (n - 1) / 64);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quantile/empty-is-nan", test_empty_is_nan);
  g_test_add_func ("/quantile/single-value", test_single_value);
  g_test_add_func ("/quantile/hand-worked", test_hand_worked);
  g_test_add_func ("/quantile/nan-propagates", test_nan_propagates);
  g_test_add_func ("/quantile/input-untouched", test_input_untouched);
  g_test_add_func ("/quantile/against-sorting", test_against_sorting);
  g_test_add_func ("/quantile/numpy-fixtures", test_numpy_fixtures);
  g_test_add_func ("/quantile/beyond-2^24", test_beyond_two_to_the_24);

  return g_test_run ();
}

/* ead-quantile.c: exact quantiles by selection (quickselect with a 3-way
 * partition, falling back to sorting when the pivots keep failing). */

#include "ead-quantile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Below this many values a pivot is the median of three, above it the median
 * of three medians of three (Tukey's ninther), which copes with organ-pipe and
 * sawtooth orders that fool a plain median of three. */
#define NINTHER_MIN 64

static inline void
swap_values (float *values, gsize a, gsize b)
{
  float tmp = values[a];

  values[a] = values[b];
  values[b] = tmp;
}

static inline float
median_of_three (float a, float b, float c)
{
  if (a < b)
    return b < c ? b : (a < c ? c : a);
  return a < c ? a : (b < c ? c : b);
}

static float
choose_pivot (const float *values, gsize n)
{
  gsize step;

  if (n < NINTHER_MIN)
    return median_of_three (values[0], values[n / 2], values[n - 1]);

  step = n / 8;
  return median_of_three (
    median_of_three (values[0], values[step], values[2 * step]),
    median_of_three (values[3 * step], values[4 * step], values[5 * step]),
    median_of_three (values[6 * step], values[7 * step], values[n - 1]));
}

/* Dijkstra's 3-way partition: [0, *less_end) < pivot, [*less_end,
 * *greater_start) == pivot, [*greater_start, n) > pivot. Grouping the values
 * equal to the pivot is what keeps constant inputs linear. */
static void
partition_three_way (float *values, gsize n, float pivot,
                     gsize *less_end, gsize *greater_start)
{
  gsize less = 0, i = 0, greater = n;

  while (i < greater)
    {
      if (values[i] < pivot)
        swap_values (values, less++, i++);
      else if (values[i] > pivot)
        swap_values (values, i, --greater);
      else
        i++;
    }

  *less_end = less;
  *greater_start = greater;
}

static int
compare_floats (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* Moves the k-th smallest value (0-based) to values[k], smaller ones before
 * it and larger ones after it. */
static void
select_kth (float *values, gsize n, gsize k)
{
  /* Each good partition at least shrinks the range by a constant factor;
   * after twice the expected number of rounds the input is adversarial and
   * sorting bounds the cost at O(n log n). */
  guint rounds_left = 2 * g_bit_storage (n);

  while (n > 1)
    {
      gsize less_end, greater_start;

      if (rounds_left-- == 0)
        {
          qsort (values, n, sizeof *values, compare_floats);
          return;
        }

      partition_three_way (values, n, choose_pivot (values, n), &less_end, &greater_start);
      if (k < less_end)
        {
          n = less_end;
        }
      else if (k >= greater_start)
        {
          values += greater_start;
          n -= greater_start;
          k -= greater_start;
        }
      else
        {
          return;
        }
    }
}

static float
smallest_value (const float *values, gsize n)
{
  float smallest = values[0];

  for (gsize i = 1; i < n; i++)
    if (values[i] < smallest)
      smallest = values[i];
  return smallest;
}

static gboolean
has_nan (const float *values, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (isnan (values[i]))
      return TRUE;
  return FALSE;
}

/* torch.lerp's formula (numpy's too): exact at both ends and symmetric. */
static double
lerp (double a, double b, double weight)
{
  if (weight < 0.5)
    return a + (b - a) * weight;
  return b - (b - a) * (1.0 - weight);
}

double
ead_quantile_inplace (float *values, gsize n, double q)
{
  double position, weight;
  gsize below;
  float above;

  g_return_val_if_fail (q >= 0.0 && q <= 1.0, NAN);
  g_return_val_if_fail (values != NULL || n == 0, NAN);

  /* torch.quantile propagates NaN; comparisons with NaN would also leave the
   * selection without an order. */
  if (n == 0 || has_nan (values, n))
    return NAN;

  position = q * (double) (n - 1);
  below = (gsize) floor (position);
  weight = position - (double) below;

  select_kth (values, n, below);
  if (weight == 0.0)
    return values[below];

  /* Everything after the k-th value is at least as large: the next order
   * statistic is the smallest of them. */
  above = smallest_value (values + below + 1, n - below - 1);
  return lerp (values[below], above, weight);
}

double
ead_quantile (const float *values, gsize n, double q)
{
  g_autofree float *copy = NULL;

  g_return_val_if_fail (values != NULL || n == 0, NAN);

  if (n == 0)
    return NAN;

  copy = g_new (float, n);
  memcpy (copy, values, n * sizeof *values);
  return ead_quantile_inplace (copy, n, q);
}

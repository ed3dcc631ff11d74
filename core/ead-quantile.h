/* ead-quantile.h: exact quantiles of any number of values. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The q-quantile (0 <= q <= 1) of @values, interpolated linearly between the
 * two nearest order statistics exactly as torch.quantile(..., interpolation=
 * "linear") does: position q * (n - 1). Works for any n >= 1 (torch.quantile
 * refuses more than 2^24 elements). Reorders @values (selection, O(n)). NaN
 * when n == 0 or, as torch does, when a value is NaN. */
double ead_quantile_inplace (float *values, gsize n, double q);

/* The same without touching @values (works on a copy). */
double ead_quantile (const float *values, gsize n, double q);

G_END_DECLS

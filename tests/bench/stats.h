/* SPDX-License-Identifier: Apache-2.0 */
/* What the benchmarks share: their settings from the environment, a clock, order statistics. */
#ifndef PLUGNET_BENCH_STATS_H
#define PLUGNET_BENCH_STATS_H

#include <stddef.h>

/*
 * The environment variable `name` as a number in min..max; `def` when it
 * is unset or empty, and also (with a warning naming it) when it is not
 * such a number.
 */
unsigned int bench_env_uint(const char *name, unsigned int def, unsigned int min, unsigned int max);

/* CLOCK_MONOTONIC in nanoseconds. */
double bench_now_ns(void);

/* Of n > 0 values; v is left as it is. */
double bench_median(const double *v, size_t n);
double bench_minimum(const double *v, size_t n);
double bench_maximum(const double *v, size_t n);

#endif

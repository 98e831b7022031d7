/* SPDX-License-Identifier: MIT */
/*
 * stop.c — when a figure has enough runs. On a shared machine a single run
 * can take several times as long as its neighbours, so a fixed count of
 * runs gives medians whose min-max spread is as wide as the effect being
 * measured. A figure keeps running until its last few runs agree (their
 * throughput spread, max-min over median, under cfg.settle), or until it
 * has cfg.max_runs runs or has used its time budget; never fewer than
 * cfg.reps runs.
 */
#include <stdlib.h>

#include "bench.h"

#define WINDOW 3 /* the last runs that must agree */

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double zb_spread(const struct zb_cell *c)
{
	double v[WINDOW];
	int n = c->nruns < WINDOW ? c->nruns : WINDOW;

	if (n < 2)
		return 1e9;
	for (int i = 0; i < n; i++)
		v[i] = c->runs[c->nruns - n + i][ZB_M_MIBS];
	qsort(v, (size_t)n, sizeof(v[0]), cmp);
	return v[n / 2] > 0 ? (v[n - 1] - v[0]) / v[n / 2] : 1e9;
}

bool zb_enough(const struct zb_config *cfg, const struct zb_cell *c)
{
	if (c->nruns < cfg->reps)
		return false;
	if (c->nruns >= cfg->max_runs || c->nruns >= ZB_MAX_REPS)
		return true;
	if (c->nruns >= WINDOW && zb_spread(c) <= cfg->settle)
		return true;
	return c->spent >= cfg->fig_budget;
}

/* SPDX-License-Identifier: MIT */
/*
 * report_json.c — every figure zcbench has, as one JSON document: the
 * machine, the configuration, for each scenario/method/cache the status,
 * the model's row and median/min/max of every metric (plus each run), the
 * disk mechanisms, the copy-on-write figures and the verdicts.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "bench.h"
#include "common.h"

static const char *status_name(enum zb_status s)
{
	switch (s) {
	case ZB_OK:
		return "ok";
	case ZB_NA:
		return "n/a";
	case ZB_FAILED:
		return "failed";
	default:
		return "not run";
	}
}

/* Whole numbers exactly (the writer keeps 9 digits of a double). */
static void number(struct tc_json *j, const char *key, double v)
{
	if (v == floor(v) && fabs(v) < 9e15)
		tc_json_i64(j, key, (int64_t)v);
	else
		tc_json_double(j, key, v);
}

static void model_row(struct tc_json *j, enum zc_method m)
{
	const struct zc_method_info *i = zc_method_info(m);

	if (!i) {
		tc_json_null(j, "model");
		return;
	}
	tc_json_begin_object(j, "model");
	tc_json_i64(j, "switches", i->switches);
	tc_json_i64(j, "cpu_copies", i->cpu_copies);
	tc_json_i64(j, "dma_copies", i->dma_copies);
	tc_json_i64(j, "syscalls_per_chunk", i->syscalls_per_chunk);
	tc_json_str(j, "kernel", i->kernel);
	tc_json_str(j, "summary", i->summary);
	tc_json_end_object(j);
}

static void cell(struct tc_json *j, const struct zb_cell *c)
{
	tc_json_str(j, "status", status_name(c->status));
	if (c->status != ZB_OK) {
		tc_json_str(j, "reason", c->reason);
		return;
	}
	tc_json_str(j, "used_method", zc_method_name(c->used));
	tc_json_bool(j, "verified", c->verified);
	tc_json_i64(j, "runs", c->nruns);
	tc_json_bool(j, "settled", c->settled);
	tc_json_double(j, "last_runs_spread", zb_spread(c));
	tc_json_double(j, "timed_s", c->spent);
	tc_json_begin_object(j, "metrics");
	for (int k = 0; k < ZB_METRIC_COUNT; k++) {
		tc_json_begin_object(j, zb_metrics[k].key);
		number(j, "median", c->sum[k].med);
		number(j, "min", c->sum[k].min);
		number(j, "max", c->sum[k].max);
		number(j, "cmp_lo", c->sum[k].lo);
		number(j, "cmp_hi", c->sum[k].hi);
		tc_json_str(j, "unit", zb_metrics[k].unit);
		tc_json_end_object(j);
	}
	tc_json_end_object(j);
	tc_json_begin_array(j, "per_run");
	for (int i = 0; i < c->nruns; i++) {
		tc_json_begin_object(j, NULL);
		for (int k = 0; k < ZB_METRIC_COUNT; k++)
			number(j, zb_metrics[k].key, c->runs[i][k]);
		tc_json_end_object(j);
	}
	tc_json_end_array(j);
}

static void header(struct tc_json *j, const struct zb_results *r)
{
	const struct zb_config *c = &r->cfg;

	tc_json_str(j, "tool", "zcbench");
	tc_json_str(j, "version", zc_version());
	tc_json_begin_object(j, "machine");
	tc_json_str(j, "kernel", r->mach.kernel);
	tc_json_str(j, "cpu", r->mach.cpu);
	tc_json_i64(j, "nproc", r->mach.nproc);
	tc_json_str(j, "fs", r->mach.fs);
	tc_json_str(j, "dir", r->mach.dir);
	tc_json_end_object(j);
	tc_json_begin_object(j, "config");
	tc_json_u64(j, "size", r->src_size);
	tc_json_i64(j, "reps", c->reps);
	tc_json_i64(j, "min_runs", c->reps);
	tc_json_i64(j, "max_runs", c->max_runs);
	tc_json_double(j, "settle", c->settle);
	tc_json_double(j, "figure_budget_s", c->fig_budget);
	tc_json_bool(j, "quick", c->quick);
	tc_json_double(j, "budget_s", c->budget);
	tc_json_begin_array(j, "scenarios");
	for (int s = 0; s < ZB_SCENARIO_COUNT; s++)
		if (c->scen[s])
			tc_json_str(j, NULL, zb_scenario_name(s));
	if (c->disk)
		tc_json_str(j, NULL, "disk");
	if (c->cow)
		tc_json_str(j, NULL, "cow");
	tc_json_end_array(j);
	tc_json_begin_array(j, "methods");
	for (int i = 0; i < ZC_METHOD_COUNT; i++)
		if (c->method[zb_method_at(i)])
			tc_json_str(j, NULL, zc_method_name(zb_method_at(i)));
	tc_json_end_array(j);
	tc_json_begin_array(j, "caches");
	for (int k = 0; k < ZB_CACHE_COUNT; k++)
		if (c->cache[k])
			tc_json_str(j, NULL, zb_cache_name(k));
	tc_json_end_array(j);
	tc_json_end_object(j);
	if (r->note[0])
		tc_json_str(j, "note", r->note);
}

static void scenarios(struct tc_json *j, const struct zb_results *r)
{
	tc_json_begin_array(j, "scenarios");
	for (int s = 0; s < ZB_SCENARIO_COUNT; s++) {
		if (!r->cfg.scen[s])
			continue;
		tc_json_begin_object(j, NULL);
		tc_json_str(j, "name", zb_scenario_name(s));
		tc_json_str(j, "title", zb_scenario_title(s));
		/* Who was at the other end of the timed runs, and where. */
		tc_json_str(j, "receiver", r->far[s]);
		tc_json_begin_array(j, "results");
		for (int k = 0; k < ZB_CACHE_COUNT; k++) {
			if (!r->cfg.cache[k] || !zb_cache_applies(s, k))
				continue;
			for (int i = 0; i < ZC_METHOD_COUNT; i++) {
				enum zc_method m = zb_method_at(i);
				const struct zb_cell *c = &r->cell[s][m][k];

				if (!r->cfg.method[m])
					continue;
				tc_json_begin_object(j, NULL);
				tc_json_str(j, "method", zc_method_name(m));
				tc_json_str(j, "cache", zb_cache_name(k));
				model_row(j, m);
				if (k == ZB_COLD)
					tc_json_double(j, "cold_resident_max",
						       c->resident);
				cell(j, c);
				tc_json_end_object(j);
			}
		}
		tc_json_end_array(j);
		tc_json_end_object(j);
	}
	tc_json_end_array(j);
}

static void disk(struct tc_json *j, const struct zb_results *r)
{
	tc_json_begin_array(j, "disk");
	for (int i = 0; i < ZB_READ_MODES; i++) {
		tc_json_begin_object(j, NULL);
		tc_json_str(j, "mechanism", zb_read_mode_name(i));
		if (i == ZC_READ_POLLED)
			tc_json_str(j, "label",
				    r->disk.polled_spin ? ZB_SPIN_LABEL
							: "polled (IOPOLL)");
		if (i == ZC_READ_POLLED && r->disk.polled_spin)
			tc_json_str(j, "iopoll", r->disk.polled_iopoll);
		tc_json_str(j, "cache", "cold");
		tc_json_double(j, "cold_resident_max",
			       r->disk.mode[i].resident);
		cell(j, &r->disk.mode[i]);
		tc_json_end_object(j);
	}
	tc_json_end_array(j);
}

static void cow(struct tc_json *j, const struct zb_results *r)
{
	const struct zb_cow *w = &r->cow;

	tc_json_begin_object(j, "cow");
	tc_json_i64(j, "view_status", w->view_status);
	tc_json_u64(j, "view_bytes", w->view_bytes);
	tc_json_u64(j, "pages_read", w->pages_read);
	tc_json_u64(j, "read_minor_faults", w->read_minflt);
	tc_json_i64(j, "read_private_kib", w->read_anon_kb);
	tc_json_double(j, "read_s", w->read_s);
	tc_json_u64(j, "pages_written", w->pages_written);
	tc_json_u64(j, "write_minor_faults", w->write_minflt);
	tc_json_i64(j, "write_private_kib", w->write_anon_kb);
	tc_json_double(j, "write_s", w->write_s);
	tc_json_bool(j, "view_verified", w->view_ok);
	tc_json_i64(j, "clone_status", w->clone_status);
	tc_json_str(j, "clone_fs", w->clone_fs);
	tc_json_str(j, "clone_note", w->clone_note);
	tc_json_u64(j, "clone_bytes", w->clone_bytes);
	tc_json_double(j, "clone_s", w->clone_s);
	tc_json_bool(j, "clone_verified", w->clone_verified);
	if (w->copy_measured)
		tc_json_double(j, "copy_s", w->copy_s);
	tc_json_end_object(j);
}

int zb_write_json(const char *path, const struct zb_results *r)
{
	struct tc_json j;
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	tc_json_init(&j, f);
	tc_json_begin_object(&j, NULL);
	header(&j, r);
	scenarios(&j, r);
	if (r->disk.run)
		disk(&j, r);
	if (r->cow.run)
		cow(&j, r);
	tc_json_begin_array(&j, "verdicts");
	for (int i = 0; i < r->nverdicts; i++) {
		tc_json_begin_object(&j, NULL);
		tc_json_str(&j, "claim", r->verdict[i].claim);
		tc_json_str(&j, "outcome", r->verdict[i].outcome);
		tc_json_str(&j, "measured", r->verdict[i].measured);
		tc_json_end_object(&j);
	}
	tc_json_end_array(&j);
	tc_json_i64(&j, "failures", r->failures);
	tc_json_double(&j, "elapsed_s", r->elapsed);
	tc_json_end_object(&j);
	ret = tc_json_finish(&j);
	if (fclose(f) != 0 && ret == 0)
		ret = -EIO;
	return ret;
}

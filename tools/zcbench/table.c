/* SPDX-License-Identifier: MIT */
/*
 * table.c — the text report: for each scenario and cache state, every
 * method's model row (switches, CPU copies, DMA copies) beside the medians
 * measured for the sending thread, then the disk read mechanisms, the
 * copy-on-write figures and the verdicts on the classic model's claims.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "common.h"

const char *zb_num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (a == 0)
		snprintf(buf, len, "0");
	else if (a >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (a >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.2f", v);
	else if (a >= 0.001)
		snprintf(buf, len, "%.3f", v);
	else
		snprintf(buf, len, "%.1e", v);
	return buf;
}

static const char *range(const struct zb_summary *s, char *buf, size_t len)
{
	char a[24], b[24], c[24];

	snprintf(buf, len, "%s [%s-%s]", zb_num(s->med, a, sizeof(a)),
		 zb_num(s->min, b, sizeof(b)), zb_num(s->max, c, sizeof(c)));
	return buf;
}

static void model_cols(FILE *f, enum zc_method m)
{
	const struct zc_method_info *i = zc_method_info(m);

	if (i && m != ZC_AUTO)
		fprintf(f, " %2d %3d %3d |", i->switches, i->cpu_copies,
			i->dma_copies);
	else
		fprintf(f, "  -   -   - |");
}

#define COLS "%-19s %-20s %5s %6s %6s %6s %7s %6s %6s %7s %6s %5s\n"

static void header(FILE *f, const char *first)
{
	fprintf(f,
		"%-20s%-13s| measured for the thread that called libzcio, "
		"per GiB moved: median [min-max] of the timed runs\n",
		"", "   model");
	fprintf(f, "%-20s%-13s|", first, "  sw cpu dma");
	fprintf(f, " " COLS, "MiB/s", "CPU s", "runs", "user s", "sys s",
		"proc s", "calls", "vcsw", "ivcsw", "minflt", "majflt",
		"ucopy");
}

static void measured(FILE *f, const struct zb_cell *c)
{
	const struct zb_summary *s = c->sum;
	char a[64], b[64], n[9][24], runs[16];

	if (c->status != ZB_OK) {
		fprintf(f, " %s: %s\n", c->status == ZB_NA ? "n/a" : "FAILED",
			c->reason);
		return;
	}
	snprintf(n[6], sizeof(n[6]), "%.2fx", s[ZB_M_UCOPY].med / ZB_GIB);
	/* "!": the runs never agreed within --settle before the budget. */
	snprintf(runs, sizeof(runs), "%d%s", c->nruns, c->settled ? "" : "!");
	fprintf(f, " " COLS, range(&s[ZB_M_MIBS], a, sizeof(a)),
		range(&s[ZB_M_CPU], b, sizeof(b)), runs,
		zb_num(s[ZB_M_USER].med, n[0], 24),
		zb_num(s[ZB_M_SYS].med, n[1], 24),
		zb_num(s[ZB_M_SIDE].med, n[7], 24),
		zb_num(s[ZB_M_SYSCALLS].med, n[2], 24),
		zb_num(s[ZB_M_VCSW].med, n[3], 24),
		zb_num(s[ZB_M_IVCSW].med, n[4], 24),
		zb_num(s[ZB_M_MINFLT].med, n[5], 24),
		zb_num(s[ZB_M_MAJFLT].med, n[8], 24), n[6]);
}

static void row(FILE *f, const struct zb_cell *c, enum zc_method m)
{
	char name[40];

	if (m == ZC_AUTO && c->status == ZB_OK)
		snprintf(name, sizeof(name), "auto>%s",
			 zc_method_name(c->used));
	else
		snprintf(name, sizeof(name), "%s", zc_method_name(m));
	fprintf(f, "%-20s", name);
	model_cols(f, m);
	measured(f, c);
}

static void scenarios(FILE *f, const struct zb_results *r)
{
	char h[TC_HUMAN_LEN];

	for (int s = 0; s < ZB_SCENARIO_COUNT; s++)
		for (int k = 0; k < ZB_CACHE_COUNT; k++) {
			double worst = 0;
			int unsettled = 0;

			if (!r->cfg.scen[s] || !r->cfg.cache[k] ||
			    !zb_cache_applies(s, k))
				continue;
			fprintf(f, "\n== %s, %s cache: %s per run ==\n",
				zb_scenario_title(s), zb_cache_name(k),
				tc_human_size(r->src_size, h, sizeof(h)));
			fprintf(f,
				"one verified run per method (every byte "
				"checked), then timed runs: %s\n",
				r->far[s]);
			header(f, "method");
			for (int i = 0; i < ZC_METHOD_COUNT; i++) {
				enum zc_method m = zb_method_at(i);
				const struct zb_cell *c = &r->cell[s][m][k];

				if (!r->cfg.method[m])
					continue;
				row(f, c, m);
				unsettled += c->status == ZB_OK && !c->settled;
				if (c->resident > worst)
					worst = c->resident;
			}
			if (unsettled)
				fprintf(f,
					"runs!: the last 3 runs still spread "
					"more than %.0f%% when the figure's "
					"budget ended\n",
					r->cfg.settle * 100);
			if (k == ZB_COLD && worst > 0.05)
				fprintf(f,
					"note: up to %.0f%% of the source "
					"stayed cached after the drop (%s)\n",
					worst * 100, r->mach.fs);
		}
}

static void disk(FILE *f, const struct zb_results *r)
{
	char h[TC_HUMAN_LEN];
	double worst = 0;

	fprintf(f,
		"\n== disk read mechanisms (zc_read_file), cold cache: "
		"%s per run ==\n",
		tc_human_size(r->src_size, h, sizeof(h)));
	if (r->disk.polled_spin)
		fprintf(f, "polled: IOPOLL refused here (%s)\n",
			r->disk.polled_iopoll);
	header(f, "mechanism");
	for (int i = 0; i < ZB_READ_MODES; i++) {
		/* The spin row's label does not fit the column: own line. */
		if (i == ZC_READ_POLLED && r->disk.polled_spin)
			fprintf(f, "%s\n%-20s  -   -   - |", ZB_SPIN_LABEL, "");
		else
			fprintf(f, "%-20s  -   -   - |", zb_read_mode_name(i));
		measured(f, &r->disk.mode[i]);
		if (r->disk.mode[i].resident > worst)
			worst = r->disk.mode[i].resident;
	}
	if (worst > 0.05)
		fprintf(f,
			"note: up to %.0f%% of the file stayed cached after "
			"the drop (%s)\n",
			worst * 100, r->mach.fs);
}

static void cow(FILE *f, const struct zb_results *r)
{
	const struct zb_cow *w = &r->cow;
	char err[96], h[TC_HUMAN_LEN];

	fprintf(f, "\n== copy-on-write ==\n");
	if (w->view_status < 0 && w->view_note[0]) {
		fprintf(f, "private view: %s\n", w->view_note);
	} else if (w->view_status < 0) {
		zb_errtext(err, sizeof(err), w->view_status);
		fprintf(f, "private view: n/a: %s\n", err);
	} else {
		fprintf(f,
			"private view of %s: read %llu pages: %llu minor "
			"faults, %lld KiB private memory grown, %.3f s\n",
			tc_human_size(w->view_bytes, h, sizeof(h)),
			(unsigned long long)w->pages_read,
			(unsigned long long)w->read_minflt,
			(long long)w->read_anon_kb, w->read_s);
		fprintf(f,
			"private view: wrote %llu pages: %llu minor faults, "
			"%lld KiB private memory grown, %.4f s%s%s\n",
			(unsigned long long)w->pages_written,
			(unsigned long long)w->write_minflt,
			(long long)w->write_anon_kb, w->write_s,
			w->view_ok ? "" : "; FAILED: ", w->view_note);
	}
	if (w->clone_status < 0)
		fprintf(f, "reflink clone: %s\n", w->clone_note);
	else
		fprintf(f,
			"reflink clone: %s in %.4f s%s; read+write copy "
			"(with fsync) %.2f s\n",
			w->clone_note, w->clone_s,
			w->clone_verified ? " (verified)"
					  : " (FAILED to verify)",
			w->copy_s);
}

static void verdicts(FILE *f, const struct zb_results *r)
{
	fprintf(f, "\n== the classic model's claims on this machine ==\n");
	for (int i = 0; i < r->nverdicts; i++) {
		const struct zb_verdict *v = &r->verdict[i];

		fprintf(f, "- %s: %s (%s)\n", v->claim, v->outcome,
			v->measured);
	}
}

void zb_print_table(FILE *f, const struct zb_results *r)
{
	const struct zb_machine *m = &r->mach;

	fprintf(f, "zcbench %s: %s, %s, %ld CPUs, files on %s (%s)\n",
		zc_version(), m->kernel, m->cpu, m->nproc, m->fs, m->dir);
	fprintf(f, "model = the classic model per buffer (user/kernel "
		   "switches, CPU copies, DMA copies); measured = medians "
		   "per GiB for the thread that called libzcio\n");
	if (r->note[0])
		fprintf(f, "note: %s\n", r->note);
	scenarios(f, r);
	if (r->disk.run)
		disk(f, r);
	if (r->cow.run)
		cow(f, r);
	verdicts(f, r);
	fprintf(f, "\n%d failure(s); %.0f s in all\n", r->failures, r->elapsed);
}

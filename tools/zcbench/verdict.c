/* SPDX-License-Identifier: MIT */
/*
 * verdict.c — which of the classic model's claims held on this machine, decided
 * from the timed runs only (their far end costs as little as the kernel
 * allows, so the figures are the method's path, not the receiver's). A
 * comparison "A below B" holds when A's median is below B's and their
 * runs do not overlap, fails when the reverse is true, and is
 * "inconclusive" only when the runs overlap; a claim whose runs are missing
 * is "n/a" with why. "The runs" are the middle half of each figure's runs
 * (its quartiles) once it has ZB_IQR_RUNS runs, all of them before: a
 * figure that kept running because it did not settle is judged by its
 * typical runs, not by the one a busy neighbour slowed down.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const char HELD[] = "held", NOT_HELD[] = "did not hold",
		  UNSURE[] = "inconclusive", NA[] = "n/a";

static struct zb_verdict *add(struct zb_results *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct zb_verdict *add(struct zb_results *r, const char *fmt, ...)
{
	static struct zb_verdict spare;
	struct zb_verdict *v;
	va_list ap;

	if (r->nverdicts >= ZB_MAX_VERDICTS) {
		memset(&spare, 0, sizeof(spare));
		return &spare;
	}
	v = &r->verdict[r->nverdicts++];
	va_start(ap, fmt);
	vsnprintf(v->claim, sizeof(v->claim), fmt, ap);
	va_end(ap);
	v->outcome = NA;
	return v;
}

/* The warm cell if warm runs were made, else the cold one. */
static enum zb_cache main_cache(const struct zb_results *r)
{
	return r->cfg.cache[ZB_WARM] ? ZB_WARM : ZB_COLD;
}

static const struct zb_cell *cell(const struct zb_results *r,
				  enum zb_scenario s, enum zc_method m,
				  enum zb_cache c)
{
	return &r->cell[s][m][c];
}

/* "n/a" text for a comparison that lacks one side. Returns true if so. */
static bool missing(struct zb_verdict *v, const struct zb_cell *a,
		    const char *an, const struct zb_cell *b, const char *bn)
{
	const struct zb_cell *x = a->status != ZB_OK ? a : b;
	const char *xn = a->status != ZB_OK ? an : bn;

	if (a->status == ZB_OK && b->status == ZB_OK)
		return false;
	snprintf(v->measured, sizeof(v->measured), "%s %s%s%s", xn,
		 x->status == ZB_NOT_RUN ? "not run"
		 : x->status == ZB_NA	 ? "n/a"
					 : "FAILED",
		 x->reason[0] ? ": " : "", x->reason);
	v->outcome = NA;
	return true;
}

/* Outcome of "a is below b" from two summaries. */
static const char *below(const struct zb_summary *a, const struct zb_summary *b)
{
	if (a->med < b->med && a->hi < b->lo)
		return HELD;
	if (a->med >= b->med && a->lo >= b->hi)
		return NOT_HELD;
	return UNSURE;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

/* "A's metric is below B's" in one scenario/cache. */
static void compare(struct zb_results *r, enum zb_scenario s, enum zb_cache k,
		    enum zc_method a, enum zc_method b, enum zb_metric met,
		    const char *what, const char *unit)
{
	const struct zb_cell *ca = cell(r, s, a, k), *cb = cell(r, s, b, k);
	struct zb_verdict *v;
	const struct zb_summary *x, *y;
	char n0[24], n1[24], n2[24], n3[24], n4[24], n5[24], n6[24];
	bool higher = met == ZB_M_MIBS; /* throughput: higher is better */

	v = add(r, "%s %s than %s (%s, %s cache)", zc_method_name(a), what,
		zc_method_name(b), zb_scenario_name(s), zb_cache_name(k));
	if (missing(v, ca, zc_method_name(a), cb, zc_method_name(b)))
		return;
	x = &ca->sum[met];
	y = &cb->sum[met];
	v->outcome = higher ? below(y, x) : below(x, y);
	snprintf(v->measured, sizeof(v->measured),
		 "%sx (%s vs %s %s, medians of %d and %d runs; compared "
		 "%s-%s vs %s-%s)",
		 zb_num(ratio(x->med, y->med), n0, sizeof(n0)),
		 zb_num(x->med, n1, sizeof(n1)), zb_num(y->med, n2, sizeof(n2)),
		 unit, ca->nruns, cb->nruns, zb_num(x->lo, n3, sizeof(n3)),
		 zb_num(x->hi, n4, sizeof(n4)), zb_num(y->lo, n5, sizeof(n5)),
		 zb_num(y->hi, n6, sizeof(n6)));
}

/* mmap+write "saves one CPU copy": the library's copy count and the CPU. */
static void mmap_copy(struct zb_results *r, enum zb_scenario s, enum zb_cache k)
{
	const struct zb_cell *m = cell(r, s, ZC_MMAP_WRITE, k);
	const struct zb_cell *rw = cell(r, s, ZC_READ_WRITE, k);
	const struct zc_method_info *im = zc_method_info(ZC_MMAP_WRITE);
	const struct zc_method_info *ir = zc_method_info(ZC_READ_WRITE);
	struct zb_verdict *v;
	char n1[24], n2[24];

	v = add(r,
		"mmap+write saved one CPU copy vs read+write (model: %d "
		"vs %d copies) (%s, %s cache)",
		im ? im->cpu_copies : -1, ir ? ir->cpu_copies : -1,
		zb_scenario_name(s), zb_cache_name(k));
	if (missing(v, m, "mmap", rw, "read-write"))
		return;
	v->outcome = below(&m->sum[ZB_M_CPU], &rw->sum[ZB_M_CPU]);
	snprintf(v->measured, sizeof(v->measured),
		 "user-copy bytes %.2fx vs %.2fx per byte; CPU per GiB %.2fx "
		 "(%s vs %s s/GiB)",
		 m->sum[ZB_M_UCOPY].med / ZB_GIB,
		 rw->sum[ZB_M_UCOPY].med / ZB_GIB,
		 ratio(m->sum[ZB_M_CPU].med, rw->sum[ZB_M_CPU].med),
		 zb_num(m->sum[ZB_M_CPU].med, n1, sizeof(n1)),
		 zb_num(rw->sum[ZB_M_CPU].med, n2, sizeof(n2)));
}

/*
 * The model's mode switches of a against b, judged by the system calls each
 * made per GiB (a call is two switches; counts, not noisy times, so they
 * are compared as such). `as_many`: a's calls are within a quarter of the
 * model's ratio either way (mmap makes page faults the model does not count:
 * say how many); otherwise a makes no more calls than that ratio allows.
 */
static void switches(struct zb_results *r, enum zb_scenario s, enum zb_cache k,
		     enum zc_method a, enum zc_method b, const char *claim,
		     bool as_many)
{
	const struct zb_cell *ca = cell(r, s, a, k), *cb = cell(r, s, b, k);
	const struct zc_method_info *ia = zc_method_info(a);
	const struct zc_method_info *ib = zc_method_info(b);
	const struct zb_summary *x = &ca->sum[ZB_M_SYSCALLS];
	const struct zb_summary *y = &cb->sum[ZB_M_SYSCALLS];
	struct zb_verdict *v;
	char n0[24], tail[96];
	double want, q;

	v = add(r, "%s (model: %d vs %d) (%s, %s cache)", claim,
		ia ? ia->switches : -1, ib ? ib->switches : -1,
		zb_scenario_name(s), zb_cache_name(k));
	if (missing(v, ca, zc_method_name(a), cb, zc_method_name(b)) || !ia ||
	    !ib)
		return;
	want = ratio(ia->switches, ib->switches);
	q = ratio(x->med, y->med);
	if (as_many) {
		v->outcome =
		    q >= want * 0.8 && q <= want * 1.25 ? HELD : NOT_HELD;
		snprintf(tail, sizeof(tail),
			 "), plus %.0f minor faults per GiB the model does not "
			 "count",
			 ca->sum[ZB_M_MINFLT].med);
	} else {
		v->outcome = q <= want ? HELD : NOT_HELD;
		snprintf(tail, sizeof(tail), "; each call is 2 switches)");
	}
	snprintf(v->measured, sizeof(v->measured),
		 "system calls per GiB %sx (%.0f vs %.0f%s",
		 zb_num(q, n0, sizeof(n0)), x->med, y->med, tail);
}

/* "splice: zero-copy between any two descriptors": every pair tried. */
static void splice_any(struct zb_results *r, enum zb_cache k)
{
	struct zb_verdict *v = add(r,
				   "splice moves data between any two "
				   "descriptors (%s cache)",
				   zb_cache_name(k));
	char list[200] = "";
	int ok = 0, tried = 0;
	size_t len = 0;

	for (int s = 0; s < ZB_SCENARIO_COUNT; s++) {
		const struct zb_cell *c = cell(r, s, ZC_SPLICE, k);

		if (!r->cfg.scen[s] || !zb_cache_applies(s, k) ||
		    c->status == ZB_NOT_RUN)
			continue;
		tried++;
		ok += c->status == ZB_OK;
		if (c->status != ZB_OK && len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s", len ? ", " : "",
						zb_scenario_name(s));
	}
	if (!tried) {
		snprintf(v->measured, sizeof(v->measured), "splice not run");
		return;
	}
	v->outcome = ok == tried ? HELD : NOT_HELD;
	snprintf(v->measured, sizeof(v->measured),
		 "served %d of %d scenarios%s%s", ok, tried,
		 ok == tried ? "" : "; not: ", list);
}

static void msg_zerocopy(struct zb_results *r, enum zb_cache k)
{
	const struct zb_cell *c = cell(r, ZB_FILE_TCP, ZC_MSG_ZEROCOPY, k);
	struct zb_verdict *v;
	double share;

	v = add(r,
		"MSG_ZEROCOPY sent without copying (file-tcp, %s cache; "
		"loopback is expected to copy)",
		zb_cache_name(k));
	if (missing(v, c, "msg-zerocopy", c, "msg-zerocopy"))
		return;
	share = c->sum[ZB_M_KCOPY].med / ZB_GIB;
	v->outcome = share < 0.5 ? HELD : NOT_HELD;
	snprintf(v->measured, sizeof(v->measured),
		 "the kernel reported copying %.0f%% of the bytes",
		 share * 100);
}

static void disk_claims(struct zb_results *r)
{
	const struct zb_cell *blk = &r->disk.mode[ZC_READ_BLOCKING];
	const struct zb_cell *pol = &r->disk.mode[ZC_READ_POLLED];
	const struct zb_cell *dir = &r->disk.mode[ZC_READ_DIRECT];
	struct zb_verdict *v;
	char n1[24], n2[24];

	v = add(r, "DMA straight to the user buffer (O_DIRECT) used less "
		   "CPU per GiB than interrupt-driven page-cache reads (cold)");
	if (!missing(v, dir, "direct", blk, "blocking")) {
		v->outcome = below(&dir->sum[ZB_M_CPU], &blk->sum[ZB_M_CPU]);
		snprintf(v->measured, sizeof(v->measured),
			 "%.2fx (%s vs %s s/GiB); user copies %.2fx vs "
			 "%.2fx per byte",
			 ratio(dir->sum[ZB_M_CPU].med, blk->sum[ZB_M_CPU].med),
			 zb_num(dir->sum[ZB_M_CPU].med, n1, sizeof(n1)),
			 zb_num(blk->sum[ZB_M_CPU].med, n2, sizeof(n2)),
			 dir->sum[ZB_M_UCOPY].med / ZB_GIB,
			 blk->sum[ZB_M_UCOPY].med / ZB_GIB);
	}
	v = add(r,
		"polling for completion costs more CPU per GiB than "
		"waiting for the interrupt (cold%s)",
		r->disk.polled_spin ? "; polled = user-space CQ spin, the "
				      "device has no poll queues"
				    : "");
	if (!missing(v, pol, "polled", blk, "blocking")) {
		v->outcome = below(&blk->sum[ZB_M_CPU], &pol->sum[ZB_M_CPU]);
		snprintf(v->measured, sizeof(v->measured),
			 "%.2fx (%s vs %s s/GiB)",
			 ratio(pol->sum[ZB_M_CPU].med, blk->sum[ZB_M_CPU].med),
			 zb_num(pol->sum[ZB_M_CPU].med, n1, sizeof(n1)),
			 zb_num(blk->sum[ZB_M_CPU].med, n2, sizeof(n2)));
	}
}

static void cow_claims(struct zb_results *r)
{
	const struct zb_cow *w = &r->cow;
	struct zb_verdict *v;
	char err[96] = "";
	double page = 4096, n = (double)w->pages_written;

	v = add(r, "reading a private (copy-on-write) view copies nothing");
	if (w->view_status < 0) {
		zb_errtext(err, sizeof(err), w->view_status);
		snprintf(v->measured, sizeof(v->measured), "%s",
			 w->view_note[0] ? w->view_note : err);
	} else if (w->read_anon_kb >= 0) {
		/* Allow a little noise from malloc in the same process. */
		double grown = (double)w->read_anon_kb * 1024;

		v->outcome =
		    grown < (double)w->view_bytes / 100 ? HELD : NOT_HELD;
		snprintf(v->measured, sizeof(v->measured),
			 "read %llu pages: %lld KiB private memory grown, %llu "
			 "minor faults",
			 (unsigned long long)w->pages_read,
			 (long long)w->read_anon_kb,
			 (unsigned long long)w->read_minflt);
	}
	v = add(r, "writing N pages of a private view costs N page copies");
	if (w->view_status < 0) {
		snprintf(v->measured, sizeof(v->measured), "%s",
			 w->view_note[0] ? w->view_note : err);
	} else if (w->write_anon_kb >= 0) {
		double grown = (double)w->write_anon_kb * 1024 / page;
		double faults = (double)w->write_minflt;

		v->outcome = fabs(faults - n) <= n * 0.05 + 2 &&
				     fabs(grown - n) <= n * 0.1 + 4
				 ? HELD
				 : NOT_HELD;
		snprintf(v->measured, sizeof(v->measured),
			 "N=%.0f: %.0f minor faults, %.0f pages of private "
			 "memory grown",
			 n, faults, grown);
	}
	v = add(r, "a reflink clone costs almost nothing next to a copy");
	if (w->clone_status < 0) {
		snprintf(v->measured, sizeof(v->measured), "%s", w->clone_note);
	} else if (w->copy_measured && w->clone_verified) {
		v->outcome = w->clone_s * 10 < w->copy_s ? HELD : NOT_HELD;
		snprintf(v->measured, sizeof(v->measured),
			 "%s: clone %.4f s vs read+write copy %.2f s (%.4fx)",
			 w->clone_note, w->clone_s, w->copy_s,
			 ratio(w->clone_s, w->copy_s));
	}
}

void zb_verdicts(struct zb_results *r)
{
	enum zb_cache k = main_cache(r);

	r->nverdicts = 0;
	if (r->cfg.scen[ZB_FILE_TCP]) {
		compare(r, ZB_FILE_TCP, k, ZC_SENDFILE, ZC_READ_WRITE, ZB_M_CPU,
			"used less CPU per GiB", "s/GiB");
		compare(r, ZB_FILE_TCP, k, ZC_SENDFILE, ZC_READ_WRITE,
			ZB_M_SYSCALLS, "made fewer system calls per GiB",
			"calls/GiB");
		compare(r, ZB_FILE_TCP, k, ZC_SENDFILE, ZC_READ_WRITE,
			ZB_M_MIBS, "moved more MiB/s", "MiB/s");
		compare(r, ZB_FILE_TCP, k, ZC_SPLICE, ZC_READ_WRITE, ZB_M_MIBS,
			"moved more MiB/s", "MiB/s");
		mmap_copy(r, ZB_FILE_TCP, k);
		switches(r, ZB_FILE_TCP, k, ZC_MMAP_WRITE, ZC_READ_WRITE,
			 "mmap+write costs as many mode switches as "
			 "read+write",
			 true);
		compare(r, ZB_FILE_TCP, k, ZC_SPLICE, ZC_READ_WRITE, ZB_M_CPU,
			"used less CPU per GiB", "s/GiB");
		switches(r, ZB_FILE_TCP, k, ZC_SPLICE, ZC_SENDFILE,
			 "splice needs no more mode switches than sendfile",
			 false);
		if (r->cfg.cache[ZB_COLD] && k != ZB_COLD)
			compare(r, ZB_FILE_TCP, ZB_COLD, ZC_SENDFILE,
				ZC_READ_WRITE, ZB_M_CPU,
				"used less CPU per GiB", "s/GiB");
		msg_zerocopy(r, k);
	}
	if (r->cfg.scen[ZB_FILE_VETH]) {
		compare(r, ZB_FILE_VETH, ZB_WARM, ZC_SENDFILE, ZC_READ_WRITE,
			ZB_M_MIBS, "moved more MiB/s", "MiB/s");
		compare(r, ZB_FILE_VETH, ZB_WARM, ZC_SENDFILE, ZC_READ_WRITE,
			ZB_M_CPU, "used less CPU per GiB", "s/GiB");
	}
	if (r->cfg.method[ZC_SPLICE])
		splice_any(r, k);
	if (r->cfg.scen[ZB_FILE_FILE])
		compare(r, ZB_FILE_FILE, k, ZC_COPY_FILE_RANGE, ZC_READ_WRITE,
			ZB_M_CPU, "used less CPU per GiB", "s/GiB");
	if (r->disk.run)
		disk_claims(r);
	if (r->cow.run)
		cow_claims(r);
}

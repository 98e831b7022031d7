/* SPDX-License-Identifier: MIT */
/*
 * pair.c — prepared pairs: zc_transfer's work split into what holds for
 * every call between two descriptors (what they are, which methods serve
 * them, which signals a call could raise), done once in zc_pair_open, and
 * what each piece needs (the input position, the moving), done per call by
 * the same steps as zc_transfer (transfer.c).
 *
 * Signals: sendfile(2) and splice(2) take no MSG_NOSIGNAL, so a closed peer
 * raises SIGPIPE unless the thread blocks it or the process ignores it
 * (signal(7): a signal whose disposition is SIG_IGN is discarded). A
 * process that ignores it already needs no mask changes around the call;
 * the pair reads the dispositions once, with sigaction(2), at open.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct zc_pair {
	int out_fd, in_fd;
	struct zc_options opts;
	struct zc_fdinfo in, out;
	enum zc_method list[ZC_METHOD_COUNT]; /* AUTO's candidates */
	int n;
	unsigned sigs; /* ZC_SIG_* to block around a call */
	bool refresh;  /* re-read the input's size each call */
};

static bool ignored(int sig)
{
	struct sigaction sa;

	return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

/* A file output can raise SIGXFSZ (RLIMIT_FSIZE), any other SIGPIPE. */
static unsigned signals_for(const struct zc_fdinfo *out)
{
	bool file = out->kind == ZC_FD_FILE || out->kind == ZC_FD_BLK;
	int sig = file ? SIGXFSZ : SIGPIPE;

	if (ignored(sig))
		return 0;
	return file ? ZC_SIG_XFSZ : ZC_SIG_PIPE;
}

static void xfer_of(struct zc_pair *p, struct zc_xfer *x, struct zc_stats *st)
{
	*x = (struct zc_xfer){.out_fd = p->out_fd,
			      .in_fd = p->in_fd,
			      .in = p->in,
			      .out = p->out,
			      .opts = &p->opts,
			      .st = st};
	if (p->opts.method == ZC_AUTO) {
		x->plist = p->list;
		x->pn = &p->n;
	}
}

static int settle(struct zc_pair *p)
{
	struct zc_stats st = {0};
	struct zc_xfer x;
	enum zc_method m = p->opts.method;
	int r;

	r = zc__fdinfo(p->in_fd, &p->in);
	if (r == 0)
		r = zc__fdinfo(p->out_fd, &p->out);
	if (r < 0)
		return r;
	xfer_of(p, &x, &st);
	x.plist = NULL;
	r = zc__engine_check(m == ZC_AUTO ? ZC_READ_WRITE : m, &x);
	if (r < 0)
		return r;
	if (m == ZC_AUTO) {
		p->n = zc__auto_list(&x, p->list);
		if (p->n == 0)
			return -EINVAL;
	}
	p->sigs = signals_for(&p->out);
	/* Sizes that decide where a transfer stops: sparse copies walk the
	 * input's extents up to its size, and a file copied into itself ends
	 * at its size at the start. */
	p->refresh = zc__sparse_applies(&x) ||
		     (p->in.kind == ZC_FD_FILE && p->out.kind == ZC_FD_FILE &&
		      p->in.st.st_dev == p->out.st.st_dev &&
		      p->in.st.st_ino == p->out.st.st_ino);
	return 0;
}

ZC_API struct zc_pair *zc_pair_open(int out_fd, int in_fd,
				    const struct zc_options *opts)
{
	struct zc_pair *p;
	int r;

	if (opts && !zc__opts_valid(opts)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->out_fd = out_fd;
	p->in_fd = in_fd;
	if (opts)
		p->opts = *opts;
	r = settle(p);
	if (r < 0) {
		free(p);
		errno = -r;
		return NULL;
	}
	return p;
}

ZC_API ssize_t zc_pair_transfer(struct zc_pair *p, off_t *in_off, size_t count,
				struct zc_stats *stats)
{
	struct zc_stats scratch;
	struct zc_stats_clock clk;
	struct zc_xfer x;
	int r = 0;

	if (!p)
		return -EINVAL;
	xfer_of(p, &x, stats ? stats : &scratch);
	memset(x.st, 0, sizeof(*x.st));
	x.st->method = p->opts.method;
	x.want = count == ZC_TO_EOF ? UINT64_MAX : count;
	if (stats)
		zc__stats_begin(&clk);
	if (p->refresh)
		r = zc__sys_fstat(p->in_fd, &x.in.st);
	if (r == 0)
		r = zc__xfer_prepare(&x, in_off, false);
	if (r == 0)
		r = zc__xfer_move(&x, in_off, p->sigs);
	x.st->bytes = x.done;
	if (stats)
		zc__stats_end(&clk, stats);
	return r < 0 ? r : (ssize_t)x.done;
}

ZC_API void zc_pair_close(struct zc_pair *p)
{
	free(p);
}

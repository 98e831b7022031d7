/* SPDX-License-Identifier: MIT */
/*
 * scenario.c — one transfer per run, for every selected scenario, method
 * and cache state: set up the descriptors and the peer thread, call
 * zc_transfer() from this thread (so its RUSAGE_THREAD figures are the
 * sender's), then check every byte that arrived. A method that refuses
 * the pair before moving anything is "n/a" with the library's reason; a
 * run whose data does not verify is FAILED and not measured.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"
#include "peer.h"

bool zb_cache_applies(enum zb_scenario s, enum zb_cache c)
{
	return c == ZB_WARM || s != ZB_TCP_FILE;
}

struct run {
	int in_fd, out_fd;
	int dst_fd; /* the output file, if any */
	struct zb_peer peer;
	bool has_peer;
	bool peer_reads; /* sink (reads out_fd's other end) */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Open everything one run needs. 0 or -errno (a setup failure). */
static int setup(struct zb_results *r, enum zb_scenario s, struct run *x,
		 const char *dst)
{
	int fds[2], ret;

	x->in_fd = x->out_fd = x->dst_fd = x->peer.fd = -1;
	x->has_peer = false;
	if (s != ZB_TCP_FILE) {
		x->in_fd = open(r->src_path, O_RDONLY | O_CLOEXEC);
		if (x->in_fd < 0)
			return -errno;
	}
	if (s == ZB_FILE_FILE || s == ZB_TCP_FILE) {
		x->dst_fd =
		    open(dst, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (x->dst_fd < 0)
			return -errno;
		x->out_fd = x->dst_fd;
	}
	x->peer.size = r->src_size;
	switch (s) {
	case ZB_FILE_TCP:
	case ZB_TCP_FILE:
		ret = zb_tcp_pair(fds);
		if (ret < 0)
			return ret;
		if (s == ZB_FILE_TCP) {
			x->out_fd = fds[0];
			x->peer.fd = fds[1];
			x->peer_reads = true;
		} else {
			x->peer.fd = fds[0];
			x->in_fd = fds[1];
			x->peer_reads = false;
		}
		break;
	case ZB_FILE_PIPE:
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -errno;
		x->peer.fd = fds[0];
		x->out_fd = fds[1];
		x->peer_reads = true;
		break;
	default:
		return 0;
	}
	ret = x->peer_reads ? zb_peer_sink(&x->peer) : zb_peer_source(&x->peer);
	if (ret < 0) {
		close_fd(&x->peer.fd);
		return ret;
	}
	x->has_peer = true;
	return 0;
}

/* Prepare the source's cache state. Returns the resident share or -errno. */
static double prepare_cache(struct zb_results *r, enum zb_scenario s,
			    enum zb_cache c, int in_fd)
{
	if (s == ZB_TCP_FILE)
		return 0;
	if (c == ZB_COLD)
		return zb_drop_cache(in_fd, r->src_size);
	return zb_warm_cache(in_fd, r->src_size) < 0 ? -EIO : 1.0;
}

/*
 * One measured run. Returns ZB_OK (and records it), ZB_NA or ZB_FAILED
 * with c->reason set.
 */
static enum zb_status run_once(struct zb_results *r, enum zb_scenario s,
			       enum zc_method m, enum zb_cache cache,
			       struct zb_cell *c)
{
	char dst[700], err[96];
	struct zc_stats st = {0};
	struct zb_span sp;
	struct run x = {0};
	off_t off = 0;
	bool from_file = s != ZB_TCP_FILE;
	double res, p1, peer0 = 0;
	ssize_t ret;
	enum zb_status out = ZB_OK;

	snprintf(dst, sizeof(dst), "%s/dst", r->workdir);
	ret = setup(r, s, &x, dst);
	if (ret >= 0 && from_file) {
		res = prepare_cache(r, s, cache, x.in_fd);
		if (res < 0)
			ret = (ssize_t)res;
		else if (cache == ZB_COLD && res > c->resident)
			c->resident = res;
	}
	if (ret < 0) {
		zb_errtext(err, sizeof(err), (int)ret);
		snprintf(c->reason, sizeof(c->reason), "setup failed: %s", err);
		out = ZB_FAILED;
		goto out;
	}

	zb_watchdog(r->src_size);
	if (x.has_peer)
		peer0 = zb_peer_cpu(&x.peer);
	zb_span_begin(&sp);
	ret = zc_transfer(x.out_fd, x.in_fd, from_file ? &off : NULL,
			  from_file ? (size_t)r->src_size : ZC_TO_EOF, m, &st);
	zb_span_end(&sp);
	/* Let the peer see the end of the stream, or stop a blocked writer. */
	if (s == ZB_FILE_TCP || s == ZB_FILE_PIPE)
		close_fd(&x.out_fd);
	if (s == ZB_TCP_FILE)
		close_fd(&x.in_fd);
	if (x.has_peer) {
		zb_peer_join(&x.peer);
		x.has_peer = false;
		if (x.peer_reads && x.peer.done_at > sp.t1)
			sp.t1 = x.peer.done_at;
	}
	/* All threads of the process since sp.p0, but the peer's share. */
	p1 = zb_process_cpu() - (x.peer.cpu_end - peer0);
	zb_watchdog(0);
	if (ret >= 0 && st.bytes == 0)
		st.bytes = (uint64_t)ret; /* a library that left stats empty */

	if (ret < 0 && st.bytes == 0) {
		zb_errtext(err, sizeof(err), (int)ret);
		snprintf(c->reason, sizeof(c->reason), "%s", err);
		out = ZB_NA;
	} else if (ret < 0) {
		zb_errtext(err, sizeof(err), (int)ret);
		snprintf(c->reason, sizeof(c->reason),
			 "failed after %llu bytes: %s",
			 (unsigned long long)st.bytes, err);
		out = ZB_FAILED;
	} else if ((uint64_t)ret != r->src_size) {
		snprintf(c->reason, sizeof(c->reason),
			 "moved %lld of %llu bytes", (long long)ret,
			 (unsigned long long)r->src_size);
		out = ZB_FAILED;
	} else if (x.peer_reads &&
		   (x.peer.bad || x.peer.err || x.peer.moved != r->src_size)) {
		snprintf(c->reason, sizeof(c->reason),
			 "data did not verify at the receiver (%llu bytes "
			 "received%s)",
			 (unsigned long long)x.peer.moved,
			 x.peer.bad ? ", content differs" : "");
		out = ZB_FAILED;
	} else if (x.dst_fd >= 0 && zb_verify_fd(x.dst_fd, r->src_size)) {
		snprintf(c->reason, sizeof(c->reason),
			 "data did not verify: the output file differs");
		out = ZB_FAILED;
	}
	if (out == ZB_OK) {
		c->used = st.method;
		zb_record(c, &st, &sp, p1 - sp.p0);
	}
out:
	if (x.out_fd == x.dst_fd)
		x.out_fd = -1; /* one descriptor, closed once below */
	if (x.has_peer) {
		close_fd(&x.out_fd);
		close_fd(&x.in_fd);
		zb_peer_join(&x.peer);
	}
	close_fd(&x.in_fd);
	close_fd(&x.out_fd);
	close_fd(&x.dst_fd);
	unlink(dst);
	return out;
}

static void run_cell(struct zb_results *r, enum zb_scenario s, enum zc_method m,
		     enum zb_cache cache)
{
	struct zb_cell *c = &r->cell[s][m][cache];

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < r->cfg.reps; i++) {
		enum zb_status st;

		zb_progress("%s, %s cache, %s: run %d of %d",
			    zb_scenario_name(s), zb_cache_name(cache),
			    zc_method_name(m), i + 1, r->cfg.reps);
		st = run_once(r, s, m, cache, c);

		if (st != ZB_OK) {
			/* A refusal on a later run still means "n/a". */
			c->status = st;
			c->nruns = 0; /* n/a and FAILED are not measured */
			break;
		}
		c->status = ZB_OK;
	}
	zb_summarise(c);
}

struct cell_job {
	struct zb_results *r;
	enum zb_scenario s;
	enum zc_method m;
	enum zb_cache cache;
};

static void cell_job(void *arg)
{
	struct cell_job *j = arg;

	run_cell(j->r, j->s, j->m, j->cache);
}

/* run_cell in a child: a crash or a hang fails this cell only. */
static void run_cell_isolated(struct zb_results *r, enum zb_scenario s,
			      enum zc_method m, enum zb_cache cache)
{
	struct zb_cell *c = &r->cell[s][m][cache];
	struct cell_job j = {r, s, m, cache};
	char why[ZB_REASON];

	if (zb_isolated(cell_job, &j, c, sizeof(*c), why, sizeof(why)) < 0) {
		memset(c, 0, sizeof(*c));
		c->status = ZB_FAILED;
		snprintf(c->reason, sizeof(c->reason), "%s", why);
	}
}

int zb_run_scenarios(struct zb_results *r)
{
	int failed = 0;

	for (int s = 0; s < ZB_SCENARIO_COUNT; s++) {
		if (!r->cfg.scen[s])
			continue;
		for (int c = 0; c < ZB_CACHE_COUNT; c++) {
			if (!r->cfg.cache[c] || !zb_cache_applies(s, c))
				continue;
			for (int i = 0; i < ZC_METHOD_COUNT; i++) {
				enum zc_method m = zb_method_order[i];

				if (!r->cfg.method[m])
					continue;
				run_cell_isolated(r, s, m, c);
				failed += r->cell[s][m][c].status == ZB_FAILED;
			}
		}
	}
	return failed;
}

/* SPDX-License-Identifier: MIT */
/*
 * scenario.c — every selected scenario, method and cache state: one
 * verified run, where a checking thread reads every byte (or the output
 * file is read back), then the timed runs, where the far end is a process
 * of its own that costs as little as the kernel allows (far.c), so the
 * figures are the sender's path and not the receiver's copy. zc_transfer()
 * is called from this thread, so its RUSAGE_THREAD figures are the
 * sender's. A method that refuses the pair before moving anything is "n/a"
 * with the library's reason; a run whose data does not verify is FAILED
 * and nothing of it is measured.
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
	/* A socket has no cache; the veth path is about the network. */
	return c == ZB_WARM || (s != ZB_TCP_FILE && s != ZB_FILE_VETH);
}

struct run {
	int in_fd, out_fd;
	int dst_fd;	     /* the output file, if any */
	struct zb_peer peer; /* verified run: a checking thread */
	struct zb_far far;   /* timed runs: a process that costs little */
	bool has_peer, has_far;
	bool peer_reads; /* the far end reads (a sink) */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The far end of the timed runs of scenario s. */
static enum zb_far_kind far_kind(enum zb_scenario s)
{
	if (s == ZB_FILE_PIPE)
		return ZB_FAR_SPLICE_NULL;
	return s == ZB_TCP_FILE ? ZB_FAR_SENDFILE_SRC : ZB_FAR_RECV_TRUNC;
}

/* Start the far end on x->peer.fd: a checking thread for the verified
 * run, a process pinned to far_cpu for a timed one. 0 or -errno. */
static int start_peer(struct zb_results *r, enum zb_scenario s, struct run *x,
		      bool timed, int far_cpu)
{
	int src = -1, ret;

	if (!timed) {
		ret = x->peer_reads ? zb_peer_sink(&x->peer)
				    : zb_peer_source(&x->peer);
		x->has_peer = ret == 0;
		return ret;
	}
	if (s == ZB_TCP_FILE) {
		src = open(r->src_path, O_RDONLY | O_CLOEXEC);
		if (src < 0)
			return -errno;
		ret = zb_warm_cache(src, r->src_size);
		if (ret < 0) {
			close(src);
			return ret;
		}
	}
	ret = zb_far_start(&x->far, far_kind(s), x->peer.fd, src, r->src_size,
			   far_cpu);
	if (src >= 0)
		close(src);
	/* The child holds the far end now: ours would keep the stream open. */
	close_fd(&x->peer.fd);
	x->has_far = ret == 0;
	return ret;
}

/* Open everything one run needs. 0 or -errno (a setup failure). */
static int setup(struct zb_results *r, enum zb_scenario s, struct run *x,
		 const char *dst, bool timed, int far_cpu)
{
	int fds[2], ret;

	x->in_fd = x->out_fd = x->dst_fd = x->peer.fd = -1;
	x->has_peer = x->has_far = false;
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
	case ZB_FILE_VETH:
	case ZB_TCP_FILE:
		ret = s == ZB_FILE_VETH ? zb_net_pair(&r->net, fds)
					: zb_tcp_pair(fds);
		if (ret < 0)
			return ret;
		if (s != ZB_TCP_FILE) {
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
	ret = start_peer(r, s, x, timed, far_cpu);
	if (ret < 0)
		close_fd(&x->peer.fd);
	return ret;
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

/* Wait for the far end; the end time of a sink is when it saw the end. */
static void end_peer(struct run *x, struct zb_span *sp)
{
	if (x->has_peer) {
		zb_peer_join(&x->peer);
		x->has_peer = false;
		if (x->peer_reads && x->peer.done_at > sp->t1)
			sp->t1 = x->peer.done_at;
	}
	if (x->has_far) {
		x->has_far = false;
		if (zb_far_wait(&x->far) < 0)
			x->far.err = -EIO;
		else if (x->peer_reads && x->far.done_at > sp->t1)
			sp->t1 = x->far.done_at;
	}
}

/* Why the run is not good, in c->reason, or ZB_OK. */
static enum zb_status judge(struct zb_results *r, struct run *x, ssize_t ret,
			    const struct zc_stats *st, bool timed,
			    struct zb_cell *c)
{
	char err[96];

	if (ret < 0 && st->bytes == 0) {
		zb_errtext(err, sizeof(err), (int)ret);
		snprintf(c->reason, sizeof(c->reason), "%s", err);
		return ZB_NA;
	}
	if (ret < 0) {
		zb_errtext(err, sizeof(err), (int)ret);
		snprintf(c->reason, sizeof(c->reason),
			 "failed after %llu bytes: %s",
			 (unsigned long long)st->bytes, err);
		return ZB_FAILED;
	}
	if ((uint64_t)ret != r->src_size) {
		snprintf(c->reason, sizeof(c->reason),
			 "moved %lld of %llu bytes", (long long)ret,
			 (unsigned long long)r->src_size);
		return ZB_FAILED;
	}
	if (timed &&
	    (x->far.err || (x->peer_reads && x->far.moved != r->src_size))) {
		zb_errtext(err, sizeof(err), x->far.err ? x->far.err : -EIO);
		snprintf(c->reason, sizeof(c->reason),
			 "the far end moved %llu bytes (%s)",
			 (unsigned long long)x->far.moved, err);
		return ZB_FAILED;
	}
	if (!timed && x->peer_reads &&
	    (x->peer.bad || x->peer.err || x->peer.moved != r->src_size)) {
		snprintf(c->reason, sizeof(c->reason),
			 "data did not verify at the receiver (%llu bytes "
			 "received%s)",
			 (unsigned long long)x->peer.moved,
			 x->peer.bad ? ", content differs" : "");
		return ZB_FAILED;
	}
	if (!timed && x->dst_fd >= 0 && zb_verify_fd(x->dst_fd, r->src_size)) {
		snprintf(c->reason, sizeof(c->reason),
			 "data did not verify: the output file differs");
		return ZB_FAILED;
	}
	return ZB_OK;
}

/*
 * One run: the verified one (a checking receiver thread, every byte
 * compared, nothing recorded) or a timed one (the far end in its own
 * process on far_cpu, recorded). Returns ZB_OK, ZB_NA or ZB_FAILED with
 * c->reason set.
 */
static enum zb_status run_once(struct zb_results *r, enum zb_scenario s,
			       enum zc_method m, enum zb_cache cache,
			       struct zb_cell *c, bool timed, int far_cpu)
{
	char dst[700], err[96];
	struct zc_stats st = {0};
	struct zb_span sp = {0};
	struct run x = {0};
	off_t off = 0;
	bool from_file = s != ZB_TCP_FILE;
	double res, p1, peer0 = 0;
	ssize_t ret;
	enum zb_status out = ZB_OK;

	snprintf(dst, sizeof(dst), "%s/dst", r->workdir);
	ret = setup(r, s, &x, dst, timed, far_cpu);
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
	if (s != ZB_FILE_FILE && s != ZB_TCP_FILE)
		close_fd(&x.out_fd);
	if (s == ZB_TCP_FILE)
		close_fd(&x.in_fd);
	end_peer(&x, &sp);
	/* All threads of the process since sp.p0, but a peer thread's. */
	p1 = zb_process_cpu() - (x.peer.cpu_end - peer0);
	zb_watchdog(0);
	if (ret >= 0 && st.bytes == 0)
		st.bytes = (uint64_t)ret; /* a library that left stats empty */
	out = judge(r, &x, ret, &st, timed, c);
	if (out == ZB_OK) {
		c->used = st.method;
		if (timed)
			zb_record(c, &st, &sp, p1 - sp.p0);
		else
			c->verified = true;
	}
out:
	if (x.out_fd == x.dst_fd)
		x.out_fd = -1; /* one descriptor, closed once below */
	close_fd(&x.out_fd);
	close_fd(&x.in_fd);
	end_peer(&x, &sp);
	close_fd(&x.dst_fd);
	unlink(dst);
	return out;
}

struct cell_job {
	struct zb_results *r;
	enum zb_scenario s;
	enum zc_method m;
	enum zb_cache cache;
	bool timed;
};

/* In the child: the verified run, or one more timed run of the cell. */
static void cell_job(void *arg)
{
	struct cell_job *j = arg;
	struct zb_cell *c = &j->r->cell[j->s][j->m][j->cache];
	int cpu_sender, cpu_far;
	enum zb_status st;
	double t0 = zb_now();

	if (!j->timed) {
		memset(c, 0, sizeof(*c));
		if (j->s == ZB_FILE_VETH && !j->r->net.up) {
			c->status = ZB_NA;
			snprintf(c->reason, sizeof(c->reason), "%s",
				 j->r->net.why);
			return;
		}
		c->status = run_once(j->r, j->s, j->m, j->cache, c, false, -1);
		return;
	}
	/* This process is the run's own: the pinning ends with it. */
	zb_pick_cpus(&cpu_sender, &cpu_far);
	zb_pin(cpu_sender);
	st = run_once(j->r, j->s, j->m, j->cache, c, true, cpu_far);
	c->spent += zb_now() - t0;
	if (st != ZB_OK) {
		/* A refusal on a later run still means "n/a". */
		c->status = st;
		c->nruns = 0; /* n/a and FAILED are not measured */
	}
}

/* cell_job in a child: a crash or a hang fails this cell only. */
static void cell_isolated(struct cell_job *j)
{
	struct zb_cell *c = &j->r->cell[j->s][j->m][j->cache];
	char why[ZB_REASON];

	if (zb_isolated(cell_job, j, c, sizeof(*c), why, sizeof(why)) < 0) {
		memset(c, 0, sizeof(*c));
		c->status = ZB_FAILED;
		snprintf(c->reason, sizeof(c->reason), "%s", why);
	}
}

/*
 * Every selected method of one scenario and cache state: the verified
 * runs first, then the timed runs in rounds, one run of each method that
 * still needs runs per round. Load that comes and goes on a shared
 * machine then falls on every method alike, not on whichever ran during
 * the burst.
 */
static void run_group(struct zb_results *r, enum zb_scenario s,
		      enum zb_cache cache)
{
	struct cell_job j = {r, s, ZC_AUTO, cache, false};
	int active, round = 0;

	for (int i = 0; i < ZC_METHOD_COUNT; i++) {
		j.m = zb_method_at(i);
		if (!r->cfg.method[j.m])
			continue;
		zb_progress("%s, %s cache, %s: verified run",
			    zb_scenario_name(s), zb_cache_name(cache),
			    zc_method_name(j.m));
		cell_isolated(&j);
	}
	j.timed = true;
	do {
		active = 0;
		round++;
		for (int i = 0; i < ZC_METHOD_COUNT; i++) {
			struct zb_cell *c;

			j.m = zb_method_at(i);
			c = &r->cell[s][j.m][cache];
			if (!r->cfg.method[j.m] || c->status != ZB_OK ||
			    zb_enough(&r->cfg, c))
				continue;
			active++;
			zb_progress("%s, %s cache: timed round %d, %s",
				    zb_scenario_name(s), zb_cache_name(cache),
				    round, zc_method_name(j.m));
			cell_isolated(&j);
		}
	} while (active);
	for (int i = 0; i < ZC_METHOD_COUNT; i++) {
		struct zb_cell *c = &r->cell[s][zb_method_at(i)][cache];

		if (c->status != ZB_OK)
			continue;
		c->settled = zb_spread(c) <= r->cfg.settle;
		zb_summarise(c);
	}
}

/* What the timed runs of s had at the far end, and where each end ran. */
static void describe_far(struct zb_results *r, enum zb_scenario s)
{
	int cs, cf;

	if (s == ZB_FILE_FILE) {
		snprintf(r->far[s], sizeof(r->far[s]), "no far end");
		return;
	}
	if (zb_pick_cpus(&cs, &cf) == 2)
		snprintf(r->far[s], sizeof(r->far[s]),
			 "%s in its own process; sender on CPU %d, far end "
			 "on CPU %d",
			 zb_far_name(far_kind(s)), cs, cf);
	else
		snprintf(r->far[s], sizeof(r->far[s]),
			 "%s in its own process; one CPU, not pinned",
			 zb_far_name(far_kind(s)));
}

int zb_run_scenarios(struct zb_results *r)
{
	int failed = 0;

	for (int s = 0; s < ZB_SCENARIO_COUNT; s++) {
		if (!r->cfg.scen[s])
			continue;
		describe_far(r, s);
		for (int c = 0; c < ZB_CACHE_COUNT; c++) {
			if (!r->cfg.cache[c] || !zb_cache_applies(s, c))
				continue;
			run_group(r, s, c);
			for (int i = 0; i < ZC_METHOD_COUNT; i++) {
				enum zc_method m = zb_method_at(i);

				failed += r->cfg.method[m] &&
					  r->cell[s][m][c].status == ZB_FAILED;
			}
		}
	}
	return failed;
}

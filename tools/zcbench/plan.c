/* SPDX-License-Identifier: MIT */
/*
 * plan.c — keeping the default suite near its time budget. One cold and
 * one warm pass over the source (read and check, as a receiver does) give
 * this machine's speeds; from them and the least number of runs selected
 * comes an estimate (figures that do not settle run longer, up to their
 * own budget), and when it is over the budget the source shrinks to the
 * largest power-of-two MiB that fits. Only when --size was not given: an
 * explicit size is always honoured.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"

#define MIN_SIZE (16ull << 20)

/* Seconds to read and check the whole source once, or < 0 on error. */
static double pass(int fd, uint64_t size)
{
	enum { CHUNK = 1 << 20 };
	char *buf = malloc(CHUNK);
	double t0 = zb_now();

	if (!buf)
		return -1;
	for (uint64_t pos = 0; pos < size;) {
		ssize_t r = pread(fd, buf, CHUNK, (off_t)pos);

		if (r <= 0) {
			free(buf);
			return -1;
		}
		zb_check(buf, (size_t)r, pos);
		pos += (uint64_t)r;
	}
	free(buf);
	return zb_now() - t0;
}

/* Methods that plausibly serve a scenario (the rest refuse at once). */
static bool likely(enum zb_scenario s, enum zc_method m)
{
	switch (m) {
	case ZC_COPY_FILE_RANGE:
		return s == ZB_FILE_FILE;
	case ZC_MSG_ZEROCOPY:
	case ZC_IO_URING_ZC:
		return s == ZB_FILE_TCP;
	case ZC_MMAP_WRITE:
	case ZC_SENDFILE:
	case ZC_DIRECT_IO:
		return s != ZB_TCP_FILE;
	default:
		return true;
	}
}

static double estimate(const struct zb_results *r, double warm, double cold)
{
	const struct zb_config *c = &r->cfg;
	double runs = 0, t;

	for (int s = 0; s < ZB_SCENARIO_COUNT; s++)
		for (int k = 0; k < ZB_CACHE_COUNT; k++) {
			if (!c->scen[s] || !c->cache[k] ||
			    !zb_cache_applies(s, k))
				continue;
			for (int m = 0; m < ZC_METHOD_COUNT; m++) {
				if (!c->method[m] || !likely(s, m))
					continue;
				/* transfer + check, plus the disk when cold;
				 * writing a file costs about as much again */
				t = 2.0 * warm + (k == ZB_COLD ? cold : 0);
				if (s == ZB_FILE_FILE || s == ZB_TCP_FILE)
					t *= 1.5;
				/* one verified run, then the timed ones */
				runs += t * (1 + c->reps);
			}
		}
	if (c->disk)
		runs += 3.0 * c->reps * (cold + warm);
	return runs;
}

void zb_plan(struct zb_results *r)
{
	uint64_t size = r->src_size, fit;
	double warm, cold, total;
	char a[TC_HUMAN_LEN], b[TC_HUMAN_LEN];
	int fd;

	if (r->cfg.size_given || r->cfg.budget <= 0 || size <= MIN_SIZE)
		return;
	fd = open(r->src_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	zb_drop_cache(fd, size);
	cold = pass(fd, size);
	warm = pass(fd, size);
	if (cold <= 0 || warm <= 0)
		goto out;
	total = estimate(r, warm, cold);
	if (total <= r->cfg.budget)
		goto out;
	fit = (uint64_t)((double)size * r->cfg.budget / total);
	for (size = MIN_SIZE; size * 2 <= fit && size * 2 < r->src_size;)
		size *= 2;
	/* The pattern depends on position only: a prefix is still valid. */
	if (ftruncate(fd, (off_t)size) == 0 && fsync(fd) == 0) {
		snprintf(r->note, sizeof(r->note),
			 "size scaled from %s to %s to fit the ~%.0f s budget "
			 "(estimated %.0f s; --size fixes it, --budget 0 "
			 "disables scaling)",
			 tc_human_size(r->src_size, a, sizeof(a)),
			 tc_human_size(size, b, sizeof(b)), r->cfg.budget,
			 total);
		r->src_size = size;
	}
out:
	close(fd);
}

/* SPDX-License-Identifier: MIT */
/*
 * measure.c — turning one run into figures and several runs into a median
 * with its range. CPU time, context switches and page faults are those of
 * the thread that called the library (RUSAGE_THREAD), as struct zc_stats
 * reports them; zcbench takes the same reading itself around the call
 * (tc_usage_now) and uses it only when the library left those fields
 * empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"

double zb_now(void)
{
	return tc_ns_to_s(tc_now_ns());
}

static double cpu_clock(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double zb_thread_cpu(void)
{
	return cpu_clock(CLOCK_THREAD_CPUTIME_ID);
}

double zb_process_cpu(void)
{
	return cpu_clock(CLOCK_PROCESS_CPUTIME_ID);
}

void zb_span_begin(struct zb_span *s)
{
	s->p0 = zb_process_cpu();
	tc_usage_now(&s->u0);
	s->c0 = zb_thread_cpu();
	s->t0 = zb_now();
}

void zb_span_end(struct zb_span *s)
{
	s->t1 = zb_now();
	s->c1 = zb_thread_cpu();
	tc_usage_now(&s->u1);
}

void zb_record(struct zb_cell *c, const struct zc_stats *st,
	       const struct zb_span *sp, double side)
{
	struct zc_stats own;
	/* The library fills wall_ns whenever it fills the rusage fields. */
	const struct zc_stats *ru = st->wall_ns ? st : &own;
	double wall = sp->t1 - sp->t0, *m;
	double per;

	if (c->nruns >= ZB_MAX_REPS)
		return;
	tc_usage_diff(&own, &sp->u0, &sp->u1);
	m = c->runs[c->nruns++];
	per = st->bytes ? ZB_GIB / (double)st->bytes : 0;
	m[ZB_M_BYTES] = (double)st->bytes;
	m[ZB_M_WALL] = wall;
	m[ZB_M_MIBS] = wall > 0 ? (double)st->bytes / 1048576.0 / wall : 0;
	m[ZB_M_USER] = (double)ru->cpu_user_ns / 1e9 * per;
	m[ZB_M_SYS] = (double)ru->cpu_sys_ns / 1e9 * per;
	/* getrusage splits user/system by sampling at the tick; the thread
	 * CPU clock is the scheduler's exact runtime, so the total uses it. */
	m[ZB_M_CPU] = (sp->c1 - sp->c0) * per;
	/* io_uring hands work to its own worker threads: count them too. */
	m[ZB_M_SIDE] = (side > 0 ? side : 0) * per;
	m[ZB_M_SYSCALLS] = (double)st->syscalls * per;
	m[ZB_M_VCSW] = (double)ru->vol_ctxsw * per;
	m[ZB_M_IVCSW] = (double)ru->invol_ctxsw * per;
	m[ZB_M_MINFLT] = (double)ru->minor_faults * per;
	m[ZB_M_MAJFLT] = (double)ru->major_faults * per;
	m[ZB_M_UCOPY] = (double)st->user_copy_bytes * per;
	m[ZB_M_KCOPY] = (double)st->zc_copied_bytes * per;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void zb_summarise(struct zb_cell *c)
{
	double v[ZB_MAX_REPS];
	int n = c->nruns;

	for (int k = 0; k < ZB_METRIC_COUNT; k++) {
		struct zb_summary *s = &c->sum[k];

		if (n == 0) {
			memset(s, 0, sizeof(*s));
			continue;
		}
		for (int i = 0; i < n; i++)
			v[i] = c->runs[i][k];
		qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
		s->min = v[0];
		s->max = v[n - 1];
		s->med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
		/* Quartiles by the nearest rank: values that were measured. */
		s->lo = n >= ZB_IQR_RUNS ? v[(n - 1) / 4] : s->min;
		s->hi = n >= ZB_IQR_RUNS ? v[n - 1 - (n - 1) / 4] : s->max;
	}
}

double zb_resident(int fd, uint64_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (size_t)((size + page - 1) / page), resident = 0;
	unsigned char *vec;
	void *map;
	int err;

	if (size == 0)
		return 1;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	vec = malloc(pages);
	if (!vec || mincore(map, size, vec) < 0) {
		err = vec ? errno : ENOMEM;
		free(vec);
		munmap(map, size);
		return -err;
	}
	for (size_t i = 0; i < pages; i++)
		resident += vec[i] & 1;
	free(vec);
	munmap(map, size);
	return (double)resident / (double)pages;
}

double zb_drop_cache(int fd, uint64_t size)
{
	int err;

	if (fsync(fd) < 0)
		return -errno;
	err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (err)
		return -err;
	/* mincore tells whether the drop worked (tmpfs, for one, ignores it).
	 */
	return zb_resident(fd, size);
}

int zb_warm_cache(int fd, uint64_t size)
{
	enum { CHUNK = 1 << 20 };
	char *buf;

	if (zb_resident(fd, size) >= 1.0)
		return 0;
	buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	for (uint64_t pos = 0; pos < size;) {
		ssize_t r = pread(fd, buf, CHUNK, (off_t)pos);

		if (r <= 0) {
			free(buf);
			return r < 0 ? -errno : -EIO;
		}
		pos += (uint64_t)r;
	}
	free(buf);
	return 0;
}

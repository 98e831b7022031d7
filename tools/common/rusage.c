/* SPDX-License-Identifier: MIT */
/*
 * rusage.c — the tools' own reading of what a stretch of code cost the
 * calling thread (getrusage(RUSAGE_THREAD) and the monotonic clock), in the
 * fields of struct zc_stats, for work the library does not account for
 * itself: a reflink clone, a pass over a private view, or a check on the
 * library's own figures.
 */
#include <string.h>
#include <sys/resource.h>

#include "common.h"
#include "zcio.h"

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

void tc_usage_now(struct zc_stats *st)
{
	struct rusage ru;

	memset(st, 0, sizeof(*st));
	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return;
	st->cpu_user_ns = tv_ns(ru.ru_utime);
	st->cpu_sys_ns = tv_ns(ru.ru_stime);
	st->vol_ctxsw = (uint64_t)ru.ru_nvcsw;
	st->invol_ctxsw = (uint64_t)ru.ru_nivcsw;
	st->minor_faults = (uint64_t)ru.ru_minflt;
	st->major_faults = (uint64_t)ru.ru_majflt;
	st->wall_ns = tc_now_ns();
}

void tc_usage_diff(struct zc_stats *d, const struct zc_stats *a,
		   const struct zc_stats *b)
{
	memset(d, 0, sizeof(*d));
	d->cpu_user_ns = b->cpu_user_ns - a->cpu_user_ns;
	d->cpu_sys_ns = b->cpu_sys_ns - a->cpu_sys_ns;
	d->vol_ctxsw = b->vol_ctxsw - a->vol_ctxsw;
	d->invol_ctxsw = b->invol_ctxsw - a->invol_ctxsw;
	d->minor_faults = b->minor_faults - a->minor_faults;
	d->major_faults = b->major_faults - a->major_faults;
	d->wall_ns = b->wall_ns - a->wall_ns;
}

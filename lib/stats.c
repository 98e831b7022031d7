/* SPDX-License-Identifier: MIT */
/*
 * stats.c — the time and resource part of struct zc_stats, taken around a
 * call: wall clock, this thread's CPU times, context switches and page
 * faults (getrusage(RUSAGE_THREAD) deltas), and the system calls the
 * library made (zc__sys_calls() delta).
 */
#include <string.h>
#include <time.h>

#include "internal.h"

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void zc__stats_begin(struct zc_stats_clock *c)
{
	getrusage(RUSAGE_THREAD, &c->ru);
	c->calls = zc__sys_calls();
	c->t0 = mono_ns();
}

void zc__stats_end(const struct zc_stats_clock *c, struct zc_stats *st)
{
	struct rusage ru;

	st->wall_ns = mono_ns() - c->t0;
	st->syscalls = zc__sys_calls() - c->calls;
	getrusage(RUSAGE_THREAD, &ru);
	st->cpu_user_ns = tv_ns(ru.ru_utime) - tv_ns(c->ru.ru_utime);
	st->cpu_sys_ns = tv_ns(ru.ru_stime) - tv_ns(c->ru.ru_stime);
	st->vol_ctxsw = (uint64_t)(ru.ru_nvcsw - c->ru.ru_nvcsw);
	st->invol_ctxsw = (uint64_t)(ru.ru_nivcsw - c->ru.ru_nivcsw);
	st->minor_faults = (uint64_t)(ru.ru_minflt - c->ru.ru_minflt);
	st->major_faults = (uint64_t)(ru.ru_majflt - c->ru.ru_majflt);
}

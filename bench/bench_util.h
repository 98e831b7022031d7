/* SPDX-License-Identifier: MIT */
/*
 * bench_util.h — what the bench programs share: a fatal-error exit, CPU
 * pinning and a monotonic clock in seconds. Header-only, because the Makefile
 * builds every bench/X.c as its own program. A program that calls die() defines
 * PROG (its name, for the message) before including this.
 */
#ifndef ZC_BENCH_UTIL_H
#define ZC_BENCH_UTIL_H

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef PROG
/* Prints "PROG: message" and exits 1. */
__attribute__((format(printf, 1, 2), noreturn)) static inline void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
#endif

/* Keep the calling thread on one CPU (-1: anywhere). */
static inline void pin_cpu(int cpu)
{
	cpu_set_t s;

	if (cpu < 0)
		return;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif

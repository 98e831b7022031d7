/* SPDX-License-Identifier: MIT */
/*
 * clock.c — the tools' time source: CLOCK_MONOTONIC, immune to wall-clock
 * steps, so rates and ETAs never go negative.
 */
#include <time.h>

#include "common.h"

uint64_t tc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* SPDX-License-Identifier: MIT */
/*
 * progress.c — one self-erasing status line on a terminal while the suite
 * runs ("file-tcp warm sendfile 2/3"), and nothing at all when stderr is a
 * file or a pipe, so logs hold only the report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "bench.h"

static int on = -1;

void zb_progress(const char *fmt, ...)
{
	va_list ap;

	if (on < 0)
		on = isatty(2);
	if (!on)
		return;
	fputs("\r\033[Kzcbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

void zb_progress_end(void)
{
	if (on > 0)
		fputs("\r\033[K", stderr);
}

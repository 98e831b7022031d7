/* SPDX-License-Identifier: MIT */
/*
 * blog.c — stderr log lines for the broker (see blog.h). Each line is
 * formatted first and written with one call so lines never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "blog.h"

static void vline(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "zcbroker: ");
	int m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	ssize_t r = write(STDERR_FILENO, buf, n);
	(void)r;
}

static int quiet;

void blog_quiet(int on)
{
	quiet = on;
}

void blog(const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

void blog_debug(const char *fmt, ...)
{
	static int on = -1;
	if (on < 0)
		on = getenv("ZCBROKER_DEBUG") != NULL;
	if (!on)
		return;
	va_list ap;
	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

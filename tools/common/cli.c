/* SPDX-License-Identifier: MIT */
/*
 * cli.c — what the tools' command lines share: one format for a usage
 * error, a single line "TOOL: WHAT (try 'TOOL --help')" as for every other
 * error of the tools, and its exit status.
 */
#include <stdarg.h>
#include <stdio.h>

#include "common.h"

int tc_usage_verror(const char *tool, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tool);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (try '%s --help')\n", tool);
	return TC_EXIT_USAGE;
}

int tc_usage_error(const char *tool, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = tc_usage_verror(tool, fmt, ap);
	va_end(ap);
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * size.c — byte counts in and out of text: parsing "4K"/"1M"/"2G" style
 * arguments, and formatting sizes, rates and durations for people.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.h"

static int suffix_shift(const char *s, unsigned *shift)
{
	static const char units[] = "KMGTP";
	const char *u;

	if (*s == '\0') {
		*shift = 0;
		return 0;
	}
	if (*s == 'b' || *s == 'B') {
		*shift = 0;
		return s[1] == '\0' ? 0 : -EINVAL;
	}
	u = strchr(units, *s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	if (!u || *s == '\0')
		return -EINVAL;
	*shift = 10 * (unsigned)(u - units + 1);
	s++;
	/* Accept "K", "KB", "KiB" (any case): all mean 1024 here. */
	if (*s == 'i' || *s == 'I')
		s++;
	if (*s == 'b' || *s == 'B')
		s++;
	return *s == '\0' ? 0 : -EINVAL;
}

int tc_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift;
	int ret;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	ret = suffix_shift(s, &shift);
	if (ret)
		return ret;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/* Scale v by 1024 until it is below 1024 and print with a unit from list. */
static const char *scaled(double v, const char *const *units, size_t n,
			  char *buf, size_t len)
{
	size_t i = 0;

	if (!isfinite(v) || v < 0)
		v = 0;
	while (v >= 1024 && i + 1 < n) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.0f %s", v, units[0]);
	else if (v < 10)
		snprintf(buf, len, "%.2f %s", v, units[i]);
	else if (v < 100)
		snprintf(buf, len, "%.1f %s", v, units[i]);
	else
		snprintf(buf, len, "%.0f %s", v, units[i]);
	return buf;
}

const char *tc_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

	return scaled((double)bytes, u, sizeof(u) / sizeof(u[0]), buf, len);
}

const char *tc_human_rate(double bytes_per_sec, char *buf, size_t len)
{
	static const char *const u[] = {"B/s",	 "KiB/s", "MiB/s",
					"GiB/s", "TiB/s", "PiB/s"};

	return scaled(bytes_per_sec, u, sizeof(u) / sizeof(u[0]), buf, len);
}

const char *tc_human_duration(double secs, char *buf, size_t len)
{
	unsigned long s;

	if (!isfinite(secs) || secs < 0 || secs > 1e9) {
		snprintf(buf, len, "--");
		return buf;
	}
	if (secs < 10) {
		snprintf(buf, len, "%.2fs", secs);
		return buf;
	}
	s = (unsigned long)(secs + 0.5);
	if (s < 60)
		snprintf(buf, len, "%lus", s);
	else if (s < 3600)
		snprintf(buf, len, "%lum%02lus", s / 60, s % 60);
	else
		snprintf(buf, len, "%luh%02lum", s / 3600, s / 60 % 60);
	return buf;
}

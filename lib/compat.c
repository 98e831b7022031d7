/* SPDX-License-Identifier: MIT */
/*
 * compat.c — zc_transfer, zc_transfer_opts and zc_read_file as zcio 0.1
 * defined them, for programs built against the 0.1 header (symbol version
 * ZCIO_0.1; see "ABI" in zcio.h and lib/libzcio.map). Programs built
 * against the current header call the _v1 symbols instead (ZC_SYMBOL).
 *
 * In 0.1, struct zc_stats ended after zc_copied_bytes (104 bytes) and
 * struct zc_options after progress_arg (40 bytes): the fields before the
 * reserved words are exactly the 0.1 layout. These read and write only
 * that much of the caller's structures and run the current calls on
 * full-size copies.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

#define STATS_0_1 offsetof(struct zc_stats, reserved)
#define OPTS_0_1  offsetof(struct zc_options, reserved)

_Static_assert(STATS_0_1 == 104, "zcio 0.1 struct zc_stats layout");
_Static_assert(OPTS_0_1 == 40, "zcio 0.1 struct zc_options layout");

/* The 0.1 symbols, under C names of their own (the header gives the public
 * names to the current calls). */
ZC_API ssize_t zc__transfer_0_1(int out_fd, int in_fd, off_t *in_off,
				size_t count, enum zc_method method,
				void *stats) ZC_SYMBOL(zc_transfer);
ZC_API ssize_t zc__transfer_opts_0_1(int out_fd, int in_fd, off_t *in_off,
				     size_t count, const void *opts,
				     void *stats) ZC_SYMBOL(zc_transfer_opts);
ZC_API ssize_t zc__read_file_0_1(const char *path, enum zc_read_mode mode,
				 size_t count, size_t buf_size, void *stats)
    ZC_SYMBOL(zc_read_file);

static ssize_t give(ssize_t r, void *old, const struct zc_stats *st)
{
	if (old)
		memcpy(old, st, STATS_0_1);
	return r;
}

ZC_API ssize_t zc__transfer_0_1(int out_fd, int in_fd, off_t *in_off,
				size_t count, enum zc_method method,
				void *stats)
{
	struct zc_stats st;

	return give(zc_transfer(out_fd, in_fd, in_off, count, method,
				stats ? &st : NULL),
		    stats, &st);
}

ZC_API ssize_t zc__transfer_opts_0_1(int out_fd, int in_fd, off_t *in_off,
				     size_t count, const void *opts,
				     void *stats)
{
	struct zc_options o;
	struct zc_stats st;

	memset(&o, 0, sizeof(o));
	if (opts)
		memcpy(&o, opts, OPTS_0_1);
	return give(zc_transfer_opts(out_fd, in_fd, in_off, count,
				     opts ? &o : NULL, stats ? &st : NULL),
		    stats, &st);
}

ZC_API ssize_t zc__read_file_0_1(const char *path, enum zc_read_mode mode,
				 size_t count, size_t buf_size, void *stats)
{
	struct zc_stats st;

	return give(
	    zc_read_file(path, mode, count, buf_size, stats ? &st : NULL),
	    stats, &st);
}

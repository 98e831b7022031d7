/* SPDX-License-Identifier: MIT */
/*
 * stub-0.1.c — stands in for the libzcio.so.0 of zcio 0.1 at link time:
 * the functions of the 0.1 header, unversioned, with soname libzcio.so.0,
 * so that a program links as it did against 0.1 (unversioned references).
 * It never runs: the program runs against the current library.
 */
#include <stdlib.h>

#include "zcio-0.1.h"

#define NEVER                                                                  \
	{                                                                      \
		abort();                                                       \
	}

const char *zc_method_name(enum zc_method m) NEVER;
int zc_method_from_name(const char *name) NEVER;
const struct zc_method_info *zc_method_info(enum zc_method m) NEVER;
ssize_t zc_transfer(int out_fd, int in_fd, off_t *in_off, size_t count,
		    enum zc_method method, struct zc_stats *stats) NEVER;
ssize_t zc_transfer_opts(int out_fd, int in_fd, off_t *in_off, size_t count,
			 const struct zc_options *opts,
			 struct zc_stats *stats) NEVER;
int zc_method_check(int out_fd, int in_fd, enum zc_method m) NEVER;
int zc_clone(int dst_fd, int src_fd) NEVER;
int zc_view_open(struct zc_view *v, int fd, off_t off, size_t len) NEVER;
ssize_t zc_view_read(const struct zc_view *v, size_t pos, void *buf,
		     size_t len) NEVER;
void zc_view_close(struct zc_view *v) NEVER;
ssize_t zc_read_file(const char *path, enum zc_read_mode mode, size_t count,
		     size_t buf_size, struct zc_stats *stats) NEVER;
const char *zc_version(void) NEVER;

/* SPDX-License-Identifier: MIT */
/*
 * transfer.c — zc_transfer(): argument checks, the input position, the
 * AUTO dispatcher with its fallback rules, sparse copies, signal guarding
 * and the accounting of struct zc_stats.
 *
 * The input position is kept in one place: for a seekable input the engines
 * work on x->pos through explicit-offset calls, and only at the end is it
 * stored back (caller's *in_off, or in_fd's file position with lseek). So
 * whatever an engine read ahead, the caller sees start + bytes delivered.
 *
 * Fallback rules (AUTO): an attempt that fails before moving a byte with
 * one of the "cannot serve" errors (zc__declines) hands over to the next
 * candidate; after progress only EOVERFLOW does (the next method continues
 * from where the last stopped). Every other error ends the transfer.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int (*const engines[ZC_METHOD_COUNT])(struct zc_xfer *) = {
    [ZC_READ_WRITE] = zc__engine_read_write,
    [ZC_MMAP_WRITE] = zc__engine_mmap,
    [ZC_SENDFILE] = zc__engine_sendfile,
    [ZC_SPLICE] = zc__engine_splice,
    [ZC_COPY_FILE_RANGE] = zc__engine_copy_file_range,
    [ZC_DIRECT_IO] = zc__engine_direct,
    [ZC_IO_URING] = zc__engine_io_uring,
    [ZC_MSG_ZEROCOPY] = zc__engine_msg_zerocopy,
    [ZC_IO_URING_ZC] = zc__engine_io_uring_zc,
};

int zc__advance(struct zc_xfer *x, uint64_t n)
{
	const struct zc_options *o = x->opts;

	x->done += n;
	if (o->progress && o->progress(x->done, o->progress_arg))
		return -ECANCELED;
	return 0;
}

static void add(const struct zc_xfer *x, enum zc_method *list, int *n,
		enum zc_method m)
{
	for (int i = 0; i < *n; i++)
		if (list[i] == m)
			return;
	if (zc__engine_check(m, x) == 0)
		list[(*n)++] = m;
}

int zc__auto_list(const struct zc_xfer *x, enum zc_method list[ZC_METHOD_COUNT])
{
	enum zc_fd_kind in = x->in.kind, out = x->out.kind;
	bool copy = x->opts->flags & ZC_F_COPY_SEMANTICS;
	/* procfs & co.: the kernel methods see size 0 and move nothing. */
	bool real = !x->in.size_lies;
	int n = 0;

	if (in == ZC_FD_FILE && out == ZC_FD_FILE && real) {
		add(x, list, &n, ZC_COPY_FILE_RANGE);
		/* Across filesystems copy_file_range says EXDEV, but sendfile
		 * still copies inside the kernel (file output since 2.6.33). */
		add(x, list, &n, ZC_SENDFILE);
	}
	if ((in == ZC_FD_FILE || in == ZC_FD_BLK) && real &&
	    out == ZC_FD_SOCK_STREAM && !copy)
		add(x, list, &n, ZC_SENDFILE);
	if (in == ZC_FD_PIPE || in == ZC_FD_SOCK_STREAM)
		add(x, list, &n, ZC_SPLICE);
	if (in == ZC_FD_FILE && real && out == ZC_FD_PIPE && !copy)
		add(x, list, &n, ZC_SPLICE);
	add(x, list, &n, ZC_READ_WRITE);
	return n;
}

bool zc__declines(int err)
{
	switch (err) {
	case -EINVAL:
	case -ENOSYS:
	case -EOPNOTSUPP:
	case -EXDEV:
	case -EBADF:
	case -EPERM:
	case -ENODEV:
	case -ENOTSOCK:
	case -ESPIPE:
	case ZC_ENOTHERE:
		return true;
	}
	return false;
}

static int run(struct zc_xfer *x, enum zc_method m)
{
	if (zc__method_disabled(m))
		return -ENOSYS;
	x->st->method = m;
	return engines[m](x);
}

/* One pass over [done, want) with the method asked for. */
static int attempt(struct zc_xfer *x)
{
	enum zc_method own[ZC_METHOD_COUNT], *list = own, m = x->opts->method;
	uint64_t before;
	bool declined;
	int r, n, *np = &n;

	if (m != ZC_AUTO) {
		before = x->done;
		r = run(x, m);
		if (r < 0 && x->done == before)
			zc__method_note_error(m, r);
		return r;
	}
	if (x->plist) {
		list = x->plist;
		np = x->pn;
	} else {
		n = zc__auto_list(x, own);
	}
	if (*np == 0)
		return -EINVAL;
	for (int i = 0;;) {
		before = x->done;
		r = run(x, list[i]);
		if (r == 0 || i == *np - 1)
			return r;
		declined = x->done == before && zc__declines(r);
		if (!declined && r != -EOVERFLOW)
			return r;
		x->st->fallbacks++;
		if (declined) {
			zc__method_note_error(list[i], r);
			/* A pair settles its choice: a method that declined
			 * is not tried again. */
			if (list == x->plist) {
				memmove(&list[i], &list[i + 1],
					(size_t)(*np - i - 1) * sizeof(*list));
				(*np)--;
				continue;
			}
		}
		i++;
	}
}

/*
 * ZC_F_SPARSE: data extents go through attempt(), holes by seeking out_fd.
 * A hole is sought over in the output, so it reads back as zeros only where
 * the output had no bytes yet. Where it had (an existing, longer file, or
 * any block device), zero_old() overwrites that part of the range with
 * zeros.
 */
static int zero_old(struct zc_xfer *x, off_t len)
{
	static const char zeros[65536];
	struct stat st;
	off_t o = zc__sys_lseek(x->out_fd, 0, SEEK_CUR);
	ssize_t w;
	int r;

	if (o < 0)
		return (int)o;
	r = zc__sys_fstat(x->out_fd, &st);
	if (r < 0)
		return r;
	/* A block device has no holes: all it held there is overwritten. */
	if (x->out.kind != ZC_FD_BLK) {
		if (st.st_size <= o)
			return 0;
		if (len > st.st_size - o)
			len = st.st_size - o;
	}
	while (len > 0) {
		w = zc__sys_pwrite(x->out_fd, zeros,
				   len < (off_t)sizeof(zeros) ? (size_t)len
							      : sizeof(zeros),
				   o);
		if (w == -EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? (int)w : -EIO;
		o += w;
		len -= w;
	}
	return 0;
}

static int sparse(struct zc_xfer *x)
{
	uint64_t want = x->want;
	off_t end = x->in.st.st_size, data, hole, o;
	struct stat st;
	int r = 0;

	if (x->pos >= end)
		return 0;
	if (want < (uint64_t)(end - x->pos))
		end = x->pos + (off_t)want;
	while (x->pos < end) {
		data = zc__sys_lseek(x->in_fd, x->pos, SEEK_DATA);
		if (data == -ENXIO || data > end)
			data = end;
		else if (data < 0)
			return x->done ? (int)data : attempt(x);
		if (data > x->pos) {
			r = zero_old(x, data - x->pos);
			if (r < 0)
				return r;
			o = zc__sys_lseek(x->out_fd, data - x->pos, SEEK_CUR);
			if (o < 0)
				return (int)o;
			r = zc__advance(x, (uint64_t)(data - x->pos));
			x->pos = data;
			if (r)
				return r;
		}
		if (data >= end)
			break;
		hole = zc__sys_lseek(x->in_fd, data, SEEK_HOLE);
		if (hole < 0 || hole > end)
			hole = end;
		x->want = x->done + (uint64_t)(hole - data);
		r = attempt(x);
		x->want = want;
		if (r < 0)
			return r;
		if (x->pos < hole) /* input shrank under us */
			break;
	}
	/* A trailing hole: extend the output to where it was sought. */
	o = zc__sys_lseek(x->out_fd, 0, SEEK_CUR);
	if (o < 0)
		return (int)o;
	r = zc__sys_fstat(x->out_fd, &st);
	if (r == 0 && st.st_size < o && S_ISREG(st.st_mode))
		r = zc__sys_ftruncate(x->out_fd, o);
	return r;
}

bool zc__sparse_applies(const struct zc_xfer *x)
{
	return (x->opts->flags & ZC_F_SPARSE) && x->in.kind == ZC_FD_FILE &&
	       !x->in.size_lies &&
	       (x->out.kind == ZC_FD_FILE || x->out.kind == ZC_FD_BLK) &&
	       !(x->out.flags & O_APPEND);
}

/*
 * Same inode on both sides: overlapping ranges are refused up front, as
 * copy_file_range does, so no method reads bytes it has just written; and
 * the input ends at its size at the start, or an append would chase its
 * own output forever.
 */
static int same_inode(struct zc_xfer *x)
{
	off_t size = x->in.st.st_size, len, opos;

	if (x->in.kind != ZC_FD_FILE || x->out.kind != ZC_FD_FILE ||
	    x->in.st.st_dev != x->out.st.st_dev ||
	    x->in.st.st_ino != x->out.st.st_ino)
		return 0;
	len = size > x->pos ? size - x->pos : 0;
	if (x->want > (uint64_t)len)
		x->want = (uint64_t)len;
	len = (off_t)x->want;
	if (x->out.flags & O_APPEND)
		opos = size;
	else if ((opos = zc__sys_lseek(x->out_fd, 0, SEEK_CUR)) < 0)
		return (int)opos;
	if (len > 0 && x->pos < opos + len && opos < x->pos + len)
		return -EINVAL;
	return 0;
}

int zc__xfer_prepare(struct zc_xfer *x, off_t *in_off, bool check)
{
	int r;

	if (in_off && !x->in.seekable)
		return -ESPIPE;
	if (in_off && *in_off < 0)
		return -EINVAL;
	if (x->in.kind == ZC_FD_FILE || x->in.kind == ZC_FD_BLK) {
		x->pos =
		    in_off ? *in_off : zc__sys_lseek(x->in_fd, 0, SEEK_CUR);
		if (x->pos < 0)
			return (int)x->pos;
		x->in_off = &x->pos;
	} else if (in_off) {
		/* A seekable character device: an offset means pread. */
		x->pos = *in_off;
		x->in_off = &x->pos;
	}
	/* AUTO: read-write serves every pair it can read and write, so its
	 * refusal (-EBADF wrong open mode, -EISDIR) is AUTO's too. */
	r = check
		? zc__engine_check(x->opts->method == ZC_AUTO ? ZC_READ_WRITE
							      : x->opts->method,
				   x)
		: 0;
	if (r < 0)
		return r;
	return same_inode(x);
}

bool zc__opts_valid(const struct zc_options *o)
{
	for (size_t i = 0; i < sizeof(o->reserved) / sizeof(o->reserved[0]);
	     i++)
		if (o->reserved[i])
			return false;
	return (unsigned)o->method < ZC_METHOD_COUNT;
}

int zc__xfer_move(struct zc_xfer *x, off_t *in_off, unsigned sigs)
{
	struct zc_sigguard g;
	off_t start = x->pos;
	bool odirect = false;
	int r;

	if (x->want == 0) {
		enum zc_method list[ZC_METHOD_COUNT];

		if (x->opts->method != ZC_AUTO)
			return 0;
		if (x->plist && *x->pn > 0)
			x->st->method = x->plist[0];
		else if (!x->plist && zc__auto_list(x, list) > 0)
			x->st->method = list[0];
		return 0;
	}
	/* An O_DIRECT output takes only aligned buffers, offsets and
	 * lengths, which no engine can promise (a file's tail is rarely
	 * aligned): write it buffered for this call, restore after. */
	if (x->out.flags & O_DIRECT)
		odirect = zc__sys_fcntl(x->out_fd, F_SETFL,
					x->out.flags & ~O_DIRECT) == 0;
	zc__sig_block(&g, sigs);
	r = zc__sparse_applies(x) ? sparse(x) : attempt(x);
	zc__sig_restore(&g, r < 0);
	if (odirect)
		zc__sys_fcntl(x->out_fd, F_SETFL, x->out.flags);
	if (x->in_off && in_off) {
		*in_off = start + (off_t)x->done;
	} else if (x->in_off && x->done) {
		off_t o =
		    zc__sys_lseek(x->in_fd, start + (off_t)x->done, SEEK_SET);

		if (o < 0 && r == 0)
			r = (int)o;
	}
	if (r == -EAGAIN && (x->opts->flags & ZC_F_NO_WAIT) && x->done)
		r = 0;
	if (r == ZC_ENOTHERE)
		r = -EOPNOTSUPP;
	return r;
}

ZC_API ssize_t zc_transfer_opts(int out_fd, int in_fd, off_t *in_off,
				size_t count, const struct zc_options *opts,
				struct zc_stats *stats)
{
	static const struct zc_options auto_opts = {.method = ZC_AUTO};
	struct zc_stats scratch;
	struct zc_xfer x = {.out_fd = out_fd, .in_fd = in_fd};
	struct zc_stats_clock clk;
	int r;

	x.opts = opts ? opts : &auto_opts;
	x.st = stats ? stats : &scratch;
	memset(x.st, 0, sizeof(*x.st));
	x.st->method = x.opts->method;
	x.want = count == ZC_TO_EOF ? UINT64_MAX : count;
	/* getrusage only when someone reads the figures. */
	if (stats)
		zc__stats_begin(&clk);
	if (!zc__opts_valid(x.opts)) {
		r = -EINVAL;
		goto out_stats;
	}
	r = zc__fdinfo(in_fd, &x.in);
	if (r == 0)
		r = zc__fdinfo(out_fd, &x.out);
	if (r == 0)
		r = zc__xfer_prepare(&x, in_off, true);
	if (r == 0)
		r = zc__xfer_move(&x, in_off, ZC_SIG_ALL);
out_stats:
	x.st->bytes = x.done;
	if (stats)
		zc__stats_end(&clk, stats);
	return r < 0 ? r : (ssize_t)x.done;
}

ZC_API ssize_t zc_transfer(int out_fd, int in_fd, off_t *in_off, size_t count,
			   enum zc_method method, struct zc_stats *stats)
{
	struct zc_options o = {.method = method};

	return zc_transfer_opts(out_fd, in_fd, in_off, count, &o, stats);
}

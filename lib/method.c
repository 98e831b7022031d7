/* SPDX-License-Identifier: MIT */
/*
 * method.c — the methods as data: names, the seed's cost table, which
 * descriptor pairs each engine can serve (zc__engine_check, zc_method_check)
 * and the process-wide "this kernel lacks the call" cache.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

#include "fault.h"

/* The seed's model for one buffer moved from a file to a socket; the names
 * are those of the command lines and JSON. Indexed by enum zc_method. */
static const struct zc_method_info infos[ZC_METHOD_COUNT] = {
    {ZC_AUTO, "auto", 0, 0, 0, 0, "2.6.17",
     "best method for the pair, falling back while nothing moved"},
    {ZC_READ_WRITE, "read-write", 4, 2, 2, 2, "1.0",
     "read(2) into a user buffer, write(2) out: two CPU copies"},
    {ZC_MMAP_WRITE, "mmap", 4, 1, 2, 4, "1.0",
     "mmap(2) window + write(2): one CPU copy page cache -> socket"},
    {ZC_SENDFILE, "sendfile", 2, 1, 2, 1, "2.2",
     "sendfile(2) in the kernel; [2,0,2] with SG-DMA NICs"},
    {ZC_SPLICE, "splice", 2, 0, 2, 2, "2.6.17",
     "splice(2) in -> pipe -> out, page references only"},
    {ZC_COPY_FILE_RANGE, "copy-file-range", 2, 0, 2, 1, "4.5",
     "copy_file_range(2) file -> file in the kernel; 0 DMA with reflink"},
    {ZC_DIRECT_IO, "direct", 4, 1, 2, 2, "2.4.10",
     "O_DIRECT read DMAs into the user buffer; one CPU copy on write"},
    {ZC_IO_URING, "io-uring", 2, 0, 2, 1, "5.7",
     "io_uring IORING_OP_SPLICE pairs, one io_uring_enter per chunk"},
    {ZC_MSG_ZEROCOPY, "msg-zerocopy", 2, 0, 2, 2, "4.14",
     "send(MSG_ZEROCOPY) from mapped pages; completions on the error queue"},
    {ZC_IO_URING_ZC, "io-uring-zc", 2, 0, 2, 1, "6.0",
     "io_uring IORING_OP_SEND_ZC from mapped pages; a notification per send"},
};

ZC_API const char *zc_method_name(enum zc_method m)
{
	return (unsigned)m < ZC_METHOD_COUNT ? infos[m].name : "unknown";
}

ZC_API int zc_method_from_name(const char *name)
{
	for (int i = 0; name && i < ZC_METHOD_COUNT; i++)
		if (strcmp(name, infos[i].name) == 0)
			return i;
	return -EINVAL;
}

#define STR_(x) #x
#define STR(x)	STR_(x)

ZC_API const char *zc_version(void)
{
	return STR(ZCIO_VERSION_MAJOR) "." STR(ZCIO_VERSION_MINOR) "." STR(
	    ZCIO_VERSION_PATCH);
}

ZC_API const struct zc_method_info *zc_method_info(enum zc_method m)
{
	return (unsigned)m < ZC_METHOD_COUNT ? &infos[m] : NULL;
}

/* ---- the "unsupported" cache ------------------------------------------ */

static atomic_bool disabled[ZC_METHOD_COUNT];

bool zc__method_disabled(enum zc_method m)
{
	return (unsigned)m < ZC_METHOD_COUNT &&
	       atomic_load_explicit(&disabled[m], memory_order_relaxed);
}

/* The call with descriptors -1/-1: EBADF (or EFAULT) says the kernel and
 * any filter let it through, EPERM/ENOSYS say a filter or the kernel
 * refuses it whatever the arguments. */
static bool probe_refused(enum zc_method m)
{
	long r;

	switch (m) {
	case ZC_COPY_FILE_RANGE:
		r = zc__sys_copy_file_range(-1, NULL, -1, NULL, 1, 0);
		break;
	case ZC_SENDFILE:
		r = zc__sys_sendfile(-1, -1, NULL, 1);
		break;
	case ZC_SPLICE:
		r = zc__sys_splice(-1, NULL, -1, NULL, 1, 0);
		break;
	case ZC_IO_URING:
	case ZC_IO_URING_ZC:
		r = zc__sys_io_uring_setup(1, NULL);
		break;
	default:
		return false;
	}
	return r == -EPERM || r == -ENOSYS;
}

void zc__method_note_error(enum zc_method m, int err)
{
	if ((unsigned)m >= ZC_METHOD_COUNT)
		return;
	if (err == -ENOSYS || (err == -EPERM && probe_refused(m)))
		atomic_store(&disabled[m], true);
}

void zc__reset_caches(void)
{
	for (int i = 0; i < ZC_METHOD_COUNT; i++)
		atomic_store(&disabled[i], false);
	zc__pipe_pool_drain();
}

/* ---- which pairs an engine serves -------------------------------------- */

static bool is_file(const struct zc_fdinfo *f)
{
	return f->kind == ZC_FD_FILE;
}

static bool appends(const struct zc_fdinfo *f)
{
	return (f->flags & O_APPEND) && f->kind == ZC_FD_FILE;
}

/* SO_ZEROCOPY exists for TCP only (unix stream sockets refuse it). */
static int inet_socket(int fd)
{
	int dom = 0;
	unsigned len = sizeof(dom);

	if (zc__sys_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) < 0)
		return 0; /* cannot tell: let the engine find out */
	return dom == AF_INET || dom == AF_INET6 ? 0 : -EOPNOTSUPP;
}

int zc__engine_check(enum zc_method m, const struct zc_xfer *x)
{
	const struct zc_fdinfo *in = &x->in, *out = &x->out;

	if ((unsigned)m >= ZC_METHOD_COUNT || m == ZC_AUTO)
		return -EINVAL;
	if ((in->flags & O_ACCMODE) == O_WRONLY ||
	    (out->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (in->kind == ZC_FD_DIR || out->kind == ZC_FD_DIR)
		return -EISDIR;
	if (zc__method_disabled(m))
		return -ENOSYS;
	switch (m) {
	case ZC_READ_WRITE:
		return 0;
	case ZC_MMAP_WRITE:
	case ZC_DIRECT_IO:
		return is_file(in) && !in->size_lies ? 0 : -EINVAL;
	case ZC_SENDFILE:
		if (!is_file(in) && in->kind != ZC_FD_BLK)
			return -EINVAL;
		return appends(out) ? -EBADF : 0;
	case ZC_SPLICE:
	case ZC_IO_URING:
		if (in->kind == ZC_FD_SOCK_OTHER ||
		    out->kind == ZC_FD_SOCK_OTHER)
			return -EINVAL;
		return appends(out) ? -EBADF : 0;
	case ZC_COPY_FILE_RANGE:
		if (!is_file(in) || !is_file(out))
			return -EINVAL;
		return appends(out) ? -EBADF : 0;
	case ZC_MSG_ZEROCOPY:
	case ZC_IO_URING_ZC:
		return is_file(in) && out->kind == ZC_FD_SOCK_STREAM
			   ? inet_socket(x->out_fd)
			   : -EINVAL;
	default:
		return -EINVAL;
	}
}

ZC_API int zc_method_check(int out_fd, int in_fd, enum zc_method m)
{
	struct zc_options o = {.method = m};
	struct zc_stats st;
	struct zc_xfer x = {
	    .out_fd = out_fd, .in_fd = in_fd, .opts = &o, .st = &st};
	enum zc_method list[ZC_METHOD_COUNT];
	int r, n;

	if ((unsigned)m >= ZC_METHOD_COUNT)
		return -EINVAL;
	r = zc__fdinfo(in_fd, &x.in);
	if (r < 0)
		return r;
	r = zc__fdinfo(out_fd, &x.out);
	if (r < 0)
		return r;
	if (m != ZC_AUTO) {
		r = zc__engine_check(m, &x);
		return r < 0 ? r : (int)m;
	}
	n = zc__auto_list(&x, list);
	if (n > 0)
		return (int)list[0];
	r = zc__engine_check(ZC_READ_WRITE, &x);
	return r < 0 ? r : -EINVAL;
}

/* SPDX-License-Identifier: MIT */
/*
 * view.c — copy-on-write private views of a file (zc_view_*).
 *
 * A view is an mmap(MAP_PRIVATE, PROT_READ|PROT_WRITE) of the page-aligned
 * span around [off, off + len): reads share the page cache, the first write
 * to a page gives the process its own copy of that page, the file never
 * changes. zc_view_read() copies out of the view under a SIGBUS guard: a
 * thread-local sigsetjmp point armed for the copy, and a SIGBUS handler,
 * installed once per process, that jumps back when the fault hit the view
 * being read by that thread, and otherwise hands the signal to whatever
 * handler was there before (or to the default action).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* What the reading thread is copying from, while the guard is armed. */
struct bus_guard {
	sigjmp_buf env;
	const char *lo, *hi;
	volatile sig_atomic_t armed;
};

static _Thread_local struct bus_guard *cur_guard;
static struct sigaction old_bus;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;
static int bus_err;

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	struct bus_guard *g = cur_guard;
	const char *a = si ? (const char *)si->si_addr : NULL;

	if (g && g->armed && a >= g->lo && a < g->hi) {
		g->armed = 0;
		siglongjmp(g->env, 1);
	}
	/* Not ours: the handler that was there before, as it asked. */
	if (old_bus.sa_flags & SA_SIGINFO) {
		old_bus.sa_sigaction(sig, si, ctx);
	} else if (old_bus.sa_handler != SIG_DFL &&
		   old_bus.sa_handler != SIG_IGN) {
		old_bus.sa_handler(sig);
	} else {
		/* Default action: returning re-runs the faulting access,
		 * which now kills the process as it would have. */
		signal(SIGBUS, SIG_DFL);
	}
}

static void install_bus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old_bus) < 0)
		bus_err = -errno;
}

ZC_API int zc_view_open(struct zc_view *v, int fd, off_t off, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), lead;
	struct stat st;
	void *p = NULL;
	int r;

	memset(v, 0, sizeof(*v));
	if (off < 0)
		return -EINVAL;
	r = zc__sys_fstat(fd, &st);
	if (r)
		return r;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return -EINVAL;
	if (len == 0) {
		if (off >= st.st_size)
			return -EINVAL;
		len = (size_t)(st.st_size - off);
	}
	lead = (size_t)off & (pg - 1);
	if (len > SIZE_MAX - lead)
		return -EINVAL;
	r = zc__sys_mmap(&p, lead + len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			 fd, off - (off_t)lead);
	if (r)
		return r == -ENODEV ? -EINVAL : r;
	v->map_base = p;
	v->map_len = lead + len;
	v->addr = (char *)p + lead;
	v->len = len;
	return 0;
}

ZC_API ssize_t zc_view_read(const struct zc_view *v, size_t pos, void *buf,
			    size_t len)
{
	struct bus_guard g;

	if (!v->addr || pos > v->len)
		return -EINVAL;
	if (len > v->len - pos)
		len = v->len - pos;
	if (len == 0)
		return 0;
	pthread_once(&bus_once, install_bus);
	if (bus_err)
		return bus_err;
	g.lo = (const char *)v->map_base;
	g.hi = g.lo + v->map_len;
	g.armed = 0;
	cur_guard = &g;
	/* savemask 1: the jump back restores the mask, so SIGBUS is not left
	 * blocked by the interrupted handler. */
	if (sigsetjmp(g.env, 1)) {
		cur_guard = NULL;
		return -EFAULT;
	}
	g.armed = 1;
	memcpy(buf, (const char *)v->addr + pos, len);
	g.armed = 0;
	cur_guard = NULL;
	return (ssize_t)len;
}

ZC_API void zc_view_close(struct zc_view *v)
{
	if (v->map_base)
		zc__sys_munmap(v->map_base, v->map_len);
	memset(v, 0, sizeof(*v));
}

/* SPDX-License-Identifier: MIT */
/*
 * isolate.c — running one measurement in a child process, so that a method
 * that crashes or hangs costs its own row ("FAILED: killed by signal 11")
 * and never the whole benchmark. The child fills a plain struct and sends
 * its bytes back through a pipe; the parent waits for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* A run that takes longer than this is a hang, not a measurement. */
#define RUN_TIMEOUT_MIN 60

static bool in_child;

static void on_alarm(int sig)
{
	static const char msg[] = "zcbench: a transfer hung; giving up\n";
	ssize_t n;

	(void)sig;
	if (in_child) /* the parent reports it and goes on */
		_exit(ZB_HUNG);
	n = write(2, msg, sizeof(msg) - 1);
	(void)n; /* nothing better to do if stderr is gone */
	zb_cleanup();
	_exit(1);
}

void zb_watchdog(uint64_t bytes)
{
	/* Generous: 5 MiB/s is far below any disk this would run on. */
	uint64_t t = bytes / (5u << 20);

	if (bytes == 0) {
		alarm(0);
		return;
	}
	signal(SIGALRM, on_alarm);
	alarm((unsigned)(t < RUN_TIMEOUT_MIN ? RUN_TIMEOUT_MIN : t));
}

static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void write_all(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3);
		put += (size_t)n;
	}
}

int zb_isolated(void (*fn)(void *arg), void *arg, void *result, size_t len,
		char *why, size_t why_len)
{
	int fds[2], st, ok;
	pid_t pid;

	fflush(NULL); /* nothing buffered may be written twice */
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, why_len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, why_len, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		in_child = true;
		close(fds[0]);
		fn(arg);
		write_all(fds[1], result, len);
		_exit(0); /* no atexit handlers: the parent owns the files */
	}
	close(fds[1]);
	ok = read_all(fds[0], result, len) == 0;
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (ok)
		return 0;
	if (WIFSIGNALED(st))
		snprintf(why, why_len,
			 "the run crashed: killed by signal %d (%s)",
			 WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == ZB_HUNG)
		snprintf(why, why_len, "the run hung: no result in time");
	else
		snprintf(why, why_len,
			 "the run ended without a result (exit status %d)",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return -1;
}

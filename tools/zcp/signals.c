/* SPDX-License-Identifier: MIT */
/*
 * signals.c — stopping zcp cleanly on SIGINT, SIGTERM and SIGHUP.
 *
 * The first signal only sets a flag: the progress callback sees it after
 * the current chunk and the library returns -ECANCELED, so main() removes
 * the temporary file and leaves DST untouched. A source that sends nothing
 * never completes a chunk, so the first signal also arms a two-second
 * alarm; when it fires (or a second signal arrives) the handler itself
 * unlinks the named temporary file, if any (an O_TMPFILE one vanishes with
 * the process), and exits with status 1. Only async-signal-safe calls are
 * made in the handlers.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "zcp.h"

static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t armed = 1;
static char cleanup[PATH_MAX];

static void forced_exit(void)
{
	static const char msg[] = "zcp: interrupted: stopped by signal\n";

	if (cleanup[0])
		unlink(cleanup);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void on_signal(int sig)
{
	if (sig == SIGALRM) {
		if (armed)
			forced_exit();
		return;
	}
	if (stop_sig && armed)
		forced_exit();
	if (!stop_sig)
		stop_sig = sig;
	if (armed)
		alarm(2);
}

void zcp_signals_install(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	/* No SA_RESTART: accept(), open() of a FIFO and the like must return
	 * EINTR so a stop request is seen while waiting for a peer. */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int zcp_stop_signal(void)
{
	return stop_sig;
}

void zcp_signals_cleanup_path(const char *path)
{
	sigset_t all, old;

	/* The handler reads `cleanup`: never let it see half a string. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (path && strlen(path) < sizeof(cleanup))
		memcpy(cleanup, path, strlen(path) + 1);
	else
		cleanup[0] = '\0';
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void zcp_signals_disarm(void)
{
	armed = 0;
	alarm(0);
}

const char *zcp_sig_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "a signal";
	}
}

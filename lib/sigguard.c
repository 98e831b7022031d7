/* SPDX-License-Identifier: MIT */
/*
 * sigguard.c — keep a transfer from killing the process.
 *
 * write/sendfile/splice into a socket or pipe whose reader is gone raise
 * SIGPIPE (splice and sendfile take no MSG_NOSIGNAL), and writing past
 * RLIMIT_FSIZE raises SIGXFSZ. Both are sent to the calling thread, so
 * blocking them in that thread for the duration of the transfer turns them
 * into plain EPIPE/EFBIG returns.
 *
 * Afterwards a signal the transfer raised is consumed with a zero-timeout
 * sigtimedwait, so restoring the mask does not deliver it. Only signals the
 * caller had unblocked are consumed: one pending before the transfer must
 * have been blocked by the caller (else it would have been delivered), and
 * stays pending as the caller's own mask would have it. Such a signal comes
 * only with a failed call (EPIPE, EFBIG), so a successful transfer costs
 * just the two mask changes.
 */
#include <pthread.h>
#include <time.h>

#include "internal.h"

static const int guarded[] = {SIGPIPE, SIGXFSZ}; /* by ZC_SIG_* bit */

void zc__sig_block(struct zc_sigguard *g, unsigned which)
{
	sigset_t s;

	g->which = which;
	if (!which)
		return;
	sigemptyset(&s);
	for (unsigned i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++)
		if (which & (1u << i))
			sigaddset(&s, guarded[i]);
	pthread_sigmask(SIG_BLOCK, &s, &g->old);
}

void zc__sig_restore(struct zc_sigguard *g, bool failed)
{
	const struct timespec zero = {0, 0};
	sigset_t now, one;

	if (!g->which)
		return;
	if (failed && sigpending(&now) == 0) {
		for (unsigned i = 0; i < sizeof(guarded) / sizeof(guarded[0]);
		     i++) {
			if (!(g->which & (1u << i)) ||
			    !sigismember(&now, guarded[i]) ||
			    sigismember(&g->old, guarded[i]))
				continue;
			sigemptyset(&one);
			sigaddset(&one, guarded[i]);
			sigtimedwait(&one, NULL, &zero);
		}
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

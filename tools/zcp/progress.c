/* SPDX-License-Identifier: MIT */
/*
 * progress.c — the --progress display on stderr. On a terminal one line is
 * redrawn in place at most ten times a second; otherwise (a log file, a
 * pipe) a plain line is printed at most once a second. Shows bytes, rate,
 * and, when the size is known, percent and ETA. The final line reports the
 * finished transfer.
 */
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "zcp.h"

#define TTY_PERIOD_NS  100000000ull  /* 10 draws a second */
#define LINE_PERIOD_NS 1000000000ull /* 1 line a second */

void zcp_progress_init(struct zcp_progress *p, bool on, bool total_known,
		       uint64_t total)
{
	p->on = on;
	p->tty = isatty(STDERR_FILENO);
	p->total_known = total_known;
	p->total = total;
	p->start_ns = tc_now_ns();
	p->last_ns = p->start_ns;
	p->width = 0;
}

static void draw(struct zcp_progress *p, uint64_t moved, uint64_t now,
		 bool final)
{
	char done[TC_HUMAN_LEN], all[TC_HUMAN_LEN], rate[TC_HUMAN_LEN];
	char eta[TC_HUMAN_LEN], line[160];
	double secs = tc_ns_to_s(now - p->start_ns);
	double bps = secs > 0 ? (double)moved / secs : 0;
	int n;

	tc_human_size(moved, done, sizeof(done));
	tc_human_rate(bps, rate, sizeof(rate));
	if (p->total_known) {
		double pct =
		    p->total ? 100.0 * (double)moved / (double)p->total : 100.0;
		double left = bps > 0 ? (double)(p->total - moved) / bps : -1;

		if (moved > p->total)
			left = 0;
		tc_human_size(p->total, all, sizeof(all));
		if (final)
			tc_human_duration(secs, eta, sizeof(eta));
		else
			tc_human_duration(left, eta, sizeof(eta));
		n = snprintf(line, sizeof(line), "%s / %s  %5.1f%%  %s  %s %s",
			     done, all, pct, rate, final ? "in" : "ETA", eta);
	} else {
		tc_human_duration(secs, eta, sizeof(eta));
		n = snprintf(line, sizeof(line), "%s  %s  %s", done, rate, eta);
	}
	if (n < 0)
		return;
	if (p->tty) {
		/* Pad over the previous, possibly longer, line. */
		fprintf(stderr, "\r%s%*s", line,
			p->width > n ? p->width - n : 0, "");
		p->width = n;
		if (final)
			fputc('\n', stderr);
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
	p->last_ns = now;
}

void zcp_progress_update(struct zcp_progress *p, uint64_t moved)
{
	uint64_t now;

	if (!p->on)
		return;
	now = tc_now_ns();
	if (now - p->last_ns >= (p->tty ? TTY_PERIOD_NS : LINE_PERIOD_NS))
		draw(p, moved, now, false);
}

void zcp_progress_finish(struct zcp_progress *p, uint64_t moved, bool ok)
{
	if (!p->on)
		return;
	if (ok && p->total_known)
		moved = p->total > moved ? moved : p->total;
	if (ok) {
		draw(p, moved, tc_now_ns(), true);
	} else if (p->tty && p->width) {
		fputc('\n', stderr); /* keep the error on its own line */
		fflush(stderr);
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * zcp.h — what the files of the zcp tool share: the two ends of a copy
 * (endpoint.c), TCP addresses (net.c), the stop-on-signal machinery
 * (signals.c), the progress display (progress.c) and the --stats/--json
 * report (report.c). main.c ties them together.
 */
#ifndef ZCP_H
#define ZCP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "zcio.h"

/* ---- endpoints (endpoint.c) ------------------------------------------- */

enum zcp_kind {
	ZCP_PATH,	/* a file system path */
	ZCP_STDIO,	/* "-": stdin for SRC, stdout for DST */
	ZCP_TCP,	/* tcp:HOST:PORT (DST) */
	ZCP_TCP_LISTEN, /* tcp-listen:[HOST:]PORT (SRC) */
};

struct zcp_end {
	const char *spec; /* as given on the command line */
	enum zcp_kind kind;
	int fd;		/* -1 until opened */
	struct stat st; /* fstat of fd once opened */
	/* DST written through a temporary file (a regular-file path): */
	bool temp;
	bool anon;		 /* O_TMPFILE: nameless until committed */
	bool existed;		 /* the final path existed before */
	char path[PATH_MAX];	 /* the final path (symlinks resolved) */
	char tmp_path[PATH_MAX]; /* named temporary, "" when none */
	const char *step;	 /* the step that failed, for messages */
};

/* Classify a command-line operand. Returns 0 or -EINVAL (bad syntax). */
int zcp_end_parse(struct zcp_end *e, const char *spec, bool is_src);

/* Open SRC for reading (accepting the connection for tcp-listen:).
 * Returns 0 or -errno, or one of the ZCP_E* codes below. */
int zcp_src_open(struct zcp_end *src);

/* Errors of our own beside -errno; zcp_strerror() describes all. */
#define ZCP_ESAME   (-10000) /* DST is the same file as SRC */
#define ZCP_ENONAME (-10001) /* a host name that does not resolve */
const char *zcp_strerror(int err);

/* Open DST: a temporary file beside a regular-file path, or the path /
 * stdout / socket itself. 0, -errno or a ZCP_E* code. */
int zcp_dst_open(struct zcp_end *dst, const struct zcp_end *src);

/* Make a temporary DST the real one (fsync first when asked). 0/-errno. */
int zcp_dst_commit(struct zcp_end *dst, bool do_fsync);

/* Drop a temporary DST (nothing visible is left behind) and close fds. */
void zcp_end_close(struct zcp_end *e, bool discard);

/* ---- TCP (net.c) ------------------------------------------------------ */

/* Split "HOST:PORT", "[V6]:PORT" or (allow_no_host) "PORT". host may come
 * back "" when absent. Returns 0 or -EINVAL. */
int zcp_split_hostport(const char *s, bool allow_no_host, char *host,
		       size_t hlen, char *port, size_t plen);

/* Connect to host:port (every address in turn). fd or -errno. */
int zcp_tcp_connect(const char *host, const char *port);

/* Listen on [host]:port (SO_REUSEADDR) and accept one connection. With
 * port "0", prints "zcp: listening on HOST:PORT" on stderr. fd or -errno;
 * -EINTR when a stop signal arrived while waiting. */
int zcp_tcp_accept_one(const char *host, const char *port);

/* ---- signals (signals.c) ---------------------------------------------- */

/* Catch SIGINT/SIGTERM/SIGHUP (no SA_RESTART, so blocking calls return
 * EINTR) and ignore SIGPIPE. */
void zcp_signals_install(void);
/* The signal that asked us to stop, or 0. */
int zcp_stop_signal(void);
/* A named temporary file the forced-exit path must unlink ("" or NULL:
 * none). The graceful path stops through the progress callback; if that
 * takes more than two seconds (a source that sends nothing), or a second
 * signal arrives, the handler unlinks this path and exits at once. */
void zcp_signals_cleanup_path(const char *path);
/* The transfer is over: signals no longer force an exit. */
void zcp_signals_disarm(void);

/* ---- progress (progress.c) -------------------------------------------- */

struct zcp_progress {
	bool on;
	bool tty; /* redraw one line in place */
	bool total_known;
	uint64_t total;
	uint64_t start_ns;
	uint64_t last_ns; /* last draw */
	int width;	  /* characters of the last in-place draw */
};

void zcp_progress_init(struct zcp_progress *p, bool on, bool total_known,
		       uint64_t total);
/* Called after every chunk; draws at most 10/s (tty) or 1/s (lines). */
void zcp_progress_update(struct zcp_progress *p, uint64_t moved);
/* Final draw (100% when ok) and newline. */
void zcp_progress_finish(struct zcp_progress *p, uint64_t moved, bool ok);

/* ---- report (report.c) ------------------------------------------------ */

struct zcp_report {
	const char *method; /* "clone" or zc_method_name() */
	const char *src, *dst;
	uint64_t wall_ns; /* whole transfer, as zcp saw it */
	struct zc_stats st;
};

void zcp_report_text(const struct zcp_report *r);
void zcp_report_json(const struct zcp_report *r);

#endif /* ZCP_H */
